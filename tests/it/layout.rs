//! Invariants of the source tree that review would otherwise have to keep.

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every module says what it owns (ARCHITECTURE.md relies on it), and only
/// `cli` knows clap, indicatif and anyhow.
#[test]
fn modules_document_themselves_and_only_cli_knows_the_command_line() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        assert!(
            text.trim_start().starts_with("//!"),
            "{} has no `//!` module doc",
            file.display()
        );
        let in_cli = file.components().any(|c| c.as_os_str() == "cli");
        if !in_cli {
            for forbidden in ["clap::", "indicatif::", "anyhow::"] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden} outside cli",
                    file.display()
                );
            }
        }
    }
}
