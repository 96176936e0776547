//! Following an intent until it ends: [`WaitOptions`], [`CancelToken`] and [`Waiter`].
//!
//! [`Waiter`] holds the whole polling rule (when to poll again, which errors to ride out, when
//! the deadline is reached, when to tell the caller the status changed) without doing any I/O or
//! sleeping itself, so a blocking loop ([`crate::Client::wait_for_final`]) and an asynchronous one
//! (the Node binding) follow exactly the same rule.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::intent::{validate_id, Intent, Status};

/// A callback told each time the intent's status changes (the POS shows "insert card" when it is
/// `ON_TERMINAL`). It runs on the waiting thread. It fails by returning `Err(why)` (a binding's
/// callback that raised or threw) or by panicking: either way the wait stops at once with
/// [`ErrorKind::Aborted`] ([`Waiter::callback_failed`]), the intent untouched and named in the
/// error. Set it with [`WaitOptions::on_status`] or [`WaitOptions::try_on_status`].
pub type StatusCallback = Arc<dyn Fn(&Intent) -> std::result::Result<(), String> + Send + Sync>;
/// Told each time a create finds the terminal busy and will be tried again
/// ([`WaitOptions::when_busy`]); the error is the `ALREADY_QUEUED` met.
pub type BusyCallback = Arc<dyn Fn(&crate::Error) + Send + Sync>;

/// A check run at least every 100 ms while waiting; returning `true` stops the wait as canceled
/// (bindings use it to notice Ctrl-C).
pub type InterruptCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// Stops a wait from another thread.
///
/// ```
/// let token = mppoint::CancelToken::new();
/// let t2 = token.clone();
/// std::thread::spawn(move || t2.cancel());
/// // a wait given `token` returns ErrorKind::Canceled promptly
/// # token.sleep(std::time::Duration::from_secs(5));
/// assert!(token.is_canceled());
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl CancelToken {
    /// A token not yet canceled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels every wait using this token (now and later). Safe from any thread.
    pub fn cancel(&self) {
        let (lock, cv) = &*self.inner;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_canceled(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps for `d` or until canceled, whichever comes first; `true` when canceled.
    pub fn sleep(&self, d: Duration) -> bool {
        let (lock, cv) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = cv
            .wait_timeout_while(guard, d, |canceled| !*canceled)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("canceled", &self.is_canceled())
            .finish()
    }
}

/// The longest wait accepted (an intent expires one hour after creation).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);
/// The longest pause between two polls.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(600);

/// A wait's length as a message says it, exactly: whole seconds as `180 s`, anything else in
/// milliseconds (`500 ms`, never a rounded `1 s`).
fn span(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        let ms = d.as_secs_f64() * 1000.0;
        if ms.fract() == 0.0 {
            format!("{ms} ms")
        } else {
            format!("{ms:.3} ms")
        }
    }
}

/// When a wait polls again.
///
/// The default, [`PollSchedule::Adaptive`], follows what Mercado Pago's timings make likely: a
/// card is usually presented within seconds, processing takes seconds more, and a customer who
/// has not paid after 45 s is slow (the Orders API moves to `action_required` only after 40 s of
/// processing; an abandoned intent expires after 15 minutes). It also uses what the sale's last
/// status says ([`PollPhase`]): on the InStore API a card being read shows as `PROCESSING` (then
/// `PROCESSED`) for the seconds its authorization takes, so the verdict never comes straight
/// from waiting for the card; the Orders API reads `at_terminal` from the terminal's pickup to
/// the verdict, so any poll there may be the one that finds it.
///
/// | phase | time since the wait started | pause | the verdict is seen at most this late |
/// |---|---|---|---|
/// | the card is being processed (`PROCESSING`, `PROCESSED`) | any | 2.5 s | 2.5 s |
/// | waiting for the card, on an API that shows processing (InStore) | 0 – 10 s | 2.5 s | 2.5 s |
/// | | 10 – 45 s | 3.5 s | 2.5 s, for a card whose processing takes 1 s or more |
/// | | after 45 s | 5 s | 2.5 s, for a card whose processing takes 2.5 s or more |
/// | no processing status to see (Orders: `created`, `at_terminal`) | 0 – 45 s | 2.5 s | 2.5 s |
/// | | after 45 s | 5 s | 5 s |
///
/// (waiting for the card, a pause ends at most one pause after the card is presented, so a
/// processing that lasts longer than the pause minus 2.5 s is always seen, and from then on the
/// 2.5 s pace holds). A 24 s InStore sale costs 11 requests (the create, the reads, the payment)
/// and a 42 s one 16, instead of 26 and 44 at one poll a second; an Orders sale of 20 s, 10
/// (with the terminals list that finds the POS's terminal), and one of 38 s, 18 (the README's
/// Benchmarks). With webhook wake-ups ([`crate::Client::handle_webhook`], on a client given a
/// webhook secret), a delivery wakes the wait at once and polling is only the fallback: every
/// [`WEBHOOK_FALLBACK_POLL`]. A server's `Retry-After` always wins. [`PollSchedule::Fixed`] (what [`WaitOptions::poll_interval`] sets)
/// polls at one pace whatever the phase, with or without webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PollSchedule {
    /// The phases above (the default).
    #[default]
    Adaptive,
    /// The same pause between every two polls.
    Fixed(Duration),
}

