//! What the simulator serves: accounts, stores, POSes, devices, timings, webhooks and faults.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use mppoint::amount::{AmountLimits, Site};
use mppoint::device::OperatingMode;
use mppoint::error::{Error, ErrorKind, Result};

use super::faults::FaultRule;

/// The access token the simulator accepts by default.
pub const DEFAULT_ACCESS_TOKEN: &str = "TEST-mppoint-simulator-token";
/// The webhook secret the simulator signs with by default.
pub const DEFAULT_WEBHOOK_SECRET: &str = "mppoint-simulator-webhook-secret";

/// How a [`Simulator`](super::Simulator) is set up. [`Default`] gives one store, two POSes with a
/// `PDV` device each, and one `STANDALONE` device; real-time expiry; no webhooks; no faults.
///
/// ```no_run
/// use std::time::Duration;
/// use mppoint_simulator::{Simulator, SimulatorConfig};
/// let sim = Simulator::start(SimulatorConfig {
///     pickup_delay: Duration::from_millis(20),
///     step_delay: Duration::from_millis(20),
///     ..SimulatorConfig::default()
/// })?;
/// println!("{}", sim.base_url());
/// # Ok::<(), mppoint::Error>(())
/// ```
#[derive(Clone)]
pub struct SimulatorConfig {
    /// Where to listen (default `127.0.0.1:0`: a free port on loopback; see
    /// [`Simulator::base_url`](super::Simulator::base_url)).
    pub bind: SocketAddr,
    /// The bearer token every API request must carry (default `TEST-mppoint-simulator-token`);
    /// requests without `Authorization: Bearer <it>` get 401.
    pub access_token: String,
    /// The account's site: sets the amount limits and the payments' currency (default MLB).
    pub site: Site,
    /// Amount limits; `None` uses the site's documented limits.
    pub limits: Option<AmountLimits>,
    /// The stores.
    pub stores: Vec<SimStore>,
    /// The points of sale.
    pub pos: Vec<SimPos>,
    /// The Point devices.
    pub devices: Vec<SimDevice>,
    /// How long after a create the terminal fetches the intent (`OPENED` → `ON_TERMINAL`).
    /// Default 300 ms.
    pub pickup_delay: Duration,
    /// The pause between `ON_TERMINAL`, `PROCESSING`, `PROCESSED` and the final status. Default
    /// 200 ms.
    pub step_delay: Duration,
    /// Divides the API's real durations: the expiry of an intent ([`SimulatorConfig::intent_expiry`],
    /// 15 minutes) and the 15-minute webhook redelivery interval (default 1, real time; `900`
    /// makes the expiry one second).
    /// Must be at least 1.
    pub time_factor: u32,
    /// Where to POST the webhook notifications (none by default).
    pub webhook_urls: Vec<String>,
    /// The secret the notifications' `x-signature` is computed with.
    pub webhook_secret: String,
    /// How many times a notification is sent at most while the receiver does not answer 200/201
    /// (default 5).
    pub max_webhook_attempts: u32,
    /// `false` (default, the harsher reading: Mercado Pago does not document the key on InStore
    /// intent creates): the key is ignored, so a re-sent create makes a second intent once the
    /// first has ended, or sees 409 "already queued" while it is pending. `true`: a create with a
    /// key seen before answers the intent the first one created (201) instead of creating another.
    pub honor_idempotency_keys: bool,
    /// Orders API: `true` (default) — a terminal with current software, which cancels an
    /// `at_terminal` order when the cancel carries `x-allow-cancelable-status: at_terminal`
    /// (202, then `canceled`, unless it is already processing the card). `false` — an older
    /// terminal: such a cancel is 409 `cannot_cancel_order`, as the cancel reference documents.
    pub orders_cancel_at_terminal: bool,
    /// Serve HTTPS with a self-signed certificate for `127.0.0.1` and `localhost`, generated at
    /// start (see [`Simulator::ca_cert_pem`](super::Simulator::ca_cert_pem)).
    pub tls: bool,
    /// Faults armed from the start.
    pub faults: Vec<FaultRule>,
    /// Whether an intent still `ON_TERMINAL` after the hour expires too. The reference says
    /// "took more than an hour without being processed" and the glossary "not processed within
    /// one hour": an intent loaded on the terminal but not yet processed may expire. `true`
    /// (default, the harsher reading); `false`: only `OPENED` intents expire. `PROCESSING` and
    /// `PROCESSED` intents never expire.
    pub expire_on_terminal: bool,
    /// When a device whose mode was changed restarts by itself. The guide says to restart the
    /// device after `PATCH`ing its mode: until it restarts, the API shows the new mode but the
    /// terminal runs in the old one (a device switched to `PDV` does not fetch intents). `None`
    /// (default, the harsher reading): only when the control API restarts it
    /// ([`Simulator::restart_device`](super::Simulator::restart_device)); `Some(d)`: by itself
    /// after `d` (`Some(Duration::ZERO)`: at once).
    pub mode_change_restart: Option<Duration>,
    /// The pauses between two deliveries of a notification, before dividing by the time factor:
    /// the n-th pause is the n-th element, the last one repeats. The webhooks guide: "retry
    /// sending every 15 minutes … After the third attempt, the interval will be extended" (by how
    /// much is not said). Default: 15, 15 and 15 minutes, then one hour.
    pub webhook_retry_schedule: Vec<Duration>,
    /// The unit of the `ts` of the notifications' `x-signature`. The webhooks guide calls it
    /// milliseconds but its example is in seconds. Default: seconds.
    pub webhook_ts_unit: TsUnit,
    /// How long an InStore intent may stay unfinished before it is `EXPIRED` (before dividing
    /// by the time factor). Default 15 minutes: Mercado Pago's news of 2024-07-01 cut the
    /// expiry of abandoned intents from one hour to 15 minutes.
    pub intent_expiry: Duration,
    /// Whether the account is a test user's, so that its token is a test credential even
    /// without the `TEST-` prefix (a test user's production token starts `APP_USR-`, like any
    /// production token). Default `false`: only a token that starts with `TEST-` is a test
    /// credential, and only orders created with one can be simulated through
    /// `POST /v1/orders/{id}/events` (otherwise 403 `forbidden`).
    pub test_account: bool,
    /// Whether the account's orders accept partial refunds (default `true`, as since the news of
    /// 2025-12-15). `false`: a partial refund answers 400 `unsupported_partially_refunds`.
    pub partial_refunds: bool,
}

