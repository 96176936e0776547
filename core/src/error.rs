//! One error type for everything mppoint does.
//!
//! [`Error`] carries a [`ErrorKind`] (what went wrong, stable across versions and languages) and
//! structured fields: the HTTP status, Mercado Pago's `error` code, `message` and `cause` list, the
//! response's `x-request-id`, a `Retry-After`, and the idempotency key of a create. Every message
//! says what to do next. No reqwest type appears here, and the access token never does either.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::status::Status;

/// `Result` with mppoint's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong. Every kind maps to one C result code, one Python exception class and one Node
/// `err.code` string (see [`ErrorKind::code`] and the README's error table).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument failed validation before anything was sent (field, rule and value are named).
    InvalidArgument,
    /// An amount is malformed or outside the site's limits.
    InvalidAmount,
    /// The client configuration is unusable (bad base URL, proxy or certificate).
    Config,
    /// 401: the access token was rejected.
    Unauthorized,
    /// 403: the token may not do this (for example the device is not logged in).
    Forbidden,
    /// 404: the intent, POS, device or payment does not exist.
    NotFound,
    /// 400 from the server: it rejected the request's content.
    BadRequest,
    /// 409 on create: the device already has a queued intent.
    AlreadyQueued,
    /// 409 on cancel: the intent left `OPENED`; it can only be canceled on the terminal now.
    CannotCancel,
    /// 409 in any other situation.
    Conflict,
    /// 429 after every retry.
    RateLimited,
    /// 5xx after every retry.
    Server,
    /// Any other unexpected HTTP status.
    Api,
    /// A create (or refund) was sent but no answer came back: it may or may not have happened.
    OutcomeUnknown,
    /// The connection failed (refused, reset, DNS, TLS) and retries did not help.
    Network,
    /// A request took longer than the configured timeout.
    Timeout,
    /// The server's answer was not the JSON we expected (malformed, truncated, wrong shape).
    Decode,
    /// `wait_for_final` reached its deadline before the intent reached a final status.
    WaitTimeout,
    /// The wait was canceled by its cancel token.
    Canceled,
    /// A webhook's `x-signature` did not verify (see [`Error::signature_failure`]).
    InvalidSignature,
    /// An idempotency key was reused with a different request (amount, external reference or
    /// target): the intent it names is another sale's. Use a new key for a new cart.
    IdempotencyKeyMismatch,
    /// The caller's own code stopped a sale after its intent was created (a status callback that
    /// failed, an abort, Ctrl-C): the error carries the intent id and key; the intent is
    /// untouched, so cancel it or wait for it again.
    Aborted,
    /// A bug inside mppoint was caught before it could reach the caller (a Rust panic). Please
    /// report it with the message.
    Panic,
    /// With a sale journal: the sale's reference is being charged right now by another process
    /// (or thread), or it has no verdict yet to settle. Nothing was sent: wait for that charge to
    /// end, then ask again.
    SaleInProgress,
    /// The sale journal cannot be used: its path cannot be created or locked, the file is not a
    /// journal, was written by a newer version, or is damaged. The message names the path and
    /// what to do. Nothing was charged.
    Journal,
    /// Mercado Pago will not make this refund as asked (Orders API): the order does not take
    /// partial refunds (`unsupported_partially_refunds`), it has a tip so only a full refund is
    /// allowed (403 `partial_refund_forbidden_with_tips`), it is already refunded, not
    /// processed, or past the refund period. The message says which refund is possible.
    RefundNotAllowed,
    /// A call that only works with test credentials (the sandbox's simulated order status) was
    /// made with a production access token: nothing was sent.
    SandboxOnly,
}

