//! The plain objects JavaScript sees, and their translation from and to the core's types.
//!
//! Amounts go out as two-decimal strings plus integer cents. They come in as a string (parsed by
//! `Amount::parse`), or a number (accepted by `Amount::from_f64` only when its shortest form has
//! one or two decimals: a whole number could be units or cents); `cents(n)` turns integer cents
//! into the exact string.

use napi::bindgen_prelude::*;

use mppoint::Amount;

/// One entry of Mercado Pago's `cause` list (`code` is text: the API sends numbers or strings).
#[napi(object)]
#[derive(Clone)]
pub struct Cause {
    pub code: Option<String>,
    pub description: Option<String>,
}

/// An amount as given by JavaScript: a decimal string (`"12.47"`), the string `cents(1247)`
/// returns, or a number whose shortest form has one or two decimals (`12.47`, not `0.1 + 0.2`,
/// not `12`).
pub type AmountInput = Either<String, f64>;

pub(crate) fn amount_in(v: &AmountInput) -> mppoint::Result<Amount> {
    match v {
        Either::A(s) => Amount::parse(s),
        Either::B(n) => Amount::from_f64(*n),
    }
}

/// A non-negative whole number of milliseconds from JavaScript.
pub(crate) fn millis(
    field: &'static str,
    v: Option<f64>,
) -> mppoint::Result<Option<std::time::Duration>> {
    match v {
        None => Ok(None),
        // Whole milliseconds exactly (a Unix time in ms does not survive a division by 1000).
        Some(ms) if (0.0..=1e15).contains(&ms) => Ok(Some(if ms.fract() == 0.0 {
            std::time::Duration::from_millis(ms as u64)
        } else {
            std::time::Duration::from_nanos((ms * 1e6).round() as u64)
        })),
        Some(ms) => Err(mppoint::Error::invalid_argument(
            field,
            "must be a finite number of milliseconds, 0 or more",
            &ms.to_string(),
        )),
    }
}

/// A duration given in seconds from JavaScript (the journal's retention).
pub(crate) fn seconds(
    field: &'static str,
    v: Option<f64>,
) -> mppoint::Result<Option<std::time::Duration>> {
    match v {
        None => Ok(None),
        Some(s) => std::time::Duration::try_from_secs_f64(s)
            .map(Some)
            .map_err(|_| {
                mppoint::Error::invalid_argument(
                    field,
                    "must be a finite number of seconds, 0 or more",
                    &s.to_string(),
                )
            }),
    }
}

/// A whole number (payment ids, counts) from JavaScript: integer, within `min..=max`.
pub(crate) fn whole(field: &'static str, v: f64, min: f64, max: f64) -> mppoint::Result<i64> {
    if v.is_finite() && v.fract() == 0.0 && v >= min && v <= max {
        Ok(v as i64)
    } else {
        Err(mppoint::Error::invalid_argument(
            field,
            format!("must be a whole number from {min} to {max}"),
            &v.to_string(),
        ))
    }
}

/// A payment id: a whole number (or its decimal digits as a string) that passes the core's rule.
pub(crate) fn payment_id(v: &Either<f64, String>) -> mppoint::Result<u64> {
    let id = match v {
        Either::A(n) => whole("payment_id", *n, 0.0, 9_007_199_254_740_991.0)? as u64,
        Either::B(s) => match s.parse::<u64>() {
            Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(mppoint::Error::invalid_argument(
                    "payment_id",
                    "must be a positive whole number",
                    s,
                ))
            }
        },
    };
    mppoint::payment::validate_payment_id(id)?;
    Ok(id)
}

fn cents_of(a: Amount) -> i64 {
    a.cents()
}

/// Where an intent goes: the device linked to a POS (`{ pos: "SUC001POS001" }`) or a device
/// (`{ device: "PAX_A910__SMARTPOS1234567890" }`). Exactly one of the two.
#[napi(object)]
pub struct Target {
    /// The POS's external id.
    pub pos: Option<String>,
    /// The device id (`TYPE__SERIAL`).
    pub device: Option<String>,
}

impl Target {
    pub(crate) fn to_core(&self) -> mppoint::Result<mppoint::Target> {
        mppoint::Target::from_options(self.pos.clone(), self.device.clone())
    }
}

