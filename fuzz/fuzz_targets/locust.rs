//! Locust's CSVs (`*_stats.csv` and `*_stats_history.csv`, told apart by
//! their header): any text, read as `capsim compare --observed` reads it,
//! then compared with a closed and an open model.
#![no_main]

use std::path::Path;

use capsim::observed::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz_stats.csv");
    let _ = Format::guess(path, text);
    if let Ok(observed) = observed::parse(path, text, Format::Locust) {
        capsim_fuzz::compare(&observed);
    }
});
