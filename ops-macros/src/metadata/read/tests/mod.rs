//! Tests of the metadata reader: every modelled key, both layouts, error positions and
//! the real-charm corpus.

use super::super::*;
use super::{load, parse_str, MetadataError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ops-macros-metadata-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn parse(text: &str) -> Metadata {
    match parse_str(text, Path::new("charmcraft.yaml")) {
        Ok(m) => m,
        Err(e) => panic!("unexpected error: {}", e.message),
    }
}

fn parse_err(text: &str) -> MetadataError {
    match parse_str(text, Path::new("charmcraft.yaml")) {
        Ok(m) => panic!("expected an error, got {m:#?}"),
        Err(e) => e,
    }
}

fn config(text: &str) -> Vec<ConfigOption> {
    parse(&format!("name: c\nconfig:\n  options:\n{text}")).config
}

fn action(text: &str) -> Action {
    let mut actions = parse(&format!("name: c\nactions:\n  act:\n{text}")).actions;
    assert_eq!(actions.len(), 1);
    actions.remove(0)
}

fn schema(param: &Param) -> &Schema {
    &param.schema
}

// ---------------------------------------------------------------------------------------
// Top-level keys
// ---------------------------------------------------------------------------------------

#[test]
fn reads_name_summary_description_subordinate_and_charm_user() {
    let m = parse(
        "name: demo\ntype: charm\nsummary: A demo.\ndescription: |\n  Long\n  text.\n\
         subordinate: true\ncharm-user: non-root\n",
    );
    assert_eq!(m.name, "demo");
    assert_eq!(m.summary.as_deref(), Some("A demo."));
    assert_eq!(m.description.as_deref(), Some("Long\ntext.\n"));
    assert!(m.subordinate);
    assert_eq!(m.charm_user.as_deref(), Some("non-root"));
    assert!(m.sources.is_empty());

    let m = parse("name: demo\nsubordinate: False\n");
    assert!(!m.subordinate);
    assert_eq!(m.charm_user, None);
}

#[test]
fn ignores_keys_it_does_not_model() {
    let m = parse(
        "name: demo\nseries: [jammy, focal]\ntags: [misc]\nmaintainer: Me <me@x>\n\
         maintainers:\n  - A\n  - B\nparts:\n  charm:\n    plugin: charm\nbases:\n  - name: ubuntu\n\
         platforms:\n  ubuntu@24.04:amd64:\ndisplay-name: Demo\nterms: [x]\ndocs: https://x\n",
    );
    assert_eq!(m.name, "demo");
}

#[test]
fn reads_nested_assumes() {
    let m = parse(
        "name: c\nassumes:\n  - k8s-api\n  - any-of:\n      - all-of:\n          - juju >= 2.9.44\n\
         \x20         - juju < 3\n      - juju >= 3.4.3\n",
    );
    assert_eq!(
        m.assumes,
        vec![
            Assumption::Feature("k8s-api".into()),
            Assumption::AnyOf(vec![
                Assumption::AllOf(vec![
                    Assumption::Feature("juju >= 2.9.44".into()),
                    Assumption::Feature("juju < 3".into()),
                ]),
                Assumption::Feature("juju >= 3.4.3".into()),
            ]),
        ]
    );
    assert_eq!(
        parse("name: c\nassumes: juju\n").assumes,
        vec![Assumption::Feature("juju".into())]
    );
}

#[test]
fn reads_containers_with_mounts() {
    let m = parse(
        "name: c\ncontainers:\n  demo-server:\n    resource: demo-image\n    mounts:\n\
         \x20     - storage: data\n        location: /var/data\n      - storage: logs\n\
         \x20 sidecar:\n    bases: [{name: ubuntu, channel: '22.04'}]\n    uid: 584792\n",
    );
    assert_eq!(
        m.containers,
        vec![
            Container {
                name: "demo-server".into(),
                resource: Some("demo-image".into()),
                mounts: vec![
                    Mount {
                        storage: "data".into(),
                        location: Some("/var/data".into())
                    },
                    Mount {
                        storage: "logs".into(),
                        location: None
                    },
                ],
            },
            Container {
                name: "sidecar".into(),
                resource: None,
                mounts: vec![]
            },
        ]
    );
}

#[test]
fn reads_resources() {
    let m = parse(
        "name: c\nresources:\n  image:\n    type: oci-image\n    description: The image\n\
         \x20   upstream-source: x/y:1\n    auto-fetch: true\n  bin:\n    type: file\n\
         \x20   filename: kratos.tar\n  plain:\n",
    );
    assert_eq!(
        m.resources,
        vec![
            Resource {
                name: "image".into(),
                kind: "oci-image".into(),
                filename: None,
                description: Some("The image".into())
            },
            Resource {
                name: "bin".into(),
                kind: "file".into(),
                filename: Some("kratos.tar".into()),
                description: None
            },
            Resource {
                name: "plain".into(),
                kind: "file".into(),
                filename: None,
                description: None
            },
        ]
    );
}

#[test]
fn reads_storage_with_every_multiple_form() {
    let m = parse(
        "name: c\nstorage:\n\
         \x20 a:\n    type: filesystem\n    location: /data\n    multiple:\n      range: 0-\n\
         \x20   minimum-size: 5M\n    shared: true\n    read-only: True\n    properties: [transient]\n\
         \x20   description: Data\n\
         \x20 b:\n    type: block\n    multiple: {range: 1-}\n\
         \x20 c:\n    type: block\n    multiple: {range: 2-5}\n    minimum-size: 1024\n\
         \x20 d:\n    type: block\n    multiple: {range: 3}\n    properties: transient\n\
         \x20 e:\n    type: block\n    multiple: {range: 4+}\n\
         \x20 f:\n    type: filesystem\n    multiple: {range: '2'}\n\
         \x20 g:\n    type: filesystem\n",
    );
    let s = &m.storages;
    assert_eq!(s.len(), 7);
    assert_eq!(
        s[0],
        Storage {
            name: "a".into(),
            kind: "filesystem".into(),
            location: Some("/data".into()),
            multiple: Some((0, None)),
            minimum_size: Some("5M".into()),
            shared: true,
            read_only: true,
            properties: vec!["transient".into()],
            description: Some("Data".into()),
        }
    );
    assert_eq!(s[1].multiple, Some((1, None)));
    assert_eq!(s[2].multiple, Some((2, Some(5))));
    assert_eq!(s[2].minimum_size.as_deref(), Some("1024"));
    assert_eq!(s[3].multiple, Some((3, Some(3))));
    assert_eq!(s[3].properties, vec!["transient".to_string()]);
    assert_eq!(s[4].multiple, Some((4, None)));
    assert_eq!(s[5].multiple, Some((2, Some(2))));
    assert_eq!(s[6].multiple, None);
    assert!(!s[6].shared && !s[6].read_only);
}

#[test]
fn reads_relations_in_section_order() {
    let m = parse(
        "name: c\npeers:\n  cluster:\n    interface: cluster\n\
         requires:\n  database:\n    interface: postgresql_client\n    limit: 1\n    optional: true\n\
         \x20 juju-info:\n    interface: juju-info\n    scope: container\n\
         \x20 ingress:\n    interface: ingress\n    limit: \"1\"\n    schema:\n      v1: {type: object}\n\
         \x20   versions: [v1]\n    __schema_source: https://x\n\
         provides:\n  website: http\n  metrics:\n    interface: prometheus_scrape\n    scope: global\n",
    );
    let names: Vec<(&str, Role)> = m
        .relations
        .iter()
        .map(|r| (r.name.as_str(), r.role))
        .collect();
    assert_eq!(
        names,
        vec![
            ("website", Role::Provides),
            ("metrics", Role::Provides),
            ("database", Role::Requires),
            ("juju-info", Role::Requires),
            ("ingress", Role::Requires),
            ("cluster", Role::Peer),
        ]
    );
    assert_eq!(m.relations[0].interface, "http");
    assert_eq!(
        m.relations[2],
        Relation {
            name: "database".into(),
            role: Role::Requires,
            interface: "postgresql_client".into(),
            limit: Some(1),
            optional: true,
            container_scope: false,
        }
    );
    assert!(m.relations[3].container_scope);
    assert!(!m.relations[1].container_scope);
    assert_eq!(m.relations[4].limit, Some(1));
    assert_eq!(m.relations[5].limit, None);
}

#[test]
fn reads_extra_bindings_links_and_devices() {
    let m = parse(
        "name: c\nextra-bindings:\n  public:\n  cluster:\n\
         links:\n  documentation: https://docs\n  issues: https://issues\n\
         \x20 source:\n    - https://a\n    - https://b\n  website: [https://w]\n\
         devices:\n  gpu:\n    type: nvidia.com/gpu\n    countmin: 1\n    countmax: 2\n    description: A GPU\n",
    );
    assert_eq!(
        m.extra_bindings,
        vec!["public".to_string(), "cluster".to_string()]
    );
    assert_eq!(
        m.links,
        Links {
            documentation: Some("https://docs".into()),
            issues: vec!["https://issues".into()],
            source: vec!["https://a".into(), "https://b".into()],
            contact: vec![],
            website: vec!["https://w".into()],
        }
    );
    assert_eq!(
        m.devices,
        vec![Device {
            name: "gpu".into(),
            kind: "nvidia.com/gpu".into(),
            description: Some("A GPU".into()),
            count_min: Some(1),
            count_max: Some(2),
        }]
    );
    assert_eq!(
        parse("name: c\nextra-bindings: [a, b]\n").extra_bindings,
        vec!["a".to_string(), "b".to_string()]
    );
}

// ---------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Errors and their positions
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_config_type_is_an_error_at_its_position() {
    let e = parse_err(
        "name: c\nconfig:\n  options:\n    server-port:\n      type: integer\n      default: 80\n",
    );
    assert_eq!((e.line, e.column), (Some(5), Some(13)));
    assert_eq!(
        e.message,
        "charmcraft.yaml:5:13: config.options.server-port.type: unknown option type \"integer\" \
         (expected string, int, float, boolean or secret)"
    );
    assert_eq!(e.file, PathBuf::from("charmcraft.yaml"));
    assert!(e.message.ends_with(&e.detail));
}

#[test]
fn a_default_that_does_not_fit_is_an_error_at_the_value_or_the_option() {
    // Type first: the default's own position.
    let e = parse_err(
        "name: c\nconfig:\n  options:\n    port:\n      type: int\n      default: eighty\n",
    );
    assert_eq!((e.line, e.column), (Some(6), Some(16)));
    assert_eq!(
        e.detail,
        "config.options.port.default: expected an integer, found string \"eighty\""
    );
    // Default first: the option's position.
    let e = parse_err(
        "name: c\nconfig:\n  options:\n    port:\n      default: 80\n      type: string\n",
    );
    assert_eq!((e.line, e.column), (Some(5), Some(7)));
    assert_eq!(
        e.detail,
        "config.options.port: default: expected a string, found integer 80 \
         (quote it to make it a string)"
    );
}

#[test]
fn wrong_shapes_are_errors_with_positions() {
    let cases: &[(&str, (usize, usize), &str)] = &[
        ("name: [a]\n", (1, 7), "name: invalid type: sequence, expected a string"),
        (
            "name: c\nsubordinate: maybe\n",
            (2, 14),
            "subordinate: expected true or false, found \"maybe\"",
        ),
        (
            "name: c\nrequires:\n  db:\n    interface: pg\n    limit: -1\n",
            (5, 12),
            "requires.db.limit: expected a non-negative whole number, found -1",
        ),
        (
            "name: c\nrequires:\n  db:\n    limit: 1\n",
            (4, 5),
            "requires.db: missing field `interface`",
        ),
        (
            "name: c\nprovides:\n  db:\n    interface: pg\n    scope: local\n",
            (5, 12),
            "provides.db.scope: unknown relation scope \"local\" (expected global or container)",
        ),
        (
            "name: c\nstorage:\n  data:\n    type: filesystem\n    multiple:\n      range: 5-2\n",
            (6, 14),
            "storage.data.multiple.range: invalid storage range \"5-2\": the maximum is below the minimum",
        ),
        (
            "name: c\nstorage:\n  data:\n    type: filesystem\n    multiple:\n      range: lots\n",
            (6, 14),
            "storage.data.multiple.range: invalid storage range \"lots\" (expected N, N-, N+ or N-M)",
        ),
        (
            "name: c\nstorage:\n  data:\n    type: tmpfs\n",
            (4, 11),
            "storage.data.type: unknown storage type \"tmpfs\" (expected filesystem or block)",
        ),
        (
            "name: c\nstorage:\n  data:\n    type: block\n    minimum-size: huge\n",
            (5, 19),
            "storage.data.minimum-size: invalid size \"huge\" (expected a number with an optional M, G, T, P, E, Z or Y suffix)",
        ),
        (
            "name: c\ncontainers:\n  app:\n    mounts: /data\n",
            (4, 13),
            "containers.app.mounts: invalid type: string \"/data\", expected a sequence",
        ),
        (
            "name: c\nassumes:\n  - none-of: [juju]\n",
            (3, 5),
            "assumes[0]: unknown assumption key \"none-of\" (expected `any-of` or `all-of`)",
        ),
        (
            "name: c\ncharm-user: admin\n",
            (2, 13),
            "charm-user: unknown charm user \"admin\" (expected root, sudoer or non-root)",
        ),
        (
            "name: c\nactions:\n  go:\n    params:\n      n:\n        type: integer\n        default: many\n",
            (7, 18),
            "actions.go.params.n.default: expected an integer, found string \"many\"",
        ),
        (
            "name: c\nactions:\n  go:\n    params:\n      n:\n        type: string\n    required: [m]\n",
            (4, 5),
            "actions.go: required: \"m\" is not one of the declared params",
        ),
        (
            "name: c\nactions:\n  go:\n    parallel: sometimes\n",
            (4, 15),
            "actions.go.parallel: expected true or false, found \"sometimes\"",
        ),
        (
            "name: c\nresources:\n  img:\n    type: docker\n",
            (4, 11),
            "resources.img.type: unknown resource type \"docker\" (expected oci-image or file)",
        ),
        (
            "name: c\nconfig:\n  options: [a, b]\n",
            (3, 12),
            "config.options: invalid type: sequence, expected a mapping of names to entries",
        ),
    ];
    for (text, (line, column), detail) in cases {
        let e = parse_err(text);
        assert_eq!(e.detail, *detail, "for {text:?}");
        assert_eq!(
            (e.line, e.column),
            (Some(*line), Some(*column)),
            "for {text:?}: {}",
            e.message
        );
        assert_eq!(
            e.message,
            format!("charmcraft.yaml:{line}:{column}: {detail}")
        );
    }
}

#[test]
fn yaml_syntax_errors_carry_positions() {
    let e = parse_err("name: c\nsummary: a: b\n");
    assert_eq!((e.line, e.column), (Some(2), Some(11)), "{}", e.message);
    assert_eq!(
        e.message,
        "charmcraft.yaml:2:11: mapping values are not allowed in this context"
    );
    assert!(!e.detail.contains(" at line "), "{}", e.detail);
}

#[test]
fn duplicate_names_are_errors() {
    let e = parse_err(
        "name: c\nprovides:\n  db:\n    interface: a\nrequires:\n  db:\n    interface: b\n",
    );
    assert_eq!(
        e.message,
        "charmcraft.yaml: relation endpoint \"db\" is declared under both provides and requires"
    );
    let e = parse_err(
        "name: c\nconfig:\n  options:\n    a:\n      type: int\n    a:\n      type: int\n",
    );
    assert!(e.detail.contains("config.options"), "{}", e.message);
    assert!(e.line.is_some());
}

#[test]
fn whole_document_shape_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "name: c\nconfig:\n  port:\n    type: int\n",
            "charmcraft.yaml:3:3: config: unknown field `port`, expected `options`",
        ),
        (
            "- a\n",
            "charmcraft.yaml:1:1: invalid type: sequence, expected a mapping of charm metadata keys",
        ),
        (
            "name: c\n---\nname: d\n",
            "charmcraft.yaml: deserializing from YAML containing more than one document is not supported",
        ),
        ("name: a\nname: b\n", "charmcraft.yaml:1:1: duplicate field `name`"),
    ];
    for (text, message) in cases {
        assert_eq!(parse_err(text).message, *message, "for {text:?}");
    }
}

