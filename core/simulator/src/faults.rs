//! Faults the simulator injects: latency, error statuses, rate limits, dropped connections,
//! truncated and malformed answers.
//!
//! A [`FaultRule`] as JSON (the shape of `PUT /_simulator/faults` and of the bindings):
//!
//! ```json
//! {"endpoint": "CreateIntent", "kind": {"type": "Status", "status": 503}, "times": 2}
//! {"kind": {"type": "Latency", "ms": 1500}, "share_percent": 25}
//! {"endpoint": "GetIntent", "kind": {"type": "RateLimited", "retry_after_secs": 2}, "times": 1}
//! {"endpoint": "CreateIntent", "kind": {"type": "DropAfterProcessing"}, "times": 1}
//! ```
//!
//! `endpoint` is one of the [`Endpoint`] names (`ListDevices`, `SetOperatingMode`,
//! `CreateIntent`, `GetIntent`, `CancelIntent`, `GetPayment`, `SearchPayments`, `Refund`); absent or `null` = every
//! API endpoint (never the `/_simulator/` control routes). `kind.type` is one of `Latency` (`ms`),
//! `Status` (`status`, 400–599), `RateLimited` (`retry_after_secs`), `StatusAfterProcessing`
//! (`status`, 500–599: the work is done, then the status answered), `DropBeforeProcessing`,
//! `DropAfterProcessing`, `TruncatedBody`, `MalformedJson`. `times` (absent = always) disarms the
//! rule after that many matching requests; `share_percent` (absent = 100) applies it to that share
//! of the matching requests, drawn from a seeded generator so runs repeat.
//!
//! Latency rules add up and combine with the first other rule that matches; among the other
//! rules, the first matching one (in the order given) applies.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use mppoint::error::{Error, ErrorKind, Result};

/// An API endpoint of the simulator (the key of the request counters and of fault rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Endpoint {
    /// `GET /instore-api/point/v1/devices`.
    ListDevices,
    /// `PATCH /instore-api/point/v1/devices/{device_id}`.
    SetOperatingMode,
    /// `POST /instore-api/integrations/v1/intents/point/pos/{external_id}` and
    /// `POST /instore-api/integrations/v1/intents/point/{device_id}`.
    CreateIntent,
    /// `GET /instore-api/integrations/v1/intents/{id}/point`.
    GetIntent,
    /// `DELETE /instore-api/integrations/v1/intents/{id}/point[/pos/{external_id}]`.
    CancelIntent,
    /// `GET /v1/payments/{id}`.
    GetPayment,
    /// `GET /v1/payments/search`.
    SearchPayments,
    /// `POST /v1/payments/{id}/refunds`.
    Refund,
    /// `POST /terminals/v1/actions`, `GET /terminals/v1/actions/{id}` and
    /// `POST /terminals/v1/actions/{id}/cancel` (the print actions).
    PrintAction,
    /// `POST /v1/orders/{id}/events` (the sandbox's simulated order status).
    OrderEvent,
    /// The `/_simulator/` control routes (counted, never faulted).
    Control,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 11] = [
        Endpoint::ListDevices,
        Endpoint::SetOperatingMode,
        Endpoint::CreateIntent,
        Endpoint::GetIntent,
        Endpoint::CancelIntent,
        Endpoint::GetPayment,
        Endpoint::SearchPayments,
        Endpoint::Refund,
        Endpoint::PrintAction,
        Endpoint::OrderEvent,
        Endpoint::Control,
    ];

    /// The name used in JSON (`"CreateIntent"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ListDevices => "ListDevices",
            Endpoint::SetOperatingMode => "SetOperatingMode",
            Endpoint::CreateIntent => "CreateIntent",
            Endpoint::GetIntent => "GetIntent",
            Endpoint::CancelIntent => "CancelIntent",
            Endpoint::GetPayment => "GetPayment",
            Endpoint::SearchPayments => "SearchPayments",
            Endpoint::Refund => "Refund",
            Endpoint::PrintAction => "PrintAction",
            Endpoint::OrderEvent => "OrderEvent",
            Endpoint::Control => "Control",
        }
    }

    /// Reads a name as [`Endpoint::as_str`] writes it (case-insensitively, `_` ignored, so
    /// `create_intent` works too).
    pub fn parse(s: &str) -> Result<Endpoint> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        Endpoint::ALL
            .into_iter()
            .find(|e| e.as_str().to_ascii_lowercase() == norm)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "endpoint",
                    "must be one of ListDevices, SetOperatingMode, CreateIntent, GetIntent, \
                     CancelIntent, GetPayment, SearchPayments, Refund, PrintAction, OrderEvent, Control",
                    s,
                )
            })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FaultKindRepr", into = "FaultKindRepr")]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer this status (400–599; typically 500, 502, 503) with Mercado Pago's error body,
    /// without doing anything.
    Status(u16),
    /// Answer 429 with `Retry-After: <secs>`, without doing anything.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Do the work (the create happens), then answer this status (500–599) with Mercado Pago's
    /// error body, as a gateway that lost the service's answer does: a 5xx is no proof that
    /// nothing happened.
    StatusAfterProcessing(u16),
    /// Close the connection without answering and without doing anything.
    DropBeforeProcessing,
    /// Do the work (the create happens), then close the connection without answering: the
    /// ambiguous case a client must survive.
    DropAfterProcessing,
    /// Do the work, send the answer's status and headers with a `Content-Length` larger than the
    /// body sent, then close the connection.
    TruncatedBody,
    /// Do the work, then answer its status with a body that is not JSON.
    MalformedJson,
}

