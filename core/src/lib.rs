//! # mppoint
//!
//! Drive Mercado Pago **Point** card terminals from point-of-sale software through the InStore
//! API *intents*: create an intent for the terminal at a till, follow it until it ends, learn
//! whether the card payment was approved, cancel it if the customer walks away, and verify and read
//! the webhook Mercado Pago sends when it ends.
//!
//! Money is exact ([`Amount`] is integer cents), a retried create never charges twice (every create
//! carries an `X-Idempotency-Key` reused on its retries), a create whose answer was lost says so
//! ([`ErrorKind::OutcomeUnknown`]), and a `CLOSED` intent is not a paid sale until its payment is
//! approved ([`Sale::verdict`]).
//!
//! The crate `mppoint-simulator` runs a local Mercado Pago Point API with simulated terminals, so
//! everything can be tested without a terminal; the crate `mppoint-cli` is the `mppoint` command.

#![deny(missing_docs)]

pub mod amount;
pub mod api;
pub mod client;
mod client_orders;
pub mod config;
pub mod device;
pub mod error;
pub mod intent;
pub mod journal;
pub mod payment;
pub mod print;
mod retry;
pub mod sale;
pub mod sandbox;
mod serde_util;
pub mod status;
mod transport;
pub mod wait;
pub mod wakeup;
pub mod webhook;

pub use amount::{Amount, AmountLimits, Site};
pub use api::Api;
pub use client::{Client, DeviceIter};
pub use config::{ClientBuilder, RetryPolicy};
pub use device::{Device, DeviceFilter, DevicePage, OperatingMode, Paging};
pub use error::{Cause, Error, ErrorFields, ErrorKind, Result};
pub use intent::{
    Intent, IntentRequest, Operation, OperationResult, ResultId, ResultSource, Target,
};
pub use journal::{ApprovedPolicy, PendingSale, SaleState};
pub use payment::{Payment, PaymentStatus, Refund};
pub use sale::{Sale, Verdict};
pub use status::Status;
pub use wait::{CancelToken, PollPhase, PollSchedule, WaitOptions, WEBHOOK_FALLBACK_POLL};
pub use wakeup::{WakeRegistration, WebhookDelivery, WEBHOOK_TOLERANCE};

/// The version of this library.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
