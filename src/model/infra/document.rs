//! An infrastructure file's text → its objects as JSON values, whatever it
//! is written in: JSON (one object), or YAML with any number of documents
//! (`---`). YAML tags become CloudFormation's long form (`!Ref X` →
//! `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": "A.B"}`, `!Sub s` →
//! `{"Fn::Sub": s}`), so a template reads the same in either language.
//!
//! yaml_serde hands a tagged node to `deserialize_any` as an enum (see its
//! `de.rs`: `visitor.visit_enum` when a scalar, sequence or mapping has a
//! tag), which its own `Value` keeps as `Value::Tagged`; that is what is
//! read here, then converted.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::format::Format;
use crate::model::json_text;

/// The most bytes read from one file: far above any real manifest or
/// template (CloudFormation's own limit is 1 MB), and far below memory.
const MAX_BYTES: u64 = 16 << 20;

/// A file named by the model, read.
pub struct InfraFile {
    /// Its name as the model writes it, for messages.
    pub written: String,
    /// The language it is written in.
    pub format: Format,
    /// Its objects, in order (empty YAML documents left out).
    pub documents: Vec<Value>,
}

impl InfraFile {
    /// Reads `written`, relative to `base`.
    pub fn read(base: &Path, written: &str) -> Result<InfraFile, String> {
        let path = base.join(written);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_BYTES {
            return Err(format!(
                "cannot read `{written}`: expected at most {MAX_BYTES} bytes, got {size}"
            ));
        }
        let text = json_text::read(&path).map_err(|err| match err {
            json_text::ReadError::Io(err) => format!("cannot read `{written}`: {err}"),
            json_text::ReadError::Text(message) => format!("{written}: {message}"),
        })?;
        let format = Format::of(&path);
        let documents = match format {
            Format::Json => vec![json(&text).map_err(|m| format!("{written}: {m}"))?],
            Format::Yaml => yaml(&text).map_err(|m| format!("{written}: {m}"))?,
        };
        Ok(InfraFile {
            written: written.to_string(),
            format,
            documents,
        })
    }

    /// The one object of `kind` (named `name`, if given): its position among
    /// the documents, for messages ("document 2: "), and the object.
    pub fn pick(&self, kind: &str, name: Option<&str>) -> Result<(String, &Value), String> {
        let matches: Vec<(usize, &Value)> = self
            .documents
            .iter()
            .enumerate()
            .filter(|(_, doc)| doc.get("kind").and_then(Value::as_str) == Some(kind))
            .filter(|(_, doc)| name.is_none_or(|name| object_name(doc) == Some(name)))
            .collect();
        match (matches.as_slice(), name) {
            ([(i, doc)], _) => Ok((self.document_label(*i), doc)),
            ([], _) => Err(format!(
                "expected a {kind}{}, got {}",
                name.map_or(String::new(), |n| format!(" named `{n}`")),
                self.contents()
            )),
            (_, _) => Err(format!(
                "expected one {kind}, got {} ({}): name one with `name`",
                matches.len(),
                matches
                    .iter()
                    .map(|(_, doc)| format!("`{}`", object_name(doc).unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// `document N: ` when the file holds several, else nothing.
    fn document_label(&self, index: usize) -> String {
        if self.documents.len() > 1 {
            format!("document {}: ", index + 1)
        } else {
            String::new()
        }
    }

    /// What the file holds, by kind and name, for a message.
    fn contents(&self) -> String {
        let objects: Vec<String> = self
            .documents
            .iter()
            .map(
                |doc| match (doc.get("kind").and_then(Value::as_str), object_name(doc)) {
                    (Some(kind), Some(name)) => format!("{kind} `{name}`"),
                    (Some(kind), None) => kind.to_string(),
                    (None, _) => "an object without `kind`".to_string(),
                },
            )
            .collect();
        match objects.as_slice() {
            [] => "an empty file".into(),
            _ => objects.join(", "),
        }
    }
}

/// `metadata.name`.
fn object_name(doc: &Value) -> Option<&str> {
    doc.get("metadata")?.get("name")?.as_str()
}

/// One JSON document, with serde_json's position in words.
fn json(text: &str) -> Result<Value, String> {
    if let Some(message) = json_text::before_parsing(text) {
        return Err(message);
    }
    serde_json::from_str(text).map_err(|err| json_text::explain(text, &err))
}

/// Every YAML document of `text`; yaml_serde's message keeps its line and column.
fn yaml(text: &str) -> Result<Vec<Value>, String> {
    let mut documents = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let value = yaml_serde::Value::deserialize(document)
            .map_err(|err| json_text::plain_types(&err.to_string()))?;
        if !value.is_null() {
            documents.push(to_json(value));
        }
    }
    Ok(documents)
}

/// A YAML value as JSON: tags in CloudFormation's long form, keys as text.
fn to_json(value: yaml_serde::Value) -> Value {
    use yaml_serde::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => number(&n),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(mapping) => Value::Object(
            mapping
                .into_iter()
                .map(|(key, value)| (key_text(key), to_json(value)))
                .collect::<Map<_, _>>(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            // CloudFormation's short forms: `!Ref` and `!Condition` keep
            // their name, every other function is `Fn::` + its name.
            let long = match name {
                "Ref" | "Condition" => name.to_string(),
                _ => format!("Fn::{name}"),
            };
            let mut object = Map::new();
            object.insert(long, to_json(tagged.value));
            Value::Object(object)
        }
    }
}

/// A YAML number as a JSON one; `.nan` and `.inf`, which JSON lacks, as text.
fn number(n: &yaml_serde::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        serde_json::Number::from_f64(f).map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

/// A mapping key as text (YAML allows numbers and more as keys).
fn key_text(key: yaml_serde::Value) -> String {
    match key {
        yaml_serde::Value::String(s) => s,
        other => match to_json(other) {
            Value::String(s) => s,
            value => value.to_string(),
        },
    }
}
