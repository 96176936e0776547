//! Waiting for an intent without blocking anything: the core's [`Waiter`] (the polling rule, no
//! I/O) driven from an async function on napi's tokio runtime.
//!
//! - Each poll is `client.poll_once(id)` inside `tokio::task::spawn_blocking`: tokio's own blocking
//!   pool, never libuv's four worker threads, and never the JS thread.
//! - Between polls the wait is a `tokio::time::sleep`: no thread is held while it sleeps, so
//!   hundreds of waits cost a few timers.
//! - The `AbortSignal` is observed promptly: a JS `abort` listener flips a `watch` channel that
//!   every sleep and every poll in flight is raced against with `tokio::select!`.
//! - `onStatus` runs on the JS thread through a threadsafe function, and the wait goes on only once
//!   it has returned (so the callbacks come in order, before the wait settles).

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, UnknownReturnValue};
use tokio::sync::watch;

use mppoint::wait::{WaitStep, Waiter};
use mppoint::WakeRegistration;

use crate::types::{millis, Intent};

/// `onStatus`: called on the JS thread with the intent each time its status changes.
pub type StatusCallback = ThreadsafeFunction<Intent, UnknownReturnValue, Intent, Status, false>;

/// The `ALREADY_QUEUED` error a busy wait met, made an `MppointError` on the JS thread.
pub struct BusyError(mppoint::Error);

impl ToNapiValue for BusyError {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        Ok(crate::error::js_error_object(&env, &val.0)?.raw())
    }
}

/// `onBusy`: called on the JS thread with each `ALREADY_QUEUED` met while `whenBusyMs` waits.
pub type BusyCallback = ThreadsafeFunction<BusyError, UnknownReturnValue, BusyError, Status, false>;

/// What a callback run from a blocking core call threw, kept to reject with.
pub(crate) type Thrown = Arc<Mutex<Option<Error>>>;

pub(crate) fn lock(t: &Thrown) -> std::sync::MutexGuard<'_, Option<Error>> {
    t.lock().unwrap_or_else(|e| e.into_inner())
}

/// How to wait for an intent to end.
#[napi(object, object_to_js = false)]
pub struct WaitOptions<'env> {
    /// Overall deadline in milliseconds (default 600000: 10 minutes). Ends with `WAIT_TIMEOUT`.
    pub timeout_ms: Option<f64>,
    /// A fixed pause between polls in milliseconds (at least 10). Default: the adaptive schedule
    /// (a poll every 2.5 s, slower while an InStore sale waits for its card and after 45 s: the
    /// README's "Waiting"; 15 s on a client with a `webhookSecret`, whose `handleWebhook` wakes
    /// the wait at once).
    pub poll_interval_ms: Option<f64>,
    /// Called with the intent each time its status changes (and once for the first status seen).
    /// It runs on the JS thread and the wait goes on once it has returned (a returned Promise is
    /// not awaited). If it throws, the wait stops and rejects with `ABORTED` (naming the intent,
    /// which goes on), what it threw as `cause`: the same `ABORTED` in every language.
    #[napi(ts_type = "(intent: Intent) => unknown")]
    pub on_status: Option<StatusCallback>,
    /// Stops the wait promptly: it rejects with an `MppointError` whose code is `CANCELED` (the
    /// intent itself is untouched) and whose `cause` is the signal's `reason`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
    /// `charge` only: a terminal busy with another sale (`ALREADY_QUEUED`) is waited for up to
    /// this many milliseconds (at most 86400000), the create tried again at the poll pace (an
    /// `ALREADY_QUEUED` answer created nothing, so trying again is safe). Default: none, the
    /// charge rejects with `ALREADY_QUEUED` at once; once the time is up it rejects with the last
    /// one, whose `holdingSale` names the sale on the terminal when this client created it. The
    /// `signal` stops this wait too (`CANCELED`: nothing was created).
    pub when_busy_ms: Option<f64>,
    /// Called on the JS thread with each `ALREADY_QUEUED` error (an `MppointError`, its
    /// `holdingSale` set when known) met while `whenBusyMs` waits; the wait goes on once it has
    /// returned (a returned Promise is not awaited). If it throws, the wait stops, nothing is
    /// created, and the charge rejects with what it threw.
    #[napi(ts_type = "(err: MppointError) => unknown")]
    pub on_busy: Option<BusyCallback>,
}

/// The parts of [`WaitOptions`] that cross to the tokio runtime.
pub(crate) struct WaitPlan {
    pub(crate) opts: mppoint::WaitOptions,
    pub(crate) seen: Arc<Mutex<Vec<mppoint::Intent>>>,
    pub(crate) on_status: Option<Arc<StatusCallback>>,
    pub(crate) aborted: watch::Receiver<bool>,
    /// What `onBusy` threw, if it did: the busy wait stops (see [`WaitPlan::stop_check`]).
    pub(crate) busy_thrown: Thrown,
}

