//! tinyproxy on the machine, without charm concerns: install it with APT, write its
//! config file, start it, ask it to reload its config, stop it, uninstall it.
//!
//! The charm talks to tinyproxy through the [`Tinyproxy`] trait, held in a [`Handle`]
//! field of the charm that is not persisted: the real [`Machine`] by default; a unit test
//! puts a stand-in there with `ops::testing::Context::charm_setup` (as the Python
//! example's tests monkeypatch its helper module).
//!
//! Every failure is an [`Error`] that says what was run or touched and why it failed;
//! nothing here panics.

use std::fmt::Write as _;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

/// Where tinyproxy reads its config (its compiled-in default).
pub const CONFIG_FILE: &str = "/etc/tinyproxy/tinyproxy.conf";
/// Where tinyproxy writes its process id (the config file says so).
pub const PID_FILE: &str = "/var/run/tinyproxy.pid";
/// The APT package with the tinyproxy executable.
pub const PACKAGE: &str = "tinyproxy-bin";
/// The package version installed: ubuntu@24.04's (<https://packages.ubuntu.com/noble/tinyproxy-bin>).
/// Pinning the workload's version is good practice for charms.
pub const PACKAGE_VERSION: &str = "1.11.1-3";
/// The mode of the config file.
pub const CONFIG_MODE: u32 = 0o644;

/// What went wrong managing tinyproxy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command could not be started (e.g. the program is missing).
    #[error("cannot run {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why it could not start.
        #[source]
        source: io::Error,
    },
    /// A command exited unsuccessfully.
    #[error("{command} failed ({status}): {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// How it exited.
        status: std::process::ExitStatus,
        /// What it printed on standard error, trimmed.
        stderr: String,
    },
    /// A file operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `remove`...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The PID file does not hold a positive process id.
    #[error("invalid PID file {}: {content:?} is not a process id", path.display())]
    BadPidFile {
        /// The PID file.
        path: PathBuf,
        /// What it holds.
        content: String,
    },
    /// An operation needs tinyproxy running, and it is not.
    #[error("tinyproxy is not running")]
    NotRunning,
    /// A signal could not be sent to tinyproxy.
    #[error("cannot send {signal} to tinyproxy (PID {pid}): {source}")]
    Signal {
        /// The signal's name.
        signal: &'static str,
        /// The process id.
        pid: i32,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// tinyproxy's config file: a reverse proxy on `port` that serves `http://www.example.com/`
/// under `/<slug>/`. See tinyproxy.conf(5).
pub fn render_config(pid_file: &Path, port: u16, slug: &str) -> String {
    let mut config = String::new();
    let _ = writeln!(config, "PidFile \"{}\"", pid_file.display());
    let _ = writeln!(config, "Port {port}");
    let _ = writeln!(config, "Timeout 600");
    let _ = writeln!(config, "ReverseOnly Yes");
    let _ = writeln!(
        config,
        "ReversePath \"/{slug}/\" \"http://www.example.com/\""
    );
    config
}

/// The version in `tinyproxy -v`'s output (`tinyproxy 1.11.1` → `1.11.1`).
pub fn parse_version(output: &str) -> String {
    let output = output.trim();
    output
        .strip_prefix("tinyproxy")
        .unwrap_or(output)
        .trim()
        .to_string()
}

/// What the charm does with tinyproxy. [`Machine`] does it for real; unit tests use a
/// stand-in.
pub trait Tinyproxy {
    /// Makes the config file serve `slug` on `port`; whether anything changed.
    fn ensure_config(&self, port: u16, slug: &str) -> Result<bool>;
    /// The installed tinyproxy's version.
    fn get_version(&self) -> Result<String>;
    /// Installs tinyproxy (refreshing the package lists first).
    fn install(&self) -> Result<()>;
    /// Whether the tinyproxy executable is available.
    fn is_installed(&self) -> bool;
    /// Whether tinyproxy is running.
    fn is_running(&self) -> Result<bool>;
    /// Asks the running tinyproxy to reload its config; [`Error::NotRunning`] if it is not
    /// running.
    fn reload_config(&self) -> Result<()>;
    /// Starts tinyproxy (it runs in the background).
    fn start(&self) -> Result<()>;
    /// Asks tinyproxy to stop, if it is running.
    fn stop(&self) -> Result<()>;
    /// Uninstalls tinyproxy and removes its PID and config files.
    fn uninstall(&self) -> Result<()>;
    /// Waits `duration` before looking at tinyproxy again (after starting or stopping it).
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// The tinyproxy a charm manages, as a field of the charm (`#[serde(skip)]`, so not
/// persisted): the real [`Machine`] by [`Default`], or a stand-in a test gives
/// [`Handle::new`].
#[derive(Clone)]
pub struct Handle(Rc<dyn Tinyproxy>);

impl Handle {
    /// A handle on `tinyproxy` (a test's stand-in).
    pub fn new(tinyproxy: Rc<dyn Tinyproxy>) -> Self {
        Handle(tinyproxy)
    }
}

impl Default for Handle {
    fn default() -> Self {
        Handle(Rc::new(Machine::default()))
    }
}

impl std::ops::Deref for Handle {
    type Target = dyn Tinyproxy;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// tinyproxy on this machine: `apt-get` to install and remove it, the config file,
/// signals to the process named in the PID file.
///
/// The paths are fields so the pure parts can be tried out in a scratch directory;
/// [`Machine::default`] is the real system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The config file ([`CONFIG_FILE`]).
    pub config_file: PathBuf,
    /// The PID file ([`PID_FILE`]).
    pub pid_file: PathBuf,
    /// The tinyproxy executable: a name looked up on `PATH`, or a path.
    pub tinyproxy: PathBuf,
    /// The `apt-get` executable: a name looked up on `PATH`, or a path.
    pub apt_get: PathBuf,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            config_file: CONFIG_FILE.into(),
            pid_file: PID_FILE.into(),
            tinyproxy: "tinyproxy".into(),
            apt_get: "apt-get".into(),
        }
    }
}

