//! Kubernetes' replica calculator for one metric: the replicas a metric
//! asks for, given what its pods measured and which pods measured nothing.
//!
//! It follows `GetResourceReplicas` and `calcPlainMetricReplicas` in
//! kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go:
//! pods are grouped (`groupPods`) into ready ones with a metric, unready ones
//! (pending; for CPU also pods whose sample predates their readiness),
//! missing ones (running, no metric) and ignored ones (being deleted, or
//! failed). The ratio is taken over the ready pods; when unready or missing
//! pods could change the answer, it is taken again with them filled in
//! conservatively, and any change of direction that the filling causes
//! holds the current count.

/// The pods behind one metric, grouped as Kubernetes' `groupPods` does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pods {
    /// Ready pods whose metric counts (their average is the value).
    pub ready: u32,
    /// Pods set aside as not ready: filled in as using nothing on a scale-up.
    pub unready: u32,
    /// Pods without a metric: filled in as using nothing on a scale-up and
    /// `missing_value` on a scale-down.
    pub missing: u32,
}

/// One metric's reading against its target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// The ready pods' average, in the target's unit.
    pub value: f64,
    /// The target average.
    pub target: f64,
    /// What a missing pod counts as on a scale-down: its whole request or
    /// the target if higher, for CPU; the target, for other metrics.
    pub missing_value: f64,
}

/// The replicas the metric asks for, or `None` when no pod has a metric
/// (Kubernetes: "did not receive metrics for targeted pods").
///
/// `current` is the scale's replica count; `tolerance` the band around a
/// ratio of 1 inside which nothing changes (`Tolerances.isWithin`).
pub fn replicas_for(m: Measured, pods: Pods, current: u32, tolerance: f64) -> Option<u32> {
    if pods.ready == 0 || !m.value.is_finite() {
        return None;
    }
    let within = |ratio: f64| within_tolerance(ratio, tolerance);
    let ratio = m.value / m.target;
    let scale_up_with_unready = pods.unready > 0 && ratio > 1.0;
    if !scale_up_with_unready && pods.missing == 0 {
        if within(ratio) {
            return Some(current);
        }
        return Some(ceil_count(ratio * f64::from(pods.ready)));
    }
    let mut total = m.value * f64::from(pods.ready);
    let mut counted = pods.ready;
    if pods.missing > 0 {
        // At a ratio of exactly 1 Kubernetes leaves missing pods out.
        if ratio < 1.0 {
            total += m.missing_value * f64::from(pods.missing);
            counted += pods.missing;
        } else if ratio > 1.0 {
            counted += pods.missing;
        }
    }
    if scale_up_with_unready {
        counted += pods.unready;
    }
    let new_ratio = total / f64::from(counted) / m.target;
    let reverses = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
    if within(new_ratio) || reverses {
        return Some(current);
    }
    let proposal = ceil_count(new_ratio * f64::from(counted));
    // A count that moves against the ratio's direction holds, too.
    if (new_ratio < 1.0 && proposal > current) || (new_ratio > 1.0 && proposal < current) {
        return Some(current);
    }
    Some(proposal)
}

/// The replicas an `External` metric asks for (Kubernetes
/// replica_calculator.go): with an `AverageValue` target,
/// `GetExternalPerPodMetricReplicas`: the ratio is usage / (target ×
/// current replicas), and outside the tolerance the count is
/// ceil(usage / target), whatever the pods' readiness; this is KEDA's
/// scaling rule, its `aws-sqs-queue` scaler serving the queue's messages
/// against the `queueLength` target (desired = ceil(messages / queueLength)).
/// With a `Value` target, `GetExternalMetricReplicas`: the ratio is
/// usage / target and the count ceil(ratio × ready pods)
/// (`getUsageRatioReplicaCount`). `None` when the value cannot be read.
pub fn external_replicas(
    usage: f64,
    target: f64,
    average: bool,
    current: u32,
    ready: u32,
    tolerance: f64,
) -> Option<u32> {
    if !usage.is_finite() {
        return None;
    }
    if average {
        let ratio = usage / (target * f64::from(current));
        return Some(if current > 0 && within_tolerance(ratio, tolerance) {
            current
        } else {
            ceil_count(usage / target)
        });
    }
    let ratio = usage / target;
    Some(if current == 0 {
        ceil_count(ratio)
    } else if within_tolerance(ratio, tolerance) {
        current
    } else {
        ceil_count(ratio * f64::from(ready))
    })
}

/// True if `ratio` is inside the band around 1 where nothing changes, with
/// Kubernetes' own comparison (`Tolerances.isWithin`: 1 − t ≤ ratio ≤ 1 + t),
/// so that 77% against 70% (1.1 in floating point) is inside a 10% band.
pub fn within_tolerance(ratio: f64, tolerance: f64) -> bool {
    1.0 - tolerance <= ratio && ratio <= 1.0 + tolerance
}

/// CPU utilization as Kubernetes computes it: a whole percentage, rounded
/// down (`GetResourceUtilizationRatio`: `int32(metricsTotal * 100 /
/// requestsTotal)`), back as a fraction. The small allowance keeps a
/// fraction such as 0.29, stored as 0.28999…, at 29%.
pub fn whole_percent(fraction: f64) -> f64 {
    (fraction * 100.0 + 1e-9).floor() / 100.0
}

