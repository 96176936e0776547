//! The orders in time: each Orders handler, the terminal that plays an order, the control API
//! on orders, and the `order` notification, under the hub's `orders` lock (the account's
//! devices and payments under `world`, taken while `orders` is held, never the other way).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Notify;

use mppoint::amount::Amount;
use mppoint::device::OperatingMode;

use super::state::*;
use super::wire::*;
use crate::account::Terminal;
use crate::config::{is_virtual_terminal, TsUnit};
use crate::hub::{lock, Shared};
use crate::terminal::{self, Action, CardOutcome, Plan};
use crate::webhooks;

/// `expiration_time` (default 15 minutes) divided by the time factor.
fn expiry(shared: &Shared, expiration_time: &str) -> Duration {
    Duration::from_secs(duration_secs(expiration_time).unwrap_or(900))
        / shared.cfg.time_factor.max(1)
}

/// 40 seconds (the status page's delay before `action_required`) divided by the time factor.
fn action_required_delay(shared: &Shared) -> Duration {
    Duration::from_secs(40) / shared.cfg.time_factor.max(1)
}

pub(crate) fn create(shared: &Arc<Shared>, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    let fp = fingerprint("create", req.body);
    let now = Instant::now();
    let terminals = lock(&shared.world).account.terminals();
    let mut world = lock(&shared.orders);
    if let Some(a) = world.keys.replay(&key, &fp) {
        lock(&shared.counters).idempotent_replays += 1;
        return a;
    }
    let new = parse_create(&shared.cfg, req.body)?;
    let terminal = terminals
        .iter()
        .find(|t| t.id == new.terminal_id)
        .ok_or_else(|| {
            OrdersError::new(
                403,
                "forbidden_checking_terminal_owner",
                format!(
                    "The terminal {} does not belong to this account.",
                    new.terminal_id
                ),
            )
        })?;
    if terminal.mode != OperatingMode::Pdv {
        return Err(OrdersError::value(format!(
            "the terminal {} is in {} mode: switch it to PDV (PATCH /terminals/v1/setup) to send it orders",
            terminal.id, terminal.mode
        )));
    }
    if world
        .orders
        .values()
        .any(|o| o.terminal_id == new.terminal_id && o.is_open())
    {
        return Err(OrdersError::new(
            409,
            "already_queued_order_for_terminal",
            "There is already a queued order for the terminal.",
        ));
    }
    let id = new_id("ORD");
    let plan = Plan::for_amount(
        Amount::from_cents(new.cents).map_err(|e| OrdersError::value(e.message().to_string()))?,
    );
    let expiration_time = new.expiration_time.unwrap_or_else(|| "PT15M".into());
    let created = now_date();
    let poke = Arc::new(Notify::new());
    let rec = OrderRec {
        id: id.clone(),
        external_reference: new.external_reference,
        description: new.description,
        expires_at: now + expiry(shared, &expiration_time),
        expiration_time,
        terminal_id: new.terminal_id,
        print_on_terminal: new.print_on_terminal,
        default_type: new.default_type,
        integration_data: new.integration_data,
        status: "created",
        status_detail: "created",
        payment: PaymentRec {
            id: new_id("PAY"),
            amount_text: new.amount_text,
            cents: new.cents,
            status: "created",
            status_detail: None,
            reference_id: None,
            paid: false,
            refunded_cents: 0,
            tip_cents: 0,
            method: None,
        },
        refunds: Vec::new(),
        created_date: created.clone(),
        last_updated_date: created,
        version: 1,
        phase: Phase::Waiting,
        pickup_at: plan.pickup.then(|| now + shared.cfg.pickup_delay),
        action: plan.action,
        next_at: None,
        cancel_requested: false,
        simulated: false,
        poke: poke.clone(),
    };
    let body = serde_json::to_vec(&rec.to_json(shared.cfg.site)).unwrap_or_default();
    world.orders.insert(id.clone(), rec);
    let answer = Ok((201, body));
    world.keys.remember(key.clone(), fp, &answer);
    drop(world);
    {
        let mut c = lock(&shared.counters);
        c.intents_created += 1;
        *c.intents_created_per_key.entry(key).or_default() += 1;
    }
    let shared2 = Arc::clone(shared);
    shared
        .handle
        .spawn(terminal::play(poke, move |now| advance(&shared2, &id, now)));
    answer
}

