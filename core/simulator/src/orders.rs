//! The Orders API for Point, simulated from Mercado Pago's pages (the create, get, cancel and
//! refund references, the order status page, the terminals list and setup, the migration guide and
//! the `order` webhook) — never from the client's types: every body here is written field by field
//! from the documents' examples (`tests/fixtures/orders/`).
//!
//! | method and path | answers |
//! |---|---|
//! | `POST /v1/orders` | 201 order `created`; `X-Idempotency-Key` required (400 `empty_required_header`) and honoured: the same key and body answer the first create's answer again, another body 409 `idempotency_key_already_used`; 400 `json_syntax_error`, `required_properties`, `unsupported_properties`, `property_type`, `property_value`, `minimum_items`, `maximum_items`; 403 `forbidden_checking_terminal_owner` (unknown terminal); 409 `already_queued_order_for_terminal` |
//! | `GET /v1/orders/{id}` | 200 order; 400 `invalid_path_param` (not an `ORD…` id); 404 `order_not_found` |
//! | `POST /v1/orders/{id}/cancel` | key required and honoured; `created`: 200 `canceled`; `at_terminal`: 409 `cannot_cancel_order`, or with `x-allow-cancelable-status: at_terminal` 202 (payment `cancellation_requested`; the terminal cancels unless the card is already being processed); 409 `order_already_canceled`; 409 `cannot_cancel_order` once ended |
//! | `POST /v1/orders/{id}/refund` | key required and honoured; no body: full; `{"transactions":[{"id","amount"}]}`: partial; 201 `refunded` or `processed`/`partially_refunded`; 409 `cannot_refund_order` (not processed: the pages give no code, this one is ours); 400 `property_value` (amount above what is left, unknown transaction) |
//! | `GET /terminals/v1/list?limit&offset&store_id&pos_id` | 200 `{data:{terminals}, paging}` (only `PAX_A910` and `NEWLAND_N950`; limit 1–50, default 50); 400 `property_value` |
//! | `PATCH /terminals/v1/setup` | 200 `{terminals:[{id, operating_mode}]}` (one terminal); 404 `not_found`; 403 `terminal_not_allowed_action`; 412 when the POS already has another PDV terminal |
//!
//! Errors have the shape `{"errors":[{"code","message"}]}`. The timeline follows the status page:
//! `created` → (pickup delay) `at_terminal` → (step) the card is read (the order stays
//! `at_terminal` while it is processed) → (step) `processed` / `failed`, or `action_required` 40 s
//! (divided by the time factor) after processing started; `created` and `at_terminal` → `expired`
//! after `expiration_time` (default `PT15M`, divided by the time factor); `processed` →
//! `refunded`. The cents choose the outcome as for intents (`.13` refused by the issuer, `.44`
//! held, `.66` processing error, `.77` action required, `.88` canceled on the terminal, `.99`
//! never picked up). A terminal whose mode `PATCH /terminals/v1/setup` changed keeps running in
//! its old mode until it restarts, as for intents, so a `created` order waits for the restart
//! (the Orders pages do not mention the restart; this is the harsher reading). A signed `order`
//! notification (`type: "order"`, `action: "order.<status>"`, `x-signature` `ts` in
//! milliseconds as in the documented example) is sent for `processed`,
//! `failed`, `action_required`, `canceled`, `expired` and `refunded`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;

use super::faults::Endpoint;
use super::state::{lock, Shared};
use super::terminal::{Action, CardOutcome, Plan};

pub(crate) mod sandbox;

/// The header (and its only value) that lets the API cancel an order already on the terminal.
pub(crate) const ALLOW_CANCELABLE_STATUS: &str = "x-allow-cancelable-status";

/// An Orders error as the control API's (intents-shaped) error.
pub(crate) fn to_api_error(e: OrdersError) -> super::state::ApiError {
    let code = match e.status {
        404 => "not_found",
        409 => "conflict",
        _ => "bad_request",
    };
    super::state::ApiError::new(e.status, code, e.message)
}

/// What an Orders request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderRoute {
    Create,
    Get(String),
    Cancel(String),
    Refund(String),
    ListTerminals,
    SetupTerminals,
    /// `POST /v1/orders/{id}/events`: the sandbox's simulated status ([`sandbox`]).
    Event(String),
    /// `/terminals/v1/actions…`: the Print API ([`super::print`]).
    Print(super::print::PrintRoute),
}

impl OrderRoute {
    /// Orders share the intents' endpoint names for counters and faults: a fault rule on
    /// `CreateIntent` hits `POST /v1/orders` too, so one fault campaign runs on either API.
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            OrderRoute::Create => Endpoint::CreateIntent,
            OrderRoute::Get(_) => Endpoint::GetIntent,
            OrderRoute::Cancel(_) => Endpoint::CancelIntent,
            OrderRoute::Refund(_) => Endpoint::Refund,
            OrderRoute::ListTerminals => Endpoint::ListDevices,
            OrderRoute::SetupTerminals => Endpoint::SetOperatingMode,
            OrderRoute::Event(_) => Endpoint::OrderEvent,
            OrderRoute::Print(_) => Endpoint::PrintAction,
        }
    }
}

/// Routes `/v1/orders…` and `/terminals/v1/…`.
pub(crate) fn route(method: &hyper::Method, s: &[&str]) -> Option<OrderRoute> {
    use hyper::Method;
    let own = |x: &str| x.to_string();
    if let Some(p) = super::print::route(method, s) {
        return Some(OrderRoute::Print(p));
    }
    Some(match (method.clone(), s) {
        (Method::POST, ["v1", "orders"]) => OrderRoute::Create,
        (Method::POST, ["v1", "orders", id, "events"]) => OrderRoute::Event(own(id)),
        (Method::GET, ["v1", "orders", id]) => OrderRoute::Get(own(id)),
        (Method::POST, ["v1", "orders", id, "cancel"]) => OrderRoute::Cancel(own(id)),
        (Method::POST, ["v1", "orders", id, "refund"]) => OrderRoute::Refund(own(id)),
        (Method::GET, ["terminals", "v1", "list"]) => OrderRoute::ListTerminals,
        (Method::PATCH, ["terminals", "v1", "setup"]) => OrderRoute::SetupTerminals,
        _ => return None,
    })
}

