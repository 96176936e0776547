//! The result codes: what every fallible exported function returns, the one table that maps
//! them to the core's error kinds and stable names, and `Fail`, why a call failed inside the
//! library. (The error object the caller gets is `error.rs`; the panic boundary `panic.rs`.)

use std::ffi::{c_char, CStr};

use mppoint::{Error, ErrorKind};

use crate::panic::guard;

/// What a call did: `MPP_RESULT_OK` (0) or why it failed.
///
/// The numbers are permanent: a code is never renumbered or reused. Codes 1 to 99 and
/// `MPP_RESULT_PANIC` are the error kinds of the Rust core (the same kinds as Python's exception
/// classes and Node's `err.code`); `MPP_RESULT_NULL_ARGUMENT` and `MPP_RESULT_INVALID_UTF8` are
/// the C layer's own. Treat a code you do not know as a failure: later versions may add codes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum mpp_result {
    /// Success.
    Ok = 0,
    /// An argument failed validation before anything was sent (the error names the field).
    InvalidArgument = 1,
    /// An amount is malformed (`"12,47"`, `"12.475"`, zero, negative) or outside the site's limits.
    InvalidAmount = 2,
    /// The client configuration is unusable (empty token, bad base URL, proxy or certificate).
    Config = 3,
    /// HTTP 401: the access token was rejected.
    Unauthorized = 4,
    /// HTTP 403: the token may not do this (for example the device is not logged in).
    Forbidden = 5,
    /// HTTP 404: the intent, POS, device or payment does not exist.
    NotFound = 6,
    /// HTTP 400: the server rejected the request's content.
    BadRequest = 7,
    /// HTTP 409 on create: the device already has a queued intent.
    AlreadyQueued = 8,
    /// HTTP 409 on cancel: the intent left `OPENED`; cancel it on the terminal.
    CannotCancel = 9,
    /// HTTP 409 in any other situation.
    Conflict = 10,
    /// HTTP 429 after every retry (see `mpp_error_retry_after_ms`).
    RateLimited = 11,
    /// HTTP 5xx after every retry.
    Server = 12,
    /// Any other unexpected HTTP status.
    Api = 13,
    /// A create or refund was sent but no usable answer came back: it may or may not have
    /// happened. Never charge again with a new key: check the terminal, then find the sale's
    /// payment with `mpp_payments_find` (its external reference is `mpp_error_external_reference`);
    /// re-sending with the same key (`mpp_error_idempotency_key`) is safe only if your account's
    /// keys are honoured (refunds: always retry with the same key).
    OutcomeUnknown = 14,
    /// The connection failed (refused, reset, DNS, TLS) and retries did not help.
    Network = 15,
    /// A request took longer than the configured timeout.
    Timeout = 16,
    /// The server's answer was not the JSON expected.
    Decode = 17,
    /// `mpp_intent_wait` / `mpp_charge` reached the wait's deadline before the intent ended.
    WaitTimeout = 18,
    /// The wait was canceled through its `mpp_cancel_token`.
    Canceled = 19,
    /// A webhook's `x-signature` did not verify (see `mpp_error_signature_failure`).
    InvalidSignature = 20,
    /// An idempotency key was reused with a different request (amount, external reference or
    /// target): the intent it names is another sale's. Use a new key for a new cart.
    IdempotencyKeyMismatch = 21,
    /// The caller's own code stopped a sale after its intent was created (a status callback that
    /// failed, an abort): the error carries the intent id and the key; cancel the intent or wait
    /// for it again.
    Aborted = 22,
    /// With a sale journal: the sale's reference is being charged right now by another process
    /// (or thread), or it has no verdict yet to settle. Nothing was sent: wait for that charge to
    /// end, then ask again.
    SaleInProgress = 23,
    /// The sale journal cannot be used: its path cannot be created or locked, the file is not a
    /// journal, was written by a newer version, or is damaged. The message names the path and
    /// what to do. Nothing was charged.
    Journal = 24,
    /// Mercado Pago will not make this refund as asked (Orders API): no partial refunds on this
    /// order, a tip (only a full refund), already refunded, past the refund period, or more than
    /// is left. The message says which refund is possible.
    RefundNotAllowed = 25,
    /// A call that only works with test credentials (the sandbox's simulated order status) was
    /// made with a production access token: nothing was sent.
    SandboxOnly = 26,
    /// A pointer argument that must not be NULL was NULL (the error names it).
    NullArgument = 100,
    /// A string argument was not valid UTF-8 (the error names it).
    InvalidUtf8 = 101,
    /// A bug inside the library was caught before it could cross into C. Please report it.
    Panic = 102,
}

