//! Infrastructure files a pool names (Kubernetes manifests, CloudFormation
//! templates) simulate exactly as the inline parts they stand for, and what
//! they hold beyond that is listed in notes.

use std::path::{Path, PathBuf};

use capsim::fingerprint::fingerprint;
use capsim::model::Model;
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A folder of its own for `test`'s files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capsim-infra-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn load(path: &Path) -> Model {
    capsim::model::load(path).unwrap_or_else(|err| panic!("{} loads: {err}", path.display()))
}

/// The event-trace hash of the first 300,000 events (every autoscaling
/// decision of the first half hour or more): equal means simulated alike.
fn print(model: &Model) -> u64 {
    fingerprint(model, model.seed, 0, 300_000).hash
}

/// A model JSON file in `dir`.
fn write_model(dir: &Path, model: &Value) -> PathBuf {
    let path = dir.join("model.json");
    std::fs::write(&path, model.to_string()).expect("model written");
    path
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("models").join(name)).expect("example");
    serde_json::from_str(&text).expect("example is JSON")
}

#[test]
fn the_hpa_and_deployment_manifests_simulate_as_the_inline_kubernetes_example() {
    let manifests = load(&root().join("models/k8s-manifests.json"));
    let inline = load(&root().join("models/kubernetes.json"));
    assert_eq!(print(&manifests), print(&inline));
}

#[test]
fn the_stack_simulates_as_the_inline_aws_group() {
    let stack = load(&root().join("models/cfn-stack.json"));
    // aws-asg.json without its scheduled action, which a template writes
    // as a separate resource with a date.
    let mut inline = example("aws-asg.json");
    let aws = &mut inline["nodes"]["web"]["pool"]["autoscaling"]["aws"];
    aws.as_object_mut().unwrap().remove("ScheduledActions");
    // A template's policy is named by its logical id.
    aws["Policies"][0]["PolicyName"] = json!("Cpu50");
    aws["Policies"][1]["PolicyName"] = json!("SlowResponses");
    let inline = capsim::model::parse(&inline.to_string()).expect("inline group");
    assert_eq!(print(&stack), print(&inline));
}

#[test]
fn notes_list_every_field_read_and_not_simulated() {
    let manifests = load(&root().join("models/k8s-manifests.json"));
    assert_eq!(
        manifests.notes,
        [
            "nodes.web.pool.autoscaling.hpa: infra/hpa.yaml: not simulated: metadata.labels, \
             metadata.namespace, spec.metrics[0].containerResource.container, spec.metrics[1] \
             (resource `memory`: only cpu is simulated), spec.scaleTargetRef",
            "nodes.web.pool.deployment: infra/deployment.yaml: not simulated: metadata.labels, \
             metadata.namespace, spec.selector, spec.template.metadata, \
             spec.template.spec.containers[0].image, spec.template.spec.containers[0].ports, \
             spec.template.spec.containers[0].resources.limits.memory",
        ]
    );
    let stack = load(&root().join("models/cfn-stack.json"));
    assert_eq!(
        stack.notes,
        [
            "nodes.web.pool.cloudformation: infra/stack.yaml: read \
             Resources.WebGroup.Properties.MaxSize (!Ref MaxInstances: the parameter's Default, 10)",
            "nodes.web.pool.cloudformation: infra/stack.yaml: not simulated: \
             Resources.WebGroup.Properties.AvailabilityZones, \
             Resources.WebGroup.Properties.HealthCheckGracePeriod, \
             Resources.WebGroup.Properties.HealthCheckType, \
             Resources.WebGroup.Properties.LaunchTemplate, \
             Resources.SlowResponsesAlarm.Properties.AlarmDescription, \
             Resources.SlowResponsesAlarm.Properties.Namespace, \
             Resources.SlowResponsesAlarm.Properties.Statistic, \
             Resources.WebLoadBalancer.Properties.AvailabilityZones, \
             Resources.WebLoadBalancer.Properties.Listeners, \
             Resources.WebLoadBalancer.Properties.HealthCheck.Target, \
             Resources.WebLaunchTemplate (AWS::EC2::LaunchTemplate)",
        ]
    );
}

#[test]
fn an_inline_model_has_no_notes() {
    assert!(
        load(&root().join("models/kubernetes.json"))
            .notes
            .is_empty()
    );
}

/// The `hpa.json` pool with `autoscaling` replaced.
fn hpa_model(autoscaling: Value) -> Value {
    let mut model = example("hpa.json");
    model["nodes"]["web"]["pool"]["autoscaling"] = autoscaling;
    model
}

