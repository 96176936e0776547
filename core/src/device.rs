//! Point devices and their operating mode.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::serde_util;

/// How a device takes payments: `PDV` (driven by a POS through intents) or `STANDALONE` (the
/// cashier types the amount on the device). Intents only reach devices in `PDV` mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OperatingMode {
    /// Integrated with a point of sale: receives intents.
    Pdv,
    /// Used on its own: does not receive intents.
    Standalone,
    /// `UNDEFINED`, read in the terminals list: "the configuration that the terminal has is not
    /// recognized". Read-only: it cannot be set; set `PDV` or `STANDALONE` (and restart).
    Undefined,
    /// `SELF_SERVICE` (a self-service kiosk), named on Mercado Pago's Chile migration page but
    /// not in the terminals list's enum. Read-only, and receives no orders.
    SelfService,
    /// A mode this version does not know, kept as sent.
    Unknown(String),
}

impl OperatingMode {
    /// The API's spelling: `"PDV"`, `"STANDALONE"`.
    pub fn as_str(&self) -> &str {
        match self {
            OperatingMode::Pdv => "PDV",
            OperatingMode::Standalone => "STANDALONE",
            OperatingMode::Undefined => "UNDEFINED",
            OperatingMode::SelfService => "SELF_SERVICE",
            OperatingMode::Unknown(s) => s,
        }
    }

    /// Reads the API's spelling; anything else is kept in [`OperatingMode::Unknown`].
    pub fn parse(s: &str) -> OperatingMode {
        match s.trim().to_ascii_uppercase().as_str() {
            "PDV" => OperatingMode::Pdv,
            "STANDALONE" => OperatingMode::Standalone,
            "UNDEFINED" => OperatingMode::Undefined,
            "SELF_SERVICE" => OperatingMode::SelfService,
            _ => OperatingMode::Unknown(s.to_string()),
        }
    }

    /// Reads a mode a caller asked for: only `PDV` and `STANDALONE` can be set.
    pub fn parse_settable(s: &str) -> Result<OperatingMode> {
        match OperatingMode::parse(s) {
            m @ (OperatingMode::Pdv | OperatingMode::Standalone) => Ok(m),
            _ => Err(Error::invalid_argument(
                "operating_mode",
                "must be \"PDV\" or \"STANDALONE\" (UNDEFINED and SELF_SERVICE are only read, never set)",
                s,
            )),
        }
    }
}

impl Default for OperatingMode {
    /// An answer without a mode: an empty [`OperatingMode::Unknown`] (it does not receive
    /// intents as far as we know).
    fn default() -> OperatingMode {
        OperatingMode::Unknown(String::new())
    }
}

impl fmt::Display for OperatingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OperatingMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<OperatingMode> {
        OperatingMode::parse_settable(s)
    }
}

impl Serialize for OperatingMode {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OperatingMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<OperatingMode, D::Error> {
        Ok(OperatingMode::parse(&String::deserialize(d)?))
    }
}

/// A Point device as `GET /instore-api/point/v1/devices` lists it.
///
/// The reference names the POS link `external_id` (`"SUC0101POS"`); the older
/// `/point/integration-api` and the terminals list name it `external_pos_id`: both are read.
/// `pos_id` (an integer) and `store_id` (a string the reference's example writes as a bare
/// number) are read from either form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The device id, `PAX_A910__SMARTPOS1234567890`.
    #[serde(deserialize_with = "serde_util::required_text")]
    pub id: String,
    /// The numeric id of the POS it is linked to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_i64"
    )]
    pub pos_id: Option<i64>,
    /// The store id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub store_id: Option<String>,
    /// The `external_id` of the POS it is linked to (the answer's `external_id`; the legacy
    /// `external_pos_id` is read too). Create intents for it with `Target::Pos`.
    #[serde(
        default,
        rename = "external_id",
        alias = "external_pos_id",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub external_pos_id: Option<String>,
    /// `PDV` or `STANDALONE` (missing: an empty [`OperatingMode::Unknown`]).
    #[serde(default)]
    pub operating_mode: OperatingMode,
}

/// Paging of a device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Paging {
    /// How many devices match in all.
    #[serde(default, deserialize_with = "serde_util::u64_or_zero")]
    pub total: u64,
    /// The offset of this page.
    #[serde(default, deserialize_with = "serde_util::u64_or_zero")]
    pub offset: u64,
    /// The page size.
    #[serde(default, deserialize_with = "serde_util::u64_or_zero")]
    pub limit: u64,
}

/// One page of devices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DevicePage {
    /// The devices of this page.
    #[serde(default, deserialize_with = "serde_util::null_as_default")]
    pub devices: Vec<Device>,
    /// Where the page stands.
    #[serde(default, deserialize_with = "serde_util::lenient")]
    pub paging: Paging,
}

/// Filters and paging of a device list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceFilter {
    /// Only the devices of this store.
    pub store_id: Option<String>,
    /// Only the devices of this POS: its numeric id (an integer, as the reference types it; the
    /// device list's `pos_id`), not its external id.
    pub pos_id: Option<String>,
    /// Page size (the API's default is 50).
    pub limit: Option<u32>,
    /// How many devices to skip.
    pub offset: Option<u32>,
}

impl DeviceFilter {
    /// The query pairs of the request.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(s) = &self.store_id {
            q.push(("store_id", s.clone()));
        }
        if let Some(p) = &self.pos_id {
            q.push(("pos_id", p.clone()));
        }
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(o) = self.offset {
            q.push(("offset", o.to_string()));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_device_page() {
        let j = r#"{"devices":[{"id":"PAX_A910__SMARTPOS1495357742","pos_id":47792476,"store_id":47792478,
            "external_pos_id":"SUC0101POS","operating_mode":"PDV","new":true},
            {"id":"NEWLAND_N950__N950NCB801293324","operating_mode":"KIOSK"}],
            "paging":{"total":2,"offset":0,"limit":50}}"#;
        let p: DevicePage = serde_json::from_str(j).unwrap();
        assert_eq!(p.devices.len(), 2);
        assert_eq!(p.devices[0].store_id.as_deref(), Some("47792478"));
        assert_eq!(p.devices[0].operating_mode, OperatingMode::Pdv);
        assert_eq!(
            p.devices[1].operating_mode,
            OperatingMode::Unknown("KIOSK".into())
        );
        assert_eq!(p.paging.total, 2);
    }

    #[test]
    fn settable_modes() {
        assert_eq!("pdv".parse::<OperatingMode>().unwrap(), OperatingMode::Pdv);
        assert!("KIOSK".parse::<OperatingMode>().is_err());
    }
}
