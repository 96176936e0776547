//! The sale journal: money safety that survives the process.
//!
//! A POS can die at any instant (power cut, crash, a Windows update). With a journal
//! ([`crate::ClientBuilder::journal`]), every sale is recorded, keyed by the POS's own sale
//! reference (the request's `external_reference`), **before** its create is sent and after every
//! change of state, each write committed durably. [`Client::charge`](crate::Client::charge) then is
//! idempotent by reference, across processes and restarts:
//!
//! - a reference already approved returns that sale: nothing is charged again;
//! - a reference in flight resumes waiting on the same intent (or order);
//! - a create sent whose answer was lost is resolved without a second charge: on the Orders API by
//!   re-sending the same key and body (documented to answer the same order); on intents by the
//!   payments of the reference, then by the create's own key, whose 409 says the terminal is busy
//!   (then [`crate::ErrorKind::OutcomeUnknown`] says what to do) — never a silent second intent;
//! - a reference whose last attempt ended unpaid is charged again: a new attempt, with a new key,
//!   under the same sale;
//! - a reference being charged by another process (or thread) is
//!   [`crate::ErrorKind::SaleInProgress`]; the same reference with another amount, target or API is
//!   [`crate::ErrorKind::IdempotencyKeyMismatch`] naming both carts, before anything is sent.
//!
//! [`Client::pending`](crate::Client::pending) lists the sales the POS has not booked;
//! [`Client::settle`](crate::Client::settle) books one;
//! [`Client::resolve_pending`](crate::Client::resolve_pending) (at start-up) drives each to its
//! verdict. Settled sales are kept for the retention
//! ([`crate::ClientBuilder::journal_retention`], 90 days by default), then pruned when a journal
//! is opened.

mod charge;
mod postgres;
mod sqlite;
mod store;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use postgres::{is_postgres_url, redact, PgStore, PG_SCHEMA_VERSION};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};
pub use store::{Record, SaleState, Store};

use crate::amount::Amount;
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{IntentRequest, Target};
use crate::sale::{Sale, Verdict};
use crate::wait::WaitOptions;

/// How long settled sales are kept by default: 90 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// How long after an intent create whose answer was lost the journal waits for a payment of the
/// reference before it ends the attempt unpaid, by default: 20 minutes (Mercado Pago abandons an
/// intent not processed in 15).
pub const DEFAULT_LOST_CREATE_WINDOW: Duration = Duration::from_secs(20 * 60);

/// What [`Client::resolve_pending`](crate::Client::resolve_pending) does with an approved sale the
/// POS never booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApprovedPolicy {
    /// Leave it in [`Client::pending`](crate::Client::pending) for the POS to book (the default).
    #[default]
    Report,
    /// Settle it: the POS books whatever the journal says was paid.
    Settle,
    /// Refund its payment in full, then settle it: the POS never sold it.
    Refund,
}

impl ApprovedPolicy {
    /// Every policy.
    pub const ALL: [ApprovedPolicy; 3] = [
        ApprovedPolicy::Report,
        ApprovedPolicy::Settle,
        ApprovedPolicy::Refund,
    ];

    /// `"report"`, `"settle"` or `"refund"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovedPolicy::Report => "report",
            ApprovedPolicy::Settle => "settle",
            ApprovedPolicy::Refund => "refund",
        }
    }

    /// Reads `"report"`, `"settle"` or `"refund"` (any case).
    pub fn parse(s: &str) -> Result<ApprovedPolicy> {
        let t = s.trim().to_ascii_lowercase();
        ApprovedPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == t)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "approved_policy",
                    "must be \"report\", \"settle\" or \"refund\"",
                    s,
                )
            })
    }
}

/// A sale of the journal not yet settled, as [`Client::pending`](crate::Client::pending) lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingSale {
    /// The POS's sale reference.
    pub reference: String,
    /// `intents` or `orders`.
    pub api: String,
    /// `pos:<external id>` or `device:<device id>`.
    pub target: String,
    /// The amount, with two decimals.
    pub amount: String,
    /// The description.
    pub description: String,
    /// Where it stands: `PLANNED`, `SENT`, `ON_API`, `FINAL` (or `SETTLED`).
    pub state: String,
    /// The current attempt, from 1.
    pub attempt: u32,
    /// The current attempt's `X-Idempotency-Key`.
    pub idempotency_key: String,
    /// The current attempt's intent (or order) id, once known.
    pub intent_id: Option<String>,
    /// The verdict, once final.
    pub verdict: Option<String>,
    /// The approved payment's id, once paid.
    pub payment_id: Option<u64>,
    /// Whether it was paid (verdict `APPROVED`, not refunded): book it, then settle it.
    pub paid: bool,
    /// What the POS must know (an unknown outcome and what to do, a refund).
    pub note: Option<String>,
    /// When it was first recorded (Unix milliseconds).
    pub created_at: i64,
    /// When it last changed (Unix milliseconds).
    pub updated_at: i64,
}

