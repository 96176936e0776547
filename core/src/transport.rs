//! HTTP: one reqwest blocking client per [`crate::Client`], retries that are safe for money,
//! idempotency keys, error mapping and logging. Nothing of reqwest leaks out of this file.

use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::config::{ClientBuilder, RetryPolicy, Secret};
use crate::error::{quote_snippet, ApiErrorBody, Error, ErrorKind, Result};

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
    /// POST of an InStore intent: keyed, but the key is not documented (Mercado Pago may ignore
    /// it), so an attempt that may have reached the server is not re-sent unless the user opted in.
    Create,
    /// POST of a refund: keyed, and the Payments API documents the key ("avoids duplicated
    /// refunds"), so a retry with the same key is safe.
    Refund,
    /// POST of an order's cancel (Orders API): keyed, and sent with
    /// `x-allow-cancelable-status: at_terminal` so an order already on the terminal can be
    /// canceled where the terminal supports it; 409 means "cancel it on the terminal".
    CancelOrder,
    /// POST of an order (Orders API): keyed, and Mercado Pago documents that a request re-sent
    /// with the same `X-Idempotency-Key` gives the same order, so re-sending is safe.
    CreateOrder,
}

/// What one failed attempt tells about the server, as far as the client can know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The request provably never reached the server: the connection was never made (refused,
    /// DNS, TLS handshake), so no byte of it was written.
    NotSent,
    /// The server answered that it did nothing and asked us to come back (429).
    NotProcessed,
    /// The request may have reached the server and been processed: a timeout after sending, a
    /// dropped connection, any 5xx (a gateway's 503 is no proof the service did nothing), a
    /// cut-off, oversized or garbled answer.
    MaybeProcessed,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send it again (same idempotency key), within the retry policy.
    Retry,
    /// Stop at once: the request may have been processed and re-sending it could do it twice.
    /// The caller gets `OUTCOME_UNKNOWN` with what it needs to recover.
    Unknown,
}

impl Op {
    fn keyed(self) -> bool {
        matches!(self, Op::Create | Op::CreateOrder | Op::Refund)
    }

    /// The one retry table: what each operation does after each kind of failure. A definite
    /// answer (4xx other than 429) is never retried and does not come here. Another API adds its
    /// own operations here (the Orders API documents its keys on create, cancel and refund, so its
    /// rows retry).
    pub(crate) fn after(self, failure: Failure, resend_ambiguous_creates: bool) -> Next {
        match (self, failure) {
            (_, Failure::NotSent | Failure::NotProcessed) => Next::Retry,
            (Op::Read | Op::SetMode | Op::Cancel, Failure::MaybeProcessed) => Next::Retry,
            (Op::Refund | Op::CreateOrder | Op::CancelOrder, Failure::MaybeProcessed) => {
                Next::Retry
            }
            (Op::Create, Failure::MaybeProcessed) if resend_ambiguous_creates => Next::Retry,
            (Op::Create, Failure::MaybeProcessed) => Next::Unknown,
        }
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
    /// For a create: the sale's external reference, so an `OUTCOME_UNKNOWN` says how to find it.
    pub external_reference: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A read: `GET` of `path` (already encoded), no body, no key, the client's retry policy.
    pub fn get(path: impl Into<String>, subject: &'a str) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            op: Op::Read,
            subject,
            idempotency_key: None,
            retry: None,
            external_reference: None,
        }
    }

    /// An operating-mode change: `PATCH` of `path` with a JSON body, not keyed, not re-sent.
    pub fn set_mode(path: impl Into<String>, body: Vec<u8>, subject: &'a str) -> Self {
        Call {
            method: Method::PATCH,
            body: Some(body),
            op: Op::SetMode,
            ..Call::get(path, subject)
        }
    }

    pub fn with_query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query = query;
        self
    }

    pub fn with_retry(mut self, retry: Option<RetryPolicy>) -> Self {
        self.retry = retry;
        self
    }
}

