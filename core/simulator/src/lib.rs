//! A local Mercado Pago Point API with simulated terminals, for tests and demos.
//!
//! [`Simulator::start`] serves, on loopback, every endpoint a POS uses (devices, operating mode,
//! intents, payments, refunds) with the statuses and the error bodies of the real API
//! (`{"errorKey","message","error","status","cause":[]}`: the reference's documented `errorKey`
//! beside Mercado Pago's common fields; an `x-request-id` header on every answer), behind
//! the bearer token [`SimulatorConfig::access_token`]. Each device has a simulated terminal that
//! fetches its queued intent and plays it to a final status; webhooks are sent, signed, when an
//! intent ends; faults (latency, 5xx, 429, dropped connections, truncated or malformed answers)
//! can be injected per endpoint.
//!
//! ```no_run
//! use mppoint_simulator::{CardOutcome, Simulator, SimulatorConfig};
//! let sim = Simulator::start(SimulatorConfig::default())?;
//! // Point a client at sim.base_url() with sim.access_token(), then create intents:
//! // an amount ending in .44 waits on the terminal until the test decides.
//! # let intent_id = "";
//! sim.present_card(intent_id, CardOutcome::Approved)?;
//! # Ok::<(), mppoint::Error>(())
//! ```
//!
//! # What the terminal does: reserved test amounts
//!
//! Like a payment provider's test cards, the cents of the amount choose the outcome:
//!
//! | cents | the terminal… | final status | payment (`GET /v1/payments/{id}`) |
//! |---|---|---|---|
//! | `.13` | reads the card; the issuer refuses | `CLOSED` | `rejected`, `cc_rejected_other_reason` |
//! | `.44` | holds the intent `ON_TERMINAL`, waiting for a card: the control API decides | decided by the test | decided by the test |
//! | `.66` | fails the transaction | `ERROR` | none |
//! | `.77` | ends without knowing the payment's status | `CONFIRMATION_REQUIRED` | none |
//! | `.88` | the customer cancels on the terminal | `CANCELED` | none |
//! | `.99` | never fetches it | stays `OPENED`, then `EXPIRED` | none |
//! | anything else | reads the card; approved | `CLOSED` | `approved`, `accredited` |
//!
//! The timeline: `OPENED` → (after [`SimulatorConfig::pickup_delay`]) `ON_TERMINAL` → (after
//! [`SimulatorConfig::step_delay`]) `PROCESSING` → (step) `PROCESSED`, when the payment is
//! recorded → (step) the final status. A `CLOSED` intent's `PURCHASE` operation carries
//! `results: [{"id": <payment id>, "source": "PAYMENT"}]`. An intent not yet processed 15 minutes
//! ([`SimulatorConfig::intent_expiry`]: the news of 2024-07-01 cut it from one hour; divided by
//! [`SimulatorConfig::time_factor`]) after its creation becomes `EXPIRED`: `OPENED`,
//! and `ON_TERMINAL` unless [`SimulatorConfig::expire_on_terminal`] is off; never `PROCESSING` or
//! `PROCESSED` ("took more than an hour without being processed", the reference says). Once an
//! intent is final its device takes the next one. The control API
//! ([`Simulator::present_card`], [`Simulator::cancel_on_terminal`],
//! [`Simulator::hold_on_terminal`]) overrides the table while the intent is `OPENED` or
//! `ON_TERMINAL`.
//!
//! # The API served
//!
//! | method and path | answers |
//! |---|---|
//! | `GET /instore-api/point/v1/devices?store_id=&pos_id=&limit=&offset=` | 200 `{devices: [{id, pos_id, store_id, external_id, operating_mode}], paging}` as the reference shows it (limit 1–1000, default 50); 400 on a bad number; 403 "Integrator isn't registered" on request ([`Simulator::set_forbidden`]) |
//! | `PATCH /instore-api/point/v1/devices/{device_id}` `{"operating_mode":"PDV"}` | 200 `{"operating_mode"}` (the terminal keeps its old mode until it restarts: [`Simulator::restart_device`], [`SimulatorConfig::mode_change_restart`]); 400; 403 "User not logged into the device" on request; 404 |
//! | `POST /instore-api/integrations/v1/intents/point/pos/{external_id}` | 201 intent `OPENED`; 400 `bad_request` (the message names the field); 404 `pos_not_found` / `device_not_found`; 409 `conflict` "There is already a queued intent for the device"; 400 if the device is `STANDALONE` |
//! | `POST /instore-api/integrations/v1/intents/point/{device_id}` | the same; 404 `device_not_found` |
//! | `GET /instore-api/integrations/v1/intents/{id}/point` | 200 intent; 404 `not_found` |
//! | `DELETE /instore-api/integrations/v1/intents/{id}/point[/pos/{external_id}]` | 204 while `OPENED`; 409 `conflict` "The intent in the current state cannot be canceled."; 404 `not_found` / `pos_not_found` |
//! | `GET /v1/payments/{id}` | 200 payment (`transaction_amount` a JSON number); 404 |
//! | `POST /v1/payments/{id}/refunds` `{}` or `{"amount": 10.00}` | 201 refund; 400 (not approved, or above what is left); 404 |
//!
//! Every API request needs `Authorization: Bearer <access token>` (else 401
//! `{"message":"invalid access token","error":"unauthorized","status":401}`). Bodies above 2 MiB
//! get 413. A create carrying `X-Idempotency-Key` that was already used answers the intent the
//! first create made (its current state, 201) when
//! [`SimulatorConfig::honor_idempotency_keys`] is on; either way intents created per key are
//! counted ([`Counters::intents_created_per_key`]).
//!
//! # Control routes (tests only)
//!
//! Under `/_simulator/`, without authentication — the simulator listens on loopback and is for
//! tests only; these routes do not exist on Mercado Pago:
//!
//! | method and path | does |
//! |---|---|
//! | `POST /_simulator/intents/{id}/present_card` `{"outcome":"approved"}` | [`Simulator::present_card`] (`approved`, `rejected`, `error`, `confirmation_required`; no body = approved); 200 intent, 404, 409 |
//! | `POST /_simulator/intents/{id}/cancel_on_terminal` | [`Simulator::cancel_on_terminal`]; 200 intent, 404, 409 |
//! | `POST /_simulator/intents/{id}/hold` | [`Simulator::hold_on_terminal`]; 200 intent, 404, 409 |
//! | `POST /_simulator/devices/{id}/restart` | [`Simulator::restart_device`]; 204, 404 |
//! | `PUT /_simulator/forbidden` `{"integrator_not_registered": true, "user_not_logged_in": ["PAX…"]}` | [`Simulator::set_forbidden`]; 200 |
//! | `GET /_simulator/counters` | [`Counters`] as JSON |
//! | `GET /_simulator/faults` | the armed fault rules |
//! | `PUT /_simulator/faults` `[rule, …]` | replaces the fault rules (shape in [`faults`]); 200 the list, 400 |
//! | `POST /_simulator/faults` `rule` | adds one rule |
//! | `DELETE /_simulator/faults` | removes every rule; 204 |
//! | `GET /_simulator/state` | `{stores, pos, devices, intents, payments}` |
//! | `PUT /_simulator/webhook_urls` `["http://…"]` | [`Simulator::set_webhook_urls`] |
//!
//! # Webhooks
//!
//! See [`webhooks`]: a signed `topic_instore_integration_wh` notification per final status, sent
//! again on [`SimulatorConfig::webhook_retry_schedule`] (15, 15, 15 minutes, then one hour,
//! divided by the time factor) until answered 200/201; the `x-signature` `ts` in
//! [`SimulatorConfig::webhook_ts_unit`].

