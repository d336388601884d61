//! Service-level objectives, as the seeds state them: `p99<200ms,
//! errors<1%, util 50-70%, cost<$2/h`, per class (`checkout.p99<300ms`)
//! and per node (`web.util<80%`). Each condition is judged on the 95%
//! interval of its figure, not on the mean alone: it is met when the whole
//! interval is on the right side of the limit, missed when the whole
//! interval is on the wrong side, and unsure when the interval straddles it
//! (more replications decide). A figure without an interval (one
//! replication) is judged on its mean.

use crate::stats::Estimate;

/// One condition of an objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The row column it is judged on (`p99_ms`, `error_rate`,
    /// `usd_per_hour`, `class.checkout.p99_ms`, `web.utilization`); empty
    /// for `util` of every pool and database (see [`Slo::columns`]).
    pub column: String,
    /// Where the figure must be.
    pub target: Target,
    /// As written, for reports.
    pub written: String,
}

/// Where a figure must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Under the limit.
    Below(f64),
    /// Within `[low, high]`.
    Within(f64, f64),
}

/// How more capacity (more instances, bigger ones) moves a failed
/// condition: latency, errors and a utilization ceiling get easier; a cost
/// ceiling and a utilization floor get harder. The design search infers by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// More capacity never makes it fail.
    Helps,
    /// More capacity never makes it pass.
    Hurts,
}

/// A point's standing against an objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Some condition fails even at its interval's near end.
    Missed,
    /// Some interval straddles its limit and none fails outright.
    Unsure,
    /// Every condition holds at its interval's far end.
    Met,
}

impl Verdict {
    /// As a CSV cell: `met`, `unsure`, `missed`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Unsure => "unsure",
            Verdict::Missed => "missed",
        }
    }
}

/// An objective: every condition must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// The conditions, in the order written; `util` without a node is
    /// expanded by [`Slo::resolve`] into one condition per pool and database.
    pub conditions: Vec<Condition>,
}

const FIGURES_HELP: &str = "expected conditions like `p99<200ms`, `errors<1%`, `util 50-70%`, `cost<$2/h`, `checkout.p99<300ms` or `web.util<80%` (latency figures mean, p50, p95, p99, p999 in ms or s)";

impl Slo {
    /// Parses a comma-separated list of conditions.
    pub fn parse(text: &str) -> Result<Slo, String> {
        let conditions = text
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| condition(c).map_err(|why| format!("`{c}`: {why}")))
            .collect::<Result<Vec<_>, String>>()?;
        if conditions.is_empty() {
            return Err("expected at least one condition, e.g. `p99<200ms`".into());
        }
        Ok(Slo { conditions })
    }

    /// Checks every condition's column against a row's `columns`, and
    /// expands `util` into each pool's and database's utilization.
    pub fn resolve(mut self, columns: &[String]) -> Result<Slo, String> {
        let utilizations: Vec<&String> = columns
            .iter()
            .filter(|c| c.ends_with(".utilization"))
            .collect();
        let mut resolved = Vec::new();
        for condition in self.conditions.drain(..) {
            if condition.column.is_empty() {
                if utilizations.is_empty() {
                    return Err(format!(
                        "`{}`: the model has no pool or database to take the utilization of",
                        condition.written
                    ));
                }
                resolved.extend(utilizations.iter().map(|column| Condition {
                    column: (*column).clone(),
                    ..condition.clone()
                }));
            } else if columns.contains(&condition.column) {
                resolved.push(condition);
            } else {
                return Err(unknown(&condition, columns));
            }
        }
        Ok(Slo {
            conditions: resolved,
        })
    }

    /// The verdict on a point, `estimate` giving each column's estimate
    /// (`None`: the point has no such figure, e.g. no request completed).
    pub fn judge(&self, estimate: impl Fn(&str) -> Option<Estimate>) -> Verdict {
        self.judge_each(estimate)
            .into_iter()
            .min()
            .unwrap_or(Verdict::Met)
    }

    /// The verdict on each condition, in order.
    pub fn judge_each(&self, estimate: impl Fn(&str) -> Option<Estimate>) -> Vec<Verdict> {
        self.conditions
            .iter()
            .map(|c| match estimate(&c.column) {
                Some(e) if e.mean.is_finite() => c.target.judge(e),
                _ => Verdict::Missed,
            })
            .collect()
    }

    /// The objective as written, for reports.
    pub fn written(&self) -> String {
        self.written_conditions().join(", ")
    }

    /// Each condition as written, once (`util` stands for several).
    pub fn written_conditions(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.conditions {
            if !seen.contains(&c.written.as_str()) {
                seen.push(&c.written);
            }
        }
        seen
    }
}

