//! A HorizontalPodAutoscaler manifest (`autoscaling/v2`) → the HPA `spec`
//! capsim simulates, read as written: what it does not simulate goes to the
//! note (`Unread`), never silently away.
//!
//! Field meanings: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
//! A `ContainerResource` metric is a `Resource` metric of one container
//! (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics);
//! a pool's pods run the one container capsim simulates, so it reads as `Resource`.

use serde_json::{Map, Value, json};

use super::problem::{Problem, object, typed};
use super::unread::Unread;
use crate::model::scaling::spec::HpaSpec;

/// API versions whose `spec` is the one capsim reads (v2beta2 became v2 unchanged).
const VERSIONS: [&str; 2] = ["autoscaling/v2", "autoscaling/v2beta2"];

/// The spec of the manifest `doc`.
pub fn read(doc: &Value, unread: &mut Unread) -> Result<HpaSpec, Problem> {
    check_version(doc, &VERSIONS, "HorizontalPodAutoscaler")?;
    unread.rest(doc, "", &["apiVersion", "kind", "metadata", "spec"]);
    unread.rest(&doc["metadata"], "metadata", &["name"]);
    let spec = object(doc.get("spec").unwrap_or(&Value::Null), "spec")?;
    let mut kept = Map::new();
    let mut positions = Vec::new();
    for (key, value) in spec {
        let value = match key.as_str() {
            "minReplicas" | "maxReplicas" => value.clone(),
            "metrics" => {
                let (metrics, written_at) = metrics(value, unread)?;
                positions = written_at;
                metrics
            }
            "behavior" => behavior(value, unread),
            // The pool is the target (`scaleTargetRef`): noted, not read.
            _ => {
                unread.push(format!("spec.{key}"));
                continue;
            }
        };
        kept.insert(key.clone(), value);
    }
    typed::<HpaSpec>(Value::Object(kept), "spec").map_err(|mut problem| {
        problem.path = written_position(&problem.path, &positions);
        problem
    })
}

/// `spec.metrics[k]` of the kept list as `spec.metrics[i]` of the file.
fn written_position(path: &str, positions: &[usize]) -> String {
    let Some(rest) = path.strip_prefix("spec.metrics[") else {
        return path.to_string();
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return path.to_string();
    };
    match index.parse::<usize>().ok().and_then(|k| positions.get(k)) {
        Some(i) => format!("spec.metrics[{i}]{tail}"),
        None => path.to_string(),
    }
}

/// The metrics capsim simulates, and where each was in the file.
fn metrics(value: &Value, unread: &mut Unread) -> Result<(Value, Vec<usize>), Problem> {
    let Some(items) = value.as_array() else {
        return Ok((value.clone(), Vec::new())); // The spec's type error says so.
    };
    let mut kept = Vec::new();
    let mut positions = Vec::new();
    for (i, metric) in items.iter().enumerate() {
        let at = format!("spec.metrics[{i}]");
        if let Some(metric) = one_metric(metric, &at, unread) {
            kept.push(metric);
            positions.push(i);
        }
    }
    if kept.is_empty() && !items.is_empty() {
        return Err(Problem::new(
            "spec.metrics",
            "expected at least one metric capsim simulates (`Resource` or `ContainerResource` cpu, \
             `Pods`, `Object`, `External`), got none: without one the HPA would scale on 80% CPU",
        ));
    }
    Ok((Value::Array(kept), positions))
}

/// One metric as capsim's spec writes it, or `None` (noted) if not simulated.
fn one_metric(metric: &Value, at: &str, unread: &mut Unread) -> Option<Value> {
    let kind = metric.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Resource" | "ContainerResource" => {
            let field = if kind == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let source = metric.get(field).cloned().unwrap_or(Value::Null);
            let name = source.get("name").and_then(Value::as_str).unwrap_or("");
            if name != "cpu" {
                unread.push(format!("{at} (resource `{name}`: only cpu is simulated)"));
                return None;
            }
            unread.rest(&source, &format!("{at}.{field}"), &["name", "target"]);
            Some(json!({ "type": "Resource",
                         "resource": { "name": "cpu", "target": source.get("target") } }))
        }
        "Pods" | "Object" | "External" => {
            let field = kind.to_ascii_lowercase();
            let mut metric = metric.clone();
            if let Some(selector) = metric[&field]["metric"].as_object_mut()
                && selector.remove("selector").is_some()
            {
                unread.push(format!("{at}.{field}.metric.selector"));
            }
            if let Some(object) = metric[&field].as_object_mut()
                && object.remove("describedObject").is_some()
            {
                unread.push(format!(
                    "{at}.{field}.describedObject (the pool is the object)"
                ));
            }
            Some(metric)
        }
        other => {
            unread.push(format!("{at} (type `{other}`)"));
            None
        }
    }
}

/// `behavior` with the fields capsim simulates; the rest noted.
fn behavior(value: &Value, unread: &mut Unread) -> Value {
    let Some(map) = value.as_object() else {
        return value.clone();
    };
    let mut kept = Map::new();
    for (direction, rules) in map {
        let at = format!("spec.behavior.{direction}");
        if !matches!(direction.as_str(), "scaleUp" | "scaleDown") {
            unread.push(at);
            continue;
        }
        let used = ["stabilizationWindowSeconds", "selectPolicy", "policies"];
        unread.rest(rules, &at, &used);
        let rules: Map<String, Value> = rules
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| used.contains(&key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        kept.insert(direction.clone(), Value::Object(rules));
    }
    Value::Object(kept)
}

/// `apiVersion` is one whose format is read here.
pub fn check_version(doc: &Value, versions: &[&str], kind: &str) -> Result<(), Problem> {
    let version = doc.get("apiVersion").and_then(Value::as_str);
    if version.is_some_and(|v| versions.contains(&v)) {
        return Ok(());
    }
    Err(Problem::new(
        "apiVersion",
        format!(
            "expected `{}` for a {kind}, got {}",
            versions[0],
            version.map_or("none".to_string(), |v| format!("`{v}`"))
        ),
    ))
}
