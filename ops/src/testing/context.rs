//! [`Context`]: runs one event on a charm against a [`State`], through the same dispatch,
//! framework and model code as production, and records what happened.

use super::seam::{self, CharmSetup};
use super::sim::{Env, JujuLogLine, Output, Sim, SimBackend, SimRef, Tracking};
use super::state::{CheckInfo, Container, DeferredEvent, Notice, Relation, Secret, State, Storage};
use crate::backend::LogLevel;
use crate::charm::Charm;
use crate::context::JujuContext;
use crate::event::{EventData, EventKind, NoticeRef, SecretRef};
use crate::framework::{self, DispatchError, RunOptions, UnitState};
use crate::model::{JujuVersion, Model};
use crate::status::Status;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ACTION_ID: AtomicU64 = AtomicU64::new(1);

/// One event to run: what Juju would dispatch, plus an action's params.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event, as the runtime sees it.
    pub data: EventData,
    /// The action's params (`action-get`), for actions.
    pub params: Map<String, Value>,
}

impl Event {
    /// An event from its data (no params).
    pub fn from_data(data: EventData) -> Self {
        Event::new(data)
    }

    fn new(data: EventData) -> Self {
        Event {
            data,
            params: Map::new(),
        }
    }

    /// Sets the remote unit (`remote/N`) of a relation event.
    pub fn remote_unit(mut self, unit: u32) -> Self {
        let app = self.data.remote_app.clone().unwrap_or_default();
        self.data.remote_unit = Some(format!("{app}/{unit}"));
        self
    }

    /// Sets the unit leaving, for relation-departed (`remote/N`).
    pub fn departing_unit(mut self, unit: u32) -> Self {
        let app = self.data.remote_app.clone().unwrap_or_default();
        self.data.departing_unit = Some(format!("{app}/{unit}"));
        self
    }

    /// Sets the unit leaving, for relation-departed, by full name (`app/N`; may be this
    /// unit).
    pub fn departing_unit_name(mut self, unit: impl Into<String>) -> Self {
        self.data.departing_unit = Some(unit.into());
        self
    }

    /// Sets an action param.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.insert(key.into(), value.into());
        self
    }

    /// Sets every action param.
    pub fn params(mut self, params: Map<String, Value>) -> Self {
        self.params = params;
        self
    }

    /// Sets the action's id.
    pub fn action_id(mut self, id: impl Into<String>) -> Self {
        self.data.action_id = Some(id.into());
        self
    }

    /// This event as deferred by `handler` (the handler method's name, `on_config_changed`)
    /// in an earlier hook (for [`State::deferred`]).
    pub fn deferred(&self, handler: impl Into<String>) -> DeferredEvent {
        DeferredEvent {
            event: self.data.clone(),
            handler: handler.into(),
        }
    }

    /// The hook name Juju dispatches (`install`, `db-relation-changed`), or the action's
    /// name for actions.
    pub fn hook_name(&self) -> String {
        hook_name(&self.data)
    }
}

/// The event factories: `ctx.on.config_changed()`, `ctx.on.relation_changed(&rel)`, ...
#[derive(Debug, Clone)]
pub struct On {
    app_name: String,
}

macro_rules! simple {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Event {
            Event::new(EventData::new(EventKind::$kind))
        }
    )*};
}

impl On {
    /// The factories for application `app_name` (peer relation events name it as the
    /// remote application).
    pub fn for_app(app_name: impl Into<String>) -> Self {
        On {
            app_name: app_name.into(),
        }
    }

    simple! {
        /// `install`.
        install => Install;
        /// `start`.
        start => Start;
        /// `stop`.
        stop => Stop;
        /// `remove`.
        remove => Remove;
        /// `update-status`.
        update_status => UpdateStatus;
        /// `config-changed`.
        config_changed => ConfigChanged;
        /// `upgrade-charm`.
        upgrade_charm => UpgradeCharm;
        /// `leader-elected`.
        leader_elected => LeaderElected;
        /// `leader-settings-changed`.
        leader_settings_changed => LeaderSettingsChanged;
        /// `pre-series-upgrade`.
        pre_series_upgrade => PreSeriesUpgrade;
        /// `post-series-upgrade`.
        post_series_upgrade => PostSeriesUpgrade;
        /// `collect-metrics`.
        collect_metrics => CollectMetrics;
        /// Only the unit's collect-status (every hook runs it anyway).
        collect_unit_status => CollectUnitStatus;
        /// Only the application's collect-status (every hook on the leader runs it anyway).
        collect_app_status => CollectAppStatus;
    }

