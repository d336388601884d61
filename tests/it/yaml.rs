//! Models and experiments written in YAML: the same results as their JSON
//! twins through every command that reads them, and bad YAML -> its exact
//! message (the JSON path, the problem, the line and column).

use std::path::{Path, PathBuf};

use capsim::fingerprint::fingerprint;
use capsim::model::Format;
use serde_json::{Value, json};

use crate::support::capsim;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capsim-yaml-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// `value` written as block YAML.
fn yaml(value: &Value) -> String {
    yaml_serde::to_string(value).expect("a JSON value is YAML")
}

/// stdout of a command that succeeds (or ends unstable, 3).
#[track_caller]
fn stdout_of(args: &[&str]) -> String {
    let out = capsim(args);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "capsim {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn the_yaml_shop_is_the_json_shop() {
    let json = capsim::model::load(&root().join("models/shop.json")).expect("shop.json loads");
    let yaml = capsim::model::load(&root().join("models/shop.yaml")).expect("shop.yaml loads");
    assert_eq!(
        fingerprint(&yaml, yaml.seed, 0, 1_000_000),
        fingerprint(&json, json.seed, 0, 1_000_000)
    );
    let twice = |args: &[&str]| {
        let on = |model: &str| {
            let mut all = vec![args[0], model];
            all.extend(&args[1..]);
            stdout_of(&all)
        };
        assert_eq!(
            on("models/shop.yaml"),
            on("models/shop.json"),
            "capsim {args:?}"
        );
    };
    twice(&["run", "--replications", "2"]);
    twice(&["analyze"]);
    let check = |file: &str| stdout_of(&["check", file]).replace(file, "MODEL");
    assert_eq!(check("models/shop.yaml"), check("models/shop.json"));
}

