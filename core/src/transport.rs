//! HTTP: one reqwest blocking client per [`crate::Client`], retries that are safe for money,
//! idempotency keys, error mapping and logging. Nothing of reqwest leaks out of this file.

use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::config::{ClientBuilder, RetryPolicy, Secret};
use crate::error::{quote_snippet, Cause, Error, ErrorKind, Result};

/// Path segments keep only RFC 3986 unreserved characters as they are.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (an id may hold any character; it cannot escape its segment).
pub(crate) fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// What a request does, which decides how it is retried and what a 409 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// GET: retried on network errors, 429 and 5xx.
    Read,
    /// PATCH of a device's mode: setting the same value twice is harmless, retried like a read.
    SetMode,
    /// DELETE of an intent: retried like a read; 409 means "cancel it on the terminal".
    Cancel,
    /// POST of an intent: keyed; 409 means "already queued" (or outcome unknown after a retry).
    Create,
    /// POST of a refund: keyed.
    Refund,
    /// POST of an order's cancel (Orders API): keyed, and sent with
    /// `x-allow-cancelable-status: at_terminal` so an order already on the terminal can be
    /// canceled where the terminal supports it; 409 means "cancel it on the terminal".
    CancelOrder,
}

impl Op {
    fn keyed(self) -> bool {
        matches!(self, Op::Create | Op::Refund)
    }
}

/// One API call.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Already encoded (built with [`seg`]).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    pub op: Op,
    /// What the call is about, for messages: "intent 123", "POS SUC001".
    pub subject: &'a str,
    /// For keyed ops: the `X-Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// Overrides the client's retry policy (the wait polls once per call).
    pub retry: Option<RetryPolicy>,
}

pub(crate) struct Transport {
    http: reqwest::blocking::Client,
    base: String,
    token: Secret,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .finish()
    }
}

/// How one attempt ended.
enum Attempt {
    /// A complete answer (any status).
    Answered {
        status: u16,
        body: Vec<u8>,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    },
    /// No usable answer. `sent`: the request may have reached the server.
    Failed {
        kind: ErrorKind,
        detail: String,
        sent: bool,
    },
}

