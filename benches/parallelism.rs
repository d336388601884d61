//! How much of one run could run apart (`src/parallelism.rs`): the bound on
//! the speed-up of conservative parallel simulation, per split, lookahead
//! and core count, measured on a model's own events.
//!
//!   cargo bench --bench parallelism -- models/shop.json [max_events]

use std::path::Path;

use capsim::parallelism::{Split, profile};

const LOOKAHEADS_NS: [u64; 4] = [0, 100_000, 500_000, 1_000_000];
const CORES: [u32; 3] = [2, 8, 64];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench --bench parallelism -- MODEL [max_events]");
        std::process::exit(2);
    };
    let max_events = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    let model = match capsim::model::load(Path::new(path)) {
        Ok(model) => model,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    };
    let found = profile(&model, model.seed, max_events, &LOOKAHEADS_NS, &CORES);
    println!("{path}: {} events", found.events);
    println!(
        "| split | lookahead | {} |",
        CORES.map(|c| format!("{c} cores")).join(" | ")
    );
    println!("|---|---:|{}", "---:|".repeat(CORES.len()));
    for row in found.bounds.chunks(CORES.len()) {
        let split = match row[0].split {
            Split::Nodes => "by node",
            Split::Instances => "by instance",
        };
        let lookahead = match row[0].lookahead_ns {
            0 => "0 (one instant)".to_string(),
            ns => format!("{} ms", ns as f64 / 1e6),
        };
        let speedups: Vec<String> = row.iter().map(|b| format!("{:.2}×", b.speedup)).collect();
        println!("| {split} | {lookahead} | {} |", speedups.join(" | "));
    }
}