    fn relation_event(&self, kind: EventKind, relation: &Relation, unit: bool) -> Event {
        let mut data = EventData::named(kind, relation.endpoint.clone());
        data.relation_id = Some(relation.id);
        data.remote_app = Some(relation.remote_app(&self.app_name).to_string());
        if unit {
            // Scenario's default: the first remote unit.
            if let Some(n) = relation.remote_units_data.keys().next() {
                data.remote_unit = Some(format!("{}/{n}", relation.remote_app(&self.app_name)));
            }
        }
        Event::new(data)
    }

    /// `<endpoint>-relation-created`.
    pub fn relation_created(&self, relation: &Relation) -> Event {
        self.relation_event(EventKind::RelationCreated, relation, false)
    }
    /// `<endpoint>-relation-joined`, from the first remote unit (`.remote_unit(n)` to choose).
    pub fn relation_joined(&self, relation: &Relation) -> Event {
        self.relation_event(EventKind::RelationJoined, relation, true)
    }
    /// `<endpoint>-relation-changed`, from the first remote unit (`.remote_unit(n)` to
    /// choose).
    pub fn relation_changed(&self, relation: &Relation) -> Event {
        self.relation_event(EventKind::RelationChanged, relation, true)
    }
    /// `<endpoint>-relation-changed` for the remote application's databag (no unit).
    pub fn relation_changed_app(&self, relation: &Relation) -> Event {
        self.relation_event(EventKind::RelationChanged, relation, false)
    }
    /// `<endpoint>-relation-departed`: the first remote unit departs (`.remote_unit(n)`
    /// and `.departing_unit(n)` to choose).
    pub fn relation_departed(&self, relation: &Relation) -> Event {
        let mut event = self.relation_event(EventKind::RelationDeparted, relation, true);
        event.data.departing_unit = event.data.remote_unit.clone();
        event
    }
    /// `<endpoint>-relation-broken`.
    pub fn relation_broken(&self, relation: &Relation) -> Event {
        self.relation_event(EventKind::RelationBroken, relation, false)
    }

    fn storage_event(kind: EventKind, storage: &Storage) -> Event {
        let mut data = EventData::named(kind, storage.name.clone());
        data.storage_index = Some(storage.index);
        Event::new(data)
    }
    /// `<storage>-storage-attached`.
    pub fn storage_attached(&self, storage: &Storage) -> Event {
        Self::storage_event(EventKind::StorageAttached, storage)
    }
    /// `<storage>-storage-detaching`.
    pub fn storage_detaching(&self, storage: &Storage) -> Event {
        Self::storage_event(EventKind::StorageDetaching, storage)
    }

    /// `<container>-pebble-ready`.
    pub fn pebble_ready(&self, container: &Container) -> Event {
        Event::new(EventData::named(
            EventKind::PebbleReady,
            container.name.clone(),
        ))
    }
    /// `<container>-pebble-custom-notice`.
    pub fn pebble_custom_notice(&self, container: &Container, notice: &Notice) -> Event {
        let mut data = EventData::named(EventKind::PebbleCustomNotice, container.name.clone());
        data.notice = Some(NoticeRef {
            id: notice.id.clone(),
            kind: notice.kind.as_str().to_string(),
            key: notice.key.clone(),
        });
        Event::new(data)
    }
    /// `<container>-pebble-check-failed`.
    pub fn pebble_check_failed(&self, container: &Container, check: &CheckInfo) -> Event {
        let mut data = EventData::named(EventKind::PebbleCheckFailed, container.name.clone());
        data.check_name = Some(check.name.clone());
        Event::new(data)
    }
    /// `<container>-pebble-check-recovered`.
    pub fn pebble_check_recovered(&self, container: &Container, check: &CheckInfo) -> Event {
        let mut data = EventData::named(EventKind::PebbleCheckRecovered, container.name.clone());
        data.check_name = Some(check.name.clone());
        Event::new(data)
    }

