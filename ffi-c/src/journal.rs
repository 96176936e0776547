//! The sale journal: `mpp_config_set_journal`, the pending sales (`mpp_pending_list`,
//! `mpp_pending_resolve`) and booking one (`mpp_sale_settle`). Every rule is the core's
//! (`mppoint::journal`); this file only translates.

use std::ffi::c_char;
use std::time::Duration;

use mppoint::{Amount, ApprovedPolicy, PendingSale};

use crate::client::{mpp_client, mpp_config};
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::mpp_result;
use crate::util::{
    arg_ref, arg_str, free_handle, null, owned_string, to_json, CachedStr, OptOut, Out,
};
use crate::wait::{mpp_wait_options, wait_options};

/// What `mpp_pending_resolve` does with an approved sale the POS never booked.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_approved_policy {
    /// Leave it pending, for the POS to book and then settle (the default).
    Report = 0,
    /// Settle it: the POS books whatever the journal says was paid.
    Settle = 1,
    /// Refund its payment in full, then settle it: the POS never sold it.
    Refund = 2,
}

impl mpp_approved_policy {
    fn core(code: u32) -> Option<ApprovedPolicy> {
        match code {
            0 => Some(ApprovedPolicy::Report),
            1 => Some(ApprovedPolicy::Settle),
            2 => Some(ApprovedPolicy::Refund),
            _ => None,
        }
    }
}

/// Keeps a durable sale journal in the SQLite file at `path` (created if absent). With it,
/// `mpp_charge` is idempotent by the request's external reference across processes and restarts:
/// a reference already approved gives that sale again (nothing is charged twice), one in flight is
/// resumed, one being charged by another process is `MPP_RESULT_SALE_IN_PROGRESS`. The journal is
/// opened when the client is built: a path that is a folder, in a folder that does not exist, or
/// a file that is not a journal is `MPP_RESULT_JOURNAL` at `mpp_client_new`, naming the path.
///
/// Ownership: `config` is borrowed (changed); `path` is borrowed (copied); `*out_error` as in
/// `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_journal(
    config: *mut mpp_config,
    path: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_config_set_journal";
    crate::client::edit(F, config, out_error, |b| {
        Ok(b.journal(arg_str(F, "path", path)?))
    })
}

/// Sets how long the journal keeps settled sales, in seconds (default 90 days), for
/// reconciliation; older ones are pruned when the journal is opened. A reference reused after
/// that is a new sale.
///
/// Ownership: `config` is borrowed (changed); `*out_error` as in `mpp_config_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_config_set_journal_retention_secs(
    config: *mut mpp_config,
    retention_secs: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    crate::client::edit(
        "mpp_config_set_journal_retention_secs",
        config,
        out_error,
        |b| Ok(b.journal_retention(Duration::from_secs(retention_secs))),
    )
}

/// A sale of the journal not yet settled (borrowed from an `mpp_pending_sale_list`). Strings from its
/// accessors are borrowed from the list.
pub struct mpp_pending_sale {
    sale: PendingSale,
    reference: CachedStr,
    api: CachedStr,
    target: CachedStr,
    amount: CachedStr,
    description: CachedStr,
    state: CachedStr,
    idempotency_key: CachedStr,
    intent_id: CachedStr,
    verdict: CachedStr,
    note: CachedStr,
}

impl mpp_pending_sale {
    fn new(sale: PendingSale) -> mpp_pending_sale {
        mpp_pending_sale {
            sale,
            reference: CachedStr::default(),
            api: CachedStr::default(),
            target: CachedStr::default(),
            amount: CachedStr::default(),
            description: CachedStr::default(),
            state: CachedStr::default(),
            idempotency_key: CachedStr::default(),
            intent_id: CachedStr::default(),
            verdict: CachedStr::default(),
            note: CachedStr::default(),
        }
    }
}

/// The sales of the journal not settled yet (`mpp_pending_list`, `mpp_pending_resolve`).
/// Immutable; free it with `mpp_pending_sale_list_free`, which also frees the sales borrowed from it.
pub struct mpp_pending_sale_list {
    sales: Vec<mpp_pending_sale>,
}

fn list_of(sales: Vec<PendingSale>) -> mpp_pending_sale_list {
    mpp_pending_sale_list {
        sales: sales.into_iter().map(mpp_pending_sale::new).collect(),
    }
}

