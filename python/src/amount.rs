//! `mppoint.Amount`: an exact amount of money (integer cents), the core's `Amount`.

use mppoint::{Amount, ErrorKind};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use crate::convert::{amount_from, decimal};
use crate::errors::{to_pyerr, IntoPyResult};

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
