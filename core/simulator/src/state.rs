//! The simulated account: stores, POSes, devices, intents, payments and refunds, and the rules
//! the API applies to them (one queued intent per device, cancel only while `OPENED`, expiry,
//! refundable amounts). Everything here is synchronous and guarded by one mutex; the HTTP layer
//! ([`super::server`]) and the terminal tasks ([`super::terminal`]) call into it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::Notify;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;
use mppoint::intent::{Status, Target};
use mppoint::payment::{AmountOrZero, Payment, PaymentStatus};

use super::config::{SimPos, SimStore, SimulatorConfig};
use super::faults::{Endpoint, FaultSet};
use super::terminal::{self, Action, CardOutcome, Plan};
use super::webhooks;
use super::wire::{self, SimIntent};

/// Locks a mutex, going on with the data if a thread panicked while holding it (the state stays
/// consistent: every change is made in one step under the lock).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An answer in Mercado Pago's error shape: `{"message","error","status","cause":[]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub error: &'static str,
    pub message: String,
    /// The reference's `errorKey` text for this error, when it documents one.
    pub error_key: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            message: message.into(),
            error_key: None,
        }
    }
    /// With the reference's documented `errorKey` text.
    pub fn documented(mut self, error_key: impl Into<String>) -> ApiError {
        self.error_key = Some(error_key.into());
        self
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }
    pub fn not_found(error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(404, error, message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "conflict", message)
    }

    /// The JSON body: Mercado Pago's common error shape (`message`, `error`, `status`,
    /// `cause`), which its services answer, and the InStore reference's documented form,
    /// `errorKey: "<status>-- <error> - <message>"` (the only form the reference shows).
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "errorKey": self.error_key.clone().unwrap_or_else(
                || format!("{}-- {} - {}", self.status, self.error, self.message),
            ),
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": [],
        }))
        .unwrap_or_default()
    }

    /// As a crate error (for the Rust control API).
    pub fn into_error(self) -> mppoint::Error {
        use mppoint::ErrorKind;
        let kind = match self.status {
            400 => ErrorKind::InvalidArgument,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            _ => ErrorKind::Api,
        };
        mppoint::Error::new(kind, format!("simulator: {}", self.message))
    }
}

/// The request counters of a [`Simulator`](super::Simulator).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests received per endpoint (including those a fault answered or dropped).
    pub requests: BTreeMap<Endpoint, u64>,
    /// Requests that matched no route.
    pub unrouted_requests: u64,
    /// Intents created in all.
    pub intents_created: u64,
    /// Intents created per `X-Idempotency-Key` (a create without the header is not listed).
    pub intents_created_per_key: BTreeMap<String, u64>,
    /// Creates answered with an existing intent because their idempotency key was seen before.
    pub idempotent_replays: u64,
    /// TCP connections accepted.
    pub connections_accepted: u64,
    /// Requests a fault (other than latency) was applied to.
    pub faults_applied: u64,
    /// Webhook deliveries attempted (each POST counts).
    pub webhook_attempts: u64,
    /// Webhook deliveries answered 200 or 201.
    pub webhook_successes: u64,
}

impl Counters {
    /// The requests received for `endpoint`.
    pub fn requests_to(&self, endpoint: Endpoint) -> u64 {
        self.requests.get(&endpoint).copied().unwrap_or(0)
    }

    /// The intents created with the idempotency key `key`.
    pub fn intents_created_with_key(&self, key: &str) -> u64 {
        self.intents_created_per_key.get(key).copied().unwrap_or(0)
    }
}

/// A validated create-intent body.
#[derive(Debug, Clone)]
pub(crate) struct NewIntent {
    pub description: String,
    pub external_reference: String,
    pub amount: Amount,
    /// The `enabler_configuration` as validated, echoed in the answers.
    pub enabler_configuration: Option<serde_json::Value>,
}