    fn secret_event(kind: EventKind, secret: &Secret, revision: Option<u64>) -> Event {
        let mut data = EventData::new(kind);
        data.secret = Some(SecretRef {
            id: secret.id.clone(),
            label: secret.label.clone(),
            revision,
        });
        Event::new(data)
    }
    /// `secret-changed` (for a secret this unit observes).
    pub fn secret_changed(&self, secret: &Secret) -> Event {
        Self::secret_event(EventKind::SecretChanged, secret, None)
    }
    /// `secret-rotate` (for a secret this unit owns).
    pub fn secret_rotate(&self, secret: &Secret) -> Event {
        Self::secret_event(EventKind::SecretRotate, secret, None)
    }
    /// `secret-expired` of `revision` (for a secret this unit owns).
    pub fn secret_expired(&self, secret: &Secret, revision: u64) -> Event {
        Self::secret_event(EventKind::SecretExpired, secret, Some(revision))
    }
    /// `secret-remove` of `revision` (for a secret this unit owns).
    pub fn secret_remove(&self, secret: &Secret, revision: u64) -> Event {
        Self::secret_event(EventKind::SecretRemove, secret, Some(revision))
    }

    /// The custom event `E` of the library in field `library` of the charm (`"db"`, or
    /// `"analytics.db"` for one inside a library), or of the charm itself with `"self"`,
    /// with its payload: Scenario's `ctx.on.custom(...)`. `S` is the library (or charm)
    /// type that declares the event: `ctx.on.custom::<DatabaseRequires, _>("db", payload)`.
    /// Its observers run as they would when the library emits it.
    pub fn custom<S, E: crate::EventOf<S>>(&self, library: &str, payload: E) -> Event {
        // A payload that cannot be serialised reaches the handler as `null`, which its
        // type refuses with an error naming the event.
        let payload = serde_json::to_value(&payload).unwrap_or(Value::Null);
        Event::new(EventData {
            name: (library != "self").then(|| library.to_string()),
            custom: Some(E::NAME.to_string()),
            payload: Some(payload),
            ..EventData::new(EventKind::Custom)
        })
    }

    /// The action `name` (add params with `.param(k, v)`).
    pub fn action(&self, name: impl Into<String>) -> Event {
        let mut data = EventData::named(EventKind::Action, name);
        data.action_id = Some(NEXT_ACTION_ID.fetch_add(1, Ordering::Relaxed).to_string());
        Event::new(data)
    }
}

/// The hook Juju runs for `data` (`db-relation-changed`), or the action's name (for a
/// custom event, which no hook names, its label: `db.database_created`).
pub(crate) fn hook_name(data: &EventData) -> String {
    if data.kind == EventKind::Custom {
        return crate::framework::event_label(data);
    }
    match (data.kind, &data.name) {
        (EventKind::Action, Some(name)) => name.clone(),
        (_, Some(name)) => format!("{name}-{}", data.kind.hook_name()),
        (kind, None) => kind.hook_name().to_string(),
    }
}

/// The failure of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The state, event or context contradicts the metadata or Juju's rules; each entry
    /// names the field.
    #[error("inconsistent test scenario:\n  - {}", .0.join("\n  - "))]
    Inconsistent(Vec<String>),
    /// A handler returned an error or panicked; the hook would exit non-zero and Juju
    /// would retry it. Nothing was committed.
    #[error("the charm failed handling {event}: {message}")]
    Charm {
        /// The hook (`config-changed`) or action name.
        event: String,
        /// The handler's error message (or the panic's).
        message: String,
        /// Whether it was a panic.
        panicked: bool,
    },
    /// The action called `fail()`.
    #[error("action failed: {message}")]
    ActionFailed {
        /// The failure message.
        message: String,
        /// The results set before failing.
        results: BTreeMap<String, String>,
        /// The action's log messages.
        logs: Vec<String>,
        /// The state after the action.
        state: Box<State>,
    },
}

