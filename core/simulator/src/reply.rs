//! What a handler answers: Mercado Pago's common error shape ([`ApiError`], which the InStore,
//! devices and Payments endpoints answer) and a handler's [`Answer`] before faults, with the
//! request readers every API's routes share (a JSON body, the query's pairs).

use serde_json::Value;

/// An answer in Mercado Pago's error shape: `{"message","error","status","cause":[]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub error: &'static str,
    pub message: String,
    /// The reference's `errorKey` text for this error, when it documents one.
    pub error_key: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            message: message.into(),
            error_key: None,
        }
    }
    /// With the reference's documented `errorKey` text.
    pub fn documented(mut self, error_key: impl Into<String>) -> ApiError {
        self.error_key = Some(error_key.into());
        self
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }
    pub fn not_found(error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(404, error, message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "conflict", message)
    }

    /// The JSON body: Mercado Pago's common error shape (`message`, `error`, `status`,
    /// `cause`), which its services answer, and the InStore reference's documented form,
    /// `errorKey: "<status>-- <error> - <message>"` (the only form the reference shows).
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "errorKey": self.error_key.clone().unwrap_or_else(
                || format!("{}-- {} - {}", self.status, self.error, self.message),
            ),
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": [],
        }))
        .unwrap_or_default()
    }

    /// As a crate error (for the Rust control API).
    pub fn into_error(self) -> mppoint::Error {
        use mppoint::ErrorKind;
        let kind = match self.status {
            400 => ErrorKind::InvalidArgument,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            _ => ErrorKind::Api,
        };
        mppoint::Error::new(kind, format!("simulator: {}", self.message))
    }
}

/// What a handler answers, before faults.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Vec<u8>>,
}

impl Answer {
    pub fn json(status: u16, body: Vec<u8>) -> Answer {
        Answer {
            status,
            body: Some(body),
        }
    }
    pub fn value(status: u16, v: &impl serde::Serialize) -> Answer {
        Answer::json(status, serde_json::to_vec(v).unwrap_or_default())
    }
    pub fn no_content() -> Answer {
        Answer {
            status: 204,
            body: None,
        }
    }
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Answer {
        Answer::json(e.status, e.body())
    }
}

/// The largest page a list answers (devices, payments).
pub(crate) const MAX_LIMIT: u64 = 1000;

/// The query's pairs, decoded (`+` is a space).
pub(crate) fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

pub(crate) fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty: JSON expected",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}
