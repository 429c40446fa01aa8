//! Pebble's data types: layer configuration (YAML) and API results (JSON), kebab-case on the
//! wire. String enums keep values a newer Pebble may send as `Other(String)`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this client does not know (from a newer Pebble), kept as sent.
            Other(String),
        }

        impl $name {
            /// The string Pebble uses for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

string_enum! {
    /// How an entry in a layer combines with the same entry in earlier layers.
    Override {
        /// Overlay the fields set here on the existing entry.
        Merge = "merge",
        /// Replace the existing entry entirely.
        Replace = "replace",
    }
}

string_enum! {
    /// Whether a service starts on `autostart`/`replan`.
    ServiceStartup {
        /// Started automatically.
        Enabled = "enabled",
        /// Started only on request.
        Disabled = "disabled",
    }
}

string_enum! {
    /// What Pebble does when a service exits or a check fails.
    ServiceAction {
        /// Restart the service.
        Restart = "restart",
        /// Shut Pebble down.
        Shutdown = "shutdown",
        /// Do nothing.
        Ignore = "ignore",
        /// Shut Pebble down with a failure exit code.
        FailureShutdown = "failure-shutdown",
        /// Shut Pebble down with a success exit code.
        SuccessShutdown = "success-shutdown",
    }
}

string_enum! {
    /// A service's current state.
    ServiceStatus {
        /// Running.
        Active = "active",
        /// Not running.
        Inactive = "inactive",
        /// Exited with an error.
        Error = "error",
        /// Waiting to be restarted after exiting.
        Backoff = "backoff",
    }
}

string_enum! {
    /// A health check's level.
    CheckLevel {
        /// A liveness check.
        Alive = "alive",
        /// A readiness check.
        Ready = "ready",
    }
}

string_enum! {
    /// Whether a check runs when added and on replan.
    CheckStartup {
        /// Started automatically.
        Enabled = "enabled",
        /// Started only on request.
        Disabled = "disabled",
    }
}

string_enum! {
    /// A check's current health.
    CheckStatus {
        /// Healthy: failures below the threshold.
        Up = "up",
        /// Unhealthy: failures reached the threshold.
        Down = "down",
        /// Not running.
        Inactive = "inactive",
    }
}

string_enum! {
    /// Where a log target sends logs.
    LogTargetType {
        /// Grafana Loki.
        Loki = "loki",
        /// OpenTelemetry.
        Opentelemetry = "opentelemetry",
        /// Syslog.
        Syslog = "syslog",
    }
}

string_enum! {
    /// The kind of a file-system entry.
    FileType {
        /// A regular file.
        File = "file",
        /// A directory.
        Directory = "directory",
        /// A symbolic link.
        Symlink = "symlink",
        /// A socket.
        Socket = "socket",
        /// A named pipe.
        NamedPipe = "named-pipe",
        /// A device.
        Device = "device",
        /// Anything else.
        Unknown = "unknown",
    }
}

string_enum! {
    /// The status of a change or task.
    ChangeStatus {
        /// Held.
        Hold = "Hold",
        /// To be done.
        Do = "Do",
        /// Being done.
        Doing = "Doing",
        /// Done.
        Done = "Done",
        /// Aborted.
        Abort = "Abort",
        /// To be undone.
        Undo = "Undo",
        /// Being undone.
        Undoing = "Undoing",
        /// Failed.
        Error = "Error",
        /// Waiting.
        Wait = "Wait",
    }
}

string_enum! {
    /// The type of a notice.
    NoticeType {
        /// A change was updated.
        ChangeUpdate = "change-update",
        /// A client recorded a custom notice.
        Custom = "custom",
        /// A warning.
        Warning = "warning",
    }
}

string_enum! {
    /// An identity's access level.
    IdentityAccess {
        /// Full access.
        Admin = "admin",
        /// Read-only access.
        Read = "read",
        /// Metrics only.
        Metrics = "metrics",
        /// No privileges.
        Untrusted = "untrusted",
    }
}

/// Which changes `get_changes` lists (`select=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChangeState {
    /// Every change.
    All,
    /// Changes not finished yet (Pebble's default).
    #[default]
    InProgress,
    /// Finished changes.
    Ready,
}

