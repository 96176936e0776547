//! The money-safety promises, one test per way they were found broken (issue 9): against a
//! simulator that ignores create keys as Mercado Pago may, lost answers, 5xx after processing,
//! forged notifications, reused keys, panicking callbacks, unbounded options, unsafe settings.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use mppoint::webhook::{self, VerifyOptions};
use mppoint::{
    Amount, Client, ErrorKind, IntentRequest, PaymentStatus, RetryPolicy, Site, Status, Target,
    Verdict, WaitOptions,
};
use mppoint_simulator::{CardOutcome, Endpoint, FaultKind, FaultRule, Simulator, SimulatorConfig};

const POS1: &str = "SUC001POS001";
const POS2: &str = "SUC001POS002";

fn sim(cfg: SimulatorConfig) -> Simulator {
    Simulator::start(cfg).expect("simulator starts")
}

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(40),
        step_delay: Duration::from_millis(20),
        ..SimulatorConfig::default()
    }
}

fn builder(sim: &Simulator) -> mppoint::ClientBuilder {
    Client::builder(sim.access_token())
        .base_url(sim.base_url())
        .site(Site::MLB)
        .no_proxy()
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
            jitter: false,
        })
}

fn client(sim: &Simulator) -> Client {
    builder(sim).build().expect("client builds")
}

fn req(amount: &str, reference: &str) -> IntentRequest {
    IntentRequest::new(Amount::parse(amount).unwrap(), "Test sale", reference)
}

fn wait() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_secs(30))
}

fn rule(endpoint: Endpoint, kind: FaultKind, times: u32) -> FaultRule {
    FaultRule::new(Some(endpoint), kind).times(times)
}

/// Waits (through the simulator's own state) until every intent has ended.
fn settle(s: &Simulator) {
    for _ in 0..1500 {
        if s.intents().iter().all(|i| i.status.is_final()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("intents did not end: {:?}", s.intents());
}

// 1. Keys ignored, the answer lost, then a 429: the old code re-sent and charged twice.
#[test]
fn a_lost_create_on_a_server_that_ignores_keys_never_makes_a_second_intent() {
    let s = sim(SimulatorConfig {
        honor_idempotency_keys: false,
        pickup_delay: Duration::from_millis(500),
        step_delay: Duration::from_millis(300),
        ..SimulatorConfig::default()
    });
    s.set_faults(vec![
        rule(Endpoint::CreateIntent, FaultKind::DropAfterProcessing, 1),
        rule(
            Endpoint::CreateIntent,
            FaultKind::RateLimited {
                retry_after_secs: 3,
            },
            1,
        ),
    ]);
    let c = client(&s);
    let e = c
        .charge(&Target::Pos(POS1.into()), &req("10.00", "sale-1"), &wait())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    let key = e.idempotency_key().expect("the key is on the error");
    assert_eq!(e.external_reference(), Some("sale-1"));
    assert!(e.message().contains("external reference \"sale-1\""), "{e}");
    assert!(e.message().contains(key), "{e}");
    // Read at a till: what to do first, in short sentences, no parentheses inside parentheses.
    assert!(
        e.message()
            .contains("Do not ring the sale up again. 1) Look at the terminal"),
        "{e}"
    );
    let mut depth = 0i32;
    let advice = e.message().split(". What went wrong: ").next().unwrap();
    assert!(
        advice.len() < e.message().len(),
        "the cause comes last: {e}"
    );
    for c in advice.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        assert!(depth <= 1, "nested parentheses: {e}");
    }
    println!(
        "OUTCOME_UNKNOWN message ({} chars): {}",
        e.message().len(),
        e.message()
    );
    assert_eq!(s.counters().requests_to(Endpoint::CreateIntent), 1);
    assert_eq!(s.intents().len(), 1, "one intent, never two");
    // Recovering without re-sending: the sale's payment, found by its external reference.
    settle(&s);
    let found = c.find_payments("sale-1").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, PaymentStatus::Approved);
    assert_eq!(
        found[0].transaction_amount,
        Some(Amount::parse("10.00").unwrap())
    );
    assert!(c.find_payments("no-such-sale").unwrap().is_empty());
    let e = c.find_payments("").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

// 2a. The simulator no longer replays creates by key unless asked to.
#[test]
fn the_simulator_ignores_create_keys_by_default_and_replays_them_on_request() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    assert!(!s.config().honor_idempotency_keys);
    let c = client(&s);
    let r = req("10.00", "sale-2a").idempotency_key("key-2a");
    let first = c.create_intent(&Target::Pos(POS1.into()), &r).unwrap();
    let e = c.create_intent(&Target::Pos(POS1.into()), &r).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::AlreadyQueued,
        "the key is ignored: {e}"
    );
    c.cancel_intent(&first.id).unwrap();
    let second = c.create_intent(&Target::Pos(POS1.into()), &r).unwrap();
    assert_ne!(
        second.id, first.id,
        "a re-send with the key made a second intent"
    );
    assert_eq!(s.counters().intents_created_with_key("key-2a"), 2);
    c.cancel_intent(&second.id).unwrap();

    let kind = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        honor_idempotency_keys: true,
        ..fast()
    });
    let c = client(&kind);
    let first = c.create_intent(&Target::Pos(POS1.into()), &r).unwrap();
    let again = c.create_intent(&Target::Pos(POS1.into()), &r).unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(kind.intents().len(), 1);
}

