//! The simulator from C: a local Mercado Pago Point API with simulated terminals, so a C POS can
//! run its own tests without a terminal.

use std::ffi::c_char;
use std::net::SocketAddr;

use mppoint::{Amount, AmountLimits, Error, OperatingMode};
use mppoint_simulator::{
    CardOutcome, FaultRule, PrintOutcome, SimDevice, SimPos, SimStore, Simulator, SimulatorConfig,
};

use crate::client::mpp_config;
use crate::enums::{mpp_card_outcome, mpp_operating_mode, mpp_site};
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::{mpp_result, Fail};
use crate::util::{
    arg_mut, arg_ref, arg_str, cstring, free_handle, millis, null, opt_ref, opt_str, owned_string,
    to_json, Out,
};

/// How a simulator is set up. `mpp_simulator_config_new` gives the defaults: one store, POSes
/// `SUC001POS001` and `SUC001POS002` with the `PDV` devices `PAX_A910__SMARTPOS0000000001` and
/// `PAX_A910__SMARTPOS0000000002`, one `STANDALONE` device `NEWLAND_N950__N950NCB000000003`, site
/// MLB, the token `TEST-mppoint-simulator-token`, pickup after 300 ms and 200 ms between steps,
/// real-time expiry, no webhooks, no faults. Freed with `mpp_simulator_config_free`.
///
/// The simulated terminal plays each intent by its amount's cents: `.13` closes with a rejected
/// payment, `.66` ends as ERROR, `.77` as CONFIRMATION_REQUIRED, `.88` is canceled on the
/// terminal, `.99` is never picked up (EXPIRED after the expiry), `.44` waits on the terminal
/// for `mpp_simulator_present_card` / `mpp_simulator_cancel_on_terminal`; any other amount
/// closes with an approved payment.
pub struct mpp_simulator_config {
    config: SimulatorConfig,
}

/// A running simulator. Thread-safe. Stopped and freed by `mpp_simulator_stop`.
pub struct mpp_simulator {
    sim: Option<Simulator>,
    base_url: std::ffi::CString,
    access_token: std::ffi::CString,
    webhook_secret: std::ffi::CString,
    ca_cert_pem: Option<std::ffi::CString>,
}

impl mpp_simulator {
    fn sim(&self) -> &Simulator {
        self.sim
            .as_ref()
            .expect("a simulator handle holds its simulator until mpp_simulator_stop")
    }
}

/// Makes a simulator configuration with the defaults (see `mpp_simulator_config`).
///
/// Ownership: on success `*out_config` receives a new configuration the caller frees with
/// `mpp_simulator_config_free`; on failure `*out_error` (if `out_error` is not NULL) receives an
/// error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_new(
    out_config: *mut *mut mpp_simulator_config,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_new";
    boundary(F, out_error, || {
        Out::new(F, "out_config", out_config)?.give(mpp_simulator_config {
            config: SimulatorConfig::default(),
        });
        Ok(())
    })
}

