//! The Juju context of one dispatch: what Juju put in the environment.

use std::path::PathBuf;

/// Every `JUJU_*` variable `ops` reads, typed. Empty variables read as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JujuContext {
    /// `JUJU_DISPATCH_PATH` (`hooks/install`, `actions/backup`).
    pub dispatch_path: String,
    /// `JUJU_HOOK_NAME` (empty for actions).
    pub hook_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_UNIT_NAME` (`app/0`).
    pub unit_name: String,
    /// `JUJU_VERSION` (`0.0.0` when absent).
    pub version: String,
    /// `JUJU_CHARM_DIR`.
    pub charm_dir: PathBuf,
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: Option<String>,
    /// `JUJU_MACHINE_ID`.
    pub machine_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT`.
    pub principal_unit: Option<String>,
    /// `JUJU_DEBUG` is set.
    pub debug: bool,
    /// `JUJU_DEBUG_AT`, split on commas.
    pub debug_at: Vec<String>,
    /// `JUJU_ACTION_NAME`.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`.
    pub action_uuid: Option<String>,
    /// `JUJU_RELATION` (the endpoint).
    pub relation_name: Option<String>,
    /// `JUJU_RELATION_ID`, `endpoint:N` → N.
    pub relation_id: Option<u64>,
    /// `JUJU_REMOTE_APP` (from the remote unit's prefix when absent).
    pub remote_app: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<String>,
    /// `JUJU_WORKLOAD_NAME` (the container).
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`.
    pub notice_id: Option<String>,
    /// `JUJU_NOTICE_TYPE`.
    pub notice_type: Option<String>,
    /// `JUJU_NOTICE_KEY`.
    pub notice_key: Option<String>,
    /// `JUJU_PEBBLE_CHECK_NAME`.
    pub pebble_check_name: Option<String>,
    /// `JUJU_SECRET_ID`.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL`.
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION`.
    pub secret_revision: Option<u64>,
    /// `JUJU_STORAGE_ID` (`data/0`).
    pub storage_id: Option<String>,
}

impl JujuContext {
    /// The application's name: the unit name before `/`.
    pub fn app_name(&self) -> &str {
        self.unit_name
            .split_once('/')
            .map_or(self.unit_name.as_str(), |(app, _)| app)
    }
}
