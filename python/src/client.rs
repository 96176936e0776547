//! `mppoint.Client`: a frozen pyclass around the core client (itself an `Arc`). Every method
//! converts its arguments with the GIL held, then runs the blocking core call with the GIL
//! released (`py.detach`), then converts the result back.

use std::sync::{Arc, Mutex};

use mppoint::{
    AmountLimits, CancelToken, DeviceFilter, ErrorKind, IntentRequest, OperatingMode, RetryPolicy,
    Site, WaitOptions,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{self, amount_from, opt_amount, seconds, Int, Real, Text};
use crate::errors::{detached, to_pyerr, IntoPyResult};

/// Stops a wait from another thread: `token.cancel()`.
#[pyclass(frozen, module = "mppoint", name = "CancelToken")]
pub struct PyCancelToken {
    pub(crate) inner: CancelToken,
}

#[pymethods]
impl PyCancelToken {
    #[new]
    fn new() -> Self {
        PyCancelToken {
            inner: CancelToken::new(),
        }
    }

    /// Cancels every wait given this token (now and later). Safe from any thread.
    fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn is_canceled(&self) -> bool {
        self.inner.is_canceled()
    }

    fn __repr__(&self) -> String {
        format!(
            "CancelToken(is_canceled={})",
            py_bool(self.inner.is_canceled())
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A Mercado Pago Point client. Thread-safe: share one per access token.
#[pyclass(frozen, module = "mppoint", name = "Client")]
pub struct PyClient {
    pub(crate) inner: mppoint::Client,
}

/// What stopped a wait on the Python side.
enum Failure {
    /// `on_status` raised an `Exception`: the core's wait ended as `ABORTED`, and the
    /// `AbortedError` raised has this exception as its `__cause__`.
    Callback(PyErr),
    /// A signal handler (Ctrl-C's `KeyboardInterrupt`), an `on_busy` callback or any
    /// `BaseException` that is not an `Exception` (`SystemExit`): re-raised as it is.
    Raised(PyErr),
}

type FailureSlot = Arc<Mutex<Option<Failure>>>;

/// What a wait needs besides the core options: the first Python exception raised by a callback
/// or a signal handler, which stops the wait.
struct PyWait {
    opts: WaitOptions,
    failure: FailureSlot,
}

impl PyWait {
    fn new(
        py: Python<'_>,
        timeout: Option<Real>,
        poll_interval: Option<Real>,
        on_status: Option<Bound<'_, PyAny>>,
        cancel: Option<Bound<'_, PyCancelToken>>,
    ) -> PyResult<PyWait> {
        let mut opts = WaitOptions::new();
        if let Some(t) = timeout {
            opts = opts.timeout(seconds(py, "timeout", t.0, ErrorKind::InvalidArgument)?);
        }
        if let Some(p) = poll_interval {
            opts = opts.poll_interval(seconds(
                py,
                "poll_interval",
                p.0,
                ErrorKind::InvalidArgument,
            )?);
        }
        if let Some(c) = cancel {
            opts = opts.cancel_token(c.get().inner.clone());
        }
        let failure: FailureSlot = Arc::new(Mutex::new(None));
        if let Some(cb) = on_status.filter(|c| !c.is_none()) {
            if !cb.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "on_status must be callable (it is called with each new Intent), not {}",
                    cb.get_type().name()?
                )));
            }
            let cb: Py<PyAny> = cb.unbind();
            let f = failure.clone();
            // A raise is the core's failing callback: the wait stops with the one ABORTED of
            // every language, and take_failure chains the exception to it.
            opts = opts.try_on_status(move |intent| {
                Python::attach(|py| {
                    let mut slot = f.lock().unwrap_or_else(|e| e.into_inner());
                    if slot.is_some() {
                        return Err("an earlier callback raised".into());
                    }
                    let called =
                        convert::intent(py, intent).and_then(|obj| cb.bind(py).call1((obj,)));
                    match called {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let why = describe(py, &e);
                            let exception = e.is_instance_of::<pyo3::exceptions::PyException>(py);
                            *slot = Some(if exception {
                                Failure::Callback(e)
                            } else {
                                Failure::Raised(e)
                            });
                            Err(why)
                        }
                    }
                })
            });
        }
        // Checked by the core at least every 100 ms while waiting: re-attach, run Python's
        // signal handlers (Ctrl-C raises KeyboardInterrupt there), and stop on any exception.
        let f = failure.clone();
        opts = opts.interrupt(move || {
            if f.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                return true;
            }
            Python::attach(|py| match py.check_signals() {
                Ok(()) => false,
                Err(e) => {
                    *f.lock().unwrap_or_else(|e| e.into_inner()) = Some(Failure::Raised(e));
                    true
                }
            })
        });
        Ok(PyWait { opts, failure })
    }

    /// A charge's busy-terminal options: `when_busy` (seconds to wait for a terminal another
    /// sale holds) and `on_busy`, called with each `AlreadyQueuedError` met meanwhile; an
    /// exception it raises stops the wait (nothing was created) and is re-raised.
    fn busy(
        mut self,
        py: Python<'_>,
        when_busy: Option<Real>,
        on_busy: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyWait> {
        if let Some(b) = when_busy {
            self.opts =
                self.opts
                    .when_busy(seconds(py, "when_busy", b.0, ErrorKind::InvalidArgument)?);
        }
        if let Some(cb) = on_busy.filter(|c| !c.is_none()) {
            if !cb.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "on_busy must be callable (it is called with each AlreadyQueuedError), not {}",
                    cb.get_type().name()?
                )));
            }
            let cb: Py<PyAny> = cb.unbind();
            let f = self.failure.clone();
            self.opts = self.opts.on_busy(move |e| {
                Python::attach(|py| {
                    let mut slot = f.lock().unwrap_or_else(|e| e.into_inner());
                    if slot.is_some() {
                        return;
                    }
                    let exc = to_pyerr(py, e).into_value(py);
                    if let Err(e) = cb.bind(py).call1((exc,)) {
                        *slot = Some(Failure::Raised(e));
                    }
                })
            });
        }
        Ok(self)
    }

    /// The Python exception to raise for a wait that Python code stopped, if any. An
    /// `on_status` that raised an `Exception`: the core's `AbortedError` (`failed`, naming the
    /// intent and key), its `__cause__` what the callback raised. Anything else (Ctrl-C's
    /// `KeyboardInterrupt`, `on_busy`'s exception): re-raised as it is, carrying `intent_id` and
    /// `idempotency_key` attributes and a note naming the intent (which still exists), so the POS
    /// can cancel what it left on the terminal.
    fn take_failure(
        &self,
        py: Python<'_>,
        failed: Option<&mppoint::Error>,
        intent_id: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Option<PyErr> {
        let e = match self
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?
        {
            Failure::Callback(cause) => match failed.filter(|e| e.kind() == ErrorKind::Aborted) {
                Some(aborted) => {
                    let err = to_pyerr(py, aborted);
                    err.set_cause(py, Some(cause));
                    return Some(err);
                }
                None => cause,
            },
            Failure::Raised(e) => e,
        };
        if let Some(id) = intent_id {
            let value = e.value(py);
            let _ = value.setattr("intent_id", id);
            let _ = value.setattr("idempotency_key", idempotency_key);
            // PEP 678 notes exist from Python 3.11; on 3.10 the attributes carry it.
            if value.hasattr("add_note").unwrap_or(false) {
                let _ = value.call_method1(
                    "add_note",
                    (format!("mppoint: the wait for intent {id} was stopped; the intent itself is untouched (cancel it, through the API or on the terminal, if the sale is abandoned)"),),
                );
            }
        }
        Some(e)
    }
}