/// Reads a simulator configuration from JSON, the one shape every binding and the `mppoint` CLI
/// accept. Every field is optional and defaults as in `mpp_simulator_config_new` (lists given
/// replace the default ones); unknown fields are refused:
///
/// `{"bind": "127.0.0.1:0", "access_token": "TEST-token", "site": "MLA",
///   "limits": {"min": "5.00", "max": "100000.00"},
///   "stores": [{"id": "1", "name": "Centro"}],
///   "pos": [{"id": 10, "external_id": "CAJA1", "store_id": "1"}],
///   "devices": [{"id": "PAX_A910__SMARTPOS1", "pos_external_id": "CAJA1", "operating_mode": "PDV"}],
///   "pickup_delay_ms": 20, "step_delay_ms": 20, "time_factor": 60,
///   "webhook_urls": ["http://127.0.0.1:9000/hook"], "webhook_secret": "s3cret",
///   "max_webhook_attempts": 3, "honor_idempotency_keys": false, "tls": false,
///   "faults": [{"endpoint": "CreateIntent", "kind": {"type": "Status", "status": 503}, "times": 1}],
///   "expire_on_terminal": true, "mode_change_restart_ms": 0,
///   "webhook_retry_schedule_ms": [900000, 900000, 900000, 3600000],
///   "webhook_ts_unit": "milliseconds"}`
///
/// JSON that does not read, or a configuration that does not hold together, is
/// `MPP_RESULT_CONFIG` with a message naming the field.
///
/// Ownership: `json` is borrowed; on success `*out_config` receives a new configuration the
/// caller frees with `mpp_simulator_config_free`; `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_from_json(
    json: *const c_char,
    out_config: *mut *mut mpp_simulator_config,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_from_json";
    boundary(F, out_error, || {
        let json = arg_str(F, "json", json)?;
        let out = Out::new(F, "out_config", out_config)?;
        out.give(mpp_simulator_config {
            config: SimulatorConfig::from_json(json)?,
        });
        Ok(())
    })
}

/// Frees a simulator configuration. NULL is a no-op.
///
/// Ownership: takes `config`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_free(config: *mut mpp_simulator_config) {
    guard((), || free_handle(config))
}

fn edit(
    function: &'static str,
    config: *mut mpp_simulator_config,
    out_error: *mut *mut mpp_error,
    change: impl FnOnce(&mut SimulatorConfig) -> Result<(), Fail>,
) -> mpp_result {
    boundary(function, out_error, || {
        let cfg = arg_mut(function, "config", config)?;
        let mut next = cfg.config.clone();
        change(&mut next)?;
        cfg.config = next;
        Ok(())
    })
}

/// Sets the address to listen on (`"127.0.0.1:0"` by default: a free port on loopback).
///
/// Ownership: `config` is borrowed (changed); `bind` is borrowed (copied); `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_bind(
    config: *mut mpp_simulator_config,
    bind: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_set_bind";
    edit(F, config, out_error, |c| {
        let text = arg_str(F, "bind", bind)?;
        c.bind = text.parse::<SocketAddr>().map_err(|_| {
            Error::invalid_argument("bind", "must be an address and port like 127.0.0.1:0", text)
        })?;
        Ok(())
    })
}

/// Sets the bearer token the simulator accepts (requests with another get 401).
///
/// Ownership: `config` is borrowed (changed); `access_token` is borrowed (copied); `*out_error` as
/// in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_access_token(
    config: *mut mpp_simulator_config,
    access_token: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_set_access_token";
    edit(F, config, out_error, |c| {
        c.access_token = arg_str(F, "access_token", access_token)?.to_string();
        Ok(())
    })
}

/// Sets the account's site (`MPP_SITE_MLA` or `MPP_SITE_MLB`): the amount limits and currency.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_site(
    config: *mut mpp_simulator_config,
    site: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_site",
        config,
        out_error,
        |c| match mpp_site::core(site) {
            Ok(Some(s)) => {
                c.site = s;
                Ok(())
            }
            _ => Err(Error::invalid_argument(
                "site",
                "must be MPP_SITE_MLA (1) or MPP_SITE_MLB (2)",
                &site.to_string(),
            )
            .into()),
        },
    )
}

/// Overrides the simulator's amount limits, in integer cents.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_amount_limits(
    config: *mut mpp_simulator_config,
    min_cents: i64,
    max_cents: i64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_amount_limits",
        config,
        out_error,
        |c| {
            c.limits = Some(AmountLimits::new(
                Amount::from_cents(min_cents)?,
                Amount::from_cents(max_cents)?,
            )?);
            Ok(())
        },
    )
}

/// Sets how long after a create the terminal fetches the intent (`OPENED` to `ON_TERMINAL`), in
/// milliseconds (default 300).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_pickup_delay_ms(
    config: *mut mpp_simulator_config,
    delay_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_pickup_delay_ms",
        config,
        out_error,
        |c| {
            c.pickup_delay = millis(delay_ms);
            Ok(())
        },
    )
}

