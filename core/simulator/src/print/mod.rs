//! The Print API of the Terminals API (launched 2025-04-09): print actions a POS sends to a
//! Point terminal's own printer, written from Mercado Pago's reference pages ("Create terminal
//! action", "Get action", "Cancel action") and the "Configure printings" guide — not from
//! Mercado Pago's OpenAPI file, whose schema for these endpoints (`type: PRINT_INFO`,
//! `config.device_id`, `content.source`, 200, `pending/sent/printed/failed`) contradicts the
//! pages.
//!
//! | method and path | answers |
//! |---|---|
//! | `POST /terminals/v1/actions` | 201 `{id, type, external_reference, status: "created", config.point{terminal_id, subtype}, created_date}`; `X-Idempotency-Key` required (400 `empty_required_header`) and honoured (same key and body: the same action; another body: 409 `idempotency_key_already_used`); 400 `json_syntax_error`, `required_properties`, `unsupported_properties`, `property_type`, `property_value`; 404 `not_found` (a terminal the account does not have) |
//! | `GET /terminals/v1/actions/{id}` | 200 the action; 404 `order_not_found` (the page's code) |
//! | `POST /terminals/v1/actions/{id}/cancel` | key required and honoured; 200 without a body while `created`; 400 `invalid_path_param`; 404; 409 `cannot_cancel_order` once fetched or ended |
//!
//! Where the pages are silent the simulator takes the harsher reading: every field of the create
//! is required (the reference marks them optional, the guide calls them mandatory); a `custom`
//! content is 100 to 4096 characters, tags included, with at least one supported tag, every
//! `{…}` a supported tag or its closing form, and every opened tag closed in order (`{br}` stands
//! alone), a lone `{` or `}` refused (no escape is documented); an `image` is standard Base64 of
//! a PNG or JPEG of at most 1 MB (1,000,000 bytes: the limit integrators use; no page states one).
//!
//! The timeline (P-GUIDE: the PDV terminal fetches the action automatically): `created` → (pickup
//! delay, only on a terminal running in `PDV` mode) `on_terminal` → (step) `processed`. A terminal
//! in `STANDALONE` mode, or whose mode change waits for a restart, never fetches it. The control
//! API ([`crate::Simulator::finish_print`], [`crate::Simulator::hold_print`]) makes it end
//! otherwise (`failed`, `canceled` on the terminal) or stay where it is.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{json, Map, Value};

pub(crate) mod state;

use crate::hub::{lock, Shared};
use crate::orders::state::fingerprint;
use crate::orders::wire::{need_key, OrderRequest};
use crate::orders::wire::{object, only, OrdersError};
use state::{now_date, ActionRec};

/// The largest image content accepted: 1 MB of Base64 text. The printing guide says "PNG or
/// JPEG, Base64-encoded, at most 1 MB" and not whether the megabyte is the image's or its
/// Base64 text's: the simulator takes the harsher reading (the text sent), so at most 750,000
/// bytes of image.
pub(crate) const MAX_CONTENT_CHARS: usize = 1_000_000;
/// The largest image accepted, decoded (what [`MAX_CONTENT_CHARS`] of Base64 holds).
pub(crate) const MAX_IMAGE_BYTES: usize = MAX_CONTENT_CHARS / 4 * 3;
/// The shortest and longest `custom` content, in characters, tags included.
pub(crate) const CONTENT_CHARS: std::ops::RangeInclusive<usize> = 100..=4096;
/// The supported tags (each also has a closing form `{/tag}`).
pub(crate) const TAGS: [&str; 8] = ["b", "w", "s", "br", "left", "center", "qr", "pdf417"];

/// How a print action ends when the control API decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintOutcome {
    /// Printed.
    Processed,
    /// The terminal could not print it (bad data, the action's type, or a machine problem).
    Failed,
    /// Canceled on the terminal.
    CanceledOnTerminal,
}

/// What a print request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrintRoute {
    Create,
    Get(String),
    Cancel(String),
}

/// Routes `/terminals/v1/actions…`.
pub(crate) fn route(method: &hyper::Method, s: &[&str]) -> Option<PrintRoute> {
    use hyper::Method;
    Some(match (method.clone(), s) {
        (Method::POST, ["terminals", "v1", "actions"]) => PrintRoute::Create,
        (Method::GET, ["terminals", "v1", "actions", id]) => PrintRoute::Get(id.to_string()),
        (Method::POST, ["terminals", "v1", "actions", id, "cancel"]) => {
            PrintRoute::Cancel(id.to_string())
        }
        _ => return None,
    })
}

