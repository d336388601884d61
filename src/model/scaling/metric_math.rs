//! A target tracking policy's `CustomizedMetricSpecification` → the metric
//! it tracks: one CloudWatch metric capsim measures, or metric math over
//! several (`+ - * /`, numbers, parentheses, other queries' ids; CloudWatch
//! "Metric math syntax and functions"), with each query's id, statistic and
//! period checked as the Auto Scaling API checks them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::scaling::compiled::{AwsMetric, Expr, TrackedMetric};
use crate::model::scaling::custom_metric_spec::{CustomizedMetricSpec, MetricDataQuerySpec};
use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::Positive;

/// The CloudWatch metrics capsim measures: namespace, name, the metric, and
/// the statistics that read it as capsim does (an SQS metric is one sample a
/// minute, so every statistic of it is that sample).
const METRICS: [(&str, &str, AwsMetric, &[&str]); 7] = [
    (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        AwsMetric::MessagesVisible,
        SAMPLE,
    ),
    (
        "AWS/SQS",
        "ApproximateNumberOfMessagesNotVisible",
        AwsMetric::MessagesNotVisible,
        SAMPLE,
    ),
    (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        AwsMetric::OldestMessageAge,
        SAMPLE,
    ),
    (
        "AWS/AutoScaling",
        "GroupInServiceInstances",
        AwsMetric::InServiceInstances,
        &["Average"],
    ),
    (
        "AWS/EC2",
        "CPUUtilization",
        AwsMetric::CpuPercent,
        &["Average"],
    ),
    (
        "AWS/ApplicationELB",
        "RequestCountPerTarget",
        AwsMetric::RequestCountPerTarget,
        &["Sum"],
    ),
    (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        AwsMetric::TargetResponseTime,
        &["Average"],
    ),
];
const SAMPLE: &[&str] = &["Average", "Sum", "Maximum", "Minimum"];

/// The metric a `CustomizedMetricSpecification` at `path` tracks.
pub fn customized(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &CustomizedMetricSpec,
) -> Option<TrackedMetric> {
    let single = spec.metric_name.is_some() || spec.namespace.is_some();
    match (single, spec.metrics.is_empty()) {
        (true, false) => {
            acc.push(Diagnostic::new(
                format!("{path}.Metrics"),
                "give `Metrics` (metric math) or `MetricName` and `Namespace` (one metric), not both",
            ));
            None
        }
        (false, true) => {
            acc.push(Diagnostic::new(
                path,
                "expected `MetricName` and `Namespace` (one CloudWatch metric) or `Metrics` (metric math, e.g. an SQS backlog per instance)",
            ));
            None
        }
        (true, true) => single_metric(acc, path, spec),
        (false, false) => metric_math(acc, path, &spec.metrics),
    }
}

fn single_metric(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &CustomizedMetricSpec,
) -> Option<TrackedMetric> {
    let (Some(namespace), Some(name)) = (&spec.namespace, &spec.metric_name) else {
        let missing = if spec.namespace.is_none() {
            "Namespace"
        } else {
            "MetricName"
        };
        acc.push(Diagnostic::new(
            path,
            format!("a single metric needs `{missing}`"),
        ));
        return None;
    };
    check_period(acc, &format!("{path}.Period"), spec.period);
    let metric = cloudwatch_metric(acc, path, namespace, name)?;
    let stat = spec.statistic.as_deref().unwrap_or("Average");
    check_stat(acc, &format!("{path}.Statistic"), metric, name, stat);
    check_queue_dimension(
        acc,
        path,
        metric,
        spec.dimensions.iter().map(|d| d.name.as_str()),
    );
    Some(TrackedMetric::One(metric))
}

/// The metric `namespace`/`name`, if capsim measures it.
fn cloudwatch_metric(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    namespace: &str,
    name: &str,
) -> Option<AwsMetric> {
    let found = METRICS
        .iter()
        .find(|(ns, n, ..)| *ns == namespace && *n == name);
    if found.is_none() {
        let known: Vec<String> = METRICS
            .iter()
            .map(|(ns, n, ..)| format!("{ns} {n}"))
            .collect();
        acc.push(Diagnostic::new(
            format!("{path}.MetricName"),
            format!(
                "capsim does not measure `{namespace}` `{name}` (known: {})",
                known.join(", ")
            ),
        ));
    }
    found.map(|(_, _, metric, _)| *metric)
}

