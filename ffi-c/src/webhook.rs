//! Webhooks: verify a notification's signature, read its body, and sign one for tests.

use std::ffi::c_char;
use std::time::{Duration, UNIX_EPOCH};

use mppoint::webhook::{self, Notification, VerifyOptions};

use crate::client::mpp_client;
use crate::enums::{mpp_status, mpp_webhook_failure};
use crate::error::{boundary, mpp_error};
use crate::intent::mpp_intent;
use crate::panic::{guard, guard_ref};
use crate::result::{mpp_result, Fail};
use crate::util::{
    arg_ref, arg_str, free_handle, null, opt_str, owned_string, to_json, CachedStr, OptOut, Out,
};

/// A webhook notification's body, read by `mpp_webhook_parse` or `mpp_webhook_verify_request`.
/// Immutable; the intent and strings from its accessors are borrowed from it and live until
/// `mpp_notification_free`.
pub struct mpp_notification {
    notification: Notification,
    intent: mpp_intent,
    id: CachedStr,
    action: CachedStr,
    kind: CachedStr,
    url: CachedStr,
    date_created: CachedStr,
    date_created_rfc3339: CachedStr,
    dedup_key: CachedStr,
}

impl mpp_notification {
    fn new(n: Notification) -> mpp_notification {
        mpp_notification {
            intent: mpp_intent::new(n.data.intent.clone()),
            notification: n,
            id: CachedStr::default(),
            action: CachedStr::default(),
            kind: CachedStr::default(),
            url: CachedStr::default(),
            date_created: CachedStr::default(),
            date_created_rfc3339: CachedStr::default(),
            dedup_key: CachedStr::default(),
        }
    }
}

fn verify_options(tolerance_ms: u64, now_unix_ms: u64) -> VerifyOptions {
    VerifyOptions {
        tolerance: (tolerance_ms != 0).then(|| Duration::from_millis(tolerance_ms)),
        now: (now_unix_ms != 0).then(|| UNIX_EPOCH + Duration::from_millis(now_unix_ms)),
    }
}

/// Verifies a webhook notification's signature: the raw `x-signature` and `x-request-id` header
/// values and the `data.id` query parameter of the notification URL (each may be NULL when
/// absent), with the application's webhook `secret`. With `tolerance_ms` above 0, a `ts` farther
/// than that from now is refused (a 10-digit `ts` is seconds, a 13-digit one milliseconds);
/// `now_unix_ms` fixes "now" for tests and replays (0: the system clock).
///
/// Returns `MPP_RESULT_OK` when the signature verifies and `MPP_RESULT_INVALID_SIGNATURE` when it
/// does not: answer such a request 401 and ignore it. Unlike other out-params, `*out_reason`
/// (when `out_reason` is not NULL) is written in both cases: `MPP_WEBHOOK_FAILURE_NONE` on
/// success, why the signature was refused on `MPP_RESULT_INVALID_SIGNATURE`. Other failures
/// (NULL `secret`, invalid UTF-8) leave it untouched.
///
/// Ownership: every string is borrowed; `*out_error` (if `out_error` is not NULL) receives an
/// error on failure, which the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_webhook_verify(
    secret: *const c_char,
    x_signature: *const c_char,
    x_request_id: *const c_char,
    data_id: *const c_char,
    tolerance_ms: u64,
    now_unix_ms: u64,
    out_reason: *mut mpp_webhook_failure,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_webhook_verify";
    let reason = OptOut::new(out_reason);
    boundary(F, out_error, || {
        let secret = arg_str(F, "secret", secret)?;
        let sig = opt_str(F, "x_signature", x_signature)?;
        let req = opt_str(F, "x_request_id", x_request_id)?;
        let data = opt_str(F, "data_id", data_id)?;
        let opts = verify_options(tolerance_ms, now_unix_ms);
        match webhook::verify(secret, sig, req, data, &opts) {
            Ok(()) => {
                reason.write(mpp_webhook_failure::None);
                Ok(())
            }
            Err(e) => {
                if let Some(r) = e.signature_failure() {
                    reason.write(mpp_webhook_failure::of(r));
                }
                Err(e.into())
            }
        }
    })
}

