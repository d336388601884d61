//! A CloudFormation template's values as capsim needs them: numbers that
//! CloudFormation also takes as strings (`"MinSize": "1"`, as its docs
//! write them), and intrinsic functions. Only `Ref` to a parameter with a
//! `Default` can be known without deploying the stack; it is read as that
//! default, with a note. Every other function (`!GetAtt`, `!Sub`, `Fn::If`,
//! `!FindInMap`, a `Ref` to a pseudo parameter…) is an error naming its path.
//!
//! Intrinsic functions: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::problem::{Problem, shown, typed};

/// A template, with what its values may refer to.
pub struct Template<'a> {
    /// `Resources`.
    pub resources: &'a Map<String, Value>,
    /// `Parameters` (empty if none).
    pub parameters: &'a Map<String, Value>,
    /// Written in YAML: functions are shown in YAML's short form (`!Ref X`).
    pub yaml: bool,
}

impl Template<'_> {
    /// `value` with a `Ref` to a parameter replaced by its default (noted in
    /// `defaults`), or why it cannot be known.
    pub fn resolved(
        &self,
        value: &Value,
        path: &str,
        defaults: &mut Vec<String>,
    ) -> Result<Value, Problem> {
        let Some((function, argument)) = intrinsic(value) else {
            return Ok(value.clone());
        };
        let cannot = |why: String| {
            Problem::new(
                path,
                format!("{} cannot be resolved: {why}", self.shown(value)),
            )
        };
        if function != "Ref" {
            return Err(cannot(
                "capsim reads the template without deploying it, so it resolves only a `Ref` to a \
                 parameter with a `Default`; write the value"
                    .into(),
            ));
        }
        let name = argument.as_str().unwrap_or("");
        if let Some(parameter) = self.parameters.get(name) {
            return match parameter.get("Default") {
                Some(default) => {
                    defaults.push(format!(
                        "{path} ({}: the parameter's Default, {})",
                        self.shown(value),
                        shown(default)
                    ));
                    Ok(default.clone())
                }
                None => Err(cannot(format!(
                    "parameter `{name}` has no `Default`; give it one, or write the value"
                ))),
            };
        }
        Err(cannot(if name.starts_with("AWS::") {
            "a pseudo parameter, known only when the stack is deployed; write the value".into()
        } else if self.resources.contains_key(name) {
            format!("`{name}` is a resource, where a value was expected")
        } else {
            format!("no parameter `{name}` in `Parameters`")
        }))
    }

    /// A `T` from a number written as a number or a string, at `path`.
    pub fn number<T: DeserializeOwned>(
        &self,
        value: &Value,
        path: &str,
        defaults: &mut Vec<String>,
    ) -> Result<T, Problem> {
        let value = self.resolved(value, path, defaults)?;
        let number = match &value {
            Value::Number(n) => n.as_f64(),
            Value::String(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        };
        let Some(number) = number else {
            return Err(Problem::new(
                path,
                format!(
                    "expected a number (or a string holding one, \"2\"), got {}",
                    shown(&value)
                ),
            ));
        };
        let as_json = if number.fract() == 0.0 && number.abs() < 9e15 {
            Value::from(number as i64)
        } else {
            Value::from(number)
        };
        typed(as_json, path)
    }

    /// A `T` read as written (a name, an enum's variant, a boolean), at `path`.
    pub fn plain<T: DeserializeOwned>(
        &self,
        value: &Value,
        path: &str,
        defaults: &mut Vec<String>,
    ) -> Result<T, Problem> {
        let value = self.resolved(value, path, defaults)?;
        // CloudFormation writes booleans as strings too ("true").
        let value = match value.as_str() {
            Some("true") => Value::Bool(true),
            Some("false") => Value::Bool(false),
            _ => value,
        };
        typed(value, path)
    }

    /// The logical id a `Ref` names, for properties that link resources.
    pub fn reference<'v>(&self, value: &'v Value, path: &str) -> Result<&'v str, Problem> {
        match intrinsic(value) {
            Some(("Ref", Value::String(name))) if self.resources.contains_key(name) => Ok(name),
            _ => Err(Problem::new(
                path,
                format!(
                    "expected a `Ref` to a resource of the template, got {}",
                    self.shown(value)
                ),
            )),
        }
    }

    /// A value as the template writes it: a function in its short form in
    /// YAML (`!Ref X`), as JSON otherwise.
    pub fn shown(&self, value: &Value) -> String {
        match intrinsic(value) {
            Some((function, argument)) if self.yaml => {
                let tag = function.strip_prefix("Fn::").unwrap_or(function);
                match argument {
                    Value::String(text) => format!("!{tag} {text}"),
                    other => format!("!{tag} {}", shown(other)),
                }
            }
            _ => shown(value),
        }
    }
}

/// `{ "Ref": … }`, `{ "Fn::…": … }` or `{ "Condition": … }`: the function and its argument.
pub fn intrinsic(value: &Value) -> Option<(&str, &Value)> {
    let map = value.as_object()?;
    let (key, argument) = map.iter().next()?;
    let is_function = key == "Ref" || key == "Condition" || key.starts_with("Fn::");
    (map.len() == 1 && is_function).then_some((key.as_str(), argument))
}
