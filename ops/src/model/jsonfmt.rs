//! JSON helpers for typed relation data: Python `json.dumps` formatting, and the field
//! names a `Deserialize` type declares.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::ser::Formatter;
use std::cell::Cell;
use std::io;

/// Formats like Python's `json.dumps` defaults: `", "` and `": "` separators, and every
/// non-ASCII character escaped as `\uXXXX` (`ensure_ascii`).
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// `value` as Python's `json.dumps(value)` writes it.
pub(crate) fn dumps(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` to a Vec cannot fail; fall back to serde_json's own text if so.
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return value.to_string();
    }
    // Only ASCII and escapes were written.
    String::from_utf8(out).unwrap_or_else(|_| value.to_string())
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a Cell<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        Err(de::Error::custom("field names recorded"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// The field names (serde's, after renames; aliases included) of struct `T`; empty for
/// types that are not plain structs.
pub(crate) fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let names = Cell::new(&[][..]);
    let _ = T::deserialize(FieldNames(&names));
    names.get()
}

#[cfg(test)]
mod tests {
    use super::{dumps, field_names};
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn dumps_matches_python() {
        assert_eq!(dumps(&json!("x")), "\"x\"");
        assert_eq!(
            dumps(&json!({"a": [1, 2], "b": null})),
            "{\"a\": [1, 2], \"b\": null}"
        );
        assert_eq!(dumps(&json!("é😀")), "\"\\u00e9\\ud83d\\ude00\"");
        assert_eq!(dumps(&json!("q\"\n")), "\"q\\\"\\n\"");
        assert_eq!(dumps(&json!(1.5)), "1.5");
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct S {
        a: u8,
        #[serde(rename = "b-b")]
        b: u8,
        #[serde(skip)]
        c: u8,
    }

    #[test]
    fn field_names_of_structs_only() {
        assert_eq!(field_names::<S>(), &["a", "b-b"]);
        assert!(field_names::<u32>().is_empty());
        assert!(field_names::<std::collections::BTreeMap<String, String>>().is_empty());
    }
}