impl ChangeState {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::All => "all",
            ChangeState::InProgress => "in-progress",
            ChangeState::Ready => "ready",
        }
    }
}

/// One service in a layer or plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Service {
    /// Short summary.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Longer description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Whether `autostart`/`replan` starts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup: Option<ServiceStartup>,
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
    /// The command line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// Start after these services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Start before these services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Services that must run with this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The workload it belongs to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub workload: String,
    /// Environment variables.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// User name to run as.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// User id to run as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// Group name to run as.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Group id to run as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// Working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// Action when the service exits with success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_success: Option<ServiceAction>,
    /// Action when the service exits with failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<ServiceAction>,
    /// Action per failing check.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, ServiceAction>,
    /// First restart delay (a Go duration, `500ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_delay: Option<String>,
    /// Backoff multiplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Longest restart delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<String>,
    /// Time between SIGTERM and SIGKILL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kill_delay: Option<String>,
}

/// An HTTP check's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct HttpCheck {
    /// The URL to GET.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// Request headers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// A TCP check's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct TcpCheck {
    /// The port to connect to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The host (default localhost).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
}

/// An exec check's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ExecCheck {
    /// The command line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// Run in this service's context.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_context: String,
    /// Environment variables.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// User name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// User id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// Group name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// Working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
}

/// One health check in a layer or plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Check {
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
    /// The level (alive or ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<CheckLevel>,
    /// Whether it starts automatically (unset means enabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup: Option<CheckStartup>,
    /// Time between runs (Go duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Time limit per run (Go duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Failures before the check is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// HTTP check settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// TCP check settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    /// Exec check settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
}

/// One log-forwarding target in a layer or plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct LogTarget {
    /// How this entry combines with earlier layers (required in a layer).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
    /// The protocol.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<LogTargetType>,
    /// The server's address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location: String,
    /// Services whose logs go there (`all`, `-name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Labels added to each entry.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A layer of configuration, as `add_layer` sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Layer {
    /// Short summary.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Longer description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Services by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Checks by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
}

impl Layer {
    /// Parses a layer from YAML.
    pub fn from_yaml(text: &str) -> Result<Layer, crate::Error> {
        if text.trim().is_empty() {
            return Ok(Layer::default());
        }
        serde_yaml::from_str(text)
            .map_err(|e| crate::Error::Format(format!("invalid layer YAML: {e}")))
    }

    /// The layer as YAML (empty fields omitted).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

/// The combined configuration Pebble runs (`GET /v1/plan`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Plan {
    /// Services by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Checks by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
}

impl Plan {
    /// Parses a plan from YAML.
    pub fn from_yaml(text: &str) -> Result<Plan, crate::Error> {
        if text.trim().is_empty() {
            return Ok(Plan::default());
        }
        serde_yaml::from_str(text)
            .map_err(|e| crate::Error::Protocol(format!("invalid plan YAML: {e}")))
    }

    /// The plan as YAML (empty fields omitted).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

/// `GET /v1/system-info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct SystemInfo {
    /// Pebble's version.
    pub version: String,
    /// This boot's id.
    pub boot_id: String,
    /// The HTTP address, when Pebble serves one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_address: Option<String>,
    /// The HTTPS address, when Pebble serves one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_address: Option<String>,
}

/// A service's status (`GET /v1/services`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ServiceInfo {
    /// The service's name.
    pub name: String,
    /// Its startup setting.
    pub startup: ServiceStartup,
    /// Its current state.
    pub current: ServiceStatus,
    /// When it entered that state (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_since: Option<String>,
}

impl ServiceInfo {
    /// Whether the service is running.
    pub fn is_running(&self) -> bool {
        self.current == ServiceStatus::Active
    }
}

/// A check's status (`GET /v1/checks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Its level, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CheckLevel>,
    /// Its startup setting (absent from older Pebbles, which means enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<CheckStartup>,
    /// Its health.
    pub status: CheckStatus,
    /// Successes since it started or recovered (absent before Pebble 1.23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successes: Option<u64>,
    /// Consecutive failures.
    #[serde(default)]
    pub failures: u64,
    /// Failures before it is down.
    #[serde(default)]
    pub threshold: u64,
    /// The change running the check, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    /// The previous change that ran the check, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_change_id: Option<String>,
}