#![deny(missing_docs)]

mod account;
mod body;
mod config;
mod control;
pub mod faults;
mod hub;
mod intents;
mod orders;
mod print;
mod reply;
mod routes;
mod server;
pub mod terminal;
mod tls;
pub mod webhooks;

use std::sync::Arc;

use tokio::sync::watch;

use mppoint::error::{Error, ErrorKind, Result};
use mppoint::intent::Intent;
use mppoint::payment::Payment;

pub use account::Forbidden;
pub use config::{
    SimDevice, SimPos, SimStore, SimulatorConfig, TsUnit, DEFAULT_ACCESS_TOKEN,
    DEFAULT_WEBHOOK_SECRET,
};
pub use faults::{Endpoint, FaultKind, FaultRule};
pub use hub::Counters;
pub use print::PrintOutcome;

/// The one recipe for a client of a simulator, used by every language: its base URL and token,
/// its certificate when it serves TLS, and no proxy from the environment (a corporate
/// `HTTPS_PROXY` must not swallow loopback requests). As data, for a binding whose users spread
/// client options (Node's `sim.clientOptions()`); [`ClientSettings::builder`] for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The simulator's base URL.
    pub base_url: String,
    /// The token it accepts.
    pub access_token: String,
    /// Its certificate (PEM), to trust as an extra root, when it serves TLS.
    pub ca_cert_pem: Option<String>,
    /// Ignore the proxy environment variables.
    pub no_proxy: bool,
    /// The simulator's site, so its amount rules apply in the client before anything is sent
    /// (as with a real account), not as the simulator's 400.
    pub site: Option<mppoint::Site>,
    /// The simulator's amount limits, when it has its own.
    pub limits: Option<mppoint::AmountLimits>,
    /// The client's pace ([`mppoint::ClientBuilder::poll_interval`]) for waits that set none:
    /// the simulator's, so that a wait sees every status its terminals go through (and a test
    /// suite does not sleep a second per sale).
    pub poll_interval: Option<std::time::Duration>,
}

