//! The request columns of a series: arrivals, completions and errors per
//! second, p50 and p99 of successful end-to-end latency, and requests in
//! flight at the window's end. Root requests only (what a client sees).

use hdrhistogram::Histogram;

use super::{ColumnGroup, Span};

/// Counts of the open window, and running totals for requests in flight.
pub(super) struct RequestColumns {
    arrivals: u64,
    completions: u64,
    errors: u64,
    /// Successful latencies of the window, µs. One histogram, reset (not
    /// reallocated) at each window's close.
    latency_us: Histogram<u64>,
    arrived_total: u64,
    done_total: u64,
}

impl Default for RequestColumns {
    fn default() -> Self {
        RequestColumns {
            arrivals: 0,
            completions: 0,
            errors: 0,
            // The same precision as the run's end-to-end histogram, so a
            // window's percentile reads like the run's.
            latency_us: Histogram::new(3).expect("3 significant digits is a valid precision"),
            arrived_total: 0,
            done_total: 0,
        }
    }
}

impl RequestColumns {
    /// A request arrived from a source.
    #[inline]
    pub(super) fn arrival(&mut self) {
        self.arrivals += 1;
        self.arrived_total += 1;
    }

    /// A request got its answer after `nanos`; `ok` false is an error
    /// (rejections included).
    #[inline]
    pub(super) fn done(&mut self, nanos: u64, ok: bool) {
        self.done_total += 1;
        if ok {
            self.completions += 1;
            let micros = nanos / 1000;
            // `record` grows the auto-resizing histogram (rarely, and never
            // once it spans the latencies seen); `saturating_record` would
            // clamp to its current range.
            if self.latency_us.record(micros).is_err() {
                self.latency_us.saturating_record(micros);
            }
        } else {
            self.errors += 1;
        }
    }

    /// The window's `q` quantile of successful latency, ms; NaN if none succeeded.
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.completions == 0 {
            return f64::NAN;
        }
        let h = &self.latency_us;
        h.median_equivalent(h.value_at_quantile(q)) as f64 / 1000.0
    }
}

impl ColumnGroup for RequestColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in [
            "arrivals_per_s",
            "completions_per_s",
            "errors_per_s",
            "p50_ms",
            "p99_ms",
            "in_flight",
        ] {
            columns.push(name.to_string());
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let seconds = span.seconds();
        row.extend([
            self.arrivals as f64 / seconds,
            self.completions as f64 / seconds,
            self.errors as f64 / seconds,
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
            // Every root request that arrived gets exactly one answer, so
            // the difference is what is still being served or waiting.
            (self.arrived_total - self.done_total) as f64,
        ]);
        self.arrivals = 0;
        self.completions = 0;
        self.errors = 0;
        self.latency_us.reset();
    }
}
