//! Webhook notifications: verify the `x-signature` of a notification and read it.
//!
//! Mercado Pago calls the shop's webhook URL when an intent reaches a final status (event
//! "Integraciones Presenciales", `type` `topic_instore_integration_wh`). The request carries:
//!
//! - the header `x-signature: ts=1704908010,v1=<hex>`,
//! - the header `x-request-id: <uuid>`,
//! - the query parameter `data.id` in the URL (the intent id),
//! - a JSON body whose `data` is the intent as it ended ([`Notification`]).
//!
//! [`verify_request`] does all of it from the raw request (headers, query string, body): it checks
//! the signature with [`verify`] and reads the body with [`parse`]. The two are public on their
//! own for frameworks that already split the request.
//!
//! The signature covers `data.id`, `x-request-id` and `ts`, **not the body**. [`verify_request`]
//! therefore also checks that the body's `data.id` is the signed one, but the status in the body
//! is still only as trustworthy as the transport: treat a notification as a prompt to look the
//! intent up (`Client::get_intent`) before handing over goods.
//!
//! Mercado Pago waits 22 seconds for a 200/201 and then retries every 15 minutes, so the same
//! notification can arrive more than once: answer 200 at once, queue the work, and drop repeats
//! with [`Notification::dedup_key`].
//!
//! ```
//! use std::collections::HashSet;
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use mppoint::webhook::{self, VerifyOptions};
//! use mppoint::ErrorKind;
//!
//! let secret = "the webhook secret from the Mercado Pago panel";
//!
//! // What Mercado Pago sends (built here with the test helper `signed_headers`).
//! let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
//! let intent_id = "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1";
//! let (x_signature, x_request_id) = webhook::signed_headers(secret, intent_id, now);
//! let headers = [("X-Signature", x_signature.as_str()), ("X-Request-Id", x_request_id.as_str())];
//! let query = format!("data.id={intent_id}&type=topic_instore_integration_wh");
//! let body = format!(r#"{{"id":"n-1","type":"topic_instore_integration_wh",
//!     "date_created":"2023-07-27 20:24:21.776642198-0400","live_mode":true,"user_id":12345667,
//!     "data":{{"id":"{intent_id}","status":"CLOSED","operations":[{{"type":"PURCHASE","amount":"10.14",
//!     "results":[{{"id":123456,"source":"PAYMENT"}}]}}]}}}}"#);
//!
//! // The handler: verify, parse, answer at once, drop repeats, work later.
//! struct Receiver {
//!     secret: String,
//!     opts: VerifyOptions,
//!     seen: HashSet<String>,              // in production: a table with a unique key
//!     queue: Vec<webhook::Notification>,  // in production: a job queue
//! }
//! impl Receiver {
//!     fn handle(&mut self, headers: &[(&str, &str)], query: &str, body: &[u8]) -> u16 {
//!         match webhook::verify_request(&self.secret, headers, query, body, &self.opts) {
//!             Ok(n) => {
//!                 if self.seen.insert(n.dedup_key()) {
//!                     self.queue.push(n); // then look the intent and its payment up
//!                 }
//!                 200 // a repeat is answered 200 too, or Mercado Pago keeps retrying
//!             }
//!             Err(e) if e.kind() == ErrorKind::InvalidSignature => 401,
//!             Err(_) => 400,
//!         }
//!     }
//! }
//! let mut rx = Receiver {
//!     secret: secret.to_string(),
//!     opts: VerifyOptions::with_tolerance(Duration::from_secs(300)),
//!     seen: HashSet::new(),
//!     queue: Vec::new(),
//! };
//! assert_eq!(rx.handle(&headers, &query, body.as_bytes()), 200);
//! assert_eq!(rx.handle(&headers, &query, body.as_bytes()), 200); // a retry
//! assert_eq!(rx.queue.len(), 1);
//! assert!(rx.queue[0].is_final());
//! assert_eq!(rx.queue[0].data.intent.payment_ids(), vec![123456]);
//!
//! // A forged body under a replayed signature is refused.
//! let forged = body.replace(intent_id, "another-intent");
//! assert_eq!(rx.handle(&headers, &query, forged.as_bytes()), 401);
//! ```
//!
//! # Compatibility with Mercado Pago's SDKs
//!
//! [`verify`] gives the same verdicts as Mercado Pago's own validators (Python
//! `mercadopago.webhook.WebhookSignatureValidator`, Node `WebhookSignatureValidator` of the
//! `mercadopago` package), with one deliberate difference: with a tolerance set, they read every
//! `ts` as seconds, while we read a `ts` of exactly 13 digits as milliseconds (Mercado Pago's docs
//! call it milliseconds, their examples are in seconds). The shared conformance vectors are in
//! `tests/fixtures/signature_vectors.json`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::{quote_snippet, Error, ErrorKind, Result};
use crate::intent::{Intent, Status};

type HmacSha256 = Hmac<sha2::Sha256>;

/// Why a signature was refused: the same six reasons as Mercado Pago's own SDKs, checked in this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The `x-signature` header is absent, empty or only whitespace. The request did not come from
    /// Mercado Pago's webhooks (or a proxy dropped the header).
    MissingHeader,
    /// The header holds neither a `ts=` nor any `vN=` pair with a value (for example `garbage`,
    /// `a=b`, `ts=,v1=`), or its `ts` is not made only of the digits 0-9 (`ts=abc`, `ts=-1`,
    /// `ts=1.5`).
    MalformedHeader,
    /// The header has a version hash (`v1=…`, `v2=…`) but no non-empty `ts=`.
    MissingTimestamp,
    /// The header has a valid `ts` but no non-empty `v1=` (for example only `v2=`): Mercado Pago may
    /// have moved to a new signature version.
    MissingHash,
    /// The HMAC-SHA256 of the manifest with the secret is not the header's `v1` (compared as
    /// lower-case hex, exactly; an upper-case digest does not match). A wrong webhook secret, a
    /// `data.id` or `x-request-id` that is not the one signed, or a forged request.
    SignatureMismatch,
    /// The signature matches, but `ts` is farther from now than the tolerance of
    /// [`VerifyOptions::tolerance`]: a replay, or a server clock that is off.
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

    /// The reason whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<FailureReason> {
        FailureReason::ALL.into_iter().find(|r| r.code() == code)
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

impl VerifyOptions {
    /// Options that refuse a `ts` farther than `tolerance` from the system clock.
    pub fn with_tolerance(tolerance: Duration) -> VerifyOptions {
        VerifyOptions {
            tolerance: Some(tolerance),
            now: None,
        }
    }

    /// The same options, with "now" fixed at `now` (for tests and replays).
    pub fn at(mut self, now: SystemTime) -> VerifyOptions {
        self.now = Some(now);
        self
    }
}

