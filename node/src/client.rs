//! `Client`: every core operation as a method returning a Promise.
//!
//! Arguments are translated on the JS thread (bad input rejects before anything is sent); the
//! network call runs on tokio's blocking pool (`spawn_blocking`), never on the JS thread and
//! never on libuv's worker pool; the result comes back as a plain object.

use napi::bindgen_prelude::*;

use crate::error::to_napi;
use crate::types::{
    amount_in, millis, whole, AmountInput, AmountLimits, AmountLimitsOut, Device, DeviceFilter,
    DevicePage, Intent, IntentRequest, Payment, Refund, Sale, Target,
};
use crate::wait::{
    blocking as run_blocking, drive, lock, AbortListener, Thrown, WaitError, WaitOptions, WaitPlan,
    WaitSetupError,
};
use mppoint::wait::Waiter;
use std::sync::Arc;

/// How to reach Mercado Pago (or a simulator).
#[napi(object)]
pub struct ClientOptions {
    /// The access token of the Mercado Pago account that owns the terminals. Never logged.
    pub access_token: String,
    /// The API's base URL (default `https://api.mercadopago.com`); a `Simulator`'s `baseUrl` in tests.
    pub base_url: Option<String>,
    /// `MLA` (Argentina) or `MLB` (Brazil): sets the amount limits checked before a create.
    #[napi(ts_type = "'MLA' | 'MLB'")]
    pub site: Option<String>,
    /// Overrides the site's amount limits.
    pub amount_limits: Option<AmountLimits>,
    /// How long one request may take in all, in milliseconds (default 30000).
    pub timeout_ms: Option<f64>,
    /// How long to wait for a connection, in milliseconds (default 10000).
    pub connect_timeout_ms: Option<f64>,
    /// The pause between two polls of the waits (`waitForFinal`, `charge`) that set no
    /// `pollIntervalMs` of their own, in milliseconds (default 1000, from 10 to 600000). A
    /// simulator's `clientOptions()` sets the simulator's pace.
    pub poll_interval_ms: Option<f64>,
    /// How many times a failed request is retried (default 2; 0 = never). Creates and refunds are
    /// retried with the same `X-Idempotency-Key`.
    pub retries: Option<f64>,
    /// The first retry pause in milliseconds (default 250; doubles on each retry).
    pub retry_base_delay_ms: Option<f64>,
    /// The longest retry pause, and the longest `Retry-After` honoured, in milliseconds (default 5000).
    pub retry_max_delay_ms: Option<f64>,
    /// `x-integrator-id`, for certified integrators.
    pub integrator_id: Option<String>,
    /// `X-Platform-Id`, for platforms.
    pub platform_id: Option<String>,
    /// `X-Corporation-Id`, for corporations.
    pub corporation_id: Option<String>,
    /// Text added after `mppoint/VERSION` in the User-Agent (your POS's name and version).
    pub user_agent_suffix: Option<String>,
    /// An HTTP(S) proxy, `http://user:pass@host:port`. Without it `HTTPS_PROXY`/`NO_PROXY` apply.
    pub proxy: Option<String>,
    /// Ignore the proxy environment variables.
    pub no_proxy: Option<bool>,
    /// Extra trusted root certificates (PEM), for a corporate TLS proxy or a test server.
    pub extra_root_certs: Option<Either<String, Vec<String>>>,
    /// Re-send an intent create whose attempt may have reached the server (timeout, dropped
    /// connection, 5xx, garbled answer) with the same `X-Idempotency-Key` (default false).
    /// Mercado Pago does not document the key on InStore intent creates: by default such a create
    /// rejects at once with `OUTCOME_UNKNOWN`, because a re-send to a server that ignores the key
    /// puts a second intent on the terminal. Turn on only for an account whose keys are honoured.
    pub resend_ambiguous_creates: Option<bool>,
    /// Accept a plain `http://` base URL to a host other than this machine (default false). The
    /// access token then travels in clear text.
    pub allow_insecure_http: Option<bool>,
    /// Which Mercado Pago API drives the terminals: `'intents'` (the InStore intents, the
    /// default) or `'orders'` (the Orders API for Point). Every method keeps its name and results.
    #[napi(ts_type = "'intents' | 'orders'")]
    pub api: Option<String>,
    /// The application's webhook secret, so that `handleWebhook` can verify deliveries and wake
    /// the waits they are about at once (a wait then polls only every 15 s, as a fallback).
    pub webhook_secret: Option<String>,
    /// The path of a durable sale journal (an SQLite file, created if absent). With it, `charge`
    /// is idempotent by `externalReference` across processes and restarts: a reference already
    /// approved resolves to that sale again (nothing is charged twice), one in flight is resumed,
    /// one being charged by another process rejects with `SALE_IN_PROGRESS`. A path that is a
    /// folder, in a folder that does not exist, or a file that is not a journal throws `JOURNAL`.
    pub journal: Option<String>,
    /// How long the journal keeps settled sales, in seconds (default 90 days); older ones are
    /// pruned when the journal is opened.
    pub journal_retention_secs: Option<f64>,
    /// The account is a test user's, so its token is a test credential even without the `TEST-`
    /// prefix (a test user's production token starts `APP_USR-`): the sandbox's
    /// `simulateOrderEvent` needs a test credential (default false).
    pub test_account: Option<bool>,
}