/// Runs `program args...` without a shell; its standard output if it succeeds.
fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String> {
    let command_line = std::iter::once(program.display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            command: command_line.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(Error::Command {
            command: command_line,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether `program` is an executable file: as given if it names a path, else on `PATH`.
fn find_executable(program: &Path) -> Option<PathBuf> {
    fn executable(path: &Path) -> bool {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    if program.components().count() > 1 {
        return executable(program).then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
}

/// Sends `signal` to `pid`.
fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill(2) takes plain integers and touches no memory of ours. The PID is
    // positive (checked by the caller), so this never signals a process group or
    // every process.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn remove_if_present(path: &Path, dir: bool) -> Result<()> {
    let result = if dir {
        std::fs::remove_dir(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::Io {
            action: "remove",
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

impl Machine {
    /// The process id in the PID file, if that process exists.
    pub fn pid(&self) -> Result<Option<i32>> {
        let content = match std::fs::read_to_string(&self.pid_file) {
            Ok(content) => content,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path: self.pid_file.clone(),
                    source,
                })
            }
        };
        let pid = match content.trim().parse::<i32>() {
            Ok(pid) if pid > 0 => pid,
            _ => {
                return Err(Error::BadPidFile {
                    path: self.pid_file.clone(),
                    content,
                })
            }
        };
        // Signal 0 sends nothing: it only checks that the process exists.
        match kill(pid, 0) {
            Ok(()) => Ok(Some(pid)),
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Ok(None),
            // It exists, but belongs to someone we may not signal.
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => Ok(Some(pid)),
            Err(source) => Err(Error::Signal {
                signal: "signal 0",
                pid,
                source,
            }),
        }
    }

    fn signal(&self, pid: i32, signal: i32, name: &'static str) -> Result<()> {
        kill(pid, signal).map_err(|source| Error::Signal {
            signal: name,
            pid,
            source,
        })
    }
}

impl Tinyproxy for Machine {
    fn ensure_config(&self, port: u16, slug: &str) -> Result<bool> {
        let config = render_config(&self.pid_file, port, slug);
        let io_error = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io {
                action,
                path,
                source,
            }
        };
        let path = &self.config_file;
        if let (Ok(existing), Ok(meta)) = (std::fs::read(path), path.metadata()) {
            if existing == config.as_bytes() && meta.permissions().mode() & 0o7777 == CONFIG_MODE {
                return Ok(false);
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        }
        // Written beside the file and renamed over it: tinyproxy never reads half a file.
        let mut temp = path.as_os_str().to_owned();
        temp.push(".new");
        let temp = PathBuf::from(temp);
        std::fs::write(&temp, &config).map_err(io_error("write", &temp))?;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(CONFIG_MODE))
            .map_err(io_error("set the mode of", &temp))?;
        std::fs::rename(&temp, path).map_err(io_error("replace", path))?;
        Ok(true)
    }

    fn get_version(&self) -> Result<String> {
        Ok(parse_version(&run(&self.tinyproxy, &["-v"], &[])?))
    }

    fn install(&self) -> Result<()> {
        let env = [("DEBIAN_FRONTEND", "noninteractive")];
        run(&self.apt_get, &["update", "--error-on=any"], &env)?;
        let package = format!("{PACKAGE}={PACKAGE_VERSION}");
        run(
            &self.apt_get,
            &[
                "--assume-yes",
                "--option=Dpkg::Options::=--force-confold",
                "install",
                &package,
            ],
            &env,
        )?;
        Ok(())
    }

    fn is_installed(&self) -> bool {
        find_executable(&self.tinyproxy).is_some()
    }

    fn is_running(&self) -> Result<bool> {
        Ok(self.pid()?.is_some())
    }

    fn reload_config(&self) -> Result<()> {
        let pid = self.pid()?.ok_or(Error::NotRunning)?;
        // SIGUSR1 does not stop tinyproxy: it asks it to reload its config (tinyproxy(8)).
        self.signal(pid, libc::SIGUSR1, "SIGUSR1")
    }

    fn start(&self) -> Result<()> {
        // tinyproxy puts itself in the background; the command returns once it has.
        let config = self.config_file.to_string_lossy();
        run(&self.tinyproxy, &["-c", &config], &[]).map(drop)
    }

    fn stop(&self) -> Result<()> {
        match self.pid()? {
            Some(pid) => self.signal(pid, libc::SIGTERM, "SIGTERM"),
            None => Ok(()),
        }
    }

    fn uninstall(&self) -> Result<()> {
        let env = [("DEBIAN_FRONTEND", "noninteractive")];
        run(&self.apt_get, &["--assume-yes", "remove", PACKAGE], &env)?;
        remove_if_present(&self.pid_file, false)?;
        remove_if_present(&self.config_file, false)?;
        if let Some(dir) = self
            .config_file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            remove_if_present(dir, true)?;
        }
        Ok(())
    }
}