impl Transport {
    pub(crate) fn new(b: &ClientBuilder) -> Result<Transport> {
        let base = b.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("base URL {} is not a URL: {e}", quote_snippet(&base)),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "base URL {} must be http:// or https:// with a host",
                    quote_snippet(&base)
                ),
            ));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut ua = format!("mppoint/{}", crate::VERSION);
        if let Some(s) = &b.user_agent_suffix {
            ua.push(' ');
            ua.push_str(s);
        }
        let hv = |name: &str, v: &str| {
            HeaderValue::from_str(v).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    format!("{name} {} is not a valid header value", quote_snippet(v)),
                )
            })
        };
        headers.insert(USER_AGENT, hv("user agent suffix", &ua)?);
        let mut auth =
            hv("access token", &format!("Bearer {}", b.token.expose())).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    "the access token is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        for (name, value) in [
            ("x-integrator-id", &b.integrator_id),
            ("x-platform-id", &b.platform_id),
            ("x-corporation-id", &b.corporation_id),
        ] {
            if let Some(v) = value {
                headers.insert(name, hv(name, v)?);
            }
        }
        let mut http = reqwest::blocking::Client::builder()
            .default_headers(headers)
            .connect_timeout(b.connect_timeout)
            .timeout(b.timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none());
        if b.no_proxy {
            http = http.no_proxy();
        }
        if let Some(p) = &b.proxy {
            let proxy = reqwest::Proxy::all(p.as_str()).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    "the proxy is not a valid URL (expected http://host:port or http://user:pass@host:port)",
                )
            })?;
            http = http.proxy(proxy);
        }
        for pem in &b.root_certs_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("an extra root certificate is not valid PEM: {e}"),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Config,
                    "an extra root certificate holds no PEM certificate",
                ));
            }
            for c in certs {
                http = http.add_root_certificate(c);
            }
        }
        let http = http.build().map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("could not build the HTTP client: {e}"),
            )
        })?;
        Ok(Transport {
            http,
            base,
            token: b.token.clone(),
            retry: b.retry,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends `call` and decodes a JSON answer.
    pub(crate) fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        self.execute(call, |body| {
            serde_json::from_slice::<T>(body).map_err(|e| {
                format!(
                    "the answer is not the JSON expected ({e}); it starts with {}",
                    quote_snippet(&String::from_utf8_lossy(&body[..body.len().min(120)]))
                )
            })
        })
    }

    /// Sends `call` and ignores the answer's body (204 No Content, or anything).
    pub(crate) fn empty(&self, call: Call<'_>) -> Result<()> {
        self.execute(call, |_| Ok(()))
    }

    fn execute<T>(
        &self,
        call: Call<'_>,
        decode: impl Fn(&[u8]) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let policy = call.retry.unwrap_or(self.retry);
        let url = self.url(&call);
        let mut ambiguous: Option<String> = None;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.attempt(&call, &url);
            let elapsed = started.elapsed();
            // What this attempt means, and whether it may be retried.
            let (err, retry_after, may_have_happened) = match outcome {
                Attempt::Answered {
                    status,
                    body,
                    request_id,
                    retry_after,
                } => {
                    log::info!(
                        target: "mppoint",
                        "{} {} -> {} in {} ms (attempt {}, request id {})",
                        call.method, call.path, status, elapsed.as_millis(), attempt,
                        request_id.as_deref().unwrap_or("-")
                    );
                    if (200..300).contains(&status) {
                        match decode(&body) {
                            Ok(value) => return Ok(value),
                            Err(detail) => (
                                Error::new(
                                    ErrorKind::Decode,
                                    format!("{}: {detail}", call.subject),
                                )
                                .with_status(status)
                                .with_request_id(request_id),
                                None,
                                true,
                            ),
                        }
                    } else {
                        let e = self.map_status(
                            &call,
                            status,
                            &body,
                            request_id,
                            retry_after,
                            ambiguous.is_some(),
                        );
                        // 500, 502 and 504 may come after the server did the work.
                        let maybe = matches!(status, 500 | 502 | 504);
                        let retryable = status == 429 || (500..600).contains(&status);
                        if !retryable {
                            return Err(self.finish(&call, e, ambiguous.as_deref()));
                        }
                        (e, retry_after, maybe)
                    }
                }
                Attempt::Failed { kind, detail, sent } => {
                    log::warn!(
                        target: "mppoint",
                        "{} {} failed after {} ms (attempt {}): {}",
                        call.method, call.path, elapsed.as_millis(), attempt, detail
                    );
                    let msg = match kind {
                        ErrorKind::Timeout => format!(
                            "{}: no answer within the timeout ({detail}); check the network and try again",
                            call.subject
                        ),
                        _ => format!(
                            "{}: could not reach Mercado Pago at {} ({detail}); check the network and try again",
                            call.subject, self.base
                        ),
                    };
                    (Error::new(kind, msg), None, sent)
                }
            };
            if may_have_happened && call.op.keyed() {
                ambiguous = Some(err.message().to_string());
            }
            let delay = if attempt < policy.max_attempts {
                policy.delay(attempt, retry_after)
            } else {
                None
            };
            match delay {
                Some(d) => {
                    log::warn!(
                        target: "mppoint",
                        "{} {}: retrying in {} ms ({})",
                        call.method, call.path, d.as_millis(), err.message()
                    );
                    std::thread::sleep(d);
                }
                None => {
                    let msg = format!(
                        "{} (after {attempt} attempt{})",
                        err.message(),
                        if attempt == 1 { "" } else { "s" }
                    );
                    let err = err.with_message(msg);
                    return Err(self.finish(&call, err, ambiguous.as_deref()));
                }
            }
        }
    }

    /// Adds the idempotency key to a final error, and turns it into `OutcomeUnknown` when a keyed
    /// request may have been processed without our hearing of it.
    fn finish(&self, call: &Call<'_>, err: Error, ambiguous: Option<&str>) -> Error {
        let key = call.idempotency_key.clone();
        if let (true, Some(first)) = (call.op.keyed(), ambiguous) {
            if err.kind() != ErrorKind::OutcomeUnknown && !is_definite(&err) {
                let what = if call.op == Op::Create {
                    "the intent may exist and be waiting on the terminal. Do not ring the sale up again with a new key: retry the create with the same idempotency key, or check the terminal (and cancel the pending intent there) before charging again"
                } else {
                    "the refund may have been made. Do not refund again with a new key: retry with the same idempotency key, or check the payment with get_payment first"
                };
                return Error::new(
                    ErrorKind::OutcomeUnknown,
                    format!(
                        "outcome unknown: {} was sent but no usable answer came back ({}; last: {}): {what}",
                        call.subject, first, err.message()
                    ),
                )
                .with_idempotency_key(key)
                .with_status_opt(err.status())
                .with_request_id(err.request_id().map(str::to_string));
            }
        }
        err.with_idempotency_key(key)
    }

    fn url(&self, call: &Call<'_>) -> String {
        let mut url = format!("{}{}", self.base, call.path);
        for (i, (k, v)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(&seg(v));
        }
        url
    }

    fn attempt(&self, call: &Call<'_>, url: &str) -> Attempt {
        let mut rb = self.http.request(call.method.clone(), url);
        if let Some(k) = &call.idempotency_key {
            rb = rb.header("X-Idempotency-Key", k.as_str());
        }
        if call.op == Op::CancelOrder {
            let (name, value) = crate::api::orders::ALLOW_CANCELABLE_STATUS;
            rb = rb.header(name, value);
        }
        if let Some(b) = &call.body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b.clone());
        }
        match rb.send() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let request_id = resp
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                match resp.bytes() {
                    Ok(body) => Attempt::Answered {
                        status,
                        body: body.to_vec(),
                        request_id,
                        retry_after,
                    },
                    Err(e) => Attempt::Failed {
                        kind: if e.is_timeout() {
                            ErrorKind::Timeout
                        } else {
                            ErrorKind::Network
                        },
                        detail: format!("the answer (HTTP {status}) was cut off: {}", describe(&e)),
                        sent: true,
                    },
                }
            }
            Err(e) => Attempt::Failed {
                kind: if e.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Network
                },
                detail: describe(&e),
                // A connection that was never made carried nothing.
                sent: !e.is_connect(),
            },
        }
    }

    fn map_status(
        &self,
        call: &Call<'_>,
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        retry_after: Option<Duration>,
        after_ambiguous: bool,
    ) -> Error {
        let api = ApiErrorBody::parse(body);
        let said = api
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        let subject = call.subject;
        let (kind, message) = match status {
            400 => (
                ErrorKind::BadRequest,
                format!("Mercado Pago refused the request for {subject}{said}"),
            ),
            401 => (
                ErrorKind::Unauthorized,
                "the access token was refused: check that it is the access token of the Mercado Pago account that owns the terminal, and that it has not expired".to_string(),
            ),
            403 => (
                ErrorKind::Forbidden,
                format!("not allowed for {subject}{said}; if the terminal says no user is logged in, log in on the terminal with the account's user"),
            ),
            404 => (
                ErrorKind::NotFound,
                format!("{subject} was not found{said}; check the id"),
            ),
            // The Orders API names its conflicts: the code decides, whatever the operation.
            409 if api.error.is_some()
                && crate::api::orders::classify_conflict(api.error.as_deref())
                    != crate::api::orders::Conflict::Other =>
            {
                use crate::api::orders::Conflict;
                match crate::api::orders::classify_conflict(api.error.as_deref()) {
                    Conflict::KeyMismatch => (
                        ErrorKind::Conflict,
                        format!("the idempotency key of {subject} was already used with a different request{said}: a key names one request; to make a new one, use a new key (and first make sure the earlier one did not go through)"),
                    ),
                    Conflict::AlreadyQueued if call.op == Op::Create && after_ambiguous => (
                        ErrorKind::OutcomeUnknown,
                        format!("outcome unknown: a retry of the create for {subject} (with the same idempotency key) found the terminal busy with an order, probably the one our lost request created. Do not ring the sale up again: wait for that order (the webhook or the terminal shows how it ends), or cancel it"),
                    ),
                    Conflict::AlreadyQueued => (
                        ErrorKind::AlreadyQueued,
                        format!("{subject}: the terminal already has an unfinished order{said}: wait for it to end, or cancel it, before creating another"),
                    ),
                    Conflict::CannotCancel | Conflict::AlreadyCanceled | Conflict::Other => (
                        ErrorKind::CannotCancel,
                        format!("{subject} can no longer be canceled through the API{said}: cancel it on the terminal"),
                    ),
                }
            }
            409 => match call.op {
                Op::Create if after_ambiguous => (
                    ErrorKind::OutcomeUnknown,
                    format!("outcome unknown: a retry of the create for {subject} found an intent already queued on the device, probably the one our lost request created. Do not ring the sale up again: wait for the intent on the terminal (the webhook or the terminal shows how it ends), or cancel it on the terminal"),
                ),
                Op::Create => (
                    ErrorKind::AlreadyQueued,
                    format!("{subject} already has an intent queued{said}: wait for it to end, or cancel it (cancel_intent while it is OPENED, on the terminal once it is there) before creating another"),
                ),
                Op::Cancel | Op::CancelOrder => (
                    ErrorKind::CannotCancel,
                    format!("{subject} can no longer be canceled through the API (it left OPENED and is on the terminal){said}: cancel it on the terminal"),
                ),
                _ => (ErrorKind::Conflict, format!("conflict on {subject}{said}")),
            },
            429 => (
                ErrorKind::RateLimited,
                format!(
                    "Mercado Pago is limiting the request rate for {subject}{}: wait and try again",
                    retry_after
                        .map(|d| format!(" (it asked to wait {} s)", d.as_secs()))
                        .unwrap_or_default()
                ),
            ),
            500..=599 => (
                ErrorKind::Server,
                format!("Mercado Pago had a server error (HTTP {status}) on {subject}{said}: try again in a moment"),
            ),
            _ => (
                ErrorKind::Api,
                format!("unexpected HTTP {status} for {subject}{said}"),
            ),
        };
        Error::new(kind, message)
            .with_status(status)
            .with_api(api.error, api.message, api.causes)
            .with_request_id(request_id)
            .with_retry_after(retry_after)
    }
}

