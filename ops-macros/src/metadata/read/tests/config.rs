//! Config options: every type, defaults fitted to the type, empty sections.

use super::*;

#[test]
fn reads_config_options_of_every_type() {
    let opts = config(
        "    name:\n      type: string\n      default: demo\n      description: The name.\n\
         \x20   server-port:\n      type: int\n      default: 8000\n\
         \x20   ratio:\n      default: 0.5\n      type: float\n\
         \x20   debug:\n      type: boolean\n      default: False\n\
         \x20   password:\n      type: secret\n      description: A secret URI.\n",
    );
    assert_eq!(
        opts,
        vec![
            ConfigOption {
                name: "name".into(),
                kind: ConfigType::String,
                default: Some(Value::String("demo".into())),
                description: Some("The name.".into()),
            },
            ConfigOption {
                name: "server-port".into(),
                kind: ConfigType::Int,
                default: Some(Value::Int(8000)),
                description: None,
            },
            ConfigOption {
                name: "ratio".into(),
                kind: ConfigType::Float,
                default: Some(Value::Float(0.5)),
                description: None,
            },
            ConfigOption {
                name: "debug".into(),
                kind: ConfigType::Boolean,
                default: Some(Value::Bool(false)),
                description: None,
            },
            ConfigOption {
                name: "password".into(),
                kind: ConfigType::Secret,
                default: None,
                description: Some("A secret URI.".into()),
            },
        ]
    );
}

#[test]
fn config_defaults_are_fitted_to_the_type() {
    let opts = config(
        "    a:\n      type: int\n      default: \"9223372036854775807\"\n\
         \x20   b:\n      default: \"0\"\n      type: int\n\
         \x20   c:\n      type: float\n      default: 3\n\
         \x20   d:\n      type: boolean\n      default: \"yes\"\n\
         \x20   e:\n      type: string\n      default:\n\
         \x20   f:\n      type: string\n      default: \"\"\n\
         \x20   g:\n      description: no type means string\n      default: x\n\
         \x20   h:\n",
    );
    let defaults: Vec<Option<Value>> = opts.iter().map(|o| o.default.clone()).collect();
    assert_eq!(
        defaults,
        vec![
            Some(Value::Int(i64::MAX)),
            Some(Value::Int(0)),
            Some(Value::Float(3.0)),
            Some(Value::Bool(true)),
            None,
            Some(Value::String(String::new())),
            Some(Value::String("x".into())),
            None,
        ]
    );
    assert_eq!(opts[6].kind, ConfigType::String);
    assert_eq!(opts[7].kind, ConfigType::String);
}

#[test]
fn empty_config_and_actions_read_as_none() {
    let m = parse("name: c\nconfig:\n  options:\nactions:\n");
    assert!(m.config.is_empty());
    assert!(m.actions.is_empty());
    let m = parse("name: c\nconfig:\n");
    assert!(m.config.is_empty());
}
