//! The cheapest point meeting the objective, per load level: a design is
//! chosen among design points only, and for each level of the load axes
//! apart (a point at a lighter load is not a cheaper design).

use super::{Experiment, Row};

/// (column, value) of some axis paths of a row.
type Settings = Vec<(String, String)>;

/// The cheapest design at one load level.
#[derive(Clone, Debug, PartialEq)]
pub struct Cheapest<'a> {
    /// The load level: (column, value) of every load axis's paths; empty
    /// when the experiment has no load axis.
    pub load: Vec<(String, String)>,
    /// The cheapest row meeting the objective at this level, if one does.
    pub row: Option<&'a Row>,
    /// Its design settings: (column, value) of every design axis's paths.
    pub design: Vec<(String, String)>,
}

/// Costs within this fraction of each other are equal: a bill differs by
/// noise between points whose prices are the same (CDN requests and egress
/// follow the random traffic; an autoscaled fleet its random load).
pub const COST_TIE: f64 = 1e-3;

/// The cheapest of `(index, cost)`: of those within [`COST_TIE`] of the
/// least cost, the first in index order.
pub fn pick_cheapest(candidates: impl IntoIterator<Item = (usize, f64)>) -> Option<(usize, f64)> {
    let candidates: Vec<(usize, f64)> = candidates.into_iter().collect();
    let least = (candidates.iter().map(|c| c.1))
        .filter(|c| !c.is_nan())
        .min_by(f64::total_cmp)?;
    (candidates.into_iter())
        .filter(|(_, c)| *c <= least + least.abs() * COST_TIE)
        .min_by_key(|(i, _)| *i)
}

/// For each load level of `rows` (in the order they first appear), the
/// row of least `usd_per_hour` with `meets_slo` = 1 (costs within
/// [`COST_TIE`] are equal: the first in grid order of those). Empty
/// without an objective.
pub fn cheapest<'a>(experiment: &Experiment, rows: &'a [Row]) -> Vec<Cheapest<'a>> {
    let column = |name: &str| experiment.columns.iter().position(|c| c == name);
    let (Some(meets), Some(cost)) = (column("meets_slo"), column("usd_per_hour")) else {
        return Vec::new();
    };
    // Axis paths are columns 1, 2, … in axis order.
    let (mut load, mut design) = (Vec::new(), Vec::new());
    let mut next = 1;
    for axis in &experiment.axes {
        let columns = next..next + axis.paths.len();
        next = columns.end;
        if axis.load {
            load.extend(columns);
        } else {
            design.extend(columns);
        }
    }
    let cells = |row: &Row, columns: &[usize]| -> Vec<(String, String)> {
        columns
            .iter()
            .filter_map(|&c| {
                Some((
                    experiment.columns.get(c)?.clone(),
                    row.cells.get(c)?.clone(),
                ))
            })
            .collect()
    };
    let price = |row: &Row| {
        row.cells
            .get(cost)
            .and_then(|c| c.parse::<f64>().ok())
            .filter(|p| p.is_finite())
            .unwrap_or(f64::INFINITY)
    };
    // (a load level's settings, the rows meeting the objective there)
    let mut levels: Vec<(Settings, Vec<usize>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let level = cells(row, &load);
        let at = match levels.iter().position(|l| l.0 == level) {
            Some(at) => at,
            None => {
                levels.push((level, Vec::new()));
                levels.len() - 1
            }
        };
        if row.cells.get(meets).is_some_and(|m| m == "1") {
            levels[at].1.push(i);
        }
    }
    (levels.into_iter())
        .map(|(load, meeting)| {
            let best = pick_cheapest(meeting.iter().map(|&i| (rows[i].point, price(&rows[i]))));
            let row = best.and_then(|(point, _)| rows.iter().find(|r| r.point == point));
            Cheapest {
                load,
                row,
                design: row.map_or_else(Vec::new, |r| cells(r, &design)),
            }
        })
        .collect()
}
