//! The client's operations on the Orders API: the same names and results as on the intents,
//! mapped onto `/v1/orders` and `/terminals/v1`, and what its answers mean (its 409 codes, its
//! honoured key, the header that lets a cancel reach the terminal).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{
    cancel_path, classify_conflict, create_body, list_query, order_path, parse_setup,
    parse_terminals, partial_refund_body, refund_path, setup_body, validate_create,
    validate_expiration_time, validate_terminal_id, Conflict, Order, OrderOptions, OrderStatus,
    ALLOW_CANCELABLE_STATUS, MAX_TERMINALS_LIMIT, ORDERS_PATH, TERMINALS_LIST_PATH,
    TERMINALS_SETUP_PATH,
};
use crate::amount::{Amount, AmountLimits, Site};
use crate::api::payments::{refund_advice, refund_key};
use crate::api::{ApiOptions, PointApi};
use crate::device::{DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{validate_id, Intent, IntentRequest, Target};
use crate::retry::RetryPolicy;
use crate::sale::Sale;
use crate::status::Status;
use crate::transport::{self, Call, Resend, Transport};

/// How long a cancel of an order already on the terminal waits for the terminal to confirm it.
const CANCEL_CONFIRMATION: Duration = Duration::from_secs(20);
/// The pause between two reads of an order whose cancel was requested.
const CANCEL_POLL: Duration = Duration::from_millis(250);
/// How many orders read by a poll are kept for the verdict that follows it.
const KEPT_READS: usize = 256;

fn body_bytes(v: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))
}

/// The Orders API for Point.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    /// What every create adds (expiration, integration data).
    opts: OrderOptions,
    /// The last order each read gave, by id: the verdict of an ended order is given from the very
    /// answer that showed it ended, so a charge does not read the order a second time.
    read: Mutex<HashMap<String, Order>>,
}

impl Orders {
    /// The integrator and platform ids travel in the body; the expiration is checked here.
    pub(crate) fn new(o: ApiOptions) -> Result<Orders> {
        let opts = OrderOptions {
            platform_id: o.platform_id,
            integrator_id: o.integrator_id,
            ..o.orders
        };
        if let Some(e) = &opts.expiration_time {
            validate_expiration_time(e)
                .map_err(|e| Error::new(ErrorKind::Config, e.message().to_string()))?;
        }
        Ok(Orders {
            opts,
            read: Mutex::new(HashMap::new()),
        })
    }

    /// The terminal an order goes to: a device id as it is, a POS resolved through the
    /// terminals list (the terminal whose `external_pos_id` is the POS's).
    fn resolve_terminal(&self, t: &Transport, target: &Target) -> Result<String> {
        let ext = match target {
            Target::Device(id) => return Ok(id.clone()),
            Target::Pos(ext) => ext,
        };
        let mut offset = 0u32;
        loop {
            let filter = DeviceFilter {
                limit: Some(MAX_TERMINALS_LIMIT),
                offset: Some(offset),
                ..DeviceFilter::default()
            };
            let page = self.list_devices(t, &filter)?;
            let n = page.devices.len() as u32;
            if let Some(found) = page
                .devices
                .into_iter()
                .find(|d| d.external_pos_id.as_deref() == Some(ext.as_str()))
            {
                return Ok(found.id);
            }
            offset = offset.saturating_add(n);
            if n == 0 || u64::from(offset) >= page.paging.total {
                break;
            }
        }
        Err(Error::new(
            ErrorKind::NotFound,
            format!("no terminal of the account is linked to the POS {ext} (the terminals list has none with that external_pos_id): link one, or name the terminal by its id"),
        ))
    }

    fn keep(&self, order: &Order) {
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        if read.len() >= KEPT_READS {
            read.clear();
        }
        read.insert(order.id.clone(), order.clone());
    }

