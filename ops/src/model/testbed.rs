//! The model's unit tests run on `ops::testing`'s simulated Juju ([`SimBackend`]) through
//! [`Recorded`], a [`Backend`] that logs each call as a short hook-tool-like line (keys only
//! for secrets) and fails a tool on request, then passes it on.

use crate::backend::*;
use crate::context::JujuContext;
use crate::error::ModelError;
use crate::meta::{
    CharmMeta, RelationMeta, RelationRole, RelationScope, ResourceMeta, ResourceType, StorageMeta,
    StorageRange, StorageType,
};
use crate::model::{JujuVersion, ModelCore};
use crate::status::Status;
use crate::testing::sim::{Env, Sim, SimBackend, SimRef, Tracking};
use crate::testing::State;
use serde_json::{Map, Value};
use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;

pub(crate) static META: CharmMeta = CharmMeta {
    resources: &[ResourceMeta {
        filename: Some("bin.tar"),
        ..ResourceMeta::new("bin", ResourceType::File)
    }],
    storages: &[StorageMeta {
        multiple: Some(StorageRange { min: 0, max: None }),
        ..StorageMeta::new("data", StorageType::Filesystem)
    }],
    relations: &[
        RelationMeta {
            limit: Some(1),
            ..RelationMeta::new("db", RelationRole::Requires, "pgsql")
        },
        RelationMeta::new("website", RelationRole::Provides, "http"),
        RelationMeta::new("cluster", RelationRole::Peer, "cluster"),
        RelationMeta {
            scope: RelationScope::Container,
            ..RelationMeta::new("logging", RelationRole::Requires, "logs")
        },
    ],
    extra_bindings: &["metrics"],
    ..CharmMeta::named("web")
};

/// The call log and the tools made to fail, shared by a [`Recorded`] and its [`Fake`].
#[derive(Default)]
struct Log {
    calls: RefCell<Vec<String>>,
    failing: RefCell<BTreeSet<String>>,
}

/// A [`Backend`] that records each call, fails the tools asked to, and passes the rest on
/// to `inner`.
pub(crate) struct Recorded<B> {
    inner: B,
    log: Rc<Log>,
}

impl<B> Recorded<B> {
    /// Records `secret-grant` or `secret-revoke`.
    fn record_access(
        &self,
        tool: &str,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let flag = unit.map(|u| format!(" --unit {u}")).unwrap_or_default();
        self.record(tool, format!("{tool} {id} -r {relation_id}{flag}"))
    }

    fn record(&self, tool: &str, line: String) -> Result<(), ModelError> {
        self.log.calls.borrow_mut().push(line);
        if self.log.failing.borrow().contains(tool) {
            return Err(ModelError::Tool {
                tool: tool.to_string(),
                code: Some(1),
                stderr: "ERROR boom".into(),
                call: None,
            });
        }
        Ok(())
    }
}

/// The tests' handle on the simulated Juju under a model: its state and the call log.
#[derive(Clone)]
pub(crate) struct Fake {
    sim: SimRef,
    log: Rc<Log>,
}

