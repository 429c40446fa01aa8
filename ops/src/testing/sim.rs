//! The in-memory Juju: a [`Backend`] over a [`State`], recording what the charm did.

use super::pebble::{PebbleExtra, SimPebble};
use super::state::{same_secret_id, Relation, RelationKind, Secret, State};
use crate::backend::{
    Backend, BindAddress, CloudSpec, Databag, GoalState, GoalStatus, InterfaceAddress, LogLevel,
    NetworkInfo, Port, SecretInfo, SecretLookup, SecretOptions, SecretOwner, SecretRead,
    StatusInfo, StorageInfo,
};
use crate::error::ModelError;
use crate::meta::CharmMeta;
use crate::model::JujuVersion;
use crate::status::Status;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

/// One `juju-log` line the charm wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuLogLine {
    /// The level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// One command the charm ran in a container: what an exec handler
/// ([`Harness::handle_exec_with`](super::Harness::handle_exec_with)) receives, and what
/// [`Output::exec_history`] records.
///
/// With a service context, the service's environment, working directory, user and group
/// fill in what the command did not set (as Pebble does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecArgs {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// User name.
    pub user: Option<String>,
    /// Group name.
    pub group: Option<String>,
    /// What was fed to stdin.
    pub stdin: Vec<u8>,
    /// The service whose context the command runs in.
    pub service_context: Option<String>,
    /// The command's timeout.
    pub timeout: Option<Duration>,
    /// User id.
    pub user_id: Option<u32>,
    /// Group id.
    pub group_id: Option<u32>,
    /// Whether stderr is merged into stdout.
    pub combine_stderr: bool,
}

/// What a simulated command does (an exec handler's answer): its exit code and output.
///
/// Converts from an exit code (`0.into()`), from stdout text or bytes (`"ok\n".into()`)
/// and from `()` (exit 0, no output), as Python's `Harness.handle_exec` results do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// The exit code (non-zero: the charm's `wait` fails with an exec error).
    pub exit_code: i32,
    /// What the command prints on stdout.
    pub stdout: Vec<u8>,
    /// What the command prints on stderr.
    pub stderr: Vec<u8>,
    /// The command ran past its timeout (the charm sees Pebble's timeout error).
    pub timed_out: bool,
}

impl ExecResult {
    /// Exit 0, no output.
    pub fn new() -> Self {
        ExecResult::default()
    }
    /// The command timed out (as a Python handler raising `TimeoutError`). The command
    /// must have a timeout; without one the exec fails with an API error saying so.
    pub fn timeout() -> Self {
        ExecResult {
            timed_out: true,
            ..ExecResult::default()
        }
    }
    /// Sets the exit code.
    pub fn exit_code(mut self, code: i32) -> Self {
        self.exit_code = code;
        self
    }
    /// Sets stdout.
    pub fn stdout(mut self, out: impl Into<Vec<u8>>) -> Self {
        self.stdout = out.into();
        self
    }
    /// Sets stderr.
    pub fn stderr(mut self, err: impl Into<Vec<u8>>) -> Self {
        self.stderr = err.into();
        self
    }
}

impl From<i32> for ExecResult {
    fn from(code: i32) -> Self {
        ExecResult::new().exit_code(code)
    }
}
impl From<&str> for ExecResult {
    fn from(out: &str) -> Self {
        ExecResult::new().stdout(out)
    }
}
impl From<String> for ExecResult {
    fn from(out: String) -> Self {
        ExecResult::new().stdout(out)
    }
}
impl From<&[u8]> for ExecResult {
    fn from(out: &[u8]) -> Self {
        ExecResult::new().stdout(out)
    }
}
impl From<Vec<u8>> for ExecResult {
    fn from(out: Vec<u8>) -> Self {
        ExecResult::new().stdout(out)
    }
}
impl From<()> for ExecResult {
    fn from(_: ()) -> Self {
        ExecResult::new()
    }
}

