//! The model loaded like the observed system, so the comparison is like for
//! like: observed arrival rates over time become a rate `profile`, an
//! observed closed population becomes the model's `closed.users`. Edits are
//! made on the model's JSON, so everything else in it stays as written.

use std::path::Path;

use serde_json::{Value, json};

use super::error::ObservedError;
use super::{Load, Observed};
use crate::model::{self, LoadOptions, Model};

/// The model's JSON with its traffic set to `observed`'s load, and a line
/// saying what was changed (`None`: nothing).
pub fn drive(model: &Value, observed: &Observed) -> Result<(Value, Option<String>), ObservedError> {
    let mut driven = model.clone();
    let note = match &observed.load {
        Load::AsModelled => return Ok((driven, None)),
        Load::Rates { points, span_s } => {
            let pointer = arrivals_pointer(model)?;
            let warmup_s = model
                .pointer("/simulation/warmup_s")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            // The warm-up runs at the first observed rate, then the observed
            // intervals follow one another: the measured window of the run
            // lines up with the observed window.
            let mut profile: Vec<Value> = Vec::with_capacity(points.len());
            for (i, &(at_s, rate_rps)) in points.iter().enumerate() {
                let time_s = if i == 0 { 0.0 } else { warmup_s + at_s };
                let rate_rps = rate_rps.max(0.0);
                match profile.last_mut() {
                    // Two samples at one time: the later one holds.
                    Some(last) if last[0].as_f64() == Some(time_s) => {
                        *last = json!([time_s, rate_rps])
                    }
                    _ => profile.push(json!([time_s, rate_rps])),
                }
            }
            *driven.pointer_mut(&pointer).expect("found above") =
                json!({ "profile": { "points": profile } });
            // A model without a `simulation` object fails to compile next,
            // with the model's own message.
            if let Some(simulation) = driven.get_mut("simulation").and_then(Value::as_object_mut) {
                simulation.insert("duration_s".into(), json!(warmup_s + span_s));
            }
            format!(
                "traffic: the observed arrival rate, {} intervals over {span_s:.0} s (after the model's {warmup_s} s warm-up), replaces `{}`",
                points.len(),
                pointer.trim_start_matches('/').replace('/', ".")
            )
        }
        Load::Users(users) => {
            let pointer = arrivals_pointer(model)?;
            let arrivals = driven.pointer_mut(&pointer).expect("found above");
            let Some(closed) = arrivals.get_mut("closed") else {
                let kind = arrivals
                    .as_object()
                    .and_then(|o| o.keys().next().cloned())
                    .unwrap_or_else(|| "unknown".into());
                return Err(ObservedError::MismatchHint {
                    message: format!(
                        "the observed load came from {users} closed users (a load test's population), but `{}` is `{kind}`, an open process: a closed population's rate follows its response times, so the two cannot be compared like for like",
                        pointer.trim_start_matches('/').replace('/', ".")
                    ),
                    hint: format!(
                        "describe the load test's users in the model, e.g. `\"arrivals\": {{ \"closed\": {{ \"users\": {users}, \"think\": {{ \"constant\": {{ \"ms\": 500 }} }} }} }}`, with the think time of the locustfile's `wait_time`"
                    ),
                });
            };
            let before = closed.get("users").cloned().unwrap_or(Value::Null);
            if let Some(closed) = closed.as_object_mut() {
                closed.insert("users".into(), json!(users));
            }
            let mut note =
                format!("traffic: {users} closed users, as observed (the model has {before})");
            // The observed window starts at full population; the model's
            // measured window should too, or it compares a ramp-up.
            let spawn_rate = closed.get("spawn_rate_per_s").and_then(Value::as_f64);
            let warmup_s = model
                .pointer("/simulation/warmup_s")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            if let Some(rate) = spawn_rate.filter(|r| f64::from(*users) / r > warmup_s) {
                note.push_str(&format!(
                    "\nnote: at {rate} users/s the {users} users take {:.0} s to start, more than the model's {warmup_s} s warm-up: its figures include part of the ramp-up",
                    f64::from(*users) / rate
                ));
            }
            note
        }
    };
    Ok((driven, Some(note)))
}

/// The JSON pointer of the model's only source's `arrivals`.
fn arrivals_pointer(model: &Value) -> Result<String, ObservedError> {
    if model.pointer("/traffic/arrivals").is_some() {
        return Ok("/traffic/arrivals".into());
    }
    let sources = model
        .pointer("/traffic/sources")
        .and_then(Value::as_object)
        .filter(|s| s.len() == 1);
    match sources.and_then(|s| s.keys().next()) {
        Some(name) => {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            Ok(format!("/traffic/sources/{escaped}/arrivals"))
        }
        None => Err(ObservedError::Mismatch(
            "the observed load can drive a model with one traffic source, and this one has several (or none): compare with the model as it is by leaving the time series out".into(),
        )),
    }
}

/// Compiles a model's JSON whose files (traces, profiles) are relative to `base`.
pub fn compile(model: &Value, base: &Path) -> Result<Model, ObservedError> {
    let topology = model::parse_topology(&model.to_string())?;
    Ok(model::from_topology_in(
        &topology,
        base,
        LoadOptions::default(),
    )?)
}
