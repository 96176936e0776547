//! Waiting for an intent to end, cancel tokens, the whole sale (`mpp_charge`) and its verdict.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use mppoint::{CancelToken, Error, Sale, Target, WaitOptions};

use crate::client::mpp_client;
use crate::enums::{mpp_target, mpp_verdict};
use crate::error::{boundary, mpp_error};
use crate::intent::{mpp_intent, mpp_intent_request};
use crate::panic::{guard, guard_ref};
use crate::payment::mpp_payment;
use crate::result::mpp_result;
use crate::util::{
    arg_mut, arg_ref, arg_str, cstring, free_handle, millis, null, opt_ref, owned_string, to_json,
    CachedStr, Out,
};

/// Told each time the status of the intent being waited for changes (and once for the first
/// status seen; `mpp_charge` also calls it once right after the create, with `"OPENED"`).
/// `status` is the API's spelling (`"ON_TERMINAL"`), borrowed for the duration of the call only.
/// `user_data` is the pointer given to `mpp_wait_options_set_on_status`. It runs on the thread
/// that called `mpp_intent_wait` / `mpp_charge`, must return promptly, must not throw a C++
/// exception or `longjmp` out, and may call any function of this library except freeing the
/// client, options or token in use. It cannot fail: to stop the wait from it, use
/// `mpp_status_check_callback`.
pub type mpp_status_callback =
    Option<unsafe extern "C" fn(status: *const c_char, user_data: *mut c_void)>;

/// A status callback that can fail (`mpp_wait_options_set_on_status_checked`): told what
/// `mpp_status_callback` is told, under the same rules, it returns 0 to let the wait go on, and
/// anything else to stop it at once. A stopped wait (or `mpp_charge`) returns
/// `MPP_RESULT_ABORTED`, the error naming the intent (`mpp_error_intent_id`; `mpp_charge`: its
/// key too) and saying what the callback returned: the same `ABORTED` a callback that raises
/// gives in Python, one that throws in Node, and one that fails or panics in Rust. The intent
/// itself is untouched: cancel it, or wait for it again.
pub type mpp_status_check_callback =
    Option<unsafe extern "C" fn(status: *const c_char, user_data: *mut c_void) -> i32>;

/// Told each time `mpp_charge` finds the terminal busy (`ALREADY_QUEUED`: another sale is on it)
/// while it waits for it to be free (`mpp_wait_options_set_when_busy_ms`). `holding_sale` is the
/// id of the sale holding the terminal when this client created it, else NULL; borrowed for the
/// duration of the call only. `user_data` is the pointer given to `mpp_wait_options_set_on_busy`.
/// Runs on the thread that called `mpp_charge`, under the same rules as `mpp_status_callback`.
pub type mpp_busy_callback =
    Option<unsafe extern "C" fn(holding_sale: *const c_char, user_data: *mut c_void)>;

/// Stops a wait from another thread: pass it to `mpp_wait_options_set_cancel_token`, then call
/// `mpp_cancel_token_cancel` from any thread. Thread-safe. Free it with `mpp_cancel_token_free`
/// once no thread uses it.
pub struct mpp_cancel_token {
    token: CancelToken,
}

/// How to wait for an intent to end: poll interval, deadline, status callback, cancel token. Made
/// with `mpp_wait_options_new` (the core's adaptive poll schedule, give up after 600000 ms),
/// changed with the
/// `mpp_wait_options_set_*` functions, freed with `mpp_wait_options_free`. Read-only during a
/// wait, so one options object may serve several waits at once; not to be changed meanwhile.
pub struct mpp_wait_options {
    /// A fixed pause between polls; `None` until set: the client's pace (a simulator's client
    /// polls at the simulator's), else the core's adaptive schedule.
    poll_interval: Option<Duration>,
    timeout: Duration,
    on_status: Option<(StatusHook, UserData)>,
    cancel: Option<CancelToken>,
    when_busy: Option<Duration>,
    on_busy: Option<(unsafe extern "C" fn(*const c_char, *mut c_void), UserData)>,
}

/// The caller's status callback: one that cannot fail, or one that can.
#[derive(Clone, Copy)]
enum StatusHook {
    Plain(unsafe extern "C" fn(*const c_char, *mut c_void)),
    Checked(unsafe extern "C" fn(*const c_char, *mut c_void) -> i32),
}

