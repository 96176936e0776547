//! The Orders API for Point: what it takes and answers, and how that maps onto the operations and
//! types the client shares with the InStore intents.
//!
//! Written from Mercado Pago's pages (create, get, cancel and refund an order; the order status
//! page; the terminals list and setup; the migration guide; the `order` webhook); the examples of
//! each are the fixtures under `tests/fixtures/orders/`, and the tests below build and read every
//! one of them. Where the pages disagree, the choice is written here and in the README's
//! "Orders API" section.
//!
//! | op | call | notes |
//! |---|---|---|
//! | create | `POST /v1/orders` | `X-Idempotency-Key` required and honoured: the same key and body answer the order first made, a different body 409 `idempotency_key_already_used` |
//! | get | `GET /v1/orders/{id}` | |
//! | cancel | `POST /v1/orders/{id}/cancel` | key required; `created`: 200; `at_terminal`: only with `x-allow-cancelable-status: at_terminal`, 202 (the terminal confirms later) |
//! | refund | `POST /v1/orders/{id}/refund` | key required; no body = full; `{"transactions":[{"id","amount"}]}` = partial |
//! | devices | `GET /terminals/v1/list` | `limit` 1–50, `offset`, `store_id`, `pos_id` |
//! | mode | `PATCH /terminals/v1/setup` | `{"terminals":[{"id","operating_mode"}]}`, one terminal; 412 when the POS already has a PDV terminal |

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use crate::amount::Amount;
use crate::device::{DevicePage, OperatingMode};
use crate::error::{Error, Result};
use crate::intent::{EnablerConfiguration, Operation, OperationResult, ResultSource};
use crate::intent::{Intent, IntentRequest, Status};
use crate::payment::Payment;
use crate::sale::{Sale, Verdict};
use crate::transport::seg;

/// `POST` here creates an order.
pub(crate) const ORDERS_PATH: &str = "/v1/orders";
/// The terminals of the account (the Orders API's device list).
pub(crate) const TERMINALS_LIST_PATH: &str = "/terminals/v1/list";
/// Changes a terminal's operating mode.
pub(crate) const TERMINALS_SETUP_PATH: &str = "/terminals/v1/setup";
/// The header (and its only value) that lets the API cancel an order already on the terminal.
pub(crate) const ALLOW_CANCELABLE_STATUS: (&str, &str) =
    ("x-allow-cancelable-status", "at_terminal");
/// The largest page of the terminals list.
pub(crate) const MAX_TERMINALS_LIMIT: u32 = 50;
/// An order can be canceled through the API while `created` and, asking the terminal (the
/// documented `x-allow-cancelable-status: at_terminal`), while `at_terminal`; a cancel already
/// requested, or any later status, cannot.
pub(crate) fn can_cancel(status: &Status) -> bool {
    matches!(status, Status::Opened | Status::OnTerminal)
}

/// `GET /v1/orders/{id}`.
pub(crate) fn order_path(order_id: &str) -> String {
    format!("{ORDERS_PATH}/{}", seg(order_id))
}

/// `POST /v1/orders/{id}/cancel`.
pub(crate) fn cancel_path(order_id: &str) -> String {
    format!("{}/cancel", order_path(order_id))
}

/// `POST /v1/orders/{id}/refund`.
pub(crate) fn refund_path(order_id: &str) -> String {
    format!("{}/refund", order_path(order_id))
}

/// What an Orders create takes beyond the shared [`IntentRequest`]. Everything is optional; the
/// integrator fields move from headers (intents) into the body (`integration_data`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrderOptions {
    /// `expiration_time`, an ISO-8601 duration from `PT30S` to `PT3H` (Mercado Pago's default:
    /// 15 minutes).
    pub expiration_time: Option<String>,
    /// `config.payment_method.default_type`: `credit_card` or `debit_card` (absent: the customer
    /// chooses).
    pub default_payment_type: Option<String>,
    /// `integration_data.platform_id`.
    pub platform_id: Option<String>,
    /// `integration_data.integrator_id`.
    pub integrator_id: Option<String>,
    /// `integration_data.sponsor.id`: the integrator's Mercado Pago user id.
    pub sponsor_id: Option<String>,
}