/// The two values of an `x-signature` header that the signature uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignatureHeader {
    /// The timestamp, as sent (ASCII digits only; seconds, or milliseconds when 13 digits).
    pub ts: String,
    /// The `v1` hash, as sent (trimmed; not lower-cased).
    pub v1: String,
}

/// The borrowed result of reading a header: what [`verify`] needs, without allocating.
struct RawHeader<'a> {
    ts: &'a str,
    v1: &'a str,
}

/// Reads an `x-signature` header the way Mercado Pago's SDKs do: split on `,`, each part on its
/// first `=`; keys and values trimmed, keys compared case-insensitively; parts without `=` and
/// parts with an empty key or value are ignored; `ts` and any `vN` key (a `v` and digits) are kept,
/// the last one winning; other keys are ignored. Then, in this order:
///
/// - a blank header is [`FailureReason::MissingHeader`];
/// - no `ts` and no `vN` at all is [`FailureReason::MalformedHeader`];
/// - no `ts` is [`FailureReason::MissingTimestamp`];
/// - a `ts` that is not only ASCII digits is [`FailureReason::MalformedHeader`];
/// - no `v1` is [`FailureReason::MissingHash`].
///
/// ```
/// use mppoint::webhook::{parse_signature_header, FailureReason};
/// let h = parse_signature_header(" TS = 1704908010 , V1=abc, x=y ").unwrap();
/// assert_eq!((h.ts.as_str(), h.v1.as_str()), ("1704908010", "abc"));
/// assert_eq!(parse_signature_header("v1=abc"), Err(FailureReason::MissingTimestamp));
/// assert_eq!(parse_signature_header("garbage"), Err(FailureReason::MalformedHeader));
/// ```
pub fn parse_signature_header(value: &str) -> std::result::Result<SignatureHeader, FailureReason> {
    let raw = read_header(value)?;
    Ok(SignatureHeader {
        ts: raw.ts.to_string(),
        v1: raw.v1.to_string(),
    })
}

fn read_header(value: &str) -> std::result::Result<RawHeader<'_>, FailureReason> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FailureReason::MissingHeader);
    }
    let mut ts: Option<&str> = None;
    let mut v1: Option<&str> = None;
    let mut any_version = false;
    for part in value.split(',') {
        let Some((key, val)) = part.split_once('=') else {
            continue;
        };
        let (key, val) = (key.trim(), val.trim());
        if key.is_empty() || val.is_empty() {
            continue;
        }
        if key.eq_ignore_ascii_case("ts") {
            ts = Some(val);
        } else if is_version_key(key) {
            any_version = true;
            if key.eq_ignore_ascii_case("v1") {
                v1 = Some(val);
            }
        }
    }
    let ts = match ts {
        Some(ts) => ts,
        None if any_version => return Err(FailureReason::MissingTimestamp),
        None => return Err(FailureReason::MalformedHeader),
    };
    if !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FailureReason::MalformedHeader);
    }
    match v1 {
        Some(v1) => Ok(RawHeader { ts, v1 }),
        None => Err(FailureReason::MissingHash),
    }
}

/// `v` or `V` followed by one or more ASCII digits (the SDKs' `^v\d+$` after lower-casing).
fn is_version_key(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1..].iter().all(u8::is_ascii_digit)
}

/// A header or query value as the SDKs use it: trimmed, and `None` when blank.
fn normalize(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Verifies a notification's signature.
///
/// `x_signature` and `x_request_id` are the request's headers, `data_id` the `data.id` query
/// parameter of the URL (decoded, exactly as received: it is neither lower-cased nor taken from
/// the body). Blank values count as absent and their pair is left out of the manifest
/// (see [`manifest`]). The computed lower-case hex HMAC-SHA256 is compared in constant time with
/// the header's `v1` as given. With [`VerifyOptions::tolerance`] set, a valid signature whose `ts`
/// is too far from now is refused too.
///
/// The error is of kind [`ErrorKind::InvalidSignature`]; [`Error::signature_failure`] tells why
/// (see [`FailureReason`]) and [`Error::request_id`] carries the `x-request-id`. Answer such a
/// request with 401 and do not act on it.
///
/// ```
/// use mppoint::webhook::{sign, verify, FailureReason, VerifyOptions};
/// let sig = sign("secret", Some("abc"), Some("req-1"), 1704908010);
/// verify("secret", Some(&sig), Some("req-1"), Some("abc"), &VerifyOptions::default())?;
/// let e = verify("wrong", Some(&sig), Some("req-1"), Some("abc"), &VerifyOptions::default())
///     .unwrap_err();
/// assert_eq!(e.signature_failure(), Some(FailureReason::SignatureMismatch));
/// # Ok::<(), mppoint::Error>(())
/// ```
pub fn verify(
    secret: &str,
    x_signature: Option<&str>,
    x_request_id: Option<&str>,
    data_id: Option<&str>,
    opts: &VerifyOptions,
) -> Result<()> {
    let request_id = normalize(x_request_id);
    check(secret, x_signature, request_id, normalize(data_id), opts)
        .map_err(|f| f.into_error(request_id))
}

/// A refusal with what the message needs.
struct Failure<'a> {
    reason: FailureReason,
    header: Option<&'a str>,
    ts: Option<&'a str>,
    drift: Option<Duration>,
    tolerance: Option<Duration>,
}

impl<'a> Failure<'a> {
    fn new(reason: FailureReason) -> Failure<'a> {
        Failure {
            reason,
            header: None,
            ts: None,
            drift: None,
            tolerance: None,
        }
    }

    fn into_error(self, request_id: Option<&str>) -> Error {
        let header = self.header.map(quote_snippet).unwrap_or_default();
        let ts = self.ts.unwrap_or_default();
        let message = match self.reason {
            FailureReason::MissingHeader => "webhook refused: the request has no x-signature \
                header, so it cannot be from Mercado Pago (or a proxy dropped the header); \
                answer 401 and ignore it"
                .to_string(),
            FailureReason::MalformedHeader => format!(
                "webhook refused: the x-signature header {header} is not of the form \
                 ts=<digits>,v1=<hex>; answer 401 and ignore it, and if genuine notifications \
                 fail this way check that no proxy rewrites the header"
            ),
            FailureReason::MissingTimestamp => format!(
                "webhook refused: the x-signature header {header} has no ts=; answer 401 and \
                 ignore it"
            ),
            FailureReason::MissingHash => format!(
                "webhook refused: the x-signature header {header} has no v1= hash; if Mercado \
                 Pago now signs with a newer version, upgrade mppoint"
            ),
            FailureReason::SignatureMismatch => "webhook refused: the signature does not match; \
                check the webhook secret in the Mercado Pago panel (Your integrations > your \
                application > Webhooks > secret signature) is the one this server uses, and \
                that data.id is passed from the URL query exactly as received; otherwise the \
                request is forged"
                .to_string(),
            FailureReason::TimestampOutOfTolerance => format!(
                "webhook refused: its ts {ts} is {} seconds away from this server's clock \
                 (tolerance {} seconds); check the server clock (NTP) or widen the tolerance, \
                 otherwise it is a replayed notification",
                self.drift.map_or(0, |d| d.as_secs()),
                self.tolerance.map_or(0, |d| d.as_secs()),
            ),
        };
        Error::new(ErrorKind::InvalidSignature, message)
            .with_signature_failure(self.reason)
            .with_request_id(request_id.map(str::to_string))
    }
}