/// Runs a charm `C` against [`State`]s: the unit-test entry point.
///
/// ```ignore
/// let mut ctx = Context::<MyCharm>::new();
/// let out = ctx.run(ctx.on.config_changed(), &State::new().config("port", 8080))?;
/// assert_eq!(out.unit_status, Status::active(""));
/// ```
pub struct Context<C: Charm> {
    /// The event factories.
    pub on: On,
    app_name: String,
    unit_id: u32,
    juju_version: JujuVersion,
    juju_version_text: String,
    charm_root: PathBuf,
    machine_id: Option<String>,
    availability_zone: Option<String>,
    principal_unit: Option<String>,
    skip_consistency_checks: bool,
    setup: CharmSetup,
    capture_deferred_events: bool,
    capture_framework_events: bool,
    app_trusted: Option<bool>,
    config_defaults: Rc<Map<String, Value>>,
    output: Output,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> Default for Context<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// The metadata's config defaults, parsed once.
pub(crate) fn config_defaults(meta: &crate::meta::CharmMeta) -> Map<String, Value> {
    meta.config
        .iter()
        .filter_map(|o| {
            let text = o.default?;
            let value = serde_json::from_str(text).ok()?;
            Some((o.name.to_string(), value))
        })
        .collect()
}

impl<C: Charm> Context<C> {
    /// A context for `C` with the metadata `#[charm]` embedded: application named as the
    /// charm, unit 0, Juju 3.6.14.
    pub fn new() -> Self {
        let app_name = C::META.name.to_string();
        Context {
            on: On {
                app_name: app_name.clone(),
            },
            app_name,
            unit_id: 0,
            juju_version: JujuVersion::new(3, 6, 14),
            juju_version_text: "3.6.14".into(),
            charm_root: PathBuf::from("/var/lib/juju/agents/unit-0/charm"),
            machine_id: None,
            availability_zone: None,
            principal_unit: None,
            skip_consistency_checks: false,
            setup: CharmSetup::default(),
            capture_deferred_events: true,
            capture_framework_events: true,
            app_trusted: None,
            config_defaults: Rc::new(config_defaults(C::META)),
            output: Output::default(),
            _charm: PhantomData,
        }
    }