/// A registered exec handler.
pub(crate) type ExecHandler = Rc<dyn Fn(&ExecArgs) -> ExecResult>;

/// Exec handlers per container: (command prefix, handler).
pub(crate) type ExecHandlers = BTreeMap<String, Vec<(Vec<String>, ExecHandler)>>;

/// What one run recorded besides the output state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// `juju-log` lines, in order.
    pub juju_log: Vec<JujuLogLine>,
    /// The events dispatched to the charm (re-emitted deferred ones, the event,
    /// collect-status), in order. Only events with a handler in the charm are listed (an
    /// `update-status` that no `#[on]` names is not).
    pub emitted_events: Vec<crate::event::EventData>,
    /// Every handler run, in order (with whether it was re-emitted or deferred).
    pub handlers: Vec<crate::framework::Emitted>,
    /// Unit statuses before each `status-set` (the current one is in the state).
    pub unit_status_history: Vec<Status>,
    /// Application statuses before each `status-set --application`.
    pub app_status_history: Vec<Status>,
    /// Workload versions before each change (unset ones skipped).
    pub workload_version_history: Vec<String>,
    /// `action-set` results (dotted keys as the charm flattened them).
    pub action_results: Option<BTreeMap<String, String>>,
    /// `action-log` messages.
    pub action_logs: Vec<String>,
    /// The `action-fail` message, if the action failed.
    pub action_failure: Option<String>,
    /// Secret revisions removed with `secret-remove --revision`.
    pub removed_secret_revisions: Vec<u64>,
    /// `storage-add` requests: storage name → count.
    pub requested_storages: BTreeMap<String, u32>,
    /// Commands run per container.
    pub exec_history: BTreeMap<String, Vec<ExecArgs>>,
    /// `juju-reboot` calls (`true` for `--now`).
    pub reboots: Vec<bool>,
    /// `add-metric` calls.
    pub metrics: Vec<BTreeMap<String, f64>>,
    /// The tracing spans of the run (Python Scenario's `trace_data`): `ops.main` and a
    /// span per handler, whether or not the charm declares tracing. See [`crate::tracing`].
    pub trace_data: Vec<crate::tracing::SpanData>,
}

/// What the simulated Juju knows that is not in the [`State`].
pub(crate) struct Env {
    pub meta: &'static CharmMeta,
    pub app_name: String,
    pub unit_name: String,
    pub juju_version: JujuVersion,
    pub config_defaults: Rc<Map<String, Value>>,
    /// The action's params when running an action.
    pub action_params: Option<Map<String, Value>>,
    /// Whether the application is trusted (`juju trust`): `None` when the test did not
    /// say, and then a cloud spec in the state is taken as trust.
    pub app_trusted: Option<bool>,
    /// `Context::capture_deferred_events`.
    pub capture_deferred_events: bool,
    /// `Context::capture_framework_events`.
    pub capture_framework_events: bool,
}

/// The shared state of one simulated hook (or of a Harness).
pub(crate) struct Sim {
    pub state: State,
    pub out: Output,
    pub env: Env,
    pub controller_state: BTreeMap<String, String>,
    pub pebble: HashMap<String, PebbleExtra>,
    /// Exec handlers registered through a Harness.
    pub exec_handlers: ExecHandlers,
    /// What a Harness follows beyond the [`State`].
    pub tracking: Tracking,
}

/// What the simulated Juju keeps for a [`Harness`](super::Harness) beyond the [`State`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Tracking {
    /// The planned units the charm reads follow the peers (this unit plus every unit in a
    /// peer relation, counted at each call) instead of [`State::planned_units`].
    pub planned_units_follow_peers: bool,
    /// Each secret's revisions, oldest first, by the secret's id in the state, once one
    /// was added or removed; a secret without an entry has its tracked and latest ones.
    pub secret_revisions: HashMap<String, Vec<u64>>,
}

pub(crate) type SimRef = Rc<RefCell<Sim>>;

