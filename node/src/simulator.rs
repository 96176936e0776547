//! `Simulator`: the core's local Mercado Pago Point API with simulated terminals, so a shop's own
//! test suite runs sales without a terminal.
//!
//! The simulator serves on its own runtime threads; the control calls here only touch its state
//! in memory (microseconds), so they are synchronous.

use std::collections::HashMap;
use std::sync::Mutex;

use napi::bindgen_prelude::*;
use serde_json::{json, Map, Value};

use mppoint_simulator::{self as sim, CardOutcome, Endpoint, FaultRule as CoreFault, PrintOutcome};

use crate::client::ClientOptions;
use crate::error::to_napi;
use crate::types::{amount_in, AmountInput, Intent, Payment};

/// A store of the simulated account.
#[napi(object)]
pub struct SimStore {
    pub id: String,
    pub name: String,
}

/// The documented 403s the simulated API answers on request (`setForbidden`).
#[napi(object)]
pub struct Forbidden {
    /// The device list answers 403 "Integrator isn't registered".
    pub integrator_not_registered: Option<bool>,
    /// A mode change of these devices answers 403 "User not logged into the device".
    pub user_not_logged_in: Option<Vec<String>>,
}

/// A point of sale (a till) of the simulated account.
#[napi(object)]
pub struct SimPos {
    /// The numeric POS id (`posId` in the device list).
    pub id: i64,
    /// The `external_id` intents are created for.
    pub external_id: String,
    pub store_id: String,
}

/// A simulated Point device.
#[napi(object)]
pub struct SimDevice {
    /// `TYPE__SERIAL`, like `PAX_A910__SMARTPOS0000000001`.
    pub id: String,
    /// The POS it is linked to, if any.
    pub pos_external_id: Option<String>,
    /// `PDV` (receives intents) or `STANDALONE`.
    #[napi(ts_type = "'PDV' | 'STANDALONE'")]
    pub operating_mode: String,
}

/// What a fault does. `type` is one of `Latency` (with `ms`), `Status` (with `status`, 400–599),
/// `RateLimited` (with `retryAfterSecs`), `StatusAfterProcessing` (with `status`, 500–599: the
/// work is done, then the status answered), `DropBeforeProcessing`, `DropAfterProcessing`
/// (the work is done, the answer is lost), `TruncatedBody`, `MalformedJson`.
#[napi(object)]
pub struct FaultKind {
    #[napi(
        js_name = "type",
        ts_type = "'Latency' | 'Status' | 'RateLimited' | 'StatusAfterProcessing' | 'DropBeforeProcessing' | 'DropAfterProcessing' | 'TruncatedBody' | 'MalformedJson'"
    )]
    pub kind: String,
    /// For `Latency`: the delay in milliseconds.
    pub ms: Option<f64>,
    /// For `Status`: the HTTP status to answer.
    pub status: Option<f64>,
    /// For `RateLimited`: the `Retry-After`, in seconds.
    pub retry_after_secs: Option<f64>,
}

/// A fault to inject into the simulator's answers.
#[napi(object)]
pub struct FaultRule {
    /// `ListDevices`, `SetOperatingMode`, `CreateIntent`, `GetIntent`, `CancelIntent`,
    /// `GetPayment`, `SearchPayments` or `Refund`; absent: every API endpoint.
    #[napi(ts_type = "SimEndpoint")]
    pub endpoint: Option<String>,
    pub kind: FaultKind,
    /// Apply to the next N matching requests, then disarm; absent: always.
    pub times: Option<f64>,
    /// Apply to this share (0–100) of the matching requests; absent: all of them.
    pub share_percent: Option<f64>,
}

fn num(v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(n) if n.fract() == 0.0 && (0.0..=9e15).contains(&n) => json!(n as u64),
        // Let the core refuse it with its own message.
        Some(n) => json!(n),
    }
}

fn config_error(what: &str, e: impl std::fmt::Display) -> mppoint::Error {
    mppoint::Error::new(
        mppoint::ErrorKind::Config,
        format!("simulator: {what}: {e}"),
    )
}

