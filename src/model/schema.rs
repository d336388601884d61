//! The JSON Schema of a model file, generated from the serde types that read
//! it (schemars' `JsonSchema` is derived beside every `Deserialize`, and
//! written by hand beside every hand-written one), so the schema cannot
//! drift from the loader. Descriptions are the fields' doc comments.
//!
//! The schema checks shape, types and ranges, as serde does; what needs the
//! whole document (targets that exist, classes that are declared, cycles) is
//! `capsim check`'s.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::model::spec::Topology;

/// The schema of a model file (draft 2020-12), as `capsim schema model`
/// prints it and `schema/model.schema.json` holds it.
pub fn model() -> Value {
    schema_of::<Topology>("capsim model")
}

/// The schema of `T`'s documents (draft 2020-12), titled `title`.
pub fn schema_of<T: JsonSchema>(title: &str) -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    // The root's own title would be the Rust type's name.
    schema.insert("title".into(), title.into());
    let mut value = schema.to_value();
    unwrap_descriptions(&mut value);
    value
}

/// Doc comments are wrapped at 100 columns; an editor's tooltip wraps by
/// itself, so a single line break becomes a space (a blank line, a new
/// paragraph, stays).
fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|paragraph| paragraph.replace('\n', " "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => unwrap_descriptions(item),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// `schema` as the shipped file holds it: pretty-printed, keys in order, a
/// final newline.
pub fn text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a Value always serializes");
    text.push('\n');
    text
}
