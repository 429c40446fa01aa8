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
        /// The JSON type given (e.g. `a string`), never the value: config options and
        /// params may hold secrets.
        got: String,
    },
    /// A required param is absent.
    #[error("{path}: required but not given")]
    Missing {
        /// The param.
        path: String,
    },
    /// A value is not one of the schema's `enum` values (the value itself is not
    /// repeated: it may be a secret typed into the wrong param).
    #[error("{path}: not one of {allowed}")]
    NotInEnum {
        /// The param.
        path: String,
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

/// Names `value`'s JSON type for an error message (`a string`), never the value itself:
/// errors go to `juju-log`, stderr and `action-fail`, and the value may be a secret.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
    .into()
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

/// JSON that did not fit a Rust type: the field path and what was expected, never the
/// value (relation data, saved state and hook-tool answers may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{detail}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct DecodeError {
    /// Where in the input (`peers[2].address`; empty at the top level).
    pub path: String,
    /// What went wrong, e.g. `invalid type: string, expected u16`.
    pub detail: String,
}

/// Deserialises `value` as `T`; an error names the path and the expected type only.
pub fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| path_error(e, redact))
}

/// Parses the JSON `text` as `T`; an error names the path and the expected type only.
pub fn decode_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value =
        serde_path_to_error::deserialize(&mut de).map_err(|e| path_error(e, redact_json))?;
    de.end().map_err(|e| DecodeError {
        path: String::new(),
        detail: redact_json(&e),
    })?;
    Ok(value)
}

fn path_error<E>(e: serde_path_to_error::Error<E>, describe: impl Fn(&E) -> String) -> DecodeError {
    let path = e.path().to_string();
    DecodeError {
        path: if path == "." { String::new() } else { path },
        detail: describe(e.inner()),
    }
}

/// A serde_json error's message without any input it quotes (syntax errors quote none).
pub fn redact_json(err: &serde_json::Error) -> String {
    match err.classify() {
        serde_json::error::Category::Data => redact(err),
        _ => err.to_string(),
    }
}

/// A deserialisation error's message with the quoted input removed: `invalid type: string
/// "hunter2", expected u16` becomes `invalid type: string, expected u16`. Messages of
/// unknown shape (a `Deserialize` impl's own) are withheld whole, as they may quote it.
pub fn redact(err: &impl fmt::Display) -> String {
    let message = err.to_string();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some(i) = rest.rfind(", expected ") {
                // `string "..."`, `integer `5``, `floating point `1.5``, `null`, `map`...
                let kind = rest[..i].split(['`', '"']).next().unwrap_or("").trim();
                return format!("{prefix}{kind}{}", &rest[i..]);
            }
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.rfind(", expected ").map_or("", |i| &rest[i..]);
        return format!("unknown variant{expected}");
    }
    let keeps = [
        "missing field ",
        "unknown field ",
        "duplicate field ",
        "invalid length ",
    ];
    if keeps.iter().any(|k| message.starts_with(k)) {
        return message;
    }
    "invalid value (the message is withheld: it may quote the value)".into()
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
            "server-port: expected an integer, got a string"
        );
        let opts = field::<Map<String, Value>>(&m, "", "opts")
            .unwrap()
            .unwrap();
        let err = field::<Vec<i64>>(&opts, "opts", "ports").unwrap_err();
        assert_eq!(
            err.to_string(),
            "opts.ports[1]: expected an integer, got a string"
        );
        let err = required_field::<String>(&m, "", "filename").unwrap_err();
        assert_eq!(err.to_string(), "filename: required but not given");
        assert!(field::<i64>(&map(json!({"f": 1.5})), "", "f").is_err());
    }

    #[test]
    fn decode_errors_name_the_path_and_type_never_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            port: u16,
            mode: Mode,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Mode {
            Full,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            peers: Vec<Inner>,
        }
        let secret = "hunter2-s3cr3t";
        let cases = [
            (
                json!({"peers": [{"port": secret, "mode": "Full"}]}),
                "peers[0].port: invalid type: string, expected u16",
            ),
            (
                json!({"peers": [{"port": 1, "mode": secret}]}),
                "peers[0].mode: unknown variant, expected `Full`",
            ),
            (
                json!({"peers": [{"port": 1.5, "mode": "Full"}]}),
                "peers[0].port: invalid type: floating point, expected u16",
            ),
            (
                json!({"peers": [{"port": 70000, "mode": "Full"}]}),
                "peers[0].port: invalid value: integer, expected u16",
            ),
            (
                json!({"peers": [{"mode": "Full"}]}),
                "peers[0]: missing field `port`",
            ),
            (
                json!({"peers": secret}),
                "peers: invalid type: string, expected a sequence",
            ),
        ];
        for (value, want) in cases {
            let text = value.to_string();
            assert_eq!(decode::<Outer>(value).unwrap_err().to_string(), want);
            let from_text = decode_str::<Outer>(&text).unwrap_err().to_string();
            assert!(from_text.starts_with(want), "{from_text}");
            assert!(!from_text.contains(secret), "{from_text}");
        }
        let err = decode_str::<Outer>(&format!("{{\"peers\": [], \"{secret}\"")).unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
        assert_eq!(
            redact(&"bad url https://user:hunter2@host"),
            "invalid value (the message is withheld: it may quote the value)"
        );
    }

    #[test]
    fn enums_and_extra_keys() {
        assert!(check_enum(&"gzip".to_string(), "c", &["gzip".into(), "xz".into()]).is_ok());
        let err = check_enum(&"zip".to_string(), "c", &["gzip".into(), "xz".into()]).unwrap_err();
        assert_eq!(err.to_string(), "c: not one of \"gzip\", \"xz\"");
        let modes = [("full", 1), ("incremental", 2)];
        assert_eq!(string_enum(&json!("incremental"), "mode", &modes), Ok(2));
        assert_eq!(
            string_enum(&json!("Full"), "opts.mode", &modes)
                .unwrap_err()
                .to_string(),
            "opts.mode: not one of \"full\", \"incremental\""
        );
        assert_eq!(
            string_enum(&json!(1), "mode", &modes)
                .unwrap_err()
                .to_string(),
            "mode: expected a string, got a number"
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
