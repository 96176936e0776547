//! The Orders API's own operations on the client: an order read as it is, and the refund of an
//! order. A leaf that imports both the client and the Orders module, so that neither imports the
//! other.

use crate::amount::Amount;
use crate::api::orders::{get_order, refund_order, Order};
use crate::client::Client;
use crate::error::Result;

impl Client {
    /// Reads an order of the Orders API as it is (its own statuses, `status_detail`, payments and
    /// refunds). [`Client::get_intent`] gives the same order as the shared [`crate::Intent`].
    pub fn get_order(&self, order_id: &str) -> Result<Order> {
        get_order(self.transport(), order_id, None)
    }

    /// Refunds an order of the Orders API (`POST /v1/orders/{id}/refund`): in full with `None`, or
    /// partly. Sent with a new `X-Idempotency-Key`, reused on retries (the Orders API honours it,
    /// so a retried refund is never made twice). Returns the order as the refund left it
    /// (`refunded`, or `processed` with `status_detail` `partially_refunded`).
    pub fn refund_order(&self, order_id: &str, amount: Option<Amount>) -> Result<Order> {
        self.refund_order_with_key(order_id, amount, None)
    }

    /// [`Client::refund_order`] with a chosen idempotency key (to retry a refund whose outcome is
    /// unknown): `"key"`, `Some("key")`, or `None` for a new one.
    pub fn refund_order_with_key<'k>(
        &self,
        order_id: &str,
        amount: Option<Amount>,
        idempotency_key: impl Into<Option<&'k str>>,
    ) -> Result<Order> {
        refund_order(self.transport(), order_id, amount, idempotency_key.into())
    }
}
