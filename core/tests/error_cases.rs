//! The cross-language error table (tests/fixtures/error_cases.json): each mistake gives the same
//! error code, message fragment, field and signature failure in Rust as in C, Python and Node.

use mppoint::print::{PrintContent, PrintRequest};
use mppoint::sandbox::{OrderEvent, SimulatedStatus};
use mppoint::webhook::{self, VerifyOptions};
use mppoint::{Amount, Client, IntentRequest, RetryPolicy, Site, Target, WaitOptions};
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
            if let Some(w) = text(input, "webhook_secret") {
                b = b.webhook_secret(w);
            }
            if let Some(j) = text(input, "journal") {
                b = b.journal(j);
            }
            b.build().map(drop)
        }
        "journal" => {
            let mut b = Client::builder("t")
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none());
            let folder = TempFolder::new();
            if let Some(content) = text(input, "file") {
                let path = folder.0.join("sales.journal");
                if !content.is_empty() {
                    std::fs::write(&path, content).expect("write the journal file");
                }
                b = b.journal(path);
            }
            let client = b.build()?;
            match text(input, "call").unwrap_or_default() {
                "open" => Ok(()),
                "pending" => client.pending().map(drop),
                "settle" => client
                    .settle(text(input, "reference").unwrap_or_default())
                    .map(drop),
                other => panic!("unknown journal call {other} in error_cases.json"),
            }
        }
        "handle_webhook" => {
            let mut b = Client::builder("t")
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none());
            if let Some(w) = text(input, "webhook_secret") {
                b = b.webhook_secret(w);
            }
            let headers: Vec<(&str, &str)> = [
                ("x-signature", "x_signature"),
                ("x-request-id", "x_request_id"),
            ]
            .into_iter()
            .filter_map(|(h, k)| text(input, k).map(|v| (h, v)))
            .collect();
            b.build()?
                .handle_webhook(
                    &headers,
                    text(input, "query").unwrap_or_default(),
                    text(input, "body").unwrap_or_default().as_bytes(),
                )
                .map(drop)
        }
        "get_intent" => {
            let c = Client::builder("t")
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none())
                .build()?;
            c.get_intent(text(input, "intent_id").unwrap_or_default())
                .map(drop)
        }
        "print" => {
            let c = Client::builder("t")
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none())
                .build()?;
            let content = PrintContent::tagged(text(input, "tagged").unwrap_or_default())?;
            c.print(&PrintRequest::new(
                text(input, "terminal_id").unwrap_or_default(),
                text(input, "external_reference").unwrap_or_default(),
                content,
            ))
            .map(drop)
        }
        "sandbox" => {
            let c = Client::builder(text(input, "access_token").unwrap_or_default())
                .base_url("http://127.0.0.1:9")
                .retry(RetryPolicy::none())
                .build()?;
            let status = SimulatedStatus::parse(text(input, "status").unwrap_or_default())?;
            c.simulate_order_event(
                text(input, "order_id").unwrap_or_default(),
                &OrderEvent::new(status),
            )
        }
        // A number is what a binding hands the core for a JavaScript number, a Python float or
        // int, a C double: Rust's own numbers reach it as f64.
        "amount" => match input.get("amount").and_then(Value::as_f64) {
            Some(n) => Amount::from_f64(n).map(drop),
            None => Amount::parse(text(input, "amount").unwrap_or_default()).map(drop),
        },
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
        "status_callback" => {
            let sim =
                mppoint_simulator::Simulator::start(Default::default()).expect("start a simulator");
            let client = sim.client_builder().build()?;
            let fail_on = text(input, "fail_on").unwrap_or_default().to_string();
            let failure = text(input, "failure").unwrap_or_default().to_string();
            let opts = WaitOptions::new().try_on_status(move |i| {
                if i.status.as_str() == fail_on {
                    Err(failure.clone())
                } else {
                    Ok(())
                }
            });
            let target = Target::Pos(text(input, "pos").unwrap_or_default().into());
            let req = IntentRequest::new(
                Amount::parse(text(input, "amount").unwrap_or_default())?,
                "error table",
                text(input, "reference").unwrap_or_default(),
            );
            let e = match text(input, "call").unwrap_or_default() {
                "charge" => client.charge(&target, &req, &opts).map(drop),
                "wait" => {
                    let created = client.create_intent(&target, &req)?;
                    client.wait_for_final(&created.id, &opts).map(drop)
                }
                other => panic!("unknown status_callback call {other} in error_cases.json"),
            }
            .expect_err("a failing status callback stops the wait");
            let id = e.intent_id().expect("the error names the created intent");
            assert!(sim.sales().iter().any(|s| s.id == id), "{e}");
            assert!(
                e.message()
                    .contains(text(input, "failure").unwrap_or_default()),
                "{e}"
            );
            Err(e)
        }
        "panic" => mppoint::error::catch_panic("the panic test hook", || -> mppoint::Result<()> {
            panic!("deliberate panic")
        }),
        other => panic!("unknown operation {other} in error_cases.json"),
    }
}

/// A new empty folder under the system's temporary folder, removed when dropped.
struct TempFolder(std::path::PathBuf);

impl TempFolder {
    fn new() -> TempFolder {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "mppoint-error-cases-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary folder");
        TempFolder(dir)
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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

/// The core's messages reach Rust, C, Python and Node users alike, so none may name a method of
/// one language ("cancel it with cancel_intent" means nothing in Node). This reads every string
/// literal of the client and the simulator and looks for the public operations' names as any
/// binding spells them.
#[test]
fn no_message_of_the_core_names_a_method() {
    const OPERATIONS: [&str; 13] = [
        "cancel_intent",
        "create_intent",
        "get_intent",
        "find_payments",
        "get_payment",
        "refund_payment",
        "refund_order",
        "get_order",
        "sale_for",
        "list_devices",
        "set_operating_mode",
        "wait_for_final",
        "verify_request",
    ];
    let camel = |snake: &str| {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            match (c, upper) {
                ('_', _) => upper = true,
                (c, true) => {
                    out.extend(c.to_uppercase());
                    upper = false
                }
                (c, false) => out.push(c),
            }
        }
        out
    };
    let names: Vec<String> = OPERATIONS
        .iter()
        .flat_map(|op| [op.to_string(), camel(op), format!("mpp_{op}")])
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src"), root.join("simulator/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("readable source");
        // Unit tests may name endpoints; messages live above them.
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in source.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            // The odd-numbered pieces between quotes are inside string literals.
            for literal in line.split('"').skip(1).step_by(2) {
                let words = literal.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
                for word in words.filter(|w| names.iter().any(|m| m == w)) {
                    found.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "messages naming a method: {found:#?}");
}
