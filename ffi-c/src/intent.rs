//! Intent requests, intents, and the create / get / cancel operations.

use std::ffi::c_char;
use std::sync::OnceLock;

use mppoint::{Amount, Intent, IntentRequest, Target};

use crate::client::mpp_client;
use crate::enums::{mpp_status, mpp_target};
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::mpp_result;
use crate::util::{
    arg_mut, arg_ref, arg_str, free_handle, null, owned_string, to_json, CachedStr, Out,
};

/// What to charge: amount, description, external reference and options. Made with
/// `mpp_intent_request_new` (amount as a decimal string) or `mpp_intent_request_new_cents`,
/// changed with the `mpp_intent_request_set_*` functions, freed with `mpp_intent_request_free`.
/// Not for use from two threads at once while it is being changed.
pub struct mpp_intent_request {
    pub(crate) request: IntentRequest,
}

/// An intent as the API returned it (create, get, wait, or inside a sale or notification).
/// Immutable: its accessors may be called from any thread. Strings returned by its accessors are
/// borrowed from it and live until it is freed with `mpp_intent_free` (or, for an intent
/// borrowed from a sale or notification, until that is freed).
pub struct mpp_intent {
    pub(crate) intent: Intent,
    id: CachedStr,
    status: CachedStr,
    amount: CachedStr,
    description: CachedStr,
    external_reference: CachedStr,
    idempotency_key: CachedStr,
    payment_ids: OnceLock<Vec<u64>>,
}

impl mpp_intent {
    pub(crate) fn new(intent: Intent) -> mpp_intent {
        mpp_intent {
            intent,
            id: CachedStr::default(),
            status: CachedStr::default(),
            amount: CachedStr::default(),
            description: CachedStr::default(),
            external_reference: CachedStr::default(),
            idempotency_key: CachedStr::default(),
            payment_ids: OnceLock::new(),
        }
    }

    fn payment_ids(&self) -> &[u64] {
        self.payment_ids.get_or_init(|| self.intent.payment_ids())
    }
}

fn new_request(
    function: &'static str,
    amount: impl FnOnce() -> Result<Amount, crate::result::Fail>,
    description: *const c_char,
    external_reference: *const c_char,
    out_request: *mut *mut mpp_intent_request,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    boundary(function, out_error, || {
        let description = arg_str(function, "description", description)?;
        let external_reference = arg_str(function, "external_reference", external_reference)?;
        let out = Out::new(function, "out_request", out_request)?;
        let amount = amount()?;
        out.give(mpp_intent_request {
            request: IntentRequest::new(amount, description, external_reference),
        });
        Ok(())
    })
}

/// Starts an intent request. `amount` is a decimal string with a dot and at most two decimals
/// (`"12.47"`, `"12.5"`, `"12"`); anything else (`"12,47"`, `"12.475"`, `"1e3"`, zero,
/// negative) is `MPP_RESULT_INVALID_AMOUNT`. `description` (1-255 characters, shown on the
/// terminal) and `external_reference` (1-100 characters: letters, digits, spaces and
/// `- : _ , .`) are checked, with the site's amount limits, when the intent is created.
///
/// Ownership: `amount`, `description`, `external_reference` are borrowed (copied); on success
/// `*out_request` receives a new request the caller frees with `mpp_intent_request_free`; on
/// failure `*out_error` (if `out_error` is not NULL) receives an error the caller frees with
/// `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_new(
    amount: *const c_char,
    description: *const c_char,
    external_reference: *const c_char,
    out_request: *mut *mut mpp_intent_request,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_request_new";
    new_request(
        F,
        || Ok(Amount::parse(arg_str(F, "amount", amount)?)?),
        description,
        external_reference,
        out_request,
        out_error,
    )
}

/// Starts an intent request for an amount in integer cents (`1247` is 12.47). Zero and negative
/// amounts are `MPP_RESULT_INVALID_AMOUNT`. Otherwise as `mpp_intent_request_new`.
///
/// Ownership: as `mpp_intent_request_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_new_cents(
    amount_cents: i64,
    description: *const c_char,
    external_reference: *const c_char,
    out_request: *mut *mut mpp_intent_request,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    new_request(
        "mpp_intent_request_new_cents",
        || Ok(Amount::from_cents(amount_cents)?),
        description,
        external_reference,
        out_request,
        out_error,
    )
}

fn edit_request(
    function: &'static str,
    request: *mut mpp_intent_request,
    out_error: *mut *mut mpp_error,
    change: impl FnOnce(IntentRequest) -> Result<IntentRequest, crate::result::Fail>,
) -> mpp_result {
    boundary(function, out_error, || {
        let r = arg_mut(function, "request", request)?;
        r.request = change(r.request.clone())?;
        Ok(())
    })
}

