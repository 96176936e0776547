//! The client: every Point operation, on whichever API it was built for. It keeps what the APIs
//! share (the checks before anything is sent, the memory of create keys, the charge from create to
//! verdict) and asks the API behind the seam ([`crate::api`]) for the rest; it names no API.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::amount::{Amount, AmountLimits, Site};
use crate::api::{Api, PointApi};
use crate::device::{Device, DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{validate_id, Intent, IntentRequest, Target};
use crate::payment::{Payment, Refund};
use crate::retry::RetryPolicy;
use crate::sale::Sale;
use crate::status::Status;
use crate::transport::Transport;
use crate::wait::{PollPhase, WaitOptions, WaitStep, Waiter};
use crate::wakeup::{SleepEnd, WakeRegistration, Wakeups};

/// A Mercado Pago Point client. `Send + Sync` and cheap to clone (clones share one connection
/// pool); make one per access token and share it between threads.
///
/// ```no_run
/// use mppoint::{Amount, Client, IntentRequest, Site, Target, WaitOptions};
/// let client = Client::builder("APP_USR-...").site(Site::MLB).build()?;
/// let req = IntentRequest::new(Amount::parse("12.47")?, "Sale 123", "order-123");
/// let sale = client.charge(&Target::Pos("SUC001POS001".into()), &req, &WaitOptions::new())?;
/// if sale.is_paid() {
///     println!("paid: {}", sale.approved_payment().unwrap().id);
/// } else {
///     println!("not paid: {} — {}", sale.verdict, sale.verdict.advice());
/// }
/// # Ok::<(), mppoint::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    site: Option<Site>,
    limits: Option<AmountLimits>,
    /// What each idempotency key of a recent create was sent for (target, cents, external
    /// reference), so a key reused for another cart is refused before it is sent.
    keys: Mutex<HashMap<String, (String, i64, String)>>,
    /// Which API, as the caller named it.
    kind: Api,
    /// That API's answers to every operation.
    api: Box<dyn PointApi>,
    /// The application's webhook secret, for [`Client::handle_webhook`].
    webhook_secret: Option<crate::transport::Secret>,
    /// The waits a webhook delivery can wake.
    wakeups: Arc<Wakeups>,
    /// The pause between polls of waits that set none ([`ClientBuilder::poll_interval`]).
    poll_interval: Option<std::time::Duration>,
    /// The sale journal, when configured (see `crate::journal`).
    journal: Option<crate::journal::Journal>,
    /// Whether the token is a test credential (the sandbox's calls need one).
    test_credentials: bool,
    /// The last sale this client put on each terminal (target → intent or order id and its
    /// external reference), so a busy terminal's error can say which sale holds it.
    holders: Mutex<HashMap<String, (String, String)>>,
}

/// What [`Client::from_parts`] assembles (built and checked by the builder).
pub(crate) struct Parts {
    pub transport: Transport,
    pub kind: Api,
    pub api: Box<dyn PointApi>,
    pub site: Option<Site>,
    pub limits: Option<AmountLimits>,
    pub webhook_secret: Option<crate::transport::Secret>,
    pub poll_interval: Option<std::time::Duration>,
    pub journal: Option<crate::journal::Journal>,
    pub test_credentials: bool,
}

/// How many create keys a client remembers.
const REMEMBERED_KEYS: usize = 4096;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("site", &self.inner.site)
            .field("limits", &self.inner.limits)
            .field("api", &self.inner.kind)
            .field("journal", &self.inner.journal)
            .finish()
    }
}

