//! Payments (what a `CLOSED` intent produced) and refunds.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::Amount;

/// The status of a payment (`GET /v1/payments/{id}`). Only [`PaymentStatus::Approved`] is money
/// received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Approved: the money was received.
    Approved,
    /// Rejected by the card issuer or the antifraud.
    Rejected,
    /// Not yet processed.
    Pending,
    /// Being reviewed.
    InProcess,
    /// Authorized, not yet captured.
    Authorized,
    /// Canceled.
    Cancelled,
    /// Refunded (it had been approved).
    Refunded,
    /// Charged back by the card holder.
    ChargedBack,
    /// In dispute.
    InMediation,
    /// A status this version does not know, kept as sent.
    Unknown(String),
}

impl PaymentStatus {
    /// The API's spelling (`"approved"`, …).
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::Approved => "approved",
            PaymentStatus::Rejected => "rejected",
            PaymentStatus::Pending => "pending",
            PaymentStatus::InProcess => "in_process",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::ChargedBack => "charged_back",
            PaymentStatus::InMediation => "in_mediation",
            PaymentStatus::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling; anything else is kept in [`PaymentStatus::Unknown`].
    pub fn parse(s: &str) -> PaymentStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "approved" => PaymentStatus::Approved,
            "rejected" => PaymentStatus::Rejected,
            "pending" => PaymentStatus::Pending,
            "in_process" => PaymentStatus::InProcess,
            "authorized" => PaymentStatus::Authorized,
            "cancelled" | "canceled" => PaymentStatus::Cancelled,
            "refunded" => PaymentStatus::Refunded,
            "charged_back" => PaymentStatus::ChargedBack,
            "in_mediation" => PaymentStatus::InMediation,
            _ => PaymentStatus::Unknown(s.to_string()),
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PaymentStatus {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<PaymentStatus, D::Error> {
        Ok(PaymentStatus::parse(&String::deserialize(d)?))
    }
}

/// A payment as `GET /v1/payments/{id}` returns it (the fields a POS needs; others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment id.
    #[serde(deserialize_with = "crate::serde_util::id")]
    pub id: u64,
    /// Where the payment stands.
    pub status: PaymentStatus,
    /// Why (`accredited`, `cc_rejected_insufficient_amount`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    /// The amount charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_amount: Option<Amount>,
    /// The amount refunded so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_amount_refunded: Option<AmountOrZero>,
    /// `ARS`, `BRL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<String>,
    /// The card brand (`visa`, `master`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_id: Option<String>,
    /// `credit_card`, `debit_card`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type_id: Option<String>,
    /// The caller's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was created (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    /// When it was approved (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_approved: Option<String>,
    /// Orders API: the tip the customer added on the terminal (`tip_amount`), paid on top of
    /// `transaction_amount`; absent or zero without one. A payment with a tip is refunded only
    /// in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip_amount: Option<Amount>,
}

impl Payment {
    /// Whether the money was received.
    pub fn is_approved(&self) -> bool {
        self.status == PaymentStatus::Approved
    }
}

/// An amount that may be zero (refunded totals): integer cents, zero allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountOrZero(pub i64);

impl AmountOrZero {
    /// As an [`Amount`], or `None` for zero.
    pub fn amount(self) -> Option<Amount> {
        Amount::from_cents(self.0).ok()
    }
}

impl fmt::Display for AmountOrZero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for AmountOrZero {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AmountOrZero {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<AmountOrZero, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = crate::serde_util::value_text(v.clone())
            .ok_or_else(|| serde::de::Error::custom(format!("expected an amount, got {v}")))?;
        if text
            .trim_start_matches('0')
            .trim_start_matches('.')
            .trim_matches('0')
            .is_empty()
        {
            return Ok(AmountOrZero(0));
        }
        Amount::parse(&text)
            .map(|a| AmountOrZero(a.cents()))
            .map_err(serde::de::Error::custom)
    }
}

/// A refund as `POST /v1/payments/{id}/refunds` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The refund id.
    #[serde(deserialize_with = "crate::serde_util::id")]
    pub id: u64,
    /// The payment refunded.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub payment_id: Option<u64>,
    /// The amount refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// `approved`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it was created (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
}

/// Checks a payment id before it goes into a URL: Mercado Pago's ids start at 1, so 0 (what a
/// C caller's unset variable holds) is refused rather than sent.
pub fn validate_payment_id(id: u64) -> crate::Result<()> {
    if id == 0 {
        return Err(crate::Error::invalid_argument(
            "payment_id",
            "must be a positive integer",
            "0",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_payment() {
        let j = r#"{"id": 123456, "status": "rejected", "status_detail": "cc_rejected_insufficient_amount",
            "transaction_amount": 10.14, "transaction_amount_refunded": 0, "currency_id": "BRL", "point_of_interaction": {}}"#;
        let p: Payment = serde_json::from_str(j).unwrap();
        assert_eq!(p.status, PaymentStatus::Rejected);
        assert!(!p.is_approved());
        assert_eq!(p.transaction_amount.unwrap().cents(), 1014);
        assert_eq!(p.transaction_amount_refunded, Some(AmountOrZero(0)));
        let q: Payment = serde_json::from_str(r#"{"id":"9","status":"weird"}"#).unwrap();
        assert_eq!(q.id, 9);
        assert_eq!(q.status, PaymentStatus::Unknown("weird".into()));
        assert!(serde_json::from_str::<Payment>(r#"{"id":"x9","status":"approved"}"#).is_err());
    }
}