fn err(status: u16, code: &str, message: impl Into<String>) -> OrdersError {
    OrdersError::new(status, code, message)
}

fn value(message: impl Into<String>) -> OrdersError {
    OrdersError::value(message)
}

fn required(what: &str) -> OrdersError {
    err(
        400,
        "required_properties",
        format!("the property {what} is required"),
    )
}

/// Checks a `custom` content: length, tags known, balanced and closed in order, at least one.
pub(crate) fn check_custom(content: &str) -> Result<(), String> {
    let n = content.chars().count();
    if !CONTENT_CHARS.contains(&n) {
        return Err(format!(
            "content must be 100 to 4096 characters, tags included (got {n})"
        ));
    }
    let mut open: Vec<&str> = Vec::new();
    let mut tags = 0;
    let mut rest = content;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err(format!(
                "content has a '}}' outside a tag at character {}",
                content.len() - rest.len() + i
            ));
        }
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            return Err("content has a '{' that opens no tag".into());
        };
        let tag = &after[..j];
        let (closing, name) = match tag.strip_prefix('/') {
            Some(n) => (true, n),
            None => (false, tag),
        };
        if !TAGS.contains(&name) {
            return Err(format!(
                "content has the unsupported tag {{{tag}}}: the tags are {{b}}, {{w}}, {{s}}, {{br}}, {{left}}, {{center}}, {{qr}}, {{pdf417}} and their closing forms"
            ));
        }
        tags += 1;
        if name != "br" {
            if closing {
                if open.pop() != Some(name) {
                    return Err(format!(
                        "content closes {{/{name}}} without opening it first"
                    ));
                }
            } else {
                open.push(name);
            }
        }
        rest = &after[j + 1..];
    }
    if rest.contains('}') {
        return Err("content has a '}' outside a tag".into());
    }
    if let Some(t) = open.last() {
        return Err(format!("content opens {{{t}}} and never closes it"));
    }
    if tags == 0 {
        return Err("content must use at least one supported tag".into());
    }
    Ok(())
}

/// Checks an `image` content: Base64 of a PNG or JPEG of at most 1 MB.
pub(crate) fn check_image(content: &str) -> Result<(), String> {
    if content.len() > MAX_CONTENT_CHARS {
        return Err(format!(
            "the image content is {} characters of Base64: at most {MAX_CONTENT_CHARS} (1 MB) can be printed",
            content.len()
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| format!("content must be the image in standard Base64: {e}"))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "the image is {} bytes: at most {MAX_IMAGE_BYTES} bytes (1 MB) can be printed",
            bytes.len()
        ));
    }
    let png = bytes.starts_with(&[0x89, b'P', b'N', b'G']);
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    if !png && !jpeg {
        return Err("content must be a PNG or JPEG image".into());
    }
    Ok(())
}

fn string_field(obj: &Map<String, Value>, k: &str, at: &str) -> Result<String, OrdersError> {
    match obj.get(k) {
        None | Some(Value::Null) => Err(required(&format!("{at}{k}"))),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(err(
            400,
            "property_type",
            format!("{at}{k} must be a string (got {other})"),
        )),
    }
}

struct NewAction {
    external_reference: String,
    terminal_id: String,
    subtype: String,
}

