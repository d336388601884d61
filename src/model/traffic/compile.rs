//! `traffic` → sources: the checks that concern traffic alone and the
//! compilation of each source (reading profile files and scanning traces,
//! relative to the model file). The sources as written and their class
//! namespace are in `sources.rs`.

use std::path::Path;

use regex::Regex;

use crate::trace::{self, Classifier, Format, TraceConfig};

use crate::model::shared::error::Diagnostic;
use crate::model::shared::ids::{ClassId, DEFAULT_CLASS, NodeId};
use crate::model::shared::units::{seconds_to_ns, shown};
use crate::model::topology::spec::{
    ArrivalsSpec, BatchSizeSpec, Interpolation, KeysSpec, MmppSpec, ProfileSpec, TraceFormat,
    TraceSpec,
};
use crate::model::traffic::compiled::{Arrivals, BatchSize, Keys, Mmpp, Profile, Source, Trace};
use crate::model::traffic::sources::{SourceView, default_class};

/// Checks one source's fields against each other (nothing here reads a file).
pub fn check_source(acc: &mut Vec<Diagnostic>, source: &SourceView) {
    let at = |rest: &str| format!("{}.arrivals.{rest}", source.path);
    let weights = source.classes.values().map(|class| class.weight.get());
    crate::model::shared::checks::check_weights(acc, &format!("{}.classes", source.path), weights);
    match source.arrivals {
        ArrivalsSpec::Poisson { .. } | ArrivalsSpec::Deterministic { .. } => {}
        ArrivalsSpec::Profile(profile) => match (profile.points.is_empty(), &profile.file) {
            (false, Some(_)) => acc.push(Diagnostic::new(
                at("profile"),
                "expected `points` or `file`, got both",
            )),
            (true, None) => acc.push(Diagnostic::new(
                at("profile"),
                "expected `points` ([[time_s, rate_rps], …]) or `file` (a CSV), got neither",
            )),
            (false, None) => {
                let points: Vec<(f64, f64)> = profile
                    .points
                    .iter()
                    .map(|(t, r)| (t.get(), r.get()))
                    .collect();
                if let Err((i, message)) = check_points(&points, profile.scale.get()) {
                    acc.push(Diagnostic::new(
                        at(&format!("profile.points[{i}]")),
                        message,
                    ));
                }
            }
            (true, Some(_)) => {}
        },
        ArrivalsSpec::Mmpp(mmpp) => check_mmpp(acc, &at("mmpp"), mmpp),
        ArrivalsSpec::Batch(batch) => match &batch.size {
            BatchSizeSpec::Uniform { min, max } if min.get() > max.get() => {
                acc.push(Diagnostic::new(
                    at("batch.size.uniform.max"),
                    format!("expected at least `min` ({}), got {}", min.get(), max.get()),
                ));
            }
            BatchSizeSpec::Geometric { mean } if mean.get() < 1.0 => {
                acc.push(Diagnostic::new(
                    at("batch.size.geometric.mean"),
                    format!(
                        "expected a mean ≥ 1 (a batch has at least one request), got {}",
                        mean.get()
                    ),
                ));
            }
            _ => {}
        },
        ArrivalsSpec::Closed(closed) => {
            crate::model::shared::checks::check_dist(acc, &at("closed.think"), &closed.think);
        }
        ArrivalsSpec::Trace(trace) => check_trace(acc, &at("trace"), trace),
    }
}

/// The generator walks every calm–burst switch up to the next arrival, so
/// states must last at least a millisecond and a cycle must bring some
/// arrivals: else it could switch for ever between two arrivals.
fn check_mmpp(acc: &mut Vec<Diagnostic>, path: &str, mmpp: &MmppSpec) {
    let (calm, burst) = (mmpp.calm_rps.get(), mmpp.burst_rps.get());
    if calm == 0.0 && burst == 0.0 {
        acc.push(Diagnostic::new(
            path,
            "expected a positive rate in at least one state, got 0 in both",
        ));
        return;
    }
    for (field, mean) in [
        ("calm_mean_s", mmpp.calm_mean_s.get()),
        ("burst_mean_s", mmpp.burst_mean_s.get()),
    ] {
        if mean < 1e-3 {
            acc.push(Diagnostic::new(
                format!("{path}.{field}"),
                format!(
                    "expected at least 0.001 s (a state shorter than 1 ms is no burst), got {}",
                    shown(mean)
                ),
            ));
        }
    }
    let per_cycle = calm * mmpp.calm_mean_s.get() + burst * mmpp.burst_mean_s.get();
    if per_cycle < 1e-3 {
        acc.push(Diagnostic::new(
            path,
            format!(
                "expected at least one arrival per 1000 calm–burst cycles (calm_rps × calm_mean_s + burst_rps × burst_mean_s ≥ 0.001), got {}",
                shown(per_cycle)
            ),
        ));
    }
}

