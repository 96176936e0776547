//! Symbols for tests/c only (feature `test-hooks`), never in include/mppoint.h: a deliberate
//! panic, to prove the boundary turns it into `MPP_RESULT_PANIC`, and the core's own
//! `get_intent` loop, the baseline of the C benchmark.

use std::ffi::c_char;
use std::time::Instant;

use crate::client::mpp_client;
use crate::error::{boundary, mpp_error};
use crate::result::mpp_result;
use crate::util::{arg_ref, arg_str};

/// Panics inside the boundary.
#[no_mangle]
pub unsafe extern "C" fn mpp_test_panic(out_error: *mut *mut mpp_error) -> mpp_result {
    boundary("mpp_test_panic", out_error, || {
        panic!("deliberate panic from mpp_test_panic")
    })
}

/// Calls the core's `Client::get_intent` `iterations` times, with no C layer in between, and
/// returns the nanoseconds it took (0 if a call failed).
#[no_mangle]
pub unsafe extern "C" fn mpp_test_core_get_intent_loop(
    client: *const mpp_client,
    intent_id: *const c_char,
    iterations: u64,
) -> u64 {
    let mut elapsed = 0;
    let code = boundary(
        "mpp_test_core_get_intent_loop",
        std::ptr::null_mut(),
        || {
            let client = arg_ref("", "client", client)?;
            let id = arg_str("", "intent_id", intent_id)?;
            let start = Instant::now();
            for _ in 0..iterations {
                let intent = client.client.get_intent(id)?;
                std::hint::black_box(intent);
            }
            elapsed = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            Ok(())
        },
    );
    if code == mpp_result::Ok {
        elapsed
    } else {
        0
    }
}