/// The JSON form of [`FaultKind`]: `{"type": "Latency", "ms": 250}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum FaultKindRepr {
    Latency { ms: u64 },
    Status { status: u16 },
    RateLimited { retry_after_secs: u64 },
    StatusAfterProcessing { status: u16 },
    DropBeforeProcessing,
    DropAfterProcessing,
    TruncatedBody,
    MalformedJson,
}

impl TryFrom<FaultKindRepr> for FaultKind {
    type Error = String;
    fn try_from(r: FaultKindRepr) -> std::result::Result<FaultKind, String> {
        Ok(match r {
            FaultKindRepr::Latency { ms } => FaultKind::Latency(Duration::from_millis(ms)),
            FaultKindRepr::Status { status } => {
                if !(400..=599).contains(&status) {
                    return Err(format!("fault status must be 400-599 (got {status})"));
                }
                FaultKind::Status(status)
            }
            FaultKindRepr::RateLimited { retry_after_secs } => {
                FaultKind::RateLimited { retry_after_secs }
            }
            FaultKindRepr::StatusAfterProcessing { status } => {
                if !(500..=599).contains(&status) {
                    return Err(format!(
                        "fault status after processing must be 500-599 (got {status})"
                    ));
                }
                FaultKind::StatusAfterProcessing(status)
            }
            FaultKindRepr::DropBeforeProcessing => FaultKind::DropBeforeProcessing,
            FaultKindRepr::DropAfterProcessing => FaultKind::DropAfterProcessing,
            FaultKindRepr::TruncatedBody => FaultKind::TruncatedBody,
            FaultKindRepr::MalformedJson => FaultKind::MalformedJson,
        })
    }
}

impl From<FaultKind> for FaultKindRepr {
    fn from(k: FaultKind) -> FaultKindRepr {
        match k {
            FaultKind::Latency(d) => FaultKindRepr::Latency {
                ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            FaultKind::Status(status) => FaultKindRepr::Status { status },
            FaultKind::RateLimited { retry_after_secs } => {
                FaultKindRepr::RateLimited { retry_after_secs }
            }
            FaultKind::StatusAfterProcessing(status) => {
                FaultKindRepr::StatusAfterProcessing { status }
            }
            FaultKind::DropBeforeProcessing => FaultKindRepr::DropBeforeProcessing,
            FaultKind::DropAfterProcessing => FaultKindRepr::DropAfterProcessing,
            FaultKind::TruncatedBody => FaultKindRepr::TruncatedBody,
            FaultKind::MalformedJson => FaultKindRepr::MalformedJson,
        }
    }
}

/// A fault and the requests it applies to. See the [module docs](self) for the JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The endpoint it applies to; `None`: every API endpoint (never the control routes).
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// What it does.
    pub kind: FaultKind,
    /// Apply to the next N matching requests, then disarm; `None`: always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Apply to this share (0–100) of the matching requests; `None`: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_percent: Option<u8>,
}

impl FaultRule {
    /// A rule for every request to `endpoint` (`None`: every API endpoint).
    pub fn new(endpoint: Option<Endpoint>, kind: FaultKind) -> FaultRule {
        FaultRule {
            endpoint,
            kind,
            times: None,
            share_percent: None,
        }
    }

    /// Applies only to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> FaultRule {
        self.times = Some(n);
        self
    }

    /// Applies only to `percent` % of the matching requests.
    pub fn share_percent(mut self, percent: u8) -> FaultRule {
        self.share_percent = Some(percent);
        self
    }

    /// Reads a JSON list of rules (the body of `PUT /_simulator/faults`).
    pub fn list_from_json(json: &str) -> Result<Vec<FaultRule>> {
        let rules: Vec<FaultRule> = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("fault rules: {e} (expected a JSON list like [{{\"endpoint\":\"CreateIntent\",\"kind\":{{\"type\":\"Status\",\"status\":503}},\"times\":2}}])"),
            )
        })?;
        for r in &rules {
            r.validate()?;
        }
        Ok(rules)
    }

    /// Checks the rule is usable: a share of at most 100, a status of 400–599, never the control
    /// routes.
    pub fn validate(&self) -> Result<()> {
        if self.endpoint == Some(Endpoint::Control) {
            return Err(Error::invalid_argument(
                "endpoint",
                "cannot be Control: faults apply to the API endpoints only",
                "Control",
            ));
        }
        if let Some(p) = self.share_percent {
            if p > 100 {
                return Err(Error::invalid_argument(
                    "share_percent",
                    "must be 0-100",
                    &p.to_string(),
                ));
            }
        }
        if let FaultKind::StatusAfterProcessing(s) = self.kind {
            if !(500..=599).contains(&s) {
                return Err(Error::invalid_argument(
                    "status",
                    "must be 500-599",
                    &s.to_string(),
                ));
            }
        }
        if let FaultKind::Status(s) = self.kind {
            if !(400..=599).contains(&s) {
                return Err(Error::invalid_argument(
                    "status",
                    "must be 400-599",
                    &s.to_string(),
                ));
            }
        }
        Ok(())
    }
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// Total latency to add before anything else.
    pub latency: Duration,
    /// The non-latency fault to apply, if any.
    pub fault: Option<FaultKind>,
}