// 2b. A refund retried with its key is applied once (the Payments API documents the key).
#[test]
fn a_refund_retried_with_its_key_is_applied_once() {
    let s = sim(fast());
    let c = client(&s);
    let sale = c
        .charge(&Target::Pos(POS1.into()), &req("10.00", "sale-2b"), &wait())
        .unwrap();
    let pid = sale.approved_payment().unwrap().id;
    let half = Amount::parse("2.50").unwrap();
    let r1 = c
        .refund_payment_with_key(pid, Some(half), "refund-1")
        .unwrap();
    let r2 = c
        .refund_payment_with_key(pid, Some(half), "refund-1")
        .unwrap();
    assert_eq!(r1.id, r2.id, "the same refund answered twice");
    let p = s.payment(pid).unwrap();
    assert_eq!(p.transaction_amount_refunded.map(|a| a.0), Some(250));
    c.refund_payment_with_key(pid, Some(half), "refund-2")
        .unwrap();
    let p = s.payment(pid).unwrap();
    assert_eq!(p.transaction_amount_refunded.map(|a| a.0), Some(500));
}

// 3. A refund whose answers are lost is OUTCOME_UNKNOWN; the key recovers it.
#[test]
fn a_lost_refund_is_outcome_unknown_and_its_key_recovers_it() {
    let s = sim(fast());
    let c = client(&s);
    let sale = c
        .charge(&Target::Pos(POS1.into()), &req("10.00", "sale-3"), &wait())
        .unwrap();
    let pid = sale.approved_payment().unwrap().id;
    let part = Amount::parse("4.00").unwrap();
    // The answer lost, then the retry refused: still unknown, not "fix the value".
    for refusal in [400, 404, 409] {
        s.set_faults(vec![
            rule(Endpoint::Refund, FaultKind::DropAfterProcessing, 1),
            rule(Endpoint::Refund, FaultKind::Status(refusal), 1),
        ]);
        let key = format!("lost-{refusal}");
        let e = c.refund_payment_with_key(pid, Some(Amount::parse("1.00").unwrap()), key.as_str());
        let e = e.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{refusal}: {e}");
        assert_eq!(e.idempotency_key(), Some(key.as_str()));
    }
    s.clear_faults();
    let refunded = |s: &Simulator| {
        s.payment(pid)
            .unwrap()
            .transaction_amount_refunded
            .map(|a| a.0)
    };
    assert_eq!(refunded(&s), Some(300), "each lost refund was applied once");
    // Every answer lost: unknown, applied once; the same key then recovers the same refund.
    s.set_faults(vec![FaultRule::new(
        Some(Endpoint::Refund),
        FaultKind::DropAfterProcessing,
    )]);
    let e = c
        .refund_payment_with_key(pid, Some(part), "lost-all")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert!(e.message().contains("lost-all"), "{e}");
    s.clear_faults();
    let r = c
        .refund_payment_with_key(pid, Some(part), "lost-all")
        .unwrap();
    assert_eq!(r.amount, Some(part));
    assert_eq!(refunded(&s), Some(700), "applied once");
}

