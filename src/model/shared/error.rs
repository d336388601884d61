//! Errors of loading a model. All are fatal for that model: nothing is simulated.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a topology, at a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Dotted JSON path, as serde_path_to_error prints it: `nodes.web.pool.calls[1].to`.
    pub path: String,
    /// What was found and what was expected.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds nothing but whitespace.
    #[error("the model is empty: expected a JSON object with `simulation`, `traffic` and `nodes`")]
    Empty,
    /// Malformed JSON, or a field of the wrong type or range. serde stops at
    /// the first such problem, so this carries one.
    #[error("{}", display_syntax(path, message))]
    Syntax {
        /// JSON path of the problem (`.` for the document itself).
        path: String,
        /// serde's message, with line and column.
        message: String,
    },
    /// The JSON is well formed but inconsistent: every problem found.
    #[error("{}", display_all(.0))]
    Invalid(Vec<Diagnostic>),
}

fn display_syntax(path: &str, message: &str) -> String {
    if path == "." || path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ModelError {
    /// A next step for the user, if there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ModelError::Invalid(diagnostics)
                if diagnostics
                    .iter()
                    .any(|d| d.message.contains("no instance type")) =>
            {
                Some(
                    "instance types are declared under `instance_types`; `capsim instance-types` lists the built-in ones",
                )
            }
            ModelError::Invalid(diagnostics)
                if diagnostics
                    .iter()
                    .any(|d| d.message.contains(crate::trace::LOOKS_LIKE_ALB)) =>
            {
                Some(
                    "the trace is an AWS ALB access log, which is not replayed as `access_log`: compare it as observed metrics (`capsim compare MODEL --observed FILE --format alb`), or replay its request times written as a `timestamps` CSV",
                )
            }
            ModelError::Invalid(diagnostics)
                if diagnostics.iter().any(|d| {
                    // A problem with one line, not with the file as a whole.
                    d.path.ends_with("trace.file")
                        && d.message.contains(", line ")
                        && !d.message.contains("header")
                }) =>
            {
                Some(
                    "a trace with a few bad lines can be replayed with --skip-bad-lines, which reports how many it skipped",
                )
            }
            ModelError::Syntax { message, .. } if message.contains("unknown field") => Some(
                "the book's \"Topology format\" pages (docs/src/reference/topology.md) list every field",
            ),
            _ => None,
        }
    }
}
