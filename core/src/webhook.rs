//! Webhook notifications: verify the `x-signature` of a notification and read it.
//!
//! (Skeleton: the functions below are being written; see the module docs once they are.)

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::Result;
use crate::intent::Intent;

/// Why a signature was refused: the same six reasons as Mercado Pago's own SDKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// No `x-signature` header.
    MissingHeader,
    /// The header could not be read.
    MalformedHeader,
    /// No `ts` in the header.
    MissingTimestamp,
    /// No `v1` in the header.
    MissingHash,
    /// The signature does not match.
    SignatureMismatch,
    /// `ts` is farther from now than the tolerance.
    TimestampOutOfTolerance,
}

impl FailureReason {
    /// Every reason, in code order.
    pub const ALL: [FailureReason; 6] = [
        FailureReason::MissingHeader,
        FailureReason::MalformedHeader,
        FailureReason::MissingTimestamp,
        FailureReason::MissingHash,
        FailureReason::SignatureMismatch,
        FailureReason::TimestampOutOfTolerance,
    ];

    /// The stable code, the same in every language.
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::MissingHeader => "MISSING_HEADER",
            FailureReason::MalformedHeader => "MALFORMED_HEADER",
            FailureReason::MissingTimestamp => "MISSING_TIMESTAMP",
            FailureReason::MissingHash => "MISSING_HASH",
            FailureReason::SignatureMismatch => "SIGNATURE_MISMATCH",
            FailureReason::TimestampOutOfTolerance => "TIMESTAMP_OUT_OF_TOLERANCE",
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Options of [`verify`].
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Refuse a `ts` farther than this from now (10-digit `ts` read as seconds, 13-digit as
    /// milliseconds). `None`: no time check.
    pub tolerance: Option<Duration>,
    /// The clock ("now") used for the tolerance; `None`: the system clock.
    pub now: Option<SystemTime>,
}

/// Verifies a notification's signature.
pub fn verify(
    _secret: &str,
    _x_signature: Option<&str>,
    _x_request_id: Option<&str>,
    _data_id: Option<&str>,
    _opts: &VerifyOptions,
) -> Result<()> {
    todo!("webhook::verify")
}

/// Produces an `x-signature` header value (`ts=…,v1=…`) for tests and the simulator.
pub fn sign(
    _secret: &str,
    _data_id: Option<&str>,
    _x_request_id: Option<&str>,
    _ts: u64,
) -> String {
    todo!("webhook::sign")
}

/// A notification's `data`: the intent as it ended, plus its `url`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotificationData {
    /// The intent.
    #[serde(flatten)]
    pub intent: Intent,
    /// The intent's API URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
