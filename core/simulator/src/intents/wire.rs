//! The JSON the simulator answers, written from Mercado Pago's reference
//! (`instore_api_mla.yaml` / `instore_api_mlb.yaml`, whose examples are the fixtures in
//! `tests/fixtures/reference/`), never from the client's models: a field name the client gets
//! wrong cannot be mirrored here, and a test compares these shapes with the fixtures.

use serde::Serialize;
use serde_json::{json, Map, Value};

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;
use mppoint::intent::{Intent, Status};

use crate::webhooks;

/// An intent as the simulator keeps it.
#[derive(Debug, Clone)]
pub(crate) struct SimIntent {
    pub id: String,
    pub status: Status,
    pub description: String,
    pub external_reference: String,
    pub amount: Amount,
    /// The create's `enabler_configuration`, as validated (echoed as sent).
    pub enabler_configuration: Option<Value>,
    /// The payment a `CLOSED` intent produced.
    pub payment_id: Option<u64>,
}

impl SimIntent {
    /// The answer of a create (201) and a get (200), in the reference's field order: `id`,
    /// `status`, `description`, `external_reference`, `operations[]{type, amount, results}`,
    /// `enabler_configuration`. `results` only once `CLOSED` ("only obtained when an intent
    /// reaches the CLOSED state").
    pub fn wire(&self) -> Value {
        let mut op = Map::new();
        op.insert("type".into(), json!("PURCHASE"));
        op.insert("amount".into(), json!(self.amount.to_string()));
        if let (Status::Closed, Some(pid)) = (&self.status, self.payment_id) {
            op.insert(
                "results".into(),
                json!([{ "id": pid, "source": "PAYMENT" }]),
            );
        }
        let mut v = Map::new();
        v.insert("id".into(), json!(self.id));
        v.insert("status".into(), json!(self.status.as_str()));
        v.insert("description".into(), json!(self.description));
        v.insert("external_reference".into(), json!(self.external_reference));
        v.insert("operations".into(), Value::Array(vec![Value::Object(op)]));
        if let Some(e) = &self.enabler_configuration {
            v.insert("enabler_configuration".into(), e.clone());
        }
        Value::Object(v)
    }

    /// The same, read by the client (for the Rust control API, which hands out client types).
    pub fn to_client(&self) -> Intent {
        serde_json::from_value(self.wire()).expect("the simulator's intent reads as an intent")
    }
}

/// One device of `GET /instore-api/point/v1/devices`, as the reference shows it: `id`, `pos_id`
/// (an integer), `store_id` (typed string, written as a bare number in the example: sent as a
/// number when it is one), `external_id` (the POS it is linked to), `operating_mode`. A device
/// linked to no POS has them `null`.
pub(crate) fn device(
    id: &str,
    pos_id: Option<i64>,
    store_id: Option<&str>,
    external_id: Option<&str>,
    mode: &OperatingMode,
) -> Value {
    let store = match store_id {
        Some(s) => match s.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => json!(s),
        },
        None => Value::Null,
    };
    let mut v = Map::new();
    v.insert("id".into(), json!(id));
    v.insert("pos_id".into(), json!(pos_id));
    v.insert("store_id".into(), store);
    v.insert("external_id".into(), json!(external_id));
    v.insert("operating_mode".into(), json!(mode.as_str()));
    Value::Object(v)
}

/// `{"devices": [...], "paging": {"total", "offset", "limit"}}`.
pub(crate) fn device_page(devices: Vec<Value>, total: u64, offset: u64, limit: u64) -> Value {
    json!({
        "devices": devices,
        "paging": { "total": total, "offset": offset, "limit": limit },
    })
}

/// A `topic_instore_integration_wh` notification, in the seed's shape.
#[derive(Serialize)]
struct Notification<'a> {
    id: String,
    action: &'a str,
    api_version: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    date_created: String,
    live_mode: bool,
    user_id: u64,
    data: serde_json::Value,
}

/// The JSON body of the `topic_instore_integration_wh` notification for `intent`.
pub(crate) fn notification_body(base_url: &str, intent: &SimIntent) -> Vec<u8> {
    let url = format!(
        "{base_url}/instore-api/integrations/v1/intents/{}/point",
        intent.id
    );
    let n = Notification {
        id: webhooks::notification_id(),
        action: "topic_instore_integration_wh.application.authorized",
        api_version: "v1",
        kind: "topic_instore_integration_wh",
        date_created: webhooks::notification_date_now(),
        live_mode: false,
        user_id: webhooks::SIMULATED_USER_ID,
        data: {
            // The seed's example: the intent's fields, plus `url`.
            let mut data = intent.wire();
            data["url"] = serde_json::Value::String(url);
            data
        },
    };
    serde_json::to_vec(&n).unwrap_or_default()
}
