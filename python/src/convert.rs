//! Python values in (amounts, durations, ids) and Python objects out (the frozen dataclasses of
//! `mppoint/_models.py`). Every rule stays in the core: this file only translates.

use std::time::Duration;

use mppoint::payment::AmountOrZero;
use mppoint::{Amount, Device, DevicePage, ErrorKind, Intent, Payment, Refund, Sale, Target};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::amount::decimal_class;
pub use crate::amount::{amount_from, decimal};
pub use crate::errors::str_of;
use crate::errors::{shown, to_pyerr};

/// An optional amount argument.
pub fn opt_amount(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Amount>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => amount_from(py, v).map(Some),
    }
}

/// Seconds (int or float) → `Duration`; negative, NaN and infinite values are refused with the
/// error kind the caller names.
pub fn seconds(
    py: Python<'_>,
    field: &'static str,
    value: f64,
    kind: ErrorKind,
) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        let e = if kind == ErrorKind::InvalidArgument {
            mppoint::Error::invalid_argument(
                field,
                "must be a non-negative number of seconds",
                &value.to_string(),
            )
        } else {
            mppoint::Error::new(
                kind,
                format!("{field} must be a non-negative number of seconds (got {value})"),
            )
        };
        to_pyerr(py, &e)
    })
}

/// A payment id: an int that fits a u64 and passes the core's rule (a negative or huge one is an
/// `InvalidArgumentError`, not an `OverflowError`).
pub fn payment_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "payment_id must be an int, not {}",
            value.get_type().name()?
        )));
    }
    // What does not fit a u64 (negative, huge) is refused here; the rest by the core's rule.
    match value.extract::<u64>() {
        Ok(id) => mppoint::payment::validate_payment_id(id)
            .map(|()| id)
            .map_err(|e| to_pyerr(py, &e)),
        Err(_) => Err(to_pyerr(
            py,
            &mppoint::Error::invalid_argument(
                "payment_id",
                "must be a positive integer",
                &value.str()?.to_string(),
            ),
        )),
    }
}

/// A `str` argument. Python strings can hold lone surrogates (`"\\ud800"`) that no UTF-8 text can:
/// such a value is an `InvalidArgumentError`, like any other bad value, instead of the
/// `UnicodeEncodeError` a plain `String` argument would raise past `except mppoint.Error`. A value
/// of another type stays a `TypeError` (the package's convention for a wrong argument type).
pub struct Text(pub String);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s = obj.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected a str, not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        match s.to_str() {
            Ok(t) => Ok(Text(t.to_owned())),
            Err(_) => Err(to_pyerr(
                obj.py(),
                &mppoint::Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "text {} is not valid Unicode (it holds a lone surrogate, as from a bad decode): fix the string",
                        shown(&obj)
                    ),
                ),
            )),
        }
    }
}

/// An integer argument of a fixed range (`u32`, `u64`, `i64`): an int out of that range is an
/// `InvalidArgumentError` naming the range, not an `OverflowError`; a non-int is a `TypeError`.
pub struct Int<T>(pub T);

impl<T> std::ops::Deref for Int<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'a, 'py, T> FromPyObject<'a, 'py> for Int<T>
where
    T: for<'b> FromPyObject<'b, 'py> + num_range::Range,
{
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "expected an int, not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )));
        }
        match obj.extract::<T>() {
            Ok(v) => Ok(Int(v)),
            Err(_) => Err(to_pyerr(
                obj.py(),
                &mppoint::Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "integer {} is out of range: it must be between {} and {}",
                        shown(&obj),
                        T::MIN_TEXT,
                        T::MAX_TEXT
                    ),
                ),
            )),
        }
    }
}

mod num_range {
    pub trait Range {
        const MIN_TEXT: &'static str;
        const MAX_TEXT: &'static str;
    }
    impl Range for u32 {
        const MIN_TEXT: &'static str = "0";
        const MAX_TEXT: &'static str = "4294967295";
    }
    impl Range for u64 {
        const MIN_TEXT: &'static str = "0";
        const MAX_TEXT: &'static str = "18446744073709551615";
    }
    impl Range for i64 {
        const MIN_TEXT: &'static str = "-9223372036854775808";
        const MAX_TEXT: &'static str = "9223372036854775807";
    }
}

