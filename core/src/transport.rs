//! HTTP: one reqwest blocking client per [`crate::Client`], retries that are safe for money,
//! idempotency keys, error mapping and logging. Nothing of reqwest leaks out of this file.

use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{quote_snippet, ApiErrorBody, Error, ErrorKind, Result};
use crate::retry::RetryPolicy;

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

/// Whether an attempt that may have reached the server (and been processed) is sent again. The
/// API module that builds a call says which, from what Mercado Pago documents for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Always: a read, a change that is harmless twice, or a request whose idempotency key the
    /// API documents (a repeat with the same key is the same request).
    Always,
    /// Only if the user opted in (`resend_ambiguous_creates`): a keyed request whose key the API
    /// does not document, so a re-send to a server that ignores the key could do it twice.
    IfOptedIn,
}

/// The facts of a 409 answer, handed to the calling API's rule ([`Call::conflict`]).
pub(crate) struct Conflict<'a> {
    /// What the call is about ("the intent for POS SUC001").
    pub subject: &'a str,
    /// The body's error code (`errors[0].code`, `error`), if any.
    pub code: Option<&'a str>,
    /// `": <the API's message>"`, or empty.
    pub said: &'a str,
    /// Whether an earlier attempt of this call may have reached the server.
    pub after_ambiguous: bool,
}

