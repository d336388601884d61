//! Sweep results as CSV: the final file (a header, then one row per point in
//! point order), the partial file written as points finish (the same rows
//! in finishing order, so an interrupted sweep keeps them), and merging the
//! files of several shards.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::sweep::Row;

use super::ReportError;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
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

/// Reads a sweep CSV (final or partial): its header and its complete rows.
/// A row cut short (the sweep was killed while writing it) is dropped.
pub fn read(path: &Path) -> Result<(Vec<String>, Vec<Row>), ReportError> {
    let file = File::open(path).map_err(io(path))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let columns: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let Some(Ok(point)) = record.get(0).map(str::parse::<usize>) else {
            continue;
        };
        if record.len() == columns.len() {
            rows.push(Row {
                point,
                cells: record.iter().map(str::to_string).collect(),
                histogram_us: Vec::new(),
            });
        }
    }
    Ok((columns, rows))
}

/// Appends finished rows to the partial file, one flushed line each.
pub struct Appender {
    file: File,
    path: std::path::PathBuf,
}

impl Appender {
    /// Opens `path` for appending; writes `columns` first if it is new.
    pub fn open(path: &Path, columns: &[String], fresh: bool) -> Result<Appender, ReportError> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(!fresh)
            .write(true)
            .truncate(fresh)
            .open(path)
            .map_err(io(path))?;
        if fresh {
            file.write_all(&render(columns, &[])?).map_err(io(path))?;
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

/// Merges the CSVs of shards into the rows one run would have written.
pub fn merge(parts: &[&Path]) -> Result<(Vec<String>, Vec<Row>), ReportError> {
    let mut columns: Option<Vec<String>> = None;
    let mut rows: Vec<Row> = Vec::new();
    for part in parts {
        let (header, part_rows) = read(part)?;
        match &columns {
            None => columns = Some(header),
            Some(first) if *first != header => {
                return Err(ReportError::Mismatch {
                    path: part.to_path_buf(),
                });
            }
            Some(_) => {}
        }
        rows.extend(part_rows);
    }
    rows.sort_by_key(|r| r.point);
    rows.dedup_by_key(|r| r.point);
    Ok((columns.unwrap_or_default(), rows))
}

/// One point's merged histogram, as a line of the histograms file.
#[derive(serde::Serialize, serde::Deserialize)]
struct PointHistogram {
    point: usize,
    histogram_us: Vec<(u64, u64)>,
}

/// The histograms file of a sweep CSV: `x.csv` → `x.histograms.jsonl`.
pub fn histograms_path(csv: &Path) -> std::path::PathBuf {
    csv.with_extension("histograms.jsonl")
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

/// Writes `dest`: the complete lines of the histogram files `sources`, one
/// per point (the first found), in point order. Lines are copied, not
/// parsed into memory: the files are indexed (point, file, offset), then
/// read back line by line, so memory follows the number of points, not the
/// size of their histograms.
pub fn write_sorted_histograms(
    sources: &[std::path::PathBuf],
    dest: &Path,
) -> Result<(), ReportError> {
    use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
    let mut index: Vec<(usize, usize, u64, usize)> = Vec::new();
    for (f, path) in sources.iter().enumerate() {
        let Ok(file) = File::open(path) else { continue };
        let mut reader = BufReader::new(file);
        let (mut offset, mut line) = (0u64, String::new());
        loop {
            line.clear();
            let read = reader.read_line(&mut line).map_err(io(path))?;
            if read == 0 {
                break;
            }
            // A complete line parses; a torn last one does not.
            if line.ends_with('\n')
                && let Ok(h) = serde_json::from_str::<PointHistogram>(line.trim_end())
            {
                index.push((h.point, f, offset, read));
            }
            offset += read as u64;
        }
    }
    index.sort_by_key(|&(point, f, offset, _)| (point, f, offset));
    index.dedup_by_key(|entry| entry.0);
    let mut out = std::io::BufWriter::new(File::create(dest).map_err(io(dest))?);
    let mut files: Vec<Option<File>> = sources.iter().map(|p| File::open(p).ok()).collect();
    let mut buffer = Vec::new();
    for (_, f, offset, len) in index {
        let file = files[f].as_mut().expect("indexed files are open");
        file.seek(SeekFrom::Start(offset))
            .map_err(io(&sources[f]))?;
        buffer.resize(len, 0);
        file.read_exact(&mut buffer).map_err(io(&sources[f]))?;
        out.write_all(&buffer).map_err(io(dest))?;
    }
    out.flush().map_err(io(dest))
}

/// Writes the histograms of `rows` (in their order), one JSON line each.
pub fn write_histograms(path: &Path, rows: &[Row]) -> Result<(), ReportError> {
    let mut file = File::create(path).map_err(io(path))?;
    for row in rows {
        append_histogram(&mut file, path, row)?;
    }
    Ok(())
}