/// The [`Backend`] over a [`Sim`].
pub(crate) struct SimBackend {
    pub sim: SimRef,
}

fn tool_error(tool: &str, stderr: impl Into<String>) -> ModelError {
    ModelError::Tool {
        tool: tool.into(),
        code: Some(1),
        stderr: stderr.into(),
        call: None,
    }
}

fn relation(state: &State, id: u64) -> Result<&Relation, ModelError> {
    state
        .get_relation(id)
        .ok_or_else(|| ModelError::RelationNotFound(format!("relation id {id}")))
}

fn relation_mut(state: &mut State, id: u64) -> Result<&mut Relation, ModelError> {
    state
        .relations
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| ModelError::RelationNotFound(format!("relation id {id}")))
}

impl Sim {
    /// A simulated unit in `state`, knowing `env`, with nothing recorded yet.
    pub fn new(state: State, env: Env, tracking: Tracking) -> Self {
        Sim {
            state,
            out: Output::default(),
            env,
            controller_state: BTreeMap::new(),
            pebble: HashMap::new(),
            exec_handlers: BTreeMap::new(),
            tracking,
        }
    }

    /// This unit plus the distinct units of its peer relations.
    pub fn peer_planned_units(&self) -> u32 {
        let app = &self.env.app_name;
        let peers: std::collections::BTreeSet<String> = self
            .state
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::Peer)
            .flat_map(|r| r.remote_unit_names(app))
            .filter(|unit| *unit != self.env.unit_name)
            .collect();
        u32::try_from(peers.len()).map_or(u32::MAX, |n| n.saturating_add(1))
    }

    /// The planned units the charm sees.
    pub fn planned_units(&self) -> u32 {
        if self.tracking.planned_units_follow_peers {
            self.peer_planned_units()
        } else {
            self.state.planned_units
        }
    }

    /// The revisions of the secret at `index`, oldest first.
    pub fn secret_revisions(&self, index: usize) -> Vec<u64> {
        let secret = &self.state.secrets[index];
        match self.tracking.secret_revisions.get(&secret.id) {
            Some(revisions) => revisions.clone(),
            None => known_revisions(secret),
        }
    }

    /// The revision history of the secret at `index`, to change.
    pub fn secret_revisions_mut(&mut self, index: usize) -> &mut Vec<u64> {
        let secret = &self.state.secrets[index];
        self.tracking
            .secret_revisions
            .entry(secret.id.clone())
            .or_insert_with(|| known_revisions(secret))
    }

    /// Makes `content` the new latest revision of the secret at `index` (recorded in its
    /// history).
    pub fn add_secret_revision(&mut self, index: usize, content: BTreeMap<String, String>) {
        let latest = self.state.secrets[index].latest_revision + 1;
        self.secret_revisions_mut(index).push(latest);
        let secret = &mut self.state.secrets[index];
        secret.latest_content = content;
        secret.latest_revision = latest;
    }

    fn secret_index(&self, lookup: SecretLookup<'_>) -> Result<usize, ModelError> {
        if self.env.juju_version < JujuVersion::new(3, 0, 2) {
            return Err(ModelError::Other(
                "secrets are only available in Juju >= 3.0.2".into(),
            ));
        }
        let found = match lookup {
            SecretLookup::Id(id) | SecretLookup::IdAndLabel(id, _) => self
                .state
                .secrets
                .iter()
                .position(|s| same_secret_id(&s.id, id)),
            SecretLookup::Label(label) => self
                .state
                .secrets
                .iter()
                .position(|s| s.label.as_deref() == Some(label)),
        };
        let index = found.ok_or_else(|| {
            ModelError::SecretNotFound(match lookup {
                SecretLookup::Id(id) | SecretLookup::IdAndLabel(id, _) => id.to_string(),
                SecretLookup::Label(label) => format!("label {label:?}"),
            })
        })?;
        Ok(index)
    }

    fn check_manage(&self, secret: &Secret) -> Result<(), ModelError> {
        match secret.owner {
            None => Err(ModelError::SecretNotFound(format!(
                "{}: this unit does not own it (set `owner` in the test state)",
                secret.id
            ))),
            Some(SecretOwner::Application) if !self.state.leader => Err(tool_error(
                "secret-set",
                format!(
                    "ERROR permission denied: app-owned secret {} can only be managed by the leader",
                    secret.id
                ),
            )),
            _ => Ok(()),
        }
    }

    fn remote_app_of(&self, relation_id: u64) -> Result<String, ModelError> {
        let rel = relation(&self.state, relation_id)?;
        Ok(rel.remote_app(&self.env.app_name).to_string())
    }
}

