//! Alert rule files with the Juju topology injected (cosl's `rules.Rules`), as the COS
//! providers publish them in `alert_rules`.
//!
//! A rule file (`.rule`, `.rules`, `.yml`, `.yaml`) holds either one rule (`alert` or
//! `record`, and `expr`), which becomes a group named after the file, or Prometheus'
//! `groups:` format. Each group is renamed `<identifier>_<sub-folder>_<name>_rules`
//! (unless already so named) with the characters Prometheus refuses made `_`; each rule
//! gets the `juju_*` topology labels it lacks, and `%%juju_topology%%` is cut from its
//! expression (LogQL: made `job=~".+"`).
//!
//! Differences from cosl: cos-tool, which cosl runs (when the charm ships it) to add
//! the topology matchers to each expression, is not run: expressions are left as cosl
//! leaves them without it, and Prometheus' side adds the matchers itself. A file cosl
//! would crash on (a group without `name`, a rule without `expr`, ...) is logged and
//! skipped. YAML is read as YAML 1.2 (`yes`, `on`, `1e3`, dates stay strings or numbers
//! where PyYAML reads YAML 1.1); `\d` in the already-named check is ASCII only.

use crate::topology::JujuTopology;
use serde_json::{json, Map, Value};
use std::fmt;
use std::path::Path;

/// The query language of the rules' expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    /// Prometheus.
    PromQl,
    /// Loki.
    LogQl,
}

/// Why rules were refused (cosl raises `ValueError`, or crashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// Nothing in the file or mapping.
    Empty,
    /// Neither a single rule nor a `groups:` file.
    InvalidFormat,
    /// A single rule with no group name given (cosl names it by a hash of its Python
    /// `repr`, not reproduced here).
    Unnamed,
    /// A group or rule of the wrong shape.
    Malformed(String),
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::Empty => f.write_str("Empty"),
            RuleError::InvalidFormat => f.write_str("Invalid rule format"),
            RuleError::Unnamed => f.write_str("a single rule needs a group name"),
            RuleError::Malformed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for RuleError {}

/// The extensions of rule files.
pub const RULE_FILE_SUFFIXES: &[&str] = &["rule", "rules", "yml", "yaml"];

/// Rules gathered from files and mappings (cosl's `Rules`).
#[derive(Debug, Clone)]
pub struct Rules {
    query_type: QueryType,
    topology: Option<JujuTopology>,
    groups: Vec<Value>,
}

impl Rules {
    /// No rules yet; `topology`, if any, labels and names every rule added.
    pub fn new(query_type: QueryType, topology: Option<JujuTopology>) -> Self {
        Rules {
            query_type,
            topology,
            groups: Vec::new(),
        }
    }

    /// The groups added so far.
    pub fn groups(&self) -> &[Value] {
        &self.groups
    }

    /// `{"groups": [...]}`, or `{}` with none (cosl's `as_dict`).
    pub fn as_dict(&self) -> Value {
        if self.groups.is_empty() {
            json!({})
        } else {
            json!({ "groups": self.groups })
        }
    }

    /// Adds a single rule (named `group_name`) or a `groups:` mapping, each group name
    /// prefixed with `group_name_prefix` (cosl's `add`).
    pub fn add(
        &mut self,
        rules: &Value,
        group_name: Option<&str>,
        group_name_prefix: Option<&str>,
    ) -> Result<(), RuleError> {
        let groups = self.injected_groups(rules, group_name, group_name_prefix)?;
        self.groups.extend(groups);
        Ok(())
    }

    /// Adds the rule files of the folder `path` (and of its sub-folders if `recursive`),
    /// in path order, or the file `path`. A missing path adds nothing; bad files are
    /// logged and skipped (cosl's `add_path`).
    pub fn add_path(&mut self, path: &Path, recursive: bool) {
        if path.is_dir() {
            let mut files = Vec::new();
            rule_files(path, recursive, &mut files);
            files.sort();
            for file in files {
                let groups = self.read_file(path, &file);
                self.groups.extend(groups);
            }
        } else if path.is_file() {
            let groups = self.read_file(path.parent().unwrap_or(Path::new("")), path);
            self.groups.extend(groups);
        } else {
            log::debug!("Rules path does not exist: {}", path.display());
        }
    }

