//! Action params checked against their JSON schema, as Juju checks them before it runs
//! an action (it validates with a JSON-schema library, so every draft 7 validation
//! keyword applies).
//!
//! Covered: `type` (one or a list), `enum`, `const`, `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum` (draft 7 numbers, and draft 4 booleans),
//! `multipleOf`, `minLength`, `maxLength` (in characters), `pattern` (unanchored, as
//! JSON schema says), `items` (one schema or a list), `minItems`, `maxItems`,
//! `uniqueItems`, `properties`, `required`, `additionalProperties` (a boolean or a
//! schema), `minProperties`, `maxProperties`. Not covered: the combinators (`allOf`,
//! `anyOf`, `oneOf`, `not`, `if`), `$ref`, `format`, `dependencies`, `patternProperties`,
//! `propertyNames`, `contains` — none appears in the actions of the corpus charms the
//! tests read when present (`../shared/corpus` beside the checkout), and the macro does
//! not keep them. A `type` list is checked
//! here, but the macro reads `type: [string, integer]` as "any type" and does not pass it
//! on.

use serde_json::Value;

/// Adds to `errors` each way `value`, at `path` (`param "n"`, `param "t".host`), breaks
/// `schema`. Values are quoted, as a test's own input.
pub(crate) fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return; // `true` or a schema we cannot read: anything goes
    };
    let mut own = Vec::new();
    let mut fail = |what: String| own.push(format!("{path} {what}, got {value}"));
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !kinds.is_empty() && !kinds.iter().any(|k| has_type(k, value)) {
            fail(format!("should be of type {}", kinds.join(" or ")));
            errors.append(&mut own);
            return; // the other keywords would only repeat it
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if !allowed.iter().any(|a| json_equal(a, value)) {
            let allowed: Vec<String> = allowed.iter().map(Value::to_string).collect();
            fail(format!("should be one of {}", allowed.join(", ")));
        }
    }
    if let Some(constant) = schema.get("const") {
        if !json_equal(constant, value) {
            fail(format!("should be {constant}"));
        }
    }
    if let Some(n) = value.as_f64().filter(|_| value.is_number()) {
        check_number(schema, n, &mut fail);
    }
    match value {
        Value::String(text) => check_string(schema, text, &mut fail),
        Value::Array(items) => {
            check_count(
                schema,
                "minItems",
                "maxItems",
                "items",
                items.len(),
                &mut fail,
            );
            if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                let repeated = items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items[..i].iter().any(|b| json_equal(a, b)));
                if repeated {
                    fail("should have unique items".into());
                }
            }
            for (i, item) in items.iter().enumerate() {
                let item_schema = match schema.get("items") {
                    Some(Value::Array(per_index)) => match per_index.get(i) {
                        Some(s) => s,
                        None => match schema.get("additionalItems") {
                            Some(s) => s,
                            None => continue,
                        },
                    },
                    Some(s) => s,
                    None => continue,
                };
                if item_schema == &Value::Bool(false) {
                    errors.push(format!(
                        "{path}[{i}] is not allowed (additionalItems is false)"
                    ));
                    continue;
                }
                validate(item_schema, item, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            check_count(
                schema,
                "minProperties",
                "maxProperties",
                "properties",
                map.len(),
                &mut fail,
            );
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        errors.push(format!("{path} needs {name:?} (required)"));
                    }
                }
            }
            for (key, item) in map {
                let nested = format!("{path}.{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(s) => validate(s, item, &nested, errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!(
                            "{path} has no property {key:?} (and additionalProperties is false)"
                        )),
                        Some(s) => validate(s, item, &nested, errors),
                        None => {}
                    },
                }
            }
        }
        _ => {}
    }
    errors.append(&mut own);
}

/// JSON schema's type names; `integer` includes whole floats (`3.0`), as in draft 7.
fn has_type(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true, // an unknown type name is the metadata's problem, reported elsewhere
    }
}

/// Equality as JSON schema means it: numbers by value (`3` is `3.0`).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_equal(a, b)))
        }
        _ => a == b,
    }
}

fn check_number(schema: &serde_json::Map<String, Value>, n: f64, fail: &mut impl FnMut(String)) {
    let num = |key: &str| schema.get(key).and_then(Value::as_f64);
    // Draft 4 wrote `exclusiveMinimum: true` beside `minimum`; draft 6+ a number.
    let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if let Some(min) = num("minimum") {
        if flag("exclusiveMinimum") && n <= min {
            fail(format!("should be greater than {min}"));
        } else if n < min {
            fail(format!("should be at least {min}"));
        }
    }
    if let Some(max) = num("maximum") {
        if flag("exclusiveMaximum") && n >= max {
            fail(format!("should be less than {max}"));
        } else if n > max {
            fail(format!("should be at most {max}"));
        }
    }
    if let Some(min) = num("exclusiveMinimum").filter(|min| n <= *min) {
        fail(format!("should be greater than {min}"));
    }
    if let Some(max) = num("exclusiveMaximum").filter(|max| n >= *max) {
        fail(format!("should be less than {max}"));
    }
    if let Some(step) = num("multipleOf").filter(|s| *s > 0.0) {
        let quotient = n / step;
        if (quotient - quotient.round()).abs() > 1e-9 {
            fail(format!("should be a multiple of {step}"));
        }
    }
}

