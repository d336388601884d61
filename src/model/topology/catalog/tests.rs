//! The built-in catalog file checked as written (sources, dates, the
//! current generations and their architecture), and a file merged over it.

use super::*;

/// The built-in file as written, without the checks `Catalog::parse` makes,
/// so this test checks the file and not the parser.
fn raw() -> serde_json::Value {
    serde_json::from_str(include_str!("../catalog.json")).unwrap()
}

#[test]
fn every_built_in_entry_cites_a_known_source_and_a_real_date() {
    let raw = raw();
    let sources = raw["sources"].as_object().unwrap();
    let types = raw["types"].as_object().unwrap();
    for (name, entry) in types {
        let source = entry["source"].as_str().unwrap();
        assert!(
            sources.contains_key(source),
            "{name}: unknown source `{source}`"
        );
        let as_of: Date = entry["as_of"].as_str().unwrap().parse().unwrap();
        // No price was read before the catalog's oldest listing (2024) and
        // none after the day this test was written.
        assert!(
            (Date::new(2024, 1, 1).unwrap()..=Date::new(2026, 12, 2).unwrap()).contains(&as_of),
            "{name}: as_of {as_of}"
        );
        assert!(entry["arch"].is_string(), "{name}: says its arch");
    }
    for (key, text) in sources {
        let text = text.as_str().unwrap();
        assert!(text.contains("https://"), "{key}: names its page");
    }
    assert_eq!(Catalog::built_in().entries().len(), types.len());
}

#[test]
fn the_current_generations_are_there_with_their_architecture() {
    let catalog = Catalog::built_in();
    let entry = |name: &str| {
        catalog
            .entries()
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("{name} is in the catalog"))
    };
    let sizes = ["large", "xlarge", "2xlarge", "4xlarge"];
    for family in ["m7g", "c7g", "r7g", "m6g", "c6g"] {
        for size in sizes {
            assert_eq!(entry(&format!("{family}.{size}")).arch, Some(Arch::Arm64));
        }
    }
    for family in ["m7i", "c7i", "r7i"] {
        for size in sizes {
            assert_eq!(entry(&format!("{family}.{size}")).arch, Some(Arch::X86_64));
        }
    }
    for size in ["micro", "small", "medium", "large", "xlarge", "2xlarge"] {
        assert_eq!(entry(&format!("t4g.{size}")).arch, Some(Arch::Arm64));
    }
    assert_eq!(entry("db.t4g.medium").arch, Some(Arch::Arm64));
    // Figures as listed: Graviton3 m7g.large at $0.0816/h, 2 vCPUs, 8 GiB.
    let m7g = entry("m7g.large");
    assert_eq!(
        (
            m7g.spec.vcpus.get(),
            m7g.spec.memory_gb.get(),
            m7g.spec.usd_per_hour.get()
        ),
        (2, 8.0, 0.0816)
    );
    assert_eq!(m7g.as_of.to_string(), "2026-01-19");
    assert_eq!(m7g.origin, Origin::BuiltIn);
}

#[test]
fn existing_prices_are_kept() {
    let types = instance_types();
    assert_eq!(types["t3.medium"].vcpus.get(), 2);
    assert_eq!(types["t3.medium"].usd_per_hour.get(), 0.0416);
    assert_eq!(types["db.r5.large"].usd_per_hour.get(), 0.25);
    assert_eq!(types["Standard_D8s_v5"].usd_per_hour.get(), 0.384);
}

#[test]
fn a_file_overrides_by_name_and_adds() {
    let text = r#"{
        "sources": { "acme": "Acme's 2026 agreement" },
        "types": {
            "m7g.large": { "source": "acme", "as_of": "2026-11-01", "vcpus": 2, "memory_gb": 8, "usd_per_hour": 0.07, "arch": "arm64" },
            "acme.big": { "source": "acme", "as_of": "2026-11-01", "vcpus": 32, "memory_gb": 128, "usd_per_hour": 1.2 }
        }
    }"#;
    let file = Catalog::parse(text, Path::new("acme.json"), Origin::Added).unwrap();
    let merged = Catalog::built_in().clone().overridden_by(file);
    let find = |name: &str| merged.entries().iter().find(|e| e.name == name).unwrap();
    assert_eq!(find("m7g.large").origin, Origin::Overrides);
    assert_eq!(find("m7g.large").spec.usd_per_hour.get(), 0.07);
    assert_eq!(find("m7g.large").source, "Acme's 2026 agreement");
    assert_eq!(find("acme.big").origin, Origin::Added);
    assert_eq!(find("acme.big").arch, None);
    assert_eq!(find("t3.medium").origin, Origin::BuiltIn);
    assert_eq!(
        merged.entries().len(),
        Catalog::built_in().entries().len() + 1
    );
    let (oldest, newest) = merged.as_of_range().unwrap();
    assert_eq!(
        (oldest.to_string(), newest.to_string()),
        ("2024-01-01".into(), "2026-11-01".into())
    );
}