/// `external_reference` of an order: required, at most 64 characters, only letters, digits, `-`
/// and `_` (the Orders API's own rule, narrower than the intents').
pub(crate) fn validate_external_reference(r: &str) -> Result<()> {
    let n = r.chars().count();
    if n == 0 || n > 64 {
        return Err(Error::invalid_argument(
            "external_reference",
            format!("must be 1-64 characters on the Orders API (it has {n})"),
            r,
        ));
    }
    if let Some(c) = r
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Err(Error::invalid_argument(
            "external_reference",
            format!(
                "may only hold letters, digits, - and _ on the Orders API ({c:?} is not allowed)"
            ),
            r,
        ));
    }
    Ok(())
}

/// `description` of an order: at most 150 characters, no control characters.
pub(crate) fn validate_description(d: &str) -> Result<()> {
    let n = d.chars().count();
    if n > 150 {
        return Err(Error::invalid_argument(
            "description",
            format!("must be at most 150 characters on the Orders API (it has {n})"),
            d,
        ));
    }
    if d.chars().any(char::is_control) {
        return Err(Error::invalid_argument(
            "description",
            "must not contain control characters",
            d,
        ));
    }
    Ok(())
}

/// Reads an ISO-8601 duration of the form `PT#H#M#S` (also `P#D`, `P#DT…`; each part a whole
/// number) into seconds. `None` for anything else.
pub(crate) fn duration_seconds(s: &str) -> Option<u64> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total: u64 = 0;
    let mut parts = 0;
    let mut read = |text: &str, units: &[(char, u64)]| -> Option<()> {
        let mut num = String::new();
        let mut next_unit = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let i = units[next_unit..].iter().position(|(u, _)| *u == c)? + next_unit;
            if num.is_empty() || num.len() > 9 {
                return None;
            }
            total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(units[i].1)?)?;
            num.clear();
            next_unit = i + 1;
            parts += 1;
        }
        num.is_empty().then_some(())
    };
    read(date, &[('D', 86_400)])?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        read(t, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    (parts > 0).then_some(total)
}

/// `expiration_time`: an ISO-8601 duration from 30 seconds (`PT30S`) to 3 hours (`PT3H`).
pub(crate) fn validate_expiration_time(s: &str) -> Result<()> {
    match duration_seconds(s) {
        Some(secs) if (30..=3 * 3600).contains(&secs) => Ok(()),
        Some(_) => Err(Error::invalid_argument(
            "expiration_time",
            "must be from PT30S (30 seconds) to PT3H (3 hours)",
            s,
        )),
        None => Err(Error::invalid_argument(
            "expiration_time",
            "must be an ISO-8601 duration such as PT30S, PT10M or PT1H15M",
            s,
        )),
    }
}

/// A terminal id as the terminals list gives it: `TYPE__SERIAL` (`NEWLAND_N950__SBX0000001`).
pub(crate) fn validate_terminal_id(id: &str) -> Result<()> {
    crate::intent::validate_id("terminal_id", id)?;
    match id.split_once("__") {
        Some((t, s)) if !t.is_empty() && !s.is_empty() => Ok(()),
        _ => Err(Error::invalid_argument(
            "terminal_id",
            "must be TYPE__SERIAL as the terminals list gives it (e.g. NEWLAND_N950__SBX0000001)",
            id,
        )),
    }
}

/// Checks a create against the Orders API's rules (the terminal id is checked apart: a POS's is
/// known only once it is looked up).
pub(crate) fn validate_create(req: &IntentRequest, opts: &OrderOptions) -> Result<()> {
    validate_external_reference(req.external_reference())?;
    validate_description(req.description())?;
    if let Some(t) = req.get_ticket_number() {
        // The create reference has no ticket number in its request (only the migration guide's
        // response mapping mentions config.point.ticket_number): refuse rather than drop it.
        return Err(Error::invalid_argument(
            "ticket_number",
            "is not part of the Orders API's create request; leave it out on the Orders API",
            t,
        ));
    }
    if let Some(e) = &opts.expiration_time {
        validate_expiration_time(e)?;
    }
    if let Some(t) = &opts.default_payment_type {
        if !matches!(t.as_str(), "credit_card" | "debit_card") {
            return Err(Error::invalid_argument(
                "default_payment_type",
                "must be \"credit_card\" or \"debit_card\"",
                t,
            ));
        }
    }
    for (field, v) in [
        ("platform_id", &opts.platform_id),
        ("integrator_id", &opts.integrator_id),
        ("sponsor_id", &opts.sponsor_id),
    ] {
        if let Some(v) = v {
            crate::intent::validate_id(field, v)?;
        }
    }
    Ok(())
}