/// Verifies and reads a whole webhook request as the web server received it: its headers
/// (`header_count` names and values; names matched case-insensitively, the first `x-signature`
/// and `x-request-id` count), the URL's query string (`data.id=...&type=...`; a leading `?` or a
/// path before it is skipped) and the raw body (`body_len` bytes, not necessarily
/// NUL-terminated). The signature is checked as `mpp_webhook_verify` does (and a body about
/// another intent than the signed `data.id` is refused as `MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH`),
/// then the body is read (`MPP_RESULT_DECODE` when it is not a notification).
///
/// The signature does not cover the body's status: treat a notification as a prompt to look the
/// intent up (`mpp_sale_for` with its intent id) before handing over goods. The same
/// notification can arrive more than once: drop repeats with `mpp_notification_dedup_key`.
///
/// Ownership: every argument is borrowed; on success `*out_notification` receives a new
/// notification the caller frees with `mpp_notification_free`; `*out_reason` as in
/// `mpp_webhook_verify`; `*out_error` as in `mpp_webhook_verify`.
#[no_mangle]
pub unsafe extern "C" fn mpp_webhook_verify_request(
    secret: *const c_char,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    query: *const c_char,
    body: *const u8,
    body_len: usize,
    tolerance_ms: u64,
    now_unix_ms: u64,
    out_notification: *mut *mut mpp_notification,
    out_reason: *mut mpp_webhook_failure,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_webhook_verify_request";
    let reason = OptOut::new(out_reason);
    boundary(F, out_error, || {
        let secret = arg_str(F, "secret", secret)?;
        let delivery = Delivery::read(
            F,
            header_names,
            header_values,
            header_count,
            query,
            body,
            body_len,
        )?;
        let out = Out::new(F, "out_notification", out_notification)?;
        let opts = verify_options(tolerance_ms, now_unix_ms);
        let n = reason.verdict(webhook::verify_request(
            secret,
            &delivery.headers,
            delivery.query,
            delivery.body,
            &opts,
        ))?;
        out.give(mpp_notification::new(n));
        Ok(())
    })
}

/// A webhook request as the C caller passes it: headers as two arrays, the query, the body.
pub(crate) struct Delivery<'a> {
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
}

impl<'a> Delivery<'a> {
    /// Reads the borrowed arguments of `function` (`header_count` names and values, a query that
    /// may be NULL, `body_len` bytes of body).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn read(
        function: &str,
        header_names: *const *const c_char,
        header_values: *const *const c_char,
        header_count: usize,
        query: *const c_char,
        body: *const u8,
        body_len: usize,
    ) -> Result<Delivery<'a>, Fail> {
        let mut headers = Vec::with_capacity(header_count);
        if header_count > 0 {
            let names = arg_ref(function, "header_names", header_names)? as *const *const c_char;
            let values = arg_ref(function, "header_values", header_values)? as *const *const c_char;
            for i in 0..header_count {
                // SAFETY: the caller passes `header_count` pointers in each array.
                let (n, v) = unsafe { (*names.add(i), *values.add(i)) };
                headers.push((
                    arg_str(function, "header_names[i]", n)?,
                    arg_str(function, "header_values[i]", v)?,
                ));
            }
        }
        Ok(Delivery {
            headers,
            query: opt_str(function, "query", query)?.unwrap_or(""),
            body: bytes(function, body, body_len)?,
        })
    }
}

impl OptOut<mpp_webhook_failure> {
    /// Writes the signature failure of `r` (or `None` on success) and passes `r` on.
    pub(crate) fn verdict<T>(self, r: mppoint::Result<T>) -> Result<T, Fail> {
        match r {
            Ok(v) => {
                self.write(mpp_webhook_failure::None);
                Ok(v)
            }
            Err(e) => {
                if let Some(r) = e.signature_failure() {
                    self.write(mpp_webhook_failure::of(r));
                }
                Err(e.into())
            }
        }
    }
}