/// What to charge.
#[napi(object)]
pub struct IntentRequest {
    /// `"12.47"`, `cents(1247)`, or `12.47` (a number with one or two decimals).
    #[napi(ts_type = "AmountInput")]
    pub amount: AmountInput,
    /// 1–255 characters, shown on the terminal.
    pub description: String,
    /// 1–100 letters, digits, spaces and `- : _ , .`: your order id.
    pub external_reference: String,
    /// A ticket number (Argentina): 1–100 letters and digits.
    pub ticket_number: Option<String>,
    /// Print the seller ticket on the terminal.
    pub print_seller_ticket: Option<bool>,
    /// The `X-Idempotency-Key` of the create (default: a new UUID, reused on retries). Pass the
    /// key of an `OUTCOME_UNKNOWN` error to retry that create safely.
    pub idempotency_key: Option<String>,
}

impl IntentRequest {
    pub(crate) fn to_core(&self) -> mppoint::Result<mppoint::IntentRequest> {
        let amount = amount_in(&self.amount)?;
        let mut r = mppoint::IntentRequest::new(
            amount,
            self.description.clone(),
            self.external_reference.clone(),
        );
        if let Some(t) = &self.ticket_number {
            r = r.ticket_number(t.clone());
        }
        if let Some(p) = self.print_seller_ticket {
            r = r.print_seller_ticket(p);
        }
        if let Some(k) = &self.idempotency_key {
            r = r.idempotency_key(k.clone());
        }
        Ok(r)
    }
}

/// The payment an operation produced (`source` is `PAYMENT`).
#[napi(object)]
#[derive(Clone)]
pub struct OperationResult {
    /// A payment id (a number, as documented); any other value is kept as text.
    pub id: Either<i64, String>,
    pub source: Option<String>,
}

/// One operation of an intent (one `PURCHASE` for Point).
#[napi(object)]
#[derive(Clone)]
pub struct Operation {
    #[napi(js_name = "type")]
    pub kind: String,
    /// Two decimals, like `"12.47"`.
    pub amount: Option<String>,
    pub amount_cents: Option<i64>,
    pub results: Vec<OperationResult>,
}

/// The terminal settings of an intent.
#[napi(object)]
#[derive(Clone)]
pub struct EnablerConfiguration {
    pub device_payment_mode: Option<String>,
    pub ticket_number: Option<String>,
    pub print_on_terminal: Vec<String>,
}

/// A payment intent as the API reports it.
#[napi(object)]
#[derive(Clone)]
pub struct Intent {
    pub id: String,
    /// `OPENED`, `ON_TERMINAL`, `PROCESSING`, `PROCESSED`, `CLOSED`, `CONFIRMATION_REQUIRED`,
    /// `CANCELED`, `ERROR`, `EXPIRED`, or a status unknown to this version, kept as sent.
    #[napi(ts_type = "IntentStatus")]
    pub status: String,
    /// Whether the status is final (the intent will not change any more).
    pub is_final: bool,
    pub description: Option<String>,
    pub external_reference: Option<String>,
    /// The amount of the first operation, two decimals.
    pub amount: Option<String>,
    pub amount_cents: Option<i64>,
    pub operations: Vec<Operation>,
    /// The payment ids of a `CLOSED` intent (look them up with `getPayment`).
    pub payment_ids: Vec<i64>,
    pub enabler_configuration: Option<EnablerConfiguration>,
    /// The `X-Idempotency-Key` the create was sent with (only on intents this client created).
    pub idempotency_key: Option<String>,
}

impl Intent {
    pub(crate) fn of(i: &mppoint::Intent) -> Intent {
        let amount = i.amount();
        Intent {
            id: i.id.clone(),
            status: i.status.as_str().to_string(),
            is_final: i.status.is_final(),
            description: i.description.clone(),
            external_reference: i.external_reference.clone(),
            amount: amount.map(|a| a.to_string()),
            amount_cents: amount.map(cents_of),
            operations: i
                .operations
                .iter()
                .map(|o| Operation {
                    kind: o.kind.clone(),
                    amount: o.amount.map(|a| a.to_string()),
                    amount_cents: o.amount.map(cents_of),
                    results: o
                        .results
                        .iter()
                        .map(|r| OperationResult {
                            id: match &r.id {
                                mppoint::ResultId::Number(n) => i64::try_from(*n)
                                    .map(Either::A)
                                    .unwrap_or_else(|_| Either::B(n.to_string())),
                                mppoint::ResultId::Text(t) => Either::B(t.clone()),
                            },
                            source: r.source.as_ref().map(|s| s.as_str().to_string()),
                        })
                        .collect(),
                })
                .collect(),
            payment_ids: i.payment_ids().into_iter().map(|p| p as i64).collect(),
            enabler_configuration: i
                .enabler_configuration
                .as_ref()
                .map(|e| EnablerConfiguration {
                    device_payment_mode: e.device_payment_mode.clone(),
                    ticket_number: e.ticket_number.clone(),
                    print_on_terminal: e.print_on_terminal.clone(),
                }),
            idempotency_key: i.idempotency_key.clone(),
        }
    }
}

