//! `setLogger(fn)`: the core's `log` records (one per request, retries, redeliveries), delivered
//! to a JS function on the JS thread — Rust's `log`, Python's `logging` and C's callback, for Node.
//!
//! The records are queued without blocking (a slow or busy JS thread never slows a request) and
//! the function does not keep the process alive. Only the `mppoint` crates' records are passed on;
//! the access token never appears in them.

use std::sync::RwLock;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};

/// One log record of the library.
#[napi(object)]
pub struct LogRecord {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    #[napi(ts_type = "LogLevel")]
    pub level: String,
    /// The module that logged it (`mppoint::transport`, …).
    pub target: String,
    /// The message (never the access token).
    pub message: String,
}

/// Options of `setLogger`.
#[napi(object)]
pub struct LoggerOptions {
    /// The most detailed level passed on (default `info`: one line per request, retries).
    #[napi(ts_type = "LogLevel")]
    pub level: Option<String>,
}

type LogCallback =
    ThreadsafeFunction<LogRecord, UnknownReturnValue, LogRecord, Status, false, true>;

static SINK: RwLock<Option<(LogCallback, log::LevelFilter)>> = RwLock::new(None);

struct Forward;

static FORWARD: Forward = Forward;

impl log::Log for Forward {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target().starts_with("mppoint")
            && SINK
                .read()
                .map(|s| s.as_ref().is_some_and(|(_, max)| m.level() <= *max))
                .unwrap_or(false)
    }

    fn log(&self, r: &log::Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        if let Ok(sink) = SINK.read() {
            if let Some((f, _)) = sink.as_ref() {
                let record = LogRecord {
                    level: r.level().as_str().to_ascii_lowercase(),
                    target: r.target().to_string(),
                    message: r.args().to_string(),
                };
                let _ = f.call(record, ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }

    fn flush(&self) {}
}

/// Sends the library's log records to `logger` (on the JS thread, in order, without blocking the
/// requests that log them), at `options.level` and above (default `info`). `setLogger(null)` stops
/// them. The process keeps no handle open for it.
#[napi(
    ts_args_type = "logger: ((record: LogRecord) => void) | null, options?: LoggerOptions | undefined | null"
)]
pub fn set_logger(
    env: Env,
    logger: Option<LogCallback>,
    options: Option<LoggerOptions>,
) -> Result<()> {
    let level = match options.and_then(|o| o.level) {
        None => log::LevelFilter::Info,
        Some(l) => match l.parse::<log::LevelFilter>() {
            Ok(f) if f != log::LevelFilter::Off => f,
            _ => {
                let e = mppoint::Error::invalid_argument(
                    "level",
                    "must be 'error', 'warn', 'info', 'debug' or 'trace'",
                    &l,
                );
                return Err(crate::error::to_napi(&env, &e));
            }
        },
    };
    // Installed once per process; later calls only swap the function and the level.
    let _ = log::set_logger(&FORWARD);
    let mut sink = SINK.write().unwrap_or_else(|e| e.into_inner());
    match logger {
        Some(f) => {
            *sink = Some((f, level));
            log::set_max_level(level);
        }
        None => {
            *sink = None;
            log::set_max_level(log::LevelFilter::Off);
        }
    }
    Ok(())
}
