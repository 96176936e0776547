//! `mppoint serve`: a local HTTP/JSON bridge (and a file-exchange folder) for POS software that
//! cannot link a library. Every sale runs in its own worker thread through the core client and
//! its sale journal ([`Client::charge`]); the bridge only keeps, per reference, the sale's latest
//! state (fed by the charge's status callback) in a watch channel that long-polls and the folder's
//! response writer wait on. On start-up the journal's unsettled sales are resumed, so a bridge
//! killed mid-sale and started again gives each sale its true verdict and never charges twice.

mod exchange;
mod http;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use mppoint::{
    Amount, CancelToken, Client, Error, ErrorKind, IntentRequest, OperatingMode, PollSchedule,
    Sale, Site, Target, WaitOptions,
};
use mppoint_simulator::{SimDevice, SimPos, Simulator, SimulatorConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// The OpenAPI 3.1 description of the routes ([`http::ROUTES`] is checked against it).
pub const OPENAPI: &str = include_str!("openapi.json");

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    api: crate::Api,
    #[command(flatten)]
    journal: crate::JournalArgs,
    /// Run against an embedded simulator (no Mercado Pago account needed).
    #[arg(long)]
    simulator: bool,
    /// With --simulator: this many POSes (TILL001…) with a PDV terminal each
    /// (PAX_A910__TILL00000001…) instead of the simulator's default two.
    #[arg(long, requires = "simulator")]
    sim_terminals: Option<usize>,
    /// With --simulator: how long the simulated terminal takes to pick a sale up, and each step
    /// after it (milliseconds).
    #[arg(long, requires = "simulator", default_value_t = 300)]
    sim_step_ms: u64,
    /// Address to listen on. Anything but loopback must be given explicitly (a warning says so).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// The bearer token every route but /healthz requires. Without it a random one is made,
    /// printed and written to --token-file.
    #[arg(long, env = "MPPOINT_SERVE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Where a random token is written (mode 0600). Default: serve.token next to the journal.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The file-exchange folder: the POS writes requests/<reference>.json, the bridge writes
    /// responses/<reference>.json.
    #[arg(long)]
    exchange_dir: Option<PathBuf>,
    /// How long a sale is followed before the bridge stops waiting (seconds).
    #[arg(long, default_value_t = 600)]
    sale_timeout_secs: u64,
    /// Poll the sales at this fixed pace (milliseconds) instead of the library's adaptive
    /// schedule (200 ms on the embedded simulator).
    #[arg(long, env = "MPPOINT_POLL_MS", hide_env_values = true)]
    poll_ms: Option<u64>,
}

/// A sale as the bridge shows it (HTTP body and response file alike).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SaleView {
    pub reference: String,
    pub amount: String,
    pub description: String,
    /// `pos:<external id>` or `device:<device id>`.
    pub target: String,
    /// `intents` or `orders`.
    pub api: String,
    /// `STARTING` (accepted, not created yet), `IN_PROGRESS` (created: see `status`), `FINAL`
    /// (see `verdict`), `FAILED` (ended with `error` and no verdict), `SETTLED` (booked).
    pub state: String,
    /// The terminal's status (`OPENED`, `ON_TERMINAL`, …), once known.
    pub status: Option<String>,
    /// The intent (or order) id, once created.
    pub intent_id: Option<String>,
    pub verdict: Option<String>,
    pub is_paid: bool,
    pub reason: Option<String>,
    pub advice: Option<String>,
    pub payment_id: Option<u64>,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub settled: bool,
    /// The typed error, when `state` is `FAILED`.
    pub error: Option<serde_json::Value>,
    /// The library's whole sale (intent and payments), once final in this run.
    pub sale: Option<serde_json::Value>,
    /// When it last changed (Unix milliseconds).
    pub updated_at: i64,
}

/// One sale of the bridge: its state, watched; the worker's cancel token.
pub struct Slot {
    pub tx: watch::Sender<SaleView>,
}

impl Slot {
    pub fn view(&self) -> SaleView {
        self.tx.borrow().clone()
    }
}

/// A sale to start: the body of `POST /v1/sales`, or a request file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSale {
    pub reference: Option<String>,
    pub amount: String,
    pub description: Option<String>,
    pub pos: Option<String>,
    pub device: Option<String>,
    pub print_ticket: Option<bool>,
}

