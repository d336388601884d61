//! Access logs (common and combined log format): any bytes as the log,
//! classified by prefix, method and pattern rules, and replayed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let rules = json!([
        { "prefix": "/static/", "class": "static" },
        { "prefix": "/api/", "method": "POST", "class": "write" },
        { "pattern": "^/(products/[0-9]+|search)", "class": "catalog" }
    ]);
    capsim_fuzz::replay(
        data,
        "access_log",
        json!({ "rules": rules, "default_class": "page" }),
        json!({ "static": {}, "write": {}, "catalog": {}, "page": {} }),
    );
});
