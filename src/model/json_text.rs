//! What a JSON file's text does wrong, said so a person can act on it:
//! serde_json's "expected value at line 1 column 1" becomes "a byte-order
//! mark", "a comment", "`NaN`" or "invalid UTF-8", each with its line and
//! column, and serde's Rust type names (`f64`, `u32`, `struct PoolSpec`)
//! become words (a number, an integer ≥ 0, an object).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

/// A file's text, or why it is not text: unreadable (the OS error), or not
/// UTF-8 (where the first bad byte is).
pub fn read(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&err.as_bytes()[..valid]);
        let (line, column) = line_and_column(&before, before.len());
        ReadError::Text(format!(
            "invalid UTF-8 at line {line} column {column}: save the file as UTF-8"
        ))
    })
}

/// Why [`read`] failed.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// It is not UTF-8: the message says where.
    Text(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(err) => err.fmt(f),
            ReadError::Text(message) => f.write_str(message),
        }
    }
}

/// A problem visible before parsing: a byte-order mark, or a first character
/// that cannot start an object.
pub fn before_parsing(text: &str) -> Option<String> {
    let start = text.len() - text.trim_start().len();
    if text.starts_with('\u{feff}') {
        return Some(
            "a byte-order mark (U+FEFF) at line 1 column 1: JSON has none; save the file as UTF-8 without BOM"
                .into(),
        );
    }
    let (line, column) = line_and_column(text, start);
    if let Some(what) = token_at(text, start) {
        return Some(format!(
            "{what} at line {line} column {column}{}",
            advice(what)
        ));
    }
    let found = match text[start..].chars().next()? {
        '{' => return None,
        '[' => "an array".to_string(),
        '"' => "a string".to_string(),
        '0'..='9' | '-' => "a number".to_string(),
        other => format!("`{other}` at line {line} column {column}"),
    };
    Some(format!(
        "expected a JSON object with `simulation`, `traffic` and `nodes`, got {found}"
    ))
}

/// serde_json's message for `err` on `text`, in a person's words.
pub fn explain(text: &str, err: &serde_json::Error) -> String {
    if err.is_syntax() && err.line() > 0 && err.column() > 0 {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(err.line() - 1)
            .map(str::len)
            .sum();
        let offset = line_start + err.column() - 1;
        // serde points at the offending byte, or past a sign (`-Infinity`).
        for at in [offset, offset.saturating_sub(1)] {
            if let Some(what) = token_at(text, at) {
                let signed = at > 0 && text.as_bytes().get(at - 1) == Some(&b'-');
                let (line, column) = line_and_column(text, at - usize::from(signed));
                return format!("{what} at line {line} column {column}{}", advice(what));
            }
        }
    }
    plain_types(&err.to_string())
}

/// Rust type names in a serde message replaced by words.
pub fn plain_types(message: &str) -> String {
    // Only serde's own phrases: a field or variant name in backticks that
    // happens to be `map` or `u32` stays as written.
    static NAMES: LazyLock<[(Regex, &str); 8]> = LazyLock::new(|| {
        let re = |pattern: &str| Regex::new(pattern).expect("a valid constant pattern");
        [
            (re(r"expected f(32|64)\b"), "expected a number"),
            (
                re(r"expected (u8|u16|u32|u64|u128|usize)\b"),
                "expected an integer ≥ 0",
            ),
            (
                re(r"expected (i8|i16|i32|i64|i128|isize)\b"),
                "expected an integer",
            ),
            (re(r"expected (struct|enum) \w+"), "expected an object"),
            (re(r"expected a map\b"), "expected an object"),
            (re(r"expected a sequence\b"), "expected a list"),
            (re(r"invalid type: map\b"), "invalid type: object"),
            (re(r"invalid type: sequence\b"), "invalid type: list"),
        ]
    });
    NAMES
        .iter()
        .fold(message.to_string(), |text, (pattern, words)| {
            pattern.replace_all(&text, *words).into_owned()
        })
}

/// What is at byte `at` of `text`, if it is something JSON lacks.
fn token_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    let lower = |n: usize| rest.get(..n).map(str::to_ascii_lowercase);
    if rest.starts_with("//") || rest.starts_with("/*") || rest.starts_with('#') {
        Some("a comment")
    } else if lower(3).as_deref() == Some("nan") {
        Some("`NaN`")
    } else if lower(3).as_deref() == Some("inf") {
        Some("an infinity")
    } else if rest.starts_with('\'') {
        Some("a single quote")
    } else if rest.starts_with('\u{feff}') {
        Some("a byte-order mark (U+FEFF)")
    } else {
        None
    }
}

fn advice(what: &str) -> &'static str {
    match what {
        "a comment" => ": JSON has no comments; remove it",
        "`NaN`" | "an infinity" => ": JSON numbers are finite; write a number",
        "a single quote" => ": JSON strings take double quotes",
        _ => ": JSON has none; save the file as UTF-8 without BOM",
    }
}

/// 1-based line and column (in characters) of byte `at` of `text`.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}
