//! The orders' world: the orders of the account, their payments and refunds, what the terminal
//! is doing with each, and the idempotency keys' memory (which the Print API shares). Data and
//! the rules on one order; [`super::service`] plays them in time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use super::wire::{money, now_date, Answer, OrdersError, APPLICATION_ID, USER_ID};
use crate::terminal::{Action, CardOutcome};

/// Whether an id is an order's (`ORD` and 26 letters or digits).
pub(crate) fn is_order_id(id: &str) -> bool {
    id.len() == 29
        && id.starts_with("ORD")
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `ORD`/`PAY`/`REF` and 26 Crockford base-32 characters, as the documents show.
pub(crate) fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut s = String::from(prefix);
    for _ in 0..26 {
        s.push(char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]));
    }
    s
}

/// One payment of an order (`transactions.payments[0]`).
#[derive(Debug, Clone)]
pub(crate) struct PaymentRec {
    pub(crate) id: String,
    pub(crate) amount_text: String,
    pub(crate) cents: i64,
    pub(crate) status: &'static str,
    pub(crate) status_detail: Option<&'static str>,
    pub(crate) reference_id: Option<u64>,
    pub(crate) paid: bool,
    pub(crate) refunded_cents: i64,
    /// The tip the customer added on the terminal (`tip_amount`; `paid_amount` = amount + tip).
    pub(crate) tip_cents: i64,
    /// `payment_method` `{type, id, installments}` (as a sandbox event chose it).
    pub(crate) method: Option<(String, String, u32)>,
}

#[derive(Debug, Clone)]
pub(crate) struct RefundRec {
    pub(crate) id: String,
    pub(crate) cents: i64,
}

/// What the terminal is doing with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting to be picked up (`created`) or for a card (`at_terminal`).
    Waiting,
    /// The card is being processed (still `at_terminal` for the API).
    Processing(CardOutcome),
    /// Ended.
    Done,
}

pub(crate) struct OrderRec {
    pub(crate) id: String,
    pub(crate) external_reference: String,
    pub(crate) description: Option<String>,
    pub(crate) expiration_time: String,
    pub(crate) terminal_id: String,
    pub(crate) print_on_terminal: String,
    pub(crate) default_type: Option<String>,
    pub(crate) integration_data: Map<String, Value>,
    pub(crate) status: &'static str,
    pub(crate) status_detail: &'static str,
    pub(crate) payment: PaymentRec,
    pub(crate) refunds: Vec<RefundRec>,
    pub(crate) created_date: String,
    pub(crate) last_updated_date: String,
    pub(crate) version: u32,
    pub(crate) phase: Phase,
    pub(crate) expires_at: Instant,
    pub(crate) pickup_at: Option<Instant>,
    pub(crate) action: Option<Action>,
    pub(crate) next_at: Option<Instant>,
    pub(crate) cancel_requested: bool,
    /// A sandbox event (`POST /v1/orders/{id}/events`) took the order over: the simulated
    /// terminal no longer plays it.
    pub(crate) simulated: bool,
    pub(crate) poke: Arc<Notify>,
}

/// An idempotency key's first request and its answer.
struct KeyRec {
    fingerprint: String,
    status: u16,
    body: Vec<u8>,
}

/// Every order of the account.
#[derive(Default)]
pub(crate) struct OrdersWorld {
    pub orders: HashMap<String, OrderRec>,
    pub keys: KeyMemory,
}

pub(crate) fn allowed_type(id: &str) -> bool {
    id.starts_with("PAX_A910__") || id.starts_with("NEWLAND_N950__")
}

impl OrderRec {
    pub fn is_open(&self) -> bool {
        matches!(self.status, "created" | "at_terminal")
    }

    pub fn touch(&mut self) {
        self.last_updated_date = now_date();
        self.version += 1;
    }

    pub fn end(&mut self, status: &'static str, detail: &'static str) {
        self.status = status;
        self.status_detail = detail;
        self.phase = Phase::Done;
        self.action = None;
        self.next_at = None;
        self.touch();
    }
}

/// The idempotency keys of the newer APIs (Orders, Terminals): each key's first request and its
/// answer, for 24 hours as the pages say (the simulator keeps them for its lifetime).
#[derive(Default)]
pub(crate) struct KeyMemory {
    keys: HashMap<String, KeyRec>,
}

impl KeyMemory {
    /// The same request sent again with its key: the first answer; another request with the
    /// same key: 409. `None`: a new key.
    pub fn replay(&self, key: &str, fingerprint: &str) -> Option<Answer> {
        let k = self.keys.get(key)?;
        if k.fingerprint != fingerprint {
            return Some(Err(OrdersError::new(
                409,
                "idempotency_key_already_used",
                "The value sent as the idempotency header has already been used with a different request within the last 24 hours. Please try the request again sending a new value.",
            )));
        }
        Some(Ok((k.status, k.body.clone())))
    }

