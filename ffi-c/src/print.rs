//! Printing on the Point terminal's own printer (the Terminals API's print actions): the escaping
//! receipt builder `mpp_print_text`, the caller's own tagged text, an image, the action read back
//! and canceled. Every rule (escaping, padding, the tags, the 1 MB image limit, the reference) is
//! the core's `mppoint::print`.

use std::ffi::c_char;
use std::sync::OnceLock;

use mppoint::print::{PrintAction, PrintContent, PrintRequest, PrintStatus, PrintText};

use crate::client::mpp_client;
use crate::error::{boundary, mpp_error};
use crate::panic::{guard, guard_ref};
use crate::result::mpp_result;
use crate::util::{arg_mut, arg_ref, arg_str, free_handle, null, opt_str, owned_string, to_json};
use crate::util::{CachedStr, Out};

/// Where a print action stands. `MPP_PRINT_STATUS_UNKNOWN` is a status this version does not
/// know (read its spelling with `mpp_print_action_status_str`; not final).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_print_status {
    /// No status (a NULL action).
    None = 0,
    /// Sent, not yet fetched by the terminal: the only status a cancel can stop.
    Created = 1,
    /// Fetched by the terminal, being printed.
    OnTerminal = 2,
    /// Final: printed.
    Processed = 3,
    /// Final: canceled (through the API, or on the terminal).
    Canceled = 4,
    /// Final: not printed (bad data, the action's type, or a machine problem).
    Failed = 5,
    /// A status this version does not know (treated as not final).
    Unknown = 100,
}

impl mpp_print_status {
    fn of(s: &PrintStatus) -> mpp_print_status {
        match s {
            PrintStatus::Created => mpp_print_status::Created,
            PrintStatus::OnTerminal => mpp_print_status::OnTerminal,
            PrintStatus::Processed => mpp_print_status::Processed,
            PrintStatus::Canceled => mpp_print_status::Canceled,
            PrintStatus::Failed => mpp_print_status::Failed,
            PrintStatus::Unknown(_) => mpp_print_status::Unknown,
        }
    }
}

/// A receipt in tagged text, built from the POS's own strings with the core's escaping rules:
/// braces become parentheses and a line break `{br}`, so no text (a customer's name) can add a
/// tag; a receipt shorter than the API's 100 characters is padded with trailing spaces. Made with
/// `mpp_print_text_new`, added to with `mpp_print_text_line` and the other `mpp_print_text_*`
/// functions, sent with `mpp_client_print_text` (which copies it: it can be sent again or
/// freed), freed with `mpp_print_text_free`. Not for use from two threads at once while it is
/// being changed.
pub struct mpp_print_text {
    text: PrintText,
}

/// A print action as the API answers it (from `mpp_client_print_text`, `mpp_client_print_tagged`,
/// `mpp_client_print_image` or `mpp_client_print_action`). Immutable: its accessors may be called
/// from any thread; strings from them are borrowed from it and live until `mpp_print_action_free`.
pub struct mpp_print_action {
    action: PrintAction,
    id: CachedStr,
    status: CachedStr,
    external_reference: CachedStr,
    terminal_id: CachedStr,
    subtype: CachedStr,
    created_date: CachedStr,
    idempotency_key: CachedStr,
}

impl mpp_print_action {
    fn new(action: PrintAction) -> mpp_print_action {
        mpp_print_action {
            action,
            id: CachedStr::default(),
            status: CachedStr::default(),
            external_reference: CachedStr::default(),
            terminal_id: CachedStr::default(),
            subtype: CachedStr::default(),
            created_date: CachedStr::default(),
            idempotency_key: CachedStr::default(),
        }
    }
}