// 4. A forged or replayed notification cannot make a sale read as approved.
#[test]
fn a_forged_notification_body_cannot_make_a_sale_approved() {
    let s = sim(fast());
    let c = client(&s);
    // An older approved sale of the same shop, whose payment id a forger could know.
    let old = c
        .charge(
            &Target::Pos(POS1.into()),
            &req("10.00", "sale-4-old"),
            &wait(),
        )
        .unwrap();
    let old_payment = old.approved_payment().unwrap().id;
    // Intent A is still on the terminal.
    let a = c
        .create_intent(&Target::Pos(POS2.into()), &req("10.44", "sale-4"))
        .unwrap();
    // A captured notification for A, replayed with its body changed to CLOSED + the old payment.
    let body = serde_json::json!({
        "id": a.id, "action": "topic_instore_integration_wh.application.authorized",
        "api_version": "v1", "type": "topic_instore_integration_wh",
        "date_created": "2023-07-27 20:24:21.776642198-0400", "live_mode": true, "user_id": 1,
        "data": {"id": a.id, "status": "CLOSED", "description": "x", "external_reference": "sale-4",
                 "operations": [{"amount": "10.00", "type": "PURCHASE",
                                 "results": [{"id": old_payment, "source": "PAYMENT"}]}]}
    });
    let note = webhook::parse(body.to_string().as_bytes()).unwrap();
    let e = c.sale_for(note.intent_id()).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidArgument,
        "not final in the API: {e}"
    );
    // Once it really ends (the card is rejected), the verdict is the API's.
    s.present_card(&a.id, CardOutcome::Rejected).unwrap();
    c.wait_for_final(&a.id, &wait()).unwrap();
    assert_eq!(
        c.sale_for(note.intent_id()).unwrap().verdict,
        Verdict::Rejected
    );
}

// 5. A key reused with a different cart is a typed error, never a sale of the old cart.
#[test]
fn a_key_reused_with_another_cart_is_a_key_mismatch() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        honor_idempotency_keys: true,
        ..fast()
    });
    let c = client(&s);
    s.set_faults(vec![rule(
        Endpoint::CreateIntent,
        FaultKind::DropAfterProcessing,
        1,
    )]);
    let e = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("10.00", "sale-5").idempotency_key("k5"),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    let sent = s.counters().requests_to(Endpoint::CreateIntent);
    // The same client refuses before sending.
    let e = c
        .charge(
            &Target::Pos(POS1.into()),
            &req("25.00", "sale-5").idempotency_key("k5"),
            &wait(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    assert_eq!(e.kind().code(), "IDEMPOTENCY_KEY_MISMATCH");
    assert_eq!(s.counters().requests_to(Endpoint::CreateIntent), sent);
    // Another client (a restarted POS) learns it from the intent the server answers.
    let other = client(&s);
    let e = other
        .charge(
            &Target::Pos(POS1.into()),
            &req("25.00", "sale-5").idempotency_key("k5"),
            &wait(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    let old = s.intents()[0].clone();
    assert_eq!(e.intent_id(), Some(old.id.as_str()));
    // The same cart with the same key is the caller's explicit re-send: it finds the intent.
    let again = other
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("10.00", "sale-5").idempotency_key("k5"),
        )
        .unwrap();
    assert_eq!(again.id, old.id);
    assert_eq!(s.intents().len(), 1);
}

// 6. A 503 from a gateway after the create was taken is not "not processed".
#[test]
fn a_503_after_the_create_was_taken_is_outcome_unknown() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    let c = client(&s);
    s.set_faults(vec![rule(
        Endpoint::CreateIntent,
        FaultKind::StatusAfterProcessing(503),
        1,
    )]);
    let e = c
        .create_intent(&Target::Pos(POS1.into()), &req("10.00", "sale-6"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert_eq!(e.status(), Some(503));
    assert_eq!(s.intents().len(), 1);
    assert_eq!(s.counters().requests_to(Endpoint::CreateIntent), 1);
}

#[test]
fn resend_ambiguous_creates_re_sends_with_the_same_key_when_asked() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        honor_idempotency_keys: true,
        ..fast()
    });
    let c = builder(&s).resend_ambiguous_creates(true).build().unwrap();
    s.set_faults(vec![rule(
        Endpoint::CreateIntent,
        FaultKind::StatusAfterProcessing(503),
        2,
    )]);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("10.00", "sale-6b"))
        .unwrap();
    assert_eq!(s.counters().requests_to(Endpoint::CreateIntent), 3);
    assert_eq!(s.intents().len(), 1);
    assert_eq!(
        s.counters()
            .intents_created_with_key(i.idempotency_key.as_deref().unwrap()),
        1
    );
}

