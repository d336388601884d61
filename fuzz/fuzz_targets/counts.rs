//! Counts traces (`time_s`, `count` per interval): any bytes as the file,
//! replayed by a model with one class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    // One class: a counts trace on a source with `classes` is a known
    // defect being fixed (../shared/defects, counts2.json).
    capsim_fuzz::replay(data, "counts", json!({}), Value::Null);
});