/// The unit of a notification's `x-signature` `ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TsUnit {
    /// Unix seconds, 10 digits (`ts=1704908010`, the guide's example).
    Seconds,
    /// Unix milliseconds, 13 digits (the guide's text).
    Milliseconds,
}

impl TsUnit {
    /// `"seconds"` or `"milliseconds"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TsUnit::Seconds => "seconds",
            TsUnit::Milliseconds => "milliseconds",
        }
    }
}

impl std::str::FromStr for TsUnit {
    type Err = Error;
    /// `"seconds"` or `"milliseconds"` (any case).
    fn from_str(s: &str) -> Result<TsUnit> {
        match s.trim().to_ascii_lowercase().as_str() {
            "seconds" => Ok(TsUnit::Seconds),
            "milliseconds" => Ok(TsUnit::Milliseconds),
            _ => Err(Error::invalid_argument(
                "webhook_ts_unit",
                "must be \"seconds\" or \"milliseconds\"",
                s,
            )),
        }
    }
}

/// A store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStore {
    /// The store id (Mercado Pago sends it as a number or a numeric string).
    pub id: String,
    /// The store's name.
    pub name: String,
}

/// A point of sale (a till).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPos {
    /// The numeric POS id (`pos_id` in the device list).
    pub id: i64,
    /// The `external_id` chosen when the POS was created: the one intents are created for.
    pub external_id: String,
    /// The store it belongs to.
    pub store_id: String,
}

