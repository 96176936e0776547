//! `mppoint._native`: the private native module of the Python package `mppoint`.
//!
//! It only translates: Python arguments in, the core's blocking call with the GIL released,
//! Python objects (the dataclasses of `mppoint/_models.py`) and exceptions (`mppoint/exceptions.py`)
//! out. Every rule lives in the `mppoint` core crate.

use std::sync::OnceLock;

use pyo3::prelude::*;

mod amount;
mod client;
mod convert;
mod errors;
mod print;
mod simulator;
mod webhook;

static LOG_RESET: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// Forgets the cached levels of the `mppoint` loggers, so a change to Python's logging
/// configuration is seen by the next record.
#[pyfunction]
pub fn reset_logging_cache() {
    if let Some(h) = LOG_RESET.get() {
        h.reset();
    }
}

/// The core library's version.
#[pyfunction]
fn core_version() -> &'static str {
    mppoint::VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // Records of the core (target "mppoint", "mppoint::…") go to the Python logger "mppoint"
    // (and its children). Levels are cached on the Rust side so a detached call never takes the
    // GIL only to learn a record is off; `reset_logging_cache()` (also run by `Client()`) refreshes
    // them. Other crates' records (reqwest, hyper, rustls) are not forwarded.
    if LOG_RESET.get().is_none() {
        let logger = pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)?
            .filter(log::LevelFilter::Off)
            .filter_target("mppoint".to_owned(), log::LevelFilter::Trace);
        let handle = logger.reset_handle();
        if logger.install().is_ok() {
            let _ = LOG_RESET.set(handle);
        }
    }
    m.add_class::<amount::PyAmount>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyCancelToken>()?;
    m.add_class::<client::PyDeviceIterator>()?;
    m.add_class::<simulator::PySimulator>()?;
    m.add_class::<print::PyPrintText>()?;
    m.add("SANDBOX_TERMINAL", mppoint::sandbox::SANDBOX_TERMINAL)?;
    m.add_function(wrap_pyfunction!(errors::error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(errors::transient_error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(errors::signature_failure_reasons, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_test_panic, m)?)?;
    m.add_function(wrap_pyfunction!(reset_logging_cache, m)?)?;
    m.add_function(wrap_pyfunction!(core_version, m)?)?;
    webhook::register(m)?;
    Ok(())
}
