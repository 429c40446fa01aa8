//! Garbage in: nasty documents are errors, never panics; odd but valid ones read.

use super::*;

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
