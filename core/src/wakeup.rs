//! Webhook wake-ups: a delivery handed to [`Client::handle_webhook`](crate::Client::handle_webhook)
//! ends the pause of every wait on the intent or order it names, so the wait confirms the verdict
//! with one read at once instead of at its next poll.
//!
//! The delivery is only a doorbell: it is verified (a forged, altered or stale one is refused with
//! [`crate::ErrorKind::InvalidSignature`] and wakes nothing), and then it says only *which* sale to
//! look at. The woken wait reads the intent or order from the API, as every poll does; nothing in
//! the body is trusted for the verdict. A delivery for a sale nobody waits for (a duplicate, a late
//! one, another till's) wakes nothing and is harmless.

mod handle;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::wait::WaitOptions;
use crate::webhook::Notification;

/// How far a delivery's signed `ts` may be from this machine's clock: an older signature sent
/// again is a replay and is refused.
pub const WEBHOOK_TOLERANCE: Duration = Duration::from_secs(300);

/// What [`Client::handle_webhook`](crate::Client::handle_webhook) did with a verified delivery.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The notification, as [`crate::webhook::verify_request`] reads it.
    pub notification: Notification,
    /// How many waits of this client it woke (0 for a sale nobody is waiting for).
    pub woken: usize,
}

/// One wait's doorbell.
#[derive(Default)]
struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
}

/// The waits of one client that a delivery can wake, by intent or order id.
#[derive(Default)]
pub(crate) struct Wakeups {
    waits: Mutex<HashMap<String, Vec<Weak<Bell>>>>,
}

/// Ids as keys: compared without case (intent ids are lower-case UUIDs, order ids upper-case).
fn key(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

impl Wakeups {
    /// Registers a wait on `id` until the registration is dropped.
    pub(crate) fn register(self: &Arc<Self>, id: &str) -> WakeRegistration {
        let bell = Arc::new(Bell::default());
        let mut waits = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        let list = waits.entry(key(id)).or_default();
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(&bell));
        WakeRegistration {
            id: key(id),
            bell,
            wakeups: Arc::clone(self),
        }
    }

    /// Rings every wait on `id`; how many there were.
    fn ring(&self, id: &str) -> usize {
        let bells: Vec<Arc<Bell>> = {
            let waits = self.waits.lock().unwrap_or_else(|e| e.into_inner());
            waits
                .get(&key(id))
                .map(|l| l.iter().filter_map(Weak::upgrade).collect())
                .unwrap_or_default()
        };
        for b in &bells {
            *b.rung.lock().unwrap_or_else(|e| e.into_inner()) = true;
            b.cv.notify_all();
        }
        bells.len()
    }
}

/// A wait's place in its client's wake-ups; dropping it leaves.
pub struct WakeRegistration {
    id: String,
    bell: Arc<Bell>,
    wakeups: Arc<Wakeups>,
}

/// Why a [`WakeRegistration::sleep`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SleepEnd {
    /// The pause ran out.
    Elapsed,
    /// A webhook delivery about this sale arrived: poll now.
    Woken,
    /// The cancel token or the interrupt check said stop.
    Stopped,
}

impl WakeRegistration {
    /// Whether a delivery rang since the last call (and resets it). For a driver that sleeps on
    /// its own (the Node binding's async loop checks it between short sleeps).
    pub fn take_rung(&self) -> bool {
        std::mem::take(&mut *self.bell.rung.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Sleeps `d`, ending early when a delivery rings or `opts` says stop (checked at least every
    /// 100 ms, as [`WaitOptions::sleep`] does).
    pub fn sleep(&self, d: Duration, opts: &WaitOptions) -> SleepEnd {
        let end = Instant::now() + d;
        loop {
            if opts.should_stop() {
                return SleepEnd::Stopped;
            }
            let mut rung = self.bell.rung.lock().unwrap_or_else(|e| e.into_inner());
            if std::mem::take(&mut *rung) {
                return SleepEnd::Woken;
            }
            let now = Instant::now();
            if now >= end {
                return SleepEnd::Elapsed;
            }
            let slice = (end - now).min(Duration::from_millis(100));
            let (mut rung, _) = self
                .bell
                .cv
                .wait_timeout_while(rung, slice, |r| !*r)
                .unwrap_or_else(|e| e.into_inner());
            if std::mem::take(&mut *rung) {
                return SleepEnd::Woken;
            }
            drop(rung);
            if opts.cancel.as_ref().is_some_and(|t| t.is_canceled()) {
                return SleepEnd::Stopped;
            }
        }
    }
}

impl Drop for WakeRegistration {
    fn drop(&mut self) {
        let mut waits = self.wakeups.waits.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = waits.get_mut(&self.id) {
            list.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), &*self.bell));
            if list.is_empty() {
                waits.remove(&self.id);
            }
        }
    }
}

impl std::fmt::Debug for WakeRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakeRegistration")
            .field("id", &self.id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::CancelToken;

    #[test]
    fn a_ring_wakes_the_waits_on_that_id_only_and_a_dropped_one_is_gone() {
        let w = Arc::new(Wakeups::default());
        let a = w.register("ORD01ABC");
        let b = w.register("other");
        assert_eq!(w.ring("ord01abc"), 1);
        assert!(a.take_rung());
        assert!(!a.take_rung());
        assert!(!b.take_rung());
        drop(a);
        assert_eq!(w.ring("ORD01ABC"), 0);
        assert!(w.waits.lock().unwrap().get("ord01abc").is_none());
        assert_eq!(w.ring("other"), 1);
    }

    #[test]
    fn a_sleep_ends_on_a_ring_or_a_cancel_or_its_time() {
        let w = Arc::new(Wakeups::default());
        let r = w.register("i-1");
        let opts = WaitOptions::new();
        assert_eq!(r.sleep(Duration::from_millis(1), &opts), SleepEnd::Elapsed);
        let w2 = Arc::clone(&w);
        // Rung before or during the sleep, it ends the sleep either way: no pause to guess.
        let ringer = std::thread::spawn(move || w2.ring("i-1"));
        assert_eq!(r.sleep(Duration::from_secs(600), &opts), SleepEnd::Woken);
        ringer.join().unwrap();
        let t = CancelToken::new();
        t.cancel();
        let opts = WaitOptions::new().cancel_token(t);
        assert_eq!(r.sleep(Duration::from_secs(600), &opts), SleepEnd::Stopped);
    }
}
