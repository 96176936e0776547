//! Webhook notifications: the core's `webhook::verify`, `sign` (and `parse`), for
//! `mppoint/webhook.py`.

use std::time::{Duration, UNIX_EPOCH};

use mppoint::webhook::{self, Notification, VerifyOptions};
use mppoint::ErrorKind;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{self, seconds, Int, Real, Text};
use crate::errors::{to_pyerr, IntoPyResult};

/// Verifies a notification's `x-signature`. `tolerance` in seconds; `now_us` is "now" in
/// microseconds since the Unix epoch (None: the system clock).
#[pyfunction]
#[pyo3(signature = (secret, x_signature, x_request_id, data_id, *, tolerance=None, now_us=None))]
fn webhook_verify(
    py: Python<'_>,
    secret: Text,
    x_signature: Option<Text>,
    x_request_id: Option<Text>,
    data_id: Option<Text>,
    tolerance: Option<Real>,
    now_us: Option<Int<i64>>,
) -> PyResult<()> {
    let opts = options(py, tolerance, now_us)?;
    webhook::verify(
        &secret,
        x_signature.as_deref(),
        x_request_id.as_deref(),
        data_id.as_deref(),
        &opts,
    )
    .py(py)
}

fn options(
    py: Python<'_>,
    tolerance: Option<Real>,
    now_us: Option<Int<i64>>,
) -> PyResult<VerifyOptions> {
    let tolerance = match tolerance {
        Some(t) => Some(seconds(py, "tolerance", t.0, ErrorKind::InvalidArgument)?),
        None => None,
    };
    let now = match now_us.map(|n| n.0) {
        None => None,
        Some(us) if us >= 0 => Some(UNIX_EPOCH + Duration::from_micros(us as u64)),
        Some(us) => Some(
            UNIX_EPOCH
                .checked_sub(Duration::from_micros(us.unsigned_abs()))
                .ok_or_else(|| {
                    to_pyerr(
                        py,
                        &mppoint::Error::invalid_argument(
                            "now",
                            "is out of range",
                            &us.to_string(),
                        ),
                    )
                })?,
        ),
    };
    Ok(VerifyOptions { tolerance, now })
}

/// An `x-signature` header value (`ts=…,v1=…`) that `verify` accepts; `ts` is written as given.
#[pyfunction]
#[pyo3(signature = (secret, data_id, x_request_id, ts=None))]
fn webhook_sign(
    secret: Text,
    data_id: Option<Text>,
    x_request_id: Option<Text>,
    ts: Option<Int<u64>>,
) -> String {
    webhook::sign(
        &secret,
        data_id.as_deref(),
        x_request_id.as_deref(),
        ts.map(|t| t.0),
    )
}

pub(crate) fn body_bytes(body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = body.cast::<PyString>() {
        return Ok(convert::str_of(s, ErrorKind::InvalidArgument)?
            .as_bytes()
            .to_vec());
    }
    if let Ok(b) = body.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "body must be bytes or str, not {}",
        body.get_type().name()?
    )))
}

pub(crate) fn notification<'py>(py: Python<'py>, n: &Notification) -> PyResult<Bound<'py, PyAny>> {
    let (raw, instant) = match &n.date_created {
        None => (None, None),
        Some(d) => (
            Some(d.raw()),
            d.parsed().map(|t| {
                (
                    t.unix_timestamp(),
                    t.microsecond(),
                    t.offset().whole_seconds(),
                )
            }),
        ),
    };
    convert::notification(
        py,
        convert::NotificationFields {
            id: &n.id,
            kind: &n.kind,
            action: n.action.as_deref(),
            api_version: n.api_version.as_deref(),
            date_created: raw,
            created_at: instant,
            live_mode: n.live_mode,
            user_id: n.user_id,
            intent: &n.data.intent,
            url: n.data.url.as_deref(),
            is_final: n.is_final(),
            dedup_key: n.dedup_key(),
        },
    )
}

/// Reads a notification's JSON body.
#[pyfunction]
fn webhook_parse<'py>(py: Python<'py>, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let bytes = body_bytes(body)?;
    let n = webhook::parse(&bytes).py(py)?;
    notification(py, &n)
}

/// Verifies and reads a whole webhook request (headers, query string, body).
#[pyfunction]
#[pyo3(signature = (secret, headers, query, body, *, tolerance=None, now_us=None))]
#[allow(clippy::too_many_arguments)]
fn webhook_verify_request<'py>(
    py: Python<'py>,
    secret: Text,
    headers: Vec<(Text, Text)>,
    query: Text,
    body: &Bound<'py, PyAny>,
    tolerance: Option<Real>,
    now_us: Option<Int<i64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = body_bytes(body)?;
    let opts = options(py, tolerance, now_us)?;
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (&**k, &**v)).collect();
    let n = webhook::verify_request(&secret, &pairs, &query, &bytes, &opts).py(py)?;
    notification(py, &n)
}

/// A web framework's headers as (name, value) pairs: anything with `items()` (Flask's, Django's,
/// Starlette's `request.headers`, a dict) or an iterable of pairs.
pub(crate) fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let mut pairs = Vec::new();
    for item in items.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            item?.extract().map_err(|_| {
                PyTypeError::new_err(
                    "headers must be a mapping (request.headers) or (name, value) pairs",
                )
            })?;
        pairs.push((name.str()?.to_string(), value.str()?.to_string()));
    }
    Ok(pairs)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(webhook_verify, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_sign, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_parse, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_verify_request, m)?)?;
    Ok(())
}
