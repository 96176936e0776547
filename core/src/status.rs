//! The status of an intent: the nine documented values, the Orders API's "cancel requested",
//! and any other kept as sent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status of an intent. Unknown values sent by the API are kept in [`Status::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// Created, waiting for the terminal to fetch it; the only state the API can cancel.
    Opened,
    /// Loaded on the terminal; can only be canceled on the terminal.
    OnTerminal,
    /// Being processed with the card network.
    Processing,
    /// Processing finished, waiting for confirmation.
    Processed,
    /// Final: finished; the operations' `results` hold the payment id(s). Not yet a paid sale: the
    /// payment may be approved or rejected.
    Closed,
    /// Final: ended without a known payment status. The operator must check the payment on the
    /// terminal before handing over goods.
    ConfirmationRequired,
    /// Final: canceled through the API (while `OPENED`) or on the terminal.
    Canceled,
    /// Final: the transaction failed.
    Error,
    /// Final: not processed in time (15 minutes for an abandoned intent since 2024; an order's
    /// `expiration_time`).
    Expired,
    /// Not final: the Orders API accepted a cancel of an order already on the terminal (202) and
    /// asked the terminal to cancel it; the order stays `at_terminal` until the terminal does —
    /// or finishes a payment it was already processing. Never book the sale as canceled yet:
    /// wait for `CANCELED` (or a paid verdict).
    CancelRequested,
    /// A status this version does not know, kept as sent. Treated as not final.
    Unknown(String),
}

impl Status {
    /// The nine documented statuses in lifecycle order, then `CANCEL_REQUESTED`.
    pub const KNOWN: [Status; 10] = [
        Status::Opened,
        Status::OnTerminal,
        Status::Processing,
        Status::Processed,
        Status::Closed,
        Status::ConfirmationRequired,
        Status::Canceled,
        Status::Error,
        Status::Expired,
        Status::CancelRequested,
    ];

    /// The API's spelling, `"ON_TERMINAL"` etc.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Opened => "OPENED",
            Status::OnTerminal => "ON_TERMINAL",
            Status::Processing => "PROCESSING",
            Status::Processed => "PROCESSED",
            Status::Closed => "CLOSED",
            Status::ConfirmationRequired => "CONFIRMATION_REQUIRED",
            Status::Canceled => "CANCELED",
            Status::Error => "ERROR",
            Status::Expired => "EXPIRED",
            Status::CancelRequested => "CANCEL_REQUESTED",
            Status::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling (case-insensitively); anything else becomes [`Status::Unknown`].
    pub fn parse(s: &str) -> Status {
        let upper = s.trim().to_ascii_uppercase();
        Status::KNOWN
            .iter()
            .find(|k| k.as_str() == upper)
            .cloned()
            .unwrap_or_else(|| Status::Unknown(s.to_string()))
    }

    /// Whether the intent will not change any more: `CLOSED`, `CONFIRMATION_REQUIRED`, `CANCELED`,
    /// `ERROR`, `EXPIRED`.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Closed
                | Status::ConfirmationRequired
                | Status::Canceled
                | Status::Error
                | Status::Expired
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Status, Self::Err> {
        Ok(Status::parse(s))
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Status, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Status::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for s in Status::KNOWN {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        let finals: Vec<_> = Status::KNOWN.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals.len(), 5);
        assert!(!Status::Opened.is_final());
        assert_eq!(Status::parse("on_terminal"), Status::OnTerminal);
        let u = Status::parse("WAITING_FOR_PIN");
        assert_eq!(u, Status::Unknown("WAITING_FOR_PIN".into()));
        assert!(!u.is_final() && !crate::Api::Orders.can_cancel_via_api(&u));
        assert_eq!(u.to_string(), "WAITING_FOR_PIN");
        let j: Status = serde_json::from_str("\"CONFIRMATION_REQUIRED\"").unwrap();
        assert!(j.is_final());
        assert_eq!(
            serde_json::to_string(&Status::OnTerminal).unwrap(),
            "\"ON_TERMINAL\""
        );
    }
}
