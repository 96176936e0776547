//! The journal in PostgreSQL (crate `postgres`, blocking), for back-ends whose replicas share one
//! journal: a `postgres://` or `postgresql://` URL instead of a file path.
//!
//! - The library creates and migrates its own schema, `mppoint` (tables `mppoint.sales` and
//!   `mppoint.schema_version`), under a transaction-level advisory lock, so replicas starting at
//!   once migrate it once.
//! - A sale reference is owned by one open journal at a time, across machines, with a
//!   session-level advisory lock (`pg_try_advisory_lock` on a 64-bit hash of the reference): the
//!   server releases it the moment the holder's connection ends — a killed process at once, a
//!   machine that vanished once TCP keepalives give up on it (about 30 s: keepalives every 10 s) —
//!   so another replica resumes the sale. No lease to renew, no clock to trust.
//! - Each write is one statement in autocommit (durable when it returns: PostgreSQL's default
//!   `synchronous_commit`).
//! - The URL's password never appears in a message, a log or `Debug`: the location shown is the
//!   URL with its password replaced by `***`.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client as PgClient, NoTls, Row};

use super::store::{Record, SaleState, Store};
use crate::error::{Error, ErrorKind, Result};

/// The schema, one migration per version: `MIGRATIONS[n]` takes version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE mppoint.sales (
        reference TEXT PRIMARY KEY NOT NULL,
        api TEXT NOT NULL,
        target TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        description TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        attempt BIGINT NOT NULL,
        idempotency_key TEXT NOT NULL,
        intent_id TEXT,
        expiration_time TEXT,
        ticket_number TEXT,
        print_seller_ticket BOOLEAN NOT NULL,
        verdict TEXT,
        payment_id BIGINT,
        sale_json TEXT,
        attempts_json TEXT NOT NULL,
        note TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        sent_at BIGINT,
        settled_at BIGINT,
        refund_id TEXT
    );
    CREATE INDEX sales_by_state ON mppoint.sales (state, created_at);"];

/// The schema version this build writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory-lock key of the schema migration (any fixed 64-bit number: "MPPJ" + 1).
const MIGRATION_LOCK: i64 = 0x4D50_504A_0000_0001;

const COLUMNS: &str = "reference, api, target, amount_cents, description, body_hash, state, attempt, idempotency_key, intent_id, expiration_time, ticket_number, print_seller_ticket, verdict, payment_id, sale_json, attempts_json, note, created_at, updated_at, sent_at, settled_at, refund_id";

/// Whether `location` names a PostgreSQL journal.
pub fn is_postgres_url(location: &str) -> bool {
    let l = location.trim_start().to_ascii_lowercase();
    l.starts_with("postgres://") || l.starts_with("postgresql://")
}

/// The URL with its password (and any `password=` parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let auth_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..auth_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let (a, b) = (rest_start + colon + 1, rest_start + at);
                out.replace_range(a..b, "***");
            }
        }
    }
    // `?password=…` (and `&password=…`) in the query.
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let parts: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{head}{}", parts.join("&"));
    }
    out
}

/// A journal in a PostgreSQL database.
pub struct PgStore {
    shown: String,
    conn: Mutex<PgClient>,
    /// The references this open journal holds (by any thread).
    held: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.shown)
            .finish()
    }
}

fn journal_error(shown: &str, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Journal, format!("sale journal {shown}: {what}"))
}

/// A PostgreSQL error said for a POS maintainer, with the password of the URL never in it.
fn pg_error(shown: &str, doing: &str, e: &postgres::Error) -> Error {
    let what = match e.as_db_error() {
        Some(db) => format!(
            "{doing} failed: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None if e.is_closed() => format!(
            "{doing} failed: the connection to the database was lost ({e}); check that the server runs and is reachable, then try again"
        ),
        None => format!("{doing} failed ({e})"),
    };
    journal_error(shown, what)
}

