//! Timestamp traces (`time_s`, optional `class` and `key`): any bytes as
//! the file, replayed by a model whose classes the `class` column may name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    capsim_fuzz::replay(
        data,
        "timestamps",
        json!({ "default_class": "a" }),
        json!({ "a": {}, "b": { "weight": 2 } }),
    );
});