/// A Point device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimDevice {
    /// The device id, `PAX_A910__SMARTPOS1234567890`.
    pub id: String,
    /// The `external_id` of the POS it is linked to, if any.
    pub pos_external_id: Option<String>,
    /// `PDV` (receives intents) or `STANDALONE`.
    pub operating_mode: OperatingMode,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            access_token: DEFAULT_ACCESS_TOKEN.to_string(),
            site: Site::MLB,
            limits: None,
            stores: vec![SimStore {
                id: "1000001".into(),
                name: "Loja Centro".into(),
            }],
            pos: vec![
                SimPos {
                    id: 2000001,
                    external_id: "SUC001POS001".into(),
                    store_id: "1000001".into(),
                },
                SimPos {
                    id: 2000002,
                    external_id: "SUC001POS002".into(),
                    store_id: "1000001".into(),
                },
            ],
            devices: vec![
                SimDevice {
                    id: "PAX_A910__SMARTPOS0000000001".into(),
                    pos_external_id: Some("SUC001POS001".into()),
                    operating_mode: OperatingMode::Pdv,
                },
                SimDevice {
                    id: "PAX_A910__SMARTPOS0000000002".into(),
                    pos_external_id: Some("SUC001POS002".into()),
                    operating_mode: OperatingMode::Pdv,
                },
                SimDevice {
                    id: "NEWLAND_N950__N950NCB000000003".into(),
                    pos_external_id: None,
                    operating_mode: OperatingMode::Standalone,
                },
            ],
            pickup_delay: Duration::from_millis(300),
            step_delay: Duration::from_millis(200),
            time_factor: 1,
            webhook_urls: Vec::new(),
            webhook_secret: DEFAULT_WEBHOOK_SECRET.to_string(),
            max_webhook_attempts: 5,
            honor_idempotency_keys: false,
            orders_cancel_at_terminal: true,
            tls: false,
            faults: Vec::new(),
            expire_on_terminal: true,
            mode_change_restart: None,
            webhook_retry_schedule: vec![
                Duration::from_secs(15 * 60),
                Duration::from_secs(15 * 60),
                Duration::from_secs(15 * 60),
                Duration::from_secs(60 * 60),
            ],
            webhook_ts_unit: TsUnit::Seconds,
            intent_expiry: Duration::from_secs(15 * 60),
            test_account: false,
            partial_refunds: true,
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    /// Everything but the access token and the webhook secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("bind", &self.bind)
            .field("access_token", &"<redacted>")
            .field("site", &self.site)
            .field("limits", &self.limits)
            .field("stores", &self.stores)
            .field("pos", &self.pos)
            .field("devices", &self.devices)
            .field("pickup_delay", &self.pickup_delay)
            .field("step_delay", &self.step_delay)
            .field("time_factor", &self.time_factor)
            .field("webhook_urls", &self.webhook_urls)
            .field("webhook_secret", &"<redacted>")
            .field("max_webhook_attempts", &self.max_webhook_attempts)
            .field("honor_idempotency_keys", &self.honor_idempotency_keys)
            .field("orders_cancel_at_terminal", &self.orders_cancel_at_terminal)
            .field("tls", &self.tls)
            .field("faults", &self.faults)
            .field("expire_on_terminal", &self.expire_on_terminal)
            .field("mode_change_restart", &self.mode_change_restart)
            .field("webhook_retry_schedule", &self.webhook_retry_schedule)
            .field("webhook_ts_unit", &self.webhook_ts_unit)
            .field("intent_expiry", &self.intent_expiry)
            .field("test_account", &self.test_account)
            .field("partial_refunds", &self.partial_refunds)
            .finish()
    }
}

/// The JSON form of a configuration: every field optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigJson {
    bind: Option<SocketAddr>,
    access_token: Option<String>,
    site: Option<String>,
    limits: Option<LimitsJson>,
    stores: Option<Vec<SimStore>>,
    pos: Option<Vec<SimPos>>,
    devices: Option<Vec<SimDevice>>,
    pickup_delay_ms: Option<u64>,
    step_delay_ms: Option<u64>,
    time_factor: Option<u32>,
    webhook_urls: Option<Vec<String>>,
    webhook_secret: Option<String>,
    max_webhook_attempts: Option<u32>,
    honor_idempotency_keys: Option<bool>,
    orders_cancel_at_terminal: Option<bool>,
    tls: Option<bool>,
    faults: Option<Vec<FaultRule>>,
    expire_on_terminal: Option<bool>,
    mode_change_restart_ms: Option<u64>,
    webhook_retry_schedule_ms: Option<Vec<u64>>,
    webhook_ts_unit: Option<TsUnit>,
    intent_expiry_ms: Option<u64>,
    test_account: Option<bool>,
    partial_refunds: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsJson {
    min: String,
    max: String,
}