struct DeviceState {
    id: String,
    pos_external_id: Option<String>,
    /// The mode the API holds (what `PATCH` set and the device list shows).
    mode: OperatingMode,
    /// The mode the terminal runs in: the API's mode once the device restarted ("restart the
    /// Point device", the guide says after a mode change).
    running_mode: OperatingMode,
    /// When the device restarts by itself (see `SimulatorConfig::mode_change_restart`).
    restart_at: Option<Instant>,
    /// The intent queued for the device (not yet final).
    queued: Option<String>,
}

impl DeviceState {
    /// The device restarts: it runs in the mode the API holds from now on.
    fn restart(&mut self) {
        self.running_mode = self.mode.clone();
        self.restart_at = None;
    }

    /// Restarts the device if its restart by itself is due at `now`.
    fn restart_if_due(&mut self, now: Instant) {
        if self.restart_at.is_some_and(|t| now >= t) {
            self.restart();
        }
    }
}

/// The documented 403s, produced on request (the control API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Forbidden {
    /// `GET /instore-api/point/v1/devices` answers 403 "Integrator isn't registered".
    #[serde(default)]
    pub integrator_not_registered: bool,
    /// `PATCH /instore-api/point/v1/devices/{id}` answers 403 "User not logged into the device"
    /// for these devices.
    #[serde(default)]
    pub user_not_logged_in: Vec<String>,
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

struct RefundRecord {
    id: u64,
    amount: Amount,
    date_created: String,
}

struct PaymentRecord {
    id: u64,
    status: PaymentStatus,
    status_detail: &'static str,
    amount: Amount,
    refunded_cents: i64,
    currency_id: &'static str,
    external_reference: Option<String>,
    description: Option<String>,
    date_created: String,
    date_approved: Option<String>,
    refunds: Vec<RefundRecord>,
}

/// Everything the account holds.
pub(crate) struct World {
    stores: Vec<SimStore>,
    pos: Vec<SimPos>,
    devices: Vec<DeviceState>,
    intents: HashMap<String, IntentRecord>,
    order: Vec<String>,
    payments: BTreeMap<u64, PaymentRecord>,
    next_payment_id: u64,
    next_refund_id: u64,
    by_key: HashMap<String, String>,
    /// Refunds by `X-Idempotency-Key`: the payment, the amount asked (`None`: all) and the answer.
    refunds_by_key: HashMap<String, (u64, Option<i64>, Vec<u8>)>,
    pub forbidden: Forbidden,
}

/// The result of a create.
pub(crate) enum Created {
    /// A new intent; its terminal must be started.
    New(SimIntent, Arc<Notify>),
    /// The intent an earlier create with the same idempotency key made.
    Replay(SimIntent),
}

/// Everything the server, the terminals and the control API share.
pub(crate) struct Shared {
    pub cfg: SimulatorConfig,
    pub base_url: String,
    pub handle: tokio::runtime::Handle,
    pub world: Mutex<World>,
    /// The orders (the Orders API), beside the intents.
    pub orders: Mutex<super::orders::OrdersWorld>,
    /// The print actions (the Terminals API's Print API). Locked after `world`, never before.
    pub print: Mutex<super::print::PrintWorld>,
    pub faults: Mutex<FaultSet>,
    pub counters: Mutex<Counters>,
    pub webhook_urls: Mutex<Vec<String>>,
    pub http: reqwest::Client,
}

/// Now, in Mercado Pago's ISO form for payments: `2023-07-27T20:24:21.776-04:00`.
pub(crate) fn iso_now() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(-4))
        .format(&f)
        .unwrap_or_default()
}

/// `12.47` as a JSON number's text (never through a float).
fn money(cents: i64) -> Box<RawValue> {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    RawValue::from_string(text).expect("digits, a dot and two digits are a JSON number")
}

impl World {
    pub fn new(cfg: &SimulatorConfig) -> World {
        World {
            stores: cfg.stores.clone(),
            pos: cfg.pos.clone(),
            devices: cfg
                .devices
                .iter()
                .map(|d| DeviceState {
                    id: d.id.clone(),
                    pos_external_id: d.pos_external_id.clone(),
                    mode: d.operating_mode.clone(),
                    running_mode: d.operating_mode.clone(),
                    restart_at: None,
                    queued: None,
                })
                .collect(),
            intents: HashMap::new(),
            order: Vec::new(),
            payments: BTreeMap::new(),
            next_payment_id: 70_000_000_001,
            next_refund_id: 90_000_000_001,
            by_key: HashMap::new(),
            refunds_by_key: HashMap::new(),
            forbidden: Forbidden::default(),
        }
    }

