//! Fitting saved state to a charm struct that changed since it was saved, and refusing to
//! save what could not be read back.
//!
//! A restore overlays the saved JSON on the JSON of `C::default()`, so a field the saved
//! state lacks takes its default value whatever its serde attributes; saved fields the
//! struct no longer keeps are listed for one WARNING. A save first walks the struct for
//! non-finite floats, which JSON cannot hold (serde_json would write `null`, and the
//! next hook could not restore it).

use super::store::StoreError;
use crate::charm::Charm;
use serde::ser::{self, Serialize};
use serde_json::Value;
use std::fmt;

/// The charm from its saved state (saved by state revision `revision`), or `C::default()`
/// before the first successful hook. State from another revision goes through
/// [`Charm::migrate_state`] first; then fields it lacks take their values from
/// `C::default()` ([`overlay`]), and fields the struct no longer keeps are dropped with
/// one WARNING (to `warn`). Errors name the field and the expected type, never a saved
/// value.
pub fn restore<C: Charm>(
    saved: Option<Value>,
    revision: u32,
    warn: &mut dyn FnMut(String),
) -> Result<C, StoreError> {
    let Some(saved) = saved else {
        return Ok(C::default());
    };
    let type_name = std::any::type_name::<C>();
    let corrupt = |detail: String| StoreError::Corrupt {
        location: "the saved charm state".into(),
        detail,
    };
    let saved = if revision == C::STATE_REVISION {
        saved
    } else {
        C::migrate_state(saved, revision).map_err(|e| {
            corrupt(format!(
                "migrate_state from state revision {revision} to {} failed: {e}",
                C::STATE_REVISION
            ))
        })?
    };
    let default = serde_json::to_value(C::default())
        .map_err(|e| corrupt(format!("the default {type_name} cannot be serialised: {e}")))?;
    let charm: C = crate::values::decode(overlay(default, saved.clone())).map_err(|e| {
        corrupt(format!(
            "it does not fit {type_name}: {e} (a charm whose saved layout changed migrates it \
             in migrate_state: see the README's \"Persisted state\")"
        ))
    })?;
    if let Ok(kept) = serde_json::to_value(&charm) {
        let dropped = dropped_fields(&saved, &kept);
        if !dropped.is_empty() {
            warn(format!(
                "Dropping saved state fields {type_name} no longer has: {}.",
                dropped.join(", ")
            ));
        }
    }
    Ok(charm)
}

/// `saved` over `default`: objects are merged key by key (recursively), anything else is
/// `saved`. Two one-key objects with different keys are an externally tagged enum that
/// changed variant: `saved` whole. Keys only in `saved` are kept (a map field, or a
/// field the struct dropped: deserialisation ignores it).
pub fn overlay(default: Value, saved: Value) -> Value {
    match (default, saved) {
        (Value::Object(mut base), Value::Object(saved)) => {
            let variant_switch =
                base.len() == 1 && saved.len() == 1 && base.keys().ne(saved.keys());
            if variant_switch {
                return Value::Object(saved);
            }
            for (key, value) in saved {
                let merged = match base.remove(&key) {
                    Some(base_value) => overlay(base_value, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Object(base)
        }
        (_, saved) => saved,
    }
}

/// The paths of object keys in `saved` that `kept` (the restored struct, serialised
/// again) does not have: the saved fields the charm struct dropped.
pub fn dropped_fields(saved: &Value, kept: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_dropped(saved, kept, "", &mut out);
    out
}

fn collect_dropped(saved: &Value, kept: &Value, path: &str, out: &mut Vec<String>) {
    let (Value::Object(saved), Value::Object(kept)) = (saved, kept) else {
        return;
    };
    for (key, value) in saved {
        let child = crate::values::join_path(path, key);
        match kept.get(key) {
            Some(kept_value) => collect_dropped(value, kept_value, &child, out),
            None => out.push(child),
        }
    }
}

/// Refuses a charm that could not be read back after a save: one holding a NaN or
/// infinite float, which serde_json writes as `null`.
pub fn check_savable<C: Serialize + ?Sized>(charm: &C) -> Result<(), StoreError> {
    let Some(path) = non_finite_float(charm) else {
        return Ok(());
    };
    let field = if path.is_empty() { "the value" } else { &path };
    Err(StoreError::Corrupt {
        location: "the charm struct".into(),
        detail: format!(
            "cannot be saved: {field} is NaN or infinite, which JSON cannot hold (it would be \
             saved as null, and the next hook could not restore it)"
        ),
    })
}

/// The path of the first non-finite float in `value`, if any (`ratios[2]`, `limits.cpu`;
/// empty for the value itself).
pub fn non_finite_float<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    match value.serialize(Walk {
        path: String::new(),
    }) {
        Ok(()) => None,
        Err(NonFinite(path)) => Some(path),
    }
}

/// The walk's only error: a non-finite float at this path (or a serialiser's own error,
/// which the later save reports properly).
#[derive(Debug)]
struct NonFinite(String);

impl fmt::Display for NonFinite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "non-finite float at {}", self.0)
    }
}

impl std::error::Error for NonFinite {}

impl ser::Error for NonFinite {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        // Not ours to report: the real save hits the same error and says it.
        NonFinite(String::new())
    }
}

/// A serialiser that writes nothing and fails at the first NaN or infinity.
struct Walk {
    path: String,
}

/// The compound half of [`Walk`]: the path of the container, the next element's index
/// and the map key being written.
struct Compound {
    path: String,
    index: usize,
    key: String,
}