    /// Cancels an order: `created` at once; `at_terminal` by asking the terminal (the documented
    /// `x-allow-cancelable-status: at_terminal`), then waiting for it to confirm, since the
    /// terminal may instead finish a payment it is already processing. Ok only once the order is
    /// `canceled`.
    fn cancel_order(&self, t: &Transport, order_id: &str) -> Result<()> {
        let subject = format!("order {order_id}");
        let (name, value) = ALLOW_CANCELABLE_STATUS;
        let sent: Result<Order> = t.json(
            Call::post(
                cancel_path(order_id),
                None,
                uuid::Uuid::new_v4().to_string(),
                &subject,
            )
            .with_header(name, value)
            .with_conflict(cancel_conflict),
        );
        let order = match sent {
            Ok(o) => o,
            // Already canceled (perhaps by our own retried cancel whose answer was lost) is done;
            // otherwise say how the order stands.
            Err(e) if e.kind() == ErrorKind::CannotCancel => {
                return match get_order(t, order_id, None) {
                    Ok(o) if o.status == OrderStatus::Canceled => Ok(()),
                    Ok(o) => Err(not_canceled(e, &o)),
                    Err(_) => Err(e.with_intent_id(order_id)),
                }
            }
            Err(e) => return Err(e.with_intent_id(order_id)),
        };
        let deadline = Instant::now() + CANCEL_CONFIRMATION;
        let mut order = order;
        loop {
            // The migration guide says the cancel answers `canceled` at once; the payment may
            // still read `cancellation_requested` (or processed) then: only a payment that agrees
            // makes it done.
            let settled = order.payments().iter().all(|p| {
                p.status_detail.as_deref() != Some("cancellation_requested")
                    && !matches!(p.status.as_deref(), Some("processed" | "accredited"))
            });
            match order.status {
                OrderStatus::Canceled if settled => return Ok(()),
                OrderStatus::Created | OrderStatus::AtTerminal | OrderStatus::Canceled
                    if Instant::now() < deadline =>
                {
                    std::thread::sleep(CANCEL_POLL);
                    order = get_order(t, order_id, None)?;
                }
                OrderStatus::Created | OrderStatus::AtTerminal | OrderStatus::Canceled => {
                    return Err(Error::new(
                        ErrorKind::CannotCancel,
                        format!("the cancel of order {order_id} was sent to the terminal but it has not confirmed it yet: the terminal may still finish a payment in progress. Wait for the order to end before handing over or taking back the goods"),
                    )
                    .with_intent_id(order_id)
                    .with_last_status(Some(order.status.to_status())))
                }
                _ => {
                    let e = Error::new(ErrorKind::CannotCancel, "");
                    return Err(not_canceled(e, &order));
                }
            }
        }
    }
}

fn not_canceled(e: Error, o: &Order) -> Error {
    let status = o.status.to_status();
    let msg = if o.is_final() {
        format!(
            "order {} already ended as {}: there is nothing to cancel{}",
            o.id,
            o.status.as_str(),
            if o.status == OrderStatus::Processed {
                " (the payment went through: refund the order if needed)"
            } else {
                ""
            }
        )
    } else {
        format!(
            "order {} is {} and the API cannot cancel it: cancel it on the terminal",
            o.id,
            o.status.as_str()
        )
    };
    e.with_message(msg)
        .with_intent_id(o.id.clone())
        .with_last_status(Some(status))
}

/// The Orders API names its conflicts (`errors[0].code`): the code decides, whatever the call;
/// `create` says whether a busy terminal after an ambiguous attempt is probably our own order.
fn named_conflict(c: &transport::Conflict<'_>, create: bool) -> Option<(ErrorKind, String)> {
    let (subject, said) = (c.subject, c.said);
    Some(match classify_conflict(c.code) {
        Conflict::KeyMismatch => (
            ErrorKind::IdempotencyKeyMismatch,
            format!("the idempotency key of {subject} was already used with a different request{said}: a key names one request; to make a new one, use a new key (and first make sure the earlier one did not go through)"),
        ),
        Conflict::AlreadyQueued if create && c.after_ambiguous => (
            ErrorKind::OutcomeUnknown,
            format!("outcome unknown: a retry of the create for {subject} (with the same idempotency key) found the terminal busy with an order, probably the one our lost request created. Do not ring the sale up again: wait for that order (the webhook or the terminal shows how it ends), or cancel it"),
        ),
        Conflict::AlreadyQueued => (
            ErrorKind::AlreadyQueued,
            format!("{subject}: the terminal already has an unfinished order{said}: wait for it to end, or cancel it, before creating another"),
        ),
        Conflict::CannotCancel | Conflict::AlreadyCanceled => (
            ErrorKind::CannotCancel,
            format!("{subject} can no longer be canceled through the API{said}: cancel it on the terminal"),
        ),
        Conflict::Other => return None,
    })
}

pub(super) fn create_conflict(c: &transport::Conflict<'_>) -> (ErrorKind, String) {
    named_conflict(c, true).unwrap_or_else(|| transport::plain_conflict(c))
}

pub(super) fn cancel_conflict(c: &transport::Conflict<'_>) -> (ErrorKind, String) {
    named_conflict(c, false).unwrap_or_else(|| {
        (
            ErrorKind::CannotCancel,
            format!(
                "{} can no longer be canceled through the API (it left OPENED and is on the terminal){}: cancel it on the terminal",
                c.subject, c.said
            ),
        )
    })
}

pub(super) fn refund_conflict(c: &transport::Conflict<'_>) -> (ErrorKind, String) {
    named_conflict(c, false).unwrap_or_else(|| transport::plain_conflict(c))
}

