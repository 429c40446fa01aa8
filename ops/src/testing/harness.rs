//! [`Harness`]: the older, stateful testing style (Python's `ops.testing.Harness`), on the
//! same in-memory Juju and Pebble as [`Context`](super::Context).
//!
//! A Harness keeps one live charm and one evolving [`State`]. Each step changes the state
//! and, once [`Harness::begin`] was called, fires the event Juju would. As in Python, there
//! is no automatic collect-status (call [`Harness::evaluate_status`]) and no automatic
//! re-emission of deferred events (call [`Harness::reemit`]).

use super::context::{
    config_defaults, reemit_framework, run_framework, Event, On, RunError, Settings,
};
use super::seam::CharmSetup;
use super::sim::{Env, ExecArgs, ExecResult, Output, Sim, SimBackend, SimRef, Tracking};
use super::state::{Container, Exec, Notice, Relation, Secret, State, Storage};
use crate::backend::{CloudSpec, Databag, NetworkInfo, SecretOwner};
use crate::charm::Charm;
use crate::event::{EventData, EventKind};
use crate::meta::RelationRole;
use crate::model::{JujuVersion, Model};
use crate::status::Status;
use serde_json::{Map, Value};
use std::cell::{Ref, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

/// What a successful [`Harness::run_action`] produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOutput {
    /// `action-log` messages.
    pub logs: Vec<String>,
    /// Results (flattened dotted keys).
    pub results: BTreeMap<String, String>,
}

/// The params [`Harness::run_action`] takes: `()` for none, pairs
/// (`[("show-password", true)]`, a `Vec` of them), or a map.
pub trait IntoActionParams {
    /// The params as the JSON map `action-get` answers.
    fn into_action_params(self) -> Map<String, Value>;
}

impl IntoActionParams for () {
    fn into_action_params(self) -> Map<String, Value> {
        Map::new()
    }
}

impl IntoActionParams for Map<String, Value> {
    fn into_action_params(self) -> Map<String, Value> {
        self
    }
}

impl<K: Into<String>, V: Into<Value>, const N: usize> IntoActionParams for [(K, V); N] {
    fn into_action_params(self) -> Map<String, Value> {
        pairs(self)
    }
}

impl<K: Into<String>, V: Into<Value>> IntoActionParams for Vec<(K, V)> {
    fn into_action_params(self) -> Map<String, Value> {
        pairs(self)
    }
}

impl<K: Into<String>, V: Into<Value>> IntoActionParams for BTreeMap<K, V> {
    fn into_action_params(self) -> Map<String, Value> {
        pairs(self)
    }
}

fn pairs<K: Into<String>, V: Into<Value>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// A stateful test harness for charm `C`.
///
/// As in Python, collect-status runs only when asked ([`Harness::evaluate_status`]) and
/// deferred events are never re-emitted. While an event waits deferred, firing the same
/// event again skips the handler that deferred it (logged at DEBUG only). So a charm that
/// defers `config-changed` until Pebble answers ignores every later
/// [`Harness::update_config`] if the initial hooks ran before the container could
/// connect: call [`Harness::set_can_connect`] before [`Harness::begin_with_initial_hooks`],
/// or, once it can connect, call [`Harness::reemit`] (Python's
/// `harness.framework.reemit()`) to hand the deferred events to their handlers again.
pub struct Harness<C: Charm> {
    sim: SimRef,
    settings: Settings,
    on: On,
    charm: Option<C>,
    hooks_enabled: bool,
    /// Storage instances detached with [`Harness::detach_storage`], which
    /// [`Harness::attach_storage`] may attach again.
    detached_storages: Vec<Storage>,
    /// Where [`Harness::add_resource`] writes resource files (created on first use,
    /// removed on drop).
    resource_dir: Option<PathBuf>,
    /// Who owns each secret added with [`Harness::add_model_secret`] or
    /// [`Harness::add_user_secret`] that this unit only observes.
    secret_owners: HashMap<String, ObservedOwner>,
}

/// The owner of a secret this unit observes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ObservedOwner {
    /// Another application or unit (`app` or `app/N`).
    Remote(String),
    /// The model: a user secret (`juju add-secret`).
    User,
}

impl<C: Charm> Default for Harness<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm> Harness<C> {
    /// A harness for `C` with its embedded metadata: application named as the charm,
    /// unit 0, Juju 3.6.14, an empty state; events fire only after [`Harness::begin`].
    pub fn new() -> Self {
        let settings = Settings {
            app_name: C::META.name.to_string(),
            unit_id: 0,
            juju_version: JujuVersion::new(3, 6, 14),
            juju_version_text: "3.6.14".into(),
            charm_root: PathBuf::from("/var/lib/juju/agents/unit-0/charm"),
            machine_id: None,
            availability_zone: None,
            principal_unit: None,
            setup: CharmSetup::default(),
            capture_deferred_events: true,
            capture_framework_events: true,
            app_trusted: None,
        };
        let sim = Rc::new(RefCell::new(Sim::new(
            // A unit Juju has just deployed shows maintenance until a hook sets a status
            // (as Python's Harness starts it).
            State::new().unit_status(Status::maintenance("")),
            Env {
                meta: C::META,
                app_name: settings.app_name.clone(),
                unit_name: settings.unit_name(),
                juju_version: settings.juju_version.clone(),
                config_defaults: Rc::new(config_defaults(C::META)),
                action_params: None,
                app_trusted: None,
                capture_deferred_events: true,
                capture_framework_events: true,
            },
            // As Python's Harness: planned units follow the peers until set.
            Tracking {
                planned_units_follow_peers: true,
                ..Tracking::default()
            },
        )));
        Harness {
            on: super::context::On::for_app(&settings.app_name),
            sim,
            settings,
            charm: None,
            hooks_enabled: true,
            detached_storages: Vec::new(),
            resource_dir: None,
            secret_owners: HashMap::new(),
        }
    }

