//! The built-in catalog of cloud instance types (vCPUs, memory, on-demand
//! price), so a model can say `"instance_type": "t3.medium"` without
//! declaring it. Sources and dates are in `catalog.json` itself.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::shared::units::{Count, NonNegative};
use crate::model::topology::spec::InstanceTypeSpec;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    sources: BTreeMap<String, String>,
    types: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    source: String,
    vcpus: Count,
    memory_gb: NonNegative,
    usd_per_hour: NonNegative,
}

/// One catalog instance type with the source of its price.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    /// Its name, e.g. `t3.medium`.
    pub name: String,
    /// Its figures (speed 1).
    pub spec: InstanceTypeSpec,
    /// Where the price comes from, and when.
    pub source: String,
}

/// Every catalog entry, sorted by name.
pub fn entries() -> Vec<CatalogEntry> {
    // The file is part of the binary and checked by a unit test, so a parse
    // failure here is a build defect, not bad user input.
    let file: CatalogFile =
        serde_json::from_str(include_str!("catalog.json")).expect("built-in catalog is valid");
    file.types
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
            source: file
                .sources
                .get(&entry.source)
                .cloned()
                .unwrap_or(entry.source),
        })
        .collect()
}

/// The catalog as a name → figures map.
pub fn instance_types() -> BTreeMap<String, InstanceTypeSpec> {
    entries()
        .into_iter()
        .map(|entry| (entry.name, entry.spec))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_cites_a_known_source_for_every_type() {
        let file: CatalogFile = serde_json::from_str(include_str!("catalog.json")).unwrap();
        for (name, entry) in &file.types {
            assert!(
                file.sources.contains_key(&entry.source),
                "{name}: unknown source"
            );
        }
        let types = instance_types();
        assert_eq!(types["t3.medium"].vcpus.get(), 2);
        assert_eq!(types["t3.medium"].usd_per_hour.get(), 0.0416);
    }
}