/// Starts an empty receipt.
///
/// Ownership: on success `*out_text` receives a new receipt the caller frees with
/// `mpp_print_text_free`; on failure `*out_error` (if `out_error` is not NULL) receives an error
/// the caller frees with `mpp_error_free`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_new(
    out_text: *mut *mut mpp_print_text,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_print_text_new";
    boundary(F, out_error, || {
        Out::new(F, "out_text", out_text)?.give(mpp_print_text {
            text: PrintText::new(),
        });
        Ok(())
    })
}

/// Adds to a receipt with one of the core's builder steps.
fn add(
    function: &'static str,
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
    step: fn(PrintText, &str) -> PrintText,
) -> mpp_result {
    boundary(function, out_error, || {
        let t = arg_mut(function, "text", text)?;
        let s = arg_str(function, "s", s)?;
        t.text = step(std::mem::take(&mut t.text), s);
        Ok(())
    })
}

/// Adds `s` (escaped), then a line break.
///
/// Ownership: `text` is borrowed (changed); `s` is borrowed (copied); `*out_error` as in
/// `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_line(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_line", text, s, out_error, PrintText::line)
}

/// Adds `s` (escaped) without a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_text(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_text", text, s, out_error, PrintText::text)
}

/// Adds `s` in bold (`{b}`), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_bold(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_bold", text, s, out_error, PrintText::bold)
}

/// Adds `s` in large type (`{w}`), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_wide(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_wide", text, s, out_error, PrintText::wide)
}

/// Adds `s` in small type (`{s}`), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_small(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_small", text, s, out_error, PrintText::small)
}

/// Adds `s` centred (`{center}`), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_center(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add(
        "mpp_print_text_center",
        text,
        s,
        out_error,
        PrintText::center,
    )
}

/// Adds `s` centred in large type (a title), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_center_wide(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add(
        "mpp_print_text_center_wide",
        text,
        s,
        out_error,
        PrintText::center_wide,
    )
}

/// Adds `s` left-aligned (`{left}`), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_left(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_left", text, s, out_error, PrintText::left)
}

/// Adds a QR code of `s` (a URL, say), then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_qr(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add("mpp_print_text_qr", text, s, out_error, PrintText::qr)
}

/// Adds a PDF417 barcode of `s`, then a line break.
///
/// Ownership: as `mpp_print_text_line`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_pdf417(
    text: *mut mpp_print_text,
    s: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    add(
        "mpp_print_text_pdf417",
        text,
        s,
        out_error,
        PrintText::pdf417,
    )
}

/// Adds an empty line.
///
/// Ownership: `text` is borrowed (changed); `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_blank(
    text: *mut mpp_print_text,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_print_text_blank";
    boundary(F, out_error, || {
        let t = arg_mut(F, "text", text)?;
        t.text = std::mem::take(&mut t.text).blank();
        Ok(())
    })
}

/// The tagged text the receipt prints, as it will be sent (padded, checked): a receipt longer
/// than the API's 4096 characters, tags included, is `MPP_RESULT_INVALID_ARGUMENT` (field
/// `content`).
///
/// Ownership: `text` is borrowed; on success `*out_tagged` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_build(
    text: *const mpp_print_text,
    out_tagged: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_print_text_build";
    boundary(F, out_error, || {
        let t = arg_ref(F, "text", text)?;
        let out = Out::new(F, "out_tagged", out_tagged)?;
        let tagged = match t.text.clone().build()? {
            PrintContent::Text(s) => s,
            PrintContent::Image(_) => String::new(),
        };
        out.write(owned_string(&tagged));
        Ok(())
    })
}

/// Frees a receipt. NULL is a no-op.
///
/// Ownership: takes `text`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_text_free(text: *mut mpp_print_text) {
    guard((), || free_handle(text))
}