    /// Instantiates the charm (from the stored state, or `Default`). No event fires.
    pub fn begin(&mut self) -> Result<(), RunError> {
        if self.charm.is_some() {
            return Err(RunError::Inconsistent(vec![
                "Harness::begin called twice".into()
            ]));
        }
        let stored = self.sim.borrow().state.stored_state.clone();
        let charm = match stored {
            Some(value) => C::deserialize(&value).map_err(|e| RunError::Charm {
                event: "begin".into(),
                message: format!("cannot restore the charm's stored state: {e}"),
                panicked: false,
            })?,
            None => C::default(),
        };
        let mut charm = charm;
        self.settings.setup.apply(&mut charm);
        self.charm = Some(charm);
        Ok(())
    }

    /// Runs `setup` on the charm whenever it is instantiated or restored (at
    /// [`Harness::begin`] and for each event), before any handler: the way to give the
    /// charm test doubles in fields that are not persisted (`#[serde(skip)]`). See
    /// [`Context::charm_setup`](super::Context::charm_setup).
    pub fn charm_setup(mut self, setup: impl Fn(&mut C) + 'static) -> Self {
        self.settings.setup = CharmSetup::new(setup);
        self
    }

    /// The event factories for this harness's application, to [`fire`](Harness::fire)
    /// one without naming the app (Python's `harness.charm.on.config_changed.emit()`):
    /// `harness.fire(harness.on().config_changed())`.
    pub fn on(&self) -> &On {
        &self.on
    }

    /// Begins and fires what Juju fires when a unit is deployed: storage-attached,
    /// install, relation-created (peers added automatically), leader-elected or
    /// leader-settings-changed, config-changed, start, pebble-ready per container (now
    /// connectable), then relation-joined and -changed for each remote unit.
    pub fn begin_with_initial_hooks(&mut self) -> Result<(), RunError> {
        self.begin()?;
        let storages = self.state().storages.clone();
        for storage in &storages {
            self.fire(self.on.storage_attached(storage))?;
        }
        self.fire(self.on.install())?;
        for rmeta in C::META.relations {
            if rmeta.role == RelationRole::Peer
                && self.state().get_relations(rmeta.name).next().is_none()
            {
                let rel = Relation::peer(rmeta.name);
                self.sim.borrow_mut().state.relations.push(rel);
            }
        }
        let relations = self.state().relations.clone();
        for rel in &relations {
            self.fire(self.on.relation_created(rel))?;
        }
        if self.state().leader {
            self.fire(self.on.leader_elected())?;
        } else {
            self.fire(self.on.leader_settings_changed())?;
        }
        self.fire(self.on.config_changed())?;
        self.fire(self.on.start())?;
        let names: Vec<String> = C::META
            .containers
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        for name in names {
            self.container_pebble_ready(&name)?;
        }
        // Juju turns a deployment-time maintenance status that no initial hook replaced
        // into unknown.
        {
            let mut sim = self.sim.borrow_mut();
            if sim.state.unit_status == Status::maintenance("") {
                sim.state.unit_status = Status::unknown();
            }
        }
        for rel in &relations {
            for unit in rel.remote_units_data.keys() {
                self.fire(self.on.relation_joined(rel).remote_unit(*unit))?;
                self.fire(self.on.relation_changed(rel).remote_unit(*unit))?;
            }
        }
        Ok(())
    }

    /// Stops firing events for state changes.
    pub fn disable_hooks(&mut self) {
        self.hooks_enabled = false;
    }
    /// Fires events for state changes again.
    pub fn enable_hooks(&mut self) {
        self.hooks_enabled = true;
    }

    /// The live charm (after [`Harness::begin`]).
    pub fn charm(&self) -> Option<&C> {
        self.charm.as_ref()
    }
    /// The live charm, mutably.
    pub fn charm_mut(&mut self) -> Option<&mut C> {
        self.charm.as_mut()
    }

