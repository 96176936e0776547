//! The HTTP/JSON side of the bridge: hyper 1 on the tokio runtime (both already built for the
//! simulator, so no new server stack); blocking library calls run on `spawn_blocking`.

// The `Err` of the request helpers is the response answered at once, built once per request.
#![allow(clippy::result_large_err)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use mppoint::{Amount, DeviceFilter, Error, ErrorKind};
use serde::Deserialize;

use super::{error_json, not_found, Bridge, NewSale};

/// The largest request body the bridge reads.
pub const MAX_BODY: usize = 64 * 1024;
/// The longest long-poll, in seconds.
pub const MAX_WAIT_S: u64 = 60;

/// Every route the bridge serves, as the OpenAPI file names them (a test compares the two).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("POST", "/v1/sales"),
    ("GET", "/v1/sales"),
    ("GET", "/v1/sales/{reference}"),
    ("GET", "/v1/sales/{reference}/wait"),
    ("POST", "/v1/sales/{reference}/cancel"),
    ("POST", "/v1/sales/{reference}/settle"),
    ("GET", "/v1/devices"),
    ("POST", "/v1/refunds"),
];

type Resp = Response<Full<Bytes>>;

fn json(status: StatusCode, v: &serde_json::Value) -> Resp {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(v.to_string())))
        .expect("a response")
}

/// The HTTP status of a library error.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "INVALID_ARGUMENT" | "INVALID_AMOUNT" | "BAD_REQUEST" | "CONFIG" => StatusCode::BAD_REQUEST,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "ALREADY_QUEUED"
        | "CANNOT_CANCEL"
        | "CONFLICT"
        | "SALE_IN_PROGRESS"
        | "IDEMPOTENCY_KEY_MISMATCH"
        | "REFUND_NOT_ALLOWED" => StatusCode::CONFLICT,
        "TIMEOUT" | "WAIT_TIMEOUT" => StatusCode::GATEWAY_TIMEOUT,
        "JOURNAL" | "PANIC" | "ABORTED" => StatusCode::INTERNAL_SERVER_ERROR,
        // Mercado Pago (or the network to it) failed: the bridge is a gateway.
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn error_resp(body: serde_json::Value) -> Resp {
    let code = body["error"]["code"].as_str().unwrap_or("API").to_string();
    json(status_of(&code), &body)
}

fn err(e: &Error) -> Resp {
    error_resp(error_json(e))
}

fn bad(field: &'static str, rule: &str, value: &str) -> Resp {
    err(&Error::invalid_argument(field, rule, value))
}

fn unauthorized() -> Resp {
    let mut r = json(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({"error": {"code": "UNAUTHORIZED", "message": "missing or wrong bearer token"}}),
    );
    r.headers_mut().insert(
        "www-authenticate",
        hyper::header::HeaderValue::from_static("Bearer"),
    );
    r
}

/// Equal in constant time (the token's length aside).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorized(req: &Request<Incoming>, token: &str) -> bool {
    req.headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same(t.trim().as_bytes(), token.as_bytes()))
}

/// Which route a method and path are: its index in [`ROUTES`] and the `{reference}`, or the
/// 404/405 answer.
fn route(method: &Method, path: &str) -> Result<(usize, Option<String>), Resp> {
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let mut path_known = false;
    let mut reference = None;
    for (i, (m, pattern)) in ROUTES.iter().enumerate() {
        let pat: Vec<&str> = pattern.split('/').skip(1).collect();
        if pat.len() != segs.len() {
            continue;
        }
        let mut r = None;
        let ok = pat.iter().zip(&segs).all(|(p, s)| {
            if *p == "{reference}" {
                r = Some(*s);
                !s.is_empty()
            } else {
                p == s
            }
        });
        if !ok {
            continue;
        }
        path_known = true;
        if *m == method.as_str() {
            if let Some(r) = r {
                let decoded = percent_encoding::percent_decode_str(r).decode_utf8();
                match decoded {
                    Ok(d) => reference = Some(d.into_owned()),
                    Err(_) => return Err(bad("reference", "must be UTF-8", r)),
                }
            }
            return Ok((i, reference));
        }
    }
    let e = if path_known {
        let allow: Vec<&str> = ROUTES
            .iter()
            .filter(|(_, p)| {
                let pat: Vec<&str> = p.split('/').skip(1).collect();
                pat.len() == segs.len()
                    && pat
                        .iter()
                        .zip(&segs)
                        .all(|(p, s)| *p == "{reference}" || p == s)
            })
            .map(|(m, _)| *m)
            .collect();
        let mut r = json(
            StatusCode::METHOD_NOT_ALLOWED,
            &serde_json::json!({"error": {"code": "INVALID_ARGUMENT", "message": format!("{method} is not allowed on {path}")}}),
        );
        if let Ok(v) = hyper::header::HeaderValue::from_str(&allow.join(", ")) {
            r.headers_mut().insert(hyper::header::ALLOW, v);
        }
        r
    } else {
        json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": {"code": "NOT_FOUND", "message": format!("no route {path}: GET /openapi.json lists them")}}),
        )
    };
    Err(e)
}

