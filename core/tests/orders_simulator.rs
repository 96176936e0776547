//! The simulator's Orders API at the HTTP level, checked against Mercado Pago's pages: the
//! documented request is accepted and answered with the documented fields, every documented error
//! is given, keys are required and honoured, the terminal plays the outcome the cents choose, cancel
//! and refund follow the documented states, terminals are listed and set up, and `order` webhooks
//! are signed. Uses reqwest's blocking client (never inside a tokio runtime).

use std::time::{Duration, Instant};

use mppoint::webhook::{verify, VerifyOptions};
use mppoint_simulator::{CardOutcome, Simulator, SimulatorConfig};
use serde_json::{json, Value};

mod common;
use common::receiver;

const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const DEV2: &str = "PAX_A910__SMARTPOS0000000002";
const DEV3: &str = "NEWLAND_N950__N950NCB000000003";

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        step_delay: Duration::from_millis(20),
        ..SimulatorConfig::default()
    }
}

struct Api {
    sim: Simulator,
    http: reqwest::blocking::Client,
}

struct Resp {
    status: u16,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// Checks the Orders error shape and returns the code.
    fn code(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        let e = &v["errors"][0];
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        e["code"].as_str().unwrap().to_string()
    }
}

impl Api {
    fn start(cfg: SimulatorConfig) -> Api {
        Api {
            sim: Simulator::start(cfg).unwrap(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(self.sim.access_token());
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = rb.send().unwrap();
        Resp {
            status: r.status().as_u16(),
            body: r.text().unwrap(),
        }
    }

    fn create_keyed(&self, body: &Value, key: &str) -> Resp {
        self.send(
            reqwest::Method::POST,
            "/v1/orders",
            Some(&body.to_string()),
            &[("X-Idempotency-Key", key)],
        )
    }

    fn create(&self, body: &Value) -> Resp {
        self.create_keyed(body, &uuid::Uuid::new_v4().to_string())
    }

    fn get(&self, id: &str) -> Value {
        let r = self.send(reqwest::Method::GET, &format!("/v1/orders/{id}"), None, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    fn post(&self, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Resp {
        self.send(reqwest::Method::POST, path, body, headers)
    }

    /// Polls the order until its status is one of `statuses` (a generous deadline, not a timing
    /// assertion: it only keeps a broken simulator from hanging the test).
    fn until(&self, id: &str, statuses: &[&str]) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let o = self.get(id);
            if statuses.contains(&o["status"].as_str().unwrap()) {
                return o;
            }
            assert!(Instant::now() < deadline, "order {id} stuck at {o}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn order(amount: &str, terminal: &str) -> Value {
    json!({
        "type": "point",
        "external_reference": "ext_ref_1234",
        "transactions": { "payments": [ { "amount": amount } ] },
        "config": { "point": { "terminal_id": terminal, "print_on_terminal": "no_ticket" } },
        "description": "Point Smart 2"
    })
}

#[test]
fn the_documented_create_is_answered_with_the_documented_fields() {
    let api = Api::start(fast());
    let mut doc: Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/orders/create_request.json"
    ))
    .unwrap();
    doc["config"]["point"]["terminal_id"] = json!(DEV1);
    doc["transactions"]["payments"][0]["amount"] = json!("50.44"); // held on the terminal
    let r = api.create(&doc);
    assert_eq!(r.status, 201, "{}", r.body);
    let o = r.json();
    let id = o["id"].as_str().unwrap();
    assert!(id.starts_with("ORD") && id.len() == 29, "{id}");
    for (field, want) in [
        ("type", json!("point")),
        ("external_reference", json!("ext_ref_1234")),
        ("description", json!("Smartphone")),
        ("expiration_time", json!("PT16M")),
        ("processing_mode", json!("automatic")),
        ("status", json!("created")),
        ("status_detail", json!("created")),
    ] {
        assert_eq!(o[field], want, "{field}");
    }
    assert!(o["user_id"].is_string());
    assert_eq!(o["config"], doc["config"]);
    assert_eq!(o["integration_data"]["sponsor"]["id"], json!("446566691"));
    assert!(o["integration_data"]["application_id"].is_string());
    let p = &o["transactions"]["payments"][0];
    assert!(p["id"].as_str().unwrap().starts_with("PAY"));
    assert_eq!(
        (p["amount"].clone(), p["status"].clone()),
        (json!("50.44"), json!("created"))
    );
    assert!(o["created_date"].as_str().unwrap().ends_with('Z'));
    // The default expiration is 15 minutes.
    let o2 = api.create(&order("10.44", DEV2)).json();
    assert_eq!(o2["expiration_time"], json!("PT15M"));
    // The terminal picks it up.
    assert_eq!(
        api.until(id, &["at_terminal"])["transactions"]["payments"][0]["status"],
        json!("at_terminal")
    );
}

#[test]
fn keys_are_required_and_honoured_on_create() {
    let api = Api::start(fast());
    let r = api.send(
        reqwest::Method::POST,
        "/v1/orders",
        Some(&order("10.44", DEV1).to_string()),
        &[],
    );
    assert_eq!(r.code(400), "empty_required_header");
    let first = api.create_keyed(&order("10.44", DEV1), "key-1");
    assert_eq!(first.status, 201);
    // The same request again (keys in another order): the first answer, no second order.
    let mut again: serde_json::Map<String, Value> = serde_json::Map::new();
    let o = order("10.44", DEV1);
    for k in [
        "description",
        "config",
        "transactions",
        "external_reference",
        "type",
    ] {
        again.insert(k.into(), o[k].clone());
    }
    let second = api.create_keyed(&Value::Object(again), "key-1");
    assert_eq!(second.status, 201);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(api.sim.counters().intents_created_with_key("key-1"), 1);
    // The same key with another body.
    let r = api.create_keyed(&order("10.45", DEV1), "key-1");
    assert_eq!(r.code(409), "idempotency_key_already_used");
    // A new key for the busy terminal.
    let r = api.create(&order("10.44", DEV1));
    assert_eq!(r.code(409), "already_queued_order_for_terminal");
    assert_eq!(api.sim.counters().intents_created, 1);
}

#[test]
fn every_documented_create_error() {
    let api = Api::start(fast());
    let with = |f: &dyn Fn(&mut Value)| {
        let mut o = order("10.00", DEV1);
        f(&mut o);
        o
    };
    for (body, status, code) in [
        (
            with(&|o| o["external_reference"] = json!("ext ref")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["external_reference"] = json!("r".repeat(65))),
            400,
            "property_value",
        ),
        (
            with(&|o| {
                o.as_object_mut().unwrap().remove("external_reference");
            }),
            400,
            "required_properties",
        ),
        (
            with(&|o| {
                o.as_object_mut().unwrap().remove("transactions");
            }),
            400,
            "required_properties",
        ),
        (with(&|o| o["type"] = json!("qr")), 400, "property_value"),
        (
            with(&|o| o["currency"] = json!("BRL")),
            400,
            "unsupported_properties",
        ),
        (
            with(&|o| o["config"]["point"]["ticket_number"] = json!("T1")),
            400,
            "unsupported_properties",
        ),
        (
            with(&|o| o["transactions"]["payments"][0]["amount"] = json!(10.0)),
            400,
            "property_type",
        ),
        (
            with(&|o| o["transactions"]["payments"][0]["amount"] = json!("10.5")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["transactions"]["payments"][0]["amount"] = json!("0.00")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["transactions"]["payments"][0]["amount"] = json!("70000.01")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["transactions"]["payments"] = json!([])),
            400,
            "minimum_items",
        ),
        (
            with(&|o| {
                o["transactions"]["payments"] = json!([{"amount": "1.00"}, {"amount": "1.00"}])
            }),
            400,
            "maximum_items",
        ),
        (
            with(&|o| o["expiration_time"] = json!("PT29S")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["expiration_time"] = json!("PT3H1S")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["description"] = json!("d".repeat(151))),
            400,
            "property_value",
        ),
        (
            with(&|o| o["config"]["point"]["print_on_terminal"] = json!("SELLER_TICKET")),
            400,
            "property_value",
        ),
        (
            with(&|o| o["config"]["point"]["terminal_id"] = json!("PAX_A910__NOTOURS")),
            403,
            "forbidden_checking_terminal_owner",
        ),
        (
            with(&|o| o["config"]["point"]["terminal_id"] = json!(DEV3)),
            400,
            "property_value",
        ),
    ] {
        let r = api.create(&body);
        assert_eq!(r.code(status), code, "{body}");
    }
    let r = api.post(
        "/v1/orders",
        Some("{\"type\":"),
        &[("X-Idempotency-Key", "k")],
    );
    assert_eq!(r.code(400), "json_syntax_error");
    assert_eq!(api.sim.counters().intents_created, 0);
    // Accepted: the boundaries.
    let ok = with(&|o| {
        o["external_reference"] = json!("A-z_0".repeat(12));
        o["expiration_time"] = json!("PT3H");
        o["transactions"]["payments"][0]["amount"] = json!("12");
    });
    assert_eq!(api.create(&ok).status, 201);
}

#[test]
fn the_cents_choose_what_the_terminal_does() {
    let api = Api::start(SimulatorConfig {
        time_factor: 40, // action_required 40 s after processing starts: 1 s here
        ..fast()
    });
    for (amount, terminal, status, detail, p_status, p_detail) in [
        (
            "10.00",
            DEV1,
            "processed",
            "accredited",
            "processed",
            "accredited",
        ),
        (
            "10.13",
            DEV2,
            "failed",
            "failed",
            "failed",
            "rejected_by_issuer",
        ),
        (
            "10.66",
            DEV1,
            "failed",
            "failed",
            "failed",
            "processing_error",
        ),
        (
            "10.88",
            DEV2,
            "canceled",
            "canceled",
            "canceled",
            "canceled_on_terminal",
        ),
        (
            "10.77",
            DEV1,
            "action_required",
            "check_on_terminal",
            "action_required",
            "check_on_terminal",
        ),
    ] {
        let id = api.create(&order(amount, terminal)).json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let o = api.until(&id, &[status]);
        assert_eq!(o["status_detail"], json!(detail), "{amount}");
        let p = &o["transactions"]["payments"][0];
        assert_eq!(
            (
                p["status"].as_str().unwrap(),
                p["status_detail"].as_str().unwrap()
            ),
            (p_status, p_detail),
            "{amount}"
        );
        if amount == "10.00" {
            assert_eq!(p["paid_amount"], json!("10.00"));
            // The payment id is readable in the Payments API.
            let pid = p["reference_id"].as_str().unwrap();
            let pay = api.send(
                reqwest::Method::GET,
                &format!("/v1/payments/{pid}"),
                None,
                &[],
            );
            assert_eq!(pay.status, 200);
            assert_eq!(pay.json()["status"], json!("approved"));
        }
    }
}

#[test]
fn an_unclaimed_order_expires_after_its_expiration_time() {
    let api = Api::start(SimulatorConfig {
        time_factor: 30,
        ..fast()
    });
    let mut o = order("10.99", DEV1); // never picked up
    o["expiration_time"] = json!("PT30S"); // 1 s here
    let id = api.create(&o).json()["id"].as_str().unwrap().to_string();
    let o = api.until(&id, &["expired"]);
    assert_eq!(o["status_detail"], json!("expired"));
    // The terminal is free again.
    assert_eq!(api.create(&order("10.00", DEV1)).status, 201);
}

#[test]
fn cancel_follows_the_documented_states() {
    let api = Api::start(fast());
    let id = api.create(&order("10.99", DEV1)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/orders/{id}/cancel");
    assert_eq!(
        api.post(&path, None, &[]).code(400),
        "empty_required_header"
    );
    let r = api.post(&path, None, &[("X-Idempotency-Key", "c1")]);
    assert_eq!(r.status, 200, "{}", r.body);
    let o = r.json();
    assert_eq!(
        (o["status"].clone(), o["status_detail"].clone()),
        (json!("canceled"), json!("canceled"))
    );
    assert_eq!(
        o["transactions"]["payments"][0]["status_detail"],
        json!("canceled_by_api")
    );
    // The same key again: the same answer; a new key: already canceled.
    assert_eq!(
        api.post(&path, None, &[("X-Idempotency-Key", "c1")]).status,
        200
    );
    assert_eq!(
        api.post(&path, None, &[("X-Idempotency-Key", "c2")])
            .code(409),
        "order_already_canceled"
    );
    let r = api.post(
        "/v1/orders/ORD00000000000000000000000000/cancel",
        None,
        &[("X-Idempotency-Key", "c3")],
    );
    assert_eq!(r.code(404), "order_not_found");

    // On the terminal: refused without the header, accepted (202) with it.
    let id = api.create(&order("10.44", DEV2)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.until(&id, &["at_terminal"]);
    let path = format!("/v1/orders/{id}/cancel");
    assert_eq!(
        api.post(&path, None, &[("X-Idempotency-Key", "t1")])
            .code(409),
        "cannot_cancel_order"
    );
    let r = api.post(
        &path,
        None,
        &[
            ("X-Idempotency-Key", "t2"),
            ("x-allow-cancelable-status", "at_terminal"),
        ],
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let o = r.json();
    assert_eq!(o["status"], json!("at_terminal"));
    assert_eq!(
        o["transactions"]["payments"][0]["status_detail"],
        json!("cancellation_requested")
    );
    let o = api.until(&id, &["canceled"]);
    assert_eq!(
        o["transactions"]["payments"][0]["status_detail"],
        json!("canceled_by_api")
    );

    // Ended otherwise: cannot cancel.
    let id = api.create(&order("10.00", DEV1)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.until(&id, &["processed"]);
    let r = api.post(
        &format!("/v1/orders/{id}/cancel"),
        None,
        &[
            ("X-Idempotency-Key", "p1"),
            ("x-allow-cancelable-status", "at_terminal"),
        ],
    );
    assert_eq!(r.code(409), "cannot_cancel_order");
}

#[test]
fn refunds_partial_then_full() {
    let api = Api::start(fast());
    let id = api.create(&order("24.90", DEV1)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = api.until(&id, &["processed"]);
    let pay_id = o["transactions"]["payments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pid = o["transactions"]["payments"][0]["reference_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/orders/{id}/refund");
    assert_eq!(
        api.post(&path, None, &[]).code(400),
        "empty_required_header"
    );
    let partial = json!({"transactions": [{"id": pay_id, "amount": "10.00"}]}).to_string();
    let r = api.post(&path, Some(&partial), &[("X-Idempotency-Key", "r1")]);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["status"].clone(), v["status_detail"].clone()),
        (json!("processed"), json!("partially_refunded"))
    );
    assert_eq!(v["transactions"]["refunds"][0]["amount"], json!("10.00"));
    assert_eq!(
        v["transactions"]["refunds"][0]["transaction_id"],
        json!(pay_id)
    );
    // Replayed with its key: not refunded twice.
    assert_eq!(
        api.post(&path, Some(&partial), &[("X-Idempotency-Key", "r1")])
            .json(),
        v
    );
    let too_much = json!({"transactions": [{"id": pay_id, "amount": "15.00"}]}).to_string();
    assert_eq!(
        api.post(&path, Some(&too_much), &[("X-Idempotency-Key", "r2")])
            .code(400),
        "refund_amount_exceeds"
    );
    let r = api.post(&path, None, &[("X-Idempotency-Key", "r3")]);
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["status"], json!("refunded"));
    assert_eq!(
        r.json()["transactions"]["refunds"][0]["amount"],
        json!("14.90")
    );
    let o = api.get(&id);
    assert_eq!(
        o["transactions"]["payments"][0]["refunded_amount"],
        json!("24.90")
    );
    assert_eq!(o["transactions"]["refunds"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.post(&path, None, &[("X-Idempotency-Key", "r4")])
            .code(409),
        "order_already_refunded"
    );
    // The Payments API sees the same refunds.
    let pay = api
        .send(
            reqwest::Method::GET,
            &format!("/v1/payments/{pid}"),
            None,
            &[],
        )
        .json();
    assert_eq!(pay["status"], json!("refunded"));
}

#[test]
fn terminals_are_listed_and_set_up() {
    let api = Api::start(fast());
    let r = api.send(reqwest::Method::GET, "/terminals/v1/list", None, &[]);
    assert_eq!(r.status, 200);
    let v = r.json();
    let ts = v["data"]["terminals"].as_array().unwrap();
    assert_eq!(ts.len(), 3);
    assert_eq!(v["paging"], json!({"total": 3, "offset": 0, "limit": 50}));
    assert_eq!(ts[0]["id"], json!(DEV1));
    assert!(ts[0]["pos_id"].is_i64());
    assert!(ts[0]["store_id"].is_string());
    assert_eq!(ts[0]["external_pos_id"], json!("SUC001POS001"));
    assert_eq!(ts[2]["operating_mode"], json!("STANDALONE"));
    let page = api
        .send(
            reqwest::Method::GET,
            "/terminals/v1/list?limit=1&offset=1",
            None,
            &[],
        )
        .json();
    assert_eq!(page["data"]["terminals"][0]["id"], json!(DEV2));
    let pos = ts[1]["pos_id"].as_i64().unwrap();
    let one = api
        .send(
            reqwest::Method::GET,
            &format!("/terminals/v1/list?pos_id={pos}"),
            None,
            &[],
        )
        .json();
    assert_eq!(one["data"]["terminals"].as_array().unwrap().len(), 1);
    for q in ["limit=51", "limit=0", "pos_id=abc"] {
        let r = api.send(
            reqwest::Method::GET,
            &format!("/terminals/v1/list?{q}"),
            None,
            &[],
        );
        assert_eq!(r.code(400), "property_value", "{q}");
    }
    let setup = |id: &str, mode: &str| {
        api.send(
            reqwest::Method::PATCH,
            "/terminals/v1/setup",
            Some(&json!({"terminals": [{"id": id, "operating_mode": mode}]}).to_string()),
            &[],
        )
    };
    let r = setup(DEV1, "STANDALONE");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"terminals": [{"id": DEV1, "operating_mode": "STANDALONE"}]})
    );
    assert_eq!(
        api.create(&order("10.00", DEV1)).code(400),
        "property_value"
    );
    assert_eq!(setup(DEV1, "PDV").status, 200);
    assert_eq!(setup(DEV1, "KIOSK").code(400), "property_value");
    assert_eq!(setup("PAX_A910__NOPE", "PDV").code(404), "not_found");
    // A terminal linked to no POS cannot be put in PDV mode.
    assert_eq!(setup(DEV3, "PDV").code(403), "store_pos_not_found");
}

/// The rule the intents' terminal keeps holds for orders too: after a mode change the terminal
/// runs in its old mode until it restarts, so an order sent to a terminal switched to PDV but not
/// restarted stays `created`; the restart lets it go on. The Orders pages do not mention the
/// restart, so the promise is checked under both readings: the harsher default (the terminal
/// waits for a restart) and a terminal that restarts by itself at once.
#[test]
fn a_terminal_switched_to_pdv_picks_orders_up_only_after_a_restart() {
    use mppoint::{Amount, Client, ErrorKind, IntentRequest, Status, Target, WaitOptions};
    for restarts_by_itself in [false, true] {
        let api = Api::start(SimulatorConfig {
            mode_change_restart: restarts_by_itself.then_some(Duration::ZERO),
            ..fast()
        });
        let setup = |mode: &str| {
            let body = json!({"terminals": [{"id": DEV2, "operating_mode": mode}]}).to_string();
            let r = api.send(
                reqwest::Method::PATCH,
                "/terminals/v1/setup",
                Some(&body),
                &[],
            );
            assert_eq!(r.status, 200, "{}", r.body);
        };
        setup("STANDALONE");
        api.sim.restart_device(DEV2).unwrap();
        setup("PDV");
        let c = Client::builder(api.sim.access_token())
            .base_url(api.sim.base_url())
            .api(mppoint::Api::Orders)
            .no_proxy()
            .build()
            .unwrap();
        let req = IntentRequest::new(Amount::parse("10.00").unwrap(), "Sale", "order-restart");
        let order = c.create_intent(&Target::Device(DEV2.into()), &req).unwrap();
        if !restarts_by_itself {
            // Many pickup delays (20 ms each) pass; the terminal, still in STANDALONE, fetches
            // nothing, and the wait says what to check.
            let opts = WaitOptions::new()
                .poll_interval(Duration::from_millis(20))
                .timeout(Duration::from_millis(400));
            let e = c.wait_for_final(&order.id, &opts).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WaitTimeout, "{e}");
            assert!(e.message().contains("PDV mode"), "{e}");
            assert_eq!(api.get(&order.id)["status"], json!("created"));
            api.sim.restart_device(DEV2).unwrap();
        }
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_millis(20))
            .timeout(Duration::from_secs(30));
        assert_eq!(
            c.wait_for_final(&order.id, &opts).unwrap().status,
            Status::Closed,
            "restarts by itself: {restarts_by_itself}"
        );
        assert!(c.sale_for(&order.id).unwrap().is_paid());
    }
}

#[test]
fn the_control_api_works_on_orders() {
    let api = Api::start(fast());
    let id = api.create(&order("10.44", DEV1)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.until(&id, &["at_terminal"]);
    api.sim.present_card(&id, CardOutcome::Rejected).unwrap();
    assert_eq!(
        api.until(&id, &["failed"])["transactions"]["payments"][0]["status_detail"],
        json!("rejected_by_issuer")
    );
    let id = api.create(&order("10.00", DEV2)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.sim.cancel_on_terminal(&id).unwrap();
    assert_eq!(api.get(&id)["status"], json!("canceled"));
    assert!(api.sim.cancel_on_terminal(&id).is_err());
}

#[test]
fn order_webhooks_are_signed_and_shaped_as_documented() {
    let (url, rx) = receiver("/hooks", vec![]);
    let api = Api::start(SimulatorConfig {
        webhook_urls: vec![url],
        ..fast()
    });
    let id = api.create(&order("10.00", DEV1)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a notification");
    assert_eq!(got.query(), format!("data.id={id}&type=order"));
    let sig = got.header("x-signature").unwrap();
    let ts = sig.split(',').next().unwrap().strip_prefix("ts=").unwrap();
    assert_eq!(
        ts.len(),
        13,
        "milliseconds, as the documented order example: {sig}"
    );
    verify(
        api.sim.webhook_secret(),
        Some(sig),
        got.header("x-request-id"),
        Some(&id),
        &VerifyOptions::default(),
    )
    .expect("signed with the application's secret");
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(v["type"], json!("order"));
    assert_eq!(v["action"], json!("order.processed"));
    assert_eq!(v["data"]["id"], json!(id));
    assert_eq!(v["data"]["status_detail"], json!("accredited"));
    assert_eq!(v["data"]["total_paid_amount"], json!("10.00"));
    let p = &v["data"]["transactions"]["payments"][0];
    assert!(p["reference"]["id"].is_string(), "{v}");
    assert!(p.get("reference_id").is_none());
}