/// The parts of a request the Orders handlers read.
pub(crate) struct OrderRequest<'a> {
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    pub idempotency_key: Option<String>,
    /// `x-allow-cancelable-status: at_terminal` was sent.
    pub allow_at_terminal: bool,
}

/// An Orders error: `{"errors":[{"code","message"}]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrdersError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl OrdersError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> OrdersError {
        OrdersError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }
    fn value(message: impl Into<String>) -> OrdersError {
        OrdersError::new(400, "property_value", message)
    }
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "errors": [ { "code": self.code, "message": self.message } ]
        }))
        .unwrap_or_default()
    }
}

type Answer = Result<(u16, Vec<u8>), OrdersError>;

/// Whether an id is an order's (`ORD` and 26 letters or digits).
pub(crate) fn is_order_id(id: &str) -> bool {
    id.len() == 29
        && id.starts_with("ORD")
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `ORD`/`PAY`/`REF` and 26 Crockford base-32 characters, as the documents show.
fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut s = String::from(prefix);
    for _ in 0..26 {
        s.push(char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]));
    }
    s
}

/// Now as the Orders API writes dates: `2024-09-10T14:26:42.109320977Z`.
fn now_date() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_default()
}

/// An ISO-8601 duration (`PT#H#M#S`, whole numbers) in seconds.
fn duration_secs(s: &str) -> Option<u64> {
    let t = s.strip_prefix("PT")?;
    let (mut total, mut num, mut seen, mut order) = (0u64, String::new(), false, 0);
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let (rank, unit) = match c {
            'H' => (1, 3600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return None,
        };
        if rank <= order || num.is_empty() || num.len() > 9 {
            return None;
        }
        order = rank;
        total += num.parse::<u64>().ok()? * unit;
        num.clear();
        seen = true;
    }
    (seen && num.is_empty()).then_some(total)
}

/// Text with at most two decimals and an optional dot, as both pages accept it: `10`, `10.00`
/// (the migration guide allows "two decimals or none", so `10.5` is refused here: the harsher
/// reading).
fn parse_amount(s: &str) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) if f.len() == 2 => (i, f),
        Some(_) => return None,
        None => (s, "00"),
    };
    if int.is_empty()
        || int.len() > 12
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents = int.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?;
    (cents > 0).then_some(cents)
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// One payment of an order (`transactions.payments[0]`).
#[derive(Debug, Clone)]
struct PaymentRec {
    id: String,
    amount_text: String,
    cents: i64,
    status: &'static str,
    status_detail: Option<&'static str>,
    reference_id: Option<u64>,
    paid: bool,
    refunded_cents: i64,
    /// The tip the customer added on the terminal (`tip_amount`; `paid_amount` = amount + tip).
    tip_cents: i64,
    /// `payment_method` `{type, id, installments}` (as a sandbox event chose it).
    method: Option<(String, String, u32)>,
}

#[derive(Debug, Clone)]
struct RefundRec {
    id: String,
    cents: i64,
}

/// What the terminal is doing with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting to be picked up (`created`) or for a card (`at_terminal`).
    Waiting,
    /// The card is being processed (still `at_terminal` for the API).
    Processing(CardOutcome),
    /// Ended.
    Done,
}

struct OrderRec {
    id: String,
    external_reference: String,
    description: Option<String>,
    expiration_time: String,
    terminal_id: String,
    print_on_terminal: String,
    default_type: Option<String>,
    integration_data: Map<String, Value>,
    status: &'static str,
    status_detail: &'static str,
    payment: PaymentRec,
    refunds: Vec<RefundRec>,
    created_date: String,
    last_updated_date: String,
    version: u32,
    phase: Phase,
    expires_at: Instant,
    pickup_at: Option<Instant>,
    action: Option<Action>,
    next_at: Option<Instant>,
    cancel_requested: bool,
    /// A sandbox event (`POST /v1/orders/{id}/events`) took the order over: the simulated
    /// terminal no longer plays it.
    simulated: bool,
    poke: Arc<Notify>,
}

/// An idempotency key's first request and its answer.
struct KeyRec {
    fingerprint: String,
    status: u16,
    body: Vec<u8>,
}

/// Every order of the account.
#[derive(Default)]
pub(crate) struct OrdersWorld {
    orders: HashMap<String, OrderRec>,
    keys: HashMap<String, KeyRec>,
}

/// A terminal as the account's device list holds it.
#[derive(Debug, Clone)]
pub(crate) struct Terminal {
    pub id: String,
    pub pos_id: Option<i64>,
    pub store_id: Option<String>,
    pub external_pos_id: Option<String>,
    pub mode: OperatingMode,
}

fn allowed_type(id: &str) -> bool {
    id.starts_with("PAX_A910__") || id.starts_with("NEWLAND_N950__")
}

impl OrderRec {
    fn is_open(&self) -> bool {
        matches!(self.status, "created" | "at_terminal")
    }

    fn touch(&mut self) {
        self.last_updated_date = now_date();
        self.version += 1;
    }

    fn end(&mut self, status: &'static str, detail: &'static str) {
        self.status = status;
        self.status_detail = detail;
        self.phase = Phase::Done;
        self.action = None;
        self.next_at = None;
        self.touch();
    }

