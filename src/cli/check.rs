//! `capsim check` and `capsim instance-types`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use capsim::model::catalog::{Catalog, Origin};
use capsim::model::date::Date;

use super::EXIT_UNSTABLE;
use super::args::{CheckArgs, InstanceTypesArgs};

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

pub fn list_instance_types(args: InstanceTypesArgs) -> anyhow::Result<ExitCode> {
    // Today first: a bad CAPSIM_TODAY is reported before any output.
    let today = today()?;
    let owned;
    let catalog = match &args.catalog {
        None => Catalog::built_in(),
        Some(path) => {
            owned = Catalog::with_file(path)
                .with_context(|| format!("cannot load catalog `{}`", path.display()))?;
            &owned
        }
    };
    let file = args.catalog.as_deref().map(Path::display);
    println!(
        "{:<18} {:>5} {:>8} {:>10}  {:<6}  {:<10}  {:<9}  source",
        "name", "vcpus", "mem GB", "$/hour", "arch", "as of", "from"
    );
    for entry in catalog.entries() {
        println!(
            "{:<18} {:>5} {:>8} {:>10}  {:<6}  {:<10}  {:<9}  {}",
            entry.name,
            entry.spec.vcpus.get(),
            entry.spec.memory_gb.get(),
            entry.spec.usd_per_hour.get(),
            entry
                .arch
                .map_or_else(|| "-".to_string(), |arch| arch.to_string()),
            entry.as_of,
            match entry.origin {
                Origin::BuiltIn => "built-in",
                Origin::Added => "file",
                Origin::Overrides => "overrides",
            },
            entry.source_key
        );
    }
    print_sources(catalog, file.as_ref().map(|f| f.to_string()));
    if let Some((oldest, newest)) = catalog.as_of_range() {
        println!("\n{}", age_line(oldest, newest, today));
    }
    Ok(ExitCode::SUCCESS)
}

/// The sources the rows name, once each: the built-in ones, then the file's.
fn print_sources(catalog: &Catalog, file: Option<String>) {
    let mut built_in = BTreeMap::new();
    let mut from_file = BTreeMap::new();
    for entry in catalog.entries() {
        let sources = match entry.origin {
            Origin::BuiltIn => &mut built_in,
            Origin::Added | Origin::Overrides => &mut from_file,
        };
        sources.insert(entry.source_key.as_str(), entry.source.as_str());
    }
    println!("\nsources (built-in):");
    for (key, text) in built_in {
        println!("  {key}: {text}");
    }
    if let Some(file) = file {
        println!("sources (`{file}`; `from` overrides: replaces the built-in type of that name):");
        for (key, text) in from_file {
            println!("  {key}: {text}");
        }
    }
}

/// How old the prices are, relative to `today`.
fn age_line(oldest: Date, newest: Date, today: Date) -> String {
    let days = oldest.days_until(today);
    let age = match days {
        1 => "1 day old".to_string(),
        0.. => format!("{days} days old"),
        _ => format!("dated after today ({today})"),
    };
    format!(
        "prices as of {oldest} .. {newest}; the oldest is {age}: check them before you buy \
         (capsim instance-types --catalog FILE for your own)"
    )
}

/// Today's date: `CAPSIM_TODAY` (`YYYY-MM-DD`, so a test is exact), else the
/// system clock's day in UTC.
fn today() -> anyhow::Result<Date> {
    if let Some(text) = std::env::var_os("CAPSIM_TODAY") {
        let text = text.to_string_lossy();
        return text
            .parse()
            .map_err(|message| anyhow::anyhow!("CAPSIM_TODAY: {message}"));
    }
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    Ok(Date::from_days_since_epoch(
        (since_epoch.as_secs() / 86_400) as i64,
    ))
}
