//! Service-level objectives: `p99<200ms,errors<1%` → conditions on a row's
//! figures (their means over replications).

/// One condition: `figure < limit`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// (column, limit, as written).
    pub conditions: Vec<(String, f64, String)>,
}

impl Slo {
    /// Parses `p99<200ms,p50<20ms,mean<50ms,errors<1%`.
    pub fn parse(text: &str) -> Result<Slo, String> {
        let conditions = text
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|condition| {
                let bad = || {
                    format!(
                        "expected conditions like `p99<200ms` or `errors<1%` (figures: mean, p50, p95, p99, p999 in ms; errors in %), got `{condition}`"
                    )
                };
                let (figure, limit) = condition.split_once('<').ok_or_else(bad)?;
                let (figure, limit) = (figure.trim(), limit.trim());
                let (column, number, scale) = match figure {
                    "mean" | "p50" | "p95" | "p99" | "p999" => {
                        (format!("{figure}_ms"), limit.strip_suffix("ms").ok_or_else(bad)?, 1.0)
                    }
                    "errors" => ("error_rate".to_string(), limit.strip_suffix('%').ok_or_else(bad)?, 0.01),
                    _ => return Err(bad()),
                };
                let value: f64 = number.trim().parse().map_err(|_| bad())?;
                Ok((column, value * scale, condition.to_string()))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if conditions.is_empty() {
            return Err("expected at least one condition, e.g. `p99<200ms`".into());
        }
        Ok(Slo { conditions })
    }

    /// True if every condition holds; `figure` gives a column's value.
    pub fn met(&self, figure: impl Fn(&str) -> f64) -> bool {
        self.conditions
            .iter()
            .all(|(column, limit, _)| figure(column) < *limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_latency_and_error_limits() {
        let slo = Slo::parse("p99<200ms, errors<1%").unwrap();
        assert_eq!(slo.conditions[0].0, "p99_ms");
        assert_eq!(slo.conditions[1].1, 0.01);
        assert!(slo.met(|c| if c == "p99_ms" { 150.0 } else { 0.001 }));
        assert!(!slo.met(|c| if c == "p99_ms" { 250.0 } else { 0.001 }));
        assert!(Slo::parse("p99>200ms").is_err());
        assert!(Slo::parse("latency<2s").is_err());
    }
}