/// A 64-bit lock key of a reference (stable across processes and machines: FNV-1a).
fn lock_key(reference: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in reference.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl PgStore {
    /// Connects to the database of `url`, creates or migrates the `mppoint` schema, and checks
    /// that it is not of a newer version.
    pub fn open(url: &str) -> Result<PgStore> {
        let shown = redact(url);
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            journal_error(
                &shown,
                format!("is not a PostgreSQL connection URL this library can read ({e}): write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE"),
            )
        })?;
        config
            .connect_timeout(Duration::from_secs(10))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3)
            .application_name("mppoint-journal");
        let mut conn = config.connect(NoTls).map_err(|e| {
            journal_error(
                &shown,
                format!("cannot connect to the database ({}): check the host, port, user, password and database of the URL, and that the server accepts connections from here", pg_reason(&e)),
            )
        })?;
        migrate(&mut conn, &shown)?;
        Ok(PgStore {
            shown,
            conn: Mutex::new(conn),
            held: Mutex::new(HashSet::new()),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, PgClient> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The reason of a connection failure, without the URL.
fn pg_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn migrate(conn: &mut PgClient, shown: &str) -> Result<()> {
    let mut tx = conn
        .transaction()
        .map_err(|e| pg_error(shown, "starting the schema check", &e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(|e| pg_error(shown, "locking the schema update", &e))?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS mppoint;
         CREATE TABLE IF NOT EXISTS mppoint.schema_version (version BIGINT NOT NULL);",
    )
    .map_err(|e| {
        pg_error(
            shown,
            "creating the schema mppoint (the user needs CREATE on the database)",
            &e,
        )
    })?;
    let version: i64 = tx
        .query_opt("SELECT version FROM mppoint.schema_version", &[])
        .map_err(|e| pg_error(shown, "reading the schema version", &e))?
        .map_or(0, |r| r.get(0));
    if version > PG_SCHEMA_VERSION {
        return Err(journal_error(
            shown,
            format!("the journal was written by a newer mppoint (schema version {version}; this one knows up to {PG_SCHEMA_VERSION}): upgrade this program to the version that wrote it"),
        ));
    }
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).map_err(|e| {
            pg_error(
                shown,
                &format!("updating the schema to version {}", v + 1),
                &e,
            )
        })?;
    }
    if version < PG_SCHEMA_VERSION {
        tx.execute("DELETE FROM mppoint.schema_version", &[])
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO mppoint.schema_version (version) VALUES ($1)",
                    &[&PG_SCHEMA_VERSION],
                )
            })
            .map_err(|e| pg_error(shown, "writing the schema version", &e))?;
    }
    tx.commit()
        .map_err(|e| pg_error(shown, "committing the schema update", &e))
}

fn in_progress(reference: &str) -> Error {
    Error::new(
        ErrorKind::SaleInProgress,
        format!("sale {reference:?} is in progress: another process (or another replica, or another client in this one) is charging it now. Nothing was sent: wait for that charge to end (it gives the verdict), then ask again; never ring it up under a new reference while it runs"),
    )
    .with_external_reference(reference)
}

fn row_record(r: &Row) -> std::result::Result<Record, String> {
    let state: String = r.get(6);
    let state =
        SaleState::from_code(&state).ok_or_else(|| format!("unknown sale state {state:?}"))?;
    let attempt: i64 = r.get(7);
    let payment_id: Option<i64> = r.get(14);
    Ok(Record {
        reference: r.get(0),
        api: r.get(1),
        target: r.get(2),
        amount_cents: r.get(3),
        description: r.get(4),
        body_hash: r.get(5),
        state,
        attempt: u32::try_from(attempt).map_err(|_| format!("attempt {attempt}"))?,
        idempotency_key: r.get(8),
        intent_id: r.get(9),
        expiration_time: r.get(10),
        ticket_number: r.get(11),
        print_seller_ticket: r.get(12),
        verdict: r.get(13),
        payment_id: payment_id.and_then(|p| u64::try_from(p).ok()),
        sale_json: r.get(15),
        attempts_json: r.get(16),
        note: r.get(17),
        created_at: r.get(18),
        updated_at: r.get(19),
        sent_at: r.get(20),
        settled_at: r.get(21),
        refund_id: r.get(22),
    })
}

impl PgStore {
    fn read(&self, conn: &mut PgClient, reference: &str) -> Result<Option<Record>> {
        let row = conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM mppoint.sales WHERE reference = $1"),
                &[&reference],
            )
            .map_err(|e| pg_error(&self.shown, "reading the sale", &e))?;
        row.map(|r| row_record(&r).map_err(|w| journal_error(&self.shown, w)))
            .transpose()
    }

    fn write(&self, conn: &mut PgClient, rec: &Record) -> Result<()> {
        let attempt = i64::from(rec.attempt);
        let payment_id = rec.payment_id.and_then(|p| i64::try_from(p).ok());
        let updates = COLUMNS
            .split(", ")
            .skip(1)
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute(
            &format!("INSERT INTO mppoint.sales ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT (reference) DO UPDATE SET {updates}"),
            &[
                &rec.reference,
                &rec.api,
                &rec.target,
                &rec.amount_cents,
                &rec.description,
                &rec.body_hash,
                &rec.state.code(),
                &attempt,
                &rec.idempotency_key,
                &rec.intent_id,
                &rec.expiration_time,
                &rec.ticket_number,
                &rec.print_seller_ticket,
                &rec.verdict,
                &payment_id,
                &rec.sale_json,
                &rec.attempts_json,
                &rec.note,
                &rec.created_at,
                &rec.updated_at,
                &rec.sent_at,
                &rec.settled_at,
                &rec.refund_id,
            ],
        )
        .map(|_| ())
        .map_err(|e| pg_error(&self.shown, "recording the sale", &e))
    }
}

