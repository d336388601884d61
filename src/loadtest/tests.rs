//! The generated scripts' text for each kind of traffic, against values
//! worked out by hand.

use super::{Tool, integer_weights, script};
use crate::model;

/// A one-pool model whose `traffic` is `traffic` (JSON), run for 300 s.
fn model_with(traffic: &str) -> String {
    format!(
        r#"{{ "name": "t", "simulation": {{ "duration_s": 300, "warmup_s": 10 }},
  "instance_types": {{ "box": {{ "vcpus": 4 }} }},
  "traffic": {traffic},
  "nodes": {{ "web": {{ "pool": {{ "instance_type": "box", "instances": 2,
    "service": {{ "exponential": {{ "mean_ms": 10 }} }} }} }} }} }}"#
    )
}

#[track_caller]
fn generate(traffic: &str, tool: Tool) -> super::Script {
    let json = model_with(traffic);
    let compiled = model::parse(&json).expect("the model is valid");
    let topology = model::parse_topology(&json).expect("the model parses");
    script(&compiled, &topology, tool, "http://127.0.0.1:9").expect("a script")
}

#[track_caller]
fn refused(traffic: &str, tool: Tool) -> String {
    let json = model_with(traffic);
    let compiled = model::parse(&json).expect("the model is valid");
    let topology = model::parse_topology(&json).expect("the model parses");
    script(&compiled, &topology, tool, "http://127.0.0.1:9")
        .expect_err("no script")
        .to_string()
}

#[track_caller]
fn contains(text: &str, expected: &[&str]) {
    for part in expected {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

const CLOSED: &str = r#"{ "entry": "web", "arrivals": { "closed": { "users": 16,
  "spawn_rate_per_s": 29.6296, "think": { "constant": { "ms": 500 } } } } }"#;

#[test]
fn closed_users_with_a_constant_think_and_a_spawn_rate() {
    let locust = generate(CLOSED, Tool::Locust);
    assert!(locust.notes.is_empty());
    contains(
        &locust.text,
        &[
            "locust -f THIS_FILE --headless -u 16 -r 16 -t 300s --host http://127.0.0.1:9",
            "class Source_traffic(FastHttpUser):",
            "    host = \"http://127.0.0.1:9\"\n    fixed_count = 16\n    wait_time = constant(0.5)\n",
            "        gevent.sleep(next(type(self).started) / 29.6296)",
            "    @task\n    def class_default(self):\n        self.client.request(\"GET\", \"/default\", name=\"default\")",
        ],
    );
    let k6 = generate(CLOSED, Tool::K6);
    // 16 users at 29.6296 per second: a ramp of 16 / 29.6296 = 0.54000 s,
    // then the rest of the 300 s.
    contains(
        &k6.text,
        &[
            "      executor: 'ramping-vus',\n      startVUs: 0,\n      stages: [\n        { duration: '540ms', target: 16 },\n        { duration: '299460ms', target: 16 },\n      ],",
            "      exec: 'source_traffic',",
            "export function source_traffic() {\n  send(pick(SOURCE_TRAFFIC_REQUESTS));\n  sleep(0.5);\n}",
            "  { name: \"default\", method: \"GET\", path: \"/default\", upTo: 1 },",
        ],
    );
}

#[test]
fn closed_users_without_a_spawn_rate_start_together() {
    let traffic = r#"{ "entry": "web", "arrivals": { "closed": { "users": 5,
      "think": { "uniform": { "min_ms": 1000, "max_ms": 5000 } } } } }"#;
    let locust = generate(traffic, Tool::Locust).text;
    contains(&locust, &["    wait_time = between(1, 5)\n"]);
    assert!(!locust.contains("def on_start"));
    let k6 = generate(traffic, Tool::K6).text;
    contains(
        &k6,
        &[
            "      executor: 'constant-vus',\n      vus: 5,\n      duration: '300000ms',",
            "  sleep(1 + Math.random() * 4); // uniform think time",
        ],
    );
}

#[test]
fn exponential_think_times() {
    let traffic = r#"{ "entry": "web", "arrivals": { "closed": { "users": 3,
      "think": { "exponential": { "mean_ms": 2000 } } } } }"#;
    contains(
        &generate(traffic, Tool::Locust).text,
        &[
            "    def wait_time(self):\n        # Exponential think time, mean 2 s.\n        return random.expovariate(1 / 2)",
        ],
    );
    contains(
        &generate(traffic, Tool::K6).text,
        &["  sleep(-Math.log(1 - Math.random()) * 2); // exponential think time"],
    );
}

