//! The InStore API's routes: the devices (`/instore-api/point/v1/devices…`) and the intents
//! (`/instore-api/integrations/v1/intents…`), read the way the API reads them — strict types,
//! every rule, a message naming the field — and answered through [`super::service`].

use std::sync::Arc;

use hyper::Method;
use serde_json::Value;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;
use mppoint::intent::{
    validate_description, validate_external_reference, validate_ticket_number, Target,
};

use super::service;
use super::state::NewIntent;
use crate::faults::Endpoint;
use crate::hub::{lock, Shared};
use crate::reply::{parse_json, query_pairs, Answer, ApiError, MAX_LIMIT};

/// What an InStore request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IntentRoute {
    ListDevices,
    SetOperatingMode(String),
    CreateIntent(Target),
    GetIntent(String),
    CancelIntent(String, Option<String>),
}

impl IntentRoute {
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            IntentRoute::ListDevices => Endpoint::ListDevices,
            IntentRoute::SetOperatingMode(_) => Endpoint::SetOperatingMode,
            IntentRoute::CreateIntent(_) => Endpoint::CreateIntent,
            IntentRoute::GetIntent(_) => Endpoint::GetIntent,
            IntentRoute::CancelIntent(..) => Endpoint::CancelIntent,
        }
    }
}

/// Routes `/instore-api/…`; `s`: the decoded path segments.
pub(crate) fn route(method: &Method, s: &[&str]) -> Option<IntentRoute> {
    let own = |x: &str| x.to_string();
    Some(match (method.clone(), s) {
        (Method::GET, ["instore-api", "point", "v1", "devices"]) => IntentRoute::ListDevices,
        (Method::PATCH, ["instore-api", "point", "v1", "devices", id]) => {
            IntentRoute::SetOperatingMode(own(id))
        }
        (Method::POST, ["instore-api", "integrations", "v1", "intents", "point", "pos", ext]) => {
            IntentRoute::CreateIntent(Target::Pos(own(ext)))
        }
        (Method::POST, ["instore-api", "integrations", "v1", "intents", "point", dev]) => {
            IntentRoute::CreateIntent(Target::Device(own(dev)))
        }
        (Method::GET, ["instore-api", "integrations", "v1", "intents", id, "point"]) => {
            IntentRoute::GetIntent(own(id))
        }
        (Method::DELETE, ["instore-api", "integrations", "v1", "intents", id, "point"]) => {
            IntentRoute::CancelIntent(own(id), None)
        }
        (
            Method::DELETE,
            ["instore-api", "integrations", "v1", "intents", id, "point", "pos", ext],
        ) => IntentRoute::CancelIntent(own(id), Some(own(ext))),
        _ => return None,
    })
}

/// Serves one InStore request.
pub(crate) fn dispatch(
    shared: &Arc<Shared>,
    route: IntentRoute,
    query: Option<&str>,
    body: &[u8],
    idempotency_key: Option<String>,
) -> Result<Answer, ApiError> {
    match route {
        IntentRoute::ListDevices => list_devices(shared, query),
        IntentRoute::SetOperatingMode(id) => set_operating_mode(shared, &id, body),
        IntentRoute::CreateIntent(target) => {
            service::create(shared, &target, parse_create(shared, body), idempotency_key)
                .map(|i| Answer::value(201, &i.wire()))
        }
        IntentRoute::GetIntent(id) => lock(&shared.world)
            .intents
            .intent(&id)
            .map(|i| Answer::value(200, &i.wire()))
            .ok_or_else(|| {
                ApiError::not_found("not_found", format!("intent {id} not found"))
                    .documented("404-- not_found - Register not found")
            }),
        IntentRoute::CancelIntent(id, pos) => {
            service::cancel(shared, &id, pos.as_deref()).map(|()| Answer::no_content())
        }
    }
}

fn list_devices(shared: &Shared, query: Option<&str>) -> Result<Answer, ApiError> {
    let mut store_id = None;
    let mut pos_id = None;
    let mut limit = 50;
    let mut offset = 0;
    for (k, v) in query_pairs(query) {
        let number = |what: &str| {
            v.parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!("{what} must be a non-negative integer (got {v:?})"))
            })
        };
        match k.as_str() {
            "store_id" if !v.is_empty() => store_id = Some(v.clone()),
            "pos_id" if !v.is_empty() => {
                pos_id = Some(v.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!("pos_id must be a number (got {v:?})"))
                })?)
            }
            "limit" => {
                limit = number("limit")?;
                if limit == 0 || limit > MAX_LIMIT {
                    return Err(ApiError::bad_request(format!(
                        "limit must be 1-{MAX_LIMIT} (got {limit})"
                    )));
                }
            }
            "offset" => offset = number("offset")?,
            _ => {}
        }
    }
    let w = lock(&shared.world);
    let page = w
        .intents
        .list_devices(&w.account, store_id.as_deref(), pos_id, limit, offset)?;
    Ok(Answer::value(200, &page))
}

