//! The simulator's newer Point endpoints at the HTTP level, checked against Mercado Pago's pages
//! (`shared/point-features.md`): the sandbox's `POST /v1/orders/{id}/events`, the Print API
//! (`/terminals/v1/actions`), tips and the partial-refund errors, the `UNDEFINED` mode in the
//! terminals list, the Terminals API's 500 `internal_error`, and the 15-minute expiry of
//! abandoned intents. Uses reqwest's blocking client (never inside a tokio runtime).

use std::time::{Duration, Instant};

use base64::Engine as _;
use mppoint::device::OperatingMode;
use mppoint_simulator::{
    Endpoint, FaultKind, FaultRule, PrintOutcome, SimDevice, Simulator, SimulatorConfig,
};
use serde_json::{json, Value};

mod common;
use common::receiver;

const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const DEV3: &str = "NEWLAND_N950__N950NCB000000003";
const SBX: &str = "NEWLAND_N950__SBX0000001";

fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        step_delay: Duration::from_millis(20),
        // The sandbox's 10 s (40 s for action_required) become 50 ms (200 ms).
        time_factor: 200,
        ..SimulatorConfig::default()
    }
    .with_sandbox_terminal()
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
                .no_proxy()
                .build()
                .unwrap(),
        }
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        key: Option<&str>,
    ) -> Resp {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(self.sim.access_token());
        if let Some(k) = key {
            rb = rb.header("X-Idempotency-Key", k);
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

    fn post(&self, path: &str, body: &Value, key: Option<&str>) -> Resp {
        self.send(reqwest::Method::POST, path, Some(&body.to_string()), key)
    }

    fn create(&self, amount: &str, terminal: &str) -> String {
        let body = json!({
            "type": "point",
            "external_reference": "ext_ref_1234",
            "transactions": { "payments": [ { "amount": amount } ] },
            "config": { "point": { "terminal_id": terminal, "print_on_terminal": "no_ticket" } },
        });
        let key = uuid::Uuid::new_v4().to_string();
        let r = self.post("/v1/orders", &body, Some(&key));
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }

    fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, None, None)
    }

    fn order(&self, id: &str) -> Value {
        let r = self.get(&format!("/v1/orders/{id}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// Polls until the order reads one of `statuses`, returning every status seen on the way (a
    /// generous deadline that only keeps a broken simulator from hanging the test).
    fn until(&self, id: &str, statuses: &[&str]) -> (Value, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen: Vec<String> = Vec::new();
        loop {
            let o = self.order(id);
            let s = o["status"].as_str().unwrap().to_string();
            if seen.last() != Some(&s) {
                seen.push(s.clone());
            }
            if statuses.contains(&s.as_str()) {
                return (o, seen);
            }
            assert!(Instant::now() < deadline, "order {id} stuck at {o}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn event(&self, id: &str, body: Value) -> Resp {
        self.post(&format!("/v1/orders/{id}/events"), &body, None)
    }
}

#[test]
fn the_sandbox_drives_an_order_through_at_terminal_to_each_documented_status() {
    let api = Api::start(fast());
    let cases = [
        (
            json!({"status": "processed", "payment_method_type": "credit_card", "installments": 3, "payment_method_id": "visa", "status_detail": "accredited"}),
            "processed",
            "accredited",
            "processed",
            "accredited",
        ),
        (
            json!({"status": "failed", "payment_method_type": "debit_card", "payment_method_id": "debvisa", "status_detail": "bad_filled_card_data"}),
            "failed",
            "failed",
            "failed",
            "bad_filled_card_data",
        ),
        (
            json!({"status": "canceled"}),
            "canceled",
            "canceled",
            "canceled",
            "canceled_on_terminal",
        ),
        (
            json!({"status": "expired"}),
            "expired",
            "expired",
            "expired",
            "expired",
        ),
        (
            json!({"status": "action_required"}),
            "action_required",
            "check_on_terminal",
            "action_required",
            "check_on_terminal",
        ),
    ];
    for (body, status, detail, p_status, p_detail) in cases {
        let id = api.create("24.90", SBX);
        // The virtual terminal fetches nothing by itself.
        assert_eq!(api.order(&id)["status"], json!("created"));
        let r = api.event(&id, body.clone());
        assert_eq!((r.status, r.body.as_str()), (204, ""), "{body}");
        let (o, seen) = api.until(&id, &[status]);
        assert_eq!(seen.first().map(String::as_str), Some("created"));
        assert!(
            seen.iter().any(|s| s == "at_terminal"),
            "{status}: at_terminal comes first, seen {seen:?}"
        );
        assert_eq!(o["status_detail"], json!(detail), "{o}");
        let p = &o["transactions"]["payments"][0];
        assert_eq!(
            (p["status"].clone(), p["status_detail"].clone()),
            (json!(p_status), json!(p_detail)),
            "{o}"
        );
        if status == "processed" {
            assert_eq!(
                p["payment_method"],
                json!({"type": "credit_card", "installments": 3, "id": "visa"})
            );
            assert_eq!(p["paid_amount"], json!("24.90"));
            assert_eq!(p["tip_amount"], json!("0.00"));
            assert!(p["reference_id"].as_str().is_some(), "{o}");
            // refunded: directly, only from processed.
            let r = api.event(&id, json!({"status": "refunded"}));
            assert_eq!(r.status, 204, "{}", r.body);
            let o = api.order(&id);
            assert_eq!(o["status"], json!("refunded"));
            assert_eq!(
                o["transactions"]["payments"][0]["refunded_amount"],
                json!("24.90")
            );
            // Nothing moves out of refunded.
            assert_eq!(
                api.event(&id, json!({"status": "processed"})).code(400),
                "bad_request"
            );
        } else {
            assert_eq!(
                api.event(&id, json!({"status": "refunded"})).code(400),
                "bad_request"
            );
            assert_eq!(
                api.event(&id, json!({"status": "processed"})).code(400),
                "bad_request"
            );
        }
        if status == "failed" {
            assert_eq!(p["payment_method"]["id"], json!("debvisa"));
        }
    }
}

#[test]
fn the_sandbox_refuses_what_the_reference_refuses() {
    let api = Api::start(fast());
    let id = api.create("10.00", SBX);
    assert_eq!(
        api.event("ORD1", json!({"status": "processed"})).code(400),
        "bad_request"
    );
    assert_eq!(
        api.event(
            "ORD00000000000000000000000000",
            json!({"status": "processed"})
        )
        .code(404),
        "order_not_found"
    );
    for bad in [
        json!({}),
        json!({"status": "approved"}),
        json!({"status": "processed", "status_detail": "insufficient_amount"}),
        json!({"status": "canceled", "payment_method_id": "visa"}),
        json!({"status": "processed", "payment_method_type": "debit_card", "installments": 2}),
        json!({"status": "processed", "fizz": 1, "buzz": 2}),
        json!({"status": "refunded"}),
    ] {
        assert_eq!(
            api.event(&id, bad.clone()).code(400),
            "bad_request",
            "{bad}"
        );
    }
    // Nothing was simulated by the refused requests.
    assert_eq!(api.order(&id)["status"], json!("created"));
    // An order already being simulated takes no second event.
    assert_eq!(api.event(&id, json!({"status": "expired"})).status, 204);
    assert_eq!(
        api.event(&id, json!({"status": "processed"})).code(400),
        "bad_request"
    );
    let r = api
        .http
        .post(format!("{}/v1/orders/{id}/events", api.sim.base_url()))
        .body("{\"status\":\"processed\"}")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[test]
fn only_test_credentials_may_simulate() {
    let prod = Api::start(SimulatorConfig {
        access_token: "APP_USR-1234567890-production".into(),
        ..fast()
    });
    let id = prod.create("10.00", SBX);
    assert_eq!(
        prod.event(&id, json!({"status": "processed"})).code(403),
        "forbidden"
    );
    // A test user's production token is a test credential once the account is declared one.
    let test_user = Api::start(SimulatorConfig {
        access_token: "APP_USR-1234567890-test-user".into(),
        test_account: true,
        ..fast()
    });
    let id = test_user.create("10.00", SBX);
    assert_eq!(
        test_user.event(&id, json!({"status": "processed"})).status,
        204
    );
    test_user.until(&id, &["processed"]);
}

#[test]
fn the_sandbox_sends_the_order_webhook() {
    let (url, rx) = receiver("/hook", vec![]);
    let api = Api::start(SimulatorConfig {
        webhook_urls: vec![url],
        ..fast()
    });
    let id = api.create("10.00", SBX);
    assert_eq!(api.event(&id, json!({"status": "canceled"})).status, 204);
    let got = rx.recv_timeout(Duration::from_secs(20)).expect("a webhook");
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(v["action"], json!("order.canceled"));
    assert_eq!(v["data"]["id"], json!(id));
}

fn receipt(name: &str) -> String {
    let mut s = format!(
        "{{br}}{{center}}{{w}}MPPOINT{{/w}}{{/center}}{{br}}{{b}}Customer:{{/b}} {name}{{br}}"
    );
    while s.chars().count() < 120 {
        s.push_str("{s}thank you{/s}{br}");
    }
    s
}

fn print_body(terminal: &str, subtype: &str, content: &str) -> Value {
    json!({
        "type": "print",
        "external_reference": "ext_ref_1234",
        "config": { "point": { "terminal_id": terminal, "subtype": subtype } },
        "content": content,
    })
}

#[test]
fn print_actions_are_created_fetched_and_printed() {
    let api = Api::start(fast());
    let body = print_body(DEV1, "custom", &receipt("Ana"));
    assert_eq!(
        api.post("/terminals/v1/actions", &body, None).code(400),
        "empty_required_header"
    );
    let r = api.post("/terminals/v1/actions", &body, Some("p1"));
    assert_eq!(r.status, 201, "{}", r.body);
    let a = r.json();
    assert_eq!(a["type"], json!("print"));
    assert_eq!(a["status"], json!("created"));
    assert_eq!(a["external_reference"], json!("ext_ref_1234"));
    assert_eq!(
        a["config"]["point"],
        json!({"terminal_id": DEV1, "subtype": "custom"})
    );
    assert!(a["created_date"].as_str().is_some());
    let id = a["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    // The same key and body: the same action; another body: 409.
    assert_eq!(
        api.post("/terminals/v1/actions", &body, Some("p1")).json()["id"],
        json!(id)
    );
    let other = print_body(DEV1, "custom", &receipt("Bia"));
    assert_eq!(
        api.post("/terminals/v1/actions", &other, Some("p1"))
            .code(409),
        "idempotency_key_already_used"
    );
    // The PDV terminal fetches it by itself, then prints it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let s = api.get(&format!("/terminals/v1/actions/{id}")).json()["status"]
            .as_str()
            .unwrap()
            .to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "processed" {
            break;
        }
        assert!(Instant::now() < deadline, "stuck: {seen:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(seen.first().map(String::as_str), Some("created"));
    // Printed: too late to cancel.
    assert_eq!(
        api.post(
            &format!("/terminals/v1/actions/{id}/cancel"),
            &json!({}),
            Some("c1")
        )
        .code(409),
        "cannot_cancel_order"
    );
    assert_eq!(
        api.get("/terminals/v1/actions/3f1b0c2e-0000-4000-8000-000000000000")
            .code(404),
        "order_not_found"
    );
}

#[test]
fn a_created_print_action_can_be_canceled_and_the_control_api_ends_others() {
    let api = Api::start(fast());
    // A STANDALONE terminal fetches nothing: the action stays created.
    let id = api
        .post(
            "/terminals/v1/actions",
            &print_body(DEV3, "custom", &receipt("Ana")),
            Some("k"),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cancel = format!("/terminals/v1/actions/{id}/cancel");
    assert_eq!(
        api.post(&cancel, &json!({}), None).code(400),
        "empty_required_header"
    );
    assert_eq!(
        api.post(
            "/terminals/v1/actions/not-a-uuid/cancel",
            &json!({}),
            Some("x")
        )
        .code(400),
        "invalid_path_param"
    );
    let r = api.send(reqwest::Method::POST, &cancel, None, Some("c"));
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    assert_eq!(
        api.get(&format!("/terminals/v1/actions/{id}")).json()["status"],
        json!("canceled")
    );
    // The same cancel again with its key: the same answer.
    assert_eq!(
        api.send(reqwest::Method::POST, &cancel, None, Some("c"))
            .status,
        200
    );

    let id = api
        .post(
            "/terminals/v1/actions",
            &print_body(DEV1, "custom", &receipt("Bia")),
            Some("k2"),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.sim.hold_print(&id).unwrap();
    api.sim.finish_print(&id, PrintOutcome::Failed).unwrap();
    assert_eq!(
        api.get(&format!("/terminals/v1/actions/{id}")).json()["status"],
        json!("failed")
    );
    assert!(api.sim.finish_print(&id, PrintOutcome::Processed).is_err());
}

#[test]
fn print_content_follows_the_reference() {
    let api = Api::start(fast());
    let png = {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend_from_slice(&[0; 64]);
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    assert_eq!(
        api.post(
            "/terminals/v1/actions",
            &print_body(DEV1, "image", &png),
            Some("i1")
        )
        .status,
        201
    );
    let mut huge = b"\x89PNG".to_vec();
    huge.resize(1_000_001, 0);
    let huge = base64::engine::general_purpose::STANDARD.encode(huge);
    let cases: Vec<(Value, &str)> = vec![
        (print_body(DEV1, "image", &huge), "property_value"),
        (print_body(DEV1, "image", "R0lGODlh"), "property_value"),
        (print_body(DEV1, "custom", "{b}short{/b}"), "property_value"),
        (
            print_body(DEV1, "custom", &"x".repeat(150)),
            "property_value",
        ),
        (
            print_body(DEV1, "custom", &receipt("{/b}{w}Injected")),
            "property_value",
        ),
        (
            print_body(DEV1, "custom", &"{br}x".repeat(1000)),
            "property_value",
        ),
        (
            print_body(DEV1, "invoice", &receipt("Ana")),
            "property_value",
        ),
        (
            print_body("SMARTPOS1", "custom", &receipt("Ana")),
            "property_value",
        ),
        (
            json!({"type": "PRINT_INFO", "external_reference": "a", "config": {"point": {"terminal_id": DEV1, "subtype": "custom"}}, "content": receipt("A")}),
            "property_value",
        ),
        (
            json!({"type": "print", "config": {"point": {"terminal_id": DEV1, "subtype": "custom"}}, "content": receipt("A")}),
            "required_properties",
        ),
        (
            json!({"type": "print", "external_reference": "a b", "config": {"point": {"terminal_id": DEV1, "subtype": "custom"}}, "content": receipt("A")}),
            "property_value",
        ),
        (
            json!({"type": "print", "external_reference": "a", "config": {"device_id": DEV1}, "content": {"source": "https://x"}}),
            "unsupported_properties",
        ),
    ];
    for (i, (body, code)) in cases.into_iter().enumerate() {
        let r = api.post("/terminals/v1/actions", &body, Some(&format!("bad{i}")));
        assert_eq!(r.code(400), code, "case {i}: {}", r.body);
    }
    assert_eq!(
        api.post(
            "/terminals/v1/actions",
            &print_body("PAX_A910__NOTMINE", "custom", &receipt("A")),
            Some("nm")
        )
        .code(404),
        "not_found"
    );
}

#[test]
fn tips_are_paid_and_refuse_partial_refunds() {
    let api = Api::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        step_delay: Duration::from_millis(20),
        ..SimulatorConfig::default()
    });
    // .44 holds the order on the terminal: the customer adds a tip, then pays.
    let id = api.create("20.44", DEV1);
    api.until(&id, &["at_terminal"]);
    api.sim
        .add_tip(&id, mppoint::Amount::parse("3.00").unwrap())
        .unwrap();
    api.sim
        .present_card(&id, mppoint_simulator::CardOutcome::Approved)
        .unwrap();
    let (o, _) = api.until(&id, &["processed"]);
    let p = &o["transactions"]["payments"][0];
    assert_eq!(
        (
            p["amount"].clone(),
            p["tip_amount"].clone(),
            p["paid_amount"].clone()
        ),
        (json!("20.44"), json!("3.00"), json!("23.44"))
    );
    let pay = p["id"].as_str().unwrap();
    let path = format!("/v1/orders/{id}/refund");
    let partial = json!({"transactions": [{"id": pay, "amount": "5.00"}]});
    assert_eq!(
        api.post(&path, &partial, Some("r1")).code(403),
        "partial_refund_forbidden_with_tips"
    );
    let r = api.send(reqwest::Method::POST, &path, None, Some("r2"));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["status"], json!("refunded"));
    assert_eq!(
        api.order(&id)["transactions"]["payments"][0]["refunded_amount"],
        json!("23.44")
    );
}

#[test]
fn partial_refund_errors_are_the_documented_codes() {
    let api = Api::start(SimulatorConfig {
        partial_refunds: false,
        ..fast()
    });
    let id = api.create("10.00", SBX);
    api.event(&id, json!({"status": "processed"}));
    let (o, _) = api.until(&id, &["processed"]);
    let pay = o["transactions"]["payments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/orders/{id}/refund");
    assert_eq!(
        api.post(
            &path,
            &json!({"transactions": [{"id": pay, "amount": "1.00"}]}),
            Some("a")
        )
        .code(400),
        "unsupported_partially_refunds"
    );
    let api = Api::start(fast());
    let id = api.create("10.00", SBX);
    api.event(&id, json!({"status": "processed"}));
    let (o, _) = api.until(&id, &["processed"]);
    let pay = o["transactions"]["payments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/orders/{id}/refund");
    assert_eq!(
        api.post(
            &path,
            &json!({"transactions": [{"id": "PAY00000000000000000000000000", "amount": "1.00"}]}),
            Some("b")
        )
        .code(404),
        "transaction_not_found"
    );
    for (i, amount) in ["4.00", "5.00"].iter().enumerate() {
        let r = api.post(
            &path,
            &json!({"transactions": [{"id": pay, "amount": amount}]}),
            Some(&format!("p{i}")),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["status_detail"], json!("partially_refunded"));
    }
    assert_eq!(
        api.post(
            &path,
            &json!({"transactions": [{"id": pay, "amount": "1.01"}]}),
            Some("c")
        )
        .code(400),
        "refund_amount_exceeds"
    );
    let r = api.send(reqwest::Method::POST, &path, None, Some("d"));
    assert_eq!(
        r.json()["transactions"]["refunds"][0]["amount"],
        json!("1.00")
    );
    assert_eq!(
        api.order(&id)["transactions"]["refunds"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn undefined_and_self_service_modes_are_listed() {
    let mut cfg = fast();
    cfg.devices.push(SimDevice {
        id: "PAX_A910__UNDEF0001".into(),
        pos_external_id: None,
        operating_mode: OperatingMode::parse("UNDEFINED"),
    });
    let api = Api::start(cfg);
    let r = api.get("/terminals/v1/list");
    assert_eq!(r.status, 200);
    let list = r.json();
    let t = list["data"]["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!("PAX_A910__UNDEF0001"))
        .cloned()
        .unwrap();
    assert_eq!(t["operating_mode"], json!("UNDEFINED"));
    // UNDEFINED is read-only.
    let r = api.send(
        reqwest::Method::PATCH,
        "/terminals/v1/setup",
        Some(
            &json!({"terminals": [{"id": "PAX_A910__UNDEF0001", "operating_mode": "UNDEFINED"}]})
                .to_string(),
        ),
        None,
    );
    assert_eq!(r.code(400), "property_value");
}

#[test]
fn the_terminals_api_answers_its_500_as_internal_error() {
    let api = Api::start(fast());
    api.sim
        .add_fault(FaultRule::new(Some(Endpoint::ListDevices), FaultKind::Status(500)).times(1));
    assert_eq!(api.get("/terminals/v1/list").code(500), "internal_error");
    assert_eq!(api.get("/terminals/v1/list").status, 200);
}

#[test]
fn abandoned_intents_expire_after_15_minutes_by_default() {
    // 15 minutes / 9000 = 100 ms; one hour would be 400 ms.
    let cfg = SimulatorConfig {
        time_factor: 9000,
        ..SimulatorConfig::default()
    };
    assert_eq!(cfg.expiry(), Duration::from_millis(100));
    let sim = Simulator::start(cfg).unwrap();
    let client = sim.client_builder().build().unwrap();
    // .99: the terminal never fetches it.
    let req = mppoint::IntentRequest::new(
        mppoint::Amount::parse("15.99").unwrap(),
        "abandoned",
        "expiry-1",
    );
    let intent = client
        .create_intent(&mppoint::Target::Device(DEV1.into()), &req)
        .unwrap();
    let done = client
        .wait_for_final(
            &intent.id,
            &mppoint::WaitOptions::new()
                .poll_interval(Duration::from_millis(10))
                .timeout(Duration::from_secs(20)),
        )
        .unwrap();
    assert_eq!(done.status, mppoint::Status::Expired);
}