impl ErrorKind {
    /// Every kind, in result-code order.
    pub const ALL: [ErrorKind; 27] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidAmount,
        ErrorKind::Config,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::BadRequest,
        ErrorKind::AlreadyQueued,
        ErrorKind::CannotCancel,
        ErrorKind::Conflict,
        ErrorKind::RateLimited,
        ErrorKind::Server,
        ErrorKind::Api,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::WaitTimeout,
        ErrorKind::Canceled,
        ErrorKind::InvalidSignature,
        ErrorKind::IdempotencyKeyMismatch,
        ErrorKind::Aborted,
        ErrorKind::Panic,
        ErrorKind::SaleInProgress,
        ErrorKind::Journal,
        ErrorKind::RefundNotAllowed,
        ErrorKind::SandboxOnly,
    ];

    /// The stable string code of this kind, the same in every language (Node's `err.code`).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::InvalidAmount => "INVALID_AMOUNT",
            ErrorKind::Config => "CONFIG",
            ErrorKind::Unauthorized => "UNAUTHORIZED",
            ErrorKind::Forbidden => "FORBIDDEN",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::BadRequest => "BAD_REQUEST",
            ErrorKind::AlreadyQueued => "ALREADY_QUEUED",
            ErrorKind::CannotCancel => "CANNOT_CANCEL",
            ErrorKind::Conflict => "CONFLICT",
            ErrorKind::RateLimited => "RATE_LIMITED",
            ErrorKind::Server => "SERVER",
            ErrorKind::Api => "API",
            ErrorKind::OutcomeUnknown => "OUTCOME_UNKNOWN",
            ErrorKind::Network => "NETWORK",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Decode => "DECODE",
            ErrorKind::WaitTimeout => "WAIT_TIMEOUT",
            ErrorKind::Canceled => "CANCELED",
            ErrorKind::InvalidSignature => "INVALID_SIGNATURE",
            ErrorKind::IdempotencyKeyMismatch => "IDEMPOTENCY_KEY_MISMATCH",
            ErrorKind::Aborted => "ABORTED",
            ErrorKind::Panic => "PANIC",
            ErrorKind::SaleInProgress => "SALE_IN_PROGRESS",
            ErrorKind::Journal => "JOURNAL",
            ErrorKind::RefundNotAllowed => "REFUND_NOT_ALLOWED",
            ErrorKind::SandboxOnly => "SANDBOX_ONLY",
        }
    }

    /// Whether trying the same call again later may succeed (network trouble, 429, 5xx, timeouts).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Network | ErrorKind::Timeout
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a webhook signature was refused: the same six reasons as Mercado Pago's own SDKs, checked
/// in this order. It lives beside [`Error`], which carries it ([`Error::signature_failure`]); the
/// webhook module re-exports it as `mppoint::webhook::FailureReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The `x-signature` header is absent, empty or only whitespace. The request did not come from
    /// Mercado Pago's webhooks (or a proxy dropped the header).
    MissingHeader,
    /// The header holds neither a `ts=` nor any `vN=` pair with a value (for example `garbage`,
    /// `a=b`, `ts=,v1=`), or its `ts` is not made only of the digits 0-9 (`ts=abc`, `ts=-1`,
    /// `ts=1.5`).
    MalformedHeader,
    /// The header has a version hash (`v1=…`, `v2=…`) but no non-empty `ts=`.
    MissingTimestamp,
    /// The header has a valid `ts` but no non-empty `v1=` (for example only `v2=`): Mercado Pago may
    /// have moved to a new signature version.
    MissingHash,
    /// The HMAC-SHA256 of the manifest with the secret is not the header's `v1` (compared as
    /// lower-case hex, exactly; an upper-case digest does not match). A wrong webhook secret, a
    /// `data.id` or `x-request-id` that is not the one signed, or a forged request.
    SignatureMismatch,
    /// The signature matches, but `ts` is farther from now than the tolerance of
    /// `VerifyOptions::tolerance`: a replay, or a server clock that is off.
    TimestampOutOfTolerance,
}

impl FailureReason {
    /// Every reason, in code order.
    pub const ALL: [FailureReason; 6] = [
        FailureReason::MissingHeader,
        FailureReason::MalformedHeader,
        FailureReason::MissingTimestamp,
        FailureReason::MissingHash,
        FailureReason::SignatureMismatch,
        FailureReason::TimestampOutOfTolerance,
    ];