    fn pos_of(&self, d: &DeviceState) -> Option<&SimPos> {
        d.pos_external_id
            .as_ref()
            .and_then(|e| self.pos.iter().find(|p| &p.external_id == e))
    }

    fn device_json(&self, d: &DeviceState) -> serde_json::Value {
        let pos = self.pos_of(d);
        wire::device(
            &d.id,
            pos.map(|p| p.id),
            pos.map(|p| p.store_id.as_str()),
            d.pos_external_id.as_deref(),
            &d.mode,
        )
    }

    /// `GET /instore-api/point/v1/devices`.
    pub fn list_devices(
        &self,
        store_id: Option<&str>,
        pos_id: Option<i64>,
        limit: u64,
        offset: u64,
    ) -> Result<serde_json::Value, ApiError> {
        if self.forbidden.integrator_not_registered {
            return Err(
                ApiError::new(403, "forbidden", "Integrator isn't registered")
                    .documented("403-- Forbidden Integrator isn't registered"),
            );
        }
        let all: Vec<&DeviceState> = self
            .devices
            .iter()
            .filter(|d| {
                let pos = self.pos_of(d);
                (store_id.is_none() || pos.map(|p| p.store_id.as_str()) == store_id)
                    && (pos_id.is_none() || pos.map(|p| p.id) == pos_id)
            })
            .collect();
        let total = all.len() as u64;
        let devices = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|d| self.device_json(d))
            .collect();
        Ok(wire::device_page(devices, total, offset, limit))
    }

    /// `PATCH /instore-api/point/v1/devices/{id}`. The API records the mode at once (200), but
    /// the terminal keeps running in its old mode until it restarts: by default only when the
    /// control API restarts it ([`World::restart_device`]), or by itself after
    /// `SimulatorConfig::mode_change_restart`.
    pub fn set_operating_mode(
        &mut self,
        cfg: &SimulatorConfig,
        device_id: &str,
        mode: OperatingMode,
        now: Instant,
    ) -> Result<OperatingMode, ApiError> {
        if self
            .forbidden
            .user_not_logged_in
            .iter()
            .any(|d| d == device_id)
        {
            return Err(
                ApiError::new(403, "unauthorized", "User not logged into the device")
                    .documented("403-- Unauthorized - User not logged into the device"),
            );
        }
        let d = self
            .devices
            .iter_mut()
            .find(|d| d.id == device_id)
            .ok_or_else(|| {
                ApiError::not_found("not_found", format!("device {device_id} not found"))
            })?;
        d.mode = mode.clone();
        if d.running_mode != d.mode {
            d.restart_at = cfg.mode_change_restart.map(|delay| now + delay);
        }
        self.apply_restarts(now);
        Ok(mode)
    }

    /// The control API: the device restarts now and runs in the mode the API holds. Returns the
    /// queued intent, if any (its terminal may now fetch it).
    pub fn restart_device(&mut self, device_id: &str) -> Result<Option<String>, ApiError> {
        let d = self
            .devices
            .iter_mut()
            .find(|d| d.id == device_id)
            .ok_or_else(|| {
                ApiError::not_found("not_found", format!("device {device_id} not found"))
            })?;
        d.restart();
        Ok(d.queued.clone())
    }

    /// Whether terminal `device_id` fetches work (intents or orders) at `now`: only while it runs
    /// in PDV mode, which after a mode change means once it restarted. Applies its restart if due,
    /// and gives when it will restart by itself, if it will.
    fn fetches_at(
        devices: &mut [DeviceState],
        device_id: &str,
        now: Instant,
    ) -> (bool, Option<Instant>) {
        let Some(d) = devices.iter_mut().find(|d| d.id == device_id) else {
            return (false, None);
        };
        d.restart_if_due(now);
        (d.running_mode == OperatingMode::Pdv, d.restart_at)
    }

    /// [`World::fetches_at`] for the Orders API's terminals (the same devices).
    pub(crate) fn terminal_fetches(
        &mut self,
        device_id: &str,
        now: Instant,
    ) -> (bool, Option<Instant>) {
        World::fetches_at(&mut self.devices, device_id, now)
    }

    /// Restarts the devices whose restart is due.
    fn apply_restarts(&mut self, now: Instant) {
        for d in &mut self.devices {
            d.restart_if_due(now);
        }
    }

    fn resolve(&self, target: &Target) -> Result<usize, ApiError> {
        match target {
            Target::Pos(ext) => {
                if !self.pos.iter().any(|p| &p.external_id == ext) {
                    return Err(ApiError::not_found(
                        "pos_not_found",
                        format!("point of sale with external_id {ext} not found"),
                    )
                    .documented(format!(
                        "404-- pos_not_found - Point of sale with externalId {ext} is not found"
                    )));
                }
                self.devices
                    .iter()
                    .position(|d| d.pos_external_id.as_ref() == Some(ext))
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "device_not_found",
                            format!("no Point device is linked to the point of sale {ext}"),
                        )
                    })
            }
            Target::Device(id) => self
                .devices
                .iter()
                .position(|d| &d.id == id)
                .ok_or_else(|| {
                    ApiError::not_found("device_not_found", format!("device {id} not found"))
                }),
        }
    }

    /// `POST …/intents/point/pos/{external_id}` and `POST …/intents/point/{device_id}`.
    pub fn create_intent(
        &mut self,
        cfg: &SimulatorConfig,
        counters: &Mutex<Counters>,
        target: &Target,
        new: Result<NewIntent, ApiError>,
        key: Option<String>,
        now: Instant,
    ) -> Result<Created, ApiError> {
        if cfg.honor_idempotency_keys {
            if let Some(rec) = key
                .as_ref()
                .and_then(|k| self.by_key.get(k))
                .and_then(|id| self.intents.get(id))
            {
                lock(counters).idempotent_replays += 1;
                return Ok(Created::Replay(rec.intent.clone()));
            }
        }
        let new = new?;
        let di = self.resolve(target)?;
        let device = &self.devices[di];
        if device.mode != OperatingMode::Pdv {
            return Err(ApiError::bad_request(format!(
                "device {} is in {} mode and cannot receive intents: switch it to PDV mode \
                 (PATCH /instore-api/point/v1/devices/{} with {{\"operating_mode\":\"PDV\"}}) and \
                 restart it",
                device.id, device.mode, device.id
            )));
        }
        if device.queued.is_some() {
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
        self.devices[di].queued = Some(id.clone());
        self.intents.insert(id.clone(), rec);
        self.order.push(id.clone());
        {
            let mut c = lock(counters);
            c.intents_created += 1;
            if let Some(k) = &key {
                *c.intents_created_per_key.entry(k.clone()).or_default() += 1;
            }
        }
        if let Some(k) = key {
            self.by_key.insert(k, id);
        }
        Ok(Created::New(intent, poke))
    }

    pub fn intent(&self, id: &str) -> Option<SimIntent> {
        self.intents.get(id).map(|r| r.intent.clone())
    }

    pub fn intents(&self) -> Vec<SimIntent> {
        self.order
            .iter()
            .filter_map(|id| self.intents.get(id))
            .map(|r| r.intent.clone())
            .collect()
    }

    /// Makes an intent final and frees its device. Returns the intent as it ended.
    fn finish(devices: &mut [DeviceState], rec: &mut IntentRecord, status: Status) -> SimIntent {
        rec.intent.status = status;
        rec.action = None;
        rec.next_at = None;
        if let Some(d) = devices.iter_mut().find(|d| d.id == rec.device_id) {
            if d.queued.as_deref() == Some(rec.intent.id.as_str()) {
                d.queued = None;
            }
        }
        rec.intent.clone()
    }

    /// `DELETE …/intents/{id}/point[/pos/{external_id}]`: only while `OPENED`.
    pub fn cancel_intent(&mut self, id: &str, pos: Option<&str>) -> Result<SimIntent, ApiError> {
        if let Some(ext) = pos {
            if !self.pos.iter().any(|p| p.external_id == ext) {
                return Err(ApiError::not_found(
                    "pos_not_found",
                    format!("point of sale with external_id {ext} not found"),
                )
                .documented(format!(
                    "404-- pos_not_found - Point of sale with externalId {ext} is not found"
                )));
            }
        }
        let not_found = || {
            ApiError::not_found("not_found", format!("intent {id} not found")).documented(format!(
                "404-- not_found - Not found The intent {id} doesn't exist!"
            ))
        };
        let rec = self.intents.get_mut(id).ok_or_else(not_found)?;
        if let Some(ext) = pos {
            let linked = self
                .devices
                .iter()
                .any(|d| d.id == rec.device_id && d.pos_external_id.as_deref() == Some(ext));
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
        Ok(World::finish(&mut self.devices, rec, Status::Canceled))
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
            .intents
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("intent {id} not found")))?;
        check_on_terminal(rec)?;
        rec.intent.status = Status::OnTerminal;
        let done = World::finish(&mut self.devices, rec, Status::Canceled);
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
            .intents
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("intent {id} not found")))?;
        check_on_terminal(rec)?;
        Ok(rec)
    }

    /// Applies every transition of intent `id` due at `now`. Returns when to look again (`None`
    /// once final) and the intent if it became final now.
    pub fn advance(
        &mut self,
        cfg: &SimulatorConfig,
        id: &str,
        now: Instant,
    ) -> (Option<Instant>, Option<SimIntent>) {
        let World {
            intents,
            devices,
            payments,
            next_payment_id,
            ..
        } = self;
        let Some(rec) = intents.get_mut(id) else {
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
                finished = Some(World::finish(devices, rec, Status::Expired));
                continue;
            }
            // A terminal not running in PDV mode (its mode changed, not yet restarted) does not
            // fetch intents.
            let (fetches, restart_at) = World::fetches_at(devices, &rec.device_id, now);
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
                        finished = Some(World::finish(devices, rec, Status::Canceled));
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
                    let amount = rec.intent.amount;
                    let pid = *next_payment_id;
                    *next_payment_id += 1;
                    payments.insert(
                        pid,
                        PaymentRecord::card(
                            pid,
                            cfg.site,
                            amount,
                            approved,
                            Some(rec.intent.external_reference.clone()),
                            Some(rec.intent.description.clone()),
                        ),
                    );
                    rec.payment_id = Some(pid);
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
                    finished = Some(World::finish(devices, rec, status));
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

    pub fn payments(&self) -> Vec<Payment> {
        self.payments
            .values()
            .map(PaymentRecord::to_payment)
            .collect()
    }

    /// The devices as terminals, for the Orders API's `/terminals/v1/…` routes.
    pub(crate) fn terminals(&self) -> Vec<super::orders::Terminal> {
        self.devices
            .iter()
            .map(|d| {
                let pos = self.pos_of(d);
                super::orders::Terminal {
                    id: d.id.clone(),
                    pos_id: pos.map(|p| p.id),
                    store_id: pos.map(|p| p.store_id.clone()),
                    external_pos_id: d.pos_external_id.clone(),
                    mode: d.mode.clone(),
                }
            })
            .collect()
    }

    /// Records the card payment of a processed (or refused) order, so that
    /// `GET /v1/payments/{id}` and refunds see it as they see an intent's. Returns its id.
    pub(crate) fn record_point_payment(
        &mut self,
        cfg: &SimulatorConfig,
        amount: Amount,
        approved: bool,
        external_reference: Option<String>,
        description: Option<String>,
    ) -> u64 {
        let pid = self.next_payment_id;
        self.next_payment_id += 1;
        self.payments.insert(
            pid,
            PaymentRecord::card(
                pid,
                cfg.site,
                amount,
                approved,
                external_reference,
                description,
            ),
        );
        pid
    }

    pub fn payment(&self, id: u64) -> Option<Payment> {
        self.payments.get(&id).map(PaymentRecord::to_payment)
    }

    /// `GET /v1/payments/{id}` as JSON, with the amounts as JSON numbers.
    pub fn payment_json(&self, id: u64) -> Result<Vec<u8>, ApiError> {
        self.payments
            .get(&id)
            .map(PaymentRecord::to_json)
            .ok_or_else(|| ApiError::not_found("not_found", format!("payment {id} not found")))
    }

    /// `POST /v1/payments/{id}/refunds`: the whole remaining amount (`None`) or part of it. The
    /// Payments API documents `X-Idempotency-Key` on refunds: a refund retried with the same key
    /// is applied once and answered like the first; the key reused for another payment or amount
    /// is refused with 409.
    pub fn refund(
        &mut self,
        id: u64,
        amount: Option<Amount>,
        key: Option<String>,
    ) -> Result<Vec<u8>, ApiError> {
        let asked = amount.map(|a| a.cents());
        if let Some((pid, cents, body)) = key.as_ref().and_then(|k| self.refunds_by_key.get(k)) {
            if *pid == id && *cents == asked {
                return Ok(body.clone());
            }
            return Err(ApiError::conflict(format!(
                "the idempotency key was already used for another refund (payment {pid})"
            )));
        }
        let body = self.refund_once(id, amount)?;
        if let Some(k) = key {
            self.refunds_by_key.insert(k, (id, asked, body.clone()));
        }
        Ok(body)
    }

    /// `GET /v1/payments/search`: the payments whose `external_reference` is `reference` (all
    /// when `None`), newest first unless `descending` is false.
    pub fn search_payments(
        &self,
        reference: Option<&str>,
        descending: bool,
        limit: u64,
        offset: u64,
    ) -> Vec<u8> {
        let mut found: Vec<&PaymentRecord> = self
            .payments
            .values()
            .filter(|p| reference.is_none() || p.external_reference.as_deref() == reference)
            .collect();
        // Payment ids grow with time: the id orders them by creation.
        if descending {
            found.reverse();
        }
        let total = found.len();
        let results: Vec<Box<RawValue>> = found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .filter_map(|p| RawValue::from_string(String::from_utf8(p.to_json()).ok()?).ok())
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "paging": {"total": total, "limit": limit, "offset": offset},
            "results": results,
        }))
        .unwrap_or_default()
    }

    fn refund_once(&mut self, id: u64, amount: Option<Amount>) -> Result<Vec<u8>, ApiError> {
        let p = self
            .payments
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("payment {id} not found")))?;
        if p.status != PaymentStatus::Approved {
            return Err(ApiError::bad_request(format!(
                "payment {id} is {} and cannot be refunded: only approved payments can",
                p.status
            )));
        }
        let remaining = p.amount.cents() - p.refunded_cents;
        let cents = match amount {
            None => remaining,
            Some(a) if a.cents() > remaining => {
                return Err(ApiError::bad_request(format!(
                    "the refund amount {a} is above the {}.{:02} left to refund on payment {id}",
                    remaining / 100,
                    remaining % 100
                )))
            }
            Some(a) => a.cents(),
        };
        let Ok(refund_amount) = Amount::from_cents(cents) else {
            return Err(ApiError::bad_request(format!(
                "payment {id} has nothing left to refund"
            )));
        };
        p.refunded_cents += cents;
        if p.refunded_cents == p.amount.cents() {
            p.status = PaymentStatus::Refunded;
            p.status_detail = "refunded";
        }
        let r = RefundRecord {
            id: self.next_refund_id,
            amount: refund_amount,
            date_created: iso_now(),
        };
        self.next_refund_id += 1;
        let body = refund_json(id, &r);
        p.refunds.push(r);
        Ok(body)
    }

    /// `GET /_simulator/state`.
    pub fn state_json(&self) -> serde_json::Value {
        let devices: Vec<_> = self
            .devices
            .iter()
            .map(|d| {
                let mut v = self.device_json(d);
                v["queued_intent_id"] = serde_json::json!(d.queued);
                v["running_mode"] = serde_json::json!(d.running_mode.as_str());
                v
            })
            .collect();
        let intents: Vec<_> = self
            .order
            .iter()
            .filter_map(|id| self.intents.get(id))
            .map(|r| {
                let mut v = r.intent.wire();
                v["device_id"] = serde_json::json!(r.device_id);
                v["idempotency_key"] = serde_json::json!(r.idempotency_key);
                v
            })
            .collect();
        let payments: Vec<_> = self
            .payments
            .values()
            .filter_map(|p| serde_json::from_slice::<serde_json::Value>(&p.to_json()).ok())
            .collect();
        serde_json::json!({
            "stores": self.stores,
            "pos": self.pos,
            "devices": devices,
            "intents": intents,
            "payments": payments,
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

#[derive(Serialize)]
struct PaymentJson<'a> {
    id: u64,
    status: &'a str,
    status_detail: &'a str,
    transaction_amount: Box<RawValue>,
    transaction_amount_refunded: Box<RawValue>,
    currency_id: &'a str,
    external_reference: Option<&'a str>,
    description: Option<&'a str>,
    payment_method_id: &'a str,
    payment_type_id: &'a str,
    date_created: &'a str,
    date_approved: Option<&'a str>,
    live_mode: bool,
    point_of_interaction: serde_json::Value,
    refunds: Vec<Box<RawValue>>,
}

fn refund_json(payment_id: u64, r: &RefundRecord) -> Vec<u8> {
    #[derive(Serialize)]
    struct RefundJson<'a> {
        id: u64,
        payment_id: u64,
        amount: Box<RawValue>,
        status: &'a str,
        date_created: &'a str,
        source: serde_json::Value,
    }
    serde_json::to_vec(&RefundJson {
        id: r.id,
        payment_id,
        amount: money(r.amount.cents()),
        status: "approved",
        date_created: &r.date_created,
        source: serde_json::json!({"type": "collector"}),
    })
    .unwrap_or_default()
}

impl PaymentRecord {
    /// The card payment a terminal made: approved (`accredited`) or refused by the card.
    fn card(
        id: u64,
        site: mppoint::Site,
        amount: Amount,
        approved: bool,
        external_reference: Option<String>,
        description: Option<String>,
    ) -> PaymentRecord {
        let created = iso_now();
        PaymentRecord {
            id,
            status: if approved {
                PaymentStatus::Approved
            } else {
                PaymentStatus::Rejected
            },
            status_detail: if approved {
                "accredited"
            } else {
                "cc_rejected_other_reason"
            },
            amount,
            refunded_cents: 0,
            currency_id: match site {
                mppoint::Site::MLA => "ARS",
                mppoint::Site::MLB => "BRL",
            },
            external_reference,
            description,
            date_approved: approved.then(|| created.clone()),
            date_created: created,
            refunds: Vec::new(),
        }
    }

    fn to_json(&self) -> Vec<u8> {
        let refunds = self
            .refunds
            .iter()
            .filter_map(|r| {
                RawValue::from_string(String::from_utf8(refund_json(self.id, r)).ok()?).ok()
            })
            .collect();
        serde_json::to_vec(&PaymentJson {
            id: self.id,
            status: self.status.as_str(),
            status_detail: self.status_detail,
            transaction_amount: money(self.amount.cents()),
            transaction_amount_refunded: money(self.refunded_cents),
            currency_id: self.currency_id,
            external_reference: self.external_reference.as_deref(),
            description: self.description.as_deref(),
            payment_method_id: "visa",
            payment_type_id: "credit_card",
            date_created: &self.date_created,
            date_approved: self.date_approved.as_deref(),
            live_mode: false,
            point_of_interaction: serde_json::json!({"type": "POINT"}),
            refunds,
        })
        .unwrap_or_default()
    }

    fn to_payment(&self) -> Payment {
        Payment {
            id: self.id,
            status: self.status.clone(),
            status_detail: Some(self.status_detail.to_string()),
            transaction_amount: Some(self.amount),
            transaction_amount_refunded: Some(AmountOrZero(self.refunded_cents)),
            currency_id: Some(self.currency_id.to_string()),
            payment_method_id: Some("visa".into()),
            payment_type_id: Some("credit_card".into()),
            external_reference: self.external_reference.clone(),
            description: self.description.clone(),
            date_created: Some(self.date_created.clone()),
            date_approved: self.date_approved.clone(),
            tip_amount: None,
        }
    }
}

impl Shared {
    pub fn count(&self, endpoint: Option<Endpoint>) {
        let mut c = lock(&self.counters);
        match endpoint {
            Some(e) => *c.requests.entry(e).or_default() += 1,
            None => c.unrouted_requests += 1,
        }
    }

    /// Creates an intent and starts its terminal.
    pub fn create_intent(
        self: &Arc<Self>,
        target: &Target,
        new: Result<NewIntent, ApiError>,
        key: Option<String>,
    ) -> Result<SimIntent, ApiError> {
        let created = lock(&self.world).create_intent(
            &self.cfg,
            &self.counters,
            target,
            new,
            key,
            Instant::now(),
        )?;
        match created {
            Created::Replay(i) => Ok(i),
            Created::New(intent, poke) => {
                let id = intent.id.clone();
                self.handle.spawn(terminal::run(Arc::clone(self), id, poke));
                Ok(intent)
            }
        }
    }

    /// Cancels an `OPENED` intent through the API.
    pub fn cancel_intent(self: &Arc<Self>, id: &str, pos: Option<&str>) -> Result<(), ApiError> {
        let done = lock(&self.world).cancel_intent(id, pos)?;
        self.poke(id);
        webhooks::notify_final(self, done);
        Ok(())
    }

    pub fn present_card(self: &Arc<Self>, id: &str, o: CardOutcome) -> Result<SimIntent, ApiError> {
        lock(&self.world).present_card(&self.cfg, id, o, Instant::now())
    }

    pub fn cancel_on_terminal(self: &Arc<Self>, id: &str) -> Result<SimIntent, ApiError> {
        let done = lock(&self.world).cancel_on_terminal(id)?;
        webhooks::notify_final(self, done.clone());
        Ok(done)
    }

    pub fn hold(self: &Arc<Self>, id: &str) -> Result<SimIntent, ApiError> {
        lock(&self.world).hold(&self.cfg, id, Instant::now())
    }

    /// The control API: a device restarts; its queued intent's terminal looks again.
    pub fn restart_device(&self, device_id: &str) -> Result<(), ApiError> {
        let queued = lock(&self.world).restart_device(device_id)?;
        if let Some(id) = queued {
            self.poke(&id);
        }
        crate::orders::poke_terminal(self, device_id);
        Ok(())
    }

    /// `PATCH …/devices/{id}`: a device that restarts at once lets its queued intent go on.
    pub fn set_operating_mode(
        &self,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<OperatingMode, ApiError> {
        let (mode, queued) = {
            let mut w = lock(&self.world);
            let m = w.set_operating_mode(&self.cfg, device_id, mode, Instant::now())?;
            let queued = w
                .devices
                .iter()
                .find(|d| d.id == device_id)
                .and_then(|d| d.queued.clone());
            (m, queued)
        };
        if let Some(id) = queued {
            self.poke(&id);
        }
        Ok(mode)
    }

    fn poke(&self, id: &str) {
        if let Some(r) = lock(&self.world).intents.get(id) {
            r.poke.notify_one();
        }
    }

    /// Called by the terminal task: applies what is due, sends the webhook of a final status.
    pub fn advance(self: &Arc<Self>, id: &str, now: Instant) -> Option<Instant> {
        let (wake, finished) = lock(&self.world).advance(&self.cfg, id, now);
        if let Some(done) = finished {
            webhooks::notify_final(self, done);
        }
        wake
    }
}
