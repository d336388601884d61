//! AWS Auto Scaling, evaluated once a minute (CloudWatch's standard
//! resolution). Target tracking is modelled by the two alarms AWS creates
//! for it: scale out when the metric is above the target for 3 consecutive
//! one-minute datapoints, to ceil(serving × metric / target); scale in when
//! it is below 90% of the target for 15 consecutive datapoints. Step
//! scaling fires on its own alarm (mean over each period, for N periods)
//! and applies the step that holds the breach, then waits its cooldown.
//! When several policies act, the largest capacity wins (as AWS documents).

use crate::model::{
    AdjustmentType, Alarm, Aws, AwsMetric, AwsPolicy, Comparison, ScheduledAction, TrackedMetric,
};
use crate::nodes::monitor::Reading;

use super::{Evaluation, View};

/// Datapoints above the target before target tracking scales out.
const HIGH_DATAPOINTS: u32 = 3;
/// Datapoints below the low threshold before it scales in.
const LOW_DATAPOINTS: u32 = 15;
/// The low threshold, as a share of the target.
const LOW_SHARE: f64 = 0.9;

/// One policy and its alarm state.
#[derive(Debug)]
struct PolicyState {
    policy: AwsPolicy,
    alarms: Alarms,
}

/// What a policy remembers between evaluations.
#[derive(Debug)]
struct Alarms {
    /// Consecutive datapoints above the target (target tracking).
    high: u32,
    low: u32,
    /// Datapoints of the step alarm's open period.
    period: Vec<f64>,
    breaches: u32,
    last_action_s: f64,
    /// When this policy last scaled out: scale-in waits for the instance warm-up after it.
    last_scale_out_s: f64,
}

/// An AWS group's scaling state.
#[derive(Debug)]
pub struct AwsState {
    min: u32,
    max: u32,
    policies: Vec<PolicyState>,
}

/// A metric as CloudWatch reports it. SQS publishes its queue metrics once
/// a minute ("Available CloudWatch metrics for Amazon SQS"): the reading's
/// sample at the evaluation stands for the minute's.
fn value(reading: &Reading, metric: AwsMetric) -> f64 {
    match metric {
        AwsMetric::CpuPercent => reading.cpu * 100.0,
        AwsMetric::RequestCountPerTarget => reading.rps_per_instance * 60.0,
        AwsMetric::TargetResponseTime => reading.mean_ms / 1e3,
        AwsMetric::MessagesVisible => reading.queue_visible,
        AwsMetric::MessagesNotVisible => reading.queue_depth - reading.queue_visible,
        AwsMetric::OldestMessageAge => reading.queue_age_s,
        AwsMetric::InServiceInstances => reading.serving_mean,
    }
}

/// A tracked metric's datapoint: metric math evaluated on the reading.
fn tracked_value(reading: &Reading, metric: &TrackedMetric) -> f64 {
    match metric {
        TrackedMetric::One(metric) => value(reading, *metric),
        TrackedMetric::Math { expr, .. } => expr.eval(&|m| value(reading, m)),
    }
}

impl AwsState {
    /// A fresh group.
    pub fn new(spec: &Aws) -> Self {
        AwsState {
            min: spec.min,
            max: spec.max,
            policies: spec
                .policies
                .iter()
                .map(|policy| PolicyState {
                    policy: policy.clone(),
                    alarms: Alarms {
                        high: 0,
                        low: 0,
                        period: Vec::new(),
                        breaches: 0,
                        last_action_s: f64::NEG_INFINITY,
                        last_scale_out_s: f64::NEG_INFINITY,
                    },
                })
                .collect(),
        }
    }

