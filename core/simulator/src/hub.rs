//! The hub: what the server, the terminal tasks and the control API share ([`Shared`]) — the
//! configuration, the account, each API's world side by side, the faults, the counters and the
//! webhook URLs. It holds the worlds' data and no rule of theirs: each API's rules live in its
//! own module ([`crate::intents`], [`crate::orders`], [`crate::print`]), which reach the others'
//! data only through the account.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::account::Account;
use crate::config::SimulatorConfig;
use crate::faults::{Endpoint, FaultSet};
use crate::intents::state::Intents;
use crate::orders::state::OrdersWorld;
use crate::print::state::PrintWorld;

/// Locks a mutex, going on with the data if a thread panicked while holding it (the state stays
/// consistent: every change is made in one step under the lock).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

/// The account and the intents, under one lock: an intent's step changes its device's queue and
/// records its payment in the same step.
pub(crate) struct World {
    pub account: Account,
    pub intents: Intents,
}

impl World {
    pub fn new(cfg: &SimulatorConfig) -> World {
        World {
            account: Account::new(cfg),
            intents: Intents::default(),
        }
    }
}

/// Everything the server, the terminals and the control API share.
pub(crate) struct Shared {
    pub cfg: SimulatorConfig,
    pub base_url: String,
    pub handle: tokio::runtime::Handle,
    /// The account and the intents. Locked last: whoever holds it locks no other world (the
    /// orders and the print actions lock it while they hold their own).
    pub world: Mutex<World>,
    /// The orders (the Orders API), beside the intents.
    pub orders: Mutex<OrdersWorld>,
    /// The print actions (the Terminals API's Print API).
    pub print: Mutex<PrintWorld>,
    pub faults: Mutex<FaultSet>,
    pub counters: Mutex<Counters>,
    pub webhook_urls: Mutex<Vec<String>>,
    pub http: reqwest::Client,
}

impl Shared {
    /// Counts a request to `endpoint` (`None`: one that matched no route).
    pub fn count(&self, endpoint: Option<Endpoint>) {
        let mut c = lock(&self.counters);
        match endpoint {
            Some(e) => *c.requests.entry(e).or_default() += 1,
            None => c.unrouted_requests += 1,
        }
    }
}