#[test]
fn class_weights_become_task_weights_and_cumulative_shares() {
    let traffic = r#"{ "entry": "web", "arrivals": { "closed": { "users": 10,
      "think": { "constant": { "ms": 100 } } } },
      "classes": { "browse": { "weight": 4.5 }, "checkout": { "weight": 0.5 } } }"#;
    // 4.5 : 0.5 = 9 : 1.
    contains(
        &generate(traffic, Tool::Locust).text,
        &[
            "    @task(9)\n    def class_browse(self):\n        self.client.request(\"GET\", \"/browse\", name=\"browse\")",
            "    @task(1)\n    def class_checkout(self):",
        ],
    );
    contains(
        &generate(traffic, Tool::K6).text,
        &[
            "  { name: \"browse\", method: \"GET\", path: \"/browse\", upTo: 0.9 },\n  { name: \"checkout\", method: \"GET\", path: \"/checkout\", upTo: 1 },",
        ],
    );
}

#[test]
fn weights_are_the_smallest_integers_in_the_same_ratio() {
    assert_eq!(integer_weights(&[0.9, 0.1]), (vec![9, 1], 0.0));
    let (weights, error) = integer_weights(&[2.0 / 3.0, 1.0 / 3.0]);
    assert_eq!(weights, vec![2, 1]);
    assert!(error < 1e-9);
    assert_eq!(integer_weights(&[1.0]).0, vec![1]);
    // 1 : √2 has no small ratio: rounded at 1000 : 1414.
    let root = std::f64::consts::SQRT_2;
    let (weights, error) = integer_weights(&[1.0 / (1.0 + root), root / (1.0 + root)]);
    assert_eq!(weights, vec![1000, 1414]);
    assert!(error > 0.0 && error < 2e-4, "{error}");
}

#[test]
fn poisson_arrivals_are_paced_over_users_in_locust_and_a_rate_in_k6() {
    let traffic = r#"{ "entry": "web", "arrivals": { "poisson": { "rate_rps": 40 } } }"#;
    let locust = generate(traffic, Tool::Locust);
    assert!(locust.notes.is_empty());
    // 40 req/s × 10 s per user = 400 users, each a Poisson process of 0.1 req/s.
    contains(
        &locust.text,
        &[
            "-u 400 -r 400 -t 300s",
            "    fixed_count = 400\n    rate_rps = 40\n    users = 400\n",
            "        return t + random.expovariate(self.rate_rps / self.users)",
            "def wait_until(due):",
        ],
    );
    let k6 = generate(traffic, Tool::K6);
    contains(
        &k6.text,
        &[
            "      executor: 'constant-arrival-rate',\n      rate: 40,\n      timeUnit: '1s',\n      duration: '300000ms',\n      preAllocatedVUs: 40,\n      maxVUs: 400,",
        ],
    );
    assert_eq!(
        k6.notes,
        [
            "traffic.arrivals.poisson: k6 starts arrival-rate iterations evenly spaced, not as a Poisson process: the script has the model's rate but not its burstiness (write `deterministic` arrivals in the model to compare like with like)"
        ]
    );
    assert!(k6.text.contains("// - traffic.arrivals.poisson: k6 starts"));
}

#[test]
fn deterministic_rates_with_decimals_are_written_per_1000_s_in_k6() {
    let traffic = r#"{ "entry": "web", "arrivals": { "deterministic": { "rate_rps": 33.3 } } }"#;
    let k6 = generate(traffic, Tool::K6);
    assert!(k6.notes.is_empty());
    // 33.3 req/s = 33300 per 1000 s; 33.3 × 10 s = 333 VUs at most.
    contains(
        &k6.text,
        &[
            "      rate: 33300,\n      timeUnit: '1000s',",
            "      preAllocatedVUs: 34,\n      maxVUs: 333,",
        ],
    );
    // User i of 333 first sends at i / 33.3 s, then every 333 / 33.3 = 10 s.
    contains(
        &generate(traffic, Tool::Locust).text,
        &[
            "    fixed_count = 333\n    rate_rps = 33.3\n",
            "        return t + self.users / self.rate_rps",
            "        self.due = next(type(self).started) / self.rate_rps",
        ],
    );
}