    /// Remembers a successful answer for `key`.
    pub fn remember(&mut self, key: String, fingerprint: String, answer: &Answer) {
        if let Ok((status, body)) = answer {
            self.keys.insert(
                key,
                KeyRec {
                    fingerprint,
                    status: *status,
                    body: body.clone(),
                },
            );
        }
    }
}

/// What identifies a request for its key: the route and the body's JSON value (so key order and
/// spacing do not matter).
pub(crate) fn fingerprint(what: &str, body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    format!("{what} {canonical}")
}

impl OrderRec {
    pub(crate) fn payment_json(&self, webhook: bool) -> Value {
        let p = &self.payment;
        let mut v = json!({ "id": p.id, "amount": p.amount_text, "status": p.status });
        if let Some(d) = p.status_detail {
            v["status_detail"] = json!(d);
        }
        if p.paid {
            // "The total paid amount. If the payment was tips, that amount will be reflected."
            v["paid_amount"] = json!(money(p.cents + p.tip_cents));
            v["tip_amount"] = json!(money(p.tip_cents));
        }
        if p.paid || p.method.is_some() {
            let (kind, id, installments) = p
                .method
                .clone()
                .unwrap_or_else(|| ("credit_card".to_string(), "master".to_string(), 1));
            v["payment_method"] = json!({"type": kind, "installments": installments, "id": id});
        }
        if p.refunded_cents > 0 {
            v["refunded_amount"] = json!(money(p.refunded_cents));
        }
        if let Some(r) = p.reference_id {
            // GET answers carry `reference_id`; webhooks `reference.id`.
            if webhook {
                v["reference"] = json!({ "id": r.to_string() });
            } else {
                v["reference_id"] = json!(r.to_string());
            }
        }
        v
    }

    pub(crate) fn refunds_json(&self) -> Vec<Value> {
        self.refunds
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "transaction_id": self.payment.id,
                    "reference_id": self.payment.reference_id.map(|i| i.to_string()),
                    "amount": money(r.cents),
                    "status": "processed",
                })
            })
            .collect()
    }

    pub(crate) fn to_json(&self, site: mppoint::Site) -> Value {
        let (country, currency) = match site {
            mppoint::Site::MLA => ("ARG", "ARS"),
            mppoint::Site::MLB => ("BRA", "BRL"),
        };
        let mut integration = self.integration_data.clone();
        integration.insert("application_id".into(), json!(APPLICATION_ID));
        let mut point = json!({
            "terminal_id": self.terminal_id,
            "print_on_terminal": self.print_on_terminal,
        });
        let mut config = json!({ "point": point.take() });
        if let Some(t) = &self.default_type {
            config["payment_method"] = json!({ "default_type": t });
        }
        let mut transactions = json!({ "payments": [self.payment_json(false)] });
        if !self.refunds.is_empty() {
            transactions["refunds"] = json!(self.refunds_json());
        }
        let mut v = json!({
            "id": self.id,
            "type": "point",
            "user_id": USER_ID,
            "external_reference": self.external_reference,
            "expiration_time": self.expiration_time,
            "processing_mode": "automatic",
            "country_code": country,
            "currency": currency,
            "integration_data": integration,
            "status": self.status,
            "status_detail": self.status_detail,
            "created_date": self.created_date,
            "last_updated_date": self.last_updated_date,
            "config": config,
            "transactions": transactions,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }

    /// The documented webhook `data`.
    pub(crate) fn webhook_data(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "external_reference": self.external_reference,
            "status": self.status,
            "status_detail": self.status_detail,
            "type": "point",
            "version": self.version,
        });
        if self.payment.paid {
            v["total_paid_amount"] = json!(money(self.payment.cents + self.payment.tip_cents));
        }
        if self.status != "refunded" {
            v["transactions"] = json!({ "payments": [self.payment_json(true)] });
        }
        v
    }
}

impl OrderRec {
    /// The JSON body of the `order` notification of this order, as the webhook page shows it.
    pub(crate) fn notification(&self) -> Vec<u8> {
        let body = json!({
            "action": format!("order.{}", self.status),
            "api_version": "v1",
            "application_id": APPLICATION_ID,
            "data": self.webhook_data(),
            "date_created": now_date(),
            "live_mode": false,
            "type": "order",
            "user_id": USER_ID,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_the_documents() {
        let id = new_id("ORD");
        assert!(is_order_id(&id), "{id}");
        assert!(is_order_id("ORD00001111222233334444555566"));
        assert!(!is_order_id("ORD1"));
        assert!(!is_order_id("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1"));
        assert!(new_id("PAY").starts_with("PAY"));
    }
}
