//! Infrastructure in, as written: the Kubernetes manifests
//! (HorizontalPodAutoscaler, Deployment) and CloudFormation templates
//! (Auto Scaling group, scaling policies, alarms, target group and classic
//! load balancer health checks) a pool names, read at load and turned into
//! the inline parts they stand for (`autoscaling`, `instances`,
//! `kubernetes.requests`/`limits`, `health_check`). The checks and the
//! compilation then see an ordinary topology, so a referenced file and its
//! inline equivalent simulate identically by construction.
//!
//! What a file holds and capsim does not simulate is returned as notes,
//! which `cli` prints; what cannot be read is a `Diagnostic` at the
//! reference, its message naming the file and the path inside it.
//!
//! **Invariant:** reads only the files named, only at load; the topology
//! given is never changed (the resolved one is a copy).

mod cfn_health;
mod cfn_policies;
mod cfn_values;
mod cloudformation;
mod deployment;
mod document;
mod hpa;
mod problem;
pub mod spec;
mod unread;

use std::borrow::Cow;
use std::path::Path;

use self::document::InfraFile;
use self::unread::Unread;
use crate::model::scaling::spec::HpaSpec;
use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::Count;
use crate::model::topology::spec::{AutoscalingSpec, HpaSource, NodeSpec, PoolSpec, Topology};

/// What resolving found: the topology to check (borrowed when it names no
/// file) and the notes on what the files hold that is not simulated.
pub struct Resolved<'a> {
    /// The topology with every file's part written inline.
    pub topology: Cow<'a, Topology>,
    /// One line per note, without `note: `.
    pub notes: Vec<String>,
}

/// Reads every file the pools of `topology` name, relative to `base`, and
/// writes what they give into a copy. Every problem is reported, each pool
/// and file on its own.
pub fn resolve<'a>(topology: &'a Topology, base: &Path) -> Result<Resolved<'a>, Vec<Diagnostic>> {
    let mut resolved = topology.clone();
    let mut acc = Vec::new();
    let mut notes = Vec::new();
    let mut changed = false;
    for (name, node) in &mut resolved.nodes {
        if let NodeSpec::Pool(pool) = node {
            let mut cx = Cx {
                at: format!("nodes.{name}.pool"),
                base,
                acc: &mut acc,
                notes: &mut notes,
            };
            changed |= resolve_pool(&mut cx, pool);
        }
    }
    if !acc.is_empty() {
        return Err(acc);
    }
    let topology = if changed {
        Cow::Owned(resolved)
    } else {
        Cow::Borrowed(topology)
    };
    Ok(Resolved { topology, notes })
}

/// Where a pool's files are read and their problems and notes go.
struct Cx<'a> {
    /// The pool's path: `nodes.web.pool`.
    at: String,
    base: &'a Path,
    acc: &'a mut Vec<Diagnostic>,
    notes: &'a mut Vec<String>,
}

impl Cx<'_> {
    /// A problem at the model's `field` of this pool.
    fn error(&mut self, field: &str, message: String) {
        self.acc
            .push(Diagnostic::new(format!("{}.{field}", self.at), message));
    }

    /// Reads `written`, or reports why not at `field`.
    fn read(&mut self, field: &str, written: &str) -> Option<InfraFile> {
        InfraFile::read(self.base, written)
            .map_err(|message| self.error(field, message))
            .ok()
    }

    /// The note of `field`'s file, if it has unread fields.
    fn note(&mut self, field: &str, written: &str, unread: &Unread) {
        if let Some(note) = unread.note(written) {
            self.notes.push(format!("{}.{field}: {note}", self.at));
        }
    }
}

