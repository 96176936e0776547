//! `mpp_config` (what a client is built from) and `mpp_client`.

use std::ffi::c_char;

use mppoint::{Amount, AmountLimits, Client, ClientBuilder, Error, RetryPolicy};

use crate::enums::{mpp_api, mpp_site};
use crate::error::{boundary, mpp_error};
use crate::result::{mpp_result, Fail};
use crate::util::{arg_mut, arg_ref, arg_str, free_handle, millis, Out};

/// A client's configuration: the access token and every option. Made with `mpp_config_new`,
/// changed with the `mpp_config_set_*` functions, used by `mpp_client_new` (which copies it:
/// the config can be freed or changed afterwards), freed with `mpp_config_free`. Not for use from
/// two threads at once while it is being changed.
pub struct mpp_config {
    builder: ClientBuilder,
}

impl mpp_config {
    pub(crate) fn from_builder(builder: ClientBuilder) -> mpp_config {
        mpp_config { builder }
    }
}

/// A Mercado Pago Point client: one connection pool and the configuration. Safe to share between
/// threads: every operation takes a `const mpp_client *` and may run on any number of threads at
/// once. Free it with `mpp_client_free` once no thread uses it.
pub struct mpp_client {
    pub(crate) client: Client,
}

/// Starts a configuration for this access token (the token of the Mercado Pago account that owns
/// the terminals). The token is checked when the client is built and never appears in any message.
///
/// Ownership: `access_token` is borrowed (copied); on success `*out_config` receives a new config
/// the caller frees with `mpp_config_free`; on failure `*out_error` (if `out_error` is not NULL)
/// receives an error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_new(
    access_token: *const c_char,
    out_config: *mut *mut mpp_config,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_new";
    boundary(F, out_error, || {
        let token = arg_str(F, "access_token", access_token)?;
        let out = Out::new(F, "out_config", out_config)?;
        out.give(mpp_config {
            builder: Client::builder(token),
        });
        Ok(())
    })
}

/// Frees a configuration. NULL is a no-op.
///
/// Ownership: takes `config`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_free(config: *mut mpp_config) {
    crate::panic::guard((), || free_handle(config))
}

/// Runs a change to the builder; on failure the config is left as it was.
pub(crate) fn edit(
    function: &'static str,
    config: *mut mpp_config,
    out_error: *mut *mut mpp_error,
    change: impl FnOnce(ClientBuilder) -> Result<ClientBuilder, Fail>,
) -> mpp_result {
    boundary(function, out_error, || {
        let cfg = arg_mut(function, "config", config)?;
        cfg.builder = change(cfg.builder.clone())?;
        Ok(())
    })
}

/// Sets the API's base URL (default `https://api.mercadopago.com`; a simulator's for tests). The
/// URL is checked when the client is built.
///
/// Ownership: `config` is borrowed (changed); `base_url` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_base_url(
    config: *mut mpp_config,
    base_url: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_base_url";
    edit(F, config, out_error, |b| {
        Ok(b.base_url(arg_str(F, "base_url", base_url)?))
    })
}

/// Sets the account's site (`MPP_SITE_MLA`, `MPP_SITE_MLB`), which sets the amount limits
/// checked before a create is sent. Any other number is `MPP_RESULT_INVALID_ARGUMENT`
/// (`MPP_SITE_NONE` is accepted and changes nothing).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_site(
    config: *mut mpp_config,
    site: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_site";
    edit(F, config, out_error, |b| match mpp_site::core(site) {
        Ok(Some(s)) => Ok(b.site(s)),
        Ok(None) => Ok(b),
        Err(()) => Err(Error::invalid_argument(
            "site",
            "must be MPP_SITE_MLA (1) or MPP_SITE_MLB (2)",
            &site.to_string(),
        )
        .into()),
    })
}

