//! The journal in an SQLite file (through `rusqlite`, SQLite bundled): WAL, `synchronous=FULL`
//! (a commit is on disk when it returns, power cut or not), a versioned schema with migrations,
//! and, per open journal, an owner lock file that the operating system releases when the process
//! dies, so that a claim of a dead process is taken over at once.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::store::{Record, SaleState, Store};
use crate::error::{Error, ErrorKind, Result};

/// `PRAGMA application_id` of an mppoint journal ("MPPJ").
const APPLICATION_ID: i64 = 0x4D50_504A;

/// The schema, one migration per version: `MIGRATIONS[n]` takes version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the sales.
    "CREATE TABLE sales (
        reference TEXT PRIMARY KEY NOT NULL,
        api TEXT NOT NULL,
        target TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        description TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        idempotency_key TEXT NOT NULL,
        intent_id TEXT,
        expiration_time TEXT,
        ticket_number TEXT,
        print_seller_ticket INTEGER NOT NULL,
        verdict TEXT,
        payment_id INTEGER,
        sale_json TEXT,
        attempts_json TEXT NOT NULL,
        note TEXT,
        owner TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        sent_at INTEGER,
        settled_at INTEGER,
        refund_id TEXT
    );
    CREATE INDEX sales_by_state ON sales (state, created_at);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const COLUMNS: &str = "reference, api, target, amount_cents, description, body_hash, state, attempt, idempotency_key, intent_id, expiration_time, ticket_number, print_seller_ticket, verdict, payment_id, sale_json, attempts_json, note, created_at, updated_at, sent_at, settled_at, refund_id";

/// A journal in one SQLite file.
pub struct SqliteStore {
    path: String,
    conn: Mutex<Connection>,
    /// This open journal's owner id, written on the records it claims.
    owner: String,
    /// The owner lock file, locked while this journal is open.
    owner_file: Option<File>,
    owners_dir: PathBuf,
    /// The references claimed through this open journal (by any thread).
    held: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

fn journal_error(path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Journal, format!("sale journal {path:?}: {what}"))
}

/// An SQLite error, said for a POS maintainer: what is wrong with the file and what to do.
fn sql_error(path: &str, doing: &str, e: rusqlite::Error) -> Error {
    let code = e.sqlite_error_code();
    let what = match code {
        Some(ErrorCode::NotADatabase) => format!(
            "the file is not a sale journal (not an SQLite database) ({e}). Nothing was charged. Do not delete it if it may be another program's file: pass the path of a journal, or a new file"
        ),
        Some(ErrorCode::DatabaseCorrupt) => format!(
            "the journal file is damaged ({e}). Nothing was charged. Keep the file (it may still hold sales to check), restore it from a backup or move it aside and list the terminal's recent payments before starting with a new journal"
        ),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => format!(
            "the journal is locked by another program for too long ({e}): close the program holding it (a backup tool, a database browser) and try again"
        ),
        Some(ErrorCode::CannotOpen) => format!(
            "the journal file cannot be opened or created ({e}): check that its folder exists and that this program may write there"
        ),
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => format!(
            "the journal cannot be written ({e}): this program must be allowed to write the file and its folder"
        ),
        Some(ErrorCode::DiskFull) => format!("the disk is full ({e}): free some space and try again"),
        Some(ErrorCode::SystemIoFailure) => {
            format!("the disk could not be read or written ({e}): check the disk and try again")
        }
        _ => format!("{doing} failed ({e})"),
    };
    journal_error(path, what).with_source(e)
}

