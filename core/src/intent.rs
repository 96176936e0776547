//! Payment intents: what a POS asks a Point terminal to charge, and what the API answers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::{Amount, AmountLimits, Site};
#[cfg(test)]
use crate::error::ErrorKind;
use crate::error::{Error, Result};
use crate::serde_util;
pub use crate::status::Status;

/// Where an intent is sent: the device linked to a POS (by the POS's `external_id`), or a device
/// by its id (`PAX_A910__SMARTPOS1234567890`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// The device linked to the point of sale with this `external_id`.
    Pos(String),
    /// The device with this id.
    Device(String),
}

impl Target {
    /// The target named by a pair of optional arguments, as the bindings take them (`pos=` /
    /// `device=` in Python, `{ pos }` / `{ device }` in Node): exactly one must be given.
    pub fn from_options(pos: Option<String>, device: Option<String>) -> Result<Target> {
        match (pos, device) {
            (Some(p), None) => Ok(Target::Pos(p)),
            (None, Some(d)) => Ok(Target::Device(d)),
            (None, None) => Err(Error::invalid_argument(
                "target",
                "must name the terminal that charges: a POS external id (pos) or a device id (device)",
                "neither",
            )),
            (Some(p), Some(d)) => Err(Error::invalid_argument(
                "target",
                "must name exactly one of pos or device, not both",
                &format!("pos {p:?}, device {d:?}"),
            )),
        }
    }

    /// Checks the id is usable (not empty, no control characters, at most 255 characters).
    pub fn validate(&self) -> Result<()> {
        match self {
            Target::Pos(id) => validate_id("pos_external_id", id),
            Target::Device(id) => validate_id("device_id", id),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Pos(id) => write!(f, "POS {id}"),
            Target::Device(id) => write!(f, "device {id}"),
        }
    }
}

/// Checks an identifier that goes into a URL path: not empty, at most 255 characters, no control
/// characters. (It is percent-encoded when sent, so any other character is safe.)
pub fn validate_id(field: &'static str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid_argument(field, "must not be empty", id));
    }
    if id.chars().count() > 255 {
        return Err(Error::invalid_argument(
            field,
            "must be at most 255 characters",
            id,
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid_argument(
            field,
            "must not contain control characters",
            id,
        ));
    }
    Ok(())
}

/// What to charge: the fields of a create-intent request. Build it with [`IntentRequest::new`]
/// and the setters.
///
/// ```
/// use mppoint::{Amount, IntentRequest};
/// let req = IntentRequest::new(Amount::parse("12.47")?, "Sale 123", "order-123")
///     .ticket_number("T001")
///     .print_seller_ticket(true);
/// assert_eq!(req.amount().to_string(), "12.47");
/// # Ok::<(), mppoint::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentRequest {
    amount: Amount,
    description: String,
    external_reference: String,
    ticket_number: Option<String>,
    print_seller_ticket: bool,
    idempotency_key: Option<String>,
    /// Orders API: the `expiration_time` of this create, set by the sale journal (the sale's
    /// deadline); `None` leaves the client's.
    order_expiration: Option<String>,
}

impl IntentRequest {
    /// A purchase of `amount`, with a `description` (1–255 characters, shown on the terminal) and
    /// your `external_reference` (1–100 characters: letters, digits, spaces and `- : _ , .`).
    pub fn new(
        amount: Amount,
        description: impl Into<String>,
        external_reference: impl Into<String>,
    ) -> IntentRequest {
        IntentRequest {
            amount,
            description: description.into(),
            external_reference: external_reference.into(),
            ticket_number: None,
            print_seller_ticket: false,
            idempotency_key: None,
            order_expiration: None,
        }
    }

    /// The ticket number printed on the receipt (1–100 letters and digits). Documented for
    /// Argentina only: with the site set to MLB, validation refuses it.
    pub fn ticket_number(mut self, ticket: impl Into<String>) -> Self {
        self.ticket_number = Some(ticket.into());
        self
    }

    /// Whether the terminal prints the seller's ticket (`print_on_terminal: ["SELLER_TICKET"]`).
    pub fn print_seller_ticket(mut self, yes: bool) -> Self {
        self.print_seller_ticket = yes;
        self
    }

