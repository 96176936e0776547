//! Result codes, the `mpp_error` object, and the panic/NULL boundary every exported function
//! goes through.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use mppoint::{Error, ErrorKind};

use crate::enums::{mpp_status, mpp_webhook_failure};
use crate::util::cstring;

/// What a call did: `MPP_RESULT_OK` (0) or why it failed.
///
/// The numbers are permanent: a code is never renumbered or reused. Codes 1 to 99 and
/// `MPP_RESULT_PANIC` are the error kinds of the Rust core (the same kinds as Python's exception
/// classes and Node's `err.code`); `MPP_RESULT_NULL_ARGUMENT` and `MPP_RESULT_INVALID_UTF8` are
/// the C layer's own. Treat a code you do not know as a failure: later versions may add codes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum mpp_result {
    /// Success.
    Ok = 0,
    /// An argument failed validation before anything was sent (the error names the field).
    InvalidArgument = 1,
    /// An amount is malformed (`"12,47"`, `"12.475"`, zero, negative) or outside the site's limits.
    InvalidAmount = 2,
    /// The client configuration is unusable (empty token, bad base URL, proxy or certificate).
    Config = 3,
    /// HTTP 401: the access token was rejected.
    Unauthorized = 4,
    /// HTTP 403: the token may not do this (for example the device is not logged in).
    Forbidden = 5,
    /// HTTP 404: the intent, POS, device or payment does not exist.
    NotFound = 6,
    /// HTTP 400: the server rejected the request's content.
    BadRequest = 7,
    /// HTTP 409 on create: the device already has a queued intent.
    AlreadyQueued = 8,
    /// HTTP 409 on cancel: the intent left `OPENED`; cancel it on the terminal.
    CannotCancel = 9,
    /// HTTP 409 in any other situation.
    Conflict = 10,
    /// HTTP 429 after every retry (see `mpp_error_retry_after_ms`).
    RateLimited = 11,
    /// HTTP 5xx after every retry.
    Server = 12,
    /// Any other unexpected HTTP status.
    Api = 13,
    /// A create or refund was sent but no usable answer came back: it may or may not have
    /// happened. Never charge again with a new key: check the terminal, then find the sale's
    /// payment with `mpp_payments_find` (its external reference is `mpp_error_external_reference`);
    /// re-sending with the same key (`mpp_error_idempotency_key`) is safe only if your account's
    /// keys are honoured (refunds: always retry with the same key).
    OutcomeUnknown = 14,
    /// The connection failed (refused, reset, DNS, TLS) and retries did not help.
    Network = 15,
    /// A request took longer than the configured timeout.
    Timeout = 16,
    /// The server's answer was not the JSON expected.
    Decode = 17,
    /// `mpp_intent_wait` / `mpp_charge` reached the wait's deadline before the intent ended.
    WaitTimeout = 18,
    /// The wait was canceled through its `mpp_cancel_token`.
    Canceled = 19,
    /// A webhook's `x-signature` did not verify (see `mpp_error_signature_failure`).
    InvalidSignature = 20,
    /// An idempotency key was reused with a different request (amount, external reference or
    /// target): the intent it names is another sale's. Use a new key for a new cart.
    IdempotencyKeyMismatch = 21,
    /// The caller's own code stopped a sale after its intent was created (a status callback that
    /// failed, an abort): the error carries the intent id and the key; cancel the intent or wait
    /// for it again.
    Aborted = 22,
    /// With a sale journal: the sale's reference is being charged right now by another process
    /// (or thread), or it has no verdict yet to settle. Nothing was sent: wait for that charge to
    /// end, then ask again.
    SaleInProgress = 23,
    /// The sale journal cannot be used: its path cannot be created or locked, the file is not a
    /// journal, was written by a newer version, or is damaged. The message names the path and
    /// what to do. Nothing was charged.
    Journal = 24,
    /// Mercado Pago will not make this refund as asked (Orders API): no partial refunds on this
    /// order, a tip (only a full refund), already refunded, past the refund period, or more than
    /// is left. The message says which refund is possible.
    RefundNotAllowed = 25,
    /// A call that only works with test credentials (the sandbox's simulated order status) was
    /// made with a production access token: nothing was sent.
    SandboxOnly = 26,
    /// A pointer argument that must not be NULL was NULL (the error names it).
    NullArgument = 100,
    /// A string argument was not valid UTF-8 (the error names it).
    InvalidUtf8 = 101,
    /// A bug inside the library was caught before it could cross into C. Please report it.
    Panic = 102,
}

