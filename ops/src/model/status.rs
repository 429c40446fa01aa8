//! Workload status of this unit and its application (`status-get` / `status-set`).

use super::{App, Unit};
use crate::backend::StatusInfo;
use crate::error::ModelError;
use crate::status::Status;
use std::collections::BTreeMap;

fn check_settable(status: &Status) -> Result<(), ModelError> {
    if status.name.is_settable() {
        Ok(())
    } else {
        Err(ModelError::Invalid {
            what: "status",
            detail: format!(
                "{:?} is set by Juju only; a charm sets active, blocked, maintenance or waiting",
                status.name.as_str()
            ),
        })
    }
}

impl Unit<'_> {
    fn require_this(&self, what: &str) -> Result<(), ModelError> {
        if self.is_this_unit() {
            Ok(())
        } else {
            Err(ModelError::Other(format!(
                "cannot {what} of unit {}: only of this unit ({})",
                self.name, self.core.context.unit_name
            )))
        }
    }

    /// The unit's workload status: for this unit, `status-get` once per hook (then what
    /// [`set_status`](Unit::set_status) set); any other unit's is `unknown` (Juju tells a
    /// unit only its own).
    pub fn status(&self) -> Result<Status, ModelError> {
        if !self.is_this_unit() {
            return Ok(Status::unknown());
        }
        if let Some(status) = &self.core.cache.borrow().unit_status {
            return Ok(status.clone());
        }
        let status = self.core.backend.status_get(false)?.status;
        self.core.cache.borrow_mut().unit_status = Some(status.clone());
        Ok(status)
    }

    /// Sets this unit's workload status (`status-set`). `error` and `unknown` are Juju's
    /// and refused; so is another unit's status.
    pub fn set_status(&self, status: Status) -> Result<(), ModelError> {
        self.require_this("set the status")?;
        check_settable(&status)?;
        self.core.backend.status_set(&status, false)?;
        self.core.cache.borrow_mut().unit_status = Some(status);
        Ok(())
    }
}

