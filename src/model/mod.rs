//! The JSON topology: parsing, validation with JSON-path errors, and
//! compilation into the index-addressed [`Model`] the simulation runs.
//!
//! **Invariant:** nothing here knows about time, events or randomness.
//!
//! Three shapes of the input: [`spec::Topology`] (as written, serde) →
//! checked by `validate` (every problem at once) → [`Model`] (compiled).

mod admission;
mod billing;
mod calls;
mod clusters;
mod credits;
pub mod format;
mod infra;
pub mod json_text;
mod network;
mod queues;
mod scaling;
mod scheduling;
pub mod schema;
mod shared;
mod topology;
mod traffic;
pub mod yaml_text;

use std::collections::BTreeMap;
use std::path::Path;

pub use self::billing::compiled::{Bill, Interruptions, Metered, Prices, Purchase};
pub use self::billing::prices as service_prices;
pub use self::format::Format;
pub use self::shared::error::{Diagnostic, ModelError};
pub use self::shared::ids::DEFAULT_CLASS;
pub use self::shared::{date, dist, laws, units};
pub use self::topology::catalog;
pub use self::topology::check_sizes::MAX_BATCH;
pub use self::topology::compiled::*;
/// The topology as written: the document, its nodes and every concern's part.
pub use self::topology::spec;
use self::topology::spec::{InstanceTypeSpec, Topology};

/// How to load a model: choices the user makes on the command line, not in the model.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Skip malformed or out-of-order trace lines (counted in the results) instead of failing.
    pub skip_bad_lines: bool,
}

/// Reads and parses the model at `path`. Files it names (traces, profiles)
/// are relative to the model file's directory.
pub fn load(path: &Path) -> Result<Model, ModelError> {
    load_with(path, LoadOptions::default())
}

/// As [`load`], with options.
pub fn load_with(path: &Path, options: LoadOptions) -> Result<Model, ModelError> {
    let json = json_text::read(path).map_err(|err| match err {
        json_text::ReadError::Io(source) => ModelError::Io {
            path: path.to_path_buf(),
            source,
        },
        json_text::ReadError::Text(message) => ModelError::Syntax {
            path: ".".into(),
            message,
        },
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let topology = parse_topology_as(&json, Format::of(path))?;
    from_topology_in(&topology, base, options)
}

/// Parses and checks a topology. On failure, every problem found is
/// reported, each with its JSON path (serde's own type and range errors stop
/// at the first one). Files it names are relative to the working directory.
pub fn parse(json: &str) -> Result<Model, ModelError> {
    let topology = parse_topology(json)?;
    from_topology(&topology)
}

/// As [`parse`], from text in `format`.
pub fn parse_as(text: &str, format: Format) -> Result<Model, ModelError> {
    from_topology(&parse_topology_as(text, format)?)
}

/// As [`parse_topology`], from text in `format`.
pub fn parse_topology_as(text: &str, format: Format) -> Result<Topology, ModelError> {
    match format {
        Format::Json => parse_topology(text),
        Format::Yaml if text.trim_start_matches('\u{feff}').trim().is_empty() => {
            Err(ModelError::Syntax {
                path: ".".into(),
                message: "the model is empty: expected a YAML mapping with `simulation`, `traffic` and `nodes`".into(),
            })
        }
        Format::Yaml => format::deserialize(text, format)
            .map_err(|(path, message)| ModelError::Syntax { path, message }),
    }
}

/// Parses a topology as written, without cross-checks. Sweeps edit this form.
pub fn parse_topology(json: &str) -> Result<Topology, ModelError> {
    if json.trim().is_empty() {
        return Err(ModelError::Empty);
    }
    if let Some(message) = json_text::before_parsing(json) {
        return Err(ModelError::Syntax {
            path: ".".into(),
            message,
        });
    }
    format::deserialize(json, Format::Json)
        .map_err(|(path, message)| ModelError::Syntax { path, message })
}

/// A topology from a JSON value (a sweep's point: the base model with its
/// axis values set). Its errors name the path alone: a line and column would
/// point into text nobody wrote.
pub fn topology_from_value(value: serde_json::Value) -> Result<Topology, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|err| ModelError::Syntax {
        path: err.path().to_string(),
        message: json_text::plain_types(&err.inner().to_string()),
    })
}

/// Validates and compiles a parsed topology; files it names are relative to
/// the working directory.
pub fn from_topology(topology: &Topology) -> Result<Model, ModelError> {
    from_topology_in(topology, Path::new(""), LoadOptions::default())
}

/// Validates and compiles a parsed topology whose files are relative to `base`.
pub fn from_topology_in(
    topology: &Topology,
    base: &Path,
    options: LoadOptions,
) -> Result<Model, ModelError> {
    // Files the pools name (manifests, templates) first: what they give is
    // then checked as if written inline.
    let resolved = infra::resolve(topology, base).map_err(ModelError::Invalid)?;
    let topology = resolved.topology.as_ref();
    let instance_types = resolved_instance_types(topology, base).map_err(ModelError::Invalid)?;
    let mut diagnostics = Vec::new();
    topology::check::check(&mut diagnostics, topology, &instance_types);
    if !diagnostics.is_empty() {
        return Err(ModelError::Invalid(diagnostics));
    }
    let mut model =
        topology::compile::compile(topology, &instance_types, base, options.skip_bad_lines)
            .map_err(ModelError::Invalid)?;
    model.notes = resolved.notes;
    Ok(model)
}

/// The built-in catalog, overridden by the model's `catalog` file (relative
/// to `base`), overridden by the model's own `instance_types`. A catalog
/// file that cannot be used is reported alone: without it every type it
/// defines would also be reported missing.
fn resolved_instance_types(
    topology: &Topology,
    base: &Path,
) -> Result<BTreeMap<String, InstanceTypeSpec>, Vec<Diagnostic>> {
    let mut types = match &topology.catalog {
        None => catalog::instance_types(),
        Some(file) => catalog::Catalog::with_file(&base.join(file))
            .map_err(|err| {
                err.messages()
                    .into_iter()
                    .map(|message| Diagnostic::new("catalog", message))
                    .collect::<Vec<_>>()
            })?
            .instance_types(),
    };
    types.extend(
        topology
            .instance_types
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    Ok(types)
}
