//! The account's card payments and their refunds, which both APIs make and the Payments API
//! (`GET /v1/payments/{id}`, `GET /v1/payments/search`, `POST /v1/payments/{id}/refunds`)
//! serves alike: an intent's payment and an order's are the same kind of record here.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::value::RawValue;

use mppoint::amount::Amount;
use mppoint::payment::{AmountOrZero, Payment, PaymentStatus};

use crate::reply::ApiError;

struct RefundRecord {
    id: u64,
    amount: Amount,
    date_created: String,
}

struct PaymentRecord {
    id: u64,
    status: PaymentStatus,
    status_detail: &'static str,
    amount: Amount,
    refunded_cents: i64,
    currency_id: &'static str,
    external_reference: Option<String>,
    description: Option<String>,
    date_created: String,
    date_approved: Option<String>,
    refunds: Vec<RefundRecord>,
}

/// The payments, their refunds, and the refunds' idempotency keys.
pub(crate) struct Payments {
    records: BTreeMap<u64, PaymentRecord>,
    next_payment_id: u64,
    next_refund_id: u64,
    /// Refunds by `X-Idempotency-Key`: the payment, the amount asked (`None`: all) and the answer.
    refunds_by_key: HashMap<String, (u64, Option<i64>, Vec<u8>)>,
}

/// Now, in Mercado Pago's ISO form for payments: `2023-07-27T20:24:21.776-04:00`.
fn iso_now() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(-4))
        .format(&f)
        .unwrap_or_default()
}

/// `12.47` as a JSON number's text (never through a float).
fn money(cents: i64) -> Box<RawValue> {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    RawValue::from_string(text).expect("digits, a dot and two digits are a JSON number")
}

impl Payments {
    pub fn new() -> Payments {
        Payments {
            records: BTreeMap::new(),
            next_payment_id: 70_000_000_001,
            next_refund_id: 90_000_000_001,
            refunds_by_key: HashMap::new(),
        }
    }

    /// Records the card payment a terminal made for an intent or an order: approved
    /// (`accredited`) or refused by the card, so that `GET /v1/payments/{id}` and refunds see
    /// it. Returns its id.
    pub(crate) fn record_card(
        &mut self,
        site: mppoint::Site,
        amount: Amount,
        approved: bool,
        external_reference: Option<String>,
        description: Option<String>,
    ) -> u64 {
        let pid = self.next_payment_id;
        self.next_payment_id += 1;
        self.records.insert(
            pid,
            PaymentRecord::card(pid, site, amount, approved, external_reference, description),
        );
        pid
    }

    pub fn all(&self) -> Vec<Payment> {
        self.records
            .values()
            .map(PaymentRecord::to_payment)
            .collect()
    }

    pub fn payment(&self, id: u64) -> Option<Payment> {
        self.records.get(&id).map(PaymentRecord::to_payment)
    }

    /// `GET /v1/payments/{id}` as JSON, with the amounts as JSON numbers.
    pub fn payment_json(&self, id: u64) -> Result<Vec<u8>, ApiError> {
        self.records
            .get(&id)
            .map(PaymentRecord::to_json)
            .ok_or_else(|| ApiError::not_found("not_found", format!("payment {id} not found")))
    }

    /// `POST /v1/payments/{id}/refunds`: the whole remaining amount (`None`) or part of it. The
    /// Payments API documents `X-Idempotency-Key` on refunds: a refund retried with the same key
    /// is applied once and answered like the first; the key reused for another payment or amount
    /// is refused with 409.
    pub fn refund(
        &mut self,
        id: u64,
        amount: Option<Amount>,
        key: Option<String>,
    ) -> Result<Vec<u8>, ApiError> {
        let asked = amount.map(|a| a.cents());
        if let Some((pid, cents, body)) = key.as_ref().and_then(|k| self.refunds_by_key.get(k)) {
            if *pid == id && *cents == asked {
                return Ok(body.clone());
            }
            return Err(ApiError::conflict(format!(
                "the idempotency key was already used for another refund (payment {pid})"
            )));
        }
        let body = self.refund_once(id, amount)?;
        if let Some(k) = key {
            self.refunds_by_key.insert(k, (id, asked, body.clone()));
        }
        Ok(body)
    }