    /// Sets the application's name.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = name.into();
        self.on.app_name = self.app_name.clone();
        self
    }
    /// Sets the unit's number.
    pub fn unit_id(mut self, id: u32) -> Self {
        self.unit_id = id;
        self
    }
    /// Sets the Juju version (`3.6.14` by default). An unparseable version is reported by
    /// the next run.
    pub fn juju_version(mut self, version: impl Into<String>) -> Self {
        self.juju_version_text = version.into();
        self.juju_version = self.juju_version_text.parse().unwrap_or_default();
        self
    }
    /// Sets the charm's directory (`JUJU_CHARM_DIR`).
    pub fn charm_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.charm_root = root.into();
        self
    }
    /// Sets `JUJU_MACHINE_ID`.
    pub fn machine_id(mut self, id: impl Into<String>) -> Self {
        self.machine_id = Some(id.into());
        self
    }
    /// Sets `JUJU_AVAILABILITY_ZONE`.
    pub fn availability_zone(mut self, zone: impl Into<String>) -> Self {
        self.availability_zone = Some(zone.into());
        self
    }
    /// Sets `JUJU_PRINCIPAL_UNIT` (for subordinates).
    pub fn principal_unit(mut self, unit: impl Into<String>) -> Self {
        self.principal_unit = Some(unit.into());
        self
    }
    /// Skips the consistency checks (as `SCENARIO_SKIP_CONSISTENCY_CHECKS`).
    pub fn skip_consistency_checks(mut self) -> Self {
        self.skip_consistency_checks = true;
        self
    }

    /// Runs `setup` on the charm of every run, once it is restored from the state (or
    /// `Default`ed) and before any handler: the way to give a charm test doubles.
    ///
    /// Keep what the charm calls out to in a field that is not persisted
    /// (`#[serde(skip)]`), whose `Default` is the real thing, and put a double there:
    ///
    /// ```ignore
    /// #[charm(metadata = "charmcraft.yaml")]
    /// #[derive(Default, Serialize, Deserialize)]
    /// pub struct Demo {
    ///     #[serde(skip)]
    ///     workload: Workload, // Default: asks the server over HTTP; tests: a fixed answer
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new().charm_setup(|c| c.workload = Workload::fixed("1.0"));
    /// ```
    ///
    /// The same as Python's `@patch` of a charm method, without code in the charm that
    /// only tests run. [`Context::manager`] applies it too (before
    /// [`Manager::charm_mut`](super::Manager::charm_mut) sees the charm).
    pub fn charm_setup(mut self, setup: impl Fn(&mut C) + 'static) -> Self {
        self.setup = CharmSetup::new(setup);
        self
    }

    /// Whether [`Context::emitted_events`] lists the deferred events re-emitted before
    /// the event (Python's `capture_deferred_events`). On by default here; Python's
    /// default is off, as `capture_deferred_events(false)` gives.
    pub fn capture_deferred_events(mut self, capture: bool) -> Self {
        self.capture_deferred_events = capture;
        self
    }
    /// Whether [`Context::emitted_events`] lists the framework's own events:
    /// collect-status, `pre_commit` and `commit` (Python's `capture_framework_events`).
    /// Each is listed when the charm observes it (Python lists them whether or not it
    /// does). On by default here; Python's default is off.
    pub fn capture_framework_events(mut self, capture: bool) -> Self {
        self.capture_framework_events = capture;
        self
    }
    /// Whether the application is trusted (`juju trust`; Python's `app_trusted`): with
    /// `false`, `credential-get` fails whatever the state holds; with `true` it answers
    /// `State::cloud_spec`, failing when there is none. Unset, a cloud spec in the state
    /// is taken as trust.
    pub fn app_trusted(mut self, trusted: bool) -> Self {
        self.app_trusted = Some(trusted);
        self
    }

    /// The unit's name (`app/N`).
    pub fn unit_name(&self) -> String {
        format!("{}/{}", self.app_name, self.unit_id)
    }

    pub(crate) fn settings(&self) -> Settings {
        Settings {
            app_name: self.app_name.clone(),
            unit_id: self.unit_id,
            juju_version: self.juju_version.clone(),
            juju_version_text: self.juju_version_text.clone(),
            charm_root: self.charm_root.clone(),
            machine_id: self.machine_id.clone(),
            availability_zone: self.availability_zone.clone(),
            principal_unit: self.principal_unit.clone(),
            setup: self.setup.clone(),
            capture_deferred_events: self.capture_deferred_events,
            capture_framework_events: self.capture_framework_events,
            app_trusted: self.app_trusted,
        }
    }

    /// Runs `event` on a fresh charm restored from `state` and returns the state after it.
    /// `state` is untouched. The outputs of the run (logs, histories, action results)
    /// replace those of the previous run.
    pub fn run(&mut self, event: Event, state: &State) -> Result<State, RunError> {
        self.output = Output::default();
        let settings = self.settings();
        self.check(&settings, state, &event)?;
        let is_action = event.data.kind == EventKind::Action;
        let sim = self.new_sim(&settings, state, &event);
        let stored = state.stored_state.clone();
        let result = run_framework::<C>(&sim, &settings, &event, false, stored);
        // A handle may have escaped the run (e.g. a leaked model): then copy out.
        let (out_state, out) = match Rc::try_unwrap(sim) {
            Ok(cell) => {
                let sim = cell.into_inner();
                (sim.state, sim.out)
            }
            Err(rc) => {
                let sim = rc.borrow();
                (sim.state.clone(), sim.out.clone())
            }
        };
        self.output = out;
        result?;
        if is_action {
            if let Some(message) = self.output.action_failure.clone() {
                return Err(RunError::ActionFailed {
                    message,
                    results: self.output.action_results.clone().unwrap_or_default(),
                    logs: self.output.action_logs.clone(),
                    state: Box::new(out_state),
                });
            }
        }
        Ok(out_state)
    }

    /// Runs the consistency checks (unless skipped).
    pub(crate) fn check(
        &self,
        settings: &Settings,
        state: &State,
        event: &Event,
    ) -> Result<(), RunError> {
        if !self.skip_consistency_checks {
            let errors = super::consistency::check(C::META, C::observers, settings, state, event);
            if !errors.is_empty() {
                return Err(RunError::Inconsistent(errors));
            }
        }
        Ok(())
    }

    /// A simulated unit for one run of `event` over a copy of `state`.
    pub(crate) fn new_sim(&self, settings: &Settings, state: &State, event: &Event) -> SimRef {
        let is_action = event.data.kind == EventKind::Action;
        Rc::new(RefCell::new(Sim::new(
            state.clone(),
            Env {
                meta: C::META,
                app_name: settings.app_name.clone(),
                unit_name: settings.unit_name(),
                juju_version: settings.juju_version.clone(),
                config_defaults: Rc::clone(&self.config_defaults),
                action_params: is_action.then(|| event.params.clone()),
                app_trusted: settings.app_trusted,
                capture_deferred_events: settings.capture_deferred_events,
                capture_framework_events: settings.capture_framework_events,
            },
            Tracking::default(),
        )))
    }

    /// Replaces the outputs of the last run (the [`Manager`](super::Manager) sets them).
    pub(crate) fn set_output(&mut self, output: Output) {
        self.output = output;
    }

    /// The `juju-log` lines of the last run.
    pub fn juju_log(&self) -> &[JujuLogLine] {
        &self.output.juju_log
    }
    /// The events dispatched in the last run (re-emitted deferred events, the event,
    /// collect-status). Only events with a handler in the charm are listed.
    pub fn emitted_events(&self) -> &[EventData] {
        &self.output.emitted_events
    }
    /// The unit's statuses before each change in the last run.
    pub fn unit_status_history(&self) -> &[Status] {
        &self.output.unit_status_history
    }
    /// The application's statuses before each change in the last run.
    pub fn app_status_history(&self) -> &[Status] {
        &self.output.app_status_history
    }
    /// The workload versions before each change in the last run.
    pub fn workload_version_history(&self) -> &[String] {
        &self.output.workload_version_history
    }
    /// The last action's results (flattened dotted keys), if it set any.
    pub fn action_results(&self) -> Option<&BTreeMap<String, String>> {
        self.output.action_results.as_ref()
    }
    /// The last action's results as nested JSON (`a.b=1` → `{"a": {"b": "1"}}`).
    pub fn action_results_json(&self) -> Option<Value> {
        self.output.action_results.as_ref().map(nest_results)
    }
    /// The last action's log messages.
    pub fn action_logs(&self) -> &[String] {
        &self.output.action_logs
    }
    /// The last action's failure message, if it failed.
    pub fn action_failure(&self) -> Option<&str> {
        self.output.action_failure.as_deref()
    }
    /// Secret revisions removed in the last run.
    pub fn removed_secret_revisions(&self) -> &[u64] {
        &self.output.removed_secret_revisions
    }
    /// Storage requested in the last run (`storage-add`): name → count.
    pub fn requested_storages(&self) -> &BTreeMap<String, u32> {
        &self.output.requested_storages
    }
    /// Commands run per container in the last run.
    pub fn exec_history(&self) -> &BTreeMap<String, Vec<super::sim::ExecArgs>> {
        &self.output.exec_history
    }
    /// `juju-reboot` calls in the last run (`true` for `--now`).
    pub fn reboots(&self) -> &[bool] {
        &self.output.reboots
    }
    /// Everything the last run recorded.
    pub fn output(&self) -> &Output {
        &self.output
    }
}