/// Resolves one pool; whether it named any file.
fn resolve_pool(cx: &mut Cx, pool: &mut PoolSpec) -> bool {
    let mut named = false;
    let problems_before = cx.acc.len();
    if let Some(AutoscalingSpec::Hpa(HpaSource::File(reference))) = &pool.autoscaling {
        named = true;
        let reference = reference.clone();
        let field = "autoscaling.hpa";
        if let Some(spec) = read_hpa(cx, field, &reference) {
            pool.autoscaling = Some(AutoscalingSpec::Hpa(HpaSource::Inline(Box::new(spec))));
        }
    }
    if let Some(reference) = pool.deployment.clone() {
        named = true;
        apply_deployment(cx, pool, &reference);
    }
    if let Some(reference) = pool.cloudformation.clone() {
        named = true;
        cloudformation::apply(cx, pool, &reference);
    }
    // A file that could not be read leaves out what it gives: one error.
    if cx.acc.len() == problems_before {
        require_written(cx, pool);
    }
    named
}

/// The HPA spec of the manifest `reference` names.
fn read_hpa(cx: &mut Cx, field: &str, reference: &spec::ManifestRef) -> Option<HpaSpec> {
    let file = cx.read(field, &reference.file)?;
    let picked = file.pick("HorizontalPodAutoscaler", reference.name.as_deref());
    let (document, doc) = picked
        .map_err(|message| cx.error(field, format!("{}: {message}", file.written)))
        .ok()?;
    let mut unread = Unread::default();
    match hpa::read(doc, &mut unread) {
        Ok(spec) => {
            cx.note(field, &file.written, &unread);
            Some(spec)
        }
        Err(problem) => {
            cx.error(field, problem.said(&file.written, &document));
            None
        }
    }
}

/// A Deployment's replicas, requests and limits, each where the model has
/// no value of its own (two values for one thing would leave one unread).
fn apply_deployment(cx: &mut Cx, pool: &mut PoolSpec, reference: &spec::DeploymentRef) {
    let field = "deployment";
    let Some(file) = cx.read(field, &reference.file) else {
        return;
    };
    let (document, doc) = match file.pick("Deployment", reference.name.as_deref()) {
        Ok(picked) => picked,
        Err(message) => return cx.error(field, format!("{}: {message}", file.written)),
    };
    let mut unread = Unread::default();
    let deployment = match deployment::read(doc, reference.container.as_deref(), &mut unread) {
        Ok(deployment) => deployment,
        Err(problem) => return cx.error(field, problem.said(&file.written, &document)),
    };
    let twice = |path: &str| {
        format!(
            "also given by `{}` ({document}{path}): write it in one place",
            file.written
        )
    };
    match (deployment.replicas, pool.instances) {
        (Some(_), Some(_)) => cx.error("instances", twice("spec.replicas")),
        // Kubernetes' default for a Deployment without `replicas`.
        (replicas, None) => pool.instances = Some(replicas.unwrap_or_else(Count::one)),
        (None, Some(_)) => {}
    }
    match &mut pool.kubernetes {
        Some(pod) => {
            if let Some((requests, path)) = deployment.requests {
                match pod.requests {
                    Some(_) => cx.error("kubernetes.requests", twice(&path)),
                    None => pod.requests = Some(requests),
                }
            }
            if let Some((limits, path)) = deployment.limits {
                match pod.limits {
                    Some(_) => cx.error("kubernetes.limits", twice(&path)),
                    None => pod.limits = Some(limits),
                }
            }
        }
        None => {
            let paths = [
                deployment.requests.map(|r| r.1),
                deployment.limits.map(|l| l.1),
            ];
            for path in paths.into_iter().flatten() {
                unread.push(format!(
                    "{path} (the pool is not pods of a cluster: no `kubernetes`)"
                ));
            }
        }
    }
    cx.note(field, &file.written, &unread);
}

/// A pool needs its instances, and a pool of pods its requests, from the
/// model or a file; serde cannot say so, as either may come from a file.
fn require_written(cx: &mut Cx, pool: &PoolSpec) {
    if pool.instances.is_none() {
        let at = cx.at.clone();
        cx.acc.push(Diagnostic::new(
            at,
            "missing field `instances` (or a `deployment` or `cloudformation` that gives them)",
        ));
    }
    if let Some(pod) = &pool.kubernetes
        && pod.requests.is_none()
    {
        cx.error(
            "kubernetes",
            "missing field `requests` (or a `deployment` whose container has `resources.requests`)"
                .into(),
        );
    }
}
