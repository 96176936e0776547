//! The client against the simulator: every operation, every final status, the errors a POS meets,
//! and the money-safety rules (retries with one idempotency key, outcome unknown, never paid
//! unless approved).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use mppoint::{
    Amount, CancelToken, Client, DeviceFilter, ErrorKind, IntentRequest, OperatingMode,
    PaymentStatus, RetryPolicy, Site, Status, Target, Verdict, WaitOptions,
};
use mppoint_simulator::{CardOutcome, Endpoint, FaultKind, FaultRule, Simulator, SimulatorConfig};

const POS1: &str = "SUC001POS001";
const POS2: &str = "SUC001POS002";
const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const STANDALONE: &str = "NEWLAND_N950__N950NCB000000003";

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(60),
        step_delay: Duration::from_millis(30),
        ..SimulatorConfig::default()
    }
}

fn sim(cfg: SimulatorConfig) -> Simulator {
    Simulator::start(cfg).expect("simulator starts")
}

fn client(sim: &Simulator) -> Client {
    sim.client_builder()
        .site(Site::MLB)
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
            jitter: true,
        })
        .build()
        .expect("client builds")
}

fn req(amount: &str) -> IntentRequest {
    IntentRequest::new(Amount::parse(amount).unwrap(), "Test sale", "order-1")
}

fn quick_wait() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_secs(20))
}

fn rule(endpoint: Endpoint, kind: FaultKind, times: Option<u32>) -> FaultRule {
    FaultRule {
        endpoint: Some(endpoint),
        kind,
        times,
        share_percent: None,
    }
}

#[test]
fn an_approved_sale_walks_through_every_status() {
    let s = sim(fast());
    let c = client(&s);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let opts = quick_wait().on_status(move |i| seen2.lock().unwrap().push(i.status.clone()));
    let sale = c
        .charge(&Target::Pos(POS1.into()), &req("25.00"), &opts)
        .unwrap();
    assert_eq!(sale.verdict, Verdict::Approved);
    assert!(sale.is_paid());
    let p = sale.approved_payment().expect("an approved payment");
    assert_eq!(p.status, PaymentStatus::Approved);
    assert_eq!(p.transaction_amount.unwrap().to_string(), "25.00");
    assert_eq!(sale.intent.payment_ids(), vec![p.id]);
    assert!(sale.intent.idempotency_key.is_some());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&Status::Opened));
    assert_eq!(seen.last(), Some(&Status::Closed));
    assert!(seen.contains(&Status::OnTerminal), "{seen:?}");
    // Each change is reported once, in lifecycle order.
    let order: Vec<usize> = seen
        .iter()
        .map(|s| Status::KNOWN.iter().position(|k| k == s).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}

#[test]
fn every_final_status_gives_its_verdict() {
    let s = sim(SimulatorConfig {
        time_factor: 900,
        ..fast()
    });
    let c = client(&s);
    for (amount, status, verdict) in [
        ("10.13", Status::Closed, Verdict::Rejected),
        ("10.66", Status::Error, Verdict::Error),
        (
            "10.77",
            Status::ConfirmationRequired,
            Verdict::ConfirmationRequired,
        ),
        ("10.88", Status::Canceled, Verdict::Canceled),
        ("10.99", Status::Expired, Verdict::Expired),
        ("10.00", Status::Closed, Verdict::Approved),
    ] {
        let sale = c
            .charge(&Target::Device(DEV1.into()), &req(amount), &quick_wait())
            .unwrap_or_else(|e| panic!("{amount}: {e}"));
        assert_eq!(sale.intent.status, status, "{amount}");
        assert_eq!(sale.verdict, verdict, "{amount}");
        assert_eq!(sale.is_paid(), verdict == Verdict::Approved, "{amount}");
    }
}

