//! The few lenient decoders every model shares. Mercado Pago documents a type for each field but
//! its examples and its older APIs write the same field as a number or as a string (`store_id`,
//! `pos_id`, payment ids), and a field we only display must never turn a whole answer into a
//! decode error: a wait treats decode errors as temporary, so a paid sale would end as
//! `WAIT_TIMEOUT`. One decoder per rule, used by every model.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON string, or a number kept as its text. Anything else (null, bool, list, object) is
/// `None`.
pub(crate) fn value_text(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A non-negative integer sent as a number or as a string of digits (surrounding spaces
/// allowed). Anything else is `None`.
pub(crate) fn value_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field read as text: a string, or a number kept as its text; anything else is an empty
/// string.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value_text(Value::deserialize(d)?).unwrap_or_default())
}

/// A required id read as text: a string as it is, or a number kept as its text. Anything else
/// (null, a list…) is an error: an answer whose id cannot be read is not that object.
pub(crate) fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    value_text(Value::deserialize(d)?)
        .ok_or_else(|| serde::de::Error::custom("expected an id (a string or a number)"))
}

/// An optional field read as text: a string, or a number kept as its text; anything else is
/// `None`.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_text(Value::deserialize(d)?))
}

/// An optional integer sent as a number or a numeric string; anything else is `None`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A non-negative integer sent as a number or a numeric string; anything else is 0.
pub(crate) fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(value_u64(&Value::deserialize(d)?).unwrap_or(0))
}

/// A required numeric id sent as a number or a numeric string (payments, refunds). Anything else
/// is an error naming what was received.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    value_u64(&v).ok_or_else(|| serde::de::Error::custom(format!("expected a numeric id, got {v}")))
}

/// An optional numeric id: absent or null is `None`; anything else must be a numeric id.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => value_u64(&v)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a numeric id, got {v}"))),
    }
}

/// Null reads as the default (an empty list).
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A field that must never fail its whole answer: read as `T` when it has `T`'s shape, otherwise
/// the default (`None`, an empty list). For fields a POS only displays (an operation's amount,
/// the terminal options).
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).unwrap_or_default())
}

/// A list of which each element that does not have `T`'s shape is dropped (not a list at all:
/// empty). A lone `T` is read as a list of one.
pub(crate) fn lenient_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        Value::Null => Vec::new(),
        one => serde_json::from_value(one)
            .map(|t| vec![t])
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(default, deserialize_with = "opt_text")]
        a: Option<String>,
        #[serde(default, deserialize_with = "opt_i64")]
        b: Option<i64>,
        #[serde(default, deserialize_with = "lenient_list")]
        c: Vec<String>,
        #[serde(default, deserialize_with = "u64_or_zero")]
        d: u64,
    }

    #[test]
    fn text_number_and_odd_shapes() {
        let t: T =
            serde_json::from_str(r#"{"a": 12345678, "b": "42", "c": "X", "d": "7"}"#).unwrap();
        assert_eq!(
            t,
            T {
                a: Some("12345678".into()),
                b: Some(42),
                c: vec!["X".into()],
                d: 7
            }
        );
        let t: T =
            serde_json::from_str(r#"{"a": {"x":1}, "b": "x", "c": [1, "Y", null], "d": -1}"#)
                .unwrap();
        assert_eq!(
            t,
            T {
                a: None,
                b: None,
                c: vec!["Y".into()],
                d: 0
            }
        );
        let t: T = serde_json::from_str("{}").unwrap();
        assert_eq!(t.a, None);
    }
}