impl ClientOptions {
    fn build(&self) -> mppoint::Result<mppoint::Client> {
        let mut b = mppoint::Client::builder(self.access_token.clone());
        if let Some(a) = &self.api {
            b = b.api(a.parse::<mppoint::Api>()?);
        }
        if let Some(u) = &self.base_url {
            b = b.base_url(u.clone());
        }
        if let Some(s) = &self.site {
            b = b.site(s.parse::<mppoint::Site>()?);
        }
        if let Some(l) = &self.amount_limits {
            let limits = mppoint::AmountLimits::new(amount_in(&l.min)?, amount_in(&l.max)?)?;
            b = b.amount_limits(limits);
        }
        if let Some(d) = millis("timeout_ms", self.timeout_ms)? {
            b = b.timeout(d);
        }
        if let Some(d) = millis("connect_timeout_ms", self.connect_timeout_ms)? {
            b = b.connect_timeout(d);
        }
        if let Some(d) = millis("poll_interval_ms", self.poll_interval_ms)? {
            b = b.poll_interval(d);
        }
        let mut retry = mppoint::RetryPolicy::default();
        if let Some(n) = self.retries {
            // A whole number here; its range is the core's rule.
            let n = whole("retries", n, i64::MIN as f64, i64::MAX as f64)?;
            retry = mppoint::RetryPolicy::with_retries(n)?;
        }
        if let Some(d) = millis("retry_base_delay_ms", self.retry_base_delay_ms)? {
            retry.base_delay = d;
        }
        if let Some(d) = millis("retry_max_delay_ms", self.retry_max_delay_ms)? {
            retry.max_delay = d;
        }
        b = b.retry(retry);
        if let Some(v) = &self.integrator_id {
            b = b.integrator_id(v.clone());
        }
        if let Some(v) = &self.platform_id {
            b = b.platform_id(v.clone());
        }
        if let Some(v) = &self.corporation_id {
            b = b.corporation_id(v.clone());
        }
        if let Some(v) = &self.user_agent_suffix {
            b = b.user_agent_suffix(v.clone());
        }
        if let Some(v) = &self.proxy {
            b = b.proxy(v.clone());
        }
        if self.no_proxy == Some(true) {
            b = b.no_proxy();
        }
        b = b
            .resend_ambiguous_creates(self.resend_ambiguous_creates == Some(true))
            .allow_insecure_http(self.allow_insecure_http == Some(true));
        if let Some(w) = &self.webhook_secret {
            b = b.webhook_secret(w.clone());
        }
        if let Some(j) = &self.journal {
            b = b.journal(j.clone());
        }
        if let Some(t) = self.test_account {
            b = b.test_account(t);
        }
        if let Some(d) =
            crate::types::seconds("journal_retention_secs", self.journal_retention_secs)?
        {
            b = b.journal_retention(d);
        }
        match &self.extra_root_certs {
            None => {}
            Some(Either::A(pem)) => b = b.add_root_certificate_pem(pem.clone().into_bytes()),
            Some(Either::B(pems)) => {
                for pem in pems {
                    b = b.add_root_certificate_pem(pem.clone().into_bytes());
                }
            }
        }
        b.build()
    }
}

/// A Mercado Pago Point client. Make one per access token and share it: every method returns a
/// Promise, runs its network calls off the JS thread, and can run concurrently with the others.
#[napi]
pub struct Client {
    inner: mppoint::Client,
    /// Whether the client has a sale journal: then `charge` is the core's whole charge (the
    /// journal drives it) on the blocking pool, instead of the async wait below.
    journal: bool,
}

/// A blocking core call, to run on tokio's blocking pool (see [`promise`]).
pub(crate) struct Blocking<F>(F);

pub(crate) fn blocking<F>(f: F) -> Blocking<F> {
    Blocking(f)
}

/// Runs a blocking core call on tokio's blocking pool (never the JS thread, never libuv's pool)
/// and settles the Promise on the JS thread: `convert` makes the plain object, a core error
/// becomes an `MppointError`. The blocking thread settles the Promise itself, without a hop
/// through an async task: one thread handoff each way, the least a call off the JS thread costs.
pub(crate) fn promise<'env, T, V, F, C>(
    env: &'env Env,
    call: Blocking<F>,
    convert: C,
) -> Result<Object<'env>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: FnOnce() -> mppoint::Result<T> + Send + 'static,
    C: FnOnce(T) -> V + Send + 'static,
{
    type Settle<V> = Box<dyn FnOnce(Env) -> Result<V>>;
    let (deferred, promise) = env.create_deferred::<V, Settle<V>>()?;
    let f = call.0;
    napi::bindgen_prelude::spawn_blocking(move || {
        let r = mppoint::error::catch_panic("mppoint", f);
        deferred.resolve(Box::new(move |env: Env| match r {
            Ok(v) => Ok(convert(v)),
            Err(e) => Err(to_napi(&env, &e)),
        }));
    });
    Ok(promise)
}