/// The sales of the client's journal the POS has not settled yet: in flight, of unknown outcome,
/// or ended but not booked. Book each paid one (`mpp_pending_sale_is_paid`), then settle it with
/// `mpp_sale_settle`. A client without a journal is `MPP_RESULT_CONFIG`.
///
/// Ownership: `client` is borrowed; on success `*out_list` receives a new list the caller frees
/// with `mpp_pending_sale_list_free`; on failure `*out_error` (if `out_error` is not NULL) receives an
/// error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_list(
    client: *const mpp_client,
    out_list: *mut *mut mpp_pending_sale_list,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_pending_list";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let out = Out::new(F, "out_list", out_list)?;
        let sales = client.client.pending()?;
        out.give(list_of(sales));
        Ok(())
    })
}

/// Records that the POS has booked the sale `reference`, exactly once: `*out_settled` (when not
/// NULL) is true when this call settled it, false when it was settled already. Only an ended sale
/// can be settled: one still in flight or of unknown outcome is `MPP_RESULT_SALE_IN_PROGRESS`
/// (the message says what to do); a reference not in the journal is `MPP_RESULT_NOT_FOUND`; a
/// client without a journal is `MPP_RESULT_CONFIG`.
///
/// Ownership: `client`, `reference` are borrowed; `*out_error` as in `mpp_pending_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_settle(
    client: *const mpp_client,
    reference: *const c_char,
    out_settled: *mut bool,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_sale_settle";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let reference = arg_str(F, "reference", reference)?;
        let out = OptOut::new(out_settled);
        let settled = client.client.settle(reference)?;
        out.write(settled);
        Ok(())
    })
}

/// The start-up resolution: drives every pending sale of the journal to its verdict without ever
/// charging anything new (an intent still waiting for the terminal is canceled, one on the
/// terminal is waited for with `options`, or the defaults when NULL; a create whose answer was
/// lost is looked up). An approved sale not yet booked is handled by `policy`
/// (`MPP_APPROVED_POLICY_REPORT`, `_SETTLE`, `_REFUND`; any other number is
/// `MPP_RESULT_INVALID_ARGUMENT`). Gives the sales still pending afterwards; one that could not be
/// resolved keeps a note (`mpp_pending_sale_note`) saying why and what to do. Blocks the calling
/// thread.
///
/// Ownership: `client`, `options` are borrowed; on success `*out_list` receives a new list the
/// caller frees with `mpp_pending_sale_list_free`; `*out_error` as in `mpp_pending_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_resolve(
    client: *const mpp_client,
    policy: u32,
    options: *const mpp_wait_options,
    out_list: *mut *mut mpp_pending_sale_list,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_pending_resolve";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let out = Out::new(F, "out_list", out_list)?;
        let policy = mpp_approved_policy::core(policy).ok_or_else(|| {
            mppoint::Error::invalid_argument(
                "approved_policy",
                "must be MPP_APPROVED_POLICY_REPORT (0), MPP_APPROVED_POLICY_SETTLE (1) or MPP_APPROVED_POLICY_REFUND (2)",
                &policy.to_string(),
            )
        })?;
        let sales = client
            .client
            .resolve_pending(policy, &wait_options(options))?;
        out.give(list_of(sales));
        Ok(())
    })
}

/// How many sales the list holds (0 when `list` is NULL).
///
/// Ownership: `list` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_list_count(list: *const mpp_pending_sale_list) -> usize {
    guard_ref(list, 0, |l| l.sales.len())
}

/// Sale number `index`, or NULL when out of range or `list` is NULL.
///
/// Ownership: `list` is borrowed; the sale is borrowed from `list` (valid until
/// `mpp_pending_sale_list_free`; never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_list_get(
    list: *const mpp_pending_sale_list,
    index: usize,
) -> *const mpp_pending_sale {
    guard_ref(list, std::ptr::null(), |l| {
        l.sales
            .get(index)
            .map_or(std::ptr::null(), |s| s as *const mpp_pending_sale)
    })
}

/// The list as JSON: an array of objects with the fields `reference`, `api`, `target`, `amount`
/// (a decimal string), `description`, `state`, `attempt`, `idempotency_key`, `intent_id`,
/// `verdict`, `payment_id`, `paid`, `note`, `created_at`, `updated_at` (Unix milliseconds).
///
/// Ownership: `list` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_pending_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_list_to_json(
    list: *const mpp_pending_sale_list,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_pending_sale_list_to_json";
    boundary(F, out_error, || {
        let l = arg_ref(F, "list", list)?;
        let out = Out::new(F, "out_json", out_json)?;
        let sales: Vec<&PendingSale> = l.sales.iter().map(|s| &s.sale).collect();
        out.write(owned_string(&to_json(&sales)?));
        Ok(())
    })
}