    /// The `X-Idempotency-Key` to send (by default a new UUID v4 per create). Pass the key of an
    /// earlier create whose outcome is unknown to retry that same create.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Orders API: this create's `expiration_time` (the journal's sale deadline).
    pub(crate) fn with_order_expiration(mut self, e: Option<String>) -> Self {
        self.order_expiration = e;
        self
    }

    /// Orders API: this create's own `expiration_time`, if set.
    pub(crate) fn order_expiration(&self) -> Option<&str> {
        self.order_expiration.as_deref()
    }

    /// The amount to charge.
    pub fn amount(&self) -> Amount {
        self.amount
    }
    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The external reference.
    pub fn external_reference(&self) -> &str {
        &self.external_reference
    }
    /// The ticket number, if set.
    pub fn get_ticket_number(&self) -> Option<&str> {
        self.ticket_number.as_deref()
    }
    /// Whether the seller ticket is printed.
    pub fn get_print_seller_ticket(&self) -> bool {
        self.print_seller_ticket
    }
    /// The idempotency key given by the caller, if any.
    pub fn get_idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// Checks every field against the API's rules, and the amount against `limits`. Each failure
    /// names the field, the rule and the value.
    pub fn validate(&self, limits: Option<&AmountLimits>, site: Option<Site>) -> Result<()> {
        validate_description(&self.description)?;
        validate_external_reference(&self.external_reference)?;
        if let Some(t) = &self.ticket_number {
            validate_ticket_number(t)?;
            // Only the MLA reference documents `ticket_number`; the MLB schema has no such
            // field, so a Brazilian account gets a clear refusal instead of a ticket number
            // that is silently not printed (or a 400).
            if site == Some(Site::MLB) {
                return Err(Error::invalid_argument(
                    "ticket_number",
                    "is documented for Argentina (MLA) only: the MLB reference has no ticket_number; leave it out",
                    t,
                ));
            }
        }
        if let Some(k) = &self.idempotency_key {
            validate_idempotency_key(k)?;
        }
        if let Some(l) = limits {
            l.check(self.amount, site)?;
        }
        Ok(())
    }

    /// The JSON body of the create request.
    pub fn to_body(&self) -> CreateIntentBody {
        let enabler = if self.ticket_number.is_some() || self.print_seller_ticket {
            Some(EnablerConfiguration {
                device_payment_mode: Some("CARD".into()),
                ticket_number: self.ticket_number.clone(),
                print_on_terminal: if self.print_seller_ticket {
                    vec!["SELLER_TICKET".into()]
                } else {
                    Vec::new()
                },
            })
        } else {
            None
        };
        CreateIntentBody {
            description: self.description.clone(),
            external_reference: self.external_reference.clone(),
            operations: vec![CreateOperation {
                kind: "PURCHASE".into(),
                amount: self.amount,
            }],
            enabler_configuration: enabler,
        }
    }
}

/// The longest `X-Idempotency-Key` accepted, on every API and operation.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// The one rule for an `X-Idempotency-Key` the caller chooses (a create's, a refund's), on
/// either API: 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] printable ASCII characters, no spaces. (Mercado
/// Pago's pages give no length; 128 is the narrower of the limits this library used to apply, and
/// a UUID has 36.)
pub fn validate_idempotency_key(k: &str) -> Result<()> {
    if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(Error::invalid_argument(
            "idempotency_key",
            format!(
                "must be 1-{MAX_IDEMPOTENCY_KEY_LEN} printable ASCII characters without spaces"
            ),
            k,
        ));
    }
    Ok(())
}

/// Checks a description: 1–255 characters.
pub fn validate_description(d: &str) -> Result<()> {
    let n = d.chars().count();
    if n == 0 || d.trim().is_empty() {
        return Err(Error::invalid_argument(
            "description",
            "must be 1-255 characters and not blank",
            d,
        ));
    }
    if n > 255 {
        return Err(Error::invalid_argument(
            "description",
            format!("must be 1-255 characters (it has {n})"),
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

/// Checks an external reference: 1–100 characters, letters, digits, spaces and `- : _ , .`.
/// The character set is stated by the MLA reference only; it is applied on every site (the same
/// service answers both, and a refusal here is clearer than a 400 from the API).
pub fn validate_external_reference(r: &str) -> Result<()> {
    let n = r.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::invalid_argument(
            "external_reference",
            format!("must be 1-100 characters (it has {n})"),
            r,
        ));
    }
    if let Some(c) = r
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | ':' | '_' | ',' | '.')))
    {
        return Err(Error::invalid_argument(
            "external_reference",
            format!("may only hold letters, digits, spaces and - : _ , . ({c:?} is not allowed)"),
            r,
        ));
    }
    Ok(())
}