/// The caller's `user_data`: passed back untouched, on the thread that waits.
#[derive(Clone, Copy)]
struct UserData(*mut c_void);
// SAFETY: the pointer is never dereferenced here, only handed back to the caller's callback on
// the caller's own waiting thread; what it points to is the caller's business.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl mpp_wait_options {
    fn core(&self) -> WaitOptions {
        let mut o = WaitOptions::new().timeout(self.timeout);
        if let Some(d) = self.poll_interval {
            o = o.poll_interval(d);
        }
        if let Some((hook, data)) = self.on_status {
            o = o.try_on_status(move |intent| {
                let status = cstring(intent.status.as_str());
                let data = data;
                match hook {
                    // SAFETY: the caller's callback, called as documented in
                    // `mpp_status_callback`.
                    StatusHook::Plain(cb) => unsafe { cb(status.as_ptr(), data.0) },
                    // SAFETY: as documented in `mpp_status_check_callback`.
                    StatusHook::Checked(cb) => match unsafe { cb(status.as_ptr(), data.0) } {
                        0 => {}
                        n => return Err(format!("it returned {n}")),
                    },
                }
                Ok(())
            });
        }
        if let Some(t) = &self.cancel {
            o = o.cancel_token(t.clone());
        }
        if let Some(d) = self.when_busy {
            o = o.when_busy(d);
        }
        if let Some((cb, data)) = self.on_busy {
            o = o.on_busy(move |e| {
                let holding = e.holding_sale().map(cstring);
                let data = data;
                let p = holding.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
                // SAFETY: the caller's callback, called as documented in `mpp_busy_callback`.
                unsafe { cb(p, data.0) };
            });
        }
        o
    }
}

pub(crate) fn wait_options(opts: *const mpp_wait_options) -> WaitOptions {
    opt_ref(opts).map_or_else(WaitOptions::new, mpp_wait_options::core)
}

/// Makes a cancel token, not yet canceled.
///
/// Ownership: on success `*out_token` receives a new token the caller frees with
/// `mpp_cancel_token_free`; on failure `*out_error` (if `out_error` is not NULL) receives an error
/// the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_cancel_token_new(
    out_token: *mut *mut mpp_cancel_token,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_cancel_token_new";
    boundary(F, out_error, || {
        Out::new(F, "out_token", out_token)?.give(mpp_cancel_token {
            token: CancelToken::new(),
        });
        Ok(())
    })
}

/// Cancels every wait using this token, now and later: each returns `MPP_RESULT_CANCELED` within
/// about 100 ms. Safe to call from any thread, any number of times. NULL is a no-op.
///
/// Ownership: `token` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_cancel_token_cancel(token: *const mpp_cancel_token) {
    guard_ref(token, (), |t| t.token.cancel())
}

/// Whether `mpp_cancel_token_cancel` was called on this token. False when `token` is NULL.
///
/// Ownership: `token` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_cancel_token_is_canceled(token: *const mpp_cancel_token) -> bool {
    guard_ref(token, false, |t| t.token.is_canceled())
}

/// Frees a cancel token. NULL is a no-op. Wait options that were given the token keep working
/// (they hold their own reference), but no thread may call `mpp_cancel_token_cancel` on the freed
/// pointer.
///
/// Ownership: takes `token`.
#[no_mangle]
pub unsafe extern "C" fn mpp_cancel_token_free(token: *mut mpp_cancel_token) {
    guard((), || free_handle(token))
}

/// Makes wait options with the defaults: the adaptive poll schedule, give up after 600000 ms (10
/// minutes), no callback, no cancel token.
///
/// Ownership: on success `*out_options` receives new options the caller frees with
/// `mpp_wait_options_free`; `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_new(
    out_options: *mut *mut mpp_wait_options,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_new";
    boundary(F, out_error, || {
        let d = WaitOptions::new();
        Out::new(F, "out_options", out_options)?.give(mpp_wait_options {
            poll_interval: None,
            timeout: d.timeout,
            on_status: None,
            cancel: None,
            when_busy: None,
            on_busy: None,
        });
        Ok(())
    })
}

/// Sets a fixed pause between two polls, in milliseconds (at least 10; checked when the wait
/// starts), instead of the adaptive schedule (a poll every 2.5 s, slower while an InStore sale
/// waits for its card and after 45 s: the README's "Waiting"; 15 s with webhook wake-ups, see
/// `mpp_client_handle_webhook`).
///
/// Ownership: `options` is borrowed (changed); `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_poll_interval_ms(
    options: *mut mpp_wait_options,
    poll_interval_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_poll_interval_ms";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.poll_interval = Some(millis(poll_interval_ms));
        Ok(())
    })
}

