//! `capsim schema`: the JSON Schema of model or experiment files, generated
//! from the types that read them, so it is always this build's.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::args::SchemaKind;

/// Prints the schema of `of`'s files, exactly as `schema/` ships it.
pub fn print(of: SchemaKind) -> anyhow::Result<ExitCode> {
    let schema = match of {
        SchemaKind::Model => capsim::model::schema::model(),
        SchemaKind::Experiment => capsim::sweep::schema::experiment(),
    };
    std::io::stdout()
        .write_all(capsim::model::schema::text(&schema).as_bytes())
        .context("cannot write the schema")?;
    Ok(ExitCode::SUCCESS)
}
