//! The client's side of what Mercado Pago added to Point since we started (issue 25): print
//! actions, the sandbox's simulated events, a busy terminal waited for, partial refunds and their
//! errors, tips, the new modes, the 412 of a second PDV terminal, and "cancel requested" as a
//! visible state. Against the simulator; the sandbox contract suite, which also runs against
//! Mercado Pago's own sandbox, is `sandbox_contract.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mppoint::print::{PrintContent, PrintRequest, PrintStatus, PrintText};
use mppoint::sandbox::{OrderEvent, SimulatedStatus};
use mppoint::{
    Amount, Api, Client, ErrorKind, IntentRequest, OperatingMode, Site, Status, Target, Verdict,
    WaitOptions,
};
use mppoint_simulator::{PrintOutcome, Simulator, SimulatorConfig};

const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const STANDALONE: &str = "NEWLAND_N950__N950NCB000000003";

fn sim(cfg: SimulatorConfig) -> Simulator {
    Simulator::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(40),
        step_delay: Duration::from_millis(20),
        ..cfg
    })
    .expect("simulator starts")
}

fn client(s: &Simulator, api: Api) -> Client {
    s.client_builder().site(Site::MLB).api(api).build().unwrap()
}

fn wait() -> WaitOptions {
    WaitOptions::new()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(20))
}

fn req(amount: &str, reference: &str) -> IntentRequest {
    IntentRequest::new(Amount::parse(amount).unwrap(), "Feature sale", reference)
}

/// Polls the action until it is final (the event: its status), with a deadline.
fn print_until_final(c: &Client, id: &str) -> PrintStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let a = c.print_action(id).unwrap();
        if a.status.is_final() || std::time::Instant::now() > deadline {
            return a.status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_receipt_is_printed_on_the_terminal_with_the_pos_text_escaped() {
    for api in Api::ALL {
        let s = sim(SimulatorConfig::default());
        let c = client(&s, api);
        let receipt = PrintText::new()
            .center_wide("Loja Centro")
            .line("Customer: {b}Ana{/b} }{")
            .qr("https://example.com/r/1")
            .build()
            .unwrap();
        let a = c
            .print(&PrintRequest::new(DEV1, "receipt-1", receipt.clone()))
            .unwrap();
        assert_eq!(a.status, PrintStatus::Created, "{api}");
        assert_eq!(a.terminal_id.as_deref(), Some(DEV1));
        assert_eq!(a.subtype.as_deref(), Some("custom"));
        let key = a.idempotency_key.clone().unwrap();
        assert_eq!(print_until_final(&c, &a.id), PrintStatus::Processed);
        // The same key and request: the same action, never a second print.
        let again = c
            .print(&PrintRequest::new(DEV1, "receipt-1", receipt).idempotency_key(key.clone()))
            .unwrap();
        assert_eq!(again.id, a.id);
        // The same key for another receipt.
        let other = PrintText::new().line("another").build().unwrap();
        let e = c
            .print(&PrintRequest::new(DEV1, "receipt-1", other).idempotency_key(key))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch, "{e}");
    }
}

