//! Model and experiment files written in YAML (`.yaml`, `.yml`), read by
//! the same serde types as JSON, so the two formats cannot differ in what
//! they accept. Errors keep the JSON file's shape: the path (from
//! serde_path_to_error, as for JSON), serde's message in a person's words
//! (`json_text::plain_types`), then the line and column (from the YAML
//! parser's mark).
//!
//! The crate is `yaml_serde`, the YAML organization's continuation of
//! serde_yaml (archived in 2024): the same API and behaviour, released
//! and maintained, where the other forks (serde_yaml_ng, serde_norway) had
//! stopped releasing, and serde-saphyr has a different API.

use serde::de::DeserializeOwned;

use crate::model::json_text::plain_types;

/// What went wrong reading a YAML document: where (a dotted path, `.` for
/// the document) and what, with its line and column when the parser knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Dotted path, as for JSON: `nodes.web.pool.instances`.
    pub path: String,
    /// The message, ending `at line L column C` where known.
    pub message: String,
}

/// serde_path_to_error's path as JSON's reads: `?` (a position it cannot
/// name) dropped, and without the variant of an unknown one. A node's kind
/// is a key of a one-key map to the YAML reader, so the tracker counts it
/// as a step where JSON's stops at the node.
fn tracked(path: &str, message: &str) -> String {
    let mut path = path
        .trim_end_matches(".?")
        .trim_end_matches('?')
        .to_string();
    if path.is_empty() {
        path = ".".into();
    }
    let unknown = message
        .split_once("unknown variant `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(variant, _)| variant);
    match unknown.and_then(|variant| path.strip_suffix(&format!(".{variant}"))) {
        Some(parent) => parent.to_string(),
        None => path,
    }
}

/// Reads a `T` from YAML `text`.
pub fn deserialize<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(YamlError {
            path: ".".into(),
            message: "the document is empty: expected a YAML mapping".into(),
        });
    }
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(
        yaml_serde::Deserializer::from_str(text),
        &mut track,
    );
    // A node or a distribution is written `pool: {…}`, a map of one key, as
    // in JSON; yaml_serde alone reads enums from YAML tags (`!pool {…}`).
    yaml_serde::with::singleton_map_recursive::deserialize(de).map_err(|err| {
        // As for JSON: `?` marks a position serde_path_to_error cannot name.
        let path = tracked(&track.path().to_string(), &err.to_string());
        let message = explain(text, &path, &err);
        YamlError { path, message }
    })
}

/// yaml_serde's message, with the path it prefixes itself removed (the
/// caller shows serde_path_to_error's), serde's type names in words, and a
/// position that points at the problem.
fn explain(text: &str, path: &str, err: &yaml_serde::Error) -> String {
    let full = err.to_string();
    if full.starts_with("deserializing from YAML containing more than one document") {
        return "a second YAML document (after `---`): a file holds one model or experiment".into();
    }
    let Some(at) = err.location() else {
        return plain_types(&full);
    };
    let (line, column) = (at.line(), at.column());
    let mut message = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full);
    // yaml_serde names the mapping it was reading when a value's own check
    // failed after parsing (a count of -3): its mark is then that mapping's,
    // so the key of the failing field is looked for inside it.
    let mut key_at = None;
    if let Some((own, rest)) = message.split_once(": ") {
        let parent = path
            .rsplit_once('.')
            .map_or(".", |(parent, _)| parent)
            .trim_start_matches('.');
        if own == path || (own == parent && !path.ends_with(']')) {
            message = rest;
        }
        if own == parent && !path.ends_with(']') {
            let key = path.rsplit('.').next().unwrap_or(path);
            key_at = key_position(text, line, column, key);
        }
    }
    if text_at(text, line, column) == Some('\t') {
        return format!("a tab at line {line} column {column}: YAML indents with spaces");
    }
    let message = plain_types(message);
    // libyaml's own messages say where already ("… at line 3 column 2,
    // while parsing a block mapping at line 1 column 1").
    if message.contains(&format!("line {line} column {column}")) {
        return message;
    }
    let (line, column) = key_at.unwrap_or((line, column));
    format!("{message} at line {line} column {column}")
}

/// The character at 1-based `line` and `column` of `text`.
fn text_at(text: &str, line: usize, column: usize) -> Option<char> {
    text.lines()
        .nth(line.checked_sub(1)?)?
        .chars()
        .nth(column.checked_sub(1)?)
}

/// Where `key:` is written in the mapping that starts at `line`, `column`:
/// on that line (a flow mapping, or a block mapping's first key) from the
/// column on, or at the start of a later line indented as the mapping is,
/// until a line indented less ends it.
fn key_position(text: &str, line: usize, column: usize, key: &str) -> Option<(usize, usize)> {
    let written = [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ];
    let starts_key = |rest: &str| written.iter().any(|w| rest.starts_with(w.as_str()));
    let indent = column - 1;
    for (i, text_line) in text.lines().enumerate().skip(line - 1) {
        let chars: Vec<char> = text_line.chars().collect();
        if i == line - 1 {
            for at in indent..chars.len() {
                let rest: String = chars[at..].iter().collect();
                let boundary = at == 0 || matches!(chars[at - 1], ' ' | '{' | ',');
                if boundary && starts_key(&rest) {
                    return Some((line, at + 1));
                }
            }
            continue;
        }
        let trimmed = text_line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let own_indent = text_line.chars().count() - trimmed.chars().count();
        if own_indent < indent {
            return None;
        }
        if own_indent == indent && starts_key(trimmed) {
            return Some((i + 1, own_indent + 1));
        }
    }
    None
}
