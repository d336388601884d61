//! `histogram_quantile` as PromQL computes it (prometheus/promql/quantile.go,
//! `bucketQuantile`), so a quantile read here equals the one a Grafana panel
//! shows for the same buckets.

/// The `q`-quantile of cumulative buckets `(upper bound, count)` (any
/// order; a `+Inf` bucket required), as PromQL's `histogram_quantile`:
///
/// - `q` below 0 gives −∞, above 1 gives +∞, NaN gives NaN;
/// - NaN without a `+Inf` bucket, with fewer than two buckets, or with no
///   observations;
/// - buckets with the same bound are added together, and counts are made
///   monotonic (a later bucket never counts fewer than an earlier one; rates
///   of counters scraped at slightly different times can break this);
/// - the rank `q × total` falls in the first bucket whose count reaches it;
///   inside it the value is interpolated linearly between the bucket's lower
///   bound (the previous bucket's bound, 0 for the first bucket) and its upper
///   bound; a first bucket with a bound ≤ 0 gives that bound;
/// - a rank in the `+Inf` bucket gives the largest finite bound.
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut sorted: Vec<(f64, f64)> = buckets.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Same bound twice (two series that differ only in a dropped label):
    // PromQL adds them.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(sorted.len());
    for (bound, count) in sorted {
        match merged.last_mut() {
            Some(last) if last.0 == bound => last.1 += count,
            _ => merged.push((bound, count)),
        }
    }
    let buckets = merged;
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let mut counts: Vec<f64> = buckets.iter().map(|b| b.1).collect();
    for i in 1..counts.len() {
        if counts[i] < counts[i - 1] {
            counts[i] = counts[i - 1];
        }
    }
    let observations = counts[counts.len() - 1];
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = counts.partition_point(|&count| count < rank);
    if b == buckets.len() - 1 {
        return buckets[buckets.len() - 2].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let (mut start, end, mut count) = (0.0, buckets[b].0, counts[b]);
    if b > 0 {
        start = buckets[b - 1].0;
        count -= counts[b - 1];
        rank -= counts[b - 1];
    }
    start + (end - start) * (rank / count)
}