pub(crate) fn get(shared: &Arc<Shared>, id: &str) -> Answer {
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "invalid_path_param",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let world = lock(&shared.orders);
    let o = world.orders.get(id).ok_or_else(|| not_found(id))?;
    Ok((
        200,
        serde_json::to_vec(&o.to_json(shared.cfg.site)).unwrap_or_default(),
    ))
}

pub(crate) fn cancel(shared: &Arc<Shared>, id: &str, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "bad_request",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let fp = fingerprint(&format!("cancel {id} {}", req.allow_at_terminal), req.body);
    let mut world = lock(&shared.orders);
    if let Some(a) = world.keys.replay(&key, &fp) {
        return a;
    }
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    let answer = match o.status {
        "created" => {
            o.payment.status = "canceled";
            o.payment.status_detail = Some("canceled_by_api");
            o.end("canceled", "canceled");
            o.poke.notify_one();
            let body = serde_json::to_vec(&o.to_json(shared.cfg.site)).unwrap_or_default();
            notify(shared, o);
            Ok((200, body))
        }
        "at_terminal" if req.allow_at_terminal && shared.cfg.orders_cancel_at_terminal => {
            // Asynchronous: the terminal cancels unless it is already processing the card.
            o.cancel_requested = true;
            o.payment.status = "at_terminal";
            o.payment.status_detail = Some("cancellation_requested");
            if o.phase == Phase::Waiting {
                o.next_at = Some(Instant::now() + shared.cfg.step_delay);
            }
            o.touch();
            o.poke.notify_one();
            Ok((
                202,
                serde_json::to_vec(&o.to_json(shared.cfg.site)).unwrap_or_default(),
            ))
        }
        "canceled" => Err(OrdersError::new(
            409,
            "order_already_canceled",
            "The order is already canceled.",
        )),
        _ => Err(OrdersError::new(
            409,
            "cannot_cancel_order",
            "The order status does not allow cancellation.",
        )),
    };
    world.keys.remember(key, fp, &answer);
    answer
}

