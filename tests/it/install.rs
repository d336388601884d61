//! What an installed `capsim` ships beside itself: shell completions and
//! manual pages, generated from the argument definitions.

use std::path::Path;
use std::process::Command;

use crate::support::capsim;

fn stdout_of(args: &[&str]) -> String {
    let output = capsim(args);
    assert!(
        output.status.success(),
        "capsim {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Bash, with the generated script loaded, completing `line` (the cursor at
/// its end): the words it offers.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         _capsim capsim '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let output = Command::new("bash")
        .args(["-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_commands_and_options_from_the_generated_script() {
    let script =
        std::env::temp_dir().join(format!("capsim-completion-{}.bash", std::process::id()));
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    assert_eq!(bash_completes(&script, &["capsim", "sw"]), ["sweep"]);
    assert_eq!(
        bash_completes(&script, &["capsim", "sweep", "--sha"]),
        ["--shard", "--shard0"]
    );
    assert_eq!(
        bash_completes(&script, &["capsim", "completions", "z"]),
        ["zsh"]
    );
    std::fs::remove_file(&script).ok();
}

#[test]
fn every_shell_gets_a_script_in_its_own_syntax() {
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef capsim\n"));
    assert!(stdout_of(&["completions", "fish"]).contains("complete -c capsim "));
    assert!(
        stdout_of(&["completions", "elvish"]).contains("edit:completion:arg-completer[capsim]")
    );
    assert!(stdout_of(&["completions", "powershell"]).contains("Register-ArgumentCompleter"));
    let bad = capsim(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with(
        "error: invalid value 'tcsh' for '<SHELL>'\n  [possible values: bash, elvish, fish, powershell, zsh]\n"
    ));
}

#[test]
fn the_manual_page_names_every_command_and_a_page_is_written_for_each() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH capsim 1  \"capsim 0.1.0\""), "{page}");
    let commands = [
        "run",
        "check",
        "analyze",
        "instance\\-types",
        "sweep",
        "merge",
        "compare",
        "calibrate",
        "plot",
        "schema",
        "completions",
        "man",
    ];
    for command in commands {
        assert!(
            page.contains(&format!("capsim\\-{command}(1)")),
            "capsim-{command}(1) in the page"
        );
    }

    let dir = std::env::temp_dir().join(format!("capsim-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = capsim(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sweep = std::fs::read_to_string(dir.join("capsim-sweep.1")).unwrap();
    assert!(sweep.starts_with(".ie \\n(.g .ds Aq \\(aq\n") && sweep.contains("\\-\\-shard0"));
    for command in commands {
        let file = dir.join(format!("capsim-{}.1", command.replace('\\', "")));
        assert!(file.is_file(), "{}", file.display());
    }
    assert!(dir.join("capsim.1").is_file() && dir.join("capsim-plot-lines.1").is_file());
    std::fs::remove_dir_all(&dir).ok();

    let missing = capsim(&["man", "--dir", "no/such/folder"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: --dir `no/such/folder`: not a folder\n"
    );
}
