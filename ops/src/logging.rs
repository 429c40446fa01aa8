//! Logging: the `log` crate's macros go to `juju-log`.
//!
//! `ops::main` installs a [`JujuLogger`], so a charm logs with `log::info!(...)` and the
//! line lands in the unit's Juju log at the same level. The level filter defaults to
//! `DEBUG` (as in Python `ops`); with `JUJU_DEBUG` set, lines are also written to stderr.

use crate::backend::{Backend, LogLevel};
use crate::hookcmds::HookTools;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1); // DEBUG

fn rank(level: LogLevel) -> u8 {
    match level {
        LogLevel::Trace => 0,
        LogLevel::Debug => 1,
        LogLevel::Info => 2,
        LogLevel::Warning => 3,
        LogLevel::Error => 4,
    }
}

/// Sets the lowest level sent to `juju-log` (framework lines and the `log` macros).
pub fn set_level(level: LogLevel) {
    LEVEL.store(rank(level), Ordering::Relaxed);
    log::set_max_level(to_filter(level));
}

/// The lowest level sent to `juju-log`.
#[cfg(test)]
pub fn level() -> LogLevel {
    match LEVEL.load(Ordering::Relaxed) {
        0 => LogLevel::Trace,
        1 => LogLevel::Debug,
        2 => LogLevel::Info,
        3 => LogLevel::Warning,
        _ => LogLevel::Error,
    }
}

/// Whether a line at `level` is sent.
pub fn enabled(level: LogLevel) -> bool {
    rank(level) >= LEVEL.load(Ordering::Relaxed)
}

fn to_filter(level: LogLevel) -> log::LevelFilter {
    match level {
        LogLevel::Trace => log::LevelFilter::Trace,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Warning => log::LevelFilter::Warn,
        LogLevel::Error => log::LevelFilter::Error,
    }
}

/// The `juju-log` level of a `log` record's level.
pub fn juju_level(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warning,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Trace => LogLevel::Trace,
    }
}

/// A `log` implementation writing each record through a [`Backend`]'s `juju_log`.
pub struct JujuLogger<B = HookTools> {
    backend: B,
    stderr: bool,
}

impl<B: Backend> JujuLogger<B> {
    /// A logger over `backend`; with `stderr`, lines are also written to stderr
    /// (`JUJU_DEBUG`).
    pub fn new(backend: B, stderr: bool) -> Self {
        JujuLogger { backend, stderr }
    }
}

impl<B: Backend + Send + Sync> log::Log for JujuLogger<B> {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        enabled(juju_level(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        let level = juju_level(record.level());
        if !enabled(level) {
            return;
        }
        let message = record.args().to_string();
        // Not `eprintln!`, which panics when stderr cannot be written (a closed pipe).
        let to_stderr = || {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{} {message}", level.as_str());
        };
        if self.stderr {
            to_stderr();
        }
        if self.backend.juju_log(level, &message).is_err() && !self.stderr {
            // juju-log itself failed: keep the line somewhere Juju records.
            to_stderr();
        }
    }

    fn flush(&self) {
        self.backend.flush();
    }
}

/// Installs a [`JujuLogger`] over the hook tools as the `log` crate's logger, at `level`.
/// Does nothing if a logger is already installed.
pub fn init(level: LogLevel, stderr: bool) {
    let logger = Box::new(JujuLogger::new(HookTools::new(), stderr));
    if log::set_boxed_logger(logger).is_ok() {
        set_level(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_both_ways() {
        assert_eq!(juju_level(log::Level::Warn), LogLevel::Warning);
        assert_eq!(juju_level(log::Level::Error).as_str(), "ERROR");
        assert_eq!(juju_level(log::Level::Trace).as_str(), "TRACE");
        assert!(enabled(LogLevel::Error));
        assert!(!enabled(LogLevel::Trace) || level() == LogLevel::Trace);
    }
}
