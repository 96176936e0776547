//! The journal's storage: one narrow interface ([`Store`]) that the sale logic of
//! [`super`] drives, so that another database (a server one, for fleets of back-ends) can sit
//! behind it. SQLite ([`super::sqlite::SqliteStore`]) is the one shipped.
//!
//! A store keeps [`Record`]s keyed by the sale's reference, commits each write durably before
//! returning, and gives a reference to one owner at a time ([`Store::claim`]): an owner is one open
//! journal (one process, or one client inside it), and an owner that died (killed, crashed, power
//! cut) loses its claims at once, without waiting for a lease to run out.

use crate::error::Result;

/// Where a sale stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaleState {
    /// Recorded; its create is not sent yet (certainly: the state before sending is `Sent`).
    Planned,
    /// Its create is being sent, or was sent and its answer lost: the intent or order may exist
    /// without the journal knowing its id.
    Sent,
    /// On the API: its intent (or order) id is known; it has not ended yet (or its end was not
    /// read yet).
    OnApi,
    /// Ended, with a verdict; the POS has not booked it yet ([`crate::Client::settle`]).
    Final,
    /// Ended and booked by the POS.
    Settled,
}

impl SaleState {
    /// Every state, in lifecycle order.
    pub const ALL: [SaleState; 5] = [
        SaleState::Planned,
        SaleState::Sent,
        SaleState::OnApi,
        SaleState::Final,
        SaleState::Settled,
    ];

    /// The stable code: `PLANNED`, `SENT`, `ON_API`, `FINAL`, `SETTLED`.
    pub fn code(self) -> &'static str {
        match self {
            SaleState::Planned => "PLANNED",
            SaleState::Sent => "SENT",
            SaleState::OnApi => "ON_API",
            SaleState::Final => "FINAL",
            SaleState::Settled => "SETTLED",
        }
    }

    /// The state whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<SaleState> {
        SaleState::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::fmt::Display for SaleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One sale as the journal keeps it. The access token is never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The POS's sale reference (the `external_reference` of every attempt).
    pub reference: String,
    /// `intents` or `orders`.
    pub api: String,
    /// `pos:<external id>` or `device:<device id>`.
    pub target: String,
    /// The amount, in integer cents.
    pub amount_cents: i64,
    /// The description sent.
    pub description: String,
    /// SHA-256 (hex) of what the create sends (API, target, amount, description, ticket, print,
    /// expiration): a re-sent create must send the same.
    pub body_hash: String,
    /// Where the sale stands.
    pub state: SaleState,
    /// The current attempt, from 1.
    pub attempt: u32,
    /// The `X-Idempotency-Key` of the current attempt's create.
    pub idempotency_key: String,
    /// The current attempt's intent (or order) id, once known.
    pub intent_id: Option<String>,
    /// Orders API: the `expiration_time` sent with the create (re-sent as it was).
    pub expiration_time: Option<String>,
    /// The ticket number sent (intents, Argentina).
    pub ticket_number: Option<String>,
    /// Whether the seller's ticket is printed.
    pub print_seller_ticket: bool,
    /// The verdict code once final.
    pub verdict: Option<String>,
    /// The approved payment's id, once final and paid.
    pub payment_id: Option<u64>,
    /// The final sale as JSON (the [`crate::Sale`] the POS was given).
    pub sale_json: Option<String>,
    /// The earlier attempts, as a JSON list of `{attempt, idempotency_key, intent_id, verdict,
    /// payment_ids}`.
    pub attempts_json: String,
    /// The last thing that went wrong or that the POS must know (an unknown outcome, a refund).
    pub note: Option<String>,
    /// When it was first recorded (Unix milliseconds).
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// When the current attempt's create was sent.
    pub sent_at: Option<i64>,
    /// When it was settled.
    pub settled_at: Option<i64>,
    /// The refund of its approved payment, when the start-up policy refunded it.
    pub refund_id: Option<String>,
}

/// The storage behind a journal. Every write is durable when it returns (committed, synced).
pub trait Store: Send + Sync {
    /// Where the journal is (a path), for messages.
    fn location(&self) -> &str;

    /// Claims `reference` for this owner until [`Store::release`]: the record as stored, or, when
    /// there is none and `insert` is given, `insert` stored (and `None` returned). A reference
    /// claimed by another live owner (another process, another thread of this one) is an
    /// [`crate::ErrorKind::SaleInProgress`] error; one claimed by an owner that died is taken over.
    fn claim(&self, reference: &str, insert: Option<&Record>) -> Result<Option<Record>>;

    /// Gives the claim on `reference` back.
    fn release(&self, reference: &str) -> Result<()>;

    /// Writes the record (insert or replace), keeping this owner's claim.
    fn save(&self, record: &Record) -> Result<()>;

    /// Deletes the record (a create refused for certain: nothing happened).
    fn delete(&self, reference: &str) -> Result<()>;

    /// The record of `reference`, claimed or not.
    fn get(&self, reference: &str) -> Result<Option<Record>>;

    /// Every record not yet settled, oldest first.
    fn unsettled(&self) -> Result<Vec<Record>>;

    /// Deletes the sales settled before `settled_before` (Unix milliseconds); how many.
    fn prune(&self, settled_before: i64) -> Result<usize>;
}
