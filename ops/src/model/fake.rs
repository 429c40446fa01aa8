//! A recording fake [`Backend`] for the model's unit tests: answers from a small in-memory
//! state, records each call as a short hook-tool-like line, and fails a tool on request.

use crate::backend::*;
use crate::context::JujuContext;
use crate::error::ModelError;
use crate::meta::{CharmMeta, RelationMeta, RelationRole, ResourceMeta, StorageMeta};
use crate::model::ModelCore;
use crate::status::Status;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;

pub(crate) static META: CharmMeta = CharmMeta {
    name: "web",
    summary: "",
    description: "",
    subordinate: false,
    containers: &[],
    resources: &[ResourceMeta {
        name: "bin",
        kind: "file",
        filename: Some("bin.tar"),
    }],
    storages: &[StorageMeta {
        name: "data",
        kind: "filesystem",
        location: None,
        multiple: true,
    }],
    relations: &[
        RelationMeta {
            name: "db",
            role: RelationRole::Requires,
            interface: "pgsql",
            limit: Some(1),
            optional: false,
            container_scope: false,
        },
        RelationMeta {
            name: "website",
            role: RelationRole::Provides,
            interface: "http",
            limit: None,
            optional: false,
            container_scope: false,
        },
        RelationMeta {
            name: "cluster",
            role: RelationRole::Peer,
            interface: "cluster",
            limit: None,
            optional: false,
            container_scope: false,
        },
        RelationMeta {
            name: "logging",
            role: RelationRole::Requires,
            interface: "logs",
            limit: None,
            optional: false,
            container_scope: true,
        },
    ],
    extra_bindings: &["metrics"],
    config: &[],
    actions: &[],
};

/// One secret the fake knows.
#[derive(Debug, Clone, Default)]
pub(crate) struct FakeSecret {
    pub label: Option<String>,
    /// Revision n is `revisions[n - 1]`.
    pub revisions: Vec<BTreeMap<String, String>>,
    /// The revision this unit tracks.
    pub tracked: usize,
    pub description: Option<String>,
    pub rotate: Option<String>,
    pub expire: Option<String>,
}

/// The fake's model.
#[derive(Default)]
pub(crate) struct FakeState {
    pub leader: bool,
    pub relation_ids: BTreeMap<String, Vec<u64>>,
    pub relation_units: BTreeMap<u64, Vec<String>>,
    /// What `relation-list --app` answers.
    pub remote_apps: BTreeMap<u64, String>,
    /// Relation id, member → databag.
    pub databags: BTreeMap<(u64, String), Databag>,
    /// Relations the tools say are not found.
    pub gone: BTreeSet<u64>,
    pub opened_ports: Vec<Port>,
    pub planned_units: u32,
    pub cloud_spec: CloudSpec,
    pub secrets: BTreeMap<String, FakeSecret>,
    pub storages: BTreeMap<String, Vec<String>>,
    pub resources: BTreeMap<String, PathBuf>,
    /// Binding → network; `binding@id` for a relation-specific answer.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Tools that fail with a `Tool` error.
    pub failing: BTreeSet<String>,
    next_secret: u32,
}

/// The fake: clones share the state and the call log.
#[derive(Clone, Default)]
pub(crate) struct Fake {
    pub state: Rc<RefCell<FakeState>>,
    log: Rc<RefCell<Vec<String>>>,
}

