//! Writes a generated load-test script (`capsim loadtest --out FILE`).

use std::path::Path;

use super::ReportError;
use crate::loadtest::Script;

/// Writes `script`'s text to `path`.
pub fn write(path: &Path, script: &Script) -> Result<(), ReportError> {
    std::fs::write(path, &script.text).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