#[test]
fn missing_name_is_an_error() {
    let e = parse_err("summary: x\n");
    assert!(e.message.starts_with("charmcraft.yaml: "), "{}", e.message);
    assert!(e.message.contains("`name`"), "{}", e.message);
    let e = parse_err("");
    assert!(e.message.contains("`name`"), "{}", e.message);
}

// ---------------------------------------------------------------------------------------
// Files and layouts
// ---------------------------------------------------------------------------------------

#[test]
fn load_reads_a_unified_charmcraft_yaml() {
    let dir = TempDir::new();
    let path = dir.write(
        "charmcraft.yaml",
        "name: demo\ntype: charm\nconfig:\n  options:\n    port:\n      type: int\n      default: 80\n\
         actions:\n  go:\n    description: Go.\n",
    );
    let m = load(&path).unwrap();
    assert_eq!(m.name, "demo");
    assert_eq!(m.config.len(), 1);
    assert_eq!(m.actions.len(), 1);
    assert_eq!(m.sources, vec![std::fs::canonicalize(&path).unwrap()]);
    assert!(m.sources[0].is_absolute());
}

#[test]
fn load_reads_a_legacy_charm_from_either_file() {
    let dir = TempDir::new();
    let craft = dir.write(
        "charmcraft.yaml",
        "type: charm\nparts:\n  charm:\n    plugin: charm\n",
    );
    let meta = dir.write(
        "metadata.yaml",
        "name: legacy\nrequires:\n  db:\n    interface: pg\nseries: [focal]\n",
    );
    let config = dir.write(
        "config.yaml",
        "options:\n  debug:\n    type: boolean\n    default: False\n",
    );
    let actions = dir.write(
        "actions.yaml",
        "backup:\n  description: Back up.\n  params:\n    to:\n      type: string\n",
    );
    let canon = |p: &PathBuf| std::fs::canonicalize(p).unwrap();
    for entry in [&craft, &meta] {
        let m = load(entry).unwrap();
        assert_eq!(m.name, "legacy");
        assert_eq!(m.relations.len(), 1);
        assert_eq!(m.config.len(), 1);
        assert_eq!(m.config[0].default, Some(Value::Bool(false)));
        assert_eq!(m.actions.len(), 1);
        assert_eq!(m.actions[0].params[0].name, "to");
        assert_eq!(
            m.sources,
            vec![canon(&craft), canon(&meta), canon(&config), canon(&actions)]
        );
    }
}

