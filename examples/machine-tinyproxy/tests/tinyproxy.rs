//! The helper module's pure parts (the Python example's tests/unit/test_tinyproxy.py, and
//! more), in a scratch directory: stand-in `tinyproxy` and `apt-get` scripts, config and
//! PID files under the temp dir, signals only to this test's own child processes.

use machine_tinyproxy::tinyproxy::{
    parse_version, render_config, Error, Machine, Tinyproxy, PACKAGE, PACKAGE_VERSION,
};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// Held by each test's scratch directory for the whole test. A test that forks while
/// another still has a stand-in script open for writing would leave it open in the child
/// until it execs, and executing the script then fails with "Text file busy" (ETXTBSY).
static SERIAL: Mutex<()> = Mutex::new(());

/// A scratch directory, removed when dropped.
struct Scratch {
    dir: PathBuf,
    _serial: MutexGuard<'static, ()>,
}

impl Scratch {
    fn new(test: &str) -> Self {
        let serial = SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir =
            std::env::temp_dir().join(format!("machine-tinyproxy-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch {
            dir,
            _serial: serial,
        }
    }

    /// A machine whose files and programs all live in the scratch directory.
    fn machine(&self) -> Machine {
        Machine {
            config_file: self.dir.join("etc/tinyproxy/tinyproxy.conf"),
            pid_file: self.dir.join("run/tinyproxy.pid"),
            tinyproxy: self.dir.join("bin/tinyproxy"),
            apt_get: self.dir.join("bin/apt-get"),
        }
    }

    /// Writes an executable shell script at `path`.
    fn script(&self, path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A script that appends its arguments (and `DEBIAN_FRONTEND`, which the test's own
    /// environment may set too) to `calls.log`.
    fn recording_script(&self, path: &Path) {
        let log = self.dir.join("calls.log");
        self.script(
            path,
            &format!(
                "echo \"$(basename \"$0\") $* [$DEBIAN_FRONTEND]\" >> '{}'",
                log.display()
            ),
        );
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// As test_tinyproxy.py's test_version: `tinyproxy -v`'s output, without the name.
#[test]
fn version() {
    let scratch = Scratch::new("version");
    let machine = scratch.machine();
    scratch.script(
        &machine.tinyproxy,
        "[ \"$1\" = -v ] && echo 'tinyproxy 1.0.0'",
    );
    assert_eq!(machine.get_version().unwrap(), "1.0.0");

    assert_eq!(parse_version("tinyproxy 1.11.1\n"), "1.11.1");
    assert_eq!(parse_version("  1.11.1 "), "1.11.1");
}

#[test]
fn config_file_contents() {
    assert_eq!(
        render_config(Path::new("/var/run/tinyproxy.pid"), 8000, "example"),
        "PidFile \"/var/run/tinyproxy.pid\"\n\
         Port 8000\n\
         Timeout 600\n\
         ReverseOnly Yes\n\
         ReversePath \"/example/\" \"http://www.example.com/\"\n"
    );
}

/// ensure_config writes the file (creating its directory) only when something differs.
#[test]
fn ensure_config_reports_changes() {
    let scratch = Scratch::new("ensure-config");
    let machine = scratch.machine();
    assert!(machine.ensure_config(8000, "example").unwrap());
    let written = std::fs::read_to_string(&machine.config_file).unwrap();
    assert_eq!(written, render_config(&machine.pid_file, 8000, "example"));
    let mode = std::fs::metadata(&machine.config_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o644);

    assert!(!machine.ensure_config(8000, "example").unwrap());
    assert!(machine.ensure_config(8000, "foo").unwrap());
    assert!(std::fs::read_to_string(&machine.config_file)
        .unwrap()
        .contains("ReversePath \"/foo/\""));
    // Wrong permissions count as a change.
    std::fs::set_permissions(&machine.config_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(machine.ensure_config(8000, "foo").unwrap());
    assert!(!machine.ensure_config(8000, "foo").unwrap());
}

#[test]
fn ensure_config_failure_names_the_path() {
    let scratch = Scratch::new("ensure-config-fails");
    let mut machine = scratch.machine();
    // A file where the config's directory should be.
    std::fs::write(scratch.dir.join("etc"), "").unwrap();
    machine.config_file = scratch.dir.join("etc/tinyproxy.conf");
    let err = machine.ensure_config(8000, "x").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let expected = format!("cannot create {}: ", scratch.dir.join("etc").display());
    assert!(err.to_string().starts_with(&expected), "{err}");
}

#[test]
fn is_installed_looks_for_an_executable() {
    let scratch = Scratch::new("installed");
    let mut machine = scratch.machine();
    assert!(!machine.is_installed());
    std::fs::create_dir_all(machine.tinyproxy.parent().unwrap()).unwrap();
    std::fs::write(&machine.tinyproxy, "").unwrap();
    assert!(!machine.is_installed(), "not executable");
    scratch.script(&machine.tinyproxy, "true");
    assert!(machine.is_installed());
    // A bare name is looked up on PATH.
    machine.tinyproxy = "sh".into();
    assert!(machine.is_installed());
    machine.tinyproxy = "no-such-program-tinyproxy".into();
    assert!(!machine.is_installed());
}

#[test]
fn install_and_uninstall_run_apt_get() {
    let scratch = Scratch::new("apt");
    let machine = scratch.machine();
    scratch.recording_script(&machine.apt_get);
    machine.install().unwrap();
    assert_eq!(
        scratch.calls(),
        [
            "apt-get update --error-on=any [noninteractive]".to_string(),
            format!(
                "apt-get --assume-yes --option=Dpkg::Options::=--force-confold install \
                 {PACKAGE}={PACKAGE_VERSION} [noninteractive]"
            ),
        ]
    );

    machine.ensure_config(8000, "example").unwrap();
    std::fs::create_dir_all(machine.pid_file.parent().unwrap()).unwrap();
    std::fs::write(&machine.pid_file, "12345\n").unwrap();
    machine.uninstall().unwrap();
    assert_eq!(
        scratch.calls()[2],
        "apt-get --assume-yes remove tinyproxy-bin [noninteractive]"
    );
    assert!(!machine.pid_file.exists());
    assert!(!machine.config_file.exists());
    assert!(!machine.config_file.parent().unwrap().exists());
    // Nothing left to remove is fine.
    machine.uninstall().unwrap();
}

#[test]
fn failing_commands_are_clear_errors() {
    let scratch = Scratch::new("failing");
    let machine = scratch.machine();
    // apt-get is missing.
    let err = machine.install().unwrap_err();
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot run "), "{err}");
    assert!(err.to_string().contains("apt-get update"), "{err}");
    // apt-get fails.
    scratch.script(
        &machine.apt_get,
        "echo 'E: Unable to locate package' >&2; exit 100",
    );
    let err = machine.install().unwrap_err().to_string();
    assert!(
        err.contains("apt-get update --error-on=any failed"),
        "{err}"
    );
    assert!(err.contains("100"), "{err}");
    assert!(err.ends_with("E: Unable to locate package"), "{err}");
    // tinyproxy fails to start.
    scratch.script(&machine.tinyproxy, "echo 'bad config' >&2; exit 1");
    let err = machine.start().unwrap_err().to_string();
    assert!(
        err.ends_with("failed (exit status: 1): bad config"),
        "{err}"
    );
}

#[test]
fn start_runs_tinyproxy_with_its_config() {
    let scratch = Scratch::new("start");
    let machine = scratch.machine();
    scratch.recording_script(&machine.tinyproxy);
    machine.start().unwrap();
    let calls = scratch.calls();
    let expected = format!("tinyproxy -c {} [", machine.config_file.display());
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with(&expected), "{calls:?}");
}

/// Running means: the PID file names a live process.
#[test]
fn running_follows_the_pid_file() {
    let scratch = Scratch::new("pid");
    let machine = scratch.machine();
    assert!(!machine.is_running().unwrap(), "no PID file");
    assert_eq!(machine.pid().unwrap(), None);
    // Stopping or reloading a tinyproxy that does not run.
    machine.stop().unwrap();
    let err = machine.reload_config().unwrap_err();
    assert!(matches!(err, Error::NotRunning), "{err:?}");
    assert_eq!(err.to_string(), "tinyproxy is not running");

    std::fs::create_dir_all(machine.pid_file.parent().unwrap()).unwrap();
    let me = std::process::id();
    std::fs::write(&machine.pid_file, format!("{me}\n")).unwrap();
    assert!(machine.is_running().unwrap());
    assert_eq!(machine.pid().unwrap(), Some(me as i32));

    // A process that has exited (and been reaped) is not running.
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    std::fs::write(&machine.pid_file, pid.to_string()).unwrap();
    assert!(!machine.is_running().unwrap());

    // Never a signal to a process group or to every process: 0 and negative ids are
    // invalid, as is anything that is not a number.
    for bad in ["0", "-1", "", "tinyproxy"] {
        std::fs::write(&machine.pid_file, bad).unwrap();
        let err = machine.is_running().unwrap_err();
        assert!(matches!(err, Error::BadPidFile { .. }), "{bad:?}: {err:?}");
    }
}

/// stop sends SIGTERM and reload_config SIGUSR1 to the process in the PID file (here a
/// child of this test, whose default action for both is to die by that signal).
#[test]
fn stop_and_reload_send_signals() {
    let scratch = Scratch::new("signals");
    let machine = scratch.machine();
    std::fs::create_dir_all(machine.pid_file.parent().unwrap()).unwrap();
    for (signal, act) in [
        (libc::SIGTERM, Machine::stop as fn(&Machine) -> _),
        (libc::SIGUSR1, Machine::reload_config),
    ] {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        std::fs::write(&machine.pid_file, child.id().to_string()).unwrap();
        act(&machine).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(signal), "{status:?}");
    }
}
