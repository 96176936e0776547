//! The cross-language error table (tests/fixtures/error_cases.json): each mistake gives the same
//! error code, message fragment, field and signature failure in Rust as in C, Python and Node.

use mppoint::webhook::{self, VerifyOptions};
use mppoint::{Amount, Client, RetryPolicy, Site};
use serde_json::Value;

const CASES: &str = include_str!("../../tests/fixtures/error_cases.json");

fn text<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// Runs one operation of the table the way a Rust user would, giving its error.
fn run(op: &str, input: &Value) -> mppoint::Result<()> {
    match op {
        "client" => {
            let mut b = Client::builder(text(input, "access_token").unwrap_or_default());
            if let Some(s) = text(input, "site") {
                b = b.site(s.parse::<Site>()?);
            }
            if let Some(n) = input.get("retries").and_then(Value::as_i64) {
                b = b.retry(RetryPolicy::with_retries(n)?);
            }
            if let Some(u) = text(input, "base_url") {
                b = b.base_url(u);
            }
            b.build().map(drop)
        }
        "get_intent" => {
            let c = Client::builder("t")
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none())
                .build()?;
            c.get_intent(text(input, "intent_id").unwrap_or_default())
                .map(drop)
        }
        "amount" => Amount::parse(text(input, "amount").unwrap_or_default()).map(drop),
        "webhook_verify" => webhook::verify(
            text(input, "secret").unwrap_or_default(),
            text(input, "x_signature"),
            text(input, "x_request_id"),
            text(input, "data_id"),
            &VerifyOptions::default(),
        ),
        "webhook_parse" => {
            webhook::parse(text(input, "body").unwrap_or_default().as_bytes()).map(drop)
        }
        "panic" => mppoint::error::catch_panic("the panic test hook", || -> mppoint::Result<()> {
            panic!("deliberate panic")
        }),
        other => panic!("unknown operation {other} in error_cases.json"),
    }
}

#[test]
fn every_case_of_the_shared_table() {
    let table: Value = serde_json::from_str(CASES).expect("error_cases.json is JSON");
    let cases = table["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let e = run(case["op"].as_str().unwrap(), &case["input"])
            .expect_err(&format!("{name}: must fail"));
        assert_eq!(
            e.kind().code(),
            case["code"].as_str().unwrap(),
            "{name}: {e}"
        );
        let fragment = case["message"].as_str().unwrap();
        assert!(
            e.message().contains(fragment),
            "{name}: {e:?} lacks {fragment:?}"
        );
        if let Some(field) = text(case, "field") {
            assert_eq!(e.field(), Some(field), "{name}");
        }
        let failure = e.signature_failure().map(|r| r.code());
        assert_eq!(failure, text(case, "signature_failure"), "{name}");
    }
}
