//! Rate profiles (CSV `time_s`, `rate_rps`): any bytes as the file, read,
//! then driving a model's arrivals, held step by step and interpolated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let path = capsim_fuzz::scratch_file("profile.csv", data);
    let _ = capsim::trace::read_profile(&path);
    for interpolation in ["step", "linear"] {
        let model = json!({
            "simulation": { "duration_s": 600, "seed": 1 },
            "traffic": { "entry": "web", "arrivals": { "profile": {
                "file": path, "interpolation": interpolation, "scale": 1.5 } } },
            "nodes": { "web": { "pool": {
                "instance_type": "c5.large", "instances": 2,
                "service": { "exponential": { "mean_ms": 5 } } } } }
        });
        capsim_fuzz::compile_and_run(
            &model.to_string(),
            capsim_fuzz::scratch(),
            Default::default(),
        );
    }
});
