//! What differs per Mercado Pago API, one module per API behind one seam. The client's operations
//! keep their names and their typed results on either API; the paths, the bodies, the statuses,
//! what a 409 means, whether a create may be re-sent and the extra headers live in the API's module:
//! [`intents`] (the InStore payment intents), [`orders`] (the Orders API for Point) and
//! `payments` (the Payments API both read their payments from and refund through).
//!
//! # The seam: a trait, not an enum
//!
//! The client holds one `Box<dyn PointApi>` chosen by `Api::connect` when it is built, and
//! every operation goes through it. An enum of the two implementations would be as short today,
//! but its `match` would sit in every operation of the seam, so each new operation (the sale
//! journal's hooks, print actions, webhook wake-ups) would be written into both arms in one place
//! that knows both APIs; with a trait, an API's answer to each question is written once, in its
//! own module, next to the rest of its rules, and the compiler lists what a new API must answer.
//! The cost, one dynamic call per HTTP request, is nothing beside the request. The trait is
//! crate-private: the public choice stays the [`Api`] enum.
//!
//! The API modules import the transport (which knows no API: every call carries its rules as
//! data) and the shared types, never the client or the builder, so no import runs in a circle.

use std::fmt;
use std::str::FromStr;

use crate::amount::{Amount, AmountLimits, Site};
use crate::device::{DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, Result};
use crate::intent::{Intent, IntentRequest, Target};
use crate::payment::{Payment, Refund};
use crate::retry::RetryPolicy;
use crate::sale::Sale;
use crate::status::Status;
use crate::transport::Transport;

pub mod intents;
pub mod orders;
pub(crate) mod payments;
pub(crate) mod print;

/// What one Mercado Pago API answers for each operation of the client. Every method gets the
/// transport; the client keeps the shared checks, the memory of create keys and the charge's
/// orchestration.
pub(crate) trait PointApi: Send + Sync + fmt::Debug {
    /// What a create makes, for messages: `"intent"` or `"order"`.
    fn noun(&self) -> &'static str;

    /// One page of the account's devices (terminals).
    fn list_devices(&self, t: &Transport, filter: &DeviceFilter) -> Result<DevicePage>;

    /// Switches a device's operating mode (`mode` is PDV or STANDALONE, already checked).
    fn set_operating_mode(
        &self,
        t: &Transport,
        device_id: &str,
        mode: &OperatingMode,
    ) -> Result<OperatingMode>;

    /// This API's checks of a create (the target's id is checked), before anything is sent.
    fn check_create(
        &self,
        target: &Target,
        req: &IntentRequest,
        limits: Option<&AmountLimits>,
        site: Option<Site>,
    ) -> Result<()>;

    /// Sends a checked create with idempotency key `key`; the answer read as the shared
    /// [`Intent`] (the client compares it with the request).
    fn create(
        &self,
        t: &Transport,
        target: &Target,
        req: &IntentRequest,
        key: &str,
    ) -> Result<Intent>;

    /// Reads an intent (an order as the shared [`Intent`]); `retry` overrides the policy.
    fn get(&self, t: &Transport, id: &str, retry: Option<RetryPolicy>) -> Result<Intent>;

    /// Cancels; `pos_external_id` for the intents' older path that names the POS.
    fn cancel(&self, t: &Transport, id: &str, pos_external_id: Option<&str>) -> Result<()>;

    /// The verdict of an intent this client has just read ([`PointApi::get`]) from the API.
    fn sale_of(&self, t: &Transport, intent: Intent) -> Result<Sale>;

    /// Whether a cancel through this API can still stop a sale in `status`.
    fn can_cancel(&self, status: &Status) -> bool;

    /// Whether a sale on this API shows a processing status (`PROCESSING`) between the card and
    /// the verdict, which lets a wait poll slower while it waits for the card
    /// ([`crate::wait::PollPhase`]).
    fn shows_processing(&self) -> bool;

    /// A payment, through the Payments API both Point APIs share.
    fn get_payment(&self, t: &Transport, payment_id: u64) -> Result<Payment> {
        payments::get(t, payment_id)
    }

