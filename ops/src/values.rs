//! Reading typed values out of the JSON Juju gives for config and action params.
//!
//! The generated `Config` and params structs read each field with [`field`] (or
//! [`required_field`]), so every type error names the option or param, and its path inside
//! nested objects and arrays.

use serde_json::{Map, Value};
use std::fmt;

/// A value that did not fit the type the metadata gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is of the wrong type.
    #[error("{path}: expected {expected}, got {got}")]
    WrongType {
        /// The option or param (dotted and indexed for nested values, e.g. `opts.ports[1]`).
        path: String,
        /// What the metadata declares.
        expected: &'static str,
        /// What was given, briefly (e.g. `string "abc"`).
        got: String,
    },
    /// A required param is absent.
    #[error("{path}: required but not given")]
    Missing {
        /// The param.
        path: String,
    },
    /// A value is not one of the schema's `enum` values.
    #[error("{path}: {got} is not one of {allowed}")]
    NotInEnum {
        /// The param.
        path: String,
        /// The value given.
        got: String,
        /// The allowed values, comma-separated.
        allowed: String,
    },
    /// A key that the schema does not allow (`additionalProperties: false`).
    #[error("{path}: unknown key")]
    Unknown {
        /// The key, with its path.
        path: String,
    },
}

/// A Rust type a JSON value converts into, with a type error naming the value's path.
pub trait FromValue: Sized {
    /// Converts `value`, found at `path`.
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError>;
}

/// Describes `value` briefly for an error message, without dumping large values.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.chars().count() <= 40 => format!("string {s:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn wrong(value: &Value, path: &str, expected: &'static str) -> ValueError {
    ValueError::WrongType {
        path: path.to_string(),
        expected,
        got: describe(value),
    }
}

impl FromValue for String {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong(value, path, "a string"))
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    // Juju may print whole floats for int options (e.g. `8000.0`).
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| wrong(value, path, "an integer")),
            _ => Err(wrong(value, path, "an integer")),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        value.as_f64().ok_or_else(|| wrong(value, path, "a number"))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        value
            .as_bool()
            .ok_or_else(|| wrong(value, path, "a boolean"))
    }
}

impl FromValue for Value {
    fn from_value(value: &Value, _path: &str) -> Result<Self, ValueError> {
        Ok(value.clone())
    }
}

impl FromValue for Map<String, Value> {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        value
            .as_object()
            .cloned()
            .ok_or_else(|| wrong(value, path, "an object"))
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        let items = value
            .as_array()
            .ok_or_else(|| wrong(value, path, "an array"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_value(item, &format!("{path}[{i}]")))
            .collect()
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value, path: &str) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v, path).map(Some),
        }
    }
}

/// The path of `key` inside `parent` (`""` at the top level).
pub fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Reads the optional field `key` of `map` (found at `parent`): `None` when absent or null.
pub fn field<T: FromValue>(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<T>, ValueError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_value(v, &join_path(parent, key)).map(Some),
    }
}

/// Reads the required field `key` of `map` (found at `parent`).
pub fn required_field<T: FromValue>(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<T, ValueError> {
    field(map, parent, key)?.ok_or_else(|| ValueError::Missing {
        path: join_path(parent, key),
    })
}

/// Checks that `value` (at `path`) is one of `allowed`.
pub fn check_enum<T: PartialEq + fmt::Debug>(
    value: &T,
    path: &str,
    allowed: &[T],
) -> Result<(), ValueError> {
    if allowed.contains(value) {
        return Ok(());
    }
    Err(ValueError::NotInEnum {
        path: path.to_string(),
        got: format!("{value:?}"),
        allowed: allowed
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Reads the string at `path` that must be one of the `allowed` values, each with what it
/// converts to (the generated enums of string `enum` params use this).
pub fn string_enum<T: Copy>(
    value: &Value,
    path: &str,
    allowed: &[(&str, T)],
) -> Result<T, ValueError> {
    let got = value
        .as_str()
        .ok_or_else(|| wrong(value, path, "a string"))?;
    match allowed.iter().find(|(text, _)| *text == got) {
        Some((_, converted)) => Ok(*converted),
        None => Err(ValueError::NotInEnum {
            path: path.to_string(),
            got: format!("{got:?}"),
            allowed: allowed
                .iter()
                .map(|(text, _)| format!("{text:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Checks that `map` (at `parent`) has no keys beyond `known` (`additionalProperties:
/// false`).
pub fn check_no_extra_keys(
    map: &Map<String, Value>,
    parent: &str,
    known: &[&str],
) -> Result<(), ValueError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(extra) => Err(ValueError::Unknown {
            path: join_path(parent, extra),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_each_scalar_type() {
        let m = map(json!({"s": "x", "i": 8000, "f": 1.5, "b": true, "wf": 3.0}));
        assert_eq!(field::<String>(&m, "", "s").unwrap(), Some("x".into()));
        assert_eq!(field::<i64>(&m, "", "i").unwrap(), Some(8000));
        assert_eq!(field::<i64>(&m, "", "wf").unwrap(), Some(3));
        assert_eq!(field::<f64>(&m, "", "f").unwrap(), Some(1.5));
        assert_eq!(field::<f64>(&m, "", "i").unwrap(), Some(8000.0));
        assert_eq!(field::<bool>(&m, "", "b").unwrap(), Some(true));
        assert_eq!(field::<bool>(&m, "", "absent").unwrap(), None);
    }

    #[test]
    fn type_errors_name_the_path() {
        let m = map(json!({"server-port": "abc", "opts": {"ports": [1, "x"]}}));
        let err = field::<i64>(&m, "", "server-port").unwrap_err();
        assert_eq!(
            err.to_string(),
            "server-port: expected an integer, got string \"abc\""
        );
        let opts = field::<Map<String, Value>>(&m, "", "opts")
            .unwrap()
            .unwrap();
        let err = field::<Vec<i64>>(&opts, "opts", "ports").unwrap_err();
        assert_eq!(
            err.to_string(),
            "opts.ports[1]: expected an integer, got string \"x\""
        );
        let err = required_field::<String>(&m, "", "filename").unwrap_err();
        assert_eq!(err.to_string(), "filename: required but not given");
        assert!(field::<i64>(&map(json!({"f": 1.5})), "", "f").is_err());
    }

    #[test]
    fn enums_and_extra_keys() {
        assert!(check_enum(&"gzip".to_string(), "c", &["gzip".into(), "xz".into()]).is_ok());
        let err = check_enum(&"zip".to_string(), "c", &["gzip".into(), "xz".into()]).unwrap_err();
        assert_eq!(err.to_string(), "c: \"zip\" is not one of \"gzip\", \"xz\"");
        let modes = [("full", 1), ("incremental", 2)];
        assert_eq!(string_enum(&json!("incremental"), "mode", &modes), Ok(2));
        assert_eq!(
            string_enum(&json!("Full"), "opts.mode", &modes)
                .unwrap_err()
                .to_string(),
            "opts.mode: \"Full\" is not one of \"full\", \"incremental\""
        );
        assert_eq!(
            string_enum(&json!(1), "mode", &modes)
                .unwrap_err()
                .to_string(),
            "mode: expected a string, got number 1"
        );
        let m = map(json!({"a": 1, "b": 2}));
        assert!(check_no_extra_keys(&m, "", &["a", "b"]).is_ok());
        assert_eq!(
            check_no_extra_keys(&m, "x", &["a"])
                .unwrap_err()
                .to_string(),
            "x.b: unknown key"
        );
    }
}