/// Sets the pause between the terminal's steps (`ON_TERMINAL`, `PROCESSING`, `PROCESSED`, final),
/// in milliseconds (default 200).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_step_delay_ms(
    config: *mut mpp_simulator_config,
    delay_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_step_delay_ms",
        config,
        out_error,
        |c| {
            c.step_delay = millis(delay_ms);
            Ok(())
        },
    )
}

/// Divides the API's real durations (the one-hour expiry, the 15-minute webhook redelivery):
/// 3600 makes the expiry one second. At least 1 (checked at start). Default 1.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_time_factor(
    config: *mut mpp_simulator_config,
    time_factor: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_time_factor",
        config,
        out_error,
        |c| {
            c.time_factor = time_factor;
            Ok(())
        },
    )
}

/// Adds a URL the simulator POSTs signed webhook notifications to when an intent ends.
///
/// Ownership: `config` is borrowed (changed); `url` is borrowed (copied); `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_add_webhook_url(
    config: *mut mpp_simulator_config,
    url: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_add_webhook_url";
    edit(F, config, out_error, |c| {
        c.webhook_urls.push(arg_str(F, "url", url)?.to_string());
        Ok(())
    })
}

/// Sets the secret the notifications' `x-signature` is computed with.
///
/// Ownership: `config` is borrowed (changed); `secret` is borrowed (copied); `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_webhook_secret(
    config: *mut mpp_simulator_config,
    secret: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_set_webhook_secret";
    edit(F, config, out_error, |c| {
        c.webhook_secret = arg_str(F, "secret", secret)?.to_string();
        Ok(())
    })
}

/// Whether a create re-sent with the same `X-Idempotency-Key` gets the intent the first one created
/// (true) or is a new create (false, the default and the harsher reading: Mercado Pago does not
/// document the key on InStore intent creates; the re-send meets 409 "already queued" while the
/// first intent is pending, and makes a second intent once it has ended).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_honor_idempotency_keys(
    config: *mut mpp_simulator_config,
    honor: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_simulator_config_set_honor_idempotency_keys",
        config,
        out_error,
        |c| {
            c.honor_idempotency_keys = honor;
            Ok(())
        },
    )
}

/// Serves HTTPS with a self-signed certificate made at start (trust it with
/// `mpp_config_add_root_certificate_pem(cfg, mpp_simulator_ca_cert_pem(sim))`, or use
/// `mpp_simulator_client_config`).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_tls(
    config: *mut mpp_simulator_config,
    tls: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit("mpp_simulator_config_set_tls", config, out_error, |c| {
        c.tls = tls;
        Ok(())
    })
}

/// Replaces the fault rules armed from the start, given as a JSON list, e.g.
/// `[{"endpoint":"GetIntent","kind":{"type":"Latency","ms":1500},"times":1}]`. Endpoints:
/// `ListDevices`, `SetOperatingMode`, `CreateIntent`, `GetIntent`, `CancelIntent`, `GetPayment`,
/// `Refund` (absent: all). Kinds: `Latency` (`ms`), `Status` (`status`), `RateLimited`
/// (`retry_after_secs`), `DropBeforeProcessing`, `DropAfterProcessing`, `TruncatedBody`,
/// `MalformedJson`. A list that does not read is `MPP_RESULT_INVALID_ARGUMENT`.
///
/// Ownership: `config` is borrowed (changed); `faults_json` is borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_set_faults_json(
    config: *mut mpp_simulator_config,
    faults_json: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_set_faults_json";
    edit(F, config, out_error, |c| {
        c.faults = FaultRule::list_from_json(arg_str(F, "faults_json", faults_json)?)?;
        Ok(())
    })
}