/// A payment (what a `CLOSED` intent produced).
#[napi(object)]
pub struct Payment {
    pub id: i64,
    /// `approved`, `rejected`, `pending`, `in_process`, … or a status unknown to this version.
    pub status: String,
    pub is_approved: bool,
    pub status_detail: Option<String>,
    /// Two decimals, like `"12.47"`.
    pub transaction_amount: Option<String>,
    pub transaction_amount_cents: Option<i64>,
    pub transaction_amount_refunded: Option<String>,
    pub transaction_amount_refunded_cents: Option<i64>,
    pub currency_id: Option<String>,
    pub payment_method_id: Option<String>,
    pub payment_type_id: Option<String>,
    pub external_reference: Option<String>,
    pub description: Option<String>,
    pub date_created: Option<String>,
    pub date_approved: Option<String>,
    /// Orders API: the tip the customer added on the terminal, paid on top of
    /// `transactionAmount` (two decimals, like `"3.00"`); absent without one. A payment with a
    /// tip is refunded only in full.
    pub tip_amount: Option<String>,
    pub tip_amount_cents: Option<i64>,
}

impl Payment {
    pub(crate) fn of(p: &mppoint::Payment) -> Payment {
        Payment {
            id: p.id as i64,
            status: p.status.as_str().to_string(),
            is_approved: p.is_approved(),
            status_detail: p.status_detail.clone(),
            transaction_amount: p.transaction_amount.map(|a| a.to_string()),
            transaction_amount_cents: p.transaction_amount.map(cents_of),
            transaction_amount_refunded: p.transaction_amount_refunded.map(|a| a.to_string()),
            transaction_amount_refunded_cents: p.transaction_amount_refunded.map(|a| a.0),
            currency_id: p.currency_id.clone(),
            payment_method_id: p.payment_method_id.clone(),
            payment_type_id: p.payment_type_id.clone(),
            external_reference: p.external_reference.clone(),
            description: p.description.clone(),
            date_created: p.date_created.clone(),
            date_approved: p.date_approved.clone(),
            tip_amount: p.tip_amount.map(|a| a.to_string()),
            tip_amount_cents: p.tip_amount.map(cents_of),
        }
    }
}

/// A refund of a payment.
#[napi(object)]
pub struct Refund {
    pub id: i64,
    pub payment_id: Option<i64>,
    pub amount: Option<String>,
    pub amount_cents: Option<i64>,
    pub status: Option<String>,
    pub date_created: Option<String>,
}

impl Refund {
    pub(crate) fn of(r: &mppoint::Refund) -> Refund {
        Refund {
            id: r.id as i64,
            payment_id: r.payment_id.map(|p| p as i64),
            amount: r.amount.map(|a| a.to_string()),
            amount_cents: r.amount.map(cents_of),
            status: r.status.clone(),
            date_created: r.date_created.clone(),
        }
    }
}

/// The fields of every sale. `Sale` (in the declarations' header) narrows them into a union on
/// `isPaid` / `verdict`, so that `sale.approvedPayment` is a `Payment` inside `if (sale.isPaid)`.
#[napi(object, js_name = "SaleFields")]
pub struct Sale {
    /// `APPROVED`, `REJECTED`, `CANCELED`, `EXPIRED`, `ERROR` or `CONFIRMATION_REQUIRED`.
    #[napi(ts_type = "Verdict")]
    pub verdict: String,
    /// Why, in a sentence (`payment 123 approved`).
    pub reason: String,
    /// What the cashier should do now.
    pub advice: String,
    /// `verdict === 'APPROVED'`.
    pub is_paid: bool,
    pub intent: Intent,
    pub payments: Vec<Payment>,
    /// The approved payment, when there is one.
    pub approved_payment: Option<Payment>,
    pub amount: Option<String>,
    pub amount_cents: Option<i64>,
    /// Orders API: the tip the customer added to the approved payment (two decimals, like
    /// `"3.00"`), paid on top of `amount`: extra money to book (the verdict is about the amount
    /// asked). Absent without a tip or without an approved payment.
    pub tip: Option<String>,
    pub tip_cents: Option<i64>,
}