/// A Promise already rejected with the `MppointError` of `e` (bad input found on the JS thread,
/// before anything is sent).
pub(crate) fn rejected<'env>(env: &'env Env, e: mppoint::Error) -> Result<Object<'env>> {
    let err = crate::error::js_error_object(env, &e)?;
    PromiseRaw::<()>::reject(env, err).map(|p| Object::from_raw(env.raw(), p.raw()))
}

/// Settles a wait (or a charge): the listener goes, a callback's error is rethrown as is, an abort
/// carries the signal's reason as `cause`.
fn settle_wait<T, V>(
    env: &Env,
    listener: Option<AbortListener>,
    r: std::result::Result<T, WaitError>,
    convert: impl FnOnce(T) -> V,
) -> Result<V> {
    let reason = match listener {
        Some(l) => l.finish(env)?,
        None => None,
    };
    match r {
        Ok(v) => Ok(convert(v)),
        Err(WaitError::Callback(e)) => Err(e),
        Err(WaitError::Aborted { error, thrown }) => {
            let mut o = Object::from_unknown(crate::error::js_error_object(env, &error)?)?;
            o.set("cause", thrown)?;
            Err(Error::from(o.to_unknown()))
        }
        Err(WaitError::Core(e)) => {
            let obj = crate::error::js_error_object(env, &e)?;
            if let (Some(reason), mppoint::ErrorKind::Canceled) = (reason, e.kind()) {
                let mut o = Object::from_unknown(obj)?;
                o.set("cause", reason)?;
                return Err(Error::from(o.to_unknown()));
            }
            Err(Error::from(obj))
        }
    }
}

/// A wait that ends before it starts (bad options): the listener goes, the Promise rejects.
fn settle_now<'env>(
    env: &'env Env,
    listener: Option<AbortListener>,
    e: mppoint::Error,
) -> Result<Object<'env>> {
    if let Some(l) = listener {
        l.finish(env)?;
    }
    rejected(env, e)
}

#[napi]
impl Client {
    /// Checks the options and builds the client (one connection pool, kept alive). Throws an
    /// `MppointError` for unusable options: `INVALID_ARGUMENT` (a bad `site`, `retries`, …, named by
    /// `field`), `INVALID_AMOUNT` (`amountLimits`), `CONFIG` (token, base URL, proxy, certificate).
    #[napi(constructor)]
    pub fn new(env: Env, options: ClientOptions) -> Result<Client> {
        match options.build() {
            Ok(inner) => Ok(Client {
                inner,
                journal: options.journal.is_some(),
            }),
            Err(e) => Err(to_napi(&env, &e)),
        }
    }

