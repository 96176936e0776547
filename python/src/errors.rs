//! `mppoint::Error` → the Python exception class of its kind (defined in `mppoint/exceptions.py`,
//! one class per `ErrorKind`, all under `mppoint.Error`), with every structured field.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyAny, PyDict, PyString, PyTuple};

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Builds the Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, e: &mppoint::Error) -> PyErr {
    build(py, e).unwrap_or_else(|failure| failure)
}

fn build(py: Python<'_>, e: &mppoint::Error) -> PyResult<PyErr> {
    let make = FROM_NATIVE.import(py, "mppoint.exceptions", "_from_native")?;
    // The core's one list of fields, destructured whole: a field the core adds does not compile
    // here until it is given to Python.
    let mppoint::ErrorFields {
        code,
        transient: _, // a property of the class (`Error.transient`), from the code
        message,
        status,
        api_error,
        api_message,
        causes,
        request_id,
        retry_after_ms,
        idempotency_key,
        intent_id,
        external_reference,
        holding_sale,
        last_status,
        field,
        signature_failure,
    } = e.fields();
    let kw = PyDict::new(py);
    kw.set_item("status", status)?;
    kw.set_item("api_error", api_error)?;
    kw.set_item("api_message", api_message)?;
    let causes = causes
        .iter()
        .map(|c| PyTuple::new(py, [c.code.as_deref(), c.description.as_deref()]))
        .collect::<PyResult<Vec<_>>>()?;
    kw.set_item("causes", PyTuple::new(py, causes)?)?;
    kw.set_item("request_id", request_id)?;
    // Python speaks seconds.
    kw.set_item("retry_after", retry_after_ms.map(|ms| ms as f64 / 1000.0))?;
    kw.set_item("idempotency_key", idempotency_key)?;
    kw.set_item("intent_id", intent_id)?;
    kw.set_item("holding_sale", holding_sale)?;
    kw.set_item("external_reference", external_reference)?;
    kw.set_item("last_status", last_status)?;
    kw.set_item("field", field)?;
    kw.set_item("signature_failure", signature_failure)?;
    let exc = make.call1((code, e.to_string(), message, kw))?;
    Ok(PyErr::from_value(exc))
}

/// Runs a core call with the GIL released, through the core's panic guard: a bug inside mppoint
/// is a `PanicError` (code `PANIC`), as in every language, never a `PanicException`.
pub fn detached<T: Send>(
    py: Python<'_>,
    operation: &str,
    f: impl FnOnce() -> mppoint::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| mppoint::error::catch_panic(operation, f))
        .py(py)
}

/// For the tests only: a panic inside a core call, to prove it becomes `PanicError`.
#[pyfunction]
pub fn _test_panic(py: Python<'_>) -> PyResult<()> {
    detached(py, "_test_panic", || -> mppoint::Result<()> {
        panic!("deliberate panic from _test_panic")
    })
}

/// `Result<T, mppoint::Error>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Maps the error to its Python exception.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, mppoint::Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// Every error code, in result-code order (`ErrorKind::ALL`), so Python can check it has one
/// class per kind.
#[pyfunction]
pub fn error_codes() -> Vec<&'static str> {
    mppoint::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The codes of the kinds the core calls transient (`ErrorKind::is_transient`), so Python can
/// check each class's `transient` against the core.
#[pyfunction]
pub fn transient_error_codes() -> Vec<&'static str> {
    mppoint::ErrorKind::ALL
        .iter()
        .filter(|k| k.is_transient())
        .map(|k| k.code())
        .collect()
}

/// Every webhook signature failure reason code (`FailureReason::ALL`).
#[pyfunction]
pub fn signature_failure_reasons() -> Vec<&'static str> {
    mppoint::webhook::FailureReason::ALL
        .iter()
        .map(|r| r.code())
        .collect()
}

/// A short, safe rendering of a refused value for a message.
pub(crate) fn shown(obj: &Bound<'_, PyAny>) -> String {
    let r = obj
        .repr()
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into());
    if r.chars().count() > 60 {
        format!("{}…", r.chars().take(60).collect::<String>())
    } else {
        r
    }
}

/// The text of a Python `str`; one holding a lone surrogate is an error of `kind` (see
/// [`crate::convert::Text`]).
pub fn str_of<'a>(
    s: &'a Bound<'_, PyString>,
    kind: mppoint::ErrorKind,
) -> PyResult<std::borrow::Cow<'a, str>> {
    s.to_cow().map_err(|_| {
        to_pyerr(
            s.py(),
            &mppoint::Error::new(
                kind,
                format!(
                    "text {} is not valid Unicode (it holds a lone surrogate, as from a bad decode): fix the string",
                    shown(s.as_any())
                ),
            ),
        )
    })
}