fn set_operating_mode(shared: &Shared, id: &str, body: &[u8]) -> Result<Answer, ApiError> {
    let v = parse_json(body)?;
    let mode = v
        .get("operating_mode")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::bad_request(
                "operating_mode is required: {\"operating_mode\": \"PDV\" or \"STANDALONE\"}",
            )
        })?;
    let mode = match OperatingMode::parse(mode) {
        m @ (OperatingMode::Pdv | OperatingMode::Standalone) => m,
        _ => {
            return Err(ApiError::bad_request(format!(
                "operating_mode must be \"PDV\" or \"STANDALONE\" (got {mode:?})"
            )))
        }
    };
    let mode = service::set_operating_mode(shared, id, mode)?;
    Ok(Answer::value(
        200,
        &serde_json::json!({ "operating_mode": mode }),
    ))
}

/// Reads a create body the way the API does: strict types, every rule, a message naming the
/// field.
fn parse_create(shared: &Shared, body: &[u8]) -> Result<NewIntent, ApiError> {
    let v = parse_json(body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
    let text = |field: &str| -> Result<String, ApiError> {
        match obj.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err(ApiError::bad_request(format!("{field} is required"))),
            Some(other) => Err(ApiError::bad_request(format!(
                "{field} must be a string (got {other})"
            ))),
        }
    };
    let rule = |e: mppoint::Error| ApiError::bad_request(e.message().to_string());
    let description = text("description")?;
    validate_description(&description).map_err(rule)?;
    let external_reference = text("external_reference")?;
    validate_external_reference(&external_reference).map_err(rule)?;

    let ops = match obj.get("operations") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "operations is required: one {\"type\": \"PURCHASE\", \"amount\": \"12.47\"}",
            ))
        }
        Some(_) => return Err(ApiError::bad_request("operations must be a list")),
    };
    if ops.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "operations must hold exactly one PURCHASE (got {} operations)",
            ops.len()
        )));
    }
    let op = &ops[0];
    match op.get("type").and_then(Value::as_str) {
        Some("PURCHASE") => {}
        other => {
            return Err(ApiError::bad_request(format!(
                "operations[0].type must be \"PURCHASE\" (got {})",
                other.map_or("nothing".to_string(), |t| format!("{t:?}"))
            )))
        }
    }
    let amount = match op.get("amount") {
        Some(Value::String(s)) => Amount::parse_wire(s)
            .map_err(|e| ApiError::bad_request(format!("operations[0].{}", e.message())))?,
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "operations[0].amount is required: a string with two decimals, like \"12.47\"",
            ))
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "operations[0].amount must be a string with exactly two decimals and a dot, \
                 like \"12.47\" (got the JSON {other})"
            )))
        }
    };
    shared
        .cfg
        .effective_limits()
        .check(amount, Some(shared.cfg.site))
        .map_err(|e| ApiError::bad_request(format!("operations[0].{}", e.message())))?;

    let enabler_configuration = match obj.get("enabler_configuration") {
        None | Some(Value::Null) => None,
        Some(Value::Object(e)) => {
            let mut cfg = serde_json::Map::new();
            match e.get("device_payment_mode") {
                None | Some(Value::Null) => {}
                Some(Value::String(m)) if m == "CARD" => {
                    cfg.insert("device_payment_mode".into(), Value::String(m.clone()));
                }
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "enabler_configuration.device_payment_mode must be \"CARD\" (got {other})"
                    )))
                }
            }
            match e.get("ticket_number") {
                None | Some(Value::Null) => {}
                Some(Value::String(t)) => {
                    validate_ticket_number(t).map_err(|e| {
                        ApiError::bad_request(format!("enabler_configuration.{}", e.message()))
                    })?;
                    cfg.insert("ticket_number".into(), Value::String(t.clone()));
                }
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "enabler_configuration.ticket_number must be a string (got {other})"
                    )))
                }
            }
            match e.get("print_on_terminal") {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) => {
                    for p in a {
                        match p.as_str() {
                            Some("SELLER_TICKET") => {}
                            _ => {
                                return Err(ApiError::bad_request(format!(
                                    "enabler_configuration.print_on_terminal may only hold \"SELLER_TICKET\" (got {p})"
                                )))
                            }
                        }
                    }
                }
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "enabler_configuration.print_on_terminal must be a list (got {other})"
                    )))
                }
            }
            if let Some(p) = e.get("print_on_terminal").filter(|p| p.is_array()) {
                cfg.insert("print_on_terminal".into(), p.clone());
            }
            Some(Value::Object(cfg))
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "enabler_configuration must be an object (got {other})"
            )))
        }
    };
    Ok(NewIntent {
        description,
        external_reference,
        amount,
        enabler_configuration,
    })
}
