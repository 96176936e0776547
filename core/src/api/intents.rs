//! The InStore payment intents (`/instore-api/...`): the default API, and the first the client
//! spoke. Written from the InStore reference (its examples are `tests/fixtures/reference/`).
//!
//! | op | call | notes |
//! |---|---|---|
//! | create | `POST /instore-api/integrations/v1/intents/point/pos/{external_id}` or `…/point/{device_id}` | `X-Idempotency-Key` sent but not documented, so an ambiguous create is not re-sent unless the user opted in; `x-integrator-id` documented here only |
//! | get | `GET /instore-api/integrations/v1/intents/{id}/point` | the answer may leave out the id |
//! | cancel | `DELETE …/intents/{id}/point` (or `…/point/pos/{external_id}`) | 409: not `OPENED` any more |
//! | devices | `GET /instore-api/point/v1/devices` | `pos_id` must be numeric |
//! | mode | `PATCH /instore-api/point/v1/devices/{id}` | `{"operating_mode"}` |
//!
//! The verdict of a `CLOSED` intent comes from its payments, read through the Payments API.

use crate::amount::{AmountLimits, Site};
use crate::device::{DeviceFilter, DevicePage, OperatingMode};
use crate::error::{Error, ErrorKind, Result};
use crate::intent::{intent_from_get_answer, validate_id, Intent, IntentRequest, Target};
use crate::retry::RetryPolicy;
use crate::sale::Sale;
use crate::status::Status;
use crate::transport::{seg, Call, Conflict, Resend, Transport};

use super::{payments, ApiOptions, PointApi};

/// The InStore intents.
#[derive(Debug, Clone, Default)]
pub(crate) struct Intents {
    /// `x-integrator-id`: the reference documents it on the two intent creates only, so it is
    /// sent there only.
    integrator_id: Option<String>,
}

impl Intents {
    pub(crate) fn new(opts: ApiOptions) -> Intents {
        Intents {
            integrator_id: opts.integrator_id,
        }
    }
}

fn intent_path(intent_id: &str) -> String {
    format!(
        "/instore-api/integrations/v1/intents/{}/point",
        seg(intent_id)
    )
}

/// An intent can be canceled through the API only while `OPENED`: once the terminal has it, only
/// the terminal can cancel it (the cancel answers 409).
pub(crate) fn can_cancel(status: &Status) -> bool {
    matches!(status, Status::Opened)
}

/// What a 409 means on an intent create: the device has an unfinished intent (after an ambiguous
/// attempt, probably the one our lost request made).
fn create_conflict(c: &Conflict<'_>) -> (ErrorKind, String) {
    let subject = c.subject;
    let said = c.said;
    if c.after_ambiguous {
        (
            ErrorKind::OutcomeUnknown,
            format!("outcome unknown: a retry of the create for {subject} found an intent already queued on the device, probably the one our lost request created. Do not ring the sale up again: wait for the intent on the terminal (the webhook or the terminal shows how it ends), or cancel it on the terminal"),
        )
    } else {
        (
            ErrorKind::AlreadyQueued,
            format!("{subject} already has an intent queued{said}: wait for it to end, or cancel it (through the API while it is OPENED, on the terminal once it is there) before creating another"),
        )
    }
}

/// What a 409 means on a cancel: the intent left `OPENED`.
fn cancel_conflict(c: &Conflict<'_>) -> (ErrorKind, String) {
    (
        ErrorKind::CannotCancel,
        format!(
            "{} can no longer be canceled through the API (it left OPENED and is on the terminal){}: cancel it on the terminal",
            c.subject, c.said
        ),
    )
}

/// What an `OUTCOME_UNKNOWN` create tells to do: the key is not documented for intents.
fn create_advice(reference: &str, key: &str) -> String {
    // Read at a till: short sentences, what to do first.
    format!(
        "the intent with external reference {reference:?} may be on the terminal, or paid already. Do not ring the sale up again. \
         1) Look at the terminal: cancel the intent there if the customer left. \
         2) Look for the sale's payment by its external reference. \
         Re-sending the create with the same idempotency key {key} is safe only if Mercado Pago honours your account's keys; \
         if it ignores them, a re-send makes a second intent"
    )
}

fn body_bytes<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))
}

