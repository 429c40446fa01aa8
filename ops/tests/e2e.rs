//! End to end: the example charm (`ops/examples/e2e_charm.rs`) run as Juju runs it — a
//! process with `JUJU_*` variables, hook tools on `PATH` (recording stand-ins that log
//! their argv and stdin and print canned JSON) and a charm directory — asserting the
//! exact hook-tool calls and the saved state file.
//!
//! The charm process is this test binary itself, re-run with `OPS_E2E_RUN_CHARM=1` so it
//! enters `ops::run_main` (see `charm_process`): always built from the same sources.

#[path = "../examples/e2e_charm.rs"]
#[allow(dead_code)]
mod e2e_charm;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<e2e_charm::E2e>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

const TOOLS: &[&str] = &[
    "juju-log",
    "config-get",
    "is-leader",
    "status-get",
    "status-set",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "application-version-set",
    "state-get",
    "state-set",
];

/// The stand-in hook tool: logs `tool arg...` (and stdin for `--file -` tools), then
/// prints `$OPS_E2E_ANSWERS/<tool>` if present and exits with
/// `$OPS_E2E_ANSWERS/<tool>.code` if present.
/// Each call is appended with one write, as `juju-log` runs beside the charm.
const STAND_IN: &str = r#"#!/bin/sh
t=${0##*/}
line=$t
for a in "$@"; do line="$line $a"; done
case "$*" in *"--file -"*) line="$line [stdin: $(cat)]" ;; esac
printf '%s\n' "$line" >> "$OPS_E2E_LOG"
[ -f "$OPS_E2E_ANSWERS/$t" ] && cat "$OPS_E2E_ANSWERS/$t"
[ -f "$OPS_E2E_ANSWERS/$t.code" ] && exit "$(cat "$OPS_E2E_ANSWERS/$t.code")"
exit 0
"#;

struct Unit {
    root: PathBuf,
}

impl Unit {
    fn new(tag: &str) -> Self {
        let root = std::env::temp_dir().join(format!("ops-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["bin", "charm", "answers"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for tool in TOOLS {
            let path = root.join("bin").join(tool);
            std::fs::write(&path, STAND_IN).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let unit = Unit { root };
        unit.answer("config-get", r#"{"port": 8000}"#);
        unit.answer("is-leader", "true");
        unit
    }

    fn answer(&self, tool: &str, output: &str) {
        std::fs::write(self.root.join("answers").join(tool), output).unwrap();
    }

    fn charm_dir(&self) -> PathBuf {
        self.root.join("charm")
    }

    fn state_path(&self) -> PathBuf {
        self.charm_dir().join(".unit-state.json")
    }

    fn state(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.state_path()).unwrap()).unwrap()
    }

    /// Runs the charm for `dispatch_path` with `extra` variables; returns the exit code and
    /// the hook-tool calls it made.
    fn run(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> (i32, Vec<String>) {
        self.run_as(
            &std::env::current_exe().unwrap(),
            Some(dispatch_path),
            extra,
        )
    }

    fn run_as(
        &self,
        program: &Path,
        dispatch_path: Option<&str>,
        extra: &[(&str, &str)],
    ) -> (i32, Vec<String>) {
        let log = self.root.join("calls.log");
        let _ = std::fs::remove_file(&log);
        let mut command = Command::new(program);
        command
            .args(["--ignored", "--exact", "charm_process", "--nocapture", "-q"])
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.root.join("bin").display()),
            )
            .env("OPS_E2E_RUN_CHARM", "1")
            .env("OPS_E2E_LOG", &log)
            .env("OPS_E2E_ANSWERS", self.root.join("answers"))
            .env("JUJU_CHARM_DIR", self.charm_dir())
            .env("JUJU_UNIT_NAME", "e2e/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000")
            .env("JUJU_VERSION", "3.6.4")
            .current_dir(self.charm_dir());
        if let Some(path) = dispatch_path {
            command.env("JUJU_DISPATCH_PATH", path);
            let hook = path.strip_prefix("hooks/").unwrap_or("");
            command.env("JUJU_HOOK_NAME", hook);
        }
        for (k, v) in extra {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        let calls = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        (output.status.code().unwrap_or(-1), calls)
    }
}

/// `juju-log` runs beside the charm (not waited for, lines kept in order), so its calls
/// are compared in order among themselves, and the other tools' in order among theirs.
fn assert_calls(calls: &[String], expected: &[&str]) {
    fn split<'a>(all: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, Vec<&'a str>) {
        all.partition(|c| c.starts_with("juju-log "))
    }
    let (logs, tools) = split(calls.iter().map(String::as_str));
    let (want_logs, want_tools) = split(expected.iter().copied());
    assert_eq!(logs, want_logs, "juju-log calls");
    assert_eq!(tools, want_tools, "other hook-tool calls");
}