impl Compound {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NonFinite> {
        let path = format!("{}[{}]", self.path, self.index);
        self.index += 1;
        value.serialize(Walk { path })
    }

    fn field<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), NonFinite> {
        value.serialize(Walk {
            path: crate::values::join_path(&self.path, key),
        })
    }
}

fn finite(path: String, ok: bool) -> Result<(), NonFinite> {
    if ok {
        Ok(())
    } else {
        Err(NonFinite(path))
    }
}

macro_rules! accept {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<(), NonFinite> { Ok(()) })*
    };
}

impl ser::Serializer for Walk {
    type Ok = ();
    type Error = NonFinite;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    accept!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str,
    );

    fn serialize_f32(self, v: f32) -> Result<(), NonFinite> {
        finite(self.path, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<(), NonFinite> {
        finite(self.path, v.is_finite())
    }
    fn serialize_none(self) -> Result<(), NonFinite> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), NonFinite> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), NonFinite> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), NonFinite> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), NonFinite> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), NonFinite> {
        self.compound().field(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound, NonFinite> {
        Ok(self.compound())
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound, NonFinite> {
        Ok(self.compound())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound, NonFinite> {
        Ok(self.compound())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound, NonFinite> {
        Ok(self.variant(variant))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound, NonFinite> {
        Ok(self.compound())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound, NonFinite> {
        Ok(self.compound())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound, NonFinite> {
        Ok(self.variant(variant))
    }
}

impl Walk {
    fn compound(self) -> Compound {
        Compound {
            path: self.path,
            index: 0,
            key: String::new(),
        }
    }
    fn variant(self, variant: &str) -> Compound {
        Compound {
            path: crate::values::join_path(&self.path, variant),
            index: 0,
            key: String::new(),
        }
    }
}

/// The element-wise compound serialisers: each element's path is `path[i]`.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = ();
            type Error = NonFinite;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NonFinite> {
                self.element(value)
            }
            fn end(self) -> Result<(), NonFinite> {
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound {
    type Ok = ();
    type Error = NonFinite;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NonFinite> {
        self.key = match serde_json::to_value(key) {
            Ok(Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => "?".into(),
        };
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NonFinite> {
        let key = std::mem::take(&mut self.key);
        self.field(&key, value)
    }
    fn end(self) -> Result<(), NonFinite> {
        Ok(())
    }
}

/// The field-wise compound serialisers: each field's path is `path.field`.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound {
            type Ok = ();
            type Error = NonFinite;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), NonFinite> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), NonFinite> {
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn overlay_fills_missing_fields_at_every_depth() {
        let default = json!({"a": 1, "nested": {"x": 0, "y": [1]}, "mode": {"Idle": null}});
        let saved = json!({"nested": {"x": 5}, "extra": true, "mode": {"Running": {"pid": 3}}});
        assert_eq!(
            overlay(default, saved),
            json!({"a": 1, "nested": {"x": 5, "y": [1]}, "extra": true,
                   "mode": {"Running": {"pid": 3}}})
        );
        // A one-key object with the same key (a one-field struct) is merged, not replaced.
        assert_eq!(
            overlay(json!({"only": {"p": 1, "q": 2}}), json!({"only": {"p": 7}})),
            json!({"only": {"p": 7, "q": 2}})
        );
        assert_eq!(overlay(json!([1, 2]), json!([])), json!([]));
        assert_eq!(overlay(json!(null), json!({"k": 1})), json!({"k": 1}));
    }

    #[test]
    fn dropped_fields_are_those_the_struct_does_not_keep() {
        let saved = json!({"old": 1, "kept": {"gone": 2, "here": 3}, "map": {"k": 1}});
        let kept = json!({"kept": {"here": 3}, "map": {"k": 1}, "new": 0});
        assert_eq!(dropped_fields(&saved, &kept), ["kept.gone", "old"]);
    }

    #[test]
    fn non_finite_floats_are_found_with_their_path() {
        #[derive(serde::Serialize)]
        struct Inner {
            ratios: Vec<f64>,
        }
        #[derive(serde::Serialize)]
        enum Mode {
            Scaled { factor: f32 },
        }
        #[derive(serde::Serialize)]
        struct Charm {
            ok: f64,
            inner: Inner,
            limits: BTreeMap<String, f64>,
            mode: Mode,
            maybe: Option<f64>,
        }
        let good = Charm {
            ok: 1.5,
            inner: Inner { ratios: vec![0.5] },
            limits: BTreeMap::from([("cpu".to_string(), 2.0)]),
            mode: Mode::Scaled { factor: 1.0 },
            maybe: None,
        };
        assert_eq!(non_finite_float(&good), None);
        let mut bad = good;
        bad.inner.ratios.push(f64::NAN);
        assert_eq!(non_finite_float(&bad).as_deref(), Some("inner.ratios[1]"));
        bad.inner.ratios.pop();
        bad.limits.insert("mem".into(), f64::INFINITY);
        assert_eq!(non_finite_float(&bad).as_deref(), Some("limits.mem"));
        bad.limits.remove("mem");
        bad.mode = Mode::Scaled {
            factor: f32::NEG_INFINITY,
        };
        assert_eq!(
            non_finite_float(&bad).as_deref(),
            Some("mode.Scaled.factor")
        );
        bad.mode = Mode::Scaled { factor: 0.0 };
        bad.maybe = Some(f64::NAN);
        assert_eq!(non_finite_float(&bad).as_deref(), Some("maybe"));
        assert_eq!(non_finite_float(&f64::NAN).as_deref(), Some(""));
    }
}