impl FaultRule {
    fn to_json(&self) -> mppoint::Result<Value> {
        let mut kind = Map::new();
        kind.insert("type".into(), json!(self.kind.kind));
        for (k, v) in [
            ("ms", self.kind.ms),
            ("status", self.kind.status),
            ("retry_after_secs", self.kind.retry_after_secs),
        ] {
            if v.is_some() {
                kind.insert(k.into(), num(v));
            }
        }
        let endpoint = match &self.endpoint {
            Some(e) => json!(Endpoint::parse(e)?.as_str()),
            None => Value::Null,
        };
        let mut rule = Map::new();
        rule.insert("endpoint".into(), endpoint);
        rule.insert("kind".into(), Value::Object(kind));
        if self.times.is_some() {
            rule.insert("times".into(), num(self.times));
        }
        if self.share_percent.is_some() {
            rule.insert("share_percent".into(), num(self.share_percent));
        }
        Ok(Value::Object(rule))
    }

    fn to_core(&self) -> mppoint::Result<CoreFault> {
        serde_json::from_value(self.to_json()?).map_err(|e| config_error("fault rule", e))
    }

    fn of(f: &CoreFault) -> mppoint::Result<FaultRule> {
        let v = serde_json::to_value(f).map_err(|e| config_error("fault rule", e))?;
        let get = |o: &Value, k: &str| o.get(k).and_then(Value::as_f64);
        let kind = &v["kind"];
        Ok(FaultRule {
            endpoint: f.endpoint.map(|e| e.as_str().to_string()),
            kind: FaultKind {
                kind: kind["type"].as_str().unwrap_or_default().to_string(),
                ms: get(kind, "ms"),
                status: get(kind, "status"),
                retry_after_secs: get(kind, "retry_after_secs"),
            },
            times: f.times.map(f64::from),
            share_percent: f.share_percent.map(f64::from),
        })
    }
}

/// How to set up a simulator; every field is optional. The default: site `MLB`, one store, POSes
/// `SUC001POS001` and `SUC001POS002` with PDV devices `PAX_A910__SMARTPOS0000000001` and
/// `…0002`, a STANDALONE device `NEWLAND_N950__N950NCB000000003`, a 300 ms pickup and 200 ms
/// steps, real-time expiry, no webhooks, no faults.
#[napi(object)]
pub struct SimulatorConfig {
    /// Where to listen (default `127.0.0.1:0`: a free port on loopback).
    pub bind: Option<String>,
    /// The bearer token every request must carry (default `TEST-mppoint-simulator-token`).
    pub access_token: Option<String>,
    /// `MLA` or `MLB` (default): the amount limits and the payments' currency.
    #[napi(ts_type = "'MLA' | 'MLB'")]
    pub site: Option<String>,
    /// Amount limits instead of the site's, as decimal strings.
    pub limits: Option<SimLimits>,
    pub stores: Option<Vec<SimStore>>,
    pub pos: Option<Vec<SimPos>>,
    pub devices: Option<Vec<SimDevice>>,
    /// How long after a create the terminal fetches the intent, in milliseconds (default 300).
    pub pickup_delay_ms: Option<f64>,
    /// The pause between the terminal's steps, in milliseconds (default 200).
    pub step_delay_ms: Option<f64>,
    /// Divides the real one-hour expiry and 15-minute webhook retry (3600: expiry in 1 s).
    pub time_factor: Option<f64>,
    /// Where to POST the signed webhook notifications.
    pub webhook_urls: Option<Vec<String>>,
    /// The secret the notifications are signed with.
    pub webhook_secret: Option<String>,
    /// How many times a notification is sent at most (default 5).
    pub max_webhook_attempts: Option<f64>,
    /// `false` (default, the harsher reading: the key is not documented on InStore intent
    /// creates): a create re-sent with the same `X-Idempotency-Key` is a new create. `true`: it
    /// answers the first intent instead of creating another.
    pub honor_idempotency_keys: Option<bool>,
    /// Serve HTTPS with a self-signed certificate (trust `caCertPem`).
    pub tls: Option<bool>,
    /// Faults armed from the start.
    pub faults: Option<Vec<FaultRule>>,
    /// Whether an intent still `ON_TERMINAL` after its hour expires (default `true`; `OPENED`
    /// ones always do, `PROCESSING`/`PROCESSED` ones never).
    pub expire_on_terminal: Option<bool>,
    /// After a mode change, the device restarts by itself after this many milliseconds (default:
    /// only when `restartDevice` is called).
    pub mode_change_restart_ms: Option<f64>,
    /// The pauses between webhook deliveries in milliseconds, before the time factor (the last
    /// repeats; default 15, 15, 15 minutes, then one hour).
    pub webhook_retry_schedule_ms: Option<Vec<f64>>,
    /// The unit of the notifications' `x-signature` `ts` (default `seconds`).
    #[napi(ts_type = "'seconds' | 'milliseconds'")]
    pub webhook_ts_unit: Option<String>,
    /// Adds Mercado Pago's sandbox virtual terminal `NEWLAND_N950__SBX0000001` (PDV, linked to no
    /// POS) to the devices: it never fetches an order; only `client.simulateOrderEvent` moves its
    /// orders (default false).
    pub sandbox_terminal: Option<bool>,
    /// The account is a test user's: its token is a test credential even without the `TEST-`
    /// prefix (default false).
    pub test_account: Option<bool>,
    /// Whether the account's orders accept partial refunds (default true). `false`: a partial
    /// refund answers 400 `unsupported_partially_refunds` (`REFUND_NOT_ALLOWED`).
    pub partial_refunds: Option<bool>,
    /// How long an unfinished intent lives, in milliseconds, before the time factor (default
    /// 900000: the 15 minutes of Mercado Pago's news of 2024-07-01).
    pub intent_expiry_ms: Option<f64>,
}