/// What a 409 means for one call: its kind and message.
pub(crate) type ConflictRule = fn(&Conflict<'_>) -> (ErrorKind, String);

/// What an API's own error codes mean for one call, before the status decides: given the HTTP
/// status and the facts of the answer, `Some((kind, message))` for a code the API documents for
/// this call, `None` to let the status decide (409s then go to the call's [`ConflictRule`]).
pub(crate) type ErrorRule = fn(u16, &Conflict<'_>) -> Option<(ErrorKind, String)>;

/// The 409 of a call that expects none: a plain `CONFLICT`.
pub(crate) fn plain_conflict(c: &Conflict<'_>) -> (ErrorKind, String) {
    (
        ErrorKind::Conflict,
        format!("conflict on {}{}", c.subject, c.said),
    )
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

/// The one retry table: what a call does after each kind of failure. A definite answer (4xx
/// other than 429) is never retried and does not come here.
pub(crate) fn after(resend: Resend, failure: Failure, opted_in: bool) -> Next {
    match (resend, failure) {
        (_, Failure::NotSent | Failure::NotProcessed) => Next::Retry,
        (Resend::Always, Failure::MaybeProcessed) => Next::Retry,
        (Resend::IfOptedIn, Failure::MaybeProcessed) if opted_in => Next::Retry,
        (Resend::IfOptedIn, Failure::MaybeProcessed) => Next::Unknown,
    }
}

/// One API call, as the API module that builds it describes it: the transport applies it and
/// knows no API.
pub(crate) struct Call<'a> {
    method: Method,
    /// Already encoded (built with [`seg`]).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    /// What the call is about, for messages: "intent 123", "POS SUC001".
    pub subject: &'a str,
    /// The `X-Idempotency-Key`, if the call carries one.
    pub idempotency_key: Option<String>,
    /// Overrides the client's retry policy (the wait polls once per call).
    pub retry: Option<RetryPolicy>,
    /// For a create: the sale's external reference, so an `OUTCOME_UNKNOWN` says how to find it.
    pub external_reference: Option<&'a str>,
    /// Whether an attempt that may have been processed is sent again.
    pub resend: Resend,
    /// For a request that must never be done twice (a create, a refund): what an
    /// `OUTCOME_UNKNOWN` tells the user to do. `None`: a failure stays the failure it is.
    pub if_unknown: Option<String>,
    /// Headers this call adds (checked when the client was built).
    pub headers: Vec<(&'static str, String)>,
    /// What a 409 means for this call.
    pub conflict: ConflictRule,
    /// What the API's error codes mean for this call, whatever the status.
    pub errors: Option<ErrorRule>,
}

impl<'a> Call<'a> {
    /// A read: `GET` of `path` (already encoded), no body, no key, the client's retry policy.
    pub fn get(path: impl Into<String>, subject: &'a str) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            subject,
            idempotency_key: None,
            retry: None,
            external_reference: None,
            resend: Resend::Always,
            if_unknown: None,
            headers: Vec::new(),
            conflict: plain_conflict,
            errors: None,
        }
    }

    /// An operating-mode change: `PATCH` of `path` with a JSON body, not keyed; setting the same
    /// mode twice is harmless, so it is retried like a read.
    pub fn set_mode(path: impl Into<String>, body: Vec<u8>, subject: &'a str) -> Self {
        Call {
            method: Method::PATCH,
            body: Some(body),
            ..Call::get(path, subject)
        }
    }

    /// A `POST` of `path` with `body` (or none), carrying `key` as its `X-Idempotency-Key`.
    pub fn post(
        path: impl Into<String>,
        body: Option<Vec<u8>>,
        key: impl Into<String>,
        subject: &'a str,
    ) -> Self {
        Call {
            method: Method::POST,
            body,
            idempotency_key: Some(key.into()),
            ..Call::get(path, subject)
        }
    }

    /// A `DELETE` of `path`, retried like a read.
    pub fn delete(path: impl Into<String>, subject: &'a str) -> Self {
        Call {
            method: Method::DELETE,
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

    /// A request that must never be done twice: an ambiguous attempt ends in `OUTCOME_UNKNOWN`
    /// telling `advice` (unless it is re-sent, per `resend`).
    pub fn once(mut self, resend: Resend, advice: String) -> Self {
        self.resend = resend;
        self.if_unknown = Some(advice);
        self
    }

    pub fn with_conflict(mut self, rule: ConflictRule) -> Self {
        self.conflict = rule;
        self
    }

    pub fn with_errors(mut self, rule: ErrorRule) -> Self {
        self.errors = Some(rule);
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_external_reference(mut self, r: &'a str) -> Self {
        self.external_reference = Some(r);
        self
    }

    fn keyed(&self) -> bool {
        self.if_unknown.is_some()
    }
}

/// The access token, kept out of every `Debug`, message and log line.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(token: String) -> Secret {
        Secret(token)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

/// What the transport is built from (the builder fills it in; the transport knows no builder).
#[derive(Clone, Debug)]
pub(crate) struct TransportSettings {
    pub base_url: String,
    pub token: Secret,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub resend_ambiguous_creates: bool,
    pub allow_insecure_http: bool,
    pub max_response_bytes: usize,
    pub user_agent_suffix: Option<String>,
    /// Headers sent on every request (`x-platform-id`, `x-corporation-id`).
    pub headers: Vec<(&'static str, String)>,
    pub proxy: Option<String>,
    pub no_proxy: bool,
    pub root_certs_pem: Vec<Vec<u8>>,
}

impl TransportSettings {
    /// Defaults for a client of `base_url` with token `t` (the API modules' tests).
    #[cfg(test)]
    pub(crate) fn for_tests(base_url: &str) -> TransportSettings {
        TransportSettings {
            base_url: base_url.to_string(),
            token: Secret::new("t".into()),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            resend_ambiguous_creates: false,
            allow_insecure_http: false,
            max_response_bytes: 4 * 1024 * 1024,
            user_agent_suffix: None,
            headers: Vec::new(),
            proxy: None,
            no_proxy: false,
            root_certs_pem: Vec::new(),
        }
    }
}

/// Checks that `v` can be sent as header `name` (a `CONFIG` error otherwise).
pub(crate) fn check_header(name: &str, v: &str) -> Result<()> {
    header_value(name, v).map(|_| ())
}

fn header_value(name: &str, v: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(v).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            format!("{name} {} is not a valid header value", quote_snippet(v)),
        )
    })
}

pub(crate) struct Transport {
    http: reqwest::blocking::Client,
    base: String,
    token: Secret,
    retry: RetryPolicy,
    resend_ambiguous_creates: bool,
    max_response_bytes: usize,
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
    pub(crate) fn new(b: &TransportSettings) -> Result<Transport> {
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
        let hv = header_value;
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
        for (name, v) in &b.headers {
            headers.insert(*name, hv(name, v)?);
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
            if failure == Failure::MaybeProcessed && call.keyed() && ambiguous.is_none() {
                ambiguous = Some(err.message().to_string());
            }
            if after(call.resend, failure, self.resend_ambiguous_creates) == Next::Unknown {
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
        let (Some(what), Some(first)) = (&call.if_unknown, ambiguous) else {
            return err.with_idempotency_key(key);
        };
        let last = if err.message() == first {
            String::new()
        } else {
            format!("; last: {}", err.message())
        };
        let mut out = Error::new(
            ErrorKind::OutcomeUnknown,
            format!(
                // What to do comes first; what went wrong (often a network error with its own
                // parentheses) last, so the message reads at a till.
                "outcome unknown: {} was sent but no usable answer came back: {what}. What went wrong: {first}{last}",
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
        for (name, value) in &call.headers {
            rb = rb.header(*name, value.as_str());
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

    pub(crate) fn map_status(
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
        let facts = Conflict {
            subject,
            code: api.error.as_deref(),
            said: &said,
            after_ambiguous,
        };
        let refined = call.errors.and_then(|rule| rule(status, &facts));
        let (kind, message) = match status {
            _ if refined.is_some() => refined.unwrap_or((ErrorKind::Api, String::new())),
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
            409 => (call.conflict)(&facts),
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

    fn local() -> Transport {
        Transport::new(&TransportSettings::for_tests("http://127.0.0.1:9")).unwrap()
    }

    #[test]
    fn every_status_maps_to_its_kind() {
        let t = local();
        let body =
            br#"{"message":"m","error":"e","status":0,"cause":[{"code":1,"description":"d"}]}"#;
        let map = |status, after_ambiguous| {
            t.map_status(
                &Call::get("/x", "intent 1"),
                status,
                body,
                Some("rid".into()),
                Some(Duration::from_secs(7)),
                after_ambiguous,
            )
        };
        for (status, kind) in [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
            (418, ErrorKind::Api),
            (302, ErrorKind::Api),
        ] {
            let e = map(status, false);
            assert_eq!(e.kind(), kind, "{status}");
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.api_error(), Some("e"));
            assert_eq!(e.api_message(), Some("m"));
            assert_eq!(e.causes().len(), 1);
            assert_eq!(e.request_id(), Some("rid"));
            assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        }
        assert!(map(401, false).message().contains("access token"));
    }

    #[test]
    fn a_409_is_read_by_the_calls_own_rule_with_its_facts() {
        fn rule(c: &Conflict<'_>) -> (ErrorKind, String) {
            let kind = if c.after_ambiguous {
                ErrorKind::OutcomeUnknown
            } else {
                ErrorKind::AlreadyQueued
            };
            (kind, format!("{}|{:?}|{}", c.subject, c.code, c.said))
        }
        let t = local();
        let call = Call::get("/x", "the intent for POS P").with_conflict(rule);
        let body = br#"{"errors":[{"code":"busy","message":"m"}]}"#;
        let e = t.map_status(&call, 409, body, None, None, false);
        assert_eq!(e.kind(), ErrorKind::AlreadyQueued);
        assert_eq!(e.message(), "the intent for POS P|Some(\"busy\")|: m");
        assert_eq!(e.api_error(), Some("busy"));
        let e = t.map_status(&call, 409, body, None, None, true);
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    }

    #[test]
    fn the_retry_table() {
        use Failure::*;
        for f in [NotSent, NotProcessed, MaybeProcessed] {
            for opted_in in [false, true] {
                assert_eq!(after(Resend::Always, f, opted_in), Next::Retry, "{f:?}");
            }
        }
        // A request whose key the API does not document is not re-sent once it may have reached
        // the server, unless the user opted in.
        assert_eq!(after(Resend::IfOptedIn, NotSent, false), Next::Retry);
        assert_eq!(after(Resend::IfOptedIn, NotProcessed, false), Next::Retry);
        assert_eq!(
            after(Resend::IfOptedIn, MaybeProcessed, false),
            Next::Unknown
        );
        assert_eq!(after(Resend::IfOptedIn, MaybeProcessed, true), Next::Retry);
    }
}
