//! Property tests: whatever a caller or the network hands over, amounts, signatures and
//! notifications give a value or a typed error, never a panic; and what we produce reads back.

use std::time::{Duration, UNIX_EPOCH};

use mppoint::webhook::{self, FailureReason, VerifyOptions};
use mppoint::{Amount, ErrorKind, Status};
use proptest::prelude::*;

const MLA: &str = include_str!("../../tests/fixtures/notification_mla.json");
const MLB: &str = include_str!("../../tests/fixtures/notification_mlb.json");
const MAX_CENTS: i64 = 10_000_000_000_000;

/// Text that looks like an amount more often than `any::<String>()` does.
fn amountish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,16}",
        "[0-9]{0,14}[.,][0-9]{0,4}",
        "[-+ ]?[0-9.,eE_xX ]{0,20}",
        "(NaN|inf|-inf|١٢|0x10|1e3)",
    ]
}

fn is_amount_error(e: &mppoint::Error) -> bool {
    e.kind() == ErrorKind::InvalidAmount
}

/// Something like an `x-signature` header: known and unknown keys, odd spacing and case.
fn headerish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("ts".to_string()),
        Just("TS".to_string()),
        Just(" v1 ".to_string()),
        Just("V1".to_string()),
        Just("v2".to_string()),
        "[a-zA-Z0-9 ]{0,4}",
    ];
    let value = prop_oneof![
        "[0-9]{0,14}",
        "[0-9a-fA-F]{0,70}",
        "[ -~]{0,12}",
        any::<String>(),
    ];
    let part = prop_oneof![
        (key, value).prop_map(|(k, v)| format!("{k}={v}")),
        "[ -~]{0,8}",
    ];
    prop_oneof![
        proptest::collection::vec(part, 0..6).prop_map(|p| p.join(",")),
        any::<String>(),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![any::<String>(), "[ -~]{0,40}"])
}

fn opts() -> impl Strategy<Value = VerifyOptions> {
    (
        proptest::option::of(0u64..1_000_000),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(tol, now_ms)| VerifyOptions {
            tolerance: tol.map(Duration::from_secs),
            now: now_ms.and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms))),
        })
}

/// Random edits of a valid body: flipped, deleted and inserted bytes, and truncation.
fn mutated(base: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    (
        proptest::collection::vec((0..len, any::<u8>(), 0u8..3), 1..8),
        proptest::option::of(0..len),
    )
        .prop_map(move |(edits, cut)| {
            let mut b = base.as_bytes().to_vec();
            for (pos, byte, op) in edits {
                let pos = pos.min(b.len().saturating_sub(1));
                match op {
                    0 if !b.is_empty() => b[pos] = byte,
                    1 if !b.is_empty() => {
                        b.remove(pos);
                    }
                    _ => b.insert(pos, byte),
                }
            }
            if let Some(c) = cut {
                b.truncate(c);
            }
            b
        })
}

fn check_notification_result(r: mppoint::Result<webhook::Notification>) {
    match r {
        Ok(n) => {
            // A parsed notification always has what a receiver needs.
            let key = n.dedup_key();
            assert!(key.starts_with(n.data.intent.id.as_str()));
            let _ = n.is_final();
            let _ = n.date_created.as_ref().map(|d| d.rfc3339());
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
            assert!(e.message().len() < 600, "{e}");
        }
    }
}

/// A webhook secret as configured: any text but an empty or blank one (that is `CONFIG`).
fn secret() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("a configured secret is not blank", |s| !s.trim().is_empty())
}

