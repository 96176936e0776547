//! The Orders API's JSON, written field by field from the documents' examples
//! (`tests/fixtures/orders/`), never from the client's types: the error shape, the amounts,
//! dates and durations as the pages write them, the create body read the way the API reads it,
//! an order as `GET /v1/orders/{id}` answers it, and the `order` notification.

use serde_json::{json, Map, Value};

use mppoint::amount::Amount;

use crate::config::SimulatorConfig;
use crate::reply::ApiError;

/// An Orders error as the control API's (intents-shaped) error.
pub(crate) fn to_api_error(e: OrdersError) -> ApiError {
    let code = match e.status {
        404 => "not_found",
        409 => "conflict",
        _ => "bad_request",
    };
    ApiError::new(e.status, code, e.message)
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
    pub(crate) fn value(message: impl Into<String>) -> OrdersError {
        OrdersError::new(400, "property_value", message)
    }
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "errors": [ { "code": self.code, "message": self.message } ]
        }))
        .unwrap_or_default()
    }
}

pub(crate) type Answer = Result<(u16, Vec<u8>), OrdersError>;

/// Now as the Orders API writes dates: `2024-09-10T14:26:42.109320977Z`.
pub(crate) fn now_date() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_default()
}

/// An ISO-8601 duration (`PT#H#M#S`, whole numbers) in seconds.
pub(crate) fn duration_secs(s: &str) -> Option<u64> {
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
pub(crate) fn parse_amount(s: &str) -> Option<i64> {
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

pub(crate) fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The `user_id` and `application_id` of the simulated account in orders.
pub(crate) const USER_ID: &str = "1234567890";
pub(crate) const APPLICATION_ID: &str = "1234567890123456";

/// The allowed keys of an object, or 400 `unsupported_properties`.
pub(crate) fn only(
    obj: &Map<String, Value>,
    allowed: &[&str],
    at: &str,
) -> Result<(), OrdersError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(OrdersError::new(
            400,
            "unsupported_properties",
            format!("the property {at}{k} is not supported"),
        )),
        None => Ok(()),
    }
}

pub(crate) fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, OrdersError> {
    v.as_object()
        .ok_or_else(|| OrdersError::new(400, "property_type", format!("{at} must be an object")))
}

pub(crate) fn opt_string(
    obj: &Map<String, Value>,
    k: &str,
    at: &str,
) -> Result<Option<String>, OrdersError> {
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
pub(crate) fn required_list<'a>(
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

pub(crate) fn required(v: Option<String>, what: &str) -> Result<String, OrdersError> {
    v.ok_or_else(|| {
        OrdersError::new(
            400,
            "required_properties",
            format!("the property {what} is required"),
        )
    })
}

/// A checked create body.
pub(crate) struct NewOrder {
    pub(crate) external_reference: String,
    pub(crate) description: Option<String>,
    pub(crate) expiration_time: Option<String>,
    pub(crate) amount_text: String,
    pub(crate) cents: i64,
    pub(crate) terminal_id: String,
    pub(crate) print_on_terminal: String,
    pub(crate) default_type: Option<String>,
    pub(crate) integration_data: Map<String, Value>,
}

pub(crate) fn parse_create(cfg: &SimulatorConfig, body: &[u8]) -> Result<NewOrder, OrdersError> {
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
    cfg.effective_limits()
        .check(amount, Some(cfg.site))
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

/// The parts of a request the Orders handlers read.
pub(crate) struct OrderRequest<'a> {
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    pub idempotency_key: Option<String>,
    /// `x-allow-cancelable-status: at_terminal` was sent.
    pub allow_at_terminal: bool,
}

/// The `X-Idempotency-Key` the newer APIs require (Orders, Terminals), or their 400.
pub(crate) fn need_key(req: &OrderRequest<'_>) -> Result<String, OrdersError> {
    req.idempotency_key.clone().ok_or_else(|| {
        OrdersError::new(
            400,
            "empty_required_header",
            "The `X-Idempotency-Key` header is required and was not sent. Make the request again including it.",
        )
    })
}

pub(crate) fn not_found(id: &str) -> OrdersError {
    OrdersError::new(
        404,
        "order_not_found",
        format!("Order {id} not found. Please check if you provided the correct order ID."),
    )
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
}