    /// The stable code, the same in every language.
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::MissingHeader => "MISSING_HEADER",
            FailureReason::MalformedHeader => "MALFORMED_HEADER",
            FailureReason::MissingTimestamp => "MISSING_TIMESTAMP",
            FailureReason::MissingHash => "MISSING_HASH",
            FailureReason::SignatureMismatch => "SIGNATURE_MISMATCH",
            FailureReason::TimestampOutOfTolerance => "TIMESTAMP_OUT_OF_TOLERANCE",
        }
    }

    /// The reason whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<FailureReason> {
        FailureReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One entry of Mercado Pago's `cause` list. `code` is kept as text: the API sends it as a number
/// or as a string.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Cause {
    /// The cause's code, as text.
    pub code: Option<String>,
    /// The cause's description.
    pub description: Option<String>,
}

/// Every structured field of an [`Error`], in one list: what each language's error object carries
/// and the CLI's `--json` error prints ([`Error::fields`]). The bindings destructure it whole, so a
/// field added here fails to compile in every binding until it is given there too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorFields {
    /// The kind's code ([`ErrorKind::code`]): `"OUTCOME_UNKNOWN"`, `"INVALID_AMOUNT"`, …
    pub code: &'static str,
    /// Whether the same call may succeed later ([`ErrorKind::is_transient`]).
    pub transient: bool,
    /// What went wrong and what to do, without the code.
    pub message: String,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    /// Mercado Pago's `error` code from the answer's body.
    pub api_error: Option<String>,
    /// Mercado Pago's `message` from the answer's body, as sent.
    pub api_message: Option<String>,
    /// Mercado Pago's `cause` list.
    pub causes: Vec<Cause>,
    /// The answer's `x-request-id` (quote it to Mercado Pago support).
    pub request_id: Option<String>,
    /// How long the server asked to wait (`Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// The `X-Idempotency-Key` of the create or refund: retry with it.
    pub idempotency_key: Option<String>,
    /// The sale (intent or order) the error is about.
    pub intent_id: Option<String>,
    /// The sale's `external_reference`: after `OUTCOME_UNKNOWN`, find its payments by it.
    pub external_reference: Option<String>,
    /// For `ALREADY_QUEUED`: the sale holding the terminal, when this client created it.
    pub holding_sale: Option<String>,
    /// For `WAIT_TIMEOUT`, `CANCELED` and `ABORTED`: the last status seen.
    pub last_status: Option<String>,
    /// For `INVALID_ARGUMENT` and the amount errors: the field that failed.
    pub field: Option<&'static str>,
    /// For `INVALID_SIGNATURE`: why the signature was refused.
    pub signature_failure: Option<&'static str>,
}

/// mppoint's error. Cheap to move (one pointer); every field is optional except the kind and the
/// message.
#[derive(Clone, PartialEq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Default)]
struct Inner {
    kind: Option<ErrorKind>,
    message: String,
    status: Option<u16>,
    api_error: Option<String>,
    api_message: Option<String>,
    causes: Vec<Cause>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    idempotency_key: Option<String>,
    intent_id: Option<String>,
    external_reference: Option<String>,
    last_status: Option<Status>,
    field: Option<&'static str>,
    signature_failure: Option<FailureReason>,
    holding_sale: Option<String>,
    source: Option<Source>,
}

