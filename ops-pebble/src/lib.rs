//! A blocking client for Pebble, the service manager in a charm's workload containers.
//!
//! [`Pebble`] is the API the charm model uses; [`Client`] implements it over Pebble's unix
//! socket (HTTP/1.1, with websockets for `exec`), and `ops::testing` implements it in
//! memory. Layer configuration types follow Pebble's YAML, and [`combine_layers`] computes
//! a plan from layers with Pebble's own merge rules.
#![warn(missing_docs)]

mod client;
mod copy;
mod error;
mod exec;
mod http;
mod merge;
mod multipart;
#[cfg(feature = "real-pebble")]
pub mod real;
// The in-memory daemon `ops::testing` and the socket stand-in share: its state types are
// documented where test authors meet them (`ops::testing`), not twice.
#[cfg(feature = "sim")]
#[doc(hidden)]
pub mod sim;
pub mod trace;
mod types;
mod ws;

pub use client::Client;

pub use copy::{pull_path, push_path};
pub use error::{ApiError, ChangeError, Error, ExecError, MultiPushPullError, Result};
pub use exec::{ExecProcess, ExecReader, ExecStdin};
pub use merge::combine_layers;
pub use types::*;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

/// The Pebble API as the charm model uses it: the real [`Client`] over the container's
/// unix socket, or `ops::testing`'s in-memory Pebble.
///
/// Service operations start a change; with a non-zero `timeout` they wait for it and turn
/// a failed change into [`Error::Change`]; with `Duration::ZERO` they return at once.
/// Every method returns the change id where Pebble gives one.
pub trait Pebble {
    /// `GET /v1/system-info`.
    fn system_info(&self) -> Result<SystemInfo>;

