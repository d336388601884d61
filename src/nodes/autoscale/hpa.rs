//! The Kubernetes HorizontalPodAutoscaler algorithm, as its documentation
//! states it: per metric, desired = ceil(ready × metric / target), unless
//! the ratio is within the tolerance of 1; the largest over metrics; then
//! the stabilization windows (scale down only to the highest recommendation
//! of the window, up only to the lowest) and the rate-limit policies.

use std::collections::VecDeque;

use crate::model::{Hpa, HpaPolicyType, HpaRules, Metric, SelectPolicy};

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
        let ready = view.serving;
        let spec = &self.spec;
        // The metric asking for the most replicas decides.
        let mut best: Option<(Metric, f64, f64, u32)> = None;
        for &(metric, target) in &spec.metrics {
            let value = metric_value(reading, metric);
            if value.is_nan() || ready == 0 {
                continue;
            }
            let ratio = value / target;
            let proposal = if (ratio - 1.0).abs() <= spec.tolerance {
                current
            } else {
                (ratio * f64::from(ready)).ceil() as u32
            };
            if best.is_none_or(|b| proposal > b.3) {
                best = Some((metric, value, target, proposal));
            }
        }
        let Some((metric, value, target, proposal)) = best else {
            return Evaluation::hold(
                current,
                "hpa",
                "no metrics yet (no ready pod, or nothing measured)",
            );
        };
        let ratio = value / target;
        let clamped = proposal.clamp(spec.min, spec.max);
        let mut reason = if proposal == current && (ratio - 1.0).abs() <= spec.tolerance {
            format!(
                "ratio {ratio:.3} within tolerance {}: no change",
                spec.tolerance
            )
        } else {
            format!("ratio {ratio:.3} × {ready} ready = {proposal}")
        };
        if clamped != proposal {
            reason.push_str(&format!(", bounded to [{}, {}]", spec.min, spec.max));
        }

        let stabilized = self.stabilize(now_s, current, clamped);
        if stabilized != clamped {
            reason.push_str(&format!(", stabilization window holds {stabilized}"));
        }
        let limited = self.limit(now_s, current, stabilized);
        if limited != stabilized {
            reason.push_str(&format!(", rate limit allows {limited}"));
        }
        let desired = limited.clamp(self.spec.min, self.spec.max);
        if desired != current {
            self.changes
                .push_back((now_s, i64::from(desired) - i64::from(current)));
        }
        Evaluation {
            desired,
            rule: "hpa".into(),
            metric: metric.label().into(),
            value,
            target,
            current,
            reason,
        }
    }

    /// Applies the stabilization windows to `recommendation`.
    fn stabilize(&mut self, now_s: f64, current: u32, recommendation: u32) -> u32 {
        let (up, down) = (self.spec.up.stabilization_s, self.spec.down.stabilization_s);
        self.recommendations.push_back((now_s, recommendation));
        let keep = up.max(down);
        while self
            .recommendations
            .front()
            .is_some_and(|&(t, _)| t < now_s - keep)
        {
            self.recommendations.pop_front();
        }
        let within = |window: f64| {
            self.recommendations
                .iter()
                .filter(move |&&(t, _)| t >= now_s - window)
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
        let changed_within = |period: f64, up: bool| -> i64 {
            self.changes
                .iter()
                .filter(|&&(t, d)| t > now_s - period && (d > 0) == up)
                .map(|&(_, d)| d.abs())
                .sum()
        };
        let current = i64::from(current);
        let target_i = i64::from(target);
        if target_i > current {
            let rules = &self.spec.up;
            let limits = rules.policies.iter().map(|&(kind, value, period)| {
                let start = current - changed_within(period, true);
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
                let start = current + changed_within(period, false);
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
        assert_eq!(first_lower, Some(315.0));
    }
}
