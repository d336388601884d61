//! Invariants of the source tree that review would otherwise have to keep.

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every module says what it owns (ARCHITECTURE.md relies on it), and only
/// `cli` knows clap, indicatif and anyhow.
#[test]
fn modules_document_themselves_and_only_cli_knows_the_command_line() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        assert!(
            text.trim_start().starts_with("//!"),
            "{} has no `//!` module doc",
            file.display()
        );
        let in_cli = file.components().any(|c| c.as_os_str() == "cli");
        if !in_cli {
            for forbidden in ["clap::", "indicatif::", "anyhow::"] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden} outside cli",
                    file.display()
                );
            }
        }
    }
}

/// A module of `src/` by its path: `["nodes", "network"]` for
/// `src/nodes/network/mod.rs`, `[]` for `lib.rs`.
type ModulePath = Vec<String>;

fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).expect("a file under src");
    let mut parts: ModulePath = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// `a::{b, c::{d, e as f}}` as the paths `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.to_string()];
    };
    let prefix = tree[..open].trim().trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').expect("a closing brace")];
    let (mut items, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in inner.chars() {
        match c {
            ',' if depth == 0 => items.push(std::mem::take(&mut current)),
            '{' | '}' => {
                depth += if c == '{' { 1 } else { -1 };
                current.push(c);
            }
            _ => current.push(c),
        }
    }
    items.push(current);
    let items = items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty());
    items
        .flat_map(expand_use)
        .map(|path| match path.as_str() {
            "self" => prefix.to_string(),
            _ => format!("{prefix}::{path}"),
        })
        .collect()
}

/// The modules `text` (the source of `module`) imports with `crate::`,
/// `super::` or `self::` paths, resolved to the longest module that exists.
/// A child importing its parent's re-exports is not counted: the parent
/// declares the child, so that edge is the tree, not a dependency.
fn imports(module: &ModulePath, text: &str, modules: &[ModulePath]) -> Vec<ModulePath> {
    let mut found = Vec::new();
    for (at, line) in text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .zip(text.lines().skip(1))
    {
        // A `use` item starts its line (after `pub`, `pub(crate)`…).
        let item = line.trim_start();
        let item = item.strip_prefix("pub").map_or(item, |rest| {
            rest.trim_start_matches(|c: char| c != ' ').trim_start()
        });
        let Some(tree) = item.strip_prefix("use ") else {
            continue;
        };
        let start = at + (line.len() - tree.len());
        let Some(end) = text[start..].find(';') else {
            continue;
        };
        for path in expand_use(&text[start..start + end]) {
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            let mut target: ModulePath = match parts.first() {
                Some(&"crate") => Vec::new(),
                Some(&"super") | Some(&"self") => module.clone(),
                _ => continue,
            };
            let mut rest = &parts[usize::from(parts[0] == "crate")..];
            while let Some((&head, tail)) = rest.split_first() {
                match head {
                    "super" => drop(target.pop()),
                    "self" => {}
                    _ => break,
                }
                rest = tail;
            }
            target.extend(rest.iter().map(|p| p.to_string()));
            while !target.is_empty() && !modules.contains(&target) {
                target.pop();
            }
            let is_ancestor = module.starts_with(&target);
            if !target.is_empty() && !is_ancestor && !found.contains(&target) {
                found.push(target);
            }
        }
    }
    found
}

/// No two files of `src/` import each other, directly or round a loop
/// (issue 13): every cycle would be a module that cannot be understood, or
/// moved, without the other.
#[test]
fn the_import_graph_of_src_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: Vec<ModulePath> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = petgraph::graphmap::DiGraphMap::<usize, ()>::new();
    for (index, file) in files.iter().enumerate() {
        graph.add_node(index);
        let text = std::fs::read_to_string(file).expect("readable source");
        for target in imports(&modules[index], &text, &modules) {
            let to = modules.iter().position(|m| *m == target).expect("a module");
            graph.add_edge(index, to, ());
        }
    }
    assert!(graph.edge_count() > 100, "the scan found the imports");
    let cycles: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut names: Vec<String> = component
                .iter()
                .map(|&i| files[i].strip_prefix(&src).unwrap().display().to_string())
                .collect();
            names.sort();
            names
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles in src/: {cycles:?}");
}

