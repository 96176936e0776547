//! Printing on the Point terminal's own printer (the Terminals API's print actions, launched
//! 2025-04-09): tagged text or an image, sent with [`crate::Client::print`] and followed with
//! [`crate::Client::print_action`]. Written from Mercado Pago's reference pages ("Create terminal
//! action", "Get action", "Cancel action") and the "Configure printings" guide, not from Mercado
//! Pago's OpenAPI file, whose schema for these endpoints contradicts the pages (see the README's
//! "Where the documents disagree").
//!
//! Tagged text is built with [`PrintText`], which escapes the POS's own text, so a customer's
//! name with braces can never inject a tag:
//!
//! ```
//! use mppoint::print::{PrintContent, PrintText};
//! let receipt = PrintText::new()
//!     .center_wide("Loja Centro")
//!     .line("Sale 123: 25.00")
//!     .line("Customer: {b}Ana{/b}") // printed as written: "(b)Ana(/b)"
//!     .qr("https://example.com/r/123")
//!     .build()
//!     .unwrap();
//! let PrintContent::Text(text) = &receipt else { unreachable!() };
//! assert!(text.contains("{center}{w}Loja Centro{/w}{/center}{br}"));
//! assert!(text.contains("(b)Ana(/b)"));
//! assert!(text.chars().count() >= 100);
//! ```

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The shortest and longest tagged text the API takes, in characters, tags included.
pub const TEXT_CHARS: std::ops::RangeInclusive<usize> = 100..=4096;
/// The largest image sent (PNG or JPEG, before Base64): 750,000 bytes. The printing guide says
/// "PNG or JPEG, Base64-encoded, at most 1 MB" without saying whether the megabyte is the image's
/// or its Base64 text's; mppoint takes the harsher reading: the Base64 text sent (4 characters per
/// 3 bytes) stays within 1,000,000 characters.
pub const MAX_IMAGE_BYTES: usize = 750_000;
/// The tags the API documents; each but `br` is closed by `{/tag}`.
pub const TAGS: [&str; 8] = ["b", "w", "s", "br", "left", "center", "qr", "pdf417"];

/// What a print action prints.
#[derive(Clone, PartialEq, Eq)]
pub enum PrintContent {
    /// Tagged text (`subtype: custom`): build it with [`PrintText`], or pass your own tagged
    /// text through [`PrintContent::tagged`], which checks it.
    Text(String),
    /// A PNG or JPEG image (`subtype: image`), at most [`MAX_IMAGE_BYTES`]; sent in Base64.
    Image(Vec<u8>),
}

impl fmt::Debug for PrintContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrintContent::Text(t) => f.debug_tuple("Text").field(t).finish(),
            PrintContent::Image(b) => write!(f, "Image({} bytes)", b.len()),
        }
    }
}

impl PrintContent {
    /// Tagged text written by the caller, checked as the API's rules say: 100 to 4096
    /// characters, tags included, at least one documented tag, every `{…}` a documented tag or
    /// its closing form, tags closed in the order opened (`{br}` stands alone), no lone brace
    /// (the API documents no escape).
    pub fn tagged(text: impl Into<String>) -> Result<PrintContent> {
        let text = text.into();
        check_tagged(&text)?;
        Ok(PrintContent::Text(text))
    }

    /// A PNG or JPEG image, checked (its signature, at most [`MAX_IMAGE_BYTES`]).
    pub fn image(bytes: impl Into<Vec<u8>>) -> Result<PrintContent> {
        let bytes = bytes.into();
        check_image(&bytes)?;
        Ok(PrintContent::Image(bytes))
    }

    /// `custom` or `image`.
    pub fn subtype(&self) -> &'static str {
        match self {
            PrintContent::Text(_) => "custom",
            PrintContent::Image(_) => "image",
        }
    }

    /// The checked `content` string of the request.
    pub(crate) fn wire(&self) -> Result<String> {
        match self {
            PrintContent::Text(t) => {
                check_tagged(t)?;
                Ok(t.clone())
            }
            PrintContent::Image(b) => {
                check_image(b)?;
                Ok(base64::engine::general_purpose::STANDARD.encode(b))
            }
        }
    }
}

fn bad(why: impl Into<String> + fmt::Display, value: &str) -> Error {
    let shown: String = value.chars().take(60).collect();
    Error::invalid_argument("content", why, &shown)
}