/// The one table of result codes: each code, its stable name, and the core kind it stands for
/// (`None` for the C layer's own codes). `ALL`, `of_kind`, `name`, `mpp_result_str` and the tests
/// all read it; a new code is one new row (and its variant above, for the header).
const TABLE: [(mpp_result, &CStr, Option<ErrorKind>); 31] = [
    (mpp_result::Ok, c"OK", None),
    (
        mpp_result::InvalidArgument,
        c"INVALID_ARGUMENT",
        Some(ErrorKind::InvalidArgument),
    ),
    (
        mpp_result::InvalidAmount,
        c"INVALID_AMOUNT",
        Some(ErrorKind::InvalidAmount),
    ),
    (mpp_result::Config, c"CONFIG", Some(ErrorKind::Config)),
    (
        mpp_result::Unauthorized,
        c"UNAUTHORIZED",
        Some(ErrorKind::Unauthorized),
    ),
    (
        mpp_result::Forbidden,
        c"FORBIDDEN",
        Some(ErrorKind::Forbidden),
    ),
    (
        mpp_result::NotFound,
        c"NOT_FOUND",
        Some(ErrorKind::NotFound),
    ),
    (
        mpp_result::BadRequest,
        c"BAD_REQUEST",
        Some(ErrorKind::BadRequest),
    ),
    (
        mpp_result::AlreadyQueued,
        c"ALREADY_QUEUED",
        Some(ErrorKind::AlreadyQueued),
    ),
    (
        mpp_result::CannotCancel,
        c"CANNOT_CANCEL",
        Some(ErrorKind::CannotCancel),
    ),
    (mpp_result::Conflict, c"CONFLICT", Some(ErrorKind::Conflict)),
    (
        mpp_result::RateLimited,
        c"RATE_LIMITED",
        Some(ErrorKind::RateLimited),
    ),
    (mpp_result::Server, c"SERVER", Some(ErrorKind::Server)),
    (mpp_result::Api, c"API", Some(ErrorKind::Api)),
    (
        mpp_result::OutcomeUnknown,
        c"OUTCOME_UNKNOWN",
        Some(ErrorKind::OutcomeUnknown),
    ),
    (mpp_result::Network, c"NETWORK", Some(ErrorKind::Network)),
    (mpp_result::Timeout, c"TIMEOUT", Some(ErrorKind::Timeout)),
    (mpp_result::Decode, c"DECODE", Some(ErrorKind::Decode)),
    (
        mpp_result::WaitTimeout,
        c"WAIT_TIMEOUT",
        Some(ErrorKind::WaitTimeout),
    ),
    (mpp_result::Canceled, c"CANCELED", Some(ErrorKind::Canceled)),
    (
        mpp_result::InvalidSignature,
        c"INVALID_SIGNATURE",
        Some(ErrorKind::InvalidSignature),
    ),
    (
        mpp_result::IdempotencyKeyMismatch,
        c"IDEMPOTENCY_KEY_MISMATCH",
        Some(ErrorKind::IdempotencyKeyMismatch),
    ),
    (mpp_result::Aborted, c"ABORTED", Some(ErrorKind::Aborted)),
    (
        mpp_result::SaleInProgress,
        c"SALE_IN_PROGRESS",
        Some(ErrorKind::SaleInProgress),
    ),
    (mpp_result::Journal, c"JOURNAL", Some(ErrorKind::Journal)),
    (
        mpp_result::RefundNotAllowed,
        c"REFUND_NOT_ALLOWED",
        Some(ErrorKind::RefundNotAllowed),
    ),
    (
        mpp_result::SandboxOnly,
        c"SANDBOX_ONLY",
        Some(ErrorKind::SandboxOnly),
    ),
    (mpp_result::NullArgument, c"NULL_ARGUMENT", None),
    (mpp_result::InvalidUtf8, c"INVALID_UTF8", None),
    (mpp_result::Panic, c"PANIC", Some(ErrorKind::Panic)),
    // Keep this row last: it is the C layer's fallback for a core kind newer than this table.
    (mpp_result::Api, c"API", None),
];