    /// Hands the client a webhook delivery (`{ headers, url, body }`, as `webhook.verifyRequest`
    /// takes it), verified with the client's `webhookSecret`: every wait of this client on the
    /// intent or order it names is woken at once and confirms the verdict with one read. A
    /// forged, unsigned or replayed delivery wakes nothing and throws `INVALID_SIGNATURE` (answer
    /// 401); a body that is not a notification throws `DECODE` (answer 400); a client without a
    /// `webhookSecret` throws `CONFIG`. Answer 200 otherwise: duplicates are harmless.
    #[napi(ts_return_type = "Promise<Notification>")]
    pub fn handle_webhook<'env>(
        &self,
        env: &'env Env,
        request: crate::webhook::WebhookRequest,
    ) -> Result<Object<'env>> {
        let (headers, body) = request.parts();
        // Verified and rung here (no I/O); settled as a Promise like every method of the client.
        let handled = self.inner.handle_webhook(&headers, &request.url, body);
        promise(env, blocking(move || handled), |d| {
            crate::webhook::Notification::of(&d.notification)
        })
    }

    /// The API this client speaks: `'intents'` or `'orders'`.
    #[napi(getter, ts_return_type = "'intents' | 'orders'")]
    pub fn api(&self) -> &'static str {
        self.inner.api().as_str()
    }

    /// Whether the access token is a test credential (`TEST-…`, or `testAccount: true`): the
    /// sandbox's `simulateOrderEvent` needs one.
    #[napi(getter)]
    pub fn has_test_credentials(&self) -> bool {
        self.inner.has_test_credentials()
    }

    /// The base URL requests go to.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_string()
    }

    /// The configured site (`MLA`, `MLB`), if any.
    #[napi(getter, ts_return_type = "'MLA' | 'MLB' | null")]
    pub fn site(&self) -> Option<&'static str> {
        self.inner.site().map(|s| s.code())
    }

    /// The amount limits checked before a create (the site's, or the override).
    #[napi(getter)]
    pub fn amount_limits(&self) -> Option<AmountLimitsOut> {
        self.inner.amount_limits().as_ref().map(AmountLimitsOut::of)
    }

    /// Creates an intent on the device of a POS (`{ pos }`) or on a device (`{ device }`). The
    /// request is validated first. Rejects with `ALREADY_QUEUED` (the device has an unfinished
    /// intent), `OUTCOME_UNKNOWN` (sent, answer lost: retry with `err.idempotencyKey`),
    /// `NOT_FOUND`, `BAD_REQUEST`, `INVALID_AMOUNT`, …
    #[napi(ts_return_type = "Promise<Intent>")]
    pub fn create_intent<'env>(
        &self,
        env: &'env Env,
        target: Target,
        request: IntentRequest,
    ) -> Result<Object<'env>> {
        let (t, r) = match target.to_core().and_then(|t| Ok((t, request.to_core()?))) {
            Ok(v) => v,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(env, blocking(move || c.create_intent(&t, &r)), |i| {
            Intent::of(&i)
        })
    }

    /// Reads an intent.
    #[napi(ts_return_type = "Promise<Intent>")]
    pub fn get_intent<'env>(&self, env: &'env Env, intent_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(env, blocking(move || c.get_intent(&intent_id)), |i| {
            Intent::of(&i)
        })
    }

    /// Cancels an intent still `OPENED`. Once the terminal has it, rejects with `CANNOT_CANCEL`
    /// (cancel it on the terminal). Canceling an already canceled intent succeeds. With
    /// `posExternalId`, uses the older path that also names the POS.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn cancel_intent<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        pos_external_id: Option<String>,
    ) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || match pos_external_id {
                Some(pos) => c.cancel_intent_for_pos(&intent_id, &pos),
                None => c.cancel_intent(&intent_id),
            }),
            |()| (),
        )
    }

    /// Lists one page of devices, optionally only those of a store or POS.
    #[napi(ts_return_type = "Promise<DevicePage>")]
    pub fn list_devices<'env>(
        &self,
        env: &'env Env,
        filter: Option<DeviceFilter>,
    ) -> Result<Object<'env>> {
        let f = match DeviceFilter::to_core(filter.as_ref()) {
            Ok(f) => f,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(env, blocking(move || c.list_devices(&f)), |p| {
            DevicePage::of(&p)
        })
    }

    /// Every device matching the filter, fetching page after page.
    #[napi(ts_return_type = "Promise<Device[]>")]
    pub fn all_devices<'env>(
        &self,
        env: &'env Env,
        filter: Option<DeviceFilter>,
    ) -> Result<Object<'env>> {
        let f = match DeviceFilter::to_core(filter.as_ref()) {
            Ok(f) => f,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.devices(&f).collect::<mppoint::Result<Vec<_>>>()),
            |ds| ds.iter().map(Device::of).collect::<Vec<_>>(),
        )
    }

    /// Switches a device between `PDV` (receives intents) and `STANDALONE`; the device must then
    /// be restarted. Resolves to the mode the API reports.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn set_operating_mode<'env>(
        &self,
        env: &'env Env,
        device_id: String,
        #[napi(ts_arg_type = "'PDV' | 'STANDALONE'")] mode: String,
    ) -> Result<Object<'env>> {
        let m = match mppoint::OperatingMode::parse_settable(&mode) {
            Ok(m) => m,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.set_operating_mode(&device_id, m)),
            |m| m.as_str().to_string(),
        )
    }

    /// Finds what became of a sale from its external reference, through the Payments API's
    /// search: every payment found, newest first (none is an empty array). How to recover from
    /// `OUTCOME_UNKNOWN` without re-sending the create (its `externalReference` says which sale).
    #[napi(ts_return_type = "Promise<Payment[]>")]
    pub fn find_payments<'env>(
        &self,
        env: &'env Env,
        external_reference: String,
    ) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.find_payments(&external_reference)),
            |found| found.iter().map(Payment::of).collect::<Vec<_>>(),
        )
    }

    /// Reads a payment (an id from `intent.paymentIds`).
    #[napi(ts_return_type = "Promise<Payment>")]
    pub fn get_payment<'env>(
        &self,
        env: &'env Env,
        payment_id: Either<f64, String>,
    ) -> Result<Object<'env>> {
        let id = match crate::types::payment_id(&payment_id) {
            Ok(id) => id,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(env, blocking(move || c.get_payment(id)), |p| {
            Payment::of(&p)
        })
    }

    /// Refunds a payment in full, or `amount` of it. Sent with `idempotencyKey` (default: a new
    /// UUID), reused on retries: pass the key of an `OUTCOME_UNKNOWN` error to retry safely.
    #[napi(ts_return_type = "Promise<Refund>")]
    pub fn refund_payment<'env>(
        &self,
        env: &'env Env,
        payment_id: Either<f64, String>,
        options: Option<RefundOptions>,
    ) -> Result<Object<'env>> {
        let prepared = (|| {
            let id = crate::types::payment_id(&payment_id)?;
            let amount = match options.as_ref().and_then(|o| o.amount.as_ref()) {
                Some(a) => Some(amount_in(a)?),
                None => None,
            };
            let key = options.as_ref().and_then(|o| o.idempotency_key.clone());
            Ok((id, amount, key))
        })();
        let (id, amount, key) = match prepared {
            Ok(v) => v,
            Err(e) => return rejected(env, e),
        };
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.refund_payment_with_key(id, amount, key.as_deref())),
            |r| Refund::of(&r),
        )
    }

    /// Orders API: refunds an order in full, or `amount` of it (`POST /v1/orders/{id}/refund`),
    /// with `idempotencyKey` (default: a new UUID), which the Orders API honours. Resolves to the
    /// order as the refund left it, read as an `Intent`.
    #[napi(ts_return_type = "Promise<Intent>")]
    pub fn refund_order<'env>(
        &self,
        env: &'env Env,
        order_id: String,
        options: Option<RefundOptions>,
    ) -> Result<Object<'env>> {
        let amount = match options
            .as_ref()
            .and_then(|o| o.amount.as_ref())
            .map(amount_in)
        {
            Some(Err(e)) => return rejected(env, e),
            Some(Ok(a)) => Some(a),
            None => None,
        };
        let key = options.as_ref().and_then(|o| o.idempotency_key.clone());
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.refund_order_with_key(&order_id, amount, key.as_deref())),
            |o| Intent::of(&o.to_intent()),
        )
    }

    /// Mercado Pago's sandbox (test credentials only): drives the test order `orderId` to
    /// `event.status` (`processed`, `failed`, `canceled`, `expired`, `refunded`,
    /// `action_required`; `statusDetail` for `processed`/`failed`) through
    /// `POST /v1/orders/{id}/events`. A production token rejects with `SANDBOX_ONLY` before
    /// anything is sent; a bad event with `INVALID_ARGUMENT`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn simulate_order_event<'env>(
        &self,
        env: &'env Env,
        order_id: String,
        event: OrderEvent,
    ) -> Result<Object<'env>> {
        let status = match mppoint::sandbox::SimulatedStatus::parse(&event.status) {
            Ok(s) => s,
            Err(e) => return rejected(env, e),
        };
        let mut ev = mppoint::sandbox::OrderEvent::new(status);
        if let Some(d) = event.status_detail {
            ev = ev.status_detail(d);
        }
        if let Some(card) = event.card {
            ev = ev.card(card.brand, card.kind);
        }
        if let Some(n) = event.installments {
            match crate::types::whole("installments", n, 0.0, f64::from(u32::MAX)) {
                Ok(n) => ev = ev.installments(n as u32),
                Err(e) => return rejected(env, e),
            }
        }
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.simulate_order_event(&order_id, &ev)),
            |()| (),
        )
    }

    /// Prints a receipt on the terminal's own printer (`POST /terminals/v1/actions`, subtype
    /// `custom`). `content` is plain text (escaped, its line breaks kept), a list of parts (a
    /// string is a line; `{ bold }`, `{ wide }`, `{ small }`, `{ center }`, `{ centerWide }`,
    /// `{ left }`, `{ qr }`, `{ pdf417 }`, `{ text }` (no line break), `{ blank: true }`), whose
    /// text is escaped so that a customer's braces print as parentheses and can add no tag; or
    /// `{ tagged }`, your own tagged text, checked as the API's rules say. The receipt is padded
    /// to the API's 100 characters. Everything is checked before it is sent (`INVALID_ARGUMENT`,
    /// `field` `content`, `external_reference` or `terminal_id`). Resolves to the action
    /// (`created`): follow it with `printAction`.
    #[napi(ts_return_type = "Promise<PrintAction>")]
    pub fn print_text<'env>(
        &self,
        env: &'env Env,
        terminal_id: String,
        external_reference: String,
        #[napi(ts_arg_type = "PrintPart[] | string | { tagged: string }")]
        content: crate::print::TextInput,
        options: Option<crate::print::PrintOptions>,
    ) -> Result<Object<'env>> {
        let content = match crate::print::text_content(content) {
            Ok(c) => c,
            Err(e) => return rejected(env, e),
        };
        let req = crate::print::request(terminal_id, external_reference, content, options);
        let c = self.inner.clone();
        promise(env, blocking(move || c.print(&req)), |a| {
            crate::print::PrintAction::of(&a)
        })
    }

    /// Prints a PNG or JPEG image (a Buffer or Uint8Array of at most 750000 bytes, so that its
    /// Base64 form fits the API's 1 MB) on the terminal's own printer. A file that is not a PNG
    /// or JPEG, or too large, rejects with `INVALID_ARGUMENT` before anything is sent. Resolves
    /// to the action (`created`).
    #[napi(ts_return_type = "Promise<PrintAction>")]
    pub fn print_image<'env>(
        &self,
        env: &'env Env,
        terminal_id: String,
        external_reference: String,
        image: Uint8Array,
        options: Option<crate::print::PrintOptions>,
    ) -> Result<Object<'env>> {
        let content = match mppoint::print::PrintContent::image(image.to_vec()) {
            Ok(c) => c,
            Err(e) => return rejected(env, e),
        };
        let req = crate::print::request(terminal_id, external_reference, content, options);
        let c = self.inner.clone();
        promise(env, blocking(move || c.print(&req)), |a| {
            crate::print::PrintAction::of(&a)
        })
    }

    /// Reads a print action (`created`, `on_terminal`, `processed`, `canceled`, `failed`).
    #[napi(ts_return_type = "Promise<PrintAction>")]
    pub fn print_action<'env>(&self, env: &'env Env, action_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(env, blocking(move || c.print_action(&action_id)), |a| {
            crate::print::PrintAction::of(&a)
        })
    }

    /// Cancels a print action the terminal has not fetched yet (`created`); after that it rejects
    /// with `CANNOT_CANCEL`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn cancel_print_action<'env>(
        &self,
        env: &'env Env,
        action_id: String,
    ) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(
            env,
            blocking(move || c.cancel_print_action(&action_id)),
            |()| (),
        )
    }

    /// Waits until the intent reaches a final status, polling it. Network trouble is ridden out
    /// until the deadline. Rejects with `WAIT_TIMEOUT` (with `lastStatus`) at the deadline, or
    /// `CANCELED` when `signal` aborts. No thread is held while it sleeps between polls.
    #[napi(ts_return_type = "Promise<Intent>")]
    pub fn wait_for_final<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        options: Option<WaitOptions<'env>>,
    ) -> Result<Object<'env>> {
        let (plan, listener) = match WaitOptions::plan(options, env) {
            Ok(v) => v,
            Err(WaitSetupError::Core(e)) => return rejected(env, e),
            Err(WaitSetupError::Js(e)) => return Err(e),
        };
        // At the client's pace when the options set none (a simulator's client: its pace).
        let waiter = match Waiter::new(&intent_id, &self.inner.paced(&plan.opts)) {
            Ok(w) => w,
            Err(e) => return settle_now(env, listener, e),
        };
        let c = self.inner.clone();
        env.spawn_future_with_callback(
            async move { Ok(drive(c, waiter, &plan).await) },
            move |env, r| settle_wait(env, listener, r, |i| Intent::of(&i)),
        )
        .map(|p| Object::from_raw(env.raw(), p.raw()))
    }

    /// Gives the verdict of an intent that has ended, from the API alone: reads intent
    /// `intentId` and its payments and says whether the sale is paid. Only the id is trusted, so
    /// a forged or replayed webhook body cannot make a sale read as approved.
    #[napi(ts_return_type = "Promise<Sale>")]
    pub fn sale_for<'env>(&self, env: &'env Env, intent_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(env, blocking(move || c.sale_for(&intent_id)), |s| {
            Sale::of(&s)
        })
    }

    /// The sales of the journal not settled yet: in flight, of unknown outcome, or ended but not
    /// booked. Book each `paid` one, then `settle` it. Rejects with `CONFIG` without a journal.
    #[napi(ts_return_type = "Promise<PendingSale[]>")]
    pub fn pending<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(env, blocking(move || c.pending()), |p| {
            PendingSale::list(&p)
        })
    }

    /// Records that the POS has booked the sale `reference`, exactly once: resolves to `true`
    /// when this call settled it, `false` when it was settled already. A sale with no verdict yet
    /// rejects with `SALE_IN_PROGRESS`, an unknown reference with `NOT_FOUND`.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn settle<'env>(&self, env: &'env Env, reference: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        promise(env, blocking(move || c.settle(&reference)), |b| b)
    }

    /// The start-up resolution: drives every pending sale of the journal to its verdict without
    /// charging anything new (an intent still waiting for the terminal is canceled, one on the
    /// terminal is waited for, a lost create is looked up). `policy` says what to do with an
    /// approved sale never booked: `'report'` (the default: leave it pending), `'settle'`, or
    /// `'refund'` (refund it in full, then settle it). Resolves to the sales still pending.
    #[napi(ts_return_type = "Promise<PendingSale[]>")]
    pub fn resolve_pending<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "'report' | 'settle' | 'refund'")] policy: Option<String>,
        options: Option<WaitOptions<'env>>,
    ) -> Result<Object<'env>> {
        let policy = match mppoint::ApprovedPolicy::parse(policy.as_deref().unwrap_or("report")) {
            Ok(p) => p,
            Err(e) => return rejected(env, e),
        };
        let (plan, listener) = match WaitOptions::plan(options, env) {
            Ok(v) => v,
            Err(WaitSetupError::Core(e)) => return rejected(env, e),
            Err(WaitSetupError::Js(e)) => return Err(e),
        };
        let c = self.inner.clone();
        let (opts, thrown) = blocking_wait(&plan);
        let fut = async move {
            let resolved = run_blocking(move || c.resolve_pending(policy, &opts)).await;
            match (resolved, take(&thrown)) {
                (_, Some(thrown)) => Err(WaitError::Callback(thrown)),
                (Ok(p), None) => Ok(p),
                (Err(e), None) => Err(WaitError::Core(e)),
            }
        };
        env.spawn_future_with_callback(async move { Ok(fut.await) }, move |env, r| {
            settle_wait(env, listener, r, |p| PendingSale::list(&p))
        })
        .map(|p| Object::from_raw(env.raw(), p.raw()))
    }

    /// The whole sale: creates the intent, waits for it to end, reads its payment and gives one
    /// verdict. Only `sale.isPaid` (verdict `APPROVED`) means hand over the goods. If the wait
    /// fails (deadline, abort), the error carries `intentId` and `idempotencyKey`: the intent
    /// still exists, so cancel it or wait again. `signal` stops the wait, not the create.
    #[napi(ts_return_type = "Promise<Sale>")]
    pub fn charge<'env>(
        &self,
        env: &'env Env,
        target: Target,
        request: IntentRequest,
        options: Option<WaitOptions<'env>>,
    ) -> Result<Object<'env>> {
        let (t, r) = match target.to_core().and_then(|t| Ok((t, request.to_core()?))) {
            Ok(v) => v,
            Err(e) => return rejected(env, e),
        };
        let (plan, listener) = match WaitOptions::plan(options, env) {
            Ok(v) => v,
            Err(WaitSetupError::Core(e)) => return rejected(env, e),
            Err(WaitSetupError::Js(e)) => return Err(e),
        };
        let c = self.inner.clone();
        if self.journal {
            // With a journal, the core's charge drives the whole sale (recorded before the create,
            // resumed, never charged twice), so it runs as one blocking call; the signal and
            // onStatus reach its wait through the core's own options.
            let (opts, thrown) = blocking_wait(&plan);
            let fut = async move {
                let sold = run_blocking(move || c.charge(&t, &r, &opts)).await;
                if let (Err(_), Some(busy)) = (&sold, plan.take_busy_thrown()) {
                    // onBusy threw: the busy wait stopped before anything was created.
                    return Err(WaitError::Callback(busy));
                }
                match (sold, take(&thrown)) {
                    (Ok(s), _) => Ok(s),
                    (Err(error), Some(thrown)) => Err(WaitError::Aborted { error, thrown }),
                    (Err(e), None) => Err(WaitError::Core(e)),
                }
            };
            return env
                .spawn_future_with_callback(async move { Ok(fut.await) }, move |env, r| {
                    settle_wait(env, listener, r, |s| Sale::of(&s))
                })
                .map(|p| Object::from_raw(env.raw(), p.raw()));
        }
        // The core's charge with its wait on the async runtime: begin_charge (wait options
        // checked, intent created, its waiter; blocking pool), the wait (tokio timers), then
        // finish_charge (payments and verdict; blocking pool).
        let fut = async move {
            let c2 = c.clone();
            let (plan, begun) = run_blocking(move || {
                // The signal also stops a wait for a busy terminal (whenBusyMs), before any
                // intent exists.
                let mut opts = plan.opts.clone();
                opts.interrupt = Some(plan.stop_check(None));
                let begun = c2.begin_charge(&t, &r, &opts);
                Ok((plan, begun))
            })
            .await?;
            // onBusy threw: nothing was created; reject with what it threw.
            let (created, waiter) = match (begun, plan.take_busy_thrown()) {
                (_, Some(thrown)) => return Err(WaitError::Callback(thrown)),
                (Ok(b), None) => b,
                (Err(e), None) => return Err(WaitError::Core(e)),
            };
            let waited = match waiter {
                Ok(w) => match drive(c.clone(), w, &plan).await {
                    Ok(i) => Ok(i),
                    Err(WaitError::Core(e)) => Err(e),
                    Err(WaitError::Aborted { error, thrown }) => {
                        // onStatus threw: the core's ABORTED error names the intent; the
                        // charge's end adds its key, and what was thrown stays its `cause`.
                        let error = match c.finish_charge(&created, Err(error)) {
                            Err(e) => e,
                            Ok(_) => mppoint::Error::from_panic(
                                "charge",
                                &"an aborted charge gave a sale",
                            ),
                        };
                        return Err(WaitError::Aborted { error, thrown });
                    }
                    Err(other) => return Err(other),
                },
                Err(e) => Err(e),
            };
            run_blocking(move || c.finish_charge(&created, waited))
                .await
                .map_err(WaitError::Core)
        };
        env.spawn_future_with_callback(async move { Ok(fut.await) }, move |env, r| {
            settle_wait(env, listener, r, |s| Sale::of(&s))
        })
        .map(|p| Object::from_raw(env.raw(), p.raw()))
    }
}