/// The lower-level error behind an [`Error`] (a connection failure, a JSON syntax error), kept for
/// [`std::error::Error::source`]. Two are equal when they read the same.
#[derive(Clone)]
struct Source(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl PartialEq for Source {
    fn eq(&self, other: &Source) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Error {
    /// A new error of `kind` whose message says what happened and what to do.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind: Some(kind),
                message: message.into(),
                ..Inner::default()
            }),
        }
    }

    /// A validation failure of `field`: the message names the field, the rule and the value.
    pub fn invalid_argument(field: &'static str, rule: impl fmt::Display, value: &str) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{field} {rule} (got {})", quote_snippet(value)),
        )
        .with_field(field)
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind.unwrap_or(ErrorKind::Api)
    }
    /// The human-readable message (also what `Display` prints, with the status and request id).
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }
    /// Mercado Pago's `error` code (`bad_request`, `pos_not_found`, …).
    pub fn api_error(&self) -> Option<&str> {
        self.inner.api_error.as_deref()
    }
    /// Mercado Pago's `message`, as sent.
    pub fn api_message(&self) -> Option<&str> {
        self.inner.api_message.as_deref()
    }
    /// Mercado Pago's `cause` list (possibly empty).
    pub fn causes(&self) -> &[Cause] {
        &self.inner.causes
    }
    /// The `x-request-id` of the answer: quote it to Mercado Pago support.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }
    /// How long the server asked us to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// The `X-Idempotency-Key` of the create or refund this error belongs to: retry with the same key.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.inner.idempotency_key.as_deref()
    }
    /// For `ALREADY_QUEUED`: the sale (intent or order id) that holds the terminal, when this
    /// client created it (it is not this sale: do not book or cancel it as this one).
    pub fn holding_sale(&self) -> Option<&str> {
        self.inner.holding_sale.as_deref()
    }
    /// The intent this error is about, when known.
    pub fn intent_id(&self) -> Option<&str> {
        self.inner.intent_id.as_deref()
    }
    /// The external reference of the sale this error is about (an `OUTCOME_UNKNOWN` create):
    /// look its payments up with `find_payments`.
    pub fn external_reference(&self) -> Option<&str> {
        self.inner.external_reference.as_deref()
    }
    /// For [`ErrorKind::WaitTimeout`] and [`ErrorKind::Canceled`]: the last status seen.
    pub fn last_status(&self) -> Option<&Status> {
        self.inner.last_status.as_ref()
    }
    /// For [`ErrorKind::InvalidArgument`]: the field that failed validation.
    pub fn field(&self) -> Option<&'static str> {
        self.inner.field
    }
    /// For [`ErrorKind::InvalidSignature`]: why the signature was refused.
    pub fn signature_failure(&self) -> Option<FailureReason> {
        self.inner.signature_failure
    }

    /// Every structured field, in one list ([`ErrorFields`]).
    pub fn fields(&self) -> ErrorFields {
        ErrorFields {
            code: self.kind().code(),
            transient: self.kind().is_transient(),
            message: self.message().to_string(),
            status: self.status(),
            api_error: self.api_error().map(str::to_string),
            api_message: self.api_message().map(str::to_string),
            causes: self.causes().to_vec(),
            request_id: self.request_id().map(str::to_string),
            retry_after_ms: self
                .retry_after()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            idempotency_key: self.idempotency_key().map(str::to_string),
            intent_id: self.intent_id().map(str::to_string),
            external_reference: self.external_reference().map(str::to_string),
            holding_sale: self.holding_sale().map(str::to_string),
            last_status: self.last_status().map(|s| s.as_str().to_string()),
            field: self.field(),
            signature_failure: self.signature_failure().map(FailureReason::code),
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }
    pub(crate) fn with_api(
        mut self,
        error: Option<String>,
        message: Option<String>,
        causes: Vec<Cause>,
    ) -> Self {
        self.inner.api_error = error;
        self.inner.api_message = message;
        self.inner.causes = causes;
        self
    }
    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        if id.is_some() {
            self.inner.request_id = id;
        }
        self
    }
    pub(crate) fn with_retry_after(mut self, d: Option<Duration>) -> Self {
        if d.is_some() {
            self.inner.retry_after = d;
        }
        self
    }
    pub(crate) fn with_idempotency_key(mut self, key: Option<String>) -> Self {
        if key.is_some() {
            self.inner.idempotency_key = key;
        }
        self
    }
    pub(crate) fn with_holding_sale(mut self, id: impl Into<String>) -> Self {
        self.inner.holding_sale = Some(id.into());
        self
    }
    pub(crate) fn with_intent_id(mut self, id: impl Into<String>) -> Self {
        self.inner.intent_id = Some(id.into());
        self
    }
    pub(crate) fn with_external_reference(mut self, r: impl Into<String>) -> Self {
        self.inner.external_reference = Some(r.into());
        self
    }
    pub(crate) fn with_last_status(mut self, s: Option<Status>) -> Self {
        self.inner.last_status = s;
        self
    }
    pub(crate) fn with_field(mut self, field: &'static str) -> Self {
        self.inner.field = Some(field);
        self
    }
    pub(crate) fn with_signature_failure(mut self, r: FailureReason) -> Self {
        self.inner.signature_failure = Some(r);
        self
    }
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }
    /// Keeps `cause` as this error's [`source`](std::error::Error::source).
    pub(crate) fn with_source(
        mut self,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Source(Arc::new(cause)));
        self
    }

    /// [`Error::with_source`] for a cause that may be absent.
    pub(crate) fn with_source_opt(
        self,
        cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        match cause {
            Some(c) => {
                let mut e = self;
                e.inner.source = Some(Source(Arc::from(c)));
                e
            }
            None => self,
        }
    }

    /// The [`ErrorKind::Panic`] error for a panic caught while running `operation`, with the
    /// panic's message.
    pub fn from_panic(operation: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        let what = panic_message(payload);
        Error::new(
            ErrorKind::Panic,
            format!("{operation}: internal error in mppoint (a panic was caught: {what}); please report it with this message"),
        )
    }
}