fn check_trace(acc: &mut Vec<Diagnostic>, path: &str, trace: &TraceSpec) {
    if let Some(to) = trace.to_s
        && to.get() <= trace.from_s.get()
    {
        acc.push(Diagnostic::new(
            format!("{path}.to_s"),
            format!(
                "expected more than `from_s` ({}), got {}",
                trace.from_s.get(),
                to.get()
            ),
        ));
    }
    if !trace.rules.is_empty()
        && matches!(trace.format, TraceFormat::Timestamps | TraceFormat::Counts)
    {
        acc.push(Diagnostic::new(
            format!("{path}.rules"),
            "rules classify access-log requests by path; a CSV trace names classes in its `class` column",
        ));
    }
    for (i, rule) in trace.rules.iter().enumerate() {
        if rule.prefix.is_none() && rule.pattern.is_none() && rule.method.is_none() {
            acc.push(Diagnostic::new(
                format!("{path}.rules[{i}]"),
                "expected `prefix`, `pattern` or `method` to match on, got none",
            ));
        }
        if let Some(pattern) = &rule.pattern
            && let Err(err) = Regex::new(pattern)
        {
            acc.push(Diagnostic::new(
                format!("{path}.rules[{i}].pattern"),
                format!("not a valid regular expression: {err}"),
            ));
        }
    }
}

/// The highest rate a profile may reach, req/s (after its `scale`): far
/// beyond any real system (such a run halts as unstable at once), and low
/// enough that the integrated rate stays finite.
const MAX_PROFILE_RPS: f64 = 1e9;

/// The closest two profile points may be, s: a linear ramp's slope is the
/// rate's change over this, and must stay finite.
const MIN_PROFILE_STEP_S: f64 = 1e-3;

/// Profile points must start at 0, move forward in time by at least
/// [`MIN_PROFILE_STEP_S`], and stay below [`MAX_PROFILE_RPS`] once scaled by
/// `scale`. On failure: the index of the bad point and what is wrong.
fn check_points(points: &[(f64, f64)], scale: f64) -> Result<(), (usize, String)> {
    if let Some((i, &(_, rate))) = points
        .iter()
        .enumerate()
        .find(|(_, (_, rate))| !(0.0..=MAX_PROFILE_RPS).contains(&(rate * scale)))
    {
        return Err((
            i,
            format!(
                "expected a rate of at most {MAX_PROFILE_RPS:e} req/s (after `scale` {}), got {}",
                shown(scale),
                shown(rate)
            ),
        ));
    }
    match points.first() {
        Some(&(t, _)) if t != 0.0 => {
            return Err((0, format!("expected the first point at time 0, got {t}")));
        }
        None => return Err((0, "expected at least one point, got none".into())),
        _ => {}
    }
    for (i, pair) in points.windows(2).enumerate() {
        if pair[1].0 <= pair[0].0 {
            return Err((
                i + 1,
                format!(
                    "time {} is not after the previous point's {} (times must increase)",
                    pair[1].0, pair[0].0
                ),
            ));
        }
        if pair[1].0 - pair[0].0 < MIN_PROFILE_STEP_S {
            return Err((
                i + 1,
                format!(
                    "time {} is less than 1 ms after the previous point's {} (points must be at least 1 ms apart)",
                    pair[1].0, pair[0].0
                ),
            ));
        }
    }
    Ok(())
}

/// Compiles a checked source. Reads its profile file or scans its trace,
/// relative to `base`; problems with those files go to `acc`.
pub fn compile_source(
    acc: &mut Vec<Diagnostic>,
    source: &SourceView,
    entry: NodeId,
    classes: &[String],
    base: &Path,
    skip_bad_lines: bool,
) -> Option<Source> {
    let mix = class_mix(source, classes);
    let arrivals = match source.arrivals {
        ArrivalsSpec::Poisson { rate_rps } => Arrivals::Poisson {
            rate_rps: rate_rps.get(),
        },
        ArrivalsSpec::Deterministic { rate_rps } => Arrivals::Deterministic {
            rate_rps: rate_rps.get(),
        },
        ArrivalsSpec::Profile(profile) => {
            Arrivals::Profile(compile_profile(acc, source, profile, base)?)
        }
        ArrivalsSpec::Mmpp(m) => Arrivals::Mmpp(Mmpp {
            calm_rps: m.calm_rps.get(),
            burst_rps: m.burst_rps.get(),
            calm_mean_s: m.calm_mean_s.get(),
            burst_mean_s: m.burst_mean_s.get(),
        }),
        ArrivalsSpec::Batch(batch) => Arrivals::Batch {
            batches_per_s: batch.batches_per_s.get(),
            size: match &batch.size {
                BatchSizeSpec::Constant { n } => BatchSize::Constant(n.get()),
                BatchSizeSpec::Uniform { min, max } => BatchSize::Uniform {
                    min: min.get(),
                    max: max.get(),
                },
                BatchSizeSpec::Geometric { mean } => BatchSize::Geometric { mean: mean.get() },
            },
        },
        ArrivalsSpec::Closed(closed) => Arrivals::Closed {
            users: closed.users.get(),
            think: closed.think.clone(),
            spawn_rate_per_s: closed.spawn_rate_per_s.map(|r| r.get()),
        },
        ArrivalsSpec::Trace(spec) => {
            let config = trace_config(source, spec, classes, &mix, base, skip_bad_lines);
            match trace::scan(&config, classes.len()) {
                Ok(totals) => Arrivals::Trace(Trace { config, totals }),
                Err(err) => {
                    acc.push(file_error(source, "trace.file", err));
                    return None;
                }
            }
        }
    };
    let keys = match source.keys {
        None => Keys::Distinct,
        Some(KeysSpec::Uniform { n }) => Keys::Uniform { n: n.get() },
        Some(KeysSpec::Zipf { s, n }) => Keys::Zipf {
            s: s.get(),
            n: n.get(),
        },
    };
    Some(Source {
        name: source.name.clone(),
        stream: source.stream.clone(),
        entry,
        arrivals,
        mix,
        keys,
        client_site: None,
    })
}

