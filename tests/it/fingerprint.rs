//! Event-trace fingerprints of every example in `models/`, pinned in
//! `tests/data/fingerprints.txt`: any change of behaviour (an event moved, a
//! request routed elsewhere, a decision changed) changes a hash, so it is a
//! deliberate, reviewed update of that file rather than a silent drift.
//!
//! After a deliberate change: `CAPSIM_BLESS=1 cargo test --release --test it
//! fingerprint`, then review and commit the file's diff (ARCHITECTURE.md,
//! Testing).

use std::path::{Path, PathBuf};

use capsim::fingerprint::{Fingerprint, fingerprint};
use capsim::model::Model;
use rayon::prelude::*;

/// Each example runs to its end or for this many events, whichever comes
/// first: a second or two for the whole set, and far enough to pin every
/// example's warm-up, traffic, first autoscaling decisions, retry storm (at
/// 120 s) and scheduled crash (the failure drill's at 600 s; its zone
/// outage at 1,800 s is past the budget).
const MAX_EVENTS: u64 = 1_000_000;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pinned_file() -> PathBuf {
    root().join("tests/data/fingerprints.txt")
}

/// The examples, by file name, in name order.
fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("models"))
        .expect("models/ is readable")
        .map(|entry| entry.expect("readable entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

fn example(name: &str) -> Model {
    capsim::model::load(&root().join("models").join(name))
        .unwrap_or_else(|err| panic!("models/{name} loads: {err}"))
}

fn line(name: &str, print: Fingerprint) -> String {
    format!(
        "{name} {:016x} {} {:.0}s",
        print.hash,
        print.events,
        print.until.as_secs_f64()
    )
}

/// One line per example: file, hash, events handled, simulated time reached.
fn fingerprints(names: &[String], max_events: u64) -> Vec<String> {
    names
        .par_iter()
        .map(|name| {
            let model = example(name);
            line(name, fingerprint(&model, model.seed, 0, max_events))
        })
        .collect()
}

/// Examples that are another example written from infrastructure files
/// (`kubernetes.json` from its manifests): the same run, which
/// `tests/it/infra.rs` checks.
const TWINS: [&str; 1] = ["kubernetes.json"];

#[test]
fn every_example_behaves_as_pinned() {
    let names = examples();
    assert!(names.len() > 10, "models/ holds the examples");
    let actual = fingerprints(&names, MAX_EVENTS);
    let hashes: Vec<&str> = actual
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    for (i, hash) in hashes.iter().enumerate() {
        // Each example shows something the others do not, within its run,
        // except those that write the same system another way on purpose.
        assert!(
            TWINS.contains(&names[i].as_str()) || !hashes[..i].contains(hash),
            "{} behaves like another example within {MAX_EVENTS} events",
            names[i]
        );
    }
    let mut text = String::from(
        "# Event-trace fingerprints of models/*.json (tests/it/fingerprint.rs):\n\
         # file, FNV-1a hash of the run's events, events handled, simulated time reached.\n\
         # Rewrite with CAPSIM_BLESS=1 after a deliberate change of behaviour.\n",
    );
    for l in &actual {
        text.push_str(l);
        text.push('\n');
    }
    if std::env::var_os("CAPSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(pinned_file(), &text).expect("fingerprints file is writable");
        return;
    }
    let pinned = std::fs::read_to_string(pinned_file()).unwrap_or_default();
    let pinned: Vec<&str> = pinned
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let changed: Vec<String> = actual
        .iter()
        .filter(|l| !pinned.contains(&l.as_str()))
        .map(|l| format!("  now    {l}"))
        .chain(
            pinned
                .iter()
                .filter(|l| !actual.iter().any(|a| a == *l))
                .map(|l| format!("  pinned {l}")),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "the behaviour of these examples changed:\n{}\nIf the change is deliberate, \
         rerun with CAPSIM_BLESS=1 and commit tests/data/fingerprints.txt.",
        changed.join("\n")
    );
}

/// A run on one thread and runs side by side on four give the same
/// fingerprints (nothing global, no hasher seeded per process).
#[test]
fn fingerprints_do_not_depend_on_the_thread_count() {
    let names: Vec<String> = ["shop.json", "hpa.json", "retry-storm-breaker.json"]
        .map(String::from)
        .to_vec();
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    };
    let one = pool(1).install(|| fingerprints(&names, 200_000));
    let four = pool(4).install(|| fingerprints(&names, 200_000));
    assert_eq!(one, four);
}

/// The hash sees a change as small as one request: another seed or
/// replication, or a service 1 µs longer, each give another hash.
#[test]
fn a_fingerprint_changes_with_any_change_of_behaviour() {
    const EVENTS: u64 = 100_000;
    let model = example("mm1.json");
    let base = fingerprint(&model, 1, 0, EVENTS);
    assert_eq!(base, fingerprint(&model, 1, 0, EVENTS));
    assert_ne!(base.hash, fingerprint(&model, 2, 0, EVENTS).hash);
    assert_ne!(base.hash, fingerprint(&model, 1, 1, EVENTS).hash);
    let slower = capsim::model::parse(
        &std::fs::read_to_string(root().join("models/mm1.json"))
            .expect("mm1.json is readable")
            .replace("\"mean_ms\": 100", "\"mean_ms\": 100.001"),
    )
    .expect("the edited model is valid");
    assert_ne!(base.hash, fingerprint(&slower, 1, 0, EVENTS).hash);
}

/// Each observer method hashes its own leading tag, so two kinds of event
/// with the same fields never hash alike (the fan-out's and admission's
/// once shared 20). Read from the source: a new method's tag is checked as
/// soon as it is written.
#[test]
fn every_observer_method_hashes_a_tag_of_its_own() {
    let source = std::fs::read_to_string(root().join("src/fingerprint.rs")).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (n, line) in source.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix("self.0.time(") else {
            continue;
        };
        let tag: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Some(first) = seen.insert(tag.clone(), n + 1) {
            panic!("tag {tag} at lines {first} and {}", n + 1);
        }
    }
    assert!(seen.len() >= 16, "only {} tags found", seen.len());
}