/// Chooses the API the client speaks: `MPP_API_INTENTS` (the default) or `MPP_API_ORDERS` (the
/// Orders API for Point). Every function keeps its name and its results on either. Any other number
/// is `MPP_RESULT_INVALID_ARGUMENT`.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_api(
    config: *mut mpp_config,
    api: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_api";
    edit(F, config, out_error, |b| match mpp_api::core(api) {
        Ok(a) => Ok(b.api(a)),
        Err(()) => Err(Error::invalid_argument(
            "api",
            "must be MPP_API_INTENTS (0) or MPP_API_ORDERS (1)",
            &api.to_string(),
        )
        .into()),
    })
}

/// Overrides the amount limits (in integer cents; Mercado Pago changes them over time). Both must
/// be positive and `min_cents` must not be above `max_cents`.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_amount_limits(
    config: *mut mpp_config,
    min_cents: i64,
    max_cents: i64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_amount_limits";
    edit(F, config, out_error, |b| {
        let limits = AmountLimits::new(
            Amount::from_cents(min_cents)?,
            Amount::from_cents(max_cents)?,
        )?;
        Ok(b.amount_limits(limits))
    })
}

/// Sets how long one request may take in all, in milliseconds (default 30000). 0 is refused when
/// the client is built.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_timeout_ms(
    config: *mut mpp_config,
    timeout_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit("mpp_config_set_timeout_ms", config, out_error, |b| {
        Ok(b.timeout(millis(timeout_ms)))
    })
}

/// Sets how long to wait for a connection, in milliseconds (default 10000).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_connect_timeout_ms(
    config: *mut mpp_config,
    timeout_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_config_set_connect_timeout_ms",
        config,
        out_error,
        |b| Ok(b.connect_timeout(millis(timeout_ms))),
    )
}

/// Sets the retry policy: `max_attempts` in all (1 = no retry; 0 is refused when the client is
/// built), the first backoff `base_delay_ms` (doubling on each retry) up to `max_delay_ms` (also
/// the longest `Retry-After` honoured), and whether each backoff is randomised. Default: 3
/// attempts, 250 ms doubling up to 5000 ms, with jitter. Creates and refunds are retried with the
/// same idempotency key, so a retry never charges twice.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_retry(
    config: *mut mpp_config,
    max_attempts: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
    jitter: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit("mpp_config_set_retry", config, out_error, |b| {
        Ok(b.retry(RetryPolicy {
            max_attempts,
            base_delay: millis(base_delay_ms),
            max_delay: millis(max_delay_ms),
            jitter,
        }))
    })
}

/// Sets the application's webhook secret (Mercado Pago panel: Your integrations > your
/// application > Webhooks), so that `mpp_client_handle_webhook` can verify deliveries and wake the
/// waits they are about. With it, a wait on the adaptive schedule polls only every 15 s, as a
/// fallback for a lost delivery. An empty or blank secret is `MPP_RESULT_CONFIG` at
/// `mpp_client_new`. It never appears in any message.
///
/// Ownership: `config` is borrowed (changed); `secret` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_webhook_secret(
    config: *mut mpp_config,
    secret: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_webhook_secret";
    edit(F, config, out_error, |b| {
        Ok(b.webhook_secret(arg_str(F, "secret", secret)?))
    })
}

/// Sets `x-integrator-id`, for certified integrators.
///
/// Ownership: `config` is borrowed (changed); `integrator_id` is borrowed (copied); `*out_error`
/// as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_integrator_id(
    config: *mut mpp_config,
    integrator_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_integrator_id";
    edit(F, config, out_error, |b| {
        Ok(b.integrator_id(arg_str(F, "integrator_id", integrator_id)?))
    })
}

/// Sets `X-Platform-Id`, for platforms.
///
/// Ownership: `config` is borrowed (changed); `platform_id` is borrowed (copied); `*out_error` as
/// in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_platform_id(
    config: *mut mpp_config,
    platform_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_platform_id";
    edit(F, config, out_error, |b| {
        Ok(b.platform_id(arg_str(F, "platform_id", platform_id)?))
    })
}

/// Sets `X-Corporation-Id`, for corporations.
///
/// Ownership: `config` is borrowed (changed); `corporation_id` is borrowed (copied); `*out_error`
/// as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_corporation_id(
    config: *mut mpp_config,
    corporation_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_corporation_id";
    edit(F, config, out_error, |b| {
        Ok(b.corporation_id(arg_str(F, "corporation_id", corporation_id)?))
    })
}