#[test]
fn a_yaml_experiment_of_a_yaml_model_sweeps_as_its_json_twin() {
    let dir = scratch("sweep");
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("models/mm1.json")).unwrap())
            .unwrap();
    std::fs::write(dir.join("mm1.json"), model.to_string()).unwrap();
    std::fs::write(dir.join("mm1.yml"), yaml(&model)).unwrap();
    let experiment = |model: &str| {
        json!({
            "$schema": "../schema/experiment.schema.json",
            "name": "rates", "model": model, "replications": 2,
            "axes": [ { "path": "traffic.arrivals.poisson.rate_rps", "values": [5, 7] } ]
        })
    };
    std::fs::write(dir.join("rates.json"), experiment("mm1.json").to_string()).unwrap();
    std::fs::write(dir.join("rates.yaml"), yaml(&experiment("mm1.yml"))).unwrap();
    let loaded = |file: &str| capsim::sweep::Experiment::load(&dir.join(file)).expect("loads");
    assert_eq!(
        loaded("rates.yaml").fingerprint(),
        loaded("rates.json").fingerprint()
    );
    let csv = |experiment: &str| {
        let out = dir.join(format!("{experiment}.csv"));
        let path = dir.join(experiment);
        let status = capsim(&["sweep", path.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
        std::fs::read_to_string(out).expect("the sweep's CSV")
    };
    assert_eq!(csv("rates.yaml"), csv("rates.json"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_yaml_model_compares_with_observations_as_its_json_twin() {
    let dir = scratch("compare");
    let source = root().join("tests/data/observed/prometheus/web.json");
    let model: Value = serde_json::from_str(&std::fs::read_to_string(&source).unwrap()).unwrap();
    let twin = dir.join("web.yaml");
    std::fs::write(&twin, yaml(&model)).unwrap();
    let compare = |model: &Path| {
        stdout_of(&[
            "compare",
            model.to_str().unwrap(),
            "--observed",
            "tests/data/observed/prometheus/config.json",
        ])
    };
    assert_eq!(compare(&twin), compare(&source));
    std::fs::remove_dir_all(&dir).ok();
}

// ---- bad YAML -> its exact message -----------------------------------------

/// One pool `web` behind Poisson arrivals, as YAML; tests edit its lines.
const BASE: &str = "\
simulation: { duration_s: 60, warmup_s: 10 }
instance_types:
  box: { vcpus: 2 }
traffic:
  entry: web
  arrivals:
    poisson: { rate_rps: 10 }
nodes:
  web:
    pool:
      instance_type: box
      instances: 2
      service:
        exponential: { mean_ms: 20 }
";

#[track_caller]
fn check(yaml: &str, expected: &str) {
    let err = capsim::model::parse_as(yaml, Format::Yaml).expect_err("the model is refused");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn the_base_yaml_is_valid() {
    capsim::model::parse_as(BASE, Format::Yaml).expect("the base model parses");
}

#[test]
fn a_bad_count_names_its_key() {
    check(
        &BASE.replace("instances: 2", "instances: -3"),
        "nodes.web.pool.instances: expected an integer ≥ 1, got -3 at line 12 column 7",
    );
    check(
        &BASE.replace("instances: 2", "instances: 2.5"),
        "nodes.web.pool.instances: expected an integer ≥ 1, got 2.5 at line 12 column 7",
    );
    check(
        &BASE.replace("{ vcpus: 2 }", "{ vcpus: 0 }"),
        "instance_types.box.vcpus: expected an integer ≥ 1, got 0 at line 3 column 10",
    );
}

#[test]
fn an_unknown_field_lists_the_known_ones() {
    check(
        &BASE.replace("instances: 2", "instnces: 2"),
        "nodes.web.pool.instnces: unknown field `instnces`, expected one of `instance_type`, \
         `kubernetes`, `instances`, `deployment`, `cloudformation`, `workers_per_instance`, `queue_limit`, `shared_queue`, \
         `queue_timeout_ms`, `admission`, `balance`, `service`, `service_by_class`, `calls`, \
         `priority`, `cpu`, `provisioning`, `warmup`, `autoscaling`, `zones`, `failures`, \
         `health_check`, `credits`, `purchase` at line 12 column 7",
    );
}

#[test]
fn an_unknown_kind_or_family_is_named_at_the_node() {
    check(
        &BASE.replace("    pool:", "    pol:"),
        "nodes.web: unknown variant `pol`, expected one of `load_balancer`, `pool`, `cache`, \
         `database`, `delay`, `queue` at line 10 column 5",
    );
    check(
        &BASE.replace("exponential:", "expo:"),
        "nodes.web.pool.service: unknown variant `expo`, expected one of `exponential`, \
         `constant`, `uniform`, `lognormal`, `gamma`, `empirical`, `histogram`, \
         `bounded_pareto`, `weibull`, `hyperexponential`, `erlang`, `phase_type` at line 14 column 9",
    );
}

#[test]
fn a_word_where_a_number_goes() {
    check(
        &BASE.replace("rate_rps: 10", "rate_rps: ten"),
        "traffic.arrivals.poisson.rate_rps: invalid type: string \"ten\", expected a number at line 7 column 26",
    );
    check(
        &BASE.replace("duration_s: 60", "duration_s: .inf"),
        "simulation.duration_s: expected a number > 0, got inf at line 1 column 15",
    );
}

#[test]
fn missing_and_twice_defined() {
    check(
        &BASE.replace("      service:\n        exponential: { mean_ms: 20 }\n", ""),
        "nodes.web.pool: missing field `service` at line 11 column 7",
    );
    check(
        &format!("{BASE}  web:\n    delay: {{ latency: {{ constant: {{ ms: 1 }} }} }}\n"),
        "nodes: `web` is defined twice at line 9 column 3",
    );
    check(
        "simulation: { duration_s: 60, duration_s: 5 }\n",
        "simulation: duplicate field `duration_s` at line 1 column 13",
    );
}

#[test]
fn not_a_model_at_all() {
    check(
        " \n",
        "the model is empty: expected a YAML mapping with `simulation`, `traffic` and `nodes`",
    );
    check(
        "- 1\n",
        "invalid type: list, expected an object at line 1 column 1",
    );
    check(
        &format!("{BASE}---\n{BASE}"),
        "a second YAML document (after `---`): a file holds one model or experiment",
    );
    check(
        "simulation:\n\tduration_s: 60\n",
        "simulation: a tab at line 2 column 1: YAML indents with spaces",
    );
    check(
        "simulation:\n  duration_s: 60\n duration_s: 3\n",
        "did not find expected key at line 3 column 2, while parsing a block mapping",
    );
    check(
        &BASE.replace("instance_type: box", "instance_type: *box"),
        "nodes.web.pool.instance_type: unknown anchor at line 11 column 22",
    );
}

#[test]
fn the_cli_says_which_file() {
    let dir = scratch("cli");
    let path = dir.join("bad.yml");
    std::fs::write(&path, BASE.replace("instances: 2", "instances: 0")).unwrap();
    let out = capsim(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: cannot load model `{}`\n  nodes.web.pool.instances: expected an integer ≥ 1, got 0 at line 12 column 7\n",
            path.display()
        )
    );
    let experiment = dir.join("bad.yaml");
    std::fs::write(
        &experiment,
        "model: bad.yml\naxes:\n  - { path: x, valuez: [1] }\n",
    )
    .unwrap();
    let out = capsim(&["sweep", experiment.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "axes[0].valuez: unknown field `valuez`, expected one of `path`, `values`, `range`, \
             `zip`, `role`, `better`, `monotone`, `label` at line 3 column 16"
        ),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every prefix of the YAML shop, and the shop with each line's first
/// non-blank character replaced by each of YAML's indicators, is a model or
/// an error, never a panic (the YAML reader's own limits on nesting and
/// alias expansion included: a deep or exploding document is an error).
#[test]
fn broken_yaml_is_an_error_never_a_panic() {
    let shop = std::fs::read_to_string(root().join("models/shop.yaml")).expect("shop.yaml");
    let load = |text: &str| {
        if let Ok(topology) = capsim::model::parse_topology_as(text, Format::Yaml) {
            let _ = capsim::model::from_topology(&topology);
        }
    };
    for end in (0..=shop.len()).filter(|&end| shop.is_char_boundary(end)) {
        load(&shop[..end]);
    }
    let lines: Vec<&str> = shop.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        for indicator in "-?:,[]{}#&*!|>'\"%@`\t ".chars() {
            let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let rest: String = line[indent..].chars().skip(1).collect();
            edited[i] = format!("{}{indicator}{rest}", &line[..indent]);
            load(&edited.join("\n"));
        }
    }
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(capsim::model::parse_as(&deep, Format::Yaml).is_err());
    // A sweep's base model and `compare`'s are read as a whole value first.
    assert!(capsim::model::format::value(&deep, Format::Yaml).is_err());
    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        laughs.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
    }
    // 10^9 x's if expanded: the reader stops at its repetition limit.
    let err = capsim::model::format::value(&laughs, Format::Yaml).expect_err("refused");
    assert_eq!(err, "e[9][6][0][2]: repetition limit exceeded");
}