    fn payment_json(&self, webhook: bool) -> Value {
        let p = &self.payment;
        let mut v = json!({ "id": p.id, "amount": p.amount_text, "status": p.status });
        if let Some(d) = p.status_detail {
            v["status_detail"] = json!(d);
        }
        if p.paid {
            // "The total paid amount. If the payment was tips, that amount will be reflected."
            v["paid_amount"] = json!(money(p.cents + p.tip_cents));
            v["tip_amount"] = json!(money(p.tip_cents));
        }
        if p.paid || p.method.is_some() {
            let (kind, id, installments) = p
                .method
                .clone()
                .unwrap_or_else(|| ("credit_card".to_string(), "master".to_string(), 1));
            v["payment_method"] = json!({"type": kind, "installments": installments, "id": id});
        }
        if p.refunded_cents > 0 {
            v["refunded_amount"] = json!(money(p.refunded_cents));
        }
        if let Some(r) = p.reference_id {
            // GET answers carry `reference_id`; webhooks `reference.id`.
            if webhook {
                v["reference"] = json!({ "id": r.to_string() });
            } else {
                v["reference_id"] = json!(r.to_string());
            }
        }
        v
    }

    fn refunds_json(&self) -> Vec<Value> {
        self.refunds
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "transaction_id": self.payment.id,
                    "reference_id": self.payment.reference_id.map(|i| i.to_string()),
                    "amount": money(r.cents),
                    "status": "processed",
                })
            })
            .collect()
    }

    fn to_json(&self, shared: &Shared) -> Value {
        let (country, currency) = match shared.cfg.site {
            mppoint::Site::MLA => ("ARG", "ARS"),
            mppoint::Site::MLB => ("BRA", "BRL"),
        };
        let mut integration = self.integration_data.clone();
        integration.insert("application_id".into(), json!(APPLICATION_ID));
        let mut point = json!({
            "terminal_id": self.terminal_id,
            "print_on_terminal": self.print_on_terminal,
        });
        let mut config = json!({ "point": point.take() });
        if let Some(t) = &self.default_type {
            config["payment_method"] = json!({ "default_type": t });
        }
        let mut transactions = json!({ "payments": [self.payment_json(false)] });
        if !self.refunds.is_empty() {
            transactions["refunds"] = json!(self.refunds_json());
        }
        let mut v = json!({
            "id": self.id,
            "type": "point",
            "user_id": USER_ID,
            "external_reference": self.external_reference,
            "expiration_time": self.expiration_time,
            "processing_mode": "automatic",
            "country_code": country,
            "currency": currency,
            "integration_data": integration,
            "status": self.status,
            "status_detail": self.status_detail,
            "created_date": self.created_date,
            "last_updated_date": self.last_updated_date,
            "config": config,
            "transactions": transactions,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }

    /// The documented webhook `data`.
    fn webhook_data(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "external_reference": self.external_reference,
            "status": self.status,
            "status_detail": self.status_detail,
            "type": "point",
            "version": self.version,
        });
        if self.payment.paid {
            v["total_paid_amount"] = json!(money(self.payment.cents + self.payment.tip_cents));
        }
        if self.status != "refunded" {
            v["transactions"] = json!({ "payments": [self.payment_json(true)] });
        }
        v
    }
}

/// The `user_id` and `application_id` of the simulated account in orders.
const USER_ID: &str = "1234567890";
const APPLICATION_ID: &str = "1234567890123456";

/// The allowed keys of an object, or 400 `unsupported_properties`.
fn only(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), OrdersError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(OrdersError::new(
            400,
            "unsupported_properties",
            format!("the property {at}{k} is not supported"),
        )),
        None => Ok(()),
    }
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, OrdersError> {
    v.as_object()
        .ok_or_else(|| OrdersError::new(400, "property_type", format!("{at} must be an object")))
}

fn opt_string(obj: &Map<String, Value>, k: &str, at: &str) -> Result<Option<String>, OrdersError> {
    match obj.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(OrdersError::new(
            400,
            "property_type",
            format!("{at}{k} must be a string (got {other})"),
        )),
    }
}

/// The required list `key` of `obj` (`at` prefixes its name in messages).
fn required_list<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a Vec<Value>, OrdersError> {
    match obj.get(key) {
        Some(Value::Array(a)) => Ok(a),
        None => Err(required(None, &format!("{at}{key}")).unwrap_err()),
        Some(_) => Err(OrdersError::new(
            400,
            "property_type",
            format!("{at}{key} must be a list"),
        )),
    }
}

fn required(v: Option<String>, what: &str) -> Result<String, OrdersError> {
    v.ok_or_else(|| {
        OrdersError::new(
            400,
            "required_properties",
            format!("the property {what} is required"),
        )
    })
}

/// A checked create body.
struct NewOrder {
    external_reference: String,
    description: Option<String>,
    expiration_time: Option<String>,
    amount_text: String,
    cents: i64,
    terminal_id: String,
    print_on_terminal: String,
    default_type: Option<String>,
    integration_data: Map<String, Value>,
}

