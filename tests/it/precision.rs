//! Replications until a precision (`--precision`): the intervals it stops
//! at still cover the truth about 95% of the time, it stops where the
//! target says, and the CLI says where it stopped. The automatic warm-up
//! (`--warmup mser5`) finds the end of a backlog.

use capsim::precision::{Precision, replicate_to_precision};
use capsim::{RunOptions, Summary};

use crate::support::capsim;

/// Over 100 seeds, the M/M/1 (λ = 2.5/s, μ = 5/s, 1,045 s after a 55 s
/// warm-up) mean response time's 95% interval, at the replications
/// `--precision 5%` stops at, covers the true 1/(μ − λ) = 400 ms in about
/// 95. Coverage is Binomial(100, 0.95) if the interval is right: the band
/// [89, 99] holds with probability 0.99 (as in tests/it/sweep.rs). A
/// stopping rule that stopped at the first lucky narrow interval would
/// fall below it; it also must stop below the cap for most seeds.
#[test]
fn intervals_at_the_precision_reached_cover_the_mm1_mean() {
    let model =
        crate::support::single_queue(2.5, crate::support::exponential(5.0), 1, None, 1100.0);
    let mut covered = 0;
    let mut counts = Vec::new();
    for seed in 0..100u64 {
        let (replicated, reached) = replicate_to_precision(
            &model,
            2000 + seed,
            Precision::Relative(0.05),
            (2, 64),
            &RunOptions::default(),
            &|_| {},
        );
        let summary = Summary::of(&replicated.runs);
        let mean = summary.end_to_end.mean_ms;
        let half = mean.ci95.unwrap();
        assert!(reached.met, "seed {seed}: {reached:?}");
        assert!(
            half <= 0.05 * mean.mean,
            "seed {seed}: ±{half} of {}",
            mean.mean
        );
        if (mean.mean - 400.0).abs() <= half {
            covered += 1;
        }
        counts.push(reached.replications);
    }
    assert!((89..=99).contains(&covered), "covered in {covered} of 100");
    // The count doubles from 2: only powers of two up to the cap.
    assert!(counts.iter().all(|n| n.is_power_of_two()), "{counts:?}");
}

/// The CLI stops at the cap when the target is out of reach, and says so.
#[test]
fn the_cli_names_where_it_stopped() {
    let out = capsim(&[
        "run",
        "models/mm1.json",
        "--precision",
        "0.01%",
        "--max-replications",
        "4",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("precision 0.01%: not reached after 4 replications, the cap (widest: "),
        "{stderr}"
    );
    assert!(stderr.contains("raise --max-replications"), "{stderr}");
    let out = capsim(&["run", "models/mm1.json", "--precision", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "invalid value 'fast' for '--precision <HALF-WIDTH>': expected a half-width like `5%` (of each figure's mean) or `2ms` (of each latency figure), got `fast`"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `tests/data/warmup-backlog.json`: an M/M/1 (μ = 10/s) offered 12/s for
/// 2,000 s, then 7/s. The backlog grows at 2/s to about 4,000 requests
/// (± 210: the growth's standard deviation √((λ + μ)·t)) and drains at 3/s,
/// so it is gone near 3,333 s (± 70 s); MSER-5 on 100 s batches should end
/// the warm-up there: within [3,000, 4,000] s, and far from the model's own
/// 100 s. With no transient (models/mm1.json at ρ = 0.7, relaxing in
/// seconds against 100 s batches) it truncates nothing.
#[test]
fn mser5_ends_the_warm_up_where_the_backlog_is_gone() {
    let model =
        capsim::model::load(std::path::Path::new("tests/data/warmup-backlog.json")).unwrap();
    let found = capsim::warmup::detect(&model, model.seed).unwrap();
    assert!((3000.0..=4000.0).contains(&found.warmup_s), "{found:?}");
    assert_eq!(found.batches.1, 200);
    let steady = capsim::model::load(std::path::Path::new("models/mm1.json")).unwrap();
    assert_eq!(capsim::warmup::detect(&steady, 1).unwrap().warmup_s, 0.0);
    let out = capsim(&["run", "tests/data/warmup-backlog.json", "--warmup", "mser5"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "warm-up: MSER-5 on a pilot run's requests in flight truncates {} of 200 batches: {} s (the model says 100 s)\n",
            found.batches.0, found.warmup_s
        )),
        "{stderr}"
    );
}