/// A Python exception as a failing callback's reason in the core's message: `Type: message`.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let name = e
        .get_type(py)
        .name()
        .map_or_else(|_| "an exception".to_string(), |n| n.to_string());
    let text = e.value(py).str().map(|t| t.to_string()).unwrap_or_default();
    if text.is_empty() {
        name
    } else {
        format!("{name}: {text}")
    }
}

#[allow(clippy::too_many_arguments)]
fn request(
    py: Python<'_>,
    amount: &Bound<'_, PyAny>,
    description: Text,
    external_reference: Text,
    ticket_number: Option<Text>,
    print_seller_ticket: bool,
    idempotency_key: Option<Text>,
) -> PyResult<IntentRequest> {
    let mut req = IntentRequest::new(amount_from(py, amount)?, description, external_reference)
        .print_seller_ticket(print_seller_ticket);
    if let Some(t) = ticket_number {
        req = req.ticket_number(t);
    }
    if let Some(k) = idempotency_key {
        req = req.idempotency_key(k);
    }
    Ok(req)
}

fn pem_list(value: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![convert::str_of(s, ErrorKind::InvalidArgument)?
            .as_bytes()
            .to_vec()]);
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(vec![b.as_bytes().to_vec()]);
    }
    let mut out = Vec::new();
    for item in value.try_iter().map_err(|_| {
        PyTypeError::new_err("extra_root_certs must be PEM text (str or bytes) or a list of them")
    })? {
        let item = item?;
        if let Ok(s) = item.cast::<PyString>() {
            out.push(
                convert::str_of(s, ErrorKind::InvalidArgument)?
                    .as_bytes()
                    .to_vec(),
            );
        } else if let Ok(b) = item.cast::<PyBytes>() {
            out.push(b.as_bytes().to_vec());
        } else {
            return Err(PyTypeError::new_err(
                "extra_root_certs must be PEM text (str or bytes) or a list of them",
            ));
        }
    }
    Ok(out)
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (access_token, *, base_url=None, site=None, timeout=None, connect_timeout=None,
        retries=None, integrator_id=None, platform_id=None, corporation_id=None, user_agent=None,
        proxy=None, no_proxy=false, extra_root_certs=None, amount_limits=None,
        resend_ambiguous_creates=false, allow_insecure_http=false, api=None, webhook_secret=None,
        journal=None, journal_retention=None, test_account=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        access_token: &Bound<'_, PyAny>,
        base_url: Option<Text>,
        site: Option<Text>,
        timeout: Option<Real>,
        connect_timeout: Option<Real>,
        retries: Option<Int<i64>>,
        integrator_id: Option<Text>,
        platform_id: Option<Text>,
        corporation_id: Option<Text>,
        user_agent: Option<Text>,
        proxy: Option<Text>,
        no_proxy: bool,
        extra_root_certs: Option<Bound<'_, PyAny>>,
        amount_limits: Option<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
        resend_ambiguous_creates: bool,
        allow_insecure_http: bool,
        api: Option<Text>,
        webhook_secret: Option<Text>,
        journal: Option<std::path::PathBuf>,
        journal_retention: Option<Real>,
        test_account: bool,
    ) -> PyResult<Self> {
        // Extracted by hand so that no message can ever quote the token.
        let token: String = match access_token.cast::<PyString>() {
            Ok(s) => s.to_str().map(str::to_owned).map_err(|_| {
                to_pyerr(
                    py,
                    &mppoint::Error::new(
                        ErrorKind::Config,
                        "the access token is not valid text: copy it again from the Mercado Pago panel",
                    ),
                )
            })?,
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "access_token must be a str, not {}",
                    access_token.get_type().name()?
                )))
            }
        };
        let mut b = mppoint::Client::builder(token);
        if let Some(u) = base_url {
            b = b.base_url(u);
        }
        if let Some(s) = site {
            b = b.site(s.parse::<Site>().py(py)?);
        }
        if let Some(t) = timeout {
            b = b.timeout(seconds(py, "timeout", t.0, ErrorKind::InvalidArgument)?);
        }
        if let Some(t) = connect_timeout {
            b = b.connect_timeout(seconds(
                py,
                "connect_timeout",
                t.0,
                ErrorKind::InvalidArgument,
            )?);
        }
        if let Some(r) = retries {
            b = b.retry(RetryPolicy::with_retries(r.0).py(py)?);
        }
        if let Some(v) = integrator_id {
            b = b.integrator_id(v);
        }
        if let Some(v) = platform_id {
            b = b.platform_id(v);
        }
        if let Some(v) = corporation_id {
            b = b.corporation_id(v);
        }
        if let Some(v) = user_agent {
            b = b.user_agent_suffix(v);
        }
        if let Some(v) = proxy {
            b = b.proxy(v);
        }
        if no_proxy {
            b = b.no_proxy();
        }
        if let Some(certs) = extra_root_certs {
            for pem in pem_list(&certs)? {
                b = b.add_root_certificate_pem(pem);
            }
        }
        if let Some((min, max)) = amount_limits {
            let limits =
                AmountLimits::new(amount_from(py, &min)?, amount_from(py, &max)?).py(py)?;
            b = b.amount_limits(limits);
        }
        b = b
            .resend_ambiguous_creates(resend_ambiguous_creates)
            .allow_insecure_http(allow_insecure_http);
        if let Some(a) = api {
            b = b.api(a.parse::<mppoint::Api>().py(py)?);
        }
        if let Some(w) = webhook_secret {
            b = b.webhook_secret(w);
        }
        if let Some(j) = journal {
            b = b.journal(j);
        }
        if let Some(r) = journal_retention {
            b = b.journal_retention(seconds(
                py,
                "journal_retention",
                r.0,
                ErrorKind::InvalidArgument,
            )?);
        }
        b = b.test_account(test_account);
        crate::reset_logging_cache();
        let inner = detached(py, "build the client", || b.build())?;
        Ok(PyClient { inner })
    }

    /// Hands the client a webhook delivery (headers as a mapping, the raw body, the URL's query
    /// string): verified with the client's webhook secret, it wakes every wait of this client on
    /// its sale at once. Returns the notification; raises the typed signature error for a forged,
    /// unsigned or replayed delivery, which wakes nothing.
    #[pyo3(signature = (headers, body, query=None))]
    fn handle_webhook<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
        body: &Bound<'py, PyAny>,
        query: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pairs = crate::webhook::header_pairs(headers)?;
        let bytes = crate::webhook::body_bytes(body)?;
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
        let query = query.as_deref().unwrap_or("");
        let d = self.inner.handle_webhook(&pairs, query, &bytes).py(py)?;
        crate::webhook::notification(py, &d.notification)
    }

    /// The API this client speaks: `"intents"` or `"orders"`.
    #[getter]
    fn api(&self) -> &'static str {
        self.inner.api().as_str()
    }

    /// Whether the access token is a test credential (`TEST-…`, or `test_account=True`): the
    /// sandbox's `simulate_order_event` needs one.
    #[getter]
    fn has_test_credentials(&self) -> bool {
        self.inner.has_test_credentials()
    }

    /// The base URL requests go to.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// The configured site (`"MLA"`, `"MLB"`), or None.
    #[getter]
    fn site(&self) -> Option<&'static str> {
        self.inner.site().map(Site::code)
    }

    /// The amount limits checked before a create, as `(min, max)` Decimals, or None.
    #[getter]
    fn amount_limits<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        match self.inner.amount_limits() {
            None => Ok(None),
            Some(l) => Ok(Some((
                convert::decimal(py, l.min)?,
                convert::decimal(py, l.max)?,
            ))),
        }
    }

    fn __repr__(&self) -> String {
        match self.inner.site() {
            Some(s) => format!("Client(base_url='{}', site='{}')", self.inner.base_url(), s),
            None => format!("Client(base_url='{}')", self.inner.base_url()),
        }
    }

    /// Creates an intent on the device of a POS (`pos=`) or on a device (`device=`).
    #[pyo3(signature = (amount, description, external_reference, *, pos=None, device=None,
        ticket_number=None, print_seller_ticket=false, idempotency_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_intent<'py>(
        &self,
        py: Python<'py>,
        amount: &Bound<'py, PyAny>,
        description: Text,
        external_reference: Text,
        pos: Option<Text>,
        device: Option<Text>,
        ticket_number: Option<Text>,
        print_seller_ticket: bool,
        idempotency_key: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = request(
            py,
            amount,
            description,
            external_reference,
            ticket_number,
            print_seller_ticket,
            idempotency_key,
        )?;
        let target = convert::target(pos.map(String::from), device.map(String::from)).py(py)?;
        let client = &self.inner;
        let intent = detached(py, "create the intent", || {
            client.create_intent(&target, &req)
        })?;
        convert::intent(py, &intent)
    }

    /// Reads an intent.
    fn get_intent<'py>(&self, py: Python<'py>, intent_id: Text) -> PyResult<Bound<'py, PyAny>> {
        let client = &self.inner;
        let intent = detached(py, "get the intent", || client.get_intent(&intent_id))?;
        convert::intent(py, &intent)
    }

    /// Cancels an intent that is still OPENED (`pos=` uses the older path that names the POS).
    #[pyo3(signature = (intent_id, *, pos=None))]
    fn cancel_intent(&self, py: Python<'_>, intent_id: Text, pos: Option<Text>) -> PyResult<()> {
        let client = &self.inner;
        detached(py, "cancel the intent", || match pos {
            None => client.cancel_intent(&intent_id),
            Some(p) => client.cancel_intent_for_pos(&intent_id, &p),
        })
    }

    /// Polls the intent until it reaches a final status.
    #[pyo3(signature = (intent_id, *, timeout=None, poll_interval=None, on_status=None, cancel=None))]
    fn wait_for_final<'py>(
        &self,
        py: Python<'py>,
        intent_id: Text,
        timeout: Option<Real>,
        poll_interval: Option<Real>,
        on_status: Option<Bound<'py, PyAny>>,
        cancel: Option<Bound<'py, PyCancelToken>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wait = PyWait::new(py, timeout, poll_interval, on_status, cancel)?;
        let client = &self.inner;
        let opts = &wait.opts;
        let ended = py.detach(|| {
            mppoint::error::catch_panic("wait for the intent", || {
                client.wait_for_final(&intent_id, opts)
            })
        });
        if let Some(e) = wait.take_failure(py, ended.as_ref().err(), Some(&intent_id), None) {
            return Err(e);
        }
        convert::intent(py, &ended.py(py)?)
    }

    /// The whole sale: create the intent, wait for it to end, read its payment, give a verdict.
    #[pyo3(signature = (amount, description, external_reference, *, pos=None, device=None,
        ticket_number=None, print_seller_ticket=false, idempotency_key=None, timeout=None,
        poll_interval=None, on_status=None, cancel=None, when_busy=None, on_busy=None))]
    #[allow(clippy::too_many_arguments)]
    fn charge<'py>(
        &self,
        py: Python<'py>,
        amount: &Bound<'py, PyAny>,
        description: Text,
        external_reference: Text,
        pos: Option<Text>,
        device: Option<Text>,
        ticket_number: Option<Text>,
        print_seller_ticket: bool,
        idempotency_key: Option<Text>,
        timeout: Option<Real>,
        poll_interval: Option<Real>,
        on_status: Option<Bound<'py, PyAny>>,
        cancel: Option<Bound<'py, PyCancelToken>>,
        when_busy: Option<Real>,
        on_busy: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = request(
            py,
            amount,
            description,
            external_reference,
            ticket_number,
            print_seller_ticket,
            idempotency_key,
        )?;
        let target = convert::target(pos.map(String::from), device.map(String::from)).py(py)?;
        let wait = PyWait::new(py, timeout, poll_interval, on_status, cancel)?
            .busy(py, when_busy, on_busy)?;
        let client = &self.inner;
        let opts = &wait.opts;
        let sold = py.detach(|| {
            mppoint::error::catch_panic("charge", || client.charge(&target, &req, opts))
        });
        let (intent_id, key) = match &sold {
            Ok(s) => (Some(s.intent.id.clone()), s.intent.idempotency_key.clone()),
            Err(e) => (
                e.intent_id().map(str::to_owned),
                e.idempotency_key().map(str::to_owned),
            ),
        };
        if let Some(e) = wait.take_failure(
            py,
            sold.as_ref().err(),
            intent_id.as_deref(),
            key.as_deref(),
        ) {
            return Err(e);
        }
        convert::sale(py, &sold.py(py)?)
    }

    /// The sales of the journal not settled yet (in flight, of unknown outcome, or ended but not
    /// booked): book each paid one, then `settle` it. Without a journal, a ConfigError.
    fn pending<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = &self.inner;
        let sales = detached(py, "list the pending sales", || client.pending())?;
        convert::pending_sales(py, &sales)
    }

    /// Records that the POS has booked the sale `reference`, exactly once: True when this call
    /// settled it, False when it was settled already.
    fn settle(&self, py: Python<'_>, reference: Text) -> PyResult<bool> {
        let client = &self.inner;
        detached(py, "settle the sale", || client.settle(&reference))
    }

    /// The start-up resolution: drives every pending sale of the journal to its verdict without
    /// charging anything new; `policy` ("report", "settle", "refund") says what to do with an
    /// approved sale never booked. Returns the sales still pending.
    #[pyo3(signature = (policy=None, *, timeout=None, poll_interval=None, on_status=None,
        cancel=None),
        text_signature = "($self, policy='report', *, timeout=None, poll_interval=None, on_status=None, cancel=None)")]
    fn resolve_pending<'py>(
        &self,
        py: Python<'py>,
        policy: Option<Text>,
        timeout: Option<Real>,
        poll_interval: Option<Real>,
        on_status: Option<Bound<'py, PyAny>>,
        cancel: Option<Bound<'py, PyCancelToken>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let policy = match policy {
            Some(p) => mppoint::ApprovedPolicy::parse(&p).py(py)?,
            None => mppoint::ApprovedPolicy::default(),
        };
        let wait = PyWait::new(py, timeout, poll_interval, on_status, cancel)?;
        let client = &self.inner;
        let opts = &wait.opts;
        let resolved = py.detach(|| {
            mppoint::error::catch_panic("resolve the pending sales", || {
                client.resolve_pending(policy, opts)
            })
        });
        if let Some(e) = wait.take_failure(py, resolved.as_ref().err(), None, None) {
            return Err(e);
        }
        convert::pending_sales(py, &resolved.py(py)?)
    }

    /// Reads an intent that has ended, looks up its payments and gives the verdict (from the API
    /// alone: nothing but the id is trusted).
    fn sale_for<'py>(&self, py: Python<'py>, intent_id: Text) -> PyResult<Bound<'py, PyAny>> {
        let client = &self.inner;
        let sale = detached(py, "read the sale", || client.sale_for(&intent_id))?;
        convert::sale(py, &sale)
    }

    /// Finds what became of a sale from its external reference (the Payments API's search):
    /// every payment found, newest first; none is an empty list. How to recover from
    /// OutcomeUnknownError without re-sending the create.
    fn find_payments<'py>(
        &self,
        py: Python<'py>,
        external_reference: Text,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = &self.inner;
        let found = detached(py, "find the payments", || {
            client.find_payments(&external_reference)
        })?;
        let items = found
            .iter()
            .map(|p| convert::payment(py, p))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(pyo3::types::PyList::new(py, items)?.into_any())
    }

    /// Lists one page of devices.
    #[pyo3(signature = (*, store_id=None, pos_id=None, limit=None, offset=None))]
    fn list_devices<'py>(
        &self,
        py: Python<'py>,
        store_id: Option<Text>,
        pos_id: Option<Text>,
        limit: Option<Int<u32>>,
        offset: Option<Int<u32>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = DeviceFilter {
            store_id: store_id.map(String::from),
            pos_id: pos_id.map(String::from),
            limit: limit.map(|n| n.0),
            offset: offset.map(|n| n.0),
        };
        let client = &self.inner;
        let page = detached(py, "list the devices", || client.list_devices(&filter))?;
        convert::device_page(py, &page)
    }

    /// Every device matching the filter, fetching page after page as the iterator advances.
    #[pyo3(signature = (*, store_id=None, pos_id=None, limit=None))]
    fn devices(
        &self,
        store_id: Option<Text>,
        pos_id: Option<Text>,
        limit: Option<Int<u32>>,
    ) -> PyDeviceIterator {
        let filter = DeviceFilter {
            store_id: store_id.map(String::from),
            pos_id: pos_id.map(String::from),
            limit: limit.map(|n| n.0),
            offset: None,
        };
        PyDeviceIterator {
            inner: Mutex::new(self.inner.devices(&filter)),
        }
    }

    /// Switches a device between "PDV" and "STANDALONE"; returns the mode the API reports.
    fn set_operating_mode(&self, py: Python<'_>, device_id: Text, mode: Text) -> PyResult<String> {
        let mode = OperatingMode::parse_settable(&mode).py(py)?;
        let client = &self.inner;
        let set = detached(py, "set the operating mode", || {
            client.set_operating_mode(&device_id, mode)
        })?;
        Ok(set.as_str().to_string())
    }

    /// Reads a payment (the `payment_ids` of a CLOSED intent).
    fn get_payment<'py>(
        &self,
        py: Python<'py>,
        payment_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payment_id = convert::payment_id(py, payment_id)?;
        let client = &self.inner;
        let p = detached(py, "get the payment", || client.get_payment(payment_id))?;
        convert::payment(py, &p)
    }

    /// Refunds a payment: in full without `amount`, or partly.
    #[pyo3(signature = (payment_id, amount=None, *, idempotency_key=None))]
    fn refund_payment<'py>(
        &self,
        py: Python<'py>,
        payment_id: &Bound<'py, PyAny>,
        amount: Option<Bound<'py, PyAny>>,
        idempotency_key: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payment_id = convert::payment_id(py, payment_id)?;
        let amount = opt_amount(py, amount.as_ref())?;
        let client = &self.inner;
        let r = detached(py, "refund the payment", || {
            client.refund_payment_with_key(payment_id, amount, idempotency_key.as_deref())
        })?;
        convert::refund(py, &r)
    }

    /// Orders API: refunds an order in full without `amount`, or partly; the order as the refund
    /// left it, read as an `Intent`.
    #[pyo3(signature = (order_id, amount=None, *, idempotency_key=None))]
    fn refund_order<'py>(
        &self,
        py: Python<'py>,
        order_id: Text,
        amount: Option<Bound<'py, PyAny>>,
        idempotency_key: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let amount = opt_amount(py, amount.as_ref())?;
        let client = &self.inner;
        let order = detached(py, "refund the order", || {
            client.refund_order_with_key(&order_id, amount, idempotency_key.as_deref())
        })?;
        convert::intent(py, &order.to_intent())
    }

    /// Prints a receipt on the terminal's own printer: `text` is an `mppoint.PrintText`, a `str`
    /// (plain text, escaped, its line breaks kept) or a list of `str` (one line each); or
    /// `tagged` is your own tagged text, checked as the API's rules say. Everything is checked
    /// before it is sent. Returns the `PrintAction` (`created`); follow it with `print_action`.
    #[pyo3(signature = (terminal_id, external_reference, text=None, *, tagged=None,
        idempotency_key=None))]
    fn print_text<'py>(
        &self,
        py: Python<'py>,
        terminal_id: Text,
        external_reference: Text,
        text: Option<Bound<'py, PyAny>>,
        tagged: Option<Text>,
        idempotency_key: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let content = match (text.filter(|t| !t.is_none()), tagged) {
            (Some(t), None) => crate::print::text_content(py, &t)?,
            (None, Some(t)) => mppoint::print::PrintContent::tagged(String::from(t)).py(py)?,
            (given, _) => {
                return Err(to_pyerr(
                    py,
                    &mppoint::Error::invalid_argument(
                        "text",
                        "give either text (a PrintText, a str or a list of lines) or tagged (your own tagged text), not both",
                        if given.is_some() { "both" } else { "neither" },
                    ),
                ))
            }
        };
        let req = crate::print::request(terminal_id, external_reference, content, idempotency_key);
        let client = &self.inner;
        let a = detached(py, "print on the terminal", || client.print(&req))?;
        crate::print::action(py, &a)
    }

    /// Prints a PNG or JPEG image (`bytes`, at most 1 MB, checked before it is sent) on the
    /// terminal's own printer. Returns the `PrintAction` (`created`).
    #[pyo3(signature = (terminal_id, external_reference, data, *, idempotency_key=None))]
    fn print_image<'py>(
        &self,
        py: Python<'py>,
        terminal_id: Text,
        external_reference: Text,
        data: &Bound<'py, PyAny>,
        idempotency_key: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let content = crate::print::image_content(py, data)?;
        let req = crate::print::request(terminal_id, external_reference, content, idempotency_key);
        let client = &self.inner;
        let a = detached(py, "print on the terminal", || client.print(&req))?;
        crate::print::action(py, &a)
    }

    /// Reads a print action (`created`, `on_terminal`, `processed`, `canceled`, `failed`).
    fn print_action<'py>(&self, py: Python<'py>, action_id: Text) -> PyResult<Bound<'py, PyAny>> {
        let client = &self.inner;
        let a = detached(py, "read the print action", || {
            client.print_action(&action_id)
        })?;
        crate::print::action(py, &a)
    }

    /// Cancels a print action the terminal has not fetched yet (`created`); after that it is
    /// `CannotCancelError`.
    fn cancel_print_action(&self, py: Python<'_>, action_id: Text) -> PyResult<()> {
        let client = &self.inner;
        detached(py, "cancel the print action", || {
            client.cancel_print_action(&action_id)
        })
    }

    /// Mercado Pago's sandbox (test credentials only): drives the test order `order_id` to
    /// `status` (`processed`, `failed`, `canceled`, `expired`, `refunded`, `action_required`)
    /// through `at_terminal`, without a terminal. `card` is `(brand, type)`, e.g.
    /// `("visa", "credit_card")`. A production token is `SandboxOnlyError` before anything is
    /// sent.
    #[pyo3(signature = (order_id, status, *, status_detail=None, card=None, installments=None))]
    fn simulate_order_event(
        &self,
        py: Python<'_>,
        order_id: Text,
        status: Text,
        status_detail: Option<Text>,
        card: Option<(Text, Text)>,
        installments: Option<Int<u32>>,
    ) -> PyResult<()> {
        let event = crate::print::order_event(py, &status, status_detail, card, installments)?;
        let client = &self.inner;
        detached(py, "send the sandbox event", || {
            client.simulate_order_event(&order_id, &event)
        })
    }
}

/// Iterates over every device of a filter, page by page (`Client.devices()`).
#[pyclass(frozen, module = "mppoint", name = "DeviceIterator")]
pub struct PyDeviceIterator {
    inner: Mutex<mppoint::DeviceIter>,
}

#[pymethods]
impl PyDeviceIterator {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let inner = &self.inner;
        let next = detached(py, "list the devices", || {
            inner
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .next()
                .transpose()
        })?;
        next.map(|d| convert::device(py, &d)).transpose()
    }
}
