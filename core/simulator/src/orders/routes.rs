//! The Orders API's routes (`/v1/orders…`, `/terminals/v1/list`, `/terminals/v1/setup`) and the
//! parts of a request its handlers read.

use std::sync::Arc;

use hyper::Method;

use super::wire::OrderRequest;
use super::{sandbox, service};
use crate::faults::Endpoint;
use crate::hub::Shared;

/// The header (and its only value) that lets the API cancel an order already on the terminal.
pub(crate) const ALLOW_CANCELABLE_STATUS: &str = "x-allow-cancelable-status";

/// What an Orders request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderRoute {
    Create,
    Get(String),
    Cancel(String),
    Refund(String),
    ListTerminals,
    SetupTerminals,
    /// `POST /v1/orders/{id}/events`: the sandbox's simulated status ([`sandbox`]).
    Event(String),
}

impl OrderRoute {
    /// Orders share the intents' endpoint names for counters and faults: a fault rule on
    /// `CreateIntent` hits `POST /v1/orders` too, so one fault campaign runs on either API.
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            OrderRoute::Create => Endpoint::CreateIntent,
            OrderRoute::Get(_) => Endpoint::GetIntent,
            OrderRoute::Cancel(_) => Endpoint::CancelIntent,
            OrderRoute::Refund(_) => Endpoint::Refund,
            OrderRoute::ListTerminals => Endpoint::ListDevices,
            OrderRoute::SetupTerminals => Endpoint::SetOperatingMode,
            OrderRoute::Event(_) => Endpoint::OrderEvent,
        }
    }
}

/// Routes `/v1/orders…` and `/terminals/v1/…`.
pub(crate) fn route(method: &Method, s: &[&str]) -> Option<OrderRoute> {
    let own = |x: &str| x.to_string();
    Some(match (method.clone(), s) {
        (Method::POST, ["v1", "orders"]) => OrderRoute::Create,
        (Method::POST, ["v1", "orders", id, "events"]) => OrderRoute::Event(own(id)),
        (Method::GET, ["v1", "orders", id]) => OrderRoute::Get(own(id)),
        (Method::POST, ["v1", "orders", id, "cancel"]) => OrderRoute::Cancel(own(id)),
        (Method::POST, ["v1", "orders", id, "refund"]) => OrderRoute::Refund(own(id)),
        (Method::GET, ["terminals", "v1", "list"]) => OrderRoute::ListTerminals,
        (Method::PATCH, ["terminals", "v1", "setup"]) => OrderRoute::SetupTerminals,
        _ => return None,
    })
}

/// Serves one Orders request.
pub(crate) fn dispatch(
    shared: &Arc<Shared>,
    route: OrderRoute,
    req: OrderRequest<'_>,
) -> (u16, Vec<u8>) {
    let answer = match route {
        OrderRoute::Create => service::create(shared, &req),
        OrderRoute::Get(id) => service::get(shared, &id),
        OrderRoute::Cancel(id) => service::cancel(shared, &id, &req),
        OrderRoute::Refund(id) => service::refund(shared, &id, &req),
        OrderRoute::ListTerminals => service::list_terminals(shared, req.query),
        OrderRoute::SetupTerminals => service::setup_terminals(shared, req.body),
        OrderRoute::Event(id) => sandbox::simulate(shared, &id, &req),
    };
    answer.unwrap_or_else(|e| (e.status, e.body()))
}