/// The JSON body of `POST /v1/orders` (checked by [`validate_create`] and
/// [`validate_terminal_id`] before). Every value is a string, the amount with exactly two
/// decimals; `print_on_terminal` is always sent (`seller_ticket` or `no_ticket`) so that both
/// APIs print the same.
pub(crate) fn create_body(req: &IntentRequest, terminal_id: &str, opts: &OrderOptions) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("type".into(), json!("point"));
    body.insert("external_reference".into(), json!(req.external_reference()));
    if let Some(e) = &opts.expiration_time {
        body.insert("expiration_time".into(), json!(e));
    }
    body.insert(
        "transactions".into(),
        json!({ "payments": [ { "amount": req.amount().to_string() } ] }),
    );
    let mut config = json!({
        "point": {
            "terminal_id": terminal_id,
            "print_on_terminal": if req.get_print_seller_ticket() { "seller_ticket" } else { "no_ticket" },
        }
    });
    if let Some(t) = &opts.default_payment_type {
        config["payment_method"] = json!({ "default_type": t });
    }
    body.insert("config".into(), config);
    if !req.description().is_empty() {
        body.insert("description".into(), json!(req.description()));
    }
    let mut integration = serde_json::Map::new();
    if let Some(p) = &opts.platform_id {
        integration.insert("platform_id".into(), json!(p));
    }
    if let Some(i) = &opts.integrator_id {
        integration.insert("integrator_id".into(), json!(i));
    }
    if let Some(s) = &opts.sponsor_id {
        integration.insert("sponsor".into(), json!({ "id": s }));
    }
    if !integration.is_empty() {
        body.insert("integration_data".into(), Value::Object(integration));
    }
    Value::Object(body)
}

/// The body of a partial refund of the order's payment `transaction_id` (the `PAY…` id). A full
/// refund has no body.
pub(crate) fn partial_refund_body(transaction_id: &str, amount: Amount) -> Value {
    json!({ "transactions": [ { "id": transaction_id, "amount": amount.to_string() } ] })
}

/// The body of `PATCH /terminals/v1/setup` (the API takes one terminal per call).
pub(crate) fn setup_body(terminal_id: &str, mode: &OperatingMode) -> Value {
    json!({ "terminals": [ { "id": terminal_id, "operating_mode": mode.as_str() } ] })
}

/// The query of `GET /terminals/v1/list`.
pub(crate) fn list_query(
    filter: &crate::device::DeviceFilter,
) -> Result<Vec<(&'static str, String)>> {
    if let Some(l) = filter.limit {
        if l == 0 || l > MAX_TERMINALS_LIMIT {
            return Err(Error::invalid_argument(
                "limit",
                format!("must be 1-{MAX_TERMINALS_LIMIT} on the Orders API's terminals list"),
                &l.to_string(),
            ));
        }
    }
    if let Some(p) = &filter.pos_id {
        if p.parse::<u64>().is_err() {
            return Err(Error::invalid_argument(
                "pos_id",
                "must be the POS's numeric id on the Orders API's terminals list",
                p,
            ));
        }
    }
    let mut q = Vec::new();
    if let Some(l) = filter.limit {
        q.push(("limit", l.to_string()));
    }
    if let Some(o) = filter.offset {
        q.push(("offset", o.to_string()));
    }
    if let Some(s) = &filter.store_id {
        q.push(("store_id", s.clone()));
    }
    if let Some(p) = &filter.pos_id {
        q.push(("pos_id", p.clone()));
    }
    Ok(q)
}