fn last_tool(calls: &[String]) -> &str {
    calls
        .iter()
        .rev()
        .find(|c| !c.starts_with("juju-log "))
        .map(String::as_str)
        .unwrap_or("")
}

fn last_log(calls: &[String]) -> &str {
    calls
        .iter()
        .rev()
        .find(|c| c.starts_with("juju-log "))
        .map(String::as_str)
        .unwrap_or("")
}

impl Drop for Unit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn install_sets_status_logs_and_saves_state() {
    let unit = Unit::new("install");
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event install.",
            "juju-log --log-level INFO -- installing unit e2e/0",
            "status-set --application=False maintenance -- installing",
        ],
    );
    assert_eq!(
        unit.state(),
        serde_json::json!({
            "charm": {"installs": 1, "configured_port": null, "remote_units": []},
            "deferred": []
        })
    );
    let mode = std::fs::metadata(unit.state_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // A second install keeps counting from the saved state.
    let (code, _) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0);
    assert_eq!(unit.state()["charm"]["installs"], 2);
}

#[test]
fn config_changed_reads_typed_config_and_sets_status() {
    let unit = Unit::new("config");
    unit.answer("config-get", r#"{"port": 8080, "mode": "run"}"#);
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event config_changed.",
            "config-get --format=json",
            "status-set --application=False active -- port 8080",
        ],
    );
    assert_eq!(unit.state()["charm"]["configured_port"], 8080);
}

#[test]
fn config_that_does_not_fit_fails_the_hook_naming_the_option() {
    let unit = Unit::new("badconfig");
    unit.answer("config-get", r#"{"port": "eighty"}"#);
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        last_log(&calls),
        "juju-log --log-level ERROR -- Uncaught error while handling config_changed \
         (handler on_config_changed): port: expected an integer, got string \"eighty\""
    );
    assert!(!unit.state_path().exists(), "nothing saved on failure");
}

#[test]
fn deferred_event_is_reemitted_before_the_next_event() {
    let unit = Unit::new("defer");
    unit.answer("config-get", r#"{"port": 9000, "mode": "defer"}"#);
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event config_changed.",
            "config-get --format=json",
        ],
    );
    assert_eq!(
        unit.state()["deferred"],
        serde_json::json!([{"event": {"kind": "config-changed"}, "handler": "on_config_changed"}])
    );

    unit.answer("config-get", r#"{"port": 9000}"#);
    let (code, calls) = unit.run(
        "hooks/database-relation-changed",
        &[
            ("JUJU_RELATION", "database"),
            ("JUJU_RELATION_ID", "database:4"),
            ("JUJU_REMOTE_UNIT", "pg/1"),
        ],
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Re-emitting deferred event config_changed to \
             on_config_changed (1 of 1 in queue).",
            "config-get --format=json",
            "status-set --application=False active -- port 9000",
            "juju-log --log-level DEBUG -- Emitting Juju event database_relation_changed.",
        ],
    );
    assert_eq!(
        unit.state(),
        serde_json::json!({
            "charm": {"installs": 0, "configured_port": 9000, "remote_units": ["pg/1"]},
            "deferred": []
        })
    );
}

