//! [`layer_from_rockcraft`]: the Pebble layer a rock's `rockcraft.yaml` defines, so a test
//! container can start from the rock's own services instead of a copy of them.

use ops_pebble::{Check, Layer, Service};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml_serde::{Mapping, Value};

/// Why [`layer_from_rockcraft`] could not build a layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RockcraftError {
    /// There is no file at the path (or it is a directory).
    #[error("rockcraft.yaml file not found at {}", .path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML, or not the shape of a `rockcraft.yaml` (no `summary`, a
    /// service that is not a Pebble service...).
    #[error("{}: {reason}", .path.display())]
    Invalid {
        /// The path given.
        path: PathBuf,
        /// What is wrong, naming the field.
        reason: String,
    },
}

/// The Pebble layer a rock's `rockcraft.yaml` at `path` defines, as Python's
/// `scenario.layer_from_rockcraft`: the rock's `summary` (required), a description saying
/// where it came from (`"<description> (built from the rockcraft.yaml at <path>)"`, or
/// `(no description)`), and its `services` and `checks`. The rest of the file (parts,
/// platforms, the rock's own `environment`...) is not part of a layer and is ignored.
///
/// ```ignore
/// use ops::testing::{layer_from_rockcraft, Container, State};
///
/// let rock = layer_from_rockcraft("../rock/rockcraft.yaml")?;
/// let state = State::new().container(Container::new("app").can_connect(true).layer("rock", rock));
/// ```
///
/// A missing file, YAML that does not parse, a file without `summary`, or services and
/// checks that are not Pebble's are errors naming the file, never a panic.
pub fn layer_from_rockcraft(path: impl AsRef<Path>) -> Result<Layer, RockcraftError> {
    let path = path.as_ref();
    if !path.is_file() {
        return Err(RockcraftError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| RockcraftError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |reason: String| RockcraftError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let doc: Value =
        yaml_serde::from_str(&text).map_err(|e| invalid(format!("not valid YAML: {e}")))?;
    let Value::Mapping(doc) = doc else {
        return Err(invalid(format!(
            "a rockcraft.yaml is a mapping of keys, this is {}",
            kind_of(&doc)
        )));
    };
    let summary = match doc.get("summary") {
        Some(Value::String(summary)) => summary.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "`summary` must be a string, not {}",
                kind_of(other)
            )))
        }
        None => return Err(invalid("it has no `summary`, which a rock needs".into())),
    };
    let description = match doc.get("description") {
        None | Some(Value::Null) => "(no description)".to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "`description` must be a string, not {}",
                kind_of(other)
            )))
        }
    };
    Ok(Layer {
        summary,
        description: format!(
            "{description} (built from the rockcraft.yaml at {})",
            path.display()
        ),
        services: section::<Service>(&doc, "services").map_err(invalid)?,
        checks: section::<Check>(&doc, "checks").map_err(invalid)?,
        ..Layer::default()
    })
}

