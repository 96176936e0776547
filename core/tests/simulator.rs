//! The simulator at the HTTP level: every endpoint and documented error, the terminal outcomes,
//! the control API, idempotency, webhooks, faults and TLS. Uses reqwest's blocking client (never
//! inside a tokio runtime).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use mppoint::{OperatingMode, PaymentStatus, Site, Status};
use mppoint_simulator::{
    CardOutcome, Endpoint, FaultKind, FaultRule, SimDevice, Simulator, SimulatorConfig,
};
use serde_json::{json, Value};

mod common;
use common::{receiver, Received};

const POS1: &str = "SUC001POS001";
const POS2: &str = "SUC001POS002";
const DEV1: &str = "PAX_A910__SMARTPOS0000000001";
const DEV2: &str = "PAX_A910__SMARTPOS0000000002";
const DEV3: &str = "NEWLAND_N950__N950NCB000000003";
const INTENTS: &str = "/instore-api/integrations/v1/intents";

/// Quick terminals, real-time expiry.
fn fast() -> SimulatorConfig {
    SimulatorConfig {
        pickup_delay: Duration::from_millis(20),
        step_delay: Duration::from_millis(20),
        ..SimulatorConfig::default()
    }
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Checks Mercado Pago's error shape and returns `(error, message)`.
    fn mp_error(&self, status: u16) -> (String, String) {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        assert_eq!(v["status"], json!(status), "{v}");
        assert_eq!(v["cause"], json!([]), "{v}");
        (
            v["error"].as_str().unwrap().to_string(),
            v["message"].as_str().unwrap().to_string(),
        )
    }
}

struct Api {
    sim: Simulator,
    http: reqwest::blocking::Client,
}

impl Api {
    fn start(cfg: SimulatorConfig) -> Api {
        let sim = Simulator::start(cfg).expect("simulator starts");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Api { sim, http }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<&str>, auth: bool) -> Resp {
        self.send_with(method, path, body, auth, &[])
    }

    fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        auth: bool,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.try_send(method, path, body, auth, headers)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        auth: bool,
        headers: &[(&str, &str)],
    ) -> reqwest::Result<Resp> {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()));
        if auth {
            rb = rb.bearer_auth(self.sim.access_token());
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = rb.send()?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.text()?;
        let resp = Resp {
            status,
            headers,
            body,
        };
        let rid = resp
            .header("x-request-id")
            .expect("x-request-id on every answer");
        assert!(uuid::Uuid::parse_str(rid).is_ok(), "{rid}");
        Ok(resp)
    }

    fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, None, true)
    }
    fn post(&self, path: &str, body: &str) -> Resp {
        self.send(reqwest::Method::POST, path, Some(body), true)
    }
    fn delete(&self, path: &str) -> Resp {
        self.send(reqwest::Method::DELETE, path, None, true)
    }

    fn create_for_pos(&self, pos: &str, amount: &str) -> Resp {
        self.post(&format!("{INTENTS}/point/pos/{pos}"), &body(amount))
    }

    /// Creates for `pos` and returns the new intent's id (asserting 201 OPENED).
    fn create(&self, pos: &str, amount: &str) -> String {
        let r = self.create_for_pos(pos, amount);
        assert_eq!(r.status, 201, "{}", r.body);
        let v = r.json();
        assert_eq!(v["status"], "OPENED");
        v["id"].as_str().unwrap().to_string()
    }

    fn intent(&self, id: &str) -> Value {
        let r = self.get(&format!("{INTENTS}/{id}/point"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// Polls the API until the intent has `status` (at most 5 s).
    fn wait_for(&self, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let v = self.intent(id);
            if v["status"] == status {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "intent {id} never reached {status}: {v}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn body(amount: &str) -> String {
    json!({
        "description": "Sale 123",
        "external_reference": "order-123",
        "operations": [{"type": "PURCHASE", "amount": amount}],
    })
    .to_string()
}

#[test]
fn requests_without_the_token_get_401() {
    let api = Api::start(fast());
    let paths = [
        ("GET", "/instore-api/point/v1/devices".to_string()),
        ("GET", format!("{INTENTS}/abc/point")),
        ("GET", "/v1/payments/1".to_string()),
    ];
    for (m, p) in &paths {
        let r = api.send(m.parse().unwrap(), p, None, false);
        let v = r.json();
        assert_eq!(r.status, 401);
        assert_eq!(
            (&v["message"], &v["error"], &v["status"]),
            (
                &json!("invalid access token"),
                &json!("unauthorized"),
                &json!(401)
            )
        );
    }
    let wrong = api.send_with(
        reqwest::Method::POST,
        &format!("{INTENTS}/point/pos/{POS1}"),
        Some(&body("10.00")),
        false,
        &[("authorization", "Bearer nope")],
    );
    wrong.mp_error(401);
    assert!(
        api.sim.intents().is_empty(),
        "an unauthorized create does nothing"
    );
    // `bearer` in another case is accepted, like most servers do.
    let ok = api.send_with(
        reqwest::Method::GET,
        "/instore-api/point/v1/devices",
        None,
        false,
        &[(
            "authorization",
            &format!("bearer {}", api.sim.access_token()),
        )],
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn lists_devices_with_filters_and_paging() {
    let api = Api::start(fast());
    let r = api.get("/instore-api/point/v1/devices");
    assert_eq!(r.status, 200);
    let page: mppoint::DevicePage = serde_json::from_str(&r.body).unwrap();
    assert_eq!(page.paging.total, 3);
    assert_eq!(page.paging.limit, 50);
    assert_eq!(page.paging.offset, 0);
    let ids: Vec<_> = page.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [DEV1, DEV2, DEV3]);
    assert_eq!(page.devices[0].external_pos_id.as_deref(), Some(POS1));
    assert_eq!(page.devices[0].operating_mode, OperatingMode::Pdv);
    assert_eq!(page.devices[2].operating_mode, OperatingMode::Standalone);
    let pos_id = page.devices[1].pos_id.unwrap();
    let store = page.devices[0].store_id.clone().unwrap();

    let by_pos: mppoint::DevicePage = serde_json::from_str(
        &api.get(&format!("/instore-api/point/v1/devices?pos_id={pos_id}"))
            .body,
    )
    .unwrap();
    assert_eq!(by_pos.devices.len(), 1);
    assert_eq!(by_pos.devices[0].id, DEV2);
    let by_store: mppoint::DevicePage = serde_json::from_str(
        &api.get(&format!("/instore-api/point/v1/devices?store_id={store}"))
            .body,
    )
    .unwrap();
    assert_eq!(by_store.paging.total, 2, "the standalone device has no POS");
    let none = api.get("/instore-api/point/v1/devices?store_id=999");
    assert_eq!(none.json()["devices"], json!([]));

    let p2 = api
        .get("/instore-api/point/v1/devices?limit=2&offset=1")
        .json();
    assert_eq!(p2["paging"], json!({"total": 3, "offset": 1, "limit": 2}));
    assert_eq!(p2["devices"][0]["id"], DEV2);
    assert_eq!(p2["devices"].as_array().unwrap().len(), 2);

    for bad in ["limit=abc", "limit=0", "offset=-1", "pos_id=x"] {
        let (e, m) = api
            .get(&format!("/instore-api/point/v1/devices?{bad}"))
            .mp_error(400);
        assert_eq!(e, "bad_request");
        assert!(m.contains(bad.split('=').next().unwrap()), "{m}");
    }
}

#[test]
fn sets_the_operating_mode() {
    let api = Api::start(fast());
    let path = format!("/instore-api/point/v1/devices/{DEV3}");
    let r = api.send(
        reqwest::Method::PATCH,
        &path,
        Some(r#"{"operating_mode":"PDV"}"#),
        true,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"operating_mode": "PDV"}));
    let list = api.get("/instore-api/point/v1/devices").json();
    assert_eq!(list["devices"][2]["operating_mode"], "PDV");

    for bad in [
        "{",
        "{}",
        r#"{"operating_mode":"KIOSK"}"#,
        r#"{"operating_mode":1}"#,
        "",
    ] {
        let r = api.send(reqwest::Method::PATCH, &path, Some(bad), true);
        assert_eq!(r.mp_error(400).0, "bad_request", "{bad}");
    }
    let r = api.send(
        reqwest::Method::PATCH,
        "/instore-api/point/v1/devices/NOPE",
        Some(r#"{"operating_mode":"PDV"}"#),
        true,
    );
    r.mp_error(404);
}

#[test]
fn creates_for_a_pos_and_for_a_device() {
    let api = Api::start(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    let full = json!({
        "description": "Sale 123",
        "external_reference": "order-123",
        "operations": [{"type": "PURCHASE", "amount": "12.47"}],
        "enabler_configuration": {
            "device_payment_mode": "CARD",
            "ticket_number": "T001",
            "print_on_terminal": ["SELLER_TICKET"]
        },
        "some_future_field": {"ignored": true}
    });
    let r = api.post(&format!("{INTENTS}/point/pos/{POS1}"), &full.to_string());
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["status"], "OPENED");
    assert_eq!(
        v["operations"],
        json!([{"type": "PURCHASE", "amount": "12.47"}])
    );
    assert_eq!(v["enabler_configuration"], full["enabler_configuration"]);
    assert_eq!(v["description"], "Sale 123");
    assert_eq!(v["external_reference"], "order-123");
    let intent: mppoint::Intent = serde_json::from_str(&r.body).unwrap();
    assert_eq!(api.sim.intent(&intent.id).unwrap(), intent);

    let r = api.post(&format!("{INTENTS}/point/{DEV2}"), &body("1.00"));
    assert_eq!(r.status, 201, "{}", r.body);
    // GET answers the same intent.
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(api.intent(&id), r.json());
    assert_eq!(api.sim.intents().len(), 2);
}

#[test]
fn create_rejects_each_broken_rule_naming_the_field() {
    let api = Api::start(fast());
    let path = format!("{INTENTS}/point/pos/{POS1}");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&body("10.00")).unwrap();
        f(&mut v);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "JSON"),
        ("".into(), "empty"),
        ("[1,2]".into(), "object"),
        (
            with(&|v| v["operations"][0]["amount"] = json!(10.0)),
            "amount",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("10.5")),
            "two decimals",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("10,50")),
            "comma",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("10")),
            "two decimals",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("0.99")),
            "minimum of 1.00",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("70000.01")),
            "maximum of 70000.00",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = json!("-1.00")),
            "positive",
        ),
        (
            with(&|v| v["operations"][0]["amount"] = Value::Null),
            "amount is required",
        ),
        (with(&|v| v["description"] = json!("")), "description"),
        (
            with(&|v| v["description"] = json!("x".repeat(256))),
            "description",
        ),
        (with(&|v| v["description"] = json!(5)), "description"),
        (
            with(&|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("description")
                    .map(drop)
                    .unwrap()
            }),
            "description is required",
        ),
        (
            with(&|v| v["external_reference"] = json!("order#1")),
            "external_reference",
        ),
        (
            with(&|v| v["external_reference"] = json!("r".repeat(101))),
            "external_reference",
        ),
        (with(&|v| v["operations"] = json!([])), "exactly one"),
        (
            with(&|v| {
                let op = v["operations"][0].clone();
                v["operations"] = json!([op.clone(), op]);
            }),
            "exactly one",
        ),
        (
            with(&|v| v["operations"][0]["type"] = json!("REFUND")),
            "PURCHASE",
        ),
        (with(&|v| v["operations"] = json!("PURCHASE")), "operations"),
        (
            with(&|v| v["enabler_configuration"] = json!({"ticket_number": "T-1"})),
            "ticket_number",
        ),
        (
            with(&|v| v["enabler_configuration"] = json!({"device_payment_mode": "QR"})),
            "device_payment_mode",
        ),
        (
            with(&|v| v["enabler_configuration"] = json!({"print_on_terminal": "SELLER_TICKET"})),
            "print_on_terminal",
        ),
        ("\u{0}\u{1}".into(), "JSON"),
    ];
    for (b, needle) in cases {
        let r = api.post(&path, &b);
        let (e, m) = r.mp_error(400);
        assert_eq!(e, "bad_request");
        assert!(m.contains(needle), "{b}: {m:?} should mention {needle:?}");
    }
    // Invalid UTF-8 is a 400, not a crash.
    let r = api
        .http
        .post(format!("{}{path}", api.sim.base_url()))
        .bearer_auth(api.sim.access_token())
        .body(vec![0xff, 0xfe, b'{'])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(api.sim.intents().is_empty());
    assert_eq!(api.sim.counters().requests_to(Endpoint::CreateIntent), 26);
}