impl CheckInfo {
    /// Normalises what Pebble sent the way Python ops does: a Pebble that reports
    /// `startup` runs checks in changes, so no change id means the check is inactive.
    pub(crate) fn normalise(mut self) -> Self {
        if self.change_id.as_deref().unwrap_or("").is_empty() && self.startup.is_some() {
            self.status = CheckStatus::Inactive;
        }
        self
    }

    /// Whether the check has run at least once since it started.
    pub fn has_run(&self) -> bool {
        self.successes.unwrap_or(0) > 0 || self.failures > 0
    }
}

/// `POST /v1/checks/refresh`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckRefresh {
    /// The check after running it.
    pub info: CheckInfo,
    /// The run's error; empty on success.
    #[serde(default)]
    pub error: String,
}

/// A task's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct TaskProgress {
    /// Label.
    pub label: String,
    /// Units done.
    pub done: u64,
    /// Units in total.
    pub total: u64,
}

/// One task of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Task {
    /// Its id.
    pub id: String,
    /// Its kind (`start`, `exec`, ...).
    pub kind: String,
    /// Human summary.
    #[serde(default)]
    pub summary: String,
    /// Its status.
    pub status: ChangeStatus,
    /// Log lines.
    #[serde(default)]
    pub log: Vec<String>,
    /// Progress.
    #[serde(default)]
    pub progress: TaskProgress,
    /// When it was spawned (RFC 3339).
    #[serde(default)]
    pub spawn_time: String,
    /// When it finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<String>,
    /// Task data (`exit-code` for exec tasks).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A change: Pebble's record of an asynchronous operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Change {
    /// Its id.
    pub id: String,
    /// Its kind (`start`, `replan`, `exec`, ...).
    pub kind: String,
    /// Human summary.
    #[serde(default)]
    pub summary: String,
    /// Its status.
    pub status: ChangeStatus,
    /// Its tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Whether it finished.
    #[serde(default)]
    pub ready: bool,
    /// Its error, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    /// When it was spawned (RFC 3339).
    #[serde(default)]
    pub spawn_time: String,
    /// When it finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<String>,
    /// Change data.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A notice (`GET /v1/notices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notice {
    /// Its id.
    pub id: String,
    /// The user who may see it (`None` = public).
    #[serde(default)]
    pub user_id: Option<u32>,
    /// Its type.
    #[serde(rename = "type")]
    pub type_: NoticeType,
    /// Its key (`example.com/thing`).
    pub key: String,
    /// First occurrence (RFC 3339).
    pub first_occurred: String,
    /// Last occurrence (RFC 3339).
    pub last_occurred: String,
    /// Last repeat (RFC 3339).
    pub last_repeated: String,
    /// How many times it occurred.
    pub occurrences: u64,
    /// Data of the last occurrence.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_data: BTreeMap<String, String>,
    /// Minimum time between repeats (Go duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_after: Option<String>,
    /// How long after the last occurrence it expires (Go duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after: Option<String>,
}

impl Notice {
    /// `repeat_after` as a duration, if present and parseable.
    pub fn repeat_after_duration(&self) -> Option<std::time::Duration> {
        self.repeat_after.as_deref().and_then(parse_go_duration)
    }
    /// `expire_after` as a duration, if present and parseable.
    pub fn expire_after_duration(&self) -> Option<std::time::Duration> {
        self.expire_after.as_deref().and_then(parse_go_duration)
    }
}

/// Parses a Go duration (`1h2m3.5s`, `300ms`, `1us`); `None` if malformed, negative, or
/// longer than a [`std::time::Duration`] holds.
pub fn parse_go_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    if text == "0" {
        return Some(std::time::Duration::ZERO);
    }
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    // `from_secs_f64` panics on a value too large (`99999999999999999999h`): Pebble's text
    // decides the number, so it is checked.
    std::time::Duration::try_from_secs_f64(total).ok()
}