/// An answer that proves the request was seen and refused, or a caller mistake: not ambiguous.
fn is_definite(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::BadRequest
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::AlreadyQueued
            | ErrorKind::CannotCancel
            | ErrorKind::Conflict
            | ErrorKind::Api
    )
}

/// A short description of a reqwest error, without its URL (which may hold ids, never the token).
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    let what = if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    if parts.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {}", parts.join(": "))
    }
}

/// Mercado Pago's error body, read leniently: `{"message","error","status","cause":[...]}`.
#[derive(Default)]
struct ApiErrorBody {
    message: Option<String>,
    error: Option<String>,
    causes: Vec<Cause>,
}

impl ApiErrorBody {
    fn parse(body: &[u8]) -> ApiErrorBody {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
            return ApiErrorBody::default();
        };
        let text = |v: Option<&serde_json::Value>| -> Option<String> {
            match v? {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let causes = match v.get("cause") {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|c| Cause {
                    code: text(c.get("code")),
                    description: text(c.get("description")),
                })
                .collect(),
            Some(serde_json::Value::Object(_)) => {
                let c = v.get("cause");
                vec![Cause {
                    code: text(c.and_then(|c| c.get("code"))),
                    description: text(c.and_then(|c| c.get("description"))),
                }]
            }
            _ => Vec::new(),
        };
        // The Orders API's shape: {"errors":[{"code","message","details"}]}.
        if v.get("message").is_none() && v.get("error").is_none() {
            let first = v
                .get("errors")
                .and_then(serde_json::Value::as_array)
                .and_then(|a| a.first());
            if let Some(e) = first {
                return ApiErrorBody {
                    message: text(e.get("message")),
                    error: text(e.get("code")),
                    causes,
                };
            }
        }
        ApiErrorBody {
            message: text(v.get("message")),
            error: text(v.get("error")),
            causes,
        }
    }
}

