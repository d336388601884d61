//! A problem inside an infrastructure file: where in it, and what.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::json_text;

/// A path within the file (`spec.maxReplicas`,
/// `Resources.WebGroup.Properties.MaxSize`) and what is wrong there.
#[derive(Debug)]
pub struct Problem {
    /// Dotted path from the object's top (empty: the object itself).
    pub path: String,
    /// What was found and what was expected.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }

    /// As said in a diagnostic: `file: document 2: path: message`.
    pub fn said(&self, written: &str, document: &str) -> String {
        match self.path.as_str() {
            "" => format!("{written}: {document}{}", self.message),
            path => format!("{written}: {document}{path}: {}", self.message),
        }
    }
}

/// A `T` read from `value`, which sits at `prefix` in the file: the type's
/// own checks (ranges, quantities) with the file's path.
pub fn typed<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let path = match (prefix, inner.as_str()) {
            (_, "." | "") => prefix.to_string(),
            ("", inner) => inner.to_string(),
            (prefix, inner) if inner.starts_with('[') => format!("{prefix}{inner}"),
            (prefix, inner) => format!("{prefix}.{inner}"),
        };
        Problem::new(path, json_text::plain_types(&err.inner().to_string()))
    })
}

/// `value` as an object, or a problem at `path`.
pub fn object<'a>(
    value: &'a Value,
    path: &str,
) -> Result<&'a serde_json::Map<String, Value>, Problem> {
    value
        .as_object()
        .ok_or_else(|| Problem::new(path, format!("expected a mapping, got {}", shown(value))))
}

/// A value as a message shows it: compact JSON, cut if long.
pub fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}