fn parse_create(shared: &Shared, body: &[u8]) -> Result<NewOrder, OrdersError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        OrdersError::new(
            400,
            "json_syntax_error",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let obj = object(&v, "the body")?;
    only(
        obj,
        &[
            "type",
            "external_reference",
            "expiration_time",
            "transactions",
            "config",
            "description",
            "integration_data",
        ],
        "",
    )?;
    let kind = required(opt_string(obj, "type", "")?, "type")?;
    if kind != "point" {
        return Err(OrdersError::value(format!(
            "type must be \"point\" (got {kind:?})"
        )));
    }
    let external_reference = required(
        opt_string(obj, "external_reference", "")?,
        "external_reference",
    )?;
    if external_reference.is_empty()
        || external_reference.len() > 64
        || !external_reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(OrdersError::value(
            "external_reference must be 1-64 characters among letters, digits, - and _",
        ));
    }
    let description = opt_string(obj, "description", "")?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 150)
    {
        return Err(OrdersError::value(
            "description must be at most 150 characters",
        ));
    }
    let expiration_time = opt_string(obj, "expiration_time", "")?;
    if let Some(e) = &expiration_time {
        match duration_secs(e) {
            Some(s) if (30..=10_800).contains(&s) => {}
            _ => {
                return Err(OrdersError::value(format!(
                    "expiration_time must be an ISO-8601 duration from PT30S to PT3H (got {e:?})"
                )))
            }
        }
    }
    let tx = obj
        .get("transactions")
        .ok_or_else(|| required(None, "transactions").unwrap_err())?;
    let tx = object(tx, "transactions")?;
    only(tx, &["payments"], "transactions.")?;
    let payments = required_list(tx, "payments", "transactions.")?;
    if payments.is_empty() {
        return Err(OrdersError::new(
            400,
            "minimum_items",
            "transactions.payments must hold one payment",
        ));
    }
    if payments.len() > 1 {
        return Err(OrdersError::new(
            400,
            "maximum_items",
            "transactions.payments must hold exactly one payment for type point",
        ));
    }
    let p = object(&payments[0], "transactions.payments[0]")?;
    only(p, &["amount"], "transactions.payments[0].")?;
    let amount_text = required(
        opt_string(p, "amount", "transactions.payments[0].")?,
        "transactions.payments[0].amount",
    )?;
    let cents = parse_amount(&amount_text).ok_or_else(|| {
        OrdersError::value(format!(
            "transactions.payments[0].amount must be a positive amount with two decimals or none (got {amount_text:?})"
        ))
    })?;
    let amount = Amount::from_cents(cents)
        .map_err(|e| OrdersError::value(format!("transactions.payments[0].{}", e.message())))?;
    shared
        .cfg
        .effective_limits()
        .check(amount, Some(shared.cfg.site))
        .map_err(|e| OrdersError::value(format!("transactions.payments[0].{}", e.message())))?;

    let config = obj
        .get("config")
        .ok_or_else(|| required(None, "config.point.terminal_id").unwrap_err())?;
    let config = object(config, "config")?;
    only(config, &["point", "payment_method"], "config.")?;
    let point = config
        .get("point")
        .ok_or_else(|| required(None, "config.point.terminal_id").unwrap_err())?;
    let point = object(point, "config.point")?;
    // The create reference's request has no ticket_number: the harsher reading refuses it.
    only(
        point,
        &["terminal_id", "print_on_terminal"],
        "config.point.",
    )?;
    let terminal_id = required(
        opt_string(point, "terminal_id", "config.point.")?,
        "config.point.terminal_id",
    )?;
    let print_on_terminal = opt_string(point, "print_on_terminal", "config.point.")?
        .unwrap_or_else(|| "seller_ticket".into());
    if !matches!(print_on_terminal.as_str(), "seller_ticket" | "no_ticket") {
        return Err(OrdersError::value(
            "config.point.print_on_terminal must be \"seller_ticket\" or \"no_ticket\"",
        ));
    }
    let default_type = match config.get("payment_method") {
        None => None,
        Some(pm) => {
            let pm = object(pm, "config.payment_method")?;
            only(pm, &["default_type"], "config.payment_method.")?;
            let t = opt_string(pm, "default_type", "config.payment_method.")?;
            if let Some(t) = &t {
                if !matches!(t.as_str(), "credit_card" | "debit_card") {
                    return Err(OrdersError::value(
                        "config.payment_method.default_type must be \"credit_card\" or \"debit_card\"",
                    ));
                }
            }
            t
        }
    };
    let mut integration_data = Map::new();
    if let Some(i) = obj.get("integration_data") {
        let i = object(i, "integration_data")?;
        only(
            i,
            &["platform_id", "integrator_id", "sponsor"],
            "integration_data.",
        )?;
        for k in ["platform_id", "integrator_id"] {
            if let Some(s) = opt_string(i, k, "integration_data.")? {
                integration_data.insert(k.into(), json!(s));
            }
        }
        if let Some(s) = i.get("sponsor") {
            let s = object(s, "integration_data.sponsor")?;
            only(s, &["id"], "integration_data.sponsor.")?;
            if let Some(id) = opt_string(s, "id", "integration_data.sponsor.")? {
                integration_data.insert("sponsor".into(), json!({ "id": id }));
            }
        }
    }
    Ok(NewOrder {
        external_reference,
        description,
        expiration_time,
        amount_text,
        cents,
        terminal_id,
        print_on_terminal,
        default_type,
        integration_data,
    })
}

/// `expiration_time` (default 15 minutes) divided by the time factor.
fn expiry(shared: &Shared, expiration_time: &str) -> Duration {
    Duration::from_secs(duration_secs(expiration_time).unwrap_or(900))
        / shared.cfg.time_factor.max(1)
}

/// 40 seconds (the status page's delay before `action_required`) divided by the time factor.
fn action_required_delay(shared: &Shared) -> Duration {
    Duration::from_secs(40) / shared.cfg.time_factor.max(1)
}

fn need_key(req: &OrderRequest<'_>) -> Result<String, OrdersError> {
    req.idempotency_key.clone().ok_or_else(|| {
        OrdersError::new(
            400,
            "empty_required_header",
            "The `X-Idempotency-Key` header is required and was not sent. Make the request again including it.",
        )
    })
}

/// The same request sent again with its key: the first answer; another request with the same
/// key: 409. `None`: a new key.
fn replay(world: &OrdersWorld, key: &str, fingerprint: &str) -> Option<Answer> {
    let k = world.keys.get(key)?;
    if k.fingerprint != fingerprint {
        return Some(Err(OrdersError::new(
            409,
            "idempotency_key_already_used",
            "The value sent as the idempotency header has already been used with a different request within the last 24 hours. Please try the request again sending a new value.",
        )));
    }
    Some(Ok((k.status, k.body.clone())))
}

/// What identifies a request for its key: the route and the body's JSON value (so key order and
/// spacing do not matter).
fn fingerprint(what: &str, body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    format!("{what} {canonical}")
}

fn remember(world: &mut OrdersWorld, key: String, fingerprint: String, answer: &Answer) {
    if let Ok((status, body)) = answer {
        world.keys.insert(
            key,
            KeyRec {
                fingerprint,
                status: *status,
                body: body.clone(),
            },
        );
    }
}

fn not_found(id: &str) -> OrdersError {
    OrdersError::new(
        404,
        "order_not_found",
        format!("Order {id} not found. Please check if you provided the correct order ID."),
    )
}