impl Error {
    pub(crate) fn with_status_opt(self, s: Option<u16>) -> Self {
        match s {
            Some(s) => self.with_status(s),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("PAX_A910__SMARTPOS1"), "PAX_A910__SMARTPOS1");
        assert_eq!(seg("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(seg(".."), "..");
        assert_eq!(seg("ñ"), "%C3%B1");
    }

    fn call(op: Op) -> Call<'static> {
        Call {
            method: Method::GET,
            path: "/x".into(),
            query: Vec::new(),
            body: None,
            op,
            subject: "intent 1",
            idempotency_key: None,
            retry: None,
        }
    }

    #[test]
    fn every_status_maps_to_its_kind() {
        let t = Transport::new(&ClientBuilder::new("t")).unwrap();
        let body =
            br#"{"message":"m","error":"e","status":0,"cause":[{"code":1,"description":"d"}]}"#;
        let map = |op, status, after_ambiguous| {
            t.map_status(
                &call(op),
                status,
                body,
                Some("rid".into()),
                Some(Duration::from_secs(7)),
                after_ambiguous,
            )
        };
        for (op, status, kind) in [
            (Op::Read, 400, ErrorKind::BadRequest),
            (Op::Read, 401, ErrorKind::Unauthorized),
            (Op::Read, 403, ErrorKind::Forbidden),
            (Op::Read, 404, ErrorKind::NotFound),
            (Op::Create, 409, ErrorKind::AlreadyQueued),
            (Op::Cancel, 409, ErrorKind::CannotCancel),
            (Op::Read, 409, ErrorKind::Conflict),
            (Op::Refund, 409, ErrorKind::Conflict),
            (Op::Read, 429, ErrorKind::RateLimited),
            (Op::Read, 500, ErrorKind::Server),
            (Op::Read, 503, ErrorKind::Server),
            (Op::Read, 418, ErrorKind::Api),
            (Op::Read, 302, ErrorKind::Api),
        ] {
            let e = map(op, status, false);
            assert_eq!(e.kind(), kind, "{op:?} {status}");
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.api_error(), Some("e"));
            assert_eq!(e.api_message(), Some("m"));
            assert_eq!(e.causes().len(), 1);
            assert_eq!(e.request_id(), Some("rid"));
            assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        }
        assert!(map(Op::Cancel, 409, false)
            .message()
            .contains("cancel it on the terminal"));
        assert!(map(Op::Read, 401, false).message().contains("access token"));
        // The Orders API's 409s are read from their code, whatever the operation.
        let orders = |code: &str, op, after| {
            let body = format!(r#"{{"errors":[{{"code":"{code}","message":"m"}}]}}"#);
            t.map_status(&call(op), 409, body.as_bytes(), None, None, after)
        };
        let e = orders("idempotency_key_already_used", Op::Create, false);
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.api_error(), Some("idempotency_key_already_used"));
        assert_eq!(e.api_message(), Some("m"));
        assert!(e
            .message()
            .contains("already used with a different request"));
        assert_eq!(
            orders("already_queued_order_for_terminal", Op::Create, false).kind(),
            ErrorKind::AlreadyQueued
        );
        assert_eq!(
            orders("already_queued_order_for_terminal", Op::Create, true).kind(),
            ErrorKind::OutcomeUnknown
        );
        assert_eq!(
            orders("cannot_cancel_order", Op::CancelOrder, false).kind(),
            ErrorKind::CannotCancel
        );
        assert_eq!(
            orders("order_already_canceled", Op::CancelOrder, false).kind(),
            ErrorKind::CannotCancel
        );
        assert_eq!(
            orders("something_else", Op::Refund, false).kind(),
            ErrorKind::Conflict
        );
        // A 409 on a create retried after an attempt that may have reached the server.
        assert_eq!(map(Op::Create, 409, true).kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(map(Op::Cancel, 409, true).kind(), ErrorKind::CannotCancel);
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let b = ApiErrorBody::parse(
            br#"{"message":"amount invalid","error":"bad_request","status":400,"cause":[{"code":4020,"description":"x"},{"code":"E1"}]}"#,
        );
        assert_eq!(b.message.as_deref(), Some("amount invalid"));
        assert_eq!(b.error.as_deref(), Some("bad_request"));
        assert_eq!(b.causes.len(), 2);
        assert_eq!(b.causes[0].code.as_deref(), Some("4020"));
        assert_eq!(b.causes[1].code.as_deref(), Some("E1"));
        let empty = ApiErrorBody::parse(b"<html>502 Bad Gateway</html>");
        assert!(empty.message.is_none() && empty.causes.is_empty());
        let obj = ApiErrorBody::parse(br#"{"message":"m","cause":{"code":1}}"#);
        assert_eq!(obj.causes.len(), 1);
        let none = ApiErrorBody::parse(br#"{"message":"m","cause":null}"#);
        assert!(none.causes.is_empty());
    }
}
