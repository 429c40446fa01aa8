//! Migration from Python `ops`: the real Python `ops` 3.9 (from PyPI, in `.venv-refs/`,
//! made by `bash .ci/python-refs.sh`) runs a Python charm
//! (`tests/fixtures/python-migration/src/charm.py`) through hooks that store state and
//! defer, as Juju runs it (`JUJU_*` variables, stand-in hook tools on `PATH`); then the
//! Rust port of that charm (below) runs its first hook over the same charm directory,
//! and the test asserts the state it restored and the deferred events it re-emitted.
//! Once with Python's `.unit-state.db`, once with its controller storage (`state-get`).

#![cfg(feature = "python-migration")]

mod common;

use common::{fork_or_write_lock, Unit};
use ops::event::RelationChanged;
use ops::migrate::{Migration, MigrationHook, PyValue};
use ops::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The Rust port of the Python charm: the same fields (`legacy_ports` renamed `ports`,
/// mapped by [`map_legacy`]), the same handlers but `_on_update_status`.
#[charm(metadata = "tests/fixtures/python-migration/metadata.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct MigrationDemo {
    installs: u32,
    port: Option<u16>,
    seen: BTreeSet<String>,
    names: Vec<String>,
    settings: BTreeMap<String, String>,
    by_id: BTreeMap<u32, String>,
    blob: Vec<u8>,
    ratio: f64,
    ports: Vec<u16>,
    /// What the Rust handlers saw (not in the Python state).
    handled: Vec<String>,
}

#[charm]
impl MigrationDemo {
    #[on(start)]
    fn on_start(&mut self, _model: &Model<Self>) {
        self.handled.push("start".into());
    }

    #[on(config_changed)]
    fn _on_config_changed(&mut self, _model: &Model<Self>) {
        self.handled.push("config_changed".into());
    }

    #[on(relation_changed = "db")]
    fn on_db_changed(&mut self, _model: &Model<Self>, event: &RelationChanged) {
        self.handled.push(format!(
            "db {} {} {}",
            event.relation.id(),
            event.app.as_deref().unwrap_or("-"),
            event.remote_unit.as_deref().unwrap_or("-")
        ));
    }
}

/// The charm's own mapping: Python's `legacy_ports` list is the Rust `ports`.
fn map_legacy(migration: &mut Migration) -> Result<(), String> {
    let Some(PyValue::List(ports)) = migration.unmapped.remove("legacy_ports") else {
        return Err("no legacy_ports list in the Python state".into());
    };
    let ports: Vec<serde_json::Value> = ports.iter().filter_map(PyValue::to_json).collect();
    migration.charm.insert("ports".into(), ports.into());
    Ok(())
}

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let options = ops::MainOptions {
            python_migration: Some(MigrationHook(map_legacy)),
            controller_storage: std::env::var_os("MIGRATION_RUST_CONTROLLER").is_some(),
            ..Default::default()
        };
        std::process::exit(ops::run_main::<MigrationDemo>(options));
    }
}

/// The Python of `.venv-refs/` with ops 3.9, or `None` (after a SKIP line; a failure
/// under `CI=true`).
fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var_os("OPS_PYTHON_REFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv-refs/bin/python"));
    if python.exists() {
        return Some(python);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{} is missing: run `bash .ci/python-refs.sh`",
            python.display()
        );
    }
    eprintln!("SKIP: Python ops migration test (run `bash .ci/python-refs.sh` for .venv-refs)");
    None
}

