//! `mppoint serve`, the real binary: every route on both APIs against the embedded simulator, the
//! token on every route, typed 400s for bad input, the OpenAPI file against the routes served, a
//! bridge SIGKILLed mid-sale and started again (the long-poll and the folder POS get the true
//! verdict, nothing charged twice), and 50 sales at once on 50 simulated terminals (with the
//! figures: `cargo test -p mppoint-cli --test serve -- --nocapture fifty`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mppoint_simulator::{CardOutcome, Simulator, SimulatorConfig};
use serde_json::{json, Value};

const TOKEN: &str = "test-token-0123456789";

struct Bridge {
    child: Child,
    port: u16,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mppoint serve ARGS` on a free loopback port and waits for its "ready" line.
fn start(args: &[&str], envs: &[(&str, &str)]) -> Bridge {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mppoint"));
    c.arg("serve")
        .args(["--listen", "127.0.0.1:0", "--token", TOKEN])
        .args(args)
        .env_remove("MP_ACCESS_TOKEN")
        .env_remove("MPPOINT_BASE_URL")
        .env_remove("MPPOINT_JOURNAL")
        .env_remove("MPPOINT_API")
        .env("MPPOINT_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("mppoint serve starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut port = None;
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the bridge says it is ready");
        if let Some(rest) = line.strip_prefix("mppoint serve listening on http://127.0.0.1:") {
            port = rest.trim().parse().ok();
        }
        if line == "ready" {
            break;
        }
    }
    Bridge {
        child,
        port: port.expect("the bridge printed its port"),
    }
}

/// One HTTP/1.1 request (`Connection: close`): the status and the JSON body.
fn raw(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, Value) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or(b"");
    head.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).into_owned();
    let (h, b) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, serde_json::from_str(b).unwrap_or(Value::Null))
}

fn call(b: &Bridge, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|v| v.to_string().into_bytes());
    raw(b.port, method, path, Some(TOKEN), body.as_deref())
}

/// Long-polls until the sale is final (retrying the long-poll, as a POS does).
fn wait_final(b: &Bridge, reference: &str) -> Value {
    let started = Instant::now();
    loop {
        let (code, v) = call(
            b,
            "GET",
            &format!("/v1/sales/{reference}/wait?timeout_s=20"),
            None,
        );
        if code == 200 && v["final"] == true {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sale {reference} never ended: {code} {v}"
        );
    }
}

fn journal(dir: &Path) -> String {
    dir.join("journal.sqlite").display().to_string()
}

fn openapi() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/serve/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A path of the OpenAPI file with its `{reference}` filled in.
fn concrete(path: &str) -> String {
    path.replace("{reference}", "no-such-sale")
}

#[test]
fn every_route_on_both_apis() {
    for api in ["intents", "orders"] {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path());
        let b = start(
            &[
                "--simulator",
                "--sim-step-ms",
                "100",
                "--journal",
                &j,
                "--api",
                api,
            ],
            &[],
        );
        let (code, v) = raw(b.port, "GET", "/healthz", None, None);
        assert_eq!((code, v["status"].as_str()), (200, Some("ok")));
        let (code, v) = call(&b, "GET", "/openapi.json", None);
        assert_eq!((code, v["openapi"].as_str()), (200, Some("3.1.0")));

        // A sale: 202, then the same reference answers that sale (200, the same intent).
        let sale = json!({"reference": "S1", "amount": "25.00", "description": "Coffee", "pos": "SUC001POS001"});
        let (code, v) = call(&b, "POST", "/v1/sales", Some(sale.clone()));
        assert_eq!(code, 202, "{v}");
        assert_eq!(v["reference"], "S1");
        assert_eq!(v["api"], api);
        let first_intent = v["intent_id"].clone();
        assert!(first_intent.is_string(), "{v}");
        let (code, v) = call(&b, "POST", "/v1/sales", Some(sale.clone()));
        assert_eq!((code, &v["intent_id"]), (200, &first_intent), "{v}");
        // The same reference for another amount is refused, before anything is sent.
        let mut other = sale.clone();
        other["amount"] = "26.00".into();
        let (code, v) = call(&b, "POST", "/v1/sales", Some(other));
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (409, Some("IDEMPOTENCY_KEY_MISMATCH"))
        );
        // One sale per terminal: a second one is the typed busy error.
        let (code, v) = call(
            &b,
            "POST",
            "/v1/sales",
            Some(json!({"reference": "S2", "amount": "5.00", "pos": "SUC001POS001"})),
        );
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (409, Some("ALREADY_QUEUED")),
            "{v}"
        );
        assert_eq!(v["error"]["holding_sale"], "S1");
        // Another terminal at the same time is fine.
        let (code, v) = call(
            &b,
            "POST",
            "/v1/sales",
            Some(
                json!({"reference": "S3", "amount": "7.99", "device": "PAX_A910__SMARTPOS0000000002"}),
            ),
        );
        assert_eq!(code, 202, "{v}");

        let v = wait_final(&b, "S1");
        assert_eq!(v["verdict"], "APPROVED");
        assert_eq!(v["is_paid"], true);
        assert_eq!(v["intent_id"], first_intent);
        let (code, got) = call(&b, "GET", "/v1/sales/S1", None);
        assert_eq!((code, &got["verdict"]), (200, &v["verdict"]));
        // S3 (.99: never picked up) is canceled through the API; its verdict follows.
        let (code, v) = call(&b, "POST", "/v1/sales/S3/cancel", None);
        assert_eq!(code, 202, "{v}");
        let v = wait_final(&b, "S3");
        assert_eq!(
            (v["verdict"].as_str(), v["is_paid"].as_bool()),
            (Some("CANCELED"), Some(false))
        );
        // An ended sale cannot be canceled.
        let (code, v) = call(&b, "POST", "/v1/sales/S1/cancel", None);
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (409, Some("CANNOT_CANCEL"))
        );

        let (code, v) = call(&b, "GET", "/v1/sales", None);
        assert_eq!(code, 200);
        let refs: Vec<&str> = v["sales"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["reference"].as_str().unwrap())
            .collect();
        assert!(refs.contains(&"S1") && refs.contains(&"S3"), "{v}");
        let (code, v) = call(&b, "GET", "/v1/sales?pending=true", None);
        assert_eq!(code, 200);
        let pending = v["pending"].as_array().unwrap();
        let s1 = pending
            .iter()
            .find(|p| p["reference"] == "S1")
            .expect("S1 pending until settled");
        assert_eq!(s1["paid"], true);

        let (code, v) = call(&b, "POST", "/v1/sales/S1/settle", None);
        assert_eq!((code, &v["settled"]), (200, &json!(true)), "{v}");
        assert_eq!(v["sale"]["state"], "SETTLED");
        let (code, v) = call(&b, "POST", "/v1/sales/S1/settle", None);
        assert_eq!(
            (code, &v["settled"]),
            (200, &json!(false)),
            "settled exactly once: {v}"
        );
        let (_, v) = call(&b, "GET", "/v1/sales?pending=true", None);
        assert!(!v["pending"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["reference"] == "S1"));
        let (code, v) = call(&b, "POST", "/v1/sales/NOPE/settle", None);
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (404, Some("NOT_FOUND"))
        );
        let (code, v) = call(&b, "GET", "/v1/sales/NOPE", None);
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (404, Some("NOT_FOUND"))
        );

        let (code, v) = call(&b, "GET", "/v1/devices", None);
        assert_eq!(code, 200);
        assert!(v["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == "PAX_A910__SMARTPOS0000000001"));

        // A partial refund of the approved sale.
        let (_, s1) = call(&b, "GET", "/v1/sales/S1", None);
        let refund = match api {
            "intents" => json!({"payment_id": s1["payment_id"], "amount": "5.00"}),
            _ => json!({"order_id": s1["intent_id"], "amount": "5.00"}),
        };
        let (code, v) = call(&b, "POST", "/v1/refunds", Some(refund));
        assert_eq!(code, 200, "{api}: {v}");
        let (code, v) = call(&b, "POST", "/v1/refunds", Some(json!({"amount": "1.00"})));
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (400, Some("INVALID_ARGUMENT"))
        );
        // A long-poll of an unfinished sale answers its state at the timeout.
        let (code, v) = call(
            &b,
            "POST",
            "/v1/sales",
            Some(json!({"reference": "S4", "amount": "3.44", "pos": "SUC001POS001"})),
        );
        assert_eq!(code, 202, "{v}");
        let (code, v) = call(&b, "GET", "/v1/sales/S4/wait?timeout_s=1", None);
        assert_eq!((code, v["final"].as_bool()), (200, Some(false)), "{v}");
        assert_eq!(v["state"], "IN_PROGRESS");
        // The same terminal named by its device id: Mercado Pago's own busy answer, typed.
        let (code, v) = call(
            &b,
            "POST",
            "/v1/sales",
            Some(
                json!({"reference": "S5", "amount": "4.00", "device": "PAX_A910__SMARTPOS0000000001"}),
            ),
        );
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (409, Some("ALREADY_QUEUED")),
            "{api}: {v}"
        );
    }
}

#[test]
fn every_route_needs_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let b = start(&["--simulator", "--journal", &journal(dir.path())], &[]);
    let spec = openapi();
    let mut n = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            let p = concrete(path);
            if path == "/healthz" {
                assert_eq!(raw(b.port, &m, &p, None, None).0, 200);
                continue;
            }
            for token in [None, Some("wrong"), Some("")] {
                let (code, v) = raw(b.port, &m, &p, token, Some(b"{}"));
                assert_eq!(code, 401, "{m} {p} with {token:?}");
                assert_eq!(v["error"]["code"], "UNAUTHORIZED");
                // No detail beyond the code and a fixed message.
                assert_eq!(v["error"].as_object().unwrap().len(), 2, "{v}");
                n += 1;
            }
        }
    }
    assert!(n >= 27, "{n} checks");
    // An unknown route says nothing without the token either.
    assert_eq!(raw(b.port, "GET", "/v1/secret", None, None).0, 401);
}

#[test]
fn the_openapi_file_describes_exactly_the_routes_served() {
    let dir = tempfile::tempdir().unwrap();
    let b = start(&["--simulator", "--journal", &journal(dir.path())], &[]);
    let spec = openapi();
    let paths = spec["paths"].as_object().unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in paths {
        for m in ops.as_object().unwrap().keys() {
            documented.insert((m.to_uppercase(), path.clone()));
        }
    }
    // Every method on every documented path (and a few paths that are not): served exactly
    // when documented. A route not served is 404 NOT_FOUND "no route", a method not served 405.
    let mut probe: Vec<String> = paths.keys().cloned().collect();
    probe.extend(["/v1/sales/x/y".into(), "/v1".into(), "/v1/refunds/x".into()]);
    for path in &probe {
        for m in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let (code, v) = call(&b, m, &concrete(path), Some(json!({})));
            let not_served = code == 405
                || (code == 404
                    && v["error"]["message"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("no route")));
            assert_eq!(
                !not_served,
                documented.contains(&(m.to_string(), path.clone())),
                "{m} {path}: {code} {v}"
            );
        }
    }
    assert_eq!(documented.len(), 10);
}

#[test]
fn bad_inputs_are_typed_400s_never_500() {
    let dir = tempfile::tempdir().unwrap();
    let b = start(&["--simulator", "--journal", &journal(dir.path())], &[]);
    let huge = format!(
        "{{\"reference\":\"R\",\"amount\":\"1.00\",\"pos\":\"SUC001POS001\",\"description\":\"{}\"}}",
        "x".repeat(100_000)
    );
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("POST", "/v1/sales", b"{not json".to_vec(), "body"),
        ("POST", "/v1/sales", b"".to_vec(), "body"),
        ("POST", "/v1/sales", b"[]".to_vec(), "body"),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":25.5,"pos":"SUC001POS001"}"#.to_vec(),
            "body",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.00","pos":"SUC001POS001","colour":"red"}"#.to_vec(),
            "body",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.00","pos":7}"#.to_vec(),
            "body",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.00","pos":"SUC001POS001","print_ticket":"yes"}"#
                .to_vec(),
            "body",
        ),
        ("POST", "/v1/sales", huge.into_bytes(), "body"),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.005","pos":"SUC001POS001"}"#.to_vec(),
            "",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"-1.00","pos":"SUC001POS001"}"#.to_vec(),
            "",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"bad/ref!","amount":"1.00","pos":"SUC001POS001"}"#.to_vec(),
            "external_reference",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"amount":"1.00","pos":"SUC001POS001"}"#.to_vec(),
            "reference",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.00"}"#.to_vec(),
            "target",
        ),
        (
            "POST",
            "/v1/sales",
            br#"{"reference":"R","amount":"1.00","pos":"A","device":"B"}"#.to_vec(),
            "target",
        ),
        ("POST", "/v1/sales?x=1", br#"{}"#.to_vec(), "query"),
        (
            "GET",
            "/v1/sales/R/wait?timeout_s=abc",
            Vec::new(),
            "timeout_s",
        ),
        (
            "GET",
            "/v1/sales/R/wait?timeout_s=-1",
            Vec::new(),
            "timeout_s",
        ),
        (
            "GET",
            "/v1/sales/R/wait?timeout_s=100000",
            Vec::new(),
            "timeout_s",
        ),
        ("GET", "/v1/sales?pending=maybe", Vec::new(), "pending"),
        ("GET", "/v1/sales/%FF%FE", Vec::new(), "reference"),
        (
            "POST",
            "/v1/refunds",
            br#"{"payment_id":"12"}"#.to_vec(),
            "body",
        ),
        (
            "POST",
            "/v1/refunds",
            br#"{"payment_id":12,"order_id":"ORD1"}"#.to_vec(),
            "payment_id",
        ),
        (
            "POST",
            "/v1/refunds",
            br#"{"payment_id":12,"amount":"abc"}"#.to_vec(),
            "",
        ),
    ];
    for (m, p, body, field) in cases {
        let (code, v) = raw(b.port, m, p, Some(TOKEN), Some(&body));
        assert_eq!(code, 400, "{m} {p}: {v}");
        let c = v["error"]["code"].as_str().unwrap_or_default();
        assert!(
            c == "INVALID_ARGUMENT" || c == "INVALID_AMOUNT",
            "{m} {p}: {v}"
        );
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        if !field.is_empty() {
            assert_eq!(v["error"]["field"], field, "{m} {p}: {v}");
        }
    }
    // After all that the bridge still serves.
    assert_eq!(raw(b.port, "GET", "/healthz", None, None).0, 200);
}

fn quick_sim() -> Simulator {
    Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(100),
        step_delay: Duration::from_millis(100),
        ..SimulatorConfig::default()
    })
    .unwrap()
}

/// A bridge SIGKILLed while its sales are on the terminal, started again on the same journal and
/// folder: the retried long-poll gets the true verdict, the folder POS exactly one final
/// response, and the simulator (which outlives the bridge, as Mercado Pago does) saw one charge
/// per reference.
#[test]
fn sigkill_mid_sale_then_restart_gives_the_true_verdict() {
    for api in ["intents", "orders"] {
        let sim = quick_sim();
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path());
        let x = dir.path().join("exchange");
        let xs = x.display().to_string();
        let envs = [
            ("MP_ACCESS_TOKEN", sim.access_token()),
            ("MPPOINT_BASE_URL", sim.base_url()),
        ];
        let args = [
            "--journal",
            &j,
            "--api",
            api,
            "--exchange-dir",
            &xs,
            "--poll-ms",
            "50",
        ];
        let b = start(&args, &envs);
        // Held on the terminal (.44) until the test presents the card.
        let (code, v) = call(
            &b,
            "POST",
            "/v1/sales",
            Some(json!({"reference": "K-http", "amount": "12.44", "pos": "SUC001POS001"})),
        );
        assert_eq!(code, 202, "{v}");
        std::fs::write(
            x.join("requests/K-file.json"),
            br#"{"amount": "8.44", "device": "PAX_A910__SMARTPOS0000000002"}"#,
        )
        .unwrap();
        // Both on the terminal (the folder's first response says so).
        let http_id = wait_status(&b, "K-http");
        let file_id = loop {
            if let Ok(t) = std::fs::read_to_string(x.join("responses/K-file.json")) {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["status"] == "ON_TERMINAL" || v["status"] == "AT_TERMINAL" {
                    break v["intent_id"].as_str().unwrap().to_string();
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(b); // SIGKILL: Child::kill
                 // Meanwhile the customers pay.
        sim.present_card(&http_id, CardOutcome::Approved).unwrap();
        sim.present_card(&file_id, CardOutcome::Rejected).unwrap();
        let b = start(&args, &envs);
        let v = wait_final(&b, "K-http");
        assert_eq!(
            (v["verdict"].as_str(), v["intent_id"].as_str()),
            (Some("APPROVED"), Some(http_id.as_str())),
            "{api}: {v}"
        );
        // The folder POS: exactly one response file, final, with the true verdict.
        let started = Instant::now();
        let final_file = loop {
            let t = std::fs::read_to_string(x.join("responses/K-file.json")).unwrap();
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["final"] == true {
                break v;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{v}");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(final_file["verdict"], "REJECTED", "{api}: {final_file}");
        assert_eq!(final_file["intent_id"], file_id.as_str());
        let names: Vec<String> = std::fs::read_dir(x.join("responses"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["K-file.json".to_string()],
            "no temporary file left"
        );
        let started = Instant::now();
        while std::fs::read_dir(x.join("processing")).unwrap().count() > 0 {
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(x.join("done/K-file.json").exists());
        assert_eq!(std::fs::read_dir(x.join("requests")).unwrap().count(), 0);
        // One charge per reference.
        for r in ["K-http", "K-file"] {
            let n = sim
                .sales()
                .iter()
                .filter(|i| i.external_reference.as_deref() == Some(r))
                .count();
            assert_eq!(n, 1, "{api}: {r} charged {n} times");
        }
        // A third start after the end: nothing new is charged, the verdicts stand.
        drop(b);
        let b = start(&args, &envs);
        let (_, v) = call(&b, "GET", "/v1/sales/K-http", None);
        assert_eq!(v["verdict"], "APPROVED", "{v}");
        assert_eq!(sim.sales().len(), 2);
    }
}

/// Waits (long-polls) until the sale is on the terminal; gives its intent (or order) id.
fn wait_status(b: &Bridge, reference: &str) -> String {
    let started = Instant::now();
    loop {
        let (_, v) = call(b, "GET", &format!("/v1/sales/{reference}"), None);
        if v["status"] == "ON_TERMINAL" || v["status"] == "AT_TERMINAL" {
            return v["intent_id"].as_str().unwrap().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// 50 sales at once on 50 simulated terminals through one bridge: every verdict right. Prints
/// the requests per second and the bridge's peak memory (no timed assertion).
#[test]
fn fifty_concurrent_sales_on_fifty_terminals() {
    let n: usize = std::env::var("MPPOINT_SERVE_BENCH_SALES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let ns = n.to_string();
    let b = start(
        &[
            "--simulator",
            "--sim-terminals",
            &ns,
            "--sim-step-ms",
            "100",
            "--journal",
            &j,
        ],
        &[],
    );
    let started = Instant::now();
    let requests = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(String, String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=n)
            .map(|i| {
                let b = &b;
                let requests = &requests;
                s.spawn(move || {
                    let (cents, want) = match i % 5 {
                        0 => ("13", "REJECTED"),
                        1 => ("88", "CANCELED"),
                        _ => ("00", "APPROVED"),
                    };
                    let reference = format!("B{i:03}");
                    let (code, v) = call(
                        b,
                        "POST",
                        "/v1/sales",
                        Some(json!({"reference": reference, "amount": format!("{i}.{cents}"), "pos": format!("TILL{i:03}")})),
                    );
                    requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    assert_eq!(code, 202, "{v}");
                    let mut got;
                    loop {
                        let (_, v) = call(b, "GET", &format!("/v1/sales/{reference}/wait?timeout_s=30"), None);
                        requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        got = v;
                        if got["final"] == true {
                            break;
                        }
                    }
                    let (code, _) = call(b, "POST", &format!("/v1/sales/{reference}/settle"), None);
                    requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    assert_eq!(code, 200);
                    (reference, want.to_string(), got["verdict"].as_str().unwrap_or("-").to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = started.elapsed().as_secs_f64();
    // The server alone: a burst of reads of the 50 sales from 50 clients at once.
    let reads = 40;
    let burst = Instant::now();
    std::thread::scope(|s| {
        for i in 1..=n {
            let b = &b;
            s.spawn(move || {
                for _ in 0..reads {
                    let (code, v) = call(b, "GET", &format!("/v1/sales/B{i:03}"), None);
                    assert_eq!((code, v["final"].as_bool()), (200, Some(true)));
                }
            });
        }
    });
    let burst_secs = burst.elapsed().as_secs_f64();
    let wrong: Vec<_> = results
        .iter()
        .filter(|(_, want, got)| want != got)
        .collect();
    assert!(wrong.is_empty(), "wrong verdicts: {wrong:?}");
    let total = requests.load(std::sync::atomic::Ordering::Relaxed);
    let rss = peak_rss_kib(b.child.id());
    let (_, v) = call(&b, "GET", "/v1/sales?pending=true", None);
    assert_eq!(
        v["pending"].as_array().map(Vec::len),
        Some(0),
        "all settled: {v}"
    );
    println!(
        "serve bench: {n} concurrent sales on {n} terminals, all verdicts right, {total} requests in {secs:.2} s ({:.1} requests/s, {:.1} sales/s); then {} reads from {n} clients at once: {:.0} requests/s; bridge peak RSS {}",
        total as f64 / secs,
        n as f64 / secs,
        n * reads,
        (n * reads) as f64 / burst_secs,
        rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown (no /proc)".into())
    );
}

/// SIGTERM while a sale is on the terminal: the bridge exits 0, the sale stays in the journal,
/// and the next start follows it to its true verdict (the same intent, nothing charged again).
#[cfg(unix)]
#[test]
fn sigterm_leaves_the_sale_resumable() {
    let sim = quick_sim();
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let envs = [
        ("MP_ACCESS_TOKEN", sim.access_token()),
        ("MPPOINT_BASE_URL", sim.base_url()),
    ];
    let args = ["--journal", &j, "--poll-ms", "50"];
    let mut b = start(&args, &envs);
    let (code, v) = call(
        &b,
        "POST",
        "/v1/sales",
        Some(json!({"reference": "T-1", "amount": "30.44", "pos": "SUC001POS001"})),
    );
    assert_eq!(code, 202, "{v}");
    let id = wait_status(&b, "T-1");
    let killed = Command::new("kill")
        .args(["-TERM", &b.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = b.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit on SIGTERM");
    sim.present_card(&id, CardOutcome::Approved).unwrap();
    let b = start(&args, &envs);
    let v = wait_final(&b, "T-1");
    assert_eq!(
        (v["verdict"].as_str(), v["intent_id"].as_str()),
        (Some("APPROVED"), Some(id.as_str())),
        "{v}"
    );
    assert_eq!(sim.sales().len(), 1, "nothing charged again");
}