impl mpp_result {
    /// Every code, in number order (Rust only: cbindgen would write it with the Rust variant names).
    ///
    /// cbindgen:ignore
    pub const ALL: [mpp_result; TABLE.len() - 1] = {
        let mut all = [mpp_result::Ok; TABLE.len() - 1];
        let mut i = 0;
        while i < all.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (mpp_result, &'static CStr, Option<ErrorKind>) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .unwrap_or(&TABLE[TABLE.len() - 1])
    }

    /// The code of a core error kind. `ErrorKind` is non-exhaustive: a kind added to the core
    /// without a row in `TABLE` reads as `API` until it gets one (the test
    /// `every_core_kind_has_its_own_code` fails first).
    pub fn of_kind(kind: ErrorKind) -> mpp_result {
        TABLE
            .iter()
            .find(|row| row.2 == Some(kind))
            .map_or(mpp_result::Api, |row| row.0)
    }

    /// The stable name of the code: the core's `ErrorKind::code()` for the core's kinds
    /// (`NOT_FOUND`, `PANIC`), `OK`, `NULL_ARGUMENT`, `INVALID_UTF8`.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("UNKNOWN")
    }

    /// The same name as a NUL-terminated static string.
    pub(crate) fn c_name(self) -> &'static CStr {
        self.row().1
    }

    pub(crate) fn from_u32(code: u32) -> Option<mpp_result> {
        mpp_result::ALL.iter().copied().find(|c| *c as u32 == code)
    }
}

/// Why a call failed, inside the library: a result code, a message, and the core error when
/// there is one.
#[derive(Debug)]
pub(crate) struct Fail {
    pub code: mpp_result,
    pub message: String,
    pub core: Option<Error>,
}