/// The journal of a client.
pub(crate) struct Journal {
    store: Box<dyn Store>,
    /// [`crate::ClientBuilder::journal_lost_create_window`], in milliseconds.
    lost_create_window_ms: i64,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("location", &self.store.location())
            .finish()
    }
}

impl Journal {
    /// Opens the SQLite journal at `path` and prunes the sales settled longer than `retention`
    /// ago.
    pub(crate) fn open(
        path: &Path,
        retention: Duration,
        lost_create_window: Duration,
    ) -> Result<Journal> {
        // A `postgres://` URL: the journal in that database; anything else: an SQLite file.
        let store: Box<dyn Store> = match path.to_str() {
            Some(url) if is_postgres_url(url) => Box::new(PgStore::open(url.trim())?),
            _ => Box::new(SqliteStore::open(path)?),
        };
        let keep = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        store.prune(now_ms().saturating_sub(keep))?;
        Ok(Journal {
            store,
            lost_create_window_ms: i64::try_from(lost_create_window.as_millis())
                .unwrap_or(i64::MAX),
        })
    }
}

/// Unix milliseconds now.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The test hook of the crash campaign: with `MPPOINT_JOURNAL_DIE_AT` naming a transition
/// (`planned`, `sent`, `created`, `on_api`, `ended`, `final`), the process aborts there, at once,
/// as a power cut would stop it. Not for production use.
fn hook(point: &str) {
    static DIE_AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let at = DIE_AT.get_or_init(|| std::env::var("MPPOINT_JOURNAL_DIE_AT").ok());
    if at.as_deref() == Some(point) {
        std::process::abort();
    }
}

fn target_text(t: &Target) -> String {
    match t {
        Target::Pos(id) => format!("pos:{id}"),
        Target::Device(id) => format!("device:{id}"),
    }
}

fn target_of(text: &str) -> Result<Target> {
    match text.split_once(':') {
        Some(("pos", id)) => Ok(Target::Pos(id.to_string())),
        Some(("device", id)) => Ok(Target::Device(id.to_string())),
        _ => Err(Error::new(
            ErrorKind::Journal,
            format!("the journal names an unknown target {text:?}: it was not written by this version of mppoint"),
        )),
    }
}

fn cents_text(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// One earlier attempt of a sale.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Attempt {
    attempt: u32,
    idempotency_key: String,
    intent_id: Option<String>,
    verdict: Option<String>,
    sale_json: Option<String>,
    payment_ids: Vec<u64>,
    note: Option<String>,
}

fn attempts_of(rec: &Record) -> Vec<Attempt> {
    serde_json::from_str(&rec.attempts_json).unwrap_or_default()
}

/// Every payment id the record knows (earlier attempts and the current one).
fn known_payment_ids(rec: &Record) -> Vec<u64> {
    let mut ids: Vec<u64> = attempts_of(rec)
        .into_iter()
        .flat_map(|a| a.payment_ids)
        .collect();
    if let Some(s) = rec.sale_json.as_deref().and_then(sale_of_json) {
        ids.extend(s.payments.iter().map(|p| p.id));
    }
    ids
}

fn sale_of_json(s: &str) -> Option<Sale> {
    serde_json::from_str(s).ok()
}

impl Record {
    fn stored_sale(&self) -> Option<Sale> {
        self.sale_json.as_deref().and_then(sale_of_json)
    }

    fn verdict(&self) -> Option<Verdict> {
        let v = self.verdict.as_deref()?;
        Verdict::ALL.into_iter().find(|x| x.code() == v)
    }

    /// Whether the sale must never be charged again: paid (and not refunded), or of unknown
    /// outcome on the terminal.
    fn is_done(&self) -> bool {
        matches!(
            self.verdict(),
            Some(Verdict::Approved) | Some(Verdict::ConfirmationRequired)
        ) && self.refund_id.is_none()
    }

