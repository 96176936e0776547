//! Requests to answers: routing, authentication, body limits, the API handlers, the
//! `/_simulator/` control routes, and where the faults cut in.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;
use mppoint::intent::{
    validate_description, validate_external_reference, validate_ticket_number, Target,
};

use super::faults::{Decision, Endpoint, FaultKind, FaultRule};
use super::orders::{self, OrderRequest, OrderRoute};
use super::server::{Dropped, SimBody};
use super::state::{lock, ApiError, NewIntent, Shared};
use super::terminal::CardOutcome;

/// The largest request body accepted (larger: 413).
/// 2 MiB: a print action's image of 1 MB is about 1.37 MB once in Base64.
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;

/// How much of a too-large body is read and dropped before answering 413.
const DRAIN_LIMIT: usize = 16 * MAX_BODY;

/// The largest page of devices.
const MAX_LIMIT: u64 = 1000;

/// What a handler answers, before faults.
struct Answer {
    status: u16,
    body: Option<Vec<u8>>,
}

impl Answer {
    fn json(status: u16, body: Vec<u8>) -> Answer {
        Answer {
            status,
            body: Some(body),
        }
    }
    fn value(status: u16, v: &impl serde::Serialize) -> Answer {
        Answer::json(status, serde_json::to_vec(v).unwrap_or_default())
    }
    fn no_content() -> Answer {
        Answer {
            status: 204,
            body: None,
        }
    }
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Answer {
        Answer::json(e.status, e.body())
    }
}

/// A route: what the request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    ListDevices,
    SetOperatingMode(String),
    CreateIntent(Target),
    GetIntent(String),
    CancelIntent(String, Option<String>),
    GetPayment(String),
    SearchPayments,
    Refund(String),
    PresentCard(String),
    CancelOnTerminal(String),
    Hold(String),
    RestartDevice(String),
    PutForbidden,
    Counters,
    GetFaults,
    PutFaults,
    AddFault,
    DeleteFaults,
    State,
    PutWebhookUrls,
    /// `GET /_simulator/`: the list of the control routes ([`CONTROL_ROUTES`]).
    ControlIndex,
    /// The Orders API (`/v1/orders…`, `/terminals/v1/…`), served by [`super::orders`].
    Orders(OrderRoute),
}

impl Route {
    fn endpoint(&self) -> Endpoint {
        match self {
            Route::ListDevices => Endpoint::ListDevices,
            Route::SetOperatingMode(_) => Endpoint::SetOperatingMode,
            Route::CreateIntent(_) => Endpoint::CreateIntent,
            Route::GetIntent(_) => Endpoint::GetIntent,
            Route::CancelIntent(..) => Endpoint::CancelIntent,
            Route::GetPayment(_) => Endpoint::GetPayment,
            Route::SearchPayments => Endpoint::SearchPayments,
            Route::Refund(_) => Endpoint::Refund,
            Route::Orders(r) => r.endpoint(),
            _ => Endpoint::Control,
        }
    }
}

/// The control routes (method, path, what it does), answered by `GET /_simulator/` so that a
/// tester who only has the URL `mppoint sim` printed can find them. A test checks that each one
/// routes.
pub(crate) const CONTROL_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/_simulator/", "this list"),
    ("POST", "/_simulator/intents/{id}/present_card", "a card is presented on the terminal; body {\"outcome\": \"approved\" | \"rejected\" | \"error\" | \"confirmation_required\"} (default approved)"),
    ("POST", "/_simulator/intents/{id}/cancel_on_terminal", "the customer or cashier cancels the intent on the terminal"),
    ("POST", "/_simulator/intents/{id}/hold", "the terminal keeps the intent ON_TERMINAL until present_card or cancel_on_terminal"),
    ("POST", "/_simulator/devices/{id}/restart", "the device restarts and takes the operating mode set by set-mode"),
    ("PUT", "/_simulator/forbidden", "body {\"integrator_not_registered\": bool, \"user_not_logged_in\": [device ids]}"),
    ("GET", "/_simulator/counters", "requests served, per endpoint"),
    ("GET", "/_simulator/faults", "the armed faults"),
    ("PUT", "/_simulator/faults", "replace the armed faults (a JSON list)"),
    ("POST", "/_simulator/faults", "arm one more fault"),
    ("DELETE", "/_simulator/faults", "disarm every fault"),
    ("GET", "/_simulator/state", "devices, intents, orders and payments"),
    ("PUT", "/_simulator/webhook_urls", "where notifications go (a JSON list of URLs)"),
];

