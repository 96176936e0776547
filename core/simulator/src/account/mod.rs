//! The simulated account both APIs share: its stores, POSes and Point devices (the InStore API
//! calls them devices, the Orders API terminals: the same machines), the operating mode each one
//! holds and runs in, and the card payments and refunds ([`payments`]). No sale lives here: the
//! intents and the orders each keep their own ([`crate::intents`], [`crate::orders`]), and this
//! module names neither.

pub(crate) mod payments;
pub(crate) mod routes;

use std::time::Instant;

use serde::Serialize;

use mppoint::device::OperatingMode;

use crate::config::{SimPos, SimStore, SimulatorConfig};
use crate::reply::ApiError;

pub(crate) use payments::Payments;

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

/// One Point device of the account.
pub(crate) struct Device {
    pub id: String,
    pub pos_external_id: Option<String>,
    /// The mode the API holds (what a mode change set and the device lists show).
    pub mode: OperatingMode,
    /// The mode the terminal runs in: the API's mode once the device restarted ("restart the
    /// Point device", the guide says after a mode change).
    pub running_mode: OperatingMode,
    /// When the device restarts by itself (see `SimulatorConfig::mode_change_restart`).
    restart_at: Option<Instant>,
}

impl Device {
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

/// A device with the store and POS it is linked to, as the Orders API's `/terminals/v1/…`
/// routes show it.
#[derive(Debug, Clone)]
pub(crate) struct Terminal {
    pub id: String,
    pub pos_id: Option<i64>,
    pub store_id: Option<String>,
    pub external_pos_id: Option<String>,
    pub mode: OperatingMode,
}

/// Everything the account holds that is not a sale.
pub(crate) struct Account {
    pub stores: Vec<SimStore>,
    pub pos: Vec<SimPos>,
    pub devices: Vec<Device>,
    pub payments: Payments,
    /// The documented 403s, produced on request (the control API).
    pub forbidden: Forbidden,
}

impl Account {
    pub fn new(cfg: &SimulatorConfig) -> Account {
        Account {
            stores: cfg.stores.clone(),
            pos: cfg.pos.clone(),
            devices: cfg
                .devices
                .iter()
                .map(|d| Device {
                    id: d.id.clone(),
                    pos_external_id: d.pos_external_id.clone(),
                    mode: d.operating_mode.clone(),
                    running_mode: d.operating_mode.clone(),
                    restart_at: None,
                })
                .collect(),
            payments: Payments::new(),
            forbidden: Forbidden::default(),
        }
    }

    /// The POS device `d` is linked to.
    pub fn pos_of(&self, d: &Device) -> Option<&SimPos> {
        d.pos_external_id
            .as_ref()
            .and_then(|e| self.pos.iter().find(|p| &p.external_id == e))
    }

    /// Whether the account has a POS with this `external_id`.
    pub fn has_pos(&self, external_id: &str) -> bool {
        self.pos.iter().any(|p| p.external_id == external_id)
    }

    /// The device `id`.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    fn device_mut(&mut self, id: &str) -> Result<&mut Device, ApiError> {
        self.devices
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| ApiError::not_found("not_found", format!("device {id} not found")))
    }

    /// A mode change, through either API: 403 "User not logged into the device" on request
    /// ([`Forbidden`]). The API records the mode at once, but the terminal
    /// keeps running in its old mode until it restarts: by default only when the control API
    /// restarts it ([`Account::restart_device`]), or by itself after
    /// `SimulatorConfig::mode_change_restart`.
    pub fn set_mode(
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
        let d = self.device_mut(device_id)?;
        d.mode = mode.clone();
        if d.running_mode != d.mode {
            d.restart_at = cfg.mode_change_restart.map(|delay| now + delay);
        }
        self.apply_restarts(now);
        Ok(mode)
    }

    /// The control API: the device restarts now and runs in the mode the API holds.
    pub fn restart_device(&mut self, device_id: &str) -> Result<(), ApiError> {
        self.device_mut(device_id)?.restart();
        Ok(())
    }

    /// Whether terminal `device_id` fetches work (intents, orders, print actions) at `now`: only
    /// while it runs in PDV mode, which after a mode change means once it restarted. Applies its
    /// restart if due, and gives when it will restart by itself, if it will.
    pub fn fetches_at(&mut self, device_id: &str, now: Instant) -> (bool, Option<Instant>) {
        let Some(d) = self.devices.iter_mut().find(|d| d.id == device_id) else {
            return (false, None);
        };
        d.restart_if_due(now);
        (d.running_mode == OperatingMode::Pdv, d.restart_at)
    }

    /// Restarts the devices whose restart is due.
    fn apply_restarts(&mut self, now: Instant) {
        for d in &mut self.devices {
            d.restart_if_due(now);
        }
    }

    /// The devices as terminals.
    pub fn terminals(&self) -> Vec<Terminal> {
        self.devices
            .iter()
            .map(|d| {
                let pos = self.pos_of(d);
                Terminal {
                    id: d.id.clone(),
                    pos_id: pos.map(|p| p.id),
                    store_id: pos.map(|p| p.store_id.clone()),
                    external_pos_id: d.pos_external_id.clone(),
                    mode: d.mode.clone(),
                }
            })
            .collect()
    }
}
