//! Payment intents: what a POS asks a Point terminal to charge, and what the API answers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::{Amount, AmountLimits, Site};
#[cfg(test)]
use crate::error::ErrorKind;
use crate::error::{Error, Result};

/// The status of an intent. Unknown values sent by the API are kept in [`Status::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// Created, waiting for the terminal to fetch it; the only state the API can cancel.
    Opened,
    /// Loaded on the terminal; can only be canceled on the terminal.
    OnTerminal,
    /// Being processed with the card network.
    Processing,
    /// Processing finished, waiting for confirmation.
    Processed,
    /// Final: finished; the operations' `results` hold the payment id(s). Not yet a paid sale: the
    /// payment may be approved or rejected.
    Closed,
    /// Final: ended without a known payment status. The operator must check the payment on the
    /// terminal before handing over goods.
    ConfirmationRequired,
    /// Final: canceled through the API (while `OPENED`) or on the terminal.
    Canceled,
    /// Final: the transaction failed.
    Error,
    /// Final: not processed within one hour of creation.
    Expired,
    /// A status this version does not know, kept as sent. Treated as not final.
    Unknown(String),
}

impl Status {
    /// The nine documented statuses, in lifecycle order.
    pub const KNOWN: [Status; 9] = [
        Status::Opened,
        Status::OnTerminal,
        Status::Processing,
        Status::Processed,
        Status::Closed,
        Status::ConfirmationRequired,
        Status::Canceled,
        Status::Error,
        Status::Expired,
    ];

    /// The API's spelling, `"ON_TERMINAL"` etc.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Opened => "OPENED",
            Status::OnTerminal => "ON_TERMINAL",
            Status::Processing => "PROCESSING",
            Status::Processed => "PROCESSED",
            Status::Closed => "CLOSED",
            Status::ConfirmationRequired => "CONFIRMATION_REQUIRED",
            Status::Canceled => "CANCELED",
            Status::Error => "ERROR",
            Status::Expired => "EXPIRED",
            Status::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling (case-insensitively); anything else becomes [`Status::Unknown`].
    pub fn parse(s: &str) -> Status {
        let upper = s.trim().to_ascii_uppercase();
        Status::KNOWN
            .iter()
            .find(|k| k.as_str() == upper)
            .cloned()
            .unwrap_or_else(|| Status::Unknown(s.to_string()))
    }

    /// Whether the intent will not change any more: `CLOSED`, `CONFIRMATION_REQUIRED`, `CANCELED`,
    /// `ERROR`, `EXPIRED`.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Closed
                | Status::ConfirmationRequired
                | Status::Canceled
                | Status::Error
                | Status::Expired
        )
    }

    /// Whether `cancel_intent` can still cancel it: only while `OPENED`. Past that, the intent is on
    /// the terminal and must be canceled there.
    pub fn can_cancel_via_api(&self) -> bool {
        matches!(self, Status::Opened)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Status, Self::Err> {
        Ok(Status::parse(s))
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Status, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Status::parse(&s))
    }
}

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
        }
    }

    /// The ticket number printed on the receipt (1–100 letters and digits; documented for
    /// Argentina).
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
        }
        if let Some(k) = &self.idempotency_key {
            if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::invalid_argument(
                    "idempotency_key",
                    "must be 1-255 printable ASCII characters without spaces",
                    k,
                ));
            }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_payment_mode: Option<String>,
    /// The ticket number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// What the terminal prints (`SELLER_TICKET`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub print_on_terminal: Vec<String>,
}

/// An intent as the API returns it (create, get, and the `data` of a webhook notification).
/// Unknown fields are ignored; unknown statuses are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// The intent id (opaque).
    pub id: String,
    /// Where it stands.
    pub status: Status,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The caller's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// The operations (one `PURCHASE` for Point).
    #[serde(default, deserialize_with = "null_as_default")]
    pub operations: Vec<Operation>,
    /// Terminal options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabler_configuration: Option<EnablerConfiguration>,
    /// The `X-Idempotency-Key` the create was sent with (set on intents returned by a create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl Intent {
    /// The amount of the first operation, if the answer carried one.
    pub fn amount(&self) -> Option<Amount> {
        self.operations.iter().find_map(|o| o.amount)
    }

    /// The payment ids of every operation's `results` whose source is `PAYMENT` (present once the
    /// intent is `CLOSED`).
    pub fn payment_ids(&self) -> Vec<u64> {
        self.operations
            .iter()
            .flat_map(|o| o.results.iter())
            .filter(|r| {
                r.source
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case("PAYMENT"))
            })
            .map(|r| r.id)
            .collect()
    }
}

/// One operation of an intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// `PURCHASE`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// What the operation produced (present when `CLOSED`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub results: Vec<OperationResult>,
}

/// A transaction produced by an operation: `{"id": 123456, "source": "PAYMENT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationResult {
    /// The payment id (sent as a number; a numeric string is accepted too).
    #[serde(deserialize_with = "crate::payment::de_id")]
    pub id: u64,
    /// `PAYMENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub(crate) fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for s in Status::KNOWN {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        let finals: Vec<_> = Status::KNOWN.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals.len(), 5);
        assert!(!Status::Opened.is_final() && Status::Opened.can_cancel_via_api());
        assert!(!Status::OnTerminal.can_cancel_via_api());
        assert!(!Status::Closed.can_cancel_via_api());
        assert_eq!(Status::parse("on_terminal"), Status::OnTerminal);
        let u = Status::parse("WAITING_FOR_PIN");
        assert_eq!(u, Status::Unknown("WAITING_FOR_PIN".into()));
        assert!(!u.is_final() && !u.can_cancel_via_api());
        assert_eq!(u.to_string(), "WAITING_FOR_PIN");
        let j: Status = serde_json::from_str("\"CONFIRMATION_REQUIRED\"").unwrap();
        assert!(j.is_final());
        assert_eq!(
            serde_json::to_string(&Status::OnTerminal).unwrap(),
            "\"ON_TERMINAL\""
        );
    }

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
