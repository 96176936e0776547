//! `POST /v1/orders/{order_id}/events`: Mercado Pago's official sandbox for Point (news of
//! 2025-12-12, the "Simulate order status" reference, the "Test the integration" guide), served
//! as documented so a test written for Mercado Pago's sandbox runs unchanged against the
//! simulator.
//!
//! - Only orders created with **test credentials** can be simulated. The simulator's rule: the
//!   access token starts with `TEST-` (the prefix of Mercado Pago's test credentials), or the
//!   account is declared a test user's ([`crate::SimulatorConfig::test_account`]: a test user's
//!   production token starts `APP_USR-` like any other, and the news tells to use it); otherwise
//!   403 `forbidden`.
//! - The body: `status` (required: `processed`, `failed`, `canceled`, `expired`, `refunded`,
//!   `action_required`); `payment_method_type` (`credit_card`, `debit_card`) and
//!   `payment_method_id` (`amex`, `master`, `visa` for credit, `debmaster`, `debvisa` for
//!   debit) only with `processed` or `failed`; `installments` (an integer, at least 1) only with
//!   `credit_card`; `status_detail` only with `processed` (`accredited`) or `failed` (the
//!   documented declines). Anything else is 400 `bad_request`, as is an order id that is not
//!   `ORD` and 26 characters, or a transition the status machine does not allow: the order must be
//!   `created` (or `at_terminal` and still waiting for a card), and `refunded` needs a
//!   `processed` order. 404 `order_not_found`. 204 without a body.
//! - The order first reads `at_terminal` (after the step delay), then the requested status, the
//!   harsher end of "up to 10 s" (40 s for `action_required`), both divided by the time factor;
//!   `refunded` moves at once. The simulated terminal stops playing the order (the simulation
//!   "does not generate events or interactions with the Point terminal"); the `order.<status>`
//!   webhook is sent as in production.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::service::notify;
use super::state::{is_order_id, new_id, OrderRec, Phase, RefundRec};
use super::wire::{not_found, Answer, OrderRequest, OrdersError};
use crate::hub::{lock, Shared};
use mppoint::amount::Amount;

/// The documented declines of a simulated `failed`.
const DECLINES: [&str; 9] = [
    "bad_filled_card_data",
    "required_call_for_authorize",
    "card_disabled",
    "high_risk",
    "insufficient_amount",
    "invalid_installments",
    "max_attempts_exceeded",
    "rejected_other_reason",
    "processing_error",
];

fn bad(message: impl Into<String>) -> OrdersError {
    OrdersError::new(400, "bad_request", message)
}

/// A checked event body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    status: &'static str,
    method_type: Option<String>,
    method_id: Option<String>,
    installments: Option<u32>,
    status_detail: Option<String>,
}