#[test]
fn legacy_metadata_takes_config_and_actions_from_charmcraft_yaml() {
    let dir = TempDir::new();
    let craft = dir.write(
        "charmcraft.yaml",
        "type: charm\nconfig:\n  options:\n    a:\n      type: string\nactions:\n  go:\n",
    );
    let meta = dir.write("metadata.yaml", "name: legacy\n");
    let m = load(&meta).unwrap();
    assert_eq!(m.config.len(), 1);
    assert_eq!(m.actions.len(), 1);
    assert_eq!(m.sources.len(), 2);
    assert_eq!(m.sources[0], std::fs::canonicalize(&craft).unwrap());
}

#[test]
fn metadata_yaml_alone_is_enough() {
    let dir = TempDir::new();
    let meta = dir.write("metadata.yaml", "name: alone\n");
    let m = load(&meta).unwrap();
    assert_eq!(m.name, "alone");
    assert_eq!(m.sources, vec![std::fs::canonicalize(&meta).unwrap()]);
}

#[test]
fn errors_in_sibling_files_name_those_files() {
    let dir = TempDir::new();
    dir.write("metadata.yaml", "name: legacy\n");
    let config = dir.write("config.yaml", "options:\n  port:\n    type: integer\n");
    let e = load(&dir.0.join("metadata.yaml")).unwrap_err();
    assert_eq!(e.file, config);
    assert_eq!((e.line, e.column), (Some(3), Some(11)));
    assert_eq!(
        e.message,
        format!(
            "{}:3:11: options.port.type: unknown option type \"integer\" (expected string, int, float, boolean or secret)",
            config.display()
        )
    );
}

