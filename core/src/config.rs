//! Client configuration: [`ClientBuilder`] and [`RetryPolicy`].

use std::fmt;
use std::time::Duration;

use crate::amount::{AmountLimits, Site};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// Mercado Pago's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.mercadopago.com";

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
    fn check(&self) -> Result<()> {
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

/// The access token, kept out of every `Debug`, message and log line.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Builds a [`Client`]. Only the access token is required.
///
/// ```no_run
/// use std::time::Duration;
/// use mppoint::{Client, Site};
/// let client = Client::builder("APP_USR-...")
///     .site(Site::MLB)
///     .timeout(Duration::from_secs(20))
///     .integrator_id("dev_123")
///     .build()?;
/// # Ok::<(), mppoint::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) token: Secret,
    pub(crate) base_url: String,
    pub(crate) site: Option<Site>,
    pub(crate) limits: Option<AmountLimits>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) integrator_id: Option<String>,
    pub(crate) platform_id: Option<String>,
    pub(crate) corporation_id: Option<String>,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) proxy: Option<String>,
    pub(crate) no_proxy: bool,
    pub(crate) root_certs_pem: Vec<Vec<u8>>,
    pub(crate) resend_ambiguous_creates: bool,
    pub(crate) allow_insecure_http: bool,
    pub(crate) max_response_bytes: usize,
    pub(crate) api: crate::api::Api,
    pub(crate) orders: crate::api::orders::OrderOptions,
    pub(crate) test_account: bool,
}

