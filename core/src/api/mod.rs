//! What differs per Mercado Pago API. The client's operations keep their names and their typed
//! results on either API; the paths, the bodies, the statuses, what a 409 means and whether a create
//! may be re-sent live here, one module per API.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

pub mod orders;

/// Which Mercado Pago API drives the terminals.
///
/// * [`Api::Intents`] — the InStore *payment intents* (`/instore-api/...`), the default.
/// * [`Api::Orders`] — the Orders API (`/v1/orders` with `type: "point"`, `/terminals/v1/...`),
///   which Mercado Pago recommends for new Point integrations.
///
/// ```
/// use mppoint::Api;
/// assert_eq!("orders".parse::<Api>().unwrap(), Api::Orders);
/// assert_eq!(Api::default(), Api::Intents);
/// assert_eq!(Api::Orders.to_string(), "orders");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Api {
    /// The InStore payment intents.
    #[default]
    Intents,
    /// The Orders API for Point.
    Orders,
}

impl Api {
    /// Both APIs.
    pub const ALL: [Api; 2] = [Api::Intents, Api::Orders];

    /// `"intents"` or `"orders"`: the name every binding and the CLI use.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Intents => "intents",
            Api::Orders => "orders",
        }
    }

    /// Reads `"intents"` or `"orders"` (case-insensitively, surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Api> {
        let t = s.trim().to_ascii_lowercase();
        Api::ALL
            .into_iter()
            .find(|a| a.as_str() == t)
            .ok_or_else(|| Error::invalid_argument("api", "must be \"intents\" or \"orders\"", s))
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Api {
    type Err = Error;
    fn from_str(s: &str) -> Result<Api> {
        Api::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn names() {
        for a in Api::ALL {
            assert_eq!(Api::parse(a.as_str()).unwrap(), a);
        }
        assert_eq!(Api::parse(" Orders ").unwrap(), Api::Orders);
        let e = Api::parse("order").unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some("api"))
        );
    }
}
