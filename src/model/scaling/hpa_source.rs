//! Reading `autoscaling.hpa` ([`HpaSource`]): an HPA's `spec` inline, or
//! `{ "file": … }` naming a whole HorizontalPodAutoscaler manifest (read by `infra`).
//!
//! Not `#[serde(untagged)]`: that would buffer the value and, for any
//! mistake in an inline spec, say only "data did not match any variant".
//! The first key decides instead (`file` names a manifest), and is handed
//! back to the chosen type's own deserializer, so an inline spec keeps
//! every message, path and position it had.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{
    DeserializeSeed, IntoDeserializer, MapAccess, Visitor, value::MapAccessDeserializer,
};
use serde::{Deserialize, Deserializer};

use crate::model::infra::spec::ManifestRef;
use crate::model::scaling::spec::{HpaSource, HpaSpec};

impl<'de> Deserialize<'de> for HpaSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = HpaSource;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an HPA `spec`, or `{ \"file\": … }` naming a HorizontalPodAutoscaler manifest")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HpaSource, A::Error> {
        let first: Option<String> = map.next_key_seed(FirstKey)?;
        // `name` is no field of a spec, so it too can only start a reference.
        let is_file = matches!(first.as_deref(), Some("file" | "name"));
        let rest = MapAccessDeserializer::new(Replay { first, map });
        if is_file {
            ManifestRef::deserialize(rest).map(HpaSource::File)
        } else {
            HpaSpec::deserialize(rest).map(|spec| HpaSource::Inline(Box::new(spec)))
        }
    }
}

/// The fields of `HpaSpec` as it spells them (serde's derive keeps its own
/// list private; `fleet_errors` checks this one's message).
const SPEC_FIELDS: &[&str] = &[
    "scaleTargetRef",
    "minReplicas",
    "maxReplicas",
    "metrics",
    "behavior",
    "syncPeriodSeconds",
    "tolerance",
];

/// The first key, refused here if it is neither a spec's nor a reference's:
/// an error raised while the key is read carries the key in its path, as
/// serde's own unknown-field errors do.
struct FirstKey;

impl<'de> DeserializeSeed<'de> for FirstKey {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let key = String::deserialize(deserializer)?;
        if SPEC_FIELDS.contains(&key.as_str()) || key == "file" || key == "name" {
            Ok(key)
        } else {
            Err(serde::de::Error::unknown_field(&key, SPEC_FIELDS))
        }
    }
}

/// A map whose first key was already read: it is given again, then the rest.
struct Replay<A> {
    first: Option<String>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

impl JsonSchema for HpaSource {
    fn schema_name() -> Cow<'static, str> {
        "HpaSource".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inline = generator.subschema_for::<HpaSpec>();
        let file = generator.subschema_for::<ManifestRef>();
        json_schema!({
            "description": "An HPA's `spec`, or `{ \"file\": \"hpa.yaml\" }` naming a whole HorizontalPodAutoscaler manifest (YAML or JSON, relative to the model file).",
            "anyOf": [inline, file]
        })
    }
}