#[test]
fn a_closed_intent_with_a_rejected_payment_is_never_paid() {
    let s = sim(fast());
    let c = client(&s);
    let sale = c
        .charge(&Target::Pos(POS2.into()), &req("3.13"), &quick_wait())
        .unwrap();
    assert_eq!(sale.intent.status, Status::Closed);
    assert_eq!(sale.verdict, Verdict::Rejected);
    assert!(!sale.is_paid());
    assert!(sale.approved_payment().is_none());
    assert_eq!(sale.payments[0].status, PaymentStatus::Rejected);
}

#[test]
fn create_get_and_cancel_while_opened() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let i = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("12.47").print_seller_ticket(true),
        )
        .unwrap();
    assert_eq!(i.status, Status::Opened);
    assert_eq!(i.amount().unwrap().to_string(), "12.47");
    let got = c.get_intent(&i.id).unwrap();
    assert_eq!(got.id, i.id);
    assert_eq!(got.external_reference.as_deref(), Some("order-1"));
    assert_eq!(
        got.enabler_configuration.unwrap().print_on_terminal,
        vec!["SELLER_TICKET".to_string()]
    );
    c.cancel_intent(&i.id).unwrap();
    assert_eq!(c.get_intent(&i.id).unwrap().status, Status::Canceled);
    // The device is free again; the older cancel path works too.
    let j = c
        .create_intent(&Target::Device(DEV1.into()), &req("1.00"))
        .unwrap();
    c.cancel_intent_for_pos(&j.id, POS1).unwrap();
    let w = c.wait_for_final(&j.id, &quick_wait()).unwrap();
    assert_eq!(w.status, Status::Canceled);
    // Canceling twice is harmless: it is canceled, which is what the caller wants.
    c.cancel_intent(&j.id).unwrap();
}

#[test]
fn canceling_an_ended_sale_says_how_it_ended() {
    let s = sim(fast());
    let c = client(&s);
    // Canceling a sale that already closed says so, and what to do instead.
    let paid = c
        .charge(&Target::Pos(POS1.into()), &req("2.00"), &quick_wait())
        .unwrap();
    let e = c.cancel_intent(&paid.intent.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CannotCancel);
    assert_eq!(e.last_status(), Some(&Status::Closed));
    assert!(e.message().contains("refund"), "{e}");
}

#[test]
fn a_cancel_whose_answer_was_lost_is_still_a_success() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("4.00"))
        .unwrap();
    s.add_fault(rule(
        Endpoint::CancelIntent,
        FaultKind::DropAfterProcessing,
        Some(1),
    ));
    c.cancel_intent(&i.id).unwrap();
    assert_eq!(c.get_intent(&i.id).unwrap().status, Status::Canceled);
}

#[test]
fn cancel_is_refused_once_on_the_terminal_and_works_there() {
    let s = sim(fast());
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("20.44"))
        .unwrap();
    let on_terminal = c
        .wait_for_final(
            &i.id,
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(1500)),
        )
        .unwrap_err();
    assert_eq!(on_terminal.kind(), ErrorKind::WaitTimeout);
    assert_eq!(on_terminal.last_status(), Some(&Status::OnTerminal));
    let e = c.cancel_intent(&i.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CannotCancel);
    assert_eq!(e.status(), Some(409));
    assert!(e.message().contains("cancel it on the terminal"), "{e}");
    assert_eq!(e.intent_id(), Some(i.id.as_str()));
    s.cancel_on_terminal(&i.id).unwrap();
    c.wait_for_final(&i.id, &quick_wait()).unwrap();
    let sale = c.sale_for(&i.id).unwrap();
    assert_eq!(sale.verdict, Verdict::Canceled);
}

#[test]
fn a_held_intent_ends_as_the_card_presented_says() {
    let s = sim(fast());
    let c = client(&s);
    for (outcome, verdict) in [
        (CardOutcome::Approved, Verdict::Approved),
        (CardOutcome::Rejected, Verdict::Rejected),
        (CardOutcome::Error, Verdict::Error),
        (
            CardOutcome::ConfirmationRequired,
            Verdict::ConfirmationRequired,
        ),
    ] {
        let i = c
            .create_intent(&Target::Pos(POS2.into()), &req("7.00"))
            .unwrap();
        s.hold_on_terminal(&i.id).unwrap();
        std::thread::sleep(Duration::from_millis(150));
        s.present_card(&i.id, outcome).unwrap();
        c.wait_for_final(&i.id, &quick_wait()).unwrap();
        let sale = c.sale_for(&i.id).unwrap();
        assert_eq!(sale.verdict, verdict);
    }
}

