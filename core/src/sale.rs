//! The whole sale: how an intent ended, its payments, and one verdict for the cashier.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::intent::Intent;
use crate::payment::{Payment, PaymentStatus};
use crate::status::Status;

/// How a sale ended, in the one word a cashier needs. Only [`Verdict::Approved`] is a paid sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The card payment was approved: hand over the goods.
    Approved,
    /// The intent closed but its payment was rejected (or reversed): not paid.
    Rejected,
    /// Canceled through the API or on the terminal: not paid.
    Canceled,
    /// Nobody processed it within an hour: not paid.
    Expired,
    /// The transaction failed: not paid.
    Error,
    /// The outcome is not known: the operator must check the payment on the terminal before
    /// handing over goods.
    ConfirmationRequired,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 6] = [
        Verdict::Approved,
        Verdict::Rejected,
        Verdict::Canceled,
        Verdict::Expired,
        Verdict::Error,
        Verdict::ConfirmationRequired,
    ];

    /// The stable code: `APPROVED`, `REJECTED`, `CANCELED`, `EXPIRED`, `ERROR`,
    /// `CONFIRMATION_REQUIRED`.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Approved => "APPROVED",
            Verdict::Rejected => "REJECTED",
            Verdict::Canceled => "CANCELED",
            Verdict::Expired => "EXPIRED",
            Verdict::Error => "ERROR",
            Verdict::ConfirmationRequired => "CONFIRMATION_REQUIRED",
        }
    }

    /// Whether the money was received.
    pub fn is_paid(self) -> bool {
        self == Verdict::Approved
    }

    /// What to tell the cashier.
    pub fn advice(self) -> &'static str {
        match self {
            Verdict::Approved => "payment approved: hand over the goods",
            Verdict::Rejected => "payment rejected: ask for another card or another means of payment",
            Verdict::Canceled => "the sale was canceled: nothing was charged",
            Verdict::Expired => "the intent expired before anyone paid: nothing was charged; ring the sale up again",
            Verdict::Error => "the transaction failed: nothing was charged; try again",
            Verdict::ConfirmationRequired => "the outcome is unknown: check the payment on the terminal before handing over the goods",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A finished sale: the intent as it ended, the payments it produced, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// The one word for the cashier.
    pub verdict: Verdict,
    /// Why, in a sentence.
    pub reason: String,
    /// The intent in its final status.
    pub intent: Intent,
    /// The payments of a `CLOSED` intent, as `GET /v1/payments/{id}` returned them.
    pub payments: Vec<Payment>,
}

impl Sale {
    /// Gives the verdict of a final intent and its payments. This is the only place the rule
    /// lives: a `CLOSED` intent is paid only when one of its payments is `approved`; a closed
    /// intent without a payment, or whose payments are neither approved nor rejected (pending,
    /// in process, unknown), needs the operator to check the terminal.
    pub fn from_final(intent: Intent, payments: Vec<Payment>) -> Result<Sale> {
        let (verdict, reason) = match &intent.status {
            Status::Closed => closed_verdict(&intent, &payments),
            Status::Canceled => (Verdict::Canceled, "the intent was canceled".to_string()),
            Status::Expired => (
                Verdict::Expired,
                "the intent expired before the terminal processed it".to_string(),
            ),
            Status::Error => (Verdict::Error, "the terminal reported an error".to_string()),
            Status::ConfirmationRequired => (
                Verdict::ConfirmationRequired,
                "the terminal could not confirm the payment status".to_string(),
            ),
            other => {
                return Err(Error::invalid_argument(
                    "intent.status",
                    "must be final to give a verdict",
                    other.as_str(),
                )
                .with_intent_id(intent.id.clone()))
            }
        };
        Ok(Sale {
            verdict,
            reason,
            intent,
            payments,
        })
    }

    /// Whether the money was received.
    pub fn is_paid(&self) -> bool {
        self.verdict.is_paid()
    }

