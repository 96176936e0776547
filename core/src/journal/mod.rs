//! The sale journal: money safety that survives the process.
//!
//! A POS can die at any instant (power cut, crash, a Windows update). With a journal
//! ([`crate::ClientBuilder::journal`]), every sale is recorded, keyed by the POS's own sale
//! reference (the request's `external_reference`), **before** its create is sent and after every
//! change of state, each write committed durably. [`Client::charge`] then is idempotent by
//! reference, across processes and restarts:
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
//! [`Client::pending`] lists the sales the POS has not booked; [`Client::settle`] books one;
//! [`Client::resolve_pending`] (at start-up) drives each to its verdict. Settled sales are kept
//! for the retention ([`crate::ClientBuilder::journal_retention`], 90 days by default), then
//! pruned when a journal is opened.

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
use crate::api::Api;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{Intent, IntentRequest, Status, Target};
use crate::payment::Payment;
use crate::sale::{Sale, Verdict};
use crate::wait::WaitOptions;

/// How long settled sales are kept by default: 90 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// How long after an intent create whose answer was lost the journal waits for a payment of the
/// reference before it ends the attempt unpaid, by default: 20 minutes (Mercado Pago abandons an
/// intent not processed in 15).
pub const DEFAULT_LOST_CREATE_WINDOW: Duration = Duration::from_secs(20 * 60);

/// What [`Client::resolve_pending`] does with an approved sale the POS never booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApprovedPolicy {
    /// Leave it in [`Client::pending`] for the POS to book (the default).
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

/// A sale of the journal not yet settled, as [`Client::pending`] lists it.
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

impl Client {
    fn journal_or_err(&self) -> Result<&Journal> {
        self.journal().ok_or_else(no_journal)
    }

    /// The sales of the journal the POS has not settled yet: in flight, of unknown outcome, or
    /// ended but not booked. Book each paid one ([`PendingSale::paid`]), then [`Client::settle`]
    /// it. Without a journal, a [`ErrorKind::Config`] error.
    pub fn pending(&self) -> Result<Vec<PendingSale>> {
        let j = self.journal_or_err()?;
        Ok(j.store
            .unsettled()?
            .iter()
            .map(Record::to_pending)
            .collect())
    }

