//! The C enums: intent status, verdict, payment status, operating mode, site, webhook failure
//! reason, simulated card outcome, target kind. Every number is explicit and permanent.
//!
//! Functions that take one of these enums take it as `uint32_t` (a C caller, or Delphi, can pass
//! any number; an unknown one is an `MPP_RESULT_INVALID_ARGUMENT`, never undefined behaviour).

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use mppoint::webhook::FailureReason;
use mppoint::{OperatingMode, PaymentStatus, Site, Status, Verdict};

use crate::panic::guard;

/// The status of an intent. `MPP_STATUS_UNKNOWN` is a status this version does not know (read
/// its spelling with the `_status_str` accessor); `MPP_STATUS_NONE` means no status at all.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_status {
    /// No status (for example `mpp_error_last_status` of an error that saw none).
    None = 0,
    /// Created, waiting for the terminal to fetch it; the only state the API can cancel.
    Opened = 1,
    /// Loaded on the terminal; can only be canceled on the terminal.
    OnTerminal = 2,
    /// Being processed with the card network.
    Processing = 3,
    /// Processing finished, waiting for confirmation.
    Processed = 4,
    /// Final: finished; its payment ids say what was paid. Not yet a paid sale.
    Closed = 5,
    /// Final: ended without a known payment status: check the payment on the terminal.
    ConfirmationRequired = 6,
    /// Final: canceled through the API or on the terminal.
    Canceled = 7,
    /// Final: the transaction failed.
    Error = 8,
    /// Final: not processed in time (an intent: 15 minutes; an order: its expiration time).
    Expired = 9,
    /// Orders API: a cancel was asked of the terminal, which has not done it yet (not final, not
    /// canceled: the customer may still pay). Never book the sale as canceled before
    /// `MPP_STATUS_CANCELED`.
    CancelRequested = 10,
    /// A status this version does not know (treated as not final).
    Unknown = 100,
}

impl mpp_status {
    pub(crate) fn of(s: &Status) -> mpp_status {
        match s {
            Status::Opened => mpp_status::Opened,
            Status::OnTerminal => mpp_status::OnTerminal,
            Status::Processing => mpp_status::Processing,
            Status::Processed => mpp_status::Processed,
            Status::Closed => mpp_status::Closed,
            Status::ConfirmationRequired => mpp_status::ConfirmationRequired,
            Status::Canceled => mpp_status::Canceled,
            Status::Error => mpp_status::Error,
            Status::Expired => mpp_status::Expired,
            Status::CancelRequested => mpp_status::CancelRequested,
            Status::Unknown(_) => mpp_status::Unknown,
        }
    }

    fn core(code: u32) -> Option<Status> {
        Status::KNOWN
            .iter()
            .find(|s| mpp_status::of(s) as u32 == code)
            .cloned()
    }
}

/// The verdict of a sale: only `MPP_VERDICT_APPROVED` is a paid sale.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_verdict {
    /// The card payment was approved: hand over the goods.
    Approved = 1,
    /// The intent closed but its payment was rejected (or reversed): not paid.
    Rejected = 2,
    /// Canceled through the API or on the terminal: not paid.
    Canceled = 3,
    /// Nobody processed it within an hour: not paid.
    Expired = 4,
    /// The transaction failed: not paid.
    Error = 5,
    /// The outcome is not known: check the payment on the terminal before handing over goods.
    ConfirmationRequired = 6,
}

impl mpp_verdict {
    pub(crate) fn of(v: Verdict) -> mpp_verdict {
        match v {
            Verdict::Approved => mpp_verdict::Approved,
            Verdict::Rejected => mpp_verdict::Rejected,
            Verdict::Canceled => mpp_verdict::Canceled,
            Verdict::Expired => mpp_verdict::Expired,
            Verdict::Error => mpp_verdict::Error,
            Verdict::ConfirmationRequired => mpp_verdict::ConfirmationRequired,
        }
    }
}

/// The status of a payment. Only `MPP_PAYMENT_STATUS_APPROVED` is money received.
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum mpp_payment_status_code {
    /// Approved: the money was received.
    MppPaymentStatusApproved = 1,
    /// Rejected by the card issuer or the antifraud.
    MppPaymentStatusRejected = 2,
    /// Not yet processed.
    MppPaymentStatusPending = 3,
    /// Being reviewed.
    MppPaymentStatusInProcess = 4,
    /// Authorized, not yet captured.
    MppPaymentStatusAuthorized = 5,
    /// Canceled.
    MppPaymentStatusCancelled = 6,
    /// Refunded (it had been approved).
    MppPaymentStatusRefunded = 7,
    /// Charged back by the card holder.
    MppPaymentStatusChargedBack = 8,
    /// In dispute.
    MppPaymentStatusInMediation = 9,
    /// A status this version does not know (read it with `mpp_payment_status_str`).
    MppPaymentStatusUnknown = 100,
}