#[test]
fn charmcraft_merge_conflicts_are_errors() {
    let dir = TempDir::new();
    dir.write(
        "charmcraft.yaml",
        "name: a\nsummary: s\nconfig:\n  options: {}\n",
    );
    let meta = dir.write("metadata.yaml", "name: a\nsummary: s\n");
    let e = load(&meta).unwrap_err();
    assert_eq!(e.file, meta);
    assert!(
        e.detail
            .starts_with("`name`, `summary` are also declared in charmcraft.yaml"),
        "{}",
        e.message
    );

    let dir = TempDir::new();
    let craft = dir.write("charmcraft.yaml", "name: a\nconfig:\n  options: {}\n");
    dir.write("config.yaml", "options: {}\n");
    let e = load(&craft).unwrap_err();
    assert_eq!(e.file, craft);
    assert!(e.detail.contains("config.yaml exists"), "{}", e.message);
}

#[test]
fn charmcraft_without_name_and_no_metadata_is_an_error() {
    let dir = TempDir::new();
    let craft = dir.write("charmcraft.yaml", "type: charm\n");
    let e = load(&craft).unwrap_err();
    assert_eq!(e.file, craft);
    assert!(e.message.contains("no `name`"), "{}", e.message);
}

#[test]
fn other_file_names_are_read_alone() {
    let dir = TempDir::new();
    dir.write("metadata.yaml", "name: other\n");
    dir.write("config.yaml", "options:\n  a:\n    type: string\n");
    let fixture = dir.write("fixture.yaml", "name: fixture\n");
    let m = load(&fixture).unwrap();
    assert_eq!(m.name, "fixture");
    assert!(m.config.is_empty());
    assert_eq!(m.sources, vec![std::fs::canonicalize(&fixture).unwrap()]);
}