/// The core's wait options for a blocking core call that waits itself (a charge with a journal,
/// the start-up resolution): the signal stops it (checked at least every 100 ms); `onStatus` runs
/// on the JS thread, and the wait goes on once it has returned. If it throws, what it threw is
/// kept and the core's callback fails (the core's `ABORTED`); every later wait of the call stops
/// at once.
fn blocking_wait(plan: &WaitPlan) -> (mppoint::WaitOptions, Thrown) {
    let thrown: Thrown = Arc::default();
    let mut opts = plan.opts.clone();
    opts.on_status = None;
    if let Some(cb) = plan.on_status.clone() {
        let thrown = thrown.clone();
        opts.on_status = Some(Arc::new(move |i: &mppoint::Intent| {
            if lock(&thrown).is_some() {
                return Err("onStatus threw earlier in this call".to_string());
            }
            let Ok(h) = tokio::runtime::Handle::try_current() else {
                return Ok(());
            };
            match h.block_on(cb.call_async_catch(Intent::of(i))) {
                Ok(_) => Ok(()),
                Err(e) => {
                    let why = crate::wait::thrown_reason(&e);
                    *lock(&thrown) = Some(e);
                    Err(why)
                }
            }
        }));
    }
    opts.interrupt = Some(plan.stop_check(Some(thrown.clone())));
    (opts, thrown)
}

