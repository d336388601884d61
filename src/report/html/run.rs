//! The page of one run (over its replications): verdict, topology,
//! latency, nodes, time series, autoscaling decisions, warnings.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::analytic::NodeLoad;
use crate::model::Model;
use crate::report::ReportError;
use crate::report::json::Stability;
use crate::stats::{Estimate, LatencyEstimate, LatencySummary, Outcome, RunResult, Summary};

use super::svg::{Chart, Line};
use super::{escape, number, topology, write_page};

/// Everything the run page shows.
pub struct RunPage<'a> {
    /// The model run: its name, topology and warm-up.
    pub model: &'a Model,
    /// Figures over replications.
    pub summary: &'a Summary,
    /// Whether the system kept up.
    pub stability: Stability<'a>,
    /// The offered load by theory, if the model's traffic allows it.
    pub offered_load: Option<&'a [NodeLoad]>,
    /// Every replication, with its histograms, series and decisions if recorded.
    pub runs: &'a [RunResult],
}

/// The figures embedded in the page: those of `--json` but the runs.
#[derive(Serialize)]
struct Data<'a> {
    #[serde(flatten)]
    stability: Stability<'a>,
    summary: &'a Summary,
    offered_load: Option<&'a [NodeLoad]>,
}

/// Percentiles of the latency chart, as quantiles.
const QUANTILES: [f64; 7] = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999];

