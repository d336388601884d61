//! The Kubernetes HorizontalPodAutoscaler, after its controller
//! (kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go): per
//! metric, the replica calculator's proposal (`replicas.rs`); the largest
//! over metrics (`computeReplicasForMetrics`), or no change when a metric
//! cannot be read and the others would scale down; then the stabilization
//! windows (`stabilizeRecommendationWithBehaviors`: down only to the highest
//! recommendation of the window, up only to the lowest) and the rate-limit
//! policies (`convertDesiredReplicasWithBehaviorRate`), within [min, max].

use std::collections::VecDeque;

use crate::model::{Hpa, HpaPolicyType, HpaRules, Metric, SelectPolicy};

use super::replicas::{
    Measured, Pods, external_replicas, replicas_for, whole_percent, within_tolerance,
};
use super::{Evaluation, View, metric_value};
use crate::nodes::monitor::Reading;

/// An HPA and its memory of past recommendations and changes.
#[derive(Debug)]
pub struct HpaState {
    spec: Hpa,
    /// (time s, recommendation), newest last.
    recommendations: VecDeque<(f64, u32)>,
    /// (time s, change in replicas), newest last.
    changes: VecDeque<(f64, i64)>,
}

/// One metric as the replica calculator sees it.
fn measure(reading: &Reading, view: View, metric: Metric, target: f64) -> (Measured, Pods) {
    match metric {
        // A resource metric: only pods that served through the whole period
        // have a usable CPU sample; pending pods and those that became ready
        // since are unready; a crashed pod has no metric.
        Metric::Cpu => (
            Measured {
                value: whole_percent(reading.settled_cpu),
                target,
                missing_value: target.max(1.0),
            },
            Pods {
                ready: view.settled,
                unready: view.starting + (view.serving - view.settled),
                missing: view.failed,
            },
        ),
        // Pods metrics: Kubernetes checks readiness for CPU only, so every
        // serving pod counts and only pending ones are unready.
        _ => (
            Measured {
                value: metric_value(reading, metric),
                target,
                missing_value: target,
            },
            Pods {
                ready: view.serving,
                unready: view.starting,
                missing: view.failed,
            },
        ),
    }
}

impl HpaState {
    /// A fresh controller.
    pub fn new(spec: &Hpa) -> Self {
        HpaState {
            spec: spec.clone(),
            recommendations: VecDeque::new(),
            changes: VecDeque::new(),
        }
    }

    /// One sync: the desired replicas and why.
    pub fn evaluate(&mut self, now_s: f64, reading: &Reading, view: View) -> Evaluation {
        let current = view.desired;
        let spec = &self.spec;
        // The metric asking for the most replicas decides.
        let mut best: Option<(Metric, Measured, Pods, u32)> = None;
        let mut unreadable = 0;
        for &(metric, target) in &spec.metrics {
            let (measured, pods) = measure(reading, view, metric, target);
            let proposal = match metric {
                Metric::QueueDepth { average } | Metric::QueueAgeS { average } => {
                    external_replicas(
                        measured.value,
                        target,
                        average,
                        current,
                        view.serving,
                        spec.tolerance,
                    )
                }
                _ => replicas_for(measured, pods, current, spec.tolerance),
            };
            let Some(proposal) = proposal else {
                unreadable += 1;
                continue;
            };
            if best.is_none_or(|b| proposal > b.3) {
                best = Some((metric, measured, pods, proposal));
            }
        }
        let Some((metric, measured, pods, proposal)) = best else {
            return Evaluation::hold(
                current,
                "hpa",
                "no metrics (no pod ready for a whole period, or nothing measured)",
            );
        };
        if unreadable > 0 && proposal < current {
            // Kubernetes scales down only when every metric could be read.
            return Evaluation::hold(current, "hpa", "a metric cannot be read: no scale-down");
        }
        let mut reason = explain(measured, pods, proposal, current, spec.tolerance);
        let stabilized = self.stabilize(now_s, current, proposal);
        if stabilized != proposal {
            reason.push_str(&format!(", stabilization window holds {stabilized}"));
        }
        let limited = self.limit(now_s, current, stabilized);
        if limited != stabilized {
            reason.push_str(&format!(", rate limit allows {limited}"));
        }
        let desired = limited.clamp(self.spec.min, self.spec.max);
        if desired != limited {
            reason.push_str(&format!(
                ", bounded to [{}, {}]",
                self.spec.min, self.spec.max
            ));
        }
        if desired != current {
            self.changes
                .push_back((now_s, i64::from(desired) - i64::from(current)));
        }
        Evaluation {
            desired,
            rule: "hpa".into(),
            metric: metric.label().into(),
            value: measured.value,
            target: measured.target,
            current,
            reason,
        }
    }