    /// Records that the POS has booked the sale `reference` (exactly once: `true` when this call
    /// settled it, `false` when it was settled already). Only an ended sale can be settled; one
    /// still in flight or of unknown outcome is an [`ErrorKind::SaleInProgress`] error saying what
    /// to do; an unknown reference is [`ErrorKind::NotFound`].
    pub fn settle(&self, reference: &str) -> Result<bool> {
        let j = self.journal_or_err()?;
        crate::intent::validate_external_reference(reference)?;
        let store = &*j.store;
        let Some(mut rec) = store.claim(reference, None)? else {
            store.release(reference)?;
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("sale {reference:?} is not in the journal {:?}: check the reference (settled sales are pruned after the retention)", store.location()),
            )
            .with_external_reference(reference));
        };
        let _claim = Claim {
            store,
            reference: reference.to_string(),
        };
        match rec.state {
            SaleState::Settled => Ok(false),
            SaleState::Final => {
                rec.state = SaleState::Settled;
                rec.settled_at = Some(now_ms());
                rec.updated_at = now_ms();
                store.save(&rec)?;
                hook("settled");
                Ok(true)
            }
            other => Err(Error::new(
                ErrorKind::SaleInProgress,
                format!("sale {reference:?} has no verdict yet (journal state {other}): it cannot be settled; charge it again with the same reference, or resolve the pending sales, to learn how it ended"),
            )
            .with_external_reference(reference)),
        }
    }

    /// The start-up resolution: drives every pending sale of the journal to its verdict, without
    /// ever charging anything new. An intent (or order) still waiting for the terminal to fetch it
    /// is canceled (the POS that created it is gone); one on the terminal is waited for (`opts`);
    /// a create whose answer was lost is looked up (Orders: re-sent with its key; intents: by the
    /// reference's payments). An approved sale not yet booked is handled by `policy`. Gives the
    /// sales still pending afterwards; a sale that could not be resolved keeps a
    /// [`PendingSale::note`] saying why and what to do.
    pub fn resolve_pending(
        &self,
        policy: ApprovedPolicy,
        opts: &WaitOptions,
    ) -> Result<Vec<PendingSale>> {
        opts.validate()?;
        let j = self.journal_or_err()?;
        for rec in j.store.unsettled()? {
            match self.resolve_one(j, &rec.reference, policy, opts) {
                Ok(()) => {}
                // Being charged right now by a live POS: it gives the verdict.
                Err(e) if e.kind() == ErrorKind::SaleInProgress => {}
                Err(e) => {
                    if e.kind() == ErrorKind::Journal {
                        return Err(e);
                    }
                    log::warn!("mppoint journal: sale {:?}: {e}", rec.reference);
                }
            }
        }
        self.pending()
    }

    fn resolve_one(
        &self,
        j: &Journal,
        reference: &str,
        policy: ApprovedPolicy,
        opts: &WaitOptions,
    ) -> Result<()> {
        let store = &*j.store;
        let Some(mut rec) = store.claim(reference, None)? else {
            return store.release(reference);
        };
        let _claim = Claim {
            store,
            reference: reference.to_string(),
        };
        if rec.api != self.api().as_str() {
            // Another client of the same journal speaks that API.
            return Ok(());
        }
        let target = target_of(&rec.target)?;
        let outcome = match rec.state {
            SaleState::Planned => {
                // Never sent: nothing happened.
                if !rec.previous_attempt() {
                    return store.delete(reference);
                }
                store.save(&rec)
            }
            SaleState::Sent => match self.lost_create(store, &mut rec, &target) {
                Ok(Some(created)) => self.settle_on_api(store, &mut rec, created, opts, true),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
            SaleState::OnApi => {
                let id = rec.intent_id.clone().unwrap_or_default();
                let read = self.get_intent(&id)?;
                self.settle_on_api(store, &mut rec, read, opts, true)
            }
            SaleState::Final | SaleState::Settled => Ok(()),
        };
        if let Err(e) = outcome {
            rec.note = Some(e.message().to_string());
            rec.updated_at = now_ms();
            store.save(&rec)?;
            return Err(e);
        }
        if rec.state == SaleState::Final && rec.verdict() == Some(Verdict::Approved) {
            match policy {
                ApprovedPolicy::Report => {}
                ApprovedPolicy::Settle => {
                    rec.state = SaleState::Settled;
                    rec.settled_at = Some(now_ms());
                    store.save(&rec)?;
                }
                ApprovedPolicy::Refund => {
                    if let Some(p) = rec.payment_id {
                        let r = self.refund_payment_with_key(
                            p,
                            None,
                            format!("refund-{}", rec.idempotency_key).as_str(),
                        )?;
                        rec.refund_id = Some(r.id.to_string());
                        rec.note = Some(format!(
                            "refunded in full by the start-up policy (refund {})",
                            r.id
                        ));
                        rec.state = SaleState::Settled;
                        rec.settled_at = Some(now_ms());
                        rec.updated_at = now_ms();
                        store.save(&rec)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An intent (or order) of the current attempt read from the API: ended → recorded; still
    /// waiting for the terminal and `give_up_opened` → canceled, then recorded; otherwise waited
    /// for.
    fn settle_on_api(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        read: Intent,
        opts: &WaitOptions,
        give_up_opened: bool,
    ) -> Result<()> {
        let created = Intent {
            idempotency_key: Some(rec.idempotency_key.clone()),
            ..read
        };
        if give_up_opened && created.status == Status::Opened {
            match self.cancel_intent(&created.id) {
                Ok(()) => {
                    let ended = self.get_intent(&created.id)?;
                    let sale = self.finish_charge(&created, Ok(ended))?;
                    return self.record_final(store, rec, &sale);
                }
                // Fetched by the terminal meanwhile: wait for it.
                Err(e) if e.kind() == ErrorKind::CannotCancel => {}
                Err(e) => return Err(e),
            }
        }
        self.wait_and_record(store, rec, created, opts).map(|_| ())
    }

    fn record_final(&self, store: &dyn Store, rec: &mut Record, sale: &Sale) -> Result<()> {
        hook("ended");
        rec.finish(sale);
        store.save(rec)?;
        hook("final");
        Ok(())
    }

    /// Waits for the current attempt's intent to end and records its verdict. A wait given up
    /// (deadline, cancel token, a callback that failed) while the intent still waits for the
    /// terminal cancels it, so nothing is left on the terminal.
    fn wait_and_record(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        created: Intent,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        let waited = if created.status.is_final() {
            Ok(created.clone())
        } else {
            // A failing status callback is the waiter's ABORTED; a panic of anything else must
            // still reach the record below.
            crate::error::catch_panic("wait for the sale", || {
                self.wait_for_final(&created.id, opts)
            })
        };
        match self.finish_charge(&created, waited) {
            Ok(sale) => {
                self.record_final(store, rec, &sale)?;
                Ok(sale)
            }
            Err(e) => {
                let gave_up = matches!(
                    e.kind(),
                    ErrorKind::WaitTimeout | ErrorKind::Canceled | ErrorKind::Aborted
                );
                if gave_up && e.last_status().is_none_or(|s| *s == Status::Opened) {
                    if let Ok(()) = self.cancel_intent(&created.id) {
                        if let Ok(sale) = self
                            .get_intent(&created.id)
                            .and_then(|ended| self.finish_charge(&created, Ok(ended)))
                        {
                            self.record_final(store, rec, &sale)?;
                            let msg = format!(
                                "{} The journal canceled the intent, which was still waiting for the terminal: nothing was charged",
                                e.message()
                            );
                            return Err(e.with_message(msg));
                        }
                    }
                }
                rec.note = Some(e.message().to_string());
                rec.updated_at = now_ms();
                store.save(rec)?;
                Err(e)
            }
        }
    }

    /// Sends the current attempt's create (state `Sent` committed first). `None` means the create
    /// was refused for certain: nothing was created.
    fn send_create(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        target: &Target,
        opts: &WaitOptions,
    ) -> Result<Intent> {
        rec.state = SaleState::Sent;
        rec.sent_at = Some(now_ms());
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("sent");
        let created = self.create_when_free(target, &rec.request()?, &self.paced(opts))?;
        hook("created");
        rec.intent_id = Some(created.id.clone());
        rec.state = SaleState::OnApi;
        rec.note = None;
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("on_api");
        Ok(created)
    }

    /// A create of the current attempt was sent but its answer never recorded.
    ///
    /// Orders: re-sent with the same key and body (documented to answer the same order).
    ///
    /// Intents: Mercado Pago documents no idempotency key for intent creates and no way to find
    /// an intent without its id, so a re-send could put a second intent on the terminal. The
    /// journal never re-sends one; it asks the payments of the reference instead. An approved
    /// payment of the reference (not one of an earlier attempt) for the amount ends the sale as
    /// paid; a rejected or canceled one as that verdict. Without one, the intent may still be on
    /// the terminal, so the sale stays of unknown outcome until the lost-create window
    /// ([`crate::ClientBuilder::journal_lost_create_window`], 20 minutes by default: Mercado Pago
    /// abandons an intent not processed in 15) has passed since the create was sent; after it,
    /// with still no payment, the intent can no longer be paid, and the attempt ends unpaid
    /// (`EXPIRED`), so the next charge may try again.
    /// `Ok(None)`: the record is final, or still of unknown outcome (its note says why).
    fn lost_create(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        target: &Target,
    ) -> Result<Option<Intent>> {
        if self.api() == Api::Orders {
            return self.resend(store, rec, target).map(Some);
        }
        // Whether the window had passed is decided before the payments are read, so a payment
        // made just before the window ended is seen.
        let sent = rec.sent_at.unwrap_or(rec.updated_at);
        let window = self.journal_or_err()?.lost_create_window_ms;
        let window_over = now_ms().saturating_sub(sent) >= window;
        let known = known_payment_ids(rec);
        let found: Vec<Payment> = self
            .find_payments(&rec.reference)?
            .into_iter()
            .filter(|p| !known.contains(&p.id))
            .collect();
        let cents = rec.amount_cents;
        let approved = found
            .iter()
            .find(|p| p.is_approved() && p.transaction_amount.map(|a| a.cents()) == Some(cents));
        let chosen = approved.or_else(|| {
            found.iter().find(|p| {
                matches!(
                    p.status,
                    crate::payment::PaymentStatus::Rejected
                        | crate::payment::PaymentStatus::Cancelled
                )
            })
        });
        if let Some(p) = chosen {
            let sale = self.sale_from_payment(rec, Some(p.clone()))?;
            self.record_final(store, rec, &sale)?;
            return Ok(None);
        }
        if window_over {
            let sale = self.sale_from_payment(rec, None)?;
            self.record_final(store, rec, &sale)?;
            return Ok(None);
        }
        rec.note = Some(lost_note(rec, sent.saturating_add(window)));
        rec.updated_at = now_ms();
        store.save(rec)?;
        Ok(None)
    }

    /// Sends the current attempt's create again, as it was (same key, same body).
    fn resend(&self, store: &dyn Store, rec: &mut Record, target: &Target) -> Result<Intent> {
        let created = self.create_intent(target, &rec.request()?)?;
        hook("created");
        rec.intent_id = Some(created.id.clone());
        rec.state = SaleState::OnApi;
        rec.note = None;
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("on_api");
        Ok(created)
    }

    /// The sale of a lost intent create: found by its payment, or (`None`) ended unpaid, since
    /// no payment of the reference appeared within the lost-create window. The intent's id is not
    /// known (the create's answer was lost), so the sale's `intent.id` is empty.
    fn sale_from_payment(&self, rec: &Record, p: Option<Payment>) -> Result<Sale> {
        let (status, results) = match &p {
            Some(p) => (
                "CLOSED",
                serde_json::json!([{ "id": p.id, "source": "PAYMENT" }]),
            ),
            None => ("EXPIRED", serde_json::json!([])),
        };
        let intent: Intent = serde_json::from_value(serde_json::json!({
            "id": "",
            "status": status,
            "description": rec.description,
            "external_reference": rec.reference,
            "operations": [{
                "type": "PURCHASE",
                "amount": cents_text(rec.amount_cents),
                "results": results
            }],
            "idempotency_key": rec.idempotency_key,
        }))
        .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
        let found = p.is_some();
        let mut sale = Sale::from_final(intent, p.into_iter().collect())?;
        sale.reason = if found {
            format!(
                "{} (found by the payments of reference {:?}: the create's answer was lost)",
                sale.reason, rec.reference
            )
        } else {
            format!(
                "the create's answer was lost and no payment of reference {:?} appeared within the lost-create window: the intent was abandoned unpaid",
                rec.reference
            )
        };
        Ok(sale)
    }

    /// [`Client::charge`] with a journal.
    pub(crate) fn journal_charge(
        &self,
        j: &Journal,
        target: &Target,
        req: &IntentRequest,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        opts.validate()?;
        target.validate()?;
        crate::intent::validate_external_reference(req.external_reference())?;
        let store = &*j.store;
        let reference = req.external_reference().to_string();
        let now = now_ms();
        let expiration = (self.api() == Api::Orders).then(|| order_expiration(opts));
        let mut fresh = Record {
            reference: reference.clone(),
            api: self.api().as_str().to_string(),
            target: target_text(target),
            amount_cents: req.amount().cents(),
            description: req.description().to_string(),
            body_hash: String::new(),
            state: SaleState::Planned,
            attempt: 1,
            idempotency_key: req
                .get_idempotency_key()
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            intent_id: None,
            expiration_time: expiration,
            ticket_number: req.get_ticket_number().map(str::to_string),
            print_seller_ticket: req.get_print_seller_ticket(),
            verdict: None,
            payment_id: None,
            sale_json: None,
            attempts_json: "[]".into(),
            note: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
            settled_at: None,
            refund_id: None,
        };
        fresh.body_hash = body_hash(&fresh);
        let existing = store.claim(&reference, Some(&fresh))?;
        let _claim = Claim {
            store,
            reference: reference.clone(),
        };
        let Some(mut rec) = existing else {
            hook("planned");
            return self.first_send(store, fresh, target, opts);
        };
        if rec.api != fresh.api
            || rec.target != fresh.target
            || rec.amount_cents != fresh.amount_cents
        {
            return Err(Error::new(
                ErrorKind::IdempotencyKeyMismatch,
                format!(
                    "sale {reference:?} is already in the journal for another cart: {} on the {} API, amount {} (state {}); this charge asks for {} on the {} API, amount {}. Nothing was sent: a sale reference names one cart; use a new reference for a new cart",
                    rec.target, rec.api, cents_text(rec.amount_cents), rec.state,
                    fresh.target, fresh.api, cents_text(fresh.amount_cents)
                ),
            )
            .with_external_reference(reference));
        }
        match rec.state {
            SaleState::Final | SaleState::Settled if rec.is_done() => {
                rec.stored_sale().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Journal,
                        format!("sale {reference:?} is {} in the journal but its record cannot be read back: do not charge it again; check payment {:?}", rec.verdict.clone().unwrap_or_default(), rec.payment_id),
                    )
                })
            }
            SaleState::Final | SaleState::Settled => {
                // The last attempt ended unpaid: a new attempt, with a new key.
                rec.next_attempt();
                rec.description = fresh.description.clone();
                rec.expiration_time = fresh.expiration_time.clone();
                rec.ticket_number = fresh.ticket_number.clone();
                rec.print_seller_ticket = fresh.print_seller_ticket;
                rec.body_hash = body_hash(&rec);
                store.save(&rec)?;
                hook("planned");
                self.first_send(store, rec, target, opts)
            }
            // Recorded, but its create certainly never sent.
            SaleState::Planned => self.first_send(store, rec, target, opts),
            SaleState::Sent => match self.lost_create(store, &mut rec, target)? {
                Some(created) => self.wait_and_record(store, &mut rec, created, opts),
                None if rec.state == SaleState::Final && rec.is_done() => rec
                    .stored_sale()
                    .ok_or_else(|| Error::new(ErrorKind::Journal, "the sale cannot be read back")),
                None if rec.state == SaleState::Final => {
                    // The lost attempt ended unpaid: charge anew.
                    rec.next_attempt();
                    store.save(&rec)?;
                    hook("planned");
                    self.first_send(store, rec, target, opts)
                }
                None => Err(Error::new(
                    ErrorKind::OutcomeUnknown,
                    rec.note.clone().unwrap_or_default(),
                )
                .with_idempotency_key(Some(rec.idempotency_key.clone()))
                .with_external_reference(reference)),
            },
            SaleState::OnApi => {
                let id = rec.intent_id.clone().unwrap_or_default();
                let read = self.get_intent(&id).map_err(|e| {
                    e.with_idempotency_key(Some(rec.idempotency_key.clone()))
                        .with_external_reference(reference.clone())
                })?;
                let created = Intent {
                    idempotency_key: Some(rec.idempotency_key.clone()),
                    ..read
                };
                self.wait_and_record(store, &mut rec, created, opts)
            }
        }
    }

    /// Sends a create that was never sent before and waits for its verdict. A create refused for
    /// certain (nothing was created) forgets the attempt.
    fn first_send(
        &self,
        store: &dyn Store,
        mut rec: Record,
        target: &Target,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        match self.send_create(store, &mut rec, target, opts) {
            Ok(created) => self.wait_and_record(store, &mut rec, created, opts),
            Err(e) if e.kind() == ErrorKind::Journal => Err(e),
            // Refused for certain: nothing was created, so the attempt is forgotten.
            Err(e) if refused_for_certain(e.kind()) => {
                if rec.previous_attempt() {
                    rec.note = Some(e.message().to_string());
                    store.save(&rec)?;
                } else {
                    store.delete(&rec.reference)?;
                }
                Err(e)
            }
            // Anything else may have created it: the record stays SENT, and the next charge (or
            // the start-up resolution) resolves the lost create.
            Err(e) => {
                rec.note = Some(e.message().to_string());
                rec.updated_at = now_ms();
                store.save(&rec)?;
                Err(e
                    .with_idempotency_key(Some(rec.idempotency_key.clone()))
                    .with_external_reference(rec.reference.clone()))
            }
        }
    }
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