    /// `GET /v1/health`: whether the checks (filtered by level and names) are healthy.
    fn health(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<bool>;

    /// `GET /v1/services`: the services named (all if empty), ordered by name.
    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>>;

    /// `POST /v1/services` with `action` (`autostart`, `replan`, `start`, `stop`,
    /// `restart`) on `services`; waits up to `timeout` for the change.
    fn services_action(&self, action: &str, services: &[&str], timeout: Duration)
        -> Result<String>;

    /// `POST /v1/layers`: adds (or with `combine`, merges into) the layer `label`.
    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()>;

    /// `GET /v1/plan?format=yaml`.
    fn get_plan(&self) -> Result<Plan>;

    /// `GET /v1/changes`.
    fn get_changes(&self, select: ChangeState, service: Option<&str>) -> Result<Vec<Change>>;

    /// `GET /v1/changes/{id}`.
    fn get_change(&self, id: &str) -> Result<Change>;

    /// `GET /v1/changes/{id}/wait`: waits until the change is ready (up to `timeout`, or
    /// without limit if `None`) and returns it; [`Error::Timeout`] if not ready in time.
    fn wait_change(&self, id: &str, timeout: Option<Duration>) -> Result<Change>;

    /// `POST /v1/changes/{id}` `{action: abort}`.
    fn abort_change(&self, id: &str) -> Result<Change>;

    /// `GET /v1/checks`, filtered by level and names (all if empty).
    fn get_checks(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>>;

    /// `POST /v1/checks` `{action: start|stop}`: the names of the checks that changed.
    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>>;

    /// `POST /v1/checks/refresh`: runs a check now. The `error` is this run's; the `info`
    /// may be read before this run's result is counted (get the checks again for that).
    fn refresh_check(&self, name: &str) -> Result<CheckRefresh>;

    /// `POST /v1/files` (multipart write): streams `source` to `path`.
    fn push(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()>;

    /// `GET /v1/files?action=read`: streams the file at `path` into `sink`; returns the
    /// number of bytes written.
    fn pull(&self, path: &str, sink: &mut dyn Write) -> Result<u64>;

    /// `GET /v1/files?action=list`: the entries of directory `path` matching `pattern`, or
    /// with `itself`, the entry for `path` itself.
    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>>;

    /// `POST /v1/files` `{action: make-dirs}`.
    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()>;

    /// `POST /v1/files` `{action: remove}`.
    fn remove_path(&self, path: &str, recursive: bool) -> Result<()>;

    /// `POST /v1/exec` and its websockets: runs a command to completion, streaming its
    /// stdio through `stdio` (capturing what has no writer), and returns its exit code.
    /// A non-zero exit is not an error here (see [`ExecOutput::exit_code`]).
    fn exec(&self, options: &ExecOptions, stdio: ExecStdio<'_>) -> Result<ExecOutput>;

    /// `POST /v1/exec` and its websockets: starts a command and returns a handle on it, to
    /// write its stdin, read its output, send it signals and wait for it (see
    /// [`ExecProcess`]). The streams given in `stdio` are fed and written while waiting.
    ///
    /// The default runs the command to completion with [`Pebble::exec`] before returning
    /// (for in-memory Pebbles): its stdin is what `stdio` gives (input written to the
    /// handle afterwards is discarded), its output handles read what it wrote, and
    /// signals are accepted and ignored. [`Client`] runs the command for real.
    fn exec_start<'io>(
        &self,
        options: &ExecOptions,
        stdio: ExecStdio<'io>,
    ) -> Result<ExecProcess<'io>> {
        exec::start_via_exec(self, options, stdio)
    }

    /// `POST /v1/signals`: sends `signal` (`SIGHUP`) to the services.
    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()>;

    /// `GET /v1/notices`.
    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>>;

    /// `GET /v1/notices/{id}`.
    fn get_notice(&self, id: &str) -> Result<Notice>;

    /// `POST /v1/notices` `{action: add, type: custom}`: records a custom notice;
    /// returns its id.
    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<String>;

    /// `GET /v1/logs`: the last `n` log entries (Pebble's default if `None`, all if −1)
    /// of the services (all if empty).
    fn get_logs(&self, services: &[&str], n: Option<i64>) -> Result<Vec<LogEntry>>;

    /// `GET /v1/identities`.
    fn get_identities(&self) -> Result<BTreeMap<String, Identity>>;

    /// `POST /v1/identities`: `None` values remove (with `replace`/`remove`).
    fn post_identities(
        &self,
        action: IdentityAction,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<()>;

    /// `GET /v1/metrics`: OpenMetrics text.
    fn get_metrics(&self) -> Result<String>;

    /// `GET /v1/warnings?select=`: warnings, which only older Pebbles keep (newer ones
    /// answer 404; they record warnings as notices). The default has none.
    fn get_warnings(&self, select: WarningState) -> Result<Vec<Warning>> {
        let _ = select;
        Ok(Vec::new())
    }

    /// `POST /v1/warnings` `{action: okay, timestamp}`: acknowledges the warnings added up
    /// to `timestamp` (RFC 3339); the number acknowledged. The default has none.
    fn ack_warnings(&self, timestamp: &str) -> Result<u64> {
        let _ = timestamp;
        Ok(0)
    }

    // Conveniences with the names Python ops uses.

    /// Starts the default (`startup: enabled`) services.
    fn autostart_services(&self, timeout: Duration) -> Result<String> {
        self.services_action("autostart", &[], timeout)
    }

    /// Brings running services in line with the plan, starting enabled ones.
    fn replan_services(&self, timeout: Duration) -> Result<String> {
        self.services_action("replan", &[], timeout)
    }

    /// Starts services.
    fn start_services(&self, services: &[&str], timeout: Duration) -> Result<String> {
        self.services_action("start", services, timeout)
    }

    /// Stops services.
    fn stop_services(&self, services: &[&str], timeout: Duration) -> Result<String> {
        self.services_action("stop", services, timeout)
    }

    /// Restarts services.
    fn restart_services(&self, services: &[&str], timeout: Duration) -> Result<String> {
        self.services_action("restart", services, timeout)
    }

    /// Starts checks; the names of those that were stopped.
    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("start", checks)
    }

    /// Stops checks; the names of those that were running.
    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("stop", checks)
    }

    /// Replaces (or with `None`, removes) identities.
    fn replace_identities(&self, identities: &BTreeMap<String, Option<Identity>>) -> Result<()> {
        self.post_identities(IdentityAction::Replace, identities)
    }

    /// Removes identities by name.
    fn remove_identities(&self, names: &[&str]) -> Result<()> {
        let map = names.iter().map(|n| (n.to_string(), None)).collect();
        self.post_identities(IdentityAction::Remove, &map)
    }
}