/// Text sent as a string or a number.
fn de_opt_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// An amount sent as `"24.00"`, `"120"` or a number; anything unreadable is `None` (kept as text
/// in the raw order).
fn de_opt_amount<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Amount>, D::Error> {
    Ok(de_opt_text(d)?.and_then(|t| Amount::parse(&t).ok()))
}

fn de_list<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An order's status. Lowercase on the wire; unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Created, waiting for the terminal.
    Created,
    /// On the terminal.
    AtTerminal,
    /// Processed: the payment's `status_detail` says how (`accredited`).
    Processed,
    /// The payment failed (`status_detail` says why).
    Failed,
    /// Ended without a known payment status (40 s after processing started): check the terminal.
    ActionRequired,
    /// Canceled (through the API or on the terminal).
    Canceled,
    /// Not processed before its `expiration_time`.
    Expired,
    /// Refunded in full.
    Refunded,
    /// A status this version does not know.
    Unknown(String),
}

impl OrderStatus {
    /// Reads the wire form (case-insensitively).
    pub fn parse(s: &str) -> OrderStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "created" => OrderStatus::Created,
            "at_terminal" => OrderStatus::AtTerminal,
            "processed" => OrderStatus::Processed,
            "failed" => OrderStatus::Failed,
            "action_required" => OrderStatus::ActionRequired,
            "canceled" => OrderStatus::Canceled,
            "expired" => OrderStatus::Expired,
            "refunded" => OrderStatus::Refunded,
            _ => OrderStatus::Unknown(s.to_string()),
        }
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::AtTerminal => "at_terminal",
            OrderStatus::Processed => "processed",
            OrderStatus::Failed => "failed",
            OrderStatus::ActionRequired => "action_required",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Expired => "expired",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Unknown(s) => s,
        }
    }

    /// The shared [`Status`] an order in this state is reported with: `created` → `OPENED`,
    /// `at_terminal` → `ON_TERMINAL`, `processed` and `refunded` → `CLOSED` (the payment says
    /// whether it was paid), `failed` → `ERROR`, `action_required` → `CONFIRMATION_REQUIRED`,
    /// `canceled` → `CANCELED`, `expired` → `EXPIRED`; unknown stays unknown (not final).
    pub fn to_status(&self) -> Status {
        match self {
            OrderStatus::Created => Status::Opened,
            OrderStatus::AtTerminal => Status::OnTerminal,
            OrderStatus::Processed | OrderStatus::Refunded => Status::Closed,
            OrderStatus::Failed => Status::Error,
            OrderStatus::ActionRequired => Status::ConfirmationRequired,
            OrderStatus::Canceled => Status::Canceled,
            OrderStatus::Expired => Status::Expired,
            OrderStatus::Unknown(s) => Status::Unknown(s.clone()),
        }
    }
}

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<OrderStatus, D::Error> {
        Ok(OrderStatus::parse(&String::deserialize(d)?))
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `reference: {"id": …}` (the webhook's form of the payment id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct Reference {
    #[serde(default, deserialize_with = "de_opt_text")]
    id: Option<String>,
}

/// A payment inside an order (`transactions.payments[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderPayment {
    /// The transaction id, `PAY…` (needed for a partial refund).
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    /// The amount asked.
    #[serde(default, deserialize_with = "de_opt_amount")]
    pub amount: Option<Amount>,
    /// The amount paid.
    #[serde(default, deserialize_with = "de_opt_amount")]
    pub paid_amount: Option<Amount>,
    /// The amount refunded.
    #[serde(default, deserialize_with = "de_opt_amount")]
    pub refunded_amount: Option<Amount>,
    /// The tip added on the terminal (`paid_amount` = `amount` + `tip_amount`); `None` when
    /// absent or zero.
    #[serde(default, deserialize_with = "de_opt_amount")]
    pub tip_amount: Option<Amount>,
    /// `created`, `at_terminal`, `processed`, `failed`, `canceled`, `refunded`, …
    #[serde(default, deserialize_with = "de_opt_text")]
    pub status: Option<String>,
    /// `accredited`, `rejected_by_issuer`, `canceled_by_api`, `cancellation_requested`, …
    #[serde(default, deserialize_with = "de_opt_text")]
    pub status_detail: Option<String>,
    /// The processed payment's id (`reference_id` in GET answers).
    #[serde(default, deserialize_with = "de_opt_text")]
    pub reference_id: Option<String>,
    #[serde(default)]
    reference: Option<Reference>,
    /// `payment_method.id` (the card brand).
    #[serde(default)]
    payment_method: Option<PaymentMethod>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct PaymentMethod {
    #[serde(default, deserialize_with = "de_opt_text")]
    id: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "de_opt_text")]
    kind: Option<String>,
}