    /// A scheduled action: new bounds, and the desired capacity it sets or
    /// the current one kept within them.
    pub fn schedule(&mut self, action: &ScheduledAction, current: u32) -> Evaluation {
        self.min = action.min.unwrap_or(self.min);
        self.max = action.max.unwrap_or(self.max).max(self.min);
        let desired = action.desired.unwrap_or(current).clamp(self.min, self.max);
        Evaluation {
            desired,
            rule: action.name.clone(),
            metric: "-".into(),
            value: f64::NAN,
            target: f64::NAN,
            current,
            reason: format!(
                "scheduled action: min {}, max {}, desired {desired}",
                self.min, self.max
            ),
        }
    }

    /// One minute's evaluation of every policy; the first entry is the
    /// group's decision, the rest each policy's.
    pub fn evaluate(&mut self, now_s: f64, reading: &Reading, view: View) -> Vec<Evaluation> {
        let current = view.desired;
        let serving = f64::from(view.serving);
        let mut out = Vec::with_capacity(self.policies.len() + 1);
        for state in &mut self.policies {
            let mut e = state.evaluate(now_s, reading, current, serving);
            // A policy never takes the group outside [MinSize, MaxSize]
            // (AWS, "Step and simple scaling policies for Amazon EC2 Auto
            // Scaling" and `MaxSize` of UpdateAutoScalingGroup): the log
            // shows the bounded capacity, and the policy's wish in the reason.
            let bounded = e.desired.clamp(self.min, self.max);
            if bounded != e.desired {
                e.reason.push_str(&format!(
                    "; wants {}, bounded to {bounded} by [MinSize {}, MaxSize {}]",
                    e.desired, self.min, self.max
                ));
                e.desired = bounded;
            }
            out.push(e);
        }
        // Largest capacity wins; a policy with nothing to say proposes `current`.
        let outs: Vec<u32> = out
            .iter()
            .map(|e| e.desired)
            .filter(|&d| d > current)
            .collect();
        let ins: Vec<u32> = out
            .iter()
            .map(|e| e.desired)
            .filter(|&d| d < current)
            .collect();
        let proposal = match (outs.iter().max(), ins.iter().max()) {
            (Some(&up), _) => up,
            (None, Some(&down)) => down,
            (None, None) => current,
        };
        let desired = proposal.clamp(self.min, self.max);
        let group = Evaluation {
            desired,
            rule: "group".into(),
            metric: "-".into(),
            value: f64::NAN,
            target: f64::NAN,
            current,
            reason: if desired == current {
                "no policy changes the capacity".into()
            } else {
                format!(
                    "largest capacity of the policies, within [{}, {}]",
                    self.min, self.max
                )
            },
        };
        out.insert(0, group);
        out
    }
}

impl PolicyState {
    fn evaluate(
        &mut self,
        now_s: f64,
        reading: &Reading,
        current: u32,
        serving: f64,
    ) -> Evaluation {
        match &self.policy {
            AwsPolicy::TargetTracking {
                name,
                metric,
                target,
                disable_scale_in,
                warmup_s,
            } => {
                let mut e = Evaluation {
                    desired: current,
                    rule: name.clone(),
                    metric: metric.label().into(),
                    value: tracked_value(reading, metric),
                    target: *target,
                    current,
                    reason: String::new(),
                };
                let scale_in = !disable_scale_in;
                self.alarms
                    .track_target(&mut e, now_s, serving, scale_in, *warmup_s);
                e
            }
            AwsPolicy::Step {
                name,
                adjustment,
                steps,
                alarm,
                cooldown_s,
                warmup_s,
            } => {
                let mut e = Evaluation {
                    desired: current,
                    rule: name.clone(),
                    metric: alarm.metric.label().into(),
                    value: value(reading, alarm.metric),
                    target: alarm.threshold,
                    current,
                    reason: "alarm period open".into(),
                };
                // Within the cooldown, or while the instances of the last
                // step warm up, the same breach adds nothing more.
                let quiet_s = cooldown_s.max(*warmup_s);
                self.alarms
                    .step(&mut e, now_s, alarm, steps, *adjustment, quiet_s);
                e
            }
        }
    }
}

