//! The intents' world (the InStore API's Point intents): the intents, the one queued per
//! device, their idempotency keys, the documented 403s of the devices endpoints, and the rules
//! the API applies to them (one queued intent per device, cancel only while `OPENED`, expiry,
//! the terminal's play from [`crate::terminal::Plan`]). Everything here is synchronous, runs
//! under the hub's `world` lock, and reads the devices and records the payments through the
//! [`Account`]; [`super::service`] starts the terminals and sends the webhooks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;
use mppoint::intent::{Status, Target};

use super::wire::{self, SimIntent};
use crate::account::{Account, Device};
use crate::config::SimulatorConfig;
use crate::reply::ApiError;
use crate::terminal::{Action, CardOutcome, Plan};

/// A validated create-intent body.
#[derive(Debug, Clone)]
pub(crate) struct NewIntent {
    pub description: String,
    pub external_reference: String,
    pub amount: Amount,
    /// The `enabler_configuration` as validated, echoed in the answers.
    pub enabler_configuration: Option<serde_json::Value>,
}

struct IntentRecord {
    intent: SimIntent,
    device_id: String,
    idempotency_key: Option<String>,
    expires_at: Instant,
    /// When the terminal fetches it; `None`: never.
    pickup_at: Option<Instant>,
    /// What the terminal does once the intent is on it; `None`: hold.
    action: Option<Action>,
    /// When the next step of `action` is due.
    next_at: Option<Instant>,
    /// The card outcome being processed (fixed when `PROCESSING` starts).
    processing: Option<CardOutcome>,
    payment_id: Option<u64>,
    poke: Arc<Notify>,
}

/// The result of a create.
pub(crate) enum Created {
    /// A new intent; its terminal must be started.
    New(SimIntent, Arc<Notify>),
    /// The intent an earlier create with the same idempotency key made.
    Replay(SimIntent),
}

/// The intents and what the InStore API keeps beside them.
#[derive(Default)]
pub(crate) struct Intents {
    records: HashMap<String, IntentRecord>,
    /// The intents in the order they were created.
    order: Vec<String>,
    /// The intent each `X-Idempotency-Key` created.
    by_key: HashMap<String, String>,
    /// The intent queued for each device (not yet final), by device id.
    queued: HashMap<String, String>,
}

/// A device as `GET /instore-api/point/v1/devices` shows it.
fn device_json(acct: &Account, d: &Device) -> serde_json::Value {
    let pos = acct.pos_of(d);
    wire::device(
        &d.id,
        pos.map(|p| p.id),
        pos.map(|p| p.store_id.as_str()),
        d.pos_external_id.as_deref(),
        &d.mode,
    )
}

/// The 404 of a POS the account does not have.
fn pos_not_found(ext: &str) -> ApiError {
    ApiError::not_found(
        "pos_not_found",
        format!("point of sale with external_id {ext} not found"),
    )
    .documented(format!(
        "404-- pos_not_found - Point of sale with externalId {ext} is not found"
    ))
}

