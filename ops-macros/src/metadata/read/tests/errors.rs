//! Errors and their positions: wrong types and shapes, YAML syntax, duplicates, missing
//! name.

use super::*;

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
