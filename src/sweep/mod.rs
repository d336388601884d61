//! Parameter sweeps: an experiment names a base model and axes (JSON paths
//! with values); every point of their grid is a model, validated before
//! anything runs, and simulated with R replications in parallel. Every point
//! uses the same seed: the same random streams (each named after its node
//! or source), so differences between points are the design's, not noise
//! (common random numbers).
//!
//! **Invariants:** no file I/O here but reading the experiment and its model
//! (the CLI writes rows as they finish); a point's row depends only on the
//! experiment and the point, never on the thread count or on which other
//! points ran (shards and resumed runs give the same rows).

mod cheapest;
mod design;
mod fingerprint;
mod path;
mod points;
mod row;
pub mod schema;
mod search;
pub mod slo;
pub mod space;
pub mod spec;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::model::{self, Format, LoadOptions, Model, ModelError};

pub use cheapest::{Cheapest, cheapest};
pub use design::{DesignSearch, Ran, Standing};
pub use fingerprint::Fnv1a;
pub use points::{Axis, Point};
pub use row::{Row, columns};
pub use search::Found;
pub use slo::Slo;
pub use spec::ExperimentSpec;

/// The most points an experiment's grid may have: each point's model is
/// built and checked before anything runs, and each row is kept.
pub const MAX_POINTS: usize = 100_000;

/// Why an experiment cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A file could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The experiment file is malformed.
    #[error("{0}")]
    Spec(String),
    /// A point's model is invalid: which point, and the model's errors
    /// (part of the message, not a separate cause, so they show once).
    #[error("point {point} ({settings}) is not a valid model:\n{errors}")]
    Point {
        /// Its index.
        point: usize,
        /// Its axis values, `path = value, …`.
        settings: String,
        /// The model's errors.
        errors: ModelError,
    },
}

/// A loaded experiment: the base model as JSON, the axes and the grid.
#[derive(Clone, Debug)]
pub struct Experiment {
    /// Name for reports (the file's, else its stem).
    pub name: String,
    /// The base model as written.
    pub base: Value,
    /// Where the model's own files are relative to.
    pub base_dir: PathBuf,
    /// Replications per point.
    pub replications: u32,
    /// The seed of every point.
    pub seed: u64,
    /// The axes.
    pub axes: Vec<Axis>,
    /// The grid, in order.
    pub points: Vec<Point>,
    /// The objective, if the experiment names one.
    pub slo: Option<Slo>,
    /// Column names of a row: figure names from the first point's model.
    pub columns: Vec<String>,
    /// FNV-1a of every point's compiled model, in point order.
    models_hash: Fnv1a,
}

