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

//!
//! # Modules
//!
//! [`signature`] checks and makes the `x-signature` header (the signed manifest is encoded there
//! once); [`notification`] reads the body. Their items are re-exported here, so
//! `mppoint::webhook::verify` and `mppoint::webhook::parse` are the paths to use.

pub mod notification;
pub mod signature;

pub use crate::error::FailureReason;
pub use notification::{parse, Notification, NotificationData, NotificationDate};
pub use signature::{
    manifest, parse_signature_header, sign, signed_headers, unix_now, verify, SignatureHeader,
    VerifyOptions,
};

use crate::error::{quote_snippet, Error, ErrorKind, Result};
use signature::normalize;

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
    use crate::intent::Status;

    const SECRET: &str = "your_secret_key_here";
    const ID: &str = "1234567-12345-12345678-1234567890";
    const TS: u64 = 1_704_908_010;

    const MLA: &str = include_str!("../../../tests/fixtures/notification_mla.json");
    const MLB: &str = include_str!("../../../tests/fixtures/notification_mlb.json");

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
        decode(br#"{"id":"1","data":{"id":null,"status":"CLOSED"}}"#);
        let e = decode(br#"{"id":"1","data":{"id":"x"}}"#);
        assert!(e.message().contains("`status`"), "{e}");
        decode(br#"{"id":"1"}"#);
        decode(br#"[1,2]"#);
        decode(br#"{"data":{"id":"x","status":"CLOSED"}} trailing"#);
        // An amount that is not one does not lose the notification: it reads as absent.
        let odd = parse(br#"{"data":{"id":"x","status":"CLOSED","operations":[{"type":"PURCHASE","amount":"1.005"}]}}"#).unwrap();
        assert_eq!(odd.data.intent.amount(), None);
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
