//! The end-to-end harness shared by `e2e.rs` and `e2e_relations.rs`: a unit directory with
//! recording stand-in hook tools on `PATH`, and a way to run the test binary itself as the
//! charm process (its `charm_process` test, re-run with `OPS_E2E_RUN_CHARM=1`).
//!
//! A stand-in tool logs `tool arg...` (with stdin for `--file -` tools, and the content of
//! `key#file=PATH` secret arguments as `key#file=<content>`), then answers from
//! `answers/`: the file named after its whole call ([`Unit::answer_call`]) if present,
//! else the one named after the tool ([`Unit::answer`]); `.err` beside it is printed to
//! stderr and `.code` is the exit status.

// Each test binary uses part of the harness.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Held while this process writes an executable and while it forks: a child forked while
/// another test still has a stand-in open for writing keeps that file open until it
/// execs, and executing the stand-in then fails with "Text file busy" (ETXTBSY).
static FORK_OR_WRITE: Mutex<()> = Mutex::new(());

/// Take it around any spawn in these tests (see `FORK_OR_WRITE`).
pub fn fork_or_write_lock() -> std::sync::MutexGuard<'static, ()> {
    FORK_OR_WRITE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every hook tool the stand-ins provide.
pub const TOOLS: &[&str] = &[
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
    "relation-model-get",
    "application-version-set",
    "state-get",
    "state-set",
    "secret-add",
    "secret-get",
    "secret-info-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
];

/// The stand-in hook tool (see the module docs). Each call is appended with one write, as
/// `juju-log` runs beside the charm.
const STAND_IN: &str = r#"#!/bin/sh
t=${0##*/}
key=$(printf '%s' "$t $*" | tr -c 'A-Za-z0-9._=:-' '_')
line=$t
for a in "$@"; do
  case "$a" in
    *'#file='*) a="${a%%#file=*}#file=<$(cat "${a#*#file=}")>" ;;
  esac
  line="$line $a"
done
case "$*" in *"--file -"*) line="$line [stdin: $(cat)]" ;; esac
printf '%s\n' "$line" >> "$OPS_E2E_LOG"
answer="$OPS_E2E_ANSWERS/$t"
[ -e "$OPS_E2E_ANSWERS/$key" ] && answer="$OPS_E2E_ANSWERS/$key"
[ -f "$answer" ] && cat "$answer"
[ -f "$answer.err" ] && cat "$answer.err" >&2
[ -f "$answer.code" ] && exit "$(cat "$answer.code")"
exit 0
"#;

