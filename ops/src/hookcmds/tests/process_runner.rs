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
            stdout: vec![],
            stderr: b"killed".to_vec(),
        },
    ));
    assert!(matches!(
        t.is_leader(),
        Err(ModelError::Tool { code: None, .. })
    ));
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
