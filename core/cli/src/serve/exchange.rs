//! The file-exchange folder, for a POS that can write and read files but speak no HTTP (the TEF
//! "dial" way): the POS writes `requests/<reference>.json` (best written as a temporary name, then
//! renamed); the bridge renames it into `processing/` before acting on it (so it is consumed
//! exactly once, also across a restart: what is in `processing/` at start-up is picked up again,
//! and the journal knows its reference), then writes `responses/<reference>.json` atomically
//! (temporary file + rename) on every change of state and at the verdict, and finally moves the
//! request to `done/` (or `failed/` for a malformed one, whose response carries the typed error).
//! Once the POS has booked a sale it writes `settle/<reference>.json` (any content): the bridge
//! settles it in the journal (exactly once), rewrites `responses/<reference>.json` with the state
//! `SETTLED` and removes the settle file; a settle refused writes `responses/<reference>.settle.json`
//! with the typed error.
//!
//! The folder is looked at every 200 ms (no file-watching dependency); the sale's own changes are
//! events (the sale's watch channel).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mppoint::{Error, ErrorKind};

use super::{error_json, now_ms, Bridge, NewSale};

const SCAN_EVERY: Duration = Duration::from_millis(200);

struct Dirs {
    requests: PathBuf,
    processing: PathBuf,
    responses: PathBuf,
    done: PathBuf,
    failed: PathBuf,
    settle: PathBuf,
}

pub fn start(b: Arc<Bridge>, dir: &Path) -> Result<(), Error> {
    let d = Arc::new(Dirs {
        requests: dir.join("requests"),
        processing: dir.join("processing"),
        responses: dir.join("responses"),
        done: dir.join("done"),
        failed: dir.join("failed"),
        settle: dir.join("settle"),
    });
    for p in [
        &d.requests,
        &d.processing,
        &d.responses,
        &d.done,
        &d.failed,
        &d.settle,
    ] {
        std::fs::create_dir_all(p).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot create the exchange folder {}: {e}", p.display()),
            )
        })?;
    }
    // What a bridge stopped mid-way was doing: picked up again (the journal knows each sale).
    for f in json_files(&d.processing) {
        take(&b, &d, &f);
    }
    std::thread::Builder::new()
        .name("exchange folder".into())
        .spawn(move || loop {
            for f in json_files(&d.requests) {
                let Some(name) = f.file_name() else { continue };
                let to = d.processing.join(name);
                // The rename is the claim: a file is acted on once.
                if std::fs::rename(&f, &to).is_ok() {
                    take(&b, &d, &to);
                }
            }
            for f in json_files(&d.settle) {
                settle(&b, &d, &f);
            }
            if b.shutdown.sleep(SCAN_EVERY) {
                return;
            }
        })
        .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
    Ok(())
}

/// The `*.json` files of a folder (not the hidden ones: a POS's temporary files).
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    v.sort();
    v
}

/// A response file's name for a request file's stem (anything odd in it replaced, so a
/// malformed name still gets its answer next to it).
fn safe_stem(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -:_,.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `responses/<stem>.json` atomically: a hidden temporary file, synced, then renamed.
fn write_response(d: &Dirs, stem: &str, v: &serde_json::Value) {
    let name = format!("{}.json", safe_stem(stem));
    let tmp = d.responses.join(format!(".{name}.tmp"));
    let to = d.responses.join(&name);
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let written = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, &to)
    })();
    if let Err(e) = written {
        log::warn!("mppoint serve: cannot write {}: {e}", to.display());
    }
}

fn move_to(from: &Path, dir: &Path) {
    if let Some(name) = from.file_name() {
        let _ = std::fs::rename(from, dir.join(name));
    }
}

/// Acts on a request file already in `processing/`.
fn take(b: &Arc<Bridge>, d: &Arc<Dirs>, file: &Path) {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("request")
        .to_string();
    let parsed = std::fs::read(file)
        .map_err(|e| {
            error_json(&Error::new(
                ErrorKind::InvalidArgument,
                format!("cannot read the request file: {e}"),
            ))
        })
        .and_then(|bytes| {
            serde_json::from_slice::<NewSale>(&bytes).map_err(|e| {
                error_json(&Error::invalid_argument(
                    "body",
                    "must be a JSON object with the documented fields and types",
                    &e.to_string(),
                ))
            })
        });
    let started = parsed.and_then(|n| b.start(n, Some(&stem)));
    let slot = match started {
        Ok((slot, _)) => slot,
        Err(e) => {
            let mut v = serde_json::json!({
                "reference": stem,
                "state": "FAILED",
                "final": true,
                "updated_at": now_ms(),
            });
            v["error"] = e["error"].clone();
            write_response(d, &stem, &v);
            move_to(file, &d.failed);
            return;
        }
    };
    let d = d.clone();
    let file = file.to_path_buf();
    let mut rx = slot.tx.subscribe();
    b.rt.spawn(async move {
        let mut last = None;
        loop {
            let v = rx.borrow_and_update().clone();
            let ended = v.is_final || v.state == "FAILED" || v.settled;
            if last.as_ref() != Some(&v) {
                write_response(&d, &stem, &serde_json::to_value(&v).unwrap_or_default());
                last = Some(v);
            }
            if ended {
                move_to(&file, &d.done);
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    });
}

/// A settle file: the sale booked by the POS, settled in the journal.
fn settle(b: &Bridge, d: &Dirs, file: &Path) {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("request")
        .to_string();
    match b.settle(&stem) {
        Ok((now, view)) => {
            let mut v = match view {
                Some(v) => serde_json::to_value(&v).unwrap_or_default(),
                None => {
                    serde_json::json!({ "reference": stem, "state": "SETTLED", "settled": true, "final": true })
                }
            };
            v["settled_now"] = now.into();
            write_response(d, &stem, &v);
            let _ = std::fs::remove_file(
                d.responses
                    .join(format!("{}.settle.json", safe_stem(&stem))),
            );
        }
        // Not ended yet: the file stays, and is tried again at the next look.
        Err(e) if e.kind() == ErrorKind::SaleInProgress => return,
        Err(e) => write_response(d, &format!("{stem}.settle"), &error_json(&e)),
    }
    let _ = std::fs::remove_file(file);
}