impl Condition {
    /// How more capacity moves this condition.
    /// For a condition `estimate` fails or is unsure of: whether more
    /// capacity would help it (a latency, an error rate, a utilization over
    /// its ceiling) or hurt it (a cost over its ceiling, a utilization
    /// under its floor: the interval reaches below the floor).
    pub fn failed_side(&self, estimate: Estimate) -> Capacity {
        let low_end = estimate.mean - estimate.ci95.filter(|h| h.is_finite()).unwrap_or(0.0);
        match self.target {
            Target::Within(floor, _) if low_end < floor => Capacity::Hurts,
            Target::Below(_) if self.column == "usd_per_hour" => Capacity::Hurts,
            _ => Capacity::Helps,
        }
    }
}

impl Target {
    /// Met, unsure or missed, on the estimate's 95% interval.
    fn judge(self, estimate: Estimate) -> Verdict {
        let half = estimate.ci95.filter(|h| h.is_finite()).unwrap_or(0.0);
        let (low, high) = (estimate.mean - half, estimate.mean + half);
        let (floor, ceiling) = match self {
            Target::Below(limit) => (f64::NEG_INFINITY, limit),
            Target::Within(floor, ceiling) => (floor, ceiling),
        };
        let strict_ceiling = matches!(self, Target::Below(_));
        let under = |x: f64| {
            if strict_ceiling {
                x < ceiling
            } else {
                x <= ceiling
            }
        };
        if low >= floor && under(high) {
            Verdict::Met
        } else if high < floor || !under(low) {
            Verdict::Missed
        } else {
            Verdict::Unsure
        }
    }
}

/// The error for a condition naming a class or node the model lacks.
fn unknown(condition: &Condition, columns: &[String]) -> String {
    let (what, names): (&str, Vec<&str>) = if condition.column.starts_with("class.") {
        let names = columns
            .iter()
            .filter_map(|c| c.strip_prefix("class.")?.strip_suffix(".p99_ms"))
            .collect();
        ("class", names)
    } else if condition.column.ends_with(".utilization") {
        let names = columns
            .iter()
            .filter_map(|c| c.strip_suffix(".utilization"))
            .collect();
        ("pool or database", names)
    } else {
        ("figure", Vec::new())
    };
    let name = condition
        .column
        .trim_start_matches("class.")
        .split('.')
        .next()
        .unwrap_or("");
    let known = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    format!(
        "`{}`: the model has no {what} `{name}` (it has: {known})",
        condition.written
    )
}

/// One condition: `[NAME.]FIGURE<LIMIT` or `[NAME.]util LOW-HIGH%`.
fn condition(text: &str) -> Result<Condition, String> {
    let split = text.find(['<', ' ', '>', '=']).unwrap_or(text.len());
    let (subject, rest) = text.split_at(split);
    let (name, figure) = match subject.rsplit_once('.') {
        Some((name, figure)) if !name.is_empty() => (Some(name), figure),
        _ => (None, subject),
    };
    let rest = rest.trim_start();
    let (column, target) = match figure {
        "mean" | "p50" | "p95" | "p99" | "p999" => {
            let column = match name {
                None => format!("{figure}_ms"),
                Some(class) if figure == "p99" => format!("class.{class}.p99_ms"),
                Some(_) => {
                    return Err("per class, a sweep keeps the p99 only: `NAME.p99<300ms`".into());
                }
            };
            (column, Target::Below(below(rest, milliseconds)?))
        }
        "errors" if name.is_none() => ("error_rate".into(), Target::Below(below(rest, percent)?)),
        "cost" if name.is_none() => ("usd_per_hour".into(), Target::Below(below(rest, dollars)?)),
        "util" => {
            let column = name.map_or_else(String::new, |node| format!("{node}.utilization"));
            (column, utilization(rest)?)
        }
        _ => return Err(FIGURES_HELP.into()),
    };
    Ok(Condition {
        column,
        target,
        written: text.to_string(),
    })
}

/// `<LIMIT`, the limit read by `unit`.
fn below(rest: &str, unit: fn(&str) -> Option<f64>) -> Result<f64, String> {
    let limit = rest.strip_prefix('<').ok_or(FIGURES_HELP)?;
    unit(limit.trim()).ok_or_else(|| FIGURES_HELP.to_string())
}

/// `<80%` or a band `50-70%` (also `50%-70%`), as fractions.
fn utilization(rest: &str) -> Result<Target, String> {
    if rest.starts_with('<') {
        return Ok(Target::Below(below(rest, percent)?));
    }
    let band = || "expected a utilization band like `util 50-70%` or a ceiling like `util<80%`";
    let (low, high) = rest.split_once('-').ok_or_else(band)?;
    let low = percent(&format!("{}%", low.trim().trim_end_matches('%'))).ok_or_else(band)?;
    let high = percent(high.trim()).ok_or_else(band)?;
    if !(low < high && high <= 1.0) {
        return Err("expected a band LOW-HIGH% with LOW < HIGH ≤ 100".into());
    }
    Ok(Target::Within(low, high))
}

/// `200ms` or `0.2s`, in ms.
fn milliseconds(text: &str) -> Option<f64> {
    let (number, scale) = match text.strip_suffix("ms") {
        Some(number) => (number, 1.0),
        None => (text.strip_suffix('s')?, 1000.0),
    };
    finite(number).map(|n| n * scale)
}