#[test]
fn a_print_not_fetched_can_be_canceled_and_bad_prints_are_refused_before_sending() {
    let s = sim(SimulatorConfig::default());
    let c = client(&s, Api::Intents);
    // A STANDALONE terminal never fetches the action.
    let a = c
        .print(&PrintRequest::new(
            STANDALONE,
            "r-2",
            PrintText::new().line("x").build().unwrap(),
        ))
        .unwrap();
    c.cancel_print_action(&a.id).unwrap();
    assert_eq!(c.print_action(&a.id).unwrap().status, PrintStatus::Canceled);
    // Printed already: the cancel is refused.
    let b = c
        .print(&PrintRequest::new(
            DEV1,
            "r-3",
            PrintText::new().line("y").build().unwrap(),
        ))
        .unwrap();
    s.finish_print(&b.id, PrintOutcome::Processed).unwrap();
    assert_eq!(
        c.cancel_print_action(&b.id).unwrap_err().kind(),
        ErrorKind::CannotCancel
    );
    let before = s.counters().unrouted_requests;
    for (terminal, reference, content) in [
        (
            "NOT-A-TERMINAL",
            "r",
            PrintText::new().line("x").build().unwrap(),
        ),
        (
            DEV1,
            "with space",
            PrintText::new().line("x").build().unwrap(),
        ),
        (DEV1, "r", PrintContent::Text("{b}short{/b}".into())),
        (DEV1, "r", PrintContent::Image(b"GIF89a....".to_vec())),
    ] {
        let e = c
            .print(&PrintRequest::new(terminal, reference, content))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
    assert!(PrintContent::tagged("{u}x{/u}".repeat(20)).is_err());
    assert_eq!(s.counters().unrouted_requests, before);
    // An image.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    let img = c
        .print(&PrintRequest::new(
            DEV1,
            "img-1",
            PrintContent::image(png).unwrap(),
        ))
        .unwrap();
    assert_eq!(img.subtype.as_deref(), Some("image"));
}

#[test]
fn only_test_credentials_may_simulate_an_order_event() {
    let s = sim(SimulatorConfig::default().with_sandbox_terminal());
    let c = client(&s, Api::Orders);
    let order = c
        .create_intent(
            &Target::Device(mppoint::sandbox::SANDBOX_TERMINAL.into()),
            &req("20.00", "sbx-1"),
        )
        .unwrap();
    // A production token is refused before anything is sent.
    let prod = Client::builder("APP_USR-123-production")
        .base_url(s.base_url())
        .api(Api::Orders)
        .build()
        .unwrap();
    assert!(!prod.has_test_credentials());
    let e = prod
        .simulate_order_event(&order.id, &OrderEvent::new(SimulatedStatus::Processed))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SandboxOnly, "{e}");
    // A bad event is refused before anything is sent.
    let e = c
        .simulate_order_event(
            &order.id,
            &OrderEvent::new(SimulatedStatus::Canceled).card("visa", "credit_card"),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(c.has_test_credentials());
    c.simulate_order_event(&order.id, &OrderEvent::new(SimulatedStatus::Processed))
        .unwrap();
    let sale = c.charge_wait(&order.id);
    assert_eq!(sale.verdict, Verdict::Approved);
}

trait WaitFor {
    fn charge_wait(&self, id: &str) -> mppoint::Sale;
}

impl WaitFor for Client {
    fn charge_wait(&self, id: &str) -> mppoint::Sale {
        let ended = self.wait_for_final(id, &wait()).unwrap();
        self.sale_for(&ended.id).unwrap()
    }
}

#[test]
fn a_busy_terminal_is_waited_for_and_named() {
    for api in Api::ALL {
        let s = sim(SimulatorConfig::default());
        let c = client(&s, api);
        // .44: held on the terminal until the control API decides.
        let first = c
            .create_intent(&Target::Device(DEV1.into()), &req("8.44", "busy-1"))
            .unwrap();
        let e = c
            .create_intent(&Target::Device(DEV1.into()), &req("9.00", "busy-2"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyQueued, "{api}: {e}");
        assert_eq!(e.holding_sale(), Some(first.id.as_str()), "{api}: {e}");
        assert!(e.message().contains("busy-1"), "{e}");
        // Waiting for it: the first sale ends while the second waits, then the second goes on.
        let seen = Arc::new(Mutex::new(0u32));
        let seen2 = seen.clone();
        let s = Arc::new(s);
        let s2 = s.clone();
        let first_id = first.id.clone();
        let opts = wait().when_busy(Duration::from_secs(10)).on_busy(move |e| {
            let mut n = seen2.lock().unwrap();
            *n += 1;
            assert_eq!(e.kind(), ErrorKind::AlreadyQueued);
            if *n == 2 {
                // The customer of the first sale pays at last.
                s2.present_card(&first_id, mppoint_simulator::CardOutcome::Approved)
                    .unwrap();
            }
        });
        let sale = c
            .charge(&Target::Device(DEV1.into()), &req("9.00", "busy-2"), &opts)
            .unwrap();
        assert_eq!(sale.verdict, Verdict::Approved, "{api}");
        assert!(*seen.lock().unwrap() >= 2);
        // Bounded: a terminal that stays busy is ALREADY_QUEUED after the time given.
        let held = c
            .create_intent(&Target::Device(DEV1.into()), &req("8.44", "busy-3"))
            .unwrap();
        let e = c
            .charge(
                &Target::Device(DEV1.into()),
                &req("9.00", "busy-4"),
                &wait().when_busy(Duration::from_millis(300)),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyQueued, "{e}");
        assert_eq!(e.holding_sale(), Some(held.id.as_str()));
        assert!(wait()
            .when_busy(Duration::from_secs(90_000))
            .validate()
            .is_err());
    }
}

#[test]
fn partial_refunds_tips_and_their_errors() {
    let s = sim(SimulatorConfig::default());
    let c = client(&s, Api::Orders);
    let sale = c
        .charge(
            &Target::Device(DEV1.into()),
            &req("30.00", "ref-1"),
            &wait(),
        )
        .unwrap();
    let pid = sale.intent.id.clone();
    assert_eq!(sale.tip(), None);
    c.refund_order(&pid, Some(Amount::parse("10.00").unwrap()))
        .unwrap();
    c.refund_order(&pid, Some(Amount::parse("15.00").unwrap()))
        .unwrap();
    let e = c
        .refund_order(&pid, Some(Amount::parse("10.00").unwrap()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RefundNotAllowed, "{e}");
    assert!(e.message().contains("left to refund"), "{e}");
    // The rest, in full; then nothing is left.
    c.refund_order(&pid, None).unwrap();
    let e = c.refund_order(&pid, None).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::RefundNotAllowed | ErrorKind::Conflict),
        "{e}"
    );

    // A tip: paid on top, and only a full refund.
    let held = c
        .create_intent(&Target::Device(DEV1.into()), &req("20.44", "tip-1"))
        .unwrap();
    s.add_tip(&held.id, Amount::parse("3.00").unwrap()).unwrap();
    s.present_card(&held.id, mppoint_simulator::CardOutcome::Approved)
        .unwrap();
    let tipped = c.charge_wait(&held.id);
    assert_eq!(tipped.verdict, Verdict::Approved, "{}", tipped.reason);
    assert_eq!(tipped.tip().map(|t| t.to_string()), Some("3.00".into()));
    let tp = tipped.intent.id.clone();
    let e = c
        .refund_order(&tp, Some(Amount::parse("5.00").unwrap()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RefundNotAllowed, "{e}");
    assert!(e.message().contains("tip"), "{e}");
    c.refund_order(&tp, None).unwrap();

    // An account whose orders take no partial refunds.
    let s = sim(SimulatorConfig {
        partial_refunds: false,
        ..SimulatorConfig::default()
    });
    let c = client(&s, Api::Orders);
    let sale = c
        .charge(
            &Target::Device(DEV1.into()),
            &req("30.00", "ref-2"),
            &wait(),
        )
        .unwrap();
    let e = c
        .refund_order(&sale.intent.id, Some(Amount::parse("1.00").unwrap()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RefundNotAllowed, "{e}");
}

#[test]
fn a_cancel_asked_of_the_terminal_is_visible_until_it_is_done() {
    let s = sim(SimulatorConfig::default());
    let c = client(&s, Api::Orders);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let held = c
        .create_intent(&Target::Device(DEV1.into()), &req("6.44", "cr-1"))
        .unwrap();
    // Once on the terminal, the cancel is asked of it; the status reads CANCEL_REQUESTED
    // before it is CANCELED, and never counts as canceled before.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while c.get_intent(&held.id).unwrap().status == Status::Opened {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    s.hold_on_terminal(&held.id).ok();
    let _ = c.cancel_intent(&held.id);
    let ended = c
        .wait_for_final(
            &held.id,
            &wait().on_status(move |i| seen2.lock().unwrap().push(i.status.clone())),
        )
        .unwrap();
    assert_eq!(ended.status, Status::Canceled);
    assert!(!Status::CancelRequested.is_final());
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.first() == Some(&Status::CancelRequested) || seen.first() == Some(&Status::Canceled),
        "{seen:?}"
    );
}

#[test]
fn the_new_modes_are_read_and_never_set() {
    let s = sim(SimulatorConfig::default());
    let c = client(&s, Api::Orders);
    for m in ["UNDEFINED", "SELF_SERVICE"] {
        let e = c
            .set_operating_mode(DEV1, OperatingMode::parse(m))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
    assert_eq!(OperatingMode::parse("undefined"), OperatingMode::Undefined);
    assert_eq!(
        OperatingMode::parse("SELF_SERVICE"),
        OperatingMode::SelfService
    );
}

#[test]
fn a_charged_order_expires_with_the_waits_deadline_unless_the_client_sets_one() {
    let s = sim(SimulatorConfig::default());
    let c = client(&s, Api::Orders);
    c.charge(
        &Target::Device(DEV1.into()),
        &req("4.00", "exp-1"),
        &wait().timeout(Duration::from_secs(120)),
    )
    .unwrap();
    let own = s
        .client_builder()
        .api(Api::Orders)
        .order_expiration_time("PT5M")
        .build()
        .unwrap();
    own.charge(&Target::Device(DEV1.into()), &req("4.00", "exp-2"), &wait())
        .unwrap();
    let orders = s.orders();
    let exp = |r: &str| {
        orders
            .iter()
            .find(|o| o.external_reference.as_deref() == Some(r))
            .and_then(|o| o.expiration_time.clone())
    };
    assert_eq!(exp("exp-1").as_deref(), Some("PT150S"));
    assert_eq!(exp("exp-2").as_deref(), Some("PT5M"));
}
