//! Sweep results as files: the final CSV (a header, then one row per point
//! in point order), the partial file written as points finish (a line
//! naming what the rows were computed from, then the same rows in
//! finishing order, so an interrupted sweep keeps them), and the merged
//! latency histograms beside the CSV (a manifest line, then one line per
//! point). Merging shards is `sweep_merge`.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sweep::Row;

use super::ReportError;

/// The first line of a partial file, before the fingerprint of its inputs.
const PARTIAL_MARK: &str = "# capsim partial sweep, inputs ";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn reading(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// What a sweep's files hold: the first line of its histograms file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The experiment's name.
    pub sweep: String,
    /// The fingerprint of what the rows were computed from (`Experiment::fingerprint`).
    pub inputs: String,
    /// Points in the experiment's whole grid.
    pub points: usize,
    /// `[i, n]` for shard i of n; absent for the whole grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<(usize, usize)>,
}

/// The CSV text of `columns` (no header line if empty) and `rows`, in the order given.
pub fn render(columns: &[String], rows: &[Row]) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if !columns.is_empty() {
        out.write_record(columns)?;
    }
    for row in rows {
        out.write_record(&row.cells)?;
    }
    out.into_inner()
        .map_err(|error| ReportError::Csv(error.into_error().into()))
}

/// Writes the final CSV: rows sorted by point.
pub fn write(path: &Path, columns: &[String], rows: &mut [Row]) -> Result<(), ReportError> {
    rows.sort_by_key(|r| r.point);
    std::fs::write(path, render(columns, rows)?).map_err(io(path))
}

/// Reads a final sweep CSV: its header and its rows, every one complete
/// (a row with the wrong number of fields, or without a point number, is
/// an error naming its line).
pub fn read(path: &Path) -> Result<(Vec<String>, Vec<Row>), ReportError> {
    let file = File::open(path).map_err(reading(path))?;
    read_rows(file, path, true)
}

/// A partial file as read back.
#[derive(Clone, Debug)]
pub struct Partial {
    /// The fingerprint its rows were computed from (`None`: a file without
    /// one, from an older capsim or not a partial file).
    pub inputs: Option<String>,
    /// Its header.
    pub columns: Vec<String>,
    /// Its complete rows; a row cut short (the sweep was killed while
    /// writing it) is dropped.
    pub rows: Vec<Row>,
}

/// Reads a partial file.
pub fn read_partial(path: &Path) -> Result<Partial, ReportError> {
    let mut reader = BufReader::new(File::open(path).map_err(reading(path))?);
    let mut first = String::new();
    reader.read_line(&mut first).map_err(reading(path))?;
    let Some(inputs) = first.trim_end().strip_prefix(PARTIAL_MARK) else {
        return Ok(Partial {
            inputs: None,
            columns: Vec::new(),
            rows: Vec::new(),
        });
    };
    let (columns, rows) = read_rows(reader, path, false)?;
    Ok(Partial {
        inputs: Some(inputs.to_string()),
        columns,
        rows,
    })
}

/// Rows of a sweep CSV from `source`; `strict`: a malformed row is an error,
/// else it is skipped.
fn read_rows(
    source: impl Read,
    path: &Path,
    strict: bool,
) -> Result<(Vec<String>, Vec<Row>), ReportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let columns: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let malformed = |line: u64, what: String| {
            ReportError::Sweep(format!(
                "`{}` line {line}: {what}: not a row as `capsim sweep` writes it",
                path.display()
            ))
        };
        let record = match record {
            Ok(record) => record,
            Err(_) if !strict => continue,
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                return Err(malformed(line, error.to_string()));
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let point = record.get(0).map(str::parse::<usize>);
        let Some(Ok(point)) = point else {
            if strict {
                let got = record.get(0).unwrap_or("");
                return Err(malformed(
                    line,
                    format!("expected a point number, got `{got}`"),
                ));
            }
            continue;
        };
        if record.len() != columns.len() {
            if strict {
                let what = format!("expected {} fields, got {}", columns.len(), record.len());
                return Err(malformed(line, what));
            }
            continue;
        }
        rows.push(Row {
            point,
            cells: record.iter().map(str::to_string).collect(),
            histogram_us: Vec::new(),
        });
    }
    Ok((columns, rows))
}

/// Appends finished rows to the partial file, one flushed line each.
pub struct Appender {
    file: File,
    path: PathBuf,
}

