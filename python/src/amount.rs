//! `mppoint.Amount`: an exact amount of money (integer cents), the core's `Amount`.

use mppoint::{Amount, ErrorKind};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::errors::{str_of, to_pyerr, IntoPyResult};

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub(crate) fn decimal_class(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// An amount from Python: an `mppoint.Amount`, a `str` (`"12.47"`), a `decimal.Decimal`, or a
/// `float` whose shortest form has at most two decimals. A bare `int` is refused: it could mean
/// units or cents, so integer cents go through `mppoint.cents(1247)`.
pub fn amount_from(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Amount> {
    if let Ok(a) = value.cast::<PyAmount>() {
        return Ok(a.get().0);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Amount::parse(&str_of(s, ErrorKind::InvalidAmount)?).map_err(|e| to_pyerr(py, &e));
    }
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "amount must be a str (\"12.47\"), a decimal.Decimal, a float or mppoint.cents(1247), not a bool",
        ));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Amount::from_f64(f.value()).map_err(|e| to_pyerr(py, &e));
    }
    if value.is_instance_of::<PyInt>() {
        // 12 could be 12.00 or 12 cents: the core's rule for a whole number, in every language.
        let e = Amount::whole_number_error(&value.str()?.to_string());
        return Err(to_pyerr(py, &e));
    }
    if value.is_instance(decimal_class(py)?)? {
        // A Decimal is taken by its value: its plain (never exponent) text, read by the core's
        // rule for decimal values (Decimal("11.550") is 11.55).
        let text: String = py
            .import("builtins")?
            .getattr("format")?
            .call1((value, "f"))?
            .extract()?;
        return Amount::parse_decimal_value(&text).map_err(|e| to_pyerr(py, &e));
    }
    Err(PyTypeError::new_err(format!(
        "amount must be a str (\"12.47\"), a decimal.Decimal, a float or mppoint.cents(1247), not {}",
        value.get_type().name()?
    )))
}

/// An amount as `decimal.Decimal`.
pub fn decimal<'py>(py: Python<'py>, a: Amount) -> PyResult<Bound<'py, PyAny>> {
    decimal_class(py)?.call1((a.to_string(),))
}

/// An exact, positive amount of money in the account's currency, held as integer cents.
#[pyclass(frozen, eq, ord, hash, module = "mppoint", name = "Amount")]
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyAmount(pub Amount);

#[pymethods]
impl PyAmount {
    /// `Amount("12.47")`, `Amount(Decimal("12.47"))`, `Amount(12.47)`; integer cents through
    /// `Amount.from_cents(1247)` (or `mppoint.cents(1247)`).
    #[new]
    fn new(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        amount_from(py, value).map(PyAmount)
    }

    /// An amount of `cents` (a positive int).
    #[staticmethod]
    fn from_cents(py: Python<'_>, cents: &Bound<'_, PyAny>) -> PyResult<Self> {
        if cents.is_instance_of::<PyBool>() || !cents.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "cents must be an int, not {}",
                cents.get_type().name()?
            )));
        }
        let n: i64 = match cents.extract() {
            Ok(n) => n,
            Err(_) => {
                let e = mppoint::Error::new(
                    ErrorKind::InvalidAmount,
                    format!("amount of {} cents is out of range", cents.str()?),
                );
                return Err(to_pyerr(py, &e));
            }
        };
        Amount::from_cents(n).map(PyAmount).py(py)
    }

    /// The amount in integer cents.
    #[getter]
    fn cents(&self) -> i64 {
        self.0.cents()
    }

    /// The amount as an exact `decimal.Decimal` with two decimals.
    fn to_decimal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, self.0)
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Amount('{}')", self.0)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, pyo3::types::PyType>, (String,))> {
        Ok((slf.get_type(), (slf.get().0.to_string(),)))
    }
}