/// The armed rules, with what is left of their `times`.
pub(crate) struct FaultSet {
    rules: Vec<FaultRule>,
    rng: fastrand::Rng,
}

impl FaultSet {
    pub fn new(rules: Vec<FaultRule>) -> FaultSet {
        FaultSet {
            rules,
            rng: fastrand::Rng::with_seed(0x5eed_5eed),
        }
    }

    pub fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.clone()
    }

    /// Picks the faults for one request to `endpoint`, consuming the `times` of the rules used.
    pub fn decide(&mut self, endpoint: Endpoint) -> Decision {
        let mut d = Decision::default();
        if endpoint == Endpoint::Control || self.rules.is_empty() {
            return d;
        }
        let mut i = 0;
        while i < self.rules.len() {
            let r = &self.rules[i];
            let matches = r.endpoint.is_none() || r.endpoint == Some(endpoint);
            let is_latency = matches!(r.kind, FaultKind::Latency(_));
            let wanted = matches && (is_latency || d.fault.is_none());
            if !wanted || r.times == Some(0) {
                i += 1;
                continue;
            }
            if let Some(p) = r.share_percent {
                if self.rng.u8(0..100) >= p {
                    i += 1;
                    continue;
                }
            }
            let r = &mut self.rules[i];
            match r.kind {
                FaultKind::Latency(l) => d.latency += l,
                ref k => d.fault = Some(k.clone()),
            }
            if let Some(t) = r.times.as_mut() {
                *t -= 1;
                if *t == 0 {
                    self.rules.remove(i);
                    continue;
                }
            }
            i += 1;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let r = FaultRule::new(Some(Endpoint::CreateIntent), FaultKind::Status(503)).times(2);
        let j = serde_json::to_string(&r).unwrap();
        assert_eq!(
            j,
            r#"{"endpoint":"CreateIntent","kind":{"type":"Status","status":503},"times":2}"#
        );
        assert_eq!(serde_json::from_str::<FaultRule>(&j).unwrap(), r);
        let l: FaultRule =
            serde_json::from_str(r#"{"kind":{"type":"Latency","ms":250},"share_percent":10}"#)
                .unwrap();
        assert_eq!(l.kind, FaultKind::Latency(Duration::from_millis(250)));
        assert_eq!(l.endpoint, None);
        let list = FaultRule::list_from_json(
            r#"[{"endpoint":null,"kind":{"type":"DropAfterProcessing"}},
                {"endpoint":"GetIntent","kind":{"type":"RateLimited","retry_after_secs":3}}]"#,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert!(FaultRule::list_from_json(r#"[{"kind":{"type":"Status","status":200}}]"#).is_err());
        assert!(FaultRule::list_from_json(r#"[{"kind":{"type":"Nope"}}]"#).is_err());
        assert!(FaultRule::list_from_json(r#"[{"kind":{"type":"TruncatedBody"},"x":1}]"#).is_err());
        assert_eq!(
            Endpoint::parse("create_intent").unwrap(),
            Endpoint::CreateIntent
        );
    }

    #[test]
    fn times_and_latency_combine() {
        let mut s = FaultSet::new(vec![
            FaultRule::new(None, FaultKind::Latency(Duration::from_millis(5))).times(1),
            FaultRule::new(Some(Endpoint::GetIntent), FaultKind::Status(500)).times(2),
            FaultRule::new(None, FaultKind::Status(502)),
        ]);
        let d = s.decide(Endpoint::GetIntent);
        assert_eq!(d.latency, Duration::from_millis(5));
        assert_eq!(d.fault, Some(FaultKind::Status(500)));
        let d = s.decide(Endpoint::GetIntent);
        assert_eq!(
            (d.latency, d.fault),
            (Duration::ZERO, Some(FaultKind::Status(500)))
        );
        assert_eq!(
            s.decide(Endpoint::GetIntent).fault,
            Some(FaultKind::Status(502))
        );
        assert_eq!(s.decide(Endpoint::Control).fault, None);
        assert_eq!(s.rules().len(), 1);
    }

    #[test]
    fn share_is_roughly_respected() {
        let mut s = FaultSet::new(vec![
            FaultRule::new(None, FaultKind::Status(503)).share_percent(30)
        ]);
        let hits = (0..1000)
            .filter(|_| s.decide(Endpoint::ListDevices).fault.is_some())
            .count();
        assert!((200..400).contains(&hits), "{hits}");
    }
}