impl Fake {
    /// Every call so far.
    pub fn calls(&self) -> Vec<String> {
        self.log.calls.borrow().clone()
    }
    /// How many calls of `tool` so far.
    pub fn calls_of(&self, tool: &str) -> usize {
        self.log
            .calls
            .borrow()
            .iter()
            .filter(|c| c.split(' ').next() == Some(tool))
            .count()
    }
    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.log.calls.borrow_mut().clear();
    }
    /// Makes `tool` fail.
    pub fn fail(&self, tool: &str) {
        self.log.failing.borrow_mut().insert(tool.to_string());
    }
    /// Makes `tool` work again.
    pub fn unfail(&self, tool: &str) {
        self.log.failing.borrow_mut().remove(tool);
    }
    /// The simulated Juju's state, to arrange a test or look at its effect.
    pub fn state(&self) -> RefMut<'_, State> {
        RefMut::map(self.sim.borrow_mut(), |sim| &mut sim.state)
    }
    /// Adds relation `id` on `endpoint` with remote `units` (`app/N`; the remote
    /// application is theirs, `remote` without units), every databag empty.
    pub fn relate(&self, endpoint: &str, id: u64, units: &[&str]) {
        let peer = META
            .relations
            .iter()
            .any(|r| r.name == endpoint && r.role == RelationRole::Peer);
        let mut rel = crate::testing::Relation::new(endpoint).id(id);
        if peer {
            rel.kind = crate::testing::RelationKind::Peer;
        }
        if let Some((app, _)) = units.first().and_then(|u| u.split_once('/')) {
            rel.remote_app_name = app.to_string();
        }
        rel.local_unit_data.clear();
        rel.remote_units_data = units
            .iter()
            .filter_map(|u| u.split_once('/').and_then(|(_, n)| n.parse().ok()))
            .map(|n| (n, Databag::new()))
            .collect();
        self.state().relations.push(rel);
    }
    /// Relation `id` in the simulated Juju's state.
    pub fn relation(&self, id: u64) -> RefMut<'_, crate::testing::Relation> {
        RefMut::map(self.state(), |state| {
            state
                .relations
                .iter_mut()
                .find(|r| r.id == id)
                .expect("a relation the test made")
        })
    }
    /// Ends relation `id`: the tools no longer know it.
    pub fn remove_relation(&self, id: u64) {
        self.state().relations.retain(|r| r.id != id);
    }
    /// Sets a databag's content (`member`: this unit or app, or a remote one).
    pub fn set_bag(&self, id: u64, member: &str, pairs: &[(&str, &str)]) {
        let bag: Databag = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        *self.bag_mut(id, member) = bag;
    }
    /// A databag's content.
    pub fn bag(&self, id: u64, member: &str) -> Databag {
        self.bag_mut(id, member).clone()
    }
    fn bag_mut(&self, id: u64, member: &str) -> RefMut<'_, Databag> {
        RefMut::map(self.relation(id), |rel| match member.split_once('/') {
            _ if member == "web" => &mut rel.local_app_data,
            _ if member == "web/0" => &mut rel.local_unit_data,
            Some((_, n)) => rel
                .remote_units_data
                .entry(n.parse().expect("a unit name"))
                .or_default(),
            None => &mut rel.remote_app_data,
        })
    }
}

fn lookup_text(lookup: SecretLookup<'_>) -> String {
    match lookup {
        SecretLookup::Id(id) => id.to_string(),
        SecretLookup::Label(label) => format!("--label {label}"),
        SecretLookup::IdAndLabel(id, label) => format!("{id} --label {label}"),
    }
}

fn options_text(options: &SecretOptions) -> String {
    let mut out = String::new();
    for (flag, value) in [
        ("label", &options.label),
        ("description", &options.description),
        ("expire", &options.expire),
        ("rotate", &options.rotate),
    ] {
        if let Some(value) = value {
            out.push_str(&format!(" --{flag} {value}"));
        }
    }
    out
}

fn keys_text(content: &BTreeMap<String, String>) -> String {
    // Keys only: the call log must never hold secret values.
    let keys: Vec<&str> = content.keys().map(String::as_str).collect();
    format!(" keys={}", keys.join(","))
}