/// Sends a print action made of `content` and gives the answer back.
#[allow(clippy::too_many_arguments)]
fn send(
    function: &'static str,
    client: *const mpp_client,
    terminal_id: *const c_char,
    external_reference: *const c_char,
    idempotency_key: *const c_char,
    out_action: *mut *mut mpp_print_action,
    out_error: *mut *mut mpp_error,
    content: impl FnOnce() -> Result<PrintContent, crate::result::Fail>,
) -> mpp_result {
    boundary(function, out_error, || {
        let client = arg_ref(function, "client", client)?;
        let terminal = arg_str(function, "terminal_id", terminal_id)?;
        let reference = arg_str(function, "external_reference", external_reference)?;
        let key = opt_str(function, "idempotency_key", idempotency_key)?;
        let out = Out::new(function, "out_action", out_action)?;
        let mut request = PrintRequest::new(terminal, reference, content()?);
        if let Some(k) = key {
            request = request.idempotency_key(k);
        }
        out.give(mpp_print_action::new(client.client.print(&request)?));
        Ok(())
    })
}

/// Prints the receipt `text` on the terminal `terminal_id` (`TYPE__SERIAL`, as the devices list
/// gives it) under your `external_reference` (1-64 letters, digits, `_`, `-`: no spaces or dots).
/// `idempotency_key` may be NULL (a new UUID is used; read it with
/// `mpp_print_action_idempotency_key`): the same key with the same print gives the same action,
/// with another print `MPP_RESULT_IDEMPOTENCY_KEY_MISMATCH`. A lost answer is re-sent with the
/// key. Everything is checked before anything is sent (`MPP_RESULT_INVALID_ARGUMENT` names the
/// field). A PDV terminal fetches the action by itself: follow it with `mpp_client_print_action`
/// (`CREATED`, `ON_TERMINAL`, then `PROCESSED` or `FAILED`).
///
/// Ownership: `client`, `terminal_id`, `external_reference`, `text`, `idempotency_key` are
/// borrowed; on success `*out_action` receives a new action the caller frees with
/// `mpp_print_action_free`; `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_print_text(
    client: *const mpp_client,
    terminal_id: *const c_char,
    external_reference: *const c_char,
    text: *const mpp_print_text,
    idempotency_key: *const c_char,
    out_action: *mut *mut mpp_print_action,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_print_text";
    send(
        F,
        client,
        terminal_id,
        external_reference,
        idempotency_key,
        out_action,
        out_error,
        || Ok(arg_ref(F, "text", text)?.text.clone().build()?),
    )
}

/// Prints your own tagged text `tagged`, checked as the API's pages say: 100 to 4096 characters,
/// tags included; only the documented tags (`{b}`, `{w}`, `{s}`, `{br}`, `{left}`, `{center}`,
/// `{qr}`, `{pdf417}`), each but `{br}` closed by `{/tag}` in the order opened; no lone brace (no
/// escape is documented: build text from a customer's strings with `mpp_print_text` instead).
/// Otherwise as `mpp_client_print_text`.
///
/// Ownership: `client`, `terminal_id`, `external_reference`, `tagged`, `idempotency_key` are
/// borrowed; `*out_action` and `*out_error` as in `mpp_client_print_text`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_print_tagged(
    client: *const mpp_client,
    terminal_id: *const c_char,
    external_reference: *const c_char,
    tagged: *const c_char,
    idempotency_key: *const c_char,
    out_action: *mut *mut mpp_print_action,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_print_tagged";
    send(
        F,
        client,
        terminal_id,
        external_reference,
        idempotency_key,
        out_action,
        out_error,
        || Ok(PrintContent::tagged(arg_str(F, "tagged", tagged)?)?),
    )
}