impl Store for PgStore {
    fn location(&self) -> &str {
        &self.shown
    }

    fn claim(&self, reference: &str, insert: Option<&Record>) -> Result<Option<Record>> {
        {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            if !held.insert(reference.to_string()) {
                return Err(in_progress(reference));
            }
        }
        let got = (|| {
            let mut conn = self.conn();
            let locked: bool = conn
                .query_one("SELECT pg_try_advisory_lock($1)", &[&lock_key(reference)])
                .map_err(|e| pg_error(&self.shown, "claiming the sale", &e))?
                .get(0);
            if !locked {
                return Err(in_progress(reference));
            }
            let found = match self.read(&mut conn, reference) {
                Ok(f) => f,
                Err(e) => {
                    let _ = conn.execute("SELECT pg_advisory_unlock($1)", &[&lock_key(reference)]);
                    return Err(e);
                }
            };
            if found.is_none() {
                if let Some(rec) = insert {
                    if let Err(e) = self.write(&mut conn, rec) {
                        let _ =
                            conn.execute("SELECT pg_advisory_unlock($1)", &[&lock_key(reference)]);
                        return Err(e);
                    }
                }
            }
            Ok(found)
        })();
        if got.is_err() {
            self.held
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(reference);
        }
        got
    }

    fn release(&self, reference: &str) -> Result<()> {
        let done = self
            .conn()
            .execute("SELECT pg_advisory_unlock($1)", &[&lock_key(reference)])
            .map(|_| ())
            .map_err(|e| pg_error(&self.shown, "releasing the sale", &e));
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(reference);
        done
    }

    fn save(&self, record: &Record) -> Result<()> {
        self.write(&mut self.conn(), record)
    }

    fn delete(&self, reference: &str) -> Result<()> {
        self.conn()
            .execute(
                "DELETE FROM mppoint.sales WHERE reference = $1",
                &[&reference],
            )
            .map(|_| ())
            .map_err(|e| pg_error(&self.shown, "deleting the sale", &e))
    }

    fn get(&self, reference: &str) -> Result<Option<Record>> {
        self.read(&mut self.conn(), reference)
    }

    fn unsettled(&self) -> Result<Vec<Record>> {
        let rows = self
            .conn()
            .query(
                &format!("SELECT {COLUMNS} FROM mppoint.sales WHERE state <> 'SETTLED' ORDER BY created_at, reference"),
                &[],
            )
            .map_err(|e| pg_error(&self.shown, "listing the pending sales", &e))?;
        rows.iter()
            .map(|r| row_record(r).map_err(|w| journal_error(&self.shown, w)))
            .collect()
    }

    fn prune(&self, settled_before: i64) -> Result<usize> {
        self.conn()
            .execute(
                "DELETE FROM mppoint.sales WHERE state = 'SETTLED' AND settled_at < $1",
                &[&settled_before],
            )
            .map(|n| n as usize)
            .map_err(|e| pg_error(&self.shown, "pruning the settled sales", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        assert_eq!(
            redact("postgres://pos:s3cret@db.example:5432/shop"),
            "postgres://pos:***@db.example:5432/shop"
        );
        assert_eq!(
            redact("postgresql://pos:p@ss@db/shop?sslmode=require&password=x"),
            "postgresql://pos:***@db/shop?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://db/shop"), "postgres://db/shop");
        assert!(is_postgres_url("PostgreSQL://x"));
        assert!(!is_postgres_url("/var/lib/sales.journal"));
    }

    #[test]
    fn lock_keys_are_stable() {
        assert_eq!(lock_key("sale-1"), lock_key("sale-1"));
        assert_ne!(lock_key("sale-1"), lock_key("sale-2"));
    }
}