    /// Applies the stabilization windows to `recommendation`: only
    /// recommendations strictly newer than now − window count
    /// (`rec.timestamp.After(cutoff)` in Kubernetes), this one included.
    fn stabilize(&mut self, now_s: f64, current: u32, recommendation: u32) -> u32 {
        let (up, down) = (self.spec.up.stabilization_s, self.spec.down.stabilization_s);
        self.recommendations.push_back((now_s, recommendation));
        let keep = up.max(down);
        while self
            .recommendations
            .front()
            .is_some_and(|&(t, _)| t <= now_s - keep)
        {
            self.recommendations.pop_front();
        }
        let within = |window: f64| {
            self.recommendations
                .iter()
                .filter(move |&&(t, _)| t > now_s - window || t == now_s)
                .map(|&(_, r)| r)
        };
        let up_recommendation = within(up).min().unwrap_or(recommendation);
        let down_recommendation = within(down).max().unwrap_or(recommendation);
        let mut stabilized = current;
        if stabilized < up_recommendation {
            stabilized = up_recommendation;
        }
        if stabilized > down_recommendation {
            stabilized = down_recommendation;
        }
        stabilized
    }

    /// Applies the scaling policies (rate limits) to a change from `current` to `target`.
    fn limit(&mut self, now_s: f64, current: u32, target: u32) -> u32 {
        let longest = self
            .spec
            .up
            .policies
            .iter()
            .chain(&self.spec.down.policies)
            .map(|p| p.2)
            .fold(0.0, f64::max);
        while self
            .changes
            .front()
            .is_some_and(|&(t, _)| t < now_s - longest)
        {
            self.changes.pop_front();
        }
        // The count at the period's start: current − added + deleted within
        // it, in both directions (`calculateScaleUpLimitWithScalingRules`
        // and `calculateScaleDownLimitWithBehaviors`; events strictly newer
        // than now − period).
        let period_start = |period: f64| -> i64 {
            let net: i64 = self
                .changes
                .iter()
                .filter(|&&(t, _)| t > now_s - period)
                .map(|&(_, d)| d)
                .sum();
            i64::from(current) - net
        };
        let current = i64::from(current);
        let target_i = i64::from(target);
        if target_i > current {
            let rules = &self.spec.up;
            let limits = rules.policies.iter().map(|&(kind, value, period)| {
                let start = period_start(period);
                match kind {
                    HpaPolicyType::Pods => start + value as i64,
                    HpaPolicyType::Percent => (start as f64 * (1.0 + value / 100.0)).ceil() as i64,
                }
            });
            let limit = match select(rules, limits, true) {
                Some(limit) => limit,
                None => return current as u32,
            };
            target_i.min(limit).max(current) as u32
        } else if target_i < current {
            let rules = &self.spec.down;
            let limits = rules.policies.iter().map(|&(kind, value, period)| {
                let start = period_start(period);
                match kind {
                    HpaPolicyType::Pods => start - value as i64,
                    HpaPolicyType::Percent => (start as f64 * (1.0 - value / 100.0)) as i64,
                }
            });
            let limit = match select(rules, limits, false) {
                Some(limit) => limit,
                None => return current as u32,
            };
            target_i.max(limit).min(current) as u32
        } else {
            target
        }
    }
}

/// Why the metric proposes `proposal`, for the decision log.
fn explain(m: Measured, pods: Pods, proposal: u32, current: u32, tolerance: f64) -> String {
    let ratio = m.value / m.target;
    if proposal == current && within_tolerance(ratio, tolerance) {
        return format!("ratio {ratio:.3} within tolerance {tolerance}: no change");
    }
    let mut text = format!("ratio {ratio:.3} × {} ready", pods.ready);
    if pods.unready > 0 && ratio > 1.0 {
        text.push_str(&format!(", {} not ready counted idle", pods.unready));
    }
    if pods.missing > 0 && ratio != 1.0 {
        let counted = if ratio < 1.0 { "full" } else { "idle" };
        text.push_str(&format!(
            ", {} without metrics counted {counted}",
            pods.missing
        ));
    }
    text.push_str(&format!(" = {proposal}"));
    text
}