#[test]
fn limits_follow_the_site_or_the_override() {
    let api = Api::start(SimulatorConfig {
        site: Site::MLA,
        ..fast()
    });
    let (_, m) = api.create_for_pos(POS1, "4.99").mp_error(400);
    assert!(m.contains("below the MLA minimum of 5.00"), "{m}");
    let id = api.create(POS1, "4000000.00");
    let closed = api.wait_for(&id, "CLOSED");
    let pid = closed["operations"][0]["results"][0]["id"]
        .as_u64()
        .unwrap();
    let p = api.get(&format!("/v1/payments/{pid}")).json();
    assert_eq!(p["currency_id"], "ARS");
    assert!(p["transaction_amount"].is_number());
    assert_eq!(
        serde_json::to_string(&p["transaction_amount"]).unwrap(),
        "4000000.0"
    );

    let custom = Api::start(SimulatorConfig {
        limits: Some(
            mppoint::AmountLimits::new(
                mppoint::Amount::parse("2.00").unwrap(),
                mppoint::Amount::parse("3.00").unwrap(),
            )
            .unwrap(),
        ),
        ..fast()
    });
    custom.create_for_pos(POS1, "3.01").mp_error(400);
    custom.create_for_pos(POS1, "1.50").mp_error(400);
    custom.create(POS1, "2.50");
}

#[test]
fn unknown_targets_get_404() {
    let api = Api::start(fast());
    let (e, _) = api.create_for_pos("NOPE", "10.00").mp_error(404);
    assert_eq!(e, "pos_not_found");
    let r = api.post(&format!("{INTENTS}/point/NOPE__1"), &body("10.00"));
    assert_eq!(r.mp_error(404).0, "device_not_found");
    let (e, _) = api.get(&format!("{INTENTS}/nope/point")).mp_error(404);
    assert_eq!(e, "not_found");
    api.get("/v1/payments/12345").mp_error(404);
    api.get("/v1/payments/abc").mp_error(404);
    api.post("/v1/payments/12345/refunds", "{}").mp_error(404);
    let (e, _) = api.get("/nope").mp_error(404);
    assert_eq!(e, "not_found");
    let r = api.send(
        reqwest::Method::PUT,
        &format!("{INTENTS}/x/point"),
        None,
        true,
    );
    r.mp_error(405);
}