/// Adds a store to the simulated account.
///
/// Ownership: `config` is borrowed (changed); `store_id`, `name` are borrowed (copied);
/// `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_add_store(
    config: *mut mpp_simulator_config,
    store_id: *const c_char,
    name: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_add_store";
    edit(F, config, out_error, |c| {
        c.stores.push(SimStore {
            id: arg_str(F, "store_id", store_id)?.to_string(),
            name: arg_str(F, "name", name)?.to_string(),
        });
        Ok(())
    })
}

/// Adds a point of sale (numeric `pos_id`, the `external_id` intents are created for, and the
/// store it belongs to). Checked at start.
///
/// Ownership: `config` is borrowed (changed); `external_id`, `store_id` are borrowed (copied);
/// `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_add_pos(
    config: *mut mpp_simulator_config,
    pos_id: i64,
    external_id: *const c_char,
    store_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_add_pos";
    edit(F, config, out_error, |c| {
        c.pos.push(SimPos {
            id: pos_id,
            external_id: arg_str(F, "external_id", external_id)?.to_string(),
            store_id: arg_str(F, "store_id", store_id)?.to_string(),
        });
        Ok(())
    })
}

/// Adds a Point device, linked to the POS whose `external_id` is `pos_external_id` (NULL: not
/// linked), in `mode` (`MPP_OPERATING_MODE_PDV` or `MPP_OPERATING_MODE_STANDALONE`). Checked at
/// start.
///
/// Ownership: `config` is borrowed (changed); `device_id`, `pos_external_id` are borrowed
/// (copied); `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_config_add_device(
    config: *mut mpp_simulator_config,
    device_id: *const c_char,
    pos_external_id: *const c_char,
    mode: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_config_add_device";
    edit(F, config, out_error, |c| {
        let id = arg_str(F, "device_id", device_id)?.to_string();
        let pos = opt_str(F, "pos_external_id", pos_external_id)?.map(str::to_string);
        let operating_mode: OperatingMode =
            mpp_operating_mode::settable(mode).ok_or_else(|| {
                Error::invalid_argument(
                    "mode",
                    "must be MPP_OPERATING_MODE_PDV (1) or MPP_OPERATING_MODE_STANDALONE (2)",
                    &mode.to_string(),
                )
            })?;
        c.devices.push(SimDevice {
            id,
            pos_external_id: pos,
            operating_mode,
        });
        Ok(())
    })
}

/// Starts a simulator (`config` NULL: the defaults). `MPP_RESULT_CONFIG` when the configuration
/// does not hold together or the address cannot be bound. It serves on its own threads until
/// `mpp_simulator_stop`.
///
/// Ownership: `config` is borrowed (copied); on success `*out_simulator` receives a running
/// simulator the caller stops and frees with `mpp_simulator_stop`; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_start(
    config: *const mpp_simulator_config,
    out_simulator: *mut *mut mpp_simulator,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_start";
    boundary(F, out_error, || {
        let out = Out::new(F, "out_simulator", out_simulator)?;
        let cfg = opt_ref(config)
            .map_or_else(SimulatorConfig::default, |c: &mpp_simulator_config| {
                c.config.clone()
            });
        let sim = Simulator::start(cfg)?;
        out.give(mpp_simulator {
            base_url: cstring(sim.base_url()),
            access_token: cstring(sim.access_token()),
            webhook_secret: cstring(sim.webhook_secret()),
            ca_cert_pem: sim.ca_cert_pem().map(cstring),
            sim: Some(sim),
        });
        Ok(())
    })
}

/// Stops a simulator (waiting up to a second for it to wind down) and frees it. NULL is a no-op.
/// No other thread may be using it.
///
/// Ownership: takes `simulator`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_stop(simulator: *mut mpp_simulator) {
    guard((), || {
        if !simulator.is_null() {
            // SAFETY: `simulator` came from `mpp_simulator_start` and is not used again.
            let mut s = unsafe { Box::from_raw(simulator) };
            if let Some(sim) = s.sim.take() {
                sim.stop();
            }
        }
    })
}

