//! Mercado Pago's official sandbox for Point (test credentials only): a simulated status event
//! for a test order. Which status, detail and card go together is the core's
//! `mppoint::sandbox::OrderEvent::validate`; the test-credential rule is the core's client.

use std::ffi::c_char;

use mppoint::sandbox::{OrderEvent, SimulatedStatus};

use crate::client::mpp_client;
use crate::error::{boundary, mpp_error};
use crate::result::{mpp_result, Fail};
use crate::util::{arg_ref, arg_str, opt_str};

/// Drives the test order `order_id` to a final status through Mercado Pago's sandbox
/// (`POST /v1/orders/{order_id}/events`, 204): it reads `at_terminal`, then `status`, within
/// 10 s (40 s for `action_required`), without a terminal. Our simulator serves the same endpoint,
/// so the same test runs against both.
///
/// - `status`: `"processed"`, `"failed"`, `"canceled"`, `"expired"`, `"refunded"` (only from
///   processed) or `"action_required"` (any case); anything else is `MPP_RESULT_INVALID_ARGUMENT`
///   (field `status`).
/// - `status_detail` (NULL: none): `"accredited"` for processed, a documented decline
///   (`"insufficient_amount"`, `"high_risk"`, ...) for failed.
/// - `card_brand` and `card_type` (NULL: none; give both or neither): `"amex"`, `"master"`,
///   `"visa"`, `"debmaster"`, `"debvisa"` and `"credit_card"` or `"debit_card"`, only with
///   processed or failed.
/// - `installments` (0: none): only with a `"credit_card"`.
///
/// Everything is checked before anything is sent. Only with test credentials: a token starting
/// `TEST-`, or a test user's token with `mpp_config_set_test_account`; a production token is
/// `MPP_RESULT_SANDBOX_ONLY` and nothing is sent. Works on a client of either API, for an order
/// (`ORD...`) of the Orders API.
///
/// Ownership: `client`, `order_id`, `status`, `status_detail`, `card_brand`, `card_type` are
/// borrowed; on failure `*out_error` (if `out_error` is not NULL) receives an error the caller
/// frees with `mpp_error_free`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn mpp_client_simulate_order_event(
    client: *const mpp_client,
    order_id: *const c_char,
    status: *const c_char,
    status_detail: *const c_char,
    card_brand: *const c_char,
    card_type: *const c_char,
    installments: u32,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_simulate_order_event";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let order_id = arg_str(F, "order_id", order_id)?;
        let status = arg_str(F, "status", status)?;
        let detail = opt_str(F, "status_detail", status_detail)?;
        let brand = opt_str(F, "card_brand", card_brand)?;
        let kind = opt_str(F, "card_type", card_type)?;
        let mut event = OrderEvent::new(SimulatedStatus::parse(status)?);
        match (brand, kind) {
            (Some(b), Some(k)) => event = event.card(b, k),
            (None, None) => {}
            (b, _) => {
                let (missing, given) = if b.is_none() {
                    ("card_brand", "card_type")
                } else {
                    ("card_type", "card_brand")
                };
                return Err(Fail::from(mppoint::Error::invalid_argument(
                    missing,
                    format!("must be given with {given} (a card is a brand and a type)"),
                    "NULL",
                )));
            }
        }
        if installments > 0 {
            event = event.installments(installments);
        }
        if let Some(d) = detail {
            event = event.status_detail(d);
        }
        client.client.simulate_order_event(order_id, &event)?;
        Ok(())
    })
}
