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

    /// This unit's workload status (`status-get`).
    pub fn status(&self) -> Result<Status, ModelError> {
        self.require_this("get the status")?;
        Ok(self.core.backend.status_get(false)?.status)
    }

    /// Sets this unit's workload status (`status-set`). `error` and `unknown` are Juju's
    /// and refused.
    pub fn set_status(&self, status: Status) -> Result<(), ModelError> {
        self.require_this("set the status")?;
        check_settable(&status)?;
        self.core.backend.status_set(&status, false)
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
            return Err(ModelError::Other(format!(
                "cannot {what} of application {}: this unit ({}) is not the leader",
                self.name, self.core.context.unit_name
            )));
        }
        Ok(())
    }

    /// The application's status (`status-get --application=true`); only the leader may
    /// read it.
    pub fn status(&self) -> Result<Status, ModelError> {
        Ok(self.status_with_units()?.status)
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
        self.core.backend.status_set(&status, true)
    }
}
