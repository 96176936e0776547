//! Every documented Orders request built and compared field by field with the reference's
//! examples, and every documented answer read (fixtures in `tests/fixtures/orders/`).

use super::*;
use crate::device::DeviceFilter;
use crate::error::{ApiErrorBody, ErrorKind};
use crate::payment::PaymentStatus;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../../tests/fixtures/orders/", $name))
    };
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// Compares two JSON values field by field, naming the first path that differs.
fn assert_same(ours: &Value, documented: &Value, path: &str) {
    match (ours, documented) {
        (Value::Object(a), Value::Object(b)) => {
            for k in b.keys() {
                assert!(
                    a.contains_key(k),
                    "{path}.{k} is documented but we do not send it"
                );
            }
            for (k, v) in a {
                let d = b
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} is sent but not in the example"));
                assert_same(v, d, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path} length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(ours, documented, "{path}"),
    }
}

/// The create body after the checks the client makes before sending it.
fn checked_body(req: &IntentRequest, terminal: &str, opts: &OrderOptions) -> Result<Value> {
    validate_terminal_id(terminal)?;
    validate_create(req, opts)?;
    Ok(create_body(req, terminal, opts))
}

fn request_like(doc: &Value) -> (IntentRequest, String, OrderOptions) {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str).map(str::to_string);
    let amount = Amount::parse(&s("/transactions/payments/0/amount").unwrap()).unwrap();
    let req = IntentRequest::new(
        amount,
        s("/description").unwrap_or_default(),
        s("/external_reference").unwrap(),
    )
    .print_seller_ticket(s("/config/point/print_on_terminal").as_deref() == Some("seller_ticket"));
    let opts = OrderOptions {
        expiration_time: s("/expiration_time"),
        default_payment_type: s("/config/payment_method/default_type"),
        platform_id: s("/integration_data/platform_id"),
        integrator_id: s("/integration_data/integrator_id"),
        sponsor_id: s("/integration_data/sponsor/id"),
    };
    (req, s("/config/point/terminal_id").unwrap(), opts)
}

