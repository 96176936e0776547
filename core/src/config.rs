//! Client configuration: [`ClientBuilder`] and [`RetryPolicy`]. The builder is where the parts
//! meet: it gives the transport its settings and the chosen API its options, and hands both to
//! the client (which knows neither the builder nor which API it drives).

use std::fmt;
use std::time::Duration;

use crate::amount::{AmountLimits, Site};
use crate::api::{Api, ApiOptions};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
pub use crate::retry::RetryPolicy;
use crate::transport::{check_header, Secret, Transport, TransportSettings};

impl Client {
    /// Starts configuring a client for this access token.
    pub fn builder(access_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(access_token)
    }
}

/// Mercado Pago's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.mercadopago.com";

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
    pub(crate) api: Api,
    pub(crate) orders: crate::api::orders::OrderOptions,
    pub(crate) webhook_secret: Option<Secret>,
    pub(crate) poll_interval: Option<Duration>,
    pub(crate) journal: Option<std::path::PathBuf>,
    pub(crate) journal_retention: Duration,
    pub(crate) journal_lost_create_window: Duration,
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
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "***"),
            )
            .field("poll_interval", &self.poll_interval)
            .field(
                "journal",
                &self
                    .journal
                    .as_ref()
                    .map(|p| crate::journal::redact(&p.to_string_lossy())),
            )
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(access_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            token: Secret::new(access_token.into()),
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
            api: Api::default(),
            orders: crate::api::orders::OrderOptions::default(),
            webhook_secret: None,
            poll_interval: None,
            journal: None,
            journal_retention: crate::journal::DEFAULT_RETENTION,
            journal_lost_create_window: crate::journal::DEFAULT_LOST_CREATE_WINDOW,
            test_account: false,
        }
    }

    /// The application's webhook secret (Mercado Pago panel: Your integrations > your
    /// application > Webhooks), so that [`crate::Client::handle_webhook`] can verify a delivery
    /// and wake the wait it is about at once. With it, a wait on the default
    /// [`crate::PollSchedule::Adaptive`] polls only every [`crate::WEBHOOK_FALLBACK_POLL`], as a
    /// fallback for a lost delivery. An empty or blank secret is a [`ErrorKind::Config`] error
    /// at [`ClientBuilder::build`]. Never shown by `Debug`.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = Some(Secret::new(secret.into()));
        self
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
    pub fn api(mut self, api: Api) -> Self {
        self.api = api;
        self
    }

    /// Keep a durable sale journal in the SQLite file at `path` (created if absent), or in the
    /// PostgreSQL database of a `postgres://USER:PASSWORD@HOST:PORT/DATABASE` URL (schema
    /// `mppoint`, created by the library; for replicas that share one journal; see
    /// [`crate::journal`]): [`Client::charge`] becomes idempotent by sale reference across
    /// processes and restarts, and [`Client::pending`] / [`Client::settle`] give the POS its
    /// pending sales. Opening a file that is not a journal, of a newer version or damaged is an
    /// [`ErrorKind::Journal`] error naming the path. The access token is never written to it.
    pub fn journal(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// How long the journal keeps settled sales (default 90 days), for reconciliation; older
    /// ones are pruned when a journal is opened. A sale reference reused after that is a new sale.
    pub fn journal_retention(mut self, keep: Duration) -> Self {
        self.journal_retention = keep;
        self
    }

    /// InStore intents with a sale journal: how long after a create whose answer was lost (the
    /// process died, or the network dropped, before the intent id was recorded) the journal waits
    /// for a payment of the sale's reference before it ends that attempt unpaid (default 20
    /// minutes). Until then, charging the reference again is [`ErrorKind::OutcomeUnknown`]: the
    /// intent may still be on the terminal, and Mercado Pago documents no way to find it or to
    /// re-send its create safely. Keep it above the time after which Mercado Pago abandons an
    /// unpaid intent (15 minutes); 1 s to 24 h.
    pub fn journal_lost_create_window(mut self, window: Duration) -> Self {
        self.journal_lost_create_window = window;
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

    /// A fixed pause between two polls for the waits whose options keep the default adaptive
    /// schedule ([`crate::PollSchedule`]; from 10 ms to 600 s). A simulator's client polls at
    /// the simulator's pace this way.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = Some(d);
        self
    }

    /// Checks the configuration and builds the client (one connection pool, kept alive).
    pub fn build(self) -> Result<Client> {
        if self
            .webhook_secret
            .as_ref()
            .is_some_and(|s| s.expose().trim().is_empty())
        {
            return Err(Error::new(
                ErrorKind::Config,
                "the webhook secret is empty or blank: set it to the secret signature of your application (Mercado Pago panel: Your integrations > your application > Webhooks), or leave it out to poll without webhook wake-ups",
            ));
        }
        if let Some(d) = self.poll_interval {
            if d < Duration::from_millis(10) || d > crate::wait::MAX_POLL_INTERVAL {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "the client's poll interval must be between 10 ms and 600 s, not {d:?}"
                    ),
                ));
            }
        }
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
        let transport = Transport::new(&self.transport_settings())?;
        if let Some(i) = &self.integrator_id {
            check_header("x-integrator-id", i)?;
        }
        let api = self.api.connect(ApiOptions {
            integrator_id: self.integrator_id.clone(),
            platform_id: self.platform_id.clone(),
            orders: self.orders.clone(),
        })?;
        let limits = self.limits.or_else(|| self.site.map(Site::default_limits));
        // The sale journal (crate::journal) is opened, checked and migrated here.
        let journal = match &self.journal {
            Some(path) => {
                if self.journal_retention.is_zero() {
                    return Err(Error::invalid_argument(
                        "journal_retention",
                        "must be above zero",
                        "0 s",
                    ));
                }
                let w = self.journal_lost_create_window;
                if !(Duration::from_secs(1)..=Duration::from_secs(24 * 3600)).contains(&w) {
                    return Err(Error::invalid_argument(
                        "journal_lost_create_window",
                        "must be between 1 s and 24 h",
                        &ms(w),
                    ));
                }
                Some(crate::journal::Journal::open(
                    path,
                    self.journal_retention,
                    w,
                )?)
            }
            None => None,
        };
        Ok(Client::from_parts(crate::client::Parts {
            transport,
            kind: self.api,
            api,
            site: self.site,
            limits,
            webhook_secret: self.webhook_secret,
            poll_interval: self.poll_interval,
            journal,
            test_credentials: self.test_account || self.token.expose().starts_with("TEST-"),
        }))
    }

    /// What the transport takes from this configuration.
    fn transport_settings(&self) -> TransportSettings {
        let mut headers = Vec::new();
        for (name, value) in [
            ("x-platform-id", &self.platform_id),
            ("x-corporation-id", &self.corporation_id),
        ] {
            if let Some(v) = value {
                headers.push((name, v.clone()));
            }
        }
        TransportSettings {
            base_url: self.base_url.clone(),
            token: self.token.clone(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            retry: self.retry,
            resend_ambiguous_creates: self.resend_ambiguous_creates,
            allow_insecure_http: self.allow_insecure_http,
            max_response_bytes: self.max_response_bytes,
            user_agent_suffix: self.user_agent_suffix.clone(),
            headers,
            proxy: self.proxy.clone(),
            no_proxy: self.no_proxy,
            root_certs_pem: self.root_certs_pem.clone(),
        }
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