fn check_tagged(text: &str) -> Result<()> {
    let n = text.chars().count();
    if !TEXT_CHARS.contains(&n) {
        return Err(bad(
            format!("must be 100 to 4096 characters, tags included (it has {n}); PrintText pads a short receipt"),
            text,
        ));
    }
    let mut open: Vec<&str> = Vec::new();
    let mut any = false;
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err(bad("has a '}' that closes no tag (the API documents no escape for braces: PrintText writes them as parentheses)", text));
        }
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else {
            return Err(bad("has a '{' that opens no tag (the API documents no escape for braces: PrintText writes them as parentheses)", text));
        };
        let tag = &after[..end];
        let (closing, name) = match tag.strip_prefix('/') {
            Some(n) => (true, n),
            None => (false, tag),
        };
        if !TAGS.contains(&name) || (closing && name == "br") {
            return Err(bad(
                format!("uses {{{tag}}}, which is not a documented tag (b, w, s, br, left, center, qr, pdf417, each closed by {{/tag}} but br)"),
                text,
            ));
        }
        any = true;
        if closing {
            if open.pop() != Some(name) {
                return Err(bad(
                    format!("closes {{/{name}}} where it is not the last tag opened"),
                    text,
                ));
            }
        } else if name != "br" {
            open.push(name);
        }
        rest = &after[end + 1..];
    }
    if let Some(t) = open.last() {
        return Err(bad(format!("leaves {{{t}}} unclosed"), text));
    }
    if !any {
        return Err(bad(
            "must use at least one tag (b, w, s, br, left, center, qr, pdf417)",
            text,
        ));
    }
    Ok(())
}

fn check_image(bytes: &[u8]) -> Result<()> {
    let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    if !png && !jpeg {
        return Err(Error::invalid_argument(
            "content",
            "must be a PNG or JPEG image",
            &format!("{} bytes", bytes.len()),
        ));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Error::invalid_argument(
            "content",
            format!("must be at most {MAX_IMAGE_BYTES} bytes, so that its Base64 form stays within the API's 1 MB: shrink the image"),
            &format!("{} bytes", bytes.len()),
        ));
    }
    Ok(())
}

/// A receipt in tagged text, built from the POS's own strings: every string is escaped (braces
/// become parentheses, line breaks become `{br}`, other control characters are dropped), so no
/// text can add a tag. [`PrintText::build`] pads a receipt shorter than the API's 100 characters
/// with trailing spaces, which print nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintText {
    out: String,
}

/// The POS's text, made safe to put between tags.
fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '{' => s.push('('),
            '}' => s.push(')'),
            '\n' => s.push_str("{br}"),
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    s
}

impl PrintText {
    /// An empty receipt.
    pub fn new() -> PrintText {
        PrintText::default()
    }

    fn wrap(mut self, tags: &[&str], text: &str, br: bool) -> PrintText {
        for t in tags {
            self.out.push_str(&format!("{{{t}}}"));
        }
        self.out.push_str(&escape(text));
        for t in tags.iter().rev() {
            self.out.push_str(&format!("{{/{t}}}"));
        }
        if br {
            self.out.push_str("{br}");
        }
        self
    }

    /// Text, then a line break.
    pub fn line(self, text: &str) -> PrintText {
        self.wrap(&[], text, true)
    }

    /// Text without a line break.
    pub fn text(self, text: &str) -> PrintText {
        self.wrap(&[], text, false)
    }

    /// Bold text, then a line break.
    pub fn bold(self, text: &str) -> PrintText {
        self.wrap(&["b"], text, true)
    }

    /// Large text, then a line break.
    pub fn wide(self, text: &str) -> PrintText {
        self.wrap(&["w"], text, true)
    }

    /// Small text, then a line break.
    pub fn small(self, text: &str) -> PrintText {
        self.wrap(&["s"], text, true)
    }

    /// Centred text, then a line break.
    pub fn center(self, text: &str) -> PrintText {
        self.wrap(&["center"], text, true)
    }

    /// Centred large text (a title), then a line break.
    pub fn center_wide(self, text: &str) -> PrintText {
        self.wrap(&["center", "w"], text, true)
    }

    /// Left-aligned text, then a line break.
    pub fn left(self, text: &str) -> PrintText {
        self.wrap(&["left"], text, true)
    }

    /// A QR code of `text` (a URL, say), then a line break.
    pub fn qr(self, text: &str) -> PrintText {
        self.wrap(&["qr"], text, true)
    }

    /// A PDF417 barcode of `text`, then a line break.
    pub fn pdf417(self, text: &str) -> PrintText {
        self.wrap(&["pdf417"], text, true)
    }

    /// An empty line.
    pub fn blank(mut self) -> PrintText {
        self.out.push_str("{br}");
        self
    }

    /// The content to print: padded to 100 characters with trailing spaces, checked (more than
    /// 4096 characters, tags included, is an `INVALID_ARGUMENT` error).
    pub fn build(self) -> Result<PrintContent> {
        let mut out = self.out;
        if !out.contains('{') {
            out.push_str("{br}");
        }
        let n = out.chars().count();
        if n < *TEXT_CHARS.start() {
            out.push_str(&" ".repeat(TEXT_CHARS.start() - n));
        }
        PrintContent::tagged(out)
    }
}

/// A print action's `external_reference`: 1 to 64 letters, digits, `_` or `-`.
pub(crate) fn validate_print_reference(r: &str) -> Result<()> {
    if r.is_empty()
        || r.len() > 64
        || !r
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Error::invalid_argument(
            "external_reference",
            "must be 1 to 64 letters, digits, '_' or '-' (print actions take no spaces or dots)",
            r,
        ));
    }
    Ok(())
}