#[test]
fn every_documented_create_request_is_built_field_by_field() {
    for (name, text) in [
        ("create_request.json", fixture!("create_request.json")),
        (
            "create_request_guide.json",
            fixture!("create_request_guide.json"),
        ),
        (
            "create_request_minimal.json",
            fixture!("create_request_minimal.json"),
        ),
    ] {
        let mut doc = json(text);
        // The migration guide keeps a placeholder where the terminal id goes.
        if doc.pointer("/config/point/terminal_id") == Some(&json!("{{TERMINAL_ID}}")) {
            doc["config"]["point"]["terminal_id"] = json!("NEWLAND_N950__SBX0000001");
        }
        let (req, terminal, opts) = request_like(&doc);
        let ours = checked_body(&req, &terminal, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(&ours, &doc, name);
        // Every value is a string, as the reference says.
        assert!(ours
            .pointer("/transactions/payments/0/amount")
            .unwrap()
            .is_string());
    }
}

#[test]
fn the_amount_always_has_two_decimals() {
    let req = IntentRequest::new(Amount::parse("24.5").unwrap(), "d", "r");
    let b = checked_body(&req, "PAX_A910__SMARTPOS1", &OrderOptions::default()).unwrap();
    assert_eq!(b["transactions"]["payments"][0]["amount"], json!("24.50"));
    assert_eq!(
        b["config"]["point"]["print_on_terminal"],
        json!("no_ticket")
    );
    assert!(b.get("integration_data").is_none() && b.get("expiration_time").is_none());
    let b = checked_body(
        &req.clone().print_seller_ticket(true),
        "PAX_A910__SMARTPOS1",
        &OrderOptions::default(),
    )
    .unwrap();
    assert_eq!(
        b["config"]["point"]["print_on_terminal"],
        json!("seller_ticket")
    );
}

#[test]
fn requests_are_checked_against_the_orders_rules_before_sending() {
    let r = |reference: &str, description: &str| {
        IntentRequest::new(Amount::parse("10.00").unwrap(), description, reference)
    };
    let t = "NEWLAND_N950__SBX0000001";
    let o = OrderOptions::default();
    assert!(checked_body(&r(&"a".repeat(64), "d"), t, &o).is_ok());
    let e = checked_body(&r(&"a".repeat(65), "d"), t, &o).unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidArgument, Some("external_reference"))
    );
    assert!(e.message().contains("64"), "{e}");
    // Allowed by the intents' rule, not by the Orders': spaces, dots, colons, commas.
    for bad in ["order 1", "order.1", "a:b", "a,b", "ñ", ""] {
        let e = checked_body(&r(bad, "d"), t, &o).unwrap_err();
        assert_eq!(e.field(), Some("external_reference"), "{bad:?}");
    }
    assert!(checked_body(&r("Ext_ref-1234", "d"), t, &o).is_ok());
    assert!(checked_body(&r("r", &"d".repeat(150)), t, &o).is_ok());
    let e = checked_body(&r("r", &"d".repeat(151)), t, &o).unwrap_err();
    assert_eq!(e.field(), Some("description"));
    for bad_terminal in ["", "SMARTPOS1", "__X", "PAX__"] {
        let e = checked_body(&r("r", "d"), bad_terminal, &o).unwrap_err();
        assert_eq!(e.field(), Some("terminal_id"), "{bad_terminal:?}");
    }
    let e = checked_body(&r("r", "d").ticket_number("T001"), t, &o).unwrap_err();
    assert_eq!(e.field(), Some("ticket_number"));
    let with = |exp: &str| OrderOptions {
        expiration_time: Some(exp.into()),
        ..Default::default()
    };
    for ok in [
        "PT30S",
        "PT10M",
        "PT1H15M",
        "PT3H",
        "PT16M",
        "PT2H59M59S",
        "PT180M",
    ] {
        assert!(checked_body(&r("r", "d"), t, &with(ok)).is_ok(), "{ok}");
    }
    for bad in [
        "PT29S", "PT3H1S", "P1D", "PT", "P", "30", "PT-1M", "PT1.5M", "pt30s", "PT30S ", "PT1M1H",
    ] {
        let e = checked_body(&r("r", "d"), t, &with(bad)).unwrap_err();
        assert_eq!(e.field(), Some("expiration_time"), "{bad}");
    }
    let e = checked_body(
        &r("r", "d"),
        t,
        &OrderOptions {
            default_payment_type: Some("cash".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("default_payment_type"));
}

#[test]
fn durations() {
    assert_eq!(duration_seconds("PT30S"), Some(30));
    assert_eq!(duration_seconds("PT1H15M"), Some(4500));
    assert_eq!(duration_seconds("P1DT1S"), Some(86_401));
    assert_eq!(duration_seconds("PT15M"), Some(900));
    assert_eq!(duration_seconds("PT99999999999H"), None);
}

#[test]
fn every_documented_answer_is_read() {
    let created: Order = serde_json::from_str(fixture!("create_201.json")).unwrap();
    assert_eq!(created.id, "ORD00001111222233334444555566");
    assert_eq!(created.status, OrderStatus::Created);
    assert_eq!(created.terminal_id(), Some("NEWLAND_N950__SBX0000001"));
    assert_eq!(
        created.payments()[0].id.as_deref(),
        Some("PAY01J67CQQH5904WDBVZEM4JMEP3")
    );
    let i = created.to_intent();
    assert_eq!(i.status, Status::Opened);
    assert_eq!(i.amount().unwrap().to_string(), "50.00");
    assert_eq!(i.external_reference.as_deref(), Some("ext_ref_1234"));
    assert!(i.payment_ids().is_empty());
    assert!(!created.is_final());

    let guide: Order = serde_json::from_str(fixture!("create_201_guide.json")).unwrap();
    assert_eq!(guide.to_intent().status, Status::Opened);

    let canceled: Order = serde_json::from_str(fixture!("cancel_200.json")).unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(
        canceled.payments()[0].status_detail.as_deref(),
        Some("canceled_by_api")
    );
    assert_eq!(canceled.sale().unwrap().verdict, Verdict::Canceled);

    let asked: Order = serde_json::from_str(fixture!("cancel_202_at_terminal.json")).unwrap();
    assert_eq!(asked.to_intent().status, Status::CancelRequested);
    // An order read as an intent says which API it is on, and that API's cancel rule: one whose
    // cancel was already asked for cannot be canceled again; a created one can.
    assert_eq!(asked.to_intent().api, crate::Api::Orders);
    assert!(!asked.to_intent().can_cancel_via_api());
    assert!(i.can_cancel_via_api());
    assert_eq!(
        asked.payments()[0].status_detail.as_deref(),
        Some("cancellation_requested")
    );
    assert!(!asked.is_final() && asked.sale().is_err());

    let refunded: Order = serde_json::from_str(fixture!("get_200_refunded.json")).unwrap();
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert_eq!(refunded.payments()[0].payment_id(), Some(12_345_678));
    assert_eq!(
        refunded.payments()[0].refunded_amount.unwrap().to_string(),
        "24.00"
    );
    assert_eq!(
        refunded.refunds()[0].id.as_deref(),
        Some("REF01J67CQQH5904WDBVZEM1234D")
    );
    let sale = refunded.sale().unwrap();
    assert_eq!(sale.verdict, Verdict::Rejected);
    assert!(!sale.is_paid());
    assert_eq!(sale.payments[0].status, PaymentStatus::Refunded);
    assert_eq!(sale.intent.payment_ids(), vec![12_345_678]);

    let full: Order = serde_json::from_str(fixture!("refund_201_full.json")).unwrap();
    assert_eq!(full.status, OrderStatus::Refunded);
    assert_eq!(full.refunds()[0].amount.unwrap().to_string(), "24.00");
    let partial: Order = serde_json::from_str(fixture!("refund_201_partial.json")).unwrap();
    assert_eq!(partial.status, OrderStatus::Processed);
    assert_eq!(partial.status_detail.as_deref(), Some("partially_refunded"));
    assert_eq!(partial.refunds()[0].amount.unwrap().to_string(), "24.90");
}

#[test]
fn refund_and_setup_bodies_are_the_documented_ones() {
    let doc = json(fixture!("refund_request_partial.json"));
    let ours = partial_refund_body("TRANSACTION_ID", Amount::parse("24.90").unwrap());
    assert_same(&ours, &doc, "refund_request_partial.json");
    let doc = json(fixture!("terminals_setup_request.json"));
    assert_same(
        &setup_body("NEWLAND_N950__SBX0000001", &OperatingMode::Pdv),
        &doc,
        "terminals_setup_request.json",
    );
    assert_eq!(
        parse_setup(
            fixture!("terminals_setup_200.json").as_bytes(),
            "NEWLAND_N950__SBX0000001"
        ),
        Ok(OperatingMode::Pdv)
    );
    assert_eq!(refund_path("ORD1"), "/v1/orders/ORD1/refund");
    assert_eq!(cancel_path("ORD/1"), "/v1/orders/ORD%2F1/cancel");
    assert_eq!(order_path("ORD1"), "/v1/orders/ORD1");
}

#[test]
fn terminals_lists_are_read_as_device_pages() {
    for (text, pos_id, mode) in [
        (
            fixture!("terminals_list_200.json"),
            Some(47_792_476),
            OperatingMode::Pdv,
        ),
        (
            fixture!("terminals_list_200_guide.json"),
            Some(23_545_678),
            OperatingMode::Pdv,
        ),
        (
            fixture!("terminals_list_200_undefined.json"),
            Some(47_792_476),
            OperatingMode::Undefined,
        ),
    ] {
        let page = parse_terminals(text.as_bytes()).unwrap();
        assert_eq!(page.devices.len(), 1);
        let d = &page.devices[0];
        assert!(d.id.contains("__"));
        assert_eq!(d.pos_id, pos_id);
        assert_eq!(d.external_pos_id.as_deref(), Some("SUC0101POS"));
        assert_eq!(d.operating_mode, mode);
        assert_eq!((page.paging.total, page.paging.limit), (1, 50));
    }
    assert!(parse_terminals(b"{\"data\":{\"terminals\":{}}}").is_err());
    let q = list_query(&DeviceFilter {
        store_id: Some("12".into()),
        pos_id: Some("34".into()),
        limit: Some(50),
        offset: Some(100),
    })
    .unwrap();
    assert_eq!(
        q,
        vec![
            ("limit", "50".to_string()),
            ("offset", "100".to_string()),
            ("store_id", "12".to_string()),
            ("pos_id", "34".to_string())
        ]
    );
    for bad in [
        DeviceFilter {
            limit: Some(51),
            ..Default::default()
        },
        DeviceFilter {
            limit: Some(0),
            ..Default::default()
        },
        DeviceFilter {
            pos_id: Some("SUC01".into()),
            ..Default::default()
        },
    ] {
        assert_eq!(
            list_query(&bad).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}

#[test]
fn error_bodies_and_what_a_409_means() {
    for (text, code, conflict) in [
        (
            fixture!("error_409_idempotency_key_already_used.json"),
            "idempotency_key_already_used",
            Conflict::KeyMismatch,
        ),
        (
            fixture!("error_409_already_queued_order_for_terminal.json"),
            "already_queued_order_for_terminal",
            Conflict::AlreadyQueued,
        ),
        (
            fixture!("error_409_cannot_cancel_order.json"),
            "cannot_cancel_order",
            Conflict::CannotCancel,
        ),
        (
            fixture!("error_409_order_already_canceled.json"),
            "order_already_canceled",
            Conflict::AlreadyCanceled,
        ),
        (
            fixture!("error_404_order_not_found.json"),
            "order_not_found",
            Conflict::Other,
        ),
        (
            fixture!("error_400_empty_required_header.json"),
            "empty_required_header",
            Conflict::Other,
        ),
        (
            fixture!("error_500_idempotency_validation_failed.json"),
            "idempotency_validation_failed",
            Conflict::Other,
        ),
    ] {
        // The one reader of error bodies reads the Orders shape too.
        let b = ApiErrorBody::parse(text.as_bytes());
        assert_eq!(b.error.as_deref(), Some(code));
        assert!(b.message.as_deref().is_some_and(|m| !m.is_empty()));
        assert_eq!(classify_conflict(b.error.as_deref()), conflict, "{code}");
    }
    let b = ApiErrorBody::parse(fixture!("error_412_terminals_setup_pdv_exists.json").as_bytes());
    assert!(b.error.unwrap().starts_with("Only one pos-store"));
    assert_eq!(ApiErrorBody::parse(b"<html>"), ApiErrorBody::default());
    assert_eq!(
        classify_conflict(Some("already_queued_order_on_terminal")),
        Conflict::AlreadyQueued
    );
}

fn order_with(status: &str, payment_status: &str, detail: &str, reference: Option<&str>) -> Order {
    let mut p =
        json!({"id": "PAY1", "amount": "10.00", "status": payment_status, "status_detail": detail});
    if let Some(r) = reference {
        p["reference_id"] = json!(r);
    }
    serde_json::from_value(json!({
        "id": "ORD1", "status": status, "status_detail": detail,
        "transactions": {"payments": [p]}
    }))
    .unwrap()
}

#[test]
fn only_an_accredited_processed_payment_is_approved() {
    let s = order_with("processed", "processed", "accredited", Some("123"))
        .sale()
        .unwrap();
    assert_eq!(s.verdict, Verdict::Approved);
    assert_eq!(s.approved_payment().unwrap().id, 123);
    assert_eq!(s.intent.status, Status::Closed);
    assert_eq!(s.intent.payment_ids(), vec![123]);
    // Processed, but without the payment id, or with another detail: check the terminal.
    for o in [
        order_with("processed", "processed", "accredited", None),
        order_with("processed", "processed", "waiting_payment", Some("123")),
        order_with("processed", "at_terminal", "at_terminal", Some("123")),
    ] {
        let s = o.sale().unwrap();
        assert_eq!(s.verdict, Verdict::ConfirmationRequired, "{o:?}");
        assert!(!s.is_paid());
    }
    let none: Order = serde_json::from_value(json!({"id": "ORD1", "status": "processed"})).unwrap();
    assert_eq!(none.sale().unwrap().verdict, Verdict::ConfirmationRequired);
    let s = order_with("failed", "failed", "rejected_by_issuer", Some("9"))
        .sale()
        .unwrap();
    assert_eq!(s.verdict, Verdict::Rejected);
    assert!(s.reason.contains("rejected_by_issuer"), "{}", s.reason);
    assert_eq!(s.payments[0].status, PaymentStatus::Rejected);
    let s = order_with("failed", "failed", "processing_error", None)
        .sale()
        .unwrap();
    assert_eq!(s.verdict, Verdict::Error);
    let s = order_with(
        "action_required",
        "action_required",
        "check_on_terminal",
        None,
    )
    .sale()
    .unwrap();
    assert_eq!(s.verdict, Verdict::ConfirmationRequired);
    assert_eq!(s.intent.status, Status::ConfirmationRequired);
    assert_eq!(
        order_with("expired", "expired", "expired", None)
            .sale()
            .unwrap()
            .verdict,
        Verdict::Expired
    );
    let partly = order_with("processed", "processed", "partially_refunded", Some("5"))
        .sale()
        .unwrap();
    assert_eq!(partly.verdict, Verdict::Approved);
    // Paid in instalments with interest: paid_amount exceeds the order's amount. The sale is paid
    // and its approved payment is the one for the order's amount (as the Payments API's
    // transaction_amount), so "paid" always comes with its payment.
    let o: Order = serde_json::from_value(json!({
        "id": "ORD1", "status": "processed", "status_detail": "accredited",
        "transactions": {"payments": [{"id": "PAY1", "amount": "10.00", "paid_amount": "11.20",
            "status": "processed", "status_detail": "accredited", "reference_id": "7"}]}
    }))
    .unwrap();
    let s = o.sale().unwrap();
    assert_eq!(s.verdict, Verdict::Approved);
    let p = s.approved_payment().expect("a paid sale names its payment");
    assert_eq!(p.transaction_amount, Some(Amount::parse("10.00").unwrap()));
}

#[test]
fn statuses_map_onto_the_shared_ones() {
    for (wire, status, final_) in [
        ("created", Status::Opened, false),
        ("at_terminal", Status::OnTerminal, false),
        ("processed", Status::Closed, true),
        ("failed", Status::Error, true),
        ("action_required", Status::ConfirmationRequired, true),
        ("canceled", Status::Canceled, true),
        ("expired", Status::Expired, true),
        ("refunded", Status::Closed, true),
    ] {
        let s = OrderStatus::parse(wire);
        assert_eq!(s.as_str(), wire);
        assert_eq!(s.to_status(), status, "{wire}");
        assert_eq!(s.to_status().is_final(), final_, "{wire}");
    }
    // Upper case is read too; an unknown status is kept and is not final.
    assert_eq!(OrderStatus::parse("PROCESSED"), OrderStatus::Processed);
    let u: Order = serde_json::from_value(json!({"id": "ORD1", "status": "on_hold"})).unwrap();
    assert_eq!(u.to_intent().status, Status::Unknown("on_hold".into()));
    assert!(!u.is_final());
    assert!(serde_json::from_value::<Order>(json!({"status": "created"})).is_err());
}

#[test]
fn every_documented_order_webhook_reads_as_an_intent_notification() {
    for (text, status, verdict) in [
        (
            fixture!("webhook_order_processed.json"),
            Status::Closed,
            Some(Verdict::Approved),
        ),
        (
            fixture!("webhook_order_processed_test.json"),
            Status::Closed,
            Some(Verdict::Approved),
        ),
        (
            fixture!("webhook_order_failed.json"),
            Status::Error,
            Some(Verdict::Rejected),
        ),
        (
            fixture!("webhook_order_refunded.json"),
            Status::Closed,
            Some(Verdict::Rejected),
        ),
        (
            fixture!("webhook_order_canceled.json"),
            Status::Canceled,
            Some(Verdict::Canceled),
        ),
        (
            fixture!("webhook_order_expired.json"),
            Status::Expired,
            Some(Verdict::Expired),
        ),
        (
            fixture!("webhook_order_action_required.json"),
            Status::ConfirmationRequired,
            Some(Verdict::ConfirmationRequired),
        ),
        (
            fixture!("webhook_order_action_required_minimal.json"),
            Status::ConfirmationRequired,
            None,
        ),
    ] {
        let v = json(text);
        assert!(is_order_notification(&v));
        let rewritten = notification_as_intent(v.clone()).unwrap();
        let intent: Intent = serde_json::from_value(rewritten["data"].clone()).unwrap();
        assert_eq!(intent.status, status, "{text}");
        assert_eq!(intent.id, v["data"]["id"].as_str().unwrap());
        assert!(rewritten["action"].as_str().unwrap().starts_with("order."));
        if let Some(verdict) = verdict {
            let order: Order = serde_json::from_value(v["data"].clone()).unwrap();
            assert_eq!(order.sale().unwrap().verdict, verdict, "{text}");
        }
    }
    // The processed webhook carries the payment id as reference.id.
    let v = json(fixture!("webhook_order_processed.json"));
    let order: Order = serde_json::from_value(v["data"].clone()).unwrap();
    assert_eq!(order.payments()[0].payment_id(), Some(123_456_789_980));
    assert_eq!(order.payments()[0].amount.unwrap().to_string(), "120.00");
    assert!(!is_order_notification(&json(include_str!(
        "../../../../tests/fixtures/notification_mla.json"
    ))));
}

#[test]
fn the_orders_409s_are_read_from_their_code() {
    use crate::transport::{Call, Transport, TransportSettings};
    let t = Transport::new(&TransportSettings::for_tests("http://127.0.0.1:9")).unwrap();
    let map = |code: &str, rule: crate::transport::ConflictRule, after| {
        let body = format!(r#"{{"errors":[{{"code":"{code}","message":"m"}}]}}"#);
        let call = Call::get("/x", "order 1").with_conflict(rule);
        t.map_status(&call, 409, body.as_bytes(), None, None, after)
    };
    let e = map("idempotency_key_already_used", ops::create_conflict, false);
    assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch);
    assert_eq!(e.api_error(), Some("idempotency_key_already_used"));
    assert_eq!(e.api_message(), Some("m"));
    assert!(e
        .message()
        .contains("already used with a different request"));
    let queued = "already_queued_order_for_terminal";
    assert_eq!(
        map(queued, ops::create_conflict, false).kind(),
        ErrorKind::AlreadyQueued
    );
    assert_eq!(
        map(queued, ops::create_conflict, true).kind(),
        ErrorKind::OutcomeUnknown
    );
    for code in ["cannot_cancel_order", "order_already_canceled", "other"] {
        assert_eq!(
            map(code, ops::cancel_conflict, false).kind(),
            ErrorKind::CannotCancel,
            "{code}"
        );
    }
    assert_eq!(
        map("something_else", ops::refund_conflict, false).kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        map("something_else", ops::create_conflict, false).kind(),
        ErrorKind::Conflict
    );
}

#[test]
fn an_order_can_be_canceled_through_the_api_until_it_ends() {
    use crate::api::PointApi;
    let o = Orders::default();
    assert!(o.can_cancel(&Status::Opened));
    assert!(o.can_cancel(&Status::OnTerminal));
    for s in [Status::Closed, Status::Canceled, Status::Error] {
        assert!(!o.can_cancel(&s), "{s}");
    }
}
