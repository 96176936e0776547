//! The sandbox contract suite: the same scenarios against our simulator (by default) and against
//! Mercado Pago's own sandbox, so a POS's tests mean the same on both. Each scenario drives a
//! whole sale through the documented sandbox endpoint only (`POST /v1/orders/{id}/events`), never
//! a simulator control route: create an order on the sandbox's virtual terminal, simulate the
//! customer's outcome, wait for the order, read the verdict.
//!
//! Against Mercado Pago: `MPPOINT_SANDBOX_TOKEN` (a test user's access token; add
//! `MPPOINT_SANDBOX_TEST_ACCOUNT=1` when it starts `APP_USR-`), optionally `MPPOINT_SANDBOX_TERMINAL`
//! (default `NEWLAND_N950__SBX0000001`) and `MPPOINT_SANDBOX_BASE_URL`. Without them the suite
//! runs against the simulator and says so.

use std::time::Duration;

use mppoint::sandbox::{OrderEvent, SimulatedStatus, SANDBOX_TERMINAL};
use mppoint::{
    Amount, Api, Client, ErrorKind, IntentRequest, Status, Target, Verdict, WaitOptions,
};
use mppoint_simulator::{Simulator, SimulatorConfig};

/// Where the scenarios run: Mercado Pago's sandbox, or a simulator kept alive for the test.
struct Backend {
    client: Client,
    terminal: String,
    _sim: Option<Simulator>,
    /// How long the sandbox may take (10 s, 40 s for action_required, on Mercado Pago).
    patience: Duration,
}

fn backend() -> Backend {
    if let Ok(token) = std::env::var("MPPOINT_SANDBOX_TOKEN") {
        let mut b = Client::builder(token)
            .api(Api::Orders)
            .test_account(std::env::var("MPPOINT_SANDBOX_TEST_ACCOUNT").is_ok_and(|v| v == "1"));
        if let Ok(u) = std::env::var("MPPOINT_SANDBOX_BASE_URL") {
            b = b.base_url(u);
        }
        eprintln!("sandbox contract: against Mercado Pago's sandbox");
        return Backend {
            client: b.build().expect("a client for the sandbox"),
            terminal: std::env::var("MPPOINT_SANDBOX_TERMINAL")
                .unwrap_or_else(|_| SANDBOX_TERMINAL.to_string()),
            _sim: None,
            patience: Duration::from_secs(90),
        };
    }
    eprintln!(
        "sandbox contract: against the simulator (set MPPOINT_SANDBOX_TOKEN to run it against Mercado Pago's sandbox)"
    );
    let sim = Simulator::start(SimulatorConfig {
        // The sandbox's 10 s (40 s) become 1 s (4 s): the order reads at_terminal for 0.8 s
        // (after the 200 ms step), sixteen polls of 50 ms, so a loaded machine still sees it (at
        // a factor of 100 the window was 50 ms, one poll, and a busy CI run missed it once).
        time_factor: 10,
        ..SimulatorConfig::default().with_sandbox_terminal()
    })
    .expect("simulator starts");
    let client = sim
        .client_builder()
        .api(Api::Orders)
        .build()
        .expect("a client for the simulator");
    Backend {
        client,
        terminal: SANDBOX_TERMINAL.to_string(),
        _sim: Some(sim),
        patience: Duration::from_secs(20),
    }
}

fn reference(tag: &str) -> String {
    format!("contract-{tag}-{}", uuid_like())
}

fn uuid_like() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// One whole sale through the sandbox endpoint: create, simulate, wait, verdict.
fn sale_with(b: &Backend, amount: &str, event: OrderEvent) -> (mppoint::Sale, Vec<Status>) {
    let c = &b.client;
    let order = c
        .create_intent(
            &Target::Device(b.terminal.clone()),
            &IntentRequest::new(
                Amount::parse(amount).unwrap(),
                "Contract sale",
                reference(event.status().as_str()),
            ),
        )
        .expect("the order is created");
    assert_eq!(order.status, Status::Opened);
    c.simulate_order_event(&order.id, &event)
        .expect("the sandbox takes the event");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let ended = c
        .wait_for_final(
            &order.id,
            &WaitOptions::new()
                .poll_interval(Duration::from_millis(50))
                .timeout(b.patience)
                .on_status(move |i| seen2.lock().unwrap().push(i.status.clone())),
        )
        .expect("the order ends");
    let sale = c.sale_for(&ended.id).expect("a verdict");
    let seen = seen.lock().unwrap().clone();
    (sale, seen)
}