/// The query string's parameters, refusing any not in `known`.
fn query(req: &Request<Incoming>, known: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    let Some(q) = req.uri().query() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let dec = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
        };
        let (Ok(k), Ok(v)) = (dec(k), dec(v)) else {
            return Err(bad("query", "must be UTF-8", pair));
        };
        if !known.contains(&k.as_str()) {
            return Err(bad(
                "query",
                &format!("has an unknown parameter (known: {})", known.join(", ")),
                &k,
            ));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// Reads a JSON body of at most [`MAX_BODY`] bytes into `T` (unknown fields refused).
async fn body<T: for<'de> Deserialize<'de>>(req: Request<Incoming>) -> Result<T, Resp> {
    // Any content type is read as JSON: `curl -d` and Python's urllib send form types by default.
    let bytes = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_big = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return Err(if too_big {
                bad(
                    "body",
                    &format!("must be at most {MAX_BODY} bytes"),
                    "a larger body",
                )
            } else {
                bad("body", "could not be read", &e.to_string())
            });
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        bad(
            "body",
            "must be a JSON object with the documented fields and types",
            &e.to_string(),
        )
    })
}

async fn blocking<F: FnOnce() -> Resp + Send + 'static>(f: F) -> Resp {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        err(&Error::new(
            ErrorKind::Panic,
            format!("the request's worker failed: {e}"),
        ))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    payment_id: Option<u64>,
    order_id: Option<String>,
    amount: Option<String>,
}

async fn handle(b: Arc<Bridge>, token: Arc<String>, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().to_string();
    if path == "/healthz" && req.method() == Method::GET {
        return json(StatusCode::OK, &serde_json::json!({"status": "ok"}));
    }
    if !authorized(&req, &token) {
        return unauthorized();
    }
    let (i, reference) = match route(req.method(), &path) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let reference = reference.unwrap_or_default();
    let no_query = |req: &Request<Incoming>| query(req, &[]).map(|_| ());
    match ROUTES[i].1 {
        "/openapi.json" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            Response::builder()
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(super::OPENAPI.as_bytes())))
                .expect("a response")
        }
        "/v1/sales" if req.method() == Method::POST => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            let n: NewSale = match body(req).await {
                Ok(n) => n,
                Err(r) => return r,
            };
            let b2 = b.clone();
            let started = tokio::task::spawn_blocking(move || b2.start(n, None)).await;
            let (slot, new) = match started {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return error_resp(e),
                Err(e) => return err(&Error::new(ErrorKind::Panic, e.to_string())),
            };
            if !new {
                return json(StatusCode::OK, &view_json(&slot.view()));
            }
            // Wait for the create (or its refusal: a busy terminal, a bad target), at most 15 s,
            // so that a sale the API refused is answered with the typed error.
            let mut rx = slot.tx.subscribe();
            let _ = tokio::time::timeout(
                Duration::from_secs(15),
                rx.wait_for(|v| v.state != "STARTING"),
            )
            .await;
            let v = slot.view();
            if v.state == "FAILED" && v.intent_id.is_none() {
                if let Some(e) = &v.error {
                    return error_resp(serde_json::json!({ "error": e }));
                }
            }
            json(StatusCode::ACCEPTED, &view_json(&v))
        }
        "/v1/sales" => {
            let q = match query(&req, &["pending"]) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let mut pending = false;
            for (_, v) in q {
                pending = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return bad("pending", "must be true or false", &v),
                };
            }
            if !pending {
                let list: Vec<serde_json::Value> = b.all().iter().map(view_json).collect();
                return json(StatusCode::OK, &serde_json::json!({ "sales": list }));
            }
            blocking(move || match b.client.pending() {
                Ok(list) => json(StatusCode::OK, &serde_json::json!({ "pending": list })),
                Err(e) => err(&e),
            })
            .await
        }
        "/v1/sales/{reference}" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            match b.slot(&reference) {
                Some(s) => json(StatusCode::OK, &view_json(&s.view())),
                None => err(&not_found(&reference)),
            }
        }
        "/v1/sales/{reference}/wait" => {
            let q = match query(&req, &["timeout_s"]) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let mut timeout = 30;
            for (_, v) in q {
                match v.parse::<u64>() {
                    Ok(n) if n <= MAX_WAIT_S => timeout = n,
                    _ => {
                        return bad(
                            "timeout_s",
                            &format!("must be a whole number of seconds from 0 to {MAX_WAIT_S}"),
                            &v,
                        )
                    }
                }
            }
            let Some(slot) = b.slot(&reference) else {
                return err(&not_found(&reference));
            };
            let mut rx = slot.tx.subscribe();
            let ended = |v: &super::SaleView| v.is_final || v.state == "FAILED" || v.settled;
            // An event, never a sleep loop: the worker's status callback signals the channel.
            let _ = tokio::time::timeout(Duration::from_secs(timeout), rx.wait_for(ended)).await;
            json(StatusCode::OK, &view_json(&slot.view()))
        }
        "/v1/sales/{reference}/cancel" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            blocking(move || match b.cancel(&reference) {
                Ok(v) => json(StatusCode::ACCEPTED, &view_json(&v)),
                Err(e) => err(&e),
            })
            .await
        }
        "/v1/sales/{reference}/settle" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            blocking(move || match b.settle(&reference) {
                Ok((now, v)) => json(
                    StatusCode::OK,
                    &serde_json::json!({
                        "reference": reference,
                        "settled": now,
                        "sale": v.as_ref().map(view_json),
                    }),
                ),
                Err(e) => err(&e),
            })
            .await
        }
        "/v1/devices" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            blocking(move || {
                match b
                    .client
                    .devices(&DeviceFilter::default())
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(d) => json(StatusCode::OK, &serde_json::json!({ "devices": d })),
                    Err(e) => err(&e),
                }
            })
            .await
        }
        "/v1/refunds" => {
            if let Err(r) = no_query(&req) {
                return r;
            }
            let r: RefundBody = match body(req).await {
                Ok(r) => r,
                Err(resp) => return resp,
            };
            let amount = match r.amount.as_deref().map(Amount::parse).transpose() {
                Ok(a) => a,
                Err(e) => return err(&e),
            };
            blocking(move || refund(&b, r, amount)).await
        }
        _ => err(&Error::new(ErrorKind::NotFound, "no such route")),
    }
}