/// Amount limits of a simulated account.
#[napi(object)]
pub struct SimLimits {
    pub min: String,
    pub max: String,
}

impl SimulatorConfig {
    /// The core's JSON shape (`SimulatorConfig::from_json` holds every rule and default).
    fn to_json(&self) -> mppoint::Result<String> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                m.insert(k.to_string(), v);
            }
        };
        put("bind", json!(self.bind));
        put("access_token", json!(self.access_token));
        put("site", json!(self.site));
        put(
            "limits",
            match &self.limits {
                Some(l) => json!({"min": l.min, "max": l.max}),
                None => Value::Null,
            },
        );
        put(
            "stores",
            match &self.stores {
                Some(s) => Value::Array(
                    s.iter()
                        .map(|s| json!({"id": s.id, "name": s.name}))
                        .collect(),
                ),
                None => Value::Null,
            },
        );
        put(
            "pos",
            match &self.pos {
                Some(p) => Value::Array(
                    p.iter()
                        .map(|p| json!({"id": p.id, "external_id": p.external_id, "store_id": p.store_id}))
                        .collect(),
                ),
                None => Value::Null,
            },
        );
        put(
            "devices",
            match &self.devices {
                Some(d) => Value::Array(
                    d.iter()
                        .map(|d| {
                            json!({"id": d.id, "pos_external_id": d.pos_external_id,
                                   "operating_mode": d.operating_mode})
                        })
                        .collect(),
                ),
                None => Value::Null,
            },
        );
        put("expire_on_terminal", json!(self.expire_on_terminal));
        put("mode_change_restart_ms", num(self.mode_change_restart_ms));
        put(
            "webhook_retry_schedule_ms",
            match &self.webhook_retry_schedule_ms {
                Some(v) => Value::Array(v.iter().map(|n| num(Some(*n))).collect()),
                None => Value::Null,
            },
        );
        if let Some(u) = &self.webhook_ts_unit {
            put("webhook_ts_unit", json!(u.parse::<sim::TsUnit>()?.as_str()));
        }
        put("pickup_delay_ms", num(self.pickup_delay_ms));
        put("step_delay_ms", num(self.step_delay_ms));
        put("time_factor", num(self.time_factor));
        put("webhook_urls", json!(self.webhook_urls));
        put("webhook_secret", json!(self.webhook_secret));
        put("max_webhook_attempts", num(self.max_webhook_attempts));
        put("honor_idempotency_keys", json!(self.honor_idempotency_keys));
        put("tls", json!(self.tls));
        put("test_account", json!(self.test_account));
        put("partial_refunds", json!(self.partial_refunds));
        put("intent_expiry_ms", num(self.intent_expiry_ms));
        let faults = match &self.faults {
            Some(f) => Value::Array(
                f.iter()
                    .map(FaultRule::to_json)
                    .collect::<mppoint::Result<_>>()?,
            ),
            None => Value::Null,
        };
        put("faults", faults);
        serde_json::to_string(&Value::Object(m)).map_err(|e| config_error("configuration", e))
    }
}

