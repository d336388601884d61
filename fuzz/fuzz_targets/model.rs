//! The model format: any text as a model file in `models/` (so its
//! profiles and traces resolve), compiled, checked and briefly simulated.
#![no_main]

use capsim::model::LoadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(json) = std::str::from_utf8(data) {
        let models = capsim_fuzz::repo().join("models");
        capsim_fuzz::compile_and_run(json, &models, LoadOptions::default());
    }
});
