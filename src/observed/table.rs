//! A CSV file as rows of cells that remember their line, and cells read as
//! numbers with errors that name the file, the line and the column.
//!
//! Lines are counted here, from each record's byte offset, not taken from
//! the csv crate's `Position::line`: that one counts a CRLF file's lines one
//! too low after the header (Locust writes CRLF: Python's `csv.writer`
//! ends rows with `\r\n` by default, and `StatsCSVFileWriter` in
//! locust/stats.py keeps that default), so every message would point above
//! the bad line.

use std::path::{Path, PathBuf};

use super::error::ObservedError;

/// A CSV file with a header, every row the header's length.
pub struct Table {
    /// The file, for messages.
    pub path: PathBuf,
    /// Header cells.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<Row>,
}

/// One data row.
pub struct Row {
    /// 1-based line in the file.
    pub line: u64,
    /// Its cells, as many as the header's.
    pub cells: Vec<String>,
}

impl Table {
    /// Reads `text` (the contents of `path`). `expected` names the header a
    /// user should write, for the message about an empty file.
    pub fn parse(path: &Path, text: &str, expected: &str) -> Result<Table, ObservedError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(None)
            .from_reader(text.as_bytes());
        let mut header: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        let mut lines = LineCounter::new(text);
        for record in reader.records() {
            let record = record.map_err(|error| {
                let line = error.position().map_or(1, |p| lines.line_at(p.byte()));
                ObservedError::at(path, line, 1, format!("not CSV: {error}"))
            })?;
            let line = record.position().map_or(1, |p| lines.line_at(p.byte()));
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            match &header {
                None => header = Some(cells),
                Some(names) => {
                    if cells.len() != names.len() {
                        let column = cells.len().min(names.len()) as u64 + 1;
                        return Err(ObservedError::at(
                            path,
                            line,
                            column,
                            format!(
                                "expected {} cells as in the header, found {}",
                                names.len(),
                                cells.len()
                            ),
                        ));
                    }
                    rows.push(Row { line, cells });
                }
            }
        }
        let Some(header) = header else {
            return Err(ObservedError::at(
                path,
                1,
                1,
                format!("the file is empty: expected a header `{expected}` and rows"),
            ));
        };
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The 0-based index of column `name`, or an error on the header line.
    pub fn column(&self, name: &str) -> Result<usize, ObservedError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            ObservedError::at(
                &self.path,
                1,
                self.header.len() as u64 + 1,
                format!(
                    "missing column `{name}` (the header has: {})",
                    self.header.join(", ")
                ),
            )
        })
    }

    /// An error at `row`, in column `index` (0-based).
    pub fn error(&self, row: &Row, index: usize, message: impl Into<String>) -> ObservedError {
        ObservedError::at(&self.path, row.line, index as u64 + 1, message)
    }

    /// The cell of `row` in column `index` as a finite number.
    pub fn number(&self, row: &Row, index: usize) -> Result<f64, ObservedError> {
        self.optional_number(row, index)?.ok_or_else(|| {
            self.error(
                row,
                index,
                format!("`{}`: expected a number, found `N/A`", self.header[index]),
            )
        })
    }

    /// As [`Table::number`], with Locust's `N/A` (no requests to measure) as `None`.
    pub fn optional_number(&self, row: &Row, index: usize) -> Result<Option<f64>, ObservedError> {
        let cell = &row.cells[index];
        if cell == "N/A" {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.error(
                row,
                index,
                format!(
                    "`{}`: expected a number, found `{cell}`",
                    self.header[index]
                ),
            )),
        }
    }
}

/// 1-based line numbers from byte offsets, for offsets that only grow (as
/// the records of one reader do): each byte is looked at once.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record that starts at byte `offset`: one more than
    /// the `\n`s before its first character. The csv crate gives a record
    /// of a CRLF file the offset of the previous line's `\n` (it stops at
    /// `\r`), so line ends at the offset are skipped first.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while end < self.text.len() && matches!(self.text[end], b'\r' | b'\n') {
            end += 1;
        }
        if end > self.offset {
            let newlines = self.text[self.offset..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = end;
        }
        self.line
    }
}
