//! Printing on the Point terminal (`mppoint.PrintText`, `Client.print_text`, `Client.print_image`)
//! and the sandbox's simulated order events (`Client.simulate_order_event`): the arguments in, the
//! core's `PrintText` builder, `PrintContent` checks and `OrderEvent` rules do the work.

use mppoint::print::{PrintAction, PrintContent, PrintRequest, PrintText};
use mppoint::sandbox::{OrderEvent, SimulatedStatus};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::convert::{self, Int, Text};
use crate::errors::IntoPyResult;

/// A receipt in tagged text, built from the POS's own strings: each method adds a line (or a
/// barcode) and returns the same builder, so calls chain. Every string is escaped by the core:
/// braces print as parentheses and a line break as a new line, so a customer's name cannot add a
/// tag. `PrintText("Sale 123", "Total 25.00")` starts with those lines.
#[pyclass(module = "mppoint", name = "PrintText")]
#[derive(Default)]
pub struct PyPrintText {
    inner: PrintText,
}

impl PyPrintText {
    fn apply(&mut self, f: impl FnOnce(PrintText) -> PrintText) {
        let t = std::mem::take(&mut self.inner);
        self.inner = f(t);
    }

    /// The content the core builds: padded to the API's 100 characters and checked.
    pub(crate) fn content(&self, py: Python<'_>) -> PyResult<PrintContent> {
        self.inner.clone().build().py(py)
    }
}

/// The `#[pymethods]` block: the builder's adders (each the core's method of the same name),
/// then the other methods.
macro_rules! methods {
    ($($name:ident: $doc:literal),* $(,)? ; $($rest:item)*) => {
        #[pymethods]
        impl PyPrintText {
            $($rest)*
            $(
                #[doc = $doc]
                fn $name<'py>(mut slf: PyRefMut<'py, Self>, text: Text) -> PyRefMut<'py, Self> {
                    slf.apply(|t| t.$name(&text));
                    slf
                }
            )*
        }
    };
}

methods!(
    line: "Text, then a line break.",
    text: "Text without a line break.",
    bold: "Bold text, then a line break.",
    wide: "Large text, then a line break.",
    small: "Small text, then a line break.",
    center: "Centred text, then a line break.",
    center_wide: "Centred large text (a title), then a line break.",
    left: "Left-aligned text, then a line break.",
    qr: "A QR code of the text (a URL, say), then a line break.",
    pdf417: "A PDF417 barcode of the text, then a line break.",
    ;
    #[new]
    #[pyo3(signature = (*lines))]
    fn new(lines: Vec<Text>) -> Self {
        let mut t = PyPrintText::default();
        for l in lines {
            t.apply(|b| b.line(&l));
        }
        t
    }

    /// An empty line.
    fn blank(mut slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        slf.apply(PrintText::blank);
        slf
    }

    /// The tagged text that would be sent: padded to 100 characters with trailing spaces and
    /// checked (more than 4096 characters, tags included, is an `InvalidArgumentError`).
    fn to_tagged(&self, py: Python<'_>) -> PyResult<String> {
        match self.content(py)? {
            PrintContent::Text(t) => Ok(t),
            PrintContent::Image(_) => unreachable!("PrintText builds text"),
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyPrintText>()
            .map(|o| o.borrow().inner == self.inner)
            .unwrap_or(false)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match self.to_tagged(py) {
            Ok(t) => format!("PrintText({:?})", t.trim_end()),
            Err(_) => "PrintText(<too long>)".to_string(),
        }
    }
);

/// `text=` of `print_text`: a `PrintText`, a `str` (plain text, escaped, its line breaks kept)
/// or a sequence of `str` (one line each).
pub(crate) fn text_content(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<PrintContent> {
    if let Ok(b) = value.cast::<PyPrintText>() {
        return b.borrow().content(py);
    }
    if let Ok(s) = value.cast::<PyString>() {
        let s = convert::str_of(s, mppoint::ErrorKind::InvalidArgument)?;
        return PrintText::new().text(&s).build().py(py);
    }
    let wrong = || {
        PyTypeError::new_err(format!(
            "text must be an mppoint.PrintText, a str or a list of str (one line each), not {}",
            value
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    };
    let mut t = PrintText::new();
    for item in value.try_iter().map_err(|_| wrong())? {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| wrong())?;
        let s = convert::str_of(s, mppoint::ErrorKind::InvalidArgument)?;
        t = t.line(&s);
    }
    t.build().py(py)
}

/// `data=` of `print_image`: `bytes`, `bytearray` or `memoryview`, checked by the core.
pub(crate) fn image_content(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<PrintContent> {
    let bytes: Vec<u8> = if let Ok(b) = value.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = value.cast::<PyByteArray>() {
        b.to_vec()
    } else if value.is_instance_of::<pyo3::types::PyMemoryView>() {
        py.import("builtins")?
            .getattr("bytes")?
            .call1((value,))?
            .cast::<PyBytes>()?
            .as_bytes()
            .to_vec()
    } else {
        return Err(PyTypeError::new_err(format!(
            "data must be the bytes of a PNG or JPEG image (bytes, bytearray or memoryview), not {}",
            value.get_type().name()?
        )));
    };
    PrintContent::image(bytes).py(py)
}

/// The request the core sends.
pub(crate) fn request(
    terminal_id: Text,
    external_reference: Text,
    content: PrintContent,
    idempotency_key: Option<Text>,
) -> PrintRequest {
    let r = PrintRequest::new(terminal_id, external_reference, content);
    match idempotency_key {
        Some(k) => r.idempotency_key(k),
        None => r,
    }
}

/// The sandbox event of `simulate_order_event`'s arguments (checked by the core when sent).
pub(crate) fn order_event(
    py: Python<'_>,
    status: &str,
    status_detail: Option<Text>,
    card: Option<(Text, Text)>,
    installments: Option<Int<u32>>,
) -> PyResult<OrderEvent> {
    let mut e = OrderEvent::new(SimulatedStatus::parse(status).py(py)?);
    if let Some((brand, kind)) = card {
        e = e.card(brand, kind);
    }
    if let Some(n) = installments {
        e = e.installments(n.0);
    }
    if let Some(d) = status_detail {
        e = e.status_detail(d);
    }
    Ok(e)
}

fn print_action_cls(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CLS: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    CLS.import(py, "mppoint._models", "PrintAction")
}

/// `mppoint.PrintAction`.
pub(crate) fn action<'py>(py: Python<'py>, a: &PrintAction) -> PyResult<Bound<'py, PyAny>> {
    print_action_cls(py)?.call1((
        a.id.as_str(),
        a.status.as_str(),
        a.terminal_id.as_deref(),
        a.external_reference.as_deref(),
        a.subtype.as_deref(),
        a.created_date.as_deref(),
        a.idempotency_key.as_deref(),
        // Derived by the core:
        a.status.is_final(),
    ))
}
