//! The sources as written (inline or under `sources`), the class namespace
//! they make, and the key space their key laws draw from: what the checks and
//! the compilation of every concern read about traffic.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::calls::spec::ClientSpec;
use crate::model::shared::error::Diagnostic;
use crate::model::shared::ids::DEFAULT_CLASS;
use crate::model::traffic::spec::{
    ArrivalsSpec, ClassSpec, KeysSpec, TraceFormat, TraceSpec, TrafficSpec,
};

/// One source as written, inline or under `sources`.
pub struct SourceView<'a> {
    /// JSON path of the source: `traffic` or `traffic.sources.<name>`.
    pub path: String,
    /// Its name in reports.
    pub name: String,
    /// Name of its random stream.
    pub stream: String,
    /// Entry node.
    pub entry: &'a str,
    /// Arrival process.
    pub arrivals: &'a ArrivalsSpec,
    /// Declared classes.
    pub classes: &'a BTreeMap<String, ClassSpec>,
    /// Key law.
    pub keys: Option<&'a KeysSpec>,
    /// Timeout, retries, breaker of its clients.
    pub client: Option<&'a ClientSpec>,
}

/// The sources of `traffic`; problems with its shape go to `acc`.
pub fn sources<'a>(acc: &mut Vec<Diagnostic>, traffic: &'a TrafficSpec) -> Vec<SourceView<'a>> {
    let inline = traffic.entry.is_some()
        || traffic.arrivals.is_some()
        || !traffic.classes.is_empty()
        || traffic.keys.is_some()
        || traffic.client.is_some();
    if !traffic.sources.is_empty() {
        if inline {
            acc.push(Diagnostic::new(
                "traffic",
                "expected either `sources` or one inline source (`entry`, `arrivals`, `classes`, `keys`, `client`), got both",
            ));
        }
        return traffic
            .sources
            .iter()
            .map(|(name, source)| SourceView {
                path: format!("traffic.sources.{name}"),
                name: name.clone(),
                stream: format!("$traffic.{name}"),
                entry: &source.entry,
                arrivals: &source.arrivals,
                classes: &source.classes,
                keys: source.keys.as_ref(),
                client: source.client.as_ref(),
            })
            .collect();
    }
    match (&traffic.entry, &traffic.arrivals) {
        (Some(entry), Some(arrivals)) => vec![SourceView {
            path: "traffic".into(),
            name: "traffic".into(),
            // The single source's stream name predates `sources`; keeping it
            // keeps results of existing models unchanged.
            stream: "$traffic".into(),
            entry,
            arrivals,
            classes: &traffic.classes,
            keys: traffic.keys.as_ref(),
            client: traffic.client.as_ref(),
        }],
        (entry, _) => {
            let missing = if entry.is_none() { "entry" } else { "arrivals" };
            acc.push(Diagnostic::new(
                format!("traffic.{missing}"),
                "missing: give `entry` and `arrivals` (one source), or `sources` (several)",
            ));
            Vec::new()
        }
    }
}

/// Every class a request can have, sorted: each source's declared classes,
/// `default` for a generating source that declares none, and for traces the
/// classes their rules and default name.
pub fn class_names(sources: &[SourceView]) -> Vec<String> {
    let mut names = BTreeSet::new();
    for source in sources {
        names.extend(source.classes.keys().cloned());
        match source.arrivals {
            ArrivalsSpec::Trace(trace) if trace.format != TraceFormat::Counts => {
                names.extend(trace.rules.iter().map(|rule| rule.class.clone()));
                names.insert(default_class(trace).to_string());
            }
            _ if source.classes.is_empty() => {
                names.insert(DEFAULT_CLASS.to_string());
            }
            _ => {}
        }
    }
    names.into_iter().collect()
}

pub fn default_class(trace: &TraceSpec) -> &str {
    trace.default_class.as_deref().unwrap_or(DEFAULT_CLASS)
}

/// The key space the sources' key laws draw from: the largest key plus one
/// (uniform keys are 0 … n − 1, Zipf keys 1 … n); `None` if a source has no
/// such law (distinct keys, or a trace's own).
pub fn largest_key(views: &[SourceView]) -> Option<u64> {
    views
        .iter()
        .map(|view| match view.keys? {
            KeysSpec::Uniform { n } => Some(u64::from(n.get())),
            KeysSpec::Zipf { n, .. } => Some(u64::from(n.get()) + 1),
        })
        .try_fold(0, |largest, space| Some(largest.max(space?)))
}
