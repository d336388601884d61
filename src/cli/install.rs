//! `capsim completions` and `capsim man`: what an installed command needs
//! beside itself, generated from the same argument definitions as `--help`
//! (clap_complete, clap_mangen), so neither can drift from the program.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use super::args::Cli;

/// Prints the completion script of `shell` for `capsim`.
pub fn completions(shell: Shell) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "capsim", &mut out);
    std::io::stdout()
        .write_all(&out)
        .context("cannot write the completion script")?;
    Ok(ExitCode::SUCCESS)
}

/// Prints capsim(1), or writes it and a page per command (capsim-run(1), …)
/// into `dir`, which must exist.
pub fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let command = Cli::command();
    match dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .context("cannot render the manual page")?;
            std::io::stdout()
                .write_all(&out)
                .context("cannot write the manual page")?;
        }
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!("--dir `{}`: not a folder", dir.display());
            }
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("--dir `{}`: cannot write the pages", dir.display()))?;
            eprintln!("wrote the manual pages to {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
