//! Webhook wake-ups (`Client::handle_webhook`): a verified delivery wakes the wait on its sale at
//! once, which confirms with one read; a forged, unsigned or replayed one wakes nothing and is the
//! typed signature error; duplicates and late deliveries are harmless. Run on both APIs against
//! the simulator, whose signed webhooks go to a receiver that hands them to the client, as a POS
//! back-end's endpoint would.

use std::sync::mpsc;
use std::time::Duration;

mod common;

use mppoint::webhook::{self, FailureReason};
use mppoint::{
    Amount, Api, Client, ErrorKind, IntentRequest, Target, Verdict, WaitOptions, WebhookDelivery,
};
use mppoint_simulator::{ClientSettings, Endpoint, Simulator, SimulatorConfig};

const POS1: &str = "SUC001POS001";

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(40),
        step_delay: Duration::from_millis(30),
        ..SimulatorConfig::default()
    })
    .unwrap()
}

fn client(sim: &Simulator, api: Api) -> Client {
    // Without the simulator's pace: the waits keep the default (adaptive) schedule, whose
    // fallback poll a webhook secret makes 15 s long.
    ClientSettings {
        poll_interval: None,
        ..sim.client_settings()
    }
    .builder()
    .api(api)
    .webhook_secret(sim.webhook_secret())
    .build()
    .unwrap()
}

/// A webhook endpoint on loopback that hands every delivery to `client`, and reports what the
/// client made of it.
fn endpoint(client: &Client) -> (String, mpsc::Receiver<mppoint::Result<WebhookDelivery>>) {
    let (url, rx) = common::receiver("/hook", vec![]);
    let (tx, handled) = mpsc::channel();
    let c = client.clone();
    std::thread::spawn(move || {
        for r in rx {
            let headers: Vec<(&str, &str)> = r
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if tx
                .send(c.handle_webhook(&headers, r.query(), &r.body))
                .is_err()
            {
                return;
            }
        }
    });
    (url, handled)
}

fn requests(sim: &Simulator) -> u64 {
    let c = sim.counters();
    Endpoint::ALL
        .iter()
        .filter(|e| **e != Endpoint::Control)
        .map(|e| c.requests_to(*e))
        .sum()
}

#[test]
fn a_delivery_wakes_the_sale_which_costs_a_few_requests() {
    for api in Api::ALL {
        let sim = sim();
        let c = client(&sim, api);
        let (url, handled) = endpoint(&c);
        sim.set_webhook_urls(vec![url]);
        // The default schedule: with a webhook secret, the fallback poll is 15 s away, so a sale
        // that ends at once is seen by the wake-up, not by a poll.
        let sale = c
            .charge(
                &Target::Pos(POS1.into()),
                &IntentRequest::new(Amount::parse("10.00").unwrap(), "Sale", "wake-1"),
                &WaitOptions::new().timeout(Duration::from_secs(120)),
            )
            .unwrap();
        assert_eq!(sale.verdict, Verdict::Approved, "{api}");
        let delivery = handled
            .recv_timeout(Duration::from_secs(60))
            .expect("a delivery")
            .unwrap_or_else(|e| panic!("{api}: a delivery of the simulator was refused: {e}"));
        assert_eq!(delivery.woken, 1, "{api}: the waiting sale was woken");
        assert!(
            delivery
                .notification
                .data
                .intent
                .id
                .eq_ignore_ascii_case(&sale.intent.id),
            "{api}"
        );
        let n = requests(&sim);
        assert!(n <= 5, "{api}: {n} requests for one sale with wake-ups");
    }
}

#[test]
fn forged_unsigned_and_replayed_deliveries_wake_nothing() {
    let sim = sim();
    let c = client(&sim, Api::Intents);
    let id = "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1";
    let reg = c
        .wake_registration(id)
        .expect("a client with a secret registers");
    let body =
        serde_json::json!({"action": "state_FINISHED", "data": {"id": id, "status": "CLOSED"}})
            .to_string();
    let query = format!("data.id={id}&type=point_integration_wh");
    let hand = |sig: Option<&str>, rid: &str| {
        let mut h = vec![("x-request-id", rid)];
        if let Some(s) = sig {
            h.push(("x-signature", s));
        }
        c.handle_webhook(&h, &query, body.as_bytes())
    };
    let (good, rid) = webhook::signed_headers(sim.webhook_secret(), id, webhook::unix_now());
    let (forged, _) = webhook::signed_headers("not the secret", id, webhook::unix_now());
    let (old, old_rid) = webhook::signed_headers(sim.webhook_secret(), id, 1_704_908_010);
    for (sig, rid, failure) in [
        (
            Some(forged.as_str()),
            rid.as_str(),
            FailureReason::SignatureMismatch,
        ),
        (None, rid.as_str(), FailureReason::MissingHeader),
        (
            Some(old.as_str()),
            old_rid.as_str(),
            FailureReason::TimestampOutOfTolerance,
        ),
    ] {
        let e = hand(sig, rid).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignature, "{e}");
        assert_eq!(e.signature_failure(), Some(failure), "{e}");
        assert!(!reg.take_rung(), "a refused delivery woke the wait");
    }
    // Signed now with the secret: wakes the wait, once.
    assert_eq!(hand(Some(&good), &rid).unwrap().woken, 1);
    assert!(reg.take_rung());
    // The same delivery again (Mercado Pago retries): harmless, the wait is woken again at most.
    assert_eq!(hand(Some(&good), &rid).unwrap().woken, 1);
    // Once the wait is over, a late delivery wakes nothing and is no error.
    drop(reg);
    assert_eq!(hand(Some(&good), &rid).unwrap().woken, 0);
}

#[test]
fn a_delivery_for_another_sale_or_a_client_without_secret() {
    let sim = sim();
    let c = client(&sim, Api::Intents);
    let reg = c
        .wake_registration("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1")
        .unwrap();
    let other = "0000aaaa-eea6-4f9c-bf16-a341f71ba2f1";
    let (sig, rid) = webhook::signed_headers(sim.webhook_secret(), other, webhook::unix_now());
    let body = serde_json::json!({"data": {"id": other, "status": "CLOSED"}}).to_string();
    let d = c
        .handle_webhook(
            &[("x-signature", &sig), ("x-request-id", &rid)],
            &format!("data.id={other}"),
            body.as_bytes(),
        )
        .unwrap();
    assert_eq!(d.woken, 0);
    assert!(!reg.take_rung());
    let plain = sim.client_builder().build().unwrap();
    assert!(plain.wake_registration("x").is_none());
    let e = plain
        .handle_webhook(&[("x-signature", &sig)], "", body.as_bytes())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
}