pub struct Bridge {
    pub client: Client,
    sales: Mutex<HashMap<String, Arc<Slot>>>,
    /// Target key → the reference it is charging.
    busy: Mutex<HashMap<String, String>>,
    poll: PollSchedule,
    timeout: Duration,
    /// Fired on SIGTERM/Ctrl-C: the server and the folder stop taking work. The sales' waits are
    /// not stopped (stopping one would cancel an intent still waiting for the terminal): the
    /// process ends with them in the journal, each write of which is durable, so the next start
    /// resumes every one, exactly as after a SIGKILL.
    pub shutdown: CancelToken,
    /// The runtime that runs the HTTP server and the folder's writers.
    pub rt: tokio::runtime::Handle,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn target_key(t: &Target) -> String {
    match t {
        Target::Pos(p) => format!("pos:{p}"),
        Target::Device(d) => format!("device:{d}"),
    }
}

fn target_of(key: &str) -> Option<Target> {
    match key.split_once(':') {
        Some(("pos", p)) => Some(Target::Pos(p.to_string())),
        Some(("device", d)) => Some(Target::Device(d.to_string())),
        _ => None,
    }
}

/// The library's typed error as the bridge answers it: `{"error": {"code", "message", …}}`,
/// with every structured field of the core's one list ([`mppoint::ErrorFields`]) the error
/// carries (an absent one, or an empty `causes`, is left out, as the OpenAPI schema says).
pub fn error_json(e: &Error) -> serde_json::Value {
    let mut o = match serde_json::to_value(e.fields()) {
        Ok(serde_json::Value::Object(o)) => o,
        _ => serde_json::Map::new(),
    };
    o.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
    serde_json::json!({ "error": serde_json::Value::Object(o) })
}

fn invalid(field: &'static str, rule: &str, value: &str) -> Error {
    Error::invalid_argument(field, rule, value)
}

impl Bridge {
    fn view_of(&self, reference: &str, req: &IntentRequest, target: &Target) -> SaleView {
        SaleView {
            reference: reference.to_string(),
            amount: req.amount().to_string(),
            description: req.description().to_string(),
            target: target_key(target),
            api: self.client.api().as_str().to_string(),
            state: "STARTING".into(),
            status: None,
            intent_id: None,
            verdict: None,
            is_paid: false,
            reason: None,
            advice: None,
            payment_id: None,
            is_final: false,
            settled: false,
            error: None,
            sale: None,
            updated_at: now_ms(),
        }
    }

    pub fn slot(&self, reference: &str) -> Option<Arc<Slot>> {
        self.lock_sales().get(reference).cloned()
    }

    fn lock_sales(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.sales.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<SaleView> {
        let mut v: Vec<SaleView> = self.lock_sales().values().map(|s| s.view()).collect();
        v.sort_by(|a, b| a.reference.cmp(&b.reference));
        v
    }

    /// Checks a new sale and starts its worker; a reference already known answers with that
    /// sale (`false`), never a second charge. A terminal already charging another sale of this
    /// bridge is the library's busy error (`ALREADY_QUEUED`, with `holding_sale`).
    pub fn start(
        self: &Arc<Self>,
        n: NewSale,
        default_reference: Option<&str>,
    ) -> Result<(Arc<Slot>, bool), serde_json::Value> {
        let err = |e: Error| error_json(&e);
        let reference = match (&n.reference, default_reference) {
            (Some(r), Some(d)) if r != d => {
                return Err(err(invalid(
                    "reference",
                    &format!("must be the request file's name ({d:?})"),
                    r,
                )))
            }
            (Some(r), _) => r.clone(),
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                return Err(err(invalid("reference", "is required", "nothing")));
            }
        };
        mppoint::intent::validate_external_reference(&reference).map_err(err)?;
        let amount = Amount::parse(&n.amount).map_err(err)?;
        let target = Target::from_options(n.pos.clone(), n.device.clone()).map_err(err)?;
        target.validate().map_err(err)?;
        let req = IntentRequest::new(
            amount,
            n.description
                .clone()
                .unwrap_or_else(|| "mppoint sale".into()),
            reference.clone(),
        )
        .print_seller_ticket(n.print_ticket.unwrap_or(false));
        req.validate(self.client.amount_limits().as_ref(), self.client.site())
            .map_err(err)?;
        let key = target_key(&target);
        let mut sales = self.lock_sales();
        if let Some(slot) = sales.get(&reference) {
            let v = slot.view();
            if v.state != "FAILED" {
                if v.amount != req.amount().to_string() || v.target != key {
                    return Err(err(Error::new(
                        ErrorKind::IdempotencyKeyMismatch,
                        format!(
                            "sale {reference:?} is already known for {} on {}, not {} on {key}: use a new reference for another sale",
                            v.amount,
                            v.target,
                            req.amount()
                        ),
                    )));
                }
                return Ok((slot.clone(), false));
            }
        }
        {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(holder) = busy.get(&key) {
                if holder != &reference {
                    let mut e = error_json(&Error::new(
                        ErrorKind::AlreadyQueued,
                        format!(
                            "the terminal {key} is busy with sale {holder:?}: wait for its verdict (GET /v1/sales/{holder}/wait), then send this sale again"
                        ),
                    ));
                    e["error"]["holding_sale"] = holder.clone().into();
                    return Err(e);
                }
            }
            busy.insert(key.clone(), reference.clone());
        }
        let (tx, _) = watch::channel(self.view_of(&reference, &req, &target));
        let slot = Arc::new(Slot { tx });
        sales.insert(reference.clone(), slot.clone());
        drop(sales);
        self.spawn_worker(slot.clone(), target, req);
        Ok((slot, true))
    }