/// `1%` (also `0.1 %`), as a fraction.
fn percent(text: &str) -> Option<f64> {
    finite(text.strip_suffix('%')?).map(|n| n / 100.0)
}

/// `$2/h`, `$2.5/hour`, `$2/hr`, in dollars per hour.
fn dollars(text: &str) -> Option<f64> {
    let amount = text.strip_prefix('$')?;
    let number = ["/hour", "/hr", "/h"]
        .iter()
        .find_map(|unit| amount.strip_suffix(unit))?;
    finite(number)
}

/// A finite, non-negative number.
fn finite(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(mean: f64, half: f64) -> Option<Estimate> {
        Some(Estimate {
            mean,
            ci95: Some(half),
        })
    }

    #[test]
    fn parses_what_the_seeds_state() {
        let slo = Slo::parse(
            "p99<200ms, errors<1%, util 50-70%, cost<$3.5/h, checkout.p99<0.3s, web.util<80%",
        )
        .unwrap();
        let got: Vec<(&str, Target)> = (slo.conditions.iter())
            .map(|c| (c.column.as_str(), c.target))
            .collect();
        assert_eq!(
            got,
            [
                ("p99_ms", Target::Below(200.0)),
                ("error_rate", Target::Below(0.01)),
                ("", Target::Within(0.5, 0.7)),
                ("usd_per_hour", Target::Below(3.5)),
                ("class.checkout.p99_ms", Target::Below(300.0)),
                ("web.utilization", Target::Below(0.8)),
            ]
        );
    }

    #[test]
    fn refuses_what_it_cannot_judge() {
        let error = |text| Slo::parse(text).unwrap_err();
        assert!(error("p99>200ms").starts_with("`p99>200ms`: expected conditions like"));
        assert!(error("latency<2s").starts_with("`latency<2s`: expected"));
        assert_eq!(
            error("checkout.p95<2s"),
            "`checkout.p95<2s`: per class, a sweep keeps the p99 only: `NAME.p99<300ms`"
        );
        assert_eq!(
            error("util 70-50%"),
            "`util 70-50%`: expected a band LOW-HIGH% with LOW < HIGH ≤ 100"
        );
        assert_eq!(
            error(" , "),
            "expected at least one condition, e.g. `p99<200ms`"
        );
    }

    #[test]
    fn judges_on_the_interval_not_the_mean() {
        let slo = Slo::parse("p99<200ms").unwrap();
        assert_eq!(slo.judge(|_| estimate(150.0, 40.0)), Verdict::Met);
        assert_eq!(slo.judge(|_| estimate(190.0, 20.0)), Verdict::Unsure);
        assert_eq!(slo.judge(|_| estimate(230.0, 20.0)), Verdict::Missed);
        assert_eq!(slo.judge(|_| estimate(200.0, 0.0)), Verdict::Missed);
        assert_eq!(slo.judge(|_| None), Verdict::Missed);
        let one_run = |_: &str| {
            Some(Estimate {
                mean: 190.0,
                ci95: None,
            })
        };
        assert_eq!(slo.judge(one_run), Verdict::Met);
    }

    #[test]
    fn a_band_is_met_inside_and_missed_outside() {
        let slo = Slo::parse("web.util 50-70%").unwrap();
        assert_eq!(slo.judge(|_| estimate(0.6, 0.05)), Verdict::Met);
        assert_eq!(slo.judge(|_| estimate(0.52, 0.05)), Verdict::Unsure);
        assert_eq!(slo.judge(|_| estimate(0.4, 0.05)), Verdict::Missed);
        assert_eq!(slo.judge(|_| estimate(0.8, 0.05)), Verdict::Missed);
        let c = &slo.conditions[0];
        assert_eq!(
            c.failed_side(Estimate {
                mean: 0.4,
                ci95: None
            }),
            Capacity::Hurts
        );
        assert_eq!(
            c.failed_side(Estimate {
                mean: 0.8,
                ci95: None
            }),
            Capacity::Helps
        );
    }

    #[test]
    fn resolves_names_against_the_columns() {
        let columns: Vec<String> = [
            "p99_ms",
            "class.browse.p99_ms",
            "web.utilization",
            "db.utilization",
        ]
        .map(String::from)
        .into();
        let slo = Slo::parse("util<90%").unwrap().resolve(&columns).unwrap();
        let resolved: Vec<&str> = slo.conditions.iter().map(|c| c.column.as_str()).collect();
        assert_eq!(resolved, ["web.utilization", "db.utilization"]);
        assert_eq!(slo.written(), "util<90%");
        assert_eq!(
            Slo::parse("buy.p99<1s")
                .unwrap()
                .resolve(&columns)
                .unwrap_err(),
            "`buy.p99<1s`: the model has no class `buy` (it has: browse)"
        );
        assert_eq!(
            Slo::parse("cache.util<1%")
                .unwrap()
                .resolve(&columns)
                .unwrap_err(),
            "`cache.util<1%`: the model has no pool or database `cache` (it has: web, db)"
        );
    }
}