/// What the last poll said of a sale, as the adaptive schedule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollPhase {
    /// Not started or waiting for the card, on an API whose sale shows a processing status
    /// before its verdict (the InStore API): the verdict cannot come before that status is seen.
    AwaitingCard,
    /// The card is being processed (`PROCESSING`, `PROCESSED`): the verdict is seconds away.
    Processing,
    /// An API that shows no processing status (the Orders API: `at_terminal` from pickup to
    /// verdict): the verdict may come at any poll.
    Unsignalled,
}

impl PollPhase {
    /// The phase of a sale last seen in `status` (`None`: not read yet), on an API that shows a
    /// processing status (`processing_visible`) or not.
    pub fn of(status: Option<&Status>, processing_visible: bool) -> PollPhase {
        match status {
            Some(Status::Processing | Status::Processed) => PollPhase::Processing,
            _ if processing_visible => PollPhase::AwaitingCard,
            _ => PollPhase::Unsignalled,
        }
    }
}

/// The adaptive schedule while waiting for the card on an API that shows processing: (until
/// this long into the wait, pause), then [`ADAPTIVE_LAST_PAUSE`].
const AWAITING_CARD_PHASES: [(Duration, Duration); 2] = [
    (Duration::from_secs(10), Duration::from_millis(2500)),
    (Duration::from_secs(45), Duration::from_millis(3500)),
];
/// The adaptive schedule on an API that shows no processing status: every poll may find the
/// verdict, so the pause is the verdict lag allowed while a verdict is likely.
const UNSIGNALLED_PHASES: [(Duration, Duration); 1] =
    [(Duration::from_secs(45), Duration::from_millis(2500))];
/// The adaptive schedule while the card is being processed.
const PROCESSING_PAUSE: Duration = Duration::from_millis(2500);
/// The adaptive schedule's pause after its phases.
const ADAPTIVE_LAST_PAUSE: Duration = Duration::from_secs(5);
/// The adaptive schedule's pause on a client that receives webhook wake-ups: a delivery ends the
/// pause at once, so polling is only the fallback for a lost delivery.
pub const WEBHOOK_FALLBACK_POLL: Duration = Duration::from_secs(15);

impl PollSchedule {
    /// The pause before the next poll, `elapsed` into the wait, in `phase`; `wakeups` when a
    /// webhook delivery can end the pause early.
    pub fn pause(&self, elapsed: Duration, phase: PollPhase, wakeups: bool) -> Duration {
        match *self {
            PollSchedule::Fixed(d) => d,
            PollSchedule::Adaptive if wakeups => WEBHOOK_FALLBACK_POLL,
            PollSchedule::Adaptive => {
                let phases: &[(Duration, Duration)] = match phase {
                    PollPhase::Processing => return PROCESSING_PAUSE,
                    PollPhase::AwaitingCard => &AWAITING_CARD_PHASES,
                    PollPhase::Unsignalled => &UNSIGNALLED_PHASES,
                };
                phases
                    .iter()
                    .find(|(until, _)| elapsed < *until)
                    .map_or(ADAPTIVE_LAST_PAUSE, |(_, pause)| *pause)
            }
        }
    }