    /// The sale's worker: the journal drives it (`Client::charge`), its status callback feeds
    /// the slot.
    fn spawn_worker(self: &Arc<Self>, slot: Arc<Slot>, target: Target, req: IntentRequest) {
        let me = self.clone();
        std::thread::Builder::new()
            .name(format!("sale {}", req.external_reference()))
            .spawn(move || {
                let feed = slot.clone();
                let opts = WaitOptions::new()
                    .poll_schedule(me.poll)
                    .timeout(me.timeout)
                    .on_status(move |intent| {
                        feed.tx.send_if_modified(|v| {
                            let status = Some(intent.status.as_str().to_string());
                            let id = Some(intent.id.clone());
                            if v.status == status && v.intent_id == id && v.state == "IN_PROGRESS" {
                                return false;
                            }
                            v.state = "IN_PROGRESS".into();
                            v.status = status;
                            v.intent_id = id;
                            v.error = None;
                            v.updated_at = now_ms();
                            true
                        });
                    });
                let result = me.client.charge(&target, &req, &opts);
                slot.tx.send_modify(|v| {
                    match &result {
                        Ok(sale) => final_view(v, sale),
                        Err(e) => {
                            v.state = "FAILED".into();
                            v.error = Some(error_json(e)["error"].clone());
                            if v.intent_id.is_none() {
                                v.intent_id = e.intent_id().map(str::to_string);
                            }
                        }
                    }
                    v.updated_at = now_ms();
                });
                let mut busy = me.busy.lock().unwrap_or_else(|e| e.into_inner());
                let key = target_key(&target);
                if busy.get(&key).map(String::as_str) == Some(req.external_reference()) {
                    busy.remove(&key);
                }
            })
            .expect("a thread for the sale");
    }

    /// On start-up: every unsettled sale of the journal, resumed (in flight) or shown (ended).
    fn resume(self: &Arc<Self>) -> Result<usize, Error> {
        let mut resumed = 0;
        for p in self.client.pending()? {
            if p.api != self.client.api().as_str() {
                continue;
            }
            let Some(target) = target_of(&p.target) else {
                continue;
            };
            let Ok(amount) = Amount::parse(&p.amount) else {
                continue;
            };
            let req = IntentRequest::new(amount, p.description.clone(), p.reference.clone());
            let mut view = self.view_of(&p.reference, &req, &target);
            view.intent_id = p.intent_id.clone();
            if p.state == "FINAL" {
                view.state = "FINAL".into();
                view.is_final = true;
                view.verdict = p.verdict.clone();
                view.is_paid = p.paid;
                view.payment_id = p.payment_id;
                view.reason = p.note.clone();
                view.advice = p
                    .verdict
                    .as_deref()
                    .and_then(|c| mppoint::Verdict::ALL.into_iter().find(|v| v.code() == c))
                    .map(|v| v.advice().to_string());
                let (tx, _) = watch::channel(view);
                self.lock_sales()
                    .insert(p.reference.clone(), Arc::new(Slot { tx }));
                continue;
            }
            view.state = "IN_PROGRESS".into();
            let (tx, _) = watch::channel(view);
            let slot = Arc::new(Slot { tx });
            self.lock_sales().insert(p.reference.clone(), slot.clone());
            self.busy
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(target_key(&target), p.reference.clone());
            self.spawn_worker(slot, target, req);
            resumed += 1;
        }
        Ok(resumed)
    }