impl Fail {
    pub fn new(code: mpp_result, message: impl Into<String>) -> Fail {
        Fail {
            code,
            message: message.into(),
            core: None,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail {
            code: mpp_result::of_kind(e.kind()),
            // Display: the message plus HTTP status, Mercado Pago error code, request id and
            // idempotency key in brackets. It never holds the access token.
            message: e.to_string(),
            core: Some(e),
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, Fail>;

/// An error: what went wrong, in detail. Created by the library on failure when the caller passes
/// a non-NULL `mpp_error **out_error`; the caller owns it and frees it with `mpp_error_free`.
/// Accessor strings are borrowed from the error and live until it is freed.
pub struct mpp_error {
    code: mpp_result,
    message: CString,
    core: Option<Error>,
    api_error: Option<CString>,
    api_message: Option<CString>,
    request_id: Option<CString>,
    idempotency_key: Option<CString>,
    intent_id: Option<CString>,
    holding_sale: Option<CString>,
    external_reference: Option<CString>,
    field: Option<CString>,
    last_status: Option<CString>,
    causes: Vec<(Option<CString>, Option<CString>)>,
}

impl mpp_error {
    pub(crate) fn from_fail(f: Fail) -> mpp_error {
        let opt = |s: Option<&str>| s.map(cstring);
        let core = f.core.as_ref();
        mpp_error {
            code: f.code,
            message: cstring(&f.message),
            api_error: opt(core.and_then(Error::api_error)),
            api_message: opt(core.and_then(Error::api_message)),
            request_id: opt(core.and_then(Error::request_id)),
            idempotency_key: opt(core.and_then(Error::idempotency_key)),
            intent_id: opt(core.and_then(Error::intent_id)),
            holding_sale: opt(core.and_then(Error::holding_sale)),
            external_reference: opt(core.and_then(Error::external_reference)),
            field: opt(core.and_then(Error::field)),
            last_status: opt(core.and_then(Error::last_status).map(|s| s.as_str())),
            causes: core
                .map(|e| {
                    e.causes()
                        .iter()
                        .map(|c| (opt(c.code.as_deref()), opt(c.description.as_deref())))
                        .collect()
                })
                .unwrap_or_default(),
            core: f.core,
        }
    }
}

/// Runs the body of a fallible exported function: catches panics, turns failures into a result
/// code, and hands the caller an `mpp_error` when it asked for one. Outputs are written by the
/// body itself, as its last step, so they are written only on success.
pub(crate) fn boundary(
    function: &'static str,
    out_error: *mut *mut mpp_error,
    body: impl FnOnce() -> FfiResult<()>,
) -> mpp_result {
    let fail = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return mpp_result::Ok,
        Ok(Err(f)) => f,
        Err(payload) => Fail::from(Error::from_panic(function, payload.as_ref())),
    };
    let code = fail.code;
    if !out_error.is_null() {
        // Building the error allocates; if even that panics, the caller still gets the code.
        if let Ok(e) = catch_unwind(AssertUnwindSafe(|| mpp_error::from_fail(fail))) {
            // SAFETY: the caller passed a non-NULL pointer to an `mpp_error *` it owns.
            unsafe { *out_error = Box::into_raw(Box::new(e)) };
        }
    }
    code
}

/// Runs the body of an infallible exported function (accessors): a panic gives `fallback`.
pub(crate) fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs an accessor on a handle: NULL or a panic gives `fallback`.
pub(crate) fn guard_ref<H, T>(handle: *const H, fallback: T, f: impl FnOnce(&H) -> T) -> T {
    // SAFETY: a non-NULL handle came from this library and is alive (caller's contract).
    match unsafe { handle.as_ref() } {
        Some(h) => catch_unwind(AssertUnwindSafe(|| f(h))).unwrap_or(fallback),
        None => fallback,
    }
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// A text field of an error, borrowed from it; NULL when absent or `error` is NULL.
fn text(
    error: *const mpp_error,
    pick: impl FnOnce(&mpp_error) -> &Option<CString>,
) -> *const c_char {
    guard_ref(error, ptr::null(), |e| opt_ptr(pick(e)))
}

/// The result code of the error (never `MPP_RESULT_OK`). `MPP_RESULT_NULL_ARGUMENT` when `error`
/// is NULL.
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_code(error: *const mpp_error) -> mpp_result {
    guard(mpp_result::Panic, || match unsafe { error.as_ref() } {
        Some(e) => e.code,
        None => mpp_result::NullArgument,
    })
}

/// The stable name of the error's code (`"NOT_FOUND"`), the same string as Node's `err.code`.
/// NULL when `error` is NULL.
///
/// Ownership: `error` is borrowed; the returned string is static (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_error_code_name(error: *const mpp_error) -> *const c_char {
    guard(ptr::null(), || match unsafe { error.as_ref() } {
        Some(e) => e.code.c_name().as_ptr(),
        None => ptr::null(),
    })
}

/// The message: what happened and what to do, followed in brackets by the HTTP status, Mercado
/// Pago's error code, the request id and the idempotency key when they are known. Never holds
/// the access token. NULL when `error` is NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error` (valid until
/// `mpp_error_free`).
#[no_mangle]
pub unsafe extern "C" fn mpp_error_message(error: *const mpp_error) -> *const c_char {
    guard(ptr::null(), || match unsafe { error.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => ptr::null(),
    })
}

/// The HTTP status of the answer that caused the error, or 0 when there was none (validation
/// errors, network errors, NULL `error`).
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_http_status(error: *const mpp_error) -> u16 {
    guard(0, || {
        unsafe { error.as_ref() }
            .and_then(|e| e.core.as_ref())
            .and_then(Error::status)
            .unwrap_or(0)
    })
}

/// Mercado Pago's `error` code from the answer's body (`"pos_not_found"`, `"bad_request"`), or
/// NULL when there was none.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_api_error(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.api_error)
}

/// Mercado Pago's `message` from the answer's body, as sent, or NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_api_message(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.api_message)
}

/// The `x-request-id` of the answer (quote it to Mercado Pago support), or NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_request_id(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.request_id)
}

