//! An experiment as written in JSON: a base model and the axes to vary.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::units::Count;

/// An experiment file.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// The JSON Schema this file follows (`capsim schema experiment` prints
    /// it), for an editor's completion and checks; capsim itself ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// A name for reports.
    #[serde(default)]
    pub name: String,
    /// The base model, relative to the experiment file.
    pub model: String,
    /// Replications per point (default 5).
    #[serde(default = "five")]
    pub replications: Count,
    /// Master seed of every point (default: the model's). Every point uses
    /// it: common random numbers.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The axes; the points are their cartesian product, first axis slowest.
    pub axes: Vec<AxisSpec>,
    /// A service-level objective, as `--slo` takes it (`p99<200ms,errors<1%`).
    #[serde(default)]
    pub slo: Option<String>,
}

fn five() -> Count {
    Count::try_from(5.0).expect("constant in range")
}

/// One axis: a path and its values, a path and a range, or several axes
/// varied together (`zip`).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// A JSON path into the model: `nodes.web.pool.instances`, `nodes.web.pool.calls[0].probability`.
    #[serde(default)]
    pub path: Option<String>,
    /// The values, in order.
    #[serde(default)]
    pub values: Option<Vec<serde_json::Value>>,
    /// A range of numbers instead of `values`.
    #[serde(default)]
    pub range: Option<RangeSpec>,
    /// Axes of equal length varied together (instance type and count at equal cost).
    #[serde(default)]
    pub zip: Option<Vec<AxisSpec>>,
    /// `design` (what is being chosen: sizes, types) or `load` (the
    /// conditions it must meet: rates, users). Default: `load` for paths
    /// under `traffic`, `design` otherwise.
    #[serde(default)]
    pub role: Option<Role>,
    /// Which way of the axis's numbers is more capacity or less load, for
    /// `--search`: `higher` or `lower`. Default: for a load axis `lower`
    /// (less load); for a design axis `lower` if its path ends in a time
    /// (`_ms`, `_s`), else `higher` (more instances, workers, keys).
    #[serde(default)]
    pub better: Option<Better>,
    /// Declares the axis monotone for the design search (`--search` with
    /// several axes): along `better`, a level is never worse for latency,
    /// errors or a utilization ceiling, and never cheaper (more instances,
    /// bigger instances, a higher hit ratio; on a load axis, less load).
    /// The search then infers points it need not run. Needs numbers.
    #[serde(default)]
    pub monotone: Option<bool>,
    /// The axis's name in reports and plots (`web instances`), instead of
    /// its path; on a `zip`, the name of the whole axis.
    #[serde(default)]
    pub label: Option<String>,
}

/// What an axis varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A choice of the design: the cheapest point is chosen among these.
    Design,
    /// A condition the design must meet: the cheapest point is named per level.
    Load,
}

/// Which way of an axis is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Higher values: more capacity, or less load.
    Higher,
    /// Lower values.
    Lower,
}

/// `from` to `to` in `steps` points.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// First value.
    pub from: f64,
    /// Last value.
    pub to: f64,
    /// Number of values (≥ 2).
    pub steps: Count,
    /// `linear` (default) or `geometric` (equal ratios; from and to > 0).
    #[serde(default)]
    pub scale: Scale,
    /// Round each value to an integer (instance counts, capacities).
    #[serde(default)]
    pub integer: bool,
}

/// Spacing of a range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Equal differences.
    #[default]
    Linear,
    /// Equal ratios.
    Geometric,
}
