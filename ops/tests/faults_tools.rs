//! Fault injection, the hook-tool and environment part (issue #11): the example charm
//! (`ops/examples/e2e_charm.rs`) run as Juju runs it, with stand-in hook tools that hang,
//! print too much, die of a signal or fail silently, and with a broken environment.
//! Each hook must end within its deadline, with an error naming the tool, and with
//! bounded memory.
//!
//! Deadlines are short here (`OPS_HOOK_TOOL_TIMEOUT`), so the suite runs in bounded time.
//! (A tool that floods stderr before reading its stdin is exercised with real processes
//! in `ops/src/hookcmds/tests/process_runner.rs`: this charm writes no tool's stdin.)

#[path = "../examples/e2e_charm.rs"]
#[allow(dead_code)]
mod e2e_charm;

mod common;

use common::Unit;
use std::time::{Duration, Instant};

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<e2e_charm::E2e>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

/// How a charm process ended.
struct Ended {
    code: i32,
    stderr: String,
    took: Duration,
    /// Its peak resident memory, in KiB (`ru_maxrss` of this one child).
    max_rss_kib: i64,
}

/// Replaces the stand-in `tool` by a script with `body`.
fn hostile(unit: &Unit, tool: &str, body: &str) {
    unit.tool_script(tool, &format!("#!/bin/sh\n{body}\n"));
}

/// Runs the charm for `dispatch_path` with `extra` variables (an empty value reads as
/// unset).
// The child is reaped by `wait4` (for its own rusage), which clippy does not see.
#[allow(clippy::zombie_processes)]
fn run(unit: &Unit, dispatch_path: &str, extra: &[(&str, &str)]) -> Ended {
    let _ = std::fs::remove_file(unit.root.join("calls.log"));
    let program = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut child = unit.spawn(&program, Some(dispatch_path), extra);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    drop(child.stdout.take());
    // wait4, not Child::wait: the rusage of this child alone.
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: `status` and `usage` are valid for writes for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ended {
        code,
        stderr,
        took: started.elapsed(),
        max_rss_kib: usage.ru_maxrss,
    }
}

/// Short enough for a quick suite, long enough for a stand-in on a busy machine.
impl Ended {
    /// Asserts the charm wrote `text` to stderr.
    fn says(&self, text: &str) {
        assert!(self.stderr.contains(text), "{}", self.stderr);
    }
}

const SHORT: (&str, &str) = ("OPS_HOOK_TOOL_TIMEOUT", "2");

#[test]
fn a_hung_tool_ends_the_hook_at_the_deadline_naming_the_tool() {
    let unit = Unit::new("fault-hung");
    // `exec`: the sleeper is the tool itself, so killing it closes its pipes.
    hostile(&unit, "config-get", "exec sleep 60");
    let ended = run(&unit, "hooks/config-changed", &[SHORT]);
    assert_ne!(ended.code, 0, "{}", ended.stderr);
    ended.says("config-get did not finish within 2s: killed");
    assert!(ended.took < Duration::from_secs(20), "{:?}", ended.took);
    // The handler failed: nothing saved.
    assert!(!unit.state_path().exists());
}

#[test]
fn a_hung_juju_log_is_killed_at_its_deadline_and_the_hook_ends() {
    let unit = Unit::new("fault-hung-log");
    hostile(&unit, "juju-log", "exec sleep 60");
    let ended = run(&unit, "hooks/install", &[SHORT]);
    ended.says("juju-log did not finish within 2s: killed; the next log lines go to stderr");
    // One deadline for the hook, not one per line: the next line went to stderr.
    ended.says("INFO: installing unit e2e/0");
    assert!(ended.took < Duration::from_secs(20), "{:?}", ended.took);
    // Log lines are lost, the hook's work is not.
    assert_eq!(ended.code, 0, "{}", ended.stderr);
    assert_eq!(unit.state()["charm"]["installs"], 1);
}