/// `a.b=1` flattened results → nested JSON objects.
pub(crate) fn nest_results(flat: &BTreeMap<String, String>) -> Value {
    fn insert(node: &mut Map<String, Value>, parts: &[&str], value: &str) {
        match parts {
            [] => {}
            [last] => {
                node.insert(last.to_string(), Value::String(value.to_string()));
            }
            [first, rest @ ..] => {
                let entry = node
                    .entry(first.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(map) = entry {
                    insert(map, rest, value);
                }
            }
        }
    }
    let mut root = Map::new();
    for (key, value) in flat {
        let parts: Vec<&str> = key.split('.').collect();
        insert(&mut root, &parts, value);
    }
    Value::Object(root)
}

/// The context settings a run needs (shared by [`Context`] and the Harness).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub app_name: String,
    pub unit_id: u32,
    pub juju_version: JujuVersion,
    pub juju_version_text: String,
    pub charm_root: PathBuf,
    pub machine_id: Option<String>,
    pub availability_zone: Option<String>,
    pub principal_unit: Option<String>,
    /// The test's setup of each restored charm ([`Context::charm_setup`]).
    pub setup: CharmSetup,
    /// [`Context::capture_deferred_events`].
    pub capture_deferred_events: bool,
    /// [`Context::capture_framework_events`].
    pub capture_framework_events: bool,
    /// [`Context::app_trusted`].
    pub app_trusted: Option<bool>,
}

impl Settings {
    pub fn unit_name(&self) -> String {
        format!("{}/{}", self.app_name, self.unit_id)
    }

