//! Mercado Pago's official sandbox for Point (since December 2025): with **test credentials**,
//! `POST /v1/orders/{order_id}/events` drives a test order to a final status, through
//! `at_terminal`, in up to 10 s (40 s for `action_required`), on a virtual terminal
//! (`NEWLAND_N950__SBX0000001`) that needs no hardware. Our simulator serves the same endpoint the
//! same way, so one test suite runs against both ([`crate::Client::simulate_order_event`]).
//!
//! ```
//! use mppoint::sandbox::{OrderEvent, SimulatedStatus};
//! let declined = OrderEvent::new(SimulatedStatus::Failed)
//!     .card("visa", "credit_card")
//!     .status_detail("insufficient_amount");
//! assert!(declined.validate().is_ok());
//! // `accredited` is the only detail of a processed order.
//! assert!(OrderEvent::new(SimulatedStatus::Processed).status_detail("high_risk").validate().is_err());
//! ```

use std::fmt;

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// The sandbox's virtual terminal.
pub const SANDBOX_TERMINAL: &str = "NEWLAND_N950__SBX0000001";

/// The declines a simulated `failed` order may give (`status_detail`).
pub const FAILED_DETAILS: [&str; 9] = [
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

/// The card brands a simulated payment may use (`payment_method_id`).
pub const CARD_BRANDS: [&str; 5] = ["amex", "master", "visa", "debmaster", "debvisa"];

/// The final status a simulated event gives the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimulatedStatus {
    /// Paid (`processed`, `accredited`).
    Processed,
    /// Declined (`failed`, with a decline detail).
    Failed,
    /// Canceled on the terminal.
    Canceled,
    /// Expired.
    Expired,
    /// Refunded (only from `processed`; it moves at once, without `at_terminal`).
    Refunded,
    /// The terminal cannot tell (`action_required`): check on the terminal.
    ActionRequired,
}

impl SimulatedStatus {
    /// Every status.
    pub const ALL: [SimulatedStatus; 6] = [
        SimulatedStatus::Processed,
        SimulatedStatus::Failed,
        SimulatedStatus::Canceled,
        SimulatedStatus::Expired,
        SimulatedStatus::Refunded,
        SimulatedStatus::ActionRequired,
    ];

    /// The API's spelling: `processed`, `failed`, `canceled`, `expired`, `refunded`,
    /// `action_required`.
    pub fn as_str(self) -> &'static str {
        match self {
            SimulatedStatus::Processed => "processed",
            SimulatedStatus::Failed => "failed",
            SimulatedStatus::Canceled => "canceled",
            SimulatedStatus::Expired => "expired",
            SimulatedStatus::Refunded => "refunded",
            SimulatedStatus::ActionRequired => "action_required",
        }
    }

    /// Reads the API's spelling (any case).
    pub fn parse(s: &str) -> Result<SimulatedStatus> {
        let t = s.trim().to_ascii_lowercase();
        SimulatedStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "status",
                    "must be processed, failed, canceled, expired, refunded or action_required",
                    s,
                )
            })
    }
}

impl fmt::Display for SimulatedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One simulated event: the status, and optionally the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    status: SimulatedStatus,
    payment_method_id: Option<String>,
    payment_method_type: Option<String>,
    installments: Option<u32>,
    status_detail: Option<String>,
}

impl OrderEvent {
    /// An event that ends the order as `status`.
    pub fn new(status: SimulatedStatus) -> OrderEvent {
        OrderEvent {
            status,
            payment_method_id: None,
            payment_method_type: None,
            installments: None,
            status_detail: None,
        }
    }

    /// The card: a brand (`amex`, `master`, `visa`, `debmaster`, `debvisa`; only with
    /// `processed` or `failed`) and its type (`credit_card` or `debit_card`).
    pub fn card(mut self, brand: impl Into<String>, kind: impl Into<String>) -> OrderEvent {
        self.payment_method_id = Some(brand.into());
        self.payment_method_type = Some(kind.into());
        self
    }

    /// The instalments (only with a `credit_card`).
    pub fn installments(mut self, n: u32) -> OrderEvent {
        self.installments = Some(n);
        self
    }

    /// The detail: `accredited` for `processed`; a decline of [`FAILED_DETAILS`] for `failed`.
    pub fn status_detail(mut self, detail: impl Into<String>) -> OrderEvent {
        self.status_detail = Some(detail.into());
        self
    }

    /// The status it gives.
    pub fn status(&self) -> SimulatedStatus {
        self.status
    }

    /// Checks the event as the simulate-order reference says, before anything is sent.
    pub fn validate(&self) -> Result<()> {
        let s = self.status;
        if let Some(t) = &self.payment_method_type {
            if !matches!(t.as_str(), "credit_card" | "debit_card") {
                return Err(Error::invalid_argument(
                    "payment_method_type",
                    "must be credit_card or debit_card",
                    t,
                ));
            }
        }
        if let Some(n) = self.installments {
            if self.payment_method_type.as_deref() != Some("credit_card") {
                return Err(Error::invalid_argument(
                    "installments",
                    "is only for a credit_card payment",
                    &n.to_string(),
                ));
            }
            if n == 0 {
                return Err(Error::invalid_argument(
                    "installments",
                    "must be at least 1",
                    "0",
                ));
            }
        }
        if let Some(b) = &self.payment_method_id {
            if !CARD_BRANDS.contains(&b.as_str()) {
                return Err(Error::invalid_argument(
                    "payment_method_id",
                    "must be amex, master, visa, debmaster or debvisa",
                    b,
                ));
            }
            if !matches!(s, SimulatedStatus::Processed | SimulatedStatus::Failed) {
                return Err(Error::invalid_argument(
                    "payment_method_id",
                    "is only for a processed or failed event",
                    b,
                ));
            }
        }
        if let Some(d) = &self.status_detail {
            let ok = match s {
                SimulatedStatus::Processed => d == "accredited",
                SimulatedStatus::Failed => FAILED_DETAILS.contains(&d.as_str()),
                _ => false,
            };
            if !ok {
                return Err(Error::invalid_argument(
                    "status_detail",
                    match s {
                        SimulatedStatus::Processed => "must be accredited for a processed event",
                        SimulatedStatus::Failed => "must be a documented decline (bad_filled_card_data, required_call_for_authorize, card_disabled, high_risk, insufficient_amount, invalid_installments, max_attempts_exceeded, rejected_other_reason, processing_error)",
                        _ => "is only for a processed or failed event",
                    },
                    d,
                ));
            }
        }
        Ok(())
    }

    /// The request's JSON body.
    pub(crate) fn body(&self) -> Value {
        let mut v = json!({ "status": self.status.as_str() });
        if let Some(x) = &self.payment_method_type {
            v["payment_method_type"] = json!(x);
        }
        if let Some(x) = self.installments {
            v["installments"] = json!(x);
        }
        if let Some(x) = &self.payment_method_id {
            v["payment_method_id"] = json!(x);
        }
        if let Some(x) = &self.status_detail {
            v["status_detail"] = json!(x);
        }
        v
    }
}
