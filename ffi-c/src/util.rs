//! Reading arguments from C and writing results back: NULL checks, UTF-8 checks, out-params,
//! strings.

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

use crate::result::{mpp_result, Fail, FfiResult};

/// A Rust string as a C string. A NUL inside (possible only in data the server sent) ends the C
/// string there.
pub(crate) fn cstring(s: &str) -> CString {
    match CString::new(s) {
        Ok(c) => c,
        Err(e) => {
            let end = e.nul_position();
            let mut bytes = e.into_vec();
            bytes.truncate(end);
            CString::new(bytes).unwrap_or_default()
        }
    }
}

/// A new string the caller owns (freed with `mpp_string_free`).
pub(crate) fn owned_string(s: &str) -> *mut c_char {
    cstring(s).into_raw()
}

fn null_arg(function: &str, name: &str) -> Fail {
    Fail::new(
        mpp_result::NullArgument,
        format!("{function}: argument `{name}` is NULL; pass a valid pointer"),
    )
}

/// A required string argument: not NULL, valid UTF-8.
pub(crate) fn arg_str<'a>(function: &str, name: &str, p: *const c_char) -> FfiResult<&'a str> {
    opt_str(function, name, p)?.ok_or_else(|| null_arg(function, name))
}

/// An optional string argument: NULL means absent; when present it must be valid UTF-8.
pub(crate) fn opt_str<'a>(
    function: &str,
    name: &str,
    p: *const c_char,
) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call.
    let bytes = unsafe { CStr::from_ptr(p) };
    match bytes.to_str() {
        Ok(s) => Ok(Some(s)),
        Err(e) => Err(Fail::new(
            mpp_result::InvalidUtf8,
            format!(
                "{function}: argument `{name}` is not valid UTF-8 (bad byte at offset {}); pass UTF-8 text",
                e.valid_up_to()
            ),
        )),
    }
}

/// A required handle argument.
pub(crate) fn arg_ref<'a, T>(function: &str, name: &str, p: *const T) -> FfiResult<&'a T> {
    // SAFETY: a non-NULL handle came from this library and is still alive (caller's contract).
    unsafe { p.as_ref() }.ok_or_else(|| null_arg(function, name))
}

/// A required mutable handle argument.
pub(crate) fn arg_mut<'a, T>(function: &str, name: &str, p: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: as `arg_ref`, and the caller does not use the handle from another thread meanwhile.
    unsafe { p.as_mut() }.ok_or_else(|| null_arg(function, name))
}

/// An optional handle argument (NULL means "the defaults").
pub(crate) fn opt_ref<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: as `arg_ref`.
    unsafe { p.as_ref() }
}

/// A required out-parameter, checked before any work and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub fn new(function: &str, name: &str, p: *mut T) -> FfiResult<Out<T>> {
        if p.is_null() {
            return Err(null_arg(function, name));
        }
        Ok(Out(p))
    }

    pub fn write(self, value: T) {
        // SAFETY: checked non-NULL; the caller passes a pointer to writable storage.
        unsafe { self.0.write(value) }
    }
}

impl<T> Out<*mut T> {
    /// Hands a new handle to the caller.
    pub fn give(self, value: T) {
        self.write(Box::into_raw(Box::new(value)))
    }
}

/// An optional out-parameter: written only on success, and only when not NULL.
pub(crate) struct OptOut<T>(*mut T);

impl<T> OptOut<T> {
    pub fn new(p: *mut T) -> OptOut<T> {
        OptOut(p)
    }

    pub fn write(self, value: T) {
        if !self.0.is_null() {
            // SAFETY: non-NULL; the caller passes a pointer to writable storage.
            unsafe { self.0.write(value) }
        }
    }
}

/// A C string made on first use and kept for the life of the handle that holds it, so accessors
/// can hand out borrowed `const char *`.
#[derive(Default)]
pub(crate) struct CachedStr(OnceLock<Option<CString>>);

impl CachedStr {
    pub fn get(&self, make: impl FnOnce() -> Option<String>) -> *const c_char {
        self.0
            .get_or_init(|| make().map(|s| cstring(&s)))
            .as_ref()
            .map_or(ptr::null(), |c| c.as_ptr())
    }

    pub fn get_str(&self, s: Option<&str>) -> *const c_char {
        self.get(|| s.map(str::to_string))
    }
}

/// Frees a handle made by `Out::give`. NULL is a no-op.
pub(crate) fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: `p` came from `Box::into_raw` in this library and is not used again.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Serializes a value for the `_to_json` functions.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> FfiResult<String> {
    serde_json::to_string(value).map_err(|e| {
        Fail::new(
            mpp_result::Panic,
            format!("internal error: could not write JSON ({e}); please report it"),
        )
    })
}

/// A duration given in milliseconds from C.
pub(crate) fn millis(ms: u64) -> std::time::Duration {
    std::time::Duration::from_millis(ms)
}

/// The fallback of accessors returning a string.
pub(crate) fn null() -> *const c_char {
    ptr::null()
}