/// Checks a ticket number: 1–100 letters and digits.
pub fn validate_ticket_number(t: &str) -> Result<()> {
    if t.is_empty() || t.len() > 100 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid_argument(
            "ticket_number",
            "must be 1-100 letters and digits",
            t,
        ));
    }
    Ok(())
}

/// The body of `POST …/intents/point/…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateIntentBody {
    /// Description shown on the terminal.
    pub description: String,
    /// The caller's reference.
    pub external_reference: String,
    /// One `PURCHASE`.
    pub operations: Vec<CreateOperation>,
    /// Terminal options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabler_configuration: Option<EnablerConfiguration>,
}

/// One operation of a create body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOperation {
    /// `PURCHASE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The amount, sent as a two-decimal string.
    pub amount: Amount,
}

/// Terminal options of an intent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnablerConfiguration {
    /// `CARD`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub device_payment_mode: Option<String>,
    /// The ticket number (documented for Argentina only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub ticket_number: Option<String>,
    /// What the terminal prints (`SELLER_TICKET`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "serde_util::lenient_list"
    )]
    pub print_on_terminal: Vec<String>,
}

/// An intent as the API returns it (create, get, and the `data` of a webhook notification).
///
/// Read leniently, as Mercado Pago documents it: unknown fields are ignored (the reference's QR
/// intents add `sponsor`, `items`, …), unknown statuses and result sources are kept, and a field
/// that is only displayed (`description`, an operation's `amount`, the terminal options) never
/// makes the whole answer fail: of an odd shape, it reads as absent. Only `status` is required; a
/// GET answer without `id` (the guide's own example has none) gets the id that was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// The intent id (opaque).
    #[serde(deserialize_with = "serde_util::required_text")]
    pub id: String,
    /// Where it stands.
    pub status: Status,
    /// The description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub description: Option<String>,
    /// The caller's reference.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub external_reference: Option<String>,
    /// The operations (one `PURCHASE` for Point).
    #[serde(default, deserialize_with = "serde_util::lenient_list")]
    pub operations: Vec<Operation>,
    /// Terminal options.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::lenient"
    )]
    pub enabler_configuration: Option<EnablerConfiguration>,
    /// The `X-Idempotency-Key` the create was sent with (set on intents returned by a create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The API it was read from: an intent of the InStore API, or an order read as one. Set by
    /// the client, never read from Mercado Pago's answer.
    #[serde(default, skip_deserializing)]
    pub api: crate::Api,
}

impl Intent {
    /// Whether it can still be canceled through the API, by the rule of the API it came from
    /// ([`crate::Api::can_cancel_via_api`]): an intent only while `OPENED`, an order also while
    /// `at_terminal`. Otherwise cancel it on the terminal.
    pub fn can_cancel_via_api(&self) -> bool {
        self.api.can_cancel_via_api(&self.status)
    }

    /// The amount of the first operation, if the answer carried one.
    pub fn amount(&self) -> Option<Amount> {
        self.operations.iter().find_map(|o| o.amount)
    }

    /// The payment ids to look up with `GET /v1/payments/{id}`: every operation's `results` whose
    /// source is `PAYMENT` (or not given) and whose id is a payment id (a positive integer).
    /// Present once the intent is `CLOSED`. See [`Intent::unresolved_results`] for the others.
    pub fn payment_ids(&self) -> Vec<u64> {
        self.results()
            .filter_map(OperationResult::payment_id)
            .collect()
    }

    /// The results that cannot be looked up as a payment: an id that is not a payment id, or a
    /// source other than `PAYMENT` (e.g. `PAYOUT`). While one exists and no payment is approved,
    /// a `CLOSED` intent is not a known outcome: its verdict is `CONFIRMATION_REQUIRED`.
    pub fn unresolved_results(&self) -> Vec<&OperationResult> {
        self.results()
            .filter(|r| r.payment_id().is_none())
            .collect()
    }

    fn results(&self) -> impl Iterator<Item = &OperationResult> {
        self.operations.iter().flat_map(|o| o.results.iter())
    }
}

