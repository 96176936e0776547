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
    for expected in [
        "embedded simulator",
        "created",
        "ON_TERMINAL",
        "PROCESSING",
        "CLOSED",
        "Verdict: APPROVED",
        "approved",
        "hand over the goods",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn a_rejected_card_is_not_paid_and_exits_1() {
    let (code, out, _) = run(&["sale", "--amount", "25.13"]);
    assert_eq!(code, 1, "{out}");
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
    use std::process::Stdio;
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