/// The codes of `POST /v1/orders/{id}/refund` (Mercado Pago's refund-errors page): a refund the
/// API will not make as asked is `REFUND_NOT_ALLOWED` saying which refund is possible.
fn refund_errors(status: u16, c: &transport::Conflict<'_>) -> Option<(ErrorKind, String)> {
    let subject = c.subject;
    let code = c.code?.to_ascii_lowercase();
    Some(match (status, code.as_str()) {
        (400, "unsupported_partially_refunds") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: this order does not take partial refunds (unsupported_partially_refunds): refund it in full, or not at all"),
        ),
        (400, "refund_amount_exceeds") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: the amount is more than what is left to refund (refund_amount_exceeds): the refunds of an order add up to its paid amount at most; refund in full to give back what is left"),
        ),
        (403, "partial_refund_forbidden_with_tips") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: the payment has a tip, so only a full refund is allowed (partial_refund_forbidden_with_tips): refund it in full"),
        ),
        (409, "order_already_refunded") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: the order is already refunded in full: there is nothing left to refund"),
        ),
        (409, "refund_period_exceeded") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: the refund period has passed (Point orders are refunded up to 90 days after the payment)"),
        ),
        (409, "cannot_refund_order") => (
            ErrorKind::RefundNotAllowed,
            format!("{subject}: Mercado Pago cannot refund this order{} (only a processed card payment can be refunded)", c.said),
        ),
        (409, "refund_in_progress") => (
            ErrorKind::Conflict,
            format!("{subject}: a refund of this order is in progress: wait a moment and try again with the same idempotency key"),
        ),
        (404, "transaction_not_found") => (
            ErrorKind::NotFound,
            format!("{subject}: the payment named is not a payment of this order{}", c.said),
        ),
        _ => return None,
    })
}

/// `PATCH /terminals/v1/setup` answers 412 when the POS already has a terminal in PDV mode (the
/// page gives only the sentence "Only one pos-store with PDV mode ON or SUSPENDED is allowed").
fn setup_errors(status: u16, c: &transport::Conflict<'_>) -> Option<(ErrorKind, String)> {
    (status == 412).then(|| {
        (
            ErrorKind::Conflict,
            format!(
                "{}: its POS already has a terminal in PDV mode{} (Mercado Pago allows one PDV terminal per POS): switch that one to STANDALONE first, or link this terminal to another POS",
                c.subject, c.said
            ),
        )
    })
}

/// `POST /v1/orders/{id}/events` (the sandbox; the documented request carries no key): 204.
/// Setting a status twice is harmless, so a lost answer is sent again.
pub(crate) fn simulate_event(
    t: &Transport,
    order_id: &str,
    event: &crate::sandbox::OrderEvent,
) -> Result<()> {
    let subject = format!("the simulated event of order {order_id}");
    let mut call = Call::post(
        format!("{}/events", order_path(order_id)),
        Some(body_bytes(&event.body())?),
        String::new(),
        &subject,
    );
    call.idempotency_key = None;
    t.empty(call).map_err(|e| e.with_intent_id(order_id))
}

/// `GET /v1/orders/{id}`: the order as it is.
pub(crate) fn get_order(
    t: &Transport,
    order_id: &str,
    retry: Option<RetryPolicy>,
) -> Result<Order> {
    validate_id("order_id", order_id)?;
    let subject = format!("order {order_id}");
    t.json(Call::get(order_path(order_id), &subject).with_retry(retry))
        .map_err(|e| e.with_intent_id(order_id))
}

/// `POST /v1/orders/{id}/refund`: in full with `None`, or partly (naming the order's payment).
/// The Orders API honours the key, so a retried refund is never made twice.
pub(crate) fn refund_order(
    t: &Transport,
    order_id: &str,
    amount: Option<Amount>,
    key: Option<&str>,
) -> Result<Order> {
    validate_id("order_id", order_id)?;
    let key = refund_key(key)?;
    let body = match amount {
        None => None,
        Some(a) => {
            // A partial refund names the order's payment (its PAY… id).
            let order = get_order(t, order_id, None)?;
            let tx = order
                .payments()
                .iter()
                .find_map(|p| p.id.clone())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Decode,
                        format!("order {order_id} lists no payment to refund partly"),
                    )
                })?;
            Some(body_bytes(&partial_refund_body(&tx, a))?)
        }
    };
    let subject = format!("the refund of order {order_id}");
    let advice = refund_advice(&key);
    t.json(
        Call::post(refund_path(order_id), body, key, &subject)
            .once(Resend::Always, advice)
            .with_conflict(refund_conflict)
            .with_errors(refund_errors),
    )
    .map_err(|e| e.with_intent_id(order_id))
}