#[test]
fn action_sets_flattened_results_and_logs() {
    let unit = Unit::new("action");
    unit.answer("action-get", r#"{"target": "s3://bucket"}"#);
    let (code, calls) = unit.run(
        "actions/backup",
        &[("JUJU_ACTION_NAME", "backup"), ("JUJU_ACTION_UUID", "7")],
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event backup_action.",
            "action-get --format=json",
            "action-log -- backing up to s3://bucket",
            "config-get --format=json",
            "action-set backup.port=8000 backup.target=s3://bucket",
        ],
    );
}

#[test]
fn action_failures() {
    let unit = Unit::new("actionfail");
    // The handler fails the action itself: exit 0, one action-fail.
    unit.answer("action-get", r#"{"target": "fail"}"#);
    let (code, calls) = unit.run("actions/backup", &[("JUJU_ACTION_UUID", "8")]);
    assert_eq!(code, 0);
    assert_eq!(last_tool(&calls), "action-fail -- cannot back up to 'fail'");
    // Params that do not fit: logged, the action failed with the reason, exit 1.
    unit.answer("action-get", r#"{"target": 3}"#);
    let (code, calls) = unit.run("actions/backup", &[("JUJU_ACTION_UUID", "9")]);
    assert_eq!(code, 1);
    let reason = "invalid parameters for action backup: target: expected a string, got number 3";
    assert_eq!(
        last_log(&calls),
        format!(
            "juju-log --log-level ERROR -- Uncaught error while handling backup_action \
             (handler on_backup): {reason}"
        )
    );
    assert_eq!(last_tool(&calls), format!("action-fail -- {reason}"));
}

#[test]
fn unknown_hooks_dispatch_nothing_but_still_commit() {
    let unit = Unit::new("unknown");
    let (code, calls) = unit.run("hooks/cache-relation-changed", &[]);
    assert_eq!(code, 0);
    assert_calls(
        &calls,
        &["juju-log --log-level DEBUG -- Event cache_relation_changed not defined for e2e."],
    );
    assert_eq!(
        unit.state(),
        serde_json::json!({
            "charm": {"installs": 0, "configured_port": null, "remote_units": []},
            "deferred": []
        })
    );
}

#[test]
fn reentrant_dispatch_does_nothing() {
    let unit = Unit::new("reentrant");
    let (code, calls) = unit.run("hooks/install", &[("OPERATOR_DISPATCH", "1")]);
    assert_eq!(code, 0);
    assert!(calls.is_empty(), "{calls:?}");
    assert!(!unit.state_path().exists());
}

#[test]
fn legacy_hook_symlink_selects_the_event_from_argv0() {
    let unit = Unit::new("legacy");
    let hooks = unit.charm_dir().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let link = hooks.join("install");
    std::os::unix::fs::symlink(std::env::current_exe().unwrap(), &link).unwrap();
    let (code, calls) = unit.run_as(&link, None, &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        calls.iter().find(|c| c.starts_with("juju-log ")).unwrap(),
        "juju-log --log-level DEBUG -- Emitting Juju event install."
    );
    assert_eq!(unit.state()["charm"]["installs"], 1);
}

#[test]
fn a_failing_hook_tool_fails_the_hook_and_keeps_the_old_state() {
    let unit = Unit::new("toolfail");
    let (code, _) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0);
    let before = std::fs::read(unit.state_path()).unwrap();
    std::fs::write(unit.root.join("answers/status-set.code"), "1").unwrap();
    unit.answer("status-set", "");
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 1);
    assert!(
        last_log(&calls)
            .starts_with("juju-log --log-level ERROR -- Uncaught error while handling install"),
        "{calls:#?}"
    );
    assert_eq!(std::fs::read(unit.state_path()).unwrap(), before);
}