#[test]
fn a_processed_order_is_a_paid_sale() {
    let b = backend();
    let (sale, seen) = sale_with(
        &b,
        "15.00",
        OrderEvent::new(SimulatedStatus::Processed)
            .card("master", "credit_card")
            .installments(1)
            .status_detail("accredited"),
    );
    assert_eq!(sale.verdict, Verdict::Approved, "{}", sale.reason);
    assert!(sale.approved_payment().is_some());
    // The order reads at_terminal first (the guide), then processed.
    assert!(seen.contains(&Status::OnTerminal), "{seen:?}");
}

#[test]
fn a_declined_card_is_a_rejected_sale() {
    let b = backend();
    let (sale, _) = sale_with(
        &b,
        "16.00",
        OrderEvent::new(SimulatedStatus::Failed)
            .card("visa", "credit_card")
            .status_detail("insufficient_amount"),
    );
    assert_eq!(sale.verdict, Verdict::Rejected, "{}", sale.reason);
    assert!(!sale.is_paid());
}

#[test]
fn canceled_and_expired_orders_are_not_paid() {
    let b = backend();
    for (status, verdict) in [
        (SimulatedStatus::Canceled, Verdict::Canceled),
        (SimulatedStatus::Expired, Verdict::Expired),
    ] {
        let (sale, _) = sale_with(&b, "17.00", OrderEvent::new(status));
        assert_eq!(sale.verdict, verdict, "{status}: {}", sale.reason);
    }
}

#[test]
fn action_required_is_a_sale_to_check_on_the_terminal() {
    let b = backend();
    let (sale, _) = sale_with(
        &b,
        "18.00",
        OrderEvent::new(SimulatedStatus::ActionRequired),
    );
    assert_eq!(
        sale.verdict,
        Verdict::ConfirmationRequired,
        "{}",
        sale.reason
    );
    assert!(!sale.is_paid());
}

#[test]
fn a_processed_order_refunded_in_the_sandbox_is_no_longer_paid() {
    let b = backend();
    let (sale, _) = sale_with(&b, "19.00", OrderEvent::new(SimulatedStatus::Processed));
    assert!(sale.is_paid());
    b.client
        .simulate_order_event(&sale.intent.id, &OrderEvent::new(SimulatedStatus::Refunded))
        .unwrap();
    // `refunded` moves at once, but Mercado Pago may take a moment: read until it shows.
    let deadline = std::time::Instant::now() + b.patience;
    let after = loop {
        let s = b.client.sale_for(&sale.intent.id).unwrap();
        if !s.is_paid() || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!after.is_paid(), "{}", after.reason);
}

#[test]
fn the_sandbox_refuses_what_its_reference_refuses() {
    let b = backend();
    let c = &b.client;
    let order = c
        .create_intent(
            &Target::Device(b.terminal.clone()),
            &IntentRequest::new(
                Amount::parse("20.00").unwrap(),
                "Contract",
                reference("bad"),
            ),
        )
        .unwrap();
    // Refunded needs a processed order: a transition the status machine does not allow.
    let e = c
        .simulate_order_event(&order.id, &OrderEvent::new(SimulatedStatus::Refunded))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest, "{e}");
    // An order that does not exist.
    let e = c
        .simulate_order_event(
            "ORD00000000000000000000000000",
            &OrderEvent::new(SimulatedStatus::Processed),
        )
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotFound | ErrorKind::BadRequest),
        "{e}"
    );
    c.cancel_intent(&order.id).unwrap();
}
