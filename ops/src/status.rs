//! Workload status: what `juju status` shows for the unit and the application.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of a status, in Juju's order of priority for collect-status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusName {
    /// `active`: ready and doing its job.
    Active,
    /// `blocked`: needs an operator's help (e.g. a missing relation).
    Blocked,
    /// `maintenance`: busy with something it will finish by itself.
    Maintenance,
    /// `waiting`: waiting for something outside its control.
    Waiting,
    /// `unknown`: no status set yet (not settable).
    Unknown,
    /// `error`: a hook failed (set by Juju only).
    Error,
}

impl StatusName {
    /// Juju's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusName::Active => "active",
            StatusName::Blocked => "blocked",
            StatusName::Maintenance => "maintenance",
            StatusName::Waiting => "waiting",
            StatusName::Unknown => "unknown",
            StatusName::Error => "error",
        }
    }

    /// Parses Juju's name for a status.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "active" => StatusName::Active,
            "blocked" => StatusName::Blocked,
            "maintenance" => StatusName::Maintenance,
            "waiting" => StatusName::Waiting,
            "unknown" => StatusName::Unknown,
            "error" => StatusName::Error,
            _ => return None,
        })
    }

    /// Priority for collect-status: error > blocked > maintenance > waiting > active >
    /// unknown (higher wins).
    pub fn priority(self) -> u8 {
        match self {
            StatusName::Error => 5,
            StatusName::Blocked => 4,
            StatusName::Maintenance => 3,
            StatusName::Waiting => 2,
            StatusName::Active => 1,
            StatusName::Unknown => 0,
        }
    }

    /// Whether a charm may set this status (`error` and `unknown` belong to Juju).
    pub fn is_settable(self) -> bool {
        !matches!(self, StatusName::Error | StatusName::Unknown)
    }
}

/// A status and its message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Status {
    /// Which status.
    pub name: StatusName,
    /// The message shown beside it (may be empty).
    pub message: String,
}

impl Status {
    /// `active` with `message`.
    pub fn active(message: impl Into<String>) -> Self {
        Status::new(StatusName::Active, message)
    }
    /// `blocked` with `message`.
    pub fn blocked(message: impl Into<String>) -> Self {
        Status::new(StatusName::Blocked, message)
    }
    /// `maintenance` with `message`.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Status::new(StatusName::Maintenance, message)
    }
    /// `waiting` with `message`.
    pub fn waiting(message: impl Into<String>) -> Self {
        Status::new(StatusName::Waiting, message)
    }
    /// `unknown`, the status before any was set.
    pub fn unknown() -> Self {
        Status::new(StatusName::Unknown, "")
    }
    /// `error` with `message` (as Juju reports a failed hook; not settable).
    pub fn error(message: impl Into<String>) -> Self {
        Status::new(StatusName::Error, message)
    }
    /// A status of any name.
    pub fn new(name: StatusName, message: impl Into<String>) -> Self {
        Status {
            name,
            message: message.into(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.name.as_str())
        } else {
            write!(f, "{}: {}", self.name.as_str(), self.message)
        }
    }
}

/// What a collect-status handler adds statuses to; after every hook the highest-priority
/// status added wins (ties: the first added) and is set.
#[derive(Debug, Default)]
pub struct StatusCollector {
    statuses: Vec<Status>,
}

impl StatusCollector {
    /// A collector with nothing added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a candidate status.
    pub fn add(&mut self, status: Status) {
        self.statuses.push(status);
    }

    /// Everything added, in order.
    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }

    /// The winning status: highest priority, first added among equals; `None` if nothing
    /// was added (then no status is set).
    pub fn winner(&self) -> Option<&Status> {
        self.statuses.iter().rev().max_by_key(|s| s.name.priority())
    }
}