/// The one table of result codes: each code, its stable name, and the core kind it stands for
/// (`None` for the C layer's own codes). `ALL`, `of_kind`, `name`, `mpp_result_str` and the tests
/// all read it; a new code is one new row (and its variant above, for the header).
const TABLE: [(mpp_result, &CStr, Option<ErrorKind>); 31] = [
    (mpp_result::Ok, c"OK", None),
    (
        mpp_result::InvalidArgument,
        c"INVALID_ARGUMENT",
        Some(ErrorKind::InvalidArgument),
    ),
    (
        mpp_result::InvalidAmount,
        c"INVALID_AMOUNT",
        Some(ErrorKind::InvalidAmount),
    ),
    (mpp_result::Config, c"CONFIG", Some(ErrorKind::Config)),
    (
        mpp_result::Unauthorized,
        c"UNAUTHORIZED",
        Some(ErrorKind::Unauthorized),
    ),
    (
        mpp_result::Forbidden,
        c"FORBIDDEN",
        Some(ErrorKind::Forbidden),
    ),
    (
        mpp_result::NotFound,
        c"NOT_FOUND",
        Some(ErrorKind::NotFound),
    ),
    (
        mpp_result::BadRequest,
        c"BAD_REQUEST",
        Some(ErrorKind::BadRequest),
    ),
    (
        mpp_result::AlreadyQueued,
        c"ALREADY_QUEUED",
        Some(ErrorKind::AlreadyQueued),
    ),
    (
        mpp_result::CannotCancel,
        c"CANNOT_CANCEL",
        Some(ErrorKind::CannotCancel),
    ),
    (mpp_result::Conflict, c"CONFLICT", Some(ErrorKind::Conflict)),
    (
        mpp_result::RateLimited,
        c"RATE_LIMITED",
        Some(ErrorKind::RateLimited),
    ),
    (mpp_result::Server, c"SERVER", Some(ErrorKind::Server)),
    (mpp_result::Api, c"API", Some(ErrorKind::Api)),
    (
        mpp_result::OutcomeUnknown,
        c"OUTCOME_UNKNOWN",
        Some(ErrorKind::OutcomeUnknown),
    ),
    (mpp_result::Network, c"NETWORK", Some(ErrorKind::Network)),
    (mpp_result::Timeout, c"TIMEOUT", Some(ErrorKind::Timeout)),
    (mpp_result::Decode, c"DECODE", Some(ErrorKind::Decode)),
    (
        mpp_result::WaitTimeout,
        c"WAIT_TIMEOUT",
        Some(ErrorKind::WaitTimeout),
    ),
    (mpp_result::Canceled, c"CANCELED", Some(ErrorKind::Canceled)),
    (
        mpp_result::InvalidSignature,
        c"INVALID_SIGNATURE",
        Some(ErrorKind::InvalidSignature),
    ),
    (
        mpp_result::IdempotencyKeyMismatch,
        c"IDEMPOTENCY_KEY_MISMATCH",
        Some(ErrorKind::IdempotencyKeyMismatch),
    ),
    (mpp_result::Aborted, c"ABORTED", Some(ErrorKind::Aborted)),
    (
        mpp_result::SaleInProgress,
        c"SALE_IN_PROGRESS",
        Some(ErrorKind::SaleInProgress),
    ),
    (mpp_result::Journal, c"JOURNAL", Some(ErrorKind::Journal)),
    (
        mpp_result::RefundNotAllowed,
        c"REFUND_NOT_ALLOWED",
        Some(ErrorKind::RefundNotAllowed),
    ),
    (
        mpp_result::SandboxOnly,
        c"SANDBOX_ONLY",
        Some(ErrorKind::SandboxOnly),
    ),
    (mpp_result::NullArgument, c"NULL_ARGUMENT", None),
    (mpp_result::InvalidUtf8, c"INVALID_UTF8", None),
    (mpp_result::Panic, c"PANIC", Some(ErrorKind::Panic)),
    // Keep this row last: it is the C layer's fallback for a core kind newer than this table.
    (mpp_result::Api, c"API", None),
];

impl mpp_result {
    /// Every code, in number order (Rust only: cbindgen would write it with the Rust variant names).
    ///
    /// cbindgen:ignore
    pub const ALL: [mpp_result; TABLE.len() - 1] = {
        let mut all = [mpp_result::Ok; TABLE.len() - 1];
        let mut i = 0;
        while i < all.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (mpp_result, &'static CStr, Option<ErrorKind>) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .unwrap_or(&TABLE[TABLE.len() - 1])
    }

    /// The code of a core error kind. `ErrorKind` is non-exhaustive: a kind added to the core
    /// without a row in `TABLE` reads as `API` until it gets one (the test
    /// `every_core_kind_has_its_own_code` fails first).
    pub fn of_kind(kind: ErrorKind) -> mpp_result {
        TABLE
            .iter()
            .find(|row| row.2 == Some(kind))
            .map_or(mpp_result::Api, |row| row.0)
    }

    /// The stable name of the code: the core's `ErrorKind::code()` for the core's kinds
    /// (`NOT_FOUND`, `PANIC`), `OK`, `NULL_ARGUMENT`, `INVALID_UTF8`.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("UNKNOWN")
    }