impl ClientSettings {
    /// The settings of a client of the simulator at `base_url`.
    pub fn new(base_url: &str, access_token: &str, ca_cert_pem: Option<&str>) -> ClientSettings {
        ClientSettings {
            base_url: base_url.to_string(),
            access_token: access_token.to_string(),
            ca_cert_pem: ca_cert_pem.map(str::to_string),
            no_proxy: true,
            site: None,
            limits: None,
            poll_interval: None,
        }
    }

    /// A client builder with these settings: add a site, timeouts or retries, then `build()`.
    pub fn builder(&self) -> mppoint::ClientBuilder {
        let mut b =
            mppoint::Client::builder(self.access_token.as_str()).base_url(self.base_url.as_str());
        if self.no_proxy {
            b = b.no_proxy();
        }
        if let Some(pem) = &self.ca_cert_pem {
            b = b.add_root_certificate_pem(pem.as_bytes());
        }
        if let Some(site) = self.site {
            b = b.site(site);
        }
        if let Some(limits) = self.limits {
            b = b.amount_limits(limits);
        }
        if let Some(d) = self.poll_interval {
            b = b.poll_interval(d);
        }
        b
    }
}
pub use terminal::CardOutcome;

use hub::{lock, Shared, World};
use reply::ApiError;

/// A running simulator. It owns its runtime (two worker threads) and stops when dropped or
/// [`stopped`](Simulator::stop). `Send + Sync`: share it between test threads.
pub struct Simulator {
    shared: Arc<Shared>,
    ca_cert_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

fn config_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("simulator: could not {what}: {e}"),
    )
}