/// Sets the overall deadline of the wait, in milliseconds from its start (above 0; checked when
/// the wait starts). At the deadline the wait returns `MPP_RESULT_WAIT_TIMEOUT`; the intent is
/// untouched (an intent expires one hour after creation).
///
/// Ownership: `options` is borrowed (changed); `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_timeout_ms(
    options: *mut mpp_wait_options,
    timeout_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_timeout_ms";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.timeout = millis(timeout_ms);
        Ok(())
    })
}

/// Sets the status-change callback and the `user_data` passed back to it (see
/// `mpp_status_callback`). A NULL `callback` removes it.
///
/// Ownership: `options` is borrowed (changed); `user_data` stays the caller's and must stay valid
/// while a wait using these options runs; `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_on_status(
    options: *mut mpp_wait_options,
    callback: mpp_status_callback,
    user_data: *mut c_void,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_on_status";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.on_status =
            callback.map(|cb| (StatusHook::Plain(cb), UserData(user_data)));
        Ok(())
    })
}

/// Sets a status-change callback that can stop the wait (see `mpp_status_check_callback`: a
/// nonzero return stops it with `MPP_RESULT_ABORTED`) and the `user_data` passed back to it. It
/// replaces a callback set by `mpp_wait_options_set_on_status`, and the other way round. A NULL
/// `callback` removes it.
///
/// Ownership: as in `mpp_wait_options_set_on_status`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_on_status_checked(
    options: *mut mpp_wait_options,
    callback: mpp_status_check_callback,
    user_data: *mut c_void,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_on_status_checked";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.on_status =
            callback.map(|cb| (StatusHook::Checked(cb), UserData(user_data)));
        Ok(())
    })
}

/// Lets `mpp_charge` wait up to `when_busy_ms` milliseconds for a busy terminal: when the create
/// is `ALREADY_QUEUED` (another sale is on the terminal), it tries the create again at the poll
/// pace (a refused create creates nothing, so trying again is safe) until the terminal takes it
/// or the time runs out, and then fails with `MPP_RESULT_ALREADY_QUEUED`
/// (`mpp_error_holding_sale` names the sale on the terminal when this client made it). 0 (the
/// default): `MPP_RESULT_ALREADY_QUEUED` at once. At most 86400000 (24 hours; checked when the
/// charge starts: `MPP_RESULT_INVALID_ARGUMENT`, field `when_busy`). Only `mpp_charge` uses it.
///
/// Ownership: `options` is borrowed (changed); `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_when_busy_ms(
    options: *mut mpp_wait_options,
    when_busy_ms: u64,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_when_busy_ms";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.when_busy =
            (when_busy_ms > 0).then(|| millis(when_busy_ms));
        Ok(())
    })
}

/// Sets the busy-terminal callback and the `user_data` passed back to it (see
/// `mpp_busy_callback`), told each time `mpp_charge` finds the terminal busy while
/// `mpp_wait_options_set_when_busy_ms` lets it wait. A NULL `callback` removes it.
///
/// Ownership: `options` is borrowed (changed); `user_data` stays the caller's and must stay valid
/// while a charge using these options runs; `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_on_busy(
    options: *mut mpp_wait_options,
    callback: mpp_busy_callback,
    user_data: *mut c_void,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_on_busy";
    boundary(F, out_error, || {
        arg_mut(F, "options", options)?.on_busy = callback.map(|cb| (cb, UserData(user_data)));
        Ok(())
    })
}

/// Makes waits using these options stop with `MPP_RESULT_CANCELED` when `token` is canceled.
///
/// Ownership: `options` is borrowed (changed); `token` is borrowed (the options keep their own
/// reference to it); `*out_error` as in `mpp_cancel_token_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_set_cancel_token(
    options: *mut mpp_wait_options,
    token: *const mpp_cancel_token,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_wait_options_set_cancel_token";
    boundary(F, out_error, || {
        let o = arg_mut(F, "options", options)?;
        let t = arg_ref(F, "token", token)?;
        o.cancel = Some(t.token.clone());
        Ok(())
    })
}

/// Frees wait options. NULL is a no-op.
///
/// Ownership: takes `options`.
#[no_mangle]
pub unsafe extern "C" fn mpp_wait_options_free(options: *mut mpp_wait_options) {
    guard((), || free_handle(options))
}