#[test]
fn a_multi_document_file_is_picked_by_kind_and_name() {
    let dir = scratch("multi");
    let hpa = |name: &str, max: u32| {
        format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n\
             spec:\n  minReplicas: 2\n  maxReplicas: {max}\n  metrics:\n  - type: Resource\n    \
             resource:\n      name: cpu\n      target:\n        type: Utilization\n        \
             averageUtilization: 70\n"
        )
    };
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
    let text = format!("{service}---\n{}---\n{}", hpa("web", 10), hpa("api", 4));
    std::fs::write(dir.join("hpas.yaml"), text).unwrap();
    let named = hpa_model(json!({ "hpa": { "file": "hpas.yaml", "name": "api" } }));
    let inline = hpa_model(json!({ "hpa": {
        "minReplicas": 2, "maxReplicas": 4,
        "metrics": [ { "type": "Resource", "resource": { "name": "cpu",
                       "target": { "type": "Utilization", "averageUtilization": 70 } } } ] } }));
    let named = load(&write_model(&dir, &named));
    let inline = capsim::model::parse(&inline.to_string()).unwrap();
    assert_eq!(print(&named), print(&inline));
    assert!(named.notes.is_empty(), "{:?}", named.notes);
}

#[test]
fn a_json_manifest_reads_as_its_yaml_twin() {
    let dir = scratch("json-twin");
    let text = std::fs::read_to_string(root().join("models/infra/hpa.yaml")).unwrap();
    let value: Value = yaml_serde::from_str(&text).unwrap();
    std::fs::write(dir.join("hpa.json"), value.to_string()).unwrap();
    std::fs::copy(root().join("models/infra/hpa.yaml"), dir.join("hpa.yaml")).unwrap();
    let json_file = load(&write_model(
        &dir,
        &hpa_model(json!({ "hpa": { "file": "hpa.json" } })),
    ));
    let yaml_file = load(&write_model(
        &dir,
        &hpa_model(json!({ "hpa": { "file": "hpa.yaml" } })),
    ));
    assert_eq!(print(&json_file), print(&yaml_file));
}

/// The `aws-asg.json` pool reading `template` (JSON) as its group `Web`.
fn stack_model(dir: &Path, template: &Value) -> Model {
    std::fs::write(dir.join("stack.json"), template.to_string()).unwrap();
    let mut model = example("aws-asg.json");
    let pool = model["nodes"]["web"]["pool"].as_object_mut().unwrap();
    for field in ["autoscaling", "health_check", "instances"] {
        pool.remove(field);
    }
    pool.insert(
        "cloudformation".into(),
        json!({ "file": "stack.json", "resource": "Web" }),
    );
    load(&write_model(dir, &model))
}

fn group(min: Value, max: Value) -> Value {
    json!({
        "Parameters": { "Max": { "Type": "Number", "Default": "10" } },
        "Resources": {
            "Web": { "Type": "AWS::AutoScaling::AutoScalingGroup",
                     "Properties": { "MinSize": min, "MaxSize": max, "DesiredCapacity": "5",
                                     "TargetGroupARNs": [ { "Ref": "Targets" } ] } },
            "Targets": { "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                         "Properties": { "HealthCheckIntervalSeconds": "10",
                                         "HealthCheckTimeoutSeconds": 3,
                                         "HealthyThresholdCount": "2",
                                         "UnhealthyThresholdCount": 2 } },
            "Cpu": { "Type": "AWS::AutoScaling::ScalingPolicy",
                     "Properties": { "AutoScalingGroupName": { "Ref": "Web" },
                                     "PolicyType": "TargetTrackingScaling",
                                     "TargetTrackingConfiguration": {
                                         "PredefinedMetricSpecification": {
                                             "PredefinedMetricType": "ASGAverageCPUUtilization" },
                                         "TargetValue": "50", "DisableScaleIn": "false" } } }
        }
    })
}

#[test]
fn numbers_written_as_strings_and_defaults_of_parameters_read_as_numbers() {
    let dir = scratch("strings");
    let strings = stack_model(&dir, &group(json!("1"), json!({ "Ref": "Max" })));
    let numbers = stack_model(&dir, &group(json!(1), json!(10)));
    assert_eq!(print(&strings), print(&numbers));
    assert_eq!(
        strings.notes,
        [
            "nodes.web.pool.cloudformation: stack.json: read Resources.Web.Properties.MaxSize \
          ({\"Ref\":\"Max\"}: the parameter's Default, \"10\")"
        ]
    );
    // The same group written inline: target group checks, one policy.
    let mut inline = example("aws-asg.json");
    let pool = &mut inline["nodes"]["web"]["pool"];
    pool["health_check"] = json!({ "interval_s": 10, "timeout_s": 3, "healthy_threshold": 2, "unhealthy_threshold": 2 });
    pool["autoscaling"] = json!({ "aws": { "MinSize": 1, "MaxSize": 10, "DesiredCapacity": 5,
        "Policies": [ { "PolicyName": "Cpu", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
                "TargetValue": 50 } } ] } });
    let inline = capsim::model::parse(&inline.to_string()).unwrap();
    assert_eq!(print(&numbers), print(&inline));
}
