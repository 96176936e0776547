//! What an Orders client puts on the wire, compared field by field with the documented requests
//! (`tests/fixtures/orders/`): the create of the reference, the partial refund, the terminal setup,
//! and the headers (`X-Idempotency-Key` on create, cancel and refund; the cancel's
//! `x-allow-cancelable-status`; none of the intents' integrator headers' values lost).

use std::time::Duration;

mod common;

use mppoint::{Amount, Api, Client, IntentRequest, OperatingMode, RetryPolicy, Target};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/orders/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_documented_requests_go_on_the_wire_as_documented() {
    // A bare receiver stands in for the API: it records each request and answers 200, no body.
    let (url, rx) = common::receiver("/", vec![]);
    let doc = fixture("create_request.json");
    let c = Client::builder("APP_USR-wire-token")
        .base_url(url.trim_end_matches('/'))
        .api(Api::Orders)
        .no_proxy()
        .integrator_id(doc["integration_data"]["integrator_id"].as_str().unwrap())
        .platform_id(doc["integration_data"]["platform_id"].as_str().unwrap())
        .sponsor_id(doc["integration_data"]["sponsor"]["id"].as_str().unwrap())
        .order_expiration_time(doc["expiration_time"].as_str().unwrap())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let terminal = doc["config"]["point"]["terminal_id"].as_str().unwrap();
    let req = IntentRequest::new(
        Amount::parse(
            doc["transactions"]["payments"][0]["amount"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
        doc["description"].as_str().unwrap(),
        doc["external_reference"].as_str().unwrap(),
    );
    // `config.payment_method.default_type` is not a client option: the rest of the documented
    // request is compared field by field.
    let mut expected = doc.clone();
    expected["config"]
        .as_object_mut()
        .unwrap()
        .remove("payment_method");
    let e = c
        .create_intent(&Target::Device(terminal.into()), &req)
        .unwrap_err();
    // Answered 2xx with no order: it may have happened.
    assert_eq!(e.kind(), mppoint::ErrorKind::OutcomeUnknown, "{e}");
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(got.target, "/v1/orders");
    assert_eq!(got.header("content-type"), Some("application/json"));
    let key = got
        .header("x-idempotency-key")
        .expect("the key is required on create");
    assert_eq!(e.idempotency_key(), Some(key));
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body, expected);

    // Cancel: keyed, with the header that lets the terminal cancel an order it holds.
    let _ = c.cancel_intent("ORD00001111222233334444555566");
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        got.target,
        "/v1/orders/ORD00001111222233334444555566/cancel"
    );
    assert!(got.header("x-idempotency-key").is_some());
    assert_eq!(got.header("x-allow-cancelable-status"), Some("at_terminal"));
    assert!(got.body.is_empty());

    // A full refund: keyed, no body.
    let _ = c.refund_order_with_key("ORD00001111222233334444555566", None, "refund-key-1");
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        got.target,
        "/v1/orders/ORD00001111222233334444555566/refund"
    );
    assert_eq!(got.header("x-idempotency-key"), Some("refund-key-1"));
    assert!(got.body.is_empty());

    // The terminal setup.
    let _ = c.set_operating_mode("NEWLAND_N950__SBX0000001", OperatingMode::Pdv);
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(got.target, "/terminals/v1/setup");
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body, fixture("terminals_setup_request.json"));

    // The terminals list with its filters.
    let _ = c.list_devices(&mppoint::DeviceFilter {
        store_id: Some("47792478".into()),
        pos_id: Some("47792476".into()),
        limit: Some(50),
        offset: Some(0),
    });
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        got.target,
        "/terminals/v1/list?limit=50&offset=0&store_id=47792478&pos_id=47792476"
    );
    let _ = json!(null);
}

#[test]
fn a_partial_refund_names_the_orders_payment() {
    // The refund first reads the order for its payment (PAY…) id: answered by the simulator.
    let sim = mppoint_simulator::Simulator::start(mppoint_simulator::SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        step_delay: Duration::from_millis(20),
        ..Default::default()
    })
    .unwrap();
    let c = Client::builder(sim.access_token())
        .base_url(sim.base_url())
        .api(Api::Orders)
        .no_proxy()
        .build()
        .unwrap();
    let sale = c
        .charge(
            &Target::Pos("SUC001POS001".into()),
            &IntentRequest::new(Amount::parse("24.90").unwrap(), "Sale", "ext_ref_1234"),
            &mppoint::WaitOptions::new().poll_interval(Duration::from_millis(20)),
        )
        .unwrap();
    assert!(sale.is_paid());
    let order = c.get_order(&sale.intent.id).unwrap();
    let pay = order.payments()[0].id.clone().unwrap();
    let doc = fixture("refund_request_partial.json");
    assert_eq!(doc["transactions"][0]["id"], json!("TRANSACTION_ID"));
    let after = c
        .refund_order(&sale.intent.id, Some(Amount::parse("24.90").unwrap()))
        .unwrap();
    // The whole amount given back in a "partial" refund: the order is refunded.
    assert_eq!(after.status.as_str(), "refunded");
    assert_eq!(
        after.refunds()[0].transaction_id.as_deref(),
        Some(pay.as_str())
    );
    assert_eq!(after.refunds()[0].amount.unwrap().to_string(), "24.90");
}