/// Where the simulator serves (`http://127.0.0.1:PORT`, or `https://...` with TLS): the base URL
/// to give `mpp_config_set_base_url`. NULL when `simulator` is NULL.
///
/// Ownership: `simulator` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_base_url(simulator: *const mpp_simulator) -> *const c_char {
    guard_ref(simulator, null(), |s| s.base_url.as_ptr())
}

/// The bearer token the simulator accepts.
///
/// Ownership: `simulator` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_access_token(
    simulator: *const mpp_simulator,
) -> *const c_char {
    guard_ref(simulator, null(), |s| s.access_token.as_ptr())
}

/// The secret the simulator signs webhook notifications with.
///
/// Ownership: `simulator` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_webhook_secret(
    simulator: *const mpp_simulator,
) -> *const c_char {
    guard_ref(simulator, null(), |s| s.webhook_secret.as_ptr())
}

/// With TLS: the simulator's self-signed certificate (PEM), to trust as an extra root; otherwise
/// NULL.
///
/// Ownership: `simulator` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_ca_cert_pem(
    simulator: *const mpp_simulator,
) -> *const c_char {
    guard_ref(simulator, null(), |s| {
        s.ca_cert_pem.as_ref().map_or(null(), |c| c.as_ptr())
    })
}

/// A client configuration for this simulator: its base URL, its token, its certificate when it
/// serves TLS, and no proxy from the environment. Change it further as needed, then
/// `mpp_client_new`.
///
/// Ownership: `simulator` is borrowed; on success `*out_config` receives a new configuration the
/// caller frees with `mpp_config_free`; `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_client_config(
    simulator: *const mpp_simulator,
    out_config: *mut *mut mpp_config,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_client_config";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let out = Out::new(F, "out_config", out_config)?;
        out.give(mpp_config::from_builder(s.sim().client_builder()));
        Ok(())
    })
}

fn control(
    function: &'static str,
    simulator: *const mpp_simulator,
    intent_id: *const c_char,
    out_error: *mut *mut mpp_error,
    act: impl FnOnce(&Simulator, &str) -> mppoint::Result<()>,
) -> mpp_result {
    boundary(function, out_error, || {
        let s = arg_ref(function, "simulator", simulator)?;
        let id = arg_str(function, "intent_id", intent_id)?;
        act(s.sim(), id)?;
        Ok(())
    })
}

/// A card is presented on the simulated terminal with `outcome` (`MPP_CARD_OUTCOME_APPROVED`,
/// `_REJECTED`, `_ERROR`, `_CONFIRMATION_REQUIRED`): the intent goes `PROCESSING`, `PROCESSED`,
/// then final. It must be `ON_TERMINAL` or `OPENED`; `MPP_RESULT_NOT_FOUND` for an unknown intent,
/// `MPP_RESULT_CONFLICT` when it is already processing or final, `MPP_RESULT_INVALID_ARGUMENT`
/// for an unknown outcome.
///
/// Ownership: `simulator`, `intent_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_present_card(
    simulator: *const mpp_simulator,
    intent_id: *const c_char,
    outcome: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    control(
        "mpp_simulator_present_card",
        simulator,
        intent_id,
        out_error,
        |sim, id| {
            let outcome = CardOutcome::ALL
                .into_iter()
                .find(|o| card_outcome_code(*o) as u32 == outcome)
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "outcome",
                        "must be an mpp_card_outcome (1-4)",
                        &outcome.to_string(),
                    )
                })?;
            sim.present_card(id, outcome)
        },
    )
}

fn card_outcome_code(o: CardOutcome) -> mpp_card_outcome {
    match o {
        CardOutcome::Approved => mpp_card_outcome::Approved,
        CardOutcome::Rejected => mpp_card_outcome::Rejected,
        CardOutcome::Error => mpp_card_outcome::Error,
        CardOutcome::ConfirmationRequired => mpp_card_outcome::ConfirmationRequired,
    }
}