/// Reads the answer of `GET …/intents/{id}/point`: an [`Intent`], whose `id` may be missing (the
/// guide's status example has none): then it is the id that was asked for.
pub(crate) fn intent_from_get_answer(
    mut v: serde_json::Value,
    intent_id: &str,
) -> std::result::Result<Intent, serde_json::Error> {
    if let Some(obj) = v.as_object_mut() {
        let missing = match obj.get("id") {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if missing {
            obj.insert(
                "id".into(),
                serde_json::Value::String(intent_id.to_string()),
            );
        }
    }
    serde_json::from_value(v)
}

/// One operation of an intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// `PURCHASE`.
    #[serde(rename = "type", default, deserialize_with = "serde_util::text")]
    pub kind: String,
    /// The amount (absent, or of a shape that is not an amount: `None`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::lenient"
    )]
    pub amount: Option<Amount>,
    /// What the operation produced (present when `CLOSED`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "serde_util::lenient_list"
    )]
    pub results: Vec<OperationResult>,
}

/// A transaction produced by an operation: `{"id": 123456, "source": "PAYMENT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationResult {
    /// The id, kept as sent: documented as a number (a payment id when the source is `PAYMENT`).
    #[serde(default)]
    pub id: ResultId,
    /// `PAYMENT` (or another source, kept as sent; `None` when not given).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::lenient"
    )]
    pub source: Option<ResultSource>,
}

impl OperationResult {
    /// The payment id to look up: the id when it is a positive integer and the source is
    /// `PAYMENT` (or not given).
    pub fn payment_id(&self) -> Option<u64> {
        match self.source {
            None | Some(ResultSource::Payment) => self.id.as_u64(),
            Some(_) => None,
        }
    }
}

/// The id of an operation's result: documented as a number; a numeric string is read as the same
/// number; anything else is kept as text so that nothing is lost and a poll never fails on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultId {
    /// A positive integer (sent as a number or a string of digits).
    Number(u64),
    /// Anything else, as text (a JSON string as is, other JSON as its text; missing: empty).
    Text(String),
}

impl ResultId {
    /// The id as a positive integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            ResultId::Number(n) if *n > 0 => Some(*n),
            _ => None,
        }
    }
}

impl Default for ResultId {
    fn default() -> ResultId {
        ResultId::Text(String::new())
    }
}

impl fmt::Display for ResultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultId::Number(n) => write!(f, "{n}"),
            ResultId::Text(t) => f.write_str(t),
        }
    }
}

impl From<u64> for ResultId {
    fn from(n: u64) -> ResultId {
        ResultId::Number(n)
    }
}

impl Serialize for ResultId {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ResultId::Number(n) => s.serialize_u64(*n),
            ResultId::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for ResultId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<ResultId, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(match crate::serde_util::value_u64(&v) {
            Some(n) => ResultId::Number(n),
            None => ResultId::Text(match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            }),
        })
    }
}

/// The entity a result's id belongs to. Unknown values are kept in [`ResultSource::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultSource {
    /// A payment: look it up with `GET /v1/payments/{id}`.
    Payment,
    /// A payout (documented for QR cash-outs): not a payment of a sale.
    Payout,
    /// A source this version does not know, kept as sent.
    Unknown(String),
}

impl ResultSource {
    /// The API's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            ResultSource::Payment => "PAYMENT",
            ResultSource::Payout => "PAYOUT",
            ResultSource::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling (case-insensitively); anything else is kept as sent.
    pub fn parse(s: &str) -> ResultSource {
        match s.trim().to_ascii_uppercase().as_str() {
            "PAYMENT" => ResultSource::Payment,
            "PAYOUT" => ResultSource::Payout,
            _ => ResultSource::Unknown(s.to_string()),
        }
    }
}

