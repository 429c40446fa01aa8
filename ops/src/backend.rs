//! The one seam between the model and Juju, and the values that cross it.
//!
//! Everything the model asks of Juju goes through the crate-private `Backend` trait: the
//! real implementation (`hookcmds`) runs the hook tools with the flags Python `ops` uses;
//! `ops::testing` implements the same trait over an in-memory model. Methods take and
//! return typed values; the flags, JSON and stdin formats stay inside the implementations.

use crate::error::ModelError;
use crate::status::Status;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

// The values the model hands to charm authors live in `model::values`; the trait uses
// them under these names too.
pub(crate) use crate::model::{
    BindAddress, CloudCredential, CloudSpec, Databag, GoalState, GoalStatus, InterfaceAddress,
    NetworkInfo, Port, SecretInfo,
};

/// `juju-log` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
}

impl LogLevel {
    /// The name `juju-log --log-level` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// A status as `status-get` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInfo {
    /// The status and message.
    pub status: Status,
    /// For the application: each unit's status.
    pub units: BTreeMap<String, Status>,
}

/// Options of `secret-add` and `secret-set`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SecretOptions {
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`, RFC 3339.
    pub expire: Option<String>,
    /// `--rotate` policy (`never`, `hourly`, `daily`, `weekly`, `monthly`, `quarterly`,
    /// `yearly`).
    pub rotate: Option<String>,
}

/// Who owns a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOwner {
    /// `--owner application`.
    Application,
    /// `--owner unit`.
    Unit,
}

/// How a secret is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretLookup<'a> {
    /// By URI.
    Id(&'a str),
    /// By label.
    Label(&'a str),
    /// By URI, setting (or replacing) its label.
    IdAndLabel(&'a str, &'a str),
}

/// Which revision `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretRead {
    /// The tracked revision (plain `secret-get`).
    Tracked,
    /// The latest revision, without tracking it (`--peek`).
    Peek,
    /// The latest revision, tracking it from now on (`--refresh`).
    Refresh,
}

/// `storage-get`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StorageInfo {
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is mounted (or the block device path).
    pub location: PathBuf,
}

/// Everything the model asks of Juju. One method per hook-tool use; `hookcmds` has the
/// real tools' flags.
///
/// Not an extension point: crate-private, so its 47 methods are no semver promise. Tests
/// reach a model through `ops::testing` (whose simulator implements it), never through an
/// implementation of their own.
///
/// Implementations report tool failures as [`ModelError`]; they never panic on what Juju
/// prints. Methods take `&self`: implementations keep their own interior state.
pub(crate) trait Backend {
    /// `juju-log --log-level LEVEL -- MESSAGE`. An implementation may return before the
    /// line is written (keeping lines in order); [`Backend::flush`] waits for them.
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError>;

    /// Waits until every log line sent is written (the runtime calls it before exiting).
    fn flush(&self) {}

    /// `config-get --format=json`: every option with a value (defaults included).
    fn config_get(&self) -> Result<Map<String, Value>, ModelError>;

    /// `is-leader --format=json`.
    fn is_leader(&self) -> Result<bool, ModelError>;

    /// `relation-ids NAME --format=json`, as relation ids.
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError>;
    /// `relation-list -r ID --format=json`: the remote units.
    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError>;
    /// `relation-list -r ID --app --format=json`: the remote application, if known.
    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError>;
    /// `relation-get -r ID [--app] - MEMBER --format=json`: a unit's or app's databag.
    fn relation_get(
        &self,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError>;
    /// `relation-set -r ID [--app] --file -`: changed keys; an empty value deletes.
    fn relation_set(
        &self,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError>;
    /// `relation-model-get -r ID --format=json`: the remote model's UUID.
    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError>;

    // The model calls the `*_on` forms below: they name the relation as Juju's
    // `ENDPOINT:ID` (`-r db:3`, as Python `ops` does), so Juju refuses an id that does
    // not belong to that endpoint instead of reading another relation. By default they
    // drop the endpoint and call the id-only form, so a backend that cannot check it
    // (an in-memory one) needs only the id-only methods.

    /// [`Backend::relation_list`] of relation `relation_id` on `endpoint`
    /// (`relation-list --format=json -r ENDPOINT:ID`).
    fn relation_list_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Vec<String>, ModelError> {
        let _ = endpoint;
        self.relation_list(relation_id)
    }
    /// [`Backend::relation_remote_app`] of relation `relation_id` on `endpoint`
    /// (`relation-list --format=json --app -r ENDPOINT:ID`).
    fn relation_remote_app_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Option<String>, ModelError> {
        let _ = endpoint;
        self.relation_remote_app(relation_id)
    }
    /// [`Backend::relation_get`] of relation `relation_id` on `endpoint`
    /// (`relation-get --format=json -r ENDPOINT:ID [--app] - MEMBER`).
    fn relation_get_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        let _ = endpoint;
        self.relation_get(relation_id, member, app)
    }
    /// [`Backend::relation_set`] of relation `relation_id` on `endpoint`
    /// (`relation-set -r ENDPOINT:ID [--app] --file -`).
    fn relation_set_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        let _ = endpoint;
        self.relation_set(relation_id, changes, app)
    }
    /// [`Backend::relation_model_uuid`] of relation `relation_id` on `endpoint`
    /// (`relation-model-get --format=json -r ENDPOINT:ID`).
    fn relation_model_uuid_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<String, ModelError> {
        let _ = endpoint;
        self.relation_model_uuid(relation_id)
    }

