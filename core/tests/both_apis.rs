//! The same sale, cancel, refund, device, wait-abort, webhook and fault tests on both APIs: each
//! test body runs once with `Api::Intents` and once with `Api::Orders` against the simulator, and
//! asserts what a POS checks. Where the APIs document different behaviour (an order on the terminal
//! can be canceled through the API; an intent cannot) the test says so.

use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use mppoint::webhook::{self, VerifyOptions};
use mppoint::{
    Amount, Api, CancelToken, Client, DeviceFilter, ErrorKind, IntentRequest, OperatingMode,
    PaymentStatus, RetryPolicy, Site, Status, Target, Verdict, WaitOptions,
};
use mppoint_simulator::{Endpoint, FaultKind, FaultRule, Simulator, SimulatorConfig};

const POS1: &str = "SUC001POS001";
const POS2: &str = "SUC001POS002";
const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const DEV2: &str = "PAX_A910__SMARTPOS0000000002";
const STANDALONE: &str = "NEWLAND_N950__N950NCB000000003";

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(40),
        step_delay: Duration::from_millis(30),
        // Orders' action_required comes 40 s after processing starts: 0.5 s here.
        time_factor: 80,
        ..SimulatorConfig::default()
    }
}

fn client(sim: &Simulator, api: Api) -> Client {
    Client::builder(sim.access_token())
        .base_url(sim.base_url())
        .site(Site::MLB)
        .api(api)
        .no_proxy()
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
        .timeout(Duration::from_secs(30))
}

/// Runs `body` on each API with its own simulator.
fn on_both(cfg: fn() -> SimulatorConfig, body: impl Fn(Api, &Simulator, &Client)) {
    for api in Api::ALL {
        let sim = Simulator::start(cfg()).expect("simulator starts");
        let c = client(&sim, api);
        assert_eq!(c.api(), api);
        body(api, &sim, &c);
    }
}

#[test]
fn an_approved_sale() {
    on_both(fast, |api, _sim, c| {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let sale = c
            .charge(
                &Target::Pos(POS1.into()),
                &req("25.00"),
                &quick_wait().on_status(move |i| s2.lock().unwrap().push(i.status.clone())),
            )
            .unwrap();
        assert_eq!(sale.verdict, Verdict::Approved, "{api}: {}", sale.reason);
        assert!(sale.is_paid());
        assert_eq!(sale.intent.status, Status::Closed, "{api}");
        assert_eq!(sale.amount().unwrap().to_string(), "25.00");
        let p = sale.approved_payment().expect("the approved payment");
        assert_eq!(p.status, PaymentStatus::Approved);
        assert!(sale.intent.idempotency_key.is_some());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first(), Some(&Status::Opened), "{api}: {seen:?}");
        assert_eq!(seen.last(), Some(&Status::Closed), "{api}: {seen:?}");
        // The same payment is readable by id.
        assert_eq!(c.get_payment(p.id).unwrap().status, PaymentStatus::Approved);
        if api == Api::Orders {
            assert!(sale.intent.id.starts_with("ORD"));
        }
    });
}

#[test]
fn every_outcome_gives_its_verdict_and_only_approved_is_paid() {
    on_both(fast, |api, _sim, c| {
        for (amount, verdict) in [
            ("10.13", Verdict::Rejected),
            ("10.66", Verdict::Error),
            ("10.77", Verdict::ConfirmationRequired),
            ("10.88", Verdict::Canceled),
            ("10.00", Verdict::Approved),
        ] {
            let sale = c
                .charge(&Target::Device(DEV1.into()), &req(amount), &quick_wait())
                .unwrap();
            assert_eq!(sale.verdict, verdict, "{api} {amount}: {}", sale.reason);
            assert_eq!(
                sale.is_paid(),
                verdict == Verdict::Approved,
                "{api} {amount}"
            );
            assert!(sale.intent.status.is_final());
        }
    });
}

#[test]
fn an_unclaimed_sale_expires() {
    fn expiring() -> SimulatorConfig {
        // Intents expire after 1 h, orders after 15 min (their default): 1 s and 0.25 s here.
        SimulatorConfig {
            time_factor: 900,
            ..fast()
        }
    }
    on_both(expiring, |api, _sim, c| {
        let sale = c
            .charge(&Target::Pos(POS1.into()), &req("10.99"), &quick_wait())
            .unwrap();
        assert_eq!(sale.verdict, Verdict::Expired, "{api}");
        assert!(!sale.is_paid());
    });
}