/// Polls an intent until it reaches a final status, calling the options' callback on each
/// change; `options` may be NULL for the defaults. Network trouble is ridden out until the
/// deadline. Fails with `MPP_RESULT_WAIT_TIMEOUT` at the deadline and `MPP_RESULT_CANCELED`
/// when the cancel token fires (both carry the last status seen, `mpp_error_last_status`); the
/// intent itself is untouched. Blocks the calling thread.
///
/// Ownership: `client`, `intent_id`, `options` are borrowed; on success `*out_intent` receives
/// the final intent, which the caller frees with `mpp_intent_free`; on failure `*out_error` (if
/// `out_error` is not NULL) receives an error the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_intent_wait(
    client: *const mpp_client,
    intent_id: *const c_char,
    options: *const mpp_wait_options,
    out_intent: *mut *mut mpp_intent,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_intent_wait";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "intent_id", intent_id)?;
        let out = Out::new(F, "out_intent", out_intent)?;
        let intent = client.client.wait_for_final(id, &wait_options(options))?;
        out.give(mpp_intent::new(intent));
        Ok(())
    })
}

/// A finished sale: the verdict, why, the final intent and its payments. Immutable; intents,
/// payments and strings from its accessors are borrowed from it and live until
/// `mpp_sale_free`.
pub struct mpp_sale {
    sale: Sale,
    intent: mpp_intent,
    payments: Vec<mpp_payment>,
    reason: CachedStr,
    tip: CachedStr,
}

impl mpp_sale {
    fn new(sale: Sale) -> mpp_sale {
        mpp_sale {
            intent: mpp_intent::new(sale.intent.clone()),
            payments: sale
                .payments
                .iter()
                .cloned()
                .map(mpp_payment::new)
                .collect(),
            reason: CachedStr::default(),
            tip: CachedStr::default(),
            sale,
        }
    }
}

/// The whole sale: creates the intent on the target (`MPP_TARGET_POS` with a POS `external_id`,
/// or `MPP_TARGET_DEVICE` with a device id), waits for it to end (with `options`, or the defaults
/// when NULL), reads its payment and gives one verdict. Only `MPP_VERDICT_APPROVED` is a paid
/// sale. A sale that ended unpaid (rejected, canceled, expired, error, confirmation required) is
/// still `MPP_RESULT_OK` with that verdict. If the wait fails (`MPP_RESULT_WAIT_TIMEOUT`,
/// `MPP_RESULT_CANCELED`) the intent still exists: `mpp_error_intent_id` names it, so cancel it
/// or wait for it again. Blocks the calling thread.
///
/// Ownership: `client`, `target_id`, `request`, `options` are borrowed; on success `*out_sale`
/// receives a new sale the caller frees with `mpp_sale_free`; `*out_error` as in
/// `mpp_intent_wait`.
#[no_mangle]
pub unsafe extern "C" fn mpp_charge(
    client: *const mpp_client,
    target: u32,
    target_id: *const c_char,
    request: *const mpp_intent_request,
    options: *const mpp_wait_options,
    out_sale: *mut *mut mpp_sale,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_charge";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "target_id", target_id)?.to_string();
        let request = arg_ref(F, "request", request)?;
        let out = Out::new(F, "out_sale", out_sale)?;
        let target = if target == mpp_target::Pos as u32 {
            Target::Pos(id)
        } else if target == mpp_target::Device as u32 {
            Target::Device(id)
        } else {
            return Err(Error::invalid_argument(
                "target",
                "must be MPP_TARGET_POS (1) or MPP_TARGET_DEVICE (2)",
                &target.to_string(),
            )
            .into());
        };
        let sale = client
            .client
            .charge(&target, &request.request, &wait_options(options))?;
        out.give(mpp_sale::new(sale));
        Ok(())
    })
}

/// The sale of an intent that has ended, from the API alone: reads intent `intent_id`, then its
/// payments, and gives the verdict. Pass the id of an intent from `mpp_intent_wait`,
/// `mpp_intent_get` or a verified webhook notification: nothing but the id is trusted, so a forged
/// or replayed notification body cannot make a sale read as approved. An intent that has not
/// ended is `MPP_RESULT_INVALID_ARGUMENT`.
///
/// Ownership: `client`, `intent_id` are borrowed; on success `*out_sale` receives a new sale the
/// caller frees with `mpp_sale_free`; `*out_error` as in `mpp_intent_wait`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_for(
    client: *const mpp_client,
    intent_id: *const c_char,
    out_sale: *mut *mut mpp_sale,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_sale_for";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let intent_id = arg_str(F, "intent_id", intent_id)?;
        let out = Out::new(F, "out_sale", out_sale)?;
        let sale = client.client.sale_for(intent_id)?;
        out.give(mpp_sale::new(sale));
        Ok(())
    })
}

fn with_sale<T>(s: *const mpp_sale, fallback: T, f: impl FnOnce(&mpp_sale) -> T) -> T {
    guard_ref(s, fallback, f)
}