fn check_stat(acc: &mut Vec<Diagnostic>, path: &str, metric: AwsMetric, name: &str, stat: &str) {
    let (.., stats) = METRICS
        .iter()
        .find(|m| m.2 == metric)
        .expect("a known metric");
    if !stats.contains(&stat) {
        let expected: Vec<String> = stats.iter().map(|s| format!("`{s}`")).collect();
        acc.push(Diagnostic::new(
            path,
            format!(
                "expected {} (as capsim measures `{name}`), got `{stat}`",
                expected.join(", ")
            ),
        ));
    }
}

/// An SQS metric names its queue (checked against the pool's in the queue checks).
fn check_queue_dimension<'a>(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    metric: AwsMetric,
    mut names: impl Iterator<Item = &'a str>,
) {
    let sqs = matches!(
        metric,
        AwsMetric::MessagesVisible | AwsMetric::MessagesNotVisible | AwsMetric::OldestMessageAge
    );
    if sqs && !names.any(|n| n == "QueueName") {
        acc.push(Diagnostic::new(
            format!("{path}.Dimensions"),
            "an SQS metric needs the dimension `QueueName` (the queue the pool consumes)",
        ));
    }
}

/// CloudWatch's resolution here is a minute.
fn check_period(acc: &mut Vec<Diagnostic>, path: &str, period: Option<Positive>) {
    if let Some(p) = period
        && p.get() != 60.0
    {
        acc.push(Diagnostic::new(
            path,
            format!(
                "expected 60 (capsim evaluates target tracking once a minute), got {}",
                p.get()
            ),
        ));
    }
}

/// `Metrics`: the one query with `ReturnData` true, its ids resolved.
fn metric_math(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    queries: &[MetricDataQuerySpec],
) -> Option<TrackedMetric> {
    let before = acc.len();
    let mut defined: BTreeMap<&str, Definition> = BTreeMap::new();
    for (i, query) in queries.iter().enumerate() {
        let at = format!("{path}.Metrics[{i}]");
        if let Some(definition) = definition(acc, &at, query)
            && defined.insert(&query.id, definition).is_some()
        {
            acc.push(Diagnostic::new(
                format!("{at}.Id"),
                format!(
                    "`{}` is the id of an earlier query: ids are unique",
                    query.id
                ),
            ));
        }
    }
    let returned: Vec<usize> = (0..queries.len())
        .filter(|&i| queries[i].return_data.unwrap_or(true))
        .collect();
    let [returned] = returned[..] else {
        let ids: Vec<&str> = returned.iter().map(|&i| queries[i].id.as_str()).collect();
        acc.push(Diagnostic::new(
            format!("{path}.Metrics"),
            format!(
                "expected exactly one query with `ReturnData` true (the metric tracked; set it false on the others), got {} ({})",
                ids.len(),
                ids.join(", ")
            ),
        ));
        return None;
    };
    if acc.len() > before {
        return None;
    }
    let query = &queries[returned];
    let at = format!("{path}.Metrics[{returned}]");
    let mut budget = MAX_TERMS;
    let expr = inline(&query.id, &defined, &mut BTreeSet::new(), &mut budget)
        .map_err(|message| acc.push(Diagnostic::new(format!("{at}.Expression"), message)))
        .ok()?;
    let label = (query.label.clone())
        .or_else(|| query.expression.clone())
        .unwrap_or_else(|| query.id.clone());
    Some(TrackedMetric::Math { label, expr })
}

/// What an id stands for.
enum Definition {
    Metric(AwsMetric),
    Expression(Parsed),
}

fn definition(
    acc: &mut Vec<Diagnostic>,
    at: &str,
    query: &MetricDataQuerySpec,
) -> Option<Definition> {
    check_id(acc, &format!("{at}.Id"), &query.id);
    check_period(acc, &format!("{at}.Period"), query.period);
    match (&query.metric_stat, &query.expression) {
        (Some(stat), None) => {
            let m = &stat.metric;
            let metric_at = format!("{at}.MetricStat.Metric");
            check_period(acc, &format!("{at}.MetricStat.Period"), stat.period);
            let metric = cloudwatch_metric(acc, &metric_at, &m.namespace, &m.metric_name)?;
            let stat_at = format!("{at}.MetricStat.Stat");
            check_stat(acc, &stat_at, metric, &m.metric_name, &stat.stat);
            let names = m.dimensions.iter().map(|d| d.name.as_str());
            check_queue_dimension(acc, &metric_at, metric, names);
            Some(Definition::Metric(metric))
        }
        (None, Some(text)) => match parse(text) {
            Ok(parsed) => Some(Definition::Expression(parsed)),
            Err(message) => {
                acc.push(Diagnostic::new(format!("{at}.Expression"), message));
                None
            }
        },
        _ => {
            acc.push(Diagnostic::new(
                at,
                "expected one of `MetricStat` (a metric) and `Expression` (metric math)",
            ));
            None
        }
    }
}

