//! Exact money: integer cents inside, a two-decimal string on the wire.
//!
//! An [`Amount`] is built from a decimal string (`"10.14"`, `"10.5"`, `"10"`), from integer cents,
//! or from a binary float whose shortest decimal form has one or two decimals (what a JavaScript
//! number or a Python `float` written as `10.14` is). Three decimals, a comma, an exponent, a sign,
//! NaN, zero and negative amounts are refused with [`ErrorKind::InvalidAmount`] before anything is
//! sent. So is a whole number given as a number (a Python `int`, a JavaScript `12`, a float
//! `12.0`, a C `double` holding `1247`): it could mean units or cents, and reading it either way
//! would charge a hundred times too much or too little for somebody
//! ([`Amount::whole_number_error`]); text (`"12"`) and integer cents say which they are. The site limits ([`Site::MLA`], [`Site::MLB`]) are data: [`AmountLimits`] can override them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{quote_snippet, Error, ErrorKind, Result};

/// The largest amount we represent: 10^13 cents, far above any site's maximum.
const MAX_CENTS: i64 = 10_000_000_000_000;

/// An exact, positive amount of money in the account's currency, held as integer cents.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    cents: i64,
}

impl Amount {
    /// An amount of `cents` (must be positive).
    ///
    /// ```
    /// let a = mppoint::Amount::from_cents(1247).unwrap();
    /// assert_eq!(a.to_string(), "12.47");
    /// ```
    pub fn from_cents(cents: i64) -> Result<Amount> {
        if cents <= 0 {
            return Err(amount_error(
                &cents.to_string(),
                "must be positive (integer cents above zero)",
            ));
        }
        if cents > MAX_CENTS {
            return Err(amount_error(&cents.to_string(), "is too large"));
        }
        Ok(Amount { cents })
    }

    /// Parses a decimal string with a dot and at most two decimals: `"10"`, `"10.5"`, `"10.14"`.
    ///
    /// ```
    /// assert_eq!(mppoint::Amount::parse("10.5").unwrap().cents(), 1050);
    /// assert!(mppoint::Amount::parse("10,50").is_err());
    /// assert!(mppoint::Amount::parse("10.145").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Amount> {
        parse_decimal(s, false)
    }

    /// Parses the plain text of an exact decimal value (a Python `Decimal` written with
    /// `format(d, "f")`): as [`Amount::parse`], except that zeros past the second decimal are
    /// accepted, since they do not change the value (`"11.550"` is 11.55; `"11.555"` is refused).
    ///
    /// ```
    /// assert_eq!(mppoint::Amount::parse_decimal_value("11.550").unwrap().cents(), 1155);
    /// assert!(mppoint::Amount::parse_decimal_value("11.555").is_err());
    /// ```
    pub fn parse_decimal_value(s: &str) -> Result<Amount> {
        match s.split_once('.') {
            // Byte 2 is an ASCII '0' here, so slicing there is on a character boundary.
            Some((int, frac))
                if frac.len() > 2 && frac.as_bytes()[2..].iter().all(|&b| b == b'0') =>
            {
                parse_decimal(&format!("{int}.{}", &frac[..2]), false)
            }
            _ => parse_decimal(s, false),
        }
    }

    /// Parses the wire form strictly: digits, a dot and exactly two decimals (`"12.47"`). This is the
    /// rule the API applies to `operations[].amount`.
    pub fn parse_wire(s: &str) -> Result<Amount> {
        parse_decimal(s, true)
    }

    /// Converts a binary float, accepted only when its shortest decimal form (the one a person
    /// typed) has one or two decimals: `10.14` and `10.5` are accepted; `0.1 + 0.2` and `10.145`
    /// are not, and neither is a whole number (`12.0`, a JavaScript `12`): it could mean units or
    /// cents ([`Amount::whole_number_error`]).
    ///
    /// ```
    /// assert_eq!(mppoint::Amount::from_f64(10.14).unwrap().cents(), 1014);
    /// assert!(mppoint::Amount::from_f64(0.1 + 0.2).is_err());
    /// assert!(mppoint::Amount::from_f64(12.0).is_err());
    /// ```
    pub fn from_f64(value: f64) -> Result<Amount> {
        if !value.is_finite() {
            return Err(amount_error(&value.to_string(), "must be a finite number"));
        }
        // Rust prints the shortest decimal that reads back as the same float, and never an
        // exponent; that text is what the caller meant, and it is parsed as text.
        let text = value.to_string();
        if value > 0.0 && value.fract() == 0.0 {
            return Err(Amount::whole_number_error(&text));
        }
        parse_decimal(&text, false).map_err(|e| {
            if e.message().contains("decimals") {
                amount_error(
                    &text,
                    "has more than two decimals as a binary float; pass a string or integer cents",
                )
            } else {
                e
            }
        })
    }

    /// The error for an amount given as a whole number of a number type (a Python `int`, a
    /// JavaScript number without a fraction, a float `12.0`): `number` as the caller wrote it.
    /// It could mean units (12.00) or cents (0.12), so it is refused in every language; the
    /// message says the two ways to say which (text, or integer cents).
    ///
    /// ```
    /// let e = mppoint::Amount::whole_number_error("12");
    /// assert_eq!(e.kind(), mppoint::ErrorKind::InvalidAmount);
    /// assert_eq!(e.field(), Some("amount"));
    /// ```
    pub fn whole_number_error(number: &str) -> Error {
        let as_cents = number
            .parse::<i64>()
            .ok()
            .filter(|_| number.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| Amount::from_cents(n).ok());
        let message = match as_cents {
            Some(cents) => format!(
                "amount {number} is a whole number, which could mean {number}.00 or {number} cents: pass \"{number}.00\" (text) for {number}.00, or cents({number}) for {cents}"
            ),
            None => format!(
                "amount {} is a whole number, which could mean units or cents: pass it as text (\"12.00\") or as integer cents (cents(1200) is 12.00)",
                quote_snippet(number)
            ),
        };
        Error::new(ErrorKind::InvalidAmount, message).with_field("amount")
    }

    /// The amount in integer cents.
    pub fn cents(self) -> i64 {
        self.cents
    }

    /// Adds two amounts (for totals); `None` on overflow past the representable maximum.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        let c = self.cents.checked_add(other.cents)?;
        (c <= MAX_CENTS).then_some(Amount { cents: c })
    }
}

