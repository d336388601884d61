//! Bad infrastructure files -> their exact messages: the model's path of
//! the reference, the file, the path inside it, the value and what was
//! expected. None panics.

use std::path::PathBuf;

use serde_json::{Value, json};

/// Writes `files` into a folder of `test`'s own, and a model whose pool
/// `web` has `pool` fields added (over an `m5.large` pool of 2 instances,
/// without `instances` when `pool` sets it to null).
fn load_err(test: &str, files: &[(&str, &str)], pool: Value) -> String {
    let dir = std::env::temp_dir().join(format!("capsim-infra-err-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("file written");
    }
    let mut web = json!({ "instance_type": "m5.large", "instances": 2,
                          "service": { "exponential": { "mean_ms": 20 } } });
    for (key, value) in pool.as_object().unwrap() {
        match value {
            Value::Null => web.as_object_mut().unwrap().remove(key),
            value => web
                .as_object_mut()
                .unwrap()
                .insert(key.clone(), value.clone()),
        };
    }
    let model = json!({
        "simulation": { "duration_s": 600 },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "clusters": { "main": { "node_pools": [
            { "instance_type": "m5.large", "min_nodes": 1, "max_nodes": 4 } ] } },
        "nodes": { "web": { "pool": web } }
    });
    let path: PathBuf = dir.join("model.json");
    std::fs::write(&path, model.to_string()).expect("model written");
    let err = capsim::model::load(&path).expect_err("should be rejected");
    err.to_string()
}

#[track_caller]
fn check_hpa(test: &str, manifest: &str, expected: &str) {
    let pool = json!({ "autoscaling": { "hpa": { "file": "hpa.yaml" } } });
    assert_eq!(load_err(test, &[("hpa.yaml", manifest)], pool), expected);
}

const HPA: &str = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  maxReplicas: 4\n";

#[test]
fn a_missing_file_names_itself() {
    let pool = json!({ "autoscaling": { "hpa": { "file": "nowhere.yaml" } } });
    assert_eq!(
        load_err("missing", &[], pool),
        "nodes.web.pool.autoscaling.hpa: cannot read `nowhere.yaml`: No such file or directory (os error 2)"
    );
}

#[test]
fn bad_yaml_gives_its_line_and_column() {
    check_hpa(
        "syntax",
        "apiVersion: autoscaling/v2\nkind: [HorizontalPodAutoscaler\n",
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: did not find expected ',' or ']' at line 3 column 1, while parsing a flow sequence at line 2 column 7",
    );
}

#[test]
fn a_file_without_the_kind_says_what_it_holds() {
    check_hpa(
        "no-kind",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: expected a HorizontalPodAutoscaler, got Deployment `web`",
    );
}

#[test]
fn two_of_the_kind_need_a_name() {
    let two = format!("{HPA}---\n{}", HPA.replace("name: web", "name: api"));
    check_hpa(
        "two",
        &two,
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: expected one HorizontalPodAutoscaler, got 2 (`web`, `api`): name one with `name`",
    );
}

#[test]
fn an_old_api_version_is_refused() {
    check_hpa(
        "v1",
        &HPA.replace("autoscaling/v2", "autoscaling/v1"),
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: apiVersion: expected `autoscaling/v2` for a HorizontalPodAutoscaler, got `autoscaling/v1`",
    );
}

#[test]
fn a_value_out_of_range_names_its_path_in_the_manifest() {
    check_hpa(
        "range",
        &HPA.replace("maxReplicas: 4", "maxReplicas: 0"),
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: spec.maxReplicas: expected an integer ≥ 1, got 0",
    );
}

#[test]
fn an_hpa_with_no_simulated_metric_is_refused() {
    let memory = format!(
        "{HPA}  metrics:\n  - type: Resource\n    resource:\n      name: memory\n      target:\n        type: Utilization\n        averageUtilization: 80\n"
    );
    check_hpa(
        "memory",
        &memory,
        "nodes.web.pool.autoscaling.hpa: hpa.yaml: spec.metrics: expected at least one metric capsim simulates (`Resource` or `ContainerResource` cpu, `Pods`, `Object`, `External`), got none: without one the HPA would scale on 80% CPU",
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        resources:\n          requests:\n            cpu: 500m\n";

fn pods(deployment: Value) -> Value {
    json!({ "instance_type": null, "instances": null,
            "kubernetes": { "cluster": "main" }, "deployment": deployment })
}

#[test]
fn replicas_written_twice_are_refused() {
    let mut pool = pods(json!({ "file": "deploy.yaml" }));
    pool["instances"] = json!(2);
    assert_eq!(
        load_err("twice", &[("deploy.yaml", DEPLOYMENT)], pool),
        "nodes.web.pool.instances: also given by `deploy.yaml` (spec.replicas): write it in one place"
    );
}

#[test]
fn a_bad_quantity_names_its_path_in_the_manifest() {
    let bad = DEPLOYMENT.replace("cpu: 500m", "cpu: 500x");
    assert_eq!(
        load_err(
            "quantity",
            &[("deploy.yaml", &bad)],
            pods(json!({ "file": "deploy.yaml" }))
        ),
        "nodes.web.pool.deployment: deploy.yaml: spec.template.spec.containers[0].resources.requests.cpu: expected a CPU quantity: cores (0.5) or a string (\"500m\", \"2\"), got \"500x\""
    );
}

#[test]
fn several_containers_need_a_container_name() {
    let two = DEPLOYMENT.replace(
        "      - name: web\n",
        "      - name: proxy\n      - name: web\n",
    );
    assert_eq!(
        load_err(
            "containers",
            &[("deploy.yaml", &two)],
            pods(json!({ "file": "deploy.yaml" }))
        ),
        "nodes.web.pool.deployment: deploy.yaml: spec.template.spec.containers: expected one container, got 2 (`proxy`, `web`): name the pool's with `container`"
    );
}

#[test]
fn a_pool_without_instances_or_a_file_that_gives_them_is_refused() {
    assert_eq!(
        load_err("no-instances", &[], json!({ "instances": null })),
        "nodes.web.pool: missing field `instances` (or a `deployment` or `cloudformation` that gives them)"
    );
}

const STACK: &str = "Parameters:\n  MaxParam:\n    Type: Number\nResources:\n  WebGroup:\n    Type: AWS::AutoScaling::AutoScalingGroup\n    Properties:\n      MinSize: \"1\"\n      MaxSize: !Ref MaxParam\n";

#[track_caller]
fn check_stack(test: &str, name: &str, template: &str, expected: &str) {
    let pool = json!({ "instances": null,
                       "cloudformation": { "file": name, "resource": "WebGroup" } });
    assert_eq!(load_err(test, &[(name, template)], pool), expected);
}

#[test]
fn a_ref_to_a_parameter_without_default_cannot_be_resolved() {
    check_stack(
        "ref",
        "stack.yaml",
        STACK,
        "nodes.web.pool.cloudformation: stack.yaml: Resources.WebGroup.Properties.MaxSize: !Ref MaxParam cannot be resolved: parameter `MaxParam` has no `Default`; give it one, or write the value",
    );
}

#[test]
fn other_functions_cannot_be_resolved_in_either_form() {
    let get_att = STACK.replace("!Ref MaxParam", "!GetAtt Sizes.Max");
    check_stack(
        "getatt",
        "stack.yaml",
        &get_att,
        "nodes.web.pool.cloudformation: stack.yaml: Resources.WebGroup.Properties.MaxSize: !GetAtt Sizes.Max cannot be resolved: capsim reads the template without deploying it, so it resolves only a `Ref` to a parameter with a `Default`; write the value",
    );
    let long_form = json!({ "Resources": { "WebGroup": {
        "Type": "AWS::AutoScaling::AutoScalingGroup",
        "Properties": { "MinSize": { "Fn::If": ["Prod", 2, 1] }, "MaxSize": 4 } } } });
    check_stack(
        "fn-if",
        "stack.json",
        &long_form.to_string(),
        "nodes.web.pool.cloudformation: stack.json: Resources.WebGroup.Properties.MinSize: {\"Fn::If\":[\"Prod\",2,1]} cannot be resolved: capsim reads the template without deploying it, so it resolves only a `Ref` to a parameter with a `Default`; write the value",
    );
}

#[test]
fn a_number_that_is_not_one_is_refused() {
    check_stack(
        "nan",
        "stack.yaml",
        &STACK.replace("!Ref MaxParam", "lots"),
        "nodes.web.pool.cloudformation: stack.yaml: Resources.WebGroup.Properties.MaxSize: expected a number (or a string holding one, \"2\"), got \"lots\"",
    );
}

#[test]
fn the_resource_must_be_a_group_of_the_template() {
    check_stack(
        "no-group",
        "stack.yaml",
        &STACK.replace("  WebGroup:", "  Web:"),
        "nodes.web.pool.cloudformation: stack.yaml: Resources: expected a resource `WebGroup`, got the groups `Web`",
    );
    check_stack(
        "not-group",
        "stack.yaml",
        &STACK.replace("AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::Instance"),
        "nodes.web.pool.cloudformation: stack.yaml: Resources.WebGroup.Type: expected `AWS::AutoScaling::AutoScalingGroup`, got `AWS::EC2::Instance`",
    );
}

#[test]
fn a_step_policy_needs_its_alarm() {
    let step = format!(
        "{}  Steps:\n    Type: AWS::AutoScaling::ScalingPolicy\n    Properties:\n      AutoScalingGroupName: !Ref WebGroup\n      PolicyType: StepScaling\n      AdjustmentType: ChangeInCapacity\n      StepAdjustments:\n        - MetricIntervalLowerBound: 0\n          ScalingAdjustment: 1\n",
        STACK.replace("!Ref MaxParam", "4")
    );
    check_stack(
        "alarm",
        "stack.yaml",
        &step,
        "nodes.web.pool.cloudformation: stack.yaml: Resources.Steps: expected an `AWS::CloudWatch::Alarm` whose `AlarmActions` name this StepScaling policy, got none",
    );
}

#[test]
fn a_health_check_out_of_range_names_its_path() {
    let classic = format!(
        "{}      LoadBalancerNames: [!Ref Lb]\n  Lb:\n    Type: AWS::ElasticLoadBalancing::LoadBalancer\n    Properties:\n      HealthCheck:\n        HealthyThreshold: 2\n        UnhealthyThreshold: 2\n        Timeout: 3\n        Interval: \"-10\"\n        Target: HTTP:80/\n",
        STACK.replace("!Ref MaxParam", "4")
    );
    check_stack(
        "interval",
        "stack.yaml",
        &classic,
        "nodes.web.pool.cloudformation: stack.yaml: Resources.Lb.Properties.HealthCheck.Interval: expected a number > 0, got -10",
    );
}