#[test]
fn a_step_profile_is_held_stages_and_jumps() {
    let traffic = r#"{ "entry": "web", "arrivals": { "profile": {
      "points": [[0, 10], [60, 50], [120, 10]] } } }"#;
    let k6 = generate(traffic, Tool::K6).text;
    // Hold 10 for 60 s, jump to 50, hold 60 s, jump to 10, hold to 300 s.
    contains(
        &k6,
        &[
            "      executor: 'ramping-arrival-rate',\n      startRate: 10,\n      timeUnit: '1s',\n      stages: [\n        { duration: '60000ms', target: 10 },\n        { duration: '0ms', target: 50 },\n        { duration: '60000ms', target: 50 },\n        { duration: '0ms', target: 10 },\n        { duration: '180000ms', target: 10 },\n      ],\n      preAllocatedVUs: 50,\n      maxVUs: 500,",
        ],
    );
    let locust = generate(traffic, Tool::Locust).text;
    contains(
        &locust,
        &[
            "    profile = [(0, 10), (60, 50), (120, 10)]\n    linear = False\n    peak_rps = 50\n    users = 500\n",
            "        return next_poisson(t, self.rate_at, self.peak_rps, self.users)",
        ],
    );
}

#[test]
fn a_linear_profile_is_ramps_cut_at_the_duration() {
    let traffic = r#"{ "entry": "web", "arrivals": { "profile": {
      "points": [[0, 10], [60, 50], [600, 10]], "interpolation": "linear" } } }"#;
    // From 50 at 60 s towards 10 at 600 s, the run ends at 300 s: at
    // 50 − 40 × 240 / 540 = 32.2 req/s.
    contains(
        &generate(traffic, Tool::K6).text,
        &[
            "      startRate: 10000,\n      timeUnit: '1000s',\n      stages: [\n        { duration: '60000ms', target: 50000 },\n        { duration: '240000ms', target: 32222 },\n      ],",
        ],
    );
    contains(
        &generate(traffic, Tool::Locust).text,
        &["    linear = True\n"],
    );
}

#[test]
fn several_sources_are_named_by_their_paths() {
    let traffic = r#"{ "sources": {
      "browsers": { "entry": "web", "arrivals": { "closed": { "users": 2, "think": { "constant": { "ms": 1000 } } } } },
      "partners": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 2 } }, "classes": { "feed": {} } } } }"#;
    let locust = generate(traffic, Tool::Locust).text;
    // 2 closed users and 2 × 10 = 20 open ones.
    contains(
        &locust,
        &[
            "-u 22 -r 22",
            "class Source_browsers(FastHttpUser):\n    \"\"\"`traffic.sources.browsers`: 2 closed users thinking a constant 1 s.\"\"\"",
            "class Source_partners(FastHttpUser):\n    \"\"\"`traffic.sources.partners`: evenly spaced arrivals at 2 req/s.\"\"\"",
            "name=\"feed\"",
        ],
    );
    let k6 = generate(traffic, Tool::K6).text;
    contains(
        &k6,
        &[
            "    // `traffic.sources.browsers`\n    source_browsers: {",
            "    source_partners: {\n      executor: 'constant-arrival-rate',\n      rate: 2,",
        ],
    );
}

#[test]
fn traffic_a_script_cannot_make_is_refused_at_its_path() {
    let mmpp = r#"{ "entry": "web", "arrivals": { "mmpp": { "calm_rps": 10, "burst_rps": 100,
      "calm_mean_s": 60, "burst_mean_s": 5 } } }"#;
    assert_eq!(
        refused(mmpp, Tool::Locust),
        "traffic.arrivals.mmpp: Markov-modulated arrivals: a load-test script has open rates (`poisson`, `deterministic`, `profile`) or `closed` users; expected one of those"
    );
    let think = r#"{ "sources": {
      "a": { "entry": "web", "arrivals": { "batch": { "batches_per_s": 1, "size": { "constant": { "n": 3 } } } } },
      "b": { "entry": "web", "arrivals": { "closed": { "users": 2, "think": { "lognormal": { "mean_ms": 100, "cv": 1 } } } } } } }"#;
    assert_eq!(
        refused(think, Tool::K6),
        "traffic.sources.a.arrivals.batch: batch arrivals (requests at one instant): a load-test script has open rates (`poisson`, `deterministic`, `profile`) or `closed` users; expected one of those\n\
         traffic.sources.b.arrivals.closed.think: a lognormal think time: the scripts draw `constant`, `uniform` or `exponential` think times; expected one of those"
    );
}

#[test]
fn keys_and_client_policies_are_noted() {
    let traffic = r#"{ "entry": "web", "arrivals": { "deterministic": { "rate_rps": 1 } },
      "keys": { "zipf": { "s": 0.9, "n": 1000 } },
      "client": { "timeout_ms": 500 } }"#;
    assert_eq!(
        generate(traffic, Tool::Locust).notes,
        [
            "traffic.client: the script sets no client timeout, retries or breaker: the tool's defaults apply",
            "traffic.keys: every request of a class has the same path: the model's keys are not sent",
        ]
    );
}