#[test]
fn a_second_intent_for_a_busy_device_is_already_queued() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let first = c
        .create_intent(&Target::Pos(POS1.into()), &req("5.00"))
        .unwrap();
    let e = c
        .create_intent(&Target::Device(DEV1.into()), &req("6.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyQueued);
    assert_eq!(e.status(), Some(409));
    assert!(e.idempotency_key().is_some());
    assert!(e.message().contains("wait for it to end"), "{e}");
    // Another device is not affected.
    c.create_intent(&Target::Pos(POS2.into()), &req("6.00"))
        .unwrap();
    c.cancel_intent(&first.id).unwrap();
}

#[test]
fn wrong_token_unknown_ids_and_wrong_mode() {
    let s = sim(fast());
    let bad = Client::builder("APP_USR-wrong")
        .base_url(s.base_url())
        .no_proxy()
        .build()
        .unwrap();
    let e = bad.get_intent("whatever").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.status(), Some(401));
    assert!(!e.to_string().contains("APP_USR-wrong"));
    assert!(!format!("{e:?}").contains("APP_USR-wrong"));
    assert!(e.request_id().is_some());

    let c = client(&s);
    let e = c.get_intent("no-such-intent").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = c
        .create_intent(&Target::Pos("NOPE".into()), &req("5.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.api_error(), Some("pos_not_found"));
    let e = c.get_payment(999_999_999).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = c
        .create_intent(&Target::Device(STANDALONE.into()), &req("5.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(e.message().contains("PDV"), "{e}");
}

#[test]
fn devices_list_filter_page_and_mode() {
    let s = sim(fast());
    let c = client(&s);
    let all = c.list_devices(&DeviceFilter::default()).unwrap();
    assert_eq!(all.devices.len(), 3);
    assert_eq!(all.paging.total, 3);
    let page = c
        .list_devices(&DeviceFilter {
            limit: Some(2),
            offset: Some(1),
            ..DeviceFilter::default()
        })
        .unwrap();
    assert_eq!(page.devices.len(), 2);
    assert_eq!(page.paging.offset, 1);
    let iterated: Vec<_> = c
        .devices(&DeviceFilter {
            limit: Some(1),
            ..DeviceFilter::default()
        })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(iterated.len(), 3);
    let standalone = iterated.iter().find(|d| d.id == STANDALONE).unwrap();
    assert_eq!(standalone.operating_mode, OperatingMode::Standalone);
    let mode = c
        .set_operating_mode(STANDALONE, OperatingMode::Pdv)
        .unwrap();
    assert_eq!(mode, OperatingMode::Pdv);
    let e = c
        .set_operating_mode("NOPE__1", OperatingMode::Pdv)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn payments_and_refunds() {
    let s = sim(fast());
    let c = client(&s);
    let sale = c
        .charge(&Target::Pos(POS1.into()), &req("30.00"), &quick_wait())
        .unwrap();
    let id = sale.approved_payment().unwrap().id;
    let p = c.get_payment(id).unwrap();
    assert_eq!(p.transaction_amount.unwrap().cents(), 3000);
    let r = c
        .refund_payment(id, Some(Amount::parse("10.50").unwrap()))
        .unwrap();
    assert_eq!(r.amount.unwrap().to_string(), "10.50");
    let e = c
        .refund_payment(id, Some(Amount::parse("25.00").unwrap()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest, "more than what remains");
    c.refund_payment(id, None).unwrap();
    assert_eq!(c.get_payment(id).unwrap().status, PaymentStatus::Refunded);
    let rejected = c
        .charge(&Target::Pos(POS1.into()), &req("30.13"), &quick_wait())
        .unwrap();
    let e = c.refund_payment(rejected.payments[0].id, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
}

#[test]
fn creates_are_retried_on_429_with_one_idempotency_key() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("9.00"))
        .unwrap();
    c.cancel_intent(&i.id).unwrap();

    s.add_fault(rule(
        Endpoint::CreateIntent,
        FaultKind::RateLimited {
            retry_after_secs: 1,
        },
        Some(1),
    ));
    let started = Instant::now();
    let i = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("9.00").idempotency_key("my-key-1"),
        )
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(i.idempotency_key.as_deref(), Some("my-key-1"));
    assert_eq!(
        s.counters().intents_created_per_key.get("my-key-1"),
        Some(&1)
    );
    c.cancel_intent(&i.id).unwrap();

    // Reads are retried too; a 400-class answer is not.
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::Status(502), Some(2)));
    c.get_intent(&i.id).unwrap();
    let before = s
        .counters()
        .requests
        .get(&Endpoint::GetIntent)
        .copied()
        .unwrap_or(0);
    assert!(c.get_intent("missing").is_err());
    let after = s
        .counters()
        .requests
        .get(&Endpoint::GetIntent)
        .copied()
        .unwrap_or(0);
    assert_eq!(after - before, 1, "404 is not retried");
}

#[test]
fn persistent_503_and_429_end_in_typed_errors() {
    let s = sim(fast());
    let c = client(&s);
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::Status(503), None));
    let e = c.get_intent("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.status(), Some(503));
    assert!(e.message().contains("after 3 attempts"), "{e}");
    s.clear_faults();
    s.add_fault(rule(
        Endpoint::GetIntent,
        FaultKind::RateLimited {
            retry_after_secs: 60,
        },
        None,
    ));
    let e = c.get_intent("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
}

#[test]
fn an_answer_lost_after_a_create_is_outcome_unknown_and_creates_one_intent() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        honor_idempotency_keys: true,
        ..fast()
    });
    let c = client(&s);
    s.add_fault(rule(
        Endpoint::CreateIntent,
        FaultKind::DropAfterProcessing,
        None,
    ));
    let e = c
        .create_intent(&Target::Pos(POS1.into()), &req("15.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    // The cause stays reachable: the last attempt's error, then the HTTP library's.
    let last = std::error::Error::source(&e).expect("the last attempt's error");
    assert!(last.source().is_some(), "the connection error under {last}");
    let key = e
        .idempotency_key()
        .expect("the key is on the error")
        .to_string();
    assert!(e.message().contains("same idempotency key"), "{e}");
    assert_eq!(s.counters().intents_created_per_key.get(&key), Some(&1));
    assert_eq!(s.intents().len(), 1, "no second intent");
    assert_eq!(
        s.counters().requests_to(Endpoint::CreateIntent),
        1,
        "an ambiguous create is not re-sent"
    );
    // Retrying the same create with the same key, once the network is back, finds that intent.
    s.clear_faults();
    let again = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("15.00").idempotency_key(key.clone()),
        )
        .unwrap();
    assert_eq!(s.intents().len(), 1);
    assert_eq!(again.idempotency_key.as_deref(), Some(key.as_str()));
}