/// The card refusals among a failed payment's `status_detail` values (the status page's list):
/// the card was read and refused, as opposed to a processing failure.
const CARD_REFUSALS: [&str; 10] = [
    "bad_filled_card_data",
    "high_risk",
    "rejected_by_issuer",
    "required_call_for_authorize",
    "max_attempts_exceeded",
    "card_disabled",
    "insufficient_amount",
    "amount_limit_exceeded",
    "invalid_installments",
    "rejected_other_reason",
];

impl OrderPayment {
    /// The processed payment's id: `reference_id` (GET) or `reference.id` (webhook).
    pub fn payment_id(&self) -> Option<u64> {
        self.reference_id
            .as_deref()
            .or(self.reference.as_ref().and_then(|r| r.id.as_deref()))
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|&id| id > 0)
    }

    /// Whether this payment is approved: `processed` with `accredited` (or `partially_refunded`:
    /// paid, part of it given back). Anything else, including `processed` with no or another
    /// detail, is not.
    pub fn is_approved(&self) -> bool {
        self.status.as_deref() == Some("processed")
            && matches!(
                self.status_detail.as_deref(),
                Some("accredited" | "partially_refunded")
            )
    }

    /// Whether this payment failed because the card was refused.
    pub fn is_card_refusal(&self) -> bool {
        self.status.as_deref() == Some("failed")
            && self
                .status_detail
                .as_deref()
                .is_some_and(|d| CARD_REFUSALS.contains(&d))
    }

    /// This payment as the shared [`Payment`] type (needs the processed payment's id). Its
    /// `status` is the Payments API's word for the same state: `approved`, `rejected`,
    /// `refunded`, `cancelled`, or the order's word when there is none.
    pub fn to_payment(&self, order: &Order) -> Option<Payment> {
        let id = self.payment_id()?;
        let status = match (self.status.as_deref(), self.is_approved()) {
            (_, true) => "approved",
            (Some("failed"), _) => "rejected",
            (Some("refunded"), _) => "refunded",
            (Some("canceled"), _) => "cancelled",
            (Some(other), _) => other,
            (None, _) => "unknown",
        };
        let mut p = json!({ "id": id, "status": status });
        if let Some(d) = &self.status_detail {
            p["status_detail"] = json!(d);
        }
        // The amount charged for the order, as the Payments API's `transaction_amount`;
        // `paid_amount` may add instalment interest.
        if let Some(a) = self.amount.or(self.paid_amount) {
            p["transaction_amount"] = json!(a.to_string());
        }
        if let Some(t) = self.tip_amount {
            p["tip_amount"] = json!(t.to_string());
        }
        if let Some(m) = &self.payment_method {
            if let Some(id) = &m.id {
                p["payment_method_id"] = json!(id);
            }
            if let Some(t) = &m.kind {
                p["payment_type_id"] = json!(t);
            }
        }
        if let Some(r) = &order.external_reference {
            p["external_reference"] = json!(r);
        }
        if let Some(d) = &order.description {
            p["description"] = json!(d);
        }
        serde_json::from_value(p).ok()
    }
}