/// CloudWatch's rule for an id: a lower-case letter, then letters, digits, `_`.
fn check_id(acc: &mut Vec<Diagnostic>, path: &str, id: &str) {
    let mut chars = id.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        acc.push(Diagnostic::new(
            path,
            format!("expected a lower-case letter, then letters, digits or `_`, got `{id}`"),
        ));
    }
}

/// Queries nest at most this deep (CloudWatch allows 10 expressions).
const MAX_DEPTH: usize = 20;

/// Terms of an expression once its ids are inlined, at most (expressions
/// that each use another twice would otherwise double at every level).
const MAX_TERMS: usize = 10_000;

/// One term of the budget.
fn spend(budget: &mut usize) -> Result<(), String> {
    *budget = budget.checked_sub(1).ok_or_else(|| {
        format!("expected at most {MAX_TERMS} terms once the ids are replaced by their expressions")
    })?;
    Ok(())
}

/// `id`'s expression with every id replaced by its definition.
fn inline(
    id: &str,
    defined: &BTreeMap<&str, Definition>,
    open: &mut BTreeSet<String>,
    budget: &mut usize,
) -> Result<Expr, String> {
    spend(budget)?;
    let Some(definition) = defined.get(id) else {
        let ids: Vec<&str> = defined.keys().copied().collect();
        return Err(format!(
            "no query has the id `{id}` (ids: {})",
            ids.join(", ")
        ));
    };
    let parsed = match definition {
        Definition::Metric(metric) => return Ok(Expr::Metric(*metric)),
        Definition::Expression(parsed) => parsed,
    };
    if !open.insert(id.to_owned()) {
        return Err(format!("`{id}` refers to itself through other expressions"));
    }
    if open.len() > MAX_DEPTH {
        return Err(format!(
            "`{id}` is reached through more than {MAX_DEPTH} expressions in a chain"
        ));
    }
    let expr = resolve(parsed, defined, open, budget)?;
    open.remove(id);
    Ok(expr)
}

fn resolve(
    parsed: &Parsed,
    defined: &BTreeMap<&str, Definition>,
    open: &mut BTreeSet<String>,
    budget: &mut usize,
) -> Result<Expr, String> {
    spend(budget)?;
    Ok(match parsed {
        Parsed::Id(id) => inline(id, defined, open, budget)?,
        Parsed::Number(x) => Expr::Number(*x),
        Parsed::Neg(e) => Expr::Neg(Box::new(resolve(e, defined, open, budget)?)),
        Parsed::Binary(l, op, r) => {
            let l = resolve(l, defined, open, budget)?;
            let r = resolve(r, defined, open, budget)?;
            Expr::Binary(Box::new(l), *op, Box::new(r))
        }
    })
}

/// An expression as written, ids unresolved.
#[derive(Debug, PartialEq)]
enum Parsed {
    Id(String),
    Number(f64),
    Neg(Box<Parsed>),
    Binary(Box<Parsed>, char, Box<Parsed>),
}

/// Longest expression read (CloudWatch's limit is 2048 characters).
const MAX_EXPRESSION: usize = 2048;

