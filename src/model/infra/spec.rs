//! How a pool names an infrastructure file: a Kubernetes manifest (an
//! HorizontalPodAutoscaler, a Deployment) or a CloudFormation template, as
//! written in the model. What the files hold is read by the rest of
//! `infra`, at load.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `{ "file": "hpa.yaml" }`: a Kubernetes manifest, YAML or JSON.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRef {
    /// The manifest, relative to the model file. A YAML file may hold
    /// several objects (`---`): the one of the wanted kind is read.
    pub file: String,
    /// Its `metadata.name`, when the file holds several objects of the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A pool's `deployment`: its initial replicas and its container's resources.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRef {
    /// An `apps/v1` Deployment manifest, relative to the model file.
    pub file: String,
    /// Its `metadata.name`, when the file holds several Deployments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The container whose `resources` the pods have, when there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// A pool's `cloudformation`: an Auto Scaling group of a template.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFormationRef {
    /// The template (YAML or JSON), relative to the model file.
    pub file: String,
    /// The logical id of its `AWS::AutoScaling::AutoScalingGroup`: its
    /// sizes, the `AWS::AutoScaling::ScalingPolicy` resources that name it
    /// and the health checks of its target group or classic load balancer.
    pub resource: String,
}