/// Where a print action stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrintStatus {
    /// Sent, not yet fetched by the terminal: the only status a cancel can stop.
    Created,
    /// Fetched by the terminal, being printed.
    OnTerminal,
    /// Printed.
    Processed,
    /// Canceled (through the API, or on the terminal).
    Canceled,
    /// Not printed (bad data, the action's type, or a machine problem).
    Failed,
    /// A status this version does not know, kept as sent. Not final.
    Unknown(String),
}

impl PrintStatus {
    /// The API's spelling: `created`, `on_terminal`, `processed`, `canceled`, `failed`.
    pub fn as_str(&self) -> &str {
        match self {
            PrintStatus::Created => "created",
            PrintStatus::OnTerminal => "on_terminal",
            PrintStatus::Processed => "processed",
            PrintStatus::Canceled => "canceled",
            PrintStatus::Failed => "failed",
            PrintStatus::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling (any case); anything else is [`PrintStatus::Unknown`].
    pub fn parse(s: &str) -> PrintStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "created" => PrintStatus::Created,
            "on_terminal" => PrintStatus::OnTerminal,
            "processed" => PrintStatus::Processed,
            "canceled" => PrintStatus::Canceled,
            "failed" => PrintStatus::Failed,
            _ => PrintStatus::Unknown(s.to_string()),
        }
    }

    /// Whether it will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PrintStatus::Processed | PrintStatus::Canceled | PrintStatus::Failed
        )
    }
}

impl fmt::Display for PrintStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PrintStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PrintStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(PrintStatus::parse(&String::deserialize(d)?))
    }
}

/// A print action as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintAction {
    /// The action's id (a UUID).
    pub id: String,
    /// Where it stands.
    pub status: PrintStatus,
    /// The caller's reference.
    #[serde(default)]
    pub external_reference: Option<String>,
    /// The terminal it prints on.
    #[serde(default)]
    pub terminal_id: Option<String>,
    /// `custom` or `image`.
    #[serde(default)]
    pub subtype: Option<String>,
    /// When it was created (as sent).
    #[serde(default)]
    pub created_date: Option<String>,
    /// The `X-Idempotency-Key` it was created with (set by the client on a create).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What [`crate::Client::print`] sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRequest {
    pub(crate) terminal_id: String,
    pub(crate) external_reference: String,
    pub(crate) content: PrintContent,
    pub(crate) idempotency_key: Option<String>,
}

impl PrintRequest {
    /// Print `content` on the terminal `terminal_id` (`TYPE__SERIAL`, as the terminals list
    /// gives it), under your `external_reference` (1–64 letters, digits, `_`, `-`).
    pub fn new(
        terminal_id: impl Into<String>,
        external_reference: impl Into<String>,
        content: PrintContent,
    ) -> PrintRequest {
        PrintRequest {
            terminal_id: terminal_id.into(),
            external_reference: external_reference.into(),
            content,
            idempotency_key: None,
        }
    }

    /// The `X-Idempotency-Key` (default: a new UUID v4). The same key with the same request gives
    /// the same action; with another request it is `IDEMPOTENCY_KEY_MISMATCH`.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> PrintRequest {
        self.idempotency_key = Some(key.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_escapes_and_pads() {
        let PrintContent::Text(t) = PrintText::new().bold("a {qr}x{/qr} b}").build().unwrap()
        else {
            panic!()
        };
        assert!(t.starts_with("{b}a (qr)x(/qr) b){/b}{br}"), "{t}");
        assert_eq!(t.chars().count(), 100);
        assert!(PrintText::new().line(&"x".repeat(5000)).build().is_err());
        // Plain text only still carries a tag.
        assert!(PrintText::new().text("hello").build().is_ok());
    }

    #[test]
    fn tagged_text_follows_the_rules() {
        let pad = |s: &str| format!("{s}{}", " ".repeat(100usize.saturating_sub(s.len())));
        assert!(PrintContent::tagged(pad("{b}x{/b}{br}")).is_ok());
        for bad in [
            "{b}x",
            "x{/b}",
            "{b}{w}x{/b}{/w}",
            "{u}x{/u}",
            "{br}{/br}",
            "a { b",
            "a } b",
            "no tags at all",
        ] {
            assert!(PrintContent::tagged(pad(bad)).is_err(), "{bad}");
        }
        assert!(PrintContent::tagged("{b}short{/b}").is_err());
    }

    #[test]
    fn images_are_png_or_jpeg_up_to_1_mb() {
        assert!(PrintContent::image(b"\x89PNG\r\n\x1a\nrest".to_vec()).is_ok());
        assert!(PrintContent::image(vec![0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
        assert!(PrintContent::image(b"GIF89a".to_vec()).is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(PrintContent::image(big.clone()).is_err());
        // The most that is taken fits the API's 1 MB in its Base64 form, the harsher reading.
        big.truncate(MAX_IMAGE_BYTES);
        let sent = PrintContent::image(big).unwrap().wire().unwrap();
        assert!(sent.len() <= 1_000_000, "{}", sent.len());
    }

    #[test]
    fn references_are_checked() {
        assert!(validate_print_reference("ticket_123-A").is_ok());
        for bad in ["", "with space", "dot.ted", &"x".repeat(65)] {
            assert!(validate_print_reference(bad).is_err(), "{bad}");
        }
    }
}