/// The limit `selectPolicy` picks: `Max` allows the largest change, `Min`
/// the smallest; `None` when scaling this way is disabled.
fn select(rules: &HpaRules, limits: impl Iterator<Item = i64>, up: bool) -> Option<i64> {
    match (rules.select, up) {
        (SelectPolicy::Disabled, _) => None,
        (SelectPolicy::Max, true) | (SelectPolicy::Min, false) => limits.max(),
        (SelectPolicy::Max, false) | (SelectPolicy::Min, true) => limits.min(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{cpu, view};
    use super::*;

    fn hpa(min: u32, max: u32, target: f64) -> HpaState {
        HpaState::new(&Hpa {
            min,
            max,
            metrics: vec![(Metric::Cpu, target)],
            up: HpaRules {
                stabilization_s: 0.0,
                select: SelectPolicy::Max,
                policies: vec![
                    (HpaPolicyType::Percent, 100.0, 15.0),
                    (HpaPolicyType::Pods, 4.0, 15.0),
                ],
            },
            down: HpaRules {
                stabilization_s: 300.0,
                select: SelectPolicy::Max,
                policies: vec![(HpaPolicyType::Percent, 100.0, 15.0)],
            },
            sync_s: 15.0,
            tolerance: 0.1,
        })
    }

    /// KEDA's `aws-sqs-queue` rule, through the HPA's external metric with
    /// an `AverageValue` target: desired = ceil(messages / queueLength),
    /// whatever the current count, unless within the tolerance.
    #[test]
    fn queue_depth_asks_for_ceil_of_messages_over_the_target() {
        let mut h = hpa(1, 100, 0.5);
        h.spec.metrics = vec![(Metric::QueueDepth { average: true }, 10.0)];
        let depth = |messages: f64| Reading {
            queue_depth: messages,
            ..Reading::default()
        };
        // 1 consumer, 30 messages against 10 each: 3 (within the rate limit of 5).
        assert_eq!(h.evaluate(0.0, &depth(30.0), view(1)).desired, 3);
        // 3 consumers, 61 messages: ceil(6.1) = 7.
        assert_eq!(h.evaluate(15.0, &depth(61.0), view(3)).desired, 7);
        // 7 consumers, 72 messages: 72 / 70 is within the 10% tolerance.
        assert_eq!(h.evaluate(30.0, &depth(72.0), view(7)).desired, 7);
    }

    #[test]
    fn desired_is_ceil_of_current_times_ratio_and_tolerance_holds_it() {
        let mut h = hpa(1, 100, 0.5);
        // 4 pods at 60% against 50%: ratio 1.2 → ceil(4.8) = 5.
        assert_eq!(h.evaluate(0.0, &cpu(0.6), view(4)).desired, 5);
        // At 54% the ratio 1.08 is within the 10% tolerance.
        assert_eq!(h.evaluate(15.0, &cpu(0.54), view(5)).desired, 5);
    }

    #[test]
    fn scale_up_is_limited_to_double_or_four_pods_per_period() {
        let mut h = hpa(1, 100, 0.5);
        // Ratio 10 from 2 pods wants 20; max(2 × 2, 2 + 4) = 6 allowed.
        assert_eq!(h.evaluate(0.0, &cpu(5.0), view(2)).desired, 6);
        // Within the same 15 s period nothing more is allowed... beyond 6
        // measured from the period's start (2): max(4, 6) = 6.
        assert_eq!(h.evaluate(5.0, &cpu(5.0), view(6)).desired, 6);
        // A period later, from 6: max(12, 10) = 12.
        assert_eq!(h.evaluate(20.0, &cpu(5.0), view(6)).desired, 12);
    }

    #[test]
    fn scale_down_waits_for_the_stabilization_window() {
        let mut h = hpa(1, 100, 0.5);
        let mut t = 0.0;
        assert_eq!(h.evaluate(t, &cpu(0.5), view(10)).desired, 10);
        // Load halves: the recommendation is 5, but for 300 s the window
        // still holds the earlier 10.
        let mut first_lower = None;
        while t < 400.0 {
            t += 15.0;
            let e = h.evaluate(t, &cpu(0.25), view(10));
            if e.desired < 10 && first_lower.is_none() {
                first_lower = Some(t);
            }
        }
        // The recommendation of t = 0 leaves the window when it is no
        // longer strictly newer than now − 300 s: at t = 300.
        assert_eq!(first_lower, Some(300.0));
    }

    #[test]
    fn a_pod_ready_for_part_of_the_period_is_set_aside() {
        let mut h = hpa(2, 20, 0.7);
        // 3 pods, one ready since the period began: the 2 others at 100%
        // ask for ceil(2 × 1.43) = 3, and the newcomer counted idle gives
        // 2 / 3 / 0.7 = 0.95, within tolerance: 3, not ceil(3 × 1.43) = 5.
        let fresh = View {
            settled: 2,
            ..view(3)
        };
        assert_eq!(h.evaluate(0.0, &cpu(1.0), fresh).desired, 3);
    }

    #[test]
    fn a_metric_that_cannot_be_read_blocks_a_scale_down() {
        let mut h = hpa(1, 100, 0.5);
        h.spec.metrics.push((Metric::LatencyP99Ms, 100.0));
        // CPU asks for 2 of 4, the latency has nothing measured (NaN).
        let reading = Reading {
            p99_ms: f64::NAN,
            ..cpu(0.25)
        };
        assert_eq!(h.evaluate(0.0, &reading, view(4)).desired, 4);
    }
}