/// A number of seconds (`int` or `float`): an int too large for a float is an
/// `InvalidArgumentError`, not an `OverflowError`; the range rules stay with [`seconds`].
pub struct Real(pub f64);

impl std::ops::Deref for Real {
    type Target = f64;
    fn deref(&self) -> &f64 {
        &self.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Real {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>()
            || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
        {
            return Err(PyTypeError::new_err(format!(
                "expected a number (int or float), not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )));
        }
        obj.extract::<f64>().map(Real).map_err(|_| {
            to_pyerr(
                obj.py(),
                &mppoint::Error::new(
                    ErrorKind::InvalidArgument,
                    format!("number {} is out of range", shown(&obj)),
                ),
            )
        })
    }
}

/// `pos=` / `device=` → the core's `Target` (the core's rule: exactly one of them).
pub fn target(pos: Option<String>, device: Option<String>) -> Result<Target, mppoint::Error> {
    Target::from_options(pos, device)
}

macro_rules! model {
    ($fn:ident, $name:literal) => {
        fn $fn(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
            static CLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            CLS.import(py, "mppoint._models", $name)
        }
    };
}

model!(intent_cls, "Intent");
model!(operation_cls, "Operation");
model!(operation_result_cls, "OperationResult");
model!(enabler_cls, "EnablerConfiguration");
model!(device_cls, "Device");
model!(device_page_cls, "DevicePage");
model!(payment_cls, "Payment");
model!(refund_cls, "Refund");
model!(paid_sale_cls, "PaidSale");
model!(unpaid_sale_cls, "UnpaidSale");
model!(notification_cls, "Notification");
model!(pending_sale_cls, "PendingSale");
model!(instant_fn, "_instant");

/// Builds a model by keyword (`Intent(id=…, status=…)`), so that a field the Python class adds,
/// drops or moves fails loudly here instead of shifting every value after it.
fn call<'py>(
    cls: &Bound<'py, PyAny>,
    fields: &[(&str, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(cls.py());
    for (name, value) in fields {
        kwargs.set_item(*name, value)?;
    }
    cls.call((), Some(&kwargs))
}

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<Bound<'py, PyAny>> {
    v.into_bound_py_any(py)
}

fn opt_decimal<'py>(py: Python<'py>, a: Option<Amount>) -> PyResult<Bound<'py, PyAny>> {
    match a {
        Some(a) => decimal(py, a),
        None => Ok(py.None().into_bound(py)),
    }
}

fn zero_ok_decimal<'py>(py: Python<'py>, a: Option<AmountOrZero>) -> PyResult<Bound<'py, PyAny>> {
    match a {
        Some(a) => decimal_class(py)?.call1((a.to_string(),)),
        None => Ok(py.None().into_bound(py)),
    }
}

/// `mppoint.Intent`.
pub fn intent<'py>(py: Python<'py>, i: &Intent) -> PyResult<Bound<'py, PyAny>> {
    let mut ops = Vec::with_capacity(i.operations.len());
    for o in &i.operations {
        let mut results = Vec::with_capacity(o.results.len());
        for r in &o.results {
            results.push(call(
                operation_result_cls(py)?,
                &[
                    (
                        "id",
                        match &r.id {
                            mppoint::ResultId::Number(n) => any(py, *n)?,
                            mppoint::ResultId::Text(t) => any(py, t.as_str())?,
                        },
                    ),
                    ("source", any(py, r.source.as_ref().map(|s| s.as_str()))?),
                ],
            )?);
        }
        ops.push(call(
            operation_cls(py)?,
            &[
                ("type", any(py, o.kind.as_str())?),
                ("amount", opt_decimal(py, o.amount)?),
                ("results", PyTuple::new(py, results)?.into_any()),
            ],
        )?);
    }
    let enabler = match &i.enabler_configuration {
        None => py.None().into_bound(py),
        Some(e) => call(
            enabler_cls(py)?,
            &[
                (
                    "device_payment_mode",
                    any(py, e.device_payment_mode.as_deref())?,
                ),
                ("ticket_number", any(py, e.ticket_number.as_deref())?),
                (
                    "print_on_terminal",
                    PyTuple::new(py, &e.print_on_terminal)?.into_any(),
                ),
            ],
        )?,
    };
    call(
        intent_cls(py)?,
        &[
            ("id", any(py, i.id.as_str())?),
            ("status", any(py, i.status.as_str())?),
            ("description", any(py, i.description.as_deref())?),
            (
                "external_reference",
                any(py, i.external_reference.as_deref())?,
            ),
            ("operations", PyTuple::new(py, ops)?.into_any()),
            ("enabler_configuration", enabler),
            ("idempotency_key", any(py, i.idempotency_key.as_deref())?),
            // Derived by the core:
            ("amount", opt_decimal(py, i.amount())?),
            ("payment_ids", PyTuple::new(py, i.payment_ids())?.into_any()),
            ("is_final", any(py, i.status.is_final())?),
            // the rule of the API the sale is on (an order at the terminal can still be canceled)
            ("can_cancel_via_api", any(py, i.can_cancel_via_api())?),
        ],
    )
}