fn check<'a>(
    secret: &str,
    x_signature: Option<&'a str>,
    request_id: Option<&str>,
    data_id: Option<&str>,
    opts: &VerifyOptions,
) -> std::result::Result<(), Failure<'a>> {
    let Some(header) = normalize(x_signature) else {
        return Err(Failure::new(FailureReason::MissingHeader));
    };
    let raw = read_header(header).map_err(|reason| Failure {
        header: Some(header),
        ..Failure::new(reason)
    })?;

    let mut mac = keyed_mac(secret);
    feed_manifest(&mut mac, data_id, request_id, raw.ts);
    let expected = hex_lower(&mac.finalize().into_bytes());
    if !bool::from(expected.ct_eq(raw.v1.as_bytes())) {
        return Err(Failure {
            ts: Some(raw.ts),
            ..Failure::new(FailureReason::SignatureMismatch)
        });
    }

    if let Some(tolerance) = opts.tolerance {
        let now = opts.now.unwrap_or_else(SystemTime::now);
        let drift = ts_drift_nanos(raw.ts, now);
        let too_far = match drift {
            Some(d) => d > tolerance.as_nanos(),
            None => true,
        };
        if too_far {
            return Err(Failure {
                ts: Some(raw.ts),
                drift: Some(drift.map_or(Duration::MAX, nanos_to_duration)),
                tolerance: Some(tolerance),
                ..Failure::new(FailureReason::TimestampOutOfTolerance)
            });
        }
    }
    Ok(())
}

/// How far `ts` (ASCII digits: milliseconds when exactly 13 digits, seconds otherwise) is from
/// `now`, in nanoseconds; `None` when it is too large to represent (certainly out of tolerance).
fn ts_drift_nanos(ts: &str, now: SystemTime) -> Option<u128> {
    let value: u128 = ts.parse().ok()?;
    let per_unit: u128 = if ts.len() == 13 {
        1_000_000
    } else {
        1_000_000_000
    };
    let ts_ns = i128::try_from(value.checked_mul(per_unit)?).ok()?;
    let now_ns: i128 = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).ok()?,
        Err(e) => -i128::try_from(e.duration().as_nanos()).ok()?,
    };
    Some(ts_ns.checked_sub(now_ns)?.unsigned_abs())
}

fn nanos_to_duration(n: u128) -> Duration {
    let secs = u64::try_from(n / 1_000_000_000).unwrap_or(u64::MAX);
    // The remainder is below 10^9 and fits in u32.
    Duration::new(secs, (n % 1_000_000_000) as u32)
}

/// An HMAC-SHA256 keyed with `secret`.
fn keyed_mac(secret: &str) -> HmacSha256 {
    // HMAC takes keys of any length (longer ones are hashed, shorter ones padded): this never fails.
    <HmacSha256 as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length")
}

/// Feeds the manifest's pieces straight into the HMAC (same bytes as [`manifest`], no `String`).
fn feed_manifest(mac: &mut HmacSha256, data_id: Option<&str>, request_id: Option<&str>, ts: &str) {
    if let Some(id) = data_id {
        mac.update(b"id:");
        mac.update(id.as_bytes());
        mac.update(b";");
    }
    if let Some(r) = request_id {
        mac.update(b"request-id:");
        mac.update(r.as_bytes());
        mac.update(b";");
    }
    mac.update(b"ts:");
    mac.update(ts.as_bytes());
    mac.update(b";");
}

/// Lower-case hex of a 32-byte digest, on the stack.
fn hex_lower(digest: &[u8]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

/// The signed manifest: `id:{data_id};request-id:{x_request_id};ts:{ts};`, where a pair whose
/// value is missing or blank is left out entirely (`ts:` is always there). Values are trimmed and
/// otherwise used exactly as given (`data.id` is not lower-cased), as Mercado Pago's SDKs do.
pub fn manifest(data_id: Option<&str>, x_request_id: Option<&str>, ts: &str) -> String {
    let mut m = String::with_capacity(64);
    if let Some(id) = normalize(data_id) {
        m.push_str("id:");
        m.push_str(id);
        m.push(';');
    }
    if let Some(r) = normalize(x_request_id) {
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
    let mut mac = keyed_mac(secret);
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

/// The two headers of a signed notification for `data_id` at `ts`, as Mercado Pago would send
/// them: `(x-signature, x-request-id)`, the request id a new UUID v4. For tests and the simulator;
/// pass `data_id` in the query as `data.id`.
pub fn signed_headers(secret: &str, data_id: &str, ts: u64) -> (String, String) {
    let request_id = uuid::Uuid::new_v4().to_string();
    let signature = sign(secret, Some(data_id), Some(&request_id), ts);
    (signature, request_id)
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

/// A webhook notification's body. Unknown fields are ignored. The envelope is read leniently (a
/// missing `id` or `type` is empty; a `live_mode`, `user_id` or `date_created` of an unexpected
/// shape is `None`); `data` is read strictly (it needs `id` and `status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The notification's id (sent as a string or a number; kept as text).
    #[serde(default, deserialize_with = "de_text")]
    pub id: String,
    /// What happened, e.g. `topic_instore_integration_wh.application.authorized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The JSON `type`: `topic_instore_integration_wh` for Point and QR intents.
    #[serde(rename = "type", default, deserialize_with = "de_text")]
    pub kind: String,
    /// When Mercado Pago created the notification.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_date"
    )]
    pub date_created: Option<NotificationDate>,
    /// Whether it comes from production (`false` for test credentials).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_bool"
    )]
    pub live_mode: Option<bool>,
    /// The Mercado Pago account (a number, or a numeric string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_u64"
    )]
    pub user_id: Option<u64>,
    /// The intent as it ended.
    pub data: NotificationData,
}

impl Notification {
    /// The intent id (`data.id`).
    pub fn intent_id(&self) -> &str {
        &self.data.intent.id
    }

    /// The intent's status (`data.status`).
    pub fn status(&self) -> &Status {
        &self.data.intent.status
    }