/// The customer or cashier cancels on the simulated terminal: the intent is `CANCELED` when this
/// returns. It must be `OPENED` or `ON_TERMINAL`.
///
/// Ownership: `simulator`, `intent_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_cancel_on_terminal(
    simulator: *const mpp_simulator,
    intent_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    control(
        "mpp_simulator_cancel_on_terminal",
        simulator,
        intent_id,
        out_error,
        |sim, id| sim.cancel_on_terminal(id),
    )
}

/// Stops the automatic play of an intent: once fetched it stays `ON_TERMINAL` until
/// `mpp_simulator_present_card`, `mpp_simulator_cancel_on_terminal` or the expiry. It must be
/// `OPENED` or `ON_TERMINAL`.
///
/// Ownership: `simulator`, `intent_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_hold_on_terminal(
    simulator: *const mpp_simulator,
    intent_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    control(
        "mpp_simulator_hold_on_terminal",
        simulator,
        intent_id,
        out_error,
        |sim, id| sim.hold_on_terminal(id),
    )
}

/// The simulated device restarts and runs in the operating mode the API holds: after
/// `mpp_device_set_mode`, a device keeps its old mode until it restarts, as Mercado Pago's guide
/// says (a device switched to `PDV` does not fetch intents before). `MPP_RESULT_NOT_FOUND` for
/// an unknown device.
///
/// Ownership: `simulator`, `device_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_restart_device(
    simulator: *const mpp_simulator,
    device_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    control(
        "mpp_simulator_restart_device",
        simulator,
        device_id,
        out_error,
        |sim, id| sim.restart_device(id),
    )
}

/// Makes the simulated API answer the documented 403s, from JSON:
/// `{"integrator_not_registered": true, "user_not_logged_in": ["PAX_A910__SMARTPOS0000000001"]}`
/// (the device list answers 403 "Integrator isn't registered"; a mode change of a listed device
/// 403 "User not logged into the device"). `"{}"` ends them.
///
/// Ownership: `simulator`, `forbidden_json` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_set_forbidden_json(
    simulator: *const mpp_simulator,
    forbidden_json: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_set_forbidden_json";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let text = arg_str(F, "forbidden_json", forbidden_json)?;
        let f: mppoint_simulator::Forbidden = serde_json::from_str(text).map_err(|e| {
            mppoint::Error::invalid_argument(
                "forbidden_json",
                format!("must be {{\"integrator_not_registered\": bool, \"user_not_logged_in\": [device ids]}} ({e})"),
                text,
            )
        })?;
        s.sim().set_forbidden(f);
        Ok(())
    })
}

/// Replaces the simulator's fault rules (a JSON list, as `mpp_simulator_config_set_faults_json`;
/// `"[]"` removes them all).
///
/// Ownership: `simulator`, `faults_json` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_set_faults_json(
    simulator: *const mpp_simulator,
    faults_json: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_set_faults_json";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let rules = FaultRule::list_from_json(arg_str(F, "faults_json", faults_json)?)?;
        s.sim().set_faults(rules);
        Ok(())
    })
}

/// Removes every fault rule. NULL is a no-op.
///
/// Ownership: `simulator` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_clear_faults(simulator: *const mpp_simulator) {
    guard_ref(simulator, (), |s| s.sim().clear_faults())
}

/// The simulator's request counters as JSON: `{"requests":{"GetIntent":3,...},
/// "intents_created":1,"idempotent_replays":0,"faults_applied":0,"webhook_attempts":0,...}`.
///
/// Ownership: `simulator` is borrowed; on success `*out_json` receives a new string the caller
/// frees with `mpp_string_free`; `*out_error` as in `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_counters_json(
    simulator: *const mpp_simulator,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_counters_json";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&s.sim().counters())?));
        Ok(())
    })
}