    /// `GET /v1/payments/search`: the payments whose `external_reference` is `reference` (all
    /// when `None`), newest first unless `descending` is false.
    pub fn search_payments(
        &self,
        reference: Option<&str>,
        descending: bool,
        limit: u64,
        offset: u64,
    ) -> Vec<u8> {
        let mut found: Vec<&PaymentRecord> = self
            .records
            .values()
            .filter(|p| reference.is_none() || p.external_reference.as_deref() == reference)
            .collect();
        // Payment ids grow with time: the id orders them by creation.
        if descending {
            found.reverse();
        }
        let total = found.len();
        let results: Vec<Box<RawValue>> = found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .filter_map(|p| RawValue::from_string(String::from_utf8(p.to_json()).ok()?).ok())
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "paging": {"total": total, "limit": limit, "offset": offset},
            "results": results,
        }))
        .unwrap_or_default()
    }

    fn refund_once(&mut self, id: u64, amount: Option<Amount>) -> Result<Vec<u8>, ApiError> {
        let p = self
            .records
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("payment {id} not found")))?;
        if p.status != PaymentStatus::Approved {
            return Err(ApiError::bad_request(format!(
                "payment {id} is {} and cannot be refunded: only approved payments can",
                p.status
            )));
        }
        let remaining = p.amount.cents() - p.refunded_cents;
        let cents = match amount {
            None => remaining,
            Some(a) if a.cents() > remaining => {
                return Err(ApiError::bad_request(format!(
                    "the refund amount {a} is above the {}.{:02} left to refund on payment {id}",
                    remaining / 100,
                    remaining % 100
                )))
            }
            Some(a) => a.cents(),
        };
        let Ok(refund_amount) = Amount::from_cents(cents) else {
            return Err(ApiError::bad_request(format!(
                "payment {id} has nothing left to refund"
            )));
        };
        p.refunded_cents += cents;
        if p.refunded_cents == p.amount.cents() {
            p.status = PaymentStatus::Refunded;
            p.status_detail = "refunded";
        }
        let r = RefundRecord {
            id: self.next_refund_id,
            amount: refund_amount,
            date_created: iso_now(),
        };
        self.next_refund_id += 1;
        let body = refund_json(id, &r);
        p.refunds.push(r);
        Ok(body)
    }

    /// The payments as JSON, for `GET /_simulator/state`.
    pub fn state_json(&self) -> Vec<serde_json::Value> {
        self.records
            .values()
            .filter_map(|p| serde_json::from_slice::<serde_json::Value>(&p.to_json()).ok())
            .collect()
    }
}

#[derive(Serialize)]
struct PaymentJson<'a> {
    id: u64,
    status: &'a str,
    status_detail: &'a str,
    transaction_amount: Box<RawValue>,
    transaction_amount_refunded: Box<RawValue>,
    currency_id: &'a str,
    external_reference: Option<&'a str>,
    description: Option<&'a str>,
    payment_method_id: &'a str,
    payment_type_id: &'a str,
    date_created: &'a str,
    date_approved: Option<&'a str>,
    live_mode: bool,
    point_of_interaction: serde_json::Value,
    refunds: Vec<Box<RawValue>>,
}

fn refund_json(payment_id: u64, r: &RefundRecord) -> Vec<u8> {
    #[derive(Serialize)]
    struct RefundJson<'a> {
        id: u64,
        payment_id: u64,
        amount: Box<RawValue>,
        status: &'a str,
        date_created: &'a str,
        source: serde_json::Value,
    }
    serde_json::to_vec(&RefundJson {
        id: r.id,
        payment_id,
        amount: money(r.amount.cents()),
        status: "approved",
        date_created: &r.date_created,
        source: serde_json::json!({"type": "collector"}),
    })
    .unwrap_or_default()
}

impl PaymentRecord {
    /// The card payment a terminal made: approved (`accredited`) or refused by the card.
    fn card(
        id: u64,
        site: mppoint::Site,
        amount: Amount,
        approved: bool,
        external_reference: Option<String>,
        description: Option<String>,
    ) -> PaymentRecord {
        let created = iso_now();
        PaymentRecord {
            id,
            status: if approved {
                PaymentStatus::Approved
            } else {
                PaymentStatus::Rejected
            },
            status_detail: if approved {
                "accredited"
            } else {
                "cc_rejected_other_reason"
            },
            amount,
            refunded_cents: 0,
            currency_id: match site {
                mppoint::Site::MLA => "ARS",
                mppoint::Site::MLB => "BRL",
            },
            external_reference,
            description,
            date_approved: approved.then(|| created.clone()),
            date_created: created,
            refunds: Vec::new(),
        }
    }

    fn to_json(&self) -> Vec<u8> {
        let refunds = self
            .refunds
            .iter()
            .filter_map(|r| {
                RawValue::from_string(String::from_utf8(refund_json(self.id, r)).ok()?).ok()
            })
            .collect();
        serde_json::to_vec(&PaymentJson {
            id: self.id,
            status: self.status.as_str(),
            status_detail: self.status_detail,
            transaction_amount: money(self.amount.cents()),
            transaction_amount_refunded: money(self.refunded_cents),
            currency_id: self.currency_id,
            external_reference: self.external_reference.as_deref(),
            description: self.description.as_deref(),
            payment_method_id: "visa",
            payment_type_id: "credit_card",
            date_created: &self.date_created,
            date_approved: self.date_approved.as_deref(),
            live_mode: false,
            point_of_interaction: serde_json::json!({"type": "POINT"}),
            refunds,
        })
        .unwrap_or_default()
    }

    fn to_payment(&self) -> Payment {
        Payment {
            id: self.id,
            status: self.status.clone(),
            status_detail: Some(self.status_detail.to_string()),
            transaction_amount: Some(self.amount),
            transaction_amount_refunded: Some(AmountOrZero(self.refunded_cents)),
            currency_id: Some(self.currency_id.to_string()),
            payment_method_id: Some("visa".into()),
            payment_type_id: Some("credit_card".into()),
            external_reference: self.external_reference.clone(),
            description: self.description.clone(),
            date_created: Some(self.date_created.clone()),
            date_approved: self.date_approved.clone(),
            tip_amount: None,
        }
    }
}
