//! What an autoscaler sees of its pool: utilization, request rate, requests
//! in flight and latency, averaged over the period since its last reading,
//! as a metrics pipeline (metrics-server, CloudWatch) would report them.

use hdrhistogram::Histogram;

use crate::engine::{Level, SimTime};

/// Figures of one period.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reading {
    /// Busy vCPUs / vCPUs of the serving instances, a fraction.
    pub cpu: f64,
    /// The same over the instances that served through the whole period
    /// only (`PoolState::settled_cpu`), NaN without any: what an HPA reads.
    pub settled_cpu: f64,
    /// Requests reaching the pool per second, per serving instance.
    pub rps_per_instance: f64,
    /// Requests at the pool (queued or in service), time-averaged, per serving instance.
    pub in_flight_per_instance: f64,
    /// 99th percentile of the pool's latency, ms (NaN if nothing finished).
    pub p99_ms: f64,
    /// Mean of the pool's latency, ms (NaN if nothing finished).
    pub mean_ms: f64,
    /// Instances serving, averaged over the period (AWS's
    /// `GroupInServiceInstances`, statistic `Average`; NaN over no time).
    pub serving_mean: f64,
    /// Messages of the queue the pool consumes, visible and in flight, now
    /// (the network fills it in; NaN for a pool that consumes none).
    pub queue_depth: f64,
    /// Of those, the visible ones (waiting to be received).
    pub queue_visible: f64,
    /// Age of that queue's oldest visible message now, seconds (0 if none).
    pub queue_age_s: f64,
}

/// Accumulators of the open period.
#[derive(Debug)]
pub struct Monitor {
    since: SimTime,
    vcpus_per_instance: f64,
    busy_vcpus: Level,
    serving: Level,
    load: Level,
    arrivals: u64,
    latency_sum_ns: f64,
    latency_n: u64,
    latency_us: Histogram<u64>,
}

impl Monitor {
    /// A monitor of a pool of instances with `vcpus` vCPUs each.
    pub fn new(vcpus: u32) -> Self {
        Monitor {
            since: SimTime::ZERO,
            vcpus_per_instance: f64::from(vcpus),
            busy_vcpus: Level::default(),
            serving: Level::default(),
            load: Level::default(),
            arrivals: 0,
            latency_sum_ns: 0.0,
            latency_n: 0,
            latency_us: Histogram::new(2).expect("2 significant digits is a valid precision"),
        }
    }

    /// Busy vCPUs changed by `delta`.
    #[inline]
    pub fn vcpus(&mut self, now: SimTime, delta: i32) {
        self.busy_vcpus.add(now, SimTime::ZERO, f64::from(delta));
    }

    /// Serving instances are now `n`.
    pub fn serving(&mut self, now: SimTime, n: u32) {
        self.serving.set(now, SimTime::ZERO, f64::from(n));
    }

    /// A request reached the pool.
    #[inline]
    pub fn arrived(&mut self, now: SimTime) {
        self.arrivals += 1;
        self.load.add(now, SimTime::ZERO, 1.0);
    }

    /// A request left the pool after `latency_ns`.
    #[inline]
    pub fn left(&mut self, now: SimTime, latency_ns: u64) {
        self.load.add(now, SimTime::ZERO, -1.0);
        self.latency_sum_ns += latency_ns as f64;
        self.latency_n += 1;
        // Auto-resizing: grows to the largest latency once, then stays.
        if self.latency_us.record(latency_ns / 1000).is_err() {
            self.latency_us.saturating_record(latency_ns / 1000);
        }
    }

    /// When the open period began.
    pub fn period_start(&self) -> SimTime {
        self.since
    }

    /// The figures since the last reading; starts the next period
    /// (`settled_cpu` is the pool's to fill in).
    pub fn read(&mut self, now: SimTime) -> Reading {
        let seconds = now.since(self.since) as f64 / 1e9;
        self.since = now;
        let serving_ns = self.serving.take_area(now, SimTime::ZERO);
        let busy_ns = self.busy_vcpus.take_area(now, SimTime::ZERO);
        let load_ns = self.load.take_area(now, SimTime::ZERO);
        let serving_mean = serving_ns / (seconds * 1e9);
        let per_instance = |x: f64| {
            if serving_mean > 0.0 {
                x / serving_mean
            } else {
                f64::NAN
            }
        };
        let (p99_ms, mean_ms) = if self.latency_n == 0 {
            (f64::NAN, f64::NAN)
        } else {
            (
                self.latency_us.value_at_quantile(0.99) as f64 / 1e3,
                self.latency_sum_ns / self.latency_n as f64 / 1e6,
            )
        };
        let reading = Reading {
            cpu: if serving_ns > 0.0 {
                busy_ns / (serving_ns * self.vcpus_per_instance)
            } else {
                f64::NAN
            },
            settled_cpu: f64::NAN,
            rps_per_instance: per_instance(self.arrivals as f64 / seconds),
            in_flight_per_instance: per_instance(load_ns / (seconds * 1e9)),
            p99_ms,
            mean_ms,
            serving_mean: if seconds > 0.0 {
                serving_mean
            } else {
                f64::NAN
            },
            queue_depth: f64::NAN,
            queue_visible: f64::NAN,
            queue_age_s: f64::NAN,
        };
        self.arrivals = 0;
        self.latency_sum_ns = 0.0;
        self.latency_n = 0;
        self.latency_us.reset();
        reading
    }
}