#[test]
fn missing_and_unreadable_files_are_errors_naming_the_path() {
    let dir = TempDir::new();
    let missing = dir.0.join("charmcraft.yaml");
    let e = load(&missing).unwrap_err();
    assert_eq!(e.message, format!("{}: no such file", missing.display()));
    assert_eq!(e.line, None);

    let binary = dir.0.join("bin.yaml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    let e = load(&binary).unwrap_err();
    assert_eq!(e.message, format!("{}: not UTF-8 text", binary.display()));

    // A directory where a file should be.
    let e = load(&dir.0).unwrap_err();
    assert!(
        e.message.starts_with(&dir.0.display().to_string()),
        "{}",
        e.message
    );
}

// ---------------------------------------------------------------------------------------
// The corpus of real charms
// ---------------------------------------------------------------------------------------

/// One row of the table in `corpus/README.md`.
#[derive(Debug)]
struct Expected {
    charm: String,
    layout: String,
    containers: usize,
    relations: usize,
    actions: usize,
    options: usize,
}

fn parse_table(readme: &str) -> Vec<Expected> {
    readme
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| charm ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 6, "bad row: {l}");
            let containers = match cells[2] {
                "no" => 0,
                yes => yes
                    .trim_start_matches("yes (")
                    .trim_end_matches(')')
                    .parse()
                    .unwrap_or_else(|_| panic!("bad containers cell: {l}")),
            };
            let num = |s: &str| {
                s.parse::<usize>()
                    .unwrap_or_else(|_| panic!("bad row: {l}"))
            };
            Expected {
                charm: cells[0].to_string(),
                layout: cells[1].to_string(),
                containers,
                relations: num(cells[3]),
                actions: num(cells[4]),
                options: num(cells[5]),
            }
        })
        .collect()
}

/// The corpus's `charms` folder, if present. Missing, it fails the test under CI
/// (`ci`), and skips it with a note otherwise.
fn corpus_charms(root: &Path, ci: bool) -> Option<PathBuf> {
    let charms = root.join("charms");
    if charms.is_dir() {
        return Some(charms);
    }
    if ci {
        panic!(
            "the corpus folder {} is missing (CI=true)",
            charms.display()
        );
    }
    eprintln!(
        "note: skipping a corpus test: {} is missing",
        charms.display()
    );
    None
}

fn corpus_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

#[test]
#[should_panic(expected = "is missing (CI=true)")]
fn a_missing_corpus_fails_under_ci() {
    corpus_charms(Path::new("/nonexistent/corpus"), true);
}

#[test]
fn a_missing_corpus_is_skipped_outside_ci() {
    assert_eq!(corpus_charms(Path::new("/nonexistent/corpus"), false), None);
}