/// What a caught panic said (its `&str` or `String` payload), or "no message".
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// Runs `f`, turning a panic inside it into an [`ErrorKind::Panic`] error, so that a bug in
/// mppoint never unwinds into a caller's runtime (C, Python, Node). Every binding runs its calls
/// through this one function.
pub fn catch_panic<T>(operation: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(Error::from_panic(operation, payload.as_ref())))
}

/// Mercado Pago's error body, read leniently: `{"message","error","status","cause":[...]}`, where
/// `cause` may be missing, empty, a list or one object, and a code a number or a string. The
/// InStore reference documents its errors as `{"errorKey": "<prose>"}` instead: without a
/// `message`, the `errorKey` text is the message. The one reader of it: every answer that is not a
/// success goes through [`ApiErrorBody::parse`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ApiErrorBody {
    pub message: Option<String>,
    pub error: Option<String>,
    pub causes: Vec<Cause>,
}

impl ApiErrorBody {
    pub(crate) fn parse(body: &[u8]) -> ApiErrorBody {
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
        let cause = |c: &serde_json::Value| Cause {
            code: text(c.get("code")),
            description: text(c.get("description")),
        };
        let causes = match v.get("cause") {
            Some(serde_json::Value::Array(items)) => items.iter().map(cause).collect(),
            Some(c @ serde_json::Value::Object(_)) => vec![cause(c)],
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
            message: text(v.get("message")).or_else(|| text(v.get("errorKey"))),
            error: text(v.get("error")),
            causes,
        }
    }
}

