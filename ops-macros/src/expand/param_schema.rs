//! An action param's schema as JSON text, for `ops::testing` to validate params as Juju
//! does: `type`, `enum`, `items`, `properties`, `required`, `additionalProperties` and
//! the validation keywords kept as written (`minimum`, `pattern`...).

use super::meta::{json_string, json_text};
use crate::metadata::{Schema, SchemaType};

/// The JSON schema of `schema`, as compact JSON text.
pub fn param_schema_json(schema: &Schema) -> String {
    let mut fields: Vec<(String, String)> = Vec::new();
    let kind = match &schema.kind {
        SchemaType::String => Some("string"),
        SchemaType::Integer => Some("integer"),
        SchemaType::Number => Some("number"),
        SchemaType::Boolean => Some("boolean"),
        SchemaType::Array(_) => Some("array"),
        SchemaType::Object { .. } => Some("object"),
        SchemaType::Any | SchemaType::Unknown(_) => None,
    };
    if let Some(kind) = kind {
        fields.push(("type".into(), json_string(kind)));
    }
    if !schema.enum_values.is_empty() {
        let values: Vec<String> = schema.enum_values.iter().map(json_text).collect();
        fields.push(("enum".into(), format!("[{}]", values.join(","))));
    }
    match &schema.kind {
        SchemaType::Array(Some(items)) => {
            fields.push(("items".into(), param_schema_json(items)));
        }
        SchemaType::Object {
            properties,
            additional,
        } => {
            let props: Vec<String> = properties
                .iter()
                .map(|p| format!("{}:{}", json_string(&p.name), param_schema_json(&p.schema)))
                .collect();
            fields.push(("properties".into(), format!("{{{}}}", props.join(","))));
            let required: Vec<String> = properties
                .iter()
                .filter(|p| p.required)
                .map(|p| json_string(&p.name))
                .collect();
            if !required.is_empty() {
                fields.push(("required".into(), format!("[{}]", required.join(","))));
            }
            if !additional {
                fields.push(("additionalProperties".into(), "false".into()));
            }
        }
        _ => {}
    }
    for (keyword, value) in &schema.assertions {
        fields.push((keyword.clone(), yaml_json(value)));
    }
    let fields: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", json_string(k)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A YAML value as JSON text (tags dropped, non-string keys written as strings).
fn yaml_json(value: &serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => "null".into(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) if f.is_finite() => format!("{f:?}"),
            _ => "null".into(),
        },
        Y::String(s) => json_string(s),
        Y::Sequence(items) => {
            let items: Vec<String> = items.iter().map(yaml_json).collect();
            format!("[{}]", items.join(","))
        }
        Y::Mapping(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s.clone(),
                        other => yaml_json(other),
                    };
                    format!("{}:{}", json_string(&key), yaml_json(v))
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        Y::Tagged(tagged) => yaml_json(&tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::parse_str;

    #[test]
    fn keeps_the_validation_keywords_nested_and_on_top() {
        let yaml = "name: c\nactions:\n  act:\n    params:\n\
                    \x20     count:\n        type: integer\n        minimum: 1\n        exclusiveMaximum: 10.5\n\
                    \x20     name:\n        type: string\n        pattern: '^[a-z]+\"$'\n        maxLength: 8\n\
                    \x20     target:\n        type: object\n        additionalProperties: false\n\
                    \x20       required: [host]\n        minProperties: 1\n        properties:\n\
                    \x20         host:\n            type: string\n            enum: [a, b]\n\
                    \x20         ports:\n            type: array\n            uniqueItems: true\n\
                    \x20           items:\n              type: integer\n              maximum: 65535\n";
        let meta = parse_str(yaml, std::path::Path::new("charmcraft.yaml")).unwrap();
        let schemas: Vec<String> = meta.actions[0]
            .params
            .iter()
            .map(|p| param_schema_json(&p.schema))
            .collect();
        assert_eq!(
            schemas,
            [
                r#"{"type":"integer","minimum":1,"exclusiveMaximum":10.5}"#,
                r#"{"type":"string","pattern":"^[a-z]+\"$","maxLength":8}"#,
                r#"{"type":"object","properties":{"host":{"type":"string","enum":["a","b"]},"ports":{"type":"array","items":{"type":"integer","maximum":65535},"uniqueItems":true}},"required":["host"],"additionalProperties":false,"minProperties":1}"#,
            ]
        );
    }
}
