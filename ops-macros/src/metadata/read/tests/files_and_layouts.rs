//! Files and layouts: unified charmcraft.yaml, legacy metadata.yaml with its siblings,
//! merge conflicts, missing and unreadable files.

use super::*;

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
