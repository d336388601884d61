//! The book (`docs/`) and the README as documents: every page is in the summary,
//! every relative link and `#anchor` resolves, and the pages generated from the
//! schemas are up to date. (`readme.rs` runs their console blocks.)
//!
//! After a change to a schema: `CAPSIM_BLESS=1 cargo test --release --test it book`
//! rewrites `docs/src/reference/*-schema.md`; review the diff and commit it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.md` file under `dir`, relative to the crate, sorted.
fn markdown_under(dir: &Path, acc: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            markdown_under(&path, acc);
        } else if path.extension().is_some_and(|e| e == "md") {
            let relative = path.strip_prefix(root()).expect("under the crate");
            acc.push(relative.to_string_lossy().into_owned());
        }
    }
    acc.sort();
}

/// The lines of `markdown` outside fenced code blocks, with their numbers (from 1).
fn prose(markdown: &str) -> Vec<(usize, &str)> {
    let mut in_fence = false;
    let mut kept = Vec::new();
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            kept.push((index + 1, line));
        }
    }
    kept
}

/// A heading's anchor as GitHub and mdBook make it: lowercase, letters, digits,
/// `-` and `_` kept, spaces to `-`, everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The anchors of `markdown`'s headings; a repeated one gets `-1`, `-2`, … as on GitHub.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, line) in prose(markdown) {
        let level = line.chars().take_while(|&c| c == '#').count();
        let Some(text) = line.get(level..).and_then(|t| t.strip_prefix(' ')) else {
            continue;
        };
        if level == 0 || level > 6 {
            continue;
        }
        let base = slug(text);
        let mut anchor = base.clone();
        let mut n = 0;
        while found.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        found.insert(anchor);
    }
    found
}

/// The targets of `[text](target)` links and images in `line`, outside code spans.
fn link_targets(line: &str) -> Vec<String> {
    let mut outside_code = String::new();
    for (index, part) in line.split('`').enumerate() {
        if index % 2 == 0 {
            outside_code.push_str(part);
        }
        outside_code.push(' ');
    }
    let mut targets = Vec::new();
    let mut rest = outside_code.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    targets
}

/// What is wrong with the links of `file`, one line each.
fn broken_links(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).expect("readable page");
    let dir = root().join(file).parent().map(Path::to_path_buf);
    let dir = dir.unwrap_or_else(|| root().to_path_buf());
    let mut broken = Vec::new();
    for (number, line) in prose(&text) {
        for target in link_targets(line) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let resolved: PathBuf = if path.is_empty() {
                root().join(file)
            } else {
                dir.join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{file}:{number}: no file `{path}`"));
                continue;
            }
            let is_markdown = resolved.extension().is_some_and(|e| e == "md");
            if !anchor.is_empty() && is_markdown {
                let target_text = std::fs::read_to_string(&resolved).expect("readable target");
                if !anchors(&target_text).contains(anchor) {
                    broken.push(format!(
                        "{file}:{number}: no heading `#{anchor}` in `{path}`"
                    ));
                }
            }
        }
    }
    broken
}

#[test]
fn every_link_and_anchor_resolves() {
    let mut files = vec!["README.md".to_string()];
    markdown_under(&root().join("docs/src"), &mut files);
    let broken: Vec<String> = files.iter().flat_map(|f| broken_links(f)).collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_page_is_in_the_summary_once() {
    let listed = crate::readme::book_pages();
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a page listed twice in SUMMARY.md"
    );
    let mut files = Vec::new();
    markdown_under(&root().join("docs/src"), &mut files);
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !f.ends_with("SUMMARY.md") && !unique.contains(f))
        .collect();
    assert!(missing.is_empty(), "pages not in SUMMARY.md: {missing:?}");
}

#[test]
fn the_links_checker_finds_anchors_and_skips_code() {
    assert_eq!(
        slug("Sweeps (`capsim sweep`) and plots"),
        "sweeps-capsim-sweep-and-plots"
    );
    let page = "# A b\n```\n# not a heading\n```\n## A b\n";
    let found: Vec<String> = anchors(page).into_iter().collect();
    assert_eq!(found, ["a-b", "a-b-1"]);
    assert_eq!(
        link_targets("see [x](a.md#b) and `[y](not.md)`, ![i](img/p.png)"),
        ["a.md#b", "img/p.png"]
    );
}

/// One line of a table cell: pipes escaped, line breaks joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\n\n", " ")
        .replace('\n', " ")
}