/// How long the server asked to wait before trying again (`Retry-After`), in milliseconds, or -1
/// when it did not say.
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_retry_after_ms(error: *const mpp_error) -> i64 {
    guard(-1, || {
        unsafe { error.as_ref() }
            .and_then(|e| e.core.as_ref())
            .and_then(Error::retry_after)
            .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// The `X-Idempotency-Key` of the create or refund this error belongs to, or NULL. After
/// `MPP_RESULT_OUTCOME_UNKNOWN`, retry with this key (`mpp_intent_request_set_idempotency_key`)
/// so the sale cannot be charged twice.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_idempotency_key(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.idempotency_key)
}

/// The id of the intent the error is about, or NULL. After a failed wait or charge
/// (`MPP_RESULT_WAIT_TIMEOUT`, `MPP_RESULT_CANCELED`) the intent still exists: cancel it or wait
/// again with this id.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_intent_id(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.intent_id)
}

/// For `MPP_RESULT_ALREADY_QUEUED`: the id of the sale (intent or order) that holds the terminal,
/// when this client created it; NULL when unknown (another client's or process's sale) or
/// `error` is NULL. It is not the sale you tried: never book or cancel it as this one.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_holding_sale(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.holding_sale)
}

/// The external reference of the sale the error is about, or NULL. After
/// `MPP_RESULT_OUTCOME_UNKNOWN` on a create, find what became of the sale with
/// `mpp_payments_find(client, this, ...)` once the terminal is done with it.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_external_reference(error: *const mpp_error) -> *const c_char {
    guard(ptr::null(), || {
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| opt_ptr(&e.external_reference))
    })
}

/// For `MPP_RESULT_INVALID_ARGUMENT` and `MPP_RESULT_INVALID_AMOUNT`: the field that failed
/// validation (`"description"`, `"amount"`), or NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_field(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.field)
}

/// For `MPP_RESULT_WAIT_TIMEOUT`, `MPP_RESULT_CANCELED` and `MPP_RESULT_CANNOT_CANCEL`: the last
/// status seen, or `MPP_STATUS_NONE` when none was seen.
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_last_status(error: *const mpp_error) -> mpp_status {
    guard(mpp_status::None, || {
        unsafe { error.as_ref() }
            .and_then(|e| e.core.as_ref())
            .and_then(Error::last_status)
            .map_or(mpp_status::None, mpp_status::of)
    })
}

/// The last status seen as the API spells it (`"ON_TERMINAL"`, or an unknown status as sent), or
/// NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_last_status_str(error: *const mpp_error) -> *const c_char {
    text(error, |e| &e.last_status)
}

/// For `MPP_RESULT_INVALID_SIGNATURE`: why the webhook signature was refused, otherwise
/// `MPP_WEBHOOK_FAILURE_NONE`.
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_signature_failure(
    error: *const mpp_error,
) -> mpp_webhook_failure {
    guard(mpp_webhook_failure::None, || {
        unsafe { error.as_ref() }
            .and_then(|e| e.core.as_ref())
            .and_then(Error::signature_failure)
            .map_or(mpp_webhook_failure::None, mpp_webhook_failure::of)
    })
}

/// How many entries Mercado Pago's `cause` list had (0 when none, or `error` is NULL).
///
/// Ownership: `error` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_cause_count(error: *const mpp_error) -> usize {
    guard(0, || {
        unsafe { error.as_ref() }.map_or(0, |e| e.causes.len())
    })
}

/// The `code` of cause number `index` (as text: the API sends numbers or strings), or NULL when
/// it had none or `index` is out of range.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_cause_code(
    error: *const mpp_error,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        unsafe { error.as_ref() }
            .and_then(|e| e.causes.get(index))
            .map_or(ptr::null(), |c| opt_ptr(&c.0))
    })
}

/// The `description` of cause number `index`, or NULL.
///
/// Ownership: `error` is borrowed; the string is borrowed from `error`.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_cause_description(
    error: *const mpp_error,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        unsafe { error.as_ref() }
            .and_then(|e| e.causes.get(index))
            .map_or(ptr::null(), |c| opt_ptr(&c.1))
    })
}

