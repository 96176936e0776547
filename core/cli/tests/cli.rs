//! The `mppoint` command as a cashier and a script see it: output and exit codes.

use std::process::Command;

fn mppoint() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mppoint"));
    c.env_remove("MP_ACCESS_TOKEN")
        .env_remove("MPPOINT_BASE_URL")
        .env_remove("MPPOINT_SITE")
        .env_remove("MPPOINT_API")
        .env_remove("MP_WEBHOOK_SECRET");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = mppoint().args(args).output().expect("mppoint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_main_job_is_an_approved_sale_on_the_embedded_simulator() {
    let (code, out, err) = run(&["sale", "--amount", "25.00"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // The cashier's progress goes to stderr...
    for expected in [
        "embedded simulator",
        "created",
        "ON_TERMINAL",
        "PROCESSING",
        "CLOSED",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // ...and the result alone to stdout.
    assert_eq!(out.lines().count(), 1, "{out}");
    for expected in ["Verdict: APPROVED", "approved", "hand over the goods"] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn sale_json_is_the_only_thing_on_stdout() {
    let (code, out, err) = run(&["sale", "--amount", "25.00", "--json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert_eq!(v["verdict"], "APPROVED");
    assert_eq!(v["intent"]["status"], "CLOSED");
    assert_eq!(v["payments"][0]["status"], "approved");
    assert!(err.contains("Verdict: APPROVED"), "{err}");
    // A script need not know which verdicts are paid, nor word the advice itself.
    assert_eq!(v["is_paid"], true);
    assert_eq!(v["advice"], "payment approved: hand over the goods");
    let (_, out, _) = run(&["sale", "--amount", "25.13", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert_eq!(
        (v["verdict"].as_str(), v["is_paid"].as_bool()),
        (Some("REJECTED"), Some(false))
    );
    // The verdict line says each thing once.
    let verdict = err.lines().find(|l| l.contains("Verdict:")).unwrap();
    assert_eq!(verdict.matches("approved").count(), 1, "{verdict}");
    assert!(
        verdict.ends_with("approved: hand over the goods"),
        "{verdict}"
    );
    // An error under --json is JSON on stdout too (and words on stderr).
    let (code, out, err) = run(&["sale", "--amount", "12,50", "--json"]);
    assert_eq!(code, 7);
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert_eq!(v["error"]["code"], "INVALID_AMOUNT");
    // Every field of the core's one list, named even when absent (a script reads
    // external_reference after OUTCOME_UNKNOWN).
    let keys: Vec<&str> = v["error"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "message",
        "status",
        "request_id",
        "idempotency_key",
        "intent_id",
        "external_reference",
        "holding_sale",
        "causes",
        "retry_after_ms",
        "field",
        "last_status",
        "signature_failure",
        "transient",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(v["error"]["field"], "amount");
    assert!(err.contains("comma"), "{err}");
}

#[test]
fn a_rejected_card_is_not_paid_and_exits_1() {
    let (code, out, err) = run(&["sale", "--amount", "25.13"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("Verdict: REJECTED"), "{out}");
    assert!(out.contains("another card"), "{out}");
}

#[test]
fn a_bad_amount_is_refused_before_anything_runs() {
    let (code, _, err) = run(&["sale", "--amount", "12,50"]);
    assert_eq!(code, 7);
    assert!(err.contains("comma"), "{err}");
    let (code, _, err) = run(&["sale", "--amount", "70000.01"]);
    assert_eq!(code, 7);
    assert!(err.contains("above the MLB maximum of 70000.00"), "{err}");
    // A negative amount is an amount, not an unknown flag.
    let (code, _, err) = run(&["sale", "--amount", "-3"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("\"-3\""), "{err}");
}

#[test]
fn a_base_url_without_a_token_is_refused_not_ignored() {
    let (code, out, err) = run(&["sale", "--base-url", "http://127.0.0.1:9"]);
    assert_eq!(code, 7, "{out}{err}");
    assert!(err.contains("--access-token"), "{err}");
    assert!(!err.contains("embedded simulator at"), "{err}");
}

#[test]
fn help_documents_the_log_variable_and_where_output_goes() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("MPPOINT_LOG"), "{out}");
    assert!(out.contains("stderr"), "{out}");
}

#[test]
fn a_real_sale_needs_a_terminal() {
    let (code, _, err) = run(&["sale", "--access-token", "APP_USR-x"]);
    assert_eq!(code, 7);
    assert!(err.contains("--pos"), "{err}");
    assert!(!err.contains("APP_USR-x"));
}

#[test]
fn verify_webhook_exit_codes() {
    let sig = mppoint::webhook::sign("s3cret", Some("123"), Some("req-1"), 1_704_908_010);
    let (code, out, err) = run(&[
        "verify-webhook",
        "--secret",
        "s3cret",
        "--signature",
        &sig,
        "--request-id",
        "req-1",
        "--data-id",
        "123",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signature valid"));
    let (code, out, err) = run(&[
        "verify-webhook",
        "--json",
        "--secret",
        "s3cret",
        "--signature",
        &sig,
        "--request-id",
        "req-1",
        "--data-id",
        "123",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    let (code, _, err) = run(&[
        "verify-webhook",
        "--secret",
        "wrong",
        "--signature",
        &sig,
        "--request-id",
        "req-1",
        "--data-id",
        "123",
    ]);
    assert_eq!(code, 6);
    assert!(
        err.contains("SIGNATURE_MISMATCH") || err.contains("does not match"),
        "{err}"
    );
}

#[test]
fn help_lists_the_commands_and_exit_codes() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for c in [
        "sale",
        "sim",
        "devices",
        "set-mode",
        "get",
        "cancel",
        "payment",
        "verify-webhook",
        "Exit codes",
    ] {
        assert!(out.contains(c), "{c} missing from --help:\n{out}");
    }
    let (code, _, _) = run(&["no-such-command"]);
    assert_eq!(code, 2);
}

mod shop_setup {
    use super::mppoint;
    use mppoint_simulator::{Simulator, SimulatorConfig};
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    fn api_run(sim: &Simulator, args: &[&str]) -> (i32, String, String) {
        let out = mppoint()
            .args(args)
            .args([
                "--access-token",
                sim.access_token(),
                "--base-url",
                sim.base_url(),
            ])
            .output()
            .expect("mppoint runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn devices_mode_get_cancel_and_payment() {
        let sim = Simulator::start(SimulatorConfig {
            pickup_delay: Duration::from_secs(30),
            ..SimulatorConfig::default()
        })
        .unwrap();
        let (code, out, err) = api_run(&sim, &["devices"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("PAX_A910__SMARTPOS0000000001\tPDV\tPOS SUC001POS001"),
            "{out}"
        );
        assert!(
            out.contains("NEWLAND_N950__N950NCB000000003\tSTANDALONE"),
            "{out}"
        );
        let (code, out, _) = api_run(&sim, &["devices", "--json"]);
        assert_eq!(code, 0);
        let parsed: Vec<mppoint::Device> = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.len(), 3);

        let (code, out, err) =
            api_run(&sim, &["set-mode", "NEWLAND_N950__N950NCB000000003", "pdv"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("is now PDV: restart the device"), "{out}");
        let (code, _, err) = api_run(
            &sim,
            &["set-mode", "NEWLAND_N950__N950NCB000000003", "KIOSK"],
        );
        assert_eq!(code, 7, "{err}");

        let client = mppoint::Client::builder(sim.access_token())
            .base_url(sim.base_url())
            .no_proxy()
            .build()
            .unwrap();
        let intent = client
            .create_intent(
                &mppoint::Target::Pos("SUC001POS001".into()),
                &mppoint::IntentRequest::new(mppoint::Amount::parse("3.00").unwrap(), "d", "r"),
            )
            .unwrap();
        let (code, out, _) = api_run(&sim, &["get", &intent.id]);
        assert_eq!(code, 0);
        assert!(out.contains("OPENED amount 3.00"), "{out}");
        let (code, out, _) = api_run(&sim, &["cancel", &intent.id]);
        assert_eq!(code, 0);
        assert!(out.contains("canceled"), "{out}");
        let (code, out, _) = api_run(&sim, &["get", &intent.id, "--json"]);
        assert_eq!(code, 0);
        let got: mppoint::Intent = serde_json::from_str(&out).unwrap();
        assert_eq!(got.status, mppoint::Status::Canceled);
        let (code, _, err) = api_run(&sim, &["get", "no-such-intent"]);
        assert_eq!(code, 5, "{err}");
        assert!(err.contains("not found"), "{err}");
        let (code, _, err) = api_run(&sim, &["payment", "12345"]);
        assert_eq!(code, 5, "{err}");

        // Without a token, the API commands say how to give one.
        let (code, _, err) = super::run(&["devices"]);
        assert_eq!(code, 7);
        assert!(err.contains("MP_ACCESS_TOKEN"), "{err}");
    }

    fn sale_args<'a>(sim: &'a Simulator, extra: &[&'a str]) -> Vec<&'a str> {
        let mut v = vec![
            "sale",
            "--json",
            "--pos",
            "SUC001POS001",
            "--access-token",
            sim.access_token(),
            "--base-url",
            sim.base_url(),
        ];
        v.extend_from_slice(extra);
        v
    }

    fn quick_sim(pickup: Duration) -> Simulator {
        Simulator::start(SimulatorConfig {
            pickup_delay: pickup,
            step_delay: Duration::from_millis(50),
            ..SimulatorConfig::default()
        })
        .unwrap()
    }

    fn output(child: std::process::Child) -> (i32, String, String) {
        let out = child.wait_with_output().expect("mppoint ends");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn a_wait_timeout_cancels_an_opened_intent_and_says_so() {
        // The terminal never picks the intent up within the wait.
        let sim = quick_sim(Duration::from_secs(60));
        let (code, out, err) = super::run(&sale_args(&sim, &["--timeout-secs", "1"]));
        assert_eq!(code, 1, "{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is the sale");
        assert_eq!(v["verdict"], "CANCELED");
        let id = v["intent"]["id"].as_str().unwrap();
        assert!(err.contains("was still OPENED"), "{err}");
        assert!(err.contains("canceled"), "{err}");
        // What a user checks: nothing is left on the terminal, the next sale can go.
        assert_eq!(
            sim.intent(id).unwrap().status,
            mppoint::Status::Canceled,
            "the simulator still has it"
        );
        let (code, out, err) = super::run(&sale_args(&sim, &["--timeout-secs", "1"]));
        assert_eq!(code, 1, "the next sale is not ALREADY_QUEUED: {out}\n{err}");
    }

    #[test]
    fn a_wait_timeout_on_a_held_intent_says_what_is_on_the_terminal() {
        let sim = quick_sim(Duration::from_millis(50));
        let (code, out, err) = super::run(&sale_args(
            &sim,
            &[
                "--amount",
                "25.44",
                "--timeout-secs",
                "3",
                "--progress-secs",
                "1",
                // A simulator of its own at 50 ms steps: poll at its pace, as a tester would.
                "--poll-ms",
                "100",
            ],
        ));
        assert_eq!(code, 3, "{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
        assert_eq!(v["error"]["code"], "WAIT_TIMEOUT");
        assert_eq!(v["error"]["last_status"], "ON_TERMINAL");
        let id = v["error"]["intent_id"].as_str().unwrap();
        assert!(
            err.contains("still ON_TERMINAL — waiting"),
            "no progress line:\n{err}"
        );
        assert!(err.contains("No final status within 3 s"), "{err}");
        assert!(err.contains("only the terminal can cancel it"), "{err}");
        assert!(err.contains(&format!("mppoint get {id}")), "{err}");
        assert!(!err.contains("cancel_intent"), "names a Rust method: {err}");
        // It said the truth: the intent is on the terminal, not canceled behind the user's back.
        assert_eq!(sim.intent(id).unwrap().status, mppoint::Status::OnTerminal);
    }

    #[cfg(unix)]
    fn interrupt_when(sim: &Simulator, amount: &str, seen: &str) -> (i32, String, String) {
        let mut child = mppoint()
            .args(sale_args(sim, &["--amount", amount]))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mppoint starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut before = String::new();
        loop {
            let line = lines
                .next()
                .expect("mppoint ended before the expected status")
                .unwrap();
            before.push_str(&line);
            before.push('\n');
            if line.contains(seen) {
                break;
            }
        }
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let (code, out, _) = output(child);
        (code, out, before + &rest.join("\n"))
    }

    #[cfg(unix)]
    #[test]
    fn ctrl_c_cancels_an_opened_intent() {
        let sim = quick_sim(Duration::from_secs(60));
        let (code, out, err) = interrupt_when(&sim, "25.00", "created");
        assert_eq!(code, 1, "{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is the sale");
        assert_eq!(v["verdict"], "CANCELED");
        assert!(err.contains("Interrupted"), "{err}");
        let id = v["intent"]["id"].as_str().unwrap();
        assert_eq!(sim.intent(id).unwrap().status, mppoint::Status::Canceled);
    }

    #[cfg(unix)]
    #[test]
    fn ctrl_c_on_a_held_intent_says_what_is_left_on_the_terminal() {
        let sim = quick_sim(Duration::from_millis(50));
        let (code, out, err) = interrupt_when(&sim, "25.44", "ON_TERMINAL");
        assert_eq!(code, 3, "{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
        assert_eq!(v["error"]["code"], "CANCELED");
        let id = v["error"]["intent_id"].as_str().unwrap();
        assert!(err.contains("Interrupted"), "{err}");
        assert!(err.contains("still ON_TERMINAL on the terminal"), "{err}");
        assert!(err.contains(&format!("mppoint get {id}")), "{err}");
        assert_eq!(sim.intent(id).unwrap().status, mppoint::Status::OnTerminal);
    }

    #[test]
    fn an_amount_refused_by_the_api_exits_like_one_refused_by_us() {
        // Without --site the client cannot check the limits: the API's 400 gets the same exit code.
        let sim = quick_sim(Duration::from_millis(50));
        let (code, out, err) = super::run(&sale_args(&sim, &["--amount", "70000.01"]));
        assert_eq!(code, 7, "{out}\n{err}");
        let (code, out, err) =
            super::run(&sale_args(&sim, &["--amount", "70000.01", "--site", "MLB"]));
        assert_eq!(code, 7, "{out}\n{err}");
        assert!(err.contains("above the MLB maximum"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn two_tls_simulators_get_their_own_private_ca_files() {
        use std::os::unix::fs::PermissionsExt;
        let start = || {
            let mut child = mppoint()
                .args(["sim", "--port", "0", "--tls"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("mppoint sim starts");
            let lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut ca = None;
            for line in lines.map_while(Result::ok) {
                if let Some(p) = line.trim().strip_prefix("CA certificate:") {
                    ca = Some(std::path::PathBuf::from(p.trim()));
                }
                if line.contains("Ctrl-C") {
                    break;
                }
            }
            (child, ca.expect("the CA path is printed"))
        };
        let (mut a, ca_a) = start();
        let (mut b, ca_b) = start();
        assert_ne!(ca_a, ca_b);
        let pem_a = std::fs::read_to_string(&ca_a).unwrap();
        let pem_b = std::fs::read_to_string(&ca_b).unwrap();
        assert!(pem_a.contains("BEGIN CERTIFICATE") && pem_a != pem_b);
        let mode = std::fs::metadata(ca_a.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the CA's folder is private");
        for (child, ca) in [(&mut a, &ca_a), (&mut b, &ca_b)] {
            // Ctrl-C removes the private folder.
            Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            child.wait().unwrap();
            assert!(!ca.exists(), "{} left behind", ca.display());
        }
    }

    #[test]
    fn sim_runs_as_a_process_and_prints_what_to_connect_with() {
        let mut child = mppoint()
            .args(["sim", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mppoint sim starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut base_url = None;
        let mut token = None;
        for _ in 0..20 {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(u) = line.trim().strip_prefix("base URL:") {
                base_url = Some(u.trim().to_string());
            }
            if let Some(t) = line.trim().strip_prefix("access token:") {
                token = Some(t.trim().to_string());
            }
            if line.contains("Ctrl-C") {
                break;
            }
        }
        let (base_url, token) = (base_url.expect("base URL"), token.expect("token"));
        let client = mppoint::Client::builder(token)
            .base_url(base_url)
            .no_proxy()
            .build()
            .unwrap();
        let page = client.list_devices(&mppoint::DeviceFilter::default());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(page.unwrap().devices.len(), 3);
    }
}

#[test]
fn a_huge_timeout_is_refused_before_the_sale_starts() {
    let (code, out, err) = run(&[
        "sale",
        "--amount",
        "25.00",
        "--timeout-secs",
        "18446744073709551615",
    ]);
    assert_eq!(code, 7, "{out}\n{err}");
    assert!(err.contains("timeout"), "{err}");
    assert!(!out.contains("created"), "nothing was created:\n{out}");
}

#[test]
fn a_sale_on_each_api_gives_the_same_verdicts() {
    for api in ["intents", "orders"] {
        let (code, out, err) = run(&["sale", "--api", api, "--amount", "25.00"]);
        assert_eq!(code, 0, "{api}: {out}\n{err}");
        assert!(out.contains("Verdict: APPROVED"), "{api}: {out}");
        let (code, out, _) = run(&["sale", "--api", api, "--amount", "25.13"]);
        assert_eq!(code, 1, "{api}: {out}");
        assert!(out.contains("Verdict: REJECTED"), "{api}: {out}");
    }
    let (code, _, err) = run(&["sale", "--api", "order"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("api"), "{err}");
}

#[test]
fn print_puts_a_receipt_on_the_embedded_simulators_terminal() {
    let (code, out, err) = run(&[
        "print",
        "--title",
        "Loja {Centro}",
        "--line",
        "Sale 1: 25.00",
        "--qr",
        "https://example.com/r/1",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["status"], "processed");
    assert_eq!(v["subtype"], "custom");
    // A file that is not an image is refused before anything is sent.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("receipt.txt");
    std::fs::write(&f, "not an image").unwrap();
    let (code, _, err) = run(&["print", "--image", f.to_str().unwrap()]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("PNG or JPEG"), "{err}");
}

#[test]
fn sandbox_refuses_a_production_token_and_bad_events_before_sending() {
    let (code, _, err) = run(&[
        "sandbox",
        "processed",
        "--order",
        "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3",
        "--access-token",
        "APP_USR-1-production",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("test credentials"), "{err}");
    let (code, _, err) = run(&[
        "sandbox",
        "paid",
        "--order",
        "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3",
        "--access-token",
        "TEST-1",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("processed, failed"), "{err}");
}

#[test]
fn a_standalone_terminal_gets_the_set_mode_hint_not_a_raw_request() {
    // The embedded simulator's third device is STANDALONE: Mercado Pago refuses the intent with a
    // 400, and the cashier's next step is `mppoint set-mode`, then a restart of the terminal.
    let (code, out, err) = run(&["sale", "--device", "NEWLAND_N950__N950NCB000000003"]);
    assert_ne!(code, 0, "{out}\n{err}");
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("no hint in:\n{err}"));
    assert!(hint.contains("mppoint set-mode DEVICE PDV"), "{hint}");
    assert!(hint.contains("restarted"), "{hint}");
    assert!(!hint.contains("--site"), "{hint}");
}

#[test]
fn an_unknown_intent_is_not_hinted_to_be_fetched_again() {
    let sim = mppoint_simulator::Simulator::start(mppoint_simulator::SimulatorConfig::default())
        .expect("the simulator starts");
    let (code, out, err) = run(&[
        "get",
        "0123abcd-0000-0000-0000-000000000000",
        "--access-token",
        sim.access_token(),
        "--base-url",
        sim.base_url(),
    ]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(err.contains("not found"), "{err}");
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint:"))
        .expect("a hint");
    assert!(!hint.contains("mppoint get"), "{hint}");
    assert!(hint.contains("check the id"), "{hint}");
}

#[test]
fn help_shows_no_empty_env_values_and_the_orders_banner_says_order() {
    let (code, out, _) = run(&["sale", "--help"]);
    assert_eq!(code, 0);
    assert!(
        !out.contains("=]"),
        "an unset variable shown as empty:\n{out}"
    );
    assert!(out.contains("[env: MPPOINT_BASE_URL]"), "{out}");
    let (code, out, err) = run(&["sale", "--api", "orders"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("Order ORD"), "{err}");
    assert!(!err.contains("Intent ORD"), "{err}");
}
