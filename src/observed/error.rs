//! Errors of reading observed metrics and of fitting them to a model.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::ModelError;

/// Why observed metrics could not be used. Every variant is fatal for the
/// command that read them: nothing is compared or calibrated.
#[derive(Debug, thiserror::Error)]
pub enum ObservedError {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A problem at a place in the file: a missing column, a bad number, an
    /// unknown metric, a timestamp out of order, an empty file.
    #[error("{}", At { path, line: *line, column: *column, message })]
    At {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column: a CSV cell's index, a JSON character's.
        column: u64,
        /// What was found and what was expected.
        message: String,
    },
    /// The file is well formed but holds nothing to compare (no row in the
    /// comparison window, no figure the model predicts).
    #[error("{}: {message}", path.display())]
    Nothing {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// The observations and the model do not fit together (a tier the
    /// model lacks, an open model for a closed load test).
    #[error("{0}")]
    Mismatch(String),
    /// As `Mismatch`, with a next step for the user.
    #[error("{message}")]
    MismatchHint {
        /// What does not fit.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// A problem in a file read in a format (`--format`) it does not look
    /// like: the problem as found, and a hint naming the formats.
    #[error("{inner}")]
    WrongFormat {
        /// The problem found reading it as asked (not `source`: the chain
        /// of causes would print it twice).
        inner: Box<ObservedError>,
        /// Which formats there are, and which one the file looks like.
        hint: String,
    },
    /// The model, as edited to follow the observations, is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Formats a position the way every observed-file error reads:
/// `file, line L, column C: message`.
struct At<'a> {
    path: &'a Path,
    line: u64,
    column: u64,
    message: &'a str,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, line {}, column {}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl ObservedError {
    /// A next step for the user, if there is one.
    pub fn hint(&self) -> Option<&str> {
        match self {
            ObservedError::MismatchHint { hint, .. } | ObservedError::WrongFormat { hint, .. } => {
                Some(hint)
            }
            ObservedError::Model(error) => error.hint(),
            _ => None,
        }
    }

    /// A problem at `line`, `column` of `path`.
    pub fn at(path: &Path, line: u64, column: u64, message: impl Into<String>) -> Self {
        ObservedError::At {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// serde_json's error for `path`, its position moved to the front.
    pub fn json(path: &Path, error: &serde_json::Error) -> Self {
        let text = error.to_string();
        // serde_json appends " at line L column C"; the position goes first here.
        let message = match text.rsplit_once(" at line ") {
            Some((message, _)) => message.to_string(),
            None => text,
        };
        // serde_json says line 0 for an error at the end of an empty input.
        Self::at(
            path,
            error.line().max(1) as u64,
            error.column().max(1) as u64,
            message,
        )
    }
}