/// `mppoint.Payment`.
pub fn payment<'py>(py: Python<'py>, p: &Payment) -> PyResult<Bound<'py, PyAny>> {
    call(
        payment_cls(py)?,
        &[
            ("id", any(py, p.id)?),
            ("status", any(py, p.status.as_str())?),
            ("status_detail", any(py, p.status_detail.as_deref())?),
            ("transaction_amount", opt_decimal(py, p.transaction_amount)?),
            (
                "transaction_amount_refunded",
                zero_ok_decimal(py, p.transaction_amount_refunded)?,
            ),
            ("currency_id", any(py, p.currency_id.as_deref())?),
            (
                "payment_method_id",
                any(py, p.payment_method_id.as_deref())?,
            ),
            ("payment_type_id", any(py, p.payment_type_id.as_deref())?),
            (
                "external_reference",
                any(py, p.external_reference.as_deref())?,
            ),
            ("description", any(py, p.description.as_deref())?),
            ("date_created", any(py, p.date_created.as_deref())?),
            ("date_approved", any(py, p.date_approved.as_deref())?),
            ("tip_amount", opt_decimal(py, p.tip_amount)?),
            ("is_approved", any(py, p.is_approved())?),
        ],
    )
}

/// `mppoint.Refund`.
pub fn refund<'py>(py: Python<'py>, r: &Refund) -> PyResult<Bound<'py, PyAny>> {
    call(
        refund_cls(py)?,
        &[
            ("id", any(py, r.id)?),
            ("payment_id", any(py, r.payment_id)?),
            ("amount", opt_decimal(py, r.amount)?),
            ("status", any(py, r.status.as_deref())?),
            ("date_created", any(py, r.date_created.as_deref())?),
        ],
    )
}

/// `mppoint.PendingSale`.
pub fn pending_sale<'py>(py: Python<'py>, p: &mppoint::PendingSale) -> PyResult<Bound<'py, PyAny>> {
    call(
        pending_sale_cls(py)?,
        &[
            ("reference", any(py, p.reference.as_str())?),
            ("api", any(py, p.api.as_str())?),
            ("target", any(py, p.target.as_str())?),
            ("amount", decimal_class(py)?.call1((p.amount.as_str(),))?),
            ("description", any(py, p.description.as_str())?),
            ("state", any(py, p.state.as_str())?),
            ("attempt", any(py, p.attempt)?),
            ("idempotency_key", any(py, p.idempotency_key.as_str())?),
            ("intent_id", any(py, p.intent_id.as_deref())?),
            ("verdict", any(py, p.verdict.as_deref())?),
            ("payment_id", any(py, p.payment_id)?),
            ("paid", any(py, p.paid)?),
            ("note", any(py, p.note.as_deref())?),
            ("created_at", any(py, p.created_at)?),
            ("updated_at", any(py, p.updated_at)?),
        ],
    )
}

