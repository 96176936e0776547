//! The client: every Point operation of the InStore API.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::value::RawValue;

use crate::amount::{Amount, AmountLimits, Site};
use crate::api::orders::OrderOptions;
use crate::api::Api;
use crate::config::{ClientBuilder, RetryPolicy};
use crate::device::{Device, DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{intent_from_get_answer, validate_id, Intent, IntentRequest, Target};
use crate::payment::{validate_payment_id, Payment, Refund};
use crate::sale::Sale;
use crate::transport::{seg, Call, Op, Transport};
use crate::wait::{WaitOptions, WaitStep, Waiter};

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
    api: Api,
    /// What an Orders create adds (expiration, integration data).
    orders: OrderOptions,
}

/// How many create keys a client remembers.
const REMEMBERED_KEYS: usize = 4096;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("site", &self.inner.site)
            .field("limits", &self.inner.limits)
            .field("api", &self.inner.api)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client for this access token.
    pub fn builder(access_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(access_token)
    }

    pub(crate) fn from_builder(b: ClientBuilder) -> Result<Client> {
        let transport = Transport::new(&b)?;
        let limits = b.limits.or_else(|| b.site.map(Site::default_limits));
        // On the Orders API the integrator and platform ids travel in the body.
        let orders = OrderOptions {
            platform_id: b.platform_id.clone(),
            integrator_id: b.integrator_id.clone(),
            ..b.orders.clone()
        };
        if b.api == Api::Orders {
            if let Some(e) = &orders.expiration_time {
                crate::api::orders::validate_expiration_time(e)
                    .map_err(|e| Error::new(ErrorKind::Config, e.message().to_string()))?;
            }
        }
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                site: b.site,
                limits,
                keys: Mutex::new(HashMap::new()),
                api: b.api,
                orders,
            }),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// The API this client speaks ([`Api::Intents`] or [`Api::Orders`]).
    pub fn api(&self) -> Api {
        self.inner.api
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn order_options(&self) -> &OrderOptions {
        &self.inner.orders
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
        if self.inner.api == Api::Orders {
            return self.orders_list_terminals(filter);
        }
        if filter.limit == Some(0) {
            return Err(Error::invalid_argument("limit", "must be at least 1", "0"));
        }
        for (field, v) in [("store_id", &filter.store_id), ("pos_id", &filter.pos_id)] {
            if let Some(v) = v {
                validate_id(field, v)?;
            }
        }
        // The reference types the pos_id filter as an integer (the API answers 400 "query param
        // incorrect format" otherwise): say so before sending.
        if let Some(p) = &filter.pos_id {
            if p.trim().parse::<u64>().is_err() {
                return Err(Error::invalid_argument(
                    "pos_id",
                    "must be the POS's numeric id (the device list's pos_id), not its external id",
                    p,
                ));
            }
        }
        self.call_json(
            Call::get("/instore-api/point/v1/devices", "the device list")
                .with_query(filter.query()),
        )
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
        if self.inner.api == Api::Orders {
            return self.orders_setup_terminal(device_id, mode);
        }
        #[derive(serde::Deserialize)]
        struct ModeAnswer {
            operating_mode: OperatingMode,
        }
        let subject = format!("device {device_id}");
        let body = serde_json::to_vec(&serde_json::json!({ "operating_mode": mode.as_str() }))
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
        let a: ModeAnswer = self.call_json(Call::set_mode(
            format!("/instore-api/point/v1/devices/{}", seg(device_id)),
            body,
            &subject,
        ))?;
        Ok(a.operating_mode)
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
        if self.inner.api == Api::Orders {
            return self.orders_create(target, req);
        }
        req.validate(self.inner.limits.as_ref(), self.inner.site)?;
        let key = req
            .get_idempotency_key()
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let path = match target {
            Target::Pos(id) => {
                format!("/instore-api/integrations/v1/intents/point/pos/{}", seg(id))
            }
            Target::Device(id) => format!("/instore-api/integrations/v1/intents/point/{}", seg(id)),
        };
        self.remember_key(&key, target, req)?;
        let body = serde_json::to_vec(&req.to_body())
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
        let subject = format!("the intent for {target}");
        let sent: Result<Intent> = self.call_json(Call {
            method: Method::POST,
            path,
            query: Vec::new(),
            body: Some(body),
            op: Op::Create,
            subject: &subject,
            idempotency_key: Some(key.clone()),
            retry: None,
            external_reference: Some(req.external_reference()),
        });
        self.checked_create(sent, key, target, req)
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
        if self.inner.api == Api::Orders {
            return self.get_order_with(intent_id, retry).map(|o| o.to_intent());
        }
        let subject = format!("intent {intent_id}");
        let call = Call::get(
            format!(
                "/instore-api/integrations/v1/intents/{}/point",
                seg(intent_id)
            ),
            &subject,
        )
        .with_retry(retry);
        // The answer may leave out the id we asked for (the guide's own example does).
        self.inner
            .transport
            .decoded(call, |body| {
                serde_json::from_slice(body)
                    .and_then(|v| intent_from_get_answer(v, intent_id))
                    .map_err(|e| {
                        format!(
                            "the answer is not the intent expected ({e}); it starts with {}",
                            crate::error::quote_snippet(&String::from_utf8_lossy(
                                &body[..body.len().min(120)]
                            ))
                        )
                    })
            })
            .map_err(|e| e.with_intent_id(intent_id))
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
        if self.inner.api == Api::Orders {
            return self.orders_cancel(intent_id);
        }
        self.cancel_at(
            intent_id,
            format!(
                "/instore-api/integrations/v1/intents/{}/point",
                seg(intent_id)
            ),
        )
    }

    /// Cancels an intent through the older path that also names the POS (`…/point/pos/{external_id}`).
    pub fn cancel_intent_for_pos(&self, intent_id: &str, pos_external_id: &str) -> Result<()> {
        validate_id("intent_id", intent_id)?;
        validate_id("pos_external_id", pos_external_id)?;
        if self.inner.api == Api::Orders {
            // An order is canceled by its id alone.
            return self.orders_cancel(intent_id);
        }
        self.cancel_at(
            intent_id,
            format!(
                "/instore-api/integrations/v1/intents/{}/point/pos/{}",
                seg(intent_id),
                seg(pos_external_id)
            ),
        )
    }

    fn cancel_at(&self, intent_id: &str, path: String) -> Result<()> {
        let subject = format!("intent {intent_id}");
        let sent = self.inner.transport.empty(Call {
            method: Method::DELETE,
            path,
            query: Vec::new(),
            body: None,
            op: Op::Cancel,
            subject: &subject,
            idempotency_key: None,
            retry: None,
            external_reference: None,
        });
        match sent {
            Ok(()) => Ok(()),
            // A 409 says only "not OPENED". Look at the intent to say what is true: already
            // canceled (perhaps by our own retried DELETE whose answer was lost) is done; on the
            // terminal means cancel it there; ended otherwise means there is nothing to cancel.
            Err(e) if e.kind() == ErrorKind::CannotCancel => match self.get_intent(intent_id) {
                Ok(i) if i.status == crate::Status::Canceled => Ok(()),
                Ok(i) if i.status.is_final() => Err(e
                    .with_message(format!(
                        "intent {intent_id} already ended as {}: there is nothing to cancel{}",
                        i.status,
                        if i.status == crate::Status::Closed {
                            " (if its payment was approved, refund the payment)"
                        } else {
                            ""
                        }
                    ))
                    .with_last_status(Some(i.status))
                    .with_intent_id(intent_id)),
                Ok(i) => Err(e.with_last_status(Some(i.status)).with_intent_id(intent_id)),
                Err(_) => Err(e.with_intent_id(intent_id)),
            },
            Err(e) => Err(e.with_intent_id(intent_id)),
        }
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
        validate_payment_id(payment_id)?;
        let subject = format!("payment {payment_id}");
        self.call_json(Call::get(format!("/v1/payments/{payment_id}"), &subject))
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
        self.refund_payment_with_key(payment_id, amount, &uuid::Uuid::new_v4().to_string())
    }

    /// [`Client::refund_payment`] with a chosen idempotency key (to retry a refund whose outcome
    /// is unknown).
    pub fn refund_payment_with_key(
        &self,
        payment_id: u64,
        amount: Option<Amount>,
        idempotency_key: &str,
    ) -> Result<Refund> {
        validate_payment_id(payment_id)?;
        if idempotency_key.is_empty() || !idempotency_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_argument(
                "idempotency_key",
                "must be printable ASCII without spaces",
                idempotency_key,
            ));
        }
        // The refunds API takes the amount as a JSON number: written from the exact decimal
        // text, never through a float.
        let body = match amount {
            None => "{}".to_string(),
            Some(a) => {
                // A struct with a RawValue field writes the text as it is (going through
                // `json!` would turn it into a float: 10.10 would become 10.1).
                #[derive(serde::Serialize)]
                struct RefundBody {
                    amount: Box<RawValue>,
                }
                let amount = RawValue::from_string(a.to_string())
                    .map_err(|e| Error::new(ErrorKind::InvalidAmount, e.to_string()))?;
                serde_json::to_string(&RefundBody { amount })
                    .map_err(|e| Error::new(ErrorKind::InvalidAmount, e.to_string()))?
            }
        };
        let subject = format!("the refund of payment {payment_id}");
        self.call_json(Call {
            method: Method::POST,
            path: format!("/v1/payments/{payment_id}/refunds"),
            query: Vec::new(),
            body: Some(body.into_bytes()),
            op: Op::Refund,
            subject: &subject,
            idempotency_key: Some(idempotency_key.to_string()),
            retry: None,
            external_reference: None,
        })
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
        self.drive(Waiter::new(intent_id, opts)?)
    }

    /// Runs a [`Waiter`] to its end on this thread: poll, then sleep as it says (waking early for
    /// the cancel token or the interrupt check).
    fn drive(&self, mut waiter: Waiter) -> Result<Intent> {
        let opts = waiter.options().clone();
        let id = waiter.intent_id().to_string();
        loop {
            if opts.should_stop() {
                return Err(waiter.canceled_error());
            }
            let polled = self.poll_once(&id);
            match waiter.observe(polled)? {
                WaitStep::Done(intent) => return Ok(*intent),
                WaitStep::Sleep(d) => {
                    if opts.sleep(d) {
                        return Err(waiter.canceled_error());
                    }
                }
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
        if self.inner.api == Api::Orders {
            return self.orders_sale_for(intent);
        }
        let mut payments = Vec::new();
        if intent.status == crate::Status::Closed {
            for id in intent.payment_ids() {
                let p = self.get_payment(id).map_err(|e| {
                    let msg = format!(
                        "intent {} is CLOSED but its payment {id} could not be read ({}): do not hand over the goods until payment {id}, looked up again, shows it approved",
                        intent.id,
                        e.message()
                    );
                    e.with_message(msg).with_intent_id(intent.id.clone())
                })?;
                payments.push(p);
            }
        }
        Sale::from_final(intent, payments)
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
        #[derive(serde::Deserialize)]
        struct SearchPage {
            #[serde(default)]
            results: Vec<Payment>,
            #[serde(default)]
            paging: Option<SearchPaging>,
        }
        #[derive(serde::Deserialize)]
        struct SearchPaging {
            #[serde(default)]
            total: Option<u64>,
        }
        const PAGE: u64 = 100;
        const MAX_PAGES: u64 = 20;
        let subject = format!("the payments of external reference {external_reference:?}");
        let mut found: Vec<Payment> = Vec::new();
        for page in 0..MAX_PAGES {
            let got: SearchPage =
                self.call_json(Call::get("/v1/payments/search", &subject).with_query(vec![
                    ("external_reference", external_reference.to_string()),
                    ("sort", "date_created".to_string()),
                    ("criteria", "desc".to_string()),
                    ("limit", PAGE.to_string()),
                    ("offset", (page * PAGE).to_string()),
                ]))?;
            let n = got.results.len() as u64;
            // The search matches exactly; keep only exact matches all the same.
            found.extend(
                got.results
                    .into_iter()
                    .filter(|p| p.external_reference.as_deref() == Some(external_reference)),
            );
            let total = got.paging.and_then(|p| p.total).unwrap_or(0);
            if n < PAGE || (page + 1) * PAGE >= total {
                break;
            }
        }
        Ok(found)
    }

    /// The whole sale: create the intent, wait for it to end, read its payment and give one
    /// verdict. Only [`crate::Verdict::Approved`] is a paid sale.
    ///
    /// If the wait fails (deadline, cancel token, a status callback that panicked), the error
    /// carries the intent id ([`Error::intent_id`]) and the idempotency key: the intent still
    /// exists, so cancel it or wait again.
    pub fn charge(&self, target: &Target, req: &IntentRequest, opts: &WaitOptions) -> Result<Sale> {
        let (created, waiter) = self.begin_charge(target, req, opts)?;
        // A status callback that panics must not lose the intent: the panic becomes an
        // `ABORTED` error carrying the intent id and key.
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            waiter.and_then(|w| self.drive(w))
        }))
        .unwrap_or_else(|p| {
            Err(Waiter::new(&created.id, opts)
                .map(|w| w.aborted_error(&panic_text(&*p)))
                .unwrap_or_else(|e| e))
        });
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
        opts.validate()?;
        let created = self.create_intent(target, req)?;
        let waiter = Waiter::starting_from(&created, opts);
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
    pub(crate) fn checked_create(
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
            let noun = if self.inner.api == Api::Orders {
                "order"
            } else {
                "intent"
            };
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
    pub(crate) fn remember_key(
        &self,
        key: &str,
        target: &Target,
        req: &IntentRequest,
    ) -> Result<()> {
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

    fn call_json<T: serde::de::DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        self.inner.transport.json(call)
    }
}

/// The text of a caught panic.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    format!("the status callback panicked: {what}")
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