/// The `key` section of the document as Pebble entries by name (empty if absent or null).
fn section<T: DeserializeOwned>(doc: &Mapping, key: &str) -> Result<BTreeMap<String, T>, String> {
    let entries = match doc.get(key) {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Mapping(entries)) => entries,
        Some(other) => {
            return Err(format!(
                "`{key}` must map names to entries, not be {}",
                kind_of(other)
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (name, entry) in entries {
        let Value::String(name) = name else {
            return Err(format!(
                "`{key}` names must be strings, not {}",
                kind_of(name)
            ));
        };
        let value = yaml_serde::from_value(entry.clone())
            .map_err(|e| format!("`{key}.{name}` is not a Pebble entry: {e}"))?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ops_pebble::{CheckLevel, Override};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Writes `text` to a fresh `rockcraft.yaml` in its own temporary directory.
    struct Rock(PathBuf);

    impl Rock {
        fn new(text: &str) -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "ops-testing-rockcraft-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("rockcraft.yaml");
            std::fs::write(&path, text).unwrap();
            Rock(path)
        }
        fn layer(&self) -> Result<Layer, RockcraftError> {
            layer_from_rockcraft(&self.0)
        }
        fn reason(&self) -> String {
            match self.layer() {
                Err(RockcraftError::Invalid { path, reason }) => {
                    assert_eq!(path, self.0);
                    reason
                }
                other => panic!("expected Invalid, got {other:?}"),
            }
        }
    }

    impl Drop for Rock {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    /// The Rockcraft documentation's example, with a second service and two checks (as
    /// Python's own test of `layer_from_rockcraft`).
    const HELLO: &str = r#"
name: hello
title: Hello World
summary: A Hello World rock
description: This is an example of a Rockcraft project for a Hello World rock.
version: latest
base: bare
build-base: ubuntu@22.04
license: Apache-2.0
run-user: _daemon_
environment:
  FOO: bar
services:
  hello:
    override: replace
    command: /usr/bin/hello -t
    startup: enabled
    environment:
      VAR1: value
      VAR2: other value
  hello-echo:
    override: replace
    command: echo hello
checks:
  chk1:
    override: merge
    exec:
      command: /usr/bin/hello -c
  chk2:
    override: merge
    level: ready
    tcp:
      port: 8000
platforms:
  amd64:
  armhf:
    build-on: [armhf, arm64]
parts:
  hello:
    plugin: nil
    stage-packages: [hello]
"#;

    #[test]
    fn services_and_checks_come_from_the_rock() {
        let rock = Rock::new(HELLO);
        let layer = rock.layer().unwrap();
        assert_eq!(layer.summary, "A Hello World rock");
        assert_eq!(
            layer.description,
            format!(
                "This is an example of a Rockcraft project for a Hello World rock. \
                 (built from the rockcraft.yaml at {})",
                rock.0.display()
            )
        );
        assert_eq!(
            layer.services.keys().collect::<Vec<_>>(),
            ["hello", "hello-echo"]
        );
        let hello = &layer.services["hello"];
        assert_eq!(hello.command, "/usr/bin/hello -t");
        assert_eq!(hello.override_, Some(Override::Replace));
        assert_eq!(hello.environment["VAR2"], "other value");
        // The rock's own environment is not the service's.
        assert!(!hello.environment.contains_key("FOO"));
        assert_eq!(layer.checks.len(), 2);
        assert_eq!(
            layer.checks["chk1"].exec.as_ref().unwrap().command,
            "/usr/bin/hello -c"
        );
        assert_eq!(layer.checks["chk1"].level, None);
        assert_eq!(layer.checks["chk2"].level, Some(CheckLevel::Ready));
        assert_eq!(layer.checks["chk2"].tcp.as_ref().unwrap().port, Some(8000));
        assert!(layer.log_targets.is_empty());
    }

    #[test]
    fn the_layer_drives_a_test_container() {
        let rock = Rock::new(HELLO);
        let container = crate::testing::Container::new("app")
            .can_connect(true)
            .layer("rock", rock.layer().unwrap());
        let plan = container.plan().unwrap();
        assert_eq!(plan.services["hello-echo"].command, "echo hello");
        assert_eq!(plan.checks["chk2"].level, Some(CheckLevel::Ready));
    }

    #[test]
    fn a_rock_without_services_is_an_empty_layer_with_its_summary() {
        let rock = Rock::new("summary: Empty Layer\nservices:\n");
        let layer = rock.layer().unwrap();
        assert_eq!(layer.summary, "Empty Layer");
        assert!(layer
            .description
            .starts_with("(no description) (built from"));
        assert!(layer.services.is_empty() && layer.checks.is_empty());
    }

    #[test]
    fn a_missing_file_or_a_directory_is_not_found() {
        let rock = Rock::new("summary: x\n");
        let missing = rock.0.with_file_name("nope.yaml");
        match layer_from_rockcraft(&missing) {
            Err(RockcraftError::NotFound { path }) => assert_eq!(path, missing),
            other => panic!("expected NotFound, got {other:?}"),
        }
        let dir = rock.0.parent().unwrap();
        let err = layer_from_rockcraft(dir).unwrap_err();
        assert!(matches!(err, RockcraftError::NotFound { .. }));
        assert!(err.to_string().contains("rockcraft.yaml file not found at"));
    }

    #[test]
    fn bad_yaml_and_bad_shapes_are_errors_naming_the_field() {
        let bad = Rock::new("summary: [unclosed\n");
        assert!(
            bad.reason().starts_with("not valid YAML"),
            "{}",
            bad.reason()
        );
        assert!(Rock::new("").reason().contains("mapping of keys"));
        assert!(Rock::new("- a\n- b\n").reason().contains("this is a list"));
        assert!(Rock::new("name: hello\n").reason().contains("no `summary`"));
        assert!(Rock::new("summary: [a]\n")
            .reason()
            .contains("`summary` must be a string"));
        assert!(Rock::new("summary: s\nservices: [a]\n")
            .reason()
            .contains("`services` must map names"));
        let reason =
            Rock::new("summary: s\nservices:\n  web:\n    command: [not, a, string]\n").reason();
        assert!(
            reason.contains("`services.web` is not a Pebble entry"),
            "{reason}"
        );
        let reason = Rock::new("summary: s\nchecks:\n  up:\n    threshold: many\n").reason();
        assert!(reason.contains("`checks.up`"), "{reason}");
    }
}