    fn read_file(&self, root: &Path, file: &Path) -> Vec<Value> {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| yaml_to_json(&text));
        let content = match parsed {
            Ok(Some(content)) => content,
            Ok(None) => return Vec::new(),
            Err(e) => {
                log::error!("Failed to read rules from {name}: {e}");
                return Vec::new();
            }
        };
        let rel = file
            .parent()
            .and_then(|p| p.strip_prefix(root).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let identifier = self.topology.as_ref().map(JujuTopology::identifier);
        let prefix = join_nonempty([identifier.as_deref().unwrap_or(""), rel.as_str()]);
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        match self.injected_groups(&content, Some(&stem), Some(&prefix)) {
            Ok(groups) => groups,
            Err(e) => {
                log::error!("Invalid rules file: {name} ({e})");
                Vec::new()
            }
        }
    }

    fn injected_groups(
        &self,
        rules: &Value,
        group_name: Option<&str>,
        prefix: Option<&str>,
    ) -> Result<Vec<Value>, RuleError> {
        if is_falsy(rules) {
            return Err(RuleError::Empty);
        }
        let Value::Object(map) = rules else {
            return Err(RuleError::InvalidFormat);
        };
        let mut groups = if let Some(groups) = map.get("groups") {
            let Value::Array(groups) = groups else {
                return Err(RuleError::Malformed("groups is not a list".into()));
            };
            groups.clone()
        } else if map.contains_key("expr")
            && (map.contains_key("alert") || map.contains_key("record"))
        {
            let name = group_name.ok_or(RuleError::Unnamed)?;
            vec![json!({"name": name, "rules": [rules]})]
        } else {
            return Err(RuleError::InvalidFormat);
        };
        for group in &mut groups {
            let Value::Object(group) = group else {
                return Err(RuleError::Malformed("a group is not a mapping".into()));
            };
            let Some(Value::String(name)) = group.get("name") else {
                return Err(RuleError::Malformed("a group has no name".into()));
            };
            let mut name = name.clone();
            if !is_already_modified(&name) {
                name = join_nonempty([prefix.unwrap_or(""), name.as_str()]);
                if !name.ends_with("_rules") {
                    name.push_str("_rules");
                }
            }
            group.insert("name".into(), Value::String(sanitize_metric_name(&name)));
            let Some(Value::Array(rules)) = group.get_mut("rules") else {
                return Err(RuleError::Malformed("a group has no list of rules".into()));
            };
            for rule in rules {
                let Value::Object(rule) = rule else {
                    return Err(RuleError::Malformed("a rule is not a mapping".into()));
                };
                let labels = rule
                    .entry("labels")
                    .or_insert_with(|| Value::Object(Map::new()));
                let Some(topology) = &self.topology else {
                    continue;
                };
                let Value::Object(labels) = labels else {
                    return Err(RuleError::Malformed("labels is not a mapping".into()));
                };
                for (label, value) in topology.label_matcher_dict() {
                    labels.entry(label).or_insert(Value::String(value));
                }
                let Some(Value::String(expr)) = rule.get("expr") else {
                    return Err(RuleError::Malformed("a rule has no expr".into()));
                };
                let expr = self.cut_topology_placeholder(expr);
                rule.insert("expr".into(), Value::String(expr));
            }
        }
        Ok(groups)
    }