    /// The current state. While planned units follow the peers (see
    /// [`Harness::reset_planned_units`]), its `planned_units` is the count now.
    pub fn state(&self) -> Ref<'_, State> {
        // Nothing can change the peers while a `Ref` from here is alive, so refreshing
        // here (when no `Ref` is) keeps the field exact.
        if let Ok(mut sim) = self.sim.try_borrow_mut() {
            if sim.tracking.planned_units_follow_peers {
                sim.state.planned_units = sim.peer_planned_units();
            }
        }
        Ref::map(self.sim.borrow(), |s| &s.state)
    }

    /// Changes the state directly (no event fires). Changing `planned_units` sets it as
    /// [`Harness::set_planned_units`] does.
    pub fn edit_state(&mut self, edit: impl FnOnce(&mut State)) {
        let mut sim = self.sim.borrow_mut();
        let before = sim.planned_units();
        sim.state.planned_units = before;
        edit(&mut sim.state);
        if sim.state.planned_units != before {
            sim.tracking.planned_units_follow_peers = false;
        }
    }

    /// Everything recorded so far (juju-log lines, status histories, exec history...).
    pub fn output(&self) -> Ref<'_, Output> {
        Ref::map(self.sim.borrow(), |s| &s.out)
    }

    /// A model over the current state, as a handler would see it (a fresh hook context:
    /// reads are not cached across steps). Relation writes through it are sent when it is
    /// passed to [`Harness::flush`].
    pub fn model(&self) -> Model<C> {
        let event = EventData::new(EventKind::UpdateStatus);
        let (name, uuid) = {
            let s = self.sim.borrow();
            (s.state.model.name.clone(), s.state.model.uuid.clone())
        };
        let context = self.settings.juju_context(&event, &name, &uuid);
        Model::new(
            Box::new(SimBackend {
                sim: Rc::clone(&self.sim),
            }),
            context,
        )
    }

    /// Sends the relation writes made through a [`Harness::model`].
    pub fn flush(&self, model: &Model<C>) -> Result<(), crate::ModelError> {
        model.core().flush_relation_writes()
    }

    /// Fires `event` on the live charm (if begun and hooks are enabled).
    pub fn fire(&mut self, event: Event) -> Result<(), RunError> {
        if !self.hooks_enabled {
            return Ok(());
        }
        if self.charm.is_none() {
            return Ok(());
        }
        {
            let mut s = self.sim.borrow_mut();
            s.env.action_params =
                (event.data.kind == EventKind::Action).then(|| event.params.clone());
        }
        let result = self.dispatch(&event);
        self.sim.borrow_mut().env.action_params = None;
        result
    }

    /// Emits the custom event `E` of the library in field `library` (`"db"`), or of the
    /// charm itself with `"self"`, on the live charm: Python's
    /// `harness.charm.on.<event>.emit(...)` (and `harness.charm.db.on.<event>.emit`).
    /// `S` declares the event: `harness.emit::<DatabaseRequires, _>("db", payload)`.
    pub fn emit<S, E: crate::EventOf<S>>(
        &mut self,
        library: &str,
        payload: E,
    ) -> Result<(), RunError> {
        let event = super::context::On::for_app(self.settings.app_name.clone())
            .custom::<S, E>(library, payload);
        self.fire(event)
    }

    /// Dispatches `event` to the live charm: no re-emission, no collect-status.
    fn dispatch(&mut self, event: &Event) -> Result<(), RunError> {
        let Some(charm) = self.charm.as_ref() else {
            return Ok(());
        };
        let value = serde_json::to_value(charm).map_err(|e| RunError::Charm {
            event: event.hook_name(),
            message: format!("cannot save the charm's state: {e}"),
            panicked: false,
        })?;
        if let Some(charm) =
            run_framework::<C>(&self.sim, &self.settings, event, true, Some(value))?
        {
            self.charm = Some(charm);
        }
        Ok(())
    }

    /// Sets leadership; becoming the leader fires leader-elected.
    pub fn set_leader(&mut self, leader: bool) -> Result<(), RunError> {
        let was = std::mem::replace(&mut self.sim.borrow_mut().state.leader, leader);
        if leader && !was {
            self.fire(self.on.leader_elected())?;
        }
        Ok(())
    }

    /// Sets the planned unit count: the charm reads `n` until
    /// [`Harness::reset_planned_units`].
    pub fn set_planned_units(&mut self, n: u32) {
        let mut sim = self.sim.borrow_mut();
        sim.state.planned_units = n;
        sim.tracking.planned_units_follow_peers = false;
    }

    /// Sets the model's name.
    pub fn set_model_name(&mut self, name: impl Into<String>) {
        self.sim.borrow_mut().state.model.name = name.into();
    }

    /// Sets the model's UUID.
    pub fn set_model_uuid(&mut self, uuid: impl Into<String>) {
        self.sim.borrow_mut().state.model.uuid = uuid.into();
    }

    /// Sets the model's name and UUID.
    pub fn set_model_info(&mut self, name: impl Into<String>, uuid: impl Into<String>) {
        self.set_model_name(name);
        self.set_model_uuid(uuid);
    }

    /// Drops a [`Harness::set_planned_units`] override: planned units are this unit plus
    /// its peers again, as Juju counts them, and follow the peer relations as units join
    /// and leave (the harness starts this way, as Python's does).
    pub fn reset_planned_units(&mut self) {
        let mut sim = self.sim.borrow_mut();
        sim.tracking.planned_units_follow_peers = true;
        sim.state.planned_units = sim.peer_planned_units();
    }

    /// Sets what `network-get` answers for `binding` (an endpoint or extra binding).
    pub fn add_network(&mut self, binding: &str, network: NetworkInfo) {
        self.sim
            .borrow_mut()
            .state
            .networks
            .insert(binding.to_string(), network);
    }

    /// Sets the cloud spec `credential-get` answers (the application is then trusted).
    pub fn set_cloud_spec(&mut self, spec: CloudSpec) {
        self.sim.borrow_mut().state.cloud_spec = Some(spec);
    }

    /// How many times the charm called `juju-reboot`.
    pub fn reboot_count(&self) -> usize {
        self.output().reboots.len()
    }

    /// Runs `f` with hooks disabled (as Python's `with harness.hooks_disabled():`), then
    /// restores whether they were enabled.
    pub fn with_hooks_disabled<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let enabled = std::mem::replace(&mut self.hooks_enabled, false);
        let result = f(self);
        self.hooks_enabled = enabled;
        result
    }

    /// Sets config values, unsets `unset` (back to defaults), and fires config-changed.
    pub fn update_config<K: Into<String>, V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = (K, V)>,
        unset: &[&str],
    ) -> Result<(), RunError> {
        {
            let mut s = self.sim.borrow_mut();
            for (k, v) in values {
                s.state.config.insert(k.into(), v.into());
            }
            for k in unset {
                s.state.config.remove(*k);
            }
        }
        self.fire(self.on.config_changed())
    }

    /// Adds a relation on `endpoint` to application `remote_app` (no units yet) and fires
    /// relation-created. Returns its id.
    pub fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> Result<u64, RunError> {
        let is_peer = C::META
            .relation(endpoint)
            .is_some_and(|r| r.role == RelationRole::Peer);
        let is_sub = C::META
            .relation(endpoint)
            .is_some_and(|r| r.scope == crate::meta::RelationScope::Container);
        let rel = if is_peer {
            Relation::peer(endpoint)
        } else if is_sub {
            Relation::subordinate(endpoint).no_remote_units()
        } else {
            Relation::new(endpoint).no_remote_units()
        }
        .remote_app_name(remote_app);
        let id = rel.id;
        self.sim.borrow_mut().state.relations.push(rel.clone());
        self.fire(self.on.relation_created(&rel))?;
        Ok(id)
    }

    /// [`Harness::add_relation`], then, if `app_data` or `unit_data` is given, adds the
    /// remote unit `<remote_app>/0` (relation-joined) and sets the remote application's
    /// and unit's databags (relation-changed for each), as Python's
    /// `add_relation(name, app, app_data=..., unit_data=...)`.
    pub fn add_relation_with_data(
        &mut self,
        endpoint: &str,
        remote_app: &str,
        app_data: Option<Databag>,
        unit_data: Option<Databag>,
    ) -> Result<u64, RunError> {
        let id = self.add_relation(endpoint, remote_app)?;
        if app_data.is_some() || unit_data.is_some() {
            let unit = format!("{remote_app}/0");
            self.add_relation_unit(id, &unit)?;
            if let Some(data) = app_data {
                self.update_relation_data(id, remote_app, data)?;
            }
            if let Some(data) = unit_data {
                self.update_relation_data(id, &unit, data)?;
            }
        }
        Ok(id)
    }

    fn unit_number(unit: &str) -> Option<u32> {
        unit.rsplit_once('/').and_then(|(_, n)| n.parse().ok())
    }

    fn relation(&self, id: u64) -> Result<Relation, RunError> {
        self.state().get_relation(id).cloned().ok_or_else(|| {
            RunError::Inconsistent(vec![format!("relation {id} is not in the harness state")])
        })
    }

    /// Adds remote unit `unit` (`app/N`) to relation `id` and fires relation-joined.
    pub fn add_relation_unit(&mut self, id: u64, unit: &str) -> Result<(), RunError> {
        let n = Self::unit_number(unit).ok_or_else(|| {
            RunError::Inconsistent(vec![format!("{unit:?} is not a unit name (app/N)")])
        })?;
        {
            let mut s = self.sim.borrow_mut();
            if let Some(rel) = s.state.relations.iter_mut().find(|r| r.id == id) {
                rel.remote_units_data.entry(n).or_default();
            }
        }
        let rel = self.relation(id)?;
        self.fire(self.on.relation_joined(&rel).remote_unit(n))
    }

    /// Removes remote unit `unit` from relation `id` and fires relation-departed.
    pub fn remove_relation_unit(&mut self, id: u64, unit: &str) -> Result<(), RunError> {
        let n = Self::unit_number(unit).ok_or_else(|| {
            RunError::Inconsistent(vec![format!("{unit:?} is not a unit name (app/N)")])
        })?;
        let rel = self.relation(id)?;
        {
            let mut s = self.sim.borrow_mut();
            if let Some(rel) = s.state.relations.iter_mut().find(|r| r.id == id) {
                rel.remote_units_data.remove(&n);
            }
        }
        self.fire(
            self.on
                .relation_departed(&rel)
                .remote_unit(n)
                .departing_unit(n),
        )
    }

    /// Updates the databag of `who` (an application or unit name) in relation `id`;
    /// fires relation-changed when `who` is remote.
    pub fn update_relation_data<K: Into<String>, V: Into<String>>(
        &mut self,
        id: u64,
        who: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), RunError> {
        let app_name = self.settings.app_name.clone();
        let unit_name = self.settings.unit_name();
        let remote;
        {
            let mut s = self.sim.borrow_mut();
            let rel = s
                .state
                .relations
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| {
                    RunError::Inconsistent(vec![format!(
                        "relation {id} is not in the harness state"
                    )])
                })?;
            let remote_app = rel.remote_app(&app_name).to_string();
            let (bag, is_remote): (&mut Databag, bool) = if who == unit_name {
                (&mut rel.local_unit_data, false)
            } else if who == app_name {
                (&mut rel.local_app_data, false)
            } else if who == remote_app {
                (&mut rel.remote_app_data, true)
            } else {
                let n = Self::unit_number(who).ok_or_else(|| {
                    RunError::Inconsistent(vec![format!("{who:?} is not in relation {id}")])
                })?;
                (rel.remote_units_data.entry(n).or_default(), true)
            };
            for (k, v) in data {
                let (k, v) = (k.into(), v.into());
                if v.is_empty() {
                    bag.remove(&k);
                } else {
                    bag.insert(k, v);
                }
            }
            remote = is_remote;
        }
        if remote {
            let rel = self.relation(id)?;
            let event = match Self::unit_number(who) {
                Some(n) if who.contains('/') => self.on.relation_changed(&rel).remote_unit(n),
                _ => self.on.relation_changed_app(&rel),
            };
            self.fire(event)?;
        }
        Ok(())
    }

    /// The databag of `who` (application or unit name) in relation `id`.
    pub fn get_relation_data(&self, id: u64, who: &str) -> Option<Databag> {
        let s = self.sim.borrow();
        let rel = s.state.get_relation(id)?;
        if who == self.settings.unit_name() {
            return Some(rel.local_unit_data.clone());
        }
        if who == self.settings.app_name {
            return Some(rel.local_app_data.clone());
        }
        if who == rel.remote_app(&self.settings.app_name) {
            return Some(rel.remote_app_data.clone());
        }
        let n = Self::unit_number(who)?;
        rel.remote_units_data.get(&n).cloned()
    }

    /// Removes relation `id`: relation-departed for each remote unit, then
    /// relation-broken.
    pub fn remove_relation(&mut self, id: u64) -> Result<(), RunError> {
        let rel = self.relation(id)?;
        for unit in rel.remote_units_data.keys().copied().collect::<Vec<_>>() {
            self.remove_relation_unit(
                id,
                &format!("{}/{unit}", rel.remote_app(&self.settings.app_name)),
            )?;
        }
        let rel = self.relation(id)?;
        let result = self.fire(self.on.relation_broken(&rel));
        self.sim.borrow_mut().state.relations.retain(|r| r.id != id);
        result
    }

    fn container_mut<T>(&mut self, name: &str, f: impl FnOnce(&mut Container) -> T) -> T {
        let mut s = self.sim.borrow_mut();
        let containers = &mut s.state.containers;
        let index = match containers.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                containers.push(Container::new(name));
                containers.len() - 1
            }
        };
        f(&mut containers[index])
    }

    /// Sets whether container `name`'s Pebble answers.
    pub fn set_can_connect(&mut self, name: &str, can_connect: bool) {
        self.container_mut(name, |c| c.can_connect = can_connect);
    }

    /// Makes container `name` connectable and fires its pebble-ready.
    pub fn container_pebble_ready(&mut self, name: &str) -> Result<(), RunError> {
        let container = self.container_mut(name, |c| {
            c.can_connect = true;
            c.clone()
        });
        self.fire(self.on.pebble_ready(&container))
    }

    /// Container `name`'s plan (its layers merged).
    pub fn get_container_pebble_plan(
        &self,
        name: &str,
    ) -> Result<ops_pebble::Plan, ops_pebble::Error> {
        match self.state().get_container(name) {
            Some(c) => c.plan(),
            None => Ok(ops_pebble::Plan::default()),
        }
    }

    /// Answers commands starting with `exec.prefix` in container `name` with `exec`
    /// (Python's `handle_exec(container, prefix, result=...)`); replaces what was
    /// registered for the same prefix.
    pub fn handle_exec(&mut self, name: &str, exec: Exec) {
        if let Some(handlers) = self.sim.borrow_mut().exec_handlers.get_mut(name) {
            handlers.retain(|(prefix, _)| *prefix != exec.prefix);
        }
        self.container_mut(name, |c| {
            c.execs.retain(|e| e.prefix != exec.prefix);
            c.execs.push(exec);
        });
    }

    /// Answers commands starting with `prefix` in container `name` by calling `handler`
    /// with the command's [`ExecArgs`] (command, environment, working directory, user,
    /// group, stdin, timeout...); it returns an [`ExecResult`] or anything that converts
    /// into one (an exit code, stdout text or bytes, `()`). Python's
    /// `handle_exec(container, prefix, handler=...)`.
    ///
    /// The longest matching prefix wins (an empty prefix matches every command);
    /// registering the same prefix again replaces the handler or canned [`Exec`]. A handler
    /// returning [`ExecResult::timeout`] makes the command time out; one returning stderr
    /// for a command that combines stderr into stdout makes the exec fail.
    ///
    /// ```ignore
    /// harness.handle_exec_with("workload", ["sha1sum"], |args: &ExecArgs| {
    ///     ExecResult::new().stdout(format!("{} -\n", sha1(&args.stdin)))
    /// });
    /// ```
    pub fn handle_exec_with<S, F, R>(
        &mut self,
        name: &str,
        prefix: impl IntoIterator<Item = S>,
        handler: F,
    ) where
        S: Into<String>,
        F: Fn(&ExecArgs) -> R + 'static,
        R: Into<ExecResult>,
    {
        let prefix: Vec<String> = prefix.into_iter().map(Into::into).collect();
        self.container_mut(name, |c| c.execs.retain(|e| e.prefix != prefix));
        let mut sim = self.sim.borrow_mut();
        let handlers = sim.exec_handlers.entry(name.to_string()).or_default();
        handlers.retain(|(p, _)| *p != prefix);
        handlers.push((prefix, Rc::new(move |args: &ExecArgs| handler(args).into())));
    }

    /// Records a custom Pebble notice `key` (with `data`) in container `name` and fires
    /// its pebble-custom-notice; a notice with the same key occurs again. Returns the
    /// notice's id.
    pub fn pebble_notify<K: Into<String>, V: Into<String>>(
        &mut self,
        name: &str,
        key: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<String, RunError> {
        let data: BTreeMap<String, String> = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let (container, notice) = self.container_mut(name, |c| {
            let notice = match c
                .notices
                .iter_mut()
                .find(|n| n.key == key && n.kind == ops_pebble::NoticeType::Custom)
            {
                Some(notice) => {
                    notice.occurrences += 1;
                    notice.last_data = data;
                    notice.clone()
                }
                None => {
                    let notice = Notice::new(key).data(data);
                    c.notices.push(notice.clone());
                    notice
                }
            };
            (c.clone(), notice)
        });
        self.fire(self.on.pebble_custom_notice(&container, &notice))?;
        Ok(notice.id)
    }

    /// Adds `count` instances of storage `name`; with `attach` (and after begin), fires
    /// storage-attached for each. Returns their ids (`data/0`).
    pub fn add_storage(
        &mut self,
        name: &str,
        count: u32,
        attach: bool,
    ) -> Result<Vec<String>, RunError> {
        let mut added = Vec::new();
        for _ in 0..count {
            let index = {
                let s = self.sim.borrow();
                s.state
                    .storages
                    .iter()
                    .filter(|st| st.name == name)
                    .map(|st| st.index + 1)
                    .max()
                    .unwrap_or(0)
            };
            let storage = Storage::new(name).index(index);
            self.sim.borrow_mut().state.storages.push(storage.clone());
            added.push(storage);
        }
        if attach {
            for storage in &added {
                self.fire(self.on.storage_attached(storage))?;
            }
        }
        Ok(added.iter().map(Storage::full_id).collect())
    }

    /// Fires storage-detaching for storage `id` (`data/0`) and removes it.
    pub fn detach_storage(&mut self, id: &str) -> Result<(), RunError> {
        let storage = self
            .state()
            .storages
            .iter()
            .find(|s| s.full_id() == id)
            .cloned()
            .ok_or_else(|| RunError::Inconsistent(vec![format!("storage {id} is not attached")]))?;
        let result = self.fire(self.on.storage_detaching(&storage));
        self.sim
            .borrow_mut()
            .state
            .storages
            .retain(|s| s.full_id() != id);
        self.detached_storages.push(storage);
        result
    }

    /// Attaches storage `id` again after [`Harness::detach_storage`] (or one added without
    /// `attach`) and fires storage-attached.
    pub fn attach_storage(&mut self, id: &str) -> Result<(), RunError> {
        let storage = match self
            .detached_storages
            .iter()
            .position(|s| s.full_id() == id)
        {
            Some(i) => {
                let storage = self.detached_storages.remove(i);
                self.sim.borrow_mut().state.storages.push(storage.clone());
                storage
            }
            None => self
                .state()
                .storages
                .iter()
                .find(|s| s.full_id() == id)
                .cloned()
                .ok_or_else(|| {
                    RunError::Inconsistent(vec![format!("storage {id} was never added")])
                })?,
        };
        self.fire(self.on.storage_attached(&storage))
    }

    /// Removes storage `id`: fires storage-detaching first if it is attached.
    pub fn remove_storage(&mut self, id: &str) -> Result<(), RunError> {
        let attached = self.state().storages.iter().any(|s| s.full_id() == id);
        if attached {
            self.detach_storage(id)?;
        }
        let before = self.detached_storages.len();
        self.detached_storages.retain(|s| s.full_id() != id);
        if before == self.detached_storages.len() {
            return Err(RunError::Inconsistent(vec![format!(
                "storage {id} was never added"
            )]));
        }
        Ok(())
    }

    /// Adds resource `name` with `content`: written to a file (removed when the harness
    /// is dropped) whose path `resource-get` answers.
    pub fn add_resource(&mut self, name: &str, content: impl AsRef<[u8]>) -> std::io::Result<()> {
        let dir = match &self.resource_dir {
            Some(dir) => dir.clone(),
            None => {
                use std::sync::atomic::{AtomicU64, Ordering};
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let dir = std::env::temp_dir().join(format!(
                    "ops-harness-resources-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&dir)?;
                self.resource_dir = Some(dir.clone());
                dir
            }
        };
        let file_name: String = name
            .chars()
            .map(|c| if c == '/' || c == '\\' { '_' } else { c })
            .collect();
        let path = dir.join(file_name);
        std::fs::write(&path, content)?;
        self.sim
            .borrow_mut()
            .state
            .resources
            .insert(name.to_string(), path);
        Ok(())
    }

    /// Adds the `oci-image` resource `name` as Juju hands it to the charm: a YAML file of
    /// `registrypath`, `username` and `password` (Python's `add_oci_resource`; each
    /// defaults to its own name, as there). An error if the metadata declares no such
    /// `oci-image` resource.
    pub fn add_oci_resource(
        &mut self,
        name: &str,
        contents: Option<&BTreeMap<String, String>>,
    ) -> std::io::Result<()> {
        let declared = C::META
            .resources
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| invalid_input(format!("resource {name:?} is not in the metadata")))?;
        if declared.kind != crate::meta::ResourceType::OciImage {
            return Err(invalid_input(format!(
                "resource {name:?} is of type {:?}, not oci-image",
                declared.kind
            )));
        }
        let defaults: BTreeMap<String, String> = ["registrypath", "username", "password"]
            .into_iter()
            .map(|k| (k.to_string(), k.to_string()))
            .collect();
        let yaml = yaml_serde::to_string(contents.unwrap_or(&defaults))
            .map_err(|e| invalid_input(e.to_string()))?;
        self.add_resource(name, yaml)
    }

    /// Adds every `oci-image` resource of the metadata with the default contents (Python's
    /// `populate_oci_resources`).
    pub fn populate_oci_resources(&mut self) -> std::io::Result<()> {
        for resource in C::META
            .resources
            .iter()
            .filter(|r| r.kind == crate::meta::ResourceType::OciImage)
        {
            self.add_oci_resource(resource.name, None)?;
        }
        Ok(())
    }

    /// Adds a secret owned by `owner` (this application's name: owned by this app;
    /// another name: this unit observes it). Returns its id.
    pub fn add_model_secret<K: Into<String>, V: Into<String>>(
        &mut self,
        owner: &str,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> String {
        let mut secret = Secret::new(content);
        if owner == self.settings.app_name {
            secret.owner = Some(SecretOwner::Application);
        } else if owner == self.settings.unit_name() {
            secret.owner = Some(SecretOwner::Unit);
        } else {
            self.secret_owners
                .insert(secret.id.clone(), ObservedOwner::Remote(owner.to_string()));
        }
        let id = secret.id.clone();
        self.sim.borrow_mut().state.secrets.push(secret);
        id
    }

    /// Adds a user secret (observed by this unit). Returns its id.
    pub fn add_user_secret<K: Into<String>, V: Into<String>>(
        &mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> String {
        let id = self.add_model_secret("", content);
        self.secret_owners.insert(id.clone(), ObservedOwner::User);
        id
    }

    /// The id of the relation between this application and `app` (for a peer relation,
    /// this application itself), as Python's Harness finds it for secret grants.
    fn relation_to_app(&self, app: &str, id: &str) -> Result<u64, RunError> {
        let app_name = &self.settings.app_name;
        self.state()
            .relations
            .iter()
            .find(|r| r.remote_app(app_name) == app)
            .map(|r| r.id)
            .ok_or_else(|| {
                RunError::Inconsistent(vec![format!(
                    "secret {id}: no relation between this charm ({app_name}) and {app}"
                )])
            })
    }

    /// Where a grant of secret `id` to `observer` goes: `None` for a user secret (Juju's
    /// `juju grant-secret`, not tied to a relation), else the relation id.
    fn grant_relation(&self, id: &str, observer: &str) -> Result<Option<u64>, RunError> {
        let secret = self.secret(id)?;
        let observer_app = observer.split('/').next().unwrap_or(observer);
        if secret.owner.is_some() {
            return self.relation_to_app(observer_app, id).map(Some);
        }
        let owner = self
            .secret_owners
            .iter()
            .find(|(known, _)| super::state::same_secret_id(known, id))
            .map(|(_, owner)| owner.clone());
        match owner {
            Some(ObservedOwner::User) => Ok(None),
            Some(ObservedOwner::Remote(owner)) => {
                let owner_app = owner.split('/').next().unwrap_or(&owner).to_string();
                self.relation_to_app(&owner_app, id).map(Some)
            }
            None => Err(RunError::Inconsistent(vec![format!(
                "secret {id}: the harness does not know who owns it (add it with \
                 add_model_secret or add_user_secret)"
            )])),
        }
    }

    /// Grants `observer` (an application, or a unit `app/N`) access to secret `id`, as
    /// Python's `Harness.grant_secret`. Granting again changes nothing; no event fires.
    ///
    /// - A secret another application owns ([`Harness::add_model_secret`]): the grant is
    ///   on the relation between this application and the owner's, which must exist
    ///   (usually `observer` is this application).
    /// - A user secret ([`Harness::add_user_secret`]): `juju grant-secret`. The in-memory
    ///   Juju does not check who reads a secret, so nothing else changes.
    /// - A secret this unit or application owns: the grant is on the relation to
    ///   `observer`'s application, as if the charm had granted it. (Python's Harness
    ///   refuses these, leaving grants to the charm.)
    ///
    /// [`Harness::get_secret_grants`] shows the relation grants.
    pub fn grant_secret(&mut self, id: &str, observer: &str) -> Result<(), RunError> {
        let Some(relation_id) = self.grant_relation(id, observer)? else {
            return Ok(());
        };
        self.edit_grants(id, |grants| {
            grants
                .entry(relation_id)
                .or_default()
                .insert(observer.to_string());
        });
        Ok(())
    }

    /// Revokes a grant made with [`Harness::grant_secret`] (or by the charm): the same
    /// relation rules. Revoking what was not granted changes nothing.
    pub fn revoke_secret(&mut self, id: &str, observer: &str) -> Result<(), RunError> {
        let Some(relation_id) = self.grant_relation(id, observer)? else {
            return Ok(());
        };
        self.edit_grants(id, |grants| {
            if let Some(grantees) = grants.get_mut(&relation_id) {
                grantees.remove(observer);
                if grantees.is_empty() {
                    grants.remove(&relation_id);
                }
            }
        });
        Ok(())
    }

    /// Changes the relation grants of secret `id`, if the state has it.
    fn edit_grants(&self, id: &str, edit: impl FnOnce(&mut BTreeMap<u64, BTreeSet<String>>)) {
        let mut sim = self.sim.borrow_mut();
        if let Some(secret) = sim
            .state
            .secrets
            .iter_mut()
            .find(|s| super::state::same_secret_id(&s.id, id))
        {
            edit(&mut secret.remote_grants);
        }
    }

    /// The revisions of secret `id`, oldest first, as Python's
    /// `Harness.get_secret_revisions`: each [`Harness::set_secret_content`] and each
    /// content change by the charm adds one; a revision the charm removed is gone. (A
    /// secret put in the state by hand starts with its tracked and latest revisions.)
    pub fn get_secret_revisions(&self, id: &str) -> Result<Vec<u64>, RunError> {
        let sim = self.sim.borrow();
        let index = sim
            .state
            .secrets
            .iter()
            .position(|s| super::state::same_secret_id(&s.id, id))
            .ok_or_else(|| {
                RunError::Inconsistent(vec![format!("secret {id} is not in the harness state")])
            })?;
        Ok(sim.secret_revisions(index))
    }

    fn secret(&self, id: &str) -> Result<Secret, RunError> {
        self.state()
            .get_secret(Some(id), None)
            .cloned()
            .ok_or_else(|| {
                RunError::Inconsistent(vec![format!("secret {id} is not in the harness state")])
            })
    }

    /// Sets a new revision of secret `id`; an observer gets secret-changed.
    pub fn set_secret_content<K: Into<String>, V: Into<String>>(
        &mut self,
        id: &str,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), RunError> {
        let content: BTreeMap<String, String> = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let secret = {
            let mut s = self.sim.borrow_mut();
            let index = s
                .state
                .secrets
                .iter()
                .position(|s| super::state::same_secret_id(&s.id, id))
                .ok_or_else(|| {
                    RunError::Inconsistent(vec![format!("secret {id} is not in the harness state")])
                })?;
            s.add_secret_revision(index, content);
            s.state.secrets[index].clone()
        };
        if secret.owner.is_none() {
            self.fire(self.on.secret_changed(&secret))?;
        }
        Ok(())
    }

    /// The grants of secret `id` over relation `relation_id`.
    pub fn get_secret_grants(&self, id: &str, relation_id: u64) -> Vec<String> {
        self.state()
            .get_secret(Some(id), None)
            .and_then(|s| s.remote_grants.get(&relation_id))
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Secret `id`, for an event about it labelled `label` (the secret's own label if
    /// `None`); refused for a user secret when `refuse_user` names the event.
    fn secret_for_event(
        &self,
        id: &str,
        label: Option<&str>,
        refuse_user: Option<&str>,
    ) -> Result<Secret, RunError> {
        let mut secret = self.secret(id)?;
        if let Some(event) = refuse_user {
            let is_user = self.secret_owners.iter().any(|(known, owner)| {
                *owner == ObservedOwner::User && super::state::same_secret_id(known, id)
            });
            if is_user {
                return Err(RunError::Inconsistent(vec![format!(
                    "secret {id} is a user secret: Juju sends no {event} for it"
                )]));
            }
        }
        if let Some(label) = label {
            secret.label = Some(label.to_string());
        }
        Ok(secret)
    }

    /// Fires secret-rotate for an owned secret (not for a user secret, as Python's).
    pub fn trigger_secret_rotation(&mut self, id: &str) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, None, Some("secret-rotate"))?;
        self.fire(self.on.secret_rotate(&secret))
    }

    /// [`Harness::trigger_secret_rotation`] with the event carrying `label` instead of
    /// the secret's label (Python's `trigger_secret_rotation(id, label=...)`).
    pub fn trigger_secret_rotation_with_label(
        &mut self,
        id: &str,
        label: &str,
    ) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, Some(label), Some("secret-rotate"))?;
        self.fire(self.on.secret_rotate(&secret))
    }

    /// Fires secret-remove of `revision` for an owned secret.
    pub fn trigger_secret_removal(&mut self, id: &str, revision: u64) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, None, None)?;
        self.fire(self.on.secret_remove(&secret, revision))
    }

    /// [`Harness::trigger_secret_removal`] with the event carrying `label`.
    pub fn trigger_secret_removal_with_label(
        &mut self,
        id: &str,
        revision: u64,
        label: &str,
    ) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, Some(label), None)?;
        self.fire(self.on.secret_remove(&secret, revision))
    }

    /// Fires secret-expired of `revision` for an owned secret (not for a user secret, as
    /// Python's).
    pub fn trigger_secret_expiration(&mut self, id: &str, revision: u64) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, None, Some("secret-expired"))?;
        self.fire(self.on.secret_expired(&secret, revision))
    }

    /// [`Harness::trigger_secret_expiration`] with the event carrying `label`.
    pub fn trigger_secret_expiration_with_label(
        &mut self,
        id: &str,
        revision: u64,
        label: &str,
    ) -> Result<(), RunError> {
        let secret = self.secret_for_event(id, Some(label), Some("secret-expired"))?;
        self.fire(self.on.secret_expired(&secret, revision))
    }

    /// Runs action `name` with `params` (`()` for none, `[("show-password", true)]`, or a
    /// JSON map): its logs and results, or [`RunError::ActionFailed`].
    pub fn run_action(
        &mut self,
        name: &str,
        params: impl IntoActionParams,
    ) -> Result<ActionOutput, RunError> {
        let params = params.into_action_params();
        let Some(action) = C::META.action(name) else {
            return Err(RunError::Inconsistent(vec![format!(
                "action {name:?} is not declared in actions"
            )]));
        };
        // Juju refuses to run an action whose params break its schema (unknown params
        // when additionalProperties is false, missing required ones, wrong values).
        let mut problems = Vec::new();
        super::consistency::check_action_params(action, &params, "", &mut problems);
        if !problems.is_empty() {
            return Err(RunError::Inconsistent(problems));
        }
        if self.charm.is_none() {
            return Err(RunError::Inconsistent(vec![
                "run_action needs Harness::begin first".into(),
            ]));
        }
        {
            let mut s = self.sim.borrow_mut();
            s.out.action_logs.clear();
            s.out.action_results = None;
            s.out.action_failure = None;
        }
        let enabled = std::mem::replace(&mut self.hooks_enabled, true);
        let result = self.fire(self.on.action(name).params(params));
        self.hooks_enabled = enabled;
        result?;
        let s = self.sim.borrow();
        let results = s.out.action_results.clone().unwrap_or_default();
        let logs = s.out.action_logs.clone();
        if let Some(message) = s.out.action_failure.clone() {
            return Err(RunError::ActionFailed {
                message,
                results,
                logs,
                state: Box::new(s.state.clone()),
            });
        }
        Ok(ActionOutput { logs, results })
    }

    /// Re-emits the deferred events now, as Python's `harness.framework.reemit()` does:
    /// each to the handler that deferred it, oldest first, keeping those it defers again.
    /// No new event fires and collect-status does not run. The handlers see an
    /// `update-status` hook context; the emitted events are recorded in
    /// [`Harness::output`] as for any step. Runs even while hooks are disabled (it fires
    /// no Juju event); needs [`Harness::begin`] first.
    pub fn reemit(&mut self) -> Result<(), RunError> {
        let Some(charm) = self.charm.as_ref() else {
            return Err(RunError::Inconsistent(vec![
                "reemit needs Harness::begin first".into(),
            ]));
        };
        let value = serde_json::to_value(charm).map_err(|e| RunError::Charm {
            event: "reemit".into(),
            message: format!("cannot save the charm's state: {e}"),
            panicked: false,
        })?;
        if let Some(charm) = reemit_framework::<C>(&self.sim, &self.settings, Some(value))? {
            self.charm = Some(charm);
        }
        Ok(())
    }

    /// Runs the collect-status handlers (application ones on the leader) and sets the
    /// winning statuses.
    pub fn evaluate_status(&mut self) -> Result<(), RunError> {
        if self.charm.is_none() {
            return Err(RunError::Inconsistent(vec![
                "evaluate_status needs Harness::begin first".into(),
            ]));
        }
        let leader = self.sim.borrow().state.leader;
        if leader {
            let event = self.on.collect_app_status();
            self.dispatch(&event)?;
        }
        let event = self.on.collect_unit_status();
        self.dispatch(&event)
    }

    /// The workload version set so far.
    pub fn get_workload_version(&self) -> String {
        self.state().workload_version.clone()
    }
}

impl<C: Charm> Drop for Harness<C> {
    fn drop(&mut self) {
        if let Some(dir) = &self.resource_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn invalid_input(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}