/// The file name a stand-in looks for first: its whole call, with every character other
/// than letters, digits and `._=:-` replaced by `_` (as the stand-in's `tr` does).
fn call_key(call: &str) -> String {
    call.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._=:-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One unit: a temporary root with `bin/` (the stand-ins), `charm/` (the charm directory)
/// and `answers/`; removed when dropped.
pub struct Unit {
    /// The root directory.
    pub root: PathBuf,
    /// `JUJU_UNIT_NAME`.
    pub unit_name: String,
}

impl Unit {
    /// A unit `e2e/0` whose `config-get` answers `{"port": 8000}` and `is-leader` `true`.
    pub fn new(tag: &str) -> Self {
        Self::named(tag, "e2e/0")
    }

    /// A unit called `unit_name`, with the answers of [`Unit::new`].
    pub fn named(tag: &str, unit_name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("ops-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["bin", "charm", "answers"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        {
            let _lock = fork_or_write_lock();
            for tool in TOOLS {
                let path = root.join("bin").join(tool);
                std::fs::write(&path, STAND_IN).unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        let unit = Unit {
            root,
            unit_name: unit_name.to_string(),
        };
        unit.answer("config-get", r#"{"port": 8000}"#);
        unit.answer("is-leader", "true");
        unit
    }

    /// What `tool` prints, whatever its arguments.
    pub fn answer(&self, tool: &str, output: &str) {
        std::fs::write(self.root.join("answers").join(tool), output).unwrap();
    }

    /// What the exact call `call` (`"relation-get --format=json -r db:3 - pg/0"`) prints;
    /// takes precedence over [`Unit::answer`].
    pub fn answer_call(&self, call: &str, output: &str) {
        std::fs::write(self.root.join("answers").join(call_key(call)), output).unwrap();
    }

    /// Makes the exact call `call` fail with `stderr` and exit status `code`.
    pub fn fail_call(&self, call: &str, code: i32, stderr: &str) {
        let answers = self.root.join("answers");
        let key = call_key(call);
        std::fs::write(answers.join(&key), "").unwrap();
        std::fs::write(answers.join(format!("{key}.err")), stderr).unwrap();
        std::fs::write(answers.join(format!("{key}.code")), code.to_string()).unwrap();
    }

    /// Makes every call of `tool` exit with status `code`.
    pub fn fail_tool(&self, tool: &str, code: i32) {
        let answers = self.root.join("answers");
        std::fs::write(answers.join(format!("{tool}.code")), code.to_string()).unwrap();
        if !answers.join(tool).exists() {
            self.answer(tool, "");
        }
    }

    /// The charm directory (`JUJU_CHARM_DIR`).
    pub fn charm_dir(&self) -> PathBuf {
        self.root.join("charm")
    }

    /// Where the unit's state is saved.
    pub fn state_path(&self) -> PathBuf {
        self.charm_dir().join(".unit-state.json")
    }

    /// The saved state.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.state_path()).unwrap()).unwrap()
    }

    /// Runs the charm for `dispatch_path` with `extra` variables; returns the exit code and
    /// the hook-tool calls it made.
    pub fn run(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> (i32, Vec<String>) {
        self.run_as(
            &std::env::current_exe().unwrap(),
            Some(dispatch_path),
            extra,
        )
    }

    /// Runs `program` (this test binary, or a link to it) as the charm.
    pub fn run_as(
        &self,
        program: &Path,
        dispatch_path: Option<&str>,
        extra: &[(&str, &str)],
    ) -> (i32, Vec<String>) {
        let (code, calls, _) = self.run_output(program, dispatch_path, extra);
        (code, calls)
    }

    /// [`Unit::run_as`], also returning what the charm wrote to stdout and stderr.
    pub fn run_output(
        &self,
        program: &Path,
        dispatch_path: Option<&str>,
        extra: &[(&str, &str)],
    ) -> (i32, Vec<String>, String) {
        let _ = std::fs::remove_file(self.calls_log());
        let child = self.spawn(program, dispatch_path, extra);
        let output = child.wait_with_output().unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code().unwrap_or(-1), self.calls(), printed)
    }

    /// The hook-tool calls logged since the last [`Unit::run_as`] (or all, for runs
    /// started with [`Unit::spawn`], which does not clear the log).
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.calls_log())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn calls_log(&self) -> PathBuf {
        self.root.join("calls.log")
    }

    /// Replaces the stand-in `tool` with the shell script `script` (e.g. a slow or hung
    /// tool), under the fork lock.
    pub fn tool_script(&self, tool: &str, script: &str) {
        let _lock = fork_or_write_lock();
        let path = self.root.join("bin").join(tool);
        // A new inode: a child still executing the old stand-in is not disturbed.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Starts `program` as the charm (stdout and stderr piped) without waiting for it:
    /// for kills and concurrent runs.
    pub fn spawn(
        &self,
        program: &Path,
        dispatch_path: Option<&str>,
        extra: &[(&str, &str)],
    ) -> std::process::Child {
        let log = self.calls_log();
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
            .env("JUJU_UNIT_NAME", &self.unit_name)
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
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let _lock = fork_or_write_lock();
        command.spawn().unwrap()
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `juju-log` runs beside the charm (not waited for, lines kept in order), so its calls
/// are compared in order among themselves, and the other tools' in order among theirs.
/// Security events (TRACE JSON lines with a timestamp, e.g. `sys_crash` on a failed hook)
/// are left out of the comparison.
pub fn assert_calls(calls: &[String], expected: &[&str]) {
    let calls = calls
        .iter()
        .map(String::as_str)
        .filter(|c| !is_security_event(c));
    let (logs, tools) = split(calls);
    let (want_logs, want_tools) = split(expected.iter().copied());
    assert_eq!(logs, want_logs, "juju-log calls");
    assert_eq!(tools, want_tools, "other hook-tool calls");
}

/// The calls of tools other than `juju-log`, in order.
pub fn tool_calls(calls: &[String]) -> Vec<&str> {
    split(calls.iter().map(String::as_str)).1
}

/// A `juju-log` line carrying a structured security event.
pub fn is_security_event(call: &str) -> bool {
    call.starts_with("juju-log --log-level TRACE -- {") && call.contains(r#""type": "security""#)
}

fn split<'a>(all: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, Vec<&'a str>) {
    all.partition(|c| c.starts_with("juju-log "))
}

/// The last call of a tool other than `juju-log`.
pub fn last_tool(calls: &[String]) -> &str {
    calls
        .iter()
        .rev()
        .find(|c| !c.starts_with("juju-log "))
        .map(String::as_str)
        .unwrap_or("")
}

/// The last `juju-log` call.
pub fn last_log(calls: &[String]) -> &str {
    calls
        .iter()
        .rev()
        .find(|c| c.starts_with("juju-log "))
        .map(String::as_str)
        .unwrap_or("")
}