/// Replaces the URLs webhook notifications are POSTed to (for intents that end from now on);
/// `urls` holds `count` strings (`count` 0 removes them all; `urls` may then be NULL).
///
/// Ownership: `simulator`, `urls` and its strings are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_set_webhook_urls(
    simulator: *const mpp_simulator,
    urls: *const *const c_char,
    count: usize,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_set_webhook_urls";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let list = if count == 0 {
            Vec::new()
        } else {
            let urls = arg_ref(F, "urls", urls)?;
            // SAFETY: the caller passes `count` string pointers at `urls`.
            let slice = unsafe { std::slice::from_raw_parts(urls as *const *const c_char, count) };
            slice
                .iter()
                .map(|p| arg_str(F, "urls[i]", *p).map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?
        };
        s.sim().set_webhook_urls(list);
        Ok(())
    })
}

/// How a simulated print action ends (`mpp_simulator_finish_print`). Every number is permanent.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_print_outcome {
    /// Printed: the action is `PROCESSED`.
    Processed = 1,
    /// The terminal could not print it: `FAILED`.
    Failed = 2,
    /// Canceled on the terminal: `CANCELED`.
    CanceledOnTerminal = 3,
}

/// Orders API: the customer adds a tip of `tip` (a decimal string, `"3.00"`) on the terminal
/// before paying order `order_id`: once paid, its payment reads `tip_amount` (see
/// `mpp_payment_tip_cents`, `mpp_sale_tip_cents`) and it is refunded only in full. The order must
/// still wait for a card (an amount ending in `.44`). `MPP_RESULT_NOT_FOUND`,
/// `MPP_RESULT_CONFLICT`, `MPP_RESULT_INVALID_AMOUNT`.
///
/// Ownership: `simulator`, `order_id`, `tip` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_add_tip(
    simulator: *const mpp_simulator,
    order_id: *const c_char,
    tip: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_add_tip";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let id = arg_str(F, "order_id", order_id)?;
        let tip = Amount::parse(arg_str(F, "tip", tip)?)?;
        s.sim().add_tip(id, tip)?;
        Ok(())
    })
}

/// The print action `action_id` ends now with `outcome` (`MPP_PRINT_OUTCOME_PROCESSED`,
/// `_FAILED`, `_CANCELED_ON_TERMINAL`). It must be `CREATED` or `ON_TERMINAL`;
/// `MPP_RESULT_INVALID_ARGUMENT` for an unknown outcome.
///
/// Ownership: `simulator`, `action_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_finish_print(
    simulator: *const mpp_simulator,
    action_id: *const c_char,
    outcome: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_finish_print";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let id = arg_str(F, "action_id", action_id)?;
        let outcome = match outcome {
            x if x == mpp_print_outcome::Processed as u32 => PrintOutcome::Processed,
            x if x == mpp_print_outcome::Failed as u32 => PrintOutcome::Failed,
            x if x == mpp_print_outcome::CanceledOnTerminal as u32 => {
                PrintOutcome::CanceledOnTerminal
            }
            x => {
                return Err(Error::invalid_argument(
                    "outcome",
                    "must be an mpp_print_outcome (1-3)",
                    &x.to_string(),
                )
                .into())
            }
        };
        s.sim().finish_print(id, outcome)?;
        Ok(())
    })
}

/// The print action `action_id` stays where it is (`CREATED`, or `ON_TERMINAL` once fetched)
/// until `mpp_simulator_finish_print`.
///
/// Ownership: `simulator`, `action_id` are borrowed; `*out_error` as in
/// `mpp_simulator_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_simulator_hold_print(
    simulator: *const mpp_simulator,
    action_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_simulator_hold_print";
    boundary(F, out_error, || {
        let s = arg_ref(F, "simulator", simulator)?;
        let id = arg_str(F, "action_id", action_id)?;
        s.sim().hold_print(id)?;
        Ok(())
    })
}