    fn to_pending(&self) -> PendingSale {
        PendingSale {
            reference: self.reference.clone(),
            api: self.api.clone(),
            target: self.target.clone(),
            amount: cents_text(self.amount_cents),
            description: self.description.clone(),
            state: self.state.code().to_string(),
            attempt: self.attempt,
            idempotency_key: self.idempotency_key.clone(),
            intent_id: self.intent_id.clone(),
            verdict: self.verdict.clone(),
            payment_id: self.payment_id,
            paid: self.verdict() == Some(Verdict::Approved) && self.refund_id.is_none(),
            note: self.note.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// The request the current attempt sends (the same on every re-send).
    fn request(&self) -> Result<IntentRequest> {
        let mut r = IntentRequest::new(
            Amount::from_cents(self.amount_cents)?,
            self.description.clone(),
            self.reference.clone(),
        )
        .idempotency_key(self.idempotency_key.clone())
        .print_seller_ticket(self.print_seller_ticket);
        if let Some(t) = &self.ticket_number {
            r = r.ticket_number(t.clone());
        }
        Ok(r.with_order_expiration(self.expiration_time.clone()))
    }

    /// Ends the current attempt with `sale`.
    fn finish(&mut self, sale: &Sale) {
        self.state = SaleState::Final;
        self.verdict = Some(sale.verdict.code().to_string());
        self.payment_id = sale.approved_payment().map(|p| p.id);
        self.sale_json = serde_json::to_string(sale).ok();
        self.note = None;
        self.updated_at = now_ms();
    }

    /// Starts a new attempt (the last one ended unpaid): a new key, the old attempt kept.
    fn next_attempt(&mut self) {
        let mut all = attempts_of(self);
        all.push(Attempt {
            attempt: self.attempt,
            idempotency_key: self.idempotency_key.clone(),
            intent_id: self.intent_id.clone(),
            verdict: self.verdict.clone(),
            sale_json: self.sale_json.clone(),
            payment_ids: self
                .stored_sale()
                .map(|s| s.payments.iter().map(|p| p.id).collect())
                .unwrap_or_default(),
            note: self.note.clone(),
        });
        self.attempts_json = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
        self.attempt += 1;
        self.idempotency_key = uuid::Uuid::new_v4().to_string();
        self.intent_id = None;
        self.verdict = None;
        self.payment_id = None;
        self.sale_json = None;
        self.note = None;
        self.sent_at = None;
        self.settled_at = None;
        self.refund_id = None;
        self.state = SaleState::Planned;
        self.updated_at = now_ms();
    }

    /// Undoes [`Record::next_attempt`] (its create was refused for certain: nothing happened).
    fn previous_attempt(&mut self) -> bool {
        let mut all = attempts_of(self);
        let Some(last) = all.pop() else {
            return false;
        };
        self.attempts_json = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
        self.attempt = last.attempt;
        self.idempotency_key = last.idempotency_key;
        self.intent_id = last.intent_id;
        self.verdict = last.verdict;
        self.sale_json = last.sale_json;
        self.payment_id = self
            .stored_sale()
            .and_then(|s| s.approved_payment().map(|p| p.id));
        self.note = last.note;
        self.state = SaleState::Final;
        self.updated_at = now_ms();
        true
    }
}

/// Gives the claim back when dropped (every way out of a charge).
struct Claim<'a> {
    store: &'a dyn Store,
    reference: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.store.release(&self.reference) {
            log::warn!("mppoint journal: {e}");
        }
    }
}

/// The `expiration_time` of an order: the sale's wait deadline plus a margin (30 s, so the order
/// does not expire under the wait's last poll), within the API's PT30S–PT3H, so an order the POS
/// stopped waiting for expires by itself.
pub(crate) fn order_expiration(opts: &WaitOptions) -> String {
    let secs = opts
        .timeout
        .as_secs()
        .saturating_add(30)
        .clamp(30, 3 * 3600);
    format!("PT{secs}S")
}

fn body_hash(rec: &Record) -> String {
    let text = serde_json::json!([
        rec.api,
        rec.target,
        rec.amount_cents,
        rec.description,
        rec.ticket_number,
        rec.print_seller_ticket,
        rec.expiration_time
    ])
    .to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn no_journal() -> Error {
    Error::new(
        ErrorKind::Config,
        "this client has no sale journal: build it with a journal path (ClientBuilder::journal, journal=…, { journal }, --journal)",
    )
}

/// Whether a create that failed this way certainly created nothing (a refusal before or by the
/// API). Every other failure (no answer, 5xx, a garbled answer) may have created it.
fn refused_for_certain(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidArgument
            | ErrorKind::InvalidAmount
            | ErrorKind::Config
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::BadRequest
            | ErrorKind::AlreadyQueued
            | ErrorKind::Conflict
            | ErrorKind::RateLimited
            | ErrorKind::IdempotencyKeyMismatch
    )
}

/// What to do about a create whose answer was lost, for the POS.
fn lost_note(rec: &Record, clears_at: i64) -> String {
    let left = (clears_at.saturating_sub(now_ms()) / 1000).max(1);
    format!(
        "sale {:?} (attempt {}, idempotency key {}): its create was sent but the answer was lost, and no payment of the reference is known yet: its intent may still be on the terminal. Let the customer finish it there (or cancel it there), then charge the same reference again: the journal finds its payment. If none appears, the journal ends the attempt unpaid in {left} s (Mercado Pago abandons an unpaid intent after 15 minutes) and the next charge tries again. Never ring it up under another reference",
        rec.reference, rec.attempt, rec.idempotency_key
    )
}
