//! The experiment format: any bytes as an experiment file in a directory
//! beside `models/` (so `"model": "../models/…"` resolves), loaded as
//! `capsim sweep` loads it (every point's model checked); its first and
//! last points are simulated briefly and made into rows.
#![no_main]

use capsim::sweep::{Experiment, Row};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(experiment) = Experiment::load(&experiment_file(data)) else {
        return;
    };
    let (Some(first), Some(last)) = (experiment.points.first(), experiment.points.last()) else {
        return;
    };
    for point in [first, last] {
        if let Ok(mut model) = experiment.model(point) {
            let run = capsim_fuzz::run_briefly(&mut model);
            let replicated = capsim::Replicated {
                end_to_end: run.end_to_end.histogram.clone(),
                runs: vec![run],
            };
            let _ = Row::of(&experiment, point, &model, &replicated);
        }
    }
});

/// `scratch/experiments/fuzz.json`, with `scratch/models` and
/// `scratch/tests` linked to the repository's.
fn experiment_file(data: &[u8]) -> std::path::PathBuf {
    let scratch = capsim_fuzz::scratch();
    for dir in ["models", "tests"] {
        let link = scratch.join(dir);
        if !link.exists() {
            std::os::unix::fs::symlink(capsim_fuzz::repo().join(dir), &link)
                .expect("a link in the scratch directory");
        }
    }
    std::fs::create_dir_all(scratch.join("experiments")).expect("a scratch directory");
    capsim_fuzz::scratch_file("experiments/fuzz.json", data)
}