impl<B: Backend> Backend for Recorded<B> {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError> {
        self.record("juju-log", format!("juju-log {} {message}", level.as_str()))?;
        self.inner.juju_log(level, message)
    }
    fn config_get(&self) -> Result<Map<String, Value>, ModelError> {
        self.record("config-get", "config-get".into())?;
        self.inner.config_get()
    }
    fn is_leader(&self) -> Result<bool, ModelError> {
        self.record("is-leader", "is-leader".into())?;
        self.inner.is_leader()
    }
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        self.record("relation-ids", format!("relation-ids {endpoint}"))?;
        self.inner.relation_ids(endpoint)
    }
    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError> {
        self.record("relation-list", format!("relation-list {relation_id}"))?;
        self.inner.relation_list(relation_id)
    }
    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError> {
        self.record(
            "relation-list",
            format!("relation-list {relation_id} --app"),
        )?;
        self.inner.relation_remote_app(relation_id)
    }
    fn relation_get(
        &self,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        let flag = if app { " --app" } else { "" };
        self.record(
            "relation-get",
            format!("relation-get {relation_id}{flag} {member}"),
        )?;
        self.inner.relation_get(relation_id, member, app)
    }
    fn relation_set(
        &self,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        let flag = if app { " --app" } else { "" };
        let pairs: Vec<String> = changes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.record(
            "relation-set",
            format!("relation-set {relation_id}{flag} {}", pairs.join(",")),
        )?;
        self.inner.relation_set(relation_id, changes, app)
    }
    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError> {
        self.record(
            "relation-model-get",
            format!("relation-model-get {relation_id}"),
        )?;
        self.inner.relation_model_uuid(relation_id)
    }
    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError> {
        self.record("status-get", format!("status-get {app}"))?;
        self.inner.status_get(app)
    }
    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError> {
        self.record(
            "status-set",
            format!("status-set {app} {}", status.name.as_str()),
        )?;
        self.inner.status_set(status, app)
    }
    fn application_version_set(&self, version: &str) -> Result<(), ModelError> {
        self.record(
            "application-version-set",
            format!("application-version-set {version}"),
        )?;
        self.inner.application_version_set(version)
    }
    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError> {
        self.record("resource-get", format!("resource-get {name}"))?;
        self.inner.resource_get(name)
    }
    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError> {
        self.record("storage-list", format!("storage-list {name}"))?;
        self.inner.storage_list(name)
    }
    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError> {
        self.record("storage-get", format!("storage-get {id}"))?;
        self.inner.storage_get(id)
    }
    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError> {
        self.record("storage-add", format!("storage-add {name}={count}"))?;
        self.inner.storage_add(name, count)
    }
    fn action_get(&self) -> Result<Map<String, Value>, ModelError> {
        self.record("action-get", "action-get".into())?;
        self.inner.action_get()
    }
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError> {
        self.record("action-set", "action-set".into())?;
        self.inner.action_set(results)
    }
    fn action_log(&self, message: &str) -> Result<(), ModelError> {
        self.record("action-log", format!("action-log {message}"))?;
        self.inner.action_log(message)
    }
    fn action_fail(&self, message: &str) -> Result<(), ModelError> {
        self.record("action-fail", format!("action-fail {message}"))?;
        self.inner.action_fail(message)
    }
    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<NetworkInfo, ModelError> {
        let line = match relation_id {
            Some(id) => format!("network-get {binding} -r {id}"),
            None => format!("network-get {binding}"),
        };
        self.record("network-get", line)?;
        self.inner.network_get(binding, relation_id)
    }
    fn goal_state(&self) -> Result<GoalState, ModelError> {
        self.record("goal-state", "goal-state".into())?;
        self.inner.goal_state()
    }
    fn secret_add(
        &self,
        content: &BTreeMap<String, String>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, ModelError> {
        let owner_text = match owner {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        };
        self.record(
            "secret-add",
            format!(
                "secret-add --owner {owner_text}{}{}",
                options_text(options),
                keys_text(content)
            ),
        )?;
        self.inner.secret_add(content, options, owner)
    }
    fn secret_get(
        &self,
        lookup: SecretLookup<'_>,
        read: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError> {
        let flag = match read {
            SecretRead::Tracked => "",
            SecretRead::Peek => " --peek",
            SecretRead::Refresh => " --refresh",
        };
        self.record(
            "secret-get",
            format!("secret-get {}{flag}", lookup_text(lookup)),
        )?;
        self.inner.secret_get(lookup, read)
    }
    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError> {
        self.record(
            "secret-info-get",
            format!("secret-info-get {}", lookup_text(lookup)),
        )?;
        self.inner.secret_info_get(lookup)
    }
    fn secret_set(
        &self,
        id: &str,
        content: Option<&BTreeMap<String, String>>,
        options: &SecretOptions,
    ) -> Result<(), ModelError> {
        self.record(
            "secret-set",
            format!(
                "secret-set {id}{}{}",
                options_text(options),
                content.map(keys_text).unwrap_or_default()
            ),
        )?;
        self.inner.secret_set(id, content, options)
    }
    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        self.record_access("secret-grant", id, relation_id, unit)?;
        self.inner.secret_grant(id, relation_id, unit)
    }
    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        self.record_access("secret-revoke", id, relation_id, unit)?;
        self.inner.secret_revoke(id, relation_id, unit)
    }
    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError> {
        let rev = revision
            .map(|r| format!(" --revision {r}"))
            .unwrap_or_default();
        self.record("secret-remove", format!("secret-remove {id}{rev}"))?;
        self.inner.secret_remove(id, revision)
    }
    fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        self.record("secret-ids", "secret-ids".into())?;
        self.inner.secret_ids()
    }
    fn open_port(&self, port: Port) -> Result<(), ModelError> {
        self.record("open-port", format!("open-port {port}"))?;
        self.inner.open_port(port)
    }
    fn close_port(&self, port: Port) -> Result<(), ModelError> {
        self.record("close-port", format!("close-port {port}"))?;
        self.inner.close_port(port)
    }
    fn opened_ports(&self) -> Result<Vec<Port>, ModelError> {
        self.record("opened-ports", "opened-ports".into())?;
        self.inner.opened_ports()
    }
    fn credential_get(&self) -> Result<CloudSpec, ModelError> {
        self.record("credential-get", "credential-get".into())?;
        self.inner.credential_get()
    }
    fn juju_reboot(&self, now: bool) -> Result<(), ModelError> {
        let flag = if now { " --now" } else { "" };
        self.record("juju-reboot", format!("juju-reboot{flag}"))?;
        self.inner.juju_reboot(now)
    }
    fn planned_units(&self) -> Result<u32, ModelError> {
        self.record("planned-units", "planned-units".into())?;
        self.inner.planned_units()
    }
    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError> {
        self.record("state-get", format!("state-get {key}"))?;
        self.inner.state_get(key)
    }
    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError> {
        self.record("state-get", "state-get --format=json".into())?;
        self.inner.state_get_all()
    }
    fn state_set(&self, key: &str, value: &str) -> Result<(), ModelError> {
        self.record("state-set", format!("state-set {key}"))?;
        self.inner.state_set(key, value)
    }
    fn state_delete(&self, key: &str) -> Result<(), ModelError> {
        self.record("state-delete", format!("state-delete {key}"))?;
        self.inner.state_delete(key)
    }
    fn add_metrics(
        &self,
        metrics: &BTreeMap<String, f64>,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        self.record("add-metric", "add-metric".into())?;
        self.inner.add_metrics(metrics, labels)
    }
    fn pebble(&self, container: &str) -> Box<dyn ops_pebble::Pebble> {
        self.inner.pebble(container)
    }
}

