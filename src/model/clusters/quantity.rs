//! Kubernetes resource quantities as a pod spec writes them: CPU as a
//! number of cores or a string (`0.5`, `"500m"`, `"2"`), memory as a string
//! with its unit (`"512Mi"`, `"1Gi"`, `"1G"`). Read into integers, CPU in
//! millicores and memory in bytes, as the API server stores them
//! (k8s.io/apimachinery `resource.Quantity`), so fits are exact.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// CPU in millicores (1000 = one core).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "f64")]
pub struct Cpu(u32);

impl Cpu {
    /// Millicores.
    pub fn milli(self) -> u32 {
        self.0
    }
}

impl From<Cpu> for f64 {
    fn from(cpu: Cpu) -> f64 {
        f64::from(cpu.0) / 1000.0
    }
}

const CPU_EXPECTED: &str = "a CPU quantity: cores (0.5) or a string (\"500m\", \"2\")";

/// Cores → millicores; only whole millicores, as Kubernetes refuses finer
/// CPU precision, and at least 1m (a CPU request or limit of 0 is no request).
fn millicores(cores: f64, written: &str) -> Result<Cpu, String> {
    let milli = cores * 1000.0;
    if !milli.is_finite() || milli < 1.0 || milli > f64::from(u32::MAX) {
        return Err(format!(
            "expected {CPU_EXPECTED} of at least 1m, got {written}"
        ));
    }
    if (milli - milli.round()).abs() > 1e-9 {
        return Err(format!(
            "expected a whole number of millicores (1m = 0.001 core), got {written}"
        ));
    }
    Ok(Cpu(milli.round() as u32))
}

impl<'de> Deserialize<'de> for Cpu {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Cpu;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(CPU_EXPECTED)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Cpu, E> {
                millicores(v, &v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cpu, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Cpu, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cpu, E> {
                let written = format!("\"{v}\"");
                let (number, scale) = match v.strip_suffix('m') {
                    Some(milli) => (milli, 1e-3),
                    None => (v, 1.0),
                };
                match number.parse::<f64>() {
                    Ok(n) if !number.starts_with('+') => {
                        millicores(n * scale, &written).map_err(E::custom)
                    }
                    _ => Err(E::custom(format!("expected {CPU_EXPECTED}, got {written}"))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// By hand, beside the hand-written `Deserialize` above, and in agreement
// with it: cores as a number of at least 1m, or a decimal string with an
// optional `m`. Whole millicores only is left to the loader: a schema's
// `multipleOf 0.001` is inexact on floating-point numbers.
impl JsonSchema for Cpu {
    fn schema_name() -> Cow<'static, str> {
        "Cpu".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A CPU quantity: cores (0.5) or a string (\"500m\", \"2\"), in whole millicores, at least 1m.",
            "anyOf": [
                { "type": "number", "minimum": 0.001, "maximum": 4_294_967.295 },
                { "type": "string", "pattern": r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?m?$" }
            ]
        })
    }
}

/// Memory in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "u64")]
pub struct Memory(u64);

impl Memory {
    /// Bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl From<Memory> for u64 {
    fn from(memory: Memory) -> u64 {
        memory.0
    }
}

const MEMORY_EXPECTED: &str = "a memory quantity with its unit: Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (of 1000), \
     such as \"512Mi\" or \"1Gi\"";

/// The multiplier of a memory suffix (Kubernetes' binary and decimal SI suffixes).
fn unit(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    })
}

impl<'de> Deserialize<'de> for Memory {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Memory;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(MEMORY_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Memory, E> {
                let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
                let (number, suffix) = v.split_at(split);
                let bytes = match (number.parse::<f64>(), unit(suffix)) {
                    (Ok(n), Some(unit)) if n >= 0.0 && !number.starts_with('+') => n * unit,
                    _ => {
                        return Err(E::custom(format!(
                            "expected {MEMORY_EXPECTED}, got \"{v}\""
                        )));
                    }
                };
                if !bytes.is_finite() || bytes > 1e18 {
                    return Err(E::custom(format!(
                        "expected at most 1e18 bytes, got \"{v}\""
                    )));
                }
                Ok(Memory(bytes.ceil() as u64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// By hand, beside the hand-written `Deserialize` above: a decimal number and
// one of the units `unit` knows (at most 1e18 bytes is left to the loader).
impl JsonSchema for Memory {
    fn schema_name() -> Cow<'static, str> {
        "Memory".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A memory quantity with its unit: Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (of 1000), such as \"512Mi\" or \"1Gi\".",
            "type": "string",
            "pattern": r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)$"
        })
    }
}
