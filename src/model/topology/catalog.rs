//! The catalog of cloud instance types (vCPUs, memory, on-demand price,
//! architecture), so a model can say `"instance_type": "t3.medium"` without
//! declaring it: the built-in one (`catalog.json`, each entry with its source
//! and the date its price was read), and a user's file of the same format
//! whose entries override the built-in ones by name and add new ones (a
//! company's negotiated prices).
//!
//! Reads the user's file; knows nothing of today's date (the CLI says how
//! old the prices are).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::model::json_text;
use crate::model::shared::date::Date;
use crate::model::shared::error::Diagnostic;
use crate::model::shared::unique;
use crate::model::shared::units::{Count, NonNegative};
use crate::model::topology::spec::InstanceTypeSpec;

/// A catalog file as written: the sources by key, then the types by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    /// Where prices come from, by a key the entries name.
    #[serde(deserialize_with = "unique::map")]
    sources: BTreeMap<String, String>,
    /// The instance types, by name.
    #[serde(deserialize_with = "unique::map")]
    types: BTreeMap<String, Entry>,
}

/// One type as written. Field order is the order an unknown-field message
/// lists them in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// Key of `sources`.
    source: String,
    /// The day its price was read, `YYYY-MM-DD`.
    as_of: Date,
    vcpus: Count,
    memory_gb: NonNegative,
    usd_per_hour: NonNegative,
    /// `x86_64` or `arm64` (absent: not said).
    #[serde(default)]
    arch: Option<Arch>,
}

/// The processor architecture of an instance type: software built for one
/// does not run on the other, so a price comparison across them is only
/// half the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Arch {
    /// Intel and AMD.
    #[serde(rename = "x86_64")]
    X86_64,
    /// AWS Graviton and other Arm servers.
    #[serde(rename = "arm64")]
    Arm64,
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        })
    }
}

/// Where a merged catalog's entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The built-in catalog.
    BuiltIn,
    /// The user's file, a name the built-in catalog lacks.
    Added,
    /// The user's file, replacing the built-in entry of that name.
    Overrides,
}

/// One catalog instance type with the source of its price.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    /// Its name, e.g. `t3.medium`.
    pub name: String,
    /// Its figures (speed 1).
    pub spec: InstanceTypeSpec,
    /// The key of its source in its file's `sources`.
    pub source_key: String,
    /// Where the price comes from: the text of that source.
    pub source: String,
    /// The day its price was read.
    pub as_of: Date,
    /// Its architecture, if the file says.
    pub arch: Option<Arch>,
    /// Built in, or from the user's file.
    pub origin: Origin,
}

/// A set of catalog entries, sorted by name.
#[derive(Clone, Debug)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
}

/// Why a catalog file cannot be used. Fatal for the model that names it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("{}: cannot open: {source}", path.display())]
    Io {
        /// The file, as tried.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Malformed JSON, or a field of the wrong type or range (serde stops
    /// at the first); the message names the JSON path, line and column.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// JSON path, what was found and expected, line and column.
        message: String,
    },
    /// Well formed, but entries cite sources the file does not have: every
    /// such entry.
    #[error("{}", lines(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// One per entry at fault.
        problems: Vec<Diagnostic>,
    },
}