/// The simulator's request counters.
#[napi(object)]
pub struct Counters {
    /// Requests received per endpoint (`GetIntent`, `CreateIntent`, …).
    pub requests: HashMap<String, i64>,
    /// Requests that matched no route.
    pub unrouted_requests: i64,
    /// Intents created in all.
    pub intents_created: i64,
    /// Intents created per `X-Idempotency-Key`.
    pub intents_created_per_key: HashMap<String, i64>,
    /// Creates answered with an existing intent because their idempotency key was seen before.
    pub idempotent_replays: i64,
    /// TCP connections accepted.
    pub connections_accepted: i64,
    /// Requests a fault (other than latency) was applied to.
    pub faults_applied: i64,
    /// Webhook deliveries attempted.
    pub webhook_attempts: i64,
    /// Webhook deliveries answered 200 or 201.
    pub webhook_successes: i64,
}

/// A running simulator: a local Mercado Pago Point API on loopback with simulated terminals.
/// The cents of an amount choose what the terminal does: `.13` rejected, `.44` held on the
/// terminal until `presentCard`/`cancelOnTerminal`, `.66` ERROR, `.77` CONFIRMATION_REQUIRED,
/// `.88` canceled on the terminal, `.99` never picked up (EXPIRED); anything else approved.
#[napi]
pub struct Simulator {
    inner: Mutex<Option<sim::Simulator>>,
    /// How a client of it is made (URL, token, certificate, site, limits): the core's recipe.
    settings: sim::ClientSettings,
    webhook_secret: String,
}

impl Simulator {
    fn with<T>(
        &self,
        env: &Env,
        f: impl FnOnce(&sim::Simulator) -> mppoint::Result<T>,
    ) -> Result<T> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let r = match guard.as_ref() {
            Some(s) => f(s),
            None => Err(sim::Simulator::stopped_error()),
        };
        r.map_err(|e| to_napi(env, &e))
    }
}

#[napi]
impl Simulator {
    /// Starts a simulator (default: a free port on 127.0.0.1). Throws `CONFIG` when the
    /// configuration does not hold together or the address cannot be bound.
    #[napi(constructor)]
    pub fn new(env: Env, config: Option<SimulatorConfig>) -> Result<Simulator> {
        let started = (|| {
            let mut cfg = match &config {
                Some(c) => sim::SimulatorConfig::from_json(&c.to_json()?)?,
                None => sim::SimulatorConfig::default(),
            };
            if config.as_ref().and_then(|c| c.sandbox_terminal) == Some(true) {
                cfg = cfg.with_sandbox_terminal();
            }
            sim::Simulator::start(cfg)
        })();
        match started {
            Ok(s) => Ok(Simulator {
                settings: s.client_settings(),
                webhook_secret: s.webhook_secret().to_string(),
                inner: Mutex::new(Some(s)),
            }),
            Err(e) => Err(to_napi(&env, &e)),
        }
    }

