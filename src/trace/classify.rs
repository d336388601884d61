//! Which class a recorded request belongs to: by name (a `class` column) or
//! by rules on its method and path (access logs).

use regex::Regex;

/// An access-log rule; the first that matches gives the class.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The path starts with this.
    pub prefix: Option<String>,
    /// The path matches this.
    pub pattern: Option<Regex>,
    /// The method is this (case-insensitive).
    pub method: Option<String>,
    /// The class given.
    pub class: u16,
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.prefix
            .as_ref()
            .is_none_or(|p| path.starts_with(p.as_str()))
            && self.pattern.as_ref().is_none_or(|r| r.is_match(path))
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// Maps recorded requests to class indices.
#[derive(Clone, Debug, Default)]
pub struct Classifier {
    /// Rules, in order.
    pub rules: Vec<Rule>,
    /// Names a `class` column may hold, with their index.
    pub names: Vec<(String, u16)>,
    /// The class of a request nothing else classifies.
    pub default: u16,
}

impl Classifier {
    /// The class of an access-log request.
    pub fn by_rules(&self, method: &str, path: &str) -> u16 {
        self.rules
            .iter()
            .find(|rule| rule.matches(method, path))
            .map_or(self.default, |rule| rule.class)
    }

    /// The class called `name`, if the source declares one (a load-test
    /// result's request names are often URLs, which fall to the rules).
    pub fn known(&self, name: &str) -> Option<u16> {
        self.names
            .iter()
            .find(|(known, _)| known == name)
            .map(|&(_, id)| id)
    }

    /// The class called `name`; an empty name is the default class.
    pub fn by_name(&self, name: &str) -> Result<u16, String> {
        if name.is_empty() {
            return Ok(self.default);
        }
        self.names
            .iter()
            .find(|(known, _)| known == name)
            .map(|&(_, id)| id)
            .ok_or_else(|| {
                let known: Vec<&str> = self.names.iter().map(|(n, _)| n.as_str()).collect();
                format!(
                    "unknown class `{name}` (declare it in the source's `classes`; known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            })
    }
}
