//! Merging the files of a sweep's shards into the files one run would have
//! written, refusing parts that are not, together, exactly one sweep's
//! grid: parts computed from other inputs, a point in two parts, a point
//! missing (named, with the shard that holds it), a malformed row or a
//! histograms file that does not match its CSV.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::sweep::Row;

use super::ReportError;
use super::sweep::{Manifest, copy_histograms, histograms_path, index_histograms, read, write};

/// The most point numbers an error lists before saying how many more.
const LISTED: usize = 12;

/// Shards merged: what one run would have written.
pub struct Merged {
    /// The whole grid's manifest.
    pub manifest: Manifest,
    /// The CSV header.
    pub columns: Vec<String>,
    /// Every point's row, in point order.
    pub rows: Vec<Row>,
    /// The histograms files of the parts, and (part, offset, length) of
    /// every point's line, in point order.
    histograms: (Vec<PathBuf>, Vec<(usize, u64, usize)>),
}

fn refuse(message: String) -> ReportError {
    ReportError::Sweep(message)
}

/// Reads and checks `parts` (sweep CSVs, each with its histograms file).
pub fn merge(parts: &[PathBuf]) -> Result<Merged, ReportError> {
    let sources: Vec<PathBuf> = parts.iter().map(|p| histograms_path(p)).collect();
    let mut first: Option<(Manifest, Vec<String>)> = None;
    let mut owner: BTreeMap<usize, (usize, Row, (u64, usize))> = BTreeMap::new();
    let mut shards = Vec::new();
    for (f, (part, source)) in parts.iter().zip(&sources).enumerate() {
        let (columns, rows) = read(part)?;
        let manifest = part_manifest(part, source)?;
        let lines: BTreeMap<usize, (u64, usize)> = index_histograms(source)?
            .lines
            .into_iter()
            .map(|(point, offset, len)| (point, (offset, len)))
            .collect();
        match &first {
            None => first = Some((manifest.clone(), columns.clone())),
            Some((expected, header)) => {
                same_sweep(&parts[0], expected, header, part, &manifest, &columns)?
            }
        }
        shards.push(manifest.shard);
        for row in rows {
            if row.point >= manifest.points {
                return Err(refuse(format!(
                    "`{}` holds point {}, outside the sweep's grid of {} points",
                    part.display(),
                    row.point,
                    manifest.points
                )));
            }
            if let Some((other, _, _)) = owner.get(&row.point) {
                let other = &parts[*other];
                let place = if other == part {
                    format!("twice in `{}`", part.display())
                } else {
                    format!("in both `{}` and `{}`", other.display(), part.display())
                };
                return Err(refuse(format!(
                    "point {} is {place}: a shard given twice, or shards of different `--shard` splits",
                    row.point
                )));
            }
            let Some(&line) = lines.get(&row.point) else {
                return Err(refuse(format!(
                    "`{}` has no histogram for point {}, which `{}` holds: the files do not belong together",
                    source.display(),
                    row.point,
                    part.display()
                )));
            };
            owner.insert(row.point, (f, row, line));
        }
    }
    let Some((manifest, columns)) = first else {
        return Err(refuse("no parts to merge".into()));
    };
    missing(&manifest, &owner, &shards)?;
    let mut rows = Vec::with_capacity(owner.len());
    let mut picked = Vec::with_capacity(owner.len());
    for (f, row, (offset, len)) in owner.into_values() {
        rows.push(row);
        picked.push((f, offset, len));
    }
    Ok(Merged {
        manifest: Manifest {
            shard: None,
            ..manifest
        },
        columns,
        rows,
        histograms: (sources, picked),
    })
}

/// Writes the merged CSV to `out` and its histograms beside it.
pub fn write_merged(merged: &mut Merged, out: &Path) -> Result<(), ReportError> {
    write(out, &merged.columns, &mut merged.rows)?;
    let (sources, picked) = &merged.histograms;
    copy_histograms(sources, picked, &merged.manifest, &histograms_path(out))
}

/// The manifest of `part`'s histograms file `source`.
fn part_manifest(part: &Path, source: &Path) -> Result<Manifest, ReportError> {
    if !source.exists() {
        return Err(refuse(format!(
            "`{}` has no `{}` beside it: merge needs the histograms file `capsim sweep` writes with each CSV (it names the sweep and its grid)",
            part.display(),
            source.display()
        )));
    }
    index_histograms(source)?.manifest.ok_or_else(|| {
        refuse(format!(
            "`{}` does not start with the line naming its sweep (`{{\"sweep\": …, \"inputs\": …, \"points\": …}}`): not written by this version of `capsim sweep`",
            source.display()
        ))
    })
}

/// Checks that `part` belongs to the sweep of `first`.
fn same_sweep(
    first: &Path,
    expected: &Manifest,
    header: &[String],
    part: &Path,
    manifest: &Manifest,
    columns: &[String],
) -> Result<(), ReportError> {
    if manifest.inputs != expected.inputs || manifest.points != expected.points {
        return Err(refuse(format!(
            "`{}` was computed from other inputs than `{}` ({}, {} points, against {}, {} points): not shards of one sweep",
            part.display(),
            first.display(),
            manifest.inputs,
            manifest.points,
            expected.inputs,
            expected.points
        )));
    }
    if columns != header {
        return Err(ReportError::Mismatch {
            path: part.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses a merge that leaves points of the grid out, naming them and,
/// when the parts are shards of one split, the shards not given.
fn missing<T>(
    manifest: &Manifest,
    owner: &BTreeMap<usize, T>,
    shards: &[Option<(usize, usize)>],
) -> Result<(), ReportError> {
    let absent: Vec<usize> = (0..manifest.points)
        .filter(|p| !owner.contains_key(p))
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    let mut listed: Vec<String> = absent
        .iter()
        .take(LISTED)
        .map(ToString::to_string)
        .collect();
    if absent.len() > LISTED {
        listed.push("…".into());
    }
    let split = shards.first().copied().flatten().map(|(_, n)| n);
    let hint = match split {
        Some(n) if shards.iter().all(|s| s.is_some_and(|(_, m)| m == n)) => {
            let absent_shards: std::collections::BTreeSet<usize> = absent
                .iter()
                .map(|p| p % n + 1)
                .filter(|i| !shards.iter().any(|s| s.is_some_and(|(j, _)| j == *i)))
                .collect();
            let names: Vec<String> = absent_shards.iter().map(|i| format!("{i}/{n}")).collect();
            if names.is_empty() {
                String::new()
            } else {
                format!(": no part given is shard {}", names.join(", "))
            }
        }
        _ => String::new(),
    };
    Err(refuse(format!(
        "point{} {} of the sweep's {} {} missing{hint}",
        if absent.len() == 1 { "" } else { "s" },
        listed.join(", "),
        manifest.points,
        if absent.len() == 1 { "is" } else { "are" },
    )))
}