fn route(method: &Method, segs: &[Cow<'_, str>]) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(|c| c.as_ref()).collect();
    let own = |x: &str| x.to_string();
    if let Some(r) = orders::route(method, &s) {
        return Some(Route::Orders(r));
    }
    let m = method.clone();
    Some(match (m, s.as_slice()) {
        (Method::GET, ["instore-api", "point", "v1", "devices"]) => Route::ListDevices,
        (Method::PATCH, ["instore-api", "point", "v1", "devices", id]) => {
            Route::SetOperatingMode(own(id))
        }
        (Method::POST, ["instore-api", "integrations", "v1", "intents", "point", "pos", ext]) => {
            Route::CreateIntent(Target::Pos(own(ext)))
        }
        (Method::POST, ["instore-api", "integrations", "v1", "intents", "point", dev]) => {
            Route::CreateIntent(Target::Device(own(dev)))
        }
        (Method::GET, ["instore-api", "integrations", "v1", "intents", id, "point"]) => {
            Route::GetIntent(own(id))
        }
        (Method::DELETE, ["instore-api", "integrations", "v1", "intents", id, "point"]) => {
            Route::CancelIntent(own(id), None)
        }
        (
            Method::DELETE,
            ["instore-api", "integrations", "v1", "intents", id, "point", "pos", ext],
        ) => Route::CancelIntent(own(id), Some(own(ext))),
        (Method::GET, ["v1", "payments", "search"]) => Route::SearchPayments,
        (Method::GET, ["v1", "payments", id]) => Route::GetPayment(own(id)),
        (Method::POST, ["v1", "payments", id, "refunds"]) => Route::Refund(own(id)),
        (Method::GET, ["_simulator"]) => Route::ControlIndex,
        (Method::POST, ["_simulator", "intents", id, "present_card"]) => {
            Route::PresentCard(own(id))
        }
        (Method::POST, ["_simulator", "intents", id, "cancel_on_terminal"]) => {
            Route::CancelOnTerminal(own(id))
        }
        (Method::POST, ["_simulator", "intents", id, "hold"]) => Route::Hold(own(id)),
        (Method::POST, ["_simulator", "devices", id, "restart"]) => Route::RestartDevice(own(id)),
        (Method::PUT, ["_simulator", "forbidden"]) => Route::PutForbidden,
        (Method::GET, ["_simulator", "counters"]) => Route::Counters,
        (Method::GET, ["_simulator", "faults"]) => Route::GetFaults,
        (Method::PUT, ["_simulator", "faults"]) => Route::PutFaults,
        (Method::POST, ["_simulator", "faults"]) => Route::AddFault,
        (Method::DELETE, ["_simulator", "faults"]) => Route::DeleteFaults,
        (Method::GET, ["_simulator", "state"]) => Route::State,
        (Method::PUT, ["_simulator", "webhook_urls"]) => Route::PutWebhookUrls,
        _ => return None,
    })
}

/// The decoded, non-empty path segments; `None` if one is not UTF-8 once decoded.
fn segments(path: &str) -> Option<Vec<Cow<'_, str>>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8().ok())
        .collect()
}

/// The query's pairs, decoded (`+` is a space).
fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

fn respond(status: u16, request_id: &str, body: SimBody, json: bool) -> Response<SimBody> {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-request-id", v);
    }
    if json {
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    r
}

fn finish(answer: Answer, request_id: &str) -> Response<SimBody> {
    match answer.body {
        Some(b) => respond(answer.status, request_id, SimBody::full(b), true),
        None => respond(answer.status, request_id, SimBody::empty(), false),
    }
}