/// `ceil`, saturating into a count.
fn ceil_count(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed from `GetExternalPerPodMetricReplicas` and
    /// `GetExternalMetricReplicas` with a 10% tolerance.
    #[test]
    fn external_metrics_follow_the_replica_calculator() {
        // AverageValue: ceil(usage / target), the current count ignored.
        assert_eq!(external_replicas(30.0, 10.0, true, 1, 1, 0.1), Some(3));
        assert_eq!(external_replicas(2.0, 10.0, true, 5, 5, 0.1), Some(1));
        // 105 against 10 × 10: ratio 1.05, held.
        assert_eq!(external_replicas(105.0, 10.0, true, 10, 10, 0.1), Some(10));
        // Value: ceil(usage / target × ready pods).
        assert_eq!(external_replicas(30.0, 10.0, false, 2, 2, 0.1), Some(6));
        assert_eq!(external_replicas(30.0, 10.0, false, 0, 0, 0.1), Some(3));
        assert_eq!(external_replicas(f64::NAN, 10.0, true, 2, 2, 0.1), None);
    }

    fn cpu(value: f64, target: f64) -> Measured {
        Measured {
            value,
            target,
            missing_value: target.max(1.0),
        }
    }

    fn pods(ready: u32, unready: u32, missing: u32) -> Pods {
        Pods {
            ready,
            unready,
            missing,
        }
    }

    #[test]
    fn without_unready_or_missing_pods_it_is_the_plain_formula() {
        // 4 pods at 60% against 50%: ceil(4 × 1.2) = 5.
        assert_eq!(replicas_for(cpu(0.6, 0.5), pods(4, 0, 0), 4, 0.1), Some(5));
        // 1.08 is within the 10% tolerance.
        assert_eq!(replicas_for(cpu(0.54, 0.5), pods(5, 0, 0), 5, 0.1), Some(5));
    }

    #[test]
    fn an_unready_pod_counts_as_idle_on_a_scale_up() {
        // 2 ready pods at 100% against 70%, one pod that just became ready:
        // (1 + 1 + 0) / 3 / 0.7 = 0.952, within tolerance: hold 3.
        assert_eq!(replicas_for(cpu(1.0, 0.7), pods(2, 1, 0), 3, 0.1), Some(3));
        // Ratio 1.5 over 2 ready pods with 2 pending: 3 / 4 / 1 = 0.75 would
        // scale down while the ready pods ask for more: hold 4.
        assert_eq!(replicas_for(cpu(1.5, 1.0), pods(2, 2, 0), 4, 0.1), Some(4));
        // Ratio 3 over 2 ready, 1 pending: 6 / 3 = 2 → ceil(2 × 3) = 6.
        assert_eq!(replicas_for(cpu(3.0, 1.0), pods(2, 1, 0), 3, 0.1), Some(6));
    }

    #[test]
    fn unready_pods_do_not_change_a_scale_down() {
        // Ratio 0.5 over 4 ready pods; the pending one is left out: 2.
        assert_eq!(replicas_for(cpu(0.35, 0.7), pods(4, 1, 0), 5, 0.1), Some(2));
    }

    #[test]
    fn missing_pods_count_as_full_on_a_scale_down_and_idle_on_a_scale_up() {
        // 3 ready pods at 40% against 50%, one without a metric taken at
        // 100%: (1.2 + 1) / 4 / 0.5 = 1.1, within tolerance: hold 4.
        assert_eq!(replicas_for(cpu(0.4, 0.5), pods(3, 0, 1), 4, 0.1), Some(4));
        // 3 ready at 25% against 50%: (0.75 + 1) / 4 / 0.5 = 0.875 → ceil(3.5) = 4:
        // the same as current, so 4 (not the 2 the ready pods alone ask).
        assert_eq!(replicas_for(cpu(0.25, 0.5), pods(3, 0, 1), 4, 0.1), Some(4));
        // Scale-up: 3 ready at 100% against 50%, one missing at 0%:
        // 3 / 4 / 0.5 = 1.5 → ceil(6) = 6.
        assert_eq!(replicas_for(cpu(1.0, 0.5), pods(3, 0, 1), 4, 0.1), Some(6));
    }

    #[test]
    fn no_ready_pod_means_no_metric() {
        assert_eq!(replicas_for(cpu(0.5, 0.5), pods(0, 2, 0), 2, 0.1), None);
        assert_eq!(
            replicas_for(cpu(f64::NAN, 0.5), pods(2, 0, 0), 2, 0.1),
            None
        );
    }

    #[test]
    fn the_band_edges_are_inside_as_kubernetes_compares_them() {
        // 77 / 70 and 63 / 70 are the edges of a 10% band around 70%.
        assert_eq!(replicas_for(cpu(0.77, 0.7), pods(3, 0, 0), 3, 0.1), Some(3));
        assert_eq!(replicas_for(cpu(0.63, 0.7), pods(3, 0, 0), 3, 0.1), Some(3));
        assert_eq!(replicas_for(cpu(0.78, 0.7), pods(3, 0, 0), 3, 0.1), Some(4));
    }

    #[test]
    fn utilization_is_a_whole_percentage() {
        assert_eq!(whole_percent(0.999), 0.99);
        assert_eq!(whole_percent(0.29), 0.29);
        assert_eq!(whole_percent(0.7), 0.7);
    }
}