impl RunPage<'_> {
    /// Writes the page to `path`.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let mut body = String::new();
        self.verdict(&mut body);
        let _ = write!(
            body,
            "<section id=\"topology\"><h2>Topology</h2>{}</section>",
            topology::render(self.model, self.summary)
        );
        self.latency(&mut body);
        self.nodes(&mut body);
        self.series(&mut body);
        self.decisions(&mut body);
        self.warnings(&mut body);
        let data = serde_json::to_string(&Data {
            stability: self.stability,
            summary: self.summary,
            offered_load: self.offered_load,
        })?;
        write_page(path, &format!("capsim: {}", self.model.name), &body, &data)
    }

    fn verdict(&self, body: &mut String) {
        let s = self.summary;
        let e2e = &s.end_to_end;
        let (class, verdict) = if self.stability.unstable {
            (
                "bad",
                "UNSTABLE: the load exceeds capacity; the figures describe a growing backlog",
            )
        } else {
            ("ok", "Stable: every node keeps up with its load")
        };
        let _ = write!(
            body,
            "<header id=\"verdict\"><h1>{}</h1><p class=\"verdict {class}\">{verdict}. \
             p99 {} ms, errors {}%, ${}/hour over {} replication{} of {} s \
             (after {} s warm-up). The model sets no SLO.</p></header>",
            escape(&s.model),
            number(e2e.p99_ms.mean),
            number(e2e.error_rate.mean * 100.0),
            number(s.usd_per_hour.mean),
            s.replications,
            if s.replications == 1 { "" } else { "s" },
            number(self.model.window_s()),
            number(self.model.warmup_s),
        );
    }

    fn latency(&self, body: &mut String) {
        body.push_str("<section id=\"latency\"><h2>Latency</h2>");
        body.push_str(
            "<table id=\"latency-table\"><tr><th>requests</th><th>per s</th><th>mean ms</th>\
             <th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>errors</th></tr>",
        );
        let mut rows = vec![(
            "end_to_end".to_string(),
            "end to end",
            &self.summary.end_to_end,
        )];
        for (i, (name, estimate)) in self.summary.classes.iter().enumerate() {
            rows.push((format!("classes.{i}"), name.as_str(), estimate));
        }
        for (key, name, estimate) in &rows {
            latency_row(body, key, name, estimate);
        }
        body.push_str("</table>");
        if self.summary.replications > 1 {
            body.push_str("<p class=\"note\">± is the half-width of a 95% confidence interval over replications.</p>");
        }
        let x: Vec<f64> = QUANTILES.iter().map(|q| -(1.0 - q).log10()).collect();
        let mut lines = vec![percentile_line("end to end", self.runs, |r| &r.end_to_end)];
        for (i, (name, _)) in self.summary.classes.iter().enumerate() {
            lines.push(percentile_line(name, self.runs, |r| {
                r.classes.get(i).map_or(&r.end_to_end, |c| &c.latency)
            }));
        }
        let chart = Chart {
            id: "percentile-chart",
            title: "Latency by percentile (bands: 95% CI over replications)",
            x_label: "nines of the percentile: 0.3 = p50, 1 = p90, 2 = p99, 3 = p99.9",
            y_label: "ms",
            x: &x,
            lines,
            log_y: true,
            shade: None,
        };
        body.push_str(&chart.render());
        body.push_str("</section>");
    }

    fn nodes(&self, body: &mut String) {
        body.push_str(
            "<section id=\"nodes\"><h2>Nodes</h2><table id=\"node-table\"><tr><th>node</th><th>kind</th>\
             <th>offered per s</th><th>utilization</th><th>workers busy</th><th>mean queue</th>\
             <th>mean ms</th><th>p99 ms</th><th>rejected per s</th><th>$/hour</th></tr>",
        );
        for (i, node) in self.summary.nodes.iter().enumerate() {
            let key = format!("nodes.{i}");
            let _ = write!(
                body,
                "<tr data-node=\"{}\"><td>{}</td><td>{}</td>",
                escape(&node.name),
                escape(&node.name),
                escape(&node.kind)
            );
            cell(body, &format!("{key}.offered_per_s"), &node.offered_per_s);
            optional_cell(
                body,
                &format!("{key}.utilization"),
                node.utilization.as_ref(),
            );
            optional_cell(
                body,
                &format!("{key}.worker_utilization"),
                node.worker_utilization.as_ref(),
            );
            cell(body, &format!("{key}.mean_queue"), &node.mean_queue);
            cell(
                body,
                &format!("{key}.latency.mean_ms"),
                &node.latency.mean_ms,
            );
            cell(body, &format!("{key}.latency.p99_ms"), &node.latency.p99_ms);
            cell(body, &format!("{key}.rejected_per_s"), &node.rejected_per_s);
            cell(body, &format!("{key}.usd_per_hour"), &node.usd_per_hour);
            body.push_str("</tr>");
        }
        body.push_str("</table></section>");
    }

    fn series(&self, body: &mut String) {
        body.push_str("<section id=\"series\"><h2>Over time</h2>");
        let Some(first) = self.runs.iter().find_map(|r| r.series.as_ref()) else {
            body.push_str("<p>No time series was recorded.</p></section>");
            return;
        };
        let x = first.column("time_s").unwrap_or_default();
        let shade = Some((0.0, self.model.warmup_s));
        let n = self.runs.len();
        let _ = write!(
            body,
            "<p class=\"note\">Windows of {} s; lines are means over {n} replication{}, bands their 95% CI; the grey span is the warm-up.</p><div class=\"charts\">",
            number(first.window_s),
            if n == 1 { "" } else { "s" }
        );
        for spec in series_charts(&first.columns) {
            let lines: Vec<Line> = (spec.columns.iter())
                .filter_map(|column| series_line(self.runs, column))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let chart = Chart {
                id: spec.id,
                title: spec.title,
                x_label: "simulated time, s",
                y_label: spec.unit,
                x: &x,
                lines,
                log_y: spec.log_y,
                shade,
            };
            body.push_str(&chart.render());
        }
        body.push_str("</div></section>");
    }

    fn decisions(&self, body: &mut String) {
        body.push_str("<section id=\"decisions\"><h2>Autoscaling decisions</h2>");
        let decisions = self.runs.first().and_then(|r| r.decisions.as_ref());
        match decisions {
            Some(list) if !list.is_empty() => {
                const SHOWN: usize = 500;
                let _ = write!(
                    body,
                    "<p class=\"note\">Replication 0: {} evaluation{}{}.</p><table id=\"decision-table\"><tr><th>time s</th><th>pool</th><th>rule</th><th>metric</th><th>value</th><th>target</th><th>current</th><th>desired</th><th>reason</th></tr>",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    if list.len() > SHOWN {
                        format!(", the first {SHOWN} shown")
                    } else {
                        String::new()
                    }
                );
                for d in list.iter().take(SHOWN) {
                    let _ = write!(
                        body,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        number(d.time_s),
                        escape(&d.pool),
                        escape(&d.rule),
                        escape(&d.metric),
                        number(d.value),
                        number(d.target),
                        d.current,
                        d.desired,
                        escape(&d.reason)
                    );
                }
                body.push_str("</table>");
            }
            _ => body.push_str("<p>No autoscaler made a decision.</p>"),
        }
        body.push_str("</section>");
    }

    fn warnings(&self, body: &mut String) {
        let mut warnings: Vec<String> = self
            .runs
            .iter()
            .flat_map(|r| r.warnings.iter().cloned())
            .collect();
        if let Some(Outcome::Unstable {
            at_s,
            in_flight,
            node,
        }) = &self.summary.unstable
        {
            warnings.push(format!(
                "a replication stopped as unstable at {} s: {in_flight} requests in flight, the longest queue at {node}",
                number(*at_s)
            ));
        }
        for name in self.stability.saturated {
            warnings.push(format!(
                "{name}: the offered load reaches or exceeds its capacity (see `capsim check`)"
            ));
        }
        for id in self.model.unreachable_nodes() {
            warnings.push(format!(
                "{}: no traffic reaches this node",
                self.model.node(id).name
            ));
        }
        warnings.sort();
        warnings.dedup();
        body.push_str("<section id=\"warnings\"><h2>Warnings</h2>");
        if warnings.is_empty() {
            body.push_str("<p>None.</p>");
        } else {
            body.push_str("<ul>");
            for warning in warnings {
                let _ = write!(body, "<li>{}</li>", escape(&warning));
            }
            body.push_str("</ul>");
        }
        body.push_str("</section>");
    }
}