    /// The base of the back-off after an error: the pause, or the adaptive schedule's first.
    fn shortest(&self) -> Duration {
        match *self {
            PollSchedule::Fixed(d) => d,
            PollSchedule::Adaptive => AWAITING_CARD_PHASES[0].1,
        }
    }
}

/// How to wait for an intent to end.
///
/// ```
/// use std::time::Duration;
/// let opts = mppoint::WaitOptions::new()
///     .poll_interval(Duration::from_millis(500))
///     .timeout(Duration::from_secs(120))
///     .on_status(|intent| println!("now {}", intent.status));
/// ```
#[derive(Clone)]
pub struct WaitOptions {
    /// When to poll again (default [`PollSchedule::Adaptive`]).
    pub poll: PollSchedule,
    /// Overall deadline from the start of the wait (default 10 minutes; an intent expires one hour
    /// after creation).
    pub timeout: Duration,
    /// Told each time the status changes (and once for the first status seen).
    pub on_status: Option<StatusCallback>,
    /// Stops the wait from another thread.
    pub cancel: Option<CancelToken>,
    /// Checked at least every 100 ms while waiting; `true` stops the wait as canceled.
    pub interrupt: Option<InterruptCheck>,
    /// A charge that finds the terminal busy (`ALREADY_QUEUED`: another sale is on it) waits up
    /// to this long for it to be free, trying the create again at the poll pace (a 409 creates
    /// nothing, so trying again is safe). `None` (default): `ALREADY_QUEUED` at once.
    pub when_busy: Option<Duration>,
    /// Told each time the terminal is found busy while [`WaitOptions::when_busy`] waits.
    pub on_busy: Option<BusyCallback>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll: PollSchedule::Adaptive,
            timeout: Duration::from_secs(600),
            on_status: None,
            cancel: None,
            interrupt: None,
            when_busy: None,
            on_busy: None,
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("poll", &self.poll)
            .field("timeout", &self.timeout)
            .field("on_status", &self.on_status.is_some())
            .field("cancel", &self.cancel)
            .field("interrupt", &self.interrupt.is_some())
            .field("when_busy", &self.when_busy)
            .field("on_busy", &self.on_busy.is_some())
            .finish()
    }
}

