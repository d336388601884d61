//! The command line: parse arguments, call the library, print. The only
//! place that knows clap, indicatif and anyhow.

mod args;
mod check;
mod run;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Exit code for bad input (unreadable or invalid model, bad arguments).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a modelled system that cannot keep up with its load.
pub const EXIT_UNSTABLE: u8 = 3;

/// Runs the command line and maps every failure to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::execute(args),
        Command::Check(args) => check::execute(args),
        Command::InstanceTypes => check::list_instance_types(),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Prints `error: <context>` then each cause indented, then a hint if any.
fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        for line in cause.to_string().lines() {
            eprintln!("  {line}");
        }
    }
    if let Some(hint) = error
        .chain()
        .find_map(|c| c.downcast_ref::<capsim::model::ModelError>())
        .and_then(|e| e.hint())
    {
        eprintln!("\nhint: {hint}");
    }
}
