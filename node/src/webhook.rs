//! `webhook`: verify, read and sign Mercado Pago's notifications (the core's `webhook` module).
//!
//! These are synchronous: an HMAC over a few dozen bytes and a small JSON parse take
//! microseconds, less than a round trip to the thread pool would.

use std::collections::HashMap;
use std::time::UNIX_EPOCH;

use napi::bindgen_prelude::*;

use mppoint::webhook;

use crate::error::{invalid, to_napi};
use crate::types::{millis, Intent};

/// The signed values of a notification: its `x-signature` and `x-request-id` headers and the
/// `data.id` query parameter of its URL. Missing or blank values count as absent.
#[napi(object)]
pub struct Signed {
    /// The `x-signature` header (`ts=…,v1=…`).
    pub x_signature: Option<String>,
    /// The `x-request-id` header.
    pub x_request_id: Option<String>,
    /// The `data.id` query parameter, exactly as received.
    pub data_id: Option<String>,
}

/// How strictly to check the time of a signature.
#[napi(object)]
pub struct VerifyOptions {
    /// Refuse a `ts` farther than this from now, in milliseconds (a 10-digit `ts` is read as
    /// seconds, a 13-digit one as milliseconds). Default: no time check.
    pub tolerance_ms: Option<f64>,
    /// "Now" for the time check, in Unix milliseconds (`Date.now()`); default the system clock.
    pub now_ms: Option<f64>,
}

fn verify_options(o: Option<&VerifyOptions>) -> mppoint::Result<webhook::VerifyOptions> {
    let mut v = webhook::VerifyOptions::default();
    if let Some(o) = o {
        v.tolerance = millis("tolerance_ms", o.tolerance_ms)?;
        if let Some(now) = millis("now_ms", o.now_ms)? {
            v.now = Some(UNIX_EPOCH + now);
        }
    }
    Ok(v)
}

/// A webhook request as a web framework received it.
#[napi(object)]
pub struct WebhookRequest {
    /// The request's headers (Node's `req.headers`): names in any case.
    #[napi(ts_type = "Record<string, string | string[] | undefined>")]
    pub headers: HashMap<String, Option<Either<String, Vec<String>>>>,
    /// The request URL with its query string (Express's `req.originalUrl`), or only the query
    /// string (`data.id=…&type=…`).
    pub url: String,
    /// The raw body, as received (`express.raw()` gives a Buffer).
    pub body: Either<String, Buffer>,
}

/// A webhook notification: the intent as it ended, and the envelope around it.
#[napi(object)]
pub struct Notification {
    /// The notification's id.
    pub id: String,
    /// What happened, e.g. `topic_instore_integration_wh.application.authorized`.
    pub action: Option<String>,
    pub api_version: Option<String>,
    /// `topic_instore_integration_wh` for Point and QR intents.
    #[napi(js_name = "type")]
    pub kind: String,
    /// `date_created` as sent (`2023-07-27 20:24:21.776642198-0400`).
    pub date_created: Option<String>,
    /// The same instant in RFC 3339, when it could be read.
    pub date_created_iso: Option<String>,
    /// `false` for test credentials.
    pub live_mode: Option<bool>,
    /// The Mercado Pago account.
    pub user_id: Option<i64>,
    /// The intent as it ended (`data`). Not yet a paid sale: look the intent and its payment up.
    pub data: Intent,
    /// The intent's API URL (`data.url`).
    pub url: Option<String>,
    /// `data.id`.
    pub intent_id: String,
    /// `data.status`.
    #[napi(ts_type = "IntentStatus")]
    pub status: String,
    /// Whether the status is final (Mercado Pago only notifies final statuses).
    pub is_final: bool,
    /// The same for every delivery of the same event (`{intent id}:{STATUS}`): Mercado Pago
    /// redelivers until it gets a 200 within 22 s, so remember the keys handled and answer 200
    /// to repeats without acting.
    pub dedup_key: String,
}

impl Notification {
    pub(crate) fn of(n: &webhook::Notification) -> Notification {
        Notification {
            id: n.id.clone(),
            action: n.action.clone(),
            api_version: n.api_version.clone(),
            kind: n.kind.clone(),
            date_created: n.date_created.as_ref().map(|d| d.raw().to_string()),
            date_created_iso: n.date_created.as_ref().and_then(|d| d.rfc3339()),
            live_mode: n.live_mode,
            user_id: n.user_id.map(|u| u as i64),
            data: Intent::of(&n.data.intent),
            url: n.data.url.clone(),
            intent_id: n.intent_id().to_string(),
            status: n.status().as_str().to_string(),
            is_final: n.is_final(),
            dedup_key: n.dedup_key(),
        }
    }
}

