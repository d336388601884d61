//! Output files are checked before a long run starts: a path that cannot
//! be written (no such folder, a folder, no permission) fails at once,
//! naming the option and the path, not after an hour of simulation.

use std::fs::OpenOptions;
use std::path::Path;

/// Fails unless `path` (given with `option`) can be created or written.
/// Creates nothing that was not there: a probe file is removed again.
pub fn check_writable(option: &str, path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!(
            "{option} `{}`: is a folder, expected a file name",
            path.display()
        );
    }
    let existed = path.exists();
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{option} `{}`: cannot write: {e}", path.display()))?;
    if !existed {
        // The probe only; the real file is written when the run is done.
        std::fs::remove_file(path).ok();
    }
    Ok(())
}