/// A schema's type in words, definitions linked to their section.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        return format!("[{name}](#{})", name.to_lowercase());
    }
    if let Some(constant) = schema.get("const") {
        return format!("`{constant}`");
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let words: Vec<String> = options.iter().map(type_of).collect();
            return words.join(" or ");
        }
    }
    let mut words = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .map(|k| k.as_str().unwrap_or("?").to_string())
            .collect::<Vec<_>>()
            .join(" or "),
        Some(Value::String(kind)) => kind.clone(),
        _ => "any".to_string(),
    };
    if let Some(items) = schema.get("items") {
        words = format!("array of {}", type_of(items));
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        words = format!("map of {}", type_of(values));
    }
    for (key, sign) in [
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
    ] {
        if let Some(bound) = schema.get(key) {
            words.push_str(&format!(" {sign} {bound}"));
        }
    }
    words
}

/// A table of an object schema's fields.
fn fields_table(object: &Value, out: &mut String) {
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str("| field | type | default | meaning |\n|---|---|---|---|\n");
    for (name, field) in properties {
        let default = match field.get("default") {
            _ if required.contains(name.as_str()) => "required".to_string(),
            Some(value) => format!("`{value}`"),
            None => String::new(),
        };
        let meaning = field.get("description").and_then(Value::as_str);
        out.push_str(&format!(
            "| `{name}` | {} | {default} | {} |\n",
            cell(&type_of(field)),
            cell(meaning.unwrap_or(""))
        ));
    }
}

/// The one-of choices of a definition: constants, or externally tagged variants.
fn variants(options: &[Value], out: &mut String) {
    for option in options {
        let about = cell(
            option
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let properties = option.get("properties").and_then(Value::as_object);
        match (option.get("const"), properties) {
            (Some(constant), _) => out.push_str(&format!("- `{constant}`: {about}\n")),
            (None, Some(props)) if props.len() == 1 => {
                let (tag, inner) = props.iter().next().expect("one property");
                out.push_str(&format!("- `{tag}`: {about} ({})\n", type_of(inner)));
                if inner.get("properties").is_some() {
                    out.push('\n');
                    fields_table(inner, out);
                    out.push('\n');
                }
            }
            _ => out.push_str(&format!("- {}: {about}\n", type_of(option))),
        }
    }
}

/// `schema` as a page: the top-level fields, then every definition by name.
fn render(schema: &Value, title: &str, file: &str) -> String {
    let mut out = format!(
        "# {title}\n\n<!-- Generated from `{file}` by tests/it/book.rs: do not edit. After a change \
         to the schema, `CAPSIM_BLESS=1 cargo test --release --test it book` rewrites it. -->\n\n\
         Every field `{file}` accepts, each described by the doc comment of the Rust type that \
         reads it (`capsim schema` prints the schema). Types link to their definitions below.\n\n"
    );
    if let Some(about) = schema.get("description").and_then(Value::as_str) {
        out.push_str(&format!("{about}\n\n"));
    }
    fields_table(schema, &mut out);
    let definitions = schema.get("$defs").and_then(Value::as_object);
    for (name, definition) in definitions.into_iter().flatten() {
        out.push_str(&format!("\n## {name}\n\n"));
        if let Some(about) = definition.get("description").and_then(Value::as_str) {
            out.push_str(&format!("{about}\n\n"));
        }
        if let Some(options) = definition.get("oneOf").and_then(Value::as_array) {
            variants(options, &mut out);
        } else if definition.get("properties").is_some() {
            fields_table(definition, &mut out);
        } else {
            out.push_str(&format!("{}\n", type_of(definition)));
        }
    }
    out
}

#[track_caller]
fn check_generated(schema_file: &str, page: &str, title: &str) {
    let text = std::fs::read_to_string(root().join(schema_file)).expect("readable schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let expected = render(&schema, title, schema_file);
    let path = root().join(page);
    if std::env::var_os("CAPSIM_BLESS").is_some() {
        std::fs::write(&path, &expected).expect("page written");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{page} is not what {schema_file} generates: run \
         `CAPSIM_BLESS=1 cargo test --release --test it book` and commit the page"
    );
}

#[test]
fn the_schema_pages_are_generated_from_the_schemas() {
    check_generated(
        "schema/model.schema.json",
        "docs/src/reference/model-schema.md",
        "Every field of a model, from the schema",
    );
    check_generated(
        "schema/experiment.schema.json",
        "docs/src/reference/experiment-schema.md",
        "Every field of an experiment, from the schema",
    );
}