fn lines(path: &Path, problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|problem| format!("{}: {problem}", path.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

impl CatalogError {
    /// One line per problem, each naming the file.
    pub fn messages(&self) -> Vec<String> {
        self.to_string().lines().map(str::to_string).collect()
    }
}

static BUILT_IN: LazyLock<Catalog> = LazyLock::new(|| {
    // The file is part of the binary and checked by a unit test, so a
    // failure here is a build defect, not bad user input.
    Catalog::parse(
        include_str!("catalog.json"),
        Path::new("catalog.json"),
        Origin::BuiltIn,
    )
    .expect("built-in catalog is valid")
});

impl Catalog {
    /// The built-in catalog.
    pub fn built_in() -> &'static Catalog {
        &BUILT_IN
    }

    /// The built-in catalog with the file at `path` over it: its entries
    /// replace built-in ones of the same name and add the others.
    pub fn with_file(path: &Path) -> Result<Catalog, CatalogError> {
        let text = json_text::read(path).map_err(|err| match err {
            json_text::ReadError::Io(source) => CatalogError::Io {
                path: path.to_path_buf(),
                source,
            },
            json_text::ReadError::Text(message) => CatalogError::Syntax {
                path: path.to_path_buf(),
                message,
            },
        })?;
        let file = Catalog::parse(&text, path, Origin::Added)?;
        Ok(Catalog::built_in().clone().overridden_by(file))
    }

    /// The entries of the catalog text `text` (read from `path`, which
    /// errors name), each marked `origin`.
    fn parse(text: &str, path: &Path, origin: Origin) -> Result<Catalog, CatalogError> {
        let syntax = |message: String| CatalogError::Syntax {
            path: path.to_path_buf(),
            message,
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let file: CatalogFile = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
            let message = json_text::explain(text, err.inner());
            match err.path().to_string().trim_end_matches(".?") {
                "." | "" | "?" => syntax(message),
                json_path => syntax(format!("{json_path}: {message}")),
            }
        })?;
        de.end()
            .map_err(|err| syntax(json_text::explain(text, &err)))?;
        let known = file.sources.keys().cloned().collect::<Vec<_>>().join(", ");
        let problems: Vec<Diagnostic> = file
            .types
            .iter()
            .filter(|(_, entry)| !file.sources.contains_key(&entry.source))
            .map(|(name, entry)| {
                Diagnostic::new(
                    format!("types.{name}.source"),
                    if known.is_empty() {
                        format!(
                            "no source `{}` in this file's `sources` (it has none)",
                            entry.source
                        )
                    } else {
                        format!(
                            "no source `{}` in this file's `sources` (sources: {known})",
                            entry.source
                        )
                    },
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(CatalogError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        let entries = file
            .types
            .into_iter()
            .map(|(name, entry)| CatalogEntry {
                name,
                spec: InstanceTypeSpec {
                    vcpus: entry.vcpus,
                    speed: 1.0.try_into().expect("constant in range"),
                    memory_gb: entry.memory_gb,
                    usd_per_hour: entry.usd_per_hour,
                    burstable: None,
                },
                source: file.sources[&entry.source].clone(),
                source_key: entry.source,
                as_of: entry.as_of,
                arch: entry.arch,
                origin,
            })
            .collect();
        Ok(Catalog { entries })
    }

    /// `self` with `file`'s entries over it, marked [`Origin::Overrides`]
    /// where they replace one.
    fn overridden_by(self, file: Catalog) -> Catalog {
        let mut by_name: BTreeMap<String, CatalogEntry> = self
            .entries
            .into_iter()
            .map(|entry| (entry.name.clone(), entry))
            .collect();
        for mut entry in file.entries {
            if by_name.contains_key(&entry.name) {
                entry.origin = Origin::Overrides;
            }
            by_name.insert(entry.name.clone(), entry);
        }
        Catalog {
            entries: by_name.into_values().collect(),
        }
    }

    /// Every entry, sorted by name.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// The catalog as a name → figures map.
    pub fn instance_types(&self) -> BTreeMap<String, InstanceTypeSpec> {
        self.entries
            .iter()
            .map(|entry| (entry.name.clone(), entry.spec.clone()))
            .collect()
    }

    /// The oldest and the newest `as_of` (`None` for an empty catalog).
    pub fn as_of_range(&self) -> Option<(Date, Date)> {
        let oldest = self.entries.iter().map(|entry| entry.as_of).min()?;
        let newest = self.entries.iter().map(|entry| entry.as_of).max()?;
        Some((oldest, newest))
    }
}

/// Every built-in entry, sorted by name.
pub fn entries() -> Vec<CatalogEntry> {
    Catalog::built_in().entries().to_vec()
}

/// The built-in catalog as a name → figures map.
pub fn instance_types() -> BTreeMap<String, InstanceTypeSpec> {
    Catalog::built_in().instance_types()
}

#[cfg(test)]
mod tests;