impl Appender {
    /// Opens `path` for appending; if `fresh`, truncates it and writes the
    /// line naming `inputs`, then `columns`.
    pub fn open(
        path: &Path,
        columns: &[String],
        inputs: &str,
        fresh: bool,
    ) -> Result<Appender, ReportError> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(!fresh)
            .write(true)
            .truncate(fresh)
            .open(path)
            .map_err(io(path))?;
        if fresh {
            let mut head = format!("{PARTIAL_MARK}{inputs}\n").into_bytes();
            head.extend(render(columns, &[])?);
            file.write_all(&head).map_err(io(path))?;
        }
        Ok(Appender {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends `row` and flushes it to the file.
    pub fn append(&mut self, row: &Row) -> Result<(), ReportError> {
        let line = render(&[], std::slice::from_ref(row))?;
        self.file.write_all(&line).map_err(io(&self.path))?;
        self.file.flush().map_err(io(&self.path))
    }
}

/// One point's merged histogram, as a line of the histograms file.
#[derive(serde::Serialize, serde::Deserialize)]
struct PointHistogram {
    point: usize,
    histogram_us: Vec<(u64, u64)>,
}

/// The histograms file of a sweep CSV: `x.csv` → `x.histograms.jsonl`.
pub fn histograms_path(csv: &Path) -> PathBuf {
    csv.with_extension("histograms.jsonl")
}

/// Writes `manifest` as a line of `file`.
pub fn write_manifest(
    file: &mut File,
    path: &Path,
    manifest: &Manifest,
) -> Result<(), ReportError> {
    let mut line = serde_json::to_vec(manifest)?;
    line.push(b'\n');
    file.write_all(&line).map_err(io(path))?;
    file.flush().map_err(io(path))
}

/// Appends a row's merged histogram (one JSON line, flushed) to `file`.
pub fn append_histogram(file: &mut File, path: &Path, row: &Row) -> Result<(), ReportError> {
    let mut line = serde_json::to_vec(&PointHistogram {
        point: row.point,
        histogram_us: row.histogram_us.clone(),
    })?;
    line.push(b'\n');
    file.write_all(&line).map_err(io(path))?;
    file.flush().map_err(io(path))
}

/// A histograms file, indexed: its manifest, if its first line is one, and
/// (point, offset, length) of every complete point line (a torn last one
/// is left out). The lines themselves stay in the file.
pub struct HistogramIndex {
    /// The first line, if it is a manifest.
    pub manifest: Option<Manifest>,
    /// (point, byte offset, byte length) of each point's line, in file order.
    pub lines: Vec<(usize, u64, usize)>,
}

/// Indexes the histograms file `path`.
pub fn index_histograms(path: &Path) -> Result<HistogramIndex, ReportError> {
    let mut reader = BufReader::new(File::open(path).map_err(reading(path))?);
    let mut index = HistogramIndex {
        manifest: None,
        lines: Vec::new(),
    };
    let (mut offset, mut line) = (0u64, String::new());
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(reading(path))?;
        if read == 0 {
            break;
        }
        if offset == 0 {
            index.manifest = serde_json::from_str(line.trim_end()).ok();
        }
        // A complete line parses; a torn last one does not.
        if line.ends_with('\n')
            && let Ok(h) = serde_json::from_str::<PointHistogram>(line.trim_end())
        {
            index.lines.push((h.point, offset, read));
        }
        offset += read as u64;
    }
    Ok(index)
}

/// Writes `dest`: `manifest`, then the lines `picked` (source file, offset,
/// length) in the order given. Lines are copied, not parsed into memory,
/// so memory follows the number of points, not the size of histograms.
pub fn copy_histograms(
    sources: &[PathBuf],
    picked: &[(usize, u64, usize)],
    manifest: &Manifest,
    dest: &Path,
) -> Result<(), ReportError> {
    let mut out = File::create(dest).map_err(io(dest))?;
    write_manifest(&mut out, dest, manifest)?;
    let mut out = std::io::BufWriter::new(out);
    let mut files: Vec<Option<File>> = sources.iter().map(|_| None).collect();
    let mut buffer = Vec::new();
    for &(f, offset, len) in picked {
        let (Some(path), Some(slot)) = (sources.get(f), files.get_mut(f)) else {
            continue;
        };
        if slot.is_none() {
            *slot = Some(File::open(path).map_err(reading(path))?);
        }
        let file = slot.as_mut().expect("opened just above");
        file.seek(SeekFrom::Start(offset)).map_err(reading(path))?;
        buffer.resize(len, 0);
        file.read_exact(&mut buffer).map_err(reading(path))?;
        out.write_all(&buffer).map_err(io(dest))?;
    }
    out.flush().map_err(io(dest))
}

/// Writes `dest` from one partial histograms file: `manifest`, then each
/// point's line (the first kept for a point), in point order.
pub fn write_sorted_histograms(
    source: &Path,
    manifest: &Manifest,
    dest: &Path,
) -> Result<(), ReportError> {
    let mut lines = index_histograms(source)?.lines;
    lines.sort_by_key(|&(point, offset, _)| (point, offset));
    lines.dedup_by_key(|entry| entry.0);
    let picked: Vec<(usize, u64, usize)> = lines
        .into_iter()
        .map(|(_, offset, len)| (0, offset, len))
        .collect();
    copy_histograms(&[source.to_path_buf()], &picked, manifest, dest)
}

/// Writes the histograms of `rows` (in their order) after `manifest`.
pub fn write_histograms(path: &Path, manifest: &Manifest, rows: &[Row]) -> Result<(), ReportError> {
    let mut file = File::create(path).map_err(io(path))?;
    write_manifest(&mut file, path, manifest)?;
    for row in rows {
        append_histogram(&mut file, path, row)?;
    }
    Ok(())
}
