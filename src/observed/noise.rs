//! The observation's own uncertainty: how far an observed figure could lie
//! from the system's long-run value by chance alone, given the number of
//! requests behind it. A prediction inside that interval is off by no more
//! than the observation's noise, whatever its relative error.
//!
//! Requests are taken as independent. Successive latencies of a queue are
//! correlated (one busy period delays many requests), so these intervals
//! are a lower bound on the real uncertainty: a figure outside one may
//! still be noise, a figure inside one is.

use serde::Serialize;

/// z of a two-sided 95% interval of the normal distribution.
const Z95: f64 = 1.959_963_984_540_054;

/// A 95% interval around an observed figure, in the figure's unit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Noise {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// How it was computed.
    pub basis: NoiseBasis,
}

impl Noise {
    /// True if `x` lies in the interval (ends included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// The intervals of one set of figures (end to end, or one class), where
/// the file allows them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FigureNoise {
    /// Successful requests per second.
    pub throughput_rps: Option<Noise>,
    /// Mean latency, ms.
    pub mean_ms: Option<Noise>,
    /// Median, ms.
    pub p50_ms: Option<Noise>,
    /// 95th percentile, ms.
    pub p95_ms: Option<Noise>,
    /// 99th percentile, ms.
    pub p99_ms: Option<Noise>,
    /// The error rate, 0 to 1.
    pub error_rate: Option<Noise>,
}

impl FigureNoise {
    /// The intervals of a load test's figures from its counts over a span:
    /// `requests` (failures included), `failures`, `span_s` seconds, the
    /// latency `table`, and the mean as observed.
    pub fn of_counts(
        requests: f64,
        failures: f64,
        span_s: Option<f64>,
        table: Option<&QuantileTable>,
        mean_ms: Option<f64>,
    ) -> FigureNoise {
        let quantile_at = |q: f64| table.and_then(|t| quantile(q, requests, |u| t.at(u)));
        FigureNoise {
            throughput_rps: span_s.and_then(|span| rate(requests - failures, span)),
            mean_ms: match (table, mean_ms) {
                (Some(table), Some(m)) => mean(m, table.standard_deviation(), requests),
                _ => None,
            },
            p50_ms: quantile_at(0.5),
            p95_ms: quantile_at(0.95),
            p99_ms: quantile_at(0.99),
            error_rate: proportion(failures, requests),
        }
    }
}

/// How an interval was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseBasis {
    /// A rate of N counted requests over T seconds: N/T ± 1.96·√N/T (Poisson).
    Count,
    /// A mean of n latencies: x̄ ± 1.96·s/√n, the spread s read from the
    /// file's percentiles (the quantile function, linear between them).
    StandardError,
    /// A proportion (the error rate): Wilson's score interval, which stays
    /// inside [0, 1] and is not empty at 0 failures.
    Binomial,
    /// A q-quantile of n latencies: the order statistics at ranks
    /// n·q ± 1.96·√(n·q·(1 − q)) (distribution-free), read from the file's
    /// percentiles by linear interpolation.
    OrderStatistics,
}

/// The interval of a rate, `count` requests over `span_s` seconds.
pub fn rate(count: f64, span_s: f64) -> Option<Noise> {
    if !(count >= 0.0 && span_s > 0.0 && count.is_finite() && span_s.is_finite()) {
        return None;
    }
    let half = Z95 * count.sqrt() / span_s;
    let rate = count / span_s;
    Some(Noise {
        low: (rate - half).max(0.0),
        high: rate + half,
        basis: NoiseBasis::Count,
    })
}

/// Wilson's interval of `hits` out of `trials`.
pub fn proportion(hits: f64, trials: f64) -> Option<Noise> {
    if !(trials >= 1.0 && (0.0..=trials).contains(&hits)) {
        return None;
    }
    let p = hits / trials;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / trials;
    let centre = (p + z2 / (2.0 * trials)) / denominator;
    let half = Z95 * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt() / denominator;
    Some(Noise {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        basis: NoiseBasis::Binomial,
    })
}

/// The interval of a mean `mean` of `n` values whose standard deviation is `sd`.
pub fn mean(mean: f64, sd: f64, n: f64) -> Option<Noise> {
    if !(n >= 2.0 && sd >= 0.0 && sd.is_finite()) {
        return None;
    }
    let half = Z95 * sd / n.sqrt();
    Some(Noise {
        low: mean - half,
        high: mean + half,
        basis: NoiseBasis::StandardError,
    })
}

/// The interval of the `q`-quantile of `n` values whose quantile function
/// is `at` (level 0 to 1 → value).
pub fn quantile(q: f64, n: f64, at: impl Fn(f64) -> Option<f64>) -> Option<Noise> {
    if !(n >= 1.0 && (0.0..=1.0).contains(&q)) {
        return None;
    }
    let half = Z95 * (q * (1.0 - q) / n).sqrt();
    Some(Noise {
        low: at((q - half).max(0.0))?,
        high: at((q + half).min(1.0))?,
        basis: NoiseBasis::OrderStatistics,
    })
}

/// A latency distribution known at a few levels (Locust's percentile
/// columns with the minimum at 0 and the maximum at 1), linear between.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileTable {
    /// `(level, value)`, levels rising from 0 to 1, values never falling.
    points: Vec<(f64, f64)>,
}

impl QuantileTable {
    /// A table from `(level, value)` points in any order; `None` unless
    /// they cover the levels 0 and 1 and every value is finite. Values are
    /// made non-decreasing (a rounded percentile may dip below the one before).
    pub fn new(mut points: Vec<(f64, f64)>) -> Option<QuantileTable> {
        if points.iter().any(|(u, x)| !u.is_finite() || !x.is_finite()) {
            return None;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (first, last) = (points.first()?.0, points.last()?.0);
        if first != 0.0 || last != 1.0 {
            return None;
        }
        let mut highest = f64::NEG_INFINITY;
        for point in &mut points {
            highest = highest.max(point.1);
            point.1 = highest;
        }
        Some(QuantileTable { points })
    }

    /// The value at `level` (0 to 1), linear between the table's points.
    pub fn at(&self, level: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&level) {
            return None;
        }
        let after = self.points.iter().position(|p| p.0 >= level)?;
        let (u1, x1) = self.points[after];
        if after == 0 || u1 == level {
            return Some(x1);
        }
        let (u0, x0) = self.points[after - 1];
        Some(x0 + (x1 - x0) * (level - u0) / (u1 - u0))
    }

    /// The standard deviation of the distribution whose quantile function
    /// is the table: with Q linear from a to b over a segment of width w,
    /// ∫Q = w·(a + b)/2 and ∫Q² = w·(a² + ab + b²)/3.
    pub fn standard_deviation(&self) -> f64 {
        let (mut first, mut second) = (0.0, 0.0);
        for pair in self.points.windows(2) {
            let ((u0, a), (u1, b)) = (pair[0], pair[1]);
            let width = u1 - u0;
            first += width * (a + b) / 2.0;
            second += width * (a * a + a * b + b * b) / 3.0;
        }
        (second - first * first).max(0.0).sqrt()
    }
}