    /// `re.sub(r"%%juju_topology%%,?", repl, expr)`.
    fn cut_topology_placeholder(&self, expr: &str) -> String {
        const PLACEHOLDER: &str = "%%juju_topology%%";
        let repl = match self.query_type {
            QueryType::PromQl => "",
            QueryType::LogQl => "job=~\".+\"",
        };
        let mut out = String::with_capacity(expr.len());
        let mut rest = expr;
        while let Some(at) = rest.find(PLACEHOLDER) {
            out.push_str(&rest[..at]);
            out.push_str(repl);
            rest = &rest[at + PLACEHOLDER.len()..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        out.push_str(rest);
        out
    }
}

/// cosl's generic `HostHealth` group (`HostDown`, `HostMetricsMissing`), which
/// `MetricsEndpointProvider` adds to the charm's own rules.
pub fn application_rules() -> Value {
    json!({"groups": [{
        "name": "HostHealth",
        "rules": [
            {
                "alert": "HostDown",
                "expr": "up < 1",
                "for": "5m",
                "labels": {"severity": "critical"},
                "annotations": {
                    "summary": "Host '{{ $labels.instance }}' is down.",
                    "description": "Juju application '{{ $labels.juju_application }}' in model '{{ $labels.juju_model }}' is down. Prometheus has been unable to scrape it during at least the past five minutes.",
                },
            },
            {
                "alert": "HostMetricsMissing",
                "expr": "absent(up)",
                "for": "5m",
                "labels": {"severity": "warning"},
                "annotations": {
                    "summary": "Unit '{{ $labels.juju_unit }}' of application '{{ $labels.juju_application }}' is down or failing to remote write.",
                    "description": "`Up` missing for unit '{{ $labels.juju_unit }}' of application {{ $labels.juju_application }} in model {{ $labels.juju_model }}. Please ensure the unit or the collector scraping it is up and is able to successfully reach the metrics backend.",
                },
            },
        ],
    }]})
}

/// The rule files under `dir` (Python's `glob("**/*")`: symlinked folders are not
/// entered, symlinked files count).
fn rule_files(dir: &Path, recursive: bool, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_link = entry.file_type().map(|t| t.is_symlink()).unwrap_or(false);
        if path.is_file() {
            let suffix = path.extension().and_then(|e| e.to_str());
            if suffix.is_some_and(|s| RULE_FILE_SUFFIXES.contains(&s)) {
                out.push(path);
            } else {
                log::info!("Ignoring file with unrecognized suffix: {}", path.display());
            }
        } else if recursive && path.is_dir() && !is_link {
            rule_files(&path, recursive, out);
        }
    }
}

/// `"_".join(filter(None, parts))`.
fn join_nonempty<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Python's truthiness of a parsed file.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// Whether `name` matches `^.*?_[\da-f]{8}_.*?rules$` (already named with a topology).
fn is_already_modified(name: &str) -> bool {
    let line = name.strip_suffix('\n').unwrap_or(name);
    if line.contains('\n') {
        return false;
    }
    let Some(head) = line.strip_suffix("rules") else {
        return false;
    };
    let chars: Vec<char> = head.chars().collect();
    chars.windows(10).any(|w| {
        w[0] == '_'
            && w[9] == '_'
            && w[1..9]
                .iter()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(c))
    })
}

/// `name` with every character outside `[a-zA-Z0-9_:]` made `_`.
pub fn sanitize_metric_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A YAML document as JSON (`None` for an empty one, as `yaml.safe_load`).
fn yaml_to_json(text: &str) -> Result<Option<Value>, String> {
    let mut value: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    value.apply_merge().map_err(|e| e.to_string())?;
    if value.is_null() {
        return Ok(None);
    }
    convert(value).map(Some)
}

fn convert(value: yaml_serde::Value) -> Result<Value, String> {
    use yaml_serde::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{f} has no JSON form"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(convert).collect::<Result<_, _>>()?)
        }
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    Y::Number(n) => n.to_string(),
                    _ => return Err("a mapping key is not a scalar".into()),
                };
                out.insert(key, convert(value)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => return Err(format!("unknown tag {}", tagged.tag)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_modified_names() {
        assert!(is_already_modified("m_0123abcd_app_x_rules"));
        assert!(is_already_modified("m_0123abcd_rules"));
        assert!(is_already_modified("m_0123abcd_rules\n"));
        assert!(!is_already_modified("m_0123abcd_rules\n\n"));
        assert!(!is_already_modified("m_0123abcg_app_rules"));
        assert!(!is_already_modified("HostHealth"));
    }

    #[test]
    fn placeholder_cut_with_its_comma() {
        let rules = Rules::new(QueryType::PromQl, None);
        assert_eq!(
            rules.cut_topology_placeholder("up{%%juju_topology%%,a=\"b\"} < %%juju_topology%%"),
            "up{a=\"b\"} < "
        );
        let rules = Rules::new(QueryType::LogQl, None);
        assert_eq!(
            rules.cut_topology_placeholder("{%%juju_topology%%}"),
            "{job=~\".+\"}"
        );
    }
}