/// A refund inside an order (`transactions.refunds[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderRefund {
    /// The refund id, `REF…`.
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    /// The payment it refunds, `PAY…`.
    #[serde(default, deserialize_with = "de_opt_text")]
    pub transaction_id: Option<String>,
    /// The refunded payment's id.
    #[serde(default, deserialize_with = "de_opt_text")]
    pub reference_id: Option<String>,
    /// The amount refunded.
    #[serde(default, deserialize_with = "de_opt_amount")]
    pub amount: Option<Amount>,
    /// `processed`, …
    #[serde(default, deserialize_with = "de_opt_text")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct Transactions {
    #[serde(default, deserialize_with = "de_list")]
    payments: Vec<OrderPayment>,
    #[serde(default, deserialize_with = "de_list")]
    refunds: Vec<OrderRefund>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct PointConfig {
    #[serde(default, deserialize_with = "de_opt_text")]
    terminal_id: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    print_on_terminal: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    ticket_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct OrderConfig {
    #[serde(default)]
    point: Option<PointConfig>,
}

/// An order as `POST /v1/orders`, `GET /v1/orders/{id}`, cancel, refund and the `order` webhook's
/// `data` give it. Read leniently: only `id` is required; unknown fields are ignored, unknown
/// statuses kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    /// `ORD…`.
    #[serde(deserialize_with = "de_text")]
    pub id: String,
    /// Where the order stands.
    #[serde(default = "unknown_status")]
    pub status: OrderStatus,
    /// Why (`accredited`, `canceled`, `check_on_terminal`, `partially_refunded`, …).
    #[serde(default, deserialize_with = "de_opt_text")]
    pub status_detail: Option<String>,
    /// The caller's reference.
    #[serde(default, deserialize_with = "de_opt_text")]
    pub external_reference: Option<String>,
    /// The description.
    #[serde(default, deserialize_with = "de_opt_text")]
    pub description: Option<String>,
    /// The expiration asked (`PT16M`).
    #[serde(default, deserialize_with = "de_opt_text")]
    pub expiration_time: Option<String>,
    #[serde(default)]
    config: Option<OrderConfig>,
    #[serde(default)]
    transactions: Option<Transactions>,
}

fn unknown_status() -> OrderStatus {
    OrderStatus::Unknown(String::new())
}

fn de_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    de_opt_text(d)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| serde::de::Error::custom("id is required"))
}

impl Order {
    /// The order's payments.
    pub fn payments(&self) -> &[OrderPayment] {
        self.transactions
            .as_ref()
            .map(|t| t.payments.as_slice())
            .unwrap_or_default()
    }

    /// The order's refunds.
    pub fn refunds(&self) -> &[OrderRefund] {
        self.transactions
            .as_ref()
            .map(|t| t.refunds.as_slice())
            .unwrap_or_default()
    }

    /// `config.point.terminal_id`.
    pub fn terminal_id(&self) -> Option<&str> {
        self.config.as_ref()?.point.as_ref()?.terminal_id.as_deref()
    }

    /// The order as the shared [`Intent`]: its status mapped by [`OrderStatus::to_status`], one
    /// `PURCHASE` operation with the amount, whose `results` carry the processed payment's id.
    pub fn to_intent(&self) -> Intent {
        let results = self
            .payments()
            .iter()
            .filter_map(OrderPayment::payment_id)
            .map(|id| OperationResult {
                id: id.into(),
                source: Some(ResultSource::Payment),
            })
            .collect();
        let operation = Operation {
            kind: "PURCHASE".into(),
            amount: self.payments().iter().find_map(|p| p.amount),
            results,
        };
        let enabler = self
            .config
            .as_ref()
            .and_then(|c| c.point.as_ref())
            .map(|p| EnablerConfiguration {
                device_payment_mode: None,
                ticket_number: p.ticket_number.clone(),
                print_on_terminal: if p.print_on_terminal.as_deref() == Some("seller_ticket") {
                    vec!["SELLER_TICKET".into()]
                } else {
                    Vec::new()
                },
            })
            .filter(|e| e.ticket_number.is_some() || !e.print_on_terminal.is_empty());
        let mut intent = Intent {
            id: self.id.clone(),
            // An unknown order status stays as the API wrote it.
            status: self.status.to_status(),
            description: self.description.clone(),
            external_reference: self.external_reference.clone(),
            operations: vec![operation],
            enabler_configuration: enabler,
            idempotency_key: None,
            api: crate::Api::Orders,
        };
        if self.is_cancel_requested() {
            intent.status = Status::CancelRequested;
        }
        intent
    }

