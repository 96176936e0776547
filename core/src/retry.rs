//! How failed requests are retried: [`RetryPolicy`], a setting of the transport (which applies it)
//! and of the builder (which takes it from the caller).

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};

/// How failed requests are retried. Reads (GET), cancels (DELETE) and mode changes are retried on
/// network errors, 429 and 5xx; creates and refunds are retried with the same
/// `X-Idempotency-Key`. A 4xx other than 429 is never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// The first backoff; it doubles on each retry.
    pub base_delay: Duration,
    /// The longest backoff (and the longest `Retry-After` honoured).
    pub max_delay: Duration,
    /// Randomise each backoff between half and all of it, so tills do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The most retries a policy may ask for: past ten, a till waits minutes on a call that is not
    /// coming back, and the backoff no longer helps.
    pub const MAX_RETRIES: u32 = 10;

    /// The default policy with `retries` retries after the first attempt (0 = never retry), the
    /// one rule every language's `retries` option goes through. A number outside
    /// `0..=MAX_RETRIES` is an [`ErrorKind::InvalidArgument`] error that says the range.
    pub fn with_retries(retries: i64) -> Result<RetryPolicy> {
        match u32::try_from(retries) {
            Ok(n) if n <= RetryPolicy::MAX_RETRIES => Ok(RetryPolicy {
                max_attempts: n + 1,
                ..RetryPolicy::default()
            }),
            _ => Err(RetryPolicy::attempts_error(&format!("{retries} retries"))),
        }
    }

    /// Checks the number of attempts (1 to `MAX_RETRIES + 1`).
    pub(crate) fn check(&self) -> Result<()> {
        if (1..=RetryPolicy::MAX_RETRIES + 1).contains(&self.max_attempts) {
            Ok(())
        } else {
            Err(RetryPolicy::attempts_error(&format!(
                "{} attempts",
                self.max_attempts
            )))
        }
    }

    fn attempts_error(got: &str) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "retries must be from 0 to {} (1 to {} attempts in all; got {got})",
                RetryPolicy::MAX_RETRIES,
                RetryPolicy::MAX_RETRIES + 1
            ),
        )
        .with_field("retries")
    }

    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The pause before retry number `retry` (1 for the first retry); a `Retry-After` from the
    /// server wins when it is longer. `None` when the server asked for a longer pause than
    /// `max_delay`: then we stop retrying and report the `Retry-After` to the caller.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let mut d = exp.min(self.max_delay);
        if self.jitter && !d.is_zero() {
            let half = d / 2;
            d = half + half.mul_f64(fastrand::f64());
        }
        match retry_after {
            Some(ra) if ra > self.max_delay => None,
            Some(ra) if ra > d => Some(ra),
            _ => Some(d),
        }
    }
}