fn parse_create(body: &[u8]) -> Result<NewAction, OrdersError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        err(
            400,
            "json_syntax_error",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let obj = object(&v, "the body")?;
    only(
        obj,
        &["type", "external_reference", "config", "content"],
        "",
    )?;
    let kind = string_field(obj, "type", "")?;
    if kind != "print" {
        return Err(value(format!("type must be \"print\" (got {kind:?})")));
    }
    let external_reference = string_field(obj, "external_reference", "")?;
    if external_reference.is_empty()
        || external_reference.len() > 64
        || !external_reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(value(
            "external_reference must be 1-64 characters among letters, digits, - and _",
        ));
    }
    let config = obj.get("config").ok_or_else(|| required("config"))?;
    let config = object(config, "config")?;
    only(config, &["point"], "config.")?;
    let point = config
        .get("point")
        .ok_or_else(|| required("config.point"))?;
    let point = object(point, "config.point")?;
    only(point, &["terminal_id", "subtype"], "config.point.")?;
    let terminal_id = string_field(point, "terminal_id", "config.point.")?;
    match terminal_id.split_once("__") {
        Some((t, serial)) if !t.is_empty() && !serial.is_empty() => {}
        _ => {
            return Err(value(format!(
                "config.point.terminal_id must be TYPE__SERIAL, as the terminals list gives it (got {terminal_id:?})"
            )))
        }
    }
    let subtype = string_field(point, "subtype", "config.point.")?;
    let content = string_field(obj, "content", "")?;
    match subtype.as_str() {
        "custom" => check_custom(&content).map_err(value)?,
        "image" => check_image(&content).map_err(value)?,
        _ => {
            return Err(value(format!(
                "config.point.subtype must be \"custom\" or \"image\" (got {subtype:?})"
            )))
        }
    }
    Ok(NewAction {
        external_reference,
        terminal_id,
        subtype,
    })
}

fn not_found(id: &str) -> OrdersError {
    // The page names the Orders API's code for a missing action.
    err(
        404,
        "order_not_found",
        format!("Action {id} not found. Please check if you provided the correct action ID."),
    )
}

/// Whether the terminal `id` runs in PDV mode now (so it fetches actions).
fn fetches(shared: &Shared, terminal_id: &str, now: Instant) -> bool {
    lock(&shared.world).account.fetches_at(terminal_id, now).0
}

/// Serves one print request.
pub(crate) fn dispatch(
    shared: &Arc<Shared>,
    route: PrintRoute,
    req: &OrderRequest<'_>,
) -> Result<(u16, Vec<u8>), OrdersError> {
    match route {
        PrintRoute::Create => create(shared, req),
        PrintRoute::Get(id) => {
            let now = Instant::now();
            let terminal = lock(&shared.print)
                .actions
                .get(&id)
                .map(|a| a.terminal_id.clone())
                .ok_or_else(|| not_found(&id))?;
            let f = fetches(shared, &terminal, now);
            let mut world = lock(&shared.print);
            let a = world.actions.get_mut(&id).ok_or_else(|| not_found(&id))?;
            a.advance(&shared.cfg, now, f);
            Ok((200, serde_json::to_vec(&a.to_json()).unwrap_or_default()))
        }
        PrintRoute::Cancel(id) => cancel(shared, &id, req),
    }
}

fn create(shared: &Arc<Shared>, req: &OrderRequest<'_>) -> Result<(u16, Vec<u8>), OrdersError> {
    let key = need_key(req)?;
    let fp = fingerprint("print", req.body);
    if let Some(a) = lock(&shared.print).keys.replay(&key, &fp) {
        return a;
    }
    let new = parse_create(req.body)?;
    if !lock(&shared.world)
        .account
        .terminals()
        .iter()
        .any(|t| t.id == new.terminal_id)
    {
        return Err(err(
            404,
            "not_found",
            format!(
                "terminal {} not found among the account's terminals",
                new.terminal_id
            ),
        ));
    }
    let mut world = lock(&shared.print);
    // Checked again under the lock: two creates with one key make one action.
    if let Some(a) = world.keys.replay(&key, &fp) {
        return a;
    }
    let rec = ActionRec {
        id: uuid::Uuid::new_v4().to_string(),
        external_reference: new.external_reference,
        terminal_id: new.terminal_id,
        subtype: new.subtype,
        status: "created",
        created_date: now_date(),
        created_at: Instant::now(),
        on_terminal_at: None,
        held: false,
    };
    let body = serde_json::to_vec(&rec.to_json()).unwrap_or_default();
    world.order.push(rec.id.clone());
    world.actions.insert(rec.id.clone(), rec);
    let answer = Ok((201, body));
    world.keys.remember(key, fp, &answer);
    answer
}

