//! The Orders API for Point, simulated from Mercado Pago's pages (the create, get, cancel and
//! refund references, the order status page, the terminals list and setup, the migration guide and
//! the `order` webhook) — never from the client's types: every body here is written field by field
//! from the documents' examples (`tests/fixtures/orders/`).
//!
//! | method and path | answers |
//! |---|---|
//! | `POST /v1/orders` | 201 order `created`; `X-Idempotency-Key` required (400 `empty_required_header`) and honoured: the same key and body answer the first create's answer again, another body 409 `idempotency_key_already_used`; 400 `json_syntax_error`, `required_properties`, `unsupported_properties`, `property_type`, `property_value`, `minimum_items`, `maximum_items`; 403 `forbidden_checking_terminal_owner` (unknown terminal); 409 `already_queued_order_for_terminal` |
//! | `GET /v1/orders/{id}` | 200 order; 400 `invalid_path_param` (not an `ORD…` id); 404 `order_not_found` |
//! | `POST /v1/orders/{id}/cancel` | key required and honoured; `created`: 200 `canceled`; `at_terminal`: 409 `cannot_cancel_order`, or with `x-allow-cancelable-status: at_terminal` 202 (payment `cancellation_requested`; the terminal cancels unless the card is already being processed); 409 `order_already_canceled`; 409 `cannot_cancel_order` once ended |
//! | `POST /v1/orders/{id}/refund` | key required and honoured; no body: full; `{"transactions":[{"id","amount"}]}`: partial; 201 `refunded` or `processed`/`partially_refunded`; 409 `cannot_refund_order` (not processed: the pages give no code, this one is ours); 400 `property_value` (amount above what is left, unknown transaction) |
//! | `GET /terminals/v1/list?limit&offset&store_id&pos_id` | 200 `{data:{terminals}, paging}` (only `PAX_A910` and `NEWLAND_N950`; limit 1–50, default 50); 400 `property_value` |
//! | `PATCH /terminals/v1/setup` | 200 `{terminals:[{id, operating_mode}]}` (one terminal); 404 `not_found`; 403 `terminal_not_allowed_action`; 412 when the POS already has another PDV terminal |
//!
//! Errors have the shape `{"errors":[{"code","message"}]}`. The timeline follows the status page:
//! `created` → (pickup delay) `at_terminal` → (step) the card is read (the order stays
//! `at_terminal` while it is processed) → (step) `processed` / `failed`, or `action_required` 40 s
//! (divided by the time factor) after processing started; `created` and `at_terminal` → `expired`
//! after `expiration_time` (default `PT15M`, divided by the time factor); `processed` →
//! `refunded`. The cents choose the outcome as for intents (`.13` refused by the issuer, `.44`
//! held, `.66` processing error, `.77` action required, `.88` canceled on the terminal, `.99`
//! never picked up). A terminal whose mode `PATCH /terminals/v1/setup` changed keeps running in
//! its old mode until it restarts, as for intents, so a `created` order waits for the restart
//! (the Orders pages do not mention the restart; this is the harsher reading). A signed `order`
//! notification (`type: "order"`, `action: "order.<status>"`, `x-signature` `ts` in
//! milliseconds as in the documented example) is sent for `processed`,
//! `failed`, `action_required`, `canceled`, `expired` and `refunded`.

pub(crate) mod routes;
pub(crate) mod sandbox;
pub(crate) mod service;
pub(crate) mod state;
pub(crate) mod wire;

pub(crate) use state::is_order_id;
pub(crate) use wire::{to_api_error, OrdersError};