pub(crate) struct Transport {
    http: reqwest::blocking::Client,
    base: String,
    token: Secret,
    retry: RetryPolicy,
    resend_ambiguous_creates: bool,
    max_response_bytes: usize,
    /// `x-integrator-id`: the reference documents it on the two intent creates only, so it is
    /// sent there only.
    integrator_id: Option<HeaderValue>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .field("resend_ambiguous_creates", &self.resend_ambiguous_creates)
            .field("max_response_bytes", &self.max_response_bytes)
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
        /// The HTTP library's error (its URL removed), kept as the error's `source()`.
        cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
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
            .with_source(e)
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
        if parsed.scheme() == "http" && !b.allow_insecure_http && !is_loopback(&parsed) {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "base URL {} is plain http:// to a host that is not this machine: the access token would travel in clear text. Use https://, or set allow_insecure_http if a trusted proxy on your network needs it",
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
        let integrator_id = match &b.integrator_id {
            Some(v) => Some(hv("x-integrator-id", v)?),
            None => None,
        };
        for (name, value) in [
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
                .with_source(e)
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
            .with_source(e)
        })?;
        Ok(Transport {
            http,
            base,
            token: b.token.clone(),
            retry: b.retry,
            resend_ambiguous_creates: b.resend_ambiguous_creates,
            max_response_bytes: b.max_response_bytes,
            integrator_id,
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends `call` and decodes a JSON answer.
    pub(crate) fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        self.execute(call, |body| {
            serde_json::from_slice::<T>(body).map_err(|e| {
                let detail = format!(
                    "the answer is not the JSON expected ({e}); it starts with {}",
                    quote_snippet(&String::from_utf8_lossy(&body[..body.len().min(120)]))
                );
                (detail, Some(e))
            })
        })
    }

    /// Sends `call` and reads the answer with `decode` (an error is a decode error, with the
    /// answer's status and request id).
    pub(crate) fn decoded<T>(
        &self,
        call: Call<'_>,
        decode: impl Fn(&[u8]) -> std::result::Result<T, String>,
    ) -> Result<T> {
        self.execute(call, |body| decode(body).map_err(|d| (d, None)))
    }

    /// Sends `call` and ignores the answer's body (204 No Content, or anything).
    pub(crate) fn empty(&self, call: Call<'_>) -> Result<()> {
        self.execute(call, |_| Ok(()))
    }

    fn execute<T>(
        &self,
        call: Call<'_>,
        decode: impl Fn(&[u8]) -> std::result::Result<T, (String, Option<serde_json::Error>)>,
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
            // What this attempt means: an error and what it tells about the server.
            let (err, retry_after, failure) = match outcome {
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
                            Err((detail, cause)) => {
                                let e = Error::new(
                                    ErrorKind::Decode,
                                    format!("{}: {detail}", call.subject),
                                )
                                .with_status(status)
                                .with_request_id(request_id);
                                (
                                    match cause {
                                        Some(c) => e.with_source(c),
                                        None => e,
                                    },
                                    None,
                                    Failure::MaybeProcessed,
                                )
                            }
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
                        let failure = match status {
                            429 => Failure::NotProcessed,
                            500..=599 => Failure::MaybeProcessed,
                            // A definite answer: the request was seen and refused.
                            _ => return Err(self.finish(&call, e, ambiguous.as_deref())),
                        };
                        (e, retry_after, failure)
                    }
                }
                Attempt::Failed {
                    kind,
                    detail,
                    sent,
                    cause,
                } => {
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
                        ErrorKind::Decode => format!("{}: {detail}", call.subject),
                        _ => format!(
                            "{}: could not reach Mercado Pago at {} ({detail}); check the network and try again",
                            call.subject, self.base
                        ),
                    };
                    let failure = if sent {
                        Failure::MaybeProcessed
                    } else {
                        Failure::NotSent
                    };
                    (Error::new(kind, msg).with_source_opt(cause), None, failure)
                }
            };
            if failure == Failure::MaybeProcessed && call.op.keyed() && ambiguous.is_none() {
                ambiguous = Some(err.message().to_string());
            }
            if call.op.after(failure, self.resend_ambiguous_creates) == Next::Unknown {
                return Err(self.finish(&call, err, ambiguous.as_deref()));
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
    /// request may have been processed without our hearing of it: once an attempt may have
    /// reached the server, no later answer (a 4xx to the retry included) proves it did not.
    fn finish(&self, call: &Call<'_>, err: Error, ambiguous: Option<&str>) -> Error {
        let key = call.idempotency_key.clone();
        let (true, Some(first)) = (call.op.keyed(), ambiguous) else {
            return err.with_idempotency_key(key);
        };
        let key_text = key.as_deref().unwrap_or("-");
        let reference = call
            .external_reference
            .map(|r| format!(" with external reference {r:?}"))
            .unwrap_or_default();
        let what = match call.op {
            Op::Create => format!(
                "the intent{reference} may exist and be waiting on the terminal, or be paid already. Do not ring the sale up again with a new key. Check the terminal (cancel the pending intent there if the customer left), then look for the sale's payment by its external reference (the client's payment search); re-send the create with the same idempotency key {key_text} only if your account's keys are honoured (that is your decision: if Mercado Pago ignores the key, a re-send makes a second intent)"
            ),
            Op::CreateOrder => format!(
                "the order{reference} may exist and be waiting on the terminal, or be paid already. Do not ring the sale up again with a new key: create it again with the same idempotency key {key_text} (the Orders API answers a repeated key with the same order), or look for the sale's payment by its external reference"
            ),
            _ => format!(
                "the refund may have been made. Do not refund again with a new key: retry with the same idempotency key {key_text} (Mercado Pago applies a refund once per key), or read the payment first"
            ),
        };
        let last = if err.message() == first {
            String::new()
        } else {
            format!("; last: {}", err.message())
        };
        let mut out = Error::new(
            ErrorKind::OutcomeUnknown,
            format!(
                "outcome unknown: {} was sent but no usable answer came back ({first}{last}): {what}",
                call.subject
            ),
        )
        .with_idempotency_key(key)
        .with_status_opt(err.status())
        .with_request_id(err.request_id().map(str::to_string));
        if let Some(r) = call.external_reference {
            out = out.with_external_reference(r);
        }
        // The last attempt's error (and, below it, the HTTP library's) stays reachable.
        out.with_source(err)
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
        if let (Op::Create, Some(i)) = (call.op, &self.integrator_id) {
            rb = rb.header("x-integrator-id", i.clone());
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
                let cap = self.max_response_bytes;
                if resp.content_length().is_some_and(|n| n > cap as u64) {
                    return Attempt::Failed {
                        kind: ErrorKind::Decode,
                        detail: format!(
                            "the answer (HTTP {status}) announces {} bytes, more than the {cap} bytes accepted",
                            resp.content_length().unwrap_or_default()
                        ),
                        sent: true,
                        cause: None,
                    };
                }
                let mut body = Vec::new();
                let read = std::io::Read::read_to_end(
                    &mut std::io::Read::take(resp, cap as u64 + 1),
                    &mut body,
                );
                match read {
                    Ok(_) if body.len() > cap => Attempt::Failed {
                        kind: ErrorKind::Decode,
                        detail: format!(
                            "the answer (HTTP {status}) is larger than the {cap} bytes accepted"
                        ),
                        sent: true,
                        cause: None,
                    },
                    Ok(_) => Attempt::Answered {
                        status,
                        body,
                        request_id,
                        retry_after,
                    },
                    Err(e) => Attempt::Failed {
                        kind: if io_timed_out(&e) {
                            ErrorKind::Timeout
                        } else {
                            ErrorKind::Network
                        },
                        detail: format!("the answer (HTTP {status}) was cut off: {e}"),
                        sent: true,
                        cause: Some(Box::new(e)),
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
                cause: Some(Box::new(e.without_url())),
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
                        ErrorKind::IdempotencyKeyMismatch,
                        format!("the idempotency key of {subject} was already used with a different request{said}: a key names one request; to make a new one, use a new key (and first make sure the earlier one did not go through)"),
                    ),
                    Conflict::AlreadyQueued if call.op == Op::CreateOrder && after_ambiguous => (
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
                    format!("{subject} already has an intent queued{said}: wait for it to end, or cancel it (through the API while it is OPENED, on the terminal once it is there) before creating another"),
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

/// Whether an error met while reading an answer's body is a timeout.
fn io_timed_out(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|i| i.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

/// Whether the URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`): plain http:// is
/// fine there.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
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
            external_reference: None,
        }
    }

    #[test]
    fn the_reference_documented_error_bodies_reach_the_user() {
        // tests/fixtures/reference/error_<status>_*.json: the InStore reference's {"errorKey"}.
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/reference");
        let t = Transport::new(&ClientBuilder::new("t")).unwrap();
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(status) = name
                .strip_prefix("error_")
                .and_then(|r| r.get(..3))
                .and_then(|s| s.parse::<u16>().ok())
            else {
                continue;
            };
            let body = std::fs::read(&path).unwrap();
            let key: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let key = key["errorKey"].as_str().unwrap().to_string();
            let op = if name.contains("cancel") {
                Op::Cancel
            } else {
                Op::Create
            };
            let e = t.map_status(&call(op), status, &body, None, None, false);
            assert_eq!(e.status(), Some(status), "{name}");
            assert_eq!(e.api_message(), Some(key.as_str()), "{name}");
            if status != 401 {
                assert!(e.message().contains(&key), "{name}: {e}");
            }
            seen += 1;
        }
        assert!(seen >= 10, "only {seen} documented error bodies");
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
        let e = orders("idempotency_key_already_used", Op::CreateOrder, false);
        assert_eq!(e.kind(), ErrorKind::IdempotencyKeyMismatch);
        assert_eq!(e.api_error(), Some("idempotency_key_already_used"));
        assert_eq!(e.api_message(), Some("m"));
        assert!(e
            .message()
            .contains("already used with a different request"));
        assert_eq!(
            orders("already_queued_order_for_terminal", Op::CreateOrder, false).kind(),
            ErrorKind::AlreadyQueued
        );
        assert_eq!(
            orders("already_queued_order_for_terminal", Op::CreateOrder, true).kind(),
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
    fn the_retry_table() {
        use Failure::*;
        for op in [Op::Read, Op::SetMode, Op::Cancel, Op::Refund] {
            for f in [NotSent, NotProcessed, MaybeProcessed] {
                assert_eq!(op.after(f, false), Next::Retry, "{op:?} {f:?}");
            }
        }
        // An InStore create that may have reached the server is not re-sent unless opted in.
        assert_eq!(Op::Create.after(NotSent, false), Next::Retry);
        assert_eq!(Op::Create.after(NotProcessed, false), Next::Retry);
        assert_eq!(Op::Create.after(MaybeProcessed, false), Next::Unknown);
        assert_eq!(Op::Create.after(MaybeProcessed, true), Next::Retry);
        // The Orders API documents its key: an order create is re-sent with it, opt-in or not.
        for op in [Op::CreateOrder, Op::CancelOrder] {
            for f in [NotSent, NotProcessed, MaybeProcessed] {
                assert_eq!(op.after(f, false), Next::Retry, "{op:?} {f:?}");
            }
        }
    }
}
