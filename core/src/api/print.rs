//! The Terminals API's print actions (`/terminals/v1/actions`), which both Point APIs share: a
//! print action created (its `X-Idempotency-Key` documented and honoured, so a lost answer is
//! re-sent with it), read, and canceled while the terminal has not fetched it.

use serde::Deserialize;
use serde_json::json;

use crate::error::{ErrorKind, Result};
use crate::intent::validate_idempotency_key;
use crate::print::{validate_print_reference, PrintAction, PrintRequest, PrintStatus};
use crate::transport::{self, plain_conflict, seg, Call, Resend, Transport};

const ACTIONS_PATH: &str = "/terminals/v1/actions";

/// The answer's shape: `{id, type, external_reference, status, config.point{terminal_id,
/// subtype}, created_date}`.
#[derive(Deserialize)]
struct Wire {
    id: String,
    status: PrintStatus,
    #[serde(default)]
    external_reference: Option<String>,
    #[serde(default)]
    config: Option<WireConfig>,
    #[serde(default)]
    created_date: Option<String>,
}

#[derive(Deserialize)]
struct WireConfig {
    #[serde(default)]
    point: Option<WirePoint>,
}

#[derive(Deserialize)]
struct WirePoint {
    #[serde(default)]
    terminal_id: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
}

impl Wire {
    fn action(self, key: Option<String>) -> PrintAction {
        let point = self.config.and_then(|c| c.point);
        PrintAction {
            id: self.id,
            status: self.status,
            external_reference: self.external_reference,
            terminal_id: point.as_ref().and_then(|p| p.terminal_id.clone()),
            subtype: point.and_then(|p| p.subtype),
            created_date: self.created_date,
            idempotency_key: key,
        }
    }
}

fn print_conflict(c: &transport::Conflict<'_>) -> (ErrorKind, String) {
    let (subject, said) = (c.subject, c.said);
    match c.code.map(str::to_ascii_lowercase).as_deref() {
        Some("idempotency_key_already_used") => (
            ErrorKind::IdempotencyKeyMismatch,
            format!("the idempotency key of {subject} was already used with a different print request{said}: use a new key for a new print"),
        ),
        Some("cannot_cancel_order") => (
            ErrorKind::CannotCancel,
            format!("{subject} can no longer be canceled{said}: the terminal has fetched it, or it has ended"),
        ),
        _ => plain_conflict(c),
    }
}

/// `POST /terminals/v1/actions` (type `print`).
pub(crate) fn create(t: &Transport, req: &PrintRequest) -> Result<PrintAction> {
    crate::api::orders::validate_terminal_id(&req.terminal_id)?;
    validate_print_reference(&req.external_reference)?;
    let key = match &req.idempotency_key {
        Some(k) => {
            validate_idempotency_key(k)?;
            k.clone()
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let body = json!({
        "type": "print",
        "external_reference": req.external_reference,
        "config": { "point": { "terminal_id": req.terminal_id, "subtype": req.content.subtype() } },
        "content": req.content.wire()?,
    });
    let body = serde_json::to_vec(&body)
        .map_err(|e| crate::Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
    let subject = format!("the print action for terminal {}", req.terminal_id);
    let advice = format!(
        "the print action may have been created. Do not print again with a new key: retry with the same idempotency key {key} (the API answers it with the same action)"
    );
    let wire: Wire = t.json(
        Call::post(ACTIONS_PATH, Some(body), key.clone(), &subject)
            .once(Resend::Always, advice)
            .with_conflict(print_conflict),
    )?;
    Ok(wire.action(Some(key)))
}

/// `GET /terminals/v1/actions/{id}`.
pub(crate) fn get(t: &Transport, id: &str) -> Result<PrintAction> {
    crate::intent::validate_id("action_id", id)?;
    let subject = format!("print action {id}");
    let wire: Wire = t.json(Call::get(format!("{ACTIONS_PATH}/{}", seg(id)), &subject))?;
    Ok(wire.action(None))
}

/// `POST /terminals/v1/actions/{id}/cancel` (key required; only while `created`).
pub(crate) fn cancel(t: &Transport, id: &str) -> Result<()> {
    crate::intent::validate_id("action_id", id)?;
    let subject = format!("print action {id}");
    t.empty(
        Call::post(
            format!("{ACTIONS_PATH}/{}/cancel", seg(id)),
            None,
            uuid::Uuid::new_v4().to_string(),
            &subject,
        )
        .with_conflict(print_conflict),
    )
}