impl Intents {
    fn cancel_at(&self, t: &Transport, intent_id: &str, path: String) -> Result<()> {
        let subject = format!("intent {intent_id}");
        let sent = t.empty(Call::delete(path, &subject).with_conflict(cancel_conflict));
        match sent {
            Ok(()) => Ok(()),
            // A 409 says only "not OPENED". Look at the intent to say what is true: already
            // canceled (perhaps by our own retried DELETE whose answer was lost) is done; on the
            // terminal means cancel it there; ended otherwise means there is nothing to cancel.
            Err(e) if e.kind() == ErrorKind::CannotCancel => match self.get(t, intent_id, None) {
                Ok(i) if i.status == Status::Canceled => Ok(()),
                Ok(i) if i.status.is_final() => Err(e
                    .with_message(format!(
                        "intent {intent_id} already ended as {}: there is nothing to cancel{}",
                        i.status,
                        if i.status == Status::Closed {
                            " (if its payment was approved, refund the payment)"
                        } else {
                            ""
                        }
                    ))
                    .with_last_status(Some(i.status))
                    .with_intent_id(intent_id)),
                Ok(i) => Err(e.with_last_status(Some(i.status)).with_intent_id(intent_id)),
                Err(_) => Err(e.with_intent_id(intent_id)),
            },
            Err(e) => Err(e.with_intent_id(intent_id)),
        }
    }
}