/// Serves one request. `Err(Dropped)` makes hyper close the connection without answering.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<SimBody>, Dropped> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let Some(segs) = segments(req.uri().path()) else {
        shared.count(None);
        let e = ApiError::not_found("not_found", "resource not found");
        return Ok(finish(e.into(), &request_id));
    };
    let Some(route) = route(req.method(), &segs) else {
        shared.count(None);
        let other_method = [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ]
        .iter()
        .any(|m| route(m, &segs).is_some());
        let e = if other_method {
            ApiError::new(
                405,
                "method_not_allowed",
                format!("method {} is not allowed here", req.method()),
            )
        } else {
            ApiError::not_found(
                "not_found",
                format!("resource {} not found", req.uri().path()),
            )
        };
        return Ok(finish(e.into(), &request_id));
    };
    let endpoint = route.endpoint();
    shared.count(Some(endpoint));

    let Decision { latency, fault } = lock(&shared.faults).decide(endpoint);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if fault.is_some() {
        lock(&shared.counters).faults_applied += 1;
    }
    match fault {
        Some(FaultKind::DropBeforeProcessing) => return Err(Dropped),
        // The Orders and Terminals APIs answer their own error shape; the Terminals API folded
        // its 424/502/504 into a retryable 500 `internal_error`.
        Some(FaultKind::Status(s)) if matches!(route, Route::Orders(_)) => {
            let code = if s == 500 {
                "internal_error"
            } else {
                "simulated_fault"
            };
            let e = orders::OrdersError::new(s, code, "Internal server error, try again");
            return Ok(finish(Answer::json(s, e.body()), &request_id));
        }
        Some(FaultKind::Status(s)) => {
            let (error, message) = match s {
                500 => ("internal_server_error", "Internal server error"),
                502 => ("bad_gateway", "Bad gateway"),
                503 => (
                    "service_unavailable",
                    "Service unavailable, try again later",
                ),
                504 => ("gateway_timeout", "Gateway timeout"),
                _ => ("simulated_fault", "Simulated fault"),
            };
            let e = ApiError::new(s, error, message);
            let e = if s == 500 {
                e.documented("500-- Internal server error")
            } else {
                e
            };
            return Ok(finish(e.into(), &request_id));
        }
        Some(FaultKind::RateLimited { retry_after_secs }) => {
            let e = ApiError::new(429, "too_many_requests", "Too many requests, slow down");
            let mut r = finish(e.into(), &request_id);
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            return Ok(r);
        }
        _ => {}
    }

    let authorized = endpoint == Endpoint::Control || {
        let expected = format!("Bearer {}", shared.cfg.access_token);
        req.headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                // `Bearer` in any case, then the token exactly.
                v.len() == expected.len()
                    && v.get(..7)
                        .is_some_and(|s| s.eq_ignore_ascii_case("bearer "))
                    && v.get(7..) == expected.get(7..)
            })
    };
    let idempotency_key = req
        .headers()
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let allow_at_terminal = req
        .headers()
        .get(orders::ALLOW_CANCELABLE_STATUS)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "at_terminal");
    let query = req.uri().query().map(str::to_string);

    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(e) => {
            // The body was not read to its end: the connection cannot carry another request.
            let mut r = finish(e.into(), &request_id);
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return Ok(r);
        }
    };

    let answer = if !authorized {
        ApiError::new(401, "unauthorized", "invalid access token")
            .documented("401-- Unauthorized - Access Token is invalid")
            .into()
    } else {
        dispatch(
            &shared,
            route,
            query.as_deref(),
            &body,
            idempotency_key,
            allow_at_terminal,
        )
    };

    Ok(match fault {
        Some(FaultKind::DropAfterProcessing) => return Err(Dropped),
        Some(FaultKind::StatusAfterProcessing(s)) => {
            let (error, message) = match s {
                502 => ("bad_gateway", "Bad gateway"),
                503 => (
                    "service_unavailable",
                    "Service unavailable, try again later",
                ),
                504 => ("gateway_timeout", "Gateway timeout"),
                _ => ("internal_server_error", "Internal server error"),
            };
            finish(ApiError::new(s, error, message).into(), &request_id)
        }
        Some(FaultKind::TruncatedBody) => {
            let full = answer
                .body
                .unwrap_or_else(|| b"{\"status\":\"ok\"}".to_vec());
            let announced = full.len() + 64;
            let sent = Bytes::copy_from_slice(&full[..full.len() / 2]);
            let status = if answer.status == 204 {
                200
            } else {
                answer.status
            };
            let mut r = respond(status, &request_id, SimBody::truncated(sent), true);
            r.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(announced));
            r
        }
        Some(FaultKind::MalformedJson) => {
            let status = if answer.status == 204 {
                200
            } else {
                answer.status
            };
            let body = b"{\"id\": \"simulated\", \"status\": <malformed on purpose".to_vec();
            respond(status, &request_id, SimBody::full(body), true)
        }
        _ => finish(answer, &request_id),
    })
}