fn parse(body: &[u8]) -> Result<Event, OrdersError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("the body must be a JSON object"))?;
    const FIELDS: [&str; 5] = [
        "status",
        "payment_method_type",
        "installments",
        "payment_method_id",
        "status_detail",
    ];
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(format!("the property {k} is not supported")));
    }
    let text = |k: &str| -> Result<Option<String>, OrdersError> {
        match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(bad(format!("{k} must be a string (got {other})"))),
        }
    };
    let status = match text("status")?.as_deref() {
        None => return Err(bad("status is required")),
        Some("processed") => "processed",
        Some("failed") => "failed",
        Some("canceled") => "canceled",
        Some("expired") => "expired",
        Some("refunded") => "refunded",
        Some("action_required") => "action_required",
        Some(other) => {
            return Err(bad(format!(
                "status must be processed, failed, canceled, expired, refunded or action_required (got {other:?})"
            )))
        }
    };
    let paying = matches!(status, "processed" | "failed");
    let method_type = text("payment_method_type")?;
    if let Some(t) = &method_type {
        if !paying {
            return Err(bad(format!(
                "payment_method_type applies only to processed or failed (got status {status})"
            )));
        }
        if !matches!(t.as_str(), "credit_card" | "debit_card") {
            return Err(bad(format!(
                "payment_method_type must be credit_card or debit_card (got {t:?})"
            )));
        }
    }
    let method_id = text("payment_method_id")?;
    if let Some(m) = &method_id {
        if !paying {
            return Err(bad(format!(
                "payment_method_id applies only to processed or failed (got status {status})"
            )));
        }
        let debit = match m.as_str() {
            "amex" | "master" | "visa" => false,
            "debmaster" | "debvisa" => true,
            _ => {
                return Err(bad(format!(
                    "payment_method_id must be amex, master, visa, debmaster or debvisa (got {m:?})"
                )))
            }
        };
        // The pages pair the brands with their type; a credit brand on a debit card (or the
        // reverse) is refused: the harsher reading.
        if let Some(t) = &method_type {
            if (t == "debit_card") != debit {
                return Err(bad(format!("payment_method_id {m} is not a {t} brand")));
            }
        }
    }
    let installments = match obj.get("installments") {
        None => None,
        Some(v) => {
            let n = v.as_u64().filter(|n| (1..=72).contains(n)).ok_or_else(|| {
                bad(format!(
                    "installments must be a whole number from 1 (got {v})"
                ))
            })?;
            if method_type.as_deref() != Some("credit_card") {
                return Err(bad(
                    "installments applies only when payment_method_type is credit_card",
                ));
            }
            Some(n as u32)
        }
    };
    let status_detail = text("status_detail")?;
    if let Some(d) = &status_detail {
        let ok = match status {
            "processed" => d == "accredited",
            "failed" => DECLINES.contains(&d.as_str()),
            _ => false,
        };
        if !ok {
            return Err(bad(format!(
                "status_detail {d:?} does not apply to the status {status}"
            )));
        }
    }
    Ok(Event {
        status,
        method_type,
        method_id,
        installments,
        status_detail,
    })
}

/// Serves `POST /v1/orders/{id}/events`.
pub(super) fn simulate(shared: &Arc<Shared>, id: &str, req: &OrderRequest<'_>) -> Answer {
    if !shared.cfg.is_test_credential() {
        return Err(OrdersError::new(
            403,
            "forbidden",
            "Only orders created with test credentials can be simulated.",
        ));
    }
    if !is_order_id(id) {
        return Err(bad(format!(
            "the order id {id:?} is not valid: an order id is ORD and 26 characters"
        )));
    }
    let event = parse(req.body)?;
    let mut world = lock(&shared.orders);
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    if event.status == "refunded" {
        // Directly, and only from processed (the only move out of processed).
        if o.status != "processed" {
            return Err(bad(format!(
                "the order is {}: only a processed order can be simulated as refunded",
                o.status
            )));
        }
        let left = o.payment.cents + o.payment.tip_cents - o.payment.refunded_cents;
        o.payment.refunded_cents += left;
        o.refunds.push(RefundRec {
            id: new_id("REF"),
            cents: left,
        });
        o.payment.status = "refunded";
        o.payment.status_detail = Some("refunded");
        o.end("refunded", "refunded");
        notify(shared, o);
        let reference = o.payment.reference_id;
        drop(world);
        // The payment the order made is refunded in the Payments API too (what is left of it).
        if let Some(pid) = reference {
            let _ = lock(&shared.world).account.payments.refund(pid, None, None);
        }
        return Ok((204, Vec::new()));
    }
    let waiting = o.status == "created"
        || (o.status == "at_terminal" && o.phase == Phase::Waiting && !o.cancel_requested);
    if !waiting || o.simulated {
        return Err(bad(format!(
            "the order is {}{}: only an order waiting for its payment can be simulated as {}",
            o.status,
            if o.simulated {
                " and already being simulated"
            } else {
                ""
            },
            event.status
        )));
    }
    o.simulated = true;
    o.action = None;
    o.next_at = None;
    o.pickup_at = None;
    o.poke.notify_one();
    let factor = shared.cfg.time_factor.max(1);
    let total = if event.status == "action_required" {
        Duration::from_secs(40)
    } else {
        Duration::from_secs(10)
    } / factor;
    let first = shared.cfg.step_delay.min(total / 2);
    drop(world);
    let shared2 = Arc::clone(shared);
    let id = id.to_string();
    shared.handle.spawn(async move {
        tokio::time::sleep(first).await;
        at_terminal(&shared2, &id);
        tokio::time::sleep(total.saturating_sub(first)).await;
        finish(&shared2, &id, &event);
    });
    Ok((204, Vec::new()))
}