/// Hands the client a webhook delivery as the web server received it (the same arguments as
/// `mpp_webhook_verify_request`), verified with the client's webhook secret
/// (`mpp_config_set_webhook_secret`) and a signed `ts` within 300 s of this machine's clock. Every
/// wait of this client on the intent or order it names (`mpp_intent_wait`, `mpp_charge` on
/// another thread) is woken at once and confirms the verdict with one read of the API; nothing in
/// the body is trusted for the verdict. A forged, altered, unsigned or replayed delivery wakes
/// nothing and is `MPP_RESULT_INVALID_SIGNATURE` (answer 401); a body that is not a notification
/// is `MPP_RESULT_DECODE` (answer 400); a client without a webhook secret is
/// `MPP_RESULT_CONFIG`. Answer 200 to anything else, duplicates included: a delivery for a sale
/// nobody waits for is harmless.
///
/// Ownership: every argument is borrowed; on success `*out_notification` (may be NULL: not
/// wanted) receives a new notification the caller frees with `mpp_notification_free`, and
/// `*out_woken` (may be NULL) how many waits it woke; `*out_reason` and `*out_error` as in
/// `mpp_webhook_verify`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_handle_webhook(
    client: *const mpp_client,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    query: *const c_char,
    body: *const u8,
    body_len: usize,
    out_notification: *mut *mut mpp_notification,
    out_woken: *mut usize,
    out_reason: *mut mpp_webhook_failure,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_handle_webhook";
    let reason = OptOut::new(out_reason);
    let woken = OptOut::new(out_woken);
    boundary(F, out_error, || {
        let client = &arg_ref(F, "client", client)?.client;
        let delivery = Delivery::read(
            F,
            header_names,
            header_values,
            header_count,
            query,
            body,
            body_len,
        )?;
        let d = reason.verdict(client.handle_webhook(
            &delivery.headers,
            delivery.query,
            delivery.body,
        ))?;
        woken.write(d.woken);
        if !out_notification.is_null() {
            Out::new(F, "out_notification", out_notification)?
                .give(mpp_notification::new(d.notification));
        }
        Ok(())
    })
}

fn bytes<'a>(function: &str, p: *const u8, len: usize) -> Result<&'a [u8], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    let p = arg_ref(function, "body", p)? as *const u8;
    // SAFETY: the caller passes `len` readable bytes at `p`.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Reads a webhook notification's JSON body (`body_len` bytes). Invalid UTF-8, malformed or
/// truncated JSON, and a `data` without `id` or `status` are `MPP_RESULT_DECODE`. This does not
/// check the signature: use `mpp_webhook_verify` first, or `mpp_webhook_verify_request`.
///
/// Ownership: `body` is borrowed; on success `*out_notification` receives a new notification the
/// caller frees with `mpp_notification_free`; `*out_error` as in `mpp_webhook_verify`.
#[no_mangle]
pub unsafe extern "C" fn mpp_webhook_parse(
    body: *const u8,
    body_len: usize,
    out_notification: *mut *mut mpp_notification,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_webhook_parse";
    boundary(F, out_error, || {
        let body = bytes(F, body, body_len)?;
        let out = Out::new(F, "out_notification", out_notification)?;
        out.give(mpp_notification::new(webhook::parse(body)?));
        Ok(())
    })
}

/// Makes an `x-signature` header value (`ts=...,v1=...`) that `mpp_webhook_verify` accepts, for
/// tests: `data_id` and `x_request_id` may be NULL (left out of the signed manifest); `ts` is
/// written as given (Unix seconds, or milliseconds with 13 digits).
///
/// Ownership: `secret`, `data_id`, `x_request_id` are borrowed; on success `*out_signature`
/// receives a new string the caller frees with `mpp_string_free`; `*out_error` as in
/// `mpp_webhook_verify`.
#[no_mangle]
pub unsafe extern "C" fn mpp_webhook_sign(
    secret: *const c_char,
    data_id: *const c_char,
    x_request_id: *const c_char,
    ts: u64,
    out_signature: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_webhook_sign";
    boundary(F, out_error, || {
        let secret = arg_str(F, "secret", secret)?;
        let data_id = opt_str(F, "data_id", data_id)?;
        let request_id = opt_str(F, "x_request_id", x_request_id)?;
        let out = Out::new(F, "out_signature", out_signature)?;
        out.write(owned_string(&webhook::sign(
            secret, data_id, request_id, ts,
        )));
        Ok(())
    })
}