impl SqliteStore {
    /// Opens (creating it if absent) the journal at `path`, checks it is a journal this version
    /// can use and that it is not damaged, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        // Two processes opening one new journal at once race for its first write (the schema,
        // the switch to WAL), where SQLite answers "busy" without waiting: try again, for a while.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let busy = std::cell::Cell::new(false);
            match SqliteStore::open_once(path, &busy) {
                Err(_) if busy.get() && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10 + fastrand::u64(..20)));
                }
                done => return done,
            }
        }
    }

    fn open_once(path: &Path, busy: &std::cell::Cell<bool>) -> Result<SqliteStore> {
        let sql_error = |shown: &str, doing: &str, e: rusqlite::Error| {
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
            ) {
                busy.set(true);
            }
            sql_error(shown, doing, e)
        };
        let shown = path.display().to_string();
        if shown.is_empty() {
            return Err(Error::invalid_argument(
                "journal",
                "must be the path of a file",
                "",
            ));
        }
        if path.is_dir() {
            return Err(journal_error(
                &shown,
                "this is a folder: pass the path of a file in it (for example sales.journal)",
            ));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(journal_error(
                    &shown,
                    format!(
                        "its folder {} does not exist: create it, or choose another path",
                        parent.display()
                    ),
                ));
            }
        }
        let conn = Connection::open(path).map_err(|e| sql_error(&shown, "opening", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| sql_error(&shown, "setting the busy timeout", e))?;
        // The header and the schema are read in one snapshot: another process may be creating
        // the journal right now, and its tables and its header commit together. Read apart, the
        // header could come from before its commit and the tables from after, and a new journal
        // would look like another program's database.
        let snapshot = conn
            .unchecked_transaction()
            .map_err(|e| sql_error(&shown, "reading the header", e))?;
        let app: i64 = snapshot
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| sql_error(&shown, "reading the header", e))?;
        let version: i64 = snapshot
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sql_error(&shown, "reading the schema version", e))?;
        let tables: i64 = snapshot
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| sql_error(&shown, "reading the schema", e))?;
        snapshot
            .commit()
            .map_err(|e| sql_error(&shown, "reading the header", e))?;
        if app == 0 && tables > 0 {
            return Err(journal_error(
                &shown,
                "this is an SQLite database of another program, not a sale journal: nothing was charged; pass the path of a journal, or of a new file",
            ));
        }
        if app != 0 && app != APPLICATION_ID {
            return Err(journal_error(
                &shown,
                format!("this is an SQLite database of another program (application id {app:#x}), not a sale journal: nothing was charged; pass the path of a journal, or of a new file"),
            ));
        }
        if version > SCHEMA_VERSION {
            return Err(journal_error(
                &shown,
                format!("the journal was written by a newer mppoint (schema version {version}; this one knows up to {SCHEMA_VERSION}): upgrade this program to the version that wrote it; do not open it with an older one"),
            ));
        }
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| sql_error(&shown, "checking the file", e))?;
        if check != "ok" {
            return Err(journal_error(
                &shown,
                format!("the journal file is damaged (SQLite's check says {check:?}). Nothing was charged. Keep the file (it may still hold sales to check), restore it from a backup or move it aside and list the terminal's recent payments before starting with a new journal"),
            ));
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| sql_error(&shown, "turning on write-ahead logging", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(journal_error(
                &shown,
                format!("SQLite refused write-ahead logging on this file (mode {mode}): put the journal on a local disk"),
            ));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(|e| sql_error(&shown, "setting durable commits", e))?;
        let mut conn = conn;
        if version < SCHEMA_VERSION {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_error(&shown, "starting the schema update", e))?;
            // Another process may have migrated it meanwhile.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| sql_error(&shown, "reading the schema version", e))?;
            for (v, sql) in MIGRATIONS.iter().enumerate().skip(now as usize) {
                tx.execute_batch(sql).map_err(|e| {
                    sql_error(
                        &shown,
                        &format!("updating the schema to version {}", v + 1),
                        e,
                    )
                })?;
            }
            tx.execute_batch(&format!(
                "PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={SCHEMA_VERSION};"
            ))
            .map_err(|e| sql_error(&shown, "writing the schema version", e))?;
            tx.commit()
                .map_err(|e| sql_error(&shown, "committing the schema update", e))?;
        }
        // The owner lock: held as long as this journal is open, released by the operating system
        // when the process dies.
        let owner = uuid::Uuid::new_v4().to_string();
        let owners_dir = PathBuf::from(format!("{}.owners", path.display()));
        std::fs::create_dir_all(&owners_dir).map_err(|e| {
            journal_error(
                &shown,
                format!(
                    "cannot create the folder of its owner locks {} ({e}): this program must be allowed to write beside the journal",
                    owners_dir.display()
                ),
            )
        })?;
        let lock_path = owners_dir.join(format!("{owner}.lock"));
        let file = File::create(&lock_path).map_err(|e| {
            journal_error(
                &shown,
                format!("cannot create its owner lock {} ({e})", lock_path.display()),
            )
        })?;
        file.try_lock().map_err(|e| {
            journal_error(
                &shown,
                format!(
                    "cannot lock its owner lock {} ({e}): put the journal on a local disk",
                    lock_path.display()
                ),
            )
        })?;
        Ok(SqliteStore {
            path: shown,
            conn: Mutex::new(conn),
            owner,
            owner_file: Some(file),
            owners_dir,
            held: Mutex::new(HashSet::new()),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, doing: &str) -> impl FnOnce(rusqlite::Error) -> Error + '_ {
        let doing = doing.to_string();
        move |e| sql_error(&self.path, &doing, e)
    }

    /// Whether the owner `owner` (another open journal) is alive: its lock file is locked.
    fn owner_alive(&self, owner: &str) -> bool {
        if owner == self.owner {
            // A claim of this journal that no thread holds (a thread that panicked).
            return false;
        }
        if owner.is_empty() || !owner.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return true;
        }
        let lock_path = self.owners_dir.join(format!("{owner}.lock"));
        match File::open(&lock_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(_) => true,
            Ok(f) => match f.try_lock() {
                Ok(()) => {
                    // Dead: its lock is free. Clean it up.
                    drop(f);
                    let _ = std::fs::remove_file(&lock_path);
                    false
                }
                Err(_) => true,
            },
        }
    }

    fn claim_db(&self, reference: &str, insert: Option<&Record>) -> Result<Option<Record>> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.err("claiming the sale"))?;
        let found: Option<(Record, Option<String>)> = tx
            .query_row(
                &format!("SELECT {COLUMNS}, owner FROM sales WHERE reference = ?1"),
                [reference],
                |r| Ok((row_record(r)?, r.get(23)?)),
            )
            .optional()
            .map_err(self.err("reading the sale"))?;
        let out = match found {
            None => {
                if let Some(rec) = insert {
                    write_record(&tx, rec, Some(&self.owner))
                        .map_err(self.err("recording the sale"))?;
                }
                None
            }
            Some((rec, owner)) => {
                if let Some(o) = owner {
                    if self.owner_alive(&o) {
                        return Err(in_progress(
                            reference,
                            "another process (or another client in this one) is charging it now",
                        ));
                    }
                }
                tx.execute(
                    "UPDATE sales SET owner = ?2 WHERE reference = ?1",
                    params![reference, self.owner],
                )
                .map_err(self.err("claiming the sale"))?;
                Some(rec)
            }
        };
        tx.commit().map_err(self.err("committing the claim"))?;
        Ok(out)
    }
}

