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

mod path;
mod points;
mod row;
pub mod slo;
pub mod spec;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::model::{self, LoadOptions, Model, ModelError};

pub use points::{Axis, Point};
pub use row::{Row, columns};
pub use slo::Slo;
pub use spec::ExperimentSpec;

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
    /// A point's model is invalid: which point, and the model's errors.
    #[error("point {point} ({settings}) is not a valid model:\n{source}")]
    Point {
        /// Its index.
        point: usize,
        /// Its axis values, `path = value, …`.
        settings: String,
        /// The model's errors.
        source: ModelError,
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
}

impl Experiment {
    /// Reads `path`, its model and axes, and checks every point's model.
    pub fn load(path: &Path) -> Result<Experiment, SweepError> {
        let text = model::json_text::read(path).map_err(|e| SweepError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let spec: ExperimentSpec = serde_path_to_error::deserialize(de).map_err(|e| {
            let message = model::json_text::explain(&text, e.inner());
            SweepError::Spec(format!("{}: {message}", e.path()))
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let model_path = dir.join(&spec.model);
        let model_text = model::json_text::read(&model_path).map_err(|e| SweepError::Io {
            path: model_path.clone(),
            message: e.to_string(),
        })?;
        let base: Value = serde_json::from_str(&model_text).map_err(|e| {
            let message = model::json_text::explain(&model_text, &e);
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
            replications: spec.replications.get(),
            seed: 0,
            points: points::grid(&axes),
            axes,
            slo,
            columns: Vec::new(),
        };
        let mut first: Option<Model> = None;
        for point in &experiment.points {
            let model = experiment.model(point)?;
            first.get_or_insert(model);
        }
        let first = first.expect("a grid has at least one point");
        experiment.seed = spec.seed.unwrap_or(first.seed);
        experiment.columns = row::columns(&experiment, &first);
        Ok(experiment)
    }

    /// Sets the objective (replacing the experiment's own), adding `meets_slo`.
    pub fn set_slo(&mut self, slo: Slo) {
        if self.slo.is_none() {
            self.columns.push("meets_slo".into());
        }
        self.slo = Some(slo);
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
        let topology = model::topology_from_value(doc).map_err(|source| SweepError::Point {
            point: point.index,
            settings: settings(),
            source,
        })?;
        model::from_topology_in(&topology, &self.base_dir, LoadOptions::default()).map_err(
            |source| SweepError::Point {
                point: point.index,
                settings: settings(),
                source,
            },
        )
    }

    /// Finds the first level of the experiment's one axis whose point meets
    /// the objective, by bisection: the axis must be monotone (each level at
    /// least as good as the one before, as instance counts are). Returns the
    /// rows it ran, in point order, and the index of the first point that
    /// meets the objective, if any. Runs about log2(levels) + 1 points.
    pub fn search(&self) -> Result<(Vec<Row>, Option<usize>), SweepError> {
        if self.axes.len() != 1 {
            return Err(SweepError::Spec(format!(
                "--search needs exactly one axis, a monotone one (an instance count); this experiment has {}",
                self.axes.len()
            )));
        }
        let meets = self
            .columns
            .iter()
            .position(|c| c == "meets_slo")
            .ok_or_else(|| {
                SweepError::Spec("--search needs an objective (`slo` or --slo)".into())
            })?;
        let mut rows: Vec<Row> = Vec::new();
        let mut run_point = |index: usize| -> Result<bool, SweepError> {
            let kept = std::sync::Mutex::new(None);
            self.run(|p| p.index == index, &|row| {
                *kept.lock().expect("not poisoned") = Some(row.clone());
            })?;
            let row = kept
                .into_inner()
                .expect("not poisoned")
                .expect("the point ran");
            let met = row.cells[meets] == "1";
            rows.push(row);
            Ok(met)
        };
        let (mut lo, mut hi) = (0, self.points.len() - 1);
        if !run_point(hi)? {
            rows.sort_by_key(|r| r.point);
            return Ok((rows, None));
        }
        // Invariant: the point at `hi` meets the objective; none before `lo` does.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if run_point(mid)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        rows.sort_by_key(|r| r.point);
        Ok((rows, Some(hi)))
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
                let runs = crate::replicate(&model, self.seed, self.replications);
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
