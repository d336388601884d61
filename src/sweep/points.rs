//! Axes → the grid of points: each axis a list of levels (one value per
//! path; several for a `zip`), the points their cartesian product with the
//! first axis varying slowest.

use serde_json::Value;

use super::spec::{AxisSpec, Better, RangeSpec, Role, Scale};

/// One axis, compiled: its paths and, per level, one value for each path.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The JSON paths it sets.
    pub paths: Vec<String>,
    /// The levels: `levels[k][j]` is the value of `paths[j]` at level k.
    pub levels: Vec<Vec<Value>>,
    /// A load axis (a condition the design must meet), not a design axis.
    pub load: bool,
    /// Higher values of its first path are better (more capacity, or less load).
    pub higher_is_better: bool,
    /// The axis's name as written (`label`), if any.
    pub label: Option<String>,
    /// Each path's name as written, if any (a `zip`'s parts' labels).
    pub labels: Vec<Option<String>>,
    /// Declared monotone (`"monotone": true`): each level's rank, 0 for the
    /// worst (least capacity, or most load), by the value of its first
    /// path; a better rank is never worse for latency, errors or a
    /// utilization ceiling, and never cheaper. Empty when not declared.
    pub ranks: Vec<usize>,
}

impl Axis {
    /// Sets the role and direction: as written, or from the first path;
    /// and the ranks of a monotone axis (its first path must be numbers).
    fn with_role(self, at: &str, spec: &AxisSpec) -> Result<Axis, String> {
        let mut axis = self.with_direction(spec);
        if spec.monotone == Some(true) {
            axis.ranks = ranks(at, &axis)?;
        }
        Ok(axis)
    }

    /// Sets the role and direction: as written, or from the first path.
    fn with_direction(mut self, spec: &AxisSpec) -> Axis {
        let first = self.paths.first().map_or("", String::as_str);
        self.load = match spec.role {
            Some(role) => role == Role::Load,
            None => self.paths.iter().all(|p| p.starts_with("traffic.")),
        };
        self.label = spec.label.clone();
        self.higher_is_better = match spec.better {
            Some(better) => better == Better::Higher,
            None if self.load => false,
            None => !(first.ends_with("_ms") || first.ends_with("_s")),
        };
        self
    }
}

/// One point of the grid: the value of every path.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Its index in grid order.
    pub index: usize,
    /// (path, value) for every axis path, in axis order.
    pub settings: Vec<(String, Value)>,
}

/// Compiles axis `i` of an experiment; errors name the axis.
pub fn axis(i: usize, spec: &AxisSpec) -> Result<Axis, String> {
    let at = format!("axes[{i}]");
    if let Some(parts) = &spec.zip {
        if spec.path.is_some() || spec.values.is_some() || spec.range.is_some() {
            return Err(format!("{at}: a `zip` axis has only `zip`"));
        }
        return zip_axis(&at, parts)?.with_role(&at, spec);
    }
    let Some(path) = &spec.path else {
        return Err(format!(
            "{at}: expected `path` with `values` or `range`, or `zip`"
        ));
    };
    let values: Vec<Value> = match (&spec.values, &spec.range) {
        (Some(values), None) => values.clone(),
        (None, Some(range)) => range_values(&at, range)?,
        _ => {
            return Err(format!(
                "{at}: expected either `values` or `range` for `{path}`"
            ));
        }
    };
    if values.is_empty() {
        return Err(format!(
            "{at}.values: expected at least one value for `{path}`, got none"
        ));
    }
    Axis {
        paths: vec![path.clone()],
        levels: values.into_iter().map(|v| vec![v]).collect(),
        load: false,
        higher_is_better: true,
        label: None,
        labels: vec![spec.label.clone()],
        ranks: Vec::new(),
    }
    .with_role(&at, spec)
}

/// The rank of each level of a monotone axis: 0 for the worst, by the
/// value of its first path (equal values share a rank).
fn ranks(at: &str, axis: &Axis) -> Result<Vec<usize>, String> {
    let mut values = Vec::with_capacity(axis.levels.len());
    for (k, level) in axis.levels.iter().enumerate() {
        let first = level.first();
        let Some(value) = first.and_then(Value::as_f64) else {
            return Err(format!(
                "{at}: `monotone` orders the levels by the value of `{}`, but level {k} is {}, not a number (in a `zip`, put a numeric axis first)",
                axis.paths[0],
                first.map_or_else(String::new, ToString::to_string)
            ));
        };
        // Rank by "better": ascending values if higher is better.
        values.push(if axis.higher_is_better { value } else { -value });
    }
    Ok(values
        .iter()
        .map(|v| values.iter().filter(|w| *w < v).count())
        .collect())
}