fn amount_error(value: &str, rule: &str) -> Error {
    Error::new(
        ErrorKind::InvalidAmount,
        format!("amount {} {rule}", quote_snippet(value)),
    )
    .with_field("amount")
}

fn parse_decimal(s: &str, strict: bool) -> Result<Amount> {
    let rule_strict =
        "must be a string with digits, a dot and exactly two decimals, like \"12.47\"";
    let rule = "must be digits with a dot and at most two decimals, like \"12.47\"";
    let bad = |r: &str| Err(amount_error(s, r));
    if s.is_empty() {
        return bad("is empty");
    }
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if s.contains(',') {
        return bad("uses a comma; use a dot as the decimal separator, like \"12.47\"");
    }
    if s.starts_with('-') {
        return bad("must be positive");
    }
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return bad(if strict { rule_strict } else { rule });
    }
    let frac = match frac_part {
        None if strict => return bad(rule_strict),
        None => "",
        Some(f) => {
            if !f.bytes().all(|b| b.is_ascii_digit()) {
                return bad(if strict { rule_strict } else { rule });
            }
            if strict && f.len() != 2 {
                return bad(rule_strict);
            }
            if f.is_empty() {
                return bad(rule);
            }
            if f.len() > 2 {
                return bad("has more than two decimals");
            }
            f
        }
    };
    let int_digits = int_part.trim_start_matches('0');
    if int_digits.len() > 11 {
        return bad("is too large");
    }
    let units: i64 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| amount_error(s, rule))?
    };
    let frac_cents: i64 = match frac.len() {
        0 => 0,
        1 => i64::from(frac.as_bytes()[0] - b'0') * 10,
        _ => i64::from(frac.as_bytes()[0] - b'0') * 10 + i64::from(frac.as_bytes()[1] - b'0'),
    };
    let cents = units * 100 + frac_cents;
    if cents == 0 {
        return bad("must be above zero");
    }
    if cents > MAX_CENTS {
        return bad("is too large");
    }
    Ok(Amount { cents })
}

impl fmt::Display for Amount {
    /// Always two decimals with a dot: `12.47`, `5.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Amount> {
        Amount::parse(s)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// Reads `"10.14"` (what intents carry) or a JSON number `10.14` (what payments carry). A
    /// number is read from its decimal text, never through a float.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Amount, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Number(n) => n.to_string(),
        };
        // A number's text (`10.1`, `10`, `10.0`) follows the same rule as a string.
        Amount::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A Mercado Pago site, which sets the amount limits of an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    /// Argentina: 5.00 to 4000000.00.
    MLA,
    /// Brazil: 1.00 to 70000.00.
    MLB,
}

