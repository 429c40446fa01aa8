//! `juju debug-code`: stopping a hook so a debugger can be attached.
//!
//! `juju debug-code --at=hook UNIT` (or `--at=all`) runs the unit's next hooks in a tmux
//! session with `JUJU_DEBUG_AT` set. Python `ops` then runs each handler of a Juju event
//! or action under `pdb`. A Rust charm has no interpreter to drop into, so the process
//! waits instead, just before the handler, after printing its pid and how to attach
//! `gdb` or `lldb` and where to break; it goes on once a debugger is attached and
//! continues it, or on `kill -CONT <pid>` without one. Named breakpoints
//! ([`ModelCore::breakpoint`](crate::ModelCore::breakpoint), Python's
//! `framework.breakpoint(name)`) stop the same way when `JUJU_DEBUG_AT` names them (or
//! is `all`).

use crate::error::ModelError;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// What Python `ops` prints once before its first stop, in our words.
const WELCOME: &str = "\
Stopping the charm so a debugger can be attached (juju debug-code).
Future breakpoints may stop it again.
For more information, see:
https://documentation.ubuntu.com/juju/3.6/reference/juju-cli/list-of-juju-cli-commands/debug-code/
";

static WELCOMED: AtomicBool = AtomicBool::new(false);

/// Whether `JUJU_DEBUG_AT` (`debug_at`) asks to stop before each handler of a Juju event
/// or action: it holds `all` or `hook`.
pub fn stops_at_handlers(debug_at: &[String]) -> bool {
    debug_at.iter().any(|at| at == "all" || at == "hook")
}

/// Checks a breakpoint name as Python `ops` does: lowercase letters, digits and inner
/// dashes, and neither `all` nor `hook` (reserved).
pub fn check_breakpoint_name(name: &str) -> Result<(), ModelError> {
    let invalid = |detail: &str| ModelError::Invalid {
        what: "breakpoint name",
        detail: format!("{name:?}: {detail}"),
    };
    if name == "all" || name == "hook" {
        return Err(invalid("the names \"all\" and \"hook\" are reserved"));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = name.chars().all(|c| allowed(c) || c == '-')
        && name.chars().next().is_some_and(allowed)
        && name.chars().next_back().is_some_and(allowed);
    if !ok {
        return Err(invalid("it must look like \"foo\" or \"foo-bar\""));
    }
    Ok(())
}

/// The instructions printed before stopping at `place` (`handler start of install`);
/// `symbol` is where to break in the debugger, if known.
pub fn instructions(pid: u32, place: &str, symbol: Option<&str>) -> String {
    // Debuggers find a Rust method by its bare name (`start`) with any debug info; the
    // full path (`demo::Demo::start`) needs full debug info.
    let bare = symbol.map(|s| s.rsplit("::").next().unwrap_or(s));
    let (gdb_break, lldb_break, full) = match (bare, symbol) {
        (Some(bare), Some(symbol)) => (
            format!("break {bare}, then "),
            format!("breakpoint set -n {bare}, then "),
            format!(" The handler is {symbol}."),
        ),
        _ => (String::new(), String::new(), String::new()),
    };
    format!(
        "ops: stopped before {place}, pid {pid} (JUJU_DEBUG_AT).{full}\n\
         Attach a debugger from another terminal (in this tmux session: Ctrl-b c):\n    \
         gdb -p {pid}     {gdb_break}continue\n    \
         lldb -p {pid}    {lldb_break}continue\n\
         The charm goes on once a debugger continues it, or on `kill -CONT {pid}`.\n\
         (Breaking on a name needs symbols, which release builds here strip: build with\n\
         CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=line-tables-only.)\n"
    )
}

/// Set by the `SIGCONT` handler while a stop waits.
static CONTINUED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigcont(_signal: libc::c_int) {
    CONTINUED.store(true, Ordering::SeqCst);
}

/// Whether a debugger is attached (ptrace): `TracerPid` in `/proc/self/status`.
fn traced() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))
                .map(|pid| pid.trim() != "0")
        })
        .unwrap_or(false)
}

/// Prints the welcome (once per process) and the instructions to stderr, then waits
/// until a debugger attaches (and continues the process) or a `SIGCONT` arrives.
///
/// It waits rather than stopping itself with `SIGSTOP`: a debugger attached to a
/// process in a job-control stop sees spurious `SIGSTOP`s, and leaves it stopped when it
/// detaches.
pub fn stop(place: &str, symbol: Option<&str>) {
    let mut stderr = std::io::stderr().lock();
    // A stop must not fail the hook: stderr may be closed.
    if !WELCOMED.swap(true, Ordering::Relaxed) {
        let _ = stderr.write_all(WELCOME.as_bytes());
    }
    let _ = stderr.write_all(instructions(std::process::id(), place, symbol).as_bytes());
    let _ = stderr.flush();
    drop(stderr);
    CONTINUED.store(false, Ordering::SeqCst);
    let handler: extern "C" fn(libc::c_int) = on_sigcont;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let previous = unsafe { libc::signal(libc::SIGCONT, handler as libc::sighandler_t) };
    while !CONTINUED.load(Ordering::SeqCst) && !traced() {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SAFETY: puts back the disposition `signal` returned.
    unsafe {
        libc::signal(libc::SIGCONT, previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_and_all_stop_at_handlers_other_names_do_not() {
        let at = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(stops_at_handlers(&at(&["hook"])));
        assert!(stops_at_handlers(&at(&["db-check", "all"])));
        assert!(!stops_at_handlers(&at(&["db-check"])));
        assert!(!stops_at_handlers(&at(&[])));
    }

    #[test]
    fn breakpoint_names_follow_python_ops() {
        for good in ["foo", "foo-bar", "a1", "9"] {
            check_breakpoint_name(good).unwrap();
        }
        for bad in ["all", "hook", "Foo", "-foo", "foo-", "foo_bar", ""] {
            let err = check_breakpoint_name(bad).unwrap_err().to_string();
            assert!(err.contains("breakpoint name"), "{bad}: {err}");
        }
    }

    #[test]
    fn instructions_name_the_pid_and_both_debuggers() {
        let text = instructions(4321, "handler start of install", Some("demo::Demo::start"));
        assert!(text.contains("gdb -p 4321     break start, then continue"));
        assert!(text.contains("lldb -p 4321    breakpoint set -n start, then continue"));
        assert!(text.contains("The handler is demo::Demo::start."));
        assert!(text.contains("kill -CONT 4321"));
    }
}
