//! Payments and refunds.

use std::ffi::c_char;

use mppoint::{Amount, Payment, Refund};

use crate::client::mpp_client;
use crate::enums::mpp_payment_status_code;
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::mpp_result;
use crate::util::{arg_ref, free_handle, null, opt_str, owned_string, to_json, CachedStr, Out};

/// A payment as `GET /v1/payments/{id}` returned it (from `mpp_payment_get`, or borrowed from a
/// sale). Immutable; strings from its accessors are borrowed from it.
pub struct mpp_payment {
    pub(crate) payment: Payment,
    status: CachedStr,
    status_detail: CachedStr,
    amount: CachedStr,
    refunded: CachedStr,
    tip: CachedStr,
    currency_id: CachedStr,
    payment_method_id: CachedStr,
    payment_type_id: CachedStr,
    external_reference: CachedStr,
    description: CachedStr,
    date_created: CachedStr,
    date_approved: CachedStr,
}

impl mpp_payment {
    pub(crate) fn new(payment: Payment) -> mpp_payment {
        mpp_payment {
            payment,
            status: CachedStr::default(),
            status_detail: CachedStr::default(),
            amount: CachedStr::default(),
            refunded: CachedStr::default(),
            tip: CachedStr::default(),
            currency_id: CachedStr::default(),
            payment_method_id: CachedStr::default(),
            payment_type_id: CachedStr::default(),
            external_reference: CachedStr::default(),
            description: CachedStr::default(),
            date_created: CachedStr::default(),
            date_approved: CachedStr::default(),
        }
    }
}

/// A refund as `POST /v1/payments/{id}/refunds` returned it. Immutable; strings from its
/// accessors are borrowed from it.
pub struct mpp_refund {
    refund: Refund,
    amount: CachedStr,
    status: CachedStr,
    date_created: CachedStr,
}

/// Reads a payment (a payment id of a `CLOSED` intent). `MPP_RESULT_NOT_FOUND` when there is no
/// such payment.
///
/// Ownership: `client` is borrowed; on success `*out_payment` receives a new payment the caller
/// frees with `mpp_payment_free`; on failure `*out_error` (if `out_error` is not NULL) receives an
/// error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_get(
    client: *const mpp_client,
    payment_id: u64,
    out_payment: *mut *mut mpp_payment,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_payment_get";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let out = Out::new(F, "out_payment", out_payment)?;
        let p = client.client.get_payment(payment_id)?;
        out.give(mpp_payment::new(p));
        Ok(())
    })
}

/// Refunds a payment: in full when `amount` is NULL, or partly (`amount` a decimal string such as
/// `"5.00"`, checked like an intent's amount). The refund is sent with `idempotency_key` when it
/// is not NULL (to retry a refund whose outcome is unknown), otherwise with a new key.
///
/// Ownership: `client`, `amount`, `idempotency_key` are borrowed; on success `*out_refund`
/// receives a new refund the caller frees with `mpp_refund_free`; `*out_error` as in
/// `mpp_payment_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_refund(
    client: *const mpp_client,
    payment_id: u64,
    amount: *const c_char,
    idempotency_key: *const c_char,
    out_refund: *mut *mut mpp_refund,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_payment_refund";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let amount = opt_str(F, "amount", amount)?;
        let key = opt_str(F, "idempotency_key", idempotency_key)?;
        let out = Out::new(F, "out_refund", out_refund)?;
        let amount = amount.map(Amount::parse).transpose()?;
        let refund = client
            .client
            .refund_payment_with_key(payment_id, amount, key)?;
        out.give(mpp_refund {
            refund,
            amount: CachedStr::default(),
            status: CachedStr::default(),
            date_created: CachedStr::default(),
        });
        Ok(())
    })
}

/// Orders API: refunds an order (`POST /v1/orders/{id}/refund`), in full when `amount` is NULL,
/// or partly (`amount` a decimal string such as `"5.00"`). Sent with `idempotency_key` when it is
/// not NULL (to retry a refund whose outcome is unknown), otherwise with a new key; the Orders API
/// honours the key, so a retried refund is made once. Gives the order as the refund left it, read
/// as an intent (`CLOSED` for a partial refund; `mpp_sale_for` then gives `REJECTED` once nothing
/// is left paid).
///
/// Ownership: `client`, `order_id`, `amount`, `idempotency_key` are borrowed; on success
/// `*out_intent` receives a new intent the caller frees with `mpp_intent_free`; `*out_error` as in
/// `mpp_payment_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_order_refund(
    client: *const mpp_client,
    order_id: *const c_char,
    amount: *const c_char,
    idempotency_key: *const c_char,
    out_intent: *mut *mut crate::intent::mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_order_refund";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let order_id = crate::util::arg_str(F, "order_id", order_id)?;
        let amount = opt_str(F, "amount", amount)?;
        let key = opt_str(F, "idempotency_key", idempotency_key)?;
        let out = Out::new(F, "out_intent", out_intent)?;
        let amount = amount.map(Amount::parse).transpose()?;
        let order = client.client.refund_order_with_key(order_id, amount, key)?;
        out.give(crate::intent::mpp_intent::new(order.to_intent()));
        Ok(())
    })
}

