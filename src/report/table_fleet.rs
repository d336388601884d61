//! Per-shard and per-server figures in the terminal table: each of them for
//! a few, and for many (more than [`LISTED_UP_TO`]) their min, median and
//! max and the hottest few by index, so that 4,000 shards take a line, not
//! a screenful. The JSON (`--json`) keeps every figure.

use crate::stats::Estimate;

/// Up to this many figures, a line lists them all.
const LISTED_UP_TO: usize = 8;

/// How many of the highest a summarised line names.
const HIGHEST: usize = 3;

/// `values` (one per shard, by index) as `show` writes each: all of them
/// in order, or for many `min …, median …, max … of N (hottest: shard i at …, …)`,
/// `top` naming the highest ("hottest", "slowest"). NaN figures (a shard
/// that served nothing) are left out of the summary.
pub(super) fn figures(values: &[Estimate], show: fn(Estimate) -> String, top: &str) -> String {
    if values.len() <= LISTED_UP_TO {
        let all: Vec<String> = values.iter().map(|&e| show(e)).collect();
        return all.join(" ");
    }
    // Indices by mean, highest first; equal means by index.
    let mut order: Vec<usize> = (0..values.len())
        .filter(|&i| !values[i].mean.is_nan())
        .collect();
    if order.is_empty() {
        return format!("- of {}", values.len());
    }
    order.sort_by(|&a, &b| values[b].mean.total_cmp(&values[a].mean).then(a.cmp(&b)));
    let mean_at = |rank: usize| values[order[rank]].mean;
    let n = order.len();
    let median = if n % 2 == 1 {
        mean_at(n / 2)
    } else {
        (mean_at(n / 2 - 1) + mean_at(n / 2)) / 2.0
    };
    let plain = |mean: f64| show(Estimate { mean, ci95: None });
    let highest: Vec<String> = order
        .iter()
        .take(HIGHEST)
        .map(|&i| format!("shard {i} at {}", show(values[i])))
        .collect();
    format!(
        "min {}, median {}, max {} of {} ({top}: {})",
        plain(mean_at(n - 1)),
        plain(median),
        plain(mean_at(0)),
        values.len(),
        highest.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::{cell, percent};

    fn estimates(means: &[f64]) -> Vec<Estimate> {
        means
            .iter()
            .map(|&mean| Estimate { mean, ci95: None })
            .collect()
    }

    #[test]
    fn a_few_figures_are_all_listed() {
        let values = estimates(&[0.25, 0.5, 0.125]);
        assert_eq!(figures(&values, percent, "hottest"), "25.0 50.0 12.5");
    }

    #[test]
    fn many_figures_give_min_median_max_and_the_hottest() {
        // Ten shards: sorted, 1 2 3 4 5 6 7 8 9 9; median (5 + 6) / 2 = 5.5;
        // the hottest are shards 3 and 7 (both 9, by index), then shard 0 (8).
        let values = estimates(&[8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 3.0, 9.0, 4.0, 7.0]);
        assert_eq!(
            figures(&values, cell, "slowest"),
            "min 1.00, median 5.50, max 9.00 of 10 (slowest: shard 3 at 9.00, shard 7 at 9.00, shard 0 at 8.00)"
        );
    }

    #[test]
    fn shards_without_a_figure_are_left_out_of_the_summary() {
        // Nine shards, two of them NaN: 7 left, sorted 1 2 3 4 5 6 7, median 4.
        let nan = f64::NAN;
        let mut values = estimates(&[1.0, nan, 2.0, 3.0, 4.0, nan, 5.0, 6.0, 7.0]);
        values[8].ci95 = Some(0.5);
        assert_eq!(
            figures(&values, cell, "slowest"),
            "min 1.00, median 4.00, max 7.00 of 9 (slowest: shard 8 at 7.00±0.500, shard 7 at 6.00, shard 6 at 5.00)"
        );
        assert_eq!(figures(&estimates(&[nan; 9]), cell, "slowest"), "- of 9");
    }
}