impl SimBackend {
    fn with<T>(&self, f: impl FnOnce(&mut Sim) -> T) -> T {
        f(&mut self.sim.borrow_mut())
    }

    /// `secret-revoke`: `grantee` (an app or a unit) loses its grant on `relation_id`.
    fn revoke_grant(&self, id: &str, relation_id: u64, grantee: String) -> Result<(), ModelError> {
        self.with(|s| {
            let index = s.secret_index(SecretLookup::Id(id))?;
            s.check_manage(&s.state.secrets[index])?;
            let grants = &mut s.state.secrets[index].remote_grants;
            if let Some(set) = grants.get_mut(&relation_id) {
                set.remove(&grantee);
                if set.is_empty() {
                    grants.remove(&relation_id);
                }
            }
            Ok(())
        })
    }
}

/// The revisions a [`Secret`] itself shows: the tracked one and the latest.
fn known_revisions(secret: &Secret) -> Vec<u64> {
    let mut revisions = vec![secret.tracked_revision, secret.latest_revision];
    revisions.sort_unstable();
    revisions.dedup();
    revisions
}

fn set_label(sim: &mut Sim, index: usize, lookup: SecretLookup<'_>) {
    if let SecretLookup::IdAndLabel(_, label) = lookup {
        sim.state.secrets[index].label = Some(label.to_string());
    }
}

fn apply_options(secret: &mut Secret, options: &SecretOptions) {
    if let Some(label) = &options.label {
        secret.label = Some(label.clone());
    }
    if let Some(description) = &options.description {
        secret.description = Some(description.clone());
    }
    if let Some(expire) = &options.expire {
        secret.expire = Some(expire.clone());
    }
    if let Some(rotate) = &options.rotate {
        secret.rotate = Some(rotate.clone());
    }
}

/// The network Juju answers for a binding the test did not set.
pub fn default_network() -> NetworkInfo {
    NetworkInfo {
        bind_addresses: vec![BindAddress {
            interface_name: "eth0".into(),
            mac_address: None,
            addresses: vec![InterfaceAddress {
                value: "192.0.2.0".into(),
                cidr: Some("192.0.2.0/24".into()),
            }],
        }],
        ingress_addresses: vec!["192.0.2.0".into()],
        egress_subnets: vec!["192.0.2.0/24".into()],
    }
}

impl Backend for SimBackend {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError> {
        self.with(|s| {
            s.out.juju_log.push(JujuLogLine {
                level,
                message: message.to_string(),
            })
        });
        Ok(())
    }

    fn config_get(&self) -> Result<Map<String, Value>, ModelError> {
        self.with(|s| {
            if s.state.config.is_empty() {
                return Ok((*s.env.config_defaults).clone());
            }
            let mut config = (*s.env.config_defaults).clone();
            for (k, v) in &s.state.config {
                config.insert(k.clone(), v.clone());
            }
            Ok(config)
        })
    }

