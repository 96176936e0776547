//! The `x-signature` of a webhook notification: read the header, verify it, and make one (for
//! tests and the simulator). The signed manifest `id:…;request-id:…;ts:…;` is encoded once, in
//! `manifest_pieces`, for both the HMAC and [`manifest`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use crate::error::{quote_snippet, Error, ErrorKind, FailureReason, Result};

type HmacSha256 = Hmac<sha2::Sha256>;

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
pub(crate) fn normalize(v: Option<&str>) -> Option<&str> {
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
    if secret.trim().is_empty() {
        // An unset environment variable must not make every forged notification valid.
        return Err(Error::new(
            ErrorKind::Config,
            "the webhook secret is empty or blank: set it to the secret signature of your application (Mercado Pago panel: Your integrations > your application > Webhooks); an unset environment variable is the usual cause",
        ));
    }
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
    for piece in manifest_pieces(data_id, request_id, raw.ts) {
        mac.update(piece.as_bytes());
    }
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

/// The signed manifest in pieces, in order: `id:{data_id};request-id:{request_id};ts:{ts};`, a pair
/// whose value is `None` left out (empty pieces). The one encoding of the manifest: [`manifest`]
/// joins the pieces, [`verify`] feeds them to the HMAC without building a `String`.
fn manifest_pieces<'a>(
    data_id: Option<&'a str>,
    request_id: Option<&'a str>,
    ts: &'a str,
) -> [&'a str; 9] {
    let pair = |label: &'a str, value: Option<&'a str>| match value {
        Some(v) => [label, v, ";"],
        None => ["", "", ""],
    };
    let [a, b, c] = pair("id:", data_id);
    let [d, e, f] = pair("request-id:", request_id);
    [a, b, c, d, e, f, "ts:", ts, ";"]
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
    manifest_pieces(normalize(data_id), normalize(x_request_id), ts).concat()
}

/// Lower-case hex HMAC-SHA256 of `message` keyed with `secret`.
pub(crate) fn hmac_hex(secret: &str, message: &str) -> String {
    let mut mac = keyed_mac(secret);
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Now, in Unix seconds: the `ts` Mercado Pago writes, and the one [`sign`] and
/// [`signed_headers`] use when given none (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Produces an `x-signature` header value (`ts=…,v1=…`) that [`verify`] accepts, for tests and
/// the simulator. `ts` is written as given (seconds or milliseconds); `None` is now, in seconds.
pub fn sign(
    secret: &str,
    data_id: Option<&str>,
    x_request_id: Option<&str>,
    ts: impl Into<Option<u64>>,
) -> String {
    let ts = ts.into().unwrap_or_else(unix_now).to_string();
    let v1 = hmac_hex(secret, &manifest(data_id, x_request_id, &ts));
    format!("ts={ts},v1={v1}")
}

/// The two headers of a signed notification for `data_id` at `ts`, as Mercado Pago would send
/// them: `(x-signature, x-request-id)`, the request id a new UUID v4; `ts` `None` is now, in
/// seconds. For tests and the simulator; pass `data_id` in the query as `data.id`.
pub fn signed_headers(secret: &str, data_id: &str, ts: impl Into<Option<u64>>) -> (String, String) {
    let request_id = uuid::Uuid::new_v4().to_string();
    let signature = sign(secret, Some(data_id), Some(&request_id), ts);
    (signature, request_id)
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
    fn ts_defaults_to_now_in_seconds() {
        let before = unix_now();
        let sig = sign(SECRET, Some(ID), Some(RID), None);
        let after = unix_now();
        let ts: u64 = parse_signature_header(&sig).unwrap().ts.parse().unwrap();
        assert!(
            (before..=after).contains(&ts),
            "{ts} not in {before}..={after}"
        );
        assert_eq!(
            ts.to_string().len(),
            10,
            "seconds, as Mercado Pago writes it"
        );
        let (sig, rid) = signed_headers(SECRET, ID, None);
        assert_eq!(v(Some(&sig), Some(&rid), Some(ID)), None);
    }

    #[test]
    fn signed_headers_verify() {
        let (sig, rid) = signed_headers(SECRET, ID, TS);
        assert_eq!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 4);
        assert_eq!(v(Some(&sig), Some(&rid), Some(ID)), None);
        let (_, other) = signed_headers(SECRET, ID, TS);
        assert_ne!(rid, other);
    }
}