/// `GET /v1/payments/search`: the Payments API's search, filtered by `external_reference` (the
/// filter a POS uses to find a sale), paged with `limit` (default 30, at most 1000) and
/// `offset`, sorted by `date_created` (`criteria` `asc` or `desc`, the default). The answer is
/// `{"paging": {"total", "limit", "offset"}, "results": [payments]}`.
fn search_payments(shared: &Arc<Shared>, query: Option<&str>) -> Result<Answer, ApiError> {
    let mut external_reference = None;
    let mut limit = 30u64;
    let mut offset = 0u64;
    let mut descending = true;
    for (k, v) in query_pairs(query) {
        match k.as_str() {
            "external_reference" => external_reference = Some(v),
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| ApiError::bad_request(format!("invalid limit {v:?}")))?
            }
            "offset" => {
                offset = v
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid offset {v:?}")))?
            }
            "criteria" => match v.as_str() {
                "asc" => descending = false,
                "desc" => descending = true,
                _ => return Err(ApiError::bad_request("Invalid criteria value.")),
            },
            "sort" if v == "date_created" => {}
            "sort" => return Err(ApiError::bad_request("Invalid sort value.")),
            // Other filters of the real search are accepted and ignored.
            _ => {}
        }
    }
    let body = lock(&shared.world).search_payments(
        external_reference.as_deref(),
        descending,
        limit,
        offset,
    );
    Ok(Answer::json(200, body))
}

/// Reads a request body of at most [`MAX_BODY`] bytes. A larger one is 413, after reading (and
/// dropping) up to [`DRAIN_LIMIT`] bytes of it, so that the client, still sending, reads the
/// answer instead of a reset connection.
async fn read_body(mut body: Incoming) -> Result<Bytes, ApiError> {
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= MAX_BODY {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError::new(
            413,
            "payload_too_large",
            format!("the request body is larger than {MAX_BODY} bytes"),
        ));
    }
    Ok(buf.freeze())
}

fn dispatch(
    shared: &Arc<Shared>,
    route: Route,
    query: Option<&str>,
    body: &[u8],
    idempotency_key: Option<String>,
    allow_at_terminal: bool,
) -> Answer {
    let result = match route {
        Route::Orders(r) => {
            let (status, body) = orders::dispatch(
                shared,
                r,
                OrderRequest {
                    query,
                    body,
                    idempotency_key,
                    allow_at_terminal,
                },
            );
            Ok(if status == 204 || (status == 200 && body.is_empty()) {
                Answer {
                    status,
                    body: None,
                }
            } else {
                Answer::json(status, body)
            })
        }
        Route::PresentCard(id) if orders::is_order_id(&id) => parse_outcome(body).and_then(|o| {
            orders::present_card(shared, &id, o)
                .map(|v| Answer::value(200, &v))
                .map_err(orders::to_api_error)
        }),
        Route::CancelOnTerminal(id) if orders::is_order_id(&id) => {
            orders::cancel_on_terminal(shared, &id)
                .map(|v| Answer::value(200, &v))
                .map_err(orders::to_api_error)
        }
        Route::Hold(id) if orders::is_order_id(&id) => orders::hold(shared, &id)
            .map(|v| Answer::value(200, &v))
            .map_err(orders::to_api_error),
        Route::ListDevices => list_devices(shared, query),
        Route::SetOperatingMode(id) => set_operating_mode(shared, &id, body),
        Route::CreateIntent(target) => shared
            .create_intent(&target, parse_create(shared, body), idempotency_key)
            .map(|i| Answer::value(201, &i.wire())),
        Route::GetIntent(id) => lock(&shared.world)
            .intent(&id)
            .map(|i| Answer::value(200, &i.wire()))
            .ok_or_else(|| {
                ApiError::not_found("not_found", format!("intent {id} not found"))
                    .documented("404-- not_found - Register not found")
            }),
        Route::CancelIntent(id, pos) => shared
            .cancel_intent(&id, pos.as_deref())
            .map(|()| Answer::no_content()),
        Route::GetPayment(id) => payment_id(&id)
            .and_then(|id| lock(&shared.world).payment_json(id))
            .map(|b| Answer::json(200, b)),
        Route::SearchPayments => search_payments(shared, query),
        Route::Refund(id) => payment_id(&id).and_then(|id| {
            let amount = parse_refund(body)?;
            lock(&shared.world)
                .refund(id, amount, idempotency_key)
                .map(|b| Answer::json(201, b))
        }),
        Route::PresentCard(id) => parse_outcome(body)
            .and_then(|o| shared.present_card(&id, o))
            .map(|i| Answer::value(200, &i.wire())),
        Route::CancelOnTerminal(id) => shared
            .cancel_on_terminal(&id)
            .map(|i| Answer::value(200, &i.wire())),
        Route::Hold(id) => shared.hold(&id).map(|i| Answer::value(200, &i.wire())),
        Route::RestartDevice(id) => shared.restart_device(&id).map(|()| Answer::no_content()),
        Route::PutForbidden => serde_json::from_slice::<super::state::Forbidden>(body)
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "expected {{\"integrator_not_registered\": bool, \"user_not_logged_in\": [device ids]}}: {e}"
                ))
            })
            .map(|f| {
                lock(&shared.world).forbidden = f.clone();
                Answer::value(200, &f)
            }),
        Route::Counters => Ok(Answer::value(200, &*lock(&shared.counters))),
        Route::ControlIndex => {
            let routes: Vec<Value> = CONTROL_ROUTES
                .iter()
                .map(|(m, p, d)| serde_json::json!({"method": m, "path": p, "description": d}))
                .collect();
            Ok(Answer::value(200, &serde_json::json!({ "control_routes": routes })))
        }
        Route::GetFaults => Ok(Answer::value(200, &lock(&shared.faults).rules())),
        Route::PutFaults => parse_faults(body).map(|rules| {
            lock(&shared.faults).set(rules.clone());
            Answer::value(200, &rules)
        }),
        Route::AddFault => serde_json::from_slice::<FaultRule>(body)
            .map_err(|e| ApiError::bad_request(format!("invalid fault rule: {e}")))
            .and_then(|r| {
                r.validate()
                    .map_err(|e| ApiError::bad_request(e.message().to_string()))?;
                let mut f = lock(&shared.faults);
                f.add(r);
                Ok(Answer::value(200, &f.rules()))
            }),
        Route::DeleteFaults => {
            lock(&shared.faults).set(Vec::new());
            Ok(Answer::no_content())
        }
        Route::State => {
            let mut state = lock(&shared.world).state_json();
            state["orders"] = orders::state_json(shared);
            state["print_actions"] = super::print::state_json(shared);
            Ok(Answer::value(200, &state))
        }
        Route::PutWebhookUrls => serde_json::from_slice::<Vec<String>>(body)
            .map_err(|e| ApiError::bad_request(format!("expected a JSON list of URLs: {e}")))
            .map(|urls| {
                *lock(&shared.webhook_urls) = urls.clone();
                Answer::value(200, &urls)
            }),
    };
    result.unwrap_or_else(Answer::from)
}