#[test]
fn corpus_charms_load_with_the_documented_counts() {
    let root = corpus_root();
    let Some(charms) = corpus_charms(root, in_ci()) else {
        return;
    };
    let readme = std::fs::read_to_string(root.join("README.md")).expect("corpus README.md");
    let table = parse_table(&readme);
    assert_eq!(table.len(), 28, "rows in the corpus table");

    let mut folders: Vec<String> = std::fs::read_dir(&charms)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut charted: Vec<String> = table.iter().map(|r| r.charm.clone()).collect();
    charted.sort();
    assert_eq!(folders, charted, "corpus folders vs. table rows");

    let mut failures = Vec::new();
    for row in &table {
        let dir = charms.join(&row.charm);
        let entry = dir.join("charmcraft.yaml");
        let m = match load(&entry) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: {}", row.charm, e.message));
                continue;
            }
        };
        let got = (
            m.name.as_str(),
            m.containers.len(),
            m.relations.len(),
            m.actions.len(),
            m.config.len(),
        );
        let want = (
            row.charm.as_str(),
            row.containers,
            row.relations,
            row.actions,
            row.options,
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", row.charm));
        }
        // The legacy ones read the same from metadata.yaml, and list every file read.
        let legacy = dir.join("metadata.yaml").is_file();
        assert_eq!(legacy, row.layout == "legacy", "{}: layout", row.charm);
        if legacy {
            match load(&dir.join("metadata.yaml")) {
                Ok(again) => assert_eq!(again, m, "{}: loaded from metadata.yaml", row.charm),
                Err(e) => failures.push(format!("{} (metadata.yaml): {}", row.charm, e.message)),
            }
        }
        let expected_sources = [
            "charmcraft.yaml",
            "metadata.yaml",
            "config.yaml",
            "actions.yaml",
        ]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .map(|p| std::fs::canonicalize(p).unwrap())
        .collect::<Vec<_>>();
        assert_eq!(m.sources, expected_sources, "{}: sources", row.charm);
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn corpus_details_worth_knowing_are_read() {
    let Some(charms) = corpus_charms(corpus_root(), in_ci()) else {
        return;
    };
    let load_charm = |name: &str| load(&charms.join(name).join("charmcraft.yaml")).unwrap();

    let ceph = load_charm("ceph-osd");
    assert!(!ceph.extra_bindings.is_empty());
    let blocks: Vec<&Storage> = ceph.storages.iter().filter(|s| s.kind == "block").collect();
    assert_eq!(blocks.len(), 5);
    assert!(blocks.iter().all(|s| s.multiple == Some((0, None))));

    let kafka = load_charm("kafka");
    assert!(kafka.actions.iter().any(|a| !a.additional_properties));
    let data = kafka.storages.iter().find(|s| s.name == "data").unwrap();
    assert_eq!(data.multiple, Some((1, None)));
    assert!(data.location.is_some());

    let kubeflow = load_charm("kubeflow-dashboard");
    assert_eq!(kubeflow.charm_user.as_deref(), Some("non-root"));

    for name in ["postgresql", "mysql", "mysql-k8s"] {
        let m = load_charm(name);
        assert!(
            m.assumes.iter().any(|a| matches!(a, Assumption::AnyOf(_))),
            "{name}: nested assumes"
        );
    }
    for name in ["grafana-agent", "pgbouncer"] {
        let m = load_charm(name);
        assert!(m.subordinate, "{name}: subordinate");
        assert!(
            m.relations.iter().any(|r| r.container_scope),
            "{name}: scope container"
        );
    }
    let etcd = load_charm("charmed-etcd");
    assert!(etcd
        .config
        .iter()
        .any(|o| o.kind == ConfigType::Secret && o.default.is_none()));

    let kratos = load_charm("kratos");
    assert!(kratos.resources.iter().any(|r| r.kind == "oci-image"));
    assert!(kratos
        .resources
        .iter()
        .any(|r| r.kind == "file" && r.filename.is_some()));

    let loki = load_charm("loki-k8s");
    assert_eq!(loki.containers.len(), 2);
    assert!(
        loki.containers
            .iter()
            .map(|c| c.mounts.len())
            .sum::<usize>()
            >= 2
    );

    // Quoted numbers for string options stay strings.
    let flush = kafka
        .config
        .iter()
        .find(|o| o.name == "log-flush-interval-messages")
        .unwrap();
    assert_eq!(flush.kind, ConfigType::String);
    assert_eq!(
        flush.default,
        Some(Value::String("9223372036854775807".into()))
    );
    // Capitalised booleans in action params.
    let mysql = load_charm("mysql");
    assert!(mysql
        .actions
        .iter()
        .flat_map(|a| &a.params)
        .any(|p| p.schema.default == Some(Value::Bool(false))));
}

// ---------------------------------------------------------------------------------------
// Garbage in
// ---------------------------------------------------------------------------------------

/// `depth` levels of nested action-param objects, the innermost a string.
fn nested_params(depth: usize) -> String {
    let mut text = String::from("name: c\nactions:\n  go:\n    params:\n");
    let mut indent = 6;
    for _ in 0..depth {
        let pad = " ".repeat(indent);
        text.push_str(&format!(
            "{pad}p:\n{pad}  type: object\n{pad}  properties:\n"
        ));
        indent += 4;
    }
    text.push_str(&format!("{}leaf:\n{0}  type: string\n", " ".repeat(indent)));
    text
}

