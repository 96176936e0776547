//! The error object: `mpp_error`, what a failed call hands the caller (its code, message and
//! every field of the core's error), its accessors, and `boundary`, the way every fallible
//! exported function hands it out. (The codes are `result.rs`; the panic boundary `panic.rs`.)

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use mppoint::Error;

use crate::enums::{mpp_status, mpp_webhook_failure};
use crate::panic::{catch, guard, guard_ref};
use crate::result::{mpp_result, Fail, FfiResult};
use crate::util::cstring;

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
        let mut e = mpp_error {
            code: f.code,
            message: cstring(&f.message),
            api_error: None,
            api_message: None,
            request_id: None,
            idempotency_key: None,
            intent_id: None,
            holding_sale: None,
            external_reference: None,
            field: None,
            last_status: None,
            causes: Vec::new(),
            core: None,
        };
        // The core's one list of fields, destructured whole: a field the core adds does not
        // compile here until it is given to C. The strings are kept as C strings for the
        // accessors to lend; the numbers are read from the core error by theirs.
        if let Some(mppoint::ErrorFields {
            code: _,      // the result code, mapped from the kind by the table (`Fail`)
            transient: _, // not given to C: the result code names the kind (noted as a gap)
            message: _,   // the message of `Fail`, which may add the C function's name
            status: _,    // mpp_error_http_status
            api_error,
            api_message,
            causes,
            request_id,
            retry_after_ms: _, // mpp_error_retry_after_ms
            idempotency_key,
            intent_id,
            external_reference,
            holding_sale,
            last_status,
            field,
            signature_failure: _, // mpp_error_signature_failure
        }) = f.core.as_ref().map(Error::fields)
        {
            e.api_error = opt(api_error.as_deref());
            e.api_message = opt(api_message.as_deref());
            e.request_id = opt(request_id.as_deref());
            e.idempotency_key = opt(idempotency_key.as_deref());
            e.intent_id = opt(intent_id.as_deref());
            e.holding_sale = opt(holding_sale.as_deref());
            e.external_reference = opt(external_reference.as_deref());
            e.field = opt(field);
            e.last_status = opt(last_status.as_deref());
            e.causes = causes
                .iter()
                .map(|c| (opt(c.code.as_deref()), opt(c.description.as_deref())))
                .collect();
        }
        e.core = f.core;
        e
    }
}

/// Runs the body of a fallible exported function: catches panics (`panic::catch`), turns
/// failures into a result code, and hands the caller an `mpp_error` when it asked for one.
/// Outputs are written by the body itself, as its last step, so they are written only on success.
pub(crate) fn boundary(
    function: &'static str,
    out_error: *mut *mut mpp_error,
    body: impl FnOnce() -> FfiResult<()>,
) -> mpp_result {
    let fail = match catch(function, body) {
        Ok(()) => return mpp_result::Ok,
        Err(f) => f,
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

#[cfg(test)]
mod tests {
    use super::*;
    use mppoint::ErrorKind;

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
}