    /// Whether a cancel was accepted (202) but the terminal has not done it yet: the order is
    /// still `at_terminal` and its payment reads `cancellation_requested`. Read as
    /// [`Status::CancelRequested`]: not canceled until the API says `canceled`.
    pub fn is_cancel_requested(&self) -> bool {
        self.status == OrderStatus::AtTerminal
            && self
                .payments()
                .iter()
                .any(|p| p.status_detail.as_deref() == Some("cancellation_requested"))
    }

    /// Whether the order will not change any more as a sale (`processed` may still be refunded
    /// later, but the sale has ended).
    pub fn is_final(&self) -> bool {
        self.status.to_status().is_final()
    }

    /// The verdict of an ended order, from the order alone (its payments carry their status and
    /// `status_detail`): only a `processed` order whose payment is `processed`/`accredited` and
    /// has a payment id is [`Verdict::Approved`]; a `failed` one is [`Verdict::Rejected`] when the
    /// card was refused and [`Verdict::Error`] otherwise; `refunded` is [`Verdict::Rejected`]
    /// (nothing is left paid); `action_required` is [`Verdict::ConfirmationRequired`].
    pub fn sale(&self) -> Result<Sale> {
        let intent = self.to_intent();
        let payments: Vec<Payment> = self
            .payments()
            .iter()
            .filter_map(|p| p.to_payment(self))
            .collect();
        let describe = |p: &OrderPayment| {
            format!(
                "payment {} {}{}",
                p.payment_id()
                    .map(|i| i.to_string())
                    .or(p.id.clone())
                    .unwrap_or_else(|| "?".into()),
                p.status.as_deref().unwrap_or("without status"),
                p.status_detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )
        };
        let all = || {
            self.payments()
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (verdict, reason) = match &self.status {
            OrderStatus::Processed => {
                match self
                    .payments()
                    .iter()
                    .find(|p| p.is_approved() && p.payment_id().is_some())
                {
                    Some(p) => (Verdict::Approved, format!("{} approved", describe(p))),
                    None if self.payments().is_empty() => (
                        Verdict::ConfirmationRequired,
                        format!("order {} is processed but lists no payment", self.id),
                    ),
                    None => (
                        Verdict::ConfirmationRequired,
                        format!(
                            "order {} is processed but no payment is accredited with a payment id: {}",
                            self.id,
                            all()
                        ),
                    ),
                }
            }
            OrderStatus::Refunded => (
                Verdict::Rejected,
                format!("order {} was refunded: nothing is left paid", self.id),
            ),
            OrderStatus::Failed => {
                if self.payments().iter().any(OrderPayment::is_card_refusal) {
                    (Verdict::Rejected, all())
                } else {
                    (
                        Verdict::Error,
                        format!(
                            "the order failed ({})",
                            if self.payments().is_empty() {
                                self.status_detail.clone().unwrap_or_default()
                            } else {
                                all()
                            }
                        ),
                    )
                }
            }
            OrderStatus::ActionRequired => (
                Verdict::ConfirmationRequired,
                "the terminal could not confirm the payment status (action_required)".to_string(),
            ),
            OrderStatus::Canceled => (Verdict::Canceled, "the order was canceled".to_string()),
            OrderStatus::Expired => (
                Verdict::Expired,
                "the order expired before the terminal processed it".to_string(),
            ),
            other => {
                return Err(Error::invalid_argument(
                    "order.status",
                    "must be final to give a verdict",
                    other.as_str(),
                )
                .with_intent_id(self.id.clone()))
            }
        };
        Ok(Sale {
            verdict,
            reason,
            intent,
            payments,
        })
    }
}

/// The answer of `GET /terminals/v1/list`: `{"data":{"terminals":[…]},"paging":{…}}`, read as the
/// shared [`DevicePage`] (a terminal has the device's fields: `id`, `pos_id`, `store_id`,
/// `external_pos_id`, `operating_mode`). `pos_id` is a number in the reference and a string in the
/// guide: both are read.
pub(crate) fn parse_terminals(body: &[u8]) -> std::result::Result<DevicePage, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let mut terminals = v
        .pointer("/data/terminals")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    if let Value::Array(items) = &mut terminals {
        for t in items.iter_mut() {
            if let Some(Value::String(s)) = t.get("pos_id") {
                t["pos_id"] = match s.trim().parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) => Value::Null,
                };
            }
        }
    } else {
        return Err("data.terminals is not a list".into());
    }
    let page = json!({
        "devices": terminals,
        "paging": v.get("paging").cloned().unwrap_or(Value::Null),
    });
    serde_json::from_value(page).map_err(|e| e.to_string())
}