proptest! {
    #[test]
    fn amount_parse_never_panics(s in amountish()) {
        match Amount::parse(&s) {
            Ok(a) => {
                prop_assert!(a.cents() > 0 && a.cents() <= MAX_CENTS);
                prop_assert_eq!(Amount::parse(&a.to_string()).unwrap(), a);
            }
            Err(e) => prop_assert!(is_amount_error(&e), "{e}"),
        }
        if let Err(e) = Amount::parse_wire(&s) {
            prop_assert!(is_amount_error(&e), "{e}");
        }
    }

    #[test]
    fn amount_from_f64_never_panics(x in any::<f64>()) {
        match Amount::from_f64(x) {
            Ok(a) => {
                prop_assert!(a.cents() > 0);
                // The float is what the caller typed: its cents read back exactly.
                prop_assert_eq!(Amount::parse(&a.to_string()).unwrap(), a);
                prop_assert!(((a.cents() as f64) / 100.0 - x).abs() <= x.abs() * 1e-12);
            }
            Err(e) => prop_assert!(is_amount_error(&e), "{e}"),
        }
    }

    #[test]
    fn amount_from_typed_two_decimal_floats(units in 0i64..100_000_000, hundredths in 1i64..100) {
        // The floats the rule accepts: a fraction of one or two decimals.
        let cents = units * 100 + hundredths;
        let typed: f64 = format!("{units}.{hundredths:02}").parse().unwrap();
        prop_assert_eq!(Amount::from_f64(typed).unwrap().cents(), cents);
    }

    #[test]
    fn a_whole_float_is_refused_as_units_or_cents(units in 1i64..100_000_000) {
        // Outside the domain: 12.0 could be 12.00 or 12 cents, so it is the typed error.
        let e = Amount::from_f64(units as f64).unwrap_err();
        prop_assert_eq!(e.kind(), ErrorKind::InvalidAmount);
        prop_assert!(e.message().contains("could mean"), "{e}");
        prop_assert_eq!(e.field(), Some("amount"));
    }

    #[test]
    fn amount_cents_round_trip(cents in 1i64..=MAX_CENTS) {
        let a = Amount::from_cents(cents).unwrap();
        let text = a.to_string();
        prop_assert_eq!(Amount::parse(&text).unwrap().cents(), cents);
        prop_assert_eq!(Amount::parse_wire(&text).unwrap().cents(), cents);
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
    }

    #[test]
    fn parse_signature_header_never_panics(s in headerish()) {
        match webhook::parse_signature_header(&s) {
            Ok(h) => {
                prop_assert!(!h.ts.is_empty() && h.ts.bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(!h.v1.is_empty() && h.v1.trim() == h.v1);
            }
            Err(r) => prop_assert!(r != FailureReason::SignatureMismatch
                && r != FailureReason::TimestampOutOfTolerance),
        }
    }

    #[test]
    fn verify_never_panics(
        secret in any::<String>(),
        sig in proptest::option::of(headerish()),
        rid in opt_text(),
        id in opt_text(),
        o in opts(),
    ) {
        let r = webhook::verify(&secret, sig.as_deref(), rid.as_deref(), id.as_deref(), &o);
        if let Err(e) = r {
            if secret.trim().is_empty() {
                // An empty or blank secret is a configuration error, whatever the request.
                prop_assert_eq!(e.kind(), ErrorKind::Config);
            } else {
                prop_assert_eq!(e.kind(), ErrorKind::InvalidSignature);
                prop_assert!(e.signature_failure().is_some());
            }
        }
    }

    #[test]
    fn sign_then_verify_is_ok(
        secret in secret(),
        id in opt_text(),
        rid in opt_text(),
        ts in any::<u64>(),
    ) {
        let sig = webhook::sign(&secret, id.as_deref(), rid.as_deref(), ts);
        let r = webhook::verify(&secret, Some(&sig), rid.as_deref(), id.as_deref(),
            &VerifyOptions::default());
        prop_assert!(r.is_ok(), "{:?}", r);
        let h = webhook::parse_signature_header(&sig).unwrap();
        prop_assert_eq!(h.ts, ts.to_string());
    }

    #[test]
    fn sign_then_verify_within_tolerance(
        secret in secret(),
        id in "[ -~]{0,40}",
        secs in 0u64..9_999_999_999,
        millis in 1_000_000_000_000u64..10_000_000_000_000,
        drift_ms in 0u64..=60_000,
    ) {
        let opts = |now_ms: u64| VerifyOptions::with_tolerance(Duration::from_secs(60))
            .at(UNIX_EPOCH + Duration::from_millis(now_ms));
        let (sig, rid) = webhook::signed_headers(&secret, &id, secs);
        prop_assert!(webhook::verify(&secret, Some(&sig), Some(&rid), Some(&id),
            &opts(secs * 1000 + drift_ms)).is_ok());
        let (sig, rid) = webhook::signed_headers(&secret, &id, millis);
        prop_assert!(webhook::verify(&secret, Some(&sig), Some(&rid), Some(&id),
            &opts(millis + drift_ms)).is_ok());
        let late = webhook::verify(&secret, Some(&sig), Some(&rid), Some(&id),
            &opts(millis + 60_001 + drift_ms)).unwrap_err();
        prop_assert_eq!(late.signature_failure(), Some(FailureReason::TimestampOutOfTolerance));
    }

    #[test]
    fn a_changed_secret_or_id_is_a_mismatch(
        secret in secret(),
        id in "[!-~]{1,40}",
        ts in any::<u64>(),
    ) {
        let (sig, rid) = webhook::signed_headers(&secret, &id, ts);
        let wrong = format!("{secret}x");
        let e = webhook::verify(&wrong, Some(&sig), Some(&rid), Some(&id),
            &VerifyOptions::default()).unwrap_err();
        prop_assert_eq!(e.signature_failure(), Some(FailureReason::SignatureMismatch));
        let other_id = format!("{id}0");
        let e = webhook::verify(&secret, Some(&sig), Some(&rid), Some(&other_id),
            &VerifyOptions::default()).unwrap_err();
        prop_assert_eq!(e.signature_failure(), Some(FailureReason::SignatureMismatch));
    }

    /// Outside `secret()`'s domain: an empty or blank secret is a configuration error, whatever
    /// the headers say (an unset environment variable must not make forgeries valid).
    #[test]
    fn a_blank_secret_is_a_config_error(
        secret in "[ \t\r\n\u{a0}\u{2003}]{0,8}",
        id in "[!-~]{1,40}",
        ts in any::<u64>(),
    ) {
        let (sig, rid) = webhook::signed_headers(&secret, &id, ts);
        let e = webhook::verify(&secret, Some(&sig), Some(&rid), Some(&id),
            &VerifyOptions::default()).unwrap_err();
        prop_assert_eq!(e.kind(), ErrorKind::Config);
        prop_assert_eq!(e.signature_failure(), None);
    }

    #[test]
    fn parse_random_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_notification_result(webhook::parse(&body));
    }

    #[test]
    fn parse_random_text(body in any::<String>()) {
        check_notification_result(webhook::parse(body.as_bytes()));
    }

    #[test]
    fn parse_mutated_mla(body in mutated(MLA)) {
        check_notification_result(webhook::parse(&body));
    }

    #[test]
    fn parse_mutated_mlb(body in mutated(MLB)) {
        check_notification_result(webhook::parse(&body));
    }

    #[test]
    fn parse_generated_notifications(
        id in any::<String>(),
        status in prop_oneof![
            proptest::sample::select(Status::KNOWN.to_vec()).prop_map(|s| s.to_string()),
            any::<String>(),
        ],
        user in prop_oneof![
            any::<u64>().prop_map(|u| serde_json::json!(u)),
            any::<i64>().prop_map(|u| serde_json::json!(u.to_string())),
            any::<bool>().prop_map(|b| serde_json::json!(b)),
        ],
        date in any::<String>(),
        cents in 1i64..=MAX_CENTS,
    ) {
        let amount = Amount::from_cents(cents).unwrap().to_string();
        let body = serde_json::json!({
            "id": "n", "type": "topic_instore_integration_wh", "user_id": user,
            "date_created": date, "unknown": {"nested": [1, null]},
            "data": {"id": id, "status": status,
                     "operations": [{"type": "PURCHASE", "amount": amount}]},
        });
        let n = webhook::parse(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&n.data.intent.id, &id);
        prop_assert_eq!(&n.data.intent.status, &Status::parse(&status));
        prop_assert_eq!(n.data.intent.amount().map(|a| a.cents()), Some(cents));
        prop_assert_eq!(n.date_created.as_ref().map(|d| d.raw()), Some(date.as_str()));
        prop_assert_eq!(n.dedup_key(), format!("{}:{}", id, n.data.intent.status));
        // Our own serialization reads back the same.
        let again = webhook::parse(serde_json::to_string(&n).unwrap().as_bytes()).unwrap();
        prop_assert_eq!(again, n);
    }

    #[test]
    fn verify_request_never_panics(
        secret in any::<String>(),
        names in proptest::collection::vec(
            prop_oneof![Just("x-signature"), Just("X-Request-Id"), Just("other")], 0..4),
        values in proptest::collection::vec(headerish(), 4),
        query in prop_oneof![any::<String>(), "[a-z.=&%+0-9?#]{0,40}"],
        body in prop_oneof![mutated(MLA), proptest::collection::vec(any::<u8>(), 0..64)],
        o in opts(),
    ) {
        let headers: Vec<(&str, &str)> =
            names.iter().zip(&values).map(|(n, v)| (*n, v.as_str())).collect();
        if let Err(e) = webhook::verify_request(&secret, &headers, &query, &body, &o) {
            if secret.trim().is_empty() {
                prop_assert_eq!(e.kind(), ErrorKind::Config);
            } else {
                prop_assert!(matches!(e.kind(), ErrorKind::InvalidSignature | ErrorKind::Decode));
            }
        }
    }

    #[test]
    fn verify_request_accepts_what_is_signed(
        secret in secret(),
        id in "[!-~]{1,40}",
        ts in 0u64..9_999_999_999,
    ) {
        let (sig, rid) = webhook::signed_headers(&secret, &id, ts);
        let headers = [("X-Signature", sig.as_str()), ("x-request-id", rid.as_str())];
        let query = format!(
            "type=topic_instore_integration_wh&data.id={}",
            percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
        );
        let body = serde_json::json!({"data": {"id": id, "status": "CLOSED"}}).to_string();
        let n = webhook::verify_request(&secret, &headers, &query, body.as_bytes(),
            &VerifyOptions::default());
        prop_assert!(n.is_ok(), "{:?}", n);
    }
}