impl Site {
    /// The site's code, `"MLA"` or `"MLB"`.
    pub fn code(self) -> &'static str {
        match self {
            Site::MLA => "MLA",
            Site::MLB => "MLB",
        }
    }

    /// The documented limits of the site (Mercado Pago changes them over time: override them with
    /// [`AmountLimits::new`] when they do).
    pub fn default_limits(self) -> AmountLimits {
        match self {
            Site::MLA => AmountLimits {
                min: Amount { cents: 500 },
                max: Amount { cents: 400_000_000 },
            },
            Site::MLB => AmountLimits {
                min: Amount { cents: 100 },
                max: Amount { cents: 7_000_000 },
            },
        }
    }
}

impl FromStr for Site {
    type Err = Error;
    fn from_str(s: &str) -> Result<Site> {
        match s.trim().to_ascii_uppercase().as_str() {
            "MLA" => Ok(Site::MLA),
            "MLB" => Ok(Site::MLB),
            _ => Err(Error::invalid_argument(
                "site",
                "must be \"MLA\" (Argentina) or \"MLB\" (Brazil)",
                s,
            )),
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The inclusive minimum and maximum of an intent's amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountLimits {
    /// The smallest amount accepted.
    pub min: Amount,
    /// The largest amount accepted.
    pub max: Amount,
}

impl AmountLimits {
    /// Custom limits; `min` must not be above `max`.
    pub fn new(min: Amount, max: Amount) -> Result<AmountLimits> {
        if min > max {
            return Err(Error::new(
                ErrorKind::Config,
                format!("amount limits: the minimum {min} is above the maximum {max}"),
            ));
        }
        Ok(AmountLimits { min, max })
    }

    /// Checks `amount` against the limits. `site` only names the limits in the message
    /// ("amount 70000.01 is above the MLB maximum of 70000.00").
    pub fn check(&self, amount: Amount, site: Option<Site>) -> Result<()> {
        let whose = site.map(|s| format!("{} ", s.code())).unwrap_or_default();
        if amount < self.min {
            return Err(Error::new(
                ErrorKind::InvalidAmount,
                format!(
                    "amount {amount} is below the {whose}minimum of {}",
                    self.min
                ),
            )
            .with_field("amount"));
        }
        if amount > self.max {
            return Err(Error::new(
                ErrorKind::InvalidAmount,
                format!(
                    "amount {amount} is above the {whose}maximum of {}",
                    self.max
                ),
            )
            .with_field("amount"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(s: &str) -> i64 {
        Amount::parse(s).unwrap().cents()
    }

    #[test]
    fn parses_decimal_strings_exactly() {
        assert_eq!(cents("12.47"), 1247);
        assert_eq!(cents("12.5"), 1250);
        assert_eq!(cents("12"), 1200);
        assert_eq!(cents("0.01"), 1);
        assert_eq!(cents("0010.10"), 1010);
        assert_eq!(cents("4000000.00"), 400_000_000);
        assert_eq!(Amount::parse("12.47").unwrap().to_string(), "12.47");
        assert_eq!(Amount::from_cents(500).unwrap().to_string(), "5.00");
        assert_eq!(Amount::from_cents(7).unwrap().to_string(), "0.07");
    }

    #[test]
    fn refuses_malformed_strings() {
        for bad in [
            "",
            ".",
            "1.",
            ".5",
            "12.475",
            "12,47",
            "1e3",
            "1E3",
            "-1.00",
            "+1.00",
            " 1.00",
            "1.00 ",
            "NaN",
            "inf",
            "0",
            "0.00",
            "0.0",
            "1.2.3",
            "١٢",
            "12.4a",
            "0x10",
            "99999999999999.00",
        ] {
            let e = Amount::parse(bad).expect_err(bad);
            assert_eq!(e.kind(), ErrorKind::InvalidAmount, "{bad}");
            assert_eq!(e.field(), Some("amount"));
        }
        assert!(Amount::parse("12,47")
            .unwrap_err()
            .message()
            .contains("comma"));
        assert!(Amount::parse("12.475")
            .unwrap_err()
            .message()
            .contains("two decimals"));
    }

    #[test]
    fn decimal_values_may_carry_zeros_past_the_cents() {
        assert_eq!(Amount::parse_decimal_value("11.550").unwrap().cents(), 1155);
        assert_eq!(
            Amount::parse_decimal_value("11.5000").unwrap().cents(),
            1150
        );
        assert_eq!(Amount::parse_decimal_value("11.000").unwrap().cents(), 1100);
        assert_eq!(Amount::parse_decimal_value("11.5").unwrap().cents(), 1150);
        for bad in [
            "11.555", "11.5050", "0.000", "-1.000", "NaN", "1E+2", "1.00ñ0", "11.00a",
        ] {
            assert!(Amount::parse_decimal_value(bad).is_err(), "{bad}");
        }
        assert!(
            Amount::parse("11.550").is_err(),
            "plain strings stay strict"
        );
    }

    #[test]
    fn wire_form_is_strict() {
        assert_eq!(Amount::parse_wire("12.47").unwrap().cents(), 1247);
        for bad in ["12.5", "12", "12.475", "12,47", "-1.00"] {
            assert!(Amount::parse_wire(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_only_when_shortest_form_has_two_decimals() {
        assert_eq!(Amount::from_f64(10.14).unwrap().cents(), 1014);
        assert_eq!(Amount::from_f64(0.1).unwrap().cents(), 10);
        assert_eq!(Amount::from_f64(69999.9).unwrap().cents(), 6_999_990);
        for whole in [12.0, 70000.0, 1247.0] {
            let e = Amount::from_f64(whole).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidAmount);
            assert!(e.message().contains("could mean"), "{e}");
            assert_eq!(e.field(), Some("amount"));
        }
        assert_eq!(Amount::from_f64(1.15).unwrap().cents(), 115);
        let e = Amount::from_f64(0.1 + 0.2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidAmount);
        assert!(e.message().contains("string or integer cents"), "{e}");
        assert!(Amount::from_f64(10.145).is_err());
        assert!(Amount::from_f64(f64::NAN).is_err());
        assert!(Amount::from_f64(f64::INFINITY).is_err());
        assert!(Amount::from_f64(-1.0).is_err());
        assert!(Amount::from_f64(0.0).is_err());
        assert!(Amount::from_f64(1e21).is_err());
    }

    #[test]
    fn cents_must_be_positive() {
        assert!(Amount::from_cents(0).is_err());
        assert!(Amount::from_cents(-5).is_err());
        assert!(Amount::from_cents(i64::MAX).is_err());
    }

    fn check(site: Site, s: &str) -> Result<()> {
        site.default_limits()
            .check(Amount::parse(s).unwrap(), Some(site))
    }

    #[test]
    fn mlb_boundaries() {
        assert!(check(Site::MLB, "0.99")
            .unwrap_err()
            .message()
            .contains("below the MLB minimum of 1.00"));
        assert!(check(Site::MLB, "1.00").is_ok());
        assert!(check(Site::MLB, "70000.00").is_ok());
        let e = check(Site::MLB, "70000.01").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidAmount);
        assert_eq!(
            e.message(),
            "amount 70000.01 is above the MLB maximum of 70000.00"
        );
    }

    #[test]
    fn mla_boundaries() {
        assert!(check(Site::MLA, "4.99")
            .unwrap_err()
            .message()
            .contains("below the MLA minimum of 5.00"));
        assert!(check(Site::MLA, "5.00").is_ok());
        assert!(check(Site::MLA, "4000000.00").is_ok());
        assert!(check(Site::MLA, "4000000.01")
            .unwrap_err()
            .message()
            .contains("above the MLA maximum of 4000000.00"));
    }

    #[test]
    fn limits_can_be_overridden() {
        let l = AmountLimits::new(
            Amount::parse("2.00").unwrap(),
            Amount::parse("80000").unwrap(),
        )
        .unwrap();
        assert!(l.check(Amount::parse("75000").unwrap(), None).is_ok());
        assert!(l.check(Amount::parse("1.99").unwrap(), None).is_err());
        assert!(
            AmountLimits::new(Amount::parse("3").unwrap(), Amount::parse("2").unwrap()).is_err()
        );
    }

    #[test]
    fn serde_round_trip_and_numbers() {
        let a: Amount = serde_json::from_str("\"10.14\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"10.14\"");
        let b: Amount = serde_json::from_str("10.14").unwrap();
        assert_eq!(b.cents(), 1014);
        let c: Amount = serde_json::from_str("10.0").unwrap();
        assert_eq!(c.cents(), 1000);
        let d: Amount = serde_json::from_str("25").unwrap();
        assert_eq!(d.cents(), 2500);
        assert!(serde_json::from_str::<Amount>("10.145").is_err());
        assert!(serde_json::from_str::<Amount>("\"abc\"").is_err());
    }

    #[test]
    fn site_parse() {
        assert_eq!("mlb".parse::<Site>().unwrap(), Site::MLB);
        assert_eq!(
            "XX".parse::<Site>().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