    /// `POST /v1/sales/{reference}/settle`: books it in the journal (exactly once).
    pub fn settle(&self, reference: &str) -> Result<(bool, Option<SaleView>), Error> {
        let now = self.client.settle(reference)?;
        let slot = self.slot(reference);
        if let Some(s) = &slot {
            s.tx.send_modify(|v| {
                v.state = "SETTLED".into();
                v.settled = true;
                v.updated_at = now_ms();
            });
        }
        Ok((now, slot.map(|s| s.view())))
    }

    /// `POST /v1/sales/{reference}/cancel`: cancels its intent (or order) while the API can; the
    /// worker then gives the verdict.
    pub fn cancel(&self, reference: &str) -> Result<SaleView, Error> {
        let slot = self.slot(reference).ok_or_else(|| not_found(reference))?;
        let v = slot.view();
        if v.is_final || v.state == "SETTLED" {
            return Err(Error::new(
                ErrorKind::CannotCancel,
                format!(
                    "sale {reference:?} has ended ({}): nothing to cancel",
                    v.verdict.as_deref().unwrap_or(&v.state)
                ),
            ));
        }
        let Some(id) = v.intent_id.clone() else {
            return Err(Error::new(
                ErrorKind::SaleInProgress,
                format!(
                    "sale {reference:?} is not on the API yet: try the cancel again in a moment"
                ),
            ));
        };
        self.client.cancel_intent(&id)?;
        Ok(slot.view())
    }
}

pub fn not_found(reference: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no sale {reference:?} in this bridge (settled sales are in the journal only)"),
    )
}

fn final_view(v: &mut SaleView, sale: &Sale) {
    v.state = "FINAL".into();
    v.is_final = true;
    v.status = Some(sale.intent.status.as_str().to_string());
    v.intent_id = Some(sale.intent.id.clone());
    v.verdict = Some(sale.verdict.code().to_string());
    v.is_paid = sale.is_paid();
    v.reason = Some(sale.reason.clone());
    v.advice = Some(sale.verdict.advice().to_string());
    v.payment_id = sale.approved_payment().map(|p| p.id);
    v.error = None;
    v.sale = Some(crate::sale_json(sale));
}

/// Where the journal and the token live when not given: `$XDG_STATE_HOME/mppoint`
/// (`~/.local/state/mppoint`), or `%LOCALAPPDATA%\mppoint` on Windows.
fn state_dir() -> PathBuf {
    if cfg!(windows) {
        if let Some(d) = std::env::var_os("LOCALAPPDATA") {
            return PathBuf::from(d).join("mppoint");
        }
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("mppoint");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| ".".into());
    home.join(".local").join("state").join("mppoint")
}

fn config_err(msg: String) -> Error {
    Error::new(ErrorKind::Config, msg)
}

/// Writes the random token readable by its owner only (0600 on Unix).
fn write_token(path: &Path, token: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_err(format!("cannot create {}: {e}", dir.display())))?;
    }
    let _ = std::fs::remove_file(path);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .map_err(|e| config_err(format!("cannot write the token to {}: {e}", path.display())))?;
    use std::io::Write;
    f.write_all(token.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| config_err(format!("cannot write the token to {}: {e}", path.display())))
}

fn sim_config(terminals: Option<usize>, step: Duration, site: Option<Site>) -> SimulatorConfig {
    let mut cfg = SimulatorConfig {
        pickup_delay: step,
        step_delay: step,
        ..SimulatorConfig::default()
    };
    if let Some(s) = site {
        cfg.site = s;
    }
    if let Some(n) = terminals {
        let store = cfg.stores.first().map(|s| s.id.clone()).unwrap_or_default();
        cfg.pos = (1..=n)
            .map(|i| SimPos {
                id: 3_000_000 + i as i64,
                external_id: format!("TILL{i:03}"),
                store_id: store.clone(),
            })
            .collect();
        cfg.devices = (1..=n)
            .map(|i| SimDevice {
                id: format!("PAX_A910__TILL{i:08}"),
                pos_external_id: Some(format!("TILL{i:03}")),
                operating_mode: OperatingMode::Pdv,
            })
            .collect();
    }
    cfg
}