/// Sets the ticket number printed on the receipt (1-100 letters and digits; documented for
/// Argentina). Checked when the intent is created.
///
/// Ownership: `request` is borrowed (changed); `ticket_number` is borrowed (copied); `*out_error`
/// as in `mpp_intent_request_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_set_ticket_number(
    request: *mut mpp_intent_request,
    ticket_number: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_request_set_ticket_number";
    edit_request(F, request, out_error, |r| {
        Ok(r.ticket_number(arg_str(F, "ticket_number", ticket_number)?))
    })
}

/// Sets whether the terminal prints the seller's ticket.
///
/// Ownership: `request` is borrowed (changed); `*out_error` as in `mpp_intent_request_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_set_print_seller_ticket(
    request: *mut mpp_intent_request,
    print: bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    edit_request(
        "mpp_intent_request_set_print_seller_ticket",
        request,
        out_error,
        |r| Ok(r.print_seller_ticket(print)),
    )
}

/// Sets the `X-Idempotency-Key` of the create (by default each create gets a new UUID). After
/// `MPP_RESULT_OUTCOME_UNKNOWN`, create again with the key from `mpp_error_idempotency_key` so
/// the same sale cannot be charged twice.
///
/// Ownership: `request` is borrowed (changed); `idempotency_key` is borrowed (copied);
/// `*out_error` as in `mpp_intent_request_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_set_idempotency_key(
    request: *mut mpp_intent_request,
    idempotency_key: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_request_set_idempotency_key";
    edit_request(F, request, out_error, |r| {
        Ok(r.idempotency_key(arg_str(F, "idempotency_key", idempotency_key)?))
    })
}

/// Frees an intent request. NULL is a no-op.
///
/// Ownership: takes `request`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_request_free(request: *mut mpp_intent_request) {
    guard((), || free_handle(request))
}

fn create(
    function: &'static str,
    client: *const mpp_client,
    kind: mpp_target,
    target_id: *const c_char,
    request: *const mpp_intent_request,
    out_intent: *mut *mut mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    boundary(function, out_error, || {
        let client = arg_ref(function, "client", client)?;
        let (name, make): (_, fn(String) -> Target) = match kind {
            mpp_target::Pos => ("pos_external_id", Target::Pos),
            mpp_target::Device => ("device_id", Target::Device),
        };
        let id = arg_str(function, name, target_id)?;
        let request = arg_ref(function, "request", request)?;
        let out = Out::new(function, "out_intent", out_intent)?;
        let intent = client
            .client
            .create_intent(&make(id.to_string()), &request.request)?;
        out.give(mpp_intent::new(intent));
        Ok(())
    })
}

/// Creates an intent on the device linked to the point of sale whose `external_id` is
/// `pos_external_id`. The request is validated first (amount and site limits, lengths,
/// characters); the create carries an `X-Idempotency-Key` reused on its retries (read it with
/// `mpp_intent_idempotency_key`). Errors to expect: `MPP_RESULT_ALREADY_QUEUED` (the device has
/// an unfinished intent), `MPP_RESULT_OUTCOME_UNKNOWN` (sent, answer lost: retry with the same
/// key), `MPP_RESULT_NOT_FOUND` (no such POS), `MPP_RESULT_BAD_REQUEST`.
///
/// Ownership: `client`, `pos_external_id`, `request` are borrowed; on success `*out_intent`
/// receives a new intent the caller frees with `mpp_intent_free`; on failure `*out_error` (if
/// `out_error` is not NULL) receives an error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_create_for_pos(
    client: *const mpp_client,
    pos_external_id: *const c_char,
    request: *const mpp_intent_request,
    out_intent: *mut *mut mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    create(
        "mpp_intent_create_for_pos",
        client,
        mpp_target::Pos,
        pos_external_id,
        request,
        out_intent,
        out_error,
    )
}

/// Creates an intent on the device whose id is `device_id` (`PAX_A910__SMARTPOS1234567890`).
/// Otherwise as `mpp_intent_create_for_pos`.
///
/// Ownership: as `mpp_intent_create_for_pos`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_create_for_device(
    client: *const mpp_client,
    device_id: *const c_char,
    request: *const mpp_intent_request,
    out_intent: *mut *mut mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    create(
        "mpp_intent_create_for_device",
        client,
        mpp_target::Device,
        device_id,
        request,
        out_intent,
        out_error,
    )
}

/// Reads an intent. `MPP_RESULT_NOT_FOUND` when there is no such intent.
///
/// Ownership: `client`, `intent_id` are borrowed; on success `*out_intent` receives a new intent
/// the caller frees with `mpp_intent_free`; on failure `*out_error` (if `out_error` is not NULL)
/// receives an error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_get(
    client: *const mpp_client,
    intent_id: *const c_char,
    out_intent: *mut *mut mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_get";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "intent_id", intent_id)?;
        let out = Out::new(F, "out_intent", out_intent)?;
        let intent = client.client.get_intent(id)?;
        out.give(mpp_intent::new(intent));
        Ok(())
    })
}

