//! The print actions' world: each action, what the terminal has done with it, and the keys'
//! memory the Orders API shares ([`KeyMemory`]).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};

use crate::config::SimulatorConfig;
use crate::orders::state::KeyMemory;

pub(crate) struct ActionRec {
    pub(crate) id: String,
    pub(crate) external_reference: String,
    pub(crate) terminal_id: String,
    pub(crate) subtype: String,
    pub(crate) status: &'static str,
    pub(crate) created_date: String,
    pub(crate) created_at: Instant,
    pub(crate) on_terminal_at: Option<Instant>,
    pub(crate) held: bool,
}

/// Every print action of the account.
#[derive(Default)]
pub(crate) struct PrintWorld {
    pub(crate) actions: HashMap<String, ActionRec>,
    pub(crate) order: Vec<String>,
    pub(crate) keys: KeyMemory,
}

pub(crate) fn now_date() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_default()
}

impl ActionRec {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "print",
            "external_reference": self.external_reference,
            "status": self.status,
            "config": { "point": { "terminal_id": self.terminal_id, "subtype": self.subtype } },
            "created_date": self.created_date,
        })
    }

    /// Applies what the terminal has done by `now` (`fetches`: the terminal runs in PDV mode).
    pub(crate) fn advance(&mut self, cfg: &SimulatorConfig, now: Instant, fetches: bool) {
        if self.held {
            return;
        }
        if self.status == "created" && fetches && now >= self.created_at + cfg.pickup_delay {
            self.status = "on_terminal";
            self.on_terminal_at = Some(now.max(self.created_at + cfg.pickup_delay));
        }
        if self.status == "on_terminal"
            && self
                .on_terminal_at
                .is_some_and(|t| now >= t + cfg.step_delay)
        {
            self.status = "processed";
        }
    }
}