impl Experiment {
    /// Reads `path`, its model and axes, and checks every point's model.
    pub fn load(path: &Path) -> Result<Experiment, SweepError> {
        let text = model::json_text::read(path).map_err(|e| SweepError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let spec: ExperimentSpec = model::format::deserialize(&text, Format::of(path))
            .map_err(|(path, message)| SweepError::Spec(format!("{path}: {message}")))?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let model_path = dir.join(&spec.model);
        let model_text = model::json_text::read(&model_path).map_err(|e| SweepError::Io {
            path: model_path.clone(),
            message: e.to_string(),
        })?;
        let base =
            model::format::value(&model_text, Format::of(&model_path)).map_err(|message| {
                SweepError::Spec(format!("model `{}`: {message}", model_path.display()))
            })?;
        let name = if spec.name.is_empty() {
            path.file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        } else {
            spec.name.clone()
        };
        Experiment::new(
            name,
            &spec,
            base,
            model_path.parent().unwrap_or(Path::new("")),
        )
    }

    /// An experiment from its parts; checks every point's model.
    pub fn new(
        name: String,
        spec: &ExperimentSpec,
        base: Value,
        base_dir: &Path,
    ) -> Result<Experiment, SweepError> {
        if spec.axes.is_empty() {
            return Err(SweepError::Spec(
                "axes: expected at least one axis, got none".into(),
            ));
        }
        let axes: Vec<Axis> = spec
            .axes
            .iter()
            .enumerate()
            .map(|(i, a)| points::axis(i, a))
            .collect::<Result<_, _>>()
            .map_err(SweepError::Spec)?;
        let replications = spec.replications.get();
        if replications > crate::MAX_REPLICATIONS {
            return Err(SweepError::Spec(format!(
                "replications: expected at most {}, got {replications}",
                crate::MAX_REPLICATIONS
            )));
        }
        let size = axes
            .iter()
            .try_fold(1usize, |n, a| n.checked_mul(a.levels.len()))
            .filter(|&n| n <= MAX_POINTS);
        if size.is_none() {
            let levels: Vec<String> = axes.iter().map(|a| a.levels.len().to_string()).collect();
            let product: f64 = axes.iter().map(|a| a.levels.len() as f64).product();
            return Err(SweepError::Spec(format!(
                "axes: expected a grid of at most {MAX_POINTS} points, got {product} ({})",
                levels.join(" × ")
            )));
        }
        let slo = spec
            .slo
            .as_deref()
            .map(Slo::parse)
            .transpose()
            .map_err(|e| SweepError::Spec(format!("slo: {e}")))?;
        let mut experiment = Experiment {
            name,
            base,
            base_dir: base_dir.to_path_buf(),
            replications,
            seed: 0,
            points: points::grid(&axes),
            axes,
            slo: None,
            columns: Vec::new(),
            models_hash: Fnv1a::default(),
        };
        let mut first: Option<Model> = None;
        let mut models_hash = Fnv1a::default();
        for point in &experiment.points {
            let model = experiment.model(point)?;
            fingerprint::add_model(&mut models_hash, &model);
            first.get_or_insert(model);
        }
        experiment.models_hash = models_hash;
        let first = first.expect("a grid has at least one point");
        experiment.seed = spec.seed.unwrap_or(first.seed);
        experiment.columns = row::columns(&experiment, &first);
        if let Some(slo) = slo {
            experiment
                .set_slo(slo)
                .map_err(|e| SweepError::Spec(format!("slo: {e}")))?;
        }
        Ok(experiment)
    }

    /// Sets the objective (replacing the experiment's own), adding its
    /// columns; errors name a class or node the model lacks.
    pub fn set_slo(&mut self, slo: Slo) -> Result<(), String> {
        let slo = slo.resolve(&self.columns)?;
        if self.slo.is_none() {
            self.columns.extend(row::SLO_COLUMNS.map(String::from));
        }
        self.slo = Some(slo);
        Ok(())
    }

    /// What every row is computed from, as a stable hash (`fnv1a-` and 16
    /// hex digits): the version of capsim, every point's compiled model, the
    /// replications, the seed, the columns and the objective. Rows kept
    /// under another fingerprint are not rows of this experiment.
    pub fn fingerprint(&self) -> String {
        let mut hash = self.models_hash;
        hash.field(env!("CARGO_PKG_VERSION"));
        hash.field(&self.replications.to_string());
        hash.field(&self.seed.to_string());
        for column in &self.columns {
            hash.field(column);
        }
        for condition in self.slo.iter().flat_map(|s| &s.conditions) {
            hash.field(&condition.column);
            hash.field(&format!("{:?}", condition.target));
        }
        format!("fnv1a-{:016x}", hash.value())
    }

    /// The model of `point`: the base with the point's values set.
    pub fn model(&self, point: &Point) -> Result<Model, SweepError> {
        let settings = || {
            point
                .settings
                .iter()
                .map(|(p, v)| format!("{p} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut doc = self.base.clone();
        for (i, (path, value)) in point.settings.iter().enumerate() {
            path::set(&mut doc, path, value.clone()).map_err(|message| {
                SweepError::Spec(format!(
                    "axis path `{path}` (setting {i} of point {}): {message}",
                    point.index
                ))
            })?;
        }
        let topology = model::topology_from_value(doc).map_err(|errors| SweepError::Point {
            point: point.index,
            settings: settings(),
            errors,
        })?;
        model::from_topology_in(&topology, &self.base_dir, LoadOptions::default()).map_err(
            |errors| SweepError::Point {
                point: point.index,
                settings: settings(),
                errors,
            },
        )
    }

    /// Runs the points `select` keeps, in parallel, calling `done` with each
    /// row as it finishes (in any order); returns the rows in point order,
    /// without their histograms (`done` saw them), so that memory follows
    /// the number of points and not the size of their histograms.
    pub fn run(
        &self,
        select: impl Fn(&Point) -> bool + Sync,
        done: &(dyn Fn(&Row) + Sync),
    ) -> Result<Vec<Row>, SweepError> {
        let chosen: Vec<&Point> = self.points.iter().filter(|p| select(p)).collect();
        let mut rows: Vec<Row> = chosen
            .par_iter()
            .map(|point| {
                let model = self.model(point)?;
                let options = crate::RunOptions::default();
                let runs = crate::replicate_figures(
                    &model,
                    self.seed,
                    self.replications,
                    &options,
                    &|_| {},
                );
                let mut row = Row::of(self, point, &model, &runs);
                done(&row);
                row.histogram_us = Vec::new();
                Ok(row)
            })
            .collect::<Result<_, SweepError>>()?;
        rows.sort_by_key(|r| r.point);
        Ok(rows)
    }
}
