//! Which language a model or experiment file is written in, by its
//! extension, and reading its text with the serde types whatever it is:
//! JSON through `json_text`'s messages, YAML through `yaml_text`'s, each
//! error with the path of the problem and its line and column.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{json_text, yaml_text};

/// How a file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON: every extension but YAML's (`.json` by convention).
    Json,
    /// YAML: `.yaml` or `.yml`, in any case.
    Yaml,
}

impl Format {
    /// The format of the file at `path`, by its extension.
    pub fn of(path: &Path) -> Format {
        let extension = path.extension().and_then(|e| e.to_str());
        match extension.map(str::to_ascii_lowercase).as_deref() {
            Some("yaml" | "yml") => Format::Yaml,
            _ => Format::Json,
        }
    }
}

/// A `T` read from `text`, or the path of the first problem (`.` for the
/// document) and what it is, with its line and column.
pub fn deserialize<T: DeserializeOwned>(text: &str, format: Format) -> Result<T, (String, String)> {
    match format {
        Format::Yaml => yaml_text::deserialize(text).map_err(|err| (err.path, err.message)),
        Format::Json => {
            let de = &mut serde_json::Deserializer::from_str(text);
            let explained = |path: &str, err: &serde_json::Error| {
                // serde_path_to_error marks a position it cannot name
                // (inside a truncated value) with `?`.
                let path = path.trim_end_matches(".?").to_string();
                (path, json_text::explain(text, err))
            };
            let value = serde_path_to_error::deserialize(&mut *de)
                .map_err(|err| explained(&err.path().to_string(), err.inner()))?;
            // Text after the document would otherwise be ignored silently.
            de.end().map_err(|err| explained(".", &err))?;
            Ok(value)
        }
    }
}

/// A document as a JSON value (what a sweep edits, what `compare` drives),
/// or what is wrong with its text: JSON's message alone, as it has always
/// been; YAML's with the path too, as a YAML file's structure errors show.
pub fn value(text: &str, format: Format) -> Result<Value, String> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|err| json_text::explain(text, &err)),
        Format::Yaml => yaml_text::deserialize(text).map_err(|err| match err.path.as_str() {
            "." => err.message,
            path => format!("{path}: {}", err.message),
        }),
    }
}
