//! mppoint's errors as JavaScript `MppointError` instances.
//!
//! The JS entry (`index.js`) registers its `MppointError` class once at load; every core error
//! becomes `new MppointError(message, fields)` with a stable `code` (the core's
//! `ErrorKind::code()`) and the structured fields that apply. Without a registered class (the
//! `.node` file required directly) a plain `Error` carries the same fields.

use std::cell::RefCell;

use napi::bindgen_prelude::*;

type ErrorClass = FunctionRef<FnArgs<(String, ErrorFields)>, Unknown<'static>>;

thread_local! {
    // One per JS thread (each worker thread has its own env and its own registration).
    static ERROR_CLASS: RefCell<Option<ErrorClass>> = const { RefCell::new(None) };
}

/// Called once by `index.js` with its `MppointError` class. Not part of the public API.
#[napi(js_name = "__registerErrorClass", skip_typescript)]
pub fn register_error_class(
    class: Function<FnArgs<(String, ErrorFields)>, Unknown<'static>>,
) -> Result<()> {
    let r = class.create_ref()?;
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(r));
    Ok(())
}

/// The stable `code` of every error kind, in the core's order (the README's error table).
#[napi(ts_return_type = "ErrorCode[]")]
pub fn error_codes() -> Vec<&'static str> {
    mppoint::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The structured fields of an `MppointError` (everything but the message).
#[napi(object)]
pub struct ErrorFields {
    /// The stable code of the error kind, the same in every language (`OUTCOME_UNKNOWN`, …).
    #[napi(ts_type = "ErrorCode")]
    pub code: String,
    /// Whether trying the same call again later may succeed (network trouble, 429, 5xx, timeouts).
    pub transient: bool,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u32>,
    /// Mercado Pago's `error` code (`bad_request`, `pos_not_found`, …).
    pub api_error: Option<String>,
    /// Mercado Pago's `message`, as sent.
    pub api_message: Option<String>,
    /// Mercado Pago's `cause` list.
    pub causes: Option<Vec<crate::types::Cause>>,
    /// The `x-request-id` of the answer: quote it to Mercado Pago support.
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`), in seconds.
    pub retry_after: Option<f64>,
    /// The same, in milliseconds.
    pub retry_after_ms: Option<f64>,
    /// The `X-Idempotency-Key` of the create or refund: retry with the same key.
    pub idempotency_key: Option<String>,
    /// The intent this error is about, when known.
    pub intent_id: Option<String>,
    /// The external reference of the sale (an `OUTCOME_UNKNOWN` create): find its payments with
    /// `findPayments`.
    pub external_reference: Option<String>,
    /// For `WAIT_TIMEOUT` and `CANCELED`: the last status seen.
    #[napi(ts_type = "IntentStatus")]
    pub last_status: Option<String>,
    /// For `INVALID_ARGUMENT`: the field that failed validation.
    pub field: Option<String>,
    /// For `INVALID_SIGNATURE`: why the signature was refused (`SIGNATURE_MISMATCH`, …).
    #[napi(ts_type = "SignatureFailure")]
    pub signature_failure: Option<String>,
    /// For `ALREADY_QUEUED`: the sale (intent or order id) holding the terminal, when this client
    /// created it. It is not this sale: do not book or cancel it as this one.
    pub holding_sale: Option<String>,
}

impl ErrorFields {
    /// The core's one list of fields, destructured whole: a field the core adds does not compile
    /// here until it is given to JavaScript.
    pub(crate) fn of(e: &mppoint::Error) -> ErrorFields {
        let mppoint::ErrorFields {
            code,
            transient,
            message: _, // the JS error's own `message` (with the code), set by the caller
            status,
            api_error,
            api_message,
            causes,
            request_id,
            retry_after_ms,
            idempotency_key,
            intent_id,
            external_reference,
            holding_sale,
            last_status,
            field,
            signature_failure,
        } = e.fields();
        ErrorFields {
            code: code.to_string(),
            transient,
            status: status.map(u32::from),
            api_error,
            api_message,
            causes: (!causes.is_empty()).then(|| {
                causes
                    .into_iter()
                    .map(|c| crate::types::Cause {
                        code: c.code,
                        description: c.description,
                    })
                    .collect()
            }),
            request_id,
            // JavaScript speaks both.
            retry_after: retry_after_ms.map(|ms| ms as f64 / 1000.0),
            retry_after_ms: retry_after_ms.map(|ms| ms as f64),
            idempotency_key,
            intent_id,
            external_reference,
            last_status,
            field: field.map(str::to_string),
            signature_failure: signature_failure.map(str::to_string),
            holding_sale,
        }
    }
}

/// Builds the JS error object for a core error (an `MppointError` when the class is registered).
pub(crate) fn js_error_object<'e>(env: &'e Env, e: &mppoint::Error) -> Result<Unknown<'e>> {
    let message = e.to_string();
    let fields = ErrorFields::of(e);
    let class = ERROR_CLASS.with(|c| match c.borrow().as_ref() {
        Some(class) => class.borrow_back(env).map(Some),
        None => Ok(None),
    })?;
    match class {
        Some(ctor) => {
            let made = ctor.new_instance(FnArgs::from((message, fields)))?;
            // new_instance gives an unbounded lifetime; tie it to the env.
            Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), made.raw()) })
        }
        None => {
            let obj = env.create_error(Error::new(Status::GenericFailure, message))?;
            let global = env.get_global()?;
            let object: Object = global.get_named_property("Object")?;
            let assign: Function<FnArgs<(Object, ErrorFields)>, Unknown> =
                object.get_named_property("assign")?;
            assign.call(FnArgs::from((obj, fields)))
        }
    }
}

/// A `napi::Error` that rejects (or throws) with the JS error object of `e`.
pub(crate) fn to_napi(env: &Env, e: &mppoint::Error) -> Error {
    match js_error_object(env, e) {
        Ok(obj) => Error::from(obj),
        Err(err) => err,
    }
}

/// A core `InvalidArgument` error for a value the binding could not translate.
pub(crate) fn invalid(field: &'static str, rule: &str, value: &str) -> mppoint::Error {
    mppoint::Error::invalid_argument(field, rule, value)
}