#[test]
fn nasty_documents_are_errors_never_panics() {
    let flow_nest = format!("name: c\nx: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let block_nest: String = (0..2_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect::<String>();
    let assumes_nest = format!(
        "name: c\nassumes:\n  - {}juju{}\n",
        "{any-of: [".repeat(300),
        "]}".repeat(300)
    );
    let mut laughs = String::from("name: c\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let default_nest = format!(
        "name: c\nactions:\n  go:\n    params:\n      p: {{default: {}{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    laughs.push_str("actions:\n  go:\n    params:\n      p: {default: *a9}\n");
    let cases: Vec<(&str, String, Result<(), &str>)> = vec![
        ("10000 nested lists under an unknown key", flow_nest, Ok(())),
        ("10000 nested lists in a default", default_nest, Err("recursion limit exceeded")),
        ("2000 nested block mappings", format!("name: c\nx:\n{block_nest}"), Ok(())),
        ("300 nested any-of", assumes_nest, Err("recursion limit exceeded")),
        ("200 nested param objects", nested_params(200), Err("recursion limit exceeded")),
        ("an alias bomb", laughs, Err("repetition limit exceeded")),
        ("a scalar document", "42\n".into(), Err("1:1: invalid type: integer `42`, expected a mapping of charm metadata keys")),
        ("a list document", "- name: c\n".into(), Err("1:1: invalid type: sequence, expected a mapping of charm metadata keys")),
        ("a tab for indentation", "name: c\nrequires:\n\tdb: {}\n".into(), Err("3:1: found character that cannot start any token")),
        ("a NUL byte", "name: c\u{0}d\n".into(), Err("control characters are not allowed")),
        ("a key twice", "name: a\nname: b\n".into(), Err("duplicate field `name`")),
        ("a number for a name", "name: 12\n".into(), Ok(())),
        ("a tagged name", "name: !!binary aGk=\n".into(), Ok(())),
        ("a mapping key that is a list", "name: c\nprovides:\n  [a]: {interface: x}\n".into(), Err("provides: invalid type: sequence, expected a string")),
        ("a mapping key that is a number", "name: c\nprovides:\n  7: {interface: x}\n".into(), Ok(())),
        ("a relation that is a list", "name: c\nrequires:\n  db: [pg]\n".into(), Err("requires.db: invalid type: sequence, expected a relation")),
        ("a limit past u32", "name: c\nrequires:\n  db: {interface: pg, limit: 4294967296}\n".into(), Err("too large")),
        ("a limit past u64", "name: c\nrequires:\n  db: {interface: pg, limit: 99999999999999999999999}\n".into(), Err("requires.db.limit: 99999999999999999999999 is too large")),
        ("a fractional limit", "name: c\nrequires:\n  db: {interface: pg, limit: 1.5}\n".into(), Err("invalid type: floating point `1.5`, expected a non-negative whole number")),
        ("an infinite limit", "name: c\nrequires:\n  db: {interface: pg, limit: .inf}\n".into(), Err("invalid type: floating point `inf`")),
        ("a range past u32", "name: c\nstorage:\n  d: {type: block, multiple: {range: 99999999999-}}\n".into(), Err("invalid storage range")),
        ("a negative range", "name: c\nstorage:\n  d: {type: block, multiple: {range: -1}}\n".into(), Err("invalid type: integer `-1`, expected a storage range")),
        ("a bare range past u32", "name: c\nstorage:\n  d: {type: block, multiple: 4294967296}\n".into(), Err("storage.d.multiple: 4294967296 is too large")),
        ("a range of dashes", "name: c\nstorage:\n  d: {type: block, multiple: {range: '-'}}\n".into(), Err("invalid storage range")),
        ("a size with no digits", "name: c\nstorage:\n  d: {type: block, minimum-size: G}\n".into(), Err("invalid size")),
        ("a size with two dots", "name: c\nstorage:\n  d: {type: block, minimum-size: 1.2.3G}\n".into(), Err("invalid size")),
        ("an empty size", "name: c\nstorage:\n  d: {type: block, minimum-size: ''}\n".into(), Err("invalid size")),
        ("an int default past i64", "name: c\nconfig:\n  options:\n    n: {type: int, default: 9223372036854775808}\n".into(), Err("integer 9223372036854775808 does not fit in 64 bits")),
        ("an int default past u64", "name: c\nconfig:\n  options:\n    n: {type: int, default: 99999999999999999999999}\n".into(), Err("integer 99999999999999999999999 does not fit in 64 bits")),
        ("an infinite int default", "name: c\nconfig:\n  options:\n    n: {type: int, default: .inf}\n".into(), Err("expected an integer")),
        ("a NaN int default", "name: c\nconfig:\n  options:\n    n: {type: int, default: .nan}\n".into(), Err("expected an integer")),
        ("a list for a bool default", "name: c\nconfig:\n  options:\n    b: {type: boolean, default: [true]}\n".into(), Err("expected true or false")),
        ("a mapping for a string default", "name: c\nconfig:\n  options:\n    s: {type: string, default: {a: 1}}\n".into(), Err("expected a string")),
        ("an option that is a list", "name: c\nconfig:\n  options:\n    s: [string]\n".into(), Err("config.options.s: invalid type: sequence, expected a config option")),
        ("a type that is a list", "name: c\nconfig:\n  options:\n    s: {type: [string]}\n".into(), Err("config.options.s.type: invalid type: sequence")),
        ("an enum that is a mapping", "name: c\nactions:\n  go:\n    params:\n      p: {type: string, enum: {a: 1}}\n".into(), Err("enum: invalid type: map, expected a list of allowed values")),
        ("an integer enum past i64", "name: c\nactions:\n  go:\n    params:\n      p: {type: integer, enum: [18446744073709551615]}\n".into(), Err("enum[0]: integer 18446744073709551615 does not fit in 64 bits")),
        ("required that is a number", "name: c\nactions:\n  go:\n    params:\n      p: {type: string}\n    required: 7\n".into(), Err("required: \"7\" is not one of the declared params")),
        ("params that are a list", "name: c\nactions:\n  go:\n    params: [p]\n".into(), Err("actions.go.params: invalid type: sequence")),
        ("an action that is a number", "name: c\nactions:\n  go: 7\n".into(), Err("actions.go: invalid type: integer `7`, expected an action")),
        ("properties that are a string", "name: c\nactions:\n  go:\n    params:\n      p: {type: object, properties: nope}\n".into(), Err("properties: invalid type: string \"nope\"")),
        ("an assumption that is a number", "name: c\nassumes: [7]\n".into(), Err("assumes[0]: invalid type: integer `7`")),
        ("an empty assumption", "name: c\nassumes: [{}]\n".into(), Err("empty assumption")),
        ("containers that are a string", "name: c\ncontainers: app\n".into(), Err("containers: invalid type: string \"app\"")),
        ("mounts of numbers", "name: c\ncontainers:\n  app:\n    mounts: [1, 2]\n".into(), Err("containers.app.mounts[0]: invalid type: integer `1`")),
        ("links that are a number", "name: c\nlinks: 7\n".into(), Err("links: invalid type: integer `7`")),
        ("devices of lists", "name: c\ndevices:\n  gpu: [1]\n".into(), Err("devices.gpu: invalid type: sequence")),
    ];
    let mut wrong = Vec::new();
    for (what, text, needle) in &cases {
        let result = std::panic::catch_unwind(|| parse_str(text, Path::new("charmcraft.yaml")));
        match (result, needle) {
            (Err(_), _) => wrong.push(format!("{what}: the reader panicked")),
            (Ok(Ok(_)), Ok(())) => {}
            (Ok(Err(e)), Err(needle)) if e.message.contains(needle) => {}
            (Ok(Err(e)), _) => wrong.push(format!("{what}: {}", e.message)),
            (Ok(Ok(m)), Err(_)) => wrong.push(format!("{what}: expected an error, read {m:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn odd_but_valid_documents_read() {
    let long = "x".repeat(1 << 20);
    let m = parse(&format!(
        "\u{feff}name: \"🦀\"\nsummary: {long}\nprovides:\n  \"名前\": {{interface: \"\"}}\n  \"a b\": {{interface: x}}\nconfig:\n  options:\n    \"\": {{type: float, default: .nan}}\n    big: {{type: float, default: 1e308}}\n    '-': {{type: int, default: -9223372036854775808}}\nstorage:\n  d: {{type: block, multiple: {{range: 4294967295}}}}\n"
    ));
    assert_eq!(m.name, "🦀");
    assert_eq!(m.summary.as_deref().map(str::len), Some(1 << 20));
    assert_eq!(m.relations.len(), 2);
    assert_eq!(m.config.len(), 3);
    assert!(matches!(m.config[0].default, Some(Value::Float(f)) if f.is_nan()));
    assert_eq!(m.config[2].default, Some(Value::Int(i64::MIN)));
    // Deep but within the reader's limit: 20 nested objects.
    let m = parse(&nested_params(20));
    let mut schema = &m.actions[0].params[0].schema;
    let mut depth = 0;
    while let SchemaType::Object { properties, .. } = &schema.kind {
        depth += 1;
        schema = &properties[0].schema;
    }
    assert_eq!(depth, 20);
    assert_eq!(schema.kind, SchemaType::String);
}

#[test]
fn a_file_that_is_not_utf8_is_an_error() {
    let dir = TempDir::new();
    let path = dir.0.join("charmcraft.yaml");
    std::fs::write(&path, b"name: c\nsummary: \xff\xfe\n").unwrap();
    let e = load(&path).unwrap_err();
    assert!(e.message.contains("not UTF-8"), "{}", e.message);
    let path = dir.0.join("binary.yaml");
    std::fs::write(&path, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    assert!(load(&path).is_err());
}