impl App<'_> {
    fn require_leader(&self, what: &str) -> Result<(), ModelError> {
        if !self.is_this_app() {
            return Err(ModelError::Other(format!(
                "cannot {what} of application {}: only of this application",
                self.name
            )));
        }
        if !self.core.is_leader()? {
            // As Python `ops`: an authorisation failure, logged as a security event.
            let (tool, description) = if what.starts_with("set") {
                (
                    "status-set",
                    "Attempted to set application status when not leader.",
                )
            } else {
                (
                    "status-get",
                    "Attempted to get application status when not leader",
                )
            };
            // The refusal below matters more than a log line that could not be written.
            let _ = self.core.log_security_event(
                super::SecurityLevel::Critical,
                super::SecurityEvent::AuthzFail,
                tool,
                description,
            );
            return Err(ModelError::Other(format!(
                "cannot {what} of application {}: this unit ({}) is not the leader",
                self.name, self.core.context.unit_name
            )));
        }
        Ok(())
    }

    /// The application's status: for this application, `status-get --application=true`
    /// once per hook (then what [`set_status`](App::set_status) set), and only the leader
    /// may read it; any other application's is `unknown`.
    pub fn status(&self) -> Result<Status, ModelError> {
        if !self.is_this_app() {
            return Ok(Status::unknown());
        }
        self.require_leader("get the status")?;
        if let Some(status) = &self.core.cache.borrow().app_status {
            return Ok(status.clone());
        }
        let status = self.core.backend.status_get(true)?.status;
        self.core.cache.borrow_mut().app_status = Some(status.clone());
        Ok(status)
    }

    /// The application's status and each of its units' (leader only).
    pub fn status_with_units(&self) -> Result<StatusInfo, ModelError> {
        self.require_leader("get the status")?;
        self.core.backend.status_get(true)
    }

    /// Each unit's status, by unit name (leader only).
    pub fn unit_statuses(&self) -> Result<BTreeMap<String, Status>, ModelError> {
        Ok(self.status_with_units()?.units)
    }

    /// Sets the application's status (`status-set --application=True`); only the leader
    /// may set it. `error` and `unknown` are Juju's and refused.
    pub fn set_status(&self, status: Status) -> Result<(), ModelError> {
        check_settable(&status)?;
        self.require_leader("set the status")?;
        self.core.backend.status_set(&status, true)?;
        self.core.cache.borrow_mut().app_status = Some(status);
        Ok(())
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::testbed::core;
    use crate::error::ModelError;
    use crate::status::Status;

    #[test]
    fn other_units_and_apps_read_unknown_without_a_tool_call() {
        let (fake, model) = core();
        assert_eq!(model.get_unit("db/0").status().unwrap(), Status::unknown());
        assert_eq!(model.get_unit("web/1").status().unwrap(), Status::unknown());
        assert_eq!(model.get_app("db").status().unwrap(), Status::unknown());
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
        // Setting them is still refused.
        assert!(model
            .get_unit("web/1")
            .set_status(Status::active(""))
            .is_err());
        assert!(model.get_app("db").set_status(Status::active("")).is_err());
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    }

    #[test]
    fn own_status_is_read_once_and_follows_what_was_set() {
        let (fake, model) = core();
        fake.state().leader = true;
        fake.state().unit_status = Status::active("");
        assert_eq!(model.unit().status().unwrap(), Status::active(""));
        assert_eq!(model.unit().status().unwrap(), Status::active(""));
        model.unit().set_status(Status::blocked("no db")).unwrap();
        assert_eq!(model.unit().status().unwrap(), Status::blocked("no db"));
        model.app().set_status(Status::waiting("peers")).unwrap();
        assert_eq!(model.app().status().unwrap(), Status::waiting("peers"));
        assert_eq!(
            fake.calls(),
            [
                "status-get false",
                "status-set false blocked",
                "is-leader",
                "status-set true waiting"
            ]
        );
        let (fake, model) = core();
        fake.state().leader = true;
        model.app().status().unwrap();
        model.app().status().unwrap();
        assert_eq!(fake.calls_of("status-get"), 1);
    }

    #[test]
    fn a_non_leader_touching_app_status_logs_an_authz_fail_security_event() {
        let (fake, model) = core();
        assert!(model.app().status().is_err());
        assert!(model.app().set_status(Status::active("")).is_err());
        assert!(model.app().unit_statuses().is_err());
        let events: Vec<serde_json::Value> = fake
            .calls()
            .iter()
            .filter_map(|c| c.strip_prefix("juju-log TRACE "))
            .map(|json| serde_json::from_str(json).unwrap())
            .collect();
        let summary: Vec<(&str, &str, &str)> = events
            .iter()
            .map(|e| {
                (
                    e["level"].as_str().unwrap(),
                    e["event"].as_str().unwrap(),
                    e["description"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "CRITICAL",
                    "authz_fail:status-get",
                    "Attempted to get application status when not leader"
                ),
                (
                    "CRITICAL",
                    "authz_fail:status-set",
                    "Attempted to set application status when not leader."
                ),
                (
                    "CRITICAL",
                    "authz_fail:status-get",
                    "Attempted to get application status when not leader"
                ),
            ]
        );
        assert_eq!(fake.calls_of("status-get") + fake.calls_of("status-set"), 0);
    }

    #[test]
    fn a_failed_set_leaves_the_cached_status() {
        let (fake, model) = core();
        fake.state().unit_status = Status::active("");
        assert_eq!(model.unit().status().unwrap(), Status::active(""));
        fake.fail("status-set");
        assert!(matches!(
            model.unit().set_status(Status::blocked("x")),
            Err(ModelError::Tool { .. })
        ));
        assert_eq!(model.unit().status().unwrap(), Status::active(""));
    }
}
