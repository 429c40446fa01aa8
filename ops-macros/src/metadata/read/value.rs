//! Default and `enum` values: YAML values as written, fitted to the declared type.
//!
//! Fitting happens inside a serde visitor whenever the declared type is already known, so
//! that a mismatch is reported at the value's own line and column.

use super::super::{ConfigType, SchemaType, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A YAML value as written, before it is fitted to a declared type.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (any capitalisation YAML accepts).
    Bool(bool),
    /// A whole number (wide enough for both `i64` and `u64`).
    Int(i128),
    /// A number with a fraction or exponent (or `.inf`, `.nan`).
    Float(f64),
    /// A string, quoted or plain.
    Str(String),
    /// A sequence or a mapping.
    Complex(yaml_serde::Value),
}

impl Raw {
    /// How the value reads in an error message.
    fn describe(&self) -> String {
        match self {
            Raw::Null => "null".to_string(),
            Raw::Bool(b) => format!("boolean {b}"),
            Raw::Int(i) => format!("integer {i}"),
            Raw::Float(f) => format!("number {f}"),
            Raw::Str(s) => format!("string {s:?}"),
            Raw::Complex(yaml_serde::Value::Sequence(_)) => "a list".to_string(),
            Raw::Complex(_) => "a mapping".to_string(),
        }
    }
}

/// The type a value must fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// A string (config `string` / `secret`, schema `string`).
    String,
    /// A 64-bit integer (config `int`, schema `integer`).
    Int,
    /// A float (config `float`, schema `number`).
    Float,
    /// A boolean.
    Bool,
    /// Anything: the value is kept as written.
    Natural,
}

impl Target {
    /// The target of a config option's type.
    pub(super) fn of_config(kind: ConfigType) -> Target {
        match kind {
            ConfigType::String | ConfigType::Secret => Target::String,
            ConfigType::Int => Target::Int,
            ConfigType::Float => Target::Float,
            ConfigType::Boolean => Target::Bool,
        }
    }

    /// The target of a JSON-schema type.
    pub(super) fn of_schema(kind: &SchemaType) -> Target {
        match kind {
            SchemaType::String => Target::String,
            SchemaType::Integer => Target::Int,
            SchemaType::Number => Target::Float,
            SchemaType::Boolean => Target::Bool,
            _ => Target::Natural,
        }
    }
}

/// Reads a boolean written as text, as YAML 1.1 and Go's `strconv.ParseBool` do
/// (`True`, `FALSE`, `yes`, `off`, `1`, ...).
pub(super) fn parse_bool_text(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "t" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// Fits `raw` to `target`. `Raw::Null` must be handled by the caller (it means "no value").
pub(super) fn fit(raw: Raw, target: Target) -> Result<Value, String> {
    let mismatch = |raw: &Raw, want: &str| format!("expected {want}, found {}", raw.describe());
    match target {
        Target::Natural => Ok(natural(raw)),
        Target::String => match raw {
            Raw::Str(s) => Ok(Value::String(s)),
            Raw::Int(_) | Raw::Float(_) | Raw::Bool(_) => Err(format!(
                "{} (quote it to make it a string)",
                mismatch(&raw, "a string")
            )),
            other => Err(mismatch(&other, "a string")),
        },
        Target::Int => match raw {
            Raw::Int(i) => i64::try_from(i)
                .map(Value::Int)
                .map_err(|_| format!("integer {i} does not fit in 64 bits")),
            Raw::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Value::Int(f as i64)),
            Raw::Str(ref s) => s
                .trim()
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| mismatch(&raw, "an integer")),
            other => Err(mismatch(&other, "an integer")),
        },
        Target::Float => match raw {
            Raw::Int(i) => Ok(Value::Float(i as f64)),
            Raw::Float(f) => Ok(Value::Float(f)),
            Raw::Str(ref s) => s
                .trim()
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| mismatch(&raw, "a number")),
            other => Err(mismatch(&other, "a number")),
        },
        Target::Bool => match raw {
            Raw::Bool(b) => Ok(Value::Bool(b)),
            Raw::Str(ref s) => parse_bool_text(s)
                .map(Value::Bool)
                .ok_or_else(|| mismatch(&raw, "true or false")),
            other => Err(mismatch(&other, "true or false")),
        },
    }
}

/// The value as written, without a declared type.
fn natural(raw: Raw) -> Value {
    match raw {
        Raw::Null => Value::Other("null".to_string()),
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => match i64::try_from(i) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Other(i.to_string()),
        },
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::String(s),
        Raw::Complex(v) => Value::Other(to_json(&v)),
    }
}

