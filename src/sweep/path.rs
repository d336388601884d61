//! Setting a value at a dotted JSON path (`nodes.web.pool.calls[0].probability`).

use serde_json::Value;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Result<Vec<Step<'_>>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() {
            return Err(format!(
                "`{path}` has an empty name (expected names joined by dots)"
            ));
        }
        out.push(Step::Key(key));
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| format!("`{path}` has an unclosed `[`"))?;
            let index = inner[..close]
                .parse()
                .map_err(|_| format!("`{path}`: `[{}]` is not an index", &inner[..close]))?;
            out.push(Step::Index(index));
            rest = &inner[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("`{path}`: unexpected `{rest}`"));
        }
    }
    Ok(out)
}

/// Sets `path` in `doc` to `value`. Every step but the last must exist; the
/// last may add a field to an object (the model's own checks then say
/// whether it is a field of the format).
pub fn set(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let steps = steps(path)?;
    let (last, init) = steps.split_last().expect("a path has a step");
    let mut here = doc;
    let mut walked = String::new();
    for step in init {
        here = match (step, here) {
            (Step::Key(key), Value::Object(map)) => {
                let names: Vec<String> = map.keys().cloned().collect();
                map.get_mut(*key).ok_or_else(|| {
                    format!(
                        "the model has no `{}` (there: {})",
                        join(&walked, key),
                        names.join(", ")
                    )
                })?
            }
            (Step::Index(i), Value::Array(items)) => {
                let len = items.len();
                items
                    .get_mut(*i)
                    .ok_or_else(|| format!("`{walked}` has {len} items, no [{i}]"))?
            }
            (Step::Key(key), _) => {
                return Err(format!("`{walked}` is not an object, so it has no `{key}`"));
            }
            (Step::Index(i), _) => {
                return Err(format!("`{walked}` is not a list, so it has no [{i}]"));
            }
        };
        walked = match step {
            Step::Key(key) => join(&walked, key),
            Step::Index(i) => format!("{walked}[{i}]"),
        };
    }
    match (last, here) {
        (Step::Key(key), Value::Object(map)) => {
            map.insert((*key).to_string(), value);
            Ok(())
        }
        (Step::Index(i), Value::Array(items)) if *i < items.len() => {
            items[*i] = value;
            Ok(())
        }
        (Step::Index(i), Value::Array(items)) => {
            Err(format!("`{walked}` has {} items, no [{i}]", items.len()))
        }
        _ => Err(format!("`{walked}` is not an object or a list")),
    }
}

fn join(walked: &str, key: &str) -> String {
    if walked.is_empty() {
        key.to_string()
    } else {
        format!("{walked}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_nested_fields_and_list_items() {
        let mut doc =
            json!({ "nodes": { "web": { "pool": { "instances": 2, "calls": [ { "p": 1 } ] } } } });
        set(&mut doc, "nodes.web.pool.instances", json!(5)).unwrap();
        set(&mut doc, "nodes.web.pool.calls[0].p", json!(0.5)).unwrap();
        assert_eq!(doc["nodes"]["web"]["pool"]["instances"], 5);
        assert_eq!(doc["nodes"]["web"]["pool"]["calls"][0]["p"], 0.5);
    }

    #[test]
    fn names_what_is_missing() {
        let mut doc = json!({ "nodes": { "web": {} } });
        assert_eq!(
            set(&mut doc, "nodes.wbe.pool.instances", json!(1)),
            Err("the model has no `nodes.wbe` (there: web)".to_string())
        );
        assert!(set(&mut doc, "nodes..x", json!(1)).is_err());
        assert!(set(&mut doc, "nodes.web[x]", json!(1)).is_err());
    }
}