impl Intents {
    /// `GET /instore-api/point/v1/devices`.
    pub fn list_devices(
        &self,
        acct: &Account,
        store_id: Option<&str>,
        pos_id: Option<i64>,
        limit: u64,
        offset: u64,
    ) -> Result<serde_json::Value, ApiError> {
        if acct.forbidden.integrator_not_registered {
            return Err(
                ApiError::new(403, "forbidden", "Integrator isn't registered")
                    .documented("403-- Forbidden Integrator isn't registered"),
            );
        }
        let all: Vec<&Device> = acct
            .devices
            .iter()
            .filter(|d| {
                let pos = acct.pos_of(d);
                (store_id.is_none() || pos.map(|p| p.store_id.as_str()) == store_id)
                    && (pos_id.is_none() || pos.map(|p| p.id) == pos_id)
            })
            .collect();
        let total = all.len() as u64;
        let devices = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|d| device_json(acct, d))
            .collect();
        Ok(wire::device_page(devices, total, offset, limit))
    }

    /// The intent queued for device `device_id`, if any (not yet final).
    pub fn queued_on(&self, device_id: &str) -> Option<String> {
        self.queued.get(device_id).cloned()
    }

    /// Wakes the terminal of intent `id`.
    pub fn poke(&self, id: &str) {
        if let Some(r) = self.records.get(id) {
            r.poke.notify_one();
        }
    }

    /// The device a create is for.
    fn resolve<'a>(acct: &'a Account, target: &Target) -> Result<&'a Device, ApiError> {
        match target {
            Target::Pos(ext) => {
                if !acct.has_pos(ext) {
                    return Err(pos_not_found(ext));
                }
                acct.devices
                    .iter()
                    .find(|d| d.pos_external_id.as_ref() == Some(ext))
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "device_not_found",
                            format!("no Point device is linked to the point of sale {ext}"),
                        )
                    })
            }
            Target::Device(id) => acct.device(id).ok_or_else(|| {
                ApiError::not_found("device_not_found", format!("device {id} not found"))
            }),
        }
    }

    /// `POST …/intents/point/pos/{external_id}` and `POST …/intents/point/{device_id}`.
    pub fn create(
        &mut self,
        acct: &Account,
        cfg: &SimulatorConfig,
        target: &Target,
        new: Result<NewIntent, ApiError>,
        key: Option<String>,
        now: Instant,
    ) -> Result<Created, ApiError> {
        if cfg.honor_idempotency_keys {
            if let Some(rec) = key
                .as_ref()
                .and_then(|k| self.by_key.get(k))
                .and_then(|id| self.records.get(id))
            {
                return Ok(Created::Replay(rec.intent.clone()));
            }
        }
        let new = new?;
        let device = Intents::resolve(acct, target)?;
        if device.mode != OperatingMode::Pdv {
            return Err(ApiError::bad_request(format!(
                "device {} is in {} mode and cannot receive intents: switch it to PDV mode \
                 (PATCH /instore-api/point/v1/devices/{} with {{\"operating_mode\":\"PDV\"}}) and \
                 restart it",
                device.id, device.mode, device.id
            )));
        }
        if self.queued.contains_key(&device.id) {
            return Err(
                ApiError::conflict("There is already a queued intent for the device")
                    .documented("409-- Conflict - There is already a queued intent for the device"),
            );
        }
        let id = uuid::Uuid::new_v4().to_string();
        let plan = Plan::for_amount(new.amount);
        let intent = SimIntent {
            id: id.clone(),
            status: Status::Opened,
            description: new.description,
            external_reference: new.external_reference,
            amount: new.amount,
            enabler_configuration: new.enabler_configuration,
            payment_id: None,
        };
        let poke = Arc::new(Notify::new());
        let rec = IntentRecord {
            intent: intent.clone(),
            device_id: device.id.clone(),
            idempotency_key: key.clone(),
            expires_at: now + cfg.expiry(),
            pickup_at: plan.pickup.then(|| now + cfg.pickup_delay),
            action: plan.action,
            next_at: None,
            processing: None,
            payment_id: None,
            poke: poke.clone(),
        };
        self.queued.insert(device.id.clone(), id.clone());
        self.records.insert(id.clone(), rec);
        self.order.push(id.clone());
        if let Some(k) = key {
            self.by_key.insert(k, id);
        }
        Ok(Created::New(intent, poke))
    }

    pub fn intent(&self, id: &str) -> Option<SimIntent> {
        self.records.get(id).map(|r| r.intent.clone())
    }

    pub fn intents(&self) -> Vec<SimIntent> {
        self.order
            .iter()
            .filter_map(|id| self.records.get(id))
            .map(|r| r.intent.clone())
            .collect()
    }

    /// Makes an intent final and frees its device. Returns the intent as it ended.
    fn finish(
        queued: &mut HashMap<String, String>,
        rec: &mut IntentRecord,
        status: Status,
    ) -> SimIntent {
        rec.intent.status = status;
        rec.action = None;
        rec.next_at = None;
        if queued.get(&rec.device_id) == Some(&rec.intent.id) {
            queued.remove(&rec.device_id);
        }
        rec.intent.clone()
    }

    /// `DELETE …/intents/{id}/point[/pos/{external_id}]`: only while `OPENED`.
    pub fn cancel(
        &mut self,
        acct: &Account,
        id: &str,
        pos: Option<&str>,
    ) -> Result<SimIntent, ApiError> {
        if let Some(ext) = pos {
            if !acct.has_pos(ext) {
                return Err(pos_not_found(ext));
            }
        }
        let not_found = || {
            ApiError::not_found("not_found", format!("intent {id} not found")).documented(format!(
                "404-- not_found - Not found The intent {id} doesn't exist!"
            ))
        };
        let rec = self.records.get_mut(id).ok_or_else(not_found)?;
        if let Some(ext) = pos {
            let linked = acct
                .device(&rec.device_id)
                .is_some_and(|d| d.pos_external_id.as_deref() == Some(ext));
            if !linked {
                return Err(not_found());
            }
        }
        if rec.intent.status != Status::Opened {
            return Err(
                ApiError::conflict("The intent in the current state cannot be canceled.")
                    .documented(
                        "409-- conflict - The intent in the current state cannot be canceled.",
                    ),
            );
        }
        Ok(Intents::finish(&mut self.queued, rec, Status::Canceled))
    }

    /// The control API: a card is presented (the terminal fetches the intent first if needed).
    pub fn present_card(
        &mut self,
        cfg: &SimulatorConfig,
        id: &str,
        outcome: CardOutcome,
        now: Instant,
    ) -> Result<SimIntent, ApiError> {
        let rec = self.control_target(id)?;
        rec.intent.status = Status::OnTerminal;
        rec.action = Some(Action::Card(outcome));
        rec.next_at = Some(now + cfg.step_delay);
        rec.poke.notify_one();
        Ok(rec.intent.clone())
    }

    /// The control API: the customer or cashier cancels on the terminal, now.
    pub fn cancel_on_terminal(&mut self, id: &str) -> Result<SimIntent, ApiError> {
        let rec = self
            .records
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("intent {id} not found")))?;
        check_on_terminal(rec)?;
        rec.intent.status = Status::OnTerminal;
        let done = Intents::finish(&mut self.queued, rec, Status::Canceled);
        rec.poke.notify_one();
        Ok(done)
    }

    /// The control API: stop the automatic play; the intent stays `ON_TERMINAL` (once fetched)
    /// until a card, a cancel on the terminal, or the expiry.
    pub fn hold(
        &mut self,
        cfg: &SimulatorConfig,
        id: &str,
        now: Instant,
    ) -> Result<SimIntent, ApiError> {
        let rec = self.control_target(id)?;
        if rec.intent.status == Status::Opened && rec.pickup_at.is_none() {
            rec.pickup_at = Some(now + cfg.pickup_delay);
        }
        rec.action = None;
        rec.next_at = None;
        rec.poke.notify_one();
        Ok(rec.intent.clone())
    }

    fn control_target(&mut self, id: &str) -> Result<&mut IntentRecord, ApiError> {
        let rec = self
            .records
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("intent {id} not found")))?;
        check_on_terminal(rec)?;
        Ok(rec)
    }

    /// Applies every transition of intent `id` due at `now`. Returns when to look again (`None`
    /// once final) and the intent if it became final now.
    pub fn advance(
        &mut self,
        acct: &mut Account,
        cfg: &SimulatorConfig,
        id: &str,
        now: Instant,
    ) -> (Option<Instant>, Option<SimIntent>) {
        let Intents {
            records, queued, ..
        } = self;
        let Some(rec) = records.get_mut(id) else {
            return (None, None);
        };
        let mut finished = None;
        loop {
            if rec.intent.status.is_final() {
                return (None, finished);
            }
            // "EXPIRED: the intent took more than an hour without being processed": an intent
            // being processed (or processed) does not expire.
            if now >= rec.expires_at && cfg.expires(&rec.intent.status) {
                finished = Some(Intents::finish(queued, rec, Status::Expired));
                continue;
            }
            // A terminal not running in PDV mode (its mode changed, not yet restarted) does not
            // fetch intents.
            let (fetches, restart_at) = acct.fetches_at(&rec.device_id, now);
            let due = |t: Option<Instant>| t.is_some_and(|t| now >= t);
            match rec.intent.status {
                Status::Opened if due(rec.pickup_at) && fetches => {
                    rec.intent.status = Status::OnTerminal;
                    rec.next_at = rec.action.map(|_| now + cfg.step_delay);
                }
                Status::OnTerminal if due(rec.next_at) => match rec.action {
                    Some(Action::Card(o)) => {
                        rec.intent.status = Status::Processing;
                        rec.processing = Some(o);
                        rec.next_at = Some(now + cfg.step_delay);
                    }
                    Some(Action::CancelOnTerminal) => {
                        finished = Some(Intents::finish(queued, rec, Status::Canceled));
                    }
                    None => rec.next_at = None,
                },
                Status::Processing if due(rec.next_at) => {
                    rec.intent.status = Status::Processed;
                    rec.next_at = Some(now + cfg.step_delay);
                    let approved = match rec.processing {
                        Some(CardOutcome::Approved) => true,
                        Some(CardOutcome::Rejected) => false,
                        _ => continue,
                    };
                    rec.payment_id = Some(acct.payments.record_card(
                        cfg.site,
                        rec.intent.amount,
                        approved,
                        Some(rec.intent.external_reference.clone()),
                        Some(rec.intent.description.clone()),
                    ));
                }
                Status::Processed if due(rec.next_at) => {
                    let status = match rec.processing {
                        Some(CardOutcome::Error) => Status::Error,
                        Some(CardOutcome::ConfirmationRequired) => Status::ConfirmationRequired,
                        _ => Status::Closed,
                    };
                    if status == Status::Closed {
                        rec.intent.payment_id = rec.payment_id;
                    }
                    finished = Some(Intents::finish(queued, rec, status));
                }
                _ => {
                    let expiry = cfg.expires(&rec.intent.status).then_some(rec.expires_at);
                    let restart = (rec.intent.status == Status::Opened && !fetches)
                        .then_some(restart_at)
                        .flatten();
                    let wake = [expiry, next_wake(rec), restart]
                        .into_iter()
                        .flatten()
                        .min();
                    // Nothing due (held on a terminal that does not expire, or waiting for a restart):
                    // the control API's poke wakes it; look again now and then anyway.
                    let wake = wake.or(Some(now + std::time::Duration::from_secs(3600)));
                    return (wake, finished);
                }
            }
        }
    }

    /// `GET /_simulator/state`: the account with each device's queued intent, and the intents.
    pub fn state_json(&self, acct: &Account) -> serde_json::Value {
        let devices: Vec<_> = acct
            .devices
            .iter()
            .map(|d| {
                let mut v = device_json(acct, d);
                v["queued_intent_id"] = serde_json::json!(self.queued.get(&d.id));
                v["running_mode"] = serde_json::json!(d.running_mode.as_str());
                v
            })
            .collect();
        let intents: Vec<_> = self
            .order
            .iter()
            .filter_map(|id| self.records.get(id))
            .map(|r| {
                let mut v = r.intent.wire();
                v["device_id"] = serde_json::json!(r.device_id);
                v["idempotency_key"] = serde_json::json!(r.idempotency_key);
                v
            })
            .collect();
        serde_json::json!({
            "stores": acct.stores,
            "pos": acct.pos,
            "devices": devices,
            "intents": intents,
            "payments": acct.payments.state_json(),
        })
    }
}

/// The control API acts only on an intent that has not reached the card network.
fn check_on_terminal(rec: &IntentRecord) -> Result<(), ApiError> {
    match rec.intent.status {
        Status::Opened | Status::OnTerminal => Ok(()),
        ref s if s.is_final() => Err(ApiError::conflict(format!(
            "intent {} is already final ({s})",
            rec.intent.id
        ))),
        ref s => Err(ApiError::conflict(format!(
            "intent {} is {s}: the card is already being processed",
            rec.intent.id
        ))),
    }
}

fn next_wake(rec: &IntentRecord) -> Option<Instant> {
    match rec.intent.status {
        Status::Opened => rec.pickup_at,
        _ => rec.next_at,
    }
}
