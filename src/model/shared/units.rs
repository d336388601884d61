//! Range-checked numbers of the topology format. Each rejects a bad value
//! while serde still knows the JSON path, so the message names it.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// Milliseconds as written → simulated nanoseconds.
pub fn ms_to_ns(ms: f64) -> u64 {
    (ms * 1e6).round() as u64
}

/// Seconds as written → simulated nanoseconds.
pub fn seconds_to_ns(seconds: f64) -> u64 {
    (seconds * 1e9).round() as u64
}

/// `value` as a message shows it: plain for everyday magnitudes, in
/// scientific notation for extreme ones (`1e-160`, not 160 zeros).
pub fn shown(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e15).contains(&magnitude) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// A ratio in `[0, 1]`: hit ratios, probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Fraction(f64);

impl Fraction {
    /// The certain event, the default probability of a call.
    pub fn one() -> Self {
        Fraction(1.0)
    }

    /// The value, in `[0, 1]`.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Fraction {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&value) {
            Ok(Fraction(value))
        } else {
            Err(format!(
                "expected a number between 0 and 1, got {}",
                shown(value)
            ))
        }
    }
}

impl From<Fraction> for f64 {
    fn from(fraction: Fraction) -> f64 {
        fraction.0
    }
}

// Written by hand, as `Deserialize` goes through `TryFrom<f64>`: the range
// here is the one `try_from` checks.
impl JsonSchema for Fraction {
    fn schema_name() -> Cow<'static, str> {
        "Fraction".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number between 0 and 1.",
            "type": "number", "minimum": 0, "maximum": 1
        })
    }
}

/// A JSON number read for a count: any number, so that a negative or
/// fractional one reaches the range check; anything else is "expected an
/// integer" (serde alone would name the Rust type, `f64`).
#[derive(Clone, Copy, Debug)]
pub struct Whole(f64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Whole;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer")
            }
            fn visit_f64<E>(self, value: f64) -> Result<Whole, E> {
                Ok(Whole(value))
            }
            fn visit_i64<E>(self, value: i64) -> Result<Whole, E> {
                Ok(Whole(value as f64))
            }
            fn visit_u64<E>(self, value: u64) -> Result<Whole, E> {
                Ok(Whole(value as f64))
            }
        }
        deserializer.deserialize_f64(Visitor)
    }
}

/// Checks that `value` is a whole number in `[min, u32::MAX]`.
fn whole(value: f64, min: u32) -> Result<u32, String> {
    if value.fract() == 0.0 && value >= f64::from(min) && value <= f64::from(u32::MAX) {
        Ok(value as u32)
    } else if value.fract() == 0.0 && value > f64::from(u32::MAX) {
        Err(format!(
            "expected an integer between {min} and {}, got {value}",
            u32::MAX
        ))
    } else {
        Err(format!("expected an integer ≥ {min}, got {}", shown(value)))
    }
}

/// A count of at least one: instances, workers, shards, users.
///
/// Deserialized from any number ([`Whole`]) so that a negative or fractional
/// value reaches the check and gets "expected an integer ≥ 1, got -3"
/// rather than serde's type error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "Whole", into = "i64")]
pub struct Count(u32);

impl Count {
    /// One, the default for workers, shards and connections.
    pub fn one() -> Self {
        Count(1)
    }

    /// The value, at least 1.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<f64> for Count {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        whole(value, 1).map(Count)
    }
}

impl TryFrom<Whole> for Count {
    type Error = String;

    fn try_from(value: Whole) -> Result<Self, Self::Error> {
        Count::try_from(value.0)
    }
}

impl TryFrom<i64> for Count {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Count::try_from(value as f64)
    }
}

impl From<Count> for i64 {
    fn from(count: Count) -> i64 {
        i64::from(count.0)
    }
}

// By hand: `Deserialize` reads any number ([`Whole`]) and `try_from`
// checks it is whole, ≥ 1 and at most `u32::MAX`. JSON Schema's `integer`
// also takes `3.0`, as `try_from` does.
impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole number ≥ 1.",
            "type": "integer", "minimum": 1, "maximum": u32::MAX
        })
    }
}

/// A count that may be zero: replicas, queue limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(try_from = "Whole", into = "i64")]
pub struct Size(u32);

impl Size {
    /// The value, at least 0.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<f64> for Size {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        whole(value, 0).map(Size)
    }
}

impl TryFrom<Whole> for Size {
    type Error = String;

    fn try_from(value: Whole) -> Result<Self, Self::Error> {
        Size::try_from(value.0)
    }
}

impl From<Size> for i64 {
    fn from(size: Size) -> i64 {
        i64::from(size.0)
    }
}

// By hand, as [`Count`]'s, from 0.
impl JsonSchema for Size {
    fn schema_name() -> Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole number ≥ 0.",
            "type": "integer", "minimum": 0, "maximum": u32::MAX
        })
    }
}

/// A finite number greater than zero: rates, means, durations, weights, speeds.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Positive(f64);

impl Positive {
    /// The value, finite and > 0.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Positive {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if value.is_finite() && value > 0.0 {
            Ok(Positive(value))
        } else {
            Err(format!("expected a number > 0, got {}", shown(value)))
        }
    }
}

impl From<Positive> for f64 {
    fn from(positive: Positive) -> f64 {
        positive.0
    }
}

// By hand: the range `try_from` checks (JSON numbers are always finite).
impl JsonSchema for Positive {
    fn schema_name() -> Cow<'static, str> {
        "Positive".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number > 0.",
            "type": "number", "exclusiveMinimum": 0
        })
    }
}

/// A finite number of at least zero: latencies, prices, coefficients of variation.
#[derive(Clone, Copy, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct NonNegative(f64);

impl NonNegative {
    /// The value, finite and ≥ 0.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for NonNegative {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if value.is_finite() && value >= 0.0 {
            Ok(NonNegative(value))
        } else {
            Err(format!("expected a number ≥ 0, got {}", shown(value)))
        }
    }
}

impl From<NonNegative> for f64 {
    fn from(value: NonNegative) -> f64 {
        value.0
    }
}

// By hand: the range `try_from` checks.
impl JsonSchema for NonNegative {
    fn schema_name() -> Cow<'static, str> {
        "NonNegative".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number ≥ 0.",
            "type": "number", "minimum": 0
        })
    }
}