    /// The same name as a NUL-terminated static string.
    pub(crate) fn c_name(self) -> &'static CStr {
        self.row().1
    }

    pub(crate) fn from_u32(code: u32) -> Option<mpp_result> {
        mpp_result::ALL.iter().copied().find(|c| *c as u32 == code)
    }
}

/// Why a call failed, inside the library: a result code, a message, and the core error when
/// there is one.
#[derive(Debug)]
pub(crate) struct Fail {
    pub code: mpp_result,
    pub message: String,
    pub core: Option<Error>,
}

impl Fail {
    pub fn new(code: mpp_result, message: impl Into<String>) -> Fail {
        Fail {
            code,
            message: message.into(),
            core: None,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail {
            code: mpp_result::of_kind(e.kind()),
            // Display: the message plus HTTP status, Mercado Pago error code, request id and
            // idempotency key in brackets. It never holds the access token.
            message: e.to_string(),
            core: Some(e),
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, Fail>;

/// The stable name of a result code: `"OK"`, `"NOT_FOUND"`, `"NULL_ARGUMENT"`, … (the names of
/// codes 1-99 are the core's error codes, the same as Node's `err.code`), or `"UNKNOWN"` for a
/// number that is not a code. Never NULL.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_result_str(code: u32) -> *const c_char {
    guard(c"UNKNOWN".as_ptr(), || {
        mpp_result::from_u32(code)
            .map_or(c"UNKNOWN", mpp_result::c_name)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_core_kind_has_its_own_code() {
        let mut seen = HashSet::new();
        for kind in ErrorKind::ALL {
            let code = mpp_result::of_kind(kind);
            assert_eq!(code.name(), kind.code(), "{kind:?}");
            assert_ne!(code, mpp_result::Ok, "{kind:?}");
            assert!(seen.insert(code), "{kind:?} shares a code");
        }
        // Every code but OK, NULL_ARGUMENT and INVALID_UTF8 is a core kind.
        assert_eq!(
            seen.len() + 3,
            mpp_result::ALL.len(),
            "a code without a core kind"
        );
        assert_eq!(
            TABLE[..TABLE.len() - 1]
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            mpp_result::ALL
        );
    }

    #[test]
    fn numbers_are_permanent() {
        // Changing this list breaks every compiled C program: add, never renumber.
        let expected = [
            (0, "OK"),
            (1, "INVALID_ARGUMENT"),
            (2, "INVALID_AMOUNT"),
            (3, "CONFIG"),
            (4, "UNAUTHORIZED"),
            (5, "FORBIDDEN"),
            (6, "NOT_FOUND"),
            (7, "BAD_REQUEST"),
            (8, "ALREADY_QUEUED"),
            (9, "CANNOT_CANCEL"),
            (10, "CONFLICT"),
            (11, "RATE_LIMITED"),
            (12, "SERVER"),
            (13, "API"),
            (14, "OUTCOME_UNKNOWN"),
            (15, "NETWORK"),
            (16, "TIMEOUT"),
            (17, "DECODE"),
            (18, "WAIT_TIMEOUT"),
            (19, "CANCELED"),
            (20, "INVALID_SIGNATURE"),
            (21, "IDEMPOTENCY_KEY_MISMATCH"),
            (22, "ABORTED"),
            (23, "SALE_IN_PROGRESS"),
            (24, "JOURNAL"),
            (25, "REFUND_NOT_ALLOWED"),
            (26, "SANDBOX_ONLY"),
            (100, "NULL_ARGUMENT"),
            (101, "INVALID_UTF8"),
            (102, "PANIC"),
        ];
        let actual: Vec<(u32, &str)> = mpp_result::ALL
            .iter()
            .map(|c| (*c as u32, c.name()))
            .collect();
        assert_eq!(actual, expected);
        for c in mpp_result::ALL {
            assert_eq!(c.c_name().to_str().unwrap(), c.name());
            assert_eq!(mpp_result::from_u32(c as u32), Some(c));
        }
        assert_eq!(mpp_result::from_u32(99), None);
    }

    #[test]
    fn readme_table_matches_the_codes() {
        let readme = include_str!("../README.md");
        for c in mpp_result::ALL {
            let row = format!("| {} | `MPP_RESULT_{}` |", c as u32, c.name());
            assert!(readme.contains(&row), "ffi-c/README.md lacks the row {row}");
        }
    }
}