impl Alarms {
    /// Target tracking's two alarms on the datapoint `e.value` against
    /// `e.target`: sets `e.desired` and `e.reason`.
    fn track_target(
        &mut self,
        e: &mut Evaluation,
        now_s: f64,
        serving: f64,
        scale_in: bool,
        warmup_s: f64,
    ) {
        let (v, target, current) = (e.value, e.target, e.current);
        if v.is_nan() || serving == 0.0 {
            self.high = 0;
            self.low = 0;
            e.reason = "no datapoint".into();
            return;
        }
        if v > target {
            self.high += 1;
            self.low = 0;
        } else if v < LOW_SHARE * target {
            self.low += 1;
            self.high = 0;
        } else {
            self.high = 0;
            self.low = 0;
        }
        let wanted = (serving * v / target).ceil() as u32;
        let warming = now_s - self.last_scale_out_s < warmup_s;
        if self.high >= HIGH_DATAPOINTS {
            e.desired = wanted.max(current);
            if e.desired > current {
                self.last_scale_out_s = now_s;
            }
            e.reason = format!("AlarmHigh: {} datapoints above the target", self.high);
        } else if self.low >= LOW_DATAPOINTS && warming {
            // As AWS: no scale-in while the instances it launched warm up.
            e.reason = "AlarmLow, but scale-in waits for the instance warm-up".into();
        } else if self.low >= LOW_DATAPOINTS && scale_in {
            e.desired = wanted.max(1).min(current);
            e.reason = format!(
                "AlarmLow: {} datapoints below {LOW_SHARE} × target",
                self.low
            );
        } else {
            e.reason = format!(
                "high {}/{HIGH_DATAPOINTS}, low {}/{LOW_DATAPOINTS}",
                self.high, self.low
            );
        }
    }

    /// A step policy's alarm on the datapoint `e.value`: at the end of each
    /// period its mean is compared with the threshold, and after enough
    /// breaching periods (and `quiet_s` since the last action) the step
    /// holding the breach sets `e.desired`.
    fn step(
        &mut self,
        e: &mut Evaluation,
        now_s: f64,
        alarm: &Alarm,
        steps: &[(f64, f64, i32)],
        adjustment: AdjustmentType,
        quiet_s: f64,
    ) {
        if e.value.is_finite() {
            self.period.push(e.value);
        }
        if self.period.len() < alarm.datapoints_per_period as usize {
            return;
        }
        let mean = self.period.iter().sum::<f64>() / self.period.len() as f64;
        self.period.clear();
        e.value = mean;
        let breach = match alarm.comparison {
            Comparison::GreaterThanOrEqualToThreshold => mean >= alarm.threshold,
            Comparison::GreaterThanThreshold => mean > alarm.threshold,
            Comparison::LessThanThreshold => mean < alarm.threshold,
            Comparison::LessThanOrEqualToThreshold => mean <= alarm.threshold,
        };
        self.breaches = if breach { self.breaches + 1 } else { 0 };
        if self.breaches < alarm.periods {
            e.reason = format!(
                "alarm OK ({}/{} periods breaching)",
                self.breaches, alarm.periods
            );
            return;
        }
        if now_s - self.last_action_s < quiet_s {
            e.reason = "in ALARM, cooling down or warming up".into();
            return;
        }
        let breach_size = mean - alarm.threshold;
        let Some(&(_, _, step)) = steps
            .iter()
            .find(|&&(lower, upper, _)| lower <= breach_size && breach_size < upper)
        else {
            e.reason = "in ALARM, no step holds the breach".into();
            return;
        };
        self.last_action_s = now_s;
        e.desired = adjusted(e.current, adjustment, step).max(0) as u32;
        e.reason = format!("in ALARM: step {step:+} for a breach of {breach_size:.3}");
    }
}

