//! A CSV read whole for plotting (sweep results and series are small).

use std::path::Path;

use super::PlotError;

/// Columns by name, cells as text.
pub struct Table {
    /// Header.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let bad = |e: String| PlotError::Input(format!("`{}`: {e}", path.display()));
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let columns = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Table { columns, rows })
    }

    /// The index of column `name`, or an error naming the columns there are.
    pub fn index(&self, name: &str) -> Result<usize, PlotError> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            PlotError::Input(format!(
                "no column `{name}` (columns: {})",
                self.columns.join(", ")
            ))
        })
    }

    /// Column `name` as numbers (NaN where empty or not a number).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, PlotError> {
        let i = self.index(name)?;
        Ok(self
            .rows
            .iter()
            .map(|r| r[i].parse().unwrap_or(f64::NAN))
            .collect())
    }

    /// Column `name` as text.
    pub fn texts(&self, name: &str) -> Result<Vec<String>, PlotError> {
        let i = self.index(name)?;
        Ok(self.rows.iter().map(|r| r[i].clone()).collect())
    }
}
