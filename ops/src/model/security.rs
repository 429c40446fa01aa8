//! Structured security events (OWASP logging vocabulary), sent to Juju's log at TRACE as
//! the Python `ops` sends them: `{datetime, level, type: "security", appid, event,
//! description}`.

use super::ModelCore;
use crate::backend::LogLevel;
use crate::error::ModelError;
use std::time::{SystemTime, UNIX_EPOCH};

/// A security event's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    /// `authz_fail`: something was refused for lack of permission.
    AuthzFail,
    /// `sys_restart`: the machine is being rebooted.
    SysRestart,
    /// `sys_crash`: the charm crashed.
    SysCrash,
    /// `sys_monitor_disabled`: a health check was stopped.
    SysMonitorDisabled,
}

impl SecurityEvent {
    /// The OWASP name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEvent::AuthzFail => "authz_fail",
            SecurityEvent::SysRestart => "sys_restart",
            SecurityEvent::SysCrash => "sys_crash",
            SecurityEvent::SysMonitorDisabled => "sys_monitor_disabled",
        }
    }
}

/// A security event's OWASP level (not a Juju log level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    /// `INFO`.
    Info,
    /// `WARN`.
    Warn,
    /// `CRITICAL`.
    Critical,
}

impl SecurityLevel {
    /// The OWASP name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::Info => "INFO",
            SecurityLevel::Warn => "WARN",
            SecurityLevel::Critical => "CRITICAL",
        }
    }
}

/// `time` as Python's `datetime.now(timezone.utc).isoformat()`:
/// `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
fn iso_utc(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = super::secret::rfc3339(time);
    // `YYYY-MM-DDTHH:MM:SSZ` → add microseconds and the offset.
    let base = seconds.trim_end_matches('Z');
    format!("{base}.{:06}+00:00", since.subsec_micros())
}

impl ModelCore {
    /// Sends a structured security event to Juju's log (`juju-log --log-level TRACE`).
    /// `data` is the event's detail after the colon (`sys_restart:<uid>`).
    pub fn log_security_event(
        &self,
        level: SecurityLevel,
        event: SecurityEvent,
        data: &str,
        description: &str,
    ) -> Result<(), ModelError> {
        let record = serde_json::json!({
            "datetime": iso_utc(SystemTime::now()),
            "level": level.as_str(),
            "type": "security",
            "appid": format!("{}-{}", self.context.model_uuid, self.context.unit_name),
            "event": format!("{}:{data}", event.as_str()),
            "description": description,
        });
        self.backend
            .juju_log(LogLevel::Trace, &super::jsonfmt::dumps(&record))
    }
}

/// This process's user id.
pub(crate) fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::testbed::core;
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso_format_matches_python() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_000_042);
        assert_eq!(iso_utc(t), "2023-11-14T22:13:20.000042+00:00");
    }

    #[test]
    fn reboot_logs_a_sys_restart_event_first() {
        let (fake, model) = core();
        model.unit().reboot(false).unwrap();
        let calls = fake.calls();
        assert_eq!(calls.len(), 2);
        let json = calls[0].strip_prefix("juju-log TRACE ").unwrap();
        let record: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(record["type"], "security");
        assert_eq!(record["level"], "WARN");
        assert_eq!(
            record["appid"],
            "00000000-0000-4000-8000-000000000000-web/0"
        );
        assert_eq!(record["event"], format!("sys_restart:{}", uid()));
        assert_eq!(
            record["description"],
            "Rebooting unit 'web/0' in model 'test-model'"
        );
        assert_eq!(calls[1], "juju-reboot");
    }
}
