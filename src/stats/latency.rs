//! Latency records: an HDR histogram (constant memory, mergeable) plus exact
//! counts and sums.

use hdrhistogram::Histogram;
use serde::{Serialize, Serializer};

use super::hdr_counts::HdrCounts;

/// Latencies of successful completions, and counts of errors.
#[derive(Clone, Debug)]
pub struct LatencyRecord {
    /// Latencies, microseconds, 3 significant digits (an HDR histogram's counts).
    histogram: HdrCounts,
    /// Successful completions.
    pub ok: u64,
    /// Completions that were errors (rejected here or downstream).
    pub errors: u64,
    /// Exact sum of successful latencies, ns (the mean does not suffer the histogram's rounding).
    pub sum_ns: f64,
    /// Exact largest successful latency, ns.
    pub max_ns: u64,
}

impl Default for LatencyRecord {
    fn default() -> Self {
        LatencyRecord {
            histogram: HdrCounts::default(),
            ok: 0,
            errors: 0,
            sum_ns: 0.0,
            max_ns: 0,
        }
    }
}

impl LatencyRecord {
    /// Records one completion.
    #[inline]
    pub fn record(&mut self, nanos: u64, ok: bool) {
        if ok {
            self.ok += 1;
            self.sum_ns += nanos as f64;
            self.max_ns = self.max_ns.max(nanos);
            self.histogram.record(nanos / 1000);
        } else {
            self.errors += 1;
        }
    }

    /// Summary figures over a window of `window_s` seconds.
    pub fn summarize(&self, window_s: f64) -> LatencySummary {
        let histogram = self.histogram.histogram();
        let quantile_ms = |q: f64| {
            if self.ok == 0 {
                f64::NAN
            } else {
                let h = &histogram;
                h.median_equivalent(h.value_at_quantile(q)) as f64 / 1000.0
            }
        };
        let total = self.ok + self.errors;
        LatencySummary {
            completed: self.ok,
            errors: self.errors,
            throughput_rps: self.ok as f64 / window_s,
            error_rate: if total == 0 {
                0.0
            } else {
                self.errors as f64 / total as f64
            },
            mean_ms: if self.ok == 0 {
                f64::NAN
            } else {
                self.sum_ns / self.ok as f64 / 1e6
            },
            p50_ms: quantile_ms(0.5),
            p95_ms: quantile_ms(0.95),
            p99_ms: quantile_ms(0.99),
            p999_ms: quantile_ms(0.999),
            max_ms: if self.ok == 0 {
                f64::NAN
            } else {
                self.max_ns as f64 / 1e6
            },
            histogram,
        }
    }
}

/// Latency figures of one run. Percentiles carry the histogram's 0.1% precision.
#[derive(Clone, Debug, Serialize)]
pub struct LatencySummary {
    /// Successful completions in the window.
    pub completed: u64,
    /// Errors in the window.
    pub errors: u64,
    /// Successful completions per second.
    pub throughput_rps: f64,
    /// errors / (completed + errors).
    pub error_rate: f64,
    /// Mean latency of successes, ms (NaN, written `null`, when none).
    pub mean_ms: f64,
    /// Median, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// 99.9th percentile, ms.
    pub p999_ms: f64,
    /// Largest, ms (exact).
    pub max_ms: f64,
    /// The histogram, as `[microseconds, count]` pairs of its non-empty
    /// buckets: enough to merge runs or recompute any percentile.
    #[serde(rename = "histogram_us", serialize_with = "histogram_pairs")]
    pub histogram: Histogram<u64>,
}

fn histogram_pairs<S: Serializer>(
    histogram: &Histogram<u64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(pairs(histogram))
}

/// `[microseconds, count]` of every non-empty bucket of `histogram`.
pub fn pairs(histogram: &Histogram<u64>) -> Vec<(u64, u64)> {
    histogram
        .iter_recorded()
        .map(|v| {
            (
                histogram.median_equivalent(v.value_iterated_to()),
                v.count_at_value(),
            )
        })
        .collect()
}