    fn is_leader(&self) -> Result<bool, ModelError> {
        Ok(self.sim.borrow().state.leader)
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        let sim = self.sim.borrow();
        Ok(sim.state.get_relations(endpoint).map(|r| r.id).collect())
    }

    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError> {
        let sim = self.sim.borrow();
        let rel = relation(&sim.state, relation_id)?;
        Ok(rel.remote_unit_names(&sim.env.app_name))
    }

    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError> {
        let sim = self.sim.borrow();
        Ok(Some(sim.remote_app_of(relation_id)?))
    }

    fn relation_get(
        &self,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        let sim = self.sim.borrow();
        let rel = relation(&sim.state, relation_id)?;
        let env = &sim.env;
        // Who may read or write which databag is the model's rule (`model/relation.rs`),
        // checked before any tool runs; the simulator only stores the bags.
        if app {
            if member == env.app_name {
                return Ok(rel.local_app_data.clone());
            }
            if member == rel.remote_app_name && rel.kind != RelationKind::Peer {
                return Ok(rel.remote_app_data.clone());
            }
            return Err(tool_error(
                "relation-get",
                format!("ERROR application {member:?} not in relation {relation_id}"),
            ));
        }
        if member == env.unit_name {
            return Ok(rel.local_unit_data.clone());
        }
        let remote_app = rel.remote_app(&env.app_name);
        let number = member
            .strip_prefix(remote_app)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|n| n.parse::<u32>().ok());
        match number.and_then(|n| rel.remote_units_data.get(&n)) {
            Some(bag) => Ok(bag.clone()),
            None => Err(tool_error(
                "relation-get",
                format!("ERROR cannot read settings for unit {member:?} in relation {relation_id}: unit not found"),
            )),
        }
    }

    fn relation_set(
        &self,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        self.with(|s| {
            let rel = relation_mut(&mut s.state, relation_id)?;
            let bag = if app {
                &mut rel.local_app_data
            } else {
                &mut rel.local_unit_data
            };
            for (k, v) in changes {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
            Ok(())
        })
    }

    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError> {
        let sim = self.sim.borrow();
        if sim.env.juju_version < JujuVersion::new(3, 6, 2) {
            return Err(ModelError::Other(
                "the remote model is only available on Juju >= 3.6.2".into(),
            ));
        }
        let rel = relation(&sim.state, relation_id)?;
        Ok(rel
            .remote_model_uuid
            .clone()
            .unwrap_or_else(|| sim.state.model.uuid.clone()))
    }

    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError> {
        let sim = self.sim.borrow();
        if app && !sim.state.leader {
            return Err(tool_error(
                "status-get",
                "ERROR finding application status: this unit is not the leader",
            ));
        }
        let status = if app {
            sim.state.app_status.clone()
        } else {
            sim.state.unit_status.clone()
        };
        let mut units = BTreeMap::new();
        if app {
            units.insert(sim.env.unit_name.clone(), sim.state.unit_status.clone());
        }
        Ok(StatusInfo { status, units })
    }

    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError> {
        if !status.name.is_settable() {
            return Err(ModelError::Invalid {
                what: "status",
                detail: format!(
                    "{:?} cannot be set; expected one of active, blocked, maintenance, waiting",
                    status.name.as_str()
                ),
            });
        }
        self.with(|s| {
            if app {
                if !s.state.leader {
                    return Err(tool_error(
                        "status-set",
                        "ERROR setting application status: this unit is not the leader",
                    ));
                }
                let old = std::mem::replace(&mut s.state.app_status, status.clone());
                s.out.app_status_history.push(old);
            } else {
                let old = std::mem::replace(&mut s.state.unit_status, status.clone());
                s.out.unit_status_history.push(old);
            }
            Ok(())
        })
    }

    fn application_version_set(&self, version: &str) -> Result<(), ModelError> {
        self.with(|s| {
            let old = std::mem::replace(&mut s.state.workload_version, version.to_string());
            if !old.is_empty() {
                s.out.workload_version_history.push(old);
            }
        });
        Ok(())
    }

    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError> {
        let sim = self.sim.borrow();
        sim.state.resources.get(name).cloned().ok_or_else(|| {
            tool_error(
                "resource-get",
                format!("ERROR could not download resource: resource {name:?} not found"),
            )
        })
    }

    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError> {
        let sim = self.sim.borrow();
        Ok(sim
            .state
            .storages
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.full_id())
            .collect())
    }

    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError> {
        let sim = self.sim.borrow();
        let storage = sim
            .state
            .storages
            .iter()
            .find(|s| s.full_id() == id)
            .ok_or_else(|| tool_error("storage-get", format!("ERROR storage {id:?} not found")))?;
        let meta = sim.env.meta.storage(&storage.name);
        let kind = meta.map_or("filesystem", |m| m.kind.as_str()).to_string();
        let location = storage_location(&sim.env, storage);
        Ok(StorageInfo { kind, location })
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError> {
        if name.contains('/') {
            return Err(ModelError::Invalid {
                what: "storage name",
                detail: format!("{name:?} contains '/'"),
            });
        }
        self.with(|s| {
            if s.env.meta.storage(name).is_none() {
                return Err(tool_error(
                    "storage-add",
                    format!("ERROR storage {name:?} not declared in the metadata"),
                ));
            }
            *s.out
                .requested_storages
                .entry(name.to_string())
                .or_default() += count;
            Ok(())
        })
    }

    fn action_get(&self) -> Result<Map<String, Value>, ModelError> {
        let sim = self.sim.borrow();
        sim.env
            .action_params
            .clone()
            .ok_or_else(|| tool_error("action-get", "ERROR not running an action"))
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError> {
        self.with(|s| {
            if s.env.action_params.is_none() {
                return Err(tool_error("action-set", "ERROR not running an action"));
            }
            let target = s.out.action_results.get_or_insert_with(BTreeMap::new);
            for (k, v) in results {
                target.insert(k.clone(), v.clone());
            }
            Ok(())
        })
    }

    fn action_log(&self, message: &str) -> Result<(), ModelError> {
        self.with(|s| {
            if s.env.action_params.is_none() {
                return Err(tool_error("action-log", "ERROR not running an action"));
            }
            s.out.action_logs.push(message.to_string());
            Ok(())
        })
    }

    fn action_fail(&self, message: &str) -> Result<(), ModelError> {
        self.with(|s| {
            if s.env.action_params.is_none() {
                return Err(tool_error("action-fail", "ERROR not running an action"));
            }
            s.out.action_failure = Some(message.to_string());
            Ok(())
        })
    }

    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<NetworkInfo, ModelError> {
        let sim = self.sim.borrow();
        if let Some(id) = relation_id {
            // As Juju: `-r ID` names a relation that must exist.
            relation(&sim.state, id)?;
        }
        let meta = sim.env.meta;
        let known = binding == "juju-info"
            || meta.extra_bindings.contains(&binding)
            || meta
                .relation(binding)
                .is_some_and(|r| r.scope != crate::meta::RelationScope::Container);
        if !known {
            return Err(ModelError::RelationNotFound(format!(
                "{binding:?} is not a relation endpoint or extra binding"
            )));
        }
        Ok(sim
            .state
            .networks
            .get(binding)
            .cloned()
            .unwrap_or_else(default_network))
    }

    fn goal_state(&self) -> Result<GoalState, ModelError> {
        let sim = self.sim.borrow();
        let active = || GoalStatus {
            status: "active".into(),
            since: None,
        };
        let mut goal = GoalState::default();
        goal.units.insert(sim.env.unit_name.clone(), active());
        for rel in &sim.state.relations {
            let entry = goal.relations.entry(rel.endpoint.clone()).or_default();
            if rel.kind != RelationKind::Peer {
                entry.insert(rel.remote_app_name.clone(), active());
            }
            for unit in rel.remote_unit_names(&sim.env.app_name) {
                entry.insert(unit, active());
            }
        }
        Ok(goal)
    }

    fn secret_add(
        &self,
        content: &BTreeMap<String, String>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, ModelError> {
        if content.is_empty() {
            return Err(ModelError::Invalid {
                what: "secret content",
                detail: "a secret needs at least one key".into(),
            });
        }
        self.with(|s| {
            if owner == SecretOwner::Application && !s.state.leader {
                return Err(tool_error(
                    "secret-add",
                    "ERROR permission denied: only the leader can add an application secret",
                ));
            }
            let mut secret = Secret::new(content.clone());
            secret.owner = Some(owner);
            apply_options(&mut secret, options);
            let id = secret.id.clone();
            s.state.secrets.push(secret);
            Ok(id)
        })
    }

    fn secret_get(
        &self,
        lookup: SecretLookup<'_>,
        read: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError> {
        self.with(|s| {
            let index = s.secret_index(lookup)?;
            set_label(s, index, lookup);
            let v = &s.env.juju_version;
            let old_juju = !(*v == JujuVersion::new(3, 1, 7) || *v >= JujuVersion::new(3, 3, 1));
            let secret = &mut s.state.secrets[index];
            let read = if old_juju && secret.owner.is_some() {
                SecretRead::Refresh
            } else {
                read
            };
            Ok(match read {
                SecretRead::Tracked => secret.tracked_content.clone(),
                SecretRead::Peek => secret.latest_content.clone(),
                SecretRead::Refresh => {
                    secret.tracked_content = secret.latest_content.clone();
                    secret.tracked_revision = secret.latest_revision;
                    secret.latest_content.clone()
                }
            })
        })
    }

    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError> {
        self.with(|s| {
            let index = s.secret_index(lookup)?;
            set_label(s, index, lookup);
            let secret = &s.state.secrets[index];
            s.check_manage(secret)?;
            Ok(SecretInfo {
                id: secret.id.clone(),
                label: secret.label.clone(),
                description: secret.description.clone(),
                expiry: secret.expire.clone(),
                rotation: secret.rotate.clone(),
                rotates: None,
                revision: secret.latest_revision,
            })
        })
    }

    fn secret_set(
        &self,
        id: &str,
        content: Option<&BTreeMap<String, String>>,
        options: &SecretOptions,
    ) -> Result<(), ModelError> {
        self.with(|s| {
            let index = s.secret_index(SecretLookup::Id(id))?;
            s.check_manage(&s.state.secrets[index])?;
            if let Some(content) = content {
                s.add_secret_revision(index, content.clone());
            }
            apply_options(&mut s.state.secrets[index], options);
            Ok(())
        })
    }

    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        self.with(|s| {
            let index = s.secret_index(SecretLookup::Id(id))?;
            s.check_manage(&s.state.secrets[index])?;
            let grantee = match unit {
                Some(unit) => unit.to_string(),
                None => s.remote_app_of(relation_id)?,
            };
            s.state.secrets[index]
                .remote_grants
                .entry(relation_id)
                .or_default()
                .insert(grantee);
            Ok(())
        })
    }

    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let grantee = match unit {
            Some(unit) => unit.to_string(),
            None => self.with(|s| s.remote_app_of(relation_id))?,
        };
        self.revoke_grant(id, relation_id, grantee)
    }

    fn secret_revoke_app(&self, id: &str, relation_id: u64, app: &str) -> Result<(), ModelError> {
        self.revoke_grant(id, relation_id, app.to_string())
    }

    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError> {
        self.with(|s| {
            let index = s.secret_index(SecretLookup::Id(id))?;
            s.check_manage(&s.state.secrets[index])?;
            let secret = &s.state.secrets[index];
            match revision {
                None => {
                    let secret = s.state.secrets.remove(index);
                    s.tracking.secret_revisions.remove(&secret.id);
                }
                Some(rev) if rev == secret.tracked_revision || rev == secret.latest_revision => {
                    return Err(ModelError::Other(format!(
                        "charms should not remove the tracked or latest revision ({rev}) of secret {}: \
                         add a new revision with set_content instead",
                        secret.id
                    )));
                }
                Some(rev) => {
                    s.out.removed_secret_revisions.push(rev);
                    s.secret_revisions_mut(index).retain(|r| *r != rev);
                }
            }
            Ok(())
        })
    }

    fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        let sim = self.sim.borrow();
        Ok(sim
            .state
            .secrets
            .iter()
            .filter(|s| s.owner.is_some())
            .map(|s| s.id.clone())
            .collect())
    }

    fn open_port(&self, port: Port) -> Result<(), ModelError> {
        port.validate()?;
        self.with(|s| s.state.opened_ports.insert(port));
        Ok(())
    }

    fn close_port(&self, port: Port) -> Result<(), ModelError> {
        port.validate()?;
        self.with(|s| s.state.opened_ports.remove(&port));
        Ok(())
    }

    fn opened_ports(&self) -> Result<Vec<Port>, ModelError> {
        Ok(self
            .sim
            .borrow()
            .state
            .opened_ports
            .iter()
            .copied()
            .collect())
    }

    fn credential_get(&self) -> Result<CloudSpec, ModelError> {
        let sim = self.sim.borrow();
        if sim.env.app_trusted == Some(false) {
            return Err(tool_error(
                "credential-get",
                "ERROR cannot access cloud credentials: the application is not trusted \
                 (Context::app_trusted(true) in the test)",
            ));
        }
        sim.state.cloud_spec.clone().ok_or_else(|| {
            let detail = if sim.env.app_trusted == Some(true) {
                "ERROR cloud spec is empty (set State::cloud_spec in the test)"
            } else {
                "ERROR cannot access cloud credentials: the application is not trusted \
                 (set State::cloud_spec in the test)"
            };
            tool_error("credential-get", detail)
        })
    }

    fn juju_reboot(&self, now: bool) -> Result<(), ModelError> {
        self.with(|s| s.out.reboots.push(now));
        Ok(())
    }

    fn planned_units(&self) -> Result<u32, ModelError> {
        Ok(self.sim.borrow().planned_units())
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError> {
        Ok(self.sim.borrow().controller_state.get(key).cloned())
    }

    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError> {
        Ok(self.sim.borrow().controller_state.clone())
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), ModelError> {
        self.with(|s| {
            s.controller_state
                .insert(key.to_string(), value.to_string())
        });
        Ok(())
    }

    fn state_delete(&self, key: &str) -> Result<(), ModelError> {
        self.with(|s| s.controller_state.remove(key));
        Ok(())
    }

    fn add_metrics(
        &self,
        metrics: &BTreeMap<String, f64>,
        _labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        self.with(|s| s.out.metrics.push(metrics.clone()));
        Ok(())
    }

    fn pebble(&self, container: &str) -> Box<dyn ops_pebble::Pebble> {
        Box::new(SimPebble {
            sim: Rc::clone(&self.sim),
            container: container.to_string(),
        })
    }
}

/// Where a storage instance is mounted: the state's location, else the metadata's
/// (`location/index` for `multiple` storages), else under `/var/lib/juju/storage`.
pub(crate) fn storage_location(env: &Env, storage: &super::state::Storage) -> PathBuf {
    if let Some(location) = &storage.location {
        return location.clone();
    }
    match env.meta.storage(&storage.name) {
        Some(meta) => match meta.location {
            Some(loc) if meta.multiple.is_some() => {
                PathBuf::from(loc).join(storage.index.to_string())
            }
            Some(loc) => PathBuf::from(loc),
            None => PathBuf::from(format!(
                "/var/lib/juju/storage/{}/{}",
                storage.name, storage.index
            )),
        },
        None => PathBuf::from(format!(
            "/var/lib/juju/storage/{}/{}",
            storage.name, storage.index
        )),
    }
}