/// `name`'s index among `classes`. `class_names` put every class a source
/// can name in `classes`; a name missing there would be a bug, and falls back
/// to the first class rather than stopping the program.
fn class_id(classes: &[String], name: &str) -> ClassId {
    ClassId(classes.iter().position(|c| c == name).unwrap_or(0) as u16)
}

/// The source's class mix: its declared classes by weight, else `default`;
/// a trace that classes each line by itself keeps its default as the fallback.
fn class_mix(source: &SourceView, classes: &[String]) -> Vec<(ClassId, f64)> {
    if let ArrivalsSpec::Trace(trace) = source.arrivals
        && trace.format != TraceFormat::Counts
    {
        vec![(class_id(classes, default_class(trace)), 1.0)]
    } else if source.classes.is_empty() {
        vec![(class_id(classes, DEFAULT_CLASS), 1.0)]
    } else {
        let total: f64 = source.classes.values().map(|c| c.weight.get()).sum();
        source
            .classes
            .iter()
            .map(|(name, c)| (class_id(classes, name), c.weight.get() / total))
            .collect()
    }
}

fn file_error(source: &SourceView, field: &str, err: trace::TraceError) -> Diagnostic {
    Diagnostic::new(format!("{}.arrivals.{field}", source.path), err.to_string())
}

/// A rate profile, its points written inline or read from its file and scaled.
fn compile_profile(
    acc: &mut Vec<Diagnostic>,
    source: &SourceView,
    profile: &ProfileSpec,
    base: &Path,
) -> Option<Profile> {
    let points = match &profile.file {
        None => profile
            .points
            .iter()
            .map(|(t, r)| (t.get(), r.get()))
            .collect(),
        Some(file) => {
            let path = base.join(file);
            let points = match trace::read_profile(&path) {
                Ok(points) => points,
                Err(err) => {
                    acc.push(file_error(source, "profile.file", err));
                    return None;
                }
            };
            if let Err((i, message)) = check_points(&points, profile.scale.get()) {
                acc.push(Diagnostic::new(
                    format!("{}.arrivals.profile.file", source.path),
                    format!("{}, point {}: {message}", path.display(), i + 1),
                ));
                return None;
            }
            points
        }
    };
    let scale = profile.scale.get();
    Some(Profile {
        points: points.into_iter().map(|(t, r)| (t, r * scale)).collect(),
        linear: profile.interpolation == Interpolation::Linear,
    })
}

/// What the trace reader needs: the file relative to `base`, its window and
/// speed in ns, and how its lines map to classes.
fn trace_config(
    source: &SourceView,
    spec: &TraceSpec,
    classes: &[String],
    mix: &[(ClassId, f64)],
    base: &Path,
    skip_bad_lines: bool,
) -> TraceConfig {
    let class_id = |name: &str| class_id(classes, name);
    TraceConfig {
        path: base.join(&spec.file),
        format: match spec.format {
            TraceFormat::Timestamps => Format::Timestamps,
            TraceFormat::Counts => Format::Counts,
            TraceFormat::AccessLog => Format::AccessLog,
            TraceFormat::K6Csv => Format::K6Csv,
            TraceFormat::K6Json => Format::K6Json,
            TraceFormat::Jmeter => Format::Jmeter,
            TraceFormat::AlbLog => Format::Alb,
        },
        speed: spec.speed.get(),
        from_ns: seconds_to_ns(spec.from_s.get()),
        to_ns: spec.to_s.map(|t| seconds_to_ns(t.get())),
        classifier: Classifier {
            rules: spec
                .rules
                .iter()
                .map(|rule| trace::Rule {
                    prefix: rule.prefix.clone(),
                    pattern: rule
                        .pattern
                        .as_deref()
                        .map(|p| Regex::new(p).expect("validated pattern")),
                    method: rule.method.clone(),
                    class: class_id(&rule.class).0,
                })
                .collect(),
            names: source
                .classes
                .keys()
                .map(|name| (name.clone(), class_id(name).0))
                .collect(),
            // A counts trace draws each request's class from the
            // source's mix: it has no line to classify, and
            // `default` is not one of its classes.
            default: match spec.format {
                TraceFormat::Counts => mix.first().map_or(0, |&(class, _)| class.0),
                _ => class_id(default_class(spec)).0,
            },
        },
        skip_bad_lines,
    }
}