/// Serves one Orders request.
pub(crate) fn dispatch(
    shared: &Arc<Shared>,
    route: OrderRoute,
    req: OrderRequest<'_>,
) -> (u16, Vec<u8>) {
    let answer = match route {
        OrderRoute::Create => create(shared, &req),
        OrderRoute::Get(id) => get(shared, &id),
        OrderRoute::Cancel(id) => cancel(shared, &id, &req),
        OrderRoute::Refund(id) => refund(shared, &id, &req),
        OrderRoute::ListTerminals => list_terminals(shared, req.query),
        OrderRoute::SetupTerminals => setup_terminals(shared, req.body),
        OrderRoute::Event(id) => sandbox::simulate(shared, &id, &req),
        OrderRoute::Print(p) => super::print::dispatch(shared, p, &req),
    };
    answer.unwrap_or_else(|e| (e.status, e.body()))
}

fn create(shared: &Arc<Shared>, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    let fp = fingerprint("create", req.body);
    let now = Instant::now();
    let terminals = lock(&shared.world).terminals();
    let mut world = lock(&shared.orders);
    if let Some(a) = replay(&world, &key, &fp) {
        lock(&shared.counters).idempotent_replays += 1;
        return a;
    }
    let new = parse_create(shared, req.body)?;
    let terminal = terminals
        .iter()
        .find(|t| t.id == new.terminal_id)
        .ok_or_else(|| {
            OrdersError::new(
                403,
                "forbidden_checking_terminal_owner",
                format!(
                    "The terminal {} does not belong to this account.",
                    new.terminal_id
                ),
            )
        })?;
    if terminal.mode != OperatingMode::Pdv {
        return Err(OrdersError::value(format!(
            "the terminal {} is in {} mode: switch it to PDV (PATCH /terminals/v1/setup) to send it orders",
            terminal.id, terminal.mode
        )));
    }
    if world
        .orders
        .values()
        .any(|o| o.terminal_id == new.terminal_id && o.is_open())
    {
        return Err(OrdersError::new(
            409,
            "already_queued_order_for_terminal",
            "There is already a queued order for the terminal.",
        ));
    }
    let id = new_id("ORD");
    let plan = Plan::for_amount(
        Amount::from_cents(new.cents).map_err(|e| OrdersError::value(e.message().to_string()))?,
    );
    let expiration_time = new.expiration_time.unwrap_or_else(|| "PT15M".into());
    let created = now_date();
    let poke = Arc::new(Notify::new());
    let rec = OrderRec {
        id: id.clone(),
        external_reference: new.external_reference,
        description: new.description,
        expires_at: now + expiry(shared, &expiration_time),
        expiration_time,
        terminal_id: new.terminal_id,
        print_on_terminal: new.print_on_terminal,
        default_type: new.default_type,
        integration_data: new.integration_data,
        status: "created",
        status_detail: "created",
        payment: PaymentRec {
            id: new_id("PAY"),
            amount_text: new.amount_text,
            cents: new.cents,
            status: "created",
            status_detail: None,
            reference_id: None,
            paid: false,
            refunded_cents: 0,
            tip_cents: 0,
            method: None,
        },
        refunds: Vec::new(),
        created_date: created.clone(),
        last_updated_date: created,
        version: 1,
        phase: Phase::Waiting,
        pickup_at: plan.pickup.then(|| now + shared.cfg.pickup_delay),
        action: plan.action,
        next_at: None,
        cancel_requested: false,
        simulated: false,
        poke: poke.clone(),
    };
    let body = serde_json::to_vec(&rec.to_json(shared)).unwrap_or_default();
    world.orders.insert(id.clone(), rec);
    let answer = Ok((201, body));
    remember(&mut world, key.clone(), fp, &answer);
    drop(world);
    {
        let mut c = lock(&shared.counters);
        c.intents_created += 1;
        *c.intents_created_per_key.entry(key).or_default() += 1;
    }
    shared.handle.spawn(run(Arc::clone(shared), id, poke));
    answer
}

fn get(shared: &Arc<Shared>, id: &str) -> Answer {
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "invalid_path_param",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let world = lock(&shared.orders);
    let o = world.orders.get(id).ok_or_else(|| not_found(id))?;
    Ok((
        200,
        serde_json::to_vec(&o.to_json(shared)).unwrap_or_default(),
    ))
}

fn cancel(shared: &Arc<Shared>, id: &str, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "bad_request",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let fp = fingerprint(&format!("cancel {id} {}", req.allow_at_terminal), req.body);
    let mut world = lock(&shared.orders);
    if let Some(a) = replay(&world, &key, &fp) {
        return a;
    }
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    let answer = match o.status {
        "created" => {
            o.payment.status = "canceled";
            o.payment.status_detail = Some("canceled_by_api");
            o.end("canceled", "canceled");
            o.poke.notify_one();
            let body = serde_json::to_vec(&o.to_json(shared)).unwrap_or_default();
            notify(shared, o);
            Ok((200, body))
        }
        "at_terminal" if req.allow_at_terminal && shared.cfg.orders_cancel_at_terminal => {
            // Asynchronous: the terminal cancels unless it is already processing the card.
            o.cancel_requested = true;
            o.payment.status = "at_terminal";
            o.payment.status_detail = Some("cancellation_requested");
            if o.phase == Phase::Waiting {
                o.next_at = Some(Instant::now() + shared.cfg.step_delay);
            }
            o.touch();
            o.poke.notify_one();
            Ok((
                202,
                serde_json::to_vec(&o.to_json(shared)).unwrap_or_default(),
            ))
        }
        "canceled" => Err(OrdersError::new(
            409,
            "order_already_canceled",
            "The order is already canceled.",
        )),
        _ => Err(OrdersError::new(
            409,
            "cannot_cancel_order",
            "The order status does not allow cancellation.",
        )),
    };
    remember(&mut world, key, fp, &answer);
    answer
}