    /// `status-get --include-data --format=json --application=BOOL`.
    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError>;
    /// `status-set --application=BOOL STATUS -- MESSAGE`.
    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError>;
    /// `application-version-set -- VERSION`.
    fn application_version_set(&self, version: &str) -> Result<(), ModelError>;

    /// `resource-get NAME`: the path of the fetched resource.
    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError>;

    /// `storage-list --format=json NAME`: ids such as `data/0`.
    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError>;
    /// `storage-get --format=json -s ID`.
    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError>;
    /// `storage-add NAME=COUNT`.
    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError>;

    /// `action-get --format=json`: the action's params.
    fn action_get(&self) -> Result<Map<String, Value>, ModelError>;
    /// `action-set KEY=VALUE ...`, with nested keys already flattened to dotted ones.
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError>;
    /// `action-log -- MESSAGE`.
    fn action_log(&self, message: &str) -> Result<(), ModelError>;
    /// `action-fail -- MESSAGE`.
    fn action_fail(&self, message: &str) -> Result<(), ModelError>;

    /// `network-get --format=json [-r ID] BINDING`.
    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<NetworkInfo, ModelError>;
    /// `goal-state --format=json`.
    fn goal_state(&self) -> Result<GoalState, ModelError>;

    /// `secret-add`: content passed through files, never argv. Returns the new URI.
    fn secret_add(
        &self,
        content: &BTreeMap<String, String>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, ModelError>;
    /// `secret-get --format=json [ID] [--label L] [--peek|--refresh]`.
    fn secret_get(
        &self,
        lookup: SecretLookup<'_>,
        read: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError>;
    /// `secret-info-get --format=json ID` or `--label L`.
    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError>;
    /// `secret-set ... ID [k#file=...]`: new content (a new revision) and/or metadata.
    fn secret_set(
        &self,
        id: &str,
        content: Option<&BTreeMap<String, String>>,
        options: &SecretOptions,
    ) -> Result<(), ModelError>;
    /// `secret-grant --relation RID [--unit U] ID`.
    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError>;
    /// `secret-revoke --relation RID [--unit U] ID`.
    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError>;
    /// `secret-revoke --relation RID --app APP ID`: from every unit of `app`. (A default
    /// body, so backends written before it still build: it refuses.)
    fn secret_revoke_app(&self, id: &str, relation_id: u64, app: &str) -> Result<(), ModelError> {
        let _ = (id, relation_id, app);
        Err(ModelError::Other(
            "secret-revoke --app is not available on this backend".into(),
        ))
    }
    /// `secret-remove ID [--revision N]`.
    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError>;
    /// `secret-ids --format=json`: the secrets this unit owns.
    fn secret_ids(&self) -> Result<Vec<String>, ModelError>;

    /// `open-port PORT/PROTO` (or a range, or `icmp`).
    fn open_port(&self, port: Port) -> Result<(), ModelError>;
    /// `close-port PORT/PROTO`.
    fn close_port(&self, port: Port) -> Result<(), ModelError>;
    /// `opened-ports --format=json`.
    fn opened_ports(&self) -> Result<Vec<Port>, ModelError>;
    /// `opened-ports --endpoints --format=json`: each port with the endpoints it is open
    /// on (`*`: all of them). By default [`Backend::opened_ports`], each on all endpoints
    /// (for backends, like the in-memory one, whose `open-port` takes no endpoints).
    fn opened_ports_endpoints(&self) -> Result<Vec<(Port, Vec<String>)>, ModelError> {
        let ports = self.opened_ports()?;
        Ok(ports.into_iter().map(|p| (p, vec!["*".into()])).collect())
    }

    /// `credential-get --format=json`.
    fn credential_get(&self) -> Result<CloudSpec, ModelError>;
    /// `juju-reboot [--now]`.
    fn juju_reboot(&self, now: bool) -> Result<(), ModelError>;
    /// `goal-state`'s unit count, or the planned units as the test model sets them.
    fn planned_units(&self) -> Result<u32, ModelError>;

    /// `state-get KEY`: controller-side charm state (`None` when unset).
    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError>;
    /// `state-get --format=json`: every key of the controller-side charm state (what a
    /// Python `ops` charm with `use_juju_for_storage=True` left there, for migration).
    #[cfg(feature = "python-migration")]
    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError>;
    /// `state-set --file -` of `{key: value}`.
    fn state_set(&self, key: &str, value: &str) -> Result<(), ModelError>;
    /// `state-delete KEY`.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "Python's controller storage deletes keys; the Rust store keeps one key \
                      and never deletes it (yet): kept for parity of the tool surface"
        )
    )]
    fn state_delete(&self, key: &str) -> Result<(), ModelError>;

    /// `add-metric [--labels k=v,...] k=v ...` (collect-metrics only).
    fn add_metrics(
        &self,
        metrics: &BTreeMap<String, f64>,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError>;

    /// The Pebble client for `container`: the real one talks to
    /// `/charm/containers/<name>/pebble.socket`, the testing one to an in-memory Pebble.
    fn pebble(&self, container: &str) -> Box<dyn ops_pebble::Pebble>;
}
