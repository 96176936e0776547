//! `mppoint.Simulator`: the core's local Mercado Pago Point API, as a context manager, so a shop's
//! own pytest suite can run sales without a terminal.

use std::sync::Mutex;

use mppoint::{AmountLimits, ErrorKind, Site};
use mppoint_simulator::{CardOutcome, FaultRule, PrintOutcome, Simulator, SimulatorConfig};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::PyClient;
use crate::convert::{self, amount_from, seconds, Int, Real, Text};
use crate::errors::{detached, to_pyerr, IntoPyResult};

/// A running simulator (`None` once stopped).
#[pyclass(frozen, module = "mppoint", name = "Simulator")]
pub struct PySimulator {
    inner: Mutex<Option<Simulator>>,
    /// How a client of it is made (URL, token, certificate, site, limits): the core's recipe.
    settings: mppoint_simulator::ClientSettings,
    webhook_secret: String,
}

fn stopped(py: Python<'_>) -> PyErr {
    to_pyerr(py, &Simulator::stopped_error())
}

fn faults_from(py: Python<'_>, faults: &Bound<'_, PyAny>) -> PyResult<Vec<FaultRule>> {
    let json = py.import("json")?;
    let mut out = Vec::new();
    for f in faults.try_iter()? {
        let f = f?;
        if !f.is_instance_of::<PyDict>() {
            return Err(PyTypeError::new_err(
                "a fault must be a dict, e.g. {\"endpoint\": \"GetIntent\", \"kind\": {\"type\": \"Status\", \"status\": 503}, \"times\": 1}",
            ));
        }
        let text: String = json.call_method1("dumps", (f,))?.extract()?;
        let rule: FaultRule = serde_json::from_str(&text).map_err(|e| {
            to_pyerr(
                py,
                &mppoint::Error::invalid_argument(
                    "fault",
                    format!("is not a fault rule ({e})"),
                    &text,
                ),
            )
        })?;
        out.push(rule);
    }
    Ok(out)
}

/// `stores=`, `pos=` or `devices=`: a sequence of dicts read as the simulator's records (the keys
/// of `SimStore`, `SimPos`, `SimDevice`); what does not fit is an `InvalidArgumentError`.
fn records<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    field: &'static str,
    example: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<Vec<T>> {
    let json = py.import("json")?;
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        if !item.is_instance_of::<PyDict>() {
            return Err(PyTypeError::new_err(format!(
                "each of {field} must be a dict, e.g. {example}, not {}",
                item.get_type().name()?
            )));
        }
        let text: String = json.call_method1("dumps", (item,))?.extract()?;
        let record: T = serde_json::from_str(&text).map_err(|e| {
            to_pyerr(
                py,
                &mppoint::Error::invalid_argument(
                    field,
                    format!("each must look like {example} ({e})"),
                    &text,
                ),
            )
        })?;
        out.push(record);
    }
    Ok(out)
}

impl PySimulator {
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Simulator) -> T + Send) -> PyResult<T>
    where
        T: Send,
    {
        let inner = &self.inner;
        py.detach(|| {
            let guard = inner.lock().unwrap_or_else(|e| e.into_inner());
            guard.as_ref().map(f)
        })
        .ok_or_else(|| stopped(py))
    }
}