/// Frees an error. NULL is a no-op.
///
/// Ownership: takes `error`, which must come from this library and not be used again.
#[no_mangle]
pub unsafe extern "C" fn mpp_error_free(error: *mut mpp_error) {
    guard((), || {
        if !error.is_null() {
            // SAFETY: `error` came from `Box::into_raw` in `boundary`.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

/// The stable name of a result code: `"OK"`, `"NOT_FOUND"`, `"NULL_ARGUMENT"`, … (the names of
/// codes 1-99 are the core's error codes, the same as Node's `err.code`), or `"UNKNOWN"` for a
/// number that is not a code. Never NULL.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_result_str(code: u32) -> *const c_char {
    guard(c"UNKNOWN".as_ptr(), || {
        mpp_result::from_u32(code)
            .map_or(c"UNKNOWN", mpp_result::c_name)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_core_kind_has_its_own_code() {
        let mut seen = HashSet::new();
        for kind in ErrorKind::ALL {
            let code = mpp_result::of_kind(kind);
            assert_eq!(code.name(), kind.code(), "{kind:?}");
            assert_ne!(code, mpp_result::Ok, "{kind:?}");
            assert!(seen.insert(code), "{kind:?} shares a code");
        }
        // Every code but OK, NULL_ARGUMENT and INVALID_UTF8 is a core kind.
        assert_eq!(
            seen.len() + 3,
            mpp_result::ALL.len(),
            "a code without a core kind"
        );
        assert_eq!(
            TABLE[..TABLE.len() - 1]
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            mpp_result::ALL
        );
    }

    #[test]
    fn a_panic_is_the_cores_panic_kind() {
        let mut err = std::ptr::null_mut();
        let code = boundary("mpp_unit_test", &mut err, || panic!("deliberate"));
        assert_eq!(code, mpp_result::Panic);
        // SAFETY: `boundary` wrote a live error.
        let e = unsafe { &*err };
        assert_eq!(e.core.as_ref().map(Error::kind), Some(ErrorKind::Panic));
        assert!(e.message.to_str().unwrap().contains("deliberate"));
        unsafe { mpp_error_free(err) };
    }

    #[test]
    fn numbers_are_permanent() {
        // Changing this list breaks every compiled C program: add, never renumber.
        let expected = [
            (0, "OK"),
            (1, "INVALID_ARGUMENT"),
            (2, "INVALID_AMOUNT"),
            (3, "CONFIG"),
            (4, "UNAUTHORIZED"),
            (5, "FORBIDDEN"),
            (6, "NOT_FOUND"),
            (7, "BAD_REQUEST"),
            (8, "ALREADY_QUEUED"),
            (9, "CANNOT_CANCEL"),
            (10, "CONFLICT"),
            (11, "RATE_LIMITED"),
            (12, "SERVER"),
            (13, "API"),
            (14, "OUTCOME_UNKNOWN"),
            (15, "NETWORK"),
            (16, "TIMEOUT"),
            (17, "DECODE"),
            (18, "WAIT_TIMEOUT"),
            (19, "CANCELED"),
            (20, "INVALID_SIGNATURE"),
            (21, "IDEMPOTENCY_KEY_MISMATCH"),
            (22, "ABORTED"),
            (23, "SALE_IN_PROGRESS"),
            (24, "JOURNAL"),
            (25, "REFUND_NOT_ALLOWED"),
            (26, "SANDBOX_ONLY"),
            (100, "NULL_ARGUMENT"),
            (101, "INVALID_UTF8"),
            (102, "PANIC"),
        ];
        let actual: Vec<(u32, &str)> = mpp_result::ALL
            .iter()
            .map(|c| (*c as u32, c.name()))
            .collect();
        assert_eq!(actual, expected);
        for c in mpp_result::ALL {
            assert_eq!(c.c_name().to_str().unwrap(), c.name());
            assert_eq!(mpp_result::from_u32(c as u32), Some(c));
        }
        assert_eq!(mpp_result::from_u32(99), None);
    }

    #[test]
    fn readme_table_matches_the_codes() {
        let readme = include_str!("../README.md");
        for c in mpp_result::ALL {
            let row = format!("| {} | `MPP_RESULT_{}` |", c as u32, c.name());
            assert!(readme.contains(&row), "ffi-c/README.md lacks the row {row}");
        }
    }
}