/// The context the tests run in: unit `web/0` of model `test-model`, Juju 3.6.4.
pub(crate) fn context() -> JujuContext {
    JujuContext {
        dispatch_path: "hooks/start".into(),
        hook_name: "start".into(),
        model_name: "test-model".into(),
        model_uuid: "00000000-0000-4000-8000-000000000000".into(),
        unit_name: "web/0".into(),
        version: "3.6.4".into(),
        ..JujuContext::default()
    }
}

/// A simulated Juju and a model over it, in [`context`].
pub(crate) fn core() -> (Fake, ModelCore) {
    core_with(|_| {})
}

/// A simulated Juju and a model over it, in [`context`] changed by `edit`.
pub(crate) fn core_with(edit: impl FnOnce(&mut JujuContext)) -> (Fake, ModelCore) {
    let mut ctx = context();
    edit(&mut ctx);
    let env = Env {
        meta: &META,
        app_name: "web".into(),
        unit_name: "web/0".into(),
        juju_version: ctx.version.parse().unwrap_or(JujuVersion::new(3, 6, 4)),
        config_defaults: Rc::new(Map::new()),
        action_params: None,
        capture_deferred_events: true,
        capture_framework_events: true,
        app_trusted: None,
    };
    let sim = Rc::new(RefCell::new(Sim::new(
        State::new(),
        env,
        Tracking::default(),
    )));
    let log = Rc::new(Log::default());
    let backend = Recorded {
        inner: SimBackend { sim: sim.clone() },
        log: log.clone(),
    };
    let model = ModelCore::new(Box::new(backend), &META, ctx);
    (Fake { sim, log }, model)
}

/// A model over the real hook-tool backend whose `tool` prints `stdout`, in [`context`]:
/// for answers Juju may give that the simulator never does (repeated ports, malformed
/// storage ids).
pub(crate) fn over_tool_output(tool: &str, stdout: &str) -> ModelCore {
    let runner = crate::hookcmds::fake::Fake::default();
    runner.always(tool, 0, stdout, "");
    let backend = crate::hookcmds::HookTools::with_runner(runner);
    ModelCore::new(Box::new(backend), &META, context())
}