/// The capacity a step of `step` sets from `current`.
fn adjusted(current: u32, adjustment: AdjustmentType, step: i32) -> i64 {
    let c = i64::from(current);
    match adjustment {
        AdjustmentType::ChangeInCapacity => c + i64::from(step),
        AdjustmentType::ExactCapacity => i64::from(step),
        AdjustmentType::PercentChangeInCapacity => {
            let change = (c as f64 * f64::from(step) / 100.0) as i64;
            // At least one instance, in the step's direction.
            c + if change == 0 {
                i64::from(step.signum())
            } else {
                change
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{cpu, view};
    use super::*;
    use crate::model::Expr;

    fn group(warmup_s: f64) -> AwsState {
        AwsState::new(&Aws {
            min: 1,
            max: 20,
            policies: vec![AwsPolicy::TargetTracking {
                name: "cpu".into(),
                metric: TrackedMetric::One(AwsMetric::CpuPercent),
                target: 50.0,
                disable_scale_in: false,
                warmup_s,
            }],
            scheduled: Vec::new(),
        })
    }

    #[test]
    fn target_tracking_scales_out_after_three_datapoints() {
        let mut g = group(0.0);
        let desired: Vec<u32> = (1..=3)
            .map(|minute| g.evaluate(60.0 * f64::from(minute), &cpu(0.8), view(4))[0].desired)
            .collect();
        // ceil(4 × 80 / 50) = 7 on the third datapoint.
        assert_eq!(desired, [4, 4, 7]);
    }

    #[test]
    fn scale_in_waits_for_the_warm_up_after_a_scale_out() {
        let mut g = group(1800.0);
        let mut t = 0.0;
        for _ in 0..3 {
            t += 60.0;
            g.evaluate(t, &cpu(0.8), view(4));
        }
        // Then low for 15 minutes and more: no scale-in until 1,800 s after
        // the scale-out at 180 s.
        let mut first_in = None;
        while t < 3000.0 {
            t += 60.0;
            if g.evaluate(t, &cpu(0.2), view(7))[0].desired < 7 && first_in.is_none() {
                first_in = Some(t);
            }
        }
        assert_eq!(first_in, Some(180.0 + 1800.0));
    }

    /// AWS's SQS example: backlog per instance `m1 / m2` against an
    /// acceptable backlog of 100 messages; with 4 instances in service,
    /// 1,620 visible messages is 405 per instance, and the third such
    /// datapoint asks ceil(4 × 405 / 100) = ceil(1620 / 100) = 17.
    #[test]
    fn backlog_per_instance_asks_for_ceil_of_visible_messages_over_the_target() {
        let backlog = Expr::Binary(
            Box::new(Expr::Metric(AwsMetric::MessagesVisible)),
            '/',
            Box::new(Expr::Metric(AwsMetric::InServiceInstances)),
        );
        let mut g = AwsState::new(&Aws {
            min: 1,
            max: 20,
            policies: vec![AwsPolicy::TargetTracking {
                name: "backlog".into(),
                metric: TrackedMetric::Math {
                    label: "backlog".into(),
                    expr: backlog,
                },
                target: 100.0,
                disable_scale_in: false,
                warmup_s: 0.0,
            }],
            scheduled: Vec::new(),
        });
        let reading = Reading {
            queue_visible: 1620.0,
            serving_mean: 4.0,
            ..Reading::default()
        };
        let decisions: Vec<(f64, u32)> = (1..=3)
            .map(|minute| {
                let e = &g.evaluate(60.0 * f64::from(minute), &reading, view(4))[1];
                (e.value, e.desired)
            })
            .collect();
        assert_eq!(decisions, [(405.0, 4), (405.0, 4), (405.0, 17)]);
        // No instance in service: no datapoint (CloudWatch drops x / 0).
        let empty = Reading {
            serving_mean: 0.0,
            ..reading
        };
        assert!(g.evaluate(240.0, &empty, view(0))[1].value.is_nan());
    }
}