    /// The environment Juju would set for `data`.
    pub fn juju_context(
        &self,
        data: &EventData,
        model_name: &str,
        model_uuid: &str,
    ) -> JujuContext {
        let is_action = data.kind == EventKind::Action;
        let hook = hook_name(data);
        let mut ctx = JujuContext {
            dispatch_path: if is_action {
                format!("actions/{hook}")
            } else {
                format!("hooks/{hook}")
            },
            hook_name: if is_action { String::new() } else { hook },
            model_name: model_name.to_string(),
            model_uuid: model_uuid.to_string(),
            unit_name: self.unit_name(),
            version: self.juju_version_text.clone(),
            charm_dir: self.charm_root.clone(),
            availability_zone: self.availability_zone.clone(),
            machine_id: self.machine_id.clone(),
            principal_unit: self.principal_unit.clone(),
            ..JujuContext::default()
        };
        match data.kind {
            EventKind::Action => {
                ctx.action_name = data.name.clone();
                ctx.action_uuid = data.action_id.clone();
            }
            EventKind::RelationCreated
            | EventKind::RelationJoined
            | EventKind::RelationChanged
            | EventKind::RelationDeparted
            | EventKind::RelationBroken => {
                ctx.relation_name = data.name.clone();
                ctx.relation_id = data.relation_id;
                ctx.remote_app = data.remote_app.clone();
                ctx.remote_unit = data.remote_unit.clone();
                ctx.departing_unit = data.departing_unit.clone();
            }
            EventKind::StorageAttached | EventKind::StorageDetaching => {
                if let (Some(name), Some(index)) = (&data.name, data.storage_index) {
                    ctx.storage_id = Some(format!("{name}/{index}"));
                }
            }
            EventKind::PebbleReady
            | EventKind::PebbleCustomNotice
            | EventKind::PebbleCheckFailed
            | EventKind::PebbleCheckRecovered => {
                ctx.workload_name = data.name.clone();
                if let Some(notice) = &data.notice {
                    ctx.notice_id = Some(notice.id.clone());
                    ctx.notice_type = Some(notice.kind.clone());
                    ctx.notice_key = Some(notice.key.clone());
                }
                ctx.pebble_check_name = data.check_name.clone();
            }
            EventKind::SecretChanged
            | EventKind::SecretExpired
            | EventKind::SecretRemove
            | EventKind::SecretRotate => {
                if let Some(secret) = &data.secret {
                    ctx.secret_id = Some(secret.id.clone());
                    ctx.secret_label = secret.label.clone();
                    ctx.secret_revision = secret.revision;
                }
            }
            _ => {}
        }
        ctx
    }
}

/// Runs one hook through the framework's dispatch (the code `ops::main` runs): restores
/// the charm from `charm` (or `Default`s it), re-emits deferred events and runs
/// collect-status unless `restricted` (the dispatch flushes relation writes), and commits the charm and
/// the deferred queue into the sim's state. Returns the charm after its handlers, or
/// `None` when a handler asked for an immediate reboot (nothing committed) or returned
/// `ops::Abort` (committed as a success).
pub(crate) fn run_framework<C: Charm>(
    sim: &SimRef,
    settings: &Settings,
    event: &Event,
    restricted: bool,
    charm: Option<Value>,
) -> Result<Option<C>, RunError> {
    let deferred = sim.borrow().state.deferred.clone();
    let model = model_for::<C>(sim, settings, &event.data);
    let _logger = super::logger::capture(sim);
    let state = UnitState {
        charm,
        deferred,
        revision: C::STATE_REVISION,
    };
    let (result, spans) = crate::tracing::record(|| {
        seam::dispatch(
            &model,
            &settings.setup,
            state,
            Some(&event.data),
            run_options(event, restricted),
        )
    });
    sim.borrow_mut().out.trace_data = spans;
    record_dispatch(sim, &model, event, result)
}

/// Re-emits the deferred events in the sim's state through the framework's dispatch
/// with no new event and no collect-status ([`Harness::reemit`](super::Harness::reemit)):
/// restores the charm from `charm`, and commits it and the
/// deferred queue as [`run_framework`] does. The handlers see an `update-status` hook
/// context (a Harness step has no hook of its own).
pub(crate) fn reemit_framework<C: Charm>(
    sim: &SimRef,
    settings: &Settings,
    charm: Option<Value>,
) -> Result<Option<C>, RunError> {
    let deferred = sim.borrow().state.deferred.clone();
    let model = model_for::<C>(sim, settings, &EventData::new(EventKind::UpdateStatus));
    let _logger = super::logger::capture(sim);
    let state = UnitState {
        charm,
        deferred,
        revision: C::STATE_REVISION,
    };
    let options = RunOptions {
        skip_collect_status: true,
        ..RunOptions::default()
    };
    let result = seam::dispatch(&model, &settings.setup, state, None, options);
    record_outcome(sim, &model, "reemit", result)
}

