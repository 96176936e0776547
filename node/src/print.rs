//! Printing on the Point terminal's own printer (`printText`, `printImage`, `printAction`,
//! `cancelPrintAction`): the JS shapes in, the core's `PrintText` builder (which escapes the POS's
//! text), `PrintContent` checks and `PrintAction` out. No rule lives here.

use napi::bindgen_prelude::*;

use mppoint::print::{PrintContent, PrintText};

use crate::error::invalid;

/// One part of a receipt given as an object (`PrintPart` in the declarations): exactly one field,
/// each the core builder's method of the same name.
#[napi(object, js_name = "PrintPartFields", object_to_js = false)]
pub struct PrintPartFields {
    /// Text, then a line break.
    pub line: Option<String>,
    /// Text without a line break.
    pub text: Option<String>,
    /// Bold text, then a line break.
    pub bold: Option<String>,
    /// Large text, then a line break.
    pub wide: Option<String>,
    /// Small text, then a line break.
    pub small: Option<String>,
    /// Centred text, then a line break.
    pub center: Option<String>,
    /// Centred large text (a title), then a line break.
    pub center_wide: Option<String>,
    /// Left-aligned text, then a line break.
    pub left: Option<String>,
    /// A QR code of the text (a URL, say), then a line break.
    pub qr: Option<String>,
    /// A PDF417 barcode of the text, then a line break.
    pub pdf417: Option<String>,
    /// An empty line (`{ blank: true }`).
    pub blank: Option<bool>,
}

/// Your own tagged text (`{ tagged: '{b}Total{/b}{br}…' }`), checked by the core as the API's
/// rules say (100 to 4096 characters, documented tags only, closed in order, no lone brace).
#[napi(object, object_to_js = false)]
pub struct TaggedText {
    pub tagged: String,
}

/// Options of `printText` and `printImage`.
#[napi(object, object_to_js = false)]
pub struct PrintOptions {
    /// The `X-Idempotency-Key` (default: a new UUID, reused on retries). The same key with the
    /// same print gives the same action; with another print it is `IDEMPOTENCY_KEY_MISMATCH`.
    pub idempotency_key: Option<String>,
}

/// A print action as the API answers it.
#[napi(object)]
pub struct PrintAction {
    /// The action's id (a UUID).
    pub id: String,
    /// `created` (not fetched yet: the only status a cancel stops), `on_terminal`, `processed`,
    /// `canceled`, `failed`, or a status unknown to this version (kept as sent, not final).
    #[napi(ts_type = "PrintStatus")]
    pub status: String,
    /// Whether the status will not change any more (`processed`, `canceled`, `failed`).
    pub is_final: bool,
    /// The terminal it prints on.
    pub terminal_id: Option<String>,
    /// Your reference.
    pub external_reference: Option<String>,
    /// `custom` (tagged text) or `image`.
    #[napi(ts_type = "'custom' | 'image' | (string & {})")]
    pub subtype: Option<String>,
    /// When it was created, as sent.
    pub created_date: Option<String>,
    /// The `X-Idempotency-Key` it was created with (on a create's answer): retry with it.
    pub idempotency_key: Option<String>,
}

impl PrintAction {
    pub(crate) fn of(a: &mppoint::print::PrintAction) -> PrintAction {
        PrintAction {
            id: a.id.clone(),
            status: a.status.as_str().to_string(),
            is_final: a.status.is_final(),
            terminal_id: a.terminal_id.clone(),
            external_reference: a.external_reference.clone(),
            subtype: a.subtype.clone(),
            created_date: a.created_date.clone(),
            idempotency_key: a.idempotency_key.clone(),
        }
    }
}

/// What `printText` takes: plain text (escaped, its line breaks kept), a list of parts (a string
/// is a line; an object names one builder method), or `{ tagged }`.
pub type TextInput = Either3<String, Vec<Either<String, PrintPartFields>>, TaggedText>;

const PART_RULE: &str = "each part must be a string (a line) or an object with exactly one of line, text, bold, wide, small, center, centerWide, left, qr, pdf417 (a string) or blank: true";

/// One method of the core's builder that adds text.
type Adder = fn(PrintText, &str) -> PrintText;

fn part(t: PrintText, p: PrintPartFields, i: usize) -> mppoint::Result<PrintText> {
    let texts = [
        (p.line, PrintText::line as Adder),
        (p.text, PrintText::text),
        (p.bold, PrintText::bold),
        (p.wide, PrintText::wide),
        (p.small, PrintText::small),
        (p.center, PrintText::center),
        (p.center_wide, PrintText::center_wide),
        (p.left, PrintText::left),
        (p.qr, PrintText::qr),
        (p.pdf417, PrintText::pdf417),
    ];
    let mut given: Vec<(String, Adder)> = texts
        .into_iter()
        .filter_map(|(v, f)| v.map(|v| (v, f)))
        .collect();
    let blank = p.blank == Some(true);
    let bad = |what: &str| invalid("content", PART_RULE, &format!("part {i}: {what}"));
    match (given.len(), blank) {
        (1, false) => {
            let (v, f) = given.remove(0);
            Ok(f(t, &v))
        }
        (0, true) => Ok(t.blank()),
        (0, false) => Err(bad("an object with none of them")),
        _ => Err(bad("an object with more than one")),
    }
}

/// The content to print, built and checked by the core.
pub(crate) fn text_content(input: TextInput) -> mppoint::Result<PrintContent> {
    match input {
        Either3::A(s) => PrintText::new().text(&s).build(),
        Either3::B(parts) => {
            let mut t = PrintText::new();
            for (i, p) in parts.into_iter().enumerate() {
                t = match p {
                    Either::A(line) => t.line(&line),
                    Either::B(obj) => part(t, obj, i)?,
                };
            }
            t.build()
        }
        Either3::C(tagged) => PrintContent::tagged(tagged.tagged),
    }
}

/// The print request (its checks: the core's, when it is sent).
pub(crate) fn request(
    terminal_id: String,
    external_reference: String,
    content: PrintContent,
    options: Option<PrintOptions>,
) -> mppoint::print::PrintRequest {
    let mut r = mppoint::print::PrintRequest::new(terminal_id, external_reference, content);
    if let Some(k) = options.and_then(|o| o.idempotency_key) {
        r = r.idempotency_key(k);
    }
    r
}
