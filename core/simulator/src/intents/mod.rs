//! The InStore API's Point intents, beside the Orders API ([`crate::orders`]) and split by
//! layer the same way: [`state`] (the intents and their rules, on the account), [`wire`] (the
//! JSON written from the reference), [`service`] (the world in time: terminals, webhooks,
//! counters) and [`routes`] (the devices and intents endpoints).

pub(crate) mod routes;
pub(crate) mod service;
pub(crate) mod state;
pub(crate) mod wire;
