//! The C ABI of mppoint: `libmppoint` and `include/mppoint.h`.
//!
//! Every exported function follows the same conventions (see `ffi-c/README.md`): a fallible
//! function returns an `mpp_result` (0 = OK) and writes its outputs through trailing out-params
//! only on success; a failure can also hand back an `mpp_error` with the details; handles are
//! opaque, made by `_new` (or an operation) and freed by `_free` (NULL is a no-op); strings in are
//! UTF-8; allocated strings out are freed with `mpp_string_free`; every body runs inside
//! `catch_unwind`, so a bug in Rust becomes `MPP_RESULT_PANIC`, never an abort or unwinding into
//! C. The library only translates: every rule lives in the core crate `mppoint`.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod amount;
mod client;
mod device;
mod enums;
mod error;
mod intent;
mod journal;
mod panic;
mod payment;
mod print;
mod result;
mod sandbox;
mod simulator;
mod util;
mod wait;
mod webhook;

#[cfg(feature = "test-hooks")]
mod test_hooks;

use std::ffi::c_char;

pub use amount::*;
pub use client::*;
pub use device::*;
pub use enums::*;
pub use error::*;
pub use intent::*;
pub use journal::*;
pub use payment::*;
pub use print::*;
pub use result::*;
pub use sandbox::*;
pub use simulator::*;
pub use wait::*;
pub use webhook::*;

/// The version of the library (`"0.1.0"`), never NULL.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_version() -> *const c_char {
    const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    VERSION.as_ptr()
}

/// Frees a string this library allocated (JSON, signatures, amounts: every `char **out_*`
/// parameter). NULL is a no-op. Never pass a string borrowed from a handle (`const char *`
/// accessors) or one not made by this library.
///
/// Ownership: takes `s`.
#[no_mangle]
pub unsafe extern "C" fn mpp_string_free(s: *mut c_char) {
    panic::guard((), || {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` in this library and is not used again.
            drop(unsafe { std::ffi::CString::from_raw(s) });
        }
    })
}