fn payment_id(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found("not_found", format!("payment {id} not found")))
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
    let page = lock(&shared.world).list_devices(store_id.as_deref(), pos_id, limit, offset)?;
    Ok(Answer::value(200, &page))
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty: JSON expected",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
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
    let mode = shared.set_operating_mode(id, mode)?;
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

/// Reads a refund body: empty or `{}` (the whole remaining amount) or `{"amount": 10.00}`. The
/// number is read from its text, never through a float.
fn parse_refund(body: &[u8]) -> Result<Option<Amount>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request(
            "the refund body must be a JSON object: {} or {\"amount\": 10.00}",
        ));
    }
    #[derive(serde::Deserialize)]
    struct RefundBody<'a> {
        #[serde(borrow, default)]
        amount: Option<&'a serde_json::value::RawValue>,
    }
    let b: RefundBody<'_> = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the refund body must be {{}} or {{\"amount\": 10.00}}: {e}"
        ))
    })?;
    let Some(raw) = b.amount else {
        return Ok(None);
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    if text.starts_with('"') {
        return Err(ApiError::bad_request(format!(
            "amount must be a JSON number like 10.00 (got {text})"
        )));
    }
    Amount::parse(text)
        .map(Some)
        .map_err(|e| ApiError::bad_request(e.message().to_string()))
}

fn parse_outcome(body: &[u8]) -> Result<CardOutcome, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(CardOutcome::Approved);
    }
    let v = parse_json(body)?;
    match v.get("outcome") {
        None | Some(Value::Null) => Ok(CardOutcome::Approved),
        Some(Value::String(s)) => {
            CardOutcome::parse(s).map_err(|e| ApiError::bad_request(e.message().to_string()))
        }
        Some(other) => Err(ApiError::bad_request(format!(
            "outcome must be a string (got {other})"
        ))),
    }
}