/// Writes a YAML value as JSON text (non-finite floats become `null`).
pub(super) fn to_json(value: &yaml_serde::Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &yaml_serde::Value, out: &mut String) {
    use yaml_serde::Value as Y;
    match value {
        Y::Null => out.push_str("null"),
        Y::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                match n.as_f64() {
                    Some(f) if f.is_finite() => out.push_str(&format!("{f:?}")),
                    _ => out.push_str("null"),
                }
            }
        }
        Y::String(s) => write_json_string(s, out),
        Y::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Y::Mapping(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match k {
                    Y::String(s) => write_json_string(s, out),
                    other => write_json_string(&to_json(other), out),
                }
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        Y::Tagged(tagged) => write_json(&tagged.value, out),
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A value read with [`FitSeed`]: fitted already, or kept raw until the type is known.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Fitted {
    /// Fitted to the declared type (or `None` for an explicit null).
    Done(Option<Value>),
    /// Read before the type was known.
    Pending(Raw),
}

impl Fitted {
    /// Fits a pending value once the type is known.
    pub(super) fn finish(self, target: Target) -> Result<Option<Value>, String> {
        match self {
            Fitted::Done(v) => Ok(v),
            Fitted::Pending(Raw::Null) => Ok(None),
            Fitted::Pending(raw) => fit(raw, target).map(Some),
        }
    }
}

/// Reads one value and, when `target` is known, fits it right away (errors then carry the
/// value's own position).
#[derive(Clone, Copy)]
pub(super) struct FitSeed {
    /// The declared type, if already seen.
    pub target: Option<Target>,
}

impl<'de> DeserializeSeed<'de> for FitSeed {
    type Value = Fitted;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Fitted, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl FitSeed {
    fn done<E: de::Error>(self, raw: Raw) -> Result<Fitted, E> {
        match (self.target, raw) {
            (_, Raw::Null) => Ok(Fitted::Done(None)),
            (None, raw) => Ok(Fitted::Pending(raw)),
            (Some(target), raw) => fit(raw, target)
                .map(|v| Fitted::Done(Some(v)))
                .map_err(E::custom),
        }
    }
}

impl<'de> Visitor<'de> for FitSeed {
    type Value = Fitted;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Fitted, E> {
        self.done(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fitted, E> {
        self.done(Raw::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fitted, E> {
        self.done(Raw::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Fitted, E> {
        self.done(Raw::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Fitted, E> {
        // YAML integers past u64 arrive here; past i128 they can only be a float.
        match i128::try_from(v) {
            Ok(i) => self.done(Raw::Int(i)),
            Err(_) => self.done(Raw::Float(v as f64)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fitted, E> {
        self.done(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Fitted, E> {
        self.done(Raw::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Fitted, E> {
        self.done(Raw::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Fitted, E> {
        self.done(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Fitted, E> {
        self.done(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Fitted, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Fitted, A::Error> {
        let v: yaml_serde::Value =
            serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.done(Raw::Complex(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Fitted, A::Error> {
        let v: yaml_serde::Value =
            serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.done(Raw::Complex(v))
    }
}

/// Reads an `enum:` list, fitting each item when the type is already known.
pub(super) struct EnumSeed {
    /// The declared type, if already seen.
    pub target: Option<Target>,
}

impl<'de> DeserializeSeed<'de> for EnumSeed {
    type Value = Vec<Fitted>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Fitted>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnumSeed {
    type Value = Vec<Fitted>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of allowed values")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Fitted>, A::Error> {
        let mut out = Vec::new();
        let seed = FitSeed {
            target: self.target,
        };
        while let Some(item) = seq.next_element_seed(seed)? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Fitted>, E> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_coerces_quoted_numbers_and_capitalised_booleans() {
        assert_eq!(fit(Raw::Str("0".into()), Target::Int), Ok(Value::Int(0)));
        assert_eq!(
            fit(Raw::Str(" 9223372036854775807".into()), Target::Int),
            Ok(Value::Int(i64::MAX))
        );
        assert_eq!(fit(Raw::Int(3), Target::Float), Ok(Value::Float(3.0)));
        assert_eq!(
            fit(Raw::Str("False".into()), Target::Bool),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            fit(Raw::Str("yes".into()), Target::Bool),
            Ok(Value::Bool(true))
        );
        assert_eq!(fit(Raw::Float(2.0), Target::Int), Ok(Value::Int(2)));
    }

    #[test]
    fn fit_rejects_mismatches_with_a_readable_reason() {
        assert_eq!(
            fit(Raw::Str("abc".into()), Target::Int),
            Err("expected an integer, found string \"abc\"".to_string())
        );
        assert_eq!(
            fit(Raw::Int(8080), Target::String),
            Err("expected a string, found integer 8080 (quote it to make it a string)".into())
        );
        assert!(fit(Raw::Int(i128::from(u64::MAX)), Target::Int).is_err());
        assert!(fit(Raw::Float(1.5), Target::Int).is_err());
        assert!(fit(Raw::Str("maybe".into()), Target::Bool).is_err());
    }

    #[test]
    fn complex_values_become_json_text() {
        let v: yaml_serde::Value =
            yaml_serde::from_str("{a: [1, 2.5, \"x\\\"y\"], b: null, c: true, 3: .inf}").unwrap();
        assert_eq!(
            fit(Raw::Complex(v), Target::Natural),
            Ok(Value::Other(
                r#"{"a":[1,2.5,"x\"y"],"b":null,"c":true,"3":null}"#.to_string()
            ))
        );
    }
}