    /// The payments of an external reference, through the Payments API.
    fn find_payments(&self, t: &Transport, external_reference: &str) -> Result<Vec<Payment>> {
        payments::search(t, external_reference)
    }

    /// A refund of a payment, through the Payments API (`key`: the caller's, or a new one).
    fn refund_payment(
        &self,
        t: &Transport,
        payment_id: u64,
        amount: Option<Amount>,
        key: Option<&str>,
    ) -> Result<Refund> {
        payments::refund(t, payment_id, amount, key)
    }
}

/// What the APIs take from the builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiOptions {
    /// `x-integrator-id` (a header on intents, `integration_data` on orders).
    pub integrator_id: Option<String>,
    /// `x-platform-id` (also `integration_data` on orders).
    pub platform_id: Option<String>,
    /// What an Orders create adds.
    pub orders: orders::OrderOptions,
}

/// Which Mercado Pago API drives the terminals.
///
/// * [`Api::Intents`] — the InStore *payment intents* (`/instore-api/...`), the default.
/// * [`Api::Orders`] — the Orders API (`/v1/orders` with `type: "point"`, `/terminals/v1/...`),
///   which Mercado Pago recommends for new Point integrations.
///
/// ```
/// use mppoint::Api;
/// assert_eq!("orders".parse::<Api>().unwrap(), Api::Orders);
/// assert_eq!(Api::default(), Api::Intents);
/// assert_eq!(Api::Orders.to_string(), "orders");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// The InStore payment intents.
    #[default]
    Intents,
    /// The Orders API for Point.
    Orders,
}

impl Api {
    /// The implementation of this API, with its options checked (a `CONFIG` error otherwise).
    pub(crate) fn connect(self, opts: ApiOptions) -> Result<Box<dyn PointApi>> {
        Ok(match self {
            Api::Intents => Box::new(intents::Intents::new(opts)),
            Api::Orders => Box::new(orders::Orders::new(opts)?),
        })
    }

    /// Both APIs.
    pub const ALL: [Api; 2] = [Api::Intents, Api::Orders];

    /// Whether a sale in `status` can still be canceled through this API (each API's own rule:
    /// an intent only while `OPENED`; an order while `created` and, by asking the terminal,
    /// while `at_terminal`). Past that it must be canceled on the terminal.
    pub fn can_cancel_via_api(self, status: &Status) -> bool {
        match self {
            Api::Intents => intents::can_cancel(status),
            Api::Orders => orders::can_cancel(status),
        }
    }

    /// `"intents"` or `"orders"`: the name every binding and the CLI use.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Intents => "intents",
            Api::Orders => "orders",
        }
    }

    /// Reads `"intents"` or `"orders"` (case-insensitively, surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Api> {
        let t = s.trim().to_ascii_lowercase();
        Api::ALL
            .into_iter()
            .find(|a| a.as_str() == t)
            .ok_or_else(|| Error::invalid_argument("api", "must be \"intents\" or \"orders\"", s))
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Api {
    type Err = Error;
    fn from_str(s: &str) -> Result<Api> {
        Api::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// Each API's own cancel rule: the terminal's intent is the terminal's to cancel, while an
    /// order at the terminal can still be canceled by asking the terminal.
    #[test]
    fn each_api_says_what_it_can_cancel() {
        use Status::*;
        for (status, intents, orders) in [
            (Opened, true, true),
            (OnTerminal, false, true),
            (Processing, false, false),
            (CancelRequested, false, false),
            (Closed, false, false),
            (Canceled, false, false),
        ] {
            assert_eq!(
                Api::Intents.can_cancel_via_api(&status),
                intents,
                "{status}"
            );
            assert_eq!(Api::Orders.can_cancel_via_api(&status), orders, "{status}");
        }
    }

    #[test]
    fn names() {
        for a in Api::ALL {
            assert_eq!(Api::parse(a.as_str()).unwrap(), a);
        }
        assert_eq!(Api::parse(" Orders ").unwrap(), Api::Orders);
        assert_eq!(serde_json::to_value(Api::Orders).unwrap(), "orders");
        let e = Api::parse("order").unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some("api"))
        );
    }
}
