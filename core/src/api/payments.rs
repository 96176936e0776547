//! The Payments API (`/v1/payments`), which both Point APIs share: a payment read by its id, the
//! search by `external_reference`, and the refund of a payment.

use serde_json::value::RawValue;

use crate::amount::Amount;
use crate::error::{Error, ErrorKind, Result};
use crate::intent::validate_idempotency_key;
use crate::payment::{validate_payment_id, Payment, Refund};
use crate::transport::{Call, Resend, Transport};

/// What an `OUTCOME_UNKNOWN` refund tells to do (both APIs' refunds honour their key).
pub(crate) fn refund_advice(key: &str) -> String {
    format!(
        "the refund may have been made. Do not refund again with a new key: retry with the same idempotency key {key} (Mercado Pago applies a refund once per key), or read the payment first"
    )
}

/// A refund's idempotency key: the caller's (checked by the one key rule), or a new UUID.
pub(crate) fn refund_key(key: Option<&str>) -> Result<String> {
    match key {
        Some(k) => validate_idempotency_key(k).map(|()| k.to_string()),
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

/// `GET /v1/payments/{id}`.
pub(crate) fn get(t: &Transport, payment_id: u64) -> Result<Payment> {
    validate_payment_id(payment_id)?;
    let subject = format!("payment {payment_id}");
    t.json(Call::get(format!("/v1/payments/{payment_id}"), &subject))
}

/// `POST /v1/payments/{id}/refunds`: in full with `None`, or partly; the Payments API documents
/// the key ("avoids duplicated refunds"), so a retry with the same key is safe.
pub(crate) fn refund(
    t: &Transport,
    payment_id: u64,
    amount: Option<Amount>,
    key: Option<&str>,
) -> Result<Refund> {
    validate_payment_id(payment_id)?;
    let key = refund_key(key)?;
    // The refunds API takes the amount as a JSON number: written from the exact decimal text,
    // never through a float.
    let body = match amount {
        None => "{}".to_string(),
        Some(a) => {
            // A struct with a RawValue field writes the text as it is (going through `json!`
            // would turn it into a float: 10.10 would become 10.1).
            #[derive(serde::Serialize)]
            struct RefundBody {
                amount: Box<RawValue>,
            }
            let amount = RawValue::from_string(a.to_string())
                .map_err(|e| Error::new(ErrorKind::InvalidAmount, e.to_string()))?;
            serde_json::to_string(&RefundBody { amount })
                .map_err(|e| Error::new(ErrorKind::InvalidAmount, e.to_string()))?
        }
    };
    let subject = format!("the refund of payment {payment_id}");
    let advice = refund_advice(&key);
    t.json(
        Call::post(
            format!("/v1/payments/{payment_id}/refunds"),
            Some(body.into_bytes()),
            key,
            &subject,
        )
        .once(Resend::Always, advice),
    )
}

/// `GET /v1/payments/search?external_reference=…`, every page: the payments of that exact
/// reference, newest first.
pub(crate) fn search(t: &Transport, external_reference: &str) -> Result<Vec<Payment>> {
    #[derive(serde::Deserialize)]
    struct SearchPage {
        #[serde(default)]
        results: Vec<Payment>,
        #[serde(default)]
        paging: Option<SearchPaging>,
    }
    #[derive(serde::Deserialize)]
    struct SearchPaging {
        #[serde(default)]
        total: Option<u64>,
    }
    const PAGE: u64 = 100;
    const MAX_PAGES: u64 = 20;
    let subject = format!("the payments of external reference {external_reference:?}");
    let mut found: Vec<Payment> = Vec::new();
    for page in 0..MAX_PAGES {
        let got: SearchPage =
            t.json(Call::get("/v1/payments/search", &subject).with_query(vec![
                ("external_reference", external_reference.to_string()),
                ("sort", "date_created".to_string()),
                ("criteria", "desc".to_string()),
                ("limit", PAGE.to_string()),
                ("offset", (page * PAGE).to_string()),
            ]))?;
        let n = got.results.len() as u64;
        // The search matches exactly; keep only exact matches all the same.
        found.extend(
            got.results
                .into_iter()
                .filter(|p| p.external_reference.as_deref() == Some(external_reference)),
        );
        let total = got.paging.and_then(|p| p.total).unwrap_or(0);
        if n < PAGE || (page + 1) * PAGE >= total {
            break;
        }
    }
    Ok(found)
}