/// The verdict. `MPP_VERDICT_CONFIRMATION_REQUIRED` when `sale` is NULL (the safe answer: do not
/// hand over goods).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_verdict(sale: *const mpp_sale) -> mpp_verdict {
    with_sale(sale, mpp_verdict::ConfirmationRequired, |s| {
        mpp_verdict::of(s.sale.verdict)
    })
}

/// Whether the money was received (verdict approved). False when `sale` is NULL.
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_is_paid(sale: *const mpp_sale) -> bool {
    with_sale(sale, false, |s| s.sale.is_paid())
}

/// Why, in a sentence (`"payment 123 approved"`), or NULL when `sale` is NULL.
///
/// Ownership: `sale` is borrowed; the string is borrowed from `sale`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_reason(sale: *const mpp_sale) -> *const c_char {
    with_sale(sale, null(), |s| s.reason.get_str(Some(&s.sale.reason)))
}

/// The intent in its final status (id, status, amount, payment ids), or NULL when `sale` is NULL.
///
/// Ownership: `sale` is borrowed; the intent is borrowed from `sale` (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_intent(sale: *const mpp_sale) -> *const mpp_intent {
    with_sale(sale, std::ptr::null(), |s| &s.intent as *const mpp_intent)
}

/// How many payments the sale has (those of a `CLOSED` intent).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_payment_count(sale: *const mpp_sale) -> usize {
    with_sale(sale, 0, |s| s.payments.len())
}

/// Payment number `index`, or NULL when out of range.
///
/// Ownership: `sale` is borrowed; the payment is borrowed from `sale` (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_payment(
    sale: *const mpp_sale,
    index: usize,
) -> *const mpp_payment {
    with_sale(sale, std::ptr::null(), |s| {
        s.payments
            .get(index)
            .map_or(std::ptr::null(), |p| p as *const mpp_payment)
    })
}

/// The approved payment, or NULL when there is none.
///
/// Ownership: `sale` is borrowed; the payment is borrowed from `sale` (never free it).
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_approved_payment(sale: *const mpp_sale) -> *const mpp_payment {
    // The core decides which payment makes the sale paid (the intent's own, for its amount).
    with_sale(sale, std::ptr::null(), |s| {
        let Some(approved) = s.sale.approved_payment() else {
            return std::ptr::null();
        };
        s.payments
            .iter()
            .find(|p| p.payment.id == approved.id)
            .map_or(std::ptr::null(), |p| p as *const mpp_payment)
    })
}

/// The sale as JSON (`{"verdict":"APPROVED","reason":...,"intent":{...},"payments":[...]}`).
///
/// Ownership: `sale` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_intent_wait`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_to_json(
    sale: *const mpp_sale,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_sale_to_json";
    boundary(F, out_error, || {
        let s = arg_ref(F, "sale", sale)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&s.sale)?));
        Ok(())
    })
}

/// Frees a sale with the intent and payments borrowed from it. NULL is a no-op.
///
/// Ownership: takes `sale`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_free(sale: *mut mpp_sale) {
    guard((), || free_handle(sale))
}

/// The amount of the sale in integer cents (0 when unknown or `sale` is NULL).
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_amount_cents(sale: *const mpp_sale) -> i64 {
    with_sale(sale, 0, |s| {
        s.sale.amount().map_or(0, mppoint::Amount::cents)
    })
}

/// The amount of the sale with exactly two decimals (`"12.47"`), or NULL when unknown.
///
/// Ownership: `sale` is borrowed; the string is borrowed from `sale`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_amount_str(sale: *const mpp_sale) -> *const c_char {
    with_sale(sale, null(), |s| unsafe {
        crate::intent::mpp_intent_amount_str(&s.intent)
    })
}

/// Orders API: the tip the customer added on the terminal to the approved payment, in integer
/// cents (0 without a tip, without an approved payment, or when `sale` is NULL). It is paid on
/// top of the sale's amount: the verdict is about the amount asked, the tip is extra money to
/// book. Also in the sale's JSON as the payment's `tip_amount`.
///
/// Ownership: `sale` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_tip_cents(sale: *const mpp_sale) -> i64 {
    with_sale(sale, 0, |s| s.sale.tip().map_or(0, mppoint::Amount::cents))
}

/// Orders API: the tip with exactly two decimals (`"3.00"`), or NULL without one (see
/// `mpp_sale_tip_cents`).
///
/// Ownership: `sale` is borrowed; the string is borrowed from `sale`.
#[no_mangle]
pub unsafe extern "C" fn mpp_sale_tip_str(sale: *const mpp_sale) -> *const c_char {
    with_sale(sale, null(), |s| {
        s.tip.get(|| s.sale.tip().map(|t| t.to_string()))
    })
}
