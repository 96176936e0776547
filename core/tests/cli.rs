//! The `mppoint` command as a cashier and a script see it: output and exit codes.

use std::process::Command;

fn mppoint() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mppoint"));
    c.env_remove("MP_ACCESS_TOKEN")
        .env_remove("MPPOINT_BASE_URL")
        .env_remove("MPPOINT_SITE")
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