impl WaitOptions {
    /// The defaults: the adaptive poll schedule, give up after 10 minutes.
    pub fn new() -> WaitOptions {
        WaitOptions::default()
    }
    /// Polls at one fixed pace ([`PollSchedule::Fixed`]) instead of the adaptive schedule.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll = PollSchedule::Fixed(d);
        self
    }
    /// Sets the poll schedule.
    pub fn poll_schedule(mut self, schedule: PollSchedule) -> Self {
        self.poll = schedule;
        self
    }

    /// These options with the fixed pause `pace` (a client's pace, such as a simulator's
    /// client's) when they keep the default adaptive schedule.
    pub fn paced(&self, pace: Option<Duration>) -> WaitOptions {
        let mut o = self.clone();
        if let (PollSchedule::Adaptive, Some(d)) = (o.poll, pace) {
            o.poll = PollSchedule::Fixed(d);
        }
        o
    }
    /// Sets the overall deadline.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// Sets the status-change callback. If it panics, the wait stops with
    /// [`ErrorKind::Aborted`] (see [`StatusCallback`]).
    pub fn on_status(mut self, f: impl Fn(&Intent) + Send + Sync + 'static) -> Self {
        self.on_status = Some(Arc::new(move |i: &Intent| {
            f(i);
            Ok(())
        }));
        self
    }
    /// Sets a status-change callback that can fail: `Err(why)` stops the wait with
    /// [`ErrorKind::Aborted`], whose message says `why` (see [`StatusCallback`]).
    pub fn try_on_status(
        mut self,
        f: impl Fn(&Intent) -> std::result::Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.on_status = Some(Arc::new(f));
        self
    }
    /// Sets the cancel token.
    pub fn cancel_token(mut self, t: CancelToken) -> Self {
        self.cancel = Some(t);
        self
    }
    /// Sets the interrupt check.
    pub fn interrupt(mut self, f: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.interrupt = Some(Arc::new(f));
        self
    }

    /// Waits up to `d` for a busy terminal before creating (see [`WaitOptions::when_busy`]).
    pub fn when_busy(mut self, d: Duration) -> Self {
        self.when_busy = Some(d);
        self
    }
    /// Sets the busy-terminal callback (see [`WaitOptions::on_busy`]).
    pub fn on_busy(mut self, f: impl Fn(&crate::Error) + Send + Sync + 'static) -> Self {
        self.on_busy = Some(Arc::new(f));
        self
    }

    /// Whether the cancel token or the interrupt check says stop.
    pub fn should_stop(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancelToken::is_canceled)
            || self.interrupt.as_ref().is_some_and(|f| f())
    }

    /// Sleeps `d` in slices of at most 100 ms, stopping early when [`WaitOptions::should_stop`];
    /// `true` when stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.should_stop() {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            let slice = (end - now).min(Duration::from_millis(100));
            match &self.cancel {
                Some(t) => {
                    if t.sleep(slice) {
                        return true;
                    }
                }
                None => std::thread::sleep(slice),
            }
        }
    }

    /// Checks the options (a fixed poll interval from 10 ms to 10 minutes, a deadline above zero and
    /// at most 24 hours), so that nothing overflows once the intent exists.
    pub fn validate(&self) -> Result<()> {
        if let PollSchedule::Fixed(d) = self.poll {
            if d < Duration::from_millis(10) || d > MAX_POLL_INTERVAL {
                return Err(Error::invalid_argument(
                    "poll_interval",
                    "must be between 10 ms and 600 s",
                    &format!("{d:?}"),
                ));
            }
        }
        if self.timeout.is_zero() || self.timeout > MAX_WAIT {
            return Err(Error::invalid_argument(
                "timeout",
                "must be above zero and at most 86400 s",
                &format!("{:?}", self.timeout),
            ));
        }
        if let Some(b) = self.when_busy {
            if b > MAX_WAIT {
                return Err(Error::invalid_argument(
                    "when_busy",
                    "must be at most 86400 s",
                    &format!("{b:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// What to do after one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitStep {
    /// The intent reached a final status.
    Done(Box<Intent>),
    /// Poll again after this pause (the deadline is not reached).
    Sleep(Duration),
}

/// The polling rule of a wait, without I/O: feed it each poll's result with
/// [`Waiter::observe`] and do what it says.
pub struct Waiter {
    intent_id: String,
    opts: WaitOptions,
    started: Instant,
    deadline: Instant,
    last: Option<Status>,
    failures: u32,
    last_error: Option<Error>,
    wakeups: bool,
    processing_visible: bool,
    fresh: bool,
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("intent_id", &self.intent_id)
            .field("last", &self.last)
            .field("failures", &self.failures)
            .finish()
    }
}

impl Waiter {
    /// Starts the clock of a wait for `intent_id`.
    pub fn new(intent_id: &str, opts: &WaitOptions) -> Result<Waiter> {
        validate_id("intent_id", intent_id)?;
        opts.validate()?;
        let started = Instant::now();
        let deadline = started
            .checked_add(opts.timeout)
            .ok_or_else(|| Error::invalid_argument("timeout", "is too far in the future", ""))?;
        Ok(Waiter {
            intent_id: intent_id.to_string(),
            opts: opts.clone(),
            started,
            deadline,
            last: None,
            failures: 0,
            last_error: None,
            wakeups: false,
            processing_visible: false,
            fresh: false,
        })
    }

    /// Starts the clock of a wait for an intent just created: the callback is told its first
    /// status now, and is not told it again when the first poll sees the same status.
    pub fn starting_from(created: &Intent, opts: &WaitOptions) -> Result<Waiter> {
        let mut w = Waiter::new(&created.id, opts)?;
        w.last = Some(created.status.clone());
        w.fresh = true;
        w.tell(created)?;
        Ok(w)
    }

    /// Tells the rule that a webhook delivery can wake this wait ([`PollSchedule::pause`]).
    pub fn with_wakeups(mut self, wakeups: bool) -> Waiter {
        self.wakeups = wakeups;
        self
    }

    /// Tells the rule that the sale's API shows a processing status before its verdict
    /// ([`PollPhase::AwaitingCard`]); without it every poll is taken as one that may find the
    /// verdict ([`PollPhase::Unsignalled`]), the reading that never polls too slowly.
    pub fn with_processing_visible(mut self, visible: bool) -> Waiter {
        self.processing_visible = visible;
        self
    }

    /// The schedule's pause `elapsed` into the wait, in the phase the last status says.
    fn scheduled(&self, elapsed: Duration) -> Duration {
        let phase = PollPhase::of(self.last.as_ref(), self.processing_visible);
        self.opts.poll.pause(elapsed, phase, self.wakeups)
    }

    /// The pause before the first poll: none for an intent whose status is not known yet; for
    /// one just created ([`Waiter::starting_from`]), the schedule's first pause, since nothing
    /// can have happened to it in the instant since its create was answered.
    pub fn first_pause(&self) -> Duration {
        if self.fresh {
            self.next_pause(Instant::now())
        } else {
            Duration::ZERO
        }
    }

    /// The schedule's pause at `now`, never past the deadline.
    fn next_pause(&self, now: Instant) -> Duration {
        self.scheduled(now.saturating_duration_since(self.started))
            .min(self.deadline.saturating_duration_since(now))
    }

    /// The intent being waited for.
    pub fn intent_id(&self) -> &str {
        &self.intent_id
    }

    /// The options of this wait.
    pub fn options(&self) -> &WaitOptions {
        &self.opts
    }

    /// The last status seen, if any.
    pub fn last_status(&self) -> Option<&Status> {
        self.last.as_ref()
    }

    /// Takes one poll's result and says what to do next: done, sleep, or fail. Transient errors
    /// (network, timeout, 429, 5xx, a garbled answer) are ridden out until the deadline, pausing
    /// at least the server's `Retry-After`; other errors (401, 404, …) end the wait at once.
    pub fn observe(&mut self, polled: Result<Intent>) -> Result<WaitStep> {
        let now = Instant::now();
        let pause = match polled {
            Ok(intent) => {
                self.failures = 0;
                self.last_error = None;
                if self.last.as_ref() != Some(&intent.status) {
                    self.last = Some(intent.status.clone());
                    self.tell(&intent)?;
                }
                if intent.status.is_final() {
                    return Ok(WaitStep::Done(Box::new(intent)));
                }
                self.scheduled(now.saturating_duration_since(self.started))
            }
            Err(e) if e.kind().is_transient() || e.kind() == ErrorKind::Decode => {
                self.failures += 1;
                let backoff = self
                    .opts
                    .poll
                    .shortest()
                    .saturating_mul(1 << self.failures.min(4))
                    .min(Duration::from_secs(10));
                let pause = backoff.max(e.retry_after().unwrap_or_default());
                log::warn!(
                    target: "mppoint",
                    "waiting for intent {}: {} (failure {}, next poll in {} ms)",
                    self.intent_id, e.message(), self.failures, pause.as_millis()
                );
                self.last_error = Some(e);
                pause
            }
            Err(e) => return Err(e.with_intent_id(self.intent_id.clone())),
        };
        if now >= self.deadline {
            return Err(self.deadline_error());
        }
        Ok(WaitStep::Sleep(pause.min(self.deadline - now)))
    }

    /// The error of a wait whose deadline passed.
    pub fn deadline_error(&self) -> Error {
        let status = self.last_status_text();
        let advice = match &self.last {
            Some(Status::Opened) => "the terminal has not picked it up: cancel it through the API (it is still OPENED), or check the terminal is on, online and in PDV mode (a terminal switched to PDV takes sales only once it has been restarted)",
            Some(s) if !s.is_final() => "it is on the terminal: let the customer finish, or cancel it on the terminal, then wait again",
            _ => "check the network, then wait again",
        };
        let mut msg = format!(
            "intent {} did not end within {} (last status {status}): {advice}",
            self.intent_id,
            span(self.opts.timeout)
        );
        if let Some(e) = &self.last_error {
            msg.push_str(&format!("; last error: {}", e.message()));
        }
        self.stopped(ErrorKind::WaitTimeout, msg)
    }

    /// Tells the status callback (if any) about `intent`. A callback that fails (`Err`) or panics
    /// stops the wait: the one [`ErrorKind::Aborted`] error of every language, saying why.
    fn tell(&self, intent: &Intent) -> Result<()> {
        let Some(cb) = &self.opts.on_status else {
            return Ok(());
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(intent))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(self.callback_failed(&why)),
            Err(p) => Err(self.callback_failed(&format!(
                "it panicked: {}",
                crate::error::panic_message(&*p)
            ))),
        }
    }

    /// The error of a wait stopped because its status callback failed (`why`: what it raised,
    /// threw, returned or panicked with): [`ErrorKind::Aborted`], built here for every language.
    /// A binding that calls the user's callback itself (Node's async wait) builds it with this.
    pub fn callback_failed(&self, why: &str) -> Error {
        self.aborted_error(&format!("the status callback failed: {why}"))
    }

    /// The error of a wait (or a sale) stopped by the caller's own code after the intent was
    /// created. `why` says what stopped it. The error carries the intent id; the intent itself is
    /// untouched.
    fn aborted_error(&self, why: &str) -> Error {
        let status = self.last_status_text();
        self.stopped(
            ErrorKind::Aborted,
            format!(
                "the sale of intent {} was stopped by the caller ({why}; last status {status}); the intent itself is untouched: cancel it (through the API while it is OPENED, else on the terminal), or wait for it again",
                self.intent_id
            ),
        )
    }

    /// The error of a wait stopped by its cancel token or interrupt check.
    pub fn canceled_error(&self) -> Error {
        let status = self.last_status_text();
        self.stopped(
            ErrorKind::Canceled,
            format!(
                "the wait for intent {} was canceled after {} ms (last status {status}); the intent itself is untouched: if the sale is abandoned, cancel it through the API while it is OPENED, or on the terminal",
                self.intent_id,
                self.started.elapsed().as_millis()
            ),
        )
    }

    /// The last status seen, as text for a message ("unknown" before the first answer).
    fn last_status_text(&self) -> String {
        self.last
            .as_ref()
            .map_or_else(|| "unknown".into(), |s| s.as_str().to_string())
    }

    /// An error of a wait that stopped before the intent ended: it names the intent and the last
    /// status seen, so the caller can find the sale again.
    fn stopped(&self, kind: ErrorKind, message: String) -> Error {
        Error::new(kind, message)
            .with_intent_id(self.intent_id.clone())
            .with_last_status(self.last.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn intent(status: Status) -> Intent {
        Intent {
            id: "i1".into(),
            status,
            description: None,
            external_reference: None,
            operations: vec![],
            enabler_configuration: None,
            idempotency_key: None,
            api: crate::Api::Intents,
        }
    }

    #[test]
    fn a_wait_length_is_said_exactly() {
        assert_eq!(span(Duration::from_millis(500)), "500 ms");
        assert_eq!(span(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(span(Duration::from_secs(180)), "180 s");
        assert_eq!(span(Duration::from_micros(2500)), "2.500 ms");
    }

    #[test]
    fn a_wait_beyond_a_day_is_refused_not_a_panic() {
        let huge = Duration::MAX;
        for opts in [
            WaitOptions::new().timeout(huge),
            WaitOptions::new().poll_interval(huge),
        ] {
            let Err(e) = Waiter::new("i-1", &opts) else {
                panic!("a wait beyond a day was accepted")
            };
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(
                e.message().contains("at most 86400 s") || e.message().contains("and 600 s"),
                "{e}"
            );
        }
        assert!(WaitOptions::new()
            .timeout(Duration::from_secs(24 * 3600))
            .validate()
            .is_ok());
    }

    #[test]
    fn callbacks_on_changes_only_and_done_on_final() {
        let seen = Arc::new(AtomicUsize::new(0));
        let s2 = seen.clone();
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_millis(20))
            .on_status(move |_| {
                s2.fetch_add(1, Ordering::SeqCst);
            });
        let mut w = Waiter::new("i1", &opts).unwrap();
        for s in [
            Status::Opened,
            Status::Opened,
            Status::OnTerminal,
            Status::Processing,
        ] {
            assert!(matches!(
                w.observe(Ok(intent(s))).unwrap(),
                WaitStep::Sleep(_)
            ));
        }
        assert_eq!(seen.load(Ordering::SeqCst), 3);
        let step = w.observe(Ok(intent(Status::Closed))).unwrap();
        assert!(matches!(step, WaitStep::Done(i) if i.status == Status::Closed));
        assert_eq!(seen.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn transient_errors_back_off_and_honour_retry_after() {
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_millis(20))
            .timeout(Duration::from_secs(60));
        let mut w = Waiter::new("i1", &opts).unwrap();
        let e = Error::new(ErrorKind::RateLimited, "slow down")
            .with_retry_after(Some(Duration::from_secs(3)));
        assert_eq!(
            w.observe(Err(e)).unwrap(),
            WaitStep::Sleep(Duration::from_secs(3))
        );
        let e = Error::new(ErrorKind::Network, "down");
        assert_eq!(
            w.observe(Err(e)).unwrap(),
            WaitStep::Sleep(Duration::from_millis(80))
        );
        let fatal = Error::new(ErrorKind::Unauthorized, "no");
        let e = w.observe(Err(fatal)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!(e.intent_id(), Some("i1"));
    }

    #[test]
    fn deadline_carries_the_last_status() {
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_millis(10))
            .timeout(Duration::from_millis(30));
        let mut w = Waiter::new("i1", &opts).unwrap();
        w.observe(Ok(intent(Status::OnTerminal))).unwrap();
        std::thread::sleep(Duration::from_millis(40));
        let e = w.observe(Ok(intent(Status::OnTerminal))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WaitTimeout);
        assert_eq!(e.last_status(), Some(&Status::OnTerminal));
        assert!(e.message().contains("cancel it on the terminal"), "{e}");
    }

    #[test]
    fn sleep_wakes_on_cancel_and_interrupt() {
        let t = CancelToken::new();
        let opts = WaitOptions::new().cancel_token(t.clone());
        let t2 = t.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            t2.cancel();
        });
        let started = Instant::now();
        assert!(opts.sleep(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
        h.join().unwrap();
        let flag = Arc::new(AtomicUsize::new(0));
        let f2 = flag.clone();
        let opts = WaitOptions::new().interrupt(move || f2.fetch_add(1, Ordering::SeqCst) >= 2);
        assert!(opts.sleep(Duration::from_secs(10)));
        assert!(!WaitOptions::new().sleep(Duration::from_millis(1)));
    }

    #[test]
    fn the_adaptive_schedule_slows_down_by_phase_and_a_fixed_one_does_not() {
        let s = |secs: f64| Duration::from_secs_f64(secs);
        let a = PollSchedule::Adaptive;
        use PollPhase::*;
        for (phase, at, pause) in [
            (AwaitingCard, 0.0, 2.5),
            (AwaitingCard, 9.9, 2.5),
            (AwaitingCard, 10.0, 3.5),
            (AwaitingCard, 44.9, 3.5),
            (AwaitingCard, 45.0, 5.0),
            (AwaitingCard, 600.0, 5.0),
            (Processing, 0.0, 2.5),
            (Processing, 30.0, 2.5),
            (Processing, 600.0, 2.5),
            (Unsignalled, 0.0, 2.5),
            (Unsignalled, 44.9, 2.5),
            (Unsignalled, 45.0, 5.0),
            (Unsignalled, 600.0, 5.0),
        ] {
            assert_eq!(
                a.pause(s(at), phase, false),
                s(pause),
                "{phase:?} at {at} s"
            );
            assert_eq!(
                a.pause(s(at), phase, true),
                WEBHOOK_FALLBACK_POLL,
                "{phase:?} at {at} s, webhooks"
            );
        }
        let f = PollSchedule::Fixed(Duration::from_millis(700));
        assert_eq!(
            f.pause(s(0.0), Processing, false),
            Duration::from_millis(700)
        );
        assert_eq!(
            f.pause(s(100.0), Unsignalled, true),
            Duration::from_millis(700)
        );
        assert_eq!(WaitOptions::new().poll, PollSchedule::Adaptive);
        assert_eq!(
            WaitOptions::new()
                .poll_interval(Duration::from_secs(1))
                .poll,
            PollSchedule::Fixed(Duration::from_secs(1))
        );
    }

    #[test]
    fn the_pause_follows_the_last_status_seen_and_whether_the_api_shows_processing() {
        let sleep = |step: WaitStep| match step {
            WaitStep::Sleep(d) => d,
            WaitStep::Done(_) => panic!("not final"),
        };
        let opts = WaitOptions::new();
        // InStore: a card being processed is seen, so the wait polls at the processing pace
        // once it is, and may be slower before (here still in the first 10 s: 2.5 s).
        let mut w = Waiter::new("i1", &opts)
            .unwrap()
            .with_processing_visible(true);
        assert_eq!(
            sleep(w.observe(Ok(intent(Status::OnTerminal))).unwrap()),
            Duration::from_millis(2500)
        );
        assert_eq!(
            PollPhase::of(w.last_status(), true),
            PollPhase::AwaitingCard
        );
        assert_eq!(
            sleep(w.observe(Ok(intent(Status::Processing))).unwrap()),
            PROCESSING_PAUSE
        );
        assert_eq!(PollPhase::of(w.last_status(), true), PollPhase::Processing);
        assert_eq!(
            sleep(w.observe(Ok(intent(Status::Processed))).unwrap()),
            PROCESSING_PAUSE
        );
        // Orders (or a waiter not told): no processing status, every poll may find the verdict.
        assert_eq!(
            PollPhase::of(Some(&Status::OnTerminal), false),
            PollPhase::Unsignalled
        );
        assert_eq!(PollPhase::of(None, false), PollPhase::Unsignalled);
        assert_eq!(PollPhase::of(None, true), PollPhase::AwaitingCard);
        // The bound the README states: no pause while a verdict may be found is over 2.5 s in
        // the first 45 s, and a wait for the card on InStore never pauses longer than the
        // processing it must see plus 2.5 s for cards processed in 1 s (before 45 s).
        let a = PollSchedule::Adaptive;
        for secs in [0u64, 5, 10, 20, 44] {
            let at = Duration::from_secs(secs);
            assert!(a.pause(at, PollPhase::Unsignalled, false) <= Duration::from_millis(2500));
            assert!(a.pause(at, PollPhase::Processing, false) <= Duration::from_millis(2500));
            assert!(
                a.pause(at, PollPhase::AwaitingCard, false)
                    <= Duration::from_millis(2500) + Duration::from_secs(1)
            );
        }
    }

    #[test]
    fn a_wait_for_a_created_intent_pauses_before_its_first_poll() {
        let opts = WaitOptions::new();
        assert_eq!(
            Waiter::new("i1", &opts).unwrap().first_pause(),
            Duration::ZERO
        );
        let fresh = Waiter::starting_from(&intent(Status::Opened), &opts).unwrap();
        assert_eq!(fresh.first_pause(), Duration::from_millis(2500));
        let woken = Waiter::starting_from(&intent(Status::Opened), &opts)
            .unwrap()
            .with_wakeups(true);
        assert_eq!(woken.first_pause(), WEBHOOK_FALLBACK_POLL);
        // Never past the deadline.
        let short = WaitOptions::new().timeout(Duration::from_millis(300));
        let w = Waiter::starting_from(&intent(Status::Opened), &short).unwrap();
        assert!(w.first_pause() <= Duration::from_millis(300));
    }

    #[test]
    fn options_are_checked() {
        assert!(Waiter::new("", &WaitOptions::new()).is_err());
        assert!(Waiter::new("i", &WaitOptions::new().poll_interval(Duration::ZERO)).is_err());
        assert!(Waiter::new("i", &WaitOptions::new().timeout(Duration::ZERO)).is_err());
    }
}
