//! The journal's calls on the client: the crash-safe charge, the pending sales, their settling
//! and resolution. A leaf below both the client and the journal's types, so that the client
//! (which holds a [`Journal`]) and the journal import each other nowhere.

use super::{
    body_hash, cents_text, hook, known_payment_ids, lost_note, no_journal, now_ms,
    order_expiration, refused_for_certain, target_of, target_text, ApprovedPolicy, Claim, Journal,
    PendingSale, Record, SaleState, Store,
};
use crate::api::Api;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{Intent, IntentRequest, Status, Target};
use crate::payment::Payment;
use crate::sale::{Sale, Verdict};
use crate::wait::WaitOptions;

impl Client {
    fn journal_or_err(&self) -> Result<&Journal> {
        self.journal().ok_or_else(no_journal)
    }

    /// The sales of the journal the POS has not settled yet: in flight, of unknown outcome, or
    /// ended but not booked. Book each paid one ([`PendingSale::paid`]), then [`Client::settle`]
    /// it. Without a journal, a [`ErrorKind::Config`] error.
    pub fn pending(&self) -> Result<Vec<PendingSale>> {
        let j = self.journal_or_err()?;
        Ok(j.store
            .unsettled()?
            .iter()
            .map(Record::to_pending)
            .collect())
    }