// 7. The intent id survives a status callback that panics.
#[test]
fn a_panicking_status_callback_keeps_the_intent_id_and_key() {
    let s = sim(fast());
    let c = client(&s);
    let opts = wait().on_status(|i| {
        if i.status == Status::OnTerminal {
            panic!("the POS screen crashed");
        }
    });
    let e = c
        .charge(&Target::Pos(POS1.into()), &req("10.44", "sale-7"), &opts)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
    let id = e.intent_id().expect("the intent id is on the error");
    assert!(e.idempotency_key().is_some());
    assert!(e.message().contains("the POS screen crashed"), "{e}");
    // The POS can cancel what it left on the terminal.
    s.cancel_on_terminal(id).unwrap();
    assert_eq!(c.sale_for(id).unwrap().verdict, Verdict::Canceled);
}

// 7b. A callback that fails on the very first status (the created intent, told before any poll)
// is the same ABORTED: before, that panic unwound out of `charge` and lost the intent id.
#[test]
fn a_status_callback_failing_on_the_created_intent_is_aborted_with_its_id() {
    let s = sim(fast());
    let c = client(&s);
    let opts = wait().try_on_status(|i| match i.status {
        Status::Opened => Err("the screen is gone".to_string()),
        _ => Ok(()),
    });
    let e = c
        .charge(&Target::Pos(POS1.into()), &req("10.44", "sale-7b"), &opts)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
    assert!(
        e.message()
            .contains("the status callback failed: the screen is gone"),
        "{e}"
    );
    assert_eq!(e.last_status(), Some(&Status::Opened));
    let id = e
        .intent_id()
        .expect("the intent id is on the error")
        .to_string();
    assert!(e.idempotency_key().is_some());
    // Untouched: still on its way to the terminal, so the POS cancels it through the API.
    c.cancel_intent(&id).unwrap();
    assert_eq!(c.sale_for(&id).unwrap().verdict, Verdict::Canceled);
}