/// At most 80 characters of `s`, quoted, for messages.
pub(crate) fn quote_snippet(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    format!("{out:?}")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        let mut extra = Vec::new();
        if let Some(s) = self.inner.status {
            extra.push(format!("HTTP {s}"));
        }
        if let Some(e) = &self.inner.api_error {
            extra.push(format!("error {e}"));
        }
        if let Some(r) = &self.inner.request_id {
            extra.push(format!("request id {r}"));
        }
        if let Some(k) = &self.inner.idempotency_key {
            extra.push(format!("idempotency key {k}"));
        }
        if !extra.is_empty() {
            write!(f, " [{}]", extra.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind()).field("message", &i.message);
        macro_rules! opt {
            ($($name:ident),*) => {$( if let Some(v) = &i.$name { d.field(stringify!($name), v); } )*};
        }
        opt!(
            status,
            api_error,
            api_message,
            request_id,
            retry_after,
            idempotency_key,
            intent_id,
            external_reference,
            last_status,
            field,
            signature_failure
        );
        if !i.causes.is_empty() {
            d.field("causes", &i.causes);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &*s.0 as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_gives_every_field_once() {
        let e = Error::new(ErrorKind::AlreadyQueued, "the terminal is busy")
            .with_status(409)
            .with_api(
                Some("conflict".into()),
                Some("queued".into()),
                vec![Cause {
                    code: Some("2001".into()),
                    description: Some("busy".into()),
                }],
            )
            .with_request_id(Some("req-1".into()))
            .with_retry_after(Some(Duration::from_millis(1500)))
            .with_idempotency_key(Some("key-1".into()))
            .with_holding_sale("ORD01")
            .with_intent_id("intent-1")
            .with_external_reference("sale-1")
            .with_last_status(Some(Status::OnTerminal))
            .with_field("amount")
            .with_signature_failure(FailureReason::SignatureMismatch);
        let f = e.fields();
        assert_eq!(
            f,
            ErrorFields {
                code: "ALREADY_QUEUED",
                transient: ErrorKind::AlreadyQueued.is_transient(),
                message: "the terminal is busy".into(),
                status: Some(409),
                api_error: Some("conflict".into()),
                api_message: Some("queued".into()),
                causes: vec![Cause {
                    code: Some("2001".into()),
                    description: Some("busy".into()),
                }],
                request_id: Some("req-1".into()),
                retry_after_ms: Some(1500),
                idempotency_key: Some("key-1".into()),
                intent_id: Some("intent-1".into()),
                external_reference: Some("sale-1".into()),
                holding_sale: Some("ORD01".into()),
                last_status: Some("ON_TERMINAL".into()),
                field: Some("amount"),
                signature_failure: Some("SIGNATURE_MISMATCH"),
            }
        );
        // As JSON (the CLI's --json error), every field is named, an absent one as null.
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 16);
        assert_eq!(v["causes"][0]["code"], "2001");
        let none = Error::new(ErrorKind::Config, "x").fields();
        assert_eq!(
            serde_json::to_value(&none).unwrap()["external_reference"],
            serde_json::Value::Null
        );
    }
    use std::error::Error as _;

    #[test]
    fn the_cause_is_kept_as_source() {
        let json = serde_json::from_str::<u32>("x").unwrap_err();
        let text = json.to_string();
        let e = Error::new(ErrorKind::Decode, "the answer is not JSON").with_source(json);
        assert_eq!(e.source().map(|s| s.to_string()), Some(text));
        assert!(Error::new(ErrorKind::Api, "m").source().is_none());
        // A clone keeps it too.
        assert!(e.clone().source().is_some());
    }

    #[test]
    fn a_panic_is_one_kind_with_its_message() {
        let r: Result<()> = catch_panic("get the intent", || panic!("index out of bounds"));
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Panic);
        assert_eq!(e.kind().code(), "PANIC");
        assert!(!e.kind().is_transient());
        assert!(
            e.message().starts_with("get the intent: internal error"),
            "{e}"
        );
        assert!(e.message().contains("index out of bounds"), "{e}");
        let owned: Result<()> = catch_panic("x", || panic!("{}", String::from("owned")));
        assert!(owned.unwrap_err().message().contains("owned"));
        assert_eq!(catch_panic("x", || Ok(7)).unwrap(), 7);
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
        // The InStore reference's documented error shape.
        let documented = ApiErrorBody::parse(
            br#"{"errorKey":"409-- Conflict - There is already a queued intent for the device"}"#,
        );
        assert_eq!(
            documented.message.as_deref(),
            Some("409-- Conflict - There is already a queued intent for the device")
        );
        assert!(documented.error.is_none());
        let both = ApiErrorBody::parse(br#"{"message":"m","errorKey":"k"}"#);
        assert_eq!(both.message.as_deref(), Some("m"));
    }
}