/// The answer of `PATCH /terminals/v1/setup`: the mode of the terminal asked about.
pub(crate) fn parse_setup(
    body: &[u8],
    terminal_id: &str,
) -> std::result::Result<OperatingMode, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let list = v
        .get("terminals")
        .and_then(Value::as_array)
        .ok_or("terminals is missing")?;
    let t = list
        .iter()
        .find(|t| t.get("id").and_then(Value::as_str) == Some(terminal_id))
        .or(list.first())
        .ok_or("terminals is empty")?;
    t.get("operating_mode")
        .and_then(Value::as_str)
        .map(OperatingMode::parse)
        .ok_or_else(|| "operating_mode is missing".to_string())
}

/// What a 409 from the Orders API means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// `idempotency_key_already_used`: the key was used with a different request.
    KeyMismatch,
    /// `already_queued_order_for_terminal`: the terminal has an unfinished order.
    AlreadyQueued,
    /// `cannot_cancel_order`: the order's state does not allow a cancel through the API.
    CannotCancel,
    /// `order_already_canceled`.
    AlreadyCanceled,
    /// Anything else.
    Other,
}

/// Reads a 409's `errors[0].code`.
pub(crate) fn classify_conflict(code: Option<&str>) -> Conflict {
    match code.map(str::to_ascii_lowercase).as_deref() {
        Some("idempotency_key_already_used") => Conflict::KeyMismatch,
        // A variant spelling third-party code reports.
        // `…_for_terminal` (the create reference), `…_for_device` (the Orders "Possible errors"
        // page), `…_on_terminal` (integrators' code): one mistake, one kind.
        Some(
            "already_queued_order_for_terminal"
            | "already_queued_order_for_device"
            | "already_queued_order_on_terminal",
        ) => Conflict::AlreadyQueued,
        Some("cannot_cancel_order") => Conflict::CannotCancel,
        Some("order_already_canceled") => Conflict::AlreadyCanceled,
        _ => Conflict::Other,
    }
}

/// Whether a webhook body is an Orders notification (`type: "order"` or `action: "order.…"`).
pub(crate) fn is_order_notification(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("order")
        || v.get("action")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("order."))
}

/// The order status an Orders notification names: `data.status`, else the `action`'s suffix
/// (`order.processed`), since some notifications carry only `data.id`.
pub(crate) fn notification_status(v: &Value) -> Option<OrderStatus> {
    v.pointer("/data/status")
        .and_then(Value::as_str)
        .map(OrderStatus::parse)
        .or_else(|| {
            v.get("action")
                .and_then(Value::as_str)
                .and_then(|a| a.strip_prefix("order."))
                .map(OrderStatus::parse)
        })
}

/// Rewrites an Orders notification so that the shared notification type reads it: `data` becomes
/// the order as an intent ([`Order::to_intent`]); a `data` with only an `id` takes its status from
/// the `action`. The original order status stays in `action` (`order.refunded`), which the dedup
/// key uses.
pub(crate) fn notification_as_intent(mut v: Value) -> std::result::Result<Value, String> {
    let status = notification_status(&v).ok_or("data.status (or an order.* action) is required")?;
    let mut data = v.get("data").cloned().ok_or("data is required")?;
    if data.get("status").is_none() {
        data["status"] = json!(status.as_str());
    }
    let order: Order = serde_json::from_value(data).map_err(|e| e.to_string())?;
    let intent = order.to_intent();
    let mut d = serde_json::to_value(&intent).map_err(|e| e.to_string())?;
    d.as_object_mut().map(|o| o.remove("idempotency_key"));
    v["data"] = d;
    if v.get("action").and_then(Value::as_str).is_none() {
        v["action"] = json!(format!("order.{}", status.as_str()));
    }
    Ok(v)
}

pub(crate) mod ops;

pub(crate) use ops::{get_order, refund_order, simulate_event, Orders};

#[cfg(test)]
mod tests;