#[test]
fn cancel_before_the_terminal_takes_it_and_again() {
    on_both(fast, |api, _sim, c| {
        let i = c
            .create_intent(&Target::Pos(POS1.into()), &req("10.99"))
            .unwrap();
        assert_eq!(i.status, Status::Opened, "{api}");
        c.cancel_intent(&i.id).unwrap();
        assert_eq!(
            c.get_intent(&i.id).unwrap().status,
            Status::Canceled,
            "{api}"
        );
        // A second cancel (a retried one) is harmless.
        c.cancel_intent(&i.id).unwrap();
        let sale = c.sale_for(&i.id).unwrap();
        assert_eq!(sale.verdict, Verdict::Canceled);
    });
}

#[test]
fn cancel_once_on_the_terminal() {
    on_both(fast, |api, sim, c| {
        let i = c
            .create_intent(&Target::Pos(POS1.into()), &req("10.44"))
            .unwrap();
        let held = c
            .wait_for_final(
                &i.id,
                &WaitOptions::new()
                    .poll_interval(Duration::from_millis(20))
                    .timeout(Duration::from_millis(600)),
            )
            .unwrap_err();
        assert_eq!(held.kind(), ErrorKind::WaitTimeout);
        assert_eq!(held.last_status(), Some(&Status::OnTerminal), "{api}");
        match api {
            // Intents: only on the terminal.
            Api::Intents => {
                let e = c.cancel_intent(&i.id).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::CannotCancel);
                assert!(e.message().contains("cancel it on the terminal"), "{e}");
                sim.cancel_on_terminal(&i.id).unwrap();
            }
            // Orders: the documented x-allow-cancelable-status asks the terminal, and the cancel
            // returns once the terminal confirmed it.
            Api::Orders => c.cancel_intent(&i.id).unwrap(),
        }
        assert_eq!(
            c.get_intent(&i.id).unwrap().status,
            Status::Canceled,
            "{api}"
        );
        // An ended sale cannot be canceled, and the error says how it ended.
        let sale = c
            .charge(&Target::Pos(POS1.into()), &req("10.00"), &quick_wait())
            .unwrap();
        let e = c.cancel_intent(&sale.intent.id).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CannotCancel, "{api}");
        assert_eq!(e.last_status(), Some(&Status::Closed), "{api}");
    });
}