    /// Records that the POS has booked the sale `reference` (exactly once: `true` when this call
    /// settled it, `false` when it was settled already). Only an ended sale can be settled; one
    /// still in flight or of unknown outcome is an [`ErrorKind::SaleInProgress`] error saying what
    /// to do; an unknown reference is [`ErrorKind::NotFound`].
    pub fn settle(&self, reference: &str) -> Result<bool> {
        let j = self.journal_or_err()?;
        crate::intent::validate_external_reference(reference)?;
        let store = &*j.store;
        let Some(mut rec) = store.claim(reference, None)? else {
            store.release(reference)?;
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("sale {reference:?} is not in the journal {:?}: check the reference (settled sales are pruned after the retention)", store.location()),
            )
            .with_external_reference(reference));
        };
        let _claim = Claim {
            store,
            reference: reference.to_string(),
        };
        match rec.state {
            SaleState::Settled => Ok(false),
            SaleState::Final => {
                rec.state = SaleState::Settled;
                rec.settled_at = Some(now_ms());
                rec.updated_at = now_ms();
                store.save(&rec)?;
                hook("settled");
                Ok(true)
            }
            other => Err(Error::new(
                ErrorKind::SaleInProgress,
                format!("sale {reference:?} has no verdict yet (journal state {other}): it cannot be settled; charge it again with the same reference, or resolve the pending sales, to learn how it ended"),
            )
            .with_external_reference(reference)),
        }
    }

    /// The start-up resolution: drives every pending sale of the journal to its verdict, without
    /// ever charging anything new. An intent (or order) still waiting for the terminal to fetch it
    /// is canceled (the POS that created it is gone); one on the terminal is waited for (`opts`);
    /// a create whose answer was lost is looked up (Orders: re-sent with its key; intents: by the
    /// reference's payments). An approved sale not yet booked is handled by `policy`. Gives the
    /// sales still pending afterwards; a sale that could not be resolved keeps a
    /// [`PendingSale::note`] saying why and what to do.
    pub fn resolve_pending(
        &self,
        policy: ApprovedPolicy,
        opts: &WaitOptions,
    ) -> Result<Vec<PendingSale>> {
        opts.validate()?;
        let j = self.journal_or_err()?;
        for rec in j.store.unsettled()? {
            match self.resolve_one(j, &rec.reference, policy, opts) {
                Ok(()) => {}
                // Being charged right now by a live POS: it gives the verdict.
                Err(e) if e.kind() == ErrorKind::SaleInProgress => {}
                Err(e) => {
                    if e.kind() == ErrorKind::Journal {
                        return Err(e);
                    }
                    log::warn!("mppoint journal: sale {:?}: {e}", rec.reference);
                }
            }
        }
        self.pending()
    }

    fn resolve_one(
        &self,
        j: &Journal,
        reference: &str,
        policy: ApprovedPolicy,
        opts: &WaitOptions,
    ) -> Result<()> {
        let store = &*j.store;
        let Some(mut rec) = store.claim(reference, None)? else {
            return store.release(reference);
        };
        let _claim = Claim {
            store,
            reference: reference.to_string(),
        };
        if rec.api != self.api().as_str() {
            // Another client of the same journal speaks that API.
            return Ok(());
        }
        let target = target_of(&rec.target)?;
        let outcome = match rec.state {
            SaleState::Planned => {
                // Never sent: nothing happened.
                if !rec.previous_attempt() {
                    return store.delete(reference);
                }
                store.save(&rec)
            }
            SaleState::Sent => match self.lost_create(store, &mut rec, &target) {
                Ok(Some(created)) => self.settle_on_api(store, &mut rec, created, opts, true),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
            SaleState::OnApi => {
                let id = rec.intent_id.clone().unwrap_or_default();
                let read = self.get_intent(&id)?;
                self.settle_on_api(store, &mut rec, read, opts, true)
            }
            SaleState::Final | SaleState::Settled => Ok(()),
        };
        if let Err(e) = outcome {
            rec.note = Some(e.message().to_string());
            rec.updated_at = now_ms();
            store.save(&rec)?;
            return Err(e);
        }
        if rec.state == SaleState::Final && rec.verdict() == Some(Verdict::Approved) {
            match policy {
                ApprovedPolicy::Report => {}
                ApprovedPolicy::Settle => {
                    rec.state = SaleState::Settled;
                    rec.settled_at = Some(now_ms());
                    store.save(&rec)?;
                }
                ApprovedPolicy::Refund => {
                    if let Some(p) = rec.payment_id {
                        let r = self.refund_payment_with_key(
                            p,
                            None,
                            format!("refund-{}", rec.idempotency_key).as_str(),
                        )?;
                        rec.refund_id = Some(r.id.to_string());
                        rec.note = Some(format!(
                            "refunded in full by the start-up policy (refund {})",
                            r.id
                        ));
                        rec.state = SaleState::Settled;
                        rec.settled_at = Some(now_ms());
                        rec.updated_at = now_ms();
                        store.save(&rec)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An intent (or order) of the current attempt read from the API: ended → recorded; still
    /// waiting for the terminal and `give_up_opened` → canceled, then recorded; otherwise waited
    /// for.
    fn settle_on_api(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        read: Intent,
        opts: &WaitOptions,
        give_up_opened: bool,
    ) -> Result<()> {
        let created = Intent {
            idempotency_key: Some(rec.idempotency_key.clone()),
            ..read
        };
        if give_up_opened && created.status == Status::Opened {
            match self.cancel_intent(&created.id) {
                Ok(()) => {
                    let ended = self.get_intent(&created.id)?;
                    let sale = self.finish_charge(&created, Ok(ended))?;
                    return self.record_final(store, rec, &sale);
                }
                // Fetched by the terminal meanwhile: wait for it.
                Err(e) if e.kind() == ErrorKind::CannotCancel => {}
                Err(e) => return Err(e),
            }
        }
        self.wait_and_record(store, rec, created, opts).map(|_| ())
    }

    fn record_final(&self, store: &dyn Store, rec: &mut Record, sale: &Sale) -> Result<()> {
        hook("ended");
        rec.finish(sale);
        store.save(rec)?;
        hook("final");
        Ok(())
    }

    /// Waits for the current attempt's intent to end and records its verdict. A wait given up
    /// (deadline, cancel token, a callback that failed) while the intent still waits for the
    /// terminal cancels it, so nothing is left on the terminal.
    fn wait_and_record(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        created: Intent,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        let waited = if created.status.is_final() {
            Ok(created.clone())
        } else {
            // A failing status callback is the waiter's ABORTED; a panic of anything else must
            // still reach the record below.
            crate::error::catch_panic("wait for the sale", || {
                self.wait_for_final(&created.id, opts)
            })
        };
        match self.finish_charge(&created, waited) {
            Ok(sale) => {
                self.record_final(store, rec, &sale)?;
                Ok(sale)
            }
            Err(e) => {
                let gave_up = matches!(
                    e.kind(),
                    ErrorKind::WaitTimeout | ErrorKind::Canceled | ErrorKind::Aborted
                );
                if gave_up && e.last_status().is_none_or(|s| *s == Status::Opened) {
                    if let Ok(()) = self.cancel_intent(&created.id) {
                        if let Ok(sale) = self
                            .get_intent(&created.id)
                            .and_then(|ended| self.finish_charge(&created, Ok(ended)))
                        {
                            self.record_final(store, rec, &sale)?;
                            let msg = format!(
                                "{} The journal canceled the intent, which was still waiting for the terminal: nothing was charged",
                                e.message()
                            );
                            return Err(e.with_message(msg));
                        }
                    }
                }
                rec.note = Some(e.message().to_string());
                rec.updated_at = now_ms();
                store.save(rec)?;
                Err(e)
            }
        }
    }

    /// Sends the current attempt's create (state `Sent` committed first). `None` means the create
    /// was refused for certain: nothing was created.
    fn send_create(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        target: &Target,
        opts: &WaitOptions,
    ) -> Result<Intent> {
        rec.state = SaleState::Sent;
        rec.sent_at = Some(now_ms());
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("sent");
        let created = self.create_when_free(target, &rec.request()?, &self.paced(opts))?;
        hook("created");
        rec.intent_id = Some(created.id.clone());
        rec.state = SaleState::OnApi;
        rec.note = None;
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("on_api");
        Ok(created)
    }

    /// A create of the current attempt was sent but its answer never recorded.
    ///
    /// Orders: re-sent with the same key and body (documented to answer the same order).
    ///
    /// Intents: Mercado Pago documents no idempotency key for intent creates and no way to find
    /// an intent without its id, so a re-send could put a second intent on the terminal. The
    /// journal never re-sends one; it asks the payments of the reference instead. An approved
    /// payment of the reference (not one of an earlier attempt) for the amount ends the sale as
    /// paid; a rejected or canceled one as that verdict. Without one, the intent may still be on
    /// the terminal, so the sale stays of unknown outcome until the lost-create window
    /// ([`crate::ClientBuilder::journal_lost_create_window`], 20 minutes by default: Mercado Pago
    /// abandons an intent not processed in 15) has passed since the create was sent; after it,
    /// with still no payment, the intent can no longer be paid, and the attempt ends unpaid
    /// (`EXPIRED`), so the next charge may try again.
    /// `Ok(None)`: the record is final, or still of unknown outcome (its note says why).
    fn lost_create(
        &self,
        store: &dyn Store,
        rec: &mut Record,
        target: &Target,
    ) -> Result<Option<Intent>> {
        if self.api() == Api::Orders {
            return self.resend(store, rec, target).map(Some);
        }
        // Whether the window had passed is decided before the payments are read, so a payment
        // made just before the window ended is seen.
        let sent = rec.sent_at.unwrap_or(rec.updated_at);
        let window = self.journal_or_err()?.lost_create_window_ms;
        let window_over = now_ms().saturating_sub(sent) >= window;
        let known = known_payment_ids(rec);
        let found: Vec<Payment> = self
            .find_payments(&rec.reference)?
            .into_iter()
            .filter(|p| !known.contains(&p.id))
            .collect();
        let cents = rec.amount_cents;
        let approved = found
            .iter()
            .find(|p| p.is_approved() && p.transaction_amount.map(|a| a.cents()) == Some(cents));
        let chosen = approved.or_else(|| {
            found.iter().find(|p| {
                matches!(
                    p.status,
                    crate::payment::PaymentStatus::Rejected
                        | crate::payment::PaymentStatus::Cancelled
                )
            })
        });
        if let Some(p) = chosen {
            let sale = self.sale_from_payment(rec, Some(p.clone()))?;
            self.record_final(store, rec, &sale)?;
            return Ok(None);
        }
        if window_over {
            let sale = self.sale_from_payment(rec, None)?;
            self.record_final(store, rec, &sale)?;
            return Ok(None);
        }
        rec.note = Some(lost_note(rec, sent.saturating_add(window)));
        rec.updated_at = now_ms();
        store.save(rec)?;
        Ok(None)
    }

    /// Sends the current attempt's create again, as it was (same key, same body).
    fn resend(&self, store: &dyn Store, rec: &mut Record, target: &Target) -> Result<Intent> {
        let created = self.create_intent(target, &rec.request()?)?;
        hook("created");
        rec.intent_id = Some(created.id.clone());
        rec.state = SaleState::OnApi;
        rec.note = None;
        rec.updated_at = now_ms();
        store.save(rec)?;
        hook("on_api");
        Ok(created)
    }

    /// The sale of a lost intent create: found by its payment, or (`None`) ended unpaid, since
    /// no payment of the reference appeared within the lost-create window. The intent's id is not
    /// known (the create's answer was lost), so the sale's `intent.id` is empty.
    fn sale_from_payment(&self, rec: &Record, p: Option<Payment>) -> Result<Sale> {
        let (status, results) = match &p {
            Some(p) => (
                "CLOSED",
                serde_json::json!([{ "id": p.id, "source": "PAYMENT" }]),
            ),
            None => ("EXPIRED", serde_json::json!([])),
        };
        let intent: Intent = serde_json::from_value(serde_json::json!({
            "id": "",
            "status": status,
            "description": rec.description,
            "external_reference": rec.reference,
            "operations": [{
                "type": "PURCHASE",
                "amount": cents_text(rec.amount_cents),
                "results": results
            }],
            "idempotency_key": rec.idempotency_key,
        }))
        .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
        let found = p.is_some();
        let mut sale = Sale::from_final(intent, p.into_iter().collect())?;
        sale.reason = if found {
            format!(
                "{} (found by the payments of reference {:?}: the create's answer was lost)",
                sale.reason, rec.reference
            )
        } else {
            format!(
                "the create's answer was lost and no payment of reference {:?} appeared within the lost-create window: the intent was abandoned unpaid",
                rec.reference
            )
        };
        Ok(sale)
    }

    /// [`Client::charge`] with a journal.
    pub(crate) fn journal_charge(
        &self,
        j: &Journal,
        target: &Target,
        req: &IntentRequest,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        opts.validate()?;
        target.validate()?;
        crate::intent::validate_external_reference(req.external_reference())?;
        let store = &*j.store;
        let reference = req.external_reference().to_string();
        let now = now_ms();
        let expiration = (self.api() == Api::Orders).then(|| order_expiration(opts));
        let mut fresh = Record {
            reference: reference.clone(),
            api: self.api().as_str().to_string(),
            target: target_text(target),
            amount_cents: req.amount().cents(),
            description: req.description().to_string(),
            body_hash: String::new(),
            state: SaleState::Planned,
            attempt: 1,
            idempotency_key: req
                .get_idempotency_key()
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            intent_id: None,
            expiration_time: expiration,
            ticket_number: req.get_ticket_number().map(str::to_string),
            print_seller_ticket: req.get_print_seller_ticket(),
            verdict: None,
            payment_id: None,
            sale_json: None,
            attempts_json: "[]".into(),
            note: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
            settled_at: None,
            refund_id: None,
        };
        fresh.body_hash = body_hash(&fresh);
        let existing = store.claim(&reference, Some(&fresh))?;
        let _claim = Claim {
            store,
            reference: reference.clone(),
        };
        let Some(mut rec) = existing else {
            hook("planned");
            return self.first_send(store, fresh, target, opts);
        };
        if rec.api != fresh.api
            || rec.target != fresh.target
            || rec.amount_cents != fresh.amount_cents
        {
            return Err(Error::new(
                ErrorKind::IdempotencyKeyMismatch,
                format!(
                    "sale {reference:?} is already in the journal for another cart: {} on the {} API, amount {} (state {}); this charge asks for {} on the {} API, amount {}. Nothing was sent: a sale reference names one cart; use a new reference for a new cart",
                    rec.target, rec.api, cents_text(rec.amount_cents), rec.state,
                    fresh.target, fresh.api, cents_text(fresh.amount_cents)
                ),
            )
            .with_external_reference(reference));
        }
        match rec.state {
            SaleState::Final | SaleState::Settled if rec.is_done() => {
                rec.stored_sale().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Journal,
                        format!("sale {reference:?} is {} in the journal but its record cannot be read back: do not charge it again; check payment {:?}", rec.verdict.clone().unwrap_or_default(), rec.payment_id),
                    )
                })
            }
            SaleState::Final | SaleState::Settled => {
                // The last attempt ended unpaid: a new attempt, with a new key.
                rec.next_attempt();
                rec.description = fresh.description.clone();
                rec.expiration_time = fresh.expiration_time.clone();
                rec.ticket_number = fresh.ticket_number.clone();
                rec.print_seller_ticket = fresh.print_seller_ticket;
                rec.body_hash = body_hash(&rec);
                store.save(&rec)?;
                hook("planned");
                self.first_send(store, rec, target, opts)
            }
            // Recorded, but its create certainly never sent.
            SaleState::Planned => self.first_send(store, rec, target, opts),
            SaleState::Sent => match self.lost_create(store, &mut rec, target)? {
                Some(created) => self.wait_and_record(store, &mut rec, created, opts),
                None if rec.state == SaleState::Final && rec.is_done() => rec
                    .stored_sale()
                    .ok_or_else(|| Error::new(ErrorKind::Journal, "the sale cannot be read back")),
                None if rec.state == SaleState::Final => {
                    // The lost attempt ended unpaid: charge anew.
                    rec.next_attempt();
                    store.save(&rec)?;
                    hook("planned");
                    self.first_send(store, rec, target, opts)
                }
                None => Err(Error::new(
                    ErrorKind::OutcomeUnknown,
                    rec.note.clone().unwrap_or_default(),
                )
                .with_idempotency_key(Some(rec.idempotency_key.clone()))
                .with_external_reference(reference)),
            },
            SaleState::OnApi => {
                let id = rec.intent_id.clone().unwrap_or_default();
                let read = self.get_intent(&id).map_err(|e| {
                    e.with_idempotency_key(Some(rec.idempotency_key.clone()))
                        .with_external_reference(reference.clone())
                })?;
                let created = Intent {
                    idempotency_key: Some(rec.idempotency_key.clone()),
                    ..read
                };
                self.wait_and_record(store, &mut rec, created, opts)
            }
        }
    }

    /// Sends a create that was never sent before and waits for its verdict. A create refused for
    /// certain (nothing was created) forgets the attempt.
    fn first_send(
        &self,
        store: &dyn Store,
        mut rec: Record,
        target: &Target,
        opts: &WaitOptions,
    ) -> Result<Sale> {
        match self.send_create(store, &mut rec, target, opts) {
            Ok(created) => self.wait_and_record(store, &mut rec, created, opts),
            Err(e) if e.kind() == ErrorKind::Journal => Err(e),
            // Refused for certain: nothing was created, so the attempt is forgotten.
            Err(e) if refused_for_certain(e.kind()) => {
                if rec.previous_attempt() {
                    rec.note = Some(e.message().to_string());
                    store.save(&rec)?;
                } else {
                    store.delete(&rec.reference)?;
                }
                Err(e)
            }
            // Anything else may have created it: the record stays SENT, and the next charge (or
            // the start-up resolution) resolves the lost create.
            Err(e) => {
                rec.note = Some(e.message().to_string());
                rec.updated_at = now_ms();
                store.save(&rec)?;
                Err(e
                    .with_idempotency_key(Some(rec.idempotency_key.clone()))
                    .with_external_reference(rec.reference.clone()))
            }
        }
    }
}