impl Fake {
    /// Every call so far.
    pub fn calls(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
    /// How many calls of `tool` so far.
    pub fn calls_of(&self, tool: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|c| c.split(' ').next() == Some(tool))
            .count()
    }
    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.log.borrow_mut().clear();
    }
    /// Makes `tool` fail.
    pub fn fail(&self, tool: &str) {
        self.state.borrow_mut().failing.insert(tool.to_string());
    }
    /// Makes `tool` work again.
    pub fn unfail(&self, tool: &str) {
        self.state.borrow_mut().failing.remove(tool);
    }
    /// Sets a databag's content.
    pub fn set_bag(&self, id: u64, member: &str, pairs: &[(&str, &str)]) {
        self.state.borrow_mut().databags.insert(
            (id, member.to_string()),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
    }
    /// A databag's content.
    pub fn bag(&self, id: u64, member: &str) -> Databag {
        self.state
            .borrow()
            .databags
            .get(&(id, member.to_string()))
            .cloned()
            .unwrap_or_default()
    }
    /// Adds relation `id` on `endpoint` with remote `units`.
    pub fn relate(&self, endpoint: &str, id: u64, units: &[&str]) {
        let mut state = self.state.borrow_mut();
        state
            .relation_ids
            .entry(endpoint.to_string())
            .or_default()
            .push(id);
        state
            .relation_units
            .insert(id, units.iter().map(|u| u.to_string()).collect());
    }

    fn record(&self, tool: &str, line: String) -> Result<(), ModelError> {
        self.log.borrow_mut().push(line);
        if self.state.borrow().failing.contains(tool) {
            return Err(ModelError::Tool {
                tool: tool.to_string(),
                code: Some(1),
                stderr: "ERROR boom".into(),
            });
        }
        Ok(())
    }

    fn check_relation(&self, id: u64) -> Result<(), ModelError> {
        if self.state.borrow().gone.contains(&id) {
            return Err(ModelError::RelationNotFound(format!("relation {id}")));
        }
        Ok(())
    }

    fn find_secret(&self, lookup: SecretLookup<'_>) -> Result<String, ModelError> {
        let mut state = self.state.borrow_mut();
        let id = match lookup {
            SecretLookup::Id(id) | SecretLookup::IdAndLabel(id, _) => id.to_string(),
            SecretLookup::Label(label) => state
                .secrets
                .iter()
                .find(|(_, s)| s.label.as_deref() == Some(label))
                .map(|(id, _)| id.clone())
                .ok_or_else(|| ModelError::SecretNotFound(format!("label {label}")))?,
        };
        let secret = state
            .secrets
            .get_mut(&id)
            .ok_or_else(|| ModelError::SecretNotFound(id.clone()))?;
        if let SecretLookup::IdAndLabel(_, label) = lookup {
            secret.label = Some(label.to_string());
        }
        Ok(id)
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

impl Backend for Fake {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError> {
        self.record("juju-log", format!("juju-log {} {message}", level.as_str()))
    }
    fn config_get(&self) -> Result<Map<String, Value>, ModelError> {
        self.record("config-get", "config-get".into())?;
        Ok(Map::new())
    }
    fn is_leader(&self) -> Result<bool, ModelError> {
        self.record("is-leader", "is-leader".into())?;
        Ok(self.state.borrow().leader)
    }
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        self.record("relation-ids", format!("relation-ids {endpoint}"))?;
        Ok(self
            .state
            .borrow()
            .relation_ids
            .get(endpoint)
            .cloned()
            .unwrap_or_default())
    }
    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError> {
        self.record("relation-list", format!("relation-list {relation_id}"))?;
        self.check_relation(relation_id)?;
        Ok(self
            .state
            .borrow()
            .relation_units
            .get(&relation_id)
            .cloned()
            .unwrap_or_default())
    }
    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError> {
        self.record(
            "relation-list",
            format!("relation-list {relation_id} --app"),
        )?;
        self.check_relation(relation_id)?;
        Ok(self.state.borrow().remote_apps.get(&relation_id).cloned())
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
        self.check_relation(relation_id)?;
        Ok(self.bag(relation_id, member))
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
        self.check_relation(relation_id)?;
        // The fake is this unit: it writes its own bags.
        let unit = "web/0".to_string();
        let member = if app { "web".to_string() } else { unit };
        let mut state = self.state.borrow_mut();
        let bag = state.databags.entry((relation_id, member)).or_default();
        for (k, v) in changes {
            if v.is_empty() {
                bag.remove(k);
            } else {
                bag.insert(k.clone(), v.clone());
            }
        }
        Ok(())
    }
    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError> {
        self.record(
            "relation-model-get",
            format!("relation-model-get {relation_id}"),
        )?;
        self.check_relation(relation_id)?;
        Ok("remote-uuid".into())
    }
    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError> {
        self.record("status-get", format!("status-get {app}"))?;
        Ok(StatusInfo {
            status: Status::active(""),
            units: BTreeMap::new(),
        })
    }
    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError> {
        self.record(
            "status-set",
            format!("status-set {app} {}", status.name.as_str()),
        )
    }
    fn application_version_set(&self, version: &str) -> Result<(), ModelError> {
        self.record(
            "application-version-set",
            format!("application-version-set {version}"),
        )
    }
    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError> {
        self.record("resource-get", format!("resource-get {name}"))?;
        self.state
            .borrow()
            .resources
            .get(name)
            .cloned()
            .ok_or_else(|| ModelError::Tool {
                tool: "resource-get".into(),
                code: Some(1),
                stderr: format!("ERROR could not download resource: resource#web/{name} not found"),
            })
    }
    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError> {
        self.record("storage-list", format!("storage-list {name}"))?;
        Ok(self
            .state
            .borrow()
            .storages
            .get(name)
            .cloned()
            .unwrap_or_default())
    }
    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError> {
        self.record("storage-get", format!("storage-get {id}"))?;
        Ok(StorageInfo {
            kind: "filesystem".into(),
            location: PathBuf::from(format!("/var/lib/juju/storage/{id}")),
        })
    }
    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError> {
        self.record("storage-add", format!("storage-add {name}={count}"))
    }
    fn action_get(&self) -> Result<Map<String, Value>, ModelError> {
        self.record("action-get", "action-get".into())?;
        Ok(Map::new())
    }
    fn action_set(&self, _results: &BTreeMap<String, String>) -> Result<(), ModelError> {
        self.record("action-set", "action-set".into())
    }
    fn action_log(&self, message: &str) -> Result<(), ModelError> {
        self.record("action-log", format!("action-log {message}"))
    }
    fn action_fail(&self, message: &str) -> Result<(), ModelError> {
        self.record("action-fail", format!("action-fail {message}"))
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
        if let Some(id) = relation_id {
            self.check_relation(id)?;
        }
        let state = self.state.borrow();
        let specific = relation_id.and_then(|id| state.networks.get(&format!("{binding}@{id}")));
        specific
            .or_else(|| state.networks.get(binding))
            .cloned()
            .ok_or_else(|| ModelError::Tool {
                tool: "network-get".into(),
                code: Some(1),
                stderr: format!("ERROR no network config found for binding \"{binding}\""),
            })
    }
    fn goal_state(&self) -> Result<GoalState, ModelError> {
        self.record("goal-state", "goal-state".into())?;
        Ok(GoalState::default())
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
        let mut state = self.state.borrow_mut();
        state.next_secret += 1;
        let id = format!(
            "secret://00000000-0000-4000-8000-000000000000/s{}",
            state.next_secret
        );
        state.secrets.insert(
            id.clone(),
            FakeSecret {
                label: options.label.clone(),
                revisions: vec![content.clone()],
                tracked: 1,
                description: options.description.clone(),
                rotate: options.rotate.clone(),
                expire: options.expire.clone(),
            },
        );
        Ok(id)
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
        let id = self.find_secret(lookup)?;
        let mut state = self.state.borrow_mut();
        let secret = state
            .secrets
            .get_mut(&id)
            .ok_or_else(|| ModelError::SecretNotFound(id.clone()))?;
        let latest = secret.revisions.len();
        let revision = match read {
            SecretRead::Tracked => secret.tracked,
            SecretRead::Peek => latest,
            SecretRead::Refresh => {
                secret.tracked = latest;
                latest
            }
        };
        secret
            .revisions
            .get(revision.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| ModelError::SecretNotFound(id.clone()))
    }
    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError> {
        self.record(
            "secret-info-get",
            format!("secret-info-get {}", lookup_text(lookup)),
        )?;
        let id = self.find_secret(lookup)?;
        let state = self.state.borrow();
        let secret = &state.secrets[&id];
        Ok(SecretInfo {
            id: id.clone(),
            label: secret.label.clone(),
            description: secret.description.clone(),
            expiry: secret.expire.clone(),
            rotation: secret.rotate.clone(),
            rotates: None,
            revision: secret.revisions.len() as u64,
        })
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
        let mut state = self.state.borrow_mut();
        let secret = state
            .secrets
            .get_mut(id)
            .ok_or_else(|| ModelError::SecretNotFound(id.to_string()))?;
        if let Some(content) = content {
            secret.revisions.push(content.clone());
        }
        if options.label.is_some() {
            secret.label = options.label.clone();
        }
        if options.description.is_some() {
            secret.description = options.description.clone();
        }
        if options.rotate.is_some() {
            secret.rotate = options.rotate.clone();
        }
        if options.expire.is_some() {
            secret.expire = options.expire.clone();
        }
        Ok(())
    }
    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let unit = unit.map(|u| format!(" --unit {u}")).unwrap_or_default();
        self.record(
            "secret-grant",
            format!("secret-grant {id} -r {relation_id}{unit}"),
        )
    }
    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let unit = unit.map(|u| format!(" --unit {u}")).unwrap_or_default();
        self.record(
            "secret-revoke",
            format!("secret-revoke {id} -r {relation_id}{unit}"),
        )
    }
    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError> {
        let rev = revision
            .map(|r| format!(" --revision {r}"))
            .unwrap_or_default();
        self.record("secret-remove", format!("secret-remove {id}{rev}"))?;
        if revision.is_none() {
            self.state.borrow_mut().secrets.remove(id);
        }
        Ok(())
    }
    fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        self.record("secret-ids", "secret-ids".into())?;
        Ok(self.state.borrow().secrets.keys().cloned().collect())
    }
    fn open_port(&self, port: Port) -> Result<(), ModelError> {
        self.record("open-port", format!("open-port {port}"))
    }
    fn close_port(&self, port: Port) -> Result<(), ModelError> {
        self.record("close-port", format!("close-port {port}"))
    }
    fn opened_ports(&self) -> Result<Vec<Port>, ModelError> {
        self.record("opened-ports", "opened-ports".into())?;
        Ok(self.state.borrow().opened_ports.clone())
    }
    fn credential_get(&self) -> Result<CloudSpec, ModelError> {
        self.record("credential-get", "credential-get".into())?;
        Ok(self.state.borrow().cloud_spec.clone())
    }
    fn juju_reboot(&self, now: bool) -> Result<(), ModelError> {
        let flag = if now { " --now" } else { "" };
        self.record("juju-reboot", format!("juju-reboot{flag}"))
    }
    fn planned_units(&self) -> Result<u32, ModelError> {
        self.record("planned-units", "planned-units".into())?;
        Ok(self.state.borrow().planned_units)
    }
    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError> {
        self.record("state-get", format!("state-get {key}"))?;
        Ok(None)
    }
    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError> {
        self.record("state-get", "state-get --format=json".into())?;
        Ok(BTreeMap::new())
    }
    fn state_set(&self, key: &str, _value: &str) -> Result<(), ModelError> {
        self.record("state-set", format!("state-set {key}"))
    }
    fn state_delete(&self, key: &str) -> Result<(), ModelError> {
        self.record("state-delete", format!("state-delete {key}"))
    }
    fn add_metrics(
        &self,
        _metrics: &BTreeMap<String, f64>,
        _labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        self.record("add-metric", "add-metric".into())
    }
    fn pebble(&self, _container: &str) -> Box<dyn ops_pebble::Pebble> {
        unimplemented!("the model's fake backend has no Pebble")
    }
}

/// The context the tests run in: unit `web/0` of model `test-model`, Juju 3.6.0.
pub(crate) fn context() -> JujuContext {
    JujuContext {
        dispatch_path: "hooks/start".into(),
        hook_name: "start".into(),
        model_name: "test-model".into(),
        model_uuid: "00000000-0000-4000-8000-000000000000".into(),
        unit_name: "web/0".into(),
        version: "3.6.0".into(),
        ..JujuContext::default()
    }
}

/// A fake and a model over it, in [`context`].
pub(crate) fn core() -> (Fake, ModelCore) {
    core_with(|_| {})
}

/// A fake and a model over it, in [`context`] changed by `edit`.
pub(crate) fn core_with(edit: impl FnOnce(&mut JujuContext)) -> (Fake, ModelCore) {
    let fake = Fake::default();
    let mut ctx = context();
    edit(&mut ctx);
    let model = ModelCore::new(Box::new(fake.clone()), &META, ctx);
    (fake, model)
}
