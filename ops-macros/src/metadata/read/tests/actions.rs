//! Actions: params, nested objects and arrays, unknown types, defaults, draft-3
//! `required`.

use super::*;

#[test]
fn reads_actions_with_params_and_action_keys() {
    let m = parse(
        "name: c\nactions:\n  get-db-info:\n    description: Show it.\n    execution-group: db\n\
         \x20   parallel: true\n    additionalProperties: false\n    params:\n\
         \x20     show-password:\n        type: boolean\n        default: False\n        description: Show?\n\
         \x20     type:\n        type: string\n        enum: [full, add, remove]\n\
         \x20     count:\n        type: integer\n        default: \"3\"\n        minimum: 0\n\
         \x20     ratio:\n        type: number\n\
         \x20   required: [type]\n  noop:\n",
    );
    assert_eq!(m.actions.len(), 2);
    let a = &m.actions[0];
    assert_eq!(a.name, "get-db-info");
    assert_eq!(a.description.as_deref(), Some("Show it."));
    assert_eq!(a.execution_group.as_deref(), Some("db"));
    assert!(a.parallel);
    assert!(!a.additional_properties);
    let names: Vec<(&str, bool)> = a
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.required))
        .collect();
    assert_eq!(
        names,
        vec![
            ("show-password", false),
            ("type", true),
            ("count", false),
            ("ratio", false)
        ]
    );
    assert_eq!(
        *schema(&a.params[0]),
        Schema {
            kind: SchemaType::Boolean,
            description: Some("Show?".into()),
            default: Some(Value::Bool(false)),
            enum_values: vec![],
            assertions: vec![],
        }
    );
    assert_eq!(
        schema(&a.params[1]).enum_values,
        vec![
            Value::String("full".into()),
            Value::String("add".into()),
            Value::String("remove".into())
        ]
    );
    assert_eq!(schema(&a.params[2]).kind, SchemaType::Integer);
    assert_eq!(schema(&a.params[2]).default, Some(Value::Int(3)));
    assert_eq!(schema(&a.params[3]).kind, SchemaType::Number);

    let noop = &m.actions[1];
    assert_eq!(noop.name, "noop");
    assert!(noop.params.is_empty());
    assert!(noop.additional_properties);
    assert!(!noop.parallel);
}

#[test]
fn reads_nested_objects_and_arrays() {
    let a = action(
        "    params:\n      target:\n        type: object\n        additionalProperties: false\n\
         \x20       required: [host]\n        properties:\n\
         \x20         host:\n            type: string\n\
         \x20         ports:\n            type: array\n            items:\n              type: integer\n\
         \x20         labels:\n            type: object\n\
         \x20     tags:\n        type: array\n\
         \x20     anything:\n        description: no type\n\
         \x20     either:\n        type: [string, integer]\n\
         \x20     only:\n        type: [string]\n",
    );
    let target = &a.params[0];
    match &schema(target).kind {
        SchemaType::Object {
            properties,
            additional,
        } => {
            assert!(!additional);
            assert_eq!(properties.len(), 3);
            assert_eq!(properties[0].name, "host");
            assert!(properties[0].required);
            assert_eq!(properties[0].schema.kind, SchemaType::String);
            assert!(!properties[1].required);
            assert_eq!(
                properties[1].schema.kind,
                SchemaType::Array(Some(Box::new(Schema {
                    kind: SchemaType::Integer,
                    description: None,
                    default: None,
                    enum_values: vec![],
                    assertions: vec![],
                })))
            );
            assert_eq!(
                properties[2].schema.kind,
                SchemaType::Object {
                    properties: vec![],
                    additional: true
                }
            );
        }
        other => panic!("expected an object, got {other:?}"),
    }
    assert_eq!(schema(&a.params[1]).kind, SchemaType::Array(None));
    assert_eq!(schema(&a.params[2]).kind, SchemaType::Any);
    assert_eq!(schema(&a.params[3]).kind, SchemaType::Any);
    assert_eq!(schema(&a.params[4]).kind, SchemaType::String);
}

#[test]
fn unknown_param_types_are_kept_for_the_expansion_to_report() {
    let a = action("    params:\n      x:\n        type: str\n      y:\n        type: \"null\"\n");
    assert_eq!(schema(&a.params[0]).kind, SchemaType::Unknown("str".into()));
    assert_eq!(
        schema(&a.params[1]).kind,
        SchemaType::Unknown("null".into())
    );
}

#[test]
fn param_defaults_of_other_shapes_are_json_text() {
    let a = action(
        "    params:\n      list:\n        type: array\n        default: [a, 1]\n\
         \x20     obj:\n        default: {k: v}\n      n:\n        default: 5\n",
    );
    assert_eq!(
        schema(&a.params[0]).default,
        Some(Value::Other(r#"["a",1]"#.into()))
    );
    assert_eq!(
        schema(&a.params[1]).default,
        Some(Value::Other(r#"{"k":"v"}"#.into()))
    );
    assert_eq!(schema(&a.params[2]).default, Some(Value::Int(5)));
}

#[test]
fn draft3_required_true_marks_the_param_required() {
    let a = action("    params:\n      x:\n        type: string\n        required: true\n");
    assert!(a.params[0].required);
}