#[pymethods]
impl PySimulator {
    #[new]
    #[pyo3(signature = (*, access_token=None, site=None, bind=None, amount_limits=None,
        pickup_delay=None, step_delay=None, time_factor=None, webhook_urls=None,
        webhook_secret=None, max_webhook_attempts=None, honor_idempotency_keys=None, tls=false,
        faults=None, expire_on_terminal=None, mode_change_restart=None,
        webhook_retry_schedule=None, webhook_ts_unit=None, stores=None, pos=None, devices=None,
        sandbox_terminal=false, test_account=None, partial_refunds=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        access_token: Option<Text>,
        site: Option<Text>,
        bind: Option<Text>,
        amount_limits: Option<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
        pickup_delay: Option<Real>,
        step_delay: Option<Real>,
        time_factor: Option<Int<u32>>,
        webhook_urls: Option<Vec<Text>>,
        webhook_secret: Option<Text>,
        max_webhook_attempts: Option<Int<u32>>,
        honor_idempotency_keys: Option<bool>,
        tls: bool,
        faults: Option<Bound<'_, PyAny>>,
        expire_on_terminal: Option<bool>,
        mode_change_restart: Option<f64>,
        webhook_retry_schedule: Option<Vec<f64>>,
        webhook_ts_unit: Option<Text>,
        stores: Option<Bound<'_, PyAny>>,
        pos: Option<Bound<'_, PyAny>>,
        devices: Option<Bound<'_, PyAny>>,
        sandbox_terminal: bool,
        test_account: Option<bool>,
        partial_refunds: Option<bool>,
    ) -> PyResult<Self> {
        let mut cfg = SimulatorConfig::default();
        if let Some(t) = access_token {
            cfg.access_token = String::from(t);
        }
        if let Some(s) = site {
            cfg.site = s.parse::<Site>().py(py)?;
        }
        if let Some(b) = bind {
            cfg.bind = b.parse().map_err(|_| {
                to_pyerr(
                    py,
                    &mppoint::Error::invalid_argument(
                        "bind",
                        "must be an address like \"127.0.0.1:0\"",
                        &b,
                    ),
                )
            })?;
        }
        if let Some((min, max)) = amount_limits {
            cfg.limits =
                Some(AmountLimits::new(amount_from(py, &min)?, amount_from(py, &max)?).py(py)?);
        }
        if let Some(d) = pickup_delay {
            cfg.pickup_delay = seconds(py, "pickup_delay", d.0, ErrorKind::InvalidArgument)?;
        }
        if let Some(d) = step_delay {
            cfg.step_delay = seconds(py, "step_delay", d.0, ErrorKind::InvalidArgument)?;
        }
        if let Some(f) = time_factor {
            cfg.time_factor = f.0;
        }
        if let Some(u) = webhook_urls {
            cfg.webhook_urls = u.into_iter().map(String::from).collect();
        }
        if let Some(s) = webhook_secret {
            cfg.webhook_secret = String::from(s);
        }
        if let Some(n) = max_webhook_attempts {
            cfg.max_webhook_attempts = n.0;
        }
        if let Some(h) = honor_idempotency_keys {
            cfg.honor_idempotency_keys = h;
        }
        cfg.tls = tls;
        if let Some(f) = faults {
            cfg.faults = faults_from(py, &f)?;
        }
        if let Some(e) = expire_on_terminal {
            cfg.expire_on_terminal = e;
        }
        if let Some(d) = mode_change_restart {
            cfg.mode_change_restart = Some(seconds(
                py,
                "mode_change_restart",
                d,
                ErrorKind::InvalidArgument,
            )?);
        }
        if let Some(pauses) = webhook_retry_schedule {
            cfg.webhook_retry_schedule = pauses
                .into_iter()
                .map(|p| seconds(py, "webhook_retry_schedule", p, ErrorKind::InvalidArgument))
                .collect::<PyResult<_>>()?;
        }
        if let Some(u) = webhook_ts_unit {
            cfg.webhook_ts_unit = u.parse::<mppoint_simulator::TsUnit>().py(py)?;
        }
        if let Some(v) = stores {
            cfg.stores = records(
                py,
                "stores",
                r#"{"id": "1000002", "name": "Loja Norte"}"#,
                &v,
            )?;
        }
        if let Some(v) = pos {
            cfg.pos = records(
                py,
                "pos",
                r#"{"id": 2000003, "external_id": "SUC002POS001", "store_id": "1000002"}"#,
                &v,
            )?;
        }
        if let Some(v) = devices {
            cfg.devices = records(
                py,
                "devices",
                r#"{"id": "PAX_A910__SMARTPOS0000000009", "pos_external_id": "SUC002POS001", "operating_mode": "PDV"}"#,
                &v,
            )?;
        }
        if let Some(t) = test_account {
            cfg.test_account = t;
        }
        if let Some(p) = partial_refunds {
            cfg.partial_refunds = p;
        }
        if sandbox_terminal {
            cfg = cfg.with_sandbox_terminal();
        }
        let sim = py.detach(|| Simulator::start(cfg)).py(py)?;
        Ok(PySimulator {
            settings: sim.client_settings(),
            webhook_secret: sim.webhook_secret().to_string(),
            inner: Mutex::new(Some(sim)),
        })
    }

    /// The simulator's base URL (`http://127.0.0.1:PORT`).
    #[getter]
    fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// The access token the simulator accepts.
    #[getter]
    fn access_token(&self) -> &str {
        &self.settings.access_token
    }

    /// The secret the simulator signs its webhook deliveries with.
    #[getter]
    fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// With `tls=True`: the PEM of the simulator's certificate authority.
    #[getter]
    fn ca_cert_pem(&self) -> Option<&str> {
        self.settings.ca_cert_pem.as_deref()
    }

    /// Whether it is still running.
    #[getter]
    fn running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// A `Client` pointed at this simulator, with its token (and CA certificate with TLS).
    #[pyo3(signature = (*, site=None, timeout=None, retries=None, api=None))]
    fn client(
        &self,
        py: Python<'_>,
        site: Option<Text>,
        timeout: Option<Real>,
        retries: Option<Int<i64>>,
        api: Option<Text>,
    ) -> PyResult<Py<PyClient>> {
        // The core's recipe: the simulator's URL, token, certificate, site and limits, no proxy.
        let mut b = self.settings.builder();
        if let Some(s) = site {
            b = b.site(s.parse::<Site>().py(py)?);
        }
        if let Some(t) = timeout {
            b = b.timeout(seconds(py, "timeout", t.0, ErrorKind::InvalidArgument)?);
        }
        if let Some(r) = retries {
            b = b.retry(mppoint::RetryPolicy::with_retries(r.0).py(py)?);
        }
        if let Some(a) = api {
            b = b.api(a.parse::<mppoint::Api>().py(py)?);
        }
        crate::reset_logging_cache();
        let inner = detached(py, "build the client", || b.build())?;
        Py::new(py, PyClient { inner })
    }

    /// The simulated terminal reads a card for this intent: `"approved"`, `"rejected"`,
    /// `"error"` or `"confirmation_required"` (any case).
    // The default is written out for `help()` and `inspect.signature`: a Rust default value
    // would show as `outcome=...` (Ellipsis).
    #[pyo3(signature = (intent_id, outcome=None), text_signature = "($self, intent_id, outcome='approved')")]
    fn present_card(&self, py: Python<'_>, intent_id: Text, outcome: Option<Text>) -> PyResult<()> {
        let o = match outcome {
            Some(o) => CardOutcome::parse(&o).py(py)?,
            None => CardOutcome::Approved,
        };
        self.with(py, |s| s.present_card(&intent_id, o))?.py(py)
    }

    /// The cashier cancels this intent on the simulated terminal.
    fn cancel_on_terminal(&self, py: Python<'_>, intent_id: Text) -> PyResult<()> {
        self.with(py, |s| s.cancel_on_terminal(&intent_id))?.py(py)
    }

    /// The simulated terminal keeps this intent (ON_TERMINAL) until a control call.
    fn hold_on_terminal(&self, py: Python<'_>, intent_id: Text) -> PyResult<()> {
        self.with(py, |s| s.hold_on_terminal(&intent_id))?.py(py)
    }

    /// The simulated device restarts and runs in the operating mode the API holds (after
    /// `set_operating_mode`, a device keeps its old mode until it restarts, as the guide says).
    fn restart_device(&self, py: Python<'_>, device_id: Text) -> PyResult<()> {
        self.with(py, |s| s.restart_device(&device_id))?.py(py)
    }

    /// Makes the simulated API answer the documented 403s: the device list "Integrator isn't
    /// registered", a mode change of the listed devices "User not logged into the device".
    /// Called without arguments, ends them.
    #[pyo3(
        signature = (*, integrator_not_registered=false, user_not_logged_in=Vec::new()),
        text_signature = "($self, *, integrator_not_registered=False, user_not_logged_in=())"
    )]
    fn set_forbidden(
        &self,
        py: Python<'_>,
        integrator_not_registered: bool,
        user_not_logged_in: Vec<Text>,
    ) -> PyResult<()> {
        let f = mppoint_simulator::Forbidden {
            integrator_not_registered,
            user_not_logged_in: user_not_logged_in.into_iter().map(String::from).collect(),
        };
        self.with(py, |s| s.set_forbidden(f))
    }

    /// Replaces the fault rules (dicts in the simulator's JSON form).
    fn set_faults(&self, py: Python<'_>, faults: &Bound<'_, PyAny>) -> PyResult<()> {
        let rules = faults_from(py, faults)?;
        self.with(py, |s| s.set_faults(rules))
    }

    /// Adds one fault rule.
    fn add_fault(&self, py: Python<'_>, fault: &Bound<'_, PyAny>) -> PyResult<()> {
        let list = pyo3::types::PyList::new(py, [fault])?;
        let mut rules = faults_from(py, list.as_any())?;
        let rule = rules.remove(0);
        self.with(py, |s| s.add_fault(rule))
    }

    /// Removes every fault rule.
    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |s| s.clear_faults())
    }

    /// What the simulator has seen, as a dict of counters.
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.with(py, |s| serde_json::to_string(&s.counters()))?;
        let text = c.map_err(|e| PyTypeError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// The simulator's view of an intent, or None.
    fn intent<'py>(&self, py: Python<'py>, intent_id: Text) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.with(py, |s| s.intent(&intent_id))? {
            Some(i) => convert::intent(py, &i).map(Some),
            None => Ok(None),
        }
    }

    /// The simulator's view of a payment, or None.
    fn payment<'py>(
        &self,
        py: Python<'py>,
        payment_id: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let payment_id = convert::payment_id(py, payment_id)?;
        match self.with(py, |s| s.payment(payment_id))? {
            Some(p) => convert::payment(py, &p).map(Some),
            None => Ok(None),
        }
    }

    /// Orders API: the customer adds `tip` on the terminal before paying order `order_id` (which
    /// must still wait for a card): once paid, its payment reads `tip_amount`.
    fn add_tip(&self, py: Python<'_>, order_id: Text, tip: &Bound<'_, PyAny>) -> PyResult<()> {
        let tip = amount_from(py, tip)?;
        self.with(py, |s| s.add_tip(&order_id, tip))?.py(py)
    }

    /// The print action ends now with `outcome`: `"processed"` (printed), `"failed"` or
    /// `"canceled"` (on the terminal). It must be `created` or `on_terminal`.
    #[pyo3(signature = (action_id, outcome=None), text_signature = "($self, action_id, outcome='processed')")]
    fn finish_print(&self, py: Python<'_>, action_id: Text, outcome: Option<Text>) -> PyResult<()> {
        let o = match outcome.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("processed") => PrintOutcome::Processed,
            Some("failed") => PrintOutcome::Failed,
            Some("canceled") => PrintOutcome::CanceledOnTerminal,
            Some(_) => {
                return Err(to_pyerr(
                    py,
                    &mppoint::Error::invalid_argument(
                        "outcome",
                        "must be processed, failed or canceled",
                        outcome.as_deref().unwrap_or_default(),
                    ),
                ))
            }
        };
        self.with(py, |s| s.finish_print(&action_id, o))?.py(py)
    }

    /// The print action stays where it is (`created`, or `on_terminal` once fetched) until
    /// `finish_print`.
    fn hold_print(&self, py: Python<'_>, action_id: Text) -> PyResult<()> {
        self.with(py, |s| s.hold_print(&action_id))?.py(py)
    }

    /// Every print action, oldest first, as dicts in the API's form.
    fn print_actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let all = self.with(py, |s| serde_json::to_string(&s.print_actions()))?;
        let text = all.map_err(|e| PyTypeError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Where webhook notifications are delivered.
    fn set_webhook_urls(&self, py: Python<'_>, urls: Vec<Text>) -> PyResult<()> {
        self.with(py, |s| {
            s.set_webhook_urls(urls.into_iter().map(String::from).collect())
        })
    }

    /// Stops the simulator (also done by `with` and when it is garbage-collected).
    fn stop(&self, py: Python<'_>) {
        let inner = &self.inner;
        let sim = inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(sim) = sim {
            py.detach(move || sim.stop());
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) {
        self.stop(py);
    }

    fn __repr__(&self) -> String {
        format!(
            "Simulator(base_url='{}', running={})",
            self.settings.base_url,
            if self.running() { "True" } else { "False" }
        )
    }
}

impl Drop for PySimulator {
    /// A simulator garbage-collected without `stop()`: stop it with the GIL released, so its
    /// worker threads (which may log through Python) can wind down.
    fn drop(&mut self) {
        let sim = self
            .inner
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(sim) = sim {
            // Without an interpreter to detach from (finalizing) the closure is dropped unrun,
            // and the Simulator's own Drop stops it.
            let _ = Python::try_attach(move |py| py.detach(move || sim.stop()));
        }
    }
}