/// One chart of the series: its id, title, unit, columns and axis.
struct SeriesChart {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    columns: Vec<String>,
    log_y: bool,
}

/// The charts over time, of the series' `columns`: rates, latency on a log
/// axis, utilization and serving instances per pool, cost.
fn series_charts(columns: &[String]) -> [SeriesChart; 5] {
    let ends = |suffix: &str| -> Vec<String> {
        let matching = columns.iter().filter(|c| c.ends_with(suffix));
        matching.cloned().collect()
    };
    let chart = |id, title, unit, columns, log_y| SeriesChart {
        id,
        title,
        unit,
        columns,
        log_y,
    };
    [
        chart(
            "series-rates",
            "Requests",
            "per s",
            names(&["arrivals_per_s", "completions_per_s", "errors_per_s"]),
            false,
        ),
        chart(
            "series-latency",
            "Latency",
            "ms",
            names(&["p50_ms", "p99_ms"]),
            true,
        ),
        chart(
            "series-utilization",
            "CPU utilization per pool",
            "fraction",
            ends(".utilization"),
            false,
        ),
        chart(
            "series-instances",
            "Serving instances per pool",
            "instances",
            ends(".serving"),
            false,
        ),
        chart(
            "series-cost",
            "Cost so far",
            "US dollars",
            names(&["cost_usd"]),
            false,
        ),
    ]
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn latency_row(body: &mut String, key: &str, name: &str, e: &LatencyEstimate) {
    let _ = write!(body, "<tr><td>{}</td>", escape(name));
    cell(body, &format!("{key}.throughput_rps"), &e.throughput_rps);
    cell(body, &format!("{key}.mean_ms"), &e.mean_ms);
    cell(body, &format!("{key}.p50_ms"), &e.p50_ms);
    cell(body, &format!("{key}.p95_ms"), &e.p95_ms);
    cell(body, &format!("{key}.p99_ms"), &e.p99_ms);
    cell(body, &format!("{key}.p999_ms"), &e.p999_ms);
    cell(body, &format!("{key}.error_rate"), &e.error_rate);
    body.push_str("</tr>");
}

/// A table cell: the figure, its interval if any, and the exact mean in
/// `data-value` (the path of the figure in the embedded JSON's `summary`).
fn cell(body: &mut String, key: &str, estimate: &Estimate) {
    let ci = match estimate.ci95 {
        Some(half) => format!(" <span class=\"ci\">± {}</span>", number(half)),
        None => String::new(),
    };
    let _ = write!(
        body,
        "<td data-figure=\"{key}\" data-value=\"{}\">{}{ci}</td>",
        estimate.mean,
        number(estimate.mean)
    );
}

fn optional_cell(body: &mut String, key: &str, estimate: Option<&Estimate>) {
    match estimate {
        Some(estimate) => cell(body, key, estimate),
        None => body.push_str("<td>–</td>"),
    }
}

/// A percentile curve: the mean over replications with its 95% band.
fn percentile_line(
    name: &str,
    runs: &[RunResult],
    latency: impl Fn(&RunResult) -> &LatencySummary,
) -> Line {
    let estimates: Vec<Estimate> = QUANTILES
        .iter()
        .map(|&q| {
            let values: Vec<f64> = runs
                .iter()
                .map(|r| quantile_ms(latency(r), q))
                .filter(|v| v.is_finite())
                .collect();
            Estimate::of(&values)
        })
        .collect();
    line_of(name.to_string(), &estimates)
}

fn quantile_ms(latency: &LatencySummary, q: f64) -> f64 {
    let h = &latency.histogram;
    if h.is_empty() {
        return f64::NAN;
    }
    h.median_equivalent(h.value_at_quantile(q)) as f64 / 1000.0
}

/// One series column over replications, window by window.
fn series_line(runs: &[RunResult], column: &str) -> Option<Line> {
    let per_run: Vec<Vec<f64>> = runs
        .iter()
        .filter_map(|r| r.series.as_ref()?.column(column))
        .collect();
    let windows = per_run.iter().map(Vec::len).max()?;
    let estimates: Vec<Estimate> = (0..windows)
        .map(|i| {
            let values: Vec<f64> = per_run
                .iter()
                .filter_map(|v| v.get(i).copied())
                .filter(|v| v.is_finite())
                .collect();
            Estimate::of(&values)
        })
        .collect();
    Some(line_of(column.to_string(), &estimates))
}

fn line_of(name: String, estimates: &[Estimate]) -> Line {
    let y = estimates.iter().map(|e| e.mean).collect();
    let band = estimates.iter().any(|e| e.ci95.is_some()).then(|| {
        let half = |e: &Estimate| e.ci95.unwrap_or(f64::NAN);
        (
            estimates.iter().map(|e| e.mean - half(e)).collect(),
            estimates.iter().map(|e| e.mean + half(e)).collect(),
        )
    });
    Line {
        name,
        y,
        band,
        unstable: Vec::new(),
    }
}
