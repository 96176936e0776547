//! The body of a webhook notification: the intent as it ended, in Mercado Pago's envelope.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::error::{quote_snippet, Error, ErrorKind, Result};
use crate::intent::{Intent, Status};

/// A notification's `data`: the intent as it ended, plus its `url`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotificationData {
    /// The intent.
    #[serde(flatten)]
    pub intent: Intent,
    /// The intent's API URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A webhook notification's body. Unknown fields are ignored. The envelope is read leniently (a
/// missing `id` or `type` is empty; a `live_mode`, `user_id` or `date_created` of an unexpected
/// shape is `None`); `data` is read strictly (it needs `id` and `status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The notification's id (sent as a string or a number; kept as text).
    #[serde(default, deserialize_with = "de_text")]
    pub id: String,
    /// What happened, e.g. `topic_instore_integration_wh.application.authorized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The JSON `type`: `topic_instore_integration_wh` for Point and QR intents.
    #[serde(rename = "type", default, deserialize_with = "de_text")]
    pub kind: String,
    /// When Mercado Pago created the notification.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_date"
    )]
    pub date_created: Option<NotificationDate>,
    /// Whether it comes from production (`false` for test credentials).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_bool"
    )]
    pub live_mode: Option<bool>,
    /// The Mercado Pago account (a number, or a numeric string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_u64"
    )]
    pub user_id: Option<u64>,
    /// The intent as it ended.
    pub data: NotificationData,
}

impl Notification {
    /// The intent id (`data.id`).
    pub fn intent_id(&self) -> &str {
        &self.data.intent.id
    }

    /// The intent's status (`data.status`).
    pub fn status(&self) -> &Status {
        &self.data.intent.status
    }

    /// Whether the intent's status is final (`CLOSED`, `CONFIRMATION_REQUIRED`, `CANCELED`,
    /// `ERROR`, `EXPIRED`). Mercado Pago only notifies final statuses; an unknown status is not
    /// final. `CLOSED` is not yet a paid sale: look its payment up.
    pub fn is_final(&self) -> bool {
        self.data.intent.status.is_final()
    }

    /// A key that is the same for every delivery of the same event: `{intent id}:{STATUS}`.
    ///
    /// Mercado Pago retries a notification every 15 minutes until it gets a 200/201 within 22
    /// seconds, so a slow or failed answer makes the same notification arrive again. An intent
    /// reaches a given final status only once, so the intent id and the status identify the event
    /// whatever the delivery: remember the keys already handled and answer 200 without acting
    /// when one comes back.
    pub fn dedup_key(&self) -> String {
        // An order notification: the order's own status (in its `order.<status>` action), since
        // `processed` and `refunded` are both CLOSED and are two events.
        if self.kind == "order" {
            if let Some(s) = self
                .action
                .as_deref()
                .and_then(|a| a.strip_prefix("order."))
            {
                return format!("{}:{}", self.data.intent.id, s);
            }
        }
        format!(
            "{}:{}",
            self.data.intent.id,
            self.data.intent.status.as_str()
        )
    }
}

/// The `date_created` of a notification: the text as sent, and the instant when it could be read.
///
/// Mercado Pago writes `2023-07-27 20:24:21.776642198-0400` (a space, up to nine fractional
/// digits, an offset without a colon), which is not RFC 3339; that form (with `T` or a space, with
/// or without fraction, offset with or without colon) and RFC 3339 are read. Anything else keeps
/// its text with no instant: it is not an error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotificationDate {
    raw: String,
    parsed: Option<OffsetDateTime>,
}

impl NotificationDate {
    /// Reads `raw` (never fails: an unreadable date has no [`parsed`](Self::parsed) instant).
    pub fn parse(raw: &str) -> NotificationDate {
        NotificationDate {
            raw: raw.to_string(),
            parsed: parse_date(raw),
        }
    }

    /// The text as sent.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The instant, when the text could be read.
    pub fn parsed(&self) -> Option<OffsetDateTime> {
        self.parsed
    }

    /// The instant in RFC 3339 (`2023-07-27T20:24:21.776642198-04:00`), when the text could be
    /// read.
    pub fn rfc3339(&self) -> Option<String> {
        self.parsed.and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
    }
}

impl fmt::Display for NotificationDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn parse_date(raw: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let s = raw.trim();
    if let Ok(d) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(d);
    }
    // Mercado Pago's form and its near relatives; `[subsecond]` reads one to nine digits.
    let with_offset: [&[time::format_description::BorrowedFormatItem<'_>]; 3] = [
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory]:[offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
        ),
    ];
    if let Some(d) = with_offset
        .iter()
        .find_map(|form| OffsetDateTime::parse(s, form).ok())
    {
        return Some(d);
    }
    let utc = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]Z"
    );
    time::PrimitiveDateTime::parse(s, utc)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

impl Serialize for NotificationDate {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for NotificationDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(NotificationDate::parse(&raw))
    }
}

/// A string, or a number kept as its text; anything else (or null) is empty.
fn de_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

fn de_opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<NotificationDate>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(NotificationDate::parse(&s)),
        _ => None,
    })
}

/// `true`/`false`, or the strings `"true"`/`"false"`; anything else is `None`.
fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// A non-negative integer, or a string of one; anything else is `None`.
fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Reads a notification's JSON body.
///
/// Invalid UTF-8, malformed or truncated JSON, and a `data` without `id` or `status` are
/// [`ErrorKind::Decode`] errors whose message quotes the start of the body. Never panics.
///
/// ```
/// let n = mppoint::webhook::parse(br#"{"id":"1","type":"topic_instore_integration_wh",
///     "data":{"id":"abc","status":"CANCELED"}}"#)?;
/// assert_eq!(n.dedup_key(), "abc:CANCELED");
/// assert!(n.is_final());
/// assert!(mppoint::webhook::parse(b"{\"data\":").is_err());
/// # Ok::<(), mppoint::Error>(())
/// ```
pub fn parse(body: &[u8]) -> Result<Notification> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            return Err(decode_error(
                format!("is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
                body,
            ))
        }
    };
    if text.trim().is_empty() {
        return Err(decode_error("is empty".to_string(), body));
    }
    // An Orders API notification (`type: "order"`): its order is read as the shared intent.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if crate::api::orders::is_order_notification(&v) {
            let v = crate::api::orders::notification_as_intent(v)
                .map_err(|e| decode_error(format!("is not an order notification ({e})"), body))?;
            return serde_json::from_value(v)
                .map_err(|e| decode_error(format!("is not an order notification ({e})"), body));
        }
    }
    serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => format!("is truncated JSON ({e})"),
            serde_json::error::Category::Syntax => format!("is not valid JSON ({e})"),
            _ => format!("is not a notification ({e}); data.id and data.status are required"),
        };
        decode_error(what, body)
    })
}

fn decode_error(what: String, body: &[u8]) -> Error {
    let start = &body[..body.len().min(200)];
    Error::new(
        ErrorKind::Decode,
        format!(
            "webhook body {what}; it starts {}",
            quote_snippet(&String::from_utf8_lossy(start))
        ),
    )
}