/// A server that replays an earlier create for a reused key (the Payments API does; the Orders
/// pages promise a 409 instead) must not turn a new cart into the old, perhaps paid, order: the
/// reply is checked against the request on Orders as on intents, and a key already sent for
/// another cart is refused before sending.
#[test]
fn a_replayed_order_for_another_cart_is_a_key_mismatch() {
    let answer = serde_json::to_vec(&fixture("create_201.json")).unwrap();
    let (url, rx) = common::answering(201, answer);
    let c = Client::builder("APP_USR-wire-token")
        .base_url(&url)
        .api(Api::Orders)
        .no_proxy()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let target = Target::Device("NEWLAND_N950__SBX0000001".into());
    let req = |amount: &str, reference: &str, key: &str| {
        IntentRequest::new(Amount::parse(amount).unwrap(), "Smartphone", reference)
            .idempotency_key(key)
    };
    // The documented answer for the documented cart: the order, with our key.
    let ok = c
        .create_intent(&target, &req("50.00", "ext_ref_1234", "key-1"))
        .unwrap();
    assert_eq!(ok.id, "ORD00001111222233334444555566");
    assert_eq!(ok.idempotency_key.as_deref(), Some("key-1"));
    // Another cart, new key, but the server answers the old order.
    for (amount, reference, key) in [
        ("12.00", "ext_ref_1234", "key-2"),
        ("50.00", "ext_ref_9999", "key-3"),
    ] {
        let e = c
            .create_intent(&target, &req(amount, reference, key))
            .unwrap_err();
        assert_eq!(e.kind(), mppoint::ErrorKind::IdempotencyKeyMismatch, "{e}");
        assert_eq!(e.intent_id(), Some("ORD00001111222233334444555566"));
        assert_eq!(e.idempotency_key(), Some(key));
        assert!(e.message().contains("order ORD0000"), "{e}");
    }
    // One create per call so far, each reported before it was answered.
    let sent: Vec<String> = common::requests_until_barrier(&url, &rx)
        .into_iter()
        .map(|r| r.target)
        .collect();
    assert_eq!(sent, ["/v1/orders"; 3], "one create per call");
    // key-1 again for another cart is refused before anything is sent.
    let e = c
        .create_intent(&target, &req("12.00", "ext_ref_1234", "key-1"))
        .unwrap_err();
    assert_eq!(e.kind(), mppoint::ErrorKind::IdempotencyKeyMismatch, "{e}");
    let after: Vec<String> = common::requests_until_barrier(&url, &rx)
        .into_iter()
        .map(|r| r.target)
        .collect();
    assert!(after.is_empty(), "a refused key sent {after:?}");
}

/// The migration guide says an `at_terminal` cancel answers the order `canceled`; the payment
/// guide that the payment reads `cancellation_requested` until the terminal confirms, and that a
/// payment already under way may win. A cancel is done only when the payment agrees.
#[test]
fn a_cancel_is_done_only_when_the_payment_agrees() {
    let with_payment = |status: &str, detail: &str| {
        let mut o = fixture("cancel_200.json");
        o["transactions"]["payments"][0]["status"] = json!(status);
        o["transactions"]["payments"][0]["status_detail"] = json!(detail);
        serde_json::to_vec(&o).unwrap()
    };
    let client = |url: String| {
        Client::builder("APP_USR-wire-token")
            .base_url(url)
            .api(Api::Orders)
            .no_proxy()
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let id = "ORD0000ABCD222233334444555566";
    // Canceled while the payment still reads cancellation_requested, then the terminal confirms.
    let (url, rx) = common::scripted(vec![
        (200, with_payment("canceled", "cancellation_requested")),
        (200, with_payment("canceled", "cancellation_requested")),
        (200, with_payment("canceled", "canceled_by_api")),
    ]);
    client(url).cancel_intent(id).unwrap();
    let targets: Vec<String> = rx.try_iter().map(|r| r.target).collect();
    assert!(
        targets.len() >= 3,
        "the cancel must wait for the payment: {targets:?}"
    );
    // The terminal finished the payment instead: the order reads processed, not canceled.
    let mut processed = fixture("cancel_200.json");
    processed["status"] = json!("processed");
    processed["status_detail"] = json!("accredited");
    processed["transactions"]["payments"][0]["status"] = json!("processed");
    processed["transactions"]["payments"][0]["status_detail"] = json!("accredited");
    let (url, _rx) = common::scripted(vec![
        (200, with_payment("canceled", "cancellation_requested")),
        (200, serde_json::to_vec(&processed).unwrap()),
    ]);
    let e = client(url).cancel_intent(id).unwrap_err();
    assert_eq!(e.kind(), mppoint::ErrorKind::CannotCancel, "{e}");
    assert_eq!(e.intent_id(), Some(id));
}