/// The longest request timeout accepted (longer is a caller mistake, and would overflow clocks).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The longest backoff a retry policy may use.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(5 * 60);
/// The default cap on an answer's body (Mercado Pago's answers are a few kilobytes).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token)
            .field("base_url", &self.base_url)
            .field("site", &self.site)
            .field("limits", &self.limits)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("integrator_id", &self.integrator_id)
            .field("platform_id", &self.platform_id)
            .field("corporation_id", &self.corporation_id)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("proxy", &self.proxy.as_ref().map(|_| "***"))
            .field("root_certs", &self.root_certs_pem.len())
            .field("resend_ambiguous_creates", &self.resend_ambiguous_creates)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("api", &self.api)
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(access_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            token: Secret(access_token.into()),
            base_url: DEFAULT_BASE_URL.to_string(),
            site: None,
            limits: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            integrator_id: None,
            platform_id: None,
            corporation_id: None,
            user_agent_suffix: None,
            proxy: None,
            no_proxy: false,
            root_certs_pem: Vec::new(),
            resend_ambiguous_creates: false,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            api: crate::api::Api::Intents,
            orders: crate::api::orders::OrderOptions::default(),
            test_account: false,
        }
    }

    /// Declares the account a Mercado Pago **test user's** (default `false`), so its token counts
    /// as a test credential for the sandbox's [`Client::simulate_order_event`](crate::Client::simulate_order_event)
    /// even though it starts `APP_USR-` like every production token (Mercado Pago's news of
    /// 2025-12-12 tells to create the order "using the production Access Token of your test
    /// user"). A token that starts with `TEST-` is a test credential without this.
    pub fn test_account(mut self, test: bool) -> Self {
        self.test_account = test;
        self
    }

    /// Re-send an intent create whose attempt may have reached the server (timeout, dropped
    /// connection, 5xx, garbled answer) with the same `X-Idempotency-Key` (default `false`).
    ///
    /// Mercado Pago does not document the key for InStore intent creates, so by default such a
    /// create ends at once with [`ErrorKind::OutcomeUnknown`]: a re-send to a server that ignores
    /// the key would put a second intent on the terminal (a double charge). Turn this on only for
    /// an account whose keys you know Mercado Pago honours. The Orders API documents its key, so
    /// an order create is always re-sent with its key, whatever this says.
    pub fn resend_ambiguous_creates(mut self, resend: bool) -> Self {
        self.resend_ambiguous_creates = resend;
        self
    }

    /// Accept a plain `http://` base URL to a host other than this machine (default `false`:
    /// only `https://`, or `http://` to `localhost`/127.0.0.1/::1). The access token travels in
    /// clear text over such a connection.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest answer body accepted (default 4 MiB; 1 KiB to 256 MiB). A larger answer is a
    /// [`ErrorKind::Decode`] error.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Which Mercado Pago API drives the terminals: [`crate::Api::Intents`] (the default) or
    /// [`crate::Api::Orders`]. Every operation keeps its name and its result on either.
    pub fn api(mut self, api: crate::api::Api) -> Self {
        self.api = api;
        self
    }

    /// Orders API only: the `expiration_time` of every order (ISO-8601, `PT30S` to `PT3H`;
    /// Mercado Pago's default is 15 minutes). Checked when an order is created.
    pub fn order_expiration_time(mut self, duration: impl Into<String>) -> Self {
        self.orders.expiration_time = Some(duration.into());
        self
    }

    /// Orders API only: `integration_data.sponsor.id`, the integrator's Mercado Pago user id.
    pub fn sponsor_id(mut self, id: impl Into<String>) -> Self {
        self.orders.sponsor_id = Some(id.into());
        self
    }

    /// The API's base URL (default `https://api.mercadopago.com`); a simulator's for tests.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The account's site, which sets the amount limits checked before a create is sent. Without
    /// a site (and without [`ClientBuilder::amount_limits`]) only the amount's form is checked.
    pub fn site(mut self, site: Site) -> Self {
        self.site = Some(site);
        self
    }

    /// Overrides the amount limits (Mercado Pago changes them over time).
    pub fn amount_limits(mut self, limits: AmountLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long one request may take in all (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The retry policy (default: 3 attempts, 250 ms doubling up to 5 s, with jitter).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// `x-integrator-id`, for certified integrators.
    pub fn integrator_id(mut self, id: impl Into<String>) -> Self {
        self.integrator_id = Some(id.into());
        self
    }

    /// `X-Platform-Id`, for platforms.
    pub fn platform_id(mut self, id: impl Into<String>) -> Self {
        self.platform_id = Some(id.into());
        self
    }

    /// `X-Corporation-Id`, for corporations.
    pub fn corporation_id(mut self, id: impl Into<String>) -> Self {
        self.corporation_id = Some(id.into());
        self
    }

    /// Text added after `mppoint/VERSION` in the User-Agent (your POS's name and version).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// An HTTP(S) proxy for every request, `http://user:pass@host:port`. Without it the usual
    /// `HTTPS_PROXY`/`NO_PROXY` environment variables apply.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Ignore the proxy environment variables.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Trust these extra root certificates (PEM, one or more), for a corporate TLS proxy or a
    /// test server. The public roots stay trusted.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs_pem.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client (one connection pool, kept alive).
    pub fn build(self) -> Result<Client> {
        if self.token.expose().trim().is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                "the access token is empty: pass the access token of the Mercado Pago account that owns the terminals",
            ));
        }
        if self
            .token
            .expose()
            .chars()
            .any(|c| c.is_control() || c == ' ')
        {
            return Err(Error::new(
                ErrorKind::Config,
                "the access token contains spaces or control characters: copy it again from the Mercado Pago panel",
            ));
        }
        self.retry.check()?;
        let ms = |d: Duration| format!("{} ms", d.as_millis());
        for (field, d) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::invalid_argument(field, "must be above zero", "0 ms"));
            }
            if d > MAX_TIMEOUT {
                return Err(Error::invalid_argument(
                    field,
                    format!("must be at most {} s", MAX_TIMEOUT.as_secs()),
                    &ms(d),
                ));
            }
        }
        for (field, d) in [
            ("retry.base_delay", self.retry.base_delay),
            ("retry.max_delay", self.retry.max_delay),
        ] {
            if d > MAX_RETRY_DELAY {
                return Err(Error::invalid_argument(
                    field,
                    format!("must be at most {} s", MAX_RETRY_DELAY.as_secs()),
                    &ms(d),
                ));
            }
        }
        if !(1024..=256 * 1024 * 1024).contains(&self.max_response_bytes) {
            return Err(Error::invalid_argument(
                "max_response_bytes",
                "must be between 1 KiB and 256 MiB",
                &self.max_response_bytes.to_string(),
            ));
        }
        Client::from_builder(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_shows_in_debug() {
        let b = ClientBuilder::new("APP_USR-secret-token-123").proxy("http://u:pw@proxy:8080");
        let d = format!("{b:?}");
        assert!(!d.contains("secret-token"), "{d}");
        assert!(!d.contains("pw@"), "{d}");
        let c = b.build().unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("secret-token"), "{d}");
    }

    #[test]
    fn bad_configuration_is_a_config_error() {
        for b in [
            ClientBuilder::new(""),
            ClientBuilder::new("a b"),
            ClientBuilder::new("t").base_url("not a url"),
            ClientBuilder::new("t").base_url("ftp://x"),
            ClientBuilder::new("t").proxy("::::"),
            ClientBuilder::new("t").add_root_certificate_pem("not pem"),
        ] {
            let e = b.build().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        }
    }

    #[test]
    fn retries_become_attempts_within_bounds() {
        assert_eq!(RetryPolicy::with_retries(0).unwrap().max_attempts, 1);
        assert_eq!(
            RetryPolicy::with_retries(2).unwrap(),
            RetryPolicy::default()
        );
        assert_eq!(RetryPolicy::with_retries(10).unwrap().max_attempts, 11);
        for bad in [-1, 11, 100, i64::MAX, i64::MIN] {
            let e = RetryPolicy::with_retries(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(e.message().contains("from 0 to 10"), "{e}");
            assert_eq!(e.field(), Some("retries"));
        }
        let too_many = RetryPolicy {
            max_attempts: 12,
            ..RetryPolicy::default()
        };
        let e = ClientBuilder::new("t").retry(too_many).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("got 12 attempts"), "{e}");
    }

    #[test]
    fn backoff_doubles_caps_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            jitter: false,
        };
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(p.delay(1, None), ms(100));
        assert_eq!(p.delay(2, None), ms(200));
        assert_eq!(p.delay(3, None), ms(350));
        assert_eq!(p.delay(40, None), ms(350));
        assert_eq!(p.delay(1, ms(300)), ms(300));
        assert_eq!(p.delay(1, Some(Duration::from_secs(60))), None);
        let j = RetryPolicy { jitter: true, ..p };
        for _ in 0..100 {
            let d = j.delay(2, None).unwrap();
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
        }
    }
}