/// The payments found by `mpp_payments_find`. Immutable; free it with `mpp_payment_list_free`,
/// which also frees the payments borrowed from it.
pub struct mpp_payment_list {
    payments: Vec<mpp_payment>,
}

/// Finds what became of a sale from its external reference, through the Payments API's search
/// (`GET /v1/payments/search?external_reference=...`): every payment found, newest first (none is
/// an empty list, not an error). This is how to recover from `MPP_RESULT_OUTCOME_UNKNOWN` without
/// re-sending the create: once the terminal is done with the sale, an approved payment for the
/// sale's amount means it was paid. What to do next stays the caller's decision.
///
/// Ownership: `client`, `external_reference` are borrowed; on success `*out_list` receives a new
/// list the caller frees with `mpp_payment_list_free`; `*out_error` as in `mpp_payment_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payments_find(
    client: *const mpp_client,
    external_reference: *const c_char,
    out_list: *mut *mut mpp_payment_list,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_payments_find";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let reference = crate::util::arg_str(F, "external_reference", external_reference)?;
        let out = Out::new(F, "out_list", out_list)?;
        let found = client.client.find_payments(reference)?;
        out.give(mpp_payment_list {
            payments: found.into_iter().map(mpp_payment::new).collect(),
        });
        Ok(())
    })
}

/// How many payments the list holds (0 when `list` is NULL).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_list_count(list: *const mpp_payment_list) -> usize {
    guard_ref(list, 0, |l| l.payments.len())
}

/// Payment number `index`, or NULL when out of range.
///
/// Ownership: `list` is borrowed; the payment is borrowed from `list` (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_list_get(
    list: *const mpp_payment_list,
    index: usize,
) -> *const mpp_payment {
    guard_ref(list, std::ptr::null(), |l| {
        l.payments
            .get(index)
            .map_or(std::ptr::null(), |p| p as *const mpp_payment)
    })
}

/// Frees a payment list and the payments borrowed from it. NULL is a no-op.
///
/// Ownership: takes `list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_list_free(list: *mut mpp_payment_list) {
    guard((), || free_handle(list))
}

fn with_payment<T>(p: *const mpp_payment, fallback: T, f: impl FnOnce(&mpp_payment) -> T) -> T {
    guard_ref(p, fallback, f)
}

/// The payment id, or 0 when `payment` is NULL.
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_id(payment: *const mpp_payment) -> u64 {
    with_payment(payment, 0, |p| p.payment.id)
}

/// The payment's status (`MPP_PAYMENT_STATUS_UNKNOWN` for one this version does not know, and when
/// `payment` is NULL).
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_status(
    payment: *const mpp_payment,
) -> mpp_payment_status_code {
    with_payment(
        payment,
        mpp_payment_status_code::MppPaymentStatusUnknown,
        |p| mpp_payment_status_code::of(&p.payment.status),
    )
}

/// The payment's status as the API spells it (`"approved"`, `"rejected"`, …), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_status_str(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.status.get_str(Some(p.payment.status.as_str()))
    })
}

/// Whether the money was received (status approved). False when `payment` is NULL.
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_is_approved(payment: *const mpp_payment) -> bool {
    with_payment(payment, false, |p| p.payment.is_approved())
}

/// Why (`"accredited"`, `"cc_rejected_insufficient_amount"`, …), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_status_detail(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.status_detail.get_str(p.payment.status_detail.as_deref())
    })
}

/// The amount charged in integer cents, or 0 when unknown or `payment` is NULL.
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_amount_cents(payment: *const mpp_payment) -> i64 {
    with_payment(payment, 0, |p| {
        p.payment.transaction_amount.map_or(0, Amount::cents)
    })
}

/// The amount charged with exactly two decimals (`"12.47"`), or NULL when unknown.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_amount_str(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.amount
            .get(|| p.payment.transaction_amount.map(|a| a.to_string()))
    })
}

/// The amount refunded so far in integer cents (0 when none or unknown).
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_refunded_cents(payment: *const mpp_payment) -> i64 {
    with_payment(payment, 0, |p| {
        p.payment.transaction_amount_refunded.map_or(0, |r| r.0)
    })
}

/// The amount refunded so far with exactly two decimals (`"0.00"` when none), or NULL when the
/// answer did not say.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_refunded_str(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.refunded
            .get(|| p.payment.transaction_amount_refunded.map(|r| r.to_string()))
    })
}

