//! The simulated terminal: what it does with a sale, chosen by the amount's cents or by the
//! control API, and the loop that plays it in time. It knows neither API: each one's world
//! applies the steps (`intents/service.rs`, `orders/service.rs`).
//!
//! | cents | what the terminal does | final status | payment |
//! |---|---|---|---|
//! | `.13` | card read, issuer refuses | `CLOSED` | `rejected` / `cc_rejected_other_reason` |
//! | `.44` | holds the intent `ON_TERMINAL` waiting for a card: the control API decides | (control) | (control) |
//! | `.66` | the transaction fails | `ERROR` | none |
//! | `.77` | ends without a known payment status | `CONFIRMATION_REQUIRED` | none |
//! | `.88` | the customer cancels on the terminal | `CANCELED` | none |
//! | `.99` | never fetches it | `OPENED`, then `EXPIRED` | none |
//! | anything else | card approved | `CLOSED` | `approved` / `accredited` |

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use mppoint::amount::Amount;
use mppoint::error::{Error, Result};

/// What the card does when presented on the terminal (the control API's
/// [`Simulator::present_card`](super::Simulator::present_card)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// The payment is approved: `CLOSED` with an `approved` payment.
    Approved,
    /// The issuer refuses: `CLOSED` with a `rejected` payment.
    Rejected,
    /// The transaction fails: `ERROR`, no payment.
    Error,
    /// The terminal cannot tell: `CONFIRMATION_REQUIRED`, no payment.
    ConfirmationRequired,
}

impl CardOutcome {
    /// Every outcome.
    pub const ALL: [CardOutcome; 4] = [
        CardOutcome::Approved,
        CardOutcome::Rejected,
        CardOutcome::Error,
        CardOutcome::ConfirmationRequired,
    ];

    /// `"approved"`, `"rejected"`, `"error"`, `"confirmation_required"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardOutcome::Approved => "approved",
            CardOutcome::Rejected => "rejected",
            CardOutcome::Error => "error",
            CardOutcome::ConfirmationRequired => "confirmation_required",
        }
    }

    /// Reads [`CardOutcome::as_str`]'s spelling, case-insensitively.
    pub fn parse(s: &str) -> Result<CardOutcome> {
        let lower = s.trim().to_ascii_lowercase();
        CardOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == lower)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "outcome",
                    "must be \"approved\", \"rejected\", \"error\" or \"confirmation_required\"",
                    s,
                )
            })
    }
}

impl fmt::Display for CardOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CardOutcome {
    type Err = Error;
    fn from_str(s: &str) -> Result<CardOutcome> {
        CardOutcome::parse(s)
    }
}

/// What the terminal will do once the intent is on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A card is presented with this outcome.
    Card(CardOutcome),
    /// The customer or cashier cancels on the terminal.
    CancelOnTerminal,
}

/// The terminal's plan for a new intent, from the table in the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// `false`: the terminal never fetches the intent (`.99`).
    pub pickup: bool,
    /// What happens once on the terminal; `None`: it waits for the control API (`.44`).
    pub action: Option<Action>,
}

impl Plan {
    pub fn for_amount(amount: Amount) -> Plan {
        let (pickup, action) = match amount.cents() % 100 {
            13 => (true, Some(Action::Card(CardOutcome::Rejected))),
            44 => (true, None),
            66 => (true, Some(Action::Card(CardOutcome::Error))),
            77 => (true, Some(Action::Card(CardOutcome::ConfirmationRequired))),
            88 => (true, Some(Action::CancelOnTerminal)),
            99 => (false, None),
            _ => (true, Some(Action::Card(CardOutcome::Approved))),
        };
        Plan { pickup, action }
    }
}

/// Plays one sale (an intent or an order) on its terminal: `step` applies what is
/// due at the instant it is given and says when to look again; the task sleeps until then or
/// until the control API pokes it, and stops once `step` says the sale is over (`None`).
pub(crate) async fn play(poke: Arc<Notify>, mut step: impl FnMut(Instant) -> Option<Instant>) {
    while let Some(wake) = step(Instant::now()) {
        tokio::select! {
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {}
            _ = poke.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_by_cents() {
        let p = |s: &str| Plan::for_amount(Amount::parse(s).unwrap());
        assert_eq!(p("10.00").action, Some(Action::Card(CardOutcome::Approved)));
        assert_eq!(p("10.13").action, Some(Action::Card(CardOutcome::Rejected)));
        assert_eq!(
            p("5.44"),
            Plan {
                pickup: true,
                action: None
            }
        );
        assert_eq!(p("7.66").action, Some(Action::Card(CardOutcome::Error)));
        assert_eq!(
            p("7.77").action,
            Some(Action::Card(CardOutcome::ConfirmationRequired))
        );
        assert_eq!(p("7.88").action, Some(Action::CancelOnTerminal));
        assert!(!p("1.99").pickup);
    }

    #[test]
    fn outcomes_parse() {
        for o in CardOutcome::ALL {
            assert_eq!(CardOutcome::parse(o.as_str()).unwrap(), o);
            let j = serde_json::to_string(&o).unwrap();
            assert_eq!(j, format!("\"{}\"", o.as_str()));
        }
        assert!(CardOutcome::parse("maybe").is_err());
    }
}