fn take(t: &Thrown) -> Option<Error> {
    lock(t).take()
}

/// A sale of the journal not settled yet (`pending()`, `resolvePending()`): in flight, of unknown
/// outcome, or ended but not booked. Book each `paid` one, then `settle(reference)` it.
#[napi(object)]
pub struct PendingSale {
    /// The POS's sale reference (the request's `externalReference`).
    pub reference: String,
    #[napi(ts_type = "'intents' | 'orders'")]
    pub api: String,
    /// `pos:<external id>` or `device:<device id>`.
    pub target: String,
    /// Two decimals, like `"12.47"`.
    pub amount: String,
    pub amount_cents: i64,
    pub description: String,
    /// `PLANNED`, `SENT`, `ON_API` or `FINAL`.
    pub state: String,
    /// The current attempt, from 1.
    pub attempt: u32,
    /// The current attempt's `X-Idempotency-Key`.
    pub idempotency_key: String,
    /// The current attempt's intent (or order) id, once known.
    pub intent_id: Option<String>,
    /// The verdict, once final.
    #[napi(ts_type = "Verdict")]
    pub verdict: Option<String>,
    /// The approved payment's id, once paid.
    pub payment_id: Option<i64>,
    /// Whether it was paid (verdict `APPROVED`, not refunded): book it, then settle it.
    pub paid: bool,
    /// What the POS must know (an unknown outcome and what to do, a refund).
    pub note: Option<String>,
    /// When it was first recorded (Unix milliseconds).
    pub created_at: i64,
    /// When it last changed (Unix milliseconds).
    pub updated_at: i64,
}