/// Prints an image: `len` bytes of a PNG or JPEG at `bytes`, at most 750000 bytes (so that its
/// Base64 form stays within the API's 1 MB), checked before sending (anything else is
/// `MPP_RESULT_INVALID_ARGUMENT`, field `content`).
/// Otherwise as `mpp_client_print_text`.
///
/// Ownership: `client`, `terminal_id`, `external_reference`, `bytes` (copied),
/// `idempotency_key` are borrowed; `*out_action` and `*out_error` as in `mpp_client_print_text`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn mpp_client_print_image(
    client: *const mpp_client,
    terminal_id: *const c_char,
    external_reference: *const c_char,
    bytes: *const u8,
    len: usize,
    idempotency_key: *const c_char,
    out_action: *mut *mut mpp_print_action,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_print_image";
    send(
        F,
        client,
        terminal_id,
        external_reference,
        idempotency_key,
        out_action,
        out_error,
        || {
            let data: &[u8] = if len == 0 {
                &[]
            } else if bytes.is_null() {
                return Err(crate::result::Fail::new(
                    mpp_result::NullArgument,
                    format!("{F}: argument `bytes` is NULL; pass a valid pointer"),
                ));
            } else {
                // SAFETY: the caller passes `len` readable bytes at `bytes` for the call.
                unsafe { std::slice::from_raw_parts(bytes, len) }
            };
            Ok(PrintContent::image(data.to_vec())?)
        },
    )
}

/// Reads a print action (`CREATED`, `ON_TERMINAL`, `PROCESSED`, `CANCELED`, `FAILED`).
/// `MPP_RESULT_NOT_FOUND` when there is no such action.
///
/// Ownership: `client`, `action_id` are borrowed; on success `*out_action` receives a new action
/// the caller frees with `mpp_print_action_free`; `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_print_action(
    client: *const mpp_client,
    action_id: *const c_char,
    out_action: *mut *mut mpp_print_action,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_print_action";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "action_id", action_id)?;
        let out = Out::new(F, "out_action", out_action)?;
        out.give(mpp_print_action::new(client.client.print_action(id)?));
        Ok(())
    })
}

/// Cancels a print action the terminal has not fetched yet (`CREATED`); after that it is
/// `MPP_RESULT_CANNOT_CANCEL`.
///
/// Ownership: `client`, `action_id` are borrowed; `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_client_cancel_print_action(
    client: *const mpp_client,
    action_id: *const c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_client_cancel_print_action";
    boundary(F, out_error, || {
        let client = arg_ref(F, "client", client)?;
        let id = arg_str(F, "action_id", action_id)?;
        client.client.cancel_print_action(id)?;
        Ok(())
    })
}

fn with_action<T>(
    a: *const mpp_print_action,
    fallback: T,
    f: impl FnOnce(&mpp_print_action) -> T,
) -> T {
    guard_ref(a, fallback, f)
}

/// The action's id (a UUID), or NULL when `action` is NULL.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_id(action: *const mpp_print_action) -> *const c_char {
    with_action(action, null(), |a| a.id.get_str(Some(&a.action.id)))
}

/// Where the action stands, or `MPP_PRINT_STATUS_NONE` when `action` is NULL.
///
/// Ownership: `action` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_status(
    action: *const mpp_print_action,
) -> mpp_print_status {
    with_action(action, mpp_print_status::None, |a| {
        mpp_print_status::of(&a.action.status)
    })
}

/// The status as the API spells it (`"on_terminal"`, or an unknown one as sent), or NULL when
/// `action` is NULL.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_status_str(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.status.get_str(Some(a.action.status.as_str()))
    })
}

/// Whether the action's status is final (printed, canceled or failed). False when `action` is
/// NULL.
///
/// Ownership: `action` is borrowed.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_is_final(action: *const mpp_print_action) -> bool {
    with_action(action, false, |a| a.action.status.is_final())
}

/// The terminal it prints on, or NULL when the answer did not say.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_terminal_id(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.terminal_id.get_str(a.action.terminal_id.as_deref())
    })
}

/// Your external reference, or NULL when the answer did not say.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_external_reference(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.external_reference
            .get_str(a.action.external_reference.as_deref())
    })
}

/// `"custom"` (tagged text) or `"image"`, or NULL when the answer did not say.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_subtype(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.subtype.get_str(a.action.subtype.as_deref())
    })
}

/// When it was created (as sent), or NULL.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_created_date(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.created_date.get_str(a.action.created_date.as_deref())
    })
}

