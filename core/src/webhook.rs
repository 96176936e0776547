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

/// The signed manifest: `id:{data_id};request-id:{x_request_id};ts:{ts};`, where a pair whose
/// value is missing or empty is left out entirely (`ts:` is always there).
pub fn manifest(data_id: Option<&str>, x_request_id: Option<&str>, ts: &str) -> String {
    let mut m = String::with_capacity(64);
    if let Some(id) = data_id.map(str::trim).filter(|s| !s.is_empty()) {
        m.push_str("id:");
        m.push_str(id);
        m.push(';');
    }
    if let Some(r) = x_request_id.map(str::trim).filter(|s| !s.is_empty()) {
        m.push_str("request-id:");
        m.push_str(r);
        m.push(';');
    }
    m.push_str("ts:");
    m.push_str(ts);
    m.push(';');
    m
}

/// Lower-case hex HMAC-SHA256 of `message` keyed with `secret`.
pub(crate) fn hmac_hex(secret: &str, message: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Produces an `x-signature` header value (`ts=…,v1=…`) that [`verify`] accepts, for tests and
/// the simulator. `ts` is written as given (seconds or milliseconds).
pub fn sign(secret: &str, data_id: Option<&str>, x_request_id: Option<&str>, ts: u64) -> String {
    let ts = ts.to_string();
    let v1 = hmac_hex(secret, &manifest(data_id, x_request_id, &ts));
    format!("ts={ts},v1={v1}")
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