impl fmt::Display for ResultSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultSource {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<ResultSource, D::Error> {
        Ok(ResultSource::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> IntentRequest {
        IntentRequest::new(Amount::parse("12.47").unwrap(), "Sale 123", "order-123")
    }

    #[test]
    fn validation_names_field_rule_and_value() {
        assert!(req().validate(None, None).is_ok());
        let e = IntentRequest::new(Amount::parse("1").unwrap(), "", "r")
            .validate(None, None)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some("description"))
        );
        let long = "x".repeat(256);
        assert!(
            IntentRequest::new(Amount::parse("1").unwrap(), long.as_str(), "r")
                .validate(None, None)
                .is_err()
        );
        assert!(
            IntentRequest::new(Amount::parse("1").unwrap(), "x".repeat(255), "r")
                .validate(None, None)
                .is_ok()
        );
        let e = IntentRequest::new(Amount::parse("1").unwrap(), "d", "order#1")
            .validate(None, None)
            .unwrap_err();
        assert_eq!(e.field(), Some("external_reference"));
        assert!(e.message().contains("'#'"), "{e}");
        assert!(e.message().contains("order#1"), "{e}");
        assert!(
            IntentRequest::new(Amount::parse("1").unwrap(), "d", "A b-c:d_e,f.g")
                .validate(None, None)
                .is_ok()
        );
        assert!(
            IntentRequest::new(Amount::parse("1").unwrap(), "d", "r".repeat(101))
                .validate(None, None)
                .is_err()
        );
        let e = req()
            .ticket_number("T-001")
            .validate(None, None)
            .unwrap_err();
        assert_eq!(e.field(), Some("ticket_number"));
        assert!(req().ticket_number("T001").validate(None, None).is_ok());
        assert!(req().ticket_number("").validate(None, None).is_err());
        req()
            .validate(Some(&Site::MLA.default_limits()), Some(Site::MLA))
            .expect("12.47 is within the MLA limits");
        let small = IntentRequest::new(Amount::parse("4.99").unwrap(), "d", "r");
        let e = small
            .validate(Some(&Site::MLA.default_limits()), Some(Site::MLA))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidAmount);
        assert!(req()
            .idempotency_key("has space")
            .validate(None, None)
            .is_err());
    }

    #[test]
    fn exactly_one_target() {
        assert_eq!(
            Target::from_options(Some("P".into()), None).unwrap(),
            Target::Pos("P".into())
        );
        assert_eq!(
            Target::from_options(None, Some("D".into())).unwrap(),
            Target::Device("D".into())
        );
        let e = Target::from_options(None, None).unwrap_err();
        assert_eq!(e.field(), Some("target"));
        assert!(e.message().contains("POS external id"), "{e}");
        let e = Target::from_options(Some("P".into()), Some("D".into())).unwrap_err();
        assert!(e.message().contains("not both"), "{e}");
    }

    #[test]
    fn ids() {
        assert!(Target::Pos("".into()).validate().is_err());
        assert!(Target::Device("  ".into()).validate().is_err());
        assert!(Target::Device("a\nb".into()).validate().is_err());
        assert!(Target::Device("PAX_A910__SMARTPOS1234567890".into())
            .validate()
            .is_ok());
    }

    #[test]
    fn body_matches_the_documented_shape() {
        let body = req()
            .ticket_number("T001")
            .print_seller_ticket(true)
            .to_body();
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "description": "Sale 123",
                "external_reference": "order-123",
                "operations": [ { "type": "PURCHASE", "amount": "12.47" } ],
                "enabler_configuration": {
                    "device_payment_mode": "CARD",
                    "ticket_number": "T001",
                    "print_on_terminal": ["SELLER_TICKET"]
                }
            })
        );
        let plain = serde_json::to_value(req().to_body()).unwrap();
        assert!(plain.get("enabler_configuration").is_none());
    }

    #[test]
    fn reads_the_documented_get_answer() {
        let j = r#"{
            "description": "description",
            "external_reference": "external_reference",
            "status": "CLOSED",
            "id": "abc",
            "some_new_field": {"x": 1},
            "operations": [
                { "type": "PURCHASE", "amount": "10.14",
                  "results": [ { "id": 123456, "source": "PAYMENT" } ] }
            ],
            "enabler_configuration": {
                "ticket_number": "Ticket001",
                "device_payment_mode": "CARD",
                "print_on_terminal": [ "SELLER_TICKET" ]
            }
        }"#;
        let i: Intent = serde_json::from_str(j).unwrap();
        assert_eq!(i.status, Status::Closed);
        assert_eq!(i.payment_ids(), vec![123456]);
        assert_eq!(i.amount().unwrap().to_string(), "10.14");
        let j2 = r#"{"id":"x","status":"OPENED","operations":[{"type":"PURCHASE","amount":"1.00","results":[{"id":"77","source":"PAYMENT"}]}],"enabler_configuration":null}"#;
        let i2: Intent = serde_json::from_str(j2).unwrap();
        assert_eq!(i2.payment_ids(), vec![77]);
    }
}
