//! The README and the book, walked as a newcomer walks them: every
//! ```` ```console ```` block is run.
//!
//! A block holds commands (`$ …`, continued by a trailing `\`) each followed by the
//! output it prints (stdout and stderr together, in the order written). Each page's
//! commands run top to bottom in a scratch folder of its own holding copies of
//! `models/`, `experiments/`, `tests/data/` and `docs/tutorial/`, with the freshly
//! built `capsim` first on the PATH, so a later block may read what an earlier one
//! of the same page wrote, as it would for a reader; a page never depends on
//! another (a reader may open any of them first). Expected output may use snapbox's wildcards: `[..]` for any text within
//! a line, `...` on a line of its own for any number of lines; a last line
//! `[exit N]` says the command ends with exit code N (else it must end with 0).
//! Every mismatch is reported at once, each with its diff and the whole output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One `$ command` and the output the README shows for it.
struct Step {
    line: usize,
    command: String,
    expected: String,
    exit_code: i32,
}

/// The steps of every `console` block of `markdown`, in order.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut in_console = false;
    let mut lines = markdown.lines().enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        if line.starts_with("```") {
            in_console = !in_console && line.trim_start_matches('`') == "console";
            continue;
        }
        let Some(first) = line.strip_prefix("$ ").filter(|_| in_console) else {
            continue;
        };
        let mut command = first.to_string();
        while command.ends_with('\\') {
            let Some((_, next)) = lines.next() else { break };
            command.push('\n');
            command.push_str(next);
        }
        let mut expected = Vec::new();
        while let Some((_, next)) = lines.peek() {
            if next.starts_with("$ ") || next.starts_with("```") {
                break;
            }
            expected.push(lines.next().map_or("", |(_, text)| text));
        }
        let exit_code = match expected.last().and_then(|l| l.strip_prefix("[exit ")) {
            Some(code) => {
                let code = code
                    .trim_end_matches(']')
                    .parse()
                    .expect("[exit N] with N a number");
                expected.pop();
                code
            }
            None => 0,
        };
        steps.push(Step {
            line: index + 1,
            command,
            expected: expected.join("\n"),
            exit_code,
        });
    }
    steps
}

/// Copies `from` (a folder) to `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch folder");
    for entry in std::fs::read_dir(from).expect("readable folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A fresh scratch folder with the inputs a README reader has in a clone.
fn scratch(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for folder in ["models", "experiments", "tests/data", "docs/tutorial"] {
        copy_tree(&root.join(folder), &dir.join(folder));
    }
    dir
}

/// `output` without its progress lines: off a terminal, a long command
/// prints `simulating: 52% of simulated time, 5 s elapsed, ETA 5 s` every
/// 5 s and `simulating: done in 10 s` at the end, how many depending on
/// the machine's speed; the README shows a run that was quick.
fn without_progress(output: &str) -> String {
    let progress = |line: &str| {
        let Some((label, rest)) = line.split_once(": ") else {
            return false;
        };
        let label_ok = !label.is_empty() && label.chars().all(|c| c.is_ascii_lowercase());
        let done = rest
            .strip_prefix("done in ")
            .is_some_and(|r| r.ends_with(" s"));
        label_ok && (done || rest.contains(" s elapsed"))
    };
    let kept: Vec<&str> = output.lines().filter(|line| !progress(line)).collect();
    kept.join("\n")
}

/// Runs `step` in `dir`; `None` when it printed what the README shows.
fn mismatch(step: &Step, dir: &Path, file: &str) -> Option<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_capsim"))
        .parent()
        .expect("bin folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{}", step.command))
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("CI")
        .output()
        .expect("sh runs");
    let actual = without_progress(&String::from_utf8_lossy(&output.stdout));
    let code = output.status.code().unwrap_or(-1);
    let label = format!("{file}:{} `{}`", step.line, step.command);
    let compared = snapbox::Assert::new().try_eq(
        Some(&label),
        snapbox::Data::text(actual.trim_end().to_string()),
        snapbox::Data::text(step.expected.clone()),
    );
    match (compared, code == step.exit_code) {
        (Ok(()), true) => None,
        (Ok(()), false) => Some(format!(
            "{label}: exit code {code}, expected {}",
            step.exit_code
        )),
        (Err(diff), _) => Some(format!(
            "{diff}\n--- whole output ({label}, exit {code}):\n{actual}"
        )),
    }
}

/// Runs every console block of the markdown file `file` (relative to the crate) in a
/// scratch folder of its own; the failures, each with its diff, and how many commands ran.
fn walk(file: &str) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .expect("the file is readable");
    let steps = steps(&text);
    if steps.is_empty() {
        return (Vec::new(), 0);
    }
    let dir = scratch(&file.replace('/', "_"));
    let failures = steps
        .iter()
        .filter_map(|s| mismatch(s, &dir, file))
        .collect();
    (failures, steps.len())
}

/// Fails with every mismatch of every file at once.
fn check_all(failures: &[String], commands: usize, what: &str) {
    assert!(
        failures.is_empty(),
        "{} of {commands} commands in {what} do not print what it shows:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The book's pages (relative to the crate), in the order of `docs/src/SUMMARY.md`.
pub fn book_pages() -> Vec<String> {
    let summary = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/SUMMARY.md");
    let text = std::fs::read_to_string(summary).expect("docs/src/SUMMARY.md is readable");
    text.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once("](")?;
            let (target, _) = rest.split_once(')')?;
            Some(format!("docs/src/{target}"))
        })
        .collect()
}

#[test]
fn the_readme_prints_what_it_shows() {
    let (failures, commands) = walk("README.md");
    assert!(commands > 0, "README.md has no console block");
    check_all(&failures, commands, "README.md");
}

/// Pages run in parallel, each in its own folder: the book's commands take minutes
/// one after another, and most simulate on one thread.
#[test]
fn the_book_prints_what_it_shows() {
    let pages = book_pages();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(page) = pages.get(index) else { break };
                    let outcome = walk(page);
                    results.lock().expect("no panic holding it").push(outcome);
                }
            });
        }
    });
    let results = results.into_inner().expect("no panic holding it");
    let commands = results.iter().map(|(_, n)| n).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|(f, _)| f).collect();
    assert!(commands > 0, "the book has no console block");
    check_all(&failures, commands, "the book");
}

#[test]
fn console_blocks_are_split_into_commands_and_their_output() {
    let text = "```console\n$ capsim a \\\n  --b\nout 1\n...\n[exit 3]\n$ capsim c\n```\n\
                ```text\n$ not run\n```\n";
    let steps = steps(text);
    assert_eq!(steps.len(), 2);
    assert_eq!(
        (steps[0].line, steps[0].command.as_str()),
        (2, "capsim a \\\n  --b")
    );
    assert_eq!(
        (steps[0].expected.as_str(), steps[0].exit_code),
        ("out 1\n...", 3)
    );
    assert_eq!((steps[1].expected.as_str(), steps[1].exit_code), ("", 0));
}
