//! The model format written in YAML: any text as a YAML model file in
//! `models/` (so its profiles and traces resolve), compiled, checked and
//! briefly simulated, as the `model` target does for JSON.
#![no_main]

use capsim::model::{Format, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(yaml) = std::str::from_utf8(data) {
        let models = capsim_fuzz::repo().join("models");
        capsim_fuzz::compile_and_run_as(yaml, Format::Yaml, &models, LoadOptions::default());
    }
});