impl mpp_payment_status_code {
    pub(crate) fn of(s: &PaymentStatus) -> mpp_payment_status_code {
        use mpp_payment_status_code as C;
        match s {
            PaymentStatus::Approved => C::MppPaymentStatusApproved,
            PaymentStatus::Rejected => C::MppPaymentStatusRejected,
            PaymentStatus::Pending => C::MppPaymentStatusPending,
            PaymentStatus::InProcess => C::MppPaymentStatusInProcess,
            PaymentStatus::Authorized => C::MppPaymentStatusAuthorized,
            PaymentStatus::Cancelled => C::MppPaymentStatusCancelled,
            PaymentStatus::Refunded => C::MppPaymentStatusRefunded,
            PaymentStatus::ChargedBack => C::MppPaymentStatusChargedBack,
            PaymentStatus::InMediation => C::MppPaymentStatusInMediation,
            _ => C::MppPaymentStatusUnknown,
        }
    }
}

/// A device's operating mode.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_operating_mode {
    /// Integrated with a point of sale: receives intents.
    Pdv = 1,
    /// Used on its own: does not receive intents.
    Standalone = 2,
    /// A mode this version does not know (read it with `mpp_device_operating_mode_str`).
    Unknown = 100,
}

impl mpp_operating_mode {
    pub(crate) fn of(m: &OperatingMode) -> mpp_operating_mode {
        match m {
            OperatingMode::Pdv => mpp_operating_mode::Pdv,
            OperatingMode::Standalone => mpp_operating_mode::Standalone,
            _ => mpp_operating_mode::Unknown,
        }
    }

    /// The mode a caller asked to set: only PDV and STANDALONE.
    pub(crate) fn settable(code: u32) -> Option<OperatingMode> {
        match code {
            1 => Some(OperatingMode::Pdv),
            2 => Some(OperatingMode::Standalone),
            _ => None,
        }
    }
}

/// A Mercado Pago site, which sets the amount limits checked before a create.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_site {
    /// No site: only the amount's form is checked (unless limits are set).
    None = 0,
    /// Argentina: 5.00 to 4000000.00.
    Mla = 1,
    /// Brazil: 1.00 to 70000.00.
    Mlb = 2,
}

impl mpp_site {
    /// `Ok(None)` for `MPP_SITE_NONE`, `Err` for a number that is not a site.
    pub(crate) fn core(code: u32) -> Result<Option<Site>, ()> {
        match code {
            0 => Ok(None),
            1 => Ok(Some(Site::MLA)),
            2 => Ok(Some(Site::MLB)),
            _ => Err(()),
        }
    }
}

/// Which Mercado Pago API a client speaks (`mpp_config_set_api`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_api {
    /// The InStore payment intents (the default).
    Intents = 0,
    /// The Orders API for Point (`/v1/orders`), which Mercado Pago recommends for new
    /// integrations.
    Orders = 1,
}

impl mpp_api {
    /// `Err` for a number that is not an API.
    pub(crate) fn core(code: u32) -> Result<mppoint::Api, ()> {
        match code {
            0 => Ok(mppoint::Api::Intents),
            1 => Ok(mppoint::Api::Orders),
            _ => Err(()),
        }
    }
}

/// Why a webhook signature was refused (the same reasons as Mercado Pago's own SDKs).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_webhook_failure {
    /// Not a failure: the signature verified.
    None = 0,
    /// No `x-signature` header.
    MissingHeader = 1,
    /// The header could not be read.
    MalformedHeader = 2,
    /// No `ts` in the header.
    MissingTimestamp = 3,
    /// No `v1` in the header.
    MissingHash = 4,
    /// The signature does not match.
    SignatureMismatch = 5,
    /// `ts` is farther from now than the tolerance.
    TimestampOutOfTolerance = 6,
}

impl mpp_webhook_failure {
    pub(crate) fn of(r: FailureReason) -> mpp_webhook_failure {
        match r {
            FailureReason::MissingHeader => mpp_webhook_failure::MissingHeader,
            FailureReason::MalformedHeader => mpp_webhook_failure::MalformedHeader,
            FailureReason::MissingTimestamp => mpp_webhook_failure::MissingTimestamp,
            FailureReason::MissingHash => mpp_webhook_failure::MissingHash,
            FailureReason::SignatureMismatch => mpp_webhook_failure::SignatureMismatch,
            FailureReason::TimestampOutOfTolerance => mpp_webhook_failure::TimestampOutOfTolerance,
        }
    }
}

/// Where an intent goes, for `mpp_charge`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_target {
    /// The device linked to the point of sale whose `external_id` is given.
    Pos = 1,
    /// The device whose id (`PAX_A910__SMARTPOS1234567890`) is given.
    Device = 2,
}

