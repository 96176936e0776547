//! The Payments API's routes, which both APIs' sales share: `GET /v1/payments/{id}`,
//! `GET /v1/payments/search` and `POST /v1/payments/{id}/refunds`.

use hyper::Method;

use mppoint::amount::Amount;

use crate::faults::Endpoint;
use crate::hub::{lock, Shared};
use crate::reply::{query_pairs, Answer, ApiError, MAX_LIMIT};

/// What a Payments request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PaymentRoute {
    Get(String),
    Search,
    Refund(String),
}

impl PaymentRoute {
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            PaymentRoute::Get(_) => Endpoint::GetPayment,
            PaymentRoute::Search => Endpoint::SearchPayments,
            PaymentRoute::Refund(_) => Endpoint::Refund,
        }
    }
}

/// Routes `/v1/payments…`; `s`: the decoded path segments.
pub(crate) fn route(method: &Method, s: &[&str]) -> Option<PaymentRoute> {
    let own = |x: &str| x.to_string();
    Some(match (method.clone(), s) {
        (Method::GET, ["v1", "payments", "search"]) => PaymentRoute::Search,
        (Method::GET, ["v1", "payments", id]) => PaymentRoute::Get(own(id)),
        (Method::POST, ["v1", "payments", id, "refunds"]) => PaymentRoute::Refund(own(id)),
        _ => return None,
    })
}

/// Serves one Payments request.
pub(crate) fn dispatch(
    shared: &Shared,
    route: PaymentRoute,
    query: Option<&str>,
    body: &[u8],
    idempotency_key: Option<String>,
) -> Result<Answer, ApiError> {
    match route {
        PaymentRoute::Get(id) => payment_id(&id)
            .and_then(|id| lock(&shared.world).account.payments.payment_json(id))
            .map(|b| Answer::json(200, b)),
        PaymentRoute::Search => search_payments(shared, query),
        PaymentRoute::Refund(id) => payment_id(&id).and_then(|id| {
            let amount = parse_refund(body)?;
            lock(&shared.world)
                .account
                .payments
                .refund(id, amount, idempotency_key)
                .map(|b| Answer::json(201, b))
        }),
    }
}

fn payment_id(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::not_found("not_found", format!("payment {id} not found")))
}

/// `GET /v1/payments/search`: the Payments API's search, filtered by `external_reference` (the
/// filter a POS uses to find a sale), paged with `limit` (default 30, at most 1000) and
/// `offset`, sorted by `date_created` (`criteria` `asc` or `desc`, the default). The answer is
/// `{"paging": {"total", "limit", "offset"}, "results": [payments]}`.
fn search_payments(shared: &Shared, query: Option<&str>) -> Result<Answer, ApiError> {
    let mut external_reference = None;
    let mut limit = 30u64;
    let mut offset = 0u64;
    let mut descending = true;
    for (k, v) in query_pairs(query) {
        match k.as_str() {
            "external_reference" => external_reference = Some(v),
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| ApiError::bad_request(format!("invalid limit {v:?}")))?
            }
            "offset" => {
                offset = v
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid offset {v:?}")))?
            }
            "criteria" => match v.as_str() {
                "asc" => descending = false,
                "desc" => descending = true,
                _ => return Err(ApiError::bad_request("Invalid criteria value.")),
            },
            "sort" if v == "date_created" => {}
            "sort" => return Err(ApiError::bad_request("Invalid sort value.")),
            // Other filters of the real search are accepted and ignored.
            _ => {}
        }
    }
    let body = lock(&shared.world).account.payments.search_payments(
        external_reference.as_deref(),
        descending,
        limit,
        offset,
    );
    Ok(Answer::json(200, body))
}

/// Reads a refund body: empty or `{}` (the whole remaining amount) or `{"amount": 10.00}`. The
/// number is read from its text, never through a float.
fn parse_refund(body: &[u8]) -> Result<Option<Amount>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request(
            "the refund body must be a JSON object: {} or {\"amount\": 10.00}",
        ));
    }
    #[derive(serde::Deserialize)]
    struct RefundBody<'a> {
        #[serde(borrow, default)]
        amount: Option<&'a serde_json::value::RawValue>,
    }
    let b: RefundBody<'_> = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the refund body must be {{}} or {{\"amount\": 10.00}}: {e}"
        ))
    })?;
    let Some(raw) = b.amount else {
        return Ok(None);
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    if text.starts_with('"') {
        return Err(ApiError::bad_request(format!(
            "amount must be a JSON number like 10.00 (got {text})"
        )));
    }
    Amount::parse(text)
        .map(Some)
        .map_err(|e| ApiError::bad_request(e.message().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        fn s(p: &str) -> Vec<&str> {
            p.split('/').filter(|s| !s.is_empty()).collect()
        }
        assert_eq!(
            route(&Method::GET, &s("/v1/payments/12/")),
            Some(PaymentRoute::Get("12".into()))
        );
        assert_eq!(route(&Method::PUT, &s("/v1/payments/12")), None);
    }

    #[test]
    fn refund_bodies() {
        assert_eq!(parse_refund(b"").unwrap(), None);
        assert_eq!(parse_refund(b"{}").unwrap(), None);
        assert_eq!(parse_refund(b"{\"amount\": null}").unwrap(), None);
        assert_eq!(
            parse_refund(b"{\"amount\": 10.10}")
                .unwrap()
                .unwrap()
                .cents(),
            1010
        );
        assert_eq!(
            parse_refund(b"{\"amount\": 5}").unwrap().unwrap().cents(),
            500
        );
        assert!(parse_refund(b"{\"amount\": 0.001}").is_err());
        assert!(parse_refund(b"{\"amount\": 1e3}").is_err());
        assert!(parse_refund(b"{\"amount\": \"10.00\"}").is_err());
        assert!(parse_refund(b"{\"amount\": -1}").is_err());
        assert!(parse_refund(b"[1]").is_err());
    }
}