impl WaitPlan {
    /// The core options' interrupt check for a blocking call: the signal aborted, `onBusy`
    /// threw, or `more` says stop.
    pub(crate) fn stop_check(&self, more: Option<Thrown>) -> Arc<dyn Fn() -> bool + Send + Sync> {
        let aborted = self.aborted.clone();
        let busy = self.busy_thrown.clone();
        Arc::new(move || {
            *aborted.borrow()
                || lock(&busy).is_some()
                || more.as_ref().is_some_and(|t| lock(t).is_some())
        })
    }

    /// What `onBusy` threw, taken (the charge rejects with it).
    pub(crate) fn take_busy_thrown(&self) -> Option<Error> {
        lock(&self.busy_thrown).take()
    }
}

/// `signal.addEventListener` / `removeEventListener`, called with `('abort', listener)`.
type ListenerMethod<'a> = Function<'a, FnArgs<(&'a str, Function<'a, (), ()>)>, Unknown<'a>>;

/// The JS-thread side of an `AbortSignal`: the listener to remove when the wait settles.
pub(crate) struct AbortListener {
    signal: ObjectRef<false>,
    listener: FunctionRef<(), ()>,
}

impl AbortListener {
    /// Removes the listener and returns the signal's `reason` when it was aborted. Runs on the JS
    /// thread when the wait settles.
    pub(crate) fn finish<'e>(self, env: &'e Env) -> Result<Option<Unknown<'e>>> {
        let signal = self.signal.get_value(env)?;
        let listener = self.listener.borrow_back(env)?;
        let remove: ListenerMethod = signal.get_named_property("removeEventListener")?;
        remove.apply(signal, FnArgs::from(("abort", listener)))?;
        let aborted: bool = signal.get_named_property("aborted")?;
        let reason = if aborted {
            Some(signal.get_named_property::<Unknown>("reason")?)
        } else {
            None
        };
        self.signal.unref(env)?;
        Ok(reason)
    }
}

impl<'env> WaitOptions<'env> {
    /// Translates the options on the JS thread: the core options, the status channel, and the
    /// abort listener (registered now; an already aborted signal ends the wait before any poll).
    pub(crate) fn plan(
        opts: Option<WaitOptions<'env>>,
        env: &'env Env,
    ) -> std::result::Result<(WaitPlan, Option<AbortListener>), WaitSetupError> {
        let seen: Arc<Mutex<Vec<mppoint::Intent>>> = Arc::default();
        let mut core = mppoint::WaitOptions::new();
        let (tx, rx) = watch::channel(false);
        let mut on_status = None;
        let mut listener = None;
        let busy_thrown: Thrown = Arc::default();
        if let Some(o) = opts {
            if let Some(d) = millis("timeout_ms", o.timeout_ms)? {
                core = core.timeout(d);
            }
            if let Some(d) = millis("poll_interval_ms", o.poll_interval_ms)? {
                core = core.poll_interval(d);
            }
            if let Some(d) = millis("when_busy_ms", o.when_busy_ms)? {
                core = core.when_busy(d);
            }
            if let Some(cb) = o.on_status {
                on_status = Some(Arc::new(cb));
                let seen = seen.clone();
                core = core.on_status(move |i| {
                    seen.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(i.clone())
                });
            }
            if let Some(cb) = o.on_busy {
                let cb = Arc::new(cb);
                let thrown = busy_thrown.clone();
                core = core.on_busy(move |e| {
                    if lock(&thrown).is_some() {
                        return;
                    }
                    // Called from the core's busy wait on the blocking pool: the JS callback runs
                    // on the JS thread, and the wait goes on once it has returned.
                    if let Ok(h) = tokio::runtime::Handle::try_current() {
                        if let Err(err) = h.block_on(cb.call_async_catch(BusyError(e.clone()))) {
                            *lock(&thrown) = Some(err);
                        }
                    }
                });
            }
            if let Some(signal) = o.signal {
                listener = Some(listen(env, signal, tx)?);
            }
        }
        Ok((
            WaitPlan {
                opts: core,
                seen,
                on_status,
                aborted: rx,
                busy_thrown,
            },
            listener,
        ))
    }
}

/// A wait option that could not be translated: a core error (bad number) or a JS one (a `signal`
/// that is not an `AbortSignal`).
pub(crate) enum WaitSetupError {
    Core(mppoint::Error),
    Js(Error),
}

impl From<mppoint::Error> for WaitSetupError {
    fn from(e: mppoint::Error) -> Self {
        WaitSetupError::Core(e)
    }
}

impl From<Error> for WaitSetupError {
    fn from(e: Error) -> Self {
        WaitSetupError::Js(e)
    }
}

