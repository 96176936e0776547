//! Node.js binding of mppoint: a napi-rs addon whose every network call and every wait runs off
//! the JS thread (and off libuv's worker pool), with plain typed results and `MppointError`s.
//!
//! The public surface is what `index.js` exports; this crate only translates to and from the core
//! (`mppoint`), which holds every rule.

#![deny(clippy::all)]
// napi-derive registers the exports only outside `cfg(test)`, so a test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

#[macro_use]
extern crate napi_derive;

mod client;
mod error;
mod logger;
mod print;
mod simulator;
mod types;
mod wait;
mod webhook;

use napi::bindgen_prelude::*;

pub use client::{Client, ClientOptions, RefundOptions};
pub use error::{error_codes, ErrorFields};

/// The exact amount string of integer `cents`: `cents(1247) === "12.47"`. Use it wherever an
/// amount is taken, to pass integer cents. Throws `INVALID_AMOUNT` for zero, negatives and
/// fractions.
#[napi]
pub fn cents(env: Env, cents: f64) -> Result<String> {
    let r = if cents.is_finite() && cents.fract() == 0.0 && cents.abs() < 9.007_199_254_740_992e15 {
        mppoint::Amount::from_cents(cents as i64)
    } else {
        Err(mppoint::Error::new(
            mppoint::ErrorKind::InvalidAmount,
            format!("cents must be a whole number of cents (got {cents})"),
        ))
    };
    r.map(|a| a.to_string())
        .map_err(|e| error::to_napi(&env, &e))
}

/// Integer cents of an amount, by the same rule every call applies: `amountCents("12.47") ===
/// 1247`, `amountCents(10.14) === 1014`; `0.1 + 0.2` and `"10.145"` throw `INVALID_AMOUNT`.
#[napi]
pub fn amount_cents(
    env: Env,
    #[napi(ts_arg_type = "AmountInput")] amount: types::AmountInput,
) -> Result<i64> {
    types::amount_in(&amount)
        .map(|a| a.cents())
        .map_err(|e| error::to_napi(&env, &e))
}

/// The version of the mppoint core this addon was built from.
#[napi]
pub fn version() -> &'static str {
    mppoint::VERSION
}

/// For the tests only (not exported by `index.js`): a panic inside a core call on the blocking
/// pool, to prove it rejects with `code` `PANIC` as in every language.
#[napi(js_name = "_testPanic", ts_return_type = "Promise<void>")]
pub fn test_panic(env: &Env) -> Result<Object<'_>> {
    client::promise(
        env,
        client::blocking(|| -> mppoint::Result<()> { panic!("deliberate panic from _testPanic") }),
        |()| (),
    )
}
