//! The charm binary is the charm's `dispatch` (charmcraft.yaml's part installs the
//! built machine-tinyproxy as `dispatch`): Juju runs it with `JUJU_DISPATCH_PATH` set, or
//! through a legacy `hooks/<name>` link without it. These run the built binary both ways
//! in a charm directory, with stand-in hook tools, and check what the hook did.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// Held by each test for its whole run. A test that forks while another still has the
/// file it is writing open would leave that file open in the child until it execs, and
/// executing the file then fails with "Text file busy" (ETXTBSY).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const BINARY: &str = env!("CARGO_BIN_EXE_machine-tinyproxy");
const UNIT: &str = "tinyproxy/0";

/// A charm directory in the temp dir as charmcraft packs it: the built binary as
/// `dispatch`; `hooks/<hook>` linking to it as in charms with legacy hooks; in `bin/`,
/// stand-in hook tools that append their name and arguments to `calls`, `config-get`
/// answering `config` (JSON).
fn charm_dir(test: &str, hook: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("machine-tinyproxy-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("hooks")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::copy(BINARY, dir.join("dispatch")).unwrap();
    std::os::unix::fs::symlink("../dispatch", dir.join("hooks").join(hook)).unwrap();
    // Shell builtins only: PATH holds nothing but these tools.
    let calls = dir.join("calls");
    let script = format!(
        "#!/bin/sh\nline=${{0##*/}}; for a in \"$@\"; do line=\"$line $a\"; done\n\
         printf '%s\\n' \"$line\" >>'{}'\n\
         [ \"${{0##*/}}\" = config-get ] && printf '%s\\n' '{config}'\nexit 0\n",
        calls.display()
    );
    std::fs::write(dir.join("bin/tool"), script).unwrap();
    std::fs::set_permissions(dir.join("bin/tool"), PermissionsExt::from_mode(0o755)).unwrap();
    for name in [
        "juju-log",
        "config-get",
        "status-get",
        "status-set",
        "is-leader",
    ] {
        std::os::unix::fs::symlink("tool", dir.join("bin").join(name)).unwrap();
    }
    dir
}

/// Runs `program` in the charm directory `dir` as Juju runs a hook (Juju's variables
/// only, the hook tools on PATH); the `juju-log` calls and the other tool calls it made.
fn run_hook(dir: &Path, program: &Path, dispatch_path: Option<&str>) -> (Vec<String>, Vec<String>) {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", dir.join("bin"))
        .env("JUJU_CHARM_DIR", dir)
        .env("JUJU_UNIT_NAME", UNIT)
        .env("JUJU_MODEL_NAME", "test")
        .env("JUJU_VERSION", "3.6.4");
    if let Some(path) = dispatch_path {
        cmd.env("JUJU_DISPATCH_PATH", path);
    }
    // The charm does not wait for `juju-log`, but `juju-log` holds the charm's stderr:
    // reading it to its end waits for every call. Their lines may come in any order.
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
    calls
        .lines()
        .map(str::to_string)
        .partition(|call| call.starts_with("juju-log "))
}

#[test]
fn dispatch_runs_the_hook_juju_names() {
    let _serial = serial();
    let dir = charm_dir("dispatch", "install", r#"{"slug": "Bad Slug"}"#);
    let (logs, calls) = run_hook(&dir, Path::new("./dispatch"), Some("hooks/config-changed"));
    assert_eq!(
        logs,
        ["juju-log --log-level DEBUG -- Emitting Juju event config_changed."]
    );
    assert_eq!(
        calls,
        [
            "config-get --format=json",
            "status-set --application=False blocked -- Invalid slug: 'Bad Slug'. \
             Slug must match the regex [a-z0-9-]+",
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_legacy_hook_link_runs_the_hook_it_names() {
    let _serial = serial();
    // Juju runs a hook by its full path, and without JUJU_DISPATCH_PATH if it predates
    // `dispatch`: the link's name names the hook.
    let dir = charm_dir("legacy", "update-status", r#"{"slug": "example"}"#);
    let (logs, calls) = run_hook(&dir, &dir.join("hooks/update-status"), None);
    assert_eq!(
        logs,
        ["juju-log --log-level DEBUG -- Emitting Juju event update_status."]
    );
    assert_eq!(
        calls,
        [
            "config-get --format=json",
            "status-set --application=False maintenance -- Waiting for tinyproxy to be installed",
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
