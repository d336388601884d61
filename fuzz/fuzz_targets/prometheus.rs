//! Prometheus range-query responses: any text, parsed as a response, then
//! loaded as `capsim compare --observed config.json` loads it, for each
//! figure a config can name it for (throughput, error rate, mean latency
//! in s and ms, latency buckets, utilization per tier, in a window), and
//! compared with a closed and an open model.
#![no_main]

use std::path::Path;

use capsim::observed::{self, Format};
use libfuzzer_sys::fuzz_target;

/// One config per figure, each naming the fuzzed response.
const CONFIGS: [&str; 6] = [
    r#"{ "throughput_rps": "r.json" }"#,
    r#"{ "error_rate": "r.json", "from_s": 10, "to_s": 100 }"#,
    r#"{ "latency_mean": "r.json" }"#,
    r#"{ "latency_mean": { "file": "r.json", "unit": "ms" } }"#,
    r#"{ "latency_buckets": { "file": "r.json", "unit": "s" }, "from_s": 5 }"#,
    r#"{ "utilization": [ { "file": "r.json", "node_label": "job", "scale": 0.5 } ] }"#,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = observed::parse_response(Path::new("r.json"), text);
    capsim_fuzz::scratch_file("r.json", data);
    for config in CONFIGS {
        let path = capsim_fuzz::scratch_file("config.json", config.as_bytes());
        if let Ok(observed) = observed::load(&path, Some(Format::Prometheus)) {
            capsim_fuzz::compare(&observed);
        }
    }
});
