//! The control API (tests only): what a test asks of a sale on a terminal, whichever API made it —
//! an order's id (`ORD…`) goes to the orders' world, any other to the intents' — and of a device,
//! which both worlds' sales run on. The Rust handle ([`crate::Simulator`]) and the `/_simulator/`
//! routes both come here.

use std::sync::Arc;

use serde_json::Value;

use crate::hub::{lock, Shared};
use crate::intents::service as intents;
use crate::orders::service as orders;
use crate::orders::{is_order_id, to_api_error};
use crate::reply::ApiError;
use crate::terminal::CardOutcome;

/// A card is presented on the terminal holding sale `id`; the sale as its API shows it.
pub(crate) fn present_card(
    shared: &Arc<Shared>,
    id: &str,
    outcome: CardOutcome,
) -> Result<Value, ApiError> {
    if is_order_id(id) {
        return orders::present_card(shared, id, outcome).map_err(to_api_error);
    }
    intents::present_card(shared, id, outcome).map(|i| i.wire())
}

/// The customer or cashier cancels sale `id` on the terminal.
pub(crate) fn cancel_on_terminal(shared: &Arc<Shared>, id: &str) -> Result<Value, ApiError> {
    if is_order_id(id) {
        return orders::cancel_on_terminal(shared, id).map_err(to_api_error);
    }
    intents::cancel_on_terminal(shared, id).map(|i| i.wire())
}

/// The terminal holds sale `id` until a card or a cancel.
pub(crate) fn hold(shared: &Arc<Shared>, id: &str) -> Result<Value, ApiError> {
    if is_order_id(id) {
        return orders::hold(shared, id).map_err(to_api_error);
    }
    intents::hold(shared, id).map(|i| i.wire())
}

/// Device `device_id` restarts and runs in the mode the API holds; the sales waiting for it (an
/// intent queued, an order created) look again.
pub(crate) fn restart_device(shared: &Shared, device_id: &str) -> Result<(), ApiError> {
    lock(&shared.world).account.restart_device(device_id)?;
    intents::device_restarted(shared, device_id);
    orders::poke_terminal(shared, device_id);
    Ok(())
}

/// `GET /_simulator/state`: the account, the intents, the orders and the print actions.
pub(crate) fn state_json(shared: &Shared) -> Value {
    let mut state = {
        let w = lock(&shared.world);
        w.intents.state_json(&w.account)
    };
    state["orders"] = orders::state_json(shared);
    state["print_actions"] = crate::print::state_json(shared);
    state
}
