//! The remnant of Juju's hook-per-file charms that Python `ops` keeps: when the charm
//! directory holds an executable at the dispatch path (`$CHARM_DIR/hooks/install`) that
//! is not the running charm itself, it runs first, with the same environment, and a
//! failure of it is the hook's failure. A charm moved from a hooks-directory charm keeps
//! its old hook scripts working while its handlers are ported.

use crate::backend::{Backend, LogLevel};
use std::path::Path;

/// Runs `$charm_dir/$dispatch_path` if it is an executable other than this process's own
/// binary (a `hooks/<name>` link to the charm binary is skipped, silently). Returns the exit status
/// the hook must end with when it failed (its status; 1 when it could not be started),
/// as Python `ops` aborts with it.
pub fn run_legacy_hook(
    charm_dir: &Path,
    dispatch_path: &str,
    backend: &dyn Backend,
) -> Option<i32> {
    let log = |level: LogLevel, message: String| {
        if crate::logging::enabled(level) {
            let _ = backend.juju_log(level, &message);
        }
    };
    if dispatch_path.is_empty() || charm_dir.as_os_str().is_empty() {
        return None;
    }
    let path = charm_dir.join(dispatch_path);
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 == 0 {
        log(
            LogLevel::Warning,
            format!("Legacy {dispatch_path} exists but is not executable."),
        );
        return None;
    }
    // A link to the charm binary is the charm started the old way: nothing to run (and,
    // unlike Python's debug line, nothing logged: a juju-log costs a process per hook).
    let own = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    if own.is_some() && std::fs::canonicalize(&path).ok() == own {
        return None;
    }
    log(LogLevel::Info, format!("Running legacy {dispatch_path}."));
    // Set for the child only: if it runs this charm again, that run does nothing.
    let status = std::process::Command::new(&path)
        .env("OPERATOR_DISPATCH", "1")
        .stdin(std::process::Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => {
            log(
                LogLevel::Debug,
                format!("Legacy {dispatch_path} exited with status 0."),
            );
            None
        }
        Ok(status) => {
            let code = status.code().unwrap_or(1);
            log(
                LogLevel::Warning,
                format!("Legacy {dispatch_path} exited with status {code}."),
            );
            Some(code)
        }
        Err(e) => {
            log(
                LogLevel::Warning,
                format!("Unable to run legacy {dispatch_path}: {e}"),
            );
            Some(1)
        }
    }
}