    /// Where it serves: `http://127.0.0.1:PORT` (`https://…` with `tls`).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.settings.base_url.clone()
    }

    /// The bearer token it accepts.
    #[napi(getter)]
    pub fn access_token(&self) -> String {
        self.settings.access_token.clone()
    }

    /// The secret its webhook notifications are signed with.
    #[napi(getter)]
    pub fn webhook_secret(&self) -> String {
        self.webhook_secret.clone()
    }

    /// With `tls`: its self-signed certificate (PEM), to pass as `extraRootCerts`.
    #[napi(getter)]
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.settings.ca_cert_pem.clone()
    }

    /// Client options for this simulator (base URL, token, certificate, site, and its pace:
    /// `pollIntervalMs`, so a wait sees every status):
    /// `new Client({ ...sim.clientOptions(), retries: 0 })`.
    #[napi]
    pub fn client_options(&self) -> ClientOptions {
        // The core's recipe (mppoint_simulator::ClientSettings), as client options to spread:
        // with the simulator's own site and limits, so an amount outside them is INVALID_AMOUNT
        // before anything is sent, as with a real account (not the simulator's 400).
        let s = self.settings.clone();
        ClientOptions {
            access_token: s.access_token,
            base_url: Some(s.base_url),
            site: s.site.map(|site| site.code().to_string()),
            amount_limits: s.limits.map(|l| crate::types::AmountLimits {
                min: Either::A(l.min.to_string()),
                max: Either::A(l.max.to_string()),
            }),
            timeout_ms: None,
            connect_timeout_ms: None,
            // The simulator's pace, so a wait sees every status of its terminals.
            poll_interval_ms: s.poll_interval.map(|d| d.as_secs_f64() * 1000.0),
            retries: None,
            retry_base_delay_ms: None,
            retry_max_delay_ms: None,
            integrator_id: None,
            platform_id: None,
            corporation_id: None,
            user_agent_suffix: None,
            proxy: None,
            no_proxy: Some(s.no_proxy),
            extra_root_certs: s.ca_cert_pem.map(Either::A),
            resend_ambiguous_creates: None,
            allow_insecure_http: None,
            api: None,
            webhook_secret: None,
            journal: None,
            journal_retention_secs: None,
            test_account: None,
        }
    }

    /// Presents a card for an intent that is `OPENED` or `ON_TERMINAL`: `approved`, `rejected`,
    /// `error` or `confirmation_required`.
    #[napi]
    pub fn present_card(
        &self,
        env: Env,
        intent_id: String,
        #[napi(ts_arg_type = "CardOutcome")] outcome: String,
    ) -> Result<()> {
        self.with(&env, |s| {
            s.present_card(&intent_id, CardOutcome::parse(&outcome)?)
        })
    }

    /// The customer cancels on the terminal: the intent ends `CANCELED`.
    #[napi]
    pub fn cancel_on_terminal(&self, env: Env, intent_id: String) -> Result<()> {
        self.with(&env, |s| s.cancel_on_terminal(&intent_id))
    }

    /// Keeps the intent `ON_TERMINAL` until `presentCard` or `cancelOnTerminal`.
    #[napi]
    pub fn hold_on_terminal(&self, env: Env, intent_id: String) -> Result<()> {
        self.with(&env, |s| s.hold_on_terminal(&intent_id))
    }

    /// The device restarts and runs in the operating mode the API holds (after
    /// `setOperatingMode`, a device keeps its old mode until it restarts, as the guide says).
    #[napi]
    pub fn restart_device(&self, env: Env, device_id: String) -> Result<()> {
        self.with(&env, |s| s.restart_device(&device_id))
    }

    /// Makes the API answer the documented 403s; `setForbidden({})` ends them.
    #[napi]
    pub fn set_forbidden(&self, env: Env, forbidden: Forbidden) -> Result<()> {
        let f = sim::Forbidden {
            integrator_not_registered: forbidden.integrator_not_registered.unwrap_or(false),
            user_not_logged_in: forbidden.user_not_logged_in.unwrap_or_default(),
        };
        self.with(&env, |s| {
            s.set_forbidden(f);
            Ok(())
        })
    }

    /// Replaces the armed faults.
    #[napi]
    pub fn set_faults(&self, env: Env, faults: Vec<FaultRule>) -> Result<()> {
        self.with(&env, |s| {
            let f = faults
                .iter()
                .map(FaultRule::to_core)
                .collect::<mppoint::Result<Vec<_>>>()?;
            s.set_faults(f);
            Ok(())
        })
    }

    /// Arms one more fault.
    #[napi]
    pub fn add_fault(&self, env: Env, fault: FaultRule) -> Result<()> {
        self.with(&env, |s| {
            s.add_fault(fault.to_core()?);
            Ok(())
        })
    }

    /// Disarms every fault.
    #[napi]
    pub fn clear_faults(&self, env: Env) -> Result<()> {
        self.with(&env, |s| {
            s.clear_faults();
            Ok(())
        })
    }

    /// The faults still armed.
    #[napi]
    pub fn faults(&self, env: Env) -> Result<Vec<FaultRule>> {
        self.with(&env, |s| s.faults().iter().map(FaultRule::of).collect())
    }

    /// The request counters.
    #[napi]
    pub fn counters(&self, env: Env) -> Result<Counters> {
        self.with(&env, |s| {
            let c = s.counters();
            Ok(Counters {
                requests: c
                    .requests
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), *v as i64))
                    .collect(),
                unrouted_requests: c.unrouted_requests as i64,
                intents_created: c.intents_created as i64,
                intents_created_per_key: c
                    .intents_created_per_key
                    .iter()
                    .map(|(k, v)| (k.clone(), *v as i64))
                    .collect(),
                idempotent_replays: c.idempotent_replays as i64,
                connections_accepted: c.connections_accepted as i64,
                faults_applied: c.faults_applied as i64,
                webhook_attempts: c.webhook_attempts as i64,
                webhook_successes: c.webhook_successes as i64,
            })
        })
    }

    /// An intent as the simulator holds it (`null` if unknown).
    #[napi]
    pub fn intent(&self, env: Env, intent_id: String) -> Result<Option<Intent>> {
        self.with(&env, |s| Ok(s.intent(&intent_id).as_ref().map(Intent::of)))
    }

    /// Every intent created so far.
    #[napi]
    pub fn intents(&self, env: Env) -> Result<Vec<Intent>> {
        self.with(&env, |s| Ok(s.intents().iter().map(Intent::of).collect()))
    }

    /// Orders API: every order created so far, read as intents (`intents()` has the InStore
    /// intents only).
    #[napi]
    pub fn orders(&self, env: Env) -> Result<Vec<Intent>> {
        self.with(&env, |s| {
            Ok(s.orders()
                .iter()
                .map(|o| Intent::of(&o.to_intent()))
                .collect())
        })
    }

    /// A payment as the simulator holds it (`null` if unknown).
    #[napi]
    pub fn payment(&self, env: Env, payment_id: Either<f64, String>) -> Result<Option<Payment>> {
        let id = crate::types::payment_id(&payment_id).map_err(|e| to_napi(&env, &e))?;
        self.with(&env, |s| Ok(s.payment(id).as_ref().map(Payment::of)))
    }

    /// Orders API: the customer adds `tip` on the terminal before paying order `orderId` (which
    /// must still wait for a card, e.g. held with a `.44` amount): once paid, its payment reads
    /// `tipAmount` and the sale `tip`, and it refuses partial refunds. Throws `NOT_FOUND` or
    /// `CONFLICT`.
    #[napi]
    pub fn add_tip(
        &self,
        env: Env,
        order_id: String,
        #[napi(ts_arg_type = "AmountInput")] tip: AmountInput,
    ) -> Result<()> {
        let tip = amount_in(&tip).map_err(|e| to_napi(&env, &e))?;
        self.with(&env, |s| s.add_tip(&order_id, tip))
    }

    /// The print action `actionId` ends now: `processed` (the default), `failed`, or `canceled`
    /// (on the terminal). It must be `created` or `on_terminal`.
    #[napi]
    pub fn finish_print(
        &self,
        env: Env,
        action_id: String,
        #[napi(ts_arg_type = "PrintOutcome")] outcome: Option<String>,
    ) -> Result<()> {
        let o = match outcome.as_deref() {
            None | Some("processed") => PrintOutcome::Processed,
            Some("failed") => PrintOutcome::Failed,
            Some("canceled") => PrintOutcome::CanceledOnTerminal,
            Some(other) => {
                return Err(to_napi(
                    &env,
                    &crate::error::invalid(
                        "outcome",
                        "must be processed, failed or canceled",
                        other,
                    ),
                ))
            }
        };
        self.with(&env, |s| s.finish_print(&action_id, o))
    }

    /// The print action `actionId` stays where it is (`created`, or `on_terminal` once fetched)
    /// until `finishPrint`.
    #[napi]
    pub fn hold_print(&self, env: Env, action_id: String) -> Result<()> {
        self.with(&env, |s| s.hold_print(&action_id))
    }

    /// Every print action, oldest first, as `GET /terminals/v1/actions/{id}` answers it (the
    /// API's own JSON, snake_case).
    #[napi(ts_return_type = "Array<Record<string, unknown>>")]
    pub fn print_actions(&self, env: Env) -> Result<Vec<Value>> {
        self.with(&env, |s| Ok(s.print_actions()))
    }

    /// Where to POST webhook notifications from now on.
    #[napi]
    pub fn set_webhook_urls(&self, env: Env, urls: Vec<String>) -> Result<()> {
        self.with(&env, |s| {
            s.set_webhook_urls(urls);
            Ok(())
        })
    }

    /// Stops serving (also done when the object is garbage-collected). Idempotent.
    #[napi]
    pub fn stop(&self) {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(s) = s {
            s.stop();
        }
    }
}