/// A model over `sim` in the hook context Juju would set for `data`.
pub(crate) fn model_for<C: Charm>(sim: &SimRef, settings: &Settings, data: &EventData) -> Model<C> {
    let context = {
        let s = sim.borrow();
        settings.juju_context(data, &s.state.model.name, &s.state.model.uuid)
    };
    let backend = SimBackend {
        sim: Rc::clone(sim),
    };
    Model::<C>::new(Box::new(backend), context)
}

/// The dispatch options for `event` (collect-metrics is a restricted context).
pub(crate) fn run_options(event: &Event, restricted: bool) -> RunOptions {
    RunOptions {
        restricted: restricted || event.data.kind == EventKind::CollectMetrics,
        skip_collect_status: false,
    }
}

/// Turns a dispatch's outcome into a run's: sets statuses collected outside
/// collect-status, records the emitted events and handlers, and commits the charm and the
/// deferred queue into the sim's state. `None` when a handler asked for an immediate
/// reboot (nothing committed) or returned `ops::Abort` (committed as a success; the
/// events and handlers up to the aborting one are recorded, since they ran).
pub(crate) fn record_dispatch<C: Charm, T>(
    sim: &SimRef,
    model: &Model<C>,
    event: &Event,
    result: Result<framework::Dispatched<T>, DispatchError>,
) -> Result<Option<T>, RunError> {
    record_outcome(sim, model, &hook_name(&event.data), result)
}

/// [`record_dispatch`] for a dispatch named `hook` in errors.
fn record_outcome<C: Charm, T>(
    sim: &SimRef,
    model: &Model<C>,
    hook: &str,
    result: Result<framework::Dispatched<T>, DispatchError>,
) -> Result<Option<T>, RunError> {
    let charm_error = |message: String, panicked: bool| RunError::Charm {
        event: hook.to_string(),
        message,
        panicked,
    };
    let dispatched = match result {
        Ok(d) => d,
        Err(DispatchError::RebootNow) => return Ok(None),
        Err(DispatchError::Aborted { emitted, state, .. }) => {
            // The handlers up to the aborting one did run, and an abort commits like a
            // success (as `ops::main` does).
            let s = &mut *sim.borrow_mut();
            record_emitted(&mut s.out, &emitted, &s.env);
            s.state.stored_state = state.charm;
            s.state.deferred = state.deferred;
            return Ok(None);
        }
        Err(DispatchError::Failed { error, .. }) => {
            return Err(charm_error(error.to_string(), false))
        }
        Err(DispatchError::Panicked { message, .. }) => return Err(charm_error(message, true)),
        Err(other) => return Err(charm_error(other.to_string(), false)),
    };
    // Statuses collected outside collect-status (the Harness's evaluate_status).
    let collected = &dispatched.collected;
    for (app, statuses) in [(true, &collected.app), (false, &collected.unit)] {
        if let Some(status) = statuses.winner() {
            model
                .core()
                .backend()
                .status_set(status, app)
                .map_err(|e| charm_error(e.to_string(), false))?;
        }
    }
    let mut s = sim.borrow_mut();
    let s = &mut *s;
    record_emitted(&mut s.out, &dispatched.emitted, &s.env);
    s.state.stored_state = dispatched.state.charm;
    s.state.deferred = dispatched.state.deferred;
    Ok(Some(dispatched.charm))
}

/// Records the handlers a dispatch ran, and each event once per emission (re-emitted
/// deferred events and collect-status as the context asks).
fn record_emitted(out: &mut Output, emitted: &[framework::Emitted], env: &Env) {
    let mut last: Option<(&EventData, bool)> = None;
    for e in emitted {
        let key = (&e.event, e.reemitted);
        let framework = e.event.kind.def().source != ops_events::Source::Juju
            && e.event.kind != EventKind::Custom;
        let skipped = (e.reemitted && !env.capture_deferred_events)
            || (framework && !env.capture_framework_events);
        if last != Some(key) && !skipped {
            out.emitted_events.push(e.event.clone());
        }
        last = Some(key);
    }
    out.handlers.extend(emitted.iter().cloned());
}

impl JujuLogLine {
    /// A line at `level` with `message` (for comparisons in tests).
    pub fn new(level: LogLevel, message: impl Into<String>) -> Self {
        JujuLogLine {
            level,
            message: message.into(),
        }
    }
}