impl Client {
    pub(crate) fn from_parts(p: Parts) -> Client {
        Client {
            inner: Arc::new(Inner {
                transport: p.transport,
                site: p.site,
                limits: p.limits,
                keys: Mutex::new(HashMap::new()),
                kind: p.kind,
                api: p.api,
                webhook_secret: p.webhook_secret,
                wakeups: Arc::default(),
                poll_interval: p.poll_interval,
                journal: p.journal,
                test_credentials: p.test_credentials,
                holders: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Whether the access token is a test credential (`TEST-…`, or an account declared a test
    /// user's with [`crate::ClientBuilder::test_account`]): the sandbox's calls need one.
    pub fn has_test_credentials(&self) -> bool {
        self.inner.test_credentials
    }

    /// The webhook secret, when configured.
    pub(crate) fn webhook_secret(&self) -> Option<&str> {
        self.inner.webhook_secret.as_ref().map(|s| s.expose())
    }

    /// The waits of this client that a webhook delivery can wake.
    pub(crate) fn wakeups(&self) -> &Arc<Wakeups> {
        &self.inner.wakeups
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// The API this client speaks (see [`Api`]).
    pub fn api(&self) -> Api {
        self.inner.kind
    }

    /// Whether [`Client::cancel_intent`] can still stop a sale in `status` on this client's API
    /// (the answer differs per API: see each API's module).
    pub fn can_cancel(&self, status: &Status) -> bool {
        self.inner.api.can_cancel(status)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn journal(&self) -> Option<&crate::journal::Journal> {
        self.inner.journal.as_ref()
    }

    /// The configured site.
    pub fn site(&self) -> Option<Site> {
        self.inner.site
    }

    /// The amount limits checked before a create (the site's, or the override).
    pub fn amount_limits(&self) -> Option<AmountLimits> {
        self.inner.limits
    }

    /// Lists one page of devices, optionally only those of a store or POS.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let page = client.list_devices(&mppoint::DeviceFilter { limit: Some(10), ..Default::default() })?;
    /// for d in &page.devices {
    ///     println!("{} {}", d.id, d.operating_mode);
    /// }
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn list_devices(&self, filter: &DeviceFilter) -> Result<DevicePage> {
        self.inner.api.list_devices(&self.inner.transport, filter)
    }

    /// Every device matching `filter`, fetching page after page as the iterator advances.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// for device in client.devices(&mppoint::DeviceFilter::default()) {
    ///     let device = device?;
    ///     println!("{}", device.id);
    /// }
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn devices(&self, filter: &DeviceFilter) -> DeviceIter {
        DeviceIter {
            client: self.clone(),
            filter: filter.clone(),
            offset: filter.offset.unwrap_or(0),
            buffer: Vec::new().into_iter(),
            done: false,
        }
    }

    /// Switches a device between `PDV` (receives intents) and `STANDALONE`. The device must be
    /// restarted for the change to take effect. Returns the mode the API reports.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// client.set_operating_mode("PAX_A910__SMARTPOS1234567890", mppoint::OperatingMode::Pdv)?;
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn set_operating_mode(
        &self,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<OperatingMode> {
        validate_id("device_id", device_id)?;
        if !matches!(mode, OperatingMode::Pdv | OperatingMode::Standalone) {
            return Err(Error::invalid_argument(
                "operating_mode",
                "must be PDV or STANDALONE (UNDEFINED and SELF_SERVICE are only read, never set)",
                mode.as_str(),
            ));
        }
        self.inner
            .api
            .set_operating_mode(&self.inner.transport, device_id, &mode)
    }

    /// Creates an intent on the device of a POS or on a device. The request is validated first
    /// (amount and site limits, lengths, characters). Every create carries an
    /// `X-Idempotency-Key` (the request's, or a new UUID) reused on its retries; the returned
    /// intent carries it in [`Intent::idempotency_key`].
    ///
    /// Errors to expect: [`ErrorKind::AlreadyQueued`] (the device has an unfinished intent),
    /// [`ErrorKind::OutcomeUnknown`] (sent, but the answer was lost: do not create another with
    /// a new key), [`ErrorKind::NotFound`] (no such POS or device), [`ErrorKind::BadRequest`].
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// use mppoint::{Amount, IntentRequest, Target};
    /// let req = IntentRequest::new(Amount::parse("12.47")?, "Sale 123", "order-123");
    /// let intent = client.create_intent(&Target::Device("PAX_A910__SMARTPOS1234567890".into()), &req)?;
    /// println!("{} {}", intent.id, intent.status);
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn create_intent(&self, target: &Target, req: &IntentRequest) -> Result<Intent> {
        target.validate()?;
        self.inner
            .api
            .check_create(target, req, self.inner.limits.as_ref(), self.inner.site)?;
        let key = req
            .get_idempotency_key()
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        self.remember_key(&key, target, req)?;
        let sent = self
            .inner
            .api
            .create(&self.inner.transport, target, req, &key);
        let holders = || self.inner.holders.lock().unwrap_or_else(|p| p.into_inner());
        match self.checked_create(sent, key, target, req) {
            Ok(created) => {
                let mut h = holders();
                if h.len() >= REMEMBERED_KEYS {
                    h.clear();
                }
                h.insert(
                    target.to_string(),
                    (created.id.clone(), req.external_reference().to_string()),
                );
                Ok(created)
            }
            Err(e) if e.kind() == ErrorKind::AlreadyQueued => {
                let known = holders().get(&target.to_string()).cloned();
                Err(match known {
                    Some((id, reference)) if reference != req.external_reference() => {
                        let msg = format!(
                            "{} It is probably {} {id} (sale reference {reference:?}), which this client put on that terminal: wait for it to end, or cancel it.",
                            e.message(),
                            self.inner.api.noun()
                        );
                        e.with_message(msg).with_holding_sale(id)
                    }
                    _ => e,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// [`Client::create_intent`], waiting for a busy terminal as `opts` say
    /// ([`WaitOptions::when_busy`]): an `ALREADY_QUEUED` answer created nothing, so the create is
    /// tried again at the poll pace until the terminal takes it, the time runs out (then the last
    /// `ALREADY_QUEUED`, which names the sale holding the terminal when this client knows it), or
    /// the wait is stopped (`CANCELED`: nothing was created).
    pub fn create_when_free(
        &self,
        target: &Target,
        req: &IntentRequest,
        opts: &WaitOptions,
    ) -> Result<Intent> {
        let Some(budget) = opts.when_busy else {
            return self.create_intent(target, req);
        };
        let until = std::time::Instant::now() + budget;
        let pace = self
            .paced(opts)
            .poll
            .pause(std::time::Duration::ZERO, PollPhase::Unsignalled, false)
            .max(std::time::Duration::from_millis(100));
        loop {
            match self.create_intent(target, req) {
                Err(e) if e.kind() == ErrorKind::AlreadyQueued => {
                    let now = std::time::Instant::now();
                    if now >= until {
                        return Err(e);
                    }
                    if let Some(f) = &opts.on_busy {
                        f(&e);
                    }
                    if opts.sleep(pace.min(until - now)) {
                        return Err(Error::new(
                            ErrorKind::Canceled,
                            "the wait for the busy terminal was stopped: nothing was created",
                        )
                        .with_external_reference(req.external_reference()));
                    }
                }
                other => return other,
            }
        }
    }

    /// Reads an intent.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let intent = client.get_intent("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1")?;
    /// if intent.status.is_final() { println!("ended: {}", intent.status); }
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn get_intent(&self, intent_id: &str) -> Result<Intent> {
        self.get_intent_with(intent_id, None)
    }

    fn get_intent_with(&self, intent_id: &str, retry: Option<RetryPolicy>) -> Result<Intent> {
        validate_id("intent_id", intent_id)?;
        self.inner.api.get(&self.inner.transport, intent_id, retry)
    }

    /// Cancels an intent that is still `OPENED` (not yet on the terminal). Once the terminal has
    /// it, this fails with [`ErrorKind::CannotCancel`]: cancel it on the terminal. Canceling an
    /// intent that is already `CANCELED` succeeds (so a retried cancel is harmless); one that
    /// ended otherwise fails with [`ErrorKind::CannotCancel`] saying how it ended.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// match client.cancel_intent("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1") {
    ///     Ok(()) => println!("canceled"),
    ///     Err(e) if e.kind() == mppoint::ErrorKind::CannotCancel => println!("cancel it on the terminal"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn cancel_intent(&self, intent_id: &str) -> Result<()> {
        validate_id("intent_id", intent_id)?;
        self.inner
            .api
            .cancel(&self.inner.transport, intent_id, None)
    }

    /// Cancels an intent through the older path that also names the POS (`…/point/pos/{external_id}`).
    pub fn cancel_intent_for_pos(&self, intent_id: &str, pos_external_id: &str) -> Result<()> {
        validate_id("intent_id", intent_id)?;
        validate_id("pos_external_id", pos_external_id)?;
        self.inner
            .api
            .cancel(&self.inner.transport, intent_id, Some(pos_external_id))
    }

    /// Prints on a Point terminal's own printer (`POST /terminals/v1/actions`, type `print`), on
    /// either API: tagged text built with [`crate::print::PrintText`] (the POS's text escaped, so
    /// it cannot add tags) or a PNG/JPEG image of at most [`crate::print::MAX_IMAGE_BYTES`]. Everything is checked before it
    /// is sent. The key is documented and honoured: an answer lost is re-sent with the same key
    /// (the same action), and what is left ambiguous is `OUTCOME_UNKNOWN` naming the key. Follow
    /// it with [`Client::print_action`]; a PDV terminal fetches it by itself.
    ///
    /// ```no_run
    /// use mppoint::print::{PrintRequest, PrintText};
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let receipt = PrintText::new().center_wide("Loja Centro").line("Sale 123: 25.00").build()?;
    /// let action = client.print(&PrintRequest::new("NEWLAND_N950__N950NCB123456789", "sale-123", receipt))?;
    /// println!("{} {}", action.id, action.status);
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn print(&self, req: &crate::print::PrintRequest) -> Result<crate::print::PrintAction> {
        crate::api::print::create(&self.inner.transport, req)
    }

    /// Reads a print action (`created`, `on_terminal`, `processed`, `canceled`, `failed`).
    pub fn print_action(&self, action_id: &str) -> Result<crate::print::PrintAction> {
        crate::api::print::get(&self.inner.transport, action_id)
    }

    /// Cancels a print action the terminal has not fetched yet (`created`); after that it is
    /// `CANNOT_CANCEL`.
    pub fn cancel_print_action(&self, action_id: &str) -> Result<()> {
        crate::api::print::cancel(&self.inner.transport, action_id)
    }

    /// Mercado Pago's sandbox (test credentials only): drives the test order `order_id` to the
    /// event's final status (`POST /v1/orders/{order_id}/events`, 204), through `at_terminal`,
    /// within 10 s (40 s for `action_required`), without a terminal. A production token is
    /// refused with `SANDBOX_ONLY` before anything is sent (a token starting `TEST-` is a test
    /// credential; a test user's `APP_USR-` token needs [`crate::ClientBuilder::test_account`]).
    /// Our simulator serves the same endpoint, so the same test runs against both.
    pub fn simulate_order_event(
        &self,
        order_id: &str,
        event: &crate::sandbox::OrderEvent,
    ) -> Result<()> {
        crate::intent::validate_id("order_id", order_id)?;
        event.validate()?;
        if !self.inner.test_credentials {
            return Err(Error::new(
                ErrorKind::SandboxOnly,
                "the sandbox's simulated events work only with test credentials, and this access token is a production one: nothing was sent. Use a TEST- token, or the production token of a test user with ClientBuilder::test_account(true)",
            )
            .with_intent_id(order_id));
        }
        crate::api::orders::simulate_event(&self.inner.transport, order_id, event)
    }

    /// Reads a payment (the `results[].id` of a `CLOSED` intent).
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let p = client.get_payment(123456)?;
    /// println!("{} {}", p.status, p.status_detail.unwrap_or_default());
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn get_payment(&self, payment_id: u64) -> Result<Payment> {
        self.inner
            .api
            .get_payment(&self.inner.transport, payment_id)
    }

    /// Refunds a payment: in full with `None`, or partly. Sent with a new `X-Idempotency-Key`
    /// reused on retries (see [`Client::refund_payment_with_key`] to choose it).
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let r = client.refund_payment(123456, Some(mppoint::Amount::parse("5.00")?))?;
    /// println!("refund {}", r.id);
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn refund_payment(&self, payment_id: u64, amount: Option<Amount>) -> Result<Refund> {
        self.refund_payment_with_key(payment_id, amount, None)
    }

    /// [`Client::refund_payment`] with a chosen idempotency key (to retry a refund whose outcome
    /// is unknown): `"key"`, `Some("key")`, or `None` for a new one.
    pub fn refund_payment_with_key<'k>(
        &self,
        payment_id: u64,
        amount: Option<Amount>,
        idempotency_key: impl Into<Option<&'k str>>,
    ) -> Result<Refund> {
        self.inner.api.refund_payment(
            &self.inner.transport,
            payment_id,
            amount,
            idempotency_key.into(),
        )
    }

    /// Polls the intent until it reaches a final status, calling `opts.on_status` on each
    /// change. Network trouble is ridden out until the deadline. Ends with
    /// [`ErrorKind::WaitTimeout`] (carrying the last status) at the deadline, or
    /// [`ErrorKind::Canceled`] when the cancel token fires.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// use std::time::Duration;
    /// let opts = mppoint::WaitOptions::new()
    ///     .timeout(Duration::from_secs(180))
    ///     .on_status(|i| if i.status == mppoint::Status::OnTerminal { println!("insert card") });
    /// let intent = client.wait_for_final("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1", &opts)?;
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn wait_for_final(&self, intent_id: &str, opts: &WaitOptions) -> Result<Intent> {
        self.drive(Waiter::new(intent_id, &self.paced(opts))?)
    }

    /// The wait options as this client runs them: with its poll interval
    /// ([`crate::ClientBuilder::poll_interval`]) when `opts` keeps the default schedule. For a binding that drives a
    /// [`Waiter`] itself.
    pub fn paced(&self, opts: &WaitOptions) -> WaitOptions {
        opts.paced(self.inner.poll_interval)
    }

    /// Readies a [`Waiter`] for a driver (this client's own, or a binding's that waits itself):
    /// registers it for webhook wake-ups when this client has a webhook secret, and tells it
    /// whether this client's API shows a processing status ([`crate::wait::PollPhase`]).
    pub fn prepare_wait(&self, waiter: Waiter) -> (Waiter, Option<WakeRegistration>) {
        let registration = self.wake_registration(waiter.intent_id());
        let waiter = waiter
            .with_wakeups(registration.is_some())
            .with_processing_visible(self.inner.api.shows_processing());
        (waiter, registration)
    }

    /// Runs a [`Waiter`] to its end on this thread: sleep as it says, then poll (waking early for
    /// the cancel token, the interrupt check, or a webhook delivery about this sale).
    fn drive(&self, waiter: Waiter) -> Result<Intent> {
        let (mut waiter, registration) = self.prepare_wait(waiter);
        let opts = waiter.options().clone();
        let id = waiter.intent_id().to_string();
        let mut pause = waiter.first_pause();
        loop {
            let stopped = match &registration {
                Some(r) => r.sleep(pause, &opts) == SleepEnd::Stopped,
                None => opts.sleep(pause),
            };
            if stopped || opts.should_stop() {
                return Err(waiter.canceled_error());
            }
            let polled = self.poll_once(&id);
            match waiter.observe(polled)? {
                WaitStep::Done(intent) => return Ok(*intent),
                WaitStep::Sleep(d) => pause = d,
            }
        }
    }

    /// One GET of the intent without retries, for a waiting loop (the [`Waiter`] decides about
    /// retries).
    pub fn poll_once(&self, intent_id: &str) -> Result<Intent> {
        self.get_intent_with(intent_id, Some(RetryPolicy::none()))
    }

    /// The verdict of a sale, from the API alone: reads intent `intent_id`, then each payment its
    /// `results` name, and gives the verdict. Nothing the caller holds (a webhook's body, an
    /// intent read earlier) is trusted: a notification says only which intent to look at. The
    /// payment behind [`crate::Verdict::Approved`] belongs to that intent and is for its amount.
    /// If a payment cannot be read the error says which, and the sale must not be treated as paid
    /// until it is. An intent not yet final is an [`ErrorKind::InvalidArgument`] error.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let sale = client.sale_for("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1")?;
    /// if sale.is_paid() { println!("paid"); }
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn sale_for(&self, intent_id: &str) -> Result<Sale> {
        let intent = self.get_intent(intent_id)?;
        self.sale_of(intent)
    }

    /// The verdict of an intent this client has just read from the API.
    fn sale_of(&self, intent: Intent) -> Result<Sale> {
        self.inner.api.sale_of(&self.inner.transport, intent)
    }

    /// Finds what became of a sale from its `external_reference`, through the Payments API's
    /// search (`GET /v1/payments/search?external_reference=…`): every payment found (none is an
    /// empty list), newest first. This is how to recover from [`ErrorKind::OutcomeUnknown`]
    /// without re-sending the create: once the terminal is done with the sale, an `approved`
    /// payment for the sale's amount means it was paid. Deciding (hand over the goods, ring it up
    /// again, refund a duplicate) stays with the caller.
    ///
    /// ```no_run
    /// # let client = mppoint::Client::builder("t").build()?;
    /// let found = client.find_payments("order-123")?;
    /// let paid = found.iter().any(|p| p.is_approved());
    /// # Ok::<(), mppoint::Error>(())
    /// ```
    pub fn find_payments(&self, external_reference: &str) -> Result<Vec<Payment>> {
        crate::intent::validate_external_reference(external_reference)?;
        self.inner
            .api
            .find_payments(&self.inner.transport, external_reference)
    }

    /// The whole sale: create the intent, wait for it to end, read its payment and give one
    /// verdict. Only [`crate::Verdict::Approved`] is a paid sale.
    ///
    /// If the wait fails (deadline, cancel token, a status callback that failed: `ABORTED`), the error
    /// carries the intent id ([`Error::intent_id`]) and the idempotency key: the intent still
    /// exists, so cancel it or wait again.
    pub fn charge(&self, target: &Target, req: &IntentRequest, opts: &WaitOptions) -> Result<Sale> {
        // With a sale journal, the journal drives the sale (crate::journal).
        if let Some(j) = self.journal() {
            return self.journal_charge(j, target, req, opts);
        }
        let (created, waiter) = self.begin_charge(target, req, opts)?;
        // A status callback that fails is the waiter's ABORTED; any other panic in the wait must
        // not lose the intent either: caught here, it becomes an error carrying the intent id and
        // key (finish_charge).
        let waited =
            crate::error::catch_panic("wait for the sale", || waiter.and_then(|w| self.drive(w)));
        self.finish_charge(&created, waited)
    }

    /// The start of [`Client::charge`], for a driver that waits itself (the Node binding waits on
    /// an async runtime): checks the wait options before anything is sent (bad options must not
    /// leave an intent behind), creates the intent, and gives it with the wait's polling rule,
    /// which starts from the created intent (and tells `on_status` about it once). Drive the
    /// waiter, then hand what it gave to [`Client::finish_charge`].
    pub fn begin_charge(
        &self,
        target: &Target,
        req: &IntentRequest,
        opts: &WaitOptions,
    ) -> Result<(Intent, Result<Waiter>)> {
        let opts = self.paced(opts);
        opts.validate()?;
        // Orders: the order expires with the wait's deadline (unless the client sets its own
        // expiration), so an order the POS stopped waiting for expires by itself.
        let own;
        let req = if self.api() == Api::Orders && req.order_expiration().is_none() {
            own = req
                .clone()
                .with_order_expiration(Some(crate::journal::order_expiration(&opts)));
            &own
        } else {
            req
        };
        let created = self.create_when_free(target, req, &opts)?;
        let waiter = Waiter::starting_from(&created, &opts);
        Ok((created, waiter))
    }

    /// The end of [`Client::charge`], after [`Client::begin_charge`] and the wait: a failed wait
    /// gets the create's idempotency key and the intent id, an ended intent keeps its key, and its
    /// payments are read for the verdict. `waited` must be the intent as this client read it from
    /// the API.
    pub fn finish_charge(&self, created: &Intent, waited: Result<Intent>) -> Result<Sale> {
        let key = created.idempotency_key.clone();
        // Every error after the create names the intent, its key and its reference.
        let tag = |e: Error| {
            let e = e.with_idempotency_key(key.clone());
            let e = if e.intent_id().is_none() {
                e.with_intent_id(created.id.clone())
            } else {
                e
            };
            match &created.external_reference {
                Some(r) if e.external_reference().is_none() => e.with_external_reference(r.clone()),
                _ => e,
            }
        };
        let ended = waited.map_err(tag)?;
        if ended.id != created.id {
            return Err(Error::invalid_argument(
                "waited",
                "must be the intent that was created",
                &ended.id,
            ));
        }
        let ended = Intent {
            idempotency_key: key.clone(),
            ..ended
        };
        self.sale_of(ended).map_err(tag)
    }

    /// The answer of a create (an intent, or an order read as one), checked against the cart it
    /// was sent for, on either API. A create refused for certain forgets its key, so the
    /// corrected request may reuse it; a reply naming another cart (a server that replayed an
    /// earlier create for a reused key) is `IDEMPOTENCY_KEY_MISMATCH`, never a sale of the old
    /// cart.
    fn checked_create(
        &self,
        sent: Result<Intent>,
        key: String,
        target: &Target,
        req: &IntentRequest,
    ) -> Result<Intent> {
        let mut intent = match sent {
            Ok(i) => i,
            Err(e) => {
                // Refused for certain (nothing was created): the key names no sale yet, so the
                // corrected request may use it. After OUTCOME_UNKNOWN it stays this cart's.
                if e.kind() != ErrorKind::OutcomeUnknown {
                    self.inner
                        .keys
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&key);
                }
                return Err(e);
            }
        };
        // A key that names another sale's intent (the server replayed an earlier create with a
        // different cart) must never become a sale of the old cart.
        let amount_differs = intent.amount().is_some_and(|a| a != req.amount());
        let reference_differs = intent
            .external_reference
            .as_deref()
            .is_some_and(|r| r != req.external_reference());
        if amount_differs || reference_differs {
            let noun = self.inner.api.noun();
            // The server says what the key means: remember that, not this request.
            if let (Some(a), Some(r)) = (intent.amount(), intent.external_reference.as_ref()) {
                self.inner
                    .keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.clone(), (target.to_string(), a.cents(), r.clone()));
            }
            return Err(Error::new(
                ErrorKind::IdempotencyKeyMismatch,
                format!(
                    "idempotency key {key} returned {} {} for amount {} and external reference {:?}, but this create asked for amount {} and external reference {:?}: the key belongs to another sale. Nothing new was created; use a new key for a new cart (and check {} {} is not still on the terminal)",
                    noun,
                    intent.id,
                    intent.amount().map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
                    intent.external_reference.as_deref().unwrap_or("?"),
                    req.amount(),
                    req.external_reference(),
                    noun,
                    intent.id
                ),
            )
            .with_idempotency_key(Some(key))
            .with_intent_id(intent.id.clone())
            .with_external_reference(req.external_reference()));
        }
        intent.idempotency_key = Some(key);
        Ok(intent)
    }

    /// Records what `key` is sent for; a key already sent for another cart is refused.
    fn remember_key(&self, key: &str, target: &Target, req: &IntentRequest) -> Result<()> {
        let print = (
            target.to_string(),
            req.amount().cents(),
            req.external_reference().to_string(),
        );
        let mut keys = self.inner.keys.lock().unwrap_or_else(|e| e.into_inner());
        match keys.get(key) {
            Some(old) if *old != print => Err(Error::new(
                ErrorKind::IdempotencyKeyMismatch,
                format!(
                    "idempotency key {key} was already sent for {} (amount {}.{:02}, external reference {:?}); this create is for {} (amount {}, external reference {:?}). Nothing was sent: use a new key for a new cart",
                    old.0,
                    old.1 / 100,
                    old.1 % 100,
                    old.2,
                    print.0,
                    req.amount(),
                    print.2
                ),
            )
            .with_idempotency_key(Some(key.to_string()))
            .with_external_reference(req.external_reference())),
            Some(_) => Ok(()),
            None => {
                if keys.len() >= REMEMBERED_KEYS {
                    keys.clear();
                }
                keys.insert(key.to_string(), print);
                Ok(())
            }
        }
    }
}

/// Iterates over every device of a filter, page by page (see [`Client::devices`]).
pub struct DeviceIter {
    client: Client,
    filter: DeviceFilter,
    offset: u32,
    buffer: std::vec::IntoIter<Device>,
    done: bool,
}

impl fmt::Debug for DeviceIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceIter")
            .field("filter", &self.filter)
            .field("offset", &self.offset)
            .field("done", &self.done)
            .finish()
    }
}

impl Iterator for DeviceIter {
    type Item = Result<Device>;

    fn next(&mut self) -> Option<Result<Device>> {
        loop {
            if let Some(d) = self.buffer.next() {
                return Some(Ok(d));
            }
            if self.done {
                return None;
            }
            let filter = DeviceFilter {
                offset: Some(self.offset),
                ..self.filter.clone()
            };
            match self.client.list_devices(&filter) {
                Ok(page) => {
                    let n = page.devices.len() as u32;
                    self.offset = self.offset.saturating_add(n);
                    if n == 0 || u64::from(self.offset) >= page.paging.total {
                        self.done = true;
                    }
                    self.buffer = page.devices.into_iter();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync::<Client>();
    }

    #[test]
    fn validation_happens_before_sending() {
        // Port 9 (discard) on loopback: if anything were sent, the error would be a network one.
        let c = Client::builder("t")
            .base_url("http://127.0.0.1:9")
            .site(Site::MLB)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let req = IntentRequest::new(Amount::parse("70000.01").unwrap(), "d", "r");
        let e = c.create_intent(&Target::Pos("P".into()), &req).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidAmount);
        assert_eq!(
            e.message(),
            "amount 70000.01 is above the MLB maximum of 70000.00"
        );
        let e = c
            .list_devices(&DeviceFilter {
                pos_id: Some("SUC001POS001".into()),
                ..DeviceFilter::default()
            })
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some("pos_id"))
        );
        let e = c.get_intent("").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = c.cancel_intent_for_pos("i", " ").unwrap_err();
        assert_eq!(e.field(), Some("pos_external_id"));
        let e = c
            .set_operating_mode("d", OperatingMode::Unknown("X".into()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        for e in [
            c.get_payment(0).unwrap_err(),
            c.refund_payment(0, None).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            assert_eq!(e.field(), Some("payment_id"));
        }
    }
}
