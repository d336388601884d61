//! The fields of an infrastructure file that capsim reads and does not
//! simulate (labels, selectors, images, a template's other resources…),
//! collected by path so that `check` and `run` list them in a note instead
//! of dropping them unseen or refusing a file a team really deploys.

use serde_json::Value;

/// Paths within one file of what was not used, in the order met.
#[derive(Debug, Default)]
pub struct Unread {
    paths: Vec<String>,
}

impl Unread {
    /// `path` (with why, if given) was read and not simulated.
    pub fn push(&mut self, path: impl Into<String>) {
        self.paths.push(path.into());
    }

    /// Every key of `object` at `prefix` except those in `used`.
    pub fn rest(&mut self, object: &Value, prefix: &str, used: &[&str]) {
        let Some(map) = object.as_object() else {
            return;
        };
        for key in map.keys().filter(|key| !used.contains(&key.as_str())) {
            self.push(join(prefix, key));
        }
    }

    /// The note for the file, or none if everything was used.
    pub fn note(&self, written: &str) -> Option<String> {
        (!self.paths.is_empty())
            .then(|| format!("{written}: not simulated: {}", self.paths.join(", ")))
    }
}

/// `prefix.key`, or `key` at the top.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