fn refund(shared: &Arc<Shared>, id: &str, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "bad_request",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let fp = fingerprint(&format!("refund {id}"), req.body);
    let mut world = lock(&shared.orders);
    if let Some(a) = replay(&world, &key, &fp) {
        return a;
    }
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    if o.status == "refunded" {
        return Err(OrdersError::new(
            409,
            "order_already_refunded",
            "The order is already refunded.",
        ));
    }
    if o.status != "processed" {
        return Err(OrdersError::new(
            409,
            "cannot_refund_order",
            format!(
                "The order is {} and cannot be refunded: only a processed order can.",
                o.status
            ),
        ));
    }
    // A full refund gives back everything paid, the tip included.
    let left = o.payment.cents + o.payment.tip_cents - o.payment.refunded_cents;
    let cents = if req.body.iter().all(u8::is_ascii_whitespace) {
        left
    } else {
        if !shared.cfg.partial_refunds {
            return Err(OrdersError::new(
                400,
                "unsupported_partially_refunds",
                "The order does not support partial refunds.",
            ));
        }
        if o.payment.tip_cents > 0 {
            return Err(OrdersError::new(
                403,
                "partial_refund_forbidden_with_tips",
                "The order has a tip: only a full refund is allowed.",
            ));
        }
        let v: Value = serde_json::from_slice(req.body).map_err(|e| {
            OrdersError::new(
                400,
                "json_syntax_error",
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        let obj = object(&v, "the body")?;
        only(obj, &["transactions"], "")?;
        let list = obj
            .get("transactions")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                OrdersError::new(
                    400,
                    "required_properties",
                    "transactions is required for a partial refund",
                )
            })?;
        if list.len() != 1 {
            return Err(OrdersError::value(
                "transactions must hold the one payment to refund",
            ));
        }
        let t = object(&list[0], "transactions[0]")?;
        only(t, &["id", "amount"], "transactions[0].")?;
        let tid = required(
            opt_string(t, "id", "transactions[0].")?,
            "transactions[0].id",
        )?;
        if tid != o.payment.id {
            return Err(OrdersError::new(
                404,
                "transaction_not_found",
                format!("transactions[0].id {tid} is not a payment of order {id}"),
            ));
        }
        let text = required(
            opt_string(t, "amount", "transactions[0].")?,
            "transactions[0].amount",
        )?;
        let c = parse_amount(&text).ok_or_else(|| {
            OrdersError::value(format!(
                "transactions[0].amount {text:?} is not a valid amount"
            ))
        })?;
        if c > left {
            return Err(OrdersError::new(
                400,
                "refund_amount_exceeds",
                format!(
                    "the refund of {} is above the {} left to refund",
                    money(c),
                    money(left)
                ),
            ));
        }
        c
    };
    o.payment.refunded_cents += cents;
    o.refunds.push(RefundRec {
        id: new_id("REF"),
        cents,
    });
    let full = o.payment.refunded_cents == o.payment.cents + o.payment.tip_cents;
    if full {
        o.payment.status = "refunded";
        o.payment.status_detail = Some("refunded");
        o.end("refunded", "refunded");
    } else {
        o.payment.status_detail = Some("partially_refunded");
        o.status_detail = "partially_refunded";
        o.touch();
    }
    let last = o.refunds.last().map(|r| (r.id.clone(), r.cents));
    let mut body = json!({
        "id": o.id,
        "status": o.status,
        "status_detail": o.status_detail,
        "transactions": { "refunds": o.refunds_json() },
    });
    if let Some((rid, _)) = last {
        body["transactions"]["refunds"] = json!(o
            .refunds_json()
            .into_iter()
            .filter(|r| r["id"] == json!(rid))
            .collect::<Vec<_>>());
    }
    if full {
        notify(shared, o);
    }
    let reference = o.payment.reference_id;
    let answer = Ok((201, serde_json::to_vec(&body).unwrap_or_default()));
    remember(&mut world, key, fp, &answer);
    drop(world);
    // The payment the order made is refunded in the Payments API too.
    if let (Some(pid), Ok(a)) = (reference, Amount::from_cents(cents)) {
        let _ = lock(&shared.world).refund(pid, Some(a), None);
    }
    answer
}

fn list_terminals(shared: &Arc<Shared>, query: Option<&str>) -> Answer {
    let (mut limit, mut offset, mut store_id, mut pos_id) = (50u64, 0u64, None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(v)
            .decode_utf8_lossy()
            .into_owned();
        let number = |what: &str| {
            v.parse::<u64>().map_err(|_| {
                OrdersError::value(format!("{what} must be a non-negative integer (got {v:?})"))
            })
        };
        match k {
            "limit" => {
                limit = number("limit")?;
                if !(1..=50).contains(&limit) {
                    return Err(OrdersError::value(format!(
                        "limit must be 1-50 (got {limit})"
                    )));
                }
            }
            "offset" => offset = number("offset")?,
            "store_id" if !v.is_empty() => store_id = Some(v.clone()),
            "pos_id" if !v.is_empty() => pos_id = Some(number("pos_id")? as i64),
            _ => {}
        }
    }
    let all: Vec<Terminal> = lock(&shared.world)
        .terminals()
        .into_iter()
        .filter(|t| allowed_type(&t.id))
        .filter(|t| store_id.is_none() || t.store_id == store_id)
        .filter(|t| pos_id.is_none() || t.pos_id == pos_id)
        .collect();
    let total = all.len();
    let terminals: Vec<Value> = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|t| {
            let mut v = json!({ "id": t.id, "operating_mode": t.mode.as_str() });
            if let Some(p) = t.pos_id {
                v["pos_id"] = json!(p);
            }
            if let Some(s) = t.store_id {
                v["store_id"] = json!(s);
            }
            if let Some(e) = t.external_pos_id {
                v["external_pos_id"] = json!(e);
            }
            v
        })
        .collect();
    let body = json!({
        "data": { "terminals": terminals },
        "paging": { "total": total, "offset": offset, "limit": limit },
    });
    Ok((200, serde_json::to_vec(&body).unwrap_or_default()))
}