fn listen(
    env: &Env,
    signal: Object,
    tx: watch::Sender<bool>,
) -> std::result::Result<AbortListener, WaitSetupError> {
    let not_a_signal = || {
        WaitSetupError::Core(crate::error::invalid(
            "signal",
            "must be an AbortSignal (AbortController.signal, AbortSignal.timeout(ms))",
            "another object",
        ))
    };
    let add: ListenerMethod = signal
        .get_named_property("addEventListener")
        .map_err(|_| not_a_signal())?;
    let aborted: bool = signal
        .get_named_property("aborted")
        .map_err(|_| not_a_signal())?;
    if aborted {
        let _ = tx.send(true);
    }
    let tx = Arc::new(tx);
    let f = env.create_function_from_closure::<(), (), _>("onabort", move |_ctx| {
        let _ = tx.send(true);
        Ok(())
    })?;
    let listener = f.create_ref()?;
    add.apply(signal, FnArgs::from(("abort", f)))?;
    Ok(AbortListener {
        signal: signal.create_ref()?,
        listener,
    })
}

/// Why an async wait ended without an intent.
pub(crate) enum WaitError {
    /// A core error (deadline, canceled, 401, …).
    Core(mppoint::Error),
    /// `onBusy` threw (nothing was created): reject with what it threw.
    Callback(Error),
    /// `onStatus` threw: reject with the core's `ABORTED` error (intent id; a charge's key too)
    /// whose `cause` is what it threw.
    Aborted {
        error: mppoint::Error,
        thrown: Error,
    },
}

impl From<mppoint::Error> for WaitError {
    fn from(e: mppoint::Error) -> Self {
        WaitError::Core(e)
    }
}

/// Resolves when the signal has aborted (never, if the listener is gone without aborting).
async fn aborted(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|a| *a).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Hands the statuses the waiter saw to `onStatus`, in order, each on the JS thread. If it
/// throws, the wait ends as the core's failing callback (`ABORTED`, what it threw as `cause`).
async fn deliver(plan: &WaitPlan, waiter: &Waiter) -> std::result::Result<(), WaitError> {
    let Some(cb) = &plan.on_status else {
        return Ok(());
    };
    let batch: Vec<mppoint::Intent> =
        std::mem::take(&mut *plan.seen.lock().unwrap_or_else(|e| e.into_inner()));
    for intent in batch {
        if let Err(thrown) = cb.call_async_catch(Intent::of(&intent)).await {
            return Err(WaitError::Aborted {
                error: waiter.callback_failed(&thrown_reason(&thrown)),
                thrown,
            });
        }
    }
    Ok(())
}

/// What a callback threw, as the core's message says it: `onStatus threw: <its message>`.
pub(crate) fn thrown_reason(thrown: &Error) -> String {
    if thrown.reason.is_empty() {
        "onStatus threw".to_string()
    } else {
        format!("onStatus threw: {}", thrown.reason)
    }
}

/// Runs `f` on tokio's blocking pool (never libuv's, never the JS thread).
pub(crate) async fn blocking<T, F>(f: F) -> mppoint::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> mppoint::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(mppoint::Error::from_panic("mppoint", &*e.into_panic())),
        Err(e) => Err(mppoint::Error::new(
            mppoint::ErrorKind::Api,
            format!("mppoint: the call was dropped before it ended ({e}); try again"),
        )),
    }
}

/// The wait itself: poll, tell, sleep, until the waiter says done, the deadline passes, or the
/// signal aborts. `waiter` is the core's polling rule for this wait (`Waiter::new`, or
/// `Waiter::starting_from` the created intent of a charge).
pub(crate) async fn drive(
    client: mppoint::Client,
    waiter: Waiter,
    plan: &WaitPlan,
) -> std::result::Result<mppoint::Intent, WaitError> {
    let intent_id = waiter.intent_id().to_string();
    let mut rx = plan.aborted.clone();
    // A webhook delivery handed to the client (`handleWebhook`) ends a pause early.
    let (mut waiter, registration) = client.prepare_wait(waiter);
    let mut pause = waiter.first_pause();
    // Statuses the waiter already told (the created intent of a charge).
    deliver(plan, &waiter).await?;
    loop {
        tokio::select! {
            biased;
            _ = aborted(&mut rx) => return Err(waiter.canceled_error().into()),
            _ = rung(registration.as_ref()) => {}
            _ = tokio::time::sleep(pause) => {}
        }
        if *rx.borrow() {
            return Err(waiter.canceled_error().into());
        }
        let c = client.clone();
        let id = intent_id.clone();
        let polled = tokio::select! {
            biased;
            _ = aborted(&mut rx) => return Err(waiter.canceled_error().into()),
            r = blocking(move || c.poll_once(&id)) => r,
        };
        let step = waiter.observe(polled);
        deliver(plan, &waiter).await?;
        match step? {
            WaitStep::Done(intent) => return Ok(*intent),
            WaitStep::Sleep(d) => pause = d,
        }
    }
}

/// Resolves when a webhook delivery rang this wait (checked every 50 ms; never without a
/// registration).
async fn rung(registration: Option<&WakeRegistration>) {
    let Some(r) = registration else {
        return std::future::pending().await;
    };
    while !r.take_rung() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