/// Cancels an intent that is still `OPENED` (not yet on the terminal). Once the terminal has it,
/// this fails with `MPP_RESULT_CANNOT_CANCEL` (cancel it on the terminal;
/// `mpp_error_last_status` says where it stands). Canceling an intent already `CANCELED`
/// succeeds, so a retried cancel is harmless.
///
/// Ownership: `client`, `intent_id` are borrowed; on failure `*out_error` (if `out_error` is not
/// NULL) receives an error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_cancel(
    client: *const mpp_client,
    intent_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_cancel";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "intent_id", intent_id)?;
        client.client.cancel_intent(id)?;
        Ok(())
    })
}

/// Cancels an intent through the older path that also names the POS
/// (`.../point/pos/{pos_external_id}`). Otherwise as `mpp_intent_cancel`.
///
/// Ownership: `client`, `intent_id`, `pos_external_id` are borrowed; `*out_error` as in
/// `mpp_intent_cancel`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_cancel_for_pos(
    client: *const mpp_client,
    intent_id: *const c_char,
    pos_external_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_cancel_for_pos";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "intent_id", intent_id)?;
        let pos = arg_str(F, "pos_external_id", pos_external_id)?;
        client.client.cancel_intent_for_pos(id, pos)?;
        Ok(())
    })
}

fn with_intent<T>(intent: *const mpp_intent, fallback: T, f: impl FnOnce(&mpp_intent) -> T) -> T {
    guard_ref(intent, fallback, f)
}

/// The intent's id, or NULL when `intent` is NULL.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_id(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| i.id.get_str(Some(&i.intent.id)))
}

/// The intent's status (`MPP_STATUS_UNKNOWN` for a status this version does not know), or
/// `MPP_STATUS_NONE` when `intent` is NULL.
///
/// Ownership: `intent` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_status(intent: *const mpp_intent) -> mpp_status {
    with_intent(intent, mpp_status::None, |i| {
        mpp_status::of(&i.intent.status)
    })
}

/// The intent's status as the API spells it (`"ON_TERMINAL"`, or an unknown status as sent), or
/// NULL when `intent` is NULL.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_status_str(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| {
        i.status.get_str(Some(i.intent.status.as_str()))
    })
}

/// Whether the intent's status is final (it will not change any more). False when `intent` is
/// NULL.
///
/// Ownership: `intent` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_is_final(intent: *const mpp_intent) -> bool {
    with_intent(intent, false, |i| i.intent.status.is_final())
}

/// The amount in integer cents (`1247` for 12.47), or 0 when the answer carried no amount or
/// `intent` is NULL.
///
/// Ownership: `intent` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_amount_cents(intent: *const mpp_intent) -> i64 {
    with_intent(intent, 0, |i| i.intent.amount().map_or(0, Amount::cents))
}

/// The amount as a string with exactly two decimals (`"12.47"`), or NULL when the answer carried
/// no amount or `intent` is NULL.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_amount_str(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| {
        i.amount.get(|| i.intent.amount().map(|a| a.to_string()))
    })
}

/// The description, or NULL when absent.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_description(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| {
        i.description.get_str(i.intent.description.as_deref())
    })
}

/// The external reference, or NULL when absent.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_external_reference(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| {
        i.external_reference
            .get_str(i.intent.external_reference.as_deref())
    })
}

/// The `X-Idempotency-Key` the create was sent with (set on intents returned by a create or a
/// charge), or NULL.
///
/// Ownership: `intent` is borrowed; the string is borrowed from `intent`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_idempotency_key(intent: *const mpp_intent) -> *const c_char {
    with_intent(intent, null(), |i| {
        i.idempotency_key
            .get_str(i.intent.idempotency_key.as_deref())
    })
}

/// How many payment ids the intent carries (present once it is `CLOSED`); 0 when `intent` is
/// NULL.
///
/// Ownership: `intent` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_payment_id_count(intent: *const mpp_intent) -> usize {
    with_intent(intent, 0, |i| i.payment_ids().len())
}

/// Payment id number `index` (look it up with `mpp_payment_get`), or 0 when `index` is out of
/// range or `intent` is NULL.
///
/// Ownership: `intent` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_payment_id(intent: *const mpp_intent, index: usize) -> u64 {
    with_intent(intent, 0, |i| {
        i.payment_ids().get(index).copied().unwrap_or(0)
    })
}

/// The intent as JSON (the API's field names; the amount as a two-decimal string).
///
/// Ownership: `intent` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_intent_get`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_to_json(
    intent: *const mpp_intent,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_to_json";
    boundary(F, out_error, || {
        let i = arg_ref(F, "intent", intent)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&i.intent)?));
        Ok(())
    })
}

/// Frees an intent. NULL is a no-op.
///
/// Ownership: takes `intent` (one the caller owns, never one borrowed from a sale).
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_free(intent: *mut mpp_intent) {
    guard((), || free_handle(intent))
}