fn setup_terminals(shared: &Arc<Shared>, body: &[u8]) -> Answer {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        OrdersError::new(
            400,
            "invalid_payload",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let obj = object(&v, "the body")?;
    only(obj, &["terminals"], "")?;
    let list = required_list(obj, "terminals", "")?;
    if list.len() != 1 {
        return Err(OrdersError::value(
            "terminals must hold exactly one terminal",
        ));
    }
    let t = object(&list[0], "terminals[0]")?;
    only(t, &["id", "operating_mode"], "terminals[0].")?;
    let id = required(opt_string(t, "id", "terminals[0].")?, "terminals[0].id")?;
    let mode = required(
        opt_string(t, "operating_mode", "terminals[0].")?,
        "terminals[0].operating_mode",
    )?;
    let mode = match mode.as_str() {
        "PDV" => OperatingMode::Pdv,
        "STANDALONE" => OperatingMode::Standalone,
        _ => {
            return Err(OrdersError::value(format!(
                "terminals[0].operating_mode must be \"PDV\" or \"STANDALONE\" (got {mode:?})"
            )))
        }
    };
    let mut world = lock(&shared.world);
    let terminals = world.terminals();
    let Some(term) = terminals.iter().find(|x| x.id == id) else {
        return Err(OrdersError::new(
            404,
            "not_found",
            format!("terminal {id} not found"),
        ));
    };
    if !allowed_type(&id) {
        return Err(OrdersError::new(
            403,
            "terminal_not_allowed_action",
            "Only NEWLAND_N950 and PAX_A910 terminals can be set up.",
        ));
    }
    if mode == OperatingMode::Pdv {
        let Some(pos) = term.pos_id else {
            return Err(OrdersError::new(
                403,
                "store_pos_not_found",
                format!("terminal {id} is not linked to a store and point of sale"),
            ));
        };
        if terminals
            .iter()
            .any(|x| x.id != id && x.pos_id == Some(pos) && x.mode == OperatingMode::Pdv)
        {
            return Err(OrdersError::new(
                412,
                "Only one pos-store with PDV mode ON or SUSPENDED is allowed",
                "Operation not allowed because there is already a terminal associated with the point of sale, and each point of sale allows only one associated terminal in POS mode.",
            ));
        }
    }
    world
        .set_operating_mode(&shared.cfg, &id, mode.clone(), Instant::now())
        .map_err(|e| OrdersError::new(e.status, e.error, e.message))?;
    let body = json!({ "terminals": [ { "id": id, "operating_mode": mode.as_str() } ] });
    Ok((200, serde_json::to_vec(&body).unwrap_or_default()))
}

/// The terminal of one order: applies what is due, sleeps until the next step or a poke.
async fn run(shared: Arc<Shared>, id: String, poke: Arc<Notify>) {
    loop {
        let Some(wake) = advance(&shared, &id, Instant::now()) else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {}
            _ = poke.notified() => {}
        }
    }
}

/// Applies every transition of order `id` due at `now`; when to look again (`None` once ended).
fn advance(shared: &Arc<Shared>, id: &str, now: Instant) -> Option<Instant> {
    let mut world = lock(&shared.orders);
    let o = world.orders.get_mut(id)?;
    if o.simulated {
        // The sandbox's event plays the order now (see `sandbox`).
        return None;
    }
    // As for intents, a terminal whose mode changed and that has not restarted since does not
    // pick orders up (the harsher reading: the Orders pages do not mention the restart).
    let (fetches, restart_at) = lock(&shared.world).terminal_fetches(&o.terminal_id, now);
    // The sandbox's virtual terminal has no hardware: only events move its orders.
    let fetches = fetches && !sandbox::is_virtual_terminal(&o.terminal_id);
    loop {
        if o.phase == Phase::Done || !o.is_open() {
            return None;
        }
        let due = |t: Option<Instant>| t.is_some_and(|t| now >= t);
        if o.phase == Phase::Waiting && now >= o.expires_at {
            o.payment.status = "expired";
            o.payment.status_detail = Some("expired");
            o.end("expired", "expired");
            notify(shared, o);
            return None;
        }
        match (o.status, o.phase) {
            ("created", Phase::Waiting) if due(o.pickup_at) && fetches => {
                o.status = "at_terminal";
                o.status_detail = "at_terminal";
                o.payment.status = "at_terminal";
                o.payment.status_detail = Some("at_terminal");
                o.touch();
                o.next_at = o.action.map(|_| now + shared.cfg.step_delay);
            }
            ("at_terminal", Phase::Waiting) if o.cancel_requested && due(o.next_at) => {
                o.payment.status = "canceled";
                o.payment.status_detail = Some("canceled_by_api");
                o.end("canceled", "canceled");
                notify(shared, o);
                return None;
            }
            ("at_terminal", Phase::Waiting) if due(o.next_at) => match o.action {
                Some(Action::Card(outcome)) => {
                    o.phase = Phase::Processing(outcome);
                    o.next_at = Some(
                        now + if outcome == CardOutcome::ConfirmationRequired {
                            action_required_delay(shared)
                        } else {
                            shared.cfg.step_delay
                        },
                    );
                }
                Some(Action::CancelOnTerminal) => {
                    o.payment.status = "canceled";
                    o.payment.status_detail = Some("canceled_on_terminal");
                    o.end("canceled", "canceled");
                    notify(shared, o);
                    return None;
                }
                None => o.next_at = None,
            },
            ("at_terminal", Phase::Processing(outcome)) if due(o.next_at) => {
                let mut payment_id = None;
                let (status, detail, p_status, p_detail) = match outcome {
                    CardOutcome::Approved => {
                        o.payment.paid = true;
                        payment_id = Some(true);
                        ("processed", "accredited", "processed", "accredited")
                    }
                    CardOutcome::Rejected => {
                        payment_id = Some(false);
                        ("failed", "failed", "failed", "rejected_by_issuer")
                    }
                    CardOutcome::Error => ("failed", "failed", "failed", "processing_error"),
                    CardOutcome::ConfirmationRequired => (
                        "action_required",
                        "check_on_terminal",
                        "action_required",
                        "check_on_terminal",
                    ),
                };
                if let Some(approved) = payment_id {
                    // The card network's payment, readable at GET /v1/payments/{reference_id}.
                    if let Ok(a) = Amount::from_cents(o.payment.cents) {
                        let pid = lock(&shared.world).record_point_payment(
                            &shared.cfg,
                            a,
                            approved,
                            Some(o.external_reference.clone()),
                            o.description.clone(),
                        );
                        o.payment.reference_id = Some(pid);
                    }
                }
                o.payment.status = p_status;
                o.payment.status_detail = Some(p_detail);
                o.end(status, detail);
                notify(shared, o);
                return None;
            }
            _ => {
                let wake = match o.phase {
                    Phase::Waiting => [
                        Some(o.expires_at),
                        o.pickup_at.filter(|_| o.status == "created"),
                        restart_at.filter(|_| o.status == "created"),
                        o.next_at,
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|t| *t > now)
                    .min(),
                    _ => o.next_at,
                };
                // Nothing due and nothing planned: wait for a poke (the control API), or the expiry.
                return Some(wake.unwrap_or(o.expires_at));
            }
        }
    }
}

