//! Requests to answers: routing to each API's routes (the InStore API's
//! [`crate::intents::routes`], the Payments API's [`crate::account::routes`], the Orders API's
//! [`crate::orders::routes`], the Print API's [`crate::print`]), authentication, body limits,
//! the `/_simulator/` control routes, and where the faults cut in.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;

use crate::account::routes::{self as payments, PaymentRoute};
use crate::account::Forbidden;
use crate::body::{Dropped, SimBody};
use crate::control;
use crate::faults::{Decision, Endpoint, FaultKind, FaultRule};
use crate::hub::{lock, Shared};
use crate::intents::routes::{self as intents, IntentRoute};
use crate::orders::routes::{self as orders, OrderRoute};
use crate::orders::wire::OrderRequest;
use crate::orders::OrdersError;
use crate::print::{self, PrintRoute};
use crate::reply::{parse_json, Answer, ApiError};
use crate::terminal::CardOutcome;

/// The largest request body accepted (larger: 413).
/// 2 MiB: a print action's image of 1 MB is about 1.37 MB once in Base64.
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;

/// How much of a too-large body is read and dropped before answering 413.
const DRAIN_LIMIT: usize = 16 * MAX_BODY;

/// A route: what the request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// The InStore API: devices and intents.
    Intents(IntentRoute),
    /// The Payments API.
    Payments(PaymentRoute),
    /// The Orders API (`/v1/orders…`, `/terminals/v1/list`, `/terminals/v1/setup`).
    Orders(OrderRoute),
    /// The Print API (`/terminals/v1/actions…`).
    Print(PrintRoute),
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
}

impl Route {
    fn endpoint(&self) -> Endpoint {
        match self {
            Route::Intents(r) => r.endpoint(),
            Route::Payments(r) => r.endpoint(),
            Route::Orders(r) => r.endpoint(),
            Route::Print(_) => Endpoint::PrintAction,
            _ => Endpoint::Control,
        }
    }

    /// Whether the route answers the newer APIs' error shape (`{"errors":[…]}`).
    fn newer_api(&self) -> bool {
        matches!(self, Route::Orders(_) | Route::Print(_))
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
    if let Some(r) = print::route(method, &s) {
        return Some(Route::Print(r));
    }
    if let Some(r) = orders::route(method, &s) {
        return Some(Route::Orders(r));
    }
    if let Some(r) = intents::route(method, &s) {
        return Some(Route::Intents(r));
    }
    if let Some(r) = payments::route(method, &s) {
        return Some(Route::Payments(r));
    }
    Some(match (method.clone(), s.as_slice()) {
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
        Some(FaultKind::Status(s)) if route.newer_api() => {
            let code = if s == 500 {
                "internal_error"
            } else {
                "simulated_fault"
            };
            let e = OrdersError::new(s, code, "Internal server error, try again");
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

/// A newer API's answer, `(status, body)`, as an [`Answer`]: no body for a 204 or an empty 200.
fn newer_answer((status, body): (u16, Vec<u8>)) -> Answer {
    if status == 204 || (status == 200 && body.is_empty()) {
        Answer { status, body: None }
    } else {
        Answer::json(status, body)
    }
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
        Route::Intents(r) => intents::dispatch(shared, r, query, body, idempotency_key),
        Route::Payments(r) => payments::dispatch(shared, r, query, body, idempotency_key),
        Route::Orders(r) => Ok(newer_answer(orders::dispatch(
            shared,
            r,
            OrderRequest {
                query,
                body,
                idempotency_key,
                allow_at_terminal,
            },
        ))),
        Route::Print(r) => {
            let req = OrderRequest {
                query,
                body,
                idempotency_key,
                allow_at_terminal,
            };
            Ok(newer_answer(
                print::dispatch(shared, r, &req).unwrap_or_else(|e| (e.status, e.body())),
            ))
        }
        Route::PresentCard(id) => parse_outcome(body)
            .and_then(|o| control::present_card(shared, &id, o))
            .map(|v| Answer::value(200, &v)),
        Route::CancelOnTerminal(id) => {
            control::cancel_on_terminal(shared, &id).map(|v| Answer::value(200, &v))
        }
        Route::Hold(id) => control::hold(shared, &id).map(|v| Answer::value(200, &v)),
        Route::RestartDevice(id) => {
            control::restart_device(shared, &id).map(|()| Answer::no_content())
        }
        Route::PutForbidden => serde_json::from_slice::<Forbidden>(body)
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "expected {{\"integrator_not_registered\": bool, \"user_not_logged_in\": [device ids]}}: {e}"
                ))
            })
            .map(|f| {
                lock(&shared.world).account.forbidden = f.clone();
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
        Route::State => Ok(Answer::value(200, &control::state_json(shared))),
        Route::PutWebhookUrls => serde_json::from_slice::<Vec<String>>(body)
            .map_err(|e| ApiError::bad_request(format!("expected a JSON list of URLs: {e}")))
            .map(|urls| {
                *lock(&shared.webhook_urls) = urls.clone();
                Answer::value(200, &urls)
            }),
    };
    result.unwrap_or_else(Answer::from)
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
    use mppoint::intent::Target;

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
            Some(Route::Intents(IntentRoute::CreateIntent(Target::Pos(
                "SUC001POS001".into()
            ))))
        );
        assert_eq!(
            r(
                Method::POST,
                "/instore-api/integrations/v1/intents/point/PAX_A910__X"
            ),
            Some(Route::Intents(IntentRoute::CreateIntent(Target::Device(
                "PAX_A910__X".into()
            ))))
        );
        assert_eq!(
            r(
                Method::GET,
                "/instore-api/integrations/v1/intents/abc/point"
            ),
            Some(Route::Intents(IntentRoute::GetIntent("abc".into())))
        );
        assert_eq!(
            r(
                Method::DELETE,
                "/instore-api/integrations/v1/intents/abc/point/pos/P%201"
            ),
            Some(Route::Intents(IntentRoute::CancelIntent(
                "abc".into(),
                Some("P 1".into())
            )))
        );
        assert_eq!(
            r(Method::GET, "/v1/payments/12/"),
            Some(Route::Payments(PaymentRoute::Get("12".into())))
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
    fn query() {
        assert_eq!(
            crate::reply::query_pairs(Some("store_id=a+b&limit=5&x")),
            vec![
                ("store_id".into(), "a b".into()),
                ("limit".into(), "5".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
