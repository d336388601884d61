//! What `deploy/` ships, where no scheduler is needed to check it: the sbatch
//! script run as each task of an array would run it, `--shard0` (Kubernetes'
//! 0-based completion index), and the Kubernetes manifests' shard counts
//! against each other. The real Slurm cluster is `.ci/run`'s
//! (deploy/slurm/ci-sweep.sh).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::capsim;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A scratch folder holding a small copy of `experiments/scale-up-vs-out.json`
/// (9 points, 2 replications: the split is what is tested, not the figures).
fn scratch(test: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("capsim-deploy-{test}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("experiments/scale-up-vs-out.json")).unwrap();
    let mut experiment: serde_json::Value = serde_json::from_str(&text).unwrap();
    experiment["model"] = Path::new(ROOT)
        .join("models/scale-out.json")
        .display()
        .to_string()
        .into();
    experiment["replications"] = 2.into();
    let path = dir.join("small.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    (dir, path)
}

fn succeeded(output: std::process::Output) -> std::process::Output {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_sbatch_script_as_each_array_task_runs_it_merges_to_the_single_run() {
    let (dir, experiment) = scratch("sbatch");
    let e = experiment.to_str().unwrap();
    let single = dir.join("single.csv");
    succeeded(capsim(&["sweep", e, "-o", single.to_str().unwrap()]));
    let parts = dir.join("parts");
    for task in 1..=3 {
        // What Slurm sets for task `task` of `--array=1-3`; nothing else of it is read.
        let output = Command::new("bash")
            .arg(Path::new(ROOT).join("deploy/slurm/sweep.sbatch"))
            .args([e, "3", parts.to_str().unwrap()])
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("CAPSIM", env!("CARGO_BIN_EXE_capsim"))
            .output()
            .expect("bash runs");
        succeeded(output);
    }
    let merged = dir.join("merged.csv");
    let part = |i: u32| parts.join(format!("part-{i}.csv")).display().to_string();
    let (p1, p2, p3) = (part(1), part(2), part(3));
    succeeded(capsim(&[
        "merge",
        &p1,
        &p2,
        &p3,
        "-o",
        merged.to_str().unwrap(),
    ]));
    assert_eq!(read(&merged), read(&single));
    assert_eq!(
        read(&dir.join("merged.histograms.jsonl")),
        read(&dir.join("single.histograms.jsonl"))
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_sbatch_script_outside_an_array_says_how_to_submit_it() {
    let output = Command::new("bash")
        .arg(Path::new(ROOT).join("deploy/slurm/sweep.sbatch"))
        .args(["experiments/scale-up-vs-out.json", "3", "out/parts"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("usage: sbatch --array=1-N ")
            && stderr.ends_with(" EXPERIMENT N OUTDIR\n"),
        "{stderr}"
    );
}

#[test]
fn shard0_counts_from_zero_as_a_kubernetes_completion_index() {
    let (dir, experiment) = scratch("shard0");
    let e = experiment.to_str().unwrap();
    let (zero, one) = (dir.join("zero.csv"), dir.join("one.csv"));
    succeeded(capsim(&[
        "sweep",
        e,
        "--shard0",
        "1/3",
        "-o",
        zero.to_str().unwrap(),
    ]));
    succeeded(capsim(&[
        "sweep",
        e,
        "--shard",
        "2/3",
        "-o",
        one.to_str().unwrap(),
    ]));
    assert_eq!(read(&zero), read(&one));
    assert_eq!(
        read(&dir.join("zero.histograms.jsonl")),
        read(&dir.join("one.histograms.jsonl"))
    );
    let rows = String::from_utf8(read(&zero)).unwrap();
    let points: Vec<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        points,
        ["1", "4", "7"],
        "index 1 of 3: the points ≡ 1 modulo 3"
    );

    let bad = capsim(&["sweep", e, "--shard0", "3/3"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with(
        "error: invalid value '3/3' for '--shard0 <I/N>': expected I/N with 0 ≤ I < N, e.g. 1/3, got `3/3`\n"
    ));
    let both = capsim(&["sweep", e, "--shard0", "0/3", "--shard", "1/3"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr).starts_with(
            "error: the argument '--shard0 <I/N>' cannot be used with '--shard <I/N>'\n"
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The value after `key: ` on the line that has it.
fn field<'a>(yaml: &'a str, key: &str) -> &'a str {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no `{key}` in the manifest"))
}

#[test]
fn the_kubernetes_manifests_agree_on_the_shards_and_the_experiment() {
    let deploy = Path::new(ROOT).join("deploy/kubernetes");
    let job = std::fs::read_to_string(deploy.join("sweep-job.yaml")).unwrap();
    let merge = std::fs::read_to_string(deploy.join("merge-job.yaml")).unwrap();
    assert_eq!(field(&job, "completionMode"), "Indexed");
    let shards: usize = field(&job, "completions").parse().unwrap();
    assert_eq!(field(&job, "parallelism"), shards.to_string());
    assert!(
        job.contains(&format!("- $(JOB_COMPLETION_INDEX)/{shards}\n")),
        "--shard0 I/{shards}"
    );
    let listed: Vec<&str> = merge
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- /out/part-"))
        .collect();
    let expected: Vec<String> = (0..shards).map(|i| format!("{i}.csv")).collect();
    assert_eq!(
        listed, expected,
        "the merge lists one part per completion index"
    );
    // The experiment the Job sweeps is one the image holds (deploy/Containerfile copies experiments/).
    let swept = job
        .lines()
        .find_map(|l| l.trim().strip_prefix("- /experiments/"))
        .expect("an experiment under /experiments");
    assert!(
        Path::new(ROOT).join("experiments").join(swept).is_file(),
        "{swept}"
    );
    let name = swept.trim_end_matches(".json");
    assert!(
        merge.contains(&format!("- /out/{name}.csv\n")),
        "merged as {name}.csv"
    );
}