#[test]
fn standalone_devices_refuse_intents_until_switched_to_pdv() {
    let api = Api::start(fast());
    let r = api.post(&format!("{INTENTS}/point/{DEV3}"), &body("10.00"));
    let (e, m) = r.mp_error(400);
    assert_eq!(e, "bad_request");
    assert!(
        m.contains("STANDALONE") && m.contains("PDV") && m.contains("restart"),
        "{m}"
    );
    let patch = api.send(
        reqwest::Method::PATCH,
        &format!("/instore-api/point/v1/devices/{DEV1}"),
        Some(r#"{"operating_mode":"STANDALONE"}"#),
        true,
    );
    assert_eq!(patch.status, 200);
    api.create_for_pos(POS1, "10.00").mp_error(400);
    api.send(
        reqwest::Method::PATCH,
        &format!("/instore-api/point/v1/devices/{DEV3}"),
        Some(r#"{"operating_mode":"PDV"}"#),
        true,
    );
    let r = api.post(&format!("{INTENTS}/point/{DEV3}"), &body("10.00"));
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn one_queued_intent_per_device() {
    let api = Api::start(fast());
    let id = api.create(POS1, "10.44"); // held on the terminal
    let (e, m) = api.create_for_pos(POS1, "10.00").mp_error(409);
    assert_eq!(e, "conflict");
    assert_eq!(m, "There is already a queued intent for the device");
    // Same device by its id.
    api.post(&format!("{INTENTS}/point/{DEV1}"), &body("10.00"))
        .mp_error(409);
    // The other device is free.
    api.create(POS2, "10.00");
    api.wait_for(&id, "ON_TERMINAL");
    api.create_for_pos(POS1, "10.00").mp_error(409);
    api.sim.present_card(&id, CardOutcome::Approved).unwrap();
    api.wait_for(&id, "CLOSED");
    // Final: the device takes the next one.
    api.create(POS1, "10.00");
}

#[test]
fn cancel_only_while_opened_by_either_path() {
    let api = Api::start(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    let a = api.create(POS1, "10.00");
    let r = api.delete(&format!("{INTENTS}/{a}/point"));
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(api.intent(&a)["status"], "CANCELED");
    // Canceled is final: the device is free; canceling again is a conflict.
    let (e, m) = api.delete(&format!("{INTENTS}/{a}/point")).mp_error(409);
    assert_eq!(e, "conflict");
    assert_eq!(m, "The intent in the current state cannot be canceled.");

    let b = api.create(POS1, "10.00");
    api.delete(&format!("{INTENTS}/{b}/point/pos/{POS2}"))
        .mp_error(404);
    let (e, _) = api
        .delete(&format!("{INTENTS}/{b}/point/pos/NOPE"))
        .mp_error(404);
    assert_eq!(e, "pos_not_found");
    let r = api.delete(&format!("{INTENTS}/{b}/point/pos/{POS1}"));
    assert_eq!(r.status, 204);
    api.delete(&format!("{INTENTS}/nope/point")).mp_error(404);

    // On the terminal: only the terminal can cancel it.
    let c = api.create(POS2, "10.44");
    api.sim.present_card(&c, CardOutcome::Approved).ok();
    let fast_api = Api::start(fast());
    let d = fast_api.create(POS1, "10.44");
    fast_api.wait_for(&d, "ON_TERMINAL");
    let (e, _) = fast_api
        .delete(&format!("{INTENTS}/{d}/point"))
        .mp_error(409);
    assert_eq!(e, "conflict");
    fast_api.sim.cancel_on_terminal(&d).unwrap();
    assert_eq!(fast_api.intent(&d)["status"], "CANCELED");
}

/// Every step of an intent as a poller sees it, until final.
fn statuses_seen(api: &Api, id: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = api.intent(id)["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if Status::parse(&s).is_final() || Instant::now() > deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn each_reserved_amount_ends_as_documented() {
    // Steps long enough for a poller to see each one even on a busy 2-core machine.
    let api = Api::start(SimulatorConfig {
        pickup_delay: Duration::from_millis(100),
        step_delay: Duration::from_millis(100),
        ..SimulatorConfig::default()
    });
    // Approved: every step in order, then a CLOSED intent pointing to an approved payment.
    let id = api.create(POS1, "25.10");
    assert_eq!(
        statuses_seen(&api, &id),
        ["OPENED", "ON_TERMINAL", "PROCESSING", "PROCESSED", "CLOSED"]
    );
    let v = api.intent(&id);
    let results = &v["operations"][0]["results"];
    assert_eq!(results[0]["source"], "PAYMENT");
    let pid = results[0]["id"].as_u64().expect("a numeric payment id");
    let r = api.get(&format!("/v1/payments/{pid}"));
    assert_eq!(r.status, 200);
    let p = r.json();
    assert_eq!(p["id"], json!(pid));
    assert_eq!(p["status"], "approved");
    assert_eq!(p["status_detail"], "accredited");
    assert_eq!(p["currency_id"], "BRL");
    assert_eq!(p["external_reference"], "order-123");
    assert_eq!(p["description"], "Sale 123");
    assert!(p["date_approved"].is_string() && p["date_created"].is_string());
    assert!(p["payment_method_id"].is_string() && p["payment_type_id"].is_string());
    assert!(
        r.body.contains("\"transaction_amount\":25.10"),
        "{}",
        r.body
    );
    let typed: mppoint::Payment = serde_json::from_str(&r.body).unwrap();
    assert_eq!(typed.transaction_amount.unwrap().cents(), 2510);
    assert_eq!(api.sim.payment(pid).unwrap(), typed);

    // Rejected: CLOSED too, but the payment is rejected.
    let id = api.create(POS1, "25.13");
    let v = api.wait_for(&id, "CLOSED");
    let pid = v["operations"][0]["results"][0]["id"].as_u64().unwrap();
    let p = api.sim.payment(pid).unwrap();
    assert_eq!(p.status, PaymentStatus::Rejected);
    assert_eq!(p.status_detail.as_deref(), Some("cc_rejected_other_reason"));
    assert!(api.get(&format!("/v1/payments/{pid}")).json()["date_approved"].is_null());

    for (amount, status) in [
        ("25.66", "ERROR"),
        ("25.77", "CONFIRMATION_REQUIRED"),
        ("25.88", "CANCELED"),
    ] {
        let id = api.create(POS1, amount);
        let seen = statuses_seen(&api, &id);
        assert_eq!(seen.last().unwrap(), status, "{amount}: {seen:?}");
        assert!(seen.contains(&"ON_TERMINAL".to_string()), "{seen:?}");
        let v = api.intent(&id);
        assert!(v["operations"][0].get("results").is_none(), "{v}");
    }

    // .99: never fetched. Stays OPENED (cancelable) until the expiry.
    let id = api.create(POS1, "25.99");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(api.intent(&id)["status"], "OPENED");
    assert_eq!(api.delete(&format!("{INTENTS}/{id}/point")).status, 204);
}

#[test]
fn time_factor_expires_intents() {
    // One hour / 72000 = 50 ms.
    let api = Api::start(SimulatorConfig {
        time_factor: 900 * 20,
        pickup_delay: Duration::from_millis(10),
        ..SimulatorConfig::default()
    });
    let never = api.create(POS1, "10.99");
    let held = api.create(POS2, "10.44");
    api.wait_for(&never, "EXPIRED");
    api.wait_for(&held, "EXPIRED");
    api.sim
        .present_card(&held, CardOutcome::Approved)
        .unwrap_err();
    // Expired is final: the device is free again.
    api.create(POS1, "10.99");
}

#[test]
fn hold_present_card_and_cancel_on_terminal_from_rust() {
    let api = Api::start(fast());
    // .44 holds; a card decides.
    let id = api.create(POS1, "30.44");
    api.wait_for(&id, "ON_TERMINAL");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(api.intent(&id)["status"], "ON_TERMINAL", "held");
    api.sim.present_card(&id, CardOutcome::Rejected).unwrap();
    let v = api.wait_for(&id, "CLOSED");
    let pid = v["operations"][0]["results"][0]["id"].as_u64().unwrap();
    assert_eq!(
        api.sim.payment(pid).unwrap().status,
        PaymentStatus::Rejected
    );
    let e = api
        .sim
        .present_card(&id, CardOutcome::Approved)
        .unwrap_err();
    assert_eq!(e.kind(), mppoint::ErrorKind::Conflict);
    let e = api
        .sim
        .present_card("nope", CardOutcome::Approved)
        .unwrap_err();
    assert_eq!(e.kind(), mppoint::ErrorKind::NotFound);

    // Hold an ordinary amount while OPENED, then each outcome.
    for (outcome, status) in [
        (CardOutcome::Approved, "CLOSED"),
        (CardOutcome::Error, "ERROR"),
        (CardOutcome::ConfirmationRequired, "CONFIRMATION_REQUIRED"),
    ] {
        let id = api.create(POS1, "30.00");
        api.sim.hold_on_terminal(&id).unwrap();
        api.wait_for(&id, "ON_TERMINAL");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(api.intent(&id)["status"], "ON_TERMINAL");
        api.sim.present_card(&id, outcome).unwrap();
        api.wait_for(&id, status);
    }

    // A card on an OPENED intent: the terminal fetches it at once.
    let slow = Api::start(SimulatorConfig {
        pickup_delay: Duration::from_secs(60),
        ..fast()
    });
    let id = slow.create(POS1, "30.00");
    slow.sim.present_card(&id, CardOutcome::Approved).unwrap();
    assert_eq!(slow.sim.intent(&id).unwrap().status, Status::OnTerminal);
    slow.wait_for(&id, "CLOSED");
    // Cancel on the terminal: CANCELED when the call returns, even from OPENED.
    let id = slow.create(POS1, "30.00");
    slow.sim.cancel_on_terminal(&id).unwrap();
    assert_eq!(slow.sim.intent(&id).unwrap().status, Status::Canceled);
    assert_eq!(
        slow.sim.cancel_on_terminal(&id).unwrap_err().kind(),
        mppoint::ErrorKind::Conflict
    );
    // .99 held: fetched after all.
    let id = api.create(POS1, "30.99");
    api.sim.hold_on_terminal(&id).unwrap();
    api.wait_for(&id, "ON_TERMINAL");
    api.sim.cancel_on_terminal(&id).unwrap();
    api.wait_for(&id, "CANCELED");
}

#[test]
fn control_routes_over_http() {
    let api = Api::start(fast());
    let ctl = |m: reqwest::Method, p: &str, b: Option<&str>| api.send(m, p, b, false);
    let id = api.create(POS1, "40.00");
    let r = ctl(
        reqwest::Method::POST,
        &format!("/_simulator/intents/{id}/hold"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    api.wait_for(&id, "ON_TERMINAL");
    let r = ctl(
        reqwest::Method::POST,
        &format!("/_simulator/intents/{id}/present_card"),
        Some(r#"{"outcome":"rejected"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = api.wait_for(&id, "CLOSED");
    let pid = v["operations"][0]["results"][0]["id"].as_u64().unwrap();
    assert_eq!(
        api.get(&format!("/v1/payments/{pid}")).json()["status"],
        "rejected"
    );
    ctl(
        reqwest::Method::POST,
        &format!("/_simulator/intents/{id}/present_card"),
        Some(r#"{"outcome":"approved"}"#),
    )
    .mp_error(409);
    ctl(
        reqwest::Method::POST,
        "/_simulator/intents/nope/cancel_on_terminal",
        None,
    )
    .mp_error(404);

    let id = api.create(POS1, "40.44");
    ctl(
        reqwest::Method::POST,
        &format!("/_simulator/intents/{id}/present_card"),
        Some(r#"{"outcome":"sometimes"}"#),
    )
    .mp_error(400);
    let r = ctl(
        reqwest::Method::POST,
        &format!("/_simulator/intents/{id}/cancel_on_terminal"),
        None,
    );
    assert_eq!(r.json()["status"], "CANCELED");

    let c = ctl(reqwest::Method::GET, "/_simulator/counters", None).json();
    assert_eq!(c["intents_created"], 2);
    assert!(c["requests"]["CreateIntent"].as_u64().unwrap() >= 2);
    assert!(c["requests"]["Control"].as_u64().unwrap() >= 5);

    let s = ctl(reqwest::Method::GET, "/_simulator/state", None).json();
    assert_eq!(s["stores"].as_array().unwrap().len(), 1);
    assert_eq!(s["pos"].as_array().unwrap().len(), 2);
    assert_eq!(s["devices"].as_array().unwrap().len(), 3);
    assert_eq!(s["intents"].as_array().unwrap().len(), 2);
    assert_eq!(s["intents"][0]["device_id"], DEV1);
    assert_eq!(s["payments"].as_array().unwrap().len(), 1);

    let put = ctl(
        reqwest::Method::PUT,
        "/_simulator/faults",
        Some(r#"[{"endpoint":"ListDevices","kind":{"type":"Status","status":503},"times":1}]"#),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(api.sim.faults().len(), 1);
    api.get("/instore-api/point/v1/devices").mp_error(503);
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);
    ctl(
        reqwest::Method::PUT,
        "/_simulator/faults",
        Some(r#"[{"kind":{"type":"Nope"}}]"#),
    )
    .mp_error(400);
    ctl(
        reqwest::Method::POST,
        "/_simulator/faults",
        Some(r#"{"kind":{"type":"Status","status":500}}"#),
    );
    api.get("/instore-api/point/v1/devices").mp_error(500);
    // Faults never touch the control routes.
    assert_eq!(
        ctl(reqwest::Method::GET, "/_simulator/counters", None).status,
        200
    );
    let del = ctl(reqwest::Method::DELETE, "/_simulator/faults", None);
    assert_eq!(del.status, 204);
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);
}

#[test]
fn refunds_full_and_partial() {
    let api = Api::start(fast());
    let id = api.create(POS1, "100.00");
    let v = api.wait_for(&id, "CLOSED");
    let pid = v["operations"][0]["results"][0]["id"].as_u64().unwrap();
    let refunds = format!("/v1/payments/{pid}/refunds");

    let r = api.post(&refunds, r#"{"amount": 10.10}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.contains("\"amount\":10.10"), "{}", r.body);
    let refund: mppoint::Refund = serde_json::from_str(&r.body).unwrap();
    assert_eq!(refund.payment_id, Some(pid));
    assert_eq!(refund.status.as_deref(), Some("approved"));
    assert!(refund.date_created.is_some());
    api.post(&refunds, r#"{"amount": 20}"#);
    let p = api.get(&format!("/v1/payments/{pid}"));
    assert!(
        p.body.contains("\"transaction_amount_refunded\":30.10"),
        "{}",
        p.body
    );
    assert_eq!(p.json()["status"], "approved");

    let (e, m) = api.post(&refunds, r#"{"amount": 69.91}"#).mp_error(400);
    assert_eq!(e, "bad_request");
    assert!(m.contains("69.90"), "{m}");
    api.post(&refunds, r#"{"amount": 0.001}"#).mp_error(400);
    api.post(&refunds, r#"{"amount": "5.00"}"#).mp_error(400);
    api.post(&refunds, "{").mp_error(400);

    let r = api.post(&refunds, "{}");
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["amount"], json!(69.9));
    let p = api.sim.payment(pid).unwrap();
    assert_eq!(p.status, PaymentStatus::Refunded);
    assert_eq!(p.transaction_amount_refunded.unwrap().0, 10000);
    assert_eq!(
        api.get(&format!("/v1/payments/{pid}")).json()["refunds"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    api.post(&refunds, "{}").mp_error(400);

    let id = api.create(POS1, "100.13");
    let v = api.wait_for(&id, "CLOSED");
    let rejected = v["operations"][0]["results"][0]["id"].as_u64().unwrap();
    let (_, m) = api
        .post(&format!("/v1/payments/{rejected}/refunds"), "{}")
        .mp_error(400);
    assert!(m.contains("rejected"), "{m}");
}

#[test]
fn idempotency_keys_dedup_creates_when_honored() {
    let api = Api::start(SimulatorConfig {
        honor_idempotency_keys: true,
        ..fast()
    });
    let key = ("x-idempotency-key", "key-1");
    let send = || {
        api.send_with(
            reqwest::Method::POST,
            &format!("{INTENTS}/point/pos/{POS1}"),
            Some(&body("10.44")),
            true,
            &[key],
        )
    };
    let a = send();
    let b = send();
    assert_eq!((a.status, b.status), (201, 201), "{}", b.body);
    assert_eq!(a.json()["id"], b.json()["id"]);
    let c = api.sim.counters();
    assert_eq!(c.intents_created_with_key("key-1"), 1);
    assert_eq!(c.intents_created, 1);
    assert_eq!(c.idempotent_replays, 1);
    assert_eq!(api.sim.intents().len(), 1);

    let worst = Api::start(SimulatorConfig {
        honor_idempotency_keys: false,
        ..fast()
    });
    let send = || {
        worst.send_with(
            reqwest::Method::POST,
            &format!("{INTENTS}/point/pos/{POS1}"),
            Some(&body("10.44")),
            true,
            &[key],
        )
    };
    assert_eq!(send().status, 201);
    let (_, m) = send().mp_error(409);
    assert_eq!(m, "There is already a queued intent for the device");
    assert_eq!(worst.sim.counters().intents_created_with_key("key-1"), 1);
    // Once the first is final, the same key creates a second intent: the double charge.
    let first = worst.sim.intents()[0].id.clone();
    worst
        .sim
        .present_card(&first, CardOutcome::Approved)
        .unwrap();
    worst.wait_for(&first, "CLOSED");
    assert_eq!(send().status, 201);
    assert_eq!(worst.sim.counters().intents_created_with_key("key-1"), 2);
}

#[test]
fn webhooks_are_signed_and_redelivered_until_accepted() {
    let (url, rx) = receiver("/hooks/mp?shop=1", vec![500, 503]);
    // Redelivery every 15 min / 9000 = 100 ms.
    let api = Api::start(SimulatorConfig {
        time_factor: 9000,
        pickup_delay: Duration::from_millis(5),
        step_delay: Duration::from_millis(5),
        webhook_urls: vec![url],
        ..SimulatorConfig::default()
    });
    let id = api.create(POS1, "10.14");
    let started = Instant::now();
    let first = rx.recv_timeout(Duration::from_secs(5)).expect("a delivery");
    assert_eq!(
        first.target,
        format!("/hooks/mp?shop=1&data.id={id}&type=topic_instore_integration_wh")
    );
    assert_eq!(first.header("content-type"), Some("application/json"));
    let n: Value = serde_json::from_str(first.text()).unwrap();
    assert_eq!(
        n["action"],
        "topic_instore_integration_wh.application.authorized"
    );
    assert_eq!(n["type"], "topic_instore_integration_wh");
    assert_eq!(n["api_version"], "v1");
    assert_eq!(n["live_mode"], false);
    assert!(n["user_id"].is_u64());
    assert!(n["id"].is_string());
    let date = n["date_created"].as_str().unwrap();
    assert_eq!(date.len(), 34, "{date}");
    assert_eq!(&date[10..11], " ");
    assert_eq!(n["data"]["id"], id.as_str());
    assert_eq!(n["data"]["status"], "CLOSED");
    assert_eq!(n["data"]["operations"][0]["amount"], "10.14");
    assert!(n["data"]["operations"][0]["results"][0]["id"].is_u64());
    assert_eq!(
        n["data"]["url"],
        format!("{}{INTENTS}/{id}/point", api.sim.base_url())
    );
    let parsed: mppoint::webhook::NotificationData =
        serde_json::from_value(n["data"].clone()).unwrap();
    assert_eq!(parsed.intent, api.sim.intent(&id).unwrap());

    // The signature: what webhook::sign computes for the same data id, request id and ts.
    let check = |r: &Received| {
        let sig = r.header("x-signature").unwrap();
        let rid = r.header("x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(rid).is_ok());
        let ts: u64 = sig
            .split(',')
            .find_map(|p| p.trim().strip_prefix("ts="))
            .unwrap()
            .parse()
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(ts.abs_diff(now) < 60, "ts in seconds: {ts}");
        assert_eq!(
            sig,
            mppoint::webhook::sign(api.sim.webhook_secret(), Some(&id), Some(rid), ts)
        );
        assert_ne!(
            sig,
            mppoint::webhook::sign("another secret", Some(&id), Some(rid), ts)
        );
    };
    check(&first);
    let second = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    let third = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    check(&second);
    check(&third);
    assert!(
        started.elapsed() >= Duration::from_millis(190),
        "two pauses"
    );
    assert_eq!(second.body, first.body, "the same notification again");
    assert_ne!(second.header("x-request-id"), first.header("x-request-id"));
    // Accepted on the third: no fourth.
    assert!(rx.recv_timeout(Duration::from_millis(400)).is_err());
    let c = api.sim.counters();
    assert_eq!((c.webhook_attempts, c.webhook_successes), (3, 1));

    // Every final status notifies, canceled through the API too; at most max attempts.
    let (url, rx) = receiver("/hooks/mp?shop=1", vec![500; 10]);
    api.sim.set_webhook_urls(vec![url]);
    let id = api.create(POS2, "10.99");
    assert_eq!(api.delete(&format!("{INTENTS}/{id}/point")).status, 204);
    let got: Vec<_> = (0..5)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("5 attempts"))
        .collect();
    let n: Value = serde_json::from_str(got[0].text()).unwrap();
    assert_eq!(n["data"]["status"], "CANCELED");
    assert!(
        rx.recv_timeout(Duration::from_millis(400)).is_err(),
        "max 5"
    );
}

#[test]
fn fault_drop_before_processing_does_nothing() {
    let api = Api::start(fast());
    api.sim.add_fault(
        FaultRule::new(
            Some(Endpoint::CreateIntent),
            FaultKind::DropBeforeProcessing,
        )
        .times(1),
    );
    let e = api
        .try_send(
            reqwest::Method::POST,
            &format!("{INTENTS}/point/pos/{POS1}"),
            Some(&body("10.00")),
            true,
            &[],
        )
        .err()
        .expect("no answer");
    assert!(!e.is_timeout(), "{e:?}");
    assert!(
        e.is_request() || e.is_connect() || e.to_string().contains("error"),
        "{e:?}"
    );
    assert!(api.sim.intents().is_empty(), "nothing created");
    let c = api.sim.counters();
    assert_eq!(
        c.requests_to(Endpoint::CreateIntent),
        1,
        "not retried by reqwest"
    );
    assert_eq!(c.faults_applied, 1);
    // Disarmed after one.
    api.create(POS1, "10.00");
}

#[test]
fn fault_drop_after_processing_creates_without_answering() {
    let api = Api::start(fast());
    api.sim.set_faults(vec![FaultRule::new(
        Some(Endpoint::CreateIntent),
        FaultKind::DropAfterProcessing,
    )
    .times(1)]);
    let r = api.try_send(
        reqwest::Method::POST,
        &format!("{INTENTS}/point/pos/{POS1}"),
        Some(&body("10.44")),
        true,
        &[("x-idempotency-key", "k-drop")],
    );
    assert!(r.is_err(), "no answer");
    assert_eq!(api.sim.intents().len(), 1, "but the create happened");
    let c = api.sim.counters();
    assert_eq!(c.requests_to(Endpoint::CreateIntent), 1);
    assert_eq!(c.intents_created_with_key("k-drop"), 1);
    // By default the key is ignored (the InStore documents do not promise it): the re-send while
    // the first intent is pending meets 409, not the intent.
    let again = api.send_with(
        reqwest::Method::POST,
        &format!("{INTENTS}/point/pos/{POS1}"),
        Some(&body("10.44")),
        true,
        &[("x-idempotency-key", "k-drop")],
    );
    assert_eq!(again.status, 409);
    // With keys honoured, the retry with the same key gets the same intent.
    let api = Api::start(SimulatorConfig {
        honor_idempotency_keys: true,
        ..fast()
    });
    api.sim.set_faults(vec![FaultRule::new(
        Some(Endpoint::CreateIntent),
        FaultKind::DropAfterProcessing,
    )
    .times(1)]);
    let r = api.try_send(
        reqwest::Method::POST,
        &format!("{INTENTS}/point/pos/{POS1}"),
        Some(&body("10.44")),
        true,
        &[("x-idempotency-key", "k-drop")],
    );
    assert!(r.is_err(), "no answer");
    let again = api.send_with(
        reqwest::Method::POST,
        &format!("{INTENTS}/point/pos/{POS1}"),
        Some(&body("10.44")),
        true,
        &[("x-idempotency-key", "k-drop")],
    );
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], api.sim.intents()[0].id.as_str());
}

#[test]
fn fault_truncated_and_malformed_bodies() {
    let api = Api::start(fast());
    api.sim.set_faults(vec![
        FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::TruncatedBody).times(1),
        FaultRule::new(Some(Endpoint::GetIntent), FaultKind::MalformedJson).times(1),
    ]);
    let r = api
        .http
        .post(format!("{}{INTENTS}/point/pos/{POS1}", api.sim.base_url()))
        .bearer_auth(api.sim.access_token())
        .body(body("10.44"))
        .send()
        .expect("the head arrives");
    assert_eq!(r.status().as_u16(), 201);
    let announced: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(announced > 0);
    assert!(r.bytes().is_err(), "the body is cut short");
    assert_eq!(api.sim.intents().len(), 1, "the create happened");
    let id = api.sim.intents()[0].id.clone();

    let r = api.get(&format!("{INTENTS}/{id}/point"));
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_str::<Value>(&r.body).is_err(),
        "{}",
        r.body
    );
    // Both disarmed.
    assert_eq!(api.intent(&id)["id"], id.as_str());
    // A 204 answer gets a 200 with a cut body instead.
    let id2 = api.create(POS2, "10.99");
    api.sim
        .add_fault(FaultRule::new(Some(Endpoint::CancelIntent), FaultKind::TruncatedBody).times(1));
    let r = api
        .http
        .delete(format!("{}{INTENTS}/{id2}/point", api.sim.base_url()))
        .bearer_auth(api.sim.access_token())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().is_err());
    assert_eq!(api.sim.intent(&id2).unwrap().status, Status::Canceled);
}

#[test]
fn fault_statuses_rate_limits_and_latency() {
    let api = Api::start(fast());
    api.sim.set_faults(vec![
        FaultRule::new(
            Some(Endpoint::CreateIntent),
            FaultKind::RateLimited {
                retry_after_secs: 7,
            },
        )
        .times(1),
        FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::Status(503)).times(2),
    ]);
    let r = api.create_for_pos(POS1, "10.00");
    let (e, _) = r.mp_error(429);
    assert_eq!(e, "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("7"));
    let (e, _) = api.create_for_pos(POS1, "10.00").mp_error(503);
    assert_eq!(e, "service_unavailable");
    api.create_for_pos(POS1, "10.00").mp_error(503);
    assert!(api.sim.intents().is_empty(), "a 5xx fault does nothing");
    api.create(POS1, "10.00");
    assert!(api.sim.faults().is_empty());

    // A fault for every endpoint, unauthenticated requests included (it happens before auth).
    api.sim
        .set_faults(vec![FaultRule::new(None, FaultKind::Status(502))]);
    api.get("/v1/payments/1").mp_error(502);
    api.send(reqwest::Method::GET, "/v1/payments/1", None, false)
        .mp_error(502);
    api.sim
        .set_faults(vec![FaultRule::new(None, FaultKind::Status(500))]);
    api.get("/instore-api/point/v1/devices").mp_error(500);
    api.sim.clear_faults();

    api.sim.add_fault(
        FaultRule::new(
            Some(Endpoint::ListDevices),
            FaultKind::Latency(Duration::from_millis(300)),
        )
        .times(1),
    );
    let t = Instant::now();
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    // Used up by that one request: the next one is answered without it. (Asserted on the rule
    // list, not on a clock, so a loaded machine cannot fail it.)
    assert!(api.sim.faults().is_empty(), "{:?}", api.sim.faults());
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);

    // Faults from the config, with a share.
    let shared = Api::start(SimulatorConfig {
        faults: vec![
            FaultRule::new(Some(Endpoint::GetPayment), FaultKind::Status(500)).share_percent(50),
        ],
        ..fast()
    });
    let fives = (0..200)
        .filter(|_| shared.get("/v1/payments/1").status == 500)
        .count();
    assert!((60..140).contains(&fives), "{fives}");
}

#[test]
fn tls_with_the_generated_certificate_and_keep_alive() {
    let api_cfg = SimulatorConfig {
        tls: true,
        ..fast()
    };
    let sim = Simulator::start(api_cfg).unwrap();
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let pem = sim.ca_cert_pem().expect("a certificate");
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let http = reqwest::blocking::Client::builder()
        .add_root_certificate(cert)
        .build()
        .unwrap();
    for _ in 0..2 {
        let r = http
            .get(format!("{}/instore-api/point/v1/devices", sim.base_url()))
            .bearer_auth(sim.access_token())
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.text().unwrap();
    }
    let c = sim.counters();
    assert_eq!(c.connections_accepted, 1);
    assert_eq!(c.requests_to(Endpoint::ListDevices), 2);

    // localhost is in the certificate too.
    let port = sim.config().bind.port();
    let r = http
        .get(format!("https://localhost:{port}/_simulator/counters"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // A client that does not trust it fails.
    let untrusting = reqwest::blocking::Client::new();
    assert!(untrusting
        .get(format!("{}/_simulator/counters", sim.base_url()))
        .send()
        .is_err());
    let plain = Simulator::start(fast()).unwrap();
    assert!(plain.ca_cert_pem().is_none());
    assert!(plain.base_url().starts_with("http://127.0.0.1:"));
}

#[test]
fn huge_bodies_get_413() {
    let api = Api::start(fast());
    let huge = format!("{{\"description\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = api.post(&format!("{INTENTS}/point/pos/{POS1}"), &huge);
    assert_eq!(r.mp_error(413).0, "payload_too_large");
    // The server still answers.
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);
    // Far past what it drains: a 413 or a closed connection, and the server goes on.
    let enormous = vec![b'x'; 40 * 1024 * 1024];
    let r = api
        .http
        .post(format!("{}{INTENTS}/point/pos/{POS1}", api.sim.base_url()))
        .bearer_auth(api.sim.access_token())
        .body(enormous)
        .send();
    if let Ok(r) = r {
        assert_eq!(r.status().as_u16(), 413);
    }
    assert_eq!(api.get("/instore-api/point/v1/devices").status, 200);
    assert!(api.sim.intents().is_empty());
}

#[test]
fn config_is_checked_and_kept() {
    let bad = SimulatorConfig {
        devices: vec![SimDevice {
            id: "X".into(),
            pos_external_id: Some("NOPE".into()),
            operating_mode: OperatingMode::Pdv,
        }],
        ..SimulatorConfig::default()
    };
    assert_eq!(
        Simulator::start(bad).unwrap_err().kind(),
        mppoint::ErrorKind::Config
    );
    let zero = SimulatorConfig {
        time_factor: 0,
        ..SimulatorConfig::default()
    };
    assert!(Simulator::start(zero).is_err());
    let sim = Simulator::start(SimulatorConfig::default()).unwrap();
    assert_ne!(sim.config().bind.port(), 0);
    assert_eq!(sim.access_token(), "TEST-mppoint-simulator-token");
    assert_eq!(sim.config().devices.len(), 3);
    let dbg = format!("{:?}", sim.config());
    assert!(!dbg.contains(sim.access_token()), "{dbg}");
    let url = sim.base_url().to_string();
    sim.stop();
    assert!(reqwest::blocking::get(format!("{url}/_simulator/counters")).is_err());
}

/// Sends one raw HTTP/1.1 request and reads everything until the server closes.
fn raw_exchange(base_url: &str, request: &str) -> Vec<u8> {
    let addr = base_url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn drops_write_nothing_and_truncation_sends_a_short_body_at_the_socket_level() {
    let sim = Simulator::start(fast()).unwrap();
    let body = body("10.44");
    let req = format!(
        "POST {INTENTS}/point/pos/{POS1} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        sim.access_token(),
        body.len()
    );
    for kind in [
        FaultKind::DropBeforeProcessing,
        FaultKind::DropAfterProcessing,
    ] {
        sim.set_faults(vec![FaultRule::new(
            Some(Endpoint::CreateIntent),
            kind.clone(),
        )]);
        let got = raw_exchange(sim.base_url(), &req);
        assert!(
            got.is_empty(),
            "{kind:?}: {:?}",
            String::from_utf8_lossy(&got)
        );
    }
    assert_eq!(
        sim.intents().len(),
        1,
        "only the drop after processing created"
    );

    sim.set_faults(vec![FaultRule::new(
        Some(Endpoint::GetIntent),
        FaultKind::TruncatedBody,
    )]);
    let id = sim.intents()[0].id.clone();
    let got = raw_exchange(
        sim.base_url(),
        &format!(
            "GET {INTENTS}/{id}/point HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
            sim.access_token()
        ),
    );
    let text = String::from_utf8(got).unwrap();
    let (head, sent) = text.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let announced: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    assert!(
        !sent.is_empty() && sent.len() < announced,
        "{} of {announced}",
        sent.len()
    );
}

#[test]
fn starts_and_stops_inside_an_async_context() {
    // As a binding's event loop or an async test would: no "runtime within a runtime" panic.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(async {
        let sim = Simulator::start(fast()).unwrap();
        let url = sim.base_url().to_string();
        sim.set_faults(Vec::new());
        assert!(sim.intents().is_empty());
        drop(sim);
        url
    });
    std::thread::sleep(Duration::from_millis(100));
    assert!(reqwest::blocking::get(format!("{url}/_simulator/counters")).is_err());
}