fn parse_faults(body: &[u8]) -> Result<Vec<FaultRule>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the fault list is not UTF-8"))?;
    FaultRule::list_from_json(text).map_err(|e| ApiError::bad_request(e.message().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(m: Method, path: &str) -> Option<Route> {
        route(&m, &segments(path).unwrap())
    }

    #[test]
    fn routes() {
        assert_eq!(
            r(
                Method::POST,
                "/instore-api/integrations/v1/intents/point/pos/SUC001POS001"
            ),
            Some(Route::CreateIntent(Target::Pos("SUC001POS001".into())))
        );
        assert_eq!(
            r(
                Method::POST,
                "/instore-api/integrations/v1/intents/point/PAX_A910__X"
            ),
            Some(Route::CreateIntent(Target::Device("PAX_A910__X".into())))
        );
        assert_eq!(
            r(
                Method::GET,
                "/instore-api/integrations/v1/intents/abc/point"
            ),
            Some(Route::GetIntent("abc".into()))
        );
        assert_eq!(
            r(
                Method::DELETE,
                "/instore-api/integrations/v1/intents/abc/point/pos/P%201"
            ),
            Some(Route::CancelIntent("abc".into(), Some("P 1".into())))
        );
        assert_eq!(
            r(Method::GET, "/v1/payments/12/"),
            Some(Route::GetPayment("12".into()))
        );
        assert_eq!(r(Method::PUT, "/v1/payments/12"), None);
        assert!(segments("/a/%ff").is_none());
    }

    #[test]
    fn the_control_index_lists_routes_that_exist() {
        assert_eq!(r(Method::GET, "/_simulator/"), Some(Route::ControlIndex));
        assert_eq!(r(Method::GET, "/_simulator"), Some(Route::ControlIndex));
        for (m, p, _) in CONTROL_ROUTES {
            let m = Method::from_bytes(m.as_bytes()).unwrap();
            let route = r(m.clone(), &p.replace("{id}", "x"));
            assert!(route.is_some(), "{m} {p} is listed but does not route");
            assert_eq!(route.unwrap().endpoint(), Endpoint::Control, "{m} {p}");
        }
        // every control route of the table above is listed
        let listed: Vec<&str> = CONTROL_ROUTES.iter().map(|(_, p, _)| *p).collect();
        for p in [
            "present_card",
            "cancel_on_terminal",
            "hold",
            "restart",
            "forbidden",
            "counters",
            "faults",
            "state",
            "webhook_urls",
        ] {
            assert!(listed.iter().any(|l| l.contains(p)), "{p} is not listed");
        }
    }

    /// The README's table of control routes is the one a tester in another process reads: it
    /// must list every route of [`CONTROL_ROUTES`], with its method, and no other.
    #[test]
    fn the_readme_documents_every_control_route() {
        let readme = include_str!("../../../README.md");
        let rows: Vec<(&str, &str)> = readme
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let path = cells.get(2)?.strip_prefix("`/_simulator/")?;
                Some((cells[1], path.trim_end_matches('`')))
            })
            .collect();
        let want: Vec<(&str, &str)> = CONTROL_ROUTES
            .iter()
            .map(|(m, p, _)| (*m, p.strip_prefix("/_simulator/").unwrap()))
            .collect();
        assert_eq!(
            rows, want,
            "README.md's control-route table and CONTROL_ROUTES differ"
        );
    }

    #[test]
    fn refund_bodies() {
        assert_eq!(parse_refund(b"").unwrap(), None);
        assert_eq!(parse_refund(b"{}").unwrap(), None);
        assert_eq!(parse_refund(b"{\"amount\": null}").unwrap(), None);
        assert_eq!(
            parse_refund(b"{\"amount\": 10.10}")
                .unwrap()
                .unwrap()
                .cents(),
            1010
        );
        assert_eq!(
            parse_refund(b"{\"amount\": 5}").unwrap().unwrap().cents(),
            500
        );
        assert!(parse_refund(b"{\"amount\": 0.001}").is_err());
        assert!(parse_refund(b"{\"amount\": 1e3}").is_err());
        assert!(parse_refund(b"{\"amount\": \"10.00\"}").is_err());
        assert!(parse_refund(b"{\"amount\": -1}").is_err());
        assert!(parse_refund(b"[1]").is_err());
    }

    #[test]
    fn query() {
        assert_eq!(
            query_pairs(Some("store_id=a+b&limit=5&x")),
            vec![
                ("store_id".into(), "a b".into()),
                ("limit".into(), "5".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