fn cancel(
    shared: &Arc<Shared>,
    id: &str,
    req: &OrderRequest<'_>,
) -> Result<(u16, Vec<u8>), OrdersError> {
    let key = need_key(req)?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(err(
            400,
            "invalid_path_param",
            format!("the action id {id:?} is not valid"),
        ));
    }
    let fp = fingerprint(&format!("cancel {id}"), req.body);
    if let Some(a) = lock(&shared.print).keys.replay(&key, &fp) {
        return a;
    }
    let now = Instant::now();
    let terminal = lock(&shared.print)
        .actions
        .get(id)
        .map(|a| a.terminal_id.clone())
        .ok_or_else(|| not_found(id))?;
    let f = fetches(shared, &terminal, now);
    let mut world = lock(&shared.print);
    let a = world.actions.get_mut(id).ok_or_else(|| not_found(id))?;
    a.advance(&shared.cfg, now, f);
    if a.status != "created" {
        return Err(err(
            409,
            "cannot_cancel_order",
            format!(
                "The action is {} and can no longer be canceled: only a created action can.",
                a.status
            ),
        ));
    }
    a.status = "canceled";
    let answer = Ok((200, Vec::new()));
    world.keys.remember(key, fp, &answer);
    answer
}

/// The control API: the action ends with `outcome` now (it must be `created` or `on_terminal`).
pub(crate) fn finish(shared: &Shared, id: &str, outcome: PrintOutcome) -> Result<(), OrdersError> {
    let mut world = lock(&shared.print);
    let a = world.actions.get_mut(id).ok_or_else(|| not_found(id))?;
    if !matches!(a.status, "created" | "on_terminal") {
        return Err(err(
            409,
            "conflict",
            format!("the print action {id} is {} already", a.status),
        ));
    }
    a.status = match outcome {
        PrintOutcome::Processed => "processed",
        PrintOutcome::Failed => "failed",
        PrintOutcome::CanceledOnTerminal => "canceled",
    };
    Ok(())
}

/// The control API: the action stays where it is until [`finish`].
pub(crate) fn hold(shared: &Shared, id: &str) -> Result<(), OrdersError> {
    let now = Instant::now();
    let terminal = lock(&shared.print)
        .actions
        .get(id)
        .map(|a| a.terminal_id.clone())
        .ok_or_else(|| not_found(id))?;
    let f = fetches(shared, &terminal, now);
    let mut world = lock(&shared.print);
    let a = world.actions.get_mut(id).ok_or_else(|| not_found(id))?;
    a.advance(&shared.cfg, now, f);
    a.held = true;
    Ok(())
}

/// The print actions, oldest first, for `GET /_simulator/state`.
pub(crate) fn state_json(shared: &Shared) -> Value {
    let world = lock(&shared.print);
    json!(world
        .order
        .iter()
        .filter_map(|id| world.actions.get(id))
        .map(ActionRec::to_json)
        .collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pad(s: &str) -> String {
        format!(
            "{s}{}",
            "x".repeat(100usize.saturating_sub(s.chars().count()))
        )
    }

    #[test]
    fn custom_content_rules() {
        assert!(check_custom(&pad("{b}TOTAL{/b}{br}")).is_ok());
        assert!(check_custom(&pad("{center}{w}T{/w}{/center}{br}{qr}https://x{/qr}")).is_ok());
        assert!(
            check_custom("{b}short{/b}").is_err(),
            "under 100 characters"
        );
        assert!(check_custom(&"x".repeat(4097)).is_err());
        assert!(check_custom(&pad("no tag at all")).is_err());
        assert!(check_custom(&pad("{b}open")).is_err(), "never closed");
        assert!(
            check_custom(&pad("{b}{w}x{/b}{/w}")).is_err(),
            "closed out of order"
        );
        assert!(check_custom(&pad("{blink}x{/blink}")).is_err());
        assert!(check_custom(&pad("{br}a } b")).is_err());
        assert!(check_custom(&pad("{br}a { b")).is_err());
        // 4096 characters, tags included, is the most.
        let s = format!("{{br}}{}", "x".repeat(4092));
        assert_eq!(s.chars().count(), 4096);
        assert!(check_custom(&s).is_ok());
    }

    #[test]
    fn image_content_rules() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        assert!(check_image(&b64(b"\x89PNG\r\n\x1a\nrest")).is_ok());
        assert!(check_image(&b64(b"\xFF\xD8\xFF\xE0jpeg")).is_ok());
        assert!(check_image(&b64(b"GIF89a")).is_err());
        assert!(check_image("not base64!").is_err());
        let mut big = b"\x89PNG".to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(check_image(&b64(&big)).is_err());
        big.truncate(MAX_IMAGE_BYTES);
        assert!(check_image(&b64(&big)).is_ok());
    }
}