    /// Whether the intent's status is final (`CLOSED`, `CONFIRMATION_REQUIRED`, `CANCELED`,
    /// `ERROR`, `EXPIRED`). Mercado Pago only notifies final statuses; an unknown status is not
    /// final. `CLOSED` is not yet a paid sale: look its payment up.
    pub fn is_final(&self) -> bool {
        self.data.intent.status.is_final()
    }

    /// A key that is the same for every delivery of the same event: `{intent id}:{STATUS}`.
    ///
    /// Mercado Pago retries a notification every 15 minutes until it gets a 200/201 within 22
    /// seconds, so a slow or failed answer makes the same notification arrive again. An intent
    /// reaches a given final status only once, so the intent id and the status identify the event
    /// whatever the delivery: remember the keys already handled and answer 200 without acting
    /// when one comes back.
    pub fn dedup_key(&self) -> String {
        // An order notification: the order's own status (in its `order.<status>` action), since
        // `processed` and `refunded` are both CLOSED and are two events.
        if self.kind == "order" {
            if let Some(s) = self
                .action
                .as_deref()
                .and_then(|a| a.strip_prefix("order."))
            {
                return format!("{}:{}", self.data.intent.id, s);
            }
        }
        format!(
            "{}:{}",
            self.data.intent.id,
            self.data.intent.status.as_str()
        )
    }
}

/// The `date_created` of a notification: the text as sent, and the instant when it could be read.
///
/// Mercado Pago writes `2023-07-27 20:24:21.776642198-0400` (a space, up to nine fractional
/// digits, an offset without a colon), which is not RFC 3339; that form (with `T` or a space, with
/// or without fraction, offset with or without colon) and RFC 3339 are read. Anything else keeps
/// its text with no instant: it is not an error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotificationDate {
    raw: String,
    parsed: Option<OffsetDateTime>,
}

impl NotificationDate {
    /// Reads `raw` (never fails: an unreadable date has no [`parsed`](Self::parsed) instant).
    pub fn parse(raw: &str) -> NotificationDate {
        NotificationDate {
            raw: raw.to_string(),
            parsed: parse_date(raw),
        }
    }

    /// The text as sent.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The instant, when the text could be read.
    pub fn parsed(&self) -> Option<OffsetDateTime> {
        self.parsed
    }

    /// The instant in RFC 3339 (`2023-07-27T20:24:21.776642198-04:00`), when the text could be
    /// read.
    pub fn rfc3339(&self) -> Option<String> {
        self.parsed.and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
    }
}

impl fmt::Display for NotificationDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn parse_date(raw: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let s = raw.trim();
    if let Ok(d) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(d);
    }
    // Mercado Pago's form and its near relatives; `[subsecond]` reads one to nine digits.
    let with_offset: [&[time::format_description::BorrowedFormatItem<'_>]; 3] = [
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory]:[offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
        ),
    ];
    if let Some(d) = with_offset
        .iter()
        .find_map(|form| OffsetDateTime::parse(s, form).ok())
    {
        return Some(d);
    }
    let utc = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]Z"
    );
    time::PrimitiveDateTime::parse(s, utc)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

impl Serialize for NotificationDate {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for NotificationDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(NotificationDate::parse(&raw))
    }
}

/// A string, or a number kept as its text; anything else (or null) is empty.
fn de_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

fn de_opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<NotificationDate>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(NotificationDate::parse(&s)),
        _ => None,
    })
}

/// `true`/`false`, or the strings `"true"`/`"false"`; anything else is `None`.
fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// A non-negative integer, or a string of one; anything else is `None`.
fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Reads a notification's JSON body.
///
/// Invalid UTF-8, malformed or truncated JSON, and a `data` without `id` or `status` are
/// [`ErrorKind::Decode`] errors whose message quotes the start of the body. Never panics.
///
/// ```
/// let n = mppoint::webhook::parse(br#"{"id":"1","type":"topic_instore_integration_wh",
///     "data":{"id":"abc","status":"CANCELED"}}"#)?;
/// assert_eq!(n.dedup_key(), "abc:CANCELED");
/// assert!(n.is_final());
/// assert!(mppoint::webhook::parse(b"{\"data\":").is_err());
/// # Ok::<(), mppoint::Error>(())
/// ```
pub fn parse(body: &[u8]) -> Result<Notification> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            return Err(decode_error(
                format!("is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
                body,
            ))
        }
    };
    if text.trim().is_empty() {
        return Err(decode_error("is empty".to_string(), body));
    }
    // An Orders API notification (`type: "order"`): its order is read as the shared intent.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if crate::api::orders::is_order_notification(&v) {
            let v = crate::api::orders::notification_as_intent(v)
                .map_err(|e| decode_error(format!("is not an order notification ({e})"), body))?;
            return serde_json::from_value(v)
                .map_err(|e| decode_error(format!("is not an order notification ({e})"), body));
        }
    }
    serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => format!("is truncated JSON ({e})"),
            serde_json::error::Category::Syntax => format!("is not valid JSON ({e})"),
            _ => format!("is not a notification ({e}); data.id and data.status are required"),
        };
        decode_error(what, body)
    })
}

fn decode_error(what: String, body: &[u8]) -> Error {
    let start = &body[..body.len().min(200)];
    Error::new(
        ErrorKind::Decode,
        format!(
            "webhook body {what}; it starts {}",
            quote_snippet(&String::from_utf8_lossy(start))
        ),
    )
}

/// Verifies and reads a whole webhook request, as the web framework received it.
///
/// - `headers`: the request's headers; names are matched case-insensitively (`x-signature`,
///   `x-request-id`), the first of each is used.
/// - `query`: the URL's query string (`data.id=…&type=…`; a leading `?`, or a path before the `?`,
///   is skipped). It is read as `application/x-www-form-urlencoded`, as web frameworks and
///   Mercado Pago's SDK examples do: `+` is a space, `%XX` is decoded (invalid UTF-8 becomes
///   U+FFFD), the first `data.id` counts.
/// - `body`: the raw body.
///
/// The signature is checked with [`verify`] (on failure: [`ErrorKind::InvalidSignature`]), then
/// the body is read with [`parse`] (on failure: [`ErrorKind::Decode`]). The signature does not
/// cover the body, so a body whose `data.id` is not the signed `data.id` is refused as
/// [`FailureReason::SignatureMismatch`].
pub fn verify_request(
    secret: &str,
    headers: &[(&str, &str)],
    query: &str,
    body: &[u8],
    opts: &VerifyOptions,
) -> Result<Notification> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let x_signature = header("x-signature");
    let x_request_id = header("x-request-id");
    let data_id = query_param(query, "data.id");
    verify(secret, x_signature, x_request_id, data_id.as_deref(), opts)?;
    let notification = parse(body)?;
    if let Some(signed) = normalize(data_id.as_deref()) {
        let in_body = notification.data.intent.id.trim();
        if !in_body.eq_ignore_ascii_case(signed) {
            return Err(Error::new(
                ErrorKind::InvalidSignature,
                format!(
                    "webhook refused: the body is about intent {} but the signature is for data.id \
                     {}; the body was altered, answer 401 and ignore it",
                    quote_snippet(in_body),
                    quote_snippet(signed)
                ),
            )
            .with_signature_failure(FailureReason::SignatureMismatch)
            .with_request_id(normalize(x_request_id).map(str::to_string)));
        }
    }
    Ok(notification)
}

