//! The long CSV (`time_s,metric,value,labels`): any text, read as
//! `capsim compare --observed` reads it, then compared with a closed and
//! an open model.
#![no_main]

use std::path::Path;

use capsim::observed::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(observed) = observed::parse(Path::new("fuzz.csv"), text, Format::Csv) {
        capsim_fuzz::compare(&observed);
    }
});