// 7c. A wait (not a charge) ends the same way: ABORTED naming the intent, not the panic itself.
#[test]
fn a_status_callback_that_panics_in_a_wait_is_aborted_too() {
    let s = sim(fast());
    let c = client(&s);
    let created = c
        .create_intent(&Target::Pos(POS1.into()), &req("10.44", "sale-7c"))
        .unwrap();
    let opts = wait().on_status(|i| {
        if i.status == Status::OnTerminal {
            panic!("the POS screen crashed");
        }
    });
    let e = c.wait_for_final(&created.id, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
    assert_eq!(e.intent_id(), Some(created.id.as_str()));
    assert!(
        e.message()
            .contains("the status callback failed: it panicked: the POS screen crashed"),
        "{e}"
    );
    s.cancel_on_terminal(&created.id).unwrap();
    assert_eq!(c.sale_for(&created.id).unwrap().verdict, Verdict::Canceled);
}

// 8. Unbounded options are refused before anything is sent.
#[test]
fn out_of_range_options_are_invalid_arguments_before_any_create() {
    let s = sim(fast());
    let c = client(&s);
    for opts in [
        wait().timeout(Duration::MAX),
        wait().timeout(Duration::from_secs(86_401)),
        wait().poll_interval(Duration::MAX),
    ] {
        let e = c
            .charge(&Target::Pos(POS1.into()), &req("10.00", "sale-8"), &opts)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        let e = c.wait_for_final("some-intent", &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
    assert!(s.intents().is_empty());
    for b in [
        builder(&s).timeout(Duration::MAX),
        builder(&s).timeout(Duration::from_secs(601)),
        builder(&s).connect_timeout(Duration::MAX),
        builder(&s).retry(RetryPolicy {
            max_attempts: u32::MAX,
            ..RetryPolicy::default()
        }),
        builder(&s).retry(RetryPolicy {
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        }),
        builder(&s).max_response_bytes(0),
    ] {
        let e = b.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.field().is_some(), "{e}");
    }
}

// 9. Unsafe configurations are refused.
#[test]
fn a_blank_webhook_secret_is_a_config_error() {
    let (sig, rid) = webhook::signed_headers("", "abc", 1704908010);
    for secret in ["", " ", "\t\n"] {
        let e = webhook::verify(
            secret,
            Some(&sig),
            Some(&rid),
            Some("abc"),
            &VerifyOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        let e = webhook::verify_request(
            secret,
            &[("x-signature", &sig), ("x-request-id", &rid)],
            "data.id=abc",
            b"{}",
            &VerifyOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    }
}

#[test]
fn plain_http_is_for_this_machine_only() {
    for url in [
        "http://api.example.com",
        "http://10.0.0.5:8080",
        "http://[2001:db8::1]",
    ] {
        let e = Client::builder("t").base_url(url).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{url}: {e}");
        assert!(e.message().contains("clear text"), "{e}");
        Client::builder("t")
            .base_url(url)
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }
    for url in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://api.example.com",
    ] {
        Client::builder("t").base_url(url).build().unwrap();
    }
}

/// A server that answers every request with `response`, as raw bytes.
fn raw_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(&response);
        }
    });
    url
}

#[test]
fn an_oversized_answer_is_a_decode_error() {
    let big = format!("{{\"id\":\"{}\",\"status\":\"OPENED\"}}", "x".repeat(4000));
    let announced = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
        big.len()
    );
    let chunked = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    for raw in [announced, chunked] {
        let url = raw_server(raw.into_bytes());
        let c = Client::builder("t")
            .base_url(&url)
            .no_proxy()
            .max_response_bytes(1024)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let e = c.get_intent("i1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.message().contains("1024 bytes"), "{e}");
        // The same answer on a create: it may have been processed.
        let e = c
            .create_intent(&Target::Pos(POS1.into()), &req("10.00", "sale-9"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
        // Under the cap it reads fine.
        let c = Client::builder("t")
            .base_url(&url)
            .no_proxy()
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        assert_eq!(c.get_intent("i1").unwrap().status, Status::Opened);
    }
}

// The simulator expires only intents nobody processed: a card being processed ends as the card
// network says, even past the 15 minutes of expiry (here one second, with time_factor 900).
#[test]
fn only_an_unprocessed_intent_expires() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::ZERO,
        step_delay: Duration::from_millis(700),
        time_factor: 900,
        // The 15 minutes of the 2024 news: one second here.
        ..SimulatorConfig::default()
    });
    let c = client(&s);
    let never = c
        .create_intent(&Target::Pos(POS2.into()), &req("10.99", "sale-exp-1"))
        .unwrap();
    let paid = c
        .create_intent(&Target::Pos(POS1.into()), &req("10.44", "sale-exp-2"))
        .unwrap();
    s.present_card(&paid.id, CardOutcome::Approved).unwrap();
    let ended = c.wait_for_final(&never.id, &wait()).unwrap();
    assert_eq!(ended.status, Status::Expired);
    let ended = c.wait_for_final(&paid.id, &wait()).unwrap();
    assert_eq!(
        ended.status,
        Status::Closed,
        "processing is not cut short by the expiry"
    );
    assert_eq!(c.sale_for(&paid.id).unwrap().verdict, Verdict::Approved);
}

#[test]
fn a_key_refused_for_certain_may_be_used_for_the_corrected_request() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    let c = client(&s);
    let e = c
        .create_intent(
            &Target::Pos("NO_SUCH_POS".into()),
            &req("10.00", "sale-fix").idempotency_key("k-fix"),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let i = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("10.00", "sale-fix").idempotency_key("k-fix"),
        )
        .unwrap();
    c.cancel_intent(&i.id).unwrap();
}
