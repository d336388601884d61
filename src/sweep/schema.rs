//! The JSON Schema of an experiment file, generated from [`ExperimentSpec`]
//! as the model's is from its types (`model::schema`).

use serde_json::Value;

use crate::model::schema::schema_of;
use crate::sweep::spec::ExperimentSpec;

/// The schema of an experiment file (draft 2020-12), as `capsim schema
/// experiment` prints it and `schema/experiment.schema.json` holds it.
pub fn experiment() -> Value {
    schema_of::<ExperimentSpec>("capsim experiment")
}