impl PointApi for Intents {
    fn noun(&self) -> &'static str {
        "intent"
    }

    fn list_devices(&self, t: &Transport, filter: &DeviceFilter) -> Result<DevicePage> {
        if filter.limit == Some(0) {
            return Err(Error::invalid_argument("limit", "must be at least 1", "0"));
        }
        for (field, v) in [("store_id", &filter.store_id), ("pos_id", &filter.pos_id)] {
            if let Some(v) = v {
                validate_id(field, v)?;
            }
        }
        // The reference types the pos_id filter as an integer (the API answers 400 "query param
        // incorrect format" otherwise): say so before sending.
        if let Some(p) = &filter.pos_id {
            if p.trim().parse::<u64>().is_err() {
                return Err(Error::invalid_argument(
                    "pos_id",
                    "must be the POS's numeric id (the device list's pos_id), not its external id",
                    p,
                ));
            }
        }
        t.json(
            Call::get("/instore-api/point/v1/devices", "the device list")
                .with_query(filter.query()),
        )
    }

    fn set_operating_mode(
        &self,
        t: &Transport,
        device_id: &str,
        mode: &OperatingMode,
    ) -> Result<OperatingMode> {
        #[derive(serde::Deserialize)]
        struct ModeAnswer {
            operating_mode: OperatingMode,
        }
        let subject = format!("device {device_id}");
        let body = body_bytes(&serde_json::json!({ "operating_mode": mode.as_str() }))?;
        let a: ModeAnswer = t.json(Call::set_mode(
            format!("/instore-api/point/v1/devices/{}", seg(device_id)),
            body,
            &subject,
        ))?;
        Ok(a.operating_mode)
    }

    fn check_create(
        &self,
        _target: &Target,
        req: &IntentRequest,
        limits: Option<&AmountLimits>,
        site: Option<Site>,
    ) -> Result<()> {
        req.validate(limits, site)
    }

    fn create(
        &self,
        t: &Transport,
        target: &Target,
        req: &IntentRequest,
        key: &str,
    ) -> Result<Intent> {
        let path = match target {
            Target::Pos(id) => {
                format!("/instore-api/integrations/v1/intents/point/pos/{}", seg(id))
            }
            Target::Device(id) => format!("/instore-api/integrations/v1/intents/point/{}", seg(id)),
        };
        let body = body_bytes(&req.to_body())?;
        let subject = format!("the intent for {target}");
        let mut call = Call::post(path, Some(body), key, &subject)
            .once(
                Resend::IfOptedIn,
                create_advice(req.external_reference(), key),
            )
            .with_conflict(create_conflict)
            .with_external_reference(req.external_reference());
        if let Some(i) = &self.integrator_id {
            call = call.with_header("x-integrator-id", i.as_str());
        }
        t.json(call)
    }

    fn get(&self, t: &Transport, intent_id: &str, retry: Option<RetryPolicy>) -> Result<Intent> {
        let subject = format!("intent {intent_id}");
        let call = Call::get(intent_path(intent_id), &subject).with_retry(retry);
        // The answer may leave out the id we asked for (the guide's own example does).
        t.decoded(call, |body| {
            serde_json::from_slice(body)
                .and_then(|v| intent_from_get_answer(v, intent_id))
                .map_err(|e| {
                    format!(
                        "the answer is not the intent expected ({e}); it starts with {}",
                        crate::error::quote_snippet(&String::from_utf8_lossy(
                            &body[..body.len().min(120)]
                        ))
                    )
                })
        })
        .map_err(|e| e.with_intent_id(intent_id))
    }

    fn cancel(&self, t: &Transport, intent_id: &str, pos_external_id: Option<&str>) -> Result<()> {
        let path = match pos_external_id {
            None => intent_path(intent_id),
            Some(pos) => format!("{}/pos/{}", intent_path(intent_id), seg(pos)),
        };
        self.cancel_at(t, intent_id, path)
    }

    fn sale_of(&self, t: &Transport, intent: Intent) -> Result<Sale> {
        let mut found = Vec::new();
        if intent.status == Status::Closed {
            for id in intent.payment_ids() {
                let p = payments::get(t, id).map_err(|e| {
                    let msg = format!(
                        "intent {} is CLOSED but its payment {id} could not be read ({}): do not hand over the goods until payment {id}, looked up again, shows it approved",
                        intent.id,
                        e.message()
                    );
                    e.with_message(msg).with_intent_id(intent.id.clone())
                })?;
                found.push(p);
            }
        }
        Sale::from_final(intent, found)
    }

    fn can_cancel(&self, status: &Status) -> bool {
        can_cancel(status)
    }

    fn shows_processing(&self) -> bool {
        // PROCESSING, then PROCESSED, between the card and FINISHED.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportSettings;

    fn local() -> Transport {
        Transport::new(&TransportSettings::for_tests("http://127.0.0.1:9")).unwrap()
    }

    #[test]
    fn the_reference_documented_error_bodies_reach_the_user() {
        // tests/fixtures/reference/error_<status>_*.json: the InStore reference's {"errorKey"}.
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/reference");
        let t = local();
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(status) = name
                .strip_prefix("error_")
                .and_then(|r| r.get(..3))
                .and_then(|s| s.parse::<u16>().ok())
            else {
                continue;
            };
            let body = std::fs::read(&path).unwrap();
            let key: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let key = key["errorKey"].as_str().unwrap().to_string();
            let rule = if name.contains("cancel") {
                cancel_conflict
            } else {
                create_conflict
            };
            let call = Call::get("/x", "intent 1").with_conflict(rule);
            let e = t.map_status(&call, status, &body, None, None, false);
            assert_eq!(e.status(), Some(status), "{name}");
            assert_eq!(e.api_message(), Some(key.as_str()), "{name}");
            if status != 401 {
                assert!(e.message().contains(&key), "{name}: {e}");
            }
            seen += 1;
        }
        assert!(seen >= 10, "only {seen} documented error bodies");
    }

    #[test]
    fn what_a_409_means_on_intents() {
        let t = local();
        let body = br#"{"message":"m","error":"e"}"#;
        let map = |rule, after| {
            let call = Call::get("/x", "intent 1").with_conflict(rule);
            t.map_status(&call, 409, body, None, None, after)
        };
        assert_eq!(map(create_conflict, false).kind(), ErrorKind::AlreadyQueued);
        // A 409 on a create retried after an attempt that may have reached the server.
        assert_eq!(map(create_conflict, true).kind(), ErrorKind::OutcomeUnknown);
        let e = map(cancel_conflict, false);
        assert_eq!(e.kind(), ErrorKind::CannotCancel);
        assert!(e.message().contains("cancel it on the terminal"));
        assert_eq!(map(cancel_conflict, true).kind(), ErrorKind::CannotCancel);
    }

    #[test]
    fn only_an_opened_intent_can_be_canceled_through_the_api() {
        let i = Intents::default();
        assert!(i.can_cancel(&Status::Opened));
        for s in [
            Status::OnTerminal,
            Status::Closed,
            Status::Unknown("X".into()),
        ] {
            assert!(!i.can_cancel(&s), "{s}");
        }
    }
}