/// Orders API: the tip the customer added on the terminal (`tip_amount`), paid on top of the
/// amount, in integer cents (0 without a tip or when unknown). A payment with a tip is refunded
/// only in full.
///
/// Ownership: `payment` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_tip_cents(payment: *const mpp_payment) -> i64 {
    with_payment(payment, 0, |p| {
        p.payment.tip_amount.map_or(0, Amount::cents)
    })
}

/// Orders API: the tip with exactly two decimals (`"3.00"`), or NULL without one.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_tip_str(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.tip.get(|| p.payment.tip_amount.map(|t| t.to_string()))
    })
}

/// The currency (`"ARS"`, `"BRL"`), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_currency_id(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.currency_id.get_str(p.payment.currency_id.as_deref())
    })
}

/// The card brand (`"visa"`, `"master"`, …), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_method_id(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.payment_method_id
            .get_str(p.payment.payment_method_id.as_deref())
    })
}

/// `"credit_card"`, `"debit_card"`, …, or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_type_id(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.payment_type_id
            .get_str(p.payment.payment_type_id.as_deref())
    })
}

/// The caller's reference, or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_external_reference(
    payment: *const mpp_payment,
) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.external_reference
            .get_str(p.payment.external_reference.as_deref())
    })
}

/// The description, or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_description(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.description.get_str(p.payment.description.as_deref())
    })
}

/// When it was created (as sent), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_date_created(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.date_created.get_str(p.payment.date_created.as_deref())
    })
}

/// When it was approved (as sent), or NULL.
///
/// Ownership: `payment` is borrowed; the string is borrowed from `payment`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_date_approved(payment: *const mpp_payment) -> *const c_char {
    with_payment(payment, null(), |p| {
        p.date_approved.get_str(p.payment.date_approved.as_deref())
    })
}

/// The payment as JSON.
///
/// Ownership: `payment` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_payment_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_to_json(
    payment: *const mpp_payment,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_payment_to_json";
    boundary(F, out_error, || {
        let p = arg_ref(F, "payment", payment)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&p.payment)?));
        Ok(())
    })
}

/// Frees a payment. NULL is a no-op.
///
/// Ownership: takes `payment` (one the caller owns, never one borrowed from a sale).
#[no_mangle]
pub unsafe extern "C" fn mpp_payment_free(payment: *mut mpp_payment) {
    guard((), || free_handle(payment))
}

fn with_refund<T>(r: *const mpp_refund, fallback: T, f: impl FnOnce(&mpp_refund) -> T) -> T {
    guard_ref(r, fallback, f)
}

/// The refund id, or 0 when `refund` is NULL.
///
/// Ownership: `refund` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_id(refund: *const mpp_refund) -> u64 {
    with_refund(refund, 0, |r| r.refund.id)
}

/// The id of the payment refunded, or 0 when the answer did not say.
///
/// Ownership: `refund` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_payment_id(refund: *const mpp_refund) -> u64 {
    with_refund(refund, 0, |r| r.refund.payment_id.unwrap_or(0))
}

/// The amount refunded in integer cents, or 0 when the answer did not say.
///
/// Ownership: `refund` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_amount_cents(refund: *const mpp_refund) -> i64 {
    with_refund(refund, 0, |r| r.refund.amount.map_or(0, Amount::cents))
}

/// The amount refunded with exactly two decimals, or NULL when the answer did not say.
///
/// Ownership: `refund` is borrowed; the string is borrowed from `refund`.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_amount_str(refund: *const mpp_refund) -> *const c_char {
    with_refund(refund, null(), |r| {
        r.amount.get(|| r.refund.amount.map(|a| a.to_string()))
    })
}

/// The refund's status (`"approved"`, …), or NULL.
///
/// Ownership: `refund` is borrowed; the string is borrowed from `refund`.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_status(refund: *const mpp_refund) -> *const c_char {
    with_refund(refund, null(), |r| {
        r.status.get_str(r.refund.status.as_deref())
    })
}

/// When the refund was created (as sent), or NULL.
///
/// Ownership: `refund` is borrowed; the string is borrowed from `refund`.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_date_created(refund: *const mpp_refund) -> *const c_char {
    with_refund(refund, null(), |r| {
        r.date_created.get_str(r.refund.date_created.as_deref())
    })
}

/// The refund as JSON.
///
/// Ownership: `refund` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_payment_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_to_json(
    refund: *const mpp_refund,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_refund_to_json";
    boundary(F, out_error, || {
        let r = arg_ref(F, "refund", refund)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&r.refund)?));
        Ok(())
    })
}

/// Frees a refund. NULL is a no-op.
///
/// Ownership: takes `refund`.
#[no_mangle]
pub unsafe extern "C" fn mpp_refund_free(refund: *mut mpp_refund) {
    guard((), || free_handle(refund))
}
