//! The shop's side of webhooks, end to end: the simulator delivers a signed notification when an
//! intent ends, and `webhook::verify_request` accepts it; a redelivery is recognised as the same
//! notification; a tampered one is refused.

use std::time::Duration;

use mppoint::webhook::{self, FailureReason, VerifyOptions};
use mppoint_simulator::{Simulator, SimulatorConfig};
mod common;
use common::{receiver, Received};

use mppoint::{Amount, ErrorKind, IntentRequest, Status, Target, Verdict, WaitOptions};

fn verify(r: &Received, secret: &str) -> mppoint::Result<webhook::Notification> {
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let query = r.query();
    webhook::verify_request(
        secret,
        &headers,
        query,
        &r.body,
        &VerifyOptions {
            tolerance: Some(Duration::from_secs(300)),
            now: None,
        },
    )
}

fn sale(sim: &Simulator, amount: &str) -> mppoint::Sale {
    let client = sim.client_builder().build().unwrap();
    client
        .charge(
            &Target::Pos("SUC001POS001".into()),
            &IntentRequest::new(Amount::parse(amount).unwrap(), "Webhook sale", "order-wh-1"),
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_secs(20)),
        )
        .unwrap()
}

#[test]
fn a_delivered_notification_verifies_and_names_the_intent() {
    let (url, rx) = receiver("/mp/webhook", vec![200]);
    let sim = Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(50),
        step_delay: Duration::from_millis(20),
        webhook_urls: vec![url],
        ..SimulatorConfig::default()
    })
    .unwrap();
    let sold = sale(&sim, "42.00");
    assert_eq!(sold.verdict, Verdict::Approved);
    let got = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a delivery");
    assert!(got.target.starts_with("/mp/webhook?"), "{}", got.target);
    let n = verify(&got, sim.webhook_secret()).expect("signature verifies");
    assert_eq!(n.intent_id(), sold.intent.id);
    assert_eq!(n.status(), &Status::Closed);
    assert_eq!(n.kind, "topic_instore_integration_wh");
    assert!(n.is_final());
    assert!(n.date_created.as_ref().and_then(|d| d.parsed()).is_some());
    assert_eq!(n.data.intent.amount().unwrap().to_string(), "42.00");
    // A CLOSED notification is not a paid sale: the shop still looks the payment up.
    assert_eq!(n.data.intent.payment_ids(), sold.intent.payment_ids());

    // The wrong secret, or a body swapped for another intent's, is refused.
    let e = verify(&got, "not-the-secret").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSignature);
    assert_eq!(
        e.signature_failure(),
        Some(FailureReason::SignatureMismatch)
    );
    let forged = Received {
        target: got.target.clone(),
        headers: got.headers.clone(),
        body: String::from_utf8(got.body.clone())
            .unwrap()
            .replace(&sold.intent.id, "another-intent")
            .into_bytes(),
    };
    assert_eq!(
        verify(&forged, sim.webhook_secret()).unwrap_err().kind(),
        ErrorKind::InvalidSignature
    );
}

#[test]
fn a_redelivered_notification_is_the_same_notification() {
    // The receiver fails the first delivery; Mercado Pago (and the simulator) try again.
    let (url, rx) = receiver("/mp/webhook", vec![500, 200]);
    let sim = Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(50),
        step_delay: Duration::from_millis(20),
        time_factor: 900,
        webhook_urls: vec![url],
        ..SimulatorConfig::default()
    })
    .unwrap();
    let sold = sale(&sim, "17.13");
    assert_eq!(sold.verdict, Verdict::Rejected);
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("first delivery");
    let second = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("redelivery");
    let a = verify(&first, sim.webhook_secret()).unwrap();
    let b = verify(&second, sim.webhook_secret()).unwrap();
    assert_eq!(
        a.dedup_key(),
        b.dedup_key(),
        "a receiver can drop the repeat"
    );
    assert_eq!(a.intent_id(), sold.intent.id);
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "no third delivery after a 200"
    );
}