/// The control API on an order (the same routes and calls as for intents).
pub(crate) fn present_card(
    shared: &Arc<Shared>,
    id: &str,
    outcome: CardOutcome,
) -> Result<Value, OrdersError> {
    control(shared, id, |o, now| {
        if o.status == "created" {
            o.status = "at_terminal";
            o.status_detail = "at_terminal";
            o.payment.status = "at_terminal";
            o.payment.status_detail = Some("at_terminal");
            o.touch();
        }
        o.action = Some(Action::Card(outcome));
        o.next_at = Some(now + shared.cfg.step_delay);
    })
}

/// The control API: the customer adds a tip on the terminal (before paying), so the payment's
/// `paid_amount` is the amount plus the tip and `tip_amount` the tip.
pub(crate) fn set_tip(shared: &Arc<Shared>, id: &str, tip: Amount) -> Result<Value, OrdersError> {
    control(shared, id, |o, _| o.payment.tip_cents = tip.cents())
}

/// The control API: cancel on the terminal now.
pub(crate) fn cancel_on_terminal(shared: &Arc<Shared>, id: &str) -> Result<Value, OrdersError> {
    control(shared, id, |o, _| {
        o.payment.status = "canceled";
        o.payment.status_detail = Some("canceled_on_terminal");
        o.end("canceled", "canceled");
        notify(shared, o);
    })
}

/// The control API: stop the automatic play; the order stays on the terminal.
pub(crate) fn hold(shared: &Arc<Shared>, id: &str) -> Result<Value, OrdersError> {
    control(shared, id, |o, now| {
        if o.status == "created" && o.pickup_at.is_none() {
            o.pickup_at = Some(now + shared.cfg.pickup_delay);
        }
        o.action = None;
        o.next_at = None;
    })
}

fn control(
    shared: &Arc<Shared>,
    id: &str,
    f: impl FnOnce(&mut OrderRec, Instant),
) -> Result<Value, OrdersError> {
    let mut world = lock(&shared.orders);
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    if !o.is_open() || o.phase != Phase::Waiting {
        return Err(OrdersError::new(
            409,
            "conflict",
            format!("order {id} is {} and no longer waits for a card", o.status),
        ));
    }
    f(o, Instant::now());
    o.poke.notify_one();
    Ok(o.to_json(shared))
}

/// A terminal restarted: its open orders look again (one left `created` may now be picked up).
pub(crate) fn poke_terminal(shared: &Shared, terminal_id: &str) {
    let world = lock(&shared.orders);
    for o in world.orders.values() {
        if o.terminal_id == terminal_id && o.is_open() {
            o.poke.notify_one();
        }
    }
}

/// The orders, for `GET /_simulator/state`.
pub(crate) fn state_json(shared: &Shared) -> Value {
    let world = lock(&shared.orders);
    let mut all: Vec<&OrderRec> = world.orders.values().collect();
    all.sort_by(|a, b| a.created_date.cmp(&b.created_date));
    json!(all.iter().map(|o| o.to_json(shared)).collect::<Vec<_>>())
}

/// Sends the signed `order` notification of an order that just ended (or was refunded).
fn notify(shared: &Arc<Shared>, o: &OrderRec) {
    let urls = lock(&shared.webhook_urls).clone();
    if urls.is_empty() {
        return;
    }
    let body = json!({
        "action": format!("order.{}", o.status),
        "api_version": "v1",
        "application_id": APPLICATION_ID,
        "data": o.webhook_data(),
        "date_created": now_date(),
        "live_mode": false,
        "type": "order",
        "user_id": USER_ID,
    });
    let body = bytes::Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
    for url in urls {
        let sep = if url.contains('?') { '&' } else { '?' };
        let target = format!("{url}{sep}data.id={}&type=order", o.id);
        // The documented order notification carries `ts` in milliseconds (13 digits).
        shared.handle.spawn(super::webhooks::deliver(
            Arc::clone(shared),
            target,
            o.id.clone(),
            body.clone(),
            super::config::TsUnit::Milliseconds,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_durations_read_as_the_pages_say() {
        assert_eq!(parse_amount("10"), Some(1000));
        assert_eq!(parse_amount("10.00"), Some(1000));
        assert_eq!(parse_amount("24.90"), Some(2490));
        for bad in [
            "10.5", "10.", ".50", "0", "0.00", "-1", "1,00", "1e3", "", "10.000",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(duration_secs("PT16M"), Some(960));
        assert_eq!(duration_secs("PT1H15M"), Some(4500));
        assert_eq!(duration_secs("PT30S"), Some(30));
        for bad in ["PT", "P1D", "PT1M1H", "PTM", "15M", "PT1.5M"] {
            assert_eq!(duration_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_look_like_the_documents() {
        let id = new_id("ORD");
        assert!(is_order_id(&id), "{id}");
        assert!(is_order_id("ORD00001111222233334444555566"));
        assert!(!is_order_id("ORD1"));
        assert!(!is_order_id("7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1"));
        assert!(new_id("PAY").starts_with("PAY"));
    }
}
