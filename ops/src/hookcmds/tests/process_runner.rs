//! The process runner: spawn failures, real tool scripts, stdin, and juju-log ordering.

use super::*;

#[test]
fn spawn_failures_and_bad_utf8() {
    let _scripts = scripts_lock();
    let t = HookTools::with_runner(ProcessRunner::in_dir("/nonexistent-ops-tools"));
    let err = t.is_leader().unwrap_err();
    assert!(
        matches!(&err, ModelError::Spawn { tool, .. } if tool == "is-leader"),
        "{err:?}"
    );
    let t = tools();
    t.runner().answers.lock().unwrap().push((
        "config-get".into(),
        ToolOutput {
            code: Some(0),
            signal: None,
            stdout: vec![0xff, 0xfe],
            stderr: vec![],
        },
    ));
    assert!(matches!(t.config_get(), Err(ModelError::Output { .. })));
    // Killed by a signal: no exit code.
    t.runner().answers.lock().unwrap().push((
        "is-leader".into(),
        ToolOutput {
            code: None,
            signal: Some(9),
            stdout: vec![],
            stderr: b"killed".to_vec(),
        },
    ));
    let err = t.is_leader().unwrap_err();
    assert!(
        matches!(&err, ModelError::ToolKilled { signal: 9, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "is-leader failed: killed by signal 9: killed"
    );
}

/// Held by the tests that run processes: one of them forking while another
/// still has its script open for writing would make executing that script fail with
/// "Text file busy" (ETXTBSY).
static SCRIPTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scripts_lock() -> std::sync::MutexGuard<'static, ()> {
    SCRIPTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn process_runner_runs_real_tools_with_stdin() {
    let _scripts = scripts_lock();
    let dir = std::env::temp_dir().join(format!("ops-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("relation-set");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\ncat > \"$(dirname \"$0\")/stdin\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    t.relation_set(4, &[("k".into(), "v".into())].into_iter().collect(), false)
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("args")).unwrap(),
        "-r 4 --file -\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("stdin")).unwrap(),
        r#"{"k":"v"}"#
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn juju_log_does_not_wait_but_keeps_order_and_flush_waits() {
    let _scripts = scripts_lock();
    let dir = std::env::temp_dir().join(format!("ops-log-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("juju-log");
    // Each line takes a while to write: without ordering, later lines would overtake.
    std::fs::write(
        &script,
        "#!/bin/sh\nsleep 0.05\necho \"$4\" >> \"$(dirname \"$0\")/log\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    let other = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    let started = std::time::Instant::now();
    t.juju_log(LogLevel::Info, "one").unwrap();
    other.juju_log(LogLevel::Info, "two").unwrap();
    t.juju_log(LogLevel::Info, "three").unwrap();
    let before_flush = started.elapsed();
    t.flush();
    assert_eq!(
        std::fs::read_to_string(dir.join("log")).unwrap(),
        "one\ntwo\nthree\n"
    );
    // The calls returned before the last line was written.
    assert!(before_flush < started.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory of stand-in tools, each a shell script, removed on drop.
struct ToolDir(std::path::PathBuf);

impl ToolDir {
    fn new(name: &str, tools: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("ops-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        for (tool, body) in tools {
            let script = dir.join(tool);
            std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        ToolDir(dir)
    }

    fn tools(&self, timeout_ms: u64, max_output: usize) -> HookTools<ProcessRunner> {
        HookTools::with_runner(ProcessRunner::in_dir(&self.0).with_limits(ToolLimits {
            timeout: std::time::Duration::from_millis(timeout_ms),
            max_output,
        }))
    }
}

impl Drop for ToolDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_hung_tool_is_killed_at_the_deadline_and_named() {
    let _scripts = scripts_lock();
    // `exec` so the shell itself is the sleeper: killing it closes the pipes.
    let dir = ToolDir::new("hung", &[("config-get", "exec sleep 30")]);
    let started = std::time::Instant::now();
    let err = dir.tools(300, 1 << 20).config_get().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, ModelError::ToolTimeout { tool, .. } if tool == "config-get"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "config-get did not finish within 300ms: killed"
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}

#[test]
fn output_above_the_cap_fails_clearly() {
    let _scripts = scripts_lock();
    // 4 MiB of output against a 1 MiB cap: killed once the cap is passed.
    let dir = ToolDir::new(
        "big",
        &[("config-get", "head -c 4194304 /dev/zero | tr '\\0' x")],
    );
    let err = dir.tools(10_000, 1 << 20).config_get().unwrap_err();
    assert!(
        matches!(&err, ModelError::ToolOutputTooLarge { tool, limit: 1048576 } if tool == "config-get"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "config-get printed more than 1048576 bytes (the hook tool output limit): killed"
    );
    // Just under the cap is fine.
    let dir = ToolDir::new(
        "fits",
        &[(
            "config-get",
            "printf '{\"k\":\"'; head -c 1000 /dev/zero | tr '\\0' x; printf '\"}'",
        )],
    );
    let config = dir.tools(10_000, 1008).config_get().unwrap();
    assert_eq!(config["k"].as_str().unwrap().len(), 1000);
}

#[test]
fn exit_codes_and_signals_are_reported() {
    let _scripts = scripts_lock();
    let dir = ToolDir::new(
        "exits",
        &[
            ("config-get", "exit 1"),
            ("is-leader", "echo 'ERROR not today' >&2; exit 2"),
            ("status-get", "kill -9 $$"),
            ("goal-state", "echo 'about to die' >&2; kill -15 $$"),
        ],
    );
    let t = dir.tools(10_000, 1 << 20);
    assert_eq!(
        t.config_get().unwrap_err().to_string(),
        "config-get failed: exit status 1"
    );
    assert_eq!(
        t.is_leader().unwrap_err().to_string(),
        "is-leader failed: exit status 2: ERROR not today"
    );
    let err = t.status_get(false).unwrap_err();
    assert!(
        matches!(err, ModelError::ToolKilled { signal: 9, .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "status-get failed: killed by signal 9");
    assert_eq!(
        t.goal_state().unwrap_err().to_string(),
        "goal-state failed: killed by signal 15: about to die"
    );
}

#[test]
fn a_tool_flooding_stderr_before_reading_stdin_does_not_deadlock() {
    let _scripts = scripts_lock();
    // 1 MiB on stderr (far above a pipe's 64 KiB) before reading stdin: a charm that
    // wrote all of the input first would block forever on a full pipe each side.
    let dir = ToolDir::new(
        "flood",
        &[(
            "relation-set",
            "head -c 1048576 /dev/zero >&2; cat > \"$(dirname \"$0\")/stdin\"",
        )],
    );
    let big: String = "v".repeat(1 << 20);
    let bag = [("k".to_string(), big.clone())].into_iter().collect();
    dir.tools(20_000, 4 << 20)
        .relation_set(4, &bag, false)
        .unwrap();
    let written = std::fs::read_to_string(dir.0.join("stdin")).unwrap();
    assert_eq!(written, serde_json::json!({ "k": big }).to_string());
}

#[test]
fn limits_from_the_environment() {
    use std::ffi::OsString;
    let vars = |timeout: &str, output: &str| {
        let (timeout, output) = (timeout.to_string(), output.to_string());
        move |key: &str| match key {
            TIMEOUT_ENV => Some(OsString::from(&timeout)),
            OUTPUT_LIMIT_ENV => Some(OsString::from(&output)),
            _ => None,
        }
    };
    let limits = ToolLimits::default()
        .from_vars(vars("0.25", "1000"))
        .unwrap();
    assert_eq!(limits.timeout, std::time::Duration::from_millis(250));
    assert_eq!(limits.max_output, 1000);
    assert_eq!(
        ToolLimits::default().from_vars(vars("", " ")).unwrap(),
        ToolLimits::default()
    );
    assert_eq!(
        ToolLimits::default()
            .from_vars(vars("soon", "1"))
            .unwrap_err(),
        "OPS_HOOK_TOOL_TIMEOUT=\"soon\" is not a positive number of seconds"
    );
    for bad in ["-1", "0", "inf", "NaN", "1e300"] {
        let err = ToolLimits::default().from_vars(vars(bad, "1")).unwrap_err();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
    assert_eq!(
        ToolLimits::default()
            .from_vars(vars("1", "-5"))
            .unwrap_err(),
        "OPS_HOOK_TOOL_MAX_OUTPUT=\"-5\" is not a positive number of bytes"
    );
}
