//! `capsim check` and `capsim instance-types`.

use std::process::ExitCode;

use super::EXIT_UNSTABLE;
use super::args::CheckArgs;

pub fn execute(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let model = super::load_model(&args.model, args.skip_bad_lines)?;
    println!(
        "ok: `{}` is a valid model ({}, {})",
        args.model.display(),
        count(model.nodes.len(), "node", "nodes"),
        count(model.classes.len(), "class", "classes")
    );
    for (i, node) in model.nodes.iter().enumerate() {
        if let capsim::model::NodeKind::Cache(cache) = &node.kind
            && let capsim::model::Hits::Store { capacity, .. } = cache.hits
        {
            let id = capsim::model::NodeId(i as u32);
            match capsim::analytic::expected_hit_ratio(&model, id) {
                Some(h) => println!(
                    "cache {}: {capacity} keys, expected hit ratio {:.1}% (Che's approximation for LRU)",
                    node.name,
                    h * 100.0
                ),
                None => println!(
                    "cache {}: {capacity} keys; hit ratio not estimated (the sources' keys follow no single uniform or Zipf law)",
                    node.name
                ),
            }
        }
    }
    let Some(loads) = capsim::analytic::offered_load(&model) else {
        println!(
            "closed population: offered load depends on response times; `capsim run` measures it"
        );
        return Ok(ExitCode::SUCCESS);
    };
    println!("\noffered load (from mean arrival rates and routing, before queueing):");
    let unstable = print_loads(&loads);
    if let Some(peak) = capsim::analytic::peak_offered_load(&model) {
        println!("\nat the peak rate of every varying source:");
        let over = print_loads(&peak);
        if !over.is_empty() {
            println!(
                "  over capacity at the peak at {}: requests queue while it lasts (a transient, not instability)",
                over.join(", ")
            );
        }
    }
    if unstable.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\nunstable: offered load reaches or exceeds capacity at {}",
            unstable.join(", ")
        );
        Ok(ExitCode::from(EXIT_UNSTABLE))
    }
}

/// `n` and the noun, singular or plural.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Prints one line per node; returns the names of saturated nodes.
fn print_loads(loads: &[capsim::analytic::NodeLoad]) -> Vec<&str> {
    let mut saturated = Vec::new();
    for load in loads {
        let mut utilization = match (load.utilization, &load.busiest, load.mean_utilization) {
            (Some(u), Some(busiest), Some(mean)) => format!(
                "{:.1}% of its busiest servers ({busiest}), {:.1}% of all its servers",
                u * 100.0,
                mean * 100.0
            ),
            (Some(u), ..) => format!("{:.1}% of servers", u * 100.0),
            (None, ..) => "-".to_string(),
        };
        if let Some(w) = load.worker_utilization {
            utilization.push_str(&format!(", ≥ {:.1}% of workers", w * 100.0));
        }
        println!(
            "  {:<16} {:>10.1} req/s  {utilization}",
            load.name, load.arrival_rps
        );
        if load.is_saturated() {
            saturated.push(load.name.as_str());
        }
    }
    saturated
}

pub fn list_instance_types() -> anyhow::Result<ExitCode> {
    println!(
        "{:<18} {:>5} {:>8} {:>10}  source",
        "name", "vcpus", "mem GB", "$/hour"
    );
    for entry in capsim::model::catalog::entries() {
        println!(
            "{:<18} {:>5} {:>8} {:>10}  {}",
            entry.name,
            entry.spec.vcpus.get(),
            entry.spec.memory_gb.get(),
            entry.spec.usd_per_hour.get(),
            entry.source
        );
    }
    Ok(ExitCode::SUCCESS)
}
