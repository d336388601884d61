//! The latencies of many requests in bounded memory: kept exactly while
//! they are few (so a small file's percentiles are the textbook ones, and
//! can be checked by hand), then in an HDR histogram as the simulator's
//! own (microseconds, 3 significant digits: within 0.1%).

use hdrhistogram::Histogram;

use super::noise::QuantileTable;

/// Latencies kept exactly up to this many; 8 bytes each.
const EXACT_LIMIT: usize = 20_000;

/// The largest latency the histogram holds, µs (one hour); longer ones count as one hour.
const MAX_US: u64 = 3_600_000_000;

/// Latencies of successful requests, ms.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    exact: Vec<f64>,
    histogram: Option<Histogram<u64>>,
    count: u64,
    sum_ms: f64,
    min_ms: f64,
    max_ms: f64,
}

impl Latencies {
    /// Counts one latency (ms, finite and ≥ 0).
    pub fn record(&mut self, ms: f64) {
        if self.count == 0 {
            (self.min_ms, self.max_ms) = (ms, ms);
        }
        self.count += 1;
        self.sum_ms += ms;
        self.min_ms = self.min_ms.min(ms);
        self.max_ms = self.max_ms.max(ms);
        if let Some(histogram) = &mut self.histogram {
            histogram.saturating_record(to_us(ms));
            return;
        }
        self.exact.push(ms);
        if self.exact.len() > EXACT_LIMIT {
            let mut histogram =
                Histogram::new_with_bounds(1, MAX_US, 3).expect("constant bounds are valid");
            for &x in &self.exact {
                histogram.saturating_record(to_us(x));
            }
            self.exact = Vec::new();
            self.histogram = Some(histogram);
        }
    }

    /// Their mean, ms.
    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ms / self.count as f64)
    }

    /// The `q`-quantile (0 to 1), ms: the nearest rank, the smallest
    /// latency with at least q·n latencies at or below it (the histogram's
    /// `value_at_quantile`, at the middle of its bucket, as the simulator reads it).
    pub fn quantile_ms(&mut self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        if let Some(histogram) = &self.histogram {
            let at = histogram.median_equivalent(histogram.value_at_quantile(q));
            return Some(at as f64 / 1000.0);
        }
        self.exact.sort_by(f64::total_cmp);
        let n = self.exact.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.exact[rank - 1])
    }

    /// The quantile function at every percent and at the tail levels
    /// capsim compares, for the noise of each figure.
    pub fn table(&mut self) -> Option<QuantileTable> {
        if self.count == 0 {
            return None;
        }
        let mut levels: Vec<f64> = (1..100).map(|i| f64::from(i) / 100.0).collect();
        levels.extend([0.995, 0.999, 0.9995, 0.9999]);
        let mut points = vec![(0.0, self.min_ms), (1.0, self.max_ms)];
        for level in levels {
            points.push((level, self.quantile_ms(level)?));
        }
        QuantileTable::new(points)
    }
}

fn to_us(ms: f64) -> u64 {
    (ms * 1000.0).round().clamp(1.0, MAX_US as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_latencies_give_nearest_rank_percentiles() {
        let mut latencies = Latencies::default();
        for ms in [40.0, 10.0, 30.0, 20.0] {
            latencies.record(ms);
        }
        assert_eq!(latencies.mean_ms(), Some(25.0));
        assert_eq!(latencies.quantile_ms(0.5), Some(20.0));
        assert_eq!(latencies.quantile_ms(0.95), Some(40.0));
        assert_eq!(latencies.quantile_ms(0.0), Some(10.0));
    }

    #[test]
    fn many_latencies_move_to_the_histogram_within_a_tenth_of_a_percent() {
        let mut latencies = Latencies::default();
        for i in 1..=100_000 {
            latencies.record(f64::from(i) / 100.0);
        }
        assert!(latencies.histogram.is_some() && latencies.exact.is_empty());
        let p99 = latencies.quantile_ms(0.99).unwrap();
        assert!((p99 - 990.0).abs() / 990.0 < 1e-3, "{p99}");
        assert!((latencies.mean_ms().unwrap() - 500.005).abs() < 1e-9);
    }
}
