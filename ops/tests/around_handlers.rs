//! What `ops::main` does around the handlers, with the example charm of `e2e.rs` run as
//! Juju runs it:
//! - `juju debug-code`: with `JUJU_DEBUG_AT=hook` the charm process prints its pid and
//!   how to attach a debugger, waits before the handler, and goes on when continued: by
//!   `kill -CONT`, or by a real `gdb` attached to it that breaks in the handler;
//! - the legacy-hook remnant Python `ops` keeps: an executable `$CHARM_DIR/<dispatch
//!   path>` (a `hooks/install` left from a hooks-directory charm) runs before the
//!   handlers, with `OPERATOR_DISPATCH=1`, and its failure is the hook's; a link to the
//!   charm binary itself is skipped.

#[path = "../examples/e2e_charm.rs"]
#[allow(dead_code)]
mod e2e_charm;

mod common;

use common::{fork_or_write_lock, Unit};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
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

/// The handler of `install`, by its full path in this binary.
const SYMBOL: &str = "around_handlers::e2e_charm::E2e::on_install";

/// The charm process for `install` with `JUJU_DEBUG_AT=hook`, and its stderr as read so
/// far (a thread keeps reading it).
fn start_install(unit: &Unit) -> (Child, Arc<Mutex<String>>) {
    let program = std::env::current_exe().unwrap();
    let mut child = unit.spawn(
        &program,
        Some("hooks/install"),
        &[("JUJU_DEBUG_AT", "hook")],
    );
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, stderr)
}

/// Waits (at most 20 s) until `stderr` has the instructions, then checks the charm is
/// still waiting a moment later.
fn wait_stopped(child: &mut Child, stderr: &Mutex<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = stderr.lock().unwrap().clone();
        if text.contains("kill -CONT") {
            std::thread::sleep(Duration::from_millis(300));
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the charm went on ({status}) without being continued: {text}");
            }
            return text;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the charm did not stop; stderr: {text}");
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the charm exited ({status}) without stopping; stderr: {text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn debug_at_hook_stops_before_the_handler_until_continued() {
    let unit = Unit::new("debug-code-cont");
    let (mut child, stderr) = start_install(&unit);
    let text = wait_stopped(&mut child, &stderr);
    let pid = child.id();
    assert!(text.contains("debug-code"), "the welcome: {text}");
    assert!(
        text.contains(&format!(
            "ops: stopped before handler on_install of install, pid {pid}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("gdb -p {pid}     break on_install, then continue")),
        "{text}"
    );
    assert!(
        text.contains(&format!("The handler is {SYMBOL}.")),
        "{text}"
    );
    // Stopped before the handler: it has not logged yet.
    assert!(
        !unit.calls().iter().any(|c| c.contains("installing unit")),
        "{:#?}",
        unit.calls()
    );
    let cont = Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(cont.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", stderr.lock().unwrap());
    assert!(
        unit.calls()
            .iter()
            .any(|c| c == "juju-log --log-level INFO -- installing unit e2e/0"),
        "{:#?}",
        unit.calls()
    );
}

#[test]
fn gdb_attaches_and_breaks_in_the_handler() {
    let gdb_present = Command::new("gdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !gdb_present {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("gdb is missing: .ci/install-gdb.sh installs it");
        }
        eprintln!("SKIP: gdb attach test (install gdb: bash .ci/install-gdb.sh)");
        return;
    }
    let unit = Unit::new("debug-code-gdb");
    let (mut child, stderr) = start_install(&unit);
    wait_stopped(&mut child, &stderr);
    let pid = child.id().to_string();
    // What the printed instructions say: attach, break on the handler, continue.
    let gdb = Command::new("gdb")
        .args(["-nx", "-batch", "-p", &pid])
        .args(["-ex", "break on_install", "-ex", "continue"])
        .args(["-ex", "bt 1", "-ex", "continue"])
        .output()
        .unwrap();
    let out =
        String::from_utf8_lossy(&gdb.stdout).to_string() + &String::from_utf8_lossy(&gdb.stderr);
    let status = child.wait().unwrap();
    assert!(
        out.contains("hit Breakpoint 1, on_install") && out.contains("exited normally"),
        "gdb did not break in the handler:\n{out}"
    );
    assert_eq!(status.code(), Some(0), "gdb:\n{out}");
    assert!(unit
        .calls()
        .iter()
        .any(|c| c == "juju-log --log-level INFO -- installing unit e2e/0"));
}

/// Writes `hooks/install` in the unit's charm directory with `mode`.
fn legacy_install(unit: &Unit, script: &str, mode: u32) {
    let hooks = unit.charm_dir().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let _lock = fork_or_write_lock();
    std::fs::write(hooks.join("install"), script).unwrap();
    std::fs::set_permissions(hooks.join("install"), std::fs::Permissions::from_mode(mode)).unwrap();
}

const HANDLER_LOG: &str = "juju-log --log-level INFO -- installing unit e2e/0";

#[test]
fn a_legacy_hook_runs_first_then_the_handlers() {
    let unit = Unit::new("legacy-ok");
    legacy_install(
        &unit,
        "#!/bin/sh\necho \"legacy install OPERATOR_DISPATCH=$OPERATOR_DISPATCH\" >> \"$OPS_E2E_LOG\"\n",
        0o755,
    );
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    let legacy = calls
        .iter()
        .position(|c| c == "legacy install OPERATOR_DISPATCH=1");
    let handler = calls.iter().position(|c| c == HANDLER_LOG);
    assert!(
        legacy.is_some() && handler.is_some() && legacy < handler,
        "{calls:#?}"
    );
    assert!(
        calls.contains(&"juju-log --log-level INFO -- Running legacy hooks/install.".to_string())
    );
}

#[test]
fn a_failing_legacy_hook_fails_the_hook_before_any_handler() {
    let unit = Unit::new("legacy-fail");
    legacy_install(&unit, "#!/bin/sh\nexit 3\n", 0o755);
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 3, "{calls:#?}");
    assert!(!calls.iter().any(|c| c == HANDLER_LOG), "{calls:#?}");
    assert!(
        calls.contains(
            &"juju-log --log-level WARNING -- Legacy hooks/install exited with status 3."
                .to_string()
        ),
        "{calls:#?}"
    );
    assert!(!unit.state_path().exists(), "nothing is saved");
}

#[test]
fn a_legacy_hook_that_is_not_executable_is_only_reported() {
    let unit = Unit::new("legacy-noexec");
    legacy_install(&unit, "#!/bin/sh\nexit 3\n", 0o644);
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert!(calls.iter().any(|c| c == HANDLER_LOG), "{calls:#?}");
    assert!(calls.contains(
        &"juju-log --log-level WARNING -- Legacy hooks/install exists but is not executable."
            .to_string()
    ));
}

#[test]
fn a_link_to_the_charm_itself_is_not_run_again() {
    let unit = Unit::new("legacy-self");
    let hooks = unit.charm_dir().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::os::unix::fs::symlink(std::env::current_exe().unwrap(), hooks.join("install")).unwrap();
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        calls.iter().filter(|c| *c == HANDLER_LOG).count(),
        1,
        "{calls:#?}"
    );
    assert!(!calls.iter().any(|c| c.contains("egacy")), "{calls:#?}");
}