/// Frees a pending list and the sales borrowed from it. NULL is a no-op.
///
/// Ownership: takes `list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_list_free(list: *mut mpp_pending_sale_list) {
    guard((), || free_handle(list))
}

fn with_sale<T>(
    s: *const mpp_pending_sale,
    fallback: T,
    f: impl FnOnce(&mpp_pending_sale) -> T,
) -> T {
    guard_ref(s, fallback, f)
}

/// The POS's sale reference (the request's external reference), or NULL when `sale` is NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_reference(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.reference.get_str(Some(&s.sale.reference))
    })
}

/// The API the sale was made on (`"intents"`, `"orders"`), or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_api(sale: *const mpp_pending_sale) -> *const c_char {
    with_sale(sale, null(), |s| s.api.get_str(Some(&s.sale.api)))
}

/// The target (`"pos:<external id>"` or `"device:<device id>"`), or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_target(sale: *const mpp_pending_sale) -> *const c_char {
    with_sale(sale, null(), |s| s.target.get_str(Some(&s.sale.target)))
}

/// The amount in integer cents (0 when `sale` is NULL).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_amount_cents(sale: *const mpp_pending_sale) -> i64 {
    with_sale(sale, 0, |s| {
        Amount::parse(&s.sale.amount).map_or(0, |a| a.cents())
    })
}

/// The amount as a decimal string with two decimals (`"12.47"`), or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_amount_str(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| s.amount.get_str(Some(&s.sale.amount)))
}

/// The description, or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_description(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.description.get_str(Some(&s.sale.description))
    })
}

/// Where the sale stands in the journal: `"PLANNED"`, `"SENT"`, `"ON_API"` or `"FINAL"`; NULL
/// when `sale` is NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_state(sale: *const mpp_pending_sale) -> *const c_char {
    with_sale(sale, null(), |s| s.state.get_str(Some(&s.sale.state)))
}

/// The current attempt, from 1 (0 when `sale` is NULL).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_attempt(sale: *const mpp_pending_sale) -> u32 {
    with_sale(sale, 0, |s| s.sale.attempt)
}

/// The current attempt's `X-Idempotency-Key`, or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_idempotency_key(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.idempotency_key.get_str(Some(&s.sale.idempotency_key))
    })
}

/// The current attempt's intent (or order) id, or NULL while it is not known.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_intent_id(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.intent_id.get_str(s.sale.intent_id.as_deref())
    })
}

/// The verdict once the sale ended (`"APPROVED"`, `"REJECTED"`, …), or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_verdict_str(
    sale: *const mpp_pending_sale,
) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.verdict.get_str(s.sale.verdict.as_deref())
    })
}

/// The approved payment's id once paid, or 0.
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_payment_id(sale: *const mpp_pending_sale) -> u64 {
    with_sale(sale, 0, |s| s.sale.payment_id.unwrap_or(0))
}

/// Whether the sale was paid (verdict `APPROVED`, not refunded): book it, then settle it with
/// `mpp_sale_settle`. False when `sale` is NULL.
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_is_paid(sale: *const mpp_pending_sale) -> bool {
    with_sale(sale, false, |s| s.sale.paid)
}

/// What the POS must know about the sale (an unknown outcome and what to do, a refund), or NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from its list.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_note(sale: *const mpp_pending_sale) -> *const c_char {
    with_sale(sale, null(), |s| s.note.get_str(s.sale.note.as_deref()))
}

/// When the sale was first recorded, in Unix milliseconds (0 when `sale` is NULL).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_created_at_ms(sale: *const mpp_pending_sale) -> i64 {
    with_sale(sale, 0, |s| s.sale.created_at)
}

/// When the sale last changed, in Unix milliseconds (0 when `sale` is NULL).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_updated_at_ms(sale: *const mpp_pending_sale) -> i64 {
    with_sale(sale, 0, |s| s.sale.updated_at)
}

/// The sale as JSON (the fields of `mpp_pending_sale_list_to_json`).
///
/// Ownership: `sale` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_pending_list`.
#[no_mangle]
pub unsafe extern "C" fn mpp_pending_sale_to_json(
    sale: *const mpp_pending_sale,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_pending_sale_to_json";
    boundary(F, out_error, || {
        let s = arg_ref(F, "sale", sale)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&s.sale)?));
        Ok(())
    })
}