    /// Orders API: the tip the customer added on the terminal to the approved payment, paid on
    /// top of the sale's amount (the verdict is about the amount asked; the tip is extra money
    /// for the shop to book). `None` without a tip or without an approved payment.
    pub fn tip(&self) -> Option<Amount> {
        self.approved_payment().and_then(|p| p.tip_amount)
    }

    /// The approved payment, if any.
    pub fn approved_payment(&self) -> Option<&Payment> {
        if !self.is_paid() {
            return None;
        }
        let ids = self.intent.payment_ids();
        let wanted = self.intent.amount();
        self.payments.iter().find(|p| {
            p.is_approved()
                && ids.contains(&p.id)
                && wanted.is_some()
                && p.transaction_amount == wanted
        })
    }

    /// The amount the intent asked for.
    pub fn amount(&self) -> Option<Amount> {
        self.intent.amount()
    }
}

fn closed_verdict(intent: &Intent, payments: &[Payment]) -> (Verdict, String) {
    let ids = intent.payment_ids();
    if ids.is_empty() || payments.is_empty() {
        let reason = if intent.unresolved_results().is_empty() {
            "the intent closed without a payment id".to_string()
        } else {
            "the intent closed with results that cannot be looked up as payments".to_string()
        };
        return (Verdict::ConfirmationRequired, reason);
    }
    // Only a payment the intent names counts, and an approved one only for the intent's amount.
    let payments: Vec<&Payment> = payments.iter().filter(|p| ids.contains(&p.id)).collect();
    if payments.is_empty() {
        return (
            Verdict::ConfirmationRequired,
            format!(
                "none of the payments given is one the intent names ({ids:?}): check the payment on the terminal"
            ),
        );
    }
    let wanted = intent.amount();
    if let Some(p) = payments
        .iter()
        .find(|p| p.is_approved() && wanted.is_some() && p.transaction_amount == wanted)
    {
        return (Verdict::Approved, format!("payment {} approved", p.id));
    }
    if let Some(p) = payments.iter().find(|p| p.is_approved()) {
        let text = |a: Option<Amount>| {
            a.map(|a| a.to_string())
                .unwrap_or_else(|| "an unknown amount".into())
        };
        return (
            Verdict::ConfirmationRequired,
            format!(
                "payment {} is approved but for {} while the intent asked for {}: check the payment before handing over the goods",
                p.id,
                text(p.transaction_amount),
                text(wanted)
            ),
        );
    }
    let refused = |s: &PaymentStatus| {
        matches!(
            s,
            PaymentStatus::Rejected
                | PaymentStatus::Cancelled
                | PaymentStatus::Refunded
                | PaymentStatus::ChargedBack
        )
    };
    let describe = |p: &Payment| match &p.status_detail {
        Some(d) => format!("payment {} {} ({d})", p.id, p.status),
        None => format!("payment {} {}", p.id, p.status),
    };
    let mut text = payments
        .iter()
        .map(|p| describe(p))
        .collect::<Vec<_>>()
        .join(", ");
    // A result that cannot be looked up (an id that is not a payment id, a source other than
    // PAYMENT) may be the money: the outcome is not known.
    let unresolved = intent.unresolved_results();
    if !unresolved.is_empty() {
        let what = unresolved
            .iter()
            .map(|r| match &r.source {
                Some(s) => format!("{s} {:?}", r.id.to_string()),
                None => format!("{:?}", r.id.to_string()),
            })
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "; the intent also lists results that cannot be looked up as payments ({what})"
        ));
        return (Verdict::ConfirmationRequired, text);
    }
    if payments.iter().all(|p| refused(&p.status)) {
        (Verdict::Rejected, text)
    } else {
        (Verdict::ConfirmationRequired, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::{Operation, OperationResult, ResultId, ResultSource};

    fn intent(status: Status, ids: &[u64]) -> Intent {
        Intent {
            id: "i1".into(),
            status,
            description: None,
            external_reference: None,
            operations: vec![Operation {
                kind: "PURCHASE".into(),
                amount: Some(Amount::parse("10.00").unwrap()),
                results: ids
                    .iter()
                    .map(|&id| OperationResult {
                        id: id.into(),
                        source: Some(ResultSource::Payment),
                    })
                    .collect(),
            }],
            enabler_configuration: None,
            idempotency_key: None,
            api: crate::Api::Intents,
        }
    }

    fn payment(id: u64, status: &str) -> Payment {
        serde_json::from_value(
            serde_json::json!({"id": id, "status": status, "transaction_amount": 10.00}),
        )
        .unwrap()
    }

    #[test]
    fn approved_needs_the_intents_payment_for_its_amount() {
        // A payment the intent does not name is not its payment.
        let s =
            Sale::from_final(intent(Status::Closed, &[1]), vec![payment(2, "approved")]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired);
        // An approved payment for another amount is not this sale's.
        let p: Payment = serde_json::from_value(
            serde_json::json!({"id": 1, "status": "approved", "transaction_amount": 1.00}),
        )
        .unwrap();
        let s = Sale::from_final(intent(Status::Closed, &[1]), vec![p]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired);
        assert!(s.reason.contains("10.00"), "{}", s.reason);
    }

    #[test]
    fn closed_is_paid_only_when_approved() {
        let s =
            Sale::from_final(intent(Status::Closed, &[1]), vec![payment(1, "approved")]).unwrap();
        assert_eq!(s.verdict, Verdict::Approved);
        assert!(s.is_paid());
        let s =
            Sale::from_final(intent(Status::Closed, &[1]), vec![payment(1, "rejected")]).unwrap();
        assert_eq!(s.verdict, Verdict::Rejected);
        assert!(!s.is_paid());
        let s =
            Sale::from_final(intent(Status::Closed, &[1]), vec![payment(1, "in_process")]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired);
        let s = Sale::from_final(intent(Status::Closed, &[]), vec![]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired);
        let s = Sale::from_final(
            intent(Status::Closed, &[1, 2]),
            vec![payment(1, "rejected"), payment(2, "approved")],
        )
        .unwrap();
        assert_eq!(s.verdict, Verdict::Approved);
        assert_eq!(s.approved_payment().unwrap().id, 2);
    }

    #[test]
    fn other_final_statuses() {
        for (st, v) in [
            (Status::Canceled, Verdict::Canceled),
            (Status::Expired, Verdict::Expired),
            (Status::Error, Verdict::Error),
            (Status::ConfirmationRequired, Verdict::ConfirmationRequired),
        ] {
            let s = Sale::from_final(intent(st, &[]), vec![]).unwrap();
            assert_eq!(s.verdict, v);
            assert!(!s.is_paid());
        }
        assert!(Sale::from_final(intent(Status::OnTerminal, &[]), vec![]).is_err());
    }

    #[test]
    fn closed_with_a_result_that_cannot_be_looked_up_is_not_a_known_outcome() {
        // A rejected payment beside a result whose id is not a payment id: that other result
        // may be the money, so the cashier must check the terminal.
        let mut i = intent(Status::Closed, &[1]);
        i.operations[0].results.push(OperationResult {
            id: ResultId::Text("PAY01J9".into()),
            source: Some(ResultSource::Payment),
        });
        let s = Sale::from_final(i.clone(), vec![payment(1, "rejected")]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired, "{}", s.reason);
        assert!(s.reason.contains("PAY01J9"), "{}", s.reason);
        // ...but an approved payment is the money received.
        let s = Sale::from_final(i, vec![payment(1, "approved")]).unwrap();
        assert_eq!(s.verdict, Verdict::Approved);
        // Only a PAYOUT result: nothing to look up, never APPROVED.
        let mut only = intent(Status::Closed, &[]);
        only.operations[0].results.push(OperationResult {
            id: 5.into(),
            source: Some(ResultSource::Payout),
        });
        assert!(only.payment_ids().is_empty());
        let s = Sale::from_final(only, vec![]).unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired);
    }
}