impl PointApi for Orders {
    fn noun(&self) -> &'static str {
        "order"
    }

    fn list_devices(&self, t: &Transport, filter: &DeviceFilter) -> Result<DevicePage> {
        let query = list_query(filter)?;
        if let Some(s) = &filter.store_id {
            validate_id("store_id", s)?;
        }
        t.decoded(
            Call::get(TERMINALS_LIST_PATH, "the terminal list").with_query(query),
            |body| {
                parse_terminals(body)
                    .map_err(|e| format!("the terminal list is not the JSON expected: {e}"))
            },
        )
    }

    fn set_operating_mode(
        &self,
        t: &Transport,
        terminal_id: &str,
        mode: &OperatingMode,
    ) -> Result<OperatingMode> {
        let subject = format!("terminal {terminal_id}");
        t.decoded(
            Call::set_mode(
                TERMINALS_SETUP_PATH,
                body_bytes(&setup_body(terminal_id, mode))?,
                &subject,
            )
            .with_errors(setup_errors),
            |body| {
                parse_setup(body, terminal_id)
                    .map_err(|e| format!("the answer is not the JSON expected: {e}"))
            },
        )
    }

    fn check_create(
        &self,
        target: &Target,
        req: &IntentRequest,
        limits: Option<&AmountLimits>,
        site: Option<Site>,
    ) -> Result<()> {
        // Every rule is checked before anything is sent, the terminal lookup included.
        if let Target::Device(id) = target {
            validate_terminal_id(id)?;
        }
        validate_create(req, &self.opts)?;
        if let Some(l) = limits {
            l.check(req.amount(), site)?;
        }
        if let Some(k) = req.get_idempotency_key() {
            crate::intent::validate_idempotency_key(k)?;
        }
        Ok(())
    }

    fn create(
        &self,
        t: &Transport,
        target: &Target,
        req: &IntentRequest,
        key: &str,
    ) -> Result<Intent> {
        let terminal = self.resolve_terminal(t, target)?;
        // A client-wide expiration wins; otherwise the charge's own (its wait deadline), so an
        // order the POS stopped waiting for expires by itself.
        let own;
        let opts = match (&self.opts.expiration_time, req.order_expiration()) {
            (None, Some(e)) => {
                own = OrderOptions {
                    expiration_time: Some(e.to_string()),
                    ..self.opts.clone()
                };
                &own
            }
            _ => &self.opts,
        };
        let body = body_bytes(&create_body(req, &terminal, opts))?;
        let subject = format!("the order for {target}");
        let advice = format!(
            "the order with external reference {:?} may be on the terminal, or paid already. Do not ring the sale up again with a new key. \
             Create it again with the same idempotency key {key} (the Orders API answers a repeated key with the same order), \
             or look for the sale's payment by its external reference",
            req.external_reference()
        );
        let sent: Order = t.json(
            // Mercado Pago documents that a create re-sent with the same key gives the same
            // order, so re-sending is safe.
            Call::post(ORDERS_PATH, Some(body), key, &subject)
                .once(Resend::Always, advice)
                .with_conflict(create_conflict)
                .with_external_reference(req.external_reference()),
        )?;
        self.keep(&sent);
        Ok(sent.to_intent())
    }

    fn get(&self, t: &Transport, id: &str, retry: Option<RetryPolicy>) -> Result<Intent> {
        let order = get_order(t, id, retry)?;
        self.keep(&order);
        Ok(order.to_intent())
    }

    fn cancel(&self, t: &Transport, id: &str, _pos_external_id: Option<&str>) -> Result<()> {
        // An order is canceled by its id alone.
        self.cancel_order(t, id)
    }

    /// The verdict of an ended order, read from the order itself (its payment's status and
    /// `status_detail`): the order the read of `intent` gave, read again only if it is not kept.
    fn sale_of(&self, t: &Transport, intent: Intent) -> Result<Sale> {
        if !intent.status.is_final() {
            return Err(Error::invalid_argument(
                "intent.status",
                "must be final to give a verdict",
                intent.status.as_str(),
            )
            .with_intent_id(intent.id.clone()));
        }
        let kept = self
            .read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&intent.id)
            .filter(|o| o.status.to_status() == intent.status);
        let order = match kept {
            Some(o) => o,
            None => get_order(t, &intent.id, None)?,
        };
        let mut sale = order.sale()?;
        sale.intent.idempotency_key = intent.idempotency_key;
        Ok(sale)
    }

    fn can_cancel(&self, status: &Status) -> bool {
        super::can_cancel(status)
    }

    fn shows_processing(&self) -> bool {
        // `at_terminal` from the pickup to the verdict: no status says a card is being read.
        false
    }
}
