//! The client's operations on the Orders API: the same names and results as on the intents,
//! mapped onto `/v1/orders` and `/terminals/v1`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::{
    cancel_path, create_body, list_query, order_path, parse_setup, parse_terminals,
    partial_refund_body, refund_path, setup_body, validate_create, validate_terminal_id, Order,
    OrderOptions, OrderStatus, ORDERS_PATH, TERMINALS_LIST_PATH, TERMINALS_SETUP_PATH,
};
use crate::amount::Amount;
use crate::client::Client;
use crate::config::RetryPolicy;
use crate::device::{DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{validate_id, Intent, IntentRequest, Target};
use crate::sale::Sale;
use crate::transport::{Call, Op};

/// How long a cancel of an order already on the terminal waits for the terminal to confirm it.
const CANCEL_CONFIRMATION: Duration = Duration::from_secs(20);
/// The pause between two reads of an order whose cancel was requested.
const CANCEL_POLL: Duration = Duration::from_millis(250);

fn body_bytes(v: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))
}

impl Client {
    pub(crate) fn orders_list_terminals(&self, filter: &DeviceFilter) -> Result<DevicePage> {
        let query = list_query(filter)?;
        if let Some(s) = &filter.store_id {
            validate_id("store_id", s)?;
        }
        let v: Value = self
            .transport()
            .json(Call::get(TERMINALS_LIST_PATH, "the terminal list").with_query(query))?;
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        parse_terminals(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the terminal list is not the JSON expected: {e}"),
            )
        })
    }

    pub(crate) fn orders_setup_terminal(
        &self,
        terminal_id: &str,
        mode: OperatingMode,
    ) -> Result<OperatingMode> {
        let subject = format!("terminal {terminal_id}");
        let v: Value = self.transport().json(Call::set_mode(
            TERMINALS_SETUP_PATH,
            body_bytes(&setup_body(terminal_id, &mode))?,
            &subject,
        ))?;
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        parse_setup(&bytes, terminal_id).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the answer for {subject} is not the JSON expected: {e}"),
            )
        })
    }

    /// The terminal an order goes to: a device id as it is, a POS resolved through the
    /// terminals list (the terminal whose `external_pos_id` is the POS's).
    fn resolve_terminal(&self, target: &Target) -> Result<String> {
        match target {
            Target::Device(id) => Ok(id.clone()),
            Target::Pos(ext) => {
                for t in self.devices(&DeviceFilter::default()) {
                    let t = t?;
                    if t.external_pos_id.as_deref() == Some(ext.as_str()) {
                        return Ok(t.id);
                    }
                }
                Err(Error::new(
                    ErrorKind::NotFound,
                    format!("no terminal of the account is linked to the POS {ext} (the terminals list has none with that external_pos_id): link one, or name the terminal by its id"),
                ))
            }
        }
    }

    pub(crate) fn orders_create(&self, target: &Target, req: &IntentRequest) -> Result<Intent> {
        // The sale journal sets a create's own expiration (the sale's deadline).
        let own;
        let opts = match req.order_expiration() {
            Some(e) => {
                own = OrderOptions {
                    expiration_time: Some(e.to_string()),
                    ..self.order_options().clone()
                };
                &own
            }
            None => self.order_options(),
        };
        // Every rule is checked before anything is sent, the terminal lookup included.
        let probe = match target {
            Target::Device(id) => {
                validate_terminal_id(id)?;
                id.as_str()
            }
            Target::Pos(_) => "PAX_A910__CHECK",
        };
        validate_create(req, probe, opts)?;
        if let Some(l) = self.amount_limits() {
            l.check(req.amount(), self.site())?;
        }
        if let Some(k) = req.get_idempotency_key() {
            if k.is_empty() || k.len() > 128 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::invalid_argument(
                    "idempotency_key",
                    "must be 1-128 printable ASCII characters without spaces on the Orders API",
                    k,
                ));
            }
        }
        let terminal = self.resolve_terminal(target)?;
        let body = body_bytes(&create_body(req, &terminal, opts)?)?;
        let key = req
            .get_idempotency_key()
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        self.remember_key(&key, target, req)?;
        let subject = format!("the order for {target}");
        let sent: Result<Order> = self.transport().json(Call {
            method: Method::POST,
            path: ORDERS_PATH.into(),
            query: Vec::new(),
            body: Some(body),
            op: Op::CreateOrder,
            subject: &subject,
            idempotency_key: Some(key.clone()),
            retry: None,
            external_reference: Some(req.external_reference()),
        });
        self.checked_create(sent.map(|o| o.to_intent()), key, target, req)
    }

    /// Reads an order of the Orders API as it is (its own statuses, `status_detail`, payments and
    /// refunds). [`Client::get_intent`] gives the same order as the shared [`Intent`].
    pub fn get_order(&self, order_id: &str) -> Result<Order> {
        validate_id("order_id", order_id)?;
        self.get_order_with(order_id, None)
    }

    pub(crate) fn get_order_with(
        &self,
        order_id: &str,
        retry: Option<RetryPolicy>,
    ) -> Result<Order> {
        let subject = format!("order {order_id}");
        self.transport()
            .json(Call::get(order_path(order_id), &subject).with_retry(retry))
            .map_err(|e| e.with_intent_id(order_id))
    }

    /// Cancels an order: `created` at once; `at_terminal` by asking the terminal (the documented
    /// `x-allow-cancelable-status: at_terminal`), then waiting for it to confirm, since the
    /// terminal may instead finish a payment it is already processing. Ok only once the order is
    /// `canceled`.
    pub(crate) fn orders_cancel(&self, order_id: &str) -> Result<()> {
        let subject = format!("order {order_id}");
        let key = uuid::Uuid::new_v4().to_string();
        let sent: Result<Order> = self.transport().json(Call {
            method: Method::POST,
            path: cancel_path(order_id),
            query: Vec::new(),
            body: None,
            op: Op::CancelOrder,
            subject: &subject,
            idempotency_key: Some(key),
            retry: None,
            external_reference: None,
        });
        let order = match sent {
            Ok(o) => o,
            // Already canceled (perhaps by our own retried cancel whose answer was lost) is done;
            // otherwise say how the order stands.
            Err(e) if e.kind() == ErrorKind::CannotCancel => {
                return match self.get_order(order_id) {
                    Ok(o) if o.status == OrderStatus::Canceled => Ok(()),
                    Ok(o) => Err(self.not_canceled(e, &o)),
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
                    order = self.get_order(order_id)?;
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
                    return Err(self.not_canceled(e, &order));
                }
            }
        }
    }

    fn not_canceled(&self, e: Error, o: &Order) -> Error {
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

    /// The verdict of an ended order, read from the order itself (its payment's status and
    /// `status_detail`).
    pub(crate) fn orders_sale_for(&self, intent: Intent) -> Result<Sale> {
        if !intent.status.is_final() {
            return Err(Error::invalid_argument(
                "intent.status",
                "must be final to give a verdict",
                intent.status.as_str(),
            )
            .with_intent_id(intent.id.clone()));
        }
        let order = self.get_order(&intent.id)?;
        let mut sale = order.sale()?;
        sale.intent.idempotency_key = intent.idempotency_key;
        Ok(sale)
    }

    /// Refunds an order of the Orders API (`POST /v1/orders/{id}/refund`): in full with `None`, or
    /// partly. Sent with a new `X-Idempotency-Key`, reused on retries (the Orders API honours it, so
    /// a retried refund is never made twice). Returns the order as the refund left it (`refunded`,
    /// or `processed` with `status_detail` `partially_refunded`).
    pub fn refund_order(&self, order_id: &str, amount: Option<Amount>) -> Result<Order> {
        self.refund_order_with_key(order_id, amount, &uuid::Uuid::new_v4().to_string())
    }

    /// [`Client::refund_order`] with a chosen idempotency key (to retry a refund whose outcome is
    /// unknown).
    pub fn refund_order_with_key(
        &self,
        order_id: &str,
        amount: Option<Amount>,
        idempotency_key: &str,
    ) -> Result<Order> {
        validate_id("order_id", order_id)?;
        if idempotency_key.is_empty()
            || idempotency_key.len() > 128
            || !idempotency_key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::invalid_argument(
                "idempotency_key",
                "must be 1-128 printable ASCII characters without spaces",
                idempotency_key,
            ));
        }
        let body = match amount {
            None => None,
            Some(a) => {
                // A partial refund names the order's payment (its PAY… id).
                let order = self.get_order(order_id)?;
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
        self.transport()
            .json(Call {
                method: Method::POST,
                path: refund_path(order_id),
                query: Vec::new(),
                body,
                op: Op::Refund,
                subject: &subject,
                idempotency_key: Some(idempotency_key.to_string()),
                retry: None,
                external_reference: None,
            })
            .map_err(|e| e.with_intent_id(order_id))
    }
}
