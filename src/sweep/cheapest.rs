//! The cheapest point meeting the objective, per load level: a design is
//! chosen among design points only, and for each level of the load axes
//! apart (a point at a lighter load is not a cheaper design).

use super::{Experiment, Row};

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

/// For each load level of `rows` (in the order they first appear), the
/// row of least `usd_per_hour` with `meets_slo` = 1 (the first of equals).
/// Empty without an objective.
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
    let mut levels: Vec<Cheapest<'a>> = Vec::new();
    for row in rows {
        let level = cells(row, &load);
        let at = match levels.iter().position(|l| l.load == level) {
            Some(at) => at,
            None => {
                levels.push(Cheapest {
                    load: level,
                    row: None,
                    design: Vec::new(),
                });
                levels.len() - 1
            }
        };
        let entry = &mut levels[at];
        let meets = row.cells.get(meets).is_some_and(|m| m == "1");
        if meets && entry.row.is_none_or(|best| price(row) < price(best)) {
            entry.row = Some(row);
            entry.design = cells(row, &design);
        }
    }
    levels
}