/// The `X-Idempotency-Key` it was created with (set on an action returned by a print), or NULL.
/// After `MPP_RESULT_OUTCOME_UNKNOWN` or a lost answer, print again with this key: never a second
/// print.
///
/// Ownership: `action` is borrowed; the string is borrowed from `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_idempotency_key(
    action: *const mpp_print_action,
) -> *const c_char {
    with_action(action, null(), |a| {
        a.idempotency_key
            .get_str(a.action.idempotency_key.as_deref())
    })
}

/// The action as JSON (`{"id":...,"status":"created","external_reference":...,"terminal_id":...,
/// "subtype":...,"created_date":...,"idempotency_key":...}`).
///
/// Ownership: `action` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `mpp_string_free`; `*out_error` as in `mpp_print_text_new`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_to_json(
    action: *const mpp_print_action,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mpp_error,
) -> mpp_result {
    const F: &str = "mpp_print_action_to_json";
    boundary(F, out_error, || {
        let a = arg_ref(F, "action", action)?;
        let out = Out::new(F, "out_json", out_json)?;
        out.write(owned_string(&to_json(&a.action)?));
        Ok(())
    })
}

/// Frees a print action. NULL is a no-op.
///
/// Ownership: takes `action`.
#[no_mangle]
pub unsafe extern "C" fn mpp_print_action_free(action: *mut mpp_print_action) {
    guard((), || free_handle(action))
}

/// The spelling of a print status (`"on_terminal"`), the core's own; NULL for
/// `MPP_PRINT_STATUS_NONE`, `MPP_PRINT_STATUS_UNKNOWN` and any other number.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_print_status_str(status: u32) -> *const c_char {
    static NAMES: OnceLock<Vec<(u32, std::ffi::CString)>> = OnceLock::new();
    guard(null(), || {
        NAMES
            .get_or_init(|| {
                [
                    PrintStatus::Created,
                    PrintStatus::OnTerminal,
                    PrintStatus::Processed,
                    PrintStatus::Canceled,
                    PrintStatus::Failed,
                ]
                .iter()
                .map(|s| {
                    (
                        mpp_print_status::of(s) as u32,
                        crate::util::cstring(s.as_str()),
                    )
                })
                .collect()
            })
            .iter()
            .find(|(c, _)| *c == status)
            .map_or(null(), |(_, s)| s.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn print_status_names_are_the_cores() {
        for (code, name) in [
            (1, "created"),
            (2, "on_terminal"),
            (3, "processed"),
            (4, "canceled"),
            (5, "failed"),
        ] {
            let p = mpp_print_status_str(code);
            assert!(!p.is_null());
            // SAFETY: a static NUL-terminated string from the table.
            assert_eq!(unsafe { CStr::from_ptr(p) }.to_str().unwrap(), name);
        }
        assert!(mpp_print_status_str(0).is_null());
        assert!(mpp_print_status_str(100).is_null());
    }

    #[test]
    fn the_builder_escapes_through_the_core() {
        let mut t: *mut mpp_print_text = std::ptr::null_mut();
        unsafe {
            assert_eq!(
                mpp_print_text_new(&mut t, std::ptr::null_mut()),
                mpp_result::Ok
            );
            assert_eq!(
                mpp_print_text_bold(t, c"Ana {b}".as_ptr(), std::ptr::null_mut()),
                mpp_result::Ok
            );
            let mut out: *mut c_char = std::ptr::null_mut();
            assert_eq!(
                mpp_print_text_build(t, &mut out, std::ptr::null_mut()),
                mpp_result::Ok
            );
            let s = CStr::from_ptr(out).to_str().unwrap().to_string();
            crate::mpp_string_free(out);
            mpp_print_text_free(t);
            assert!(s.starts_with("{b}Ana (b){/b}{br}"), "{s}");
            assert_eq!(s.chars().count(), 100);
        }
    }
}