#[test]
fn a_lost_answer_then_409_on_the_retry_is_outcome_unknown_not_a_conflict() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        honor_idempotency_keys: false,
        ..fast()
    });
    let c = client(&s);
    s.add_fault(rule(
        Endpoint::CreateIntent,
        FaultKind::DropAfterProcessing,
        Some(1),
    ));
    let e = c
        .create_intent(&Target::Pos(POS1.into()), &req("15.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert!(e.idempotency_key().is_some());
    assert_eq!(s.intents().len(), 1, "no second intent");
}

#[test]
fn a_connection_dropped_before_processing_is_still_outcome_unknown() {
    // The client cannot tell a drop before processing from one after: the request was sent.
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    s.add_fault(rule(
        Endpoint::CreateIntent,
        FaultKind::DropBeforeProcessing,
        Some(1),
    ));
    let e = c
        .create_intent(&Target::Pos(POS1.into()), &req("15.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    assert!(s.intents().is_empty());
    assert_eq!(e.external_reference(), Some("order-1"));
}

#[test]
fn a_connection_never_made_is_retried() {
    // A port nobody listens on refuses the connection: nothing was sent, so it is retried.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder("t")
        .base_url(format!("http://127.0.0.1:{port}"))
        .no_proxy()
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            jitter: false,
        })
        .build()
        .unwrap();
    let e = c
        .create_intent(&Target::Pos(POS1.into()), &req("15.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.message().contains("after 3 attempts"), "{e}");
}

#[test]
fn truncated_and_malformed_answers_are_typed_errors() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("15.00"))
        .unwrap();
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::TruncatedBody, Some(1)));
    assert_eq!(
        c.get_intent(&i.id).unwrap().id,
        i.id,
        "retried after a cut-off answer"
    );
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::MalformedJson, None));
    let e = c.get_intent(&i.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("starts with"), "{e}");
    s.clear_faults();
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::TruncatedBody, None));
    let e = c.get_intent(&i.id).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Network | ErrorKind::Decode),
        "{e:?}"
    );
}