impl Sale {
    pub(crate) fn of(s: &mppoint::Sale) -> Sale {
        let amount = s.amount();
        Sale {
            verdict: s.verdict.code().to_string(),
            reason: s.reason.clone(),
            advice: s.verdict.advice().to_string(),
            is_paid: s.is_paid(),
            intent: Intent::of(&s.intent),
            payments: s.payments.iter().map(Payment::of).collect(),
            approved_payment: s.approved_payment().map(Payment::of),
            amount: amount.map(|a| a.to_string()),
            amount_cents: amount.map(cents_of),
            tip: s.tip().map(|a| a.to_string()),
            tip_cents: s.tip().map(cents_of),
        }
    }
}

/// A Point device.
#[napi(object)]
pub struct Device {
    pub id: String,
    pub pos_id: Option<i64>,
    pub store_id: Option<String>,
    pub external_pos_id: Option<String>,
    /// `PDV` (receives intents), `STANDALONE`, or a mode unknown to this version.
    pub operating_mode: String,
}

impl Device {
    pub(crate) fn of(d: &mppoint::Device) -> Device {
        Device {
            id: d.id.clone(),
            pos_id: d.pos_id,
            store_id: d.store_id.clone(),
            external_pos_id: d.external_pos_id.clone(),
            operating_mode: d.operating_mode.as_str().to_string(),
        }
    }
}

/// Paging of a device list.
#[napi(object)]
pub struct Paging {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// One page of devices.
#[napi(object)]
pub struct DevicePage {
    pub devices: Vec<Device>,
    pub paging: Paging,
}

impl DevicePage {
    pub(crate) fn of(p: &mppoint::DevicePage) -> DevicePage {
        DevicePage {
            devices: p.devices.iter().map(Device::of).collect(),
            paging: Paging {
                total: p.paging.total as i64,
                offset: p.paging.offset as i64,
                limit: p.paging.limit as i64,
            },
        }
    }
}

/// Which devices to list.
#[napi(object)]
pub struct DeviceFilter {
    pub store_id: Option<String>,
    pub pos_id: Option<String>,
    /// Page size (at least 1).
    pub limit: Option<f64>,
    pub offset: Option<f64>,
}

impl DeviceFilter {
    pub(crate) fn to_core(f: Option<&DeviceFilter>) -> mppoint::Result<mppoint::DeviceFilter> {
        let Some(f) = f else {
            return Ok(mppoint::DeviceFilter::default());
        };
        let n = |field, v: Option<f64>| -> mppoint::Result<Option<u32>> {
            v.map(|v| whole(field, v, 0.0, f64::from(u32::MAX)).map(|n| n as u32))
                .transpose()
        };
        Ok(mppoint::DeviceFilter {
            store_id: f.store_id.clone(),
            pos_id: f.pos_id.clone(),
            limit: n("limit", f.limit)?,
            offset: n("offset", f.offset)?,
        })
    }
}

/// Amount limits that override the site's.
#[napi(object)]
pub struct AmountLimits {
    #[napi(ts_type = "AmountInput")]
    pub min: AmountInput,
    #[napi(ts_type = "AmountInput")]
    pub max: AmountInput,
}

/// Amount limits as the client applies them.
#[napi(object)]
pub struct AmountLimitsOut {
    pub min: String,
    pub min_cents: i64,
    pub max: String,
    pub max_cents: i64,
}

impl AmountLimitsOut {
    pub(crate) fn of(l: &mppoint::AmountLimits) -> AmountLimitsOut {
        AmountLimitsOut {
            min: l.min.to_string(),
            min_cents: l.min.cents(),
            max: l.max.to_string(),
            max_cents: l.max.cents(),
        }
    }
}
