//! `--search`: bisection over an experiment's one axis for the boundary of
//! its objective: the least capacity that meets it on a design axis, the
//! most load that still meets it on a load axis. Levels are ordered by
//! value, worst first (which way is worse is the axis's `better`), so the
//! answer is the first level in that order that meets the objective.

use std::sync::Mutex;

use super::{Experiment, Row, SweepError};

/// What a search ran and found.
#[derive(Clone, Debug)]
pub struct Found {
    /// The rows it ran, in point order.
    pub rows: Vec<Row>,
    /// The boundary point, if any level meets the objective.
    pub point: Option<usize>,
    /// What the boundary is, in words: "the least `nodes.web.pool.instances`",
    /// "the highest load `traffic.arrivals.poisson.rate_rps`".
    pub boundary: String,
}

impl Experiment {
    /// Finds the boundary level of the experiment's one axis by bisection;
    /// the axis must be monotone (each level, worst first, meets the
    /// objective if the one before does). Runs about log2(levels) + 1
    /// points, one at a time, calling `ran` with each row as it finishes.
    pub fn search(&self, ran: &dyn Fn(&Row)) -> Result<Found, SweepError> {
        let [axis] = self.axes.as_slice() else {
            return Err(SweepError::Spec(format!(
                "--search needs exactly one axis, a monotone one (an instance count, a load); this experiment has {}",
                self.axes.len()
            )));
        };
        let meets = self
            .columns
            .iter()
            .position(|c| c == "meets_slo")
            .ok_or_else(|| {
                SweepError::Spec("--search needs an objective (`slo` or --slo)".into())
            })?;
        let order = self.worst_first()?;
        let mut rows: Vec<Row> = Vec::new();
        let mut run_point = |index: usize| -> Result<bool, SweepError> {
            let kept = Mutex::new(None);
            self.run(|p| p.index == index, &|row| {
                *kept.lock().expect("not poisoned") = Some(row.clone());
            })?;
            let row = kept
                .into_inner()
                .expect("not poisoned")
                .expect("the selected point ran");
            let met = row.cells[meets] == "1";
            ran(&row);
            rows.push(row);
            Ok(met)
        };
        let path = &axis.paths[0];
        let boundary = match (axis.load, axis.higher_is_better) {
            (true, false) => format!("the highest load `{path}`"),
            (true, true) => format!("the lowest `{path}`"),
            (false, true) => format!("the least `{path}`"),
            (false, false) => format!("the most `{path}`"),
        };
        let (mut lo, mut hi) = (0, order.len() - 1);
        let point = if run_point(order[hi])? {
            // Invariant: the level at `hi` meets the objective; none before `lo` does.
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if run_point(order[mid])? {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            Some(order[hi])
        } else {
            None
        };
        rows.sort_by_key(|r| r.point);
        Ok(Found {
            rows,
            point,
            boundary,
        })
    }

    /// The points of the one axis ordered worst first: by the value of its
    /// first path, ascending if higher values are better.
    fn worst_first(&self) -> Result<Vec<usize>, SweepError> {
        let axis = &self.axes[0];
        let mut keyed = Vec::with_capacity(axis.levels.len());
        for (k, level) in axis.levels.iter().enumerate() {
            let value = level.first().and_then(serde_json::Value::as_f64);
            let Some(value) = value else {
                return Err(SweepError::Spec(format!(
                    "--search orders the levels of `{}` by value, but level {k} is {}, not a number (in a `zip`, put a numeric axis first)",
                    axis.paths[0],
                    level.first().map_or_else(String::new, ToString::to_string)
                )));
            };
            keyed.push((value, k));
        }
        keyed.sort_by(|a, b| {
            let ascending = a.0.total_cmp(&b.0);
            if axis.higher_is_better {
                ascending
            } else {
                ascending.reverse()
            }
        });
        // With one axis, level k is point k.
        Ok(keyed.into_iter().map(|(_, k)| k).collect())
    }
}