#[test]
fn a_busy_terminal_is_already_queued() {
    on_both(fast, |api, sim, c| {
        let i = c
            .create_intent(&Target::Pos(POS1.into()), &req("10.44"))
            .unwrap();
        let e = c
            .create_intent(&Target::Device(DEV1.into()), &req("10.00"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyQueued, "{api}: {e}");
        // The other terminal is free.
        c.create_intent(&Target::Pos(POS2.into()), &req("10.44"))
            .unwrap();
        sim.cancel_on_terminal(&i.id).unwrap();
    });
}

#[test]
fn devices_are_listed_filtered_and_switched() {
    on_both(fast, |api, _sim, c| {
        let all = c.list_devices(&DeviceFilter::default()).unwrap();
        assert_eq!(all.paging.total, 3, "{api}");
        let ids: Vec<_> = all.devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, [DEV1, DEV2, STANDALONE], "{api}");
        assert_eq!(all.devices[0].external_pos_id.as_deref(), Some(POS1));
        let pos = all.devices[1].pos_id.unwrap().to_string();
        let one = c
            .list_devices(&DeviceFilter {
                pos_id: Some(pos),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(one.devices.len(), 1);
        assert_eq!(one.devices[0].id, DEV2);
        let paged: Vec<_> = c
            .devices(&DeviceFilter {
                limit: Some(1),
                ..Default::default()
            })
            .map(|d| d.unwrap().id)
            .collect();
        assert_eq!(paged, [DEV1, DEV2, STANDALONE], "{api}");
        // A terminal out of PDV mode refuses sales until switched back.
        assert_eq!(
            c.set_operating_mode(DEV2, OperatingMode::Standalone)
                .unwrap(),
            OperatingMode::Standalone
        );
        let e = c
            .create_intent(&Target::Device(DEV2.into()), &req("10.00"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest, "{api}: {e}");
        assert_eq!(
            c.set_operating_mode(DEV2, OperatingMode::Pdv).unwrap(),
            OperatingMode::Pdv
        );
        c.create_intent(&Target::Device(DEV2.into()), &req("10.00"))
            .unwrap();
    });
}

#[test]
fn refunds_full_and_partial() {
    on_both(fast, |api, _sim, c| {
        let sale = c
            .charge(&Target::Pos(POS1.into()), &req("30.00"), &quick_wait())
            .unwrap();
        assert!(sale.is_paid());
        let pid = sale.approved_payment().unwrap().id;
        match api {
            Api::Intents => {
                c.refund_payment(pid, Some(Amount::parse("10.00").unwrap()))
                    .unwrap();
                c.refund_payment(pid, None).unwrap();
            }
            Api::Orders => {
                let o = c
                    .refund_order(&sale.intent.id, Some(Amount::parse("10.00").unwrap()))
                    .unwrap();
                assert_eq!(o.status_detail.as_deref(), Some("partially_refunded"));
                // Partly refunded: the sale is still paid (for what is left).
                assert!(c.sale_for(&sale.intent.id).unwrap().is_paid());
                let o = c.refund_order(&sale.intent.id, None).unwrap();
                assert_eq!(o.status.as_str(), "refunded");
                // The ended order now reads as refunded: not paid any more.
                let after = c.sale_for(&sale.intent.id).unwrap();
                assert_eq!(after.verdict, Verdict::Rejected);
                assert!(after.reason.contains("refunded"), "{}", after.reason);
            }
        }
        assert_eq!(
            c.get_payment(pid).unwrap().status,
            PaymentStatus::Refunded,
            "{api}"
        );
    });
}

#[test]
fn a_wait_can_be_aborted_from_another_thread() {
    on_both(fast, |api, sim, c| {
        let i = c
            .create_intent(&Target::Pos(POS1.into()), &req("8.44"))
            .unwrap();
        let token = CancelToken::new();
        let t2 = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            t2.cancel();
        });
        let e = c
            .wait_for_final(
                &i.id,
                &WaitOptions::new()
                    .poll_interval(Duration::from_millis(20))
                    .timeout(Duration::from_secs(60))
                    .cancel_token(token),
            )
            .unwrap_err();
        canceller.join().unwrap();
        assert_eq!(e.kind(), ErrorKind::Canceled, "{api}");
        assert_eq!(e.intent_id(), Some(i.id.as_str()));
        // The sale itself is untouched.
        assert!(!c.get_intent(&i.id).unwrap().status.is_final(), "{api}");
        sim.cancel_on_terminal(&i.id).unwrap();
    });
}

#[test]
fn the_webhook_of_a_sale_verifies_and_reads_the_same() {
    for api in Api::ALL {
        let (url, rx) = common::receiver("/hooks", vec![]);
        let sim = Simulator::start(SimulatorConfig {
            webhook_urls: vec![url],
            ..fast()
        })
        .unwrap();
        let c = client(&sim, api);
        let sale = c
            .charge(&Target::Pos(POS1.into()), &req("12.00"), &quick_wait())
            .unwrap();
        let got = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a notification");
        let headers: Vec<(&str, &str)> = got
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let n = webhook::verify_request(
            sim.webhook_secret(),
            &headers,
            got.query(),
            &got.body,
            &VerifyOptions::with_tolerance(Duration::from_secs(300)),
        )
        .unwrap_or_else(|e| panic!("{api}: {e}"));
        assert_eq!(n.intent_id(), sale.intent.id, "{api}");
        assert_eq!(n.status(), &Status::Closed, "{api}");
        assert!(n.is_final());
        assert_eq!(
            n.dedup_key(),
            match api {
                Api::Intents => format!("{}:CLOSED", sale.intent.id),
                Api::Orders => format!("{}:processed", sale.intent.id),
            }
        );
        // A forged one is refused.
        let e = webhook::verify_request(
            "not-the-secret",
            &headers,
            got.query(),
            &got.body,
            &VerifyOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignature);
    }
}

#[test]
fn a_create_whose_answer_is_lost_never_makes_two_sales() {
    on_both(fast, |api, sim, c| {
        sim.add_fault(FaultRule {
            endpoint: Some(Endpoint::CreateIntent),
            kind: FaultKind::DropAfterProcessing,
            times: Some(1),
            share_percent: None,
        });
        let key = format!("till-1-{api}");
        let got = c.charge(
            &Target::Pos(POS1.into()),
            &req("15.00").idempotency_key(&key),
            &quick_wait(),
        );
        let counters = sim.counters();
        assert_eq!(counters.intents_created, 1, "{api}: {counters:?}");
        assert_eq!(counters.intents_created_with_key(&key), 1);
        match api {
            // Orders honour the key: re-sending the create with it is safe, and the sale goes on.
            Api::Orders => {
                let sale = got.unwrap();
                assert_eq!(sale.verdict, Verdict::Approved);
            }
            // Intents: either the same key was re-sent (and honoured here) or the outcome is
            // unknown; never a second intent, never a false sale.
            Api::Intents => match got {
                Ok(sale) => assert_eq!(sale.verdict, Verdict::Approved),
                Err(e) => assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}"),
            },
        }
    });
}