/// The scan itself sees a cycle where there is one (else the test above
/// could never fail).
#[test]
fn the_import_scan_resolves_nested_trees_and_super_paths() {
    let modules: Vec<ModulePath> = [&["nodes"][..], &["nodes", "fleet"], &["nodes", "network"]]
        .iter()
        .map(|m| m.iter().map(|s| s.to_string()).collect())
        .collect();
    let fleet = &modules[1];
    let text = "//! doc\nuse super::network::{Answer, Network as N};\nuse crate::nodes::{self};\n";
    assert_eq!(imports(fleet, text, &modules), vec![modules[2].clone()]);
    assert_eq!(
        expand_use("a::{b, c::{d, e as f}, self}"),
        ["a::b", "a::c::d", "a::c::e", "a"]
    );
}

/// A function of `text` longer than the limit: its name, first line (from
/// 1) and length in lines, signature to closing brace.
#[derive(Debug, PartialEq)]
struct LongFunction {
    name: String,
    line: usize,
    lines: usize,
}

/// The name of the function a line declares (`pub(crate) async fn x<T>(`
/// gives `x`), or `None` when the line declares none.
fn declared_function(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    if rest.starts_with("pub") {
        rest = rest["pub".len()..].trim_start();
        if rest.starts_with('(') {
            rest = rest[rest.find(')')? + 1..].trim_start();
        }
    }
    for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest).trim_start();
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0).then(|| &rest[..end])
}

/// Every function of `text` longer than `limit` lines, counted from its
/// signature to the closing brace at the signature's indent (rustfmt puts it
/// there), unless a `// Long because …` comment sits among the doc comments
/// and attributes just above the signature. Declarations without a body (in
/// traits) and one-line functions are never long.
fn long_functions(text: &str, limit: usize) -> Vec<LongFunction> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = declared_function(line) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let Some(opened) =
            (start..lines.len()).find(|&i| lines[i].trim_end().ends_with(['{', ';', '}']))
        else {
            continue;
        };
        let opening = lines[opened].trim_end();
        if opening.ends_with(';') || opening.ends_with('}') && opening.contains('{') {
            continue;
        }
        let closing = format!("{indent}}}");
        let Some(end) = (opened..lines.len()).find(|&i| lines[i].trim_end() == closing) else {
            panic!(
                "fn {name} at line {} has no closing brace at its indent",
                start + 1
            );
        };
        let length = end - start + 1;
        let explained = lines[..start]
            .iter()
            .rev()
            .map(|l| l.trim_start())
            .take_while(|l| l.starts_with("//") || l.starts_with("#["))
            .any(|l| l.starts_with("// Long because"));
        if length > limit && !explained {
            found.push(LongFunction {
                name: name.to_string(),
                line: start + 1,
                lines: length,
            });
        }
    }
    found
}

/// No function of `src/` runs past ~80 lines (issue 13: a screen) without a
/// `// Long because …` line above it saying why none shorter reads better.
#[test]
fn no_function_in_src_is_long_without_a_reason() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        for function in long_functions(&text, 80) {
            long.push(format!(
                "{shown}:{} fn {} ({} lines)",
                function.line, function.name, function.lines
            ));
        }
    }
    assert!(
        long.is_empty(),
        "functions over 80 lines:\n{}",
        long.join("\n")
    );
}

/// The counter measures signature to closing brace, skips bodiless and
/// one-line functions, and honours the reason above a doc comment.
#[test]
fn the_function_counter_measures_from_signature_to_its_closing_brace() {
    let sample = "\
//! doc
trait T {
    fn declared(&self)
        -> u32;
}
fn one_line() -> u32 { 1 }
/// Six lines, the `}` of the inner block not counted as the end.
pub(crate) fn six<A>(
    a: A,
) -> A {
    { a }
    }
}
// Long because the sample needs one.
/// A doc comment between.
#[inline]
fn excused() {
    let _ = 1;
    let _ = 2;
    let _ = 3;
}
    pub fn indented() {
        let _ = 1;
        let _ = 2;
    }
";
    let long = long_functions(sample, 3);
    assert_eq!(
        long,
        [
            LongFunction {
                name: "six".into(),
                line: 8,
                lines: 6
            },
            LongFunction {
                name: "indented".into(),
                line: 22,
                lines: 4
            },
        ]
    );
    assert_eq!(long_functions(sample, 6).len(), 0);
    assert_eq!(
        declared_function("    pub(crate) const fn x_1<T>() {}"),
        Some("x_1")
    );
    assert_eq!(declared_function("/// fn not_one()"), None);
}
