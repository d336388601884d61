//! A Deployment manifest (`apps/v1`) → what a pool of pods takes from it:
//! `spec.replicas` (the initial instances; Kubernetes' default is 1) and
//! one container's `resources.requests` (cpu, memory) and `limits.cpu`.
//! Everything else (selector, strategy, image, ports, probes…) goes to the
//! note.
//!
//! Fields: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/
//! and the container's `resources`:
//! https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
//! Quantities are read by `clusters::quantity` (the API's `resource.Quantity`:
//! https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/).

use serde_json::{Value, json};

use super::hpa::check_version;
use super::problem::{Problem, typed};
use super::unread::Unread;
use crate::model::clusters::spec::{LimitsSpec, RequestsSpec};
use crate::model::shared::units::Count;

/// What a Deployment gives a pool.
pub struct Deployment {
    /// `spec.replicas`, where written.
    pub replicas: Option<Count>,
    /// The container's requests, where written, and their path.
    pub requests: Option<(RequestsSpec, String)>,
    /// The container's CPU limit, where written, and its path.
    pub limits: Option<(LimitsSpec, String)>,
}

/// Reads `doc`; `container` picks among several containers.
pub fn read(
    doc: &Value,
    container: Option<&str>,
    unread: &mut Unread,
) -> Result<Deployment, Problem> {
    check_version(doc, &["apps/v1"], "Deployment")?;
    unread.rest(doc, "", &["apiVersion", "kind", "metadata", "spec"]);
    unread.rest(&doc["metadata"], "metadata", &["name"]);
    let spec = &doc["spec"];
    unread.rest(spec, "spec", &["replicas", "template"]);
    let replicas = match spec.get("replicas") {
        Some(value) => Some(typed::<Count>(value.clone(), "spec.replicas")?),
        None => None,
    };
    let template = &spec["template"];
    unread.rest(template, "spec.template", &["spec"]);
    unread.rest(&template["spec"], "spec.template.spec", &["containers"]);
    let (at, chosen) = pick_container(&template["spec"]["containers"], container, unread)?;
    unread.rest(chosen, &at, &["name", "resources"]);
    let resources = &chosen["resources"];
    let at = format!("{at}.resources");
    unread.rest(resources, &at, &["requests", "limits"]);
    Ok(Deployment {
        replicas,
        requests: requests(&resources["requests"], &format!("{at}.requests"), unread)?,
        limits: limits(&resources["limits"], &format!("{at}.limits"), unread)?,
    })
}

/// The container named `wanted`, or the only one; the others are noted.
fn pick_container<'a>(
    containers: &'a Value,
    wanted: Option<&str>,
    unread: &mut Unread,
) -> Result<(String, &'a Value), Problem> {
    let at = "spec.template.spec.containers";
    let Some(list) = containers.as_array().filter(|list| !list.is_empty()) else {
        return Err(Problem::new(
            at,
            "expected a list of at least one container",
        ));
    };
    let name = |c: &Value| {
        c.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let index = match wanted {
        Some(wanted) => list.iter().position(|c| name(c) == wanted).ok_or_else(|| {
            let names: Vec<String> = list.iter().map(|c| format!("`{}`", name(c))).collect();
            Problem::new(
                at,
                format!("expected a container `{wanted}`, got {}", names.join(", ")),
            )
        })?,
        None if list.len() == 1 => 0,
        None => {
            let names: Vec<String> = list.iter().map(|c| format!("`{}`", name(c))).collect();
            return Err(Problem::new(
                at,
                format!(
                    "expected one container, got {} ({}): name the pool's with `container`",
                    list.len(),
                    names.join(", ")
                ),
            ));
        }
    };
    for (i, other) in list.iter().enumerate().filter(|(i, _)| *i != index) {
        unread.push(format!("{at}[{i}] (container `{}`)", name(other)));
    }
    Ok((format!("{at}[{index}]"), &list[index]))
}

/// `requests`: cpu and memory; other resources noted.
fn requests(
    value: &Value,
    at: &str,
    unread: &mut Unread,
) -> Result<Option<(RequestsSpec, String)>, Problem> {
    if value.is_null() {
        return Ok(None);
    }
    unread.rest(value, at, &["cpu", "memory"]);
    let kept = json!({ "cpu": value.get("cpu"), "memory": value.get("memory") });
    let kept = without_nulls(kept);
    Ok(Some((typed(kept, at)?, at.to_string())))
}

/// `limits`: cpu (the CFS quota); memory and others noted.
fn limits(
    value: &Value,
    at: &str,
    unread: &mut Unread,
) -> Result<Option<(LimitsSpec, String)>, Problem> {
    if value.is_null() {
        return Ok(None);
    }
    unread.rest(value, at, &["cpu"]);
    match value.get("cpu") {
        Some(cpu) => Ok(Some((typed(json!({ "cpu": cpu }), at)?, at.to_string()))),
        None => Ok(None),
    }
}

/// An object without its null members (absent fields in the manifest).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}
