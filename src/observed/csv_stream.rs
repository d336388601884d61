//! A CSV file read a record at a time (the per-request formats can be
//! gigabytes), with the header's columns found by name and every error
//! naming the file, the line and the column.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::trace::CrlfAsLf;

use super::error::ObservedError;

/// A streamed CSV file whose first record is its header.
pub struct CsvStream<'r> {
    path: PathBuf,
    reader: csv::Reader<CrlfAsLf<&'r mut dyn BufRead>>,
    /// The header's cells, trimmed.
    pub header: Vec<String>,
    /// The record read last.
    pub record: csv::StringRecord,
}

impl<'r> CsvStream<'r> {
    /// Reads the header; `expected` names it for the message about an empty file.
    pub fn open(
        path: &Path,
        input: &'r mut dyn BufRead,
        expected: &str,
    ) -> Result<CsvStream<'r>, ObservedError> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // CRLF as LF first: the csv crate counts a CRLF file's lines one
            // too low otherwise (see `trace::CrlfAsLf`).
            .from_reader(CrlfAsLf::new(input));
        let mut stream = CsvStream {
            path: path.to_path_buf(),
            reader,
            header: Vec::new(),
            record: csv::StringRecord::new(),
        };
        if !stream.next()? {
            return Err(ObservedError::at(
                path,
                1,
                1,
                format!("the file is empty: expected a header `{expected}` and rows"),
            ));
        }
        stream.header = stream.record.iter().map(|c| c.trim().to_string()).collect();
        Ok(stream)
    }

    /// Reads the next non-blank record; false at the end.
    pub fn next(&mut self) -> Result<bool, ObservedError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) if self.record.iter().all(|c| c.trim().is_empty()) => continue,
                Ok(true) => return Ok(true),
                Err(error) => {
                    let line = error.position().map_or(1, csv::Position::line);
                    return Err(ObservedError::at(
                        &self.path,
                        line,
                        1,
                        format!("not CSV: {error}"),
                    ));
                }
            }
        }
    }

    /// The 1-based line of the record read last.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(1, csv::Position::line)
    }

    /// The index of column `name`, if the header has it.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of column `name`, or an error on the header line.
    pub fn column(&self, name: &str) -> Result<usize, ObservedError> {
        self.find(name).ok_or_else(|| {
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

    /// The trimmed cell in column `index` of the record read last (empty
    /// if the record is shorter).
    pub fn cell(&self, index: usize) -> &str {
        self.record.get(index).map_or("", str::trim)
    }

    /// An error in column `index` (0-based) of the record read last.
    pub fn error(&self, index: usize, message: impl Into<String>) -> ObservedError {
        ObservedError::at(&self.path, self.line(), index as u64 + 1, message)
    }

    /// The cell in column `index` as a finite number ≥ 0.
    pub fn non_negative(&self, index: usize) -> Result<f64, ObservedError> {
        let cell = self.cell(index);
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(self.error(
                index,
                format!(
                    "`{}`: expected a number ≥ 0, found `{cell}`",
                    self.header[index]
                ),
            )),
        }
    }
}