fn with_n<T>(n: *const mpp_notification, fallback: T, f: impl FnOnce(&mpp_notification) -> T) -> T {
    guard_ref(n, fallback, f)
}

/// The notification's own id, or NULL when `notification` is NULL.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_id(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.id.get_str(Some(&n.notification.id))
    })
}

/// What happened (`"topic_instore_integration_wh.application.authorized"`), or NULL.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_action(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.action.get_str(n.notification.action.as_deref())
    })
}

/// The JSON `type` (`"topic_instore_integration_wh"`), or NULL when `notification` is NULL.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_type(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.kind.get_str(Some(&n.notification.kind))
    })
}

/// The intent as it ended (`data`): read its id, status, amount and payment ids with the
/// `mpp_intent_*` accessors. NULL when `notification` is NULL.
///
/// Ownership: `notification` is borrowed; the intent is borrowed from it (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_intent(
    notification: *const mpp_notification,
) -> *const mpp_intent {
    with_n(notification, std::ptr::null(), |n| {
        &n.intent as *const mpp_intent
    })
}

/// The intent's status (`data.status`); `MPP_STATUS_NONE` when `notification` is NULL.
///
/// Ownership: `notification` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_status(
    notification: *const mpp_notification,
) -> mpp_status {
    with_n(notification, mpp_status::None, |n| {
        mpp_status::of(n.notification.status())
    })
}

/// Whether the intent's status is final. `CLOSED` is not yet a paid sale: look its payment up.
///
/// Ownership: `notification` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_is_final(notification: *const mpp_notification) -> bool {
    with_n(notification, false, |n| n.notification.is_final())
}

/// The intent's API URL (`data.url`), or NULL.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_url(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.url.get_str(n.notification.data.url.as_deref())
    })
}

/// When Mercado Pago created the notification, as sent (`"2023-07-27 20:24:21.776642198-0400"`),
/// or NULL.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_date_created(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.date_created.get(|| {
            n.notification
                .date_created
                .as_ref()
                .map(|d| d.raw().to_string())
        })
    })
}

/// The same instant in RFC 3339 (`"2023-07-27T20:24:21.776642198-04:00"`), or NULL when absent
/// or unreadable.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_date_created_rfc3339(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.date_created_rfc3339.get(|| {
            n.notification
                .date_created
                .as_ref()
                .and_then(|d| d.rfc3339())
        })
    })
}

/// Whether it comes from production: 1, 0 for test credentials, -1 when the body did not say.
///
/// Ownership: `notification` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_live_mode(notification: *const mpp_notification) -> i32 {
    with_n(notification, -1, |n| match n.notification.live_mode {
        Some(true) => 1,
        Some(false) => 0,
        None => -1,
    })
}

/// The Mercado Pago account (`user_id`), or 0 when the body did not say.
///
/// Ownership: `notification` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_user_id(notification: *const mpp_notification) -> u64 {
    with_n(notification, 0, |n| n.notification.user_id.unwrap_or(0))
}

/// A key that is the same for every delivery of the same event (`"{intent id}:{STATUS}"`):
/// remember the keys already handled and answer 200 without acting when one comes back.
///
/// Ownership: `notification` is borrowed; the string is borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_dedup_key(
    notification: *const mpp_notification,
) -> *const c_char {
    with_n(notification, null(), |n| {
        n.dedup_key.get(|| Some(n.notification.dedup_key()))
    })
}

/// The notification as JSON.
///
/// Ownership: `notification` is borrowed; on success `*out_json` receives a new string the caller
/// frees with `mpp_string_free`; `*out_error` as in `mpp_webhook_verify`.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_to_json(
    notification: *const mpp_notification,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_notification_to_json";
    boundary(F, out_error, || {
        let n = arg_ref(F, "notification", notification)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&n.notification)?));
        Ok(())
    })
}

/// Frees a notification and the intent borrowed from it. NULL is a no-op.
///
/// Ownership: takes `notification`.
#[no_mangle]
pub unsafe extern "C" fn mpp_notification_free(notification: *mut mpp_notification) {
    guard((), || free_handle(notification))
}