pub(crate) fn refund(shared: &Arc<Shared>, id: &str, req: &OrderRequest<'_>) -> Answer {
    let key = need_key(req)?;
    if !is_order_id(id) {
        return Err(OrdersError::new(
            400,
            "bad_request",
            format!("the order id {id:?} is not valid"),
        ));
    }
    let fp = fingerprint(&format!("refund {id}"), req.body);
    let mut world = lock(&shared.orders);
    if let Some(a) = world.keys.replay(&key, &fp) {
        return a;
    }
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    if o.status == "refunded" {
        return Err(OrdersError::new(
            409,
            "order_already_refunded",
            "The order is already refunded.",
        ));
    }
    if o.status != "processed" {
        return Err(OrdersError::new(
            409,
            "cannot_refund_order",
            format!(
                "The order is {} and cannot be refunded: only a processed order can.",
                o.status
            ),
        ));
    }
    // A full refund gives back everything paid, the tip included.
    let left = o.payment.cents + o.payment.tip_cents - o.payment.refunded_cents;
    let cents = if req.body.iter().all(u8::is_ascii_whitespace) {
        left
    } else {
        if !shared.cfg.partial_refunds {
            return Err(OrdersError::new(
                400,
                "unsupported_partially_refunds",
                "The order does not support partial refunds.",
            ));
        }
        if o.payment.tip_cents > 0 {
            return Err(OrdersError::new(
                403,
                "partial_refund_forbidden_with_tips",
                "The order has a tip: only a full refund is allowed.",
            ));
        }
        let v: Value = serde_json::from_slice(req.body).map_err(|e| {
            OrdersError::new(
                400,
                "json_syntax_error",
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        let obj = object(&v, "the body")?;
        only(obj, &["transactions"], "")?;
        let list = obj
            .get("transactions")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                OrdersError::new(
                    400,
                    "required_properties",
                    "transactions is required for a partial refund",
                )
            })?;
        if list.len() != 1 {
            return Err(OrdersError::value(
                "transactions must hold the one payment to refund",
            ));
        }
        let t = object(&list[0], "transactions[0]")?;
        only(t, &["id", "amount"], "transactions[0].")?;
        let tid = required(
            opt_string(t, "id", "transactions[0].")?,
            "transactions[0].id",
        )?;
        if tid != o.payment.id {
            return Err(OrdersError::new(
                404,
                "transaction_not_found",
                format!("transactions[0].id {tid} is not a payment of order {id}"),
            ));
        }
        let text = required(
            opt_string(t, "amount", "transactions[0].")?,
            "transactions[0].amount",
        )?;
        let c = parse_amount(&text).ok_or_else(|| {
            OrdersError::value(format!(
                "transactions[0].amount {text:?} is not a valid amount"
            ))
        })?;
        if c > left {
            return Err(OrdersError::new(
                400,
                "refund_amount_exceeds",
                format!(
                    "the refund of {} is above the {} left to refund",
                    money(c),
                    money(left)
                ),
            ));
        }
        c
    };
    o.payment.refunded_cents += cents;
    o.refunds.push(RefundRec {
        id: new_id("REF"),
        cents,
    });
    let full = o.payment.refunded_cents == o.payment.cents + o.payment.tip_cents;
    if full {
        o.payment.status = "refunded";
        o.payment.status_detail = Some("refunded");
        o.end("refunded", "refunded");
    } else {
        o.payment.status_detail = Some("partially_refunded");
        o.status_detail = "partially_refunded";
        o.touch();
    }
    let last = o.refunds.last().map(|r| (r.id.clone(), r.cents));
    let mut body = json!({
        "id": o.id,
        "status": o.status,
        "status_detail": o.status_detail,
        "transactions": { "refunds": o.refunds_json() },
    });
    if let Some((rid, _)) = last {
        body["transactions"]["refunds"] = json!(o
            .refunds_json()
            .into_iter()
            .filter(|r| r["id"] == json!(rid))
            .collect::<Vec<_>>());
    }
    if full {
        notify(shared, o);
    }
    let reference = o.payment.reference_id;
    let answer = Ok((201, serde_json::to_vec(&body).unwrap_or_default()));
    world.keys.remember(key, fp, &answer);
    drop(world);
    // The payment the order made is refunded in the Payments API too.
    if let (Some(pid), Ok(a)) = (reference, Amount::from_cents(cents)) {
        let _ = lock(&shared.world)
            .account
            .payments
            .refund(pid, Some(a), None);
    }
    answer
}

pub(crate) fn list_terminals(shared: &Arc<Shared>, query: Option<&str>) -> Answer {
    let (mut limit, mut offset, mut store_id, mut pos_id) = (50u64, 0u64, None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(v)
            .decode_utf8_lossy()
            .into_owned();
        let number = |what: &str| {
            v.parse::<u64>().map_err(|_| {
                OrdersError::value(format!("{what} must be a non-negative integer (got {v:?})"))
            })
        };
        match k {
            "limit" => {
                limit = number("limit")?;
                if !(1..=50).contains(&limit) {
                    return Err(OrdersError::value(format!(
                        "limit must be 1-50 (got {limit})"
                    )));
                }
            }
            "offset" => offset = number("offset")?,
            "store_id" if !v.is_empty() => store_id = Some(v.clone()),
            "pos_id" if !v.is_empty() => pos_id = Some(number("pos_id")? as i64),
            _ => {}
        }
    }
    let all: Vec<Terminal> = lock(&shared.world)
        .account
        .terminals()
        .into_iter()
        .filter(|t| allowed_type(&t.id))
        .filter(|t| store_id.is_none() || t.store_id == store_id)
        .filter(|t| pos_id.is_none() || t.pos_id == pos_id)
        .collect();
    let total = all.len();
    let terminals: Vec<Value> = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|t| {
            let mut v = json!({ "id": t.id, "operating_mode": t.mode.as_str() });
            if let Some(p) = t.pos_id {
                v["pos_id"] = json!(p);
            }
            if let Some(s) = t.store_id {
                v["store_id"] = json!(s);
            }
            if let Some(e) = t.external_pos_id {
                v["external_pos_id"] = json!(e);
            }
            v
        })
        .collect();
    let body = json!({
        "data": { "terminals": terminals },
        "paging": { "total": total, "offset": offset, "limit": limit },
    });
    Ok((200, serde_json::to_vec(&body).unwrap_or_default()))
}