fn write_executable(path: &Path, text: &str) {
    let _lock = fork_or_write_lock();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Lays the Python charm out in the unit's charm directory, as charmcraft packs it, with
/// a `dispatch` that starts it under `python`.
fn python_charm(unit: &Unit, python: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-migration");
    let dir = unit.charm_dir();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for file in ["metadata.yaml", "src/charm.py"] {
        std::fs::copy(fixture.join(file), dir.join(file)).unwrap();
    }
    let dispatch = dir.join("dispatch");
    write_executable(
        &dispatch,
        &format!(
            "#!/bin/sh\nPYTHONPATH=src exec {} src/charm.py\n",
            python.display()
        ),
    );
    // Python ops' Relation asks relation-ids and relation-list.
    unit.answer("relation-list", r#"["pg/0"]"#);
    unit.answer("relation-ids", r#"["db:7"]"#);
    dispatch
}

/// `state-get` / `state-set` / `state-delete` stand-ins that keep the controller state in a JSON file, as
/// Juju prints it: `state-get KEY` the value as stored, `state-get --format=json` all.
fn controller_tools(unit: &Unit, python: &Path) -> PathBuf {
    let file = unit.root.join("controller-state.json");
    let common = format!(
        "#!{}\nimport json, os, sys\npath = {:?}\nstate = json.load(open(path)) if os.path.exists(path) else {{}}\n",
        python.display(),
        file.display().to_string()
    );
    let set =
        "import yaml\nstate.update(yaml.safe_load(sys.stdin))\njson.dump(state, open(path, 'w'))\n";
    let get = "args = sys.argv[1:]\nif args == ['--format=json']:\n    print(json.dumps(state))\nelif args and args[0] in state:\n    print(state[args[0]])\nelse:\n    print('')\n";
    let delete = "state.pop(sys.argv[1], None)\njson.dump(state, open(path, 'w'))\n";
    write_executable(&unit.root.join("bin/state-set"), &(common.clone() + set));
    write_executable(
        &unit.root.join("bin/state-delete"),
        &(common.clone() + delete),
    );
    write_executable(&unit.root.join("bin/state-get"), &(common + get));
    file
}

/// Runs the Python charm through install (state stored), config-changed and
/// db-relation-changed (both deferred, the first re-deferred on each later hook) and
/// update-status (deferred by a handler the Rust port lacks).
fn run_python_hooks(unit: &Unit, dispatch: &Path, extra: &[(&str, &str)]) {
    let relation = [
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:7"),
        ("JUJU_REMOTE_APP", "pg"),
        ("JUJU_REMOTE_UNIT", "pg/0"),
    ];
    let hooks: [(&str, &[(&str, &str)]); 4] = [
        ("hooks/install", &[]),
        ("hooks/config-changed", &[]),
        ("hooks/db-relation-changed", &relation),
        ("hooks/update-status", &[]),
    ];
    for (hook, vars) in hooks {
        let vars: Vec<_> = vars.iter().chain(extra).copied().collect();
        let (code, calls) = unit.run_as(dispatch, Some(hook), &vars);
        assert_eq!(code, 0, "Python charm failed {hook}: {calls:#?}");
    }
}

/// Runs the Rust port's first hook (`start`) and checks what it restored and re-emitted;
/// `saved` reads what it saved.
fn assert_rust_port_takes_over(
    unit: &Unit,
    extra: &[(&str, &str)],
    saved: impl Fn() -> serde_json::Value,
) {
    let (code, calls) = unit.run("hooks/start", extra);
    assert_eq!(code, 0, "{calls:#?}");
    let state = saved();
    let charm = &state["charm"];
    assert_eq!(charm["installs"], 1);
    assert_eq!(charm["port"], 8080);
    assert_eq!(
        charm["seen"],
        json!(["config-changed", "db-changed", "install"])
    );
    assert_eq!(charm["names"], json!(["alpha", "beta"]));
    assert_eq!(charm["settings"], json!({"mode": "fast"}));
    assert_eq!(charm["by_id"], json!({"7": "seven"}));
    assert_eq!(charm["blob"], json!([0, 1, 255]));
    assert_eq!(charm["ratio"], 0.25);
    assert_eq!(charm["ports"], json!([80, 443]), "mapped by the hook");
    // The deferred events re-emitted, in Python's order, to the Rust handlers, then the
    // hook's own event; none deferred again.
    assert_eq!(
        charm["handled"],
        json!(["config_changed", "db 7 pg pg/0", "start"])
    );
    assert_eq!(state["deferred"], json!([]));
    let logs: Vec<&String> = calls.iter().filter(|c| c.starts_with("juju-log")).collect();
    let has = |text: &str| logs.iter().any(|l| l.contains(text));
    assert!(
        has("WARNING -- Dropping deferred Python event MigrationDemo/on/update_status[")
            && has("no handler _on_update_status (or on_update_status) observes it"),
        "{logs:#?}"
    );
    assert!(
        has("WARNING -- Python ops state huge from"),
        "a 2**70 int has no JSON form: {logs:#?}"
    );
    assert!(
        has("WARNING -- Python ops state MigrationDemo/Library[lib]/StoredStateData[_stored] from"),
        "{logs:#?}"
    );
    assert!(
        has("Migrated the Python ops state from") && has("2 deferred event(s) kept, 1 dropped"),
        "{logs:#?}"
    );
    // The second hook runs on the Rust state: nothing is migrated again.
    let (code, calls) = unit.run("hooks/start", extra);
    assert_eq!(code, 0, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.contains("Migrated")), "{calls:#?}");
    assert_eq!(
        saved()["charm"]["handled"],
        json!(["config_changed", "db 7 pg pg/0", "start", "start"])
    );
}

#[test]
fn rust_port_takes_over_a_python_unit_state_db() {
    let Some(python) = python() else { return };
    let unit = Unit::new("py-migrate-db");
    let dispatch = python_charm(&unit, &python);
    run_python_hooks(&unit, &dispatch, &[]);
    let db = unit.charm_dir().join(".unit-state.db");
    assert!(db.exists(), "Python ops wrote no .unit-state.db");
    let before = std::fs::read(&db).unwrap();
    assert_rust_port_takes_over(&unit, &[], || unit.state());
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the Python state is left as it was"
    );
}

#[test]
fn rust_port_takes_over_python_controller_storage() {
    let Some(python) = python() else { return };
    let unit = Unit::new("py-migrate-ctl");
    let dispatch = python_charm(&unit, &python);
    let controller = controller_tools(&unit, &python);
    run_python_hooks(&unit, &dispatch, &[("MIGRATION_USE_JUJU_STORAGE", "1")]);
    assert!(!unit.charm_dir().join(".unit-state.db").exists());
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&controller).unwrap()).unwrap();
    assert!(
        stored
            .get("MigrationDemo/StoredStateData[_stored]")
            .is_some()
            && stored.get("#notices#").is_some(),
        "Python ops kept its state in the controller: {stored:#}"
    );
    // The port keeps its state in the controller too (as the Python charm did).
    let saved = || {
        let all: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&controller).unwrap()).unwrap();
        serde_json::from_str(all["ops-unit-state"].as_str().unwrap()).unwrap()
    };
    assert_rust_port_takes_over(&unit, &[("MIGRATION_RUST_CONTROLLER", "1")], saved);
}