/// The first value of `name` in a form-urlencoded query string, decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    let query = query.split_once('?').map_or(query, |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(k, _)| form_decode(k) == name)
        .map(|(_, v)| form_decode(v))
}

fn form_decode(s: &str) -> String {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return s.to_string();
    }
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "your_secret_key_here";
    const RID: &str = "2066ca19-c6f1-498a-be75-1923005edd06";
    const ID: &str = "1234567-12345-12345678-1234567890";
    const TS: u64 = 1_704_908_010;
    /// HMAC-SHA256(SECRET, "id:{ID};request-id:{RID};ts:{TS};"), computed with Python's hmac.
    const KNOWN: &str = "9a8fcb5a5086cdcfdf6c9ad92b416aecb88c284af545e2c408556755cab08a1b";

    const MLA: &str = include_str!("../../tests/fixtures/notification_mla.json");
    const MLB: &str = include_str!("../../tests/fixtures/notification_mlb.json");

    fn reason(r: Result<()>) -> Option<FailureReason> {
        match r {
            Ok(()) => None,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidSignature, "{e}");
                Some(e.signature_failure().expect("a reason"))
            }
        }
    }

    fn v(sig: Option<&str>, rid: Option<&str>, id: Option<&str>) -> Option<FailureReason> {
        reason(verify(SECRET, sig, rid, id, &VerifyOptions::default()))
    }

    fn at_ms(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn tol(secs: u64, now_ms: u64) -> VerifyOptions {
        VerifyOptions::with_tolerance(Duration::from_secs(secs)).at(at_ms(now_ms))
    }

    #[test]
    fn known_answer_and_manifest() {
        assert_eq!(
            manifest(Some(ID), Some(RID), "1704908010"),
            format!("id:{ID};request-id:{RID};ts:1704908010;")
        );
        assert_eq!(
            sign(SECRET, Some(ID), Some(RID), TS),
            format!("ts={TS},v1={KNOWN}")
        );
        assert_eq!(
            v(Some(&format!("ts={TS},v1={KNOWN}")), Some(RID), Some(ID)),
            None
        );
        assert_eq!(
            sign(SECRET, None, None, TS),
            "ts=1704908010,v1=a85cce0f61742409b757e34e57c6368d3b9e6057b39550158d77dc7ea037806c"
        );
    }

    #[test]
    fn empty_pairs_are_dropped_from_the_manifest() {
        assert_eq!(manifest(None, None, "1"), "ts:1;");
        assert_eq!(manifest(Some(""), Some("  "), "1"), "ts:1;");
        assert_eq!(manifest(Some(" a "), None, "1"), "id:a;ts:1;");
        assert_eq!(manifest(None, Some("r"), "1"), "request-id:r;ts:1;");
        // Signed without the pairs: blank or absent values verify alike.
        let sig = sign(SECRET, None, None, TS);
        assert_eq!(v(Some(&sig), None, None), None);
        assert_eq!(v(Some(&sig), Some(""), Some("   ")), None);
        assert_eq!(
            v(Some(&sig), Some(RID), None),
            Some(FailureReason::SignatureMismatch)
        );
        let sig = sign(SECRET, Some(ID), None, TS);
        assert_eq!(v(Some(&sig), Some(" \t"), Some(ID)), None);
    }

    #[test]
    fn data_id_is_used_as_received() {
        let sig = sign(SECRET, Some("ORD01ABC"), Some(RID), TS);
        assert_eq!(v(Some(&sig), Some(RID), Some("ORD01ABC")), None);
        assert_eq!(
            v(Some(&sig), Some(RID), Some("ord01abc")),
            Some(FailureReason::SignatureMismatch)
        );
        // Trimmed, as the SDKs do.
        assert_eq!(
            v(Some(&sig), Some(&format!(" {RID} ")), Some(" ORD01ABC\t")),
            None
        );
    }

    #[test]
    fn every_failure_reason() {
        use FailureReason::*;
        let h = |s: &str| v(Some(s), Some(RID), Some(ID));
        assert_eq!(v(None, Some(RID), Some(ID)), Some(MissingHeader));
        assert_eq!(h(""), Some(MissingHeader));
        assert_eq!(h("  \t "), Some(MissingHeader));
        for malformed in [
            "garbage", "ts", "ts,v1", "a=b", "ts=,v1=", "=,=", ",,,", "x=1,y=2",
        ] {
            assert_eq!(h(malformed), Some(MalformedHeader), "{malformed}");
        }
        for bad_ts in [
            "ts=abc,v1=x",
            "ts=-1,v1=x",
            "ts=1.5,v1=x",
            "ts=+1,v1=x",
            "ts=1 2,v1=x",
        ] {
            assert_eq!(h(bad_ts), Some(MalformedHeader), "{bad_ts}");
        }
        // A non-digit ts is malformed before a missing hash is noticed.
        assert_eq!(h("ts=abc"), Some(MalformedHeader));
        assert_eq!(h(&format!("v1={KNOWN}")), Some(MissingTimestamp));
        assert_eq!(h(&format!("ts=,v1={KNOWN}")), Some(MissingTimestamp));
        assert_eq!(h("v2=abc"), Some(MissingTimestamp));
        assert_eq!(h(&format!("ts={TS}")), Some(MissingHash));
        assert_eq!(h(&format!("ts={TS},v1=")), Some(MissingHash));
        assert_eq!(h(&format!("ts={TS},v2={KNOWN}")), Some(MissingHash));
        assert_eq!(h(&format!("ts={TS},v1=00{KNOWN}")), Some(SignatureMismatch));
        assert_eq!(h(&format!("ts={TS},v1=abc")), Some(SignatureMismatch));
        assert_eq!(
            h(&format!("ts={},v1={KNOWN}", TS + 1)),
            Some(SignatureMismatch)
        );
        let far = verify(
            SECRET,
            Some(&format!("ts={TS},v1={KNOWN}")),
            Some(RID),
            Some(ID),
            &tol(300, (TS + 301) * 1000),
        );
        assert_eq!(reason(far), Some(TimestampOutOfTolerance));
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let e = verify(
            "wrong",
            Some(&sign(SECRET, Some(ID), Some(RID), TS)),
            Some(RID),
            Some(ID),
            &VerifyOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.message()
                .contains("webhook secret in the Mercado Pago panel"),
            "{e}"
        );
        assert_eq!(e.request_id(), Some(RID));
        let e = verify(
            SECRET,
            Some("garbage"),
            None,
            None,
            &VerifyOptions::default(),
        )
        .unwrap_err();
        assert!(e.message().contains("\"garbage\""), "{e}");
        assert_eq!(e.request_id(), None);
        let sig = sign(SECRET, None, None, TS);
        let e = verify(SECRET, Some(&sig), None, None, &tol(60, (TS + 3600) * 1000)).unwrap_err();
        assert!(e.message().contains("3600 seconds away"), "{e}");
        assert!(e.message().contains("clock"), "{e}");
        for r in FailureReason::ALL {
            assert_eq!(FailureReason::from_code(r.code()), Some(r));
            assert_eq!(r.to_string(), r.code());
        }
        assert_eq!(FailureReason::from_code("nope"), None);
    }

    #[test]
    fn keys_are_case_insensitive_values_trimmed_extras_ignored() {
        let ok = |s: String| assert_eq!(v(Some(&s), Some(RID), Some(ID)), None, "{s}");
        ok(format!("TS={TS},V1={KNOWN}"));
        ok(format!("Ts={TS},v1={KNOWN}"));
        ok(format!("  ts = {TS} ,  v1 =  {KNOWN}  "));
        ok(format!("v1={KNOWN},ts={TS}"));
        ok(format!("foo=bar,ts={TS},x,v2=zzz,v1={KNOWN},tail"));
        ok(format!("ts={TS},v1={KNOWN},"));
        ok(format!(",ts={TS},,v1={KNOWN}"));
        // The last non-empty value of a key wins; empty ones are skipped.
        ok(format!("ts=1,ts={TS},v1=bad,v1={KNOWN}"));
        ok(format!("ts={TS},v1={KNOWN},v1="));
        // The value is split on the first `=` only.
        assert_eq!(
            v(Some(&format!("ts={TS},v1={KNOWN}=")), Some(RID), Some(ID)),
            Some(FailureReason::SignatureMismatch)
        );
        let h = parse_signature_header(" TS = 123 , V1 = AbC , other = 1").unwrap();
        assert_eq!(
            h,
            SignatureHeader {
                ts: "123".into(),
                v1: "AbC".into()
            }
        );
    }

    #[test]
    fn upper_case_digest_is_refused() {
        let upper = KNOWN.to_ascii_uppercase();
        assert_eq!(
            v(Some(&format!("ts={TS},v1={upper}")), Some(RID), Some(ID)),
            Some(FailureReason::SignatureMismatch)
        );
    }

    #[test]
    fn parse_signature_header_reasons() {
        use FailureReason::*;
        assert_eq!(parse_signature_header(""), Err(MissingHeader));
        assert_eq!(parse_signature_header(" "), Err(MissingHeader));
        assert_eq!(parse_signature_header("nothing"), Err(MalformedHeader));
        assert_eq!(parse_signature_header("ts=x,v1=a"), Err(MalformedHeader));
        assert_eq!(parse_signature_header("v9=a"), Err(MissingTimestamp));
        assert_eq!(parse_signature_header("ts=1"), Err(MissingHash));
        assert_eq!(parse_signature_header("ts=1,vx=a"), Err(MissingHash));
        // `vx` is not a version key: nothing usable at all.
        assert_eq!(parse_signature_header("vx=a"), Err(MalformedHeader));
        assert_eq!(parse_signature_header("ts=١٢٣,v1=a"), Err(MalformedHeader));
    }

    fn signed_at(ts: u64) -> String {
        sign(SECRET, Some(ID), Some(RID), ts)
    }

    fn at(ts: u64, tolerance_secs: u64, now_ms: u64) -> Option<FailureReason> {
        reason(verify(
            SECRET,
            Some(&signed_at(ts)),
            Some(RID),
            Some(ID),
            &tol(tolerance_secs, now_ms),
        ))
    }

    #[test]
    fn tolerance_in_seconds() {
        let now = TS * 1000;
        assert_eq!(at(TS, 300, now), None);
        assert_eq!(at(TS, 300, now + 300_000), None, "the boundary is inside");
        assert_eq!(at(TS, 300, now - 300_000), None);
        assert_eq!(
            at(TS, 300, now + 300_001),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        assert_eq!(
            at(TS, 300, now - 300_001),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        assert_eq!(at(TS, 0, now), None);
        assert_eq!(
            at(TS, 0, now + 1),
            Some(FailureReason::TimestampOutOfTolerance)
        );
    }

    #[test]
    fn tolerance_in_milliseconds() {
        let ts_ms = TS * 1000 + 683; // 13 digits
        assert_eq!(ts_ms.to_string().len(), 13);
        assert_eq!(at(ts_ms, 300, ts_ms), None);
        assert_eq!(at(ts_ms, 300, ts_ms + 300_000), None);
        assert_eq!(at(ts_ms, 300, ts_ms - 300_000), None);
        assert_eq!(
            at(ts_ms, 300, ts_ms + 300_001),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        assert_eq!(
            at(ts_ms, 300, ts_ms - 300_001),
            Some(FailureReason::TimestampOutOfTolerance)
        );
    }

    #[test]
    fn tolerance_edges() {
        // Without a tolerance, any digits verify.
        let sig = signed_at(0);
        assert_eq!(v(Some(&sig), Some(RID), Some(ID)), None);
        // Other lengths are seconds: 12 digits is far in the future.
        assert_eq!(
            at(170_490_801_000, 300, TS * 1000),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        // Too large to represent: out of tolerance, not a panic.
        let huge = format!("ts={},v1=x", "9".repeat(60));
        let manifest_sig = hmac_hex(SECRET, &manifest(Some(ID), Some(RID), &"9".repeat(60)));
        let huge_ok = huge.replace("v1=x", &format!("v1={manifest_sig}"));
        assert_eq!(
            reason(verify(
                SECRET,
                Some(&huge_ok),
                Some(RID),
                Some(ID),
                &tol(300, TS * 1000)
            )),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        assert_eq!(
            reason(verify(
                SECRET,
                Some(&huge_ok),
                Some(RID),
                Some(ID),
                &VerifyOptions::default()
            )),
            None
        );
        // The signature is checked before the time: a bad signature stays a mismatch.
        assert_eq!(
            reason(verify(
                "wrong",
                Some(&signed_at(0)),
                Some(RID),
                Some(ID),
                &tol(1, TS * 1000)
            )),
            Some(FailureReason::SignatureMismatch)
        );
        // A clock before 1970 does not panic.
        let before = VerifyOptions::with_tolerance(Duration::from_secs(1))
            .at(UNIX_EPOCH - Duration::from_secs(10));
        assert_eq!(
            reason(verify(
                SECRET,
                Some(&signed_at(0)),
                Some(RID),
                Some(ID),
                &before
            )),
            Some(FailureReason::TimestampOutOfTolerance)
        );
        // The system clock is used when none is given.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let opts = VerifyOptions::with_tolerance(Duration::from_secs(60));
        assert!(verify(
            SECRET,
            Some(&signed_at(now.as_secs())),
            Some(RID),
            Some(ID),
            &opts
        )
        .is_ok());
        let ms = u64::try_from(now.as_millis()).unwrap();
        assert!(verify(SECRET, Some(&signed_at(ms)), Some(RID), Some(ID), &opts).is_ok());
    }

    #[test]
    fn signed_headers_verify() {
        let (sig, rid) = signed_headers(SECRET, ID, TS);
        assert_eq!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 4);
        assert_eq!(v(Some(&sig), Some(&rid), Some(ID)), None);
        let (_, other) = signed_headers(SECRET, ID, TS);
        assert_ne!(rid, other);
    }

    fn check_example(n: &Notification) {
        assert_eq!(n.id, "1234567-12345-12345678-1234567890");
        assert_eq!(
            n.action.as_deref(),
            Some("topic_instore_integration_wh.application.authorized")
        );
        assert_eq!(n.api_version.as_deref(), Some("v1"));
        assert_eq!(n.kind, "topic_instore_integration_wh");
        assert_eq!(n.live_mode, Some(true));
        assert_eq!(n.user_id, Some(12_345_667));
        let date = n.date_created.as_ref().unwrap();
        assert_eq!(date.raw(), "2023-07-27 20:24:21.776642198-0400");
        assert_eq!(
            date.rfc3339().as_deref(),
            Some("2023-07-27T20:24:21.776642198-04:00")
        );
        let i = &n.data.intent;
        assert_eq!(i.id, ID);
        assert_eq!(n.intent_id(), ID);
        assert_eq!(i.status, Status::Canceled);
        assert_eq!(n.status(), &Status::Canceled);
        assert_eq!(i.description.as_deref(), Some("abc"));
        assert_eq!(i.external_reference.as_deref(), Some("123132342341"));
        assert_eq!(i.amount().map(|a| a.cents()), Some(1014));
        assert_eq!(i.operations[0].kind, "PURCHASE");
        let e = i.enabler_configuration.as_ref().unwrap();
        assert_eq!(e.device_payment_mode.as_deref(), Some("CARD"));
        assert_eq!(e.print_on_terminal, vec!["SELLER_TICKET".to_string()]);
        assert_eq!(
            n.data.url.as_deref(),
            Some("https://api.mercadopago.com/instore-api/integrations/v1/intents/1234567-12345-12345678-1234567890/point")
        );
        assert!(n.is_final());
        assert_eq!(n.dedup_key(), format!("{ID}:CANCELED"));
    }

    #[test]
    fn parses_the_seed_examples() {
        let mla = parse(MLA.as_bytes()).unwrap();
        check_example(&mla);
        assert_eq!(
            mla.data
                .intent
                .enabler_configuration
                .as_ref()
                .unwrap()
                .ticket_number
                .as_deref(),
            Some("Ticket001")
        );
        let mlb = parse(MLB.as_bytes()).unwrap();
        check_example(&mlb);
        assert_eq!(
            mlb.data
                .intent
                .enabler_configuration
                .as_ref()
                .unwrap()
                .ticket_number,
            None
        );
        // Round trip through our own serialization.
        let again = parse(serde_json::to_string(&mla).unwrap().as_bytes()).unwrap();
        assert_eq!(again, mla);
    }

    #[test]
    fn parses_the_api_notes_example() {
        let body = r#"{
  "id": "1234567-12345-12345678-1234567890",
  "action": "topic_instore_integration_wh.application.authorized",
  "api_version": "v1",
  "type": "topic_instore_integration_wh",
  "date_created": "2023-07-27 20:24:21.776642198-0400",
  "live_mode": true,
  "user_id": 12345667,
  "data": {
    "id": "1234567-12345-12345678-1234567890",
    "status": "CANCELED",
    "description": "abc",
    "external_reference": "123132342341",
    "operations": [ { "amount": "10.14", "type": "PURCHASE" } ],
    "enabler_configuration": { "ticket_number": "Ticket001", "device_payment_mode": "CARD", "print_on_terminal": ["SELLER_TICKET"] },
    "url": "https://api.mercadopago.com/instore-api/integrations/v1/intents/1234567-12345-12345678-1234567890/point"
  }
}"#;
        let n = parse(body.as_bytes()).unwrap();
        check_example(&n);
        assert_eq!(n, parse(MLA.as_bytes()).unwrap());
    }

    #[test]
    fn lenient_envelope_strict_data() {
        let n = parse(
            br#"{"id": 98765, "user_id": "12345667", "live_mode": "false", "date_created": 5,
                 "extra": {"x": [1,2]}, "data": {"id": "i", "status": "closed", "new": 1,
                 "operations": [{"type":"PURCHASE","amount":"1.00","results":[{"id":"42","source":"PAYMENT"}]}]}}"#,
        )
        .unwrap();
        assert_eq!(n.id, "98765");
        assert_eq!(n.kind, "");
        assert_eq!(n.user_id, Some(12_345_667));
        assert_eq!(n.live_mode, Some(false));
        assert_eq!(n.date_created, None);
        assert_eq!(n.data.intent.status, Status::Closed);
        assert_eq!(n.data.intent.payment_ids(), vec![42]);
        let n =
            parse(br#"{"user_id": -3, "live_mode": 1, "data": {"id": "i", "status": "WEIRD"}}"#)
                .unwrap();
        assert_eq!((n.user_id, n.live_mode), (None, None));
        assert!(!n.is_final());
        assert_eq!(n.dedup_key(), "i:WEIRD");
        let n = parse(br#"{"user_id": null, "data": {"id": "i", "status": "EXPIRED"}}"#).unwrap();
        assert_eq!(n.user_id, None);
        assert!(n.is_final());
    }

    #[test]
    fn dates() {
        let d = |s: &str| NotificationDate::parse(s);
        let p = d("2023-07-27 20:24:21.776642198-0400").parsed().unwrap();
        assert_eq!(p.unix_timestamp(), 1_690_503_861);
        assert_eq!(p.nanosecond(), 776_642_198);
        assert_eq!(p.offset().whole_hours(), -4);
        for ok in [
            "2023-07-27 20:24:21-0400",
            "2023-07-27 20:24:21.7-0400",
            "2023-07-27 20:24:21.776642198-04:00",
            "2023-07-27T20:24:21.776-0400",
            "2023-07-28T00:24:21Z",
            "2023-07-28T00:24:21.000+00:00",
            "2023-07-28 00:24:21Z",
            " 2023-07-27 20:24:21+0000 ",
        ] {
            assert!(d(ok).parsed().is_some(), "{ok}");
            assert!(d(ok).rfc3339().is_some(), "{ok}");
        }
        assert_eq!(
            d("2023-07-28T00:24:21Z").rfc3339().as_deref(),
            Some("2023-07-28T00:24:21Z")
        );
        for bad in [
            "",
            "yesterday",
            "2023-07-27",
            "2023-13-27 20:24:21-0400",
            "2023-07-27 20:24:21",
        ] {
            let x = d(bad);
            assert_eq!(x.raw(), bad);
            assert_eq!(x.parsed(), None, "{bad}");
            assert_eq!(x.rfc3339(), None);
        }
        // Past nanoseconds, digits are dropped (not rounded).
        assert_eq!(
            d("2023-07-27 20:24:21.1234567899-0400")
                .parsed()
                .map(|p| p.nanosecond()),
            Some(123_456_789)
        );
        // An unreadable date is kept, not an error.
        let n = parse(br#"{"date_created":"soon","data":{"id":"i","status":"ERROR"}}"#).unwrap();
        assert_eq!(n.date_created.as_ref().map(|d| d.raw()), Some("soon"));
        assert_eq!(n.date_created.as_ref().unwrap().to_string(), "soon");
        assert_eq!(serde_json::to_string(&n.date_created).unwrap(), "\"soon\"");
    }

    fn decode(body: &[u8]) -> Error {
        let e = parse(body).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        e
    }

    #[test]
    fn decode_errors() {
        assert!(decode(b"").message().contains("empty"));
        assert!(decode(b"  \n").message().contains("empty"));
        assert!(decode(b"not json").message().contains("not valid JSON"));
        assert!(decode(b"\xff\xfe{}").message().contains("not UTF-8"));
        assert!(decode(b"{\"id\":\"\xc3\x28\"}")
            .message()
            .contains("offset 7"));
        let truncated = &MLA.as_bytes()[..MLA.len() / 2];
        let e = decode(truncated);
        assert!(e.message().contains("truncated"), "{e}");
        assert!(e.message().contains("it starts \"{"), "{e}");
        let e = decode(br#"{"id":"1","data":{"status":"CLOSED"}}"#);
        assert!(e.message().contains("missing field `id`"), "{e}");
        let e = decode(br#"{"id":"1","data":{"id":"x"}}"#);
        assert!(e.message().contains("`status`"), "{e}");
        decode(br#"{"id":"1"}"#);
        decode(br#"[1,2]"#);
        decode(br#"{"data":{"id":"x","status":"CLOSED"}} trailing"#);
        decode(br#"{"data":{"id":"x","status":"CLOSED","operations":[{"type":"PURCHASE","amount":"1.005"}]}}"#);
        // A long body is quoted briefly.
        let long = format!("{{\"x\":\"{}", "a".repeat(10_000));
        assert!(decode(long.as_bytes()).message().len() < 300);
        // Deep nesting is an error, not a stack overflow.
        let deep = "[".repeat(100_000);
        decode(deep.as_bytes());
    }

    fn request(headers: &[(&str, &str)], query: &str, body: &str) -> Result<Notification> {
        verify_request(
            SECRET,
            headers,
            query,
            body.as_bytes(),
            &VerifyOptions::default(),
        )
    }

    #[test]
    fn verify_request_reads_the_raw_request() {
        let (sig, rid) = signed_headers(SECRET, ID, TS);
        let headers = [
            ("Content-Type", "application/json"),
            ("X-SIGNATURE", sig.as_str()),
            ("x-Request-Id", rid.as_str()),
        ];
        let q = format!("data.id={ID}&type=topic_instore_integration_wh");
        check_example(&request(&headers, &q, MLA).unwrap());
        check_example(&request(&headers, &format!("?{q}"), MLB).unwrap());
        check_example(&request(&headers, &format!("/hooks/mp?{q}#frag"), MLA).unwrap());
        // The first data.id counts.
        let twice = format!("type=x&data.id={ID}&data.id=other");
        assert!(request(&headers, &twice, MLA).is_ok());
        // A missing header.
        let e = request(&headers[..1], &q, MLA).unwrap_err();
        assert_eq!(e.signature_failure(), Some(FailureReason::MissingHeader));
        // The request id is part of the signature.
        let e = request(&headers[..2], &q, MLA).unwrap_err();
        assert_eq!(
            e.signature_failure(),
            Some(FailureReason::SignatureMismatch)
        );
        // So is data.id.
        let e = request(&headers, "type=x", MLA).unwrap_err();
        assert_eq!(
            e.signature_failure(),
            Some(FailureReason::SignatureMismatch)
        );
        // A valid signature with a bad body is a decode error.
        let e = request(&headers, &q, "{").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        // A body about another intent is refused.
        let other = MLA.replace(
            "\"id\": \"1234567-12345-12345678-1234567890\",\n        \"operations\"",
            "\"id\": \"other\",\n        \"operations\"",
        );
        assert_ne!(other, MLA);
        let e = request(&headers, &q, &other).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignature);
        assert_eq!(
            e.signature_failure(),
            Some(FailureReason::SignatureMismatch)
        );
        assert_eq!(e.request_id(), Some(rid.as_str()));
        assert!(e.message().contains("\"other\""), "{e}");
    }

    #[test]
    fn query_is_form_urlencoded() {
        assert_eq!(
            query_param("data.id=a%20b+c%2Bd", "data.id").as_deref(),
            Some("a b c+d")
        );
        assert_eq!(query_param("data%2Eid=x", "data.id").as_deref(), Some("x"));
        assert_eq!(query_param("data.id", "data.id").as_deref(), Some(""));
        assert_eq!(query_param("data.id=", "data.id").as_deref(), Some(""));
        assert_eq!(
            query_param("a=1&&data.id=%zz", "data.id").as_deref(),
            Some("%zz")
        );
        assert_eq!(
            query_param("data.id=%ff", "data.id").as_deref(),
            Some("\u{fffd}")
        );
        assert_eq!(query_param("data_id=1&id=2", "data.id"), None);
        assert_eq!(query_param("", "data.id"), None);
        assert_eq!(query_param("?", "data.id"), None);
        // A data.id with a space, signed and sent encoded.
        let id = "ab c";
        let (sig, rid) = signed_headers(SECRET, id, TS);
        let body = r#"{"data":{"id":"ab c","status":"CLOSED"}}"#;
        let headers = [
            ("x-signature", sig.as_str()),
            ("x-request-id", rid.as_str()),
        ];
        assert!(request(&headers, "data.id=ab+c", body).is_ok());
        assert!(request(&headers, "data.id=ab%20c", body).is_ok());
    }
}