fn refund(b: &Bridge, r: RefundBody, amount: Option<Amount>) -> Resp {
    match (r.payment_id, r.order_id) {
        (Some(id), None) => match b.client.refund_payment(id, amount) {
            Ok(refund) => json(
                StatusCode::OK,
                &serde_json::json!({ "refund": refund, "payment_id": id }),
            ),
            Err(e) => err(&e),
        },
        (None, Some(id)) => {
            if let Err(e) = mppoint::intent::validate_id("order_id", &id) {
                return err(&e);
            }
            match b.client.refund_order(&id, amount) {
                Ok(o) => json(
                    StatusCode::OK,
                    &serde_json::json!({
                        "order_id": o.id,
                        "status": o.status.as_str(),
                        "status_detail": o.status_detail,
                    }),
                ),
                Err(e) => err(&e),
            }
        }
        _ => bad(
            "payment_id",
            "or order_id: exactly one must be given",
            "neither or both",
        ),
    }
}

fn view_json(v: &super::SaleView) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Serves until the shutdown token fires; then stops accepting and lets answers in flight end.
pub async fn run(
    b: Arc<Bridge>,
    listener: std::net::TcpListener,
    token: String,
) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| Error::new(ErrorKind::Config, format!("cannot listen: {e}")))?;
    let token = Arc::new(token);
    let stop = b.shutdown.clone();
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    std::thread::spawn(move || {
        while !stop.sleep(Duration::from_secs(3600)) {}
        let _ = stop_tx.send(true);
    });
    loop {
        let (io, _) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    log::warn!("mppoint serve: accept failed: {e}");
                    continue;
                }
            },
            _ = stop_rx.changed() => break,
        };
        let b = b.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let b = b.clone();
                let token = token.clone();
                async move { Ok::<_, Infallible>(handle(b, token, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                .await;
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The routes the router serves are exactly the OpenAPI file's operations.
    #[test]
    fn routes_are_the_openapi_operations() {
        let spec: serde_json::Value = serde_json::from_str(super::super::OPENAPI).unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, ops) in spec["paths"].as_object().unwrap() {
            for m in ops.as_object().unwrap().keys() {
                documented.push((m.to_uppercase(), path.clone()));
            }
        }
        let mut served: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        documented.sort();
        served.sort();
        assert_eq!(served, documented);
    }

    #[test]
    fn router_finds_each_route_and_decodes_the_reference() {
        let (i, r) = route(&Method::GET, "/v1/sales/A%20B/wait").unwrap();
        assert_eq!(
            (ROUTES[i].1, r.as_deref()),
            ("/v1/sales/{reference}/wait", Some("A B"))
        );
        assert_eq!(
            route(&Method::DELETE, "/v1/sales").unwrap_err().status(),
            405
        );
        assert_eq!(
            route(&Method::GET, "/v1/nothing").unwrap_err().status(),
            404
        );
        assert_eq!(route(&Method::GET, "/v1/sales/").unwrap_err().status(), 404);
    }

    #[test]
    fn error_codes_map_to_http_statuses() {
        assert_eq!(status_of("INVALID_ARGUMENT"), 400);
        assert_eq!(status_of("ALREADY_QUEUED"), 409);
        assert_eq!(status_of("NOT_FOUND"), 404);
        assert_eq!(status_of("NETWORK"), 502);
    }
}