/// A duration as Go's `time.Duration` prints it (`200ms`, `1.5s`, `1h0m0s`): how Pebble
/// writes durations in its plan and its messages.
pub fn format_go_duration(d: std::time::Duration) -> String {
    let trim = |x: f64| {
        let text = format!("{x:.9}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    if secs == 0 {
        return match nanos {
            0 => "0s".into(),
            n if n < 1_000 => format!("{n}ns"),
            n if n < 1_000_000 => format!("{}µs", trim(f64::from(n) / 1e3)),
            n => format!("{}ms", trim(f64::from(n) / 1e6)),
        };
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let s = trim(s as f64 + f64::from(nanos) / 1e9);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m{s}s"),
        (h, m) => format!("{h}h{m}m{s}s"),
    }
}

/// Formats a duration the way Python ops sends timeouts: seconds with three decimals
/// (`1.500s`).
pub fn format_timeout(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// An entry of `list_files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileInfo {
    /// Full path.
    pub path: String,
    /// Base name.
    pub name: String,
    /// Kind of entry.
    #[serde(rename = "type")]
    pub type_: FileType,
    /// Size in bytes (regular files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Permission bits, as the octal string Pebble sends (`644`).
    pub permissions: String,
    /// Last modification (RFC 3339).
    pub last_modified: String,
    /// Owner's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl FileInfo {
    /// The permission bits as a number (`"644"` → `0o644`); `None` if malformed.
    pub fn mode(&self) -> Option<u32> {
        u32::from_str_radix(&self.permissions, 8).ok()
    }
}

/// A local (unix socket, uid-based) identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LocalIdentity {
    /// The uid.
    pub user_id: u32,
}

/// An HTTP basic-auth identity.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicIdentity {
    /// sha512-crypt hash when writing; `*****` when read back.
    pub password: String,
}

impl std::fmt::Debug for BasicIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BasicIdentity { password: \"*****\" }")
    }
}

/// An identity Pebble knows (`GET /v1/identities`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Access level.
    pub access: IdentityAccess,
    /// Local (uid) authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalIdentity>,
    /// Basic (password) authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicIdentity>,
}

/// `POST /v1/identities` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityAction {
    /// Add new identities (error if one exists).
    Add,
    /// Update existing identities (error if one is missing).
    Update,
    /// Add or replace; `None` values remove.
    Replace,
    /// Remove (values must be `None`).
    Remove,
}

impl IdentityAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityAction::Add => "add",
            IdentityAction::Update => "update",
            IdentityAction::Replace => "replace",
            IdentityAction::Remove => "remove",
        }
    }
}

/// One line of `GET /v1/logs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When (RFC 3339).
    pub time: String,
    /// Which service.
    pub service: String,
    /// The line, without its newline.
    pub message: String,
}

/// Filters of `get_notices`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticesQuery {
    /// `users=all` (admin only).
    pub all_users: bool,
    /// Only this user's notices (admin only).
    pub user_id: Option<u32>,
    /// Only these types.
    pub types: Vec<NoticeType>,
    /// Only these keys.
    pub keys: Vec<String>,
    /// Only notices repeated after this time (RFC 3339).
    pub after: Option<String>,
    /// Wait up to this long for a matching notice.
    pub timeout: Option<std::time::Duration>,
}

/// A custom notice to record (`notify`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyOptions {
    /// Data attached to this occurrence.
    pub data: BTreeMap<String, String>,
    /// Don't repeat the notice until this long after its last repeat.
    pub repeat_after: Option<std::time::Duration>,
}

/// Owner and permissions for `push` and `make_dir`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileOwnership {
    /// Permission bits (sent as an octal string, `"644"`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_permissions"
    )]
    pub permissions: Option<u32>,
    /// Owner's uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Owner's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Group's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Group's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

fn ser_permissions<S: Serializer>(p: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(&format!("{p:03o}")),
        None => s.serialize_none(),
    }
}

/// Options of `push`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Create missing parent directories.
    pub make_dirs: bool,
    /// Owner and permissions of the file; parents made with `make_dirs` get the owner and
    /// mode 755 (not the file's permissions).
    pub ownership: FileOwnership,
}

/// Options of `make_dir`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MakeDirOptions {
    /// Create missing parents, and don't fail if the directory exists.
    pub make_parents: bool,
    /// Owner and permissions.
    pub ownership: FileOwnership,
}