pub fn serve(a: ServeArgs) -> Result<std::process::ExitCode, Error> {
    let listen: std::net::SocketAddr = a.listen.parse().map_err(|_| {
        Error::invalid_argument(
            "listen",
            "must be an address and port, like 127.0.0.1:8787",
            &a.listen,
        )
    })?;
    if a.sale_timeout_secs == 0 {
        return Err(invalid("sale_timeout_secs", "must be at least 1", "0"));
    }
    let site = a.api.site.as_deref().map(str::parse::<Site>).transpose()?;
    let api_name = a.api.api_name.parse::<mppoint::Api>()?;
    let journal = a
        .journal
        .journal
        .clone()
        .unwrap_or_else(|| state_dir().join("serve-journal.sqlite"));
    if let Some(dir) = journal.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| config_err(format!("cannot create {}: {e}", dir.display())))?;
    }
    let journal_args = crate::JournalArgs {
        journal: Some(journal.clone()),
        ..a.journal.clone()
    };
    let (sim, builder) = if a.simulator {
        let sim = Simulator::start(sim_config(
            a.sim_terminals,
            Duration::from_millis(a.sim_step_ms),
            site,
        ))?;
        let b = sim.client_builder().site(sim.config().site).api(api_name);
        (Some(sim), b)
    } else if a.api.access_token.is_some() {
        (None, crate::builder(&a.api)?)
    } else {
        return Err(config_err(
            "no access token: pass --access-token (or set MP_ACCESS_TOKEN), or --simulator to run against an embedded simulator".into(),
        ));
    };
    let client = journal_args.apply(builder).build()?;
    let poll = match (a.poll_ms, &sim) {
        (Some(ms), _) => PollSchedule::Fixed(Duration::from_millis(ms.max(1))),
        (None, Some(_)) => PollSchedule::Fixed(Duration::from_millis(200)),
        (None, None) => PollSchedule::Adaptive,
    };
    let token = match &a.token {
        Some(t) if t.trim().is_empty() => {
            return Err(invalid("token", "must not be empty", t));
        }
        Some(t) => t.clone(),
        None => {
            let t = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            let path = a
                .token_file
                .clone()
                .unwrap_or_else(|| journal.with_file_name("serve.token"));
            write_token(&path, &t)?;
            println!("token file: {}", path.display());
            t
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| config_err(format!("cannot start the server's runtime: {e}")))?;
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| config_err(format!("cannot listen on {listen}: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| config_err(e.to_string()))?;
    let bound = listener
        .local_addr()
        .map_err(|e| config_err(e.to_string()))?;
    if !bound.ip().is_loopback() {
        eprintln!(
            "warning: mppoint serve listens on {bound}, not loopback: other machines can reach it; keep the token secret and the network trusted"
        );
    }
    let bridge = Arc::new(Bridge {
        client,
        sales: Mutex::default(),
        busy: Mutex::default(),
        poll,
        timeout: Duration::from_secs(a.sale_timeout_secs),
        shutdown: CancelToken::new(),
        rt: rt.handle().clone(),
    });
    let resumed = bridge.resume()?;
    println!("mppoint serve listening on http://{bound}");
    println!("journal: {}", journal.display());
    if a.token.is_none() {
        println!("token: {token}");
    }
    if let Some(s) = &sim {
        println!("simulator: {}", s.base_url());
        for p in &s.config().pos {
            println!("  POS: {}", p.external_id);
        }
    }
    if resumed > 0 {
        println!("resumed {resumed} sale(s) of the journal");
    }
    if let Some(dir) = &a.exchange_dir {
        exchange::start(bridge.clone(), dir)?;
        println!("exchange folder: {}", dir.display());
    }
    println!("ready");
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let stop = bridge.shutdown.clone();
    if let Err(e) = ctrlc::set_handler(move || stop.cancel()) {
        log::warn!("SIGTERM/Ctrl-C will not stop the bridge gracefully: {e}");
    }
    rt.block_on(http::run(bridge.clone(), listener, token))?;
    // Stopped: every wait has been told to stop; the journal holds every sale for the next start.
    eprintln!("mppoint serve: stopped; unfinished sales resume at the next start");
    drop(sim);
    Ok(std::process::ExitCode::SUCCESS)
}