impl PendingSale {
    fn of(p: &mppoint::PendingSale) -> PendingSale {
        PendingSale {
            reference: p.reference.clone(),
            api: p.api.clone(),
            target: p.target.clone(),
            amount: p.amount.clone(),
            amount_cents: mppoint::Amount::parse(&p.amount).map_or(0, |a| a.cents()),
            description: p.description.clone(),
            state: p.state.clone(),
            attempt: p.attempt,
            idempotency_key: p.idempotency_key.clone(),
            intent_id: p.intent_id.clone(),
            verdict: p.verdict.clone(),
            payment_id: p.payment_id.map(|id| id as i64),
            paid: p.paid,
            note: p.note.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }

    fn list(sales: &[mppoint::PendingSale]) -> Vec<PendingSale> {
        sales.iter().map(PendingSale::of).collect()
    }
}

/// A simulated event of the sandbox (`simulateOrderEvent`).
#[napi(object)]
pub struct OrderEvent {
    /// `processed`, `failed`, `canceled`, `expired`, `refunded` or `action_required`.
    #[napi(
        ts_type = "'processed' | 'failed' | 'canceled' | 'expired' | 'refunded' | 'action_required'"
    )]
    pub status: String,
    /// `accredited` for `processed`; a documented decline for `failed`.
    pub status_detail: Option<String>,
    /// The card (only with `processed` or `failed`).
    pub card: Option<SimulatedCard>,
    /// The instalments (only with a `credit_card`).
    pub installments: Option<f64>,
}

/// The card of a simulated event.
#[napi(object)]
pub struct SimulatedCard {
    /// `amex`, `master`, `visa`, `debmaster` or `debvisa`.
    #[napi(ts_type = "'amex' | 'master' | 'visa' | 'debmaster' | 'debvisa'")]
    pub brand: String,
    /// `credit_card` or `debit_card`.
    #[napi(js_name = "type", ts_type = "'credit_card' | 'debit_card'")]
    pub kind: String,
}

/// Options of `refundPayment`.
#[napi(object)]
pub struct RefundOptions {
    /// Refund only this much (default: all of it).
    #[napi(ts_type = "AmountInput")]
    pub amount: Option<AmountInput>,
    /// The `X-Idempotency-Key` of the refund (default: a new UUID, reused on retries).
    pub idempotency_key: Option<String>,
}
