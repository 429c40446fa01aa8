//! [`RealPebble`]: the real Pebble daemon for tests (feature `real-pebble`).
//!
//! A test starts its own `pebble run` with `PEBBLE` set to a fresh temporary directory and
//! its own socket, talks to it with a [`Client`], and stops it when the guard drops (also
//! when the test panics): SIGTERM, so Pebble stops its services, then SIGKILL if it lingers.
//!
//! The daemon runs with `--hold`: without it, `pebble run` asks itself to autostart the
//! `startup: enabled` services (a `POST /v1/services` `autostart` through its own socket)
//! only after the socket already answers, so on a loaded machine that request can land
//! after a test's first `add_layer` and start services the test never asked for. A test
//! that wants autostart calls it itself.
//!
//! The binary is `$PEBBLE_BIN`, else `.tools/bin/pebble` at the workspace root, where
//! `bash .ci/install-pebble.sh` puts the pinned release. Without it [`RealPebble::start`]
//! prints one `SKIP:` line and returns `None`, or panics when `CI=true`.

use crate::{Client, Pebble};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a daemon may take to answer after it was started.
const READY: Duration = Duration::from_secs(15);
/// How long a daemon may take to stop its services and exit after SIGTERM.
const STOP: Duration = Duration::from_secs(10);

/// A running `pebble run` in its own temporary directory; stopped and cleaned up on drop.
#[derive(Debug)]
pub struct RealPebble {
    child: Child,
    base: PathBuf,
    socket: PathBuf,
}

/// Where the Pebble binary is: `$PEBBLE_BIN`, else `<workspace>/.tools/bin/pebble`.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PEBBLE_BIN").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/pebble");
    path.is_file().then_some(path)
}

impl RealPebble {
    /// Starts a daemon, or, when there is no Pebble binary, prints one `SKIP:` line naming
    /// `what` and returns `None` (panics instead when the environment has `CI=true`).
    /// Panics if the daemon does not start: a test cannot go on without it.
    pub fn start(what: &str) -> Option<RealPebble> {
        let Some(bin) = binary() else {
            let line = format!(
                "{what} needs the real Pebble (bash .ci/install-pebble.sh, or set PEBBLE_BIN)"
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{line}, and CI=true requires it");
            }
            eprintln!("SKIP: {line}");
            return None;
        };
        match RealPebble::spawn(&bin) {
            Ok(pebble) => Some(pebble),
            Err(e) => panic!("cannot start {}: {e}", bin.display()),
        }
    }

    fn spawn(bin: &Path) -> std::io::Result<RealPebble> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir().join(format!(
            "ops-real-pebble-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        if base.exists() {
            std::fs::remove_dir_all(&base)?;
        }
        std::fs::create_dir_all(base.join("files"))?;
        let socket = base.join("pebble.socket");
        let log = std::fs::File::create(base.join("pebble.log"))?;
        let child = Command::new(bin)
            // `--hold`: no boot-time autostart racing the test's layers (see the module doc).
            .args(["run", "--create-dirs", "--hold"])
            .env("PEBBLE", base.join("pebble"))
            .env("PEBBLE_SOCKET", &socket)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut pebble = RealPebble {
            child,
            base,
            socket,
        };
        let started = Instant::now();
        loop {
            if pebble.client().system_info().is_ok() {
                return Ok(pebble);
            }
            if let Some(status) = pebble.child.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "pebble run exited ({status}): {}",
                    pebble.log()
                )));
            }
            if started.elapsed() > READY {
                return Err(std::io::Error::other(format!(
                    "pebble run did not answer within {READY:?}: {}",
                    pebble.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A client for the daemon's socket.
    pub fn client(&self) -> Client {
        Client::new(&self.socket)
    }

    /// The daemon's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// An empty directory of the test's own, removed with the daemon: where file tests
    /// push, list and remove.
    pub fn scratch(&self) -> PathBuf {
        self.base.join("files")
    }

    /// What the daemon wrote to stdout and stderr so far (its log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.base.join("pebble.log")).unwrap_or_default()
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RealPebble {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let asked = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && asked.elapsed() < STOP {
            std::thread::sleep(Duration::from_millis(5));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}