/// Verifies a notification's signature; throws an `MppointError` with code `INVALID_SIGNATURE`
/// and `signatureFailure` (`MISSING_HEADER`, `MALFORMED_HEADER`, `MISSING_TIMESTAMP`,
/// `MISSING_HASH`, `SIGNATURE_MISMATCH`, `TIMESTAMP_OUT_OF_TOLERANCE`) when it does not verify.
/// The signature does not cover the body: prefer `verifyRequest`, which also checks that.
#[napi(namespace = "webhook")]
pub fn verify(
    env: Env,
    secret: String,
    signed: Signed,
    options: Option<VerifyOptions>,
) -> Result<()> {
    let r = verify_options(options.as_ref()).and_then(|o| {
        webhook::verify(
            &secret,
            signed.x_signature.as_deref(),
            signed.x_request_id.as_deref(),
            signed.data_id.as_deref(),
            &o,
        )
    });
    r.map_err(|e| to_napi(&env, &e))
}

/// Verifies and reads a whole webhook request: the signature (`INVALID_SIGNATURE`), then the
/// body (`DECODE`), and that the body is about the signed `data.id`. Returns the notification.
#[napi(namespace = "webhook")]
pub fn verify_request(
    env: Env,
    secret: String,
    request: WebhookRequest,
    options: Option<VerifyOptions>,
) -> Result<Notification> {
    let (headers, body) = request.parts();
    verify_options(options.as_ref())
        .and_then(|o| webhook::verify_request(&secret, &headers, &request.url, body, &o))
        .map(|n| Notification::of(&n))
        .map_err(|e| to_napi(&env, &e))
}

impl WebhookRequest {
    /// The headers as (name, first value) pairs, and the raw body.
    pub(crate) fn parts(&self) -> (Vec<(&str, &str)>, &[u8]) {
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(self.headers.len());
        for (k, v) in &self.headers {
            match v {
                Some(Either::A(s)) => headers.push((k, s)),
                Some(Either::B(list)) => {
                    if let Some(first) = list.first() {
                        headers.push((k, first));
                    }
                }
                None => {}
            }
        }
        let body: &[u8] = match &self.body {
            Either::A(s) => s.as_bytes(),
            Either::B(b) => b,
        };
        (headers, body)
    }
}

/// Reads a notification's body (a string or a Buffer); throws `DECODE` for anything that is not
/// a notification. Does not check the signature.
#[napi(namespace = "webhook")]
pub fn parse(env: Env, body: Either<String, Buffer>) -> Result<Notification> {
    let bytes: &[u8] = match &body {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    };
    webhook::parse(bytes)
        .map(|n| Notification::of(&n))
        .map_err(|e| to_napi(&env, &e))
}

/// What to sign.
#[napi(object)]
pub struct SignOptions {
    /// The `data.id` (the intent id).
    pub data_id: Option<String>,
    /// The `x-request-id`.
    pub x_request_id: Option<String>,
    /// The timestamp, written as given: Unix seconds (10 digits) or milliseconds (13 digits).
    /// Default: now, in seconds.
    pub ts: Option<f64>,
}

/// A `ts` from JavaScript (a whole number); `None` lets the core use now.
fn unix_ts(ts: Option<f64>) -> mppoint::Result<Option<u64>> {
    ts.map(|t| crate::types::whole("ts", t, 0.0, 9_007_199_254_740_991.0).map(|n| n as u64))
        .transpose()
}

/// Produces an `x-signature` header value (`ts=…,v1=…`) that `verify` accepts: for tests, and
/// for sending yourself notifications the way Mercado Pago does.
#[napi(namespace = "webhook")]
pub fn sign(env: Env, secret: String, options: Option<SignOptions>) -> Result<String> {
    let o = options.unwrap_or(SignOptions {
        data_id: None,
        x_request_id: None,
        ts: None,
    });
    let ts = unix_ts(o.ts).map_err(|e| to_napi(&env, &e))?;
    Ok(webhook::sign(
        &secret,
        o.data_id.as_deref(),
        o.x_request_id.as_deref(),
        ts,
    ))
}

/// The headers of a notification signed for `dataId` at `ts` (default now, in seconds), as
/// Mercado Pago sends them, with a new `x-request-id`. Pass `dataId` in the URL as `data.id`.
#[napi(namespace = "webhook")]
pub fn signed_headers(
    env: Env,
    secret: String,
    data_id: String,
    ts: Option<f64>,
) -> Result<SignedHeaders> {
    if data_id.trim().is_empty() {
        return Err(to_napi(
            &env,
            &invalid("data_id", "must not be empty", &data_id),
        ));
    }
    let ts = unix_ts(ts).map_err(|e| to_napi(&env, &e))?;
    let (x_signature, x_request_id) = webhook::signed_headers(&secret, &data_id, ts);
    Ok(SignedHeaders {
        x_signature,
        x_request_id,
    })
}

/// The two signed headers of a notification.
#[napi(object)]
pub struct SignedHeaders {
    /// `x-signature`.
    pub x_signature: String,
    /// `x-request-id`.
    pub x_request_id: String,
}
