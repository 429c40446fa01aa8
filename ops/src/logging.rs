//! Logging: the `log` crate's macros go to `juju-log`.
//!
//! `ops::main` installs a [`JujuLogger`], so a charm logs with `log::info!(...)` and the
//! line lands in the unit's Juju log at the same level. The level filter defaults to
//! `DEBUG` (as in Python `ops`); with `JUJU_DEBUG` set, lines are also written to stderr.
//!
//! Records from other crates (an HTTP client's request lines, say) are sent only at
//! `WARNING` and above: the charm's own crate, `ops`, and charm libraries (crates named
//! `charmlib-*`) log at the full level. [`set_crate_level`] changes that per crate, before
//! `ops::main`:
//!
//! ```ignore
//! fn main() {
//!     ops::set_crate_level("ureq", ops::LogLevel::Debug);   // all of it
//!     ops::set_crate_level("fastapi_charm_libs", ops::LogLevel::Info);
//!     ops::main::<MyCharm>()
//! }
//! ```

use crate::backend::{Backend, LogLevel};
use crate::hookcmds::HookTools;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::RwLock;

static LEVEL: AtomicU8 = AtomicU8::new(1); // DEBUG

/// The lowest level sent for records of crates not named in [`CRATE_LEVELS`].
const OTHER_CRATES: LogLevel = LogLevel::Warning;

/// The lowest level sent per crate (a record's target up to its first `::`), set by
/// [`set_crate_level`] and [`init`] (the charm's own crate).
static CRATE_LEVELS: RwLock<Vec<(String, LogLevel)>> = RwLock::new(Vec::new());

/// Sends the records of crate `name` (`ureq`, or `my_lib`: its name with `_` for `-`) at
/// `level` and above. Without a call, another crate's records are sent from `WARNING`,
/// and those of `ops`, the charm's crate and `charmlib_*` crates from the global level.
pub fn set_crate_level(name: &str, level: LogLevel) {
    let name = name.replace('-', "_");
    let mut levels = CRATE_LEVELS.write().unwrap_or_else(|e| e.into_inner());
    levels.retain(|(n, _)| *n != name);
    levels.push((name, level));
}

/// The lowest level sent for a record with this `target` (the global level still applies).
fn crate_level(target: &str) -> LogLevel {
    let name = target.split("::").next().unwrap_or(target);
    let levels = CRATE_LEVELS.read().unwrap_or_else(|e| e.into_inner());
    if let Some((_, level)) = levels.iter().find(|(n, _)| n == name) {
        return *level;
    }
    if matches!(name, "ops" | "ops_pebble") || name.starts_with("charmlib_") {
        LogLevel::Trace
    } else {
        OTHER_CRATES
    }
}

/// `url` as this project logs it: credentials (`user:password@`) and the query string,
/// which may hold a token, replaced by `***`. (`https://u:p@h/x?k=v` →
/// `https://***@h/x?***`.)
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("***{}", &authority[at..]),
        None => authority.to_string(),
    };
    let tail = match tail.find('?') {
        Some(q) => {
            let fragment = tail[q..].find('#').map_or("", |f| &tail[q + f..]);
            format!("{}?***{fragment}", &tail[..q])
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// The name of the crate defining `C` (as its records' targets start): for [`init`].
pub(crate) fn crate_of<C: ?Sized>() -> &'static str {
    let name = std::any::type_name::<C>();
    name.split("::").next().unwrap_or(name)
}

/// Whether a `log` record from `target` at `level` is sent.
fn passes(target: &str, level: LogLevel) -> bool {
    enabled(level) && rank(level) >= rank(crate_level(target))
}

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
        passes(metadata.target(), juju_level(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        let level = juju_level(record.level());
        if !passes(record.target(), level) {
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

/// Installs a [`JujuLogger`] over the hook tools as the `log` crate's logger, at `level`,
/// with the records of `charm_crate` (the charm's own crate) sent at that level too.
/// Does nothing if a logger is already installed.
pub fn init(level: LogLevel, stderr: bool, charm_crate: &str) {
    let known = CRATE_LEVELS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|(n, _)| n == charm_crate);
    if !known {
        set_crate_level(charm_crate, LogLevel::Trace);
    }
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

    #[test]
    fn other_crates_are_sent_from_warning_unless_configured() {
        // The global level is DEBUG here (the default).
        assert!(passes("ops::framework", LogLevel::Debug));
        assert!(passes("ops_pebble::client", LogLevel::Debug));
        assert!(passes("charmlib_ingress::v2", LogLevel::Info));
        assert!(!passes("ureq::unit", LogLevel::Info));
        assert!(!passes("ureq", LogLevel::Debug));
        assert!(passes("ureq::unit", LogLevel::Warning));
        assert!(passes("ureq", LogLevel::Error));
        set_crate_level("some-http", LogLevel::Info);
        assert!(passes("some_http::pool", LogLevel::Info));
        assert!(!passes("some_http::pool", LogLevel::Debug));
        set_crate_level("some_http", LogLevel::Error);
        assert!(!passes("some_http", LogLevel::Warning));
        // A crate named like another one's prefix is another crate.
        assert!(!passes("opsx::a", LogLevel::Info));
    }

    #[test]
    fn urls_are_logged_without_credentials_or_query() {
        assert_eq!(
            redact_url("https://user:s3cret@tempo.example:4318/v1/traces?token=abc#f"),
            "https://***@tempo.example:4318/v1/traces?***#f"
        );
        assert_eq!(
            redact_url("http://10.0.0.1:4318/v1/traces"),
            "http://10.0.0.1:4318/v1/traces"
        );
        assert_eq!(redact_url("u:p@host/x"), "***@host/x");
        assert_eq!(redact_url("http://h?x=@y"), "http://h?***");
    }

    #[test]
    fn the_charm_crate_logs_at_the_global_level() {
        set_crate_level("my_charm_crate_for_test", LogLevel::Trace);
        assert!(passes("my_charm_crate_for_test::db", LogLevel::Debug));
        assert_eq!(crate_of::<JujuLogger>(), "ops");
        assert_eq!(crate_of::<Vec<String>>(), "alloc");
    }
}