impl Simulator {
    /// Checks `config`, binds its address and starts serving. Fails with
    /// [`ErrorKind::Config`] if the configuration does not hold together or the address cannot be
    /// bound.
    pub fn start(config: SimulatorConfig) -> Result<Simulator> {
        config.validate()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mppoint-simulator")
            .enable_all()
            .build()
            .map_err(|e| config_error("start its runtime", e))?;
        let std_listener = std::net::TcpListener::bind(config.bind)
            .map_err(|e| config_error(&format!("listen on {}", config.bind), e))?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| config_error("set up its socket", e))?;
        let addr = std_listener
            .local_addr()
            .map_err(|e| config_error("read its address", e))?;
        let tls = if config.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        // Enter (never block_on) the runtime: `start` may be called from inside another
        // runtime, as in an async test or a binding's event loop.
        let guard = runtime.enter();
        let listener = tokio::net::TcpListener::from_std(std_listener)
            .map_err(|e| config_error("set up its socket", e))?;
        // Webhook receivers are local test servers: no system proxy in between.
        let http = reqwest::Client::builder()
            .user_agent(concat!("mppoint-simulator/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| config_error("build its webhook client", e))?;
        drop(guard);
        let mut cfg = config;
        cfg.bind = addr;
        let shared = Arc::new(Shared {
            world: std::sync::Mutex::new(World::new(&cfg)),
            orders: std::sync::Mutex::new(orders::state::OrdersWorld::default()),
            print: std::sync::Mutex::new(print::state::PrintWorld::default()),
            faults: std::sync::Mutex::new(faults::FaultSet::new(cfg.faults.clone())),
            counters: std::sync::Mutex::new(Counters::default()),
            webhook_urls: std::sync::Mutex::new(cfg.webhook_urls.clone()),
            handle: runtime.handle().clone(),
            base_url,
            http,
            cfg,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let ca_cert_pem = tls.as_ref().map(|t| t.cert_pem.clone());
        runtime.spawn(server::accept_loop(
            listener,
            Arc::clone(&shared),
            tls.map(|t| t.acceptor),
            shutdown_rx,
        ));
        log::info!("simulator: serving {}", shared.base_url);
        Ok(Simulator {
            shared,
            ca_cert_pem,
            shutdown,
            runtime: Some(runtime),
        })
    }

    /// Where it serves: `http://127.0.0.1:PORT` (or `https://…` with [`SimulatorConfig::tls`]).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The bearer token it accepts.
    pub fn access_token(&self) -> &str {
        &self.shared.cfg.access_token
    }

    /// The secret its webhook notifications are signed with.
    pub fn webhook_secret(&self) -> &str {
        &self.shared.cfg.webhook_secret
    }

    /// With [`SimulatorConfig::tls`]: the self-signed certificate (PEM) to trust as an extra root.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_cert_pem.as_deref()
    }

    /// The settings of a client of this simulator (see [`ClientSettings`]).
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings {
            site: Some(self.shared.cfg.site),
            limits: self.shared.cfg.limits,
            poll_interval: Some(self.shared.cfg.poll_pace()),
            ..ClientSettings::new(self.base_url(), self.access_token(), self.ca_cert_pem())
        }
    }

    /// A client builder for this simulator: add a site, timeouts or retries, then `build()`.
    pub fn client_builder(&self) -> mppoint::ClientBuilder {
        self.client_settings().builder()
    }

    /// The configuration it runs with (`bind` holds the address actually bound).
    pub fn config(&self) -> &SimulatorConfig {
        &self.shared.cfg
    }

    /// A card is presented on the terminal with `outcome`: the intent goes `PROCESSING`,
    /// `PROCESSED`, then final (a step apart). It must be `ON_TERMINAL`, or `OPENED` (the terminal
    /// fetches it first). [`ErrorKind::NotFound`] for an unknown intent, [`ErrorKind::Conflict`] if
    /// it is already processing or final.
    pub fn present_card(&self, intent_id: &str, outcome: CardOutcome) -> Result<()> {
        control::present_card(&self.shared, intent_id, outcome)
            .map(drop)
            .map_err(ApiError::into_error)
    }

    /// The customer or cashier cancels on the terminal: the intent is `CANCELED` when this
    /// returns. It must be `OPENED` or `ON_TERMINAL`.
    pub fn cancel_on_terminal(&self, intent_id: &str) -> Result<()> {
        control::cancel_on_terminal(&self.shared, intent_id)
            .map(drop)
            .map_err(ApiError::into_error)
    }

    /// Stops the automatic play: once fetched, the intent stays `ON_TERMINAL` until
    /// [`present_card`](Simulator::present_card), [`cancel_on_terminal`](Simulator::cancel_on_terminal)
    /// or the expiry. It must be `OPENED` or `ON_TERMINAL`.
    pub fn hold_on_terminal(&self, intent_id: &str) -> Result<()> {
        control::hold(&self.shared, intent_id)
            .map(drop)
            .map_err(ApiError::into_error)
    }

    /// The customer adds `tip` on the terminal before paying order `order_id` (the Orders API):
    /// once paid, its payment reads `tip_amount` = the tip and `paid_amount` = amount + tip, and
    /// it refuses partial refunds (403 `partial_refund_forbidden_with_tips`). The order must
    /// still wait for a card. [`ErrorKind::NotFound`], [`ErrorKind::Conflict`].
    pub fn add_tip(&self, order_id: &str, tip: mppoint::Amount) -> Result<()> {
        orders::service::set_tip(&self.shared, order_id, tip)
            .map(drop)
            .map_err(|e| orders::to_api_error(e).into_error())
    }

    /// The print action `action_id` ends now with `outcome` (printed, failed, or canceled on the
    /// terminal). It must be `created` or `on_terminal`.
    pub fn finish_print(&self, action_id: &str, outcome: PrintOutcome) -> Result<()> {
        print::finish(&self.shared, action_id, outcome)
            .map_err(|e| orders::to_api_error(e).into_error())
    }

    /// The print action `action_id` stays where it is (`created`, or `on_terminal` once
    /// fetched) until [`Simulator::finish_print`].
    pub fn hold_print(&self, action_id: &str) -> Result<()> {
        print::hold(&self.shared, action_id).map_err(|e| orders::to_api_error(e).into_error())
    }

    /// Every print action, oldest first, as `GET /terminals/v1/actions/{id}` answers it.
    pub fn print_actions(&self) -> Vec<serde_json::Value> {
        match print::state_json(&self.shared) {
            serde_json::Value::Array(a) => a,
            _ => Vec::new(),
        }
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, faults: Vec<FaultRule>) {
        lock(&self.shared.faults).set(faults);
    }

    /// Adds a fault rule after the others.
    pub fn add_fault(&self, fault: FaultRule) {
        lock(&self.shared.faults).add(fault);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).set(Vec::new());
    }