/// What the simulated customer does on the simulated terminal (`mpp_simulator_present_card`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mpp_card_outcome {
    /// The payment is approved: the intent closes with an approved payment.
    Approved = 1,
    /// The payment is rejected: the intent closes with a rejected payment.
    Rejected = 2,
    /// The transaction fails: the intent ends as ERROR.
    Error = 3,
    /// The terminal cannot confirm: the intent ends as CONFIRMATION_REQUIRED.
    ConfirmationRequired = 4,
}

/// A name table built once from the core's own spellings, kept for the life of the process, so
/// the C layer hands out static strings without spelling anything itself.
type Names = OnceLock<Vec<(u32, CString)>>;

fn lookup(
    cell: &'static Names,
    code: u32,
    build: impl FnOnce() -> Vec<(u32, String)>,
) -> *const c_char {
    cell.get_or_init(|| {
        build()
            .into_iter()
            .map(|(c, s)| (c, crate::util::cstring(&s)))
            .collect()
    })
    .iter()
    .find(|(c, _)| *c == code)
    .map_or(std::ptr::null(), |(_, s)| s.as_ptr())
}

/// The API's spelling of a status (`"ON_TERMINAL"`), or NULL for `MPP_STATUS_NONE`,
/// `MPP_STATUS_UNKNOWN` and numbers that are not statuses.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_status_str(status: u32) -> *const c_char {
    static NAMES: Names = OnceLock::new();
    guard(std::ptr::null(), || {
        lookup(&NAMES, status, || {
            Status::KNOWN
                .iter()
                .map(|s| (mpp_status::of(s) as u32, s.as_str().to_string()))
                .collect()
        })
    })
}

/// Whether a status is final (`CLOSED`, `CONFIRMATION_REQUIRED`, `CANCELED`, `ERROR`,
/// `EXPIRED`): the intent will not change any more. False for anything else.
///
/// Ownership: no pointers.
#[no_mangle]
pub extern "C" fn mpp_status_is_final(status: u32) -> bool {
    guard(false, || {
        mpp_status::core(status).is_some_and(|s| s.is_final())
    })
}

/// The stable code of a verdict (`"APPROVED"`, `"CONFIRMATION_REQUIRED"`), or NULL for a number
/// that is not a verdict.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_verdict_str(verdict: u32) -> *const c_char {
    static NAMES: Names = OnceLock::new();
    guard(std::ptr::null(), || {
        lookup(&NAMES, verdict, || {
            Verdict::ALL
                .iter()
                .map(|v| (mpp_verdict::of(*v) as u32, v.code().to_string()))
                .collect()
        })
    })
}

/// What to tell the cashier for a verdict (`"payment approved: hand over the goods"`), or NULL
/// for a number that is not a verdict.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_verdict_advice(verdict: u32) -> *const c_char {
    static ADVICE: Names = OnceLock::new();
    guard(std::ptr::null(), || {
        lookup(&ADVICE, verdict, || {
            Verdict::ALL
                .iter()
                .map(|v| (mpp_verdict::of(*v) as u32, v.advice().to_string()))
                .collect()
        })
    })
}

/// The stable code of a webhook failure reason (`"SIGNATURE_MISMATCH"`), `"OK"` for
/// `MPP_WEBHOOK_FAILURE_NONE`, or NULL for a number that is not a reason.
///
/// Ownership: the returned string is static (never free it).
#[no_mangle]
pub extern "C" fn mpp_webhook_failure_str(reason: u32) -> *const c_char {
    static NAMES: Names = OnceLock::new();
    guard(std::ptr::null(), || {
        if reason == mpp_webhook_failure::None as u32 {
            return c"OK".as_ptr();
        }
        lookup(&NAMES, reason, || {
            FailureReason::ALL
                .iter()
                .map(|r| (mpp_webhook_failure::of(*r) as u32, r.code().to_string()))
                .collect()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn status_numbers_round_trip() {
        for s in Status::KNOWN {
            let c = mpp_status::of(&s);
            assert_eq!(mpp_status::core(c as u32), Some(s.clone()));
            let name = unsafe { CStr::from_ptr(mpp_status_str(c as u32)) };
            assert_eq!(name.to_str().unwrap(), s.as_str());
            assert_eq!(mpp_status_is_final(c as u32), s.is_final());
        }
        assert!(mpp_status_str(0).is_null());
        assert!(mpp_status_str(100).is_null());
        assert!(!mpp_status_is_final(100));
    }

    #[test]
    fn verdicts_and_reasons_have_names() {
        for v in Verdict::ALL {
            let name = unsafe { CStr::from_ptr(mpp_verdict_str(mpp_verdict::of(v) as u32)) };
            assert_eq!(name.to_str().unwrap(), v.code());
        }
        for r in FailureReason::ALL {
            let c = mpp_webhook_failure::of(r) as u32;
            let name = unsafe { CStr::from_ptr(mpp_webhook_failure_str(c)) };
            assert_eq!(name.to_str().unwrap(), r.code());
        }
        assert!(mpp_verdict_str(0).is_null());
        assert!(mpp_webhook_failure_str(77).is_null());
    }
}