impl SimulatorConfig {
    /// Reads a configuration from JSON (what the C, Python and Node bindings and the CLI pass).
    /// Every field is optional and defaults as in [`SimulatorConfig::default`]; unknown fields are
    /// refused, so a typo does not go unnoticed. Durations are in milliseconds, amounts are
    /// decimal strings:
    ///
    /// ```
    /// let cfg = mppoint_simulator::SimulatorConfig::from_json(r#"{
    ///     "bind": "127.0.0.1:0", "access_token": "TEST-token", "site": "MLA",
    ///     "limits": {"min": "5.00", "max": "100000.00"},
    ///     "stores": [{"id": "1", "name": "Centro"}],
    ///     "pos": [{"id": 10, "external_id": "CAJA1", "store_id": "1"}],
    ///     "devices": [{"id": "PAX_A910__SMARTPOS1", "pos_external_id": "CAJA1", "operating_mode": "PDV"}],
    ///     "pickup_delay_ms": 20, "step_delay_ms": 20, "time_factor": 60,
    ///     "webhook_urls": ["http://127.0.0.1:9000/hook"], "webhook_secret": "s3cret",
    ///     "max_webhook_attempts": 3, "honor_idempotency_keys": false, "tls": false,
    ///     "faults": [{"endpoint": "CreateIntent", "kind": {"type": "Status", "status": 503}, "times": 1}],
    ///     "expire_on_terminal": true, "mode_change_restart_ms": 0,
    ///     "webhook_retry_schedule_ms": [900000, 900000, 900000, 3600000],
    ///     "webhook_ts_unit": "milliseconds"
    /// }"#)?;
    /// assert_eq!(cfg.site, mppoint::Site::MLA);
    /// assert_eq!(cfg.pickup_delay, std::time::Duration::from_millis(20));
    /// assert_eq!(mppoint_simulator::SimulatorConfig::from_json("{}")?.devices.len(), 3);
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<SimulatorConfig> {
        let j: ConfigJson = serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorKind::Config, format!("simulator configuration: {e}")))?;
        let d = SimulatorConfig::default();
        let limits = match j.limits {
            None => None,
            Some(l) => Some(AmountLimits::new(
                mppoint::Amount::parse(&l.min)?,
                mppoint::Amount::parse(&l.max)?,
            )?),
        };
        let cfg = SimulatorConfig {
            bind: j.bind.unwrap_or(d.bind),
            access_token: j.access_token.unwrap_or(d.access_token),
            site: match j.site {
                Some(s) => s.parse()?,
                None => d.site,
            },
            limits,
            stores: j.stores.unwrap_or(d.stores),
            pos: j.pos.unwrap_or(d.pos),
            devices: j.devices.unwrap_or(d.devices),
            pickup_delay: j
                .pickup_delay_ms
                .map_or(d.pickup_delay, Duration::from_millis),
            step_delay: j.step_delay_ms.map_or(d.step_delay, Duration::from_millis),
            time_factor: j.time_factor.unwrap_or(d.time_factor),
            webhook_urls: j.webhook_urls.unwrap_or(d.webhook_urls),
            webhook_secret: j.webhook_secret.unwrap_or(d.webhook_secret),
            max_webhook_attempts: j.max_webhook_attempts.unwrap_or(d.max_webhook_attempts),
            honor_idempotency_keys: j.honor_idempotency_keys.unwrap_or(d.honor_idempotency_keys),
            orders_cancel_at_terminal: j
                .orders_cancel_at_terminal
                .unwrap_or(d.orders_cancel_at_terminal),
            tls: j.tls.unwrap_or(d.tls),
            faults: j.faults.unwrap_or(d.faults),
            expire_on_terminal: j.expire_on_terminal.unwrap_or(d.expire_on_terminal),
            mode_change_restart: j.mode_change_restart_ms.map(Duration::from_millis),
            webhook_retry_schedule: j
                .webhook_retry_schedule_ms
                .map_or(d.webhook_retry_schedule, |v| {
                    v.into_iter().map(Duration::from_millis).collect()
                }),
            webhook_ts_unit: j.webhook_ts_unit.unwrap_or(d.webhook_ts_unit),
            intent_expiry: j
                .intent_expiry_ms
                .map_or(d.intent_expiry, Duration::from_millis),
            test_account: j.test_account.unwrap_or(d.test_account),
            partial_refunds: j.partial_refunds.unwrap_or(d.partial_refunds),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// This configuration with Mercado Pago's sandbox virtual terminal
    /// (`NEWLAND_N950__SBX0000001`, in `PDV` mode, linked to no POS) added to its devices: it
    /// needs no hardware and never fetches an order; only the sandbox's
    /// `POST /v1/orders/{id}/events` moves its orders.
    pub fn with_sandbox_terminal(mut self) -> SimulatorConfig {
        self.devices.push(SimDevice {
            id: VIRTUAL_TERMINAL.to_string(),
            pos_external_id: None,
            operating_mode: OperatingMode::Pdv,
        });
        self
    }

    /// The amount limits in force: [`SimulatorConfig::limits`] or the site's.
    pub fn effective_limits(&self) -> AmountLimits {
        self.limits.unwrap_or_else(|| self.site.default_limits())
    }

    /// The pace a client of this simulator polls at when a wait sets none: half its shortest
    /// step (`pickup_delay`, `step_delay`), so that each status a terminal goes through is seen,
    /// from 10 ms (the least poll interval) to 1 s (a real client's default).
    pub fn poll_pace(&self) -> Duration {
        (self.pickup_delay.min(self.step_delay) / 2)
            .clamp(Duration::from_millis(10), Duration::from_secs(1))
    }

    /// How long an intent may stay unfinished: [`SimulatorConfig::intent_expiry`] (15 minutes
    /// by default) divided by the time factor.
    pub fn expiry(&self) -> Duration {
        self.intent_expiry / self.time_factor.max(1)
    }

    /// Whether the access token is a test credential: it starts with `TEST-`, or the account is
    /// declared a test user's ([`SimulatorConfig::test_account`]).
    pub fn is_test_credential(&self) -> bool {
        self.test_account || self.access_token.starts_with("TEST-")
    }

    /// The pause after the `attempt`-th delivery of a notification (1 = after the first), from
    /// [`SimulatorConfig::webhook_retry_schedule`] divided by the time factor.
    pub fn webhook_retry_pause(&self, attempt: u32) -> Duration {
        let i = usize::try_from(attempt.max(1) - 1).unwrap_or(usize::MAX);
        let pause = self
            .webhook_retry_schedule
            .get(i)
            .or(self.webhook_retry_schedule.last())
            .copied()
            .unwrap_or(Duration::from_secs(15 * 60));
        pause / self.time_factor.max(1)
    }

    /// Whether an intent in `status` expires once its hour is over: `OPENED`, and `ON_TERMINAL`
    /// unless [`SimulatorConfig::expire_on_terminal`] is off; never one being processed.
    pub fn expires(&self, status: &mppoint::Status) -> bool {
        match status {
            mppoint::Status::Opened => true,
            mppoint::Status::OnTerminal => self.expire_on_terminal,
            _ => false,
        }
    }

    /// Checks the configuration holds together: ids unique, every POS in a known store, every
    /// device linked to a known POS (and at most one device per POS), a time factor of at least 1.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::Config, format!("simulator: {m}")));
        if self.access_token.is_empty() {
            return bad("the access token must not be empty".into());
        }
        if self.time_factor == 0 {
            return bad("time_factor must be at least 1".into());
        }
        if self.webhook_retry_schedule.is_empty() {
            return bad("webhook_retry_schedule must hold at least one pause".into());
        }
        if self.max_webhook_attempts == 0 {
            return bad("max_webhook_attempts must be at least 1".into());
        }
        for (i, s) in self.stores.iter().enumerate() {
            if self.stores[..i].iter().any(|o| o.id == s.id) {
                return bad(format!("store id {:?} is used twice", s.id));
            }
        }
        for (i, p) in self.pos.iter().enumerate() {
            if self.pos[..i]
                .iter()
                .any(|o| o.id == p.id || o.external_id == p.external_id)
            {
                return bad(format!(
                    "POS {:?} (id {}) is declared twice",
                    p.external_id, p.id
                ));
            }
            if !self.stores.iter().any(|s| s.id == p.store_id) {
                return bad(format!(
                    "POS {:?} belongs to an unknown store {:?}",
                    p.external_id, p.store_id
                ));
            }
        }
        for (i, d) in self.devices.iter().enumerate() {
            if d.id.is_empty() || self.devices[..i].iter().any(|o| o.id == d.id) {
                return bad(format!("device id {:?} is empty or used twice", d.id));
            }
            // The terminals list also shows `UNDEFINED` ("the configuration that the terminal
            // has is not recognized") and, on the Chile migration page, `SELF_SERVICE`.
            if let OperatingMode::Unknown(m) = &d.operating_mode {
                return bad(format!("device {:?} has an unknown mode {m:?}", d.id));
            }
            if let Some(ext) = &d.pos_external_id {
                if !self.pos.iter().any(|p| &p.external_id == ext) {
                    return bad(format!(
                        "device {:?} is linked to an unknown POS {ext:?}",
                        d.id
                    ));
                }
                if self.devices[..i]
                    .iter()
                    .any(|o| o.pos_external_id.as_ref() == Some(ext))
                {
                    return bad(format!("POS {ext:?} is linked to two devices"));
                }
            }
        }
        for f in &self.faults {
            f.validate()?;
        }
        Ok(())
    }
}