#[test]
fn orders_a_key_reused_with_another_request_is_refused() {
    let sim = Simulator::start(fast()).unwrap();
    let c = client(&sim, Api::Orders);
    let first = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("10.44").idempotency_key("k-1"),
        )
        .unwrap();
    // The same request again: the same order.
    let again = c
        .create_intent(
            &Target::Pos(POS1.into()),
            &req("10.44").idempotency_key("k-1"),
        )
        .unwrap();
    assert_eq!(again.id, first.id);
    // This client remembers what k-1 was sent for and refuses before sending.
    let e = c
        .create_intent(
            &Target::Pos(POS2.into()),
            &req("10.45").idempotency_key("k-1"),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    assert_eq!(e.status(), None, "nothing was sent");
    // Another client (another process, a restarted POS) sends it: the server's 409.
    let e = client(&sim, Api::Orders)
        .create_intent(
            &Target::Pos(POS2.into()),
            &req("10.45").idempotency_key("k-1"),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.api_error(), Some("idempotency_key_already_used"));
    assert!(
        e.message()
            .contains("already used with a different request"),
        "{e}"
    );
    assert_eq!(sim.counters().intents_created, 1);
    sim.cancel_on_terminal(&first.id).unwrap();
}

#[test]
fn orders_rules_are_checked_before_sending() {
    // Nothing listens here: a request sent would be a network error.
    let c = Client::builder("t")
        .base_url("http://127.0.0.1:9")
        .api(Api::Orders)
        .site(Site::MLB)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let r = |reference: &str| IntentRequest::new(Amount::parse("10.00").unwrap(), "d", reference);
    for (req, field) in [
        (r("order 1"), "external_reference"),
        (r(&"x".repeat(65)), "external_reference"),
        (r("ok").ticket_number("T1"), "ticket_number"),
        (r("ok").idempotency_key("has space"), "idempotency_key"),
    ] {
        let e = c
            .create_intent(&Target::Pos(POS1.into()), &req)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some(field)),
            "{e}"
        );
    }
    let e = c
        .create_intent(&Target::Device("SMARTPOS1".into()), &r("ok"))
        .unwrap_err();
    assert_eq!(e.field(), Some("terminal_id"));
    let big = IntentRequest::new(Amount::parse("70000.01").unwrap(), "d", "ok");
    assert_eq!(
        c.create_intent(&Target::Pos(POS1.into()), &big)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidAmount
    );
    let e = c
        .list_devices(&DeviceFilter {
            limit: Some(51),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.field(), Some("limit"));
    // A bad expiration is a configuration error at build time.
    let e = Client::builder("t")
        .api(Api::Orders)
        .order_expiration_time("PT10S")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

/// A small fault campaign on each API: every endpoint answers 5xx, 429, drops the connection
/// before or after doing the work, cuts or garbles its answer, for a share of the requests. Each
/// sale has its own idempotency key. Whatever happens: never two sales for one key, and never an
/// APPROVED verdict whose payment the simulator did not approve.
#[test]
fn a_fault_campaign_never_doubles_a_sale_nor_calls_an_unpaid_one_paid() {
    on_both(fast, |api, sim, c| {
        let faults = [
            FaultKind::Status(500),
            FaultKind::Status(503),
            FaultKind::RateLimited {
                retry_after_secs: 0,
            },
            FaultKind::DropBeforeProcessing,
            FaultKind::DropAfterProcessing,
            FaultKind::TruncatedBody,
            FaultKind::MalformedJson,
        ];
        for kind in faults {
            sim.add_fault(FaultRule {
                endpoint: None,
                kind,
                times: None,
                share_percent: Some(4),
            });
        }
        let (mut approved, mut failed) = (0, 0);
        for n in 0..30 {
            let key = format!("campaign-{api}-{n}");
            let amount = if n % 3 == 2 { "10.13" } else { "10.00" };
            let got = c.charge(
                &Target::Pos(POS1.into()),
                &req(amount).idempotency_key(&key),
                &quick_wait(),
            );
            assert!(
                sim.counters().intents_created_with_key(&key) <= 1,
                "{api}: two sales for key {key}"
            );
            match got {
                Ok(sale) if sale.is_paid() => {
                    approved += 1;
                    assert_eq!(amount, "10.00", "{api}: a refused card was called paid");
                    let p = sale.approved_payment().unwrap();
                    let truth = sim.payment(p.id).expect("the simulator knows the payment");
                    assert_eq!(
                        truth.status,
                        PaymentStatus::Approved,
                        "{api}: false APPROVED"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    failed += 1;
                    // The sale may still be on the terminal: let it end before the next one.
                    if let Some(id) = e.intent_id() {
                        let _ = c.wait_for_final(id, &quick_wait());
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            }
        }
        sim.clear_faults();
        let counters = sim.counters();
        assert!(
            counters.intents_created_per_key.values().all(|&n| n == 1),
            "{api}: {counters:?}"
        );
        println!("{api}: 30 sales under faults: {approved} approved, {failed} ended in a typed error, {} faults applied, 0 duplicates, 0 false APPROVED", counters.faults_applied);
    });
}

/// The Orders API's cancel of an order on the terminal, against both readings of the pages: a
/// current terminal cancels it (the cancel returns once it did), an older one refuses (409
/// `cannot_cancel_order`): the cancel says to cancel on the terminal, and the sale goes on.
#[test]
fn orders_cancel_on_the_terminal_under_both_readings() {
    for supported in [true, false] {
        let sim = Simulator::start(SimulatorConfig {
            orders_cancel_at_terminal: supported,
            ..fast()
        })
        .unwrap();
        let c = client(&sim, Api::Orders);
        let i = c
            .create_intent(&Target::Pos(POS1.into()), &req("10.44"))
            .unwrap();
        let _ = c.wait_for_final(
            &i.id,
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(400)),
        );
        assert_eq!(c.get_intent(&i.id).unwrap().status, Status::OnTerminal);
        match c.cancel_intent(&i.id) {
            Ok(()) => {
                assert!(supported);
                assert_eq!(c.get_intent(&i.id).unwrap().status, Status::Canceled);
            }
            Err(e) => {
                assert!(!supported, "{e}");
                assert_eq!(e.kind(), ErrorKind::CannotCancel);
                assert!(e.message().contains("cancel it on the terminal"), "{e}");
                assert_eq!(e.last_status(), Some(&Status::OnTerminal));
                sim.cancel_on_terminal(&i.id).unwrap();
            }
        }
    }
}

/// The terminal may finish a payment it is already processing instead of canceling: the cancel
/// must then never report success, and the sale is paid.
#[test]
fn orders_a_cancel_that_loses_to_the_card_is_not_a_success() {
    let sim = Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        // One second from the card to processing, one more to the end: the cancel lands between.
        step_delay: Duration::from_millis(1000),
        ..SimulatorConfig::default()
    })
    .unwrap();
    let c = client(&sim, Api::Orders);
    let i = c
        .create_intent(&Target::Pos(POS1.into()), &req("10.44"))
        .unwrap();
    let _ = c.wait_for_final(
        &i.id,
        &WaitOptions::new()
            .poll_interval(Duration::from_millis(20))
            .timeout(Duration::from_millis(300)),
    );
    sim.present_card(&i.id, mppoint_simulator::CardOutcome::Approved)
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let e = c.cancel_intent(&i.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CannotCancel, "{e}");
    assert_eq!(e.last_status(), Some(&Status::Closed), "{e}");
    assert!(e.message().contains("processed"), "{e}");
    let sale = c.sale_for(&i.id).unwrap();
    assert_eq!(sale.verdict, Verdict::Approved);
}