#[test]
fn a_100_mb_config_value_fails_clearly_with_bounded_memory() {
    let unit = Unit::new("fault-big");
    hostile(
        &unit,
        "config-get",
        "printf '{\"port\": 1, \"mode\": \"'; head -c 104857600 /dev/zero | tr '\\0' x; printf '\"}'",
    );
    let ended = run(&unit, "hooks/config-changed", &[]);
    assert_ne!(ended.code, 0);
    ended.says("config-get printed more than 33554432 bytes (the hook tool output limit): killed");
    // The 32 MiB cap, not the 100 MB value (which took 789 MB before the cap).
    assert!(
        ended.max_rss_kib < 100 * 1024,
        "peak RSS {} KiB",
        ended.max_rss_kib
    );
    eprintln!(
        "100 MB config value: the charm peaked at {} MiB",
        ended.max_rss_kib / 1024
    );
}

#[test]
fn a_tool_killed_by_a_signal_or_failing_silently_is_reported_with_how() {
    let unit = Unit::new("fault-exit");
    hostile(&unit, "config-get", "kill -9 $$");
    let ended = run(&unit, "hooks/config-changed", &[SHORT]);
    assert_ne!(ended.code, 0);
    ended.says("config-get failed: killed by signal 9");
    hostile(&unit, "config-get", "exit 1");
    let ended = run(&unit, "hooks/config-changed", &[SHORT]);
    assert_ne!(ended.code, 0);
    ended.says("config-get failed: exit status 1");
}

#[test]
fn a_malformed_relation_id_is_reported_with_its_value() {
    let unit = Unit::new("fault-relid");
    let ended = run(
        &unit,
        "hooks/database-relation-changed",
        &[
            ("JUJU_RELATION", "database"),
            ("JUJU_RELATION_ID", "abc"),
            ("JUJU_REMOTE_UNIT", "pg/0"),
        ],
    );
    assert_eq!(ended.code, 1, "{}", ended.stderr);
    ended.says(r#"JUJU_RELATION_ID="abc" is not a relation id (ENDPOINT:N or N)"#);
    assert!(!unit.state_path().exists());
}

#[test]
fn missing_required_variables_are_reported_at_start() {
    let unit = Unit::new("fault-missing");
    let ended = run(&unit, "hooks/install", &[("JUJU_CHARM_DIR", "")]);
    assert_eq!(ended.code, 1, "{}", ended.stderr);
    ended.says("JUJU_CHARM_DIR is not set");
    // No state written to the working directory (the charm directory here) instead.
    assert!(!unit.state_path().exists());
    // No status-set was tried first: the hook stopped before any handler.
    assert!(!unit.calls().iter().any(|c| c.starts_with("status-set")));

    // Without JUJU_DISPATCH_PATH (and started under a name that is no hook path).
    let ended = run(&unit, "hooks/install", &[("JUJU_DISPATCH_PATH", "")]);
    assert_eq!(ended.code, 1, "{}", ended.stderr);
    ended.says("JUJU_DISPATCH_PATH is not set");

    let ended = run(&unit, "hooks/install", &[("JUJU_UNIT_NAME", "")]);
    assert_eq!(ended.code, 1, "{}", ended.stderr);
    ended.says("JUJU_UNIT_NAME is not set");
    assert!(!unit.calls().iter().any(|c| c.starts_with("status-set")));

    let ended = run(&unit, "hooks/install", &[("OPS_HOOK_TOOL_TIMEOUT", "soon")]);
    assert_eq!(ended.code, 1);
    ended.says(r#"OPS_HOOK_TOOL_TIMEOUT="soon" is not a positive number of seconds"#);
}

#[test]
fn an_unknown_hook_is_noted_on_stderr_and_in_juju_log() {
    let unit = Unit::new("fault-unknown");
    let ended = run(&unit, "hooks/no-such-hook", &[]);
    assert_eq!(ended.code, 0, "{}", ended.stderr);
    ended.says("Event no_such_hook not defined for e2e.");
    assert!(
        unit.calls().contains(
            &"juju-log --log-level DEBUG -- Event no_such_hook not defined for e2e.".to_string()
        ),
        "{:?}",
        unit.calls()
    );
}