/// The id of Mercado Pago's sandbox virtual terminal (the integration-test guide).
pub(crate) const VIRTUAL_TERMINAL: &str = "NEWLAND_N950__SBX0000001";

/// Whether `id` is a sandbox virtual terminal (its serial starts `SBX`): it needs no hardware and
/// never fetches an order; only `POST /v1/orders/{id}/events` moves its orders.
pub(crate) fn is_virtual_terminal(id: &str) -> bool {
    id.split_once("__")
        .is_some_and(|(_, serial)| serial.starts_with("SBX"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_say_what_is_wrong() {
        let e = SimulatorConfig::from_json(r#"{"pickup_delay": 5}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("pickup_delay"), "{e}");
        assert!(SimulatorConfig::from_json(r#"{"site": "XX"}"#).is_err());
        assert!(SimulatorConfig::from_json(r#"{"limits": {"min": "3", "max": "2"}}"#).is_err());
        assert!(SimulatorConfig::from_json(r#"{"time_factor": 0}"#).is_err());
        assert!(SimulatorConfig::from_json(
            r#"{"devices": [{"id": "D", "operating_mode": "KIOSK"}]}"#
        )
        .is_err());
        let c =
            SimulatorConfig::from_json(r#"{"devices": [{"id": "D", "operating_mode": "PDV"}]}"#)
                .unwrap();
        assert_eq!(c.devices[0].pos_external_id, None);
        assert!(SimulatorConfig::from_json("[").is_err());
    }

    #[test]
    fn default_validates_and_hides_secrets() {
        let d = SimulatorConfig::default();
        d.validate().unwrap();
        // Abandoned intents expire after 15 minutes (news of 2024-07-01), not one hour.
        assert_eq!(d.expiry(), Duration::from_secs(15 * 60));
        let fast = SimulatorConfig {
            time_factor: 3600,
            ..SimulatorConfig::default()
        };
        assert_eq!(fast.expiry(), Duration::from_millis(250));
        assert_eq!(fast.webhook_retry_pause(1), Duration::from_millis(250));
        assert_eq!(fast.webhook_retry_pause(3), Duration::from_millis(250));
        // "After the third attempt, the interval will be extended".
        assert_eq!(fast.webhook_retry_pause(4), Duration::from_secs(1));
        assert_eq!(fast.webhook_retry_pause(9), Duration::from_secs(1));
        assert!(d.expires(&mppoint::Status::Opened) && d.expires(&mppoint::Status::OnTerminal));
        assert!(
            !d.expires(&mppoint::Status::Processing) && !d.expires(&mppoint::Status::Processed)
        );
        let kind = SimulatorConfig {
            expire_on_terminal: false,
            ..SimulatorConfig::default()
        };
        assert!(!kind.expires(&mppoint::Status::OnTerminal));
        let j = SimulatorConfig::from_json(
            r#"{"webhook_ts_unit": "milliseconds", "webhook_retry_schedule_ms": [10, 20],
                "mode_change_restart_ms": 0, "expire_on_terminal": false}"#,
        )
        .unwrap();
        assert_eq!(j.webhook_ts_unit, TsUnit::Milliseconds);
        assert_eq!(j.webhook_retry_pause(5), Duration::from_millis(20));
        assert_eq!(j.mode_change_restart, Some(Duration::ZERO));
        assert!(SimulatorConfig::from_json(r#"{"webhook_retry_schedule_ms": []}"#).is_err());
        assert_eq!(
            "Milliseconds".parse::<TsUnit>().unwrap(),
            TsUnit::Milliseconds
        );
        assert_eq!(TsUnit::Seconds.as_str(), "seconds");
        let e = "ms".parse::<TsUnit>().unwrap_err();
        assert_eq!(e.field(), Some("webhook_ts_unit"));
        let dbg = format!("{d:?}");
        assert!(!dbg.contains(DEFAULT_ACCESS_TOKEN) && !dbg.contains(DEFAULT_WEBHOOK_SECRET));
    }
}
