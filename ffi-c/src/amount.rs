//! Amount helpers: the core's parsing and formatting rules, for C callers holding a string or a
//! double.

use std::ffi::c_char;

use mppoint::Amount;

use crate::error::{boundary, mpp_error};
use crate::result::mpp_result;
use crate::util::{arg_str, owned_string, Out};

/// Parses a decimal amount string (`"12.47"`, `"12.5"`, `"12"`) into integer cents, by the same
/// rule as `mpp_intent_request_new`: a dot and at most two decimals; `"12,47"`, `"12.475"`,
/// `"1e3"`, zero and negative amounts are `MPP_RESULT_INVALID_AMOUNT`.
///
/// Ownership: `amount` is borrowed; on success `*out_cents` receives the cents; on failure
/// `*out_error` (if `out_error` is not NULL) receives an error the caller frees with
/// `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_amount_parse(
    amount: *const c_char,
    out_cents: *mut i64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_amount_parse";
    boundary(F, out_error, || {
        let s = arg_str(F, "amount", amount)?;
        let out = Out::new(F, "out_cents", out_cents)?;
        out.write(Amount::parse(s)?.cents());
        Ok(())
    })
}

/// Converts a binary floating-point amount into integer cents, accepted only when its shortest
/// decimal form has one or two decimals (`10.14` is accepted; `0.1 + 0.2` and `10.145` are
/// `MPP_RESULT_INVALID_AMOUNT`, as are NaN, infinities, zero and negative amounts). A whole
/// number (`12.0`, or an `int` such as `1247` converted silently to `double`) is refused too: it
/// could mean 12.00 or 12 cents. Prefer strings or integer cents (`mpp_intent_request_new_cents`).
///
/// Ownership: on success `*out_cents` receives the cents; `*out_error` as in `mpp_amount_parse`.
#[no_mangle]
pub unsafe extern "C" fn mpp_amount_from_double(
    amount: f64,
    out_cents: *mut i64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_amount_from_double";
    boundary(F, out_error, || {
        let out = Out::new(F, "out_cents", out_cents)?;
        out.write(Amount::from_f64(amount)?.cents());
        Ok(())
    })
}

/// Formats integer cents as the API's two-decimal string (`1247` gives `"12.47"`). Zero and
/// negative amounts are `MPP_RESULT_INVALID_AMOUNT`.
///
/// Ownership: on success `*out_amount` receives a new string the caller frees with
/// `mpp_string_free`; `*out_error` as in `mpp_amount_parse`.
#[no_mangle]
pub unsafe extern "C" fn mpp_amount_format(
    cents: i64,
    out_amount: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_amount_format";
    boundary(F, out_error, || {
        let out = Out::new(F, "out_amount", out_amount)?;
        out.write(owned_string(&Amount::from_cents(cents)?.to_string()));
        Ok(())
    })
}