    /// The fault rules still armed (a rule with `times` disappears once used up).
    pub fn faults(&self) -> Vec<FaultRule> {
        lock(&self.shared.faults).rules()
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.counters).clone()
    }

    /// An intent as `GET …/intents/{id}/point` would answer it (read by the client).
    pub fn intent(&self, id: &str) -> Option<Intent> {
        lock(&self.shared.world)
            .intents
            .intent(id)
            .map(|i| i.to_client())
    }

    /// Every intent, oldest first.
    pub fn intents(&self) -> Vec<Intent> {
        lock(&self.shared.world)
            .intents
            .intents()
            .iter()
            .map(intents::wire::SimIntent::to_client)
            .collect()
    }

    /// The error of a call on a simulator that was stopped (every language's binding gives this
    /// one when its handle outlives `stop()`).
    pub fn stopped_error() -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            "the simulator was stopped: start a new one",
        )
    }

    /// Every order of the Orders API, oldest first, as `GET /v1/orders/{id}` would answer it.
    pub fn orders(&self) -> Vec<mppoint::api::orders::Order> {
        serde_json::from_value(orders::service::state_json(&self.shared)).unwrap_or_default()
    }

    /// Every sale on either API, oldest first, read as the shared intent: the intents, then the
    /// orders ([`mppoint::api::orders::Order::to_intent`]).
    pub fn sales(&self) -> Vec<Intent> {
        let mut all = self.intents();
        all.extend(self.orders().iter().map(|o| o.to_intent()));
        all
    }

    /// The device restarts: it now runs in the operating mode the API holds (after a `PATCH`,
    /// the guide says to restart the device; until then it keeps its old mode, see
    /// [`SimulatorConfig::mode_change_restart`]). A device switched to `PDV` then fetches its
    /// queued intent. [`ErrorKind::NotFound`] for an unknown device.
    pub fn restart_device(&self, device_id: &str) -> Result<()> {
        control::restart_device(&self.shared, device_id).map_err(ApiError::into_error)
    }

    /// Makes the API answer the documented 403s: `GET /instore-api/point/v1/devices` "Integrator
    /// isn't registered", and `PATCH …/devices/{id}` "User not logged into the device" for the
    /// listed devices. `Forbidden::default()` ends them.
    pub fn set_forbidden(&self, forbidden: Forbidden) {
        lock(&self.shared.world).account.forbidden = forbidden;
    }

    /// A payment, as `GET /v1/payments/{id}` would answer it.
    pub fn payment(&self, id: u64) -> Option<Payment> {
        lock(&self.shared.world).account.payments.payment(id)
    }

    /// Every payment, oldest first.
    pub fn payments(&self) -> Vec<Payment> {
        lock(&self.shared.world).account.payments.all()
    }

    /// Replaces the webhook URLs (for the notifications of intents that end from now on).
    pub fn set_webhook_urls(&self, urls: Vec<String>) {
        *lock(&self.shared.webhook_urls) = urls;
    }

    /// Stops serving and waits (up to a second) for the runtime to wind down.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(rt) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                // Inside some async context: blocking here would panic.
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// `Simulator` is `Send + Sync` (the bindings share it between threads).
const _: fn() = || {
    fn is<T: Send + Sync>() {}
    is::<Simulator>();
};