/// A list of `mppoint.PendingSale`.
pub fn pending_sales<'py>(
    py: Python<'py>,
    sales: &[mppoint::PendingSale],
) -> PyResult<Bound<'py, PyAny>> {
    let items = sales
        .iter()
        .map(|p| pending_sale(py, p))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(pyo3::types::PyList::new(py, items)?.into_any())
}

/// `mppoint.Device`.
pub fn device<'py>(py: Python<'py>, d: &Device) -> PyResult<Bound<'py, PyAny>> {
    call(
        device_cls(py)?,
        &[
            ("id", any(py, d.id.as_str())?),
            ("operating_mode", any(py, d.operating_mode.as_str())?),
            ("pos_id", any(py, d.pos_id)?),
            ("store_id", any(py, d.store_id.as_deref())?),
            ("external_pos_id", any(py, d.external_pos_id.as_deref())?),
        ],
    )
}

/// `mppoint.DevicePage`.
pub fn device_page<'py>(py: Python<'py>, p: &DevicePage) -> PyResult<Bound<'py, PyAny>> {
    let devices = p
        .devices
        .iter()
        .map(|d| device(py, d))
        .collect::<PyResult<Vec<_>>>()?;
    call(
        device_page_cls(py)?,
        &[
            ("devices", PyTuple::new(py, devices)?.into_any()),
            ("total", any(py, p.paging.total)?),
            ("offset", any(py, p.paging.offset)?),
            ("limit", any(py, p.paging.limit)?),
        ],
    )
}

/// `mppoint.Sale`.
pub fn sale<'py>(py: Python<'py>, s: &Sale) -> PyResult<Bound<'py, PyAny>> {
    let payments = s
        .payments
        .iter()
        .map(|p| payment(py, p))
        .collect::<PyResult<Vec<_>>>()?;
    let approved = match s.approved_payment() {
        Some(p) => payment(py, p)?,
        None => py.None().into_bound(py),
    };
    // The core's `is_paid` picks the class (typed code narrows on it).
    let cls = if s.is_paid() {
        paid_sale_cls(py)?
    } else {
        unpaid_sale_cls(py)?
    };
    call(
        cls,
        &[
            ("verdict", any(py, s.verdict.code())?),
            ("reason", any(py, s.reason.as_str())?),
            ("intent", intent(py, &s.intent)?),
            ("payments", PyTuple::new(py, payments)?.into_any()),
            // Derived by the core:
            ("is_paid", any(py, s.is_paid())?),
            ("advice", any(py, s.verdict.advice())?),
            ("approved_payment", approved),
            ("amount", opt_decimal(py, s.amount())?),
            ("tip", opt_decimal(py, s.tip())?),
        ],
    )
}

/// What `mppoint.Notification` is built from.
pub struct NotificationFields<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub action: Option<&'a str>,
    pub api_version: Option<&'a str>,
    pub date_created: Option<&'a str>,
    /// (Unix seconds, microseconds, UTC offset in seconds) when `date_created` could be read.
    pub created_at: Option<(i64, u32, i32)>,
    pub live_mode: Option<bool>,
    pub user_id: Option<u64>,
    pub intent: &'a Intent,
    pub url: Option<&'a str>,
    pub is_final: bool,
    pub dedup_key: String,
}

/// `mppoint.Notification`.
pub fn notification<'py>(
    py: Python<'py>,
    n: NotificationFields<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    let created_at = match n.created_at {
        Some((secs, micros, offset)) => instant_fn(py)?.call1((secs, micros, offset))?,
        None => py.None().into_bound(py),
    };
    call(
        notification_cls(py)?,
        &[
            ("id", any(py, n.id)?),
            ("type", any(py, n.kind)?),
            ("action", any(py, n.action)?),
            ("api_version", any(py, n.api_version)?),
            ("date_created", any(py, n.date_created)?),
            ("live_mode", any(py, n.live_mode)?),
            ("user_id", any(py, n.user_id)?),
            ("intent", intent(py, n.intent)?),
            ("url", any(py, n.url)?),
            // Derived by the core:
            ("created_at", created_at),
            ("is_final", any(py, n.is_final)?),
            ("dedup_key", any(py, n.dedup_key)?),
        ],
    )
}