/// What to run in `exec`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Run in this service's context (its environment, user, group, working dir).
    pub service_context: Option<String>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Kill the command after this long.
    pub timeout: Option<std::time::Duration>,
    /// Run as this uid.
    pub user_id: Option<u32>,
    /// Run as this user.
    pub user: Option<String>,
    /// Run as this gid.
    pub group_id: Option<u32>,
    /// Run as this group.
    pub group: Option<String>,
    /// Send stderr down stdout (no separate stderr stream).
    pub combine_stderr: bool,
}

/// The body of `POST /v1/exec`; every key is sent (null when unset), as Python ops does.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct ExecRequest<'a> {
    pub command: &'a [String],
    pub service_context: Option<&'a str>,
    pub environment: &'a BTreeMap<String, String>,
    pub working_dir: Option<&'a str>,
    pub timeout: Option<String>,
    pub user_id: Option<u32>,
    pub user: Option<&'a str>,
    pub group_id: Option<u32>,
    pub group: Option<&'a str>,
    pub split_stderr: bool,
}

/// Where an exec's standard streams go. `None` for stdout/stderr means "capture into
/// [`ExecOutput`]"; `None` for stdin means "no input".
#[derive(Default)]
pub struct ExecStdio<'a> {
    /// Input fed to the command.
    pub stdin: Option<&'a mut dyn std::io::Read>,
    /// Where its stdout goes.
    pub stdout: Option<&'a mut dyn std::io::Write>,
    /// Where its stderr goes (not with `combine_stderr`: [`crate::Client`] refuses it).
    pub stderr: Option<&'a mut dyn std::io::Write>,
}

/// A finished exec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// The exit code (−1 if Pebble did not report one).
    pub exit_code: i32,
    /// Captured stdout (empty if a writer was given).
    pub stdout: Vec<u8>,
    /// Captured stderr (empty if a writer was given or stderr was combined).
    pub stderr: Vec<u8>,
}

/// A signal to send to a service or an exec'd process: a name (`"SIGTERM"`) or a Linux
/// signal number (`15`, `libc::SIGTERM`), which is sent by its name as Python ops does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A signal name, sent as given (`SIGHUP`).
    Name(String),
    /// A Linux signal number.
    Number(i32),
}

impl From<&str> for Signal {
    fn from(name: &str) -> Self {
        Signal::Name(name.to_string())
    }
}

impl From<String> for Signal {
    fn from(name: String) -> Self {
        Signal::Name(name)
    }
}

impl From<&String> for Signal {
    fn from(name: &String) -> Self {
        Signal::Name(name.clone())
    }
}

impl From<i32> for Signal {
    fn from(number: i32) -> Self {
        Signal::Number(number)
    }
}

impl Signal {
    /// The name sent to Pebble; [`crate::Error::Format`] for a number that is not a Linux
    /// signal (Python's `signal.Signals(n)` fails the same way).
    pub fn name(&self) -> Result<String, crate::Error> {
        match self {
            Signal::Name(name) => Ok(name.clone()),
            Signal::Number(n) => signal_name(*n)
                .map(str::to_string)
                .ok_or_else(|| crate::Error::Format(format!("{n} is not a valid signal number"))),
        }
    }
}

/// The name of Linux signal number `number` as Python's `signal.Signals(number).name`
/// gives it (`15` → `SIGTERM`; `34` → `SIGRTMIN`, `64` → `SIGRTMAX`); `None` for other
/// numbers.
pub fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match number {
        1..=31 => Some(NAMES[(number - 1) as usize]),
        34 => Some("SIGRTMIN"),
        64 => Some("SIGRTMAX"),
        _ => None,
    }
}

/// Which warnings `get_warnings` lists (`select=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WarningState {
    /// Every warning.
    All,
    /// Warnings not acknowledged yet (the default).
    #[default]
    Pending,
}

impl WarningState {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningState::All => "all",
            WarningState::Pending => "pending",
        }
    }
}

/// A warning (`GET /v1/warnings`, which only older Pebbles serve; newer ones record
/// warnings as notices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Warning {
    /// The warning's text.
    pub message: String,
    /// When it was first added (RFC 3339).
    pub first_added: String,
    /// When it was last added (RFC 3339).
    pub last_added: String,
    /// When it was last shown (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_shown: Option<String>,
    /// How long after it was last added it expires (Go duration).
    pub expire_after: String,
    /// How long after it was shown it may be shown again (Go duration).
    pub repeat_after: String,
}