/// Parses `text`: sums of products of signed numbers, ids and parenthesised
/// expressions.
fn parse(text: &str) -> Result<Parsed, String> {
    if text.len() > MAX_EXPRESSION {
        return Err(format!(
            "expected at most {MAX_EXPRESSION} characters, got {}",
            text.len()
        ));
    }
    let mut parser = Parser {
        text,
        chars: text.char_indices().collect(),
        at: 0,
        depth: 0,
    };
    let parsed = parser.sum()?;
    parser.skip_spaces();
    match parser.peek() {
        None => Ok(parsed),
        Some(c) => Err(parser.unexpected(c)),
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
    /// Parentheses and signs open: bounded, so no input exhausts the stack.
    depth: usize,
}

/// Parentheses and signs nested at most this deep.
const MAX_NESTING: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|&(_, c)| c)
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// The next character, spaces skipped, if it is one of `ops`.
    fn operator(&mut self, ops: &[char]) -> Option<char> {
        self.skip_spaces();
        let c = self.peek().filter(|c| ops.contains(c))?;
        self.at += 1;
        Some(c)
    }

    fn sum(&mut self) -> Result<Parsed, String> {
        let mut left = self.product()?;
        while let Some(op) = self.operator(&['+', '-']) {
            left = Parsed::Binary(Box::new(left), op, Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Parsed, String> {
        let mut left = self.unary()?;
        while let Some(op) = self.operator(&['*', '/']) {
            left = Parsed::Binary(Box::new(left), op, Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Parsed, String> {
        if self.operator(&['-']).is_some() {
            let operand = self.nested(Self::unary)?;
            return Ok(Parsed::Neg(Box::new(operand)));
        }
        self.primary()
    }

    /// `parse` one level deeper.
    fn nested(&mut self, parse: fn(&mut Self) -> Result<Parsed, String>) -> Result<Parsed, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "`{}` nests deeper than {MAX_NESTING} levels",
                self.text
            ));
        }
        let parsed = parse(self)?;
        self.depth -= 1;
        Ok(parsed)
    }

    fn primary(&mut self) -> Result<Parsed, String> {
        self.skip_spaces();
        let Some(c) = self.peek() else {
            return Err(format!(
                "`{}` ends where a number, an id or `(` was expected",
                self.text
            ));
        };
        if self.operator(&['(']).is_some() {
            let inner = self.nested(Self::sum)?;
            return match self.operator(&[')']) {
                Some(_) => Ok(inner),
                None => Err(self.unexpected_or_end("`)`")),
            };
        }
        let word = self.word();
        if word.is_empty() {
            return Err(self.unexpected(c));
        }
        if c.is_ascii_digit() || c == '.' {
            return word
                .parse()
                .map(Parsed::Number)
                .map_err(|_| format!("`{word}` in `{}` is not a number", self.text));
        }
        self.skip_spaces();
        if self.peek() == Some('(') {
            return Err(format!(
                "capsim's metric math has `+ - * /`, numbers, ids and parentheses, not the function `{word}`"
            ));
        }
        Ok(Parsed::Id(word))
    }

    /// Letters, digits, `_` and `.` from here.
    fn word(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().map(|&(_, c)| c).collect()
    }

    fn unexpected(&self, c: char) -> String {
        let column = self.chars.get(self.at).map_or(self.text.len(), |&(i, _)| i) + 1;
        format!(
            "unexpected `{c}` at character {column} of `{}` (metric math here: `+ - * /`, numbers, ids, parentheses)",
            self.text
        )
    }

    fn unexpected_or_end(&self, wanted: &str) -> String {
        match self.peek() {
            Some(c) => self.unexpected(c),
            None => format!("`{}` ends where {wanted} was expected", self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Box<Parsed> {
        Box::new(Parsed::Id(s.into()))
    }

    #[test]
    fn products_bind_tighter_than_sums_and_parentheses_group() {
        let parsed = parse("m1 + m2 * 2").unwrap();
        let two = Box::new(Parsed::Number(2.0));
        let product = Box::new(Parsed::Binary(id("m2"), '*', two));
        assert_eq!(parsed, Parsed::Binary(id("m1"), '+', product));
        assert_eq!(
            parse("(m1) / (m2)").unwrap(),
            Parsed::Binary(id("m1"), '/', id("m2"))
        );
        assert_eq!(parse("-m1").unwrap(), Parsed::Neg(id("m1")));
    }

    #[test]
    fn what_it_cannot_read_is_named() {
        assert_eq!(
            parse("m1 / / m2").unwrap_err(),
            "unexpected `/` at character 6 of `m1 / / m2` (metric math here: `+ - * /`, numbers, ids, parentheses)"
        );
        assert_eq!(
            parse("SUM(m1)").unwrap_err(),
            "capsim's metric math has `+ - * /`, numbers, ids and parentheses, not the function `SUM`"
        );
        assert_eq!(
            parse("(m1 / m2").unwrap_err(),
            "`(m1 / m2` ends where `)` was expected"
        );
        assert_eq!(
            parse("m1 /").unwrap_err(),
            "`m1 /` ends where a number, an id or `(` was expected"
        );
    }

    #[test]
    fn a_deep_or_long_expression_is_refused_without_exhausting_the_stack() {
        let text = format!("{}m1{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(parse(&text).unwrap(), Parsed::Id("m1".into()));
        let text = format!("{}m1{}", "(".repeat(65), ")".repeat(65));
        assert!(
            parse(&text)
                .unwrap_err()
                .ends_with("nests deeper than 64 levels")
        );
        assert!(
            parse(&"-".repeat(2000))
                .unwrap_err()
                .ends_with("nests deeper than 64 levels")
        );
        let text = "(".repeat(3000);
        assert_eq!(
            parse(&text).unwrap_err(),
            "expected at most 2048 characters, got 3000"
        );
    }
}