/// Adds text after `mppoint/VERSION` in the User-Agent (your POS's name and version).
///
/// Ownership: `config` is borrowed (changed); `suffix` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_user_agent_suffix(
    config: *mut mpp_config,
    suffix: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_user_agent_suffix";
    edit(F, config, out_error, |b| {
        Ok(b.user_agent_suffix(arg_str(F, "suffix", suffix)?))
    })
}

/// Sends every request through this HTTP(S) proxy (`http://user:pass@host:port`). Without it the
/// `HTTPS_PROXY` / `NO_PROXY` environment variables apply. Checked when the client is built.
///
/// Ownership: `config` is borrowed (changed); `proxy_url` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_proxy(
    config: *mut mpp_config,
    proxy_url: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_proxy";
    edit(F, config, out_error, |b| {
        Ok(b.proxy(arg_str(F, "proxy_url", proxy_url)?))
    })
}

/// Ignores the proxy environment variables (`HTTPS_PROXY`, `NO_PROXY`).
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_no_proxy(
    config: *mut mpp_config,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit("mpp_config_set_no_proxy", config, out_error, |b| {
        Ok(b.no_proxy())
    })
}

/// Re-sends an intent create whose attempt may have reached the server (timeout, dropped
/// connection, 5xx, garbled answer) with the same idempotency key (default false). Mercado Pago
/// does not document the key on InStore intent creates, so by default such a create ends at once
/// with `MPP_RESULT_OUTCOME_UNKNOWN`: a re-send to a server that ignores the key puts a second
/// intent on the terminal. Turn this on only for an account whose keys you know are honoured.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_resend_ambiguous_creates(
    config: *mut mpp_config,
    resend: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_config_set_resend_ambiguous_creates",
        config,
        out_error,
        |b| Ok(b.resend_ambiguous_creates(resend)),
    )
}

/// Declares the account a Mercado Pago **test user's** (default false), so its token counts as a
/// test credential for `mpp_client_simulate_order_event` even though it starts `APP_USR-` like
/// every production token. A token that starts with `TEST-` is a test credential without this.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_test_account(
    config: *mut mpp_config,
    test_account: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit("mpp_config_set_test_account", config, out_error, |b| {
        Ok(b.test_account(test_account))
    })
}

/// Accepts a plain `http://` base URL to a host other than this machine (default false: only
/// `https://`, or `http://` to localhost/127.0.0.1/::1). The access token then travels in clear
/// text.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_allow_insecure_http(
    config: *mut mpp_config,
    allow: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit(
        "mpp_config_set_allow_insecure_http",
        config,
        out_error,
        |b| Ok(b.allow_insecure_http(allow)),
    )
}

/// Trusts these extra root certificates (PEM text, one or more), for a corporate TLS proxy or a
/// test server. The public roots stay trusted. Checked when the client is built.
///
/// Ownership: `config` is borrowed (changed); `pem` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_add_root_certificate_pem(
    config: *mut mpp_config,
    pem: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_add_root_certificate_pem";
    edit(F, config, out_error, |b| {
        Ok(b.add_root_certificate_pem(arg_str(F, "pem", pem)?.as_bytes()))
    })
}

/// Builds a client from a configuration: checks it (`MPP_RESULT_CONFIG` says what is wrong) and
/// opens one connection pool.
///
/// Ownership: `config` is borrowed (copied: free it whenever you like); on success `*out_client`
/// receives a new client the caller frees with `mpp_client_free`; `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_new(
    config: *const mpp_config,
    out_client: *mut *mut mpp_client,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_new";
    boundary(F, out_error, || {
        let cfg = arg_ref(F, "config", config)?;
        let out = Out::new(F, "out_client", out_client)?;
        let client = cfg.builder.clone().build()?;
        out.give(mpp_client { client });
        Ok(())
    })
}

/// Frees a client and closes its connections. NULL is a no-op. No other thread may be using it.
///
/// Ownership: takes `client`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_free(client: *mut mpp_client) {
    crate::panic::guard((), || free_handle(client))
}