#[test]
fn slow_answers_time_out_and_dead_servers_are_network_errors() {
    let s = sim(fast());
    let c = s
        .client_builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    s.add_fault(rule(
        Endpoint::ListDevices,
        FaultKind::Latency(Duration::from_secs(2)),
        None,
    ));
    let e = c.list_devices(&DeviceFilter::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    let url = s.base_url().to_string();
    drop(s);
    let dead = Client::builder("t")
        .base_url(url)
        .no_proxy()
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let e = dead.get_intent("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert!(e.message().contains("after 2 attempts"), "{e}");
    // A create that never connected is not "outcome unknown": nothing was sent.
    let e = dead
        .create_intent(&Target::Pos(POS1.into()), &req("5.00"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
}

#[test]
fn a_wait_can_be_canceled_from_another_thread() {
    let s = sim(fast());
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("8.44"))
        .unwrap();
    let token = CancelToken::new();
    let t2 = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        t2.cancel();
    });
    let started = Instant::now();
    let e = c
        .wait_for_final(
            &i.id,
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(50))
                .timeout(Duration::from_secs(60))
                .cancel_token(token),
        )
        .unwrap_err();
    canceller.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Canceled);
    assert_eq!(e.intent_id(), Some(i.id.as_str()));
    assert!(started.elapsed() < Duration::from_secs(30));
    // The intent itself is untouched.
    assert_eq!(c.get_intent(&i.id).unwrap().status, Status::OnTerminal);
    s.cancel_on_terminal(&i.id).unwrap();
}

#[test]
fn a_wait_times_out_with_the_last_status() {
    let s = sim(SimulatorConfig {
        pickup_delay: Duration::from_secs(30),
        ..fast()
    });
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("8.00"))
        .unwrap();
    let e = c
        .charge(
            &Target::Pos(POS2.into()),
            &req("8.00"),
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(200)),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WaitTimeout);
    assert_eq!(e.last_status(), Some(&Status::Opened));
    assert!(e.intent_id().is_some());
    assert!(e.idempotency_key().is_some());
    assert!(e.message().contains("cancel it"), "{e}");
    c.cancel_intent(&i.id).unwrap();
}

#[test]
fn a_wait_rides_out_transient_errors() {
    let s = sim(fast());
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("8.00"))
        .unwrap();
    s.add_fault(rule(Endpoint::GetIntent, FaultKind::Status(503), Some(3)));
    let done = c.wait_for_final(&i.id, &quick_wait()).unwrap();
    assert_eq!(done.status, Status::Closed);
}