fn in_progress(reference: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::SaleInProgress,
        format!("sale {reference:?} is in progress: {why}. Nothing was sent: wait for that charge to end (it gives the verdict), then ask again; never ring it up under a new reference while it runs"),
    )
    .with_external_reference(reference)
}

fn row_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let state: String = r.get(6)?;
    let state = SaleState::from_code(&state).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            format!("unknown sale state {state:?}").into(),
        )
    })?;
    let payment_id: Option<i64> = r.get(14)?;
    Ok(Record {
        reference: r.get(0)?,
        api: r.get(1)?,
        target: r.get(2)?,
        amount_cents: r.get(3)?,
        description: r.get(4)?,
        body_hash: r.get(5)?,
        state,
        attempt: r.get(7)?,
        idempotency_key: r.get(8)?,
        intent_id: r.get(9)?,
        expiration_time: r.get(10)?,
        ticket_number: r.get(11)?,
        print_seller_ticket: r.get::<_, i64>(12)? != 0,
        verdict: r.get(13)?,
        payment_id: payment_id.and_then(|p| u64::try_from(p).ok()),
        sale_json: r.get(15)?,
        attempts_json: r.get(16)?,
        note: r.get(17)?,
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        sent_at: r.get(20)?,
        settled_at: r.get(21)?,
        refund_id: r.get(22)?,
    })
}

fn write_record(conn: &Connection, rec: &Record, owner: Option<&str>) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT OR REPLACE INTO sales ({COLUMNS}, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"),
        params![
            rec.reference,
            rec.api,
            rec.target,
            rec.amount_cents,
            rec.description,
            rec.body_hash,
            rec.state.code(),
            rec.attempt,
            rec.idempotency_key,
            rec.intent_id,
            rec.expiration_time,
            rec.ticket_number,
            i64::from(rec.print_seller_ticket),
            rec.verdict,
            rec.payment_id.and_then(|p| i64::try_from(p).ok()),
            rec.sale_json,
            rec.attempts_json,
            rec.note,
            rec.created_at,
            rec.updated_at,
            rec.sent_at,
            rec.settled_at,
            rec.refund_id,
            owner,
        ],
    )?;
    Ok(())
}

impl Store for SqliteStore {
    fn location(&self) -> &str {
        &self.path
    }

    fn claim(&self, reference: &str, insert: Option<&Record>) -> Result<Option<Record>> {
        {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            if !held.insert(reference.to_string()) {
                return Err(in_progress(
                    reference,
                    "another thread of this process is charging it now",
                ));
            }
        }
        let got = self.claim_db(reference, insert);
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
            .execute(
                "UPDATE sales SET owner = NULL WHERE reference = ?1 AND owner = ?2",
                params![reference, self.owner],
            )
            .map(|_| ())
            .map_err(self.err("releasing the sale"));
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(reference);
        done
    }

    fn save(&self, record: &Record) -> Result<()> {
        write_record(&self.conn(), record, Some(&self.owner))
            .map_err(self.err("recording the sale"))
    }

    fn delete(&self, reference: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sales WHERE reference = ?1", [reference])
            .map(|_| ())
            .map_err(self.err("deleting the sale"))
    }

    fn get(&self, reference: &str) -> Result<Option<Record>> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM sales WHERE reference = ?1"),
                [reference],
                row_record,
            )
            .optional()
            .map_err(self.err("reading the sale"))
    }

    fn unsettled(&self) -> Result<Vec<Record>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM sales WHERE state <> 'SETTLED' ORDER BY created_at, reference"
            ))
            .map_err(self.err("listing the pending sales"))?;
        let rows = stmt
            .query_map([], row_record)
            .map_err(self.err("listing the pending sales"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err("listing the pending sales"))
    }

    fn prune(&self, settled_before: i64) -> Result<usize> {
        self.conn()
            .execute(
                "DELETE FROM sales WHERE state = 'SETTLED' AND settled_at < ?1",
                [settled_before],
            )
            .map_err(self.err("pruning the settled sales"))
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Some(f) = self.owner_file.take() {
            drop(f);
            let _ = std::fs::remove_file(self.owners_dir.join(format!("{}.lock", self.owner)));
        }
    }
}
