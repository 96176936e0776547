//! The intents' world in time: what the handlers and the control API ask of it, under the hub's
//! lock, with the work that follows a change — starting the terminal of a new intent, waking it,
//! sending the webhook of a final status, counting creates.

use std::sync::Arc;
use std::time::Instant;

use mppoint::device::OperatingMode;
use mppoint::intent::Target;

use super::state::{Created, NewIntent};
use super::wire::{self, SimIntent};
use crate::hub::{lock, Shared};
use crate::reply::ApiError;
use crate::terminal::{self, CardOutcome};
use crate::webhooks;

/// Creates an intent and starts its terminal; a create whose idempotency key was seen answers
/// the intent the first one made.
pub(crate) fn create(
    shared: &Arc<Shared>,
    target: &Target,
    new: Result<NewIntent, ApiError>,
    key: Option<String>,
) -> Result<SimIntent, ApiError> {
    let created = {
        let mut w = lock(&shared.world);
        let w = &mut *w;
        w.intents.create(
            &w.account,
            &shared.cfg,
            target,
            new,
            key.clone(),
            Instant::now(),
        )?
    };
    let mut c = lock(&shared.counters);
    match created {
        Created::Replay(i) => {
            c.idempotent_replays += 1;
            Ok(i)
        }
        Created::New(intent, poke) => {
            c.intents_created += 1;
            if let Some(k) = key {
                *c.intents_created_per_key.entry(k).or_default() += 1;
            }
            drop(c);
            let (shared2, id) = (Arc::clone(shared), intent.id.clone());
            shared
                .handle
                .spawn(terminal::play(poke, move |now| advance(&shared2, &id, now)));
            Ok(intent)
        }
    }
}

/// Cancels an `OPENED` intent through the API.
pub(crate) fn cancel(shared: &Arc<Shared>, id: &str, pos: Option<&str>) -> Result<(), ApiError> {
    let done = {
        let mut w = lock(&shared.world);
        let w = &mut *w;
        let done = w.intents.cancel(&w.account, id, pos)?;
        w.intents.poke(id);
        done
    };
    notify_final(shared, &done);
    Ok(())
}

/// The control API: a card is presented.
pub(crate) fn present_card(
    shared: &Shared,
    id: &str,
    o: CardOutcome,
) -> Result<SimIntent, ApiError> {
    lock(&shared.world)
        .intents
        .present_card(&shared.cfg, id, o, Instant::now())
}

/// The control API: the customer or cashier cancels on the terminal.
pub(crate) fn cancel_on_terminal(shared: &Arc<Shared>, id: &str) -> Result<SimIntent, ApiError> {
    let done = lock(&shared.world).intents.cancel_on_terminal(id)?;
    notify_final(shared, &done);
    Ok(done)
}

/// The control API: the terminal holds the intent.
pub(crate) fn hold(shared: &Shared, id: &str) -> Result<SimIntent, ApiError> {
    lock(&shared.world)
        .intents
        .hold(&shared.cfg, id, Instant::now())
}

/// A device restarted: its queued intent's terminal looks again.
pub(crate) fn device_restarted(shared: &Shared, device_id: &str) {
    let w = lock(&shared.world);
    if let Some(id) = w.intents.queued_on(device_id) {
        w.intents.poke(&id);
    }
}

/// `PATCH …/devices/{id}`: a device that restarts at once lets its queued intent go on.
pub(crate) fn set_operating_mode(
    shared: &Shared,
    device_id: &str,
    mode: OperatingMode,
) -> Result<OperatingMode, ApiError> {
    let mut w = lock(&shared.world);
    let w = &mut *w;
    let mode = w
        .account
        .set_mode(&shared.cfg, device_id, mode, Instant::now())?;
    if let Some(id) = w.intents.queued_on(device_id) {
        w.intents.poke(&id);
    }
    Ok(mode)
}

/// The terminal's step: applies what is due, sends the webhook of a final status.
fn advance(shared: &Arc<Shared>, id: &str, now: Instant) -> Option<Instant> {
    let (wake, finished) = {
        let mut w = lock(&shared.world);
        let w = &mut *w;
        w.intents.advance(&mut w.account, &shared.cfg, id, now)
    };
    if let Some(done) = finished {
        notify_final(shared, &done);
    }
    wake
}

/// Sends the notification of an intent that just became final.
fn notify_final(shared: &Arc<Shared>, intent: &SimIntent) {
    webhooks::deliver::send(
        shared,
        "topic_instore_integration_wh",
        &intent.id,
        wire::notification_body(&shared.base_url, intent),
        shared.cfg.webhook_ts_unit,
    );
}