fn check_string(
    schema: &serde_json::Map<String, Value>,
    text: &str,
    fail: &mut impl FnMut(String),
) {
    check_count(
        schema,
        "minLength",
        "maxLength",
        "characters",
        text.chars().count(),
        fail,
    );
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match regex_lite::Regex::new(pattern) {
            Ok(re) if !re.is_match(text) => fail(format!("should match the pattern {pattern:?}")),
            Ok(_) => {}
            Err(e) => fail(format!(
                "cannot be checked: its pattern {pattern:?} is invalid ({e})"
            )),
        }
    }
}

/// `min`/`max` bounds on a count of `what`.
fn check_count(
    schema: &serde_json::Map<String, Value>,
    min: &str,
    max: &str,
    what: &str,
    count: usize,
    fail: &mut impl FnMut(String),
) {
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    if let Some(min) = bound(min).filter(|m| (count as u64) < *m) {
        fail(format!("should have at least {min} {what}"));
    }
    if let Some(max) = bound(max).filter(|m| (count as u64) > *m) {
        fail(format!("should have at most {max} {what}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, value: Value) -> Vec<String> {
        let mut errors = Vec::new();
        validate(&schema, &value, "param \"p\"", &mut errors);
        errors
    }

    #[test]
    fn each_keyword_accepts_and_refuses() {
        let cases = [
            (json!({"type": "integer"}), json!(3), json!("3")),
            (json!({"type": "integer"}), json!(3.0), json!(3.5)),
            (json!({"type": ["string", "null"]}), json!(null), json!(1)),
            (json!({"enum": ["a", 1]}), json!(1.0), json!("b")),
            (
                json!({"const": {"a": [1]}}),
                json!({"a": [1.0]}),
                json!({"a": [2]}),
            ),
            (json!({"minimum": 1}), json!(1), json!(0.5)),
            (json!({"maximum": 10}), json!(10), json!(11)),
            (json!({"exclusiveMinimum": 1}), json!(1.5), json!(1)),
            (json!({"exclusiveMaximum": 10}), json!(9), json!(10)),
            (
                json!({"minimum": 1, "exclusiveMinimum": true}),
                json!(2),
                json!(1),
            ),
            (json!({"multipleOf": 0.5}), json!(2.5), json!(2.2)),
            (json!({"minLength": 2}), json!("éé"), json!("é")),
            (json!({"maxLength": 2}), json!("ab"), json!("abc")),
            (
                json!({"pattern": "^[a-z]+-\\d$"}),
                json!("db-1"),
                json!("DB-1"),
            ),
            (json!({"pattern": "b"}), json!("abc"), json!("xyz")),
            (
                json!({"items": {"type": "integer"}}),
                json!([1, 2]),
                json!([1, "2"]),
            ),
            (
                json!({"items": [{"type": "string"}], "additionalItems": false}),
                json!(["a"]),
                json!(["a", 1]),
            ),
            (json!({"minItems": 1}), json!([0]), json!([])),
            (json!({"maxItems": 1}), json!([0]), json!([0, 1])),
            (json!({"uniqueItems": true}), json!([1, 2]), json!([1, 1.0])),
            (
                json!({"required": ["host"]}),
                json!({"host": "h"}),
                json!({}),
            ),
            (
                json!({"properties": {"port": {"maximum": 65535}}}),
                json!({"port": 80}),
                json!({"port": 70000}),
            ),
            (
                json!({"properties": {"a": {}}, "additionalProperties": false}),
                json!({"a": 1}),
                json!({"a": 1, "b": 2}),
            ),
            (
                json!({"additionalProperties": {"type": "string"}}),
                json!({"x": "y"}),
                json!({"x": 1}),
            ),
            (json!({"minProperties": 1}), json!({"a": 1}), json!({})),
            (
                json!({"maxProperties": 1}),
                json!({"a": 1}),
                json!({"a": 1, "b": 2}),
            ),
        ];
        for (schema, good, bad) in cases {
            assert_eq!(
                errors(schema.clone(), good.clone()),
                Vec::<String>::new(),
                "{schema} {good}"
            );
            assert_eq!(
                errors(schema.clone(), bad.clone()).len(),
                1,
                "{schema} {bad}"
            );
        }
    }

    #[test]
    fn messages_name_the_path_the_rule_and_the_value() {
        assert_eq!(
            errors(json!({"type": "integer", "minimum": 1}), json!(0)),
            ["param \"p\" should be at least 1, got 0"]
        );
        assert_eq!(
            errors(
                json!({"type": "object", "properties": {"hosts": {"items": {"pattern": "^h"}}}}),
                json!({"hosts": ["h1", "x2"]})
            ),
            ["param \"p\".hosts[1] should match the pattern \"^h\", got \"x2\""]
        );
        // A wrong type is said once, not with every keyword it then breaks.
        assert_eq!(
            errors(json!({"type": "string", "minLength": 3}), json!(5)),
            ["param \"p\" should be of type string, got 5"]
        );
        assert_eq!(
            errors(json!({"pattern": "("}), json!("x")).len(),
            1,
            "an invalid pattern is reported, not a panic"
        );
    }
}