pub(crate) fn setup_terminals(shared: &Arc<Shared>, body: &[u8]) -> Answer {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        OrdersError::new(
            400,
            "invalid_payload",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let obj = object(&v, "the body")?;
    only(obj, &["terminals"], "")?;
    let list = required_list(obj, "terminals", "")?;
    if list.len() != 1 {
        return Err(OrdersError::value(
            "terminals must hold exactly one terminal",
        ));
    }
    let t = object(&list[0], "terminals[0]")?;
    only(t, &["id", "operating_mode"], "terminals[0].")?;
    let id = required(opt_string(t, "id", "terminals[0].")?, "terminals[0].id")?;
    let mode = required(
        opt_string(t, "operating_mode", "terminals[0].")?,
        "terminals[0].operating_mode",
    )?;
    let mode = match mode.as_str() {
        "PDV" => OperatingMode::Pdv,
        "STANDALONE" => OperatingMode::Standalone,
        _ => {
            return Err(OrdersError::value(format!(
                "terminals[0].operating_mode must be \"PDV\" or \"STANDALONE\" (got {mode:?})"
            )))
        }
    };
    let mut world = lock(&shared.world);
    let terminals = world.account.terminals();
    let Some(term) = terminals.iter().find(|x| x.id == id) else {
        return Err(OrdersError::new(
            404,
            "not_found",
            format!("terminal {id} not found"),
        ));
    };
    if !allowed_type(&id) {
        return Err(OrdersError::new(
            403,
            "terminal_not_allowed_action",
            "Only NEWLAND_N950 and PAX_A910 terminals can be set up.",
        ));
    }
    if mode == OperatingMode::Pdv {
        let Some(pos) = term.pos_id else {
            return Err(OrdersError::new(
                403,
                "store_pos_not_found",
                format!("terminal {id} is not linked to a store and point of sale"),
            ));
        };
        if terminals
            .iter()
            .any(|x| x.id != id && x.pos_id == Some(pos) && x.mode == OperatingMode::Pdv)
        {
            return Err(OrdersError::new(
                412,
                "Only one pos-store with PDV mode ON or SUSPENDED is allowed",
                "Operation not allowed because there is already a terminal associated with the point of sale, and each point of sale allows only one associated terminal in POS mode.",
            ));
        }
    }
    world
        .account
        .set_mode(&shared.cfg, &id, mode.clone(), Instant::now())
        .map_err(|e| OrdersError::new(e.status, e.error, e.message))?;
    let body = json!({ "terminals": [ { "id": id, "operating_mode": mode.as_str() } ] });
    Ok((200, serde_json::to_vec(&body).unwrap_or_default()))
}

/// Applies every transition of order `id` due at `now`; when to look again (`None` once ended).
fn advance(shared: &Arc<Shared>, id: &str, now: Instant) -> Option<Instant> {
    let mut world = lock(&shared.orders);
    let o = world.orders.get_mut(id)?;
    if o.simulated {
        // The sandbox's event plays the order now (see `sandbox`).
        return None;
    }
    // As for intents, a terminal whose mode changed and that has not restarted since does not
    // pick orders up (the harsher reading: the Orders pages do not mention the restart).
    let (fetches, restart_at) = lock(&shared.world).account.fetches_at(&o.terminal_id, now);
    // The sandbox's virtual terminal has no hardware: only events move its orders.
    let fetches = fetches && !is_virtual_terminal(&o.terminal_id);
    loop {
        if o.phase == Phase::Done || !o.is_open() {
            return None;
        }
        let due = |t: Option<Instant>| t.is_some_and(|t| now >= t);
        if o.phase == Phase::Waiting && now >= o.expires_at {
            o.payment.status = "expired";
            o.payment.status_detail = Some("expired");
            o.end("expired", "expired");
            notify(shared, o);
            return None;
        }
        match (o.status, o.phase) {
            ("created", Phase::Waiting) if due(o.pickup_at) && fetches => {
                o.status = "at_terminal";
                o.status_detail = "at_terminal";
                o.payment.status = "at_terminal";
                o.payment.status_detail = Some("at_terminal");
                o.touch();
                o.next_at = o.action.map(|_| now + shared.cfg.step_delay);
            }
            ("at_terminal", Phase::Waiting) if o.cancel_requested && due(o.next_at) => {
                o.payment.status = "canceled";
                o.payment.status_detail = Some("canceled_by_api");
                o.end("canceled", "canceled");
                notify(shared, o);
                return None;
            }
            ("at_terminal", Phase::Waiting) if due(o.next_at) => match o.action {
                Some(Action::Card(outcome)) => {
                    o.phase = Phase::Processing(outcome);
                    o.next_at = Some(
                        now + if outcome == CardOutcome::ConfirmationRequired {
                            action_required_delay(shared)
                        } else {
                            shared.cfg.step_delay
                        },
                    );
                }
                Some(Action::CancelOnTerminal) => {
                    o.payment.status = "canceled";
                    o.payment.status_detail = Some("canceled_on_terminal");
                    o.end("canceled", "canceled");
                    notify(shared, o);
                    return None;
                }
                None => o.next_at = None,
            },
            ("at_terminal", Phase::Processing(outcome)) if due(o.next_at) => {
                let mut payment_id = None;
                let (status, detail, p_status, p_detail) = match outcome {
                    CardOutcome::Approved => {
                        o.payment.paid = true;
                        payment_id = Some(true);
                        ("processed", "accredited", "processed", "accredited")
                    }
                    CardOutcome::Rejected => {
                        payment_id = Some(false);
                        ("failed", "failed", "failed", "rejected_by_issuer")
                    }
                    CardOutcome::Error => ("failed", "failed", "failed", "processing_error"),
                    CardOutcome::ConfirmationRequired => (
                        "action_required",
                        "check_on_terminal",
                        "action_required",
                        "check_on_terminal",
                    ),
                };
                if let Some(approved) = payment_id {
                    // The card network's payment, readable at GET /v1/payments/{reference_id}.
                    if let Ok(a) = Amount::from_cents(o.payment.cents) {
                        let pid = lock(&shared.world).account.payments.record_card(
                            shared.cfg.site,
                            a,
                            approved,
                            Some(o.external_reference.clone()),
                            o.description.clone(),
                        );
                        o.payment.reference_id = Some(pid);
                    }
                }
                o.payment.status = p_status;
                o.payment.status_detail = Some(p_detail);
                o.end(status, detail);
                notify(shared, o);
                return None;
            }
            _ => {
                let wake = match o.phase {
                    Phase::Waiting => [
                        Some(o.expires_at),
                        o.pickup_at.filter(|_| o.status == "created"),
                        restart_at.filter(|_| o.status == "created"),
                        o.next_at,
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|t| *t > now)
                    .min(),
                    _ => o.next_at,
                };
                // Nothing due and nothing planned: wait for a poke (the control API), or the expiry.
                return Some(wake.unwrap_or(o.expires_at));
            }
        }
    }
}

/// The control API on an order (the same routes and calls as for intents).
pub(crate) fn present_card(
    shared: &Arc<Shared>,
    id: &str,
    outcome: CardOutcome,
) -> Result<Value, OrdersError> {
    control(shared, id, |o, now| {
        if o.status == "created" {
            o.status = "at_terminal";
            o.status_detail = "at_terminal";
            o.payment.status = "at_terminal";
            o.payment.status_detail = Some("at_terminal");
            o.touch();
        }
        o.action = Some(Action::Card(outcome));
        o.next_at = Some(now + shared.cfg.step_delay);
    })
}

/// The control API: the customer adds a tip on the terminal (before paying), so the payment's
/// `paid_amount` is the amount plus the tip and `tip_amount` the tip.
pub(crate) fn set_tip(shared: &Arc<Shared>, id: &str, tip: Amount) -> Result<Value, OrdersError> {
    control(shared, id, |o, _| o.payment.tip_cents = tip.cents())
}

/// The control API: cancel on the terminal now.
pub(crate) fn cancel_on_terminal(shared: &Arc<Shared>, id: &str) -> Result<Value, OrdersError> {
    control(shared, id, |o, _| {
        o.payment.status = "canceled";
        o.payment.status_detail = Some("canceled_on_terminal");
        o.end("canceled", "canceled");
        notify(shared, o);
    })
}

/// The control API: stop the automatic play; the order stays on the terminal.
pub(crate) fn hold(shared: &Arc<Shared>, id: &str) -> Result<Value, OrdersError> {
    control(shared, id, |o, now| {
        if o.status == "created" && o.pickup_at.is_none() {
            o.pickup_at = Some(now + shared.cfg.pickup_delay);
        }
        o.action = None;
        o.next_at = None;
    })
}

fn control(
    shared: &Arc<Shared>,
    id: &str,
    f: impl FnOnce(&mut OrderRec, Instant),
) -> Result<Value, OrdersError> {
    let mut world = lock(&shared.orders);
    let o = world.orders.get_mut(id).ok_or_else(|| not_found(id))?;
    if !o.is_open() || o.phase != Phase::Waiting {
        return Err(OrdersError::new(
            409,
            "conflict",
            format!("order {id} is {} and no longer waits for a card", o.status),
        ));
    }
    f(o, Instant::now());
    o.poke.notify_one();
    Ok(o.to_json(shared.cfg.site))
}

/// A terminal restarted: its open orders look again (one left `created` may now be picked up).
pub(crate) fn poke_terminal(shared: &Shared, terminal_id: &str) {
    let world = lock(&shared.orders);
    for o in world.orders.values() {
        if o.terminal_id == terminal_id && o.is_open() {
            o.poke.notify_one();
        }
    }
}

/// The orders, for `GET /_simulator/state`.
pub(crate) fn state_json(shared: &Shared) -> Value {
    let world = lock(&shared.orders);
    let mut all: Vec<&OrderRec> = world.orders.values().collect();
    all.sort_by(|a, b| a.created_date.cmp(&b.created_date));
    json!(all
        .iter()
        .map(|o| o.to_json(shared.cfg.site))
        .collect::<Vec<_>>())
}

/// Sends the signed `order` notification of an order that just ended (or was refunded). The
/// documented order notification carries `ts` in milliseconds (13 digits).
pub(crate) fn notify(shared: &Arc<Shared>, o: &OrderRec) {
    webhooks::deliver::send(
        shared,
        "order",
        &o.id,
        o.notification(),
        TsUnit::Milliseconds,
    );
}