#[test]
fn sixteen_threads_share_one_client() {
    let s = sim(fast());
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("8.00"))
        .unwrap();
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            let id = i.id.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    assert_eq!(c.get_intent(&id).unwrap().id, id);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn tls_with_an_extra_root_and_one_connection() {
    let s = sim(SimulatorConfig {
        tls: true,
        ..fast()
    });
    assert!(s.base_url().starts_with("https://"));
    assert!(s.ca_cert_pem().is_some(), "a certificate");
    let c = s.client_builder().build().unwrap();
    for _ in 0..5 {
        c.list_devices(&DeviceFilter::default()).unwrap();
    }
    assert_eq!(s.counters().connections_accepted, 1, "kept alive");
    // The same client without the simulator's certificate.
    let untrusting = Client::builder(s.access_token())
        .base_url(s.base_url())
        .no_proxy()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = untrusting
        .list_devices(&DeviceFilter::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
}

#[test]
fn what_goes_on_the_wire() {
    // A bare receiver stands in for the API: it records the request and answers 200 with no body.
    let (url, rx) = common::receiver("/", vec![]);
    let c = Client::builder("APP_USR-wire-token")
        .base_url(url.trim_end_matches('/'))
        .no_proxy()
        .integrator_id("dev_24c65fb163bf11ea96500242ac130004")
        .platform_id("plat-1")
        .corporation_id("corp-1")
        .user_agent_suffix("my-pos/1.2")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = c
        .create_intent(
            &Target::Pos("SUC 001/POS?1".into()),
            &req("12.5").ticket_number("T001").print_seller_ticket(true),
        )
        .unwrap_err();
    // A create answered 2xx with an unreadable body may have happened: outcome unknown.
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        got.target,
        "/instore-api/integrations/v1/intents/point/pos/SUC%20001%2FPOS%3F1"
    );
    assert_eq!(
        got.header("authorization"),
        Some("Bearer APP_USR-wire-token")
    );
    assert_eq!(
        got.header("x-integrator-id"),
        Some("dev_24c65fb163bf11ea96500242ac130004")
    );
    assert_eq!(got.header("x-platform-id"), Some("plat-1"));
    assert_eq!(got.header("x-corporation-id"), Some("corp-1"));
    assert_eq!(
        got.header("user-agent"),
        Some(format!("mppoint/{} my-pos/1.2", mppoint::VERSION).as_str())
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    let key = got.header("x-idempotency-key").unwrap();
    assert_eq!(uuid::Uuid::parse_str(key).unwrap().get_version_num(), 4);
    assert_eq!(e.idempotency_key(), Some(key));
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "description": "Test sale",
            "external_reference": "order-1",
            "operations": [{"type": "PURCHASE", "amount": "12.50"}],
            "enabler_configuration": {
                "device_payment_mode": "CARD",
                "ticket_number": "T001",
                "print_on_terminal": ["SELLER_TICKET"]
            }
        })
    );
    // A refund's amount is a JSON number written from the exact decimal text.
    let _ = c.refund_payment(77, Some(Amount::parse("10.1").unwrap()));
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(got.target, "/v1/payments/77/refunds");
    assert_eq!(got.text(), r#"{"amount":10.10}"#);
    assert!(got.header("x-idempotency-key").is_some());
    // Device filters go in the query string, encoded.
    let _ = c.list_devices(&DeviceFilter {
        store_id: Some("st 1".into()),
        pos_id: Some("42".into()),
        limit: Some(5),
        offset: Some(10),
    });
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        got.target,
        "/instore-api/point/v1/devices?store_id=st%201&pos_id=42&limit=5&offset=10"
    );
    assert!(
        got.header("x-idempotency-key").is_none(),
        "reads carry no key"
    );
}

#[test]
fn an_intent_never_picked_up_says_to_check_the_mode_and_restart() {
    // `.99`: the terminal never takes the intent, as one switched to PDV but not yet restarted.
    let s = sim(fast());
    let c = client(&s);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("20.99"))
        .unwrap();
    let e = c
        .wait_for_final(
            &i.id,
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(300)),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WaitTimeout);
    assert_eq!(e.last_status(), Some(&Status::Opened));
    assert!(e.message().contains("PDV mode"), "{e}");
    assert!(e.message().contains("restarted"), "{e}");
    c.cancel_intent(&i.id).unwrap();
}
