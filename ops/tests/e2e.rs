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

mod common;

use common::{assert_calls, last_log, last_tool, Unit};
use std::os::unix::fs::PermissionsExt;

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<e2e_charm::E2e>(ops::MainOptions::default());
        std::process::exit(code);
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
         (handler on_config_changed): port: expected an integer, got a string"
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
    let reason = "invalid parameters for action backup: target: expected a string, got a number";
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
    unit.fail_tool("status-set", 1);
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 1);
    assert!(
        last_log(&calls)
            .starts_with("juju-log --log-level ERROR -- Uncaught error while handling install"),
        "{calls:#?}"
    );
    assert_eq!(std::fs::read(unit.state_path()).unwrap(), before);
}

#[test]
fn started_by_hand_it_says_it_needs_juju() {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--ignored", "--exact", "charm_process", "--nocapture", "-q"])
        .env_clear()
        .env("OPS_E2E_RUN_CHARM", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = {
        let _lock = common::fork_or_write_lock();
        command.spawn().unwrap()
    };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("e2e: not started by Juju (JUJU_DISPATCH_PATH and JUJU_UNIT_NAME are unset)"),
        "{stderr}"
    );
}