fn at_terminal(shared: &Shared, id: &str) {
    let mut world = lock(&shared.orders);
    if let Some(o) = world.orders.get_mut(id) {
        if o.status == "created" {
            o.status = "at_terminal";
            o.status_detail = "at_terminal";
            o.payment.status = "at_terminal";
            o.payment.status_detail = Some("at_terminal");
            o.touch();
        }
    }
}

fn finish(shared: &Arc<Shared>, id: &str, e: &Event) {
    let mut world = lock(&shared.orders);
    let Some(o) = world.orders.get_mut(id) else {
        return;
    };
    // Canceled through the API meanwhile: nothing more happens.
    if !o.is_open() {
        return;
    }
    let method = || {
        let kind = e.method_type.clone().unwrap_or_else(|| {
            if matches!(e.method_id.as_deref(), Some("debmaster" | "debvisa")) {
                "debit_card".into()
            } else {
                "credit_card".into()
            }
        });
        let brand = e.method_id.clone().unwrap_or_else(|| {
            if kind == "debit_card" {
                "debvisa".into()
            } else {
                "master".into()
            }
        });
        (kind, brand, e.installments.unwrap_or(1))
    };
    let record = |approved: bool, o: &OrderRec| {
        Amount::from_cents(o.payment.cents).ok().map(|a| {
            lock(&shared.world).account.payments.record_card(
                shared.cfg.site,
                a,
                approved,
                Some(o.external_reference.clone()),
                o.description.clone(),
            )
        })
    };
    match e.status {
        "processed" => {
            o.payment.method = Some(method());
            o.payment.paid = true;
            o.payment.reference_id = record(true, o);
            o.payment.status = "processed";
            o.payment.status_detail = Some("accredited");
            o.end("processed", "accredited");
        }
        "failed" => {
            let detail: &'static str = e
                .status_detail
                .as_deref()
                .and_then(|d| DECLINES.iter().find(|x| **x == d).copied())
                .unwrap_or("rejected_other_reason");
            o.payment.method = Some(method());
            if detail != "processing_error" {
                o.payment.reference_id = record(false, o);
            }
            o.payment.status = "failed";
            o.payment.status_detail = Some(detail);
            o.end("failed", "failed");
        }
        "canceled" => {
            o.payment.status = "canceled";
            o.payment.status_detail = Some("canceled_on_terminal");
            o.end("canceled", "canceled");
        }
        "expired" => {
            o.payment.status = "expired";
            o.payment.status_detail = Some("expired");
            o.end("expired", "expired");
        }
        _ => {
            o.payment.status = "action_required";
            o.payment.status_detail = Some("check_on_terminal");
            o.end("action_required", "check_on_terminal");
        }
    }
    notify(shared, o);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_as_the_reference_allows_them() {
        assert_eq!(
            parse(br#"{"status":"processed"}"#).unwrap().status,
            "processed"
        );
        let e = parse(
            br#"{"status":"failed","payment_method_type":"credit_card","installments":3,"payment_method_id":"visa","status_detail":"insufficient_amount"}"#,
        )
        .unwrap();
        assert_eq!(e.installments, Some(3));
        assert_eq!(e.status_detail.as_deref(), Some("insufficient_amount"));
        for bad in [
            &br#"{}"#[..],
            br#"{"status":"paid"}"#,
            br#"{"status":"processed","extra":1}"#,
            br#"{"status":"canceled","payment_method_id":"visa"}"#,
            br#"{"status":"expired","payment_method_type":"debit_card"}"#,
            br#"{"status":"processed","status_detail":"insufficient_amount"}"#,
            br#"{"status":"failed","status_detail":"accredited"}"#,
            br#"{"status":"processed","payment_method_type":"debit_card","installments":2}"#,
            br#"{"status":"processed","installments":2}"#,
            br#"{"status":"processed","payment_method_type":"debit_card","payment_method_id":"visa"}"#,
            br#"{"status":"processed","payment_method_id":"elo"}"#,
            br#"{"status":"refunded","status_detail":"refunded"}"#,
            br#"[]"#,
            br#"{"status":1}"#,
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "bad_request"), "{}", String::from_utf8_lossy(bad));
        }
    }
}