/// A `zip` of axes of equal length, varied together: level k sets every
/// part's level k.
fn zip_axis(at: &str, parts: &[AxisSpec]) -> Result<Axis, String> {
    let parts: Vec<Axis> = parts
        .iter()
        .enumerate()
        .map(|(j, part)| axis(j, part).map_err(|e| format!("{at}.zip.{e}")))
        .collect::<Result<_, _>>()?;
    let Some(first) = parts.first() else {
        return Err(format!("{at}.zip: expected at least one axis, got none"));
    };
    let n = first.levels.len();
    if let Some((j, other)) = parts.iter().enumerate().find(|(_, p)| p.levels.len() != n) {
        return Err(format!(
            "{at}.zip[{j}]: expected {n} values, as `zip[0]`, got {}",
            other.levels.len()
        ));
    }
    Ok(Axis {
        paths: parts.iter().flat_map(|p| p.paths.clone()).collect(),
        levels: (0..n)
            .map(|k| parts.iter().flat_map(|p| p.levels[k].clone()).collect())
            .collect(),
        load: false,
        higher_is_better: true,
        label: None,
        labels: parts.iter().flat_map(|p| p.labels.clone()).collect(),
        ranks: Vec::new(),
    })
}

/// The `steps` values of a `range`, from `from` to `to` inclusive.
fn range_values(at: &str, range: &RangeSpec) -> Result<Vec<Value>, String> {
    let n = range.steps.get();
    if n < 2 {
        return Err(format!("{at}.range.steps: expected at least 2, got {n}"));
    }
    if range.scale == Scale::Geometric && (range.from <= 0.0 || range.to <= 0.0) {
        return Err(format!(
            "{at}.range: a geometric range needs `from` and `to` > 0, got {} and {}",
            range.from, range.to
        ));
    }
    Ok((0..n)
        .map(|k| {
            let f = f64::from(k) / f64::from(n - 1);
            let x = match range.scale {
                Scale::Linear => range.from + (range.to - range.from) * f,
                Scale::Geometric => range.from * (range.to / range.from).powf(f),
            };
            if range.integer {
                Value::from(x.round() as i64)
            } else {
                // 0.1 steps read 0.6, not 0.6000000000000001.
                Value::from((x * 1e9).round() / 1e9)
            }
        })
        .collect())
}

/// The grid: every combination of levels, first axis slowest.
pub fn grid(axes: &[Axis]) -> Vec<Point> {
    let total: usize = axes.iter().map(|a| a.levels.len()).product();
    (0..total)
        .map(|index| {
            let mut rest = index;
            let mut chosen = vec![0; axes.len()];
            for (a, axis) in axes.iter().enumerate().rev() {
                chosen[a] = rest % axis.levels.len();
                rest /= axis.levels.len();
            }
            let settings = axes
                .iter()
                .zip(&chosen)
                .flat_map(|(axis, &k)| {
                    axis.paths
                        .iter()
                        .cloned()
                        .zip(axis.levels[k].iter().cloned())
                })
                .collect();
            Point { index, settings }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: serde_json::Value) -> AxisSpec {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn ranges_and_grids() {
        let a = axis(0, &spec(json!({ "path": "a", "range": { "from": 1, "to": 16, "steps": 5, "scale": "geometric", "integer": true } }))).unwrap();
        assert_eq!(
            a.levels,
            [[json!(1)], [json!(2)], [json!(4)], [json!(8)], [json!(16)]]
        );
        let b = axis(
            1,
            &spec(
                json!({ "zip": [ { "path": "t", "values": ["big", "small"] },
                                              { "path": "n", "values": [1, 4] } ] }),
            ),
        )
        .unwrap();
        assert_eq!(b.paths, ["t", "n"]);
        let points = grid(&[a, b]);
        assert_eq!(points.len(), 10);
        assert_eq!(
            points[3].settings,
            [
                ("a".to_string(), json!(2)),
                ("t".to_string(), json!("small")),
                ("n".to_string(), json!(4))
            ]
        );
    }

    #[test]
    fn bad_axes_are_named() {
        assert_eq!(
            axis(2, &spec(json!({ "path": "a", "values": [] }))),
            Err("axes[2].values: expected at least one value for `a`, got none".to_string())
        );
        assert_eq!(
            axis(
                0,
                &spec(
                    json!({ "zip": [ { "path": "t", "values": [1, 2] }, { "path": "n", "values": [1] } ] })
                )
            ),
            Err("axes[0].zip[1]: expected 2 values, as `zip[0]`, got 1".to_string())
        );
    }
}
