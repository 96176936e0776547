//! The panic boundary: no panic of the Rust code unwinds into C. A fallible body's panic becomes
//! the core's `PANIC` failure; an accessor's panic, or a NULL handle, gives its fallback.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mppoint::Error;

/// Runs a fallible body, a panic in it becoming the core's `PANIC` error (naming `function`),
/// in the body's own error type.
pub(crate) fn catch<T, E: From<Error>>(
    function: &'static str,
    body: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => Err(E::from(Error::from_panic(function, payload.as_ref()))),
    }
}

/// Runs the body of an infallible exported function (accessors): a panic gives `fallback`.
pub(crate) fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs an accessor on a handle: NULL or a panic gives `fallback`.
pub(crate) fn guard_ref<H, T>(handle: *const H, fallback: T, f: impl FnOnce(&H) -> T) -> T {
    // SAFETY: a non-NULL handle came from this library and is alive (caller's contract).
    match unsafe { handle.as_ref() } {
        Some(h) => catch_unwind(AssertUnwindSafe(|| f(h))).unwrap_or(fallback),
        None => fallback,
    }
}
