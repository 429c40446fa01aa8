//! Juju events: what one dispatch is about.
//!
//! [`EventData`] is the plain, serialisable description of an event (the names and ids Juju
//! passed in the environment). It is what a deferred event is saved as, and what the
//! generated dispatch table matches on. Handlers receive typed payloads built from it
//! ([`Install`], [`RelationChanged`], [`PebbleReady`], ...), which carry the model objects
//! the event is about. Only deferrable events have a `defer()` method, so deferring an
//! action or a `stop` is a compile error rather than a runtime one.

use serde::{Deserialize, Serialize};

macro_rules! event_kind {
    ($($kind:ident {
        hook: $hook:literal, key: $key:ident, target: $target:ident, source: $source:ident,
        payload: $payload:ident, shape: $shape:ident, lifetime: $lifetime:tt,
        deferrable: $deferrable:tt
    })*) => {
        /// Every kind of event Juju can dispatch to a charm (from the one table in
        /// `ops-events`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[allow(missing_docs)] // the variant names are Juju's hook names.
        #[non_exhaustive] // Juju adds events.
        pub enum EventKind {
            $(#[serde(rename = $hook)] $kind,)*
        }

        impl EventKind {
            /// Every kind, in Juju's documentation order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$kind,)*];

            /// Whether a handler may defer this kind of event (Juju and the Python `ops`
            /// refuse to defer actions, stop, remove, secret-rotate, secret-expired,
            /// collect-status, pre-commit and commit).
            pub fn is_deferrable(self) -> bool {
                match self {
                    $(EventKind::$kind => $deferrable,)*
                }
            }

            /// The hook-name part (`relation-changed`, `pebble-ready`, `action`): the hook's
            /// whole name for events that take no name, else what follows `<name>-`.
            pub fn hook_name(self) -> &'static str {
                match self {
                    $(EventKind::$kind => $hook,)*
                }
            }

            /// The event's row in the table: what its name refers to, its payload, ...
            pub fn def(self) -> &'static ops_events::EventDef {
                &ops_events::EVENTS[self as usize]
            }
        }

        // Each payload type exists, with the lifetime the table says, and can be deferred
        // exactly when the table says so.
        $(event_kind!(@payload $payload $shape $lifetime $deferrable);)*
    };
    (@payload $payload:ident Event true $deferrable:tt) => {
        const _: () = assert!(<$payload<'static> as Deferrable>::CAN_DEFER == $deferrable);
    };
    (@payload $payload:ident Event false $deferrable:tt) => {
        const _: () = assert!(<$payload as Deferrable>::CAN_DEFER == $deferrable);
    };
    (@payload $payload:ident Action $lifetime:tt $deferrable:tt) => {
        const _: () = assert!(
            <crate::Action<'static, ()> as Deferrable>::CAN_DEFER == $deferrable
        );
    };
    (@payload $payload:ident Collector $lifetime:tt false) => {
        const _: fn(crate::status::$payload) = |_| ();
    };
    (@payload $payload:ident Custom $lifetime:tt $deferrable:tt) => {
        const _: () = assert!(<crate::library::$payload<()> as Deferrable>::CAN_DEFER == $deferrable);
    };
}

ops_events::juju_events!(event_kind);

/// A Pebble notice as an event names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRef {
    /// The notice's id.
    pub id: String,
    /// Its type (e.g. `custom`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its key (e.g. `example.com/db-backup`).
    pub key: String,
}

/// A secret as an event names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The secret's URI (`secret:...`).
    pub id: String,
    /// Its label, if Juju gave one.
    pub label: Option<String>,
    /// The revision, for secret-remove and secret-expired.
    pub revision: Option<u64>,
}

/// One event, as Juju described it in the environment: names and ids only, so it can be
/// saved when deferred and restored in a later hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventData {
    /// What happened.
    pub kind: EventKind,
    /// The relation endpoint, storage, container or action the event is about, as named
    /// in the metadata (`None` for lifecycle events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The relation id, for relation events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_id: Option<u64>,
    /// The remote application, for relation events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_app: Option<String>,
    /// The remote unit, for relation joined/changed/departed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_unit: Option<String>,
    /// The unit leaving, for relation-departed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departing_unit: Option<String>,
    /// The storage index, for storage events (`data/3` → 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_index: Option<u32>,
    /// The notice, for pebble-custom-notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeRef>,
    /// The check's name, for pebble-check-failed/recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
    /// The secret, for secret events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
    /// The action's id, for actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// The event's name, for a custom event (`database_created`); `name` then holds the
    /// path of the library that emitted it (`db`), or nothing for the charm's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<String>,
    /// The payload, as JSON, for a custom event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

impl EventData {
    /// An event of `kind` with no payload (install, config-changed, ...).
    pub fn new(kind: EventKind) -> Self {
        EventData {
            kind,
            name: None,
            relation_id: None,
            remote_app: None,
            remote_unit: None,
            departing_unit: None,
            storage_index: None,
            notice: None,
            check_name: None,
            secret: None,
            action_id: None,
            custom: None,
            payload: None,
        }
    }

    /// An event of `kind` about the relation endpoint, storage, container or action `name`.
    pub fn named(kind: EventKind, name: impl Into<String>) -> Self {
        EventData {
            name: Some(name.into()),
            ..EventData::new(kind)
        }
    }
}

/// Builds a handler's typed payload from the event being dispatched. Generated dispatch
/// code calls it; charm code never needs to.
pub trait FromEvent<'m>: Sized {
    /// The payload for `event`, with its model objects bound to `model`.
    fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self>;
}

/// A payload that can be deferred, and whether its handler did.
pub trait Deferrable {
    /// Whether the payload has `defer()` at all.
    const CAN_DEFER: bool;
    /// Whether the handler called `defer()`.
    fn is_deferred(&self) -> bool;
}

use crate::model::{App, Container, ModelCore, Relation, Secret, Storage, Unit};
use std::cell::Cell;

fn missing(event: &EventData, what: &str) -> crate::Error {
    crate::Error::msg(format!("{:?} event without {what}", event.kind))
}

macro_rules! simple_events {
    ($($(#[$doc:meta])* $name:ident, deferrable: $def:tt;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Default)]
        pub struct $name {
            #[allow(dead_code)] // read by deferrable events only
            deferred: Cell<bool>,
        }
        impl<'m> FromEvent<'m> for $name {
            fn from_event(_: &'m ModelCore, _: &EventData) -> crate::Result<Self> {
                Ok(Self::default())
            }
        }
        simple_events!(@defer $name $def);
    )*};
    (@defer $name:ident true) => {
        impl $name {
            /// Runs this handler again, before the next event, in a later hook.
            pub fn defer(&self) {
                self.deferred.set(true);
            }
        }
        impl Deferrable for $name {
            const CAN_DEFER: bool = true;
            fn is_deferred(&self) -> bool {
                self.deferred.get()
            }
        }
    };
    (@defer $name:ident false) => {
        impl Deferrable for $name {
            const CAN_DEFER: bool = false;
            fn is_deferred(&self) -> bool {
                false
            }
        }
    };
}

simple_events! {
    /// `install`: the charm's first hook.
    Install, deferrable: true;
    /// `start`: after install and the first config-changed.
    Start, deferrable: true;
    /// `stop`: the unit is going away (not deferrable).
    Stop, deferrable: false;
    /// `remove`: the last hook (not deferrable).
    Remove, deferrable: false;
    /// `update-status`: Juju's periodic poll.
    UpdateStatus, deferrable: true;
    /// `config-changed`: config may have changed.
    ConfigChanged, deferrable: true;
    /// `upgrade-charm`: a new charm revision is in place.
    UpgradeCharm, deferrable: true;
    /// `leader-elected`: this unit is now the leader.
    LeaderElected, deferrable: true;
    /// `leader-settings-changed` (deprecated by Juju).
    LeaderSettingsChanged, deferrable: true;
    /// `pre-series-upgrade` (deprecated by Juju).
    PreSeriesUpgrade, deferrable: true;
    /// `post-series-upgrade` (deprecated by Juju).
    PostSeriesUpgrade, deferrable: true;
    /// `collect-metrics` (deprecated by Juju).
    CollectMetrics, deferrable: true;
    /// `pre_commit`: the hook's events are done (collect-status too); the charm's state
    /// and relation data it changes now are still saved and sent. Python's
    /// `framework.on.pre_commit`. Runs in every hook, also one a handler ended with
    /// [`Abort`](crate::Abort) (whose state is saved too); not deferrable.
    PreCommit, deferrable: false;
    /// `commit`: after `pre_commit`, once the charm's state to save is fixed and the
    /// relation data sent: changes to the charm struct made now are not saved. Runs just
    /// before the state is written (a handler error still fails the hook and saves
    /// nothing). Python's `framework.on.commit`; not deferrable.
    Commit, deferrable: false;
}

macro_rules! relation_events {
    ($($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident),* };)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'m> {
            /// The relation.
            pub relation: Relation<'m>,
            /// The remote application, if Juju named it.
            pub app: Option<String>,
            $($(#[$fdoc])* pub $field: Option<String>,)*
            deferred: Cell<bool>,
        }
        impl<'m> FromEvent<'m> for $name<'m> {
            fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
                let name = event.name.as_deref().ok_or_else(|| missing(event, "a relation name"))?;
                let id = event.relation_id.ok_or_else(|| missing(event, "a relation id"))?;
                Ok($name {
                    relation: Relation::new(model, name, id),
                    app: event.remote_app.clone(),
                    $($field: event.$field.clone(),)*
                    deferred: Cell::new(false),
                })
            }
        }
        impl<'m> $name<'m> {
            /// Runs this handler again, before the next event, in a later hook.
            pub fn defer(&self) {
                self.deferred.set(true);
            }
            /// The remote application as a handle (Python's `event.app`), if Juju named
            /// it.
            pub fn remote_app(&self) -> Option<App<'m>> {
                self.app.as_deref().map(|name| self.relation.core.get_app(name))
            }
        }
        impl Deferrable for $name<'_> {
            const CAN_DEFER: bool = true;
            fn is_deferred(&self) -> bool {
                self.deferred.get()
            }
        }
    )*};
}

relation_events! {
    /// `<endpoint>-relation-created`: a relation was made.
    RelationCreated {};
    /// `<endpoint>-relation-joined`: a remote unit joined.
    RelationJoined {
        /// The unit that joined.
        remote_unit
    };
    /// `<endpoint>-relation-changed`: remote data may have changed.
    RelationChanged {
        /// The unit whose data changed (`None` for an app databag change).
        remote_unit
    };
    /// `<endpoint>-relation-departed`: a remote unit left.
    RelationDeparted {
        /// The unit that left.
        remote_unit,
        /// The unit going away (may be this one).
        departing_unit
    };
    /// `<endpoint>-relation-broken`: the relation is going away (it is no longer active).
    RelationBroken {};
}

macro_rules! storage_events {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            /// The storage instance.
            pub storage: Storage,
            deferred: Cell<bool>,
        }
        impl<'m> FromEvent<'m> for $name {
            fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
                let name = event.name.as_deref().ok_or_else(|| missing(event, "a storage name"))?;
                let index = event.storage_index.ok_or_else(|| missing(event, "a storage index"))?;
                Ok($name {
                    storage: model.storage_instance(name, index)?,
                    deferred: Cell::new(false),
                })
            }
        }
        impl $name {
            /// Runs this handler again, before the next event, in a later hook.
            pub fn defer(&self) {
                self.deferred.set(true);
            }
        }
        impl Deferrable for $name {
            const CAN_DEFER: bool = true;
            fn is_deferred(&self) -> bool {
                self.deferred.get()
            }
        }
    )*};
}

storage_events! {
    /// `<storage>-storage-attached`.
    StorageAttached;
    /// `<storage>-storage-detaching`.
    StorageDetaching;
}

impl<'m> RelationJoined<'m> {
    /// The unit that joined as a handle (Python's `event.unit`).
    pub fn unit(&self) -> Option<Unit<'m>> {
        let name = self.remote_unit.as_deref()?;
        Some(self.relation.core.get_unit(name))
    }
}

impl<'m> RelationChanged<'m> {
    /// The unit whose data changed as a handle (Python's `event.unit`; `None` for an app
    /// databag change).
    pub fn unit(&self) -> Option<Unit<'m>> {
        let name = self.remote_unit.as_deref()?;
        Some(self.relation.core.get_unit(name))
    }
}

impl<'m> RelationDeparted<'m> {
    /// The unit that left as a handle (Python's `event.unit`).
    pub fn unit(&self) -> Option<Unit<'m>> {
        let name = self.remote_unit.as_deref()?;
        Some(self.relation.core.get_unit(name))
    }
    /// The unit going away as a handle (Python's `event.departing_unit`; may be this one).
    pub fn departing(&self) -> Option<Unit<'m>> {
        let name = self.departing_unit.as_deref()?;
        Some(self.relation.core.get_unit(name))
    }
}

macro_rules! workload_events {
    ($($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty = $get:expr),* };)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'m> {
            /// The container.
            pub workload: Container<'m>,
            $($(#[$fdoc])* pub $field: $ty,)*
            deferred: Cell<bool>,
        }
        impl<'m> FromEvent<'m> for $name<'m> {
            #[allow(clippy::redundant_closure_call)]
            fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
                let name = event.name.as_deref().ok_or_else(|| missing(event, "a container name"))?;
                Ok($name {
                    workload: Container::new(model, name),
                    $($field: ($get)(event)?,)*
                    deferred: Cell::new(false),
                })
            }
        }
        impl $name<'_> {
            /// Runs this handler again, before the next event, in a later hook.
            pub fn defer(&self) {
                self.deferred.set(true);
            }
        }
        impl Deferrable for $name<'_> {
            const CAN_DEFER: bool = true;
            fn is_deferred(&self) -> bool {
                self.deferred.get()
            }
        }
    )*};
}

workload_events! {
    /// `<container>-pebble-ready`: Pebble is up in the container.
    PebbleReady {};
    /// `<container>-pebble-custom-notice`: a custom Pebble notice was recorded.
    PebbleCustomNotice {
        /// The notice (id, type, key).
        notice: NoticeRef = |e: &EventData| e.notice.clone().ok_or_else(|| missing(e, "a notice"))
    };
    /// `<container>-pebble-check-failed`: a check reached its failure threshold.
    PebbleCheckFailed {
        /// The check's name.
        check_name: String = |e: &EventData| e.check_name.clone().ok_or_else(|| missing(e, "a check name"))
    };
    /// `<container>-pebble-check-recovered`: a failed check passes again.
    PebbleCheckRecovered {
        /// The check's name.
        check_name: String = |e: &EventData| e.check_name.clone().ok_or_else(|| missing(e, "a check name"))
    };
}

impl PebbleCustomNotice<'_> {
    /// The whole notice from Pebble (`GET /v1/notices/{id}`: occurrences, data, times),
    /// asked when called, as Python's lazy `event.notice` does on attribute access.
    pub fn full_notice(&self) -> ops_pebble::Result<ops_pebble::Notice> {
        self.workload.get_notice(&self.notice.id)
    }
}

impl PebbleCheckFailed<'_> {
    /// The check's current info from Pebble (status, failures, threshold), asked when
    /// called, as Python's lazy `event.info`.
    pub fn info(&self) -> ops_pebble::Result<ops_pebble::CheckInfo> {
        self.workload.get_check(&self.check_name)
    }
}

impl PebbleCheckRecovered<'_> {
    /// The check's current info from Pebble, asked when called, as Python's lazy
    /// `event.info`.
    pub fn info(&self) -> ops_pebble::Result<ops_pebble::CheckInfo> {
        self.workload.get_check(&self.check_name)
    }
}

macro_rules! secret_events {
    ($($(#[$doc:meta])* $name:ident, deferrable: $def:tt;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'m> {
            /// The secret.
            pub secret: Secret<'m>,
            /// The revision concerned (secret-remove and secret-expired).
            pub revision: Option<u64>,
            #[allow(dead_code)] // read by deferrable events only
            deferred: Cell<bool>,
        }
        impl<'m> FromEvent<'m> for $name<'m> {
            fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
                let secret = event.secret.as_ref().ok_or_else(|| missing(event, "a secret"))?;
                Ok($name {
                    secret: Secret::new(model, Some(secret.id.clone()), secret.label.clone()),
                    revision: secret.revision,
                    deferred: Cell::new(false),
                })
            }
        }
        secret_events!(@defer $name $def);
    )*};
    (@defer $name:ident true) => {
        impl $name<'_> {
            /// Runs this handler again, before the next event, in a later hook.
            pub fn defer(&self) {
                self.deferred.set(true);
            }
        }
        impl Deferrable for $name<'_> {
            const CAN_DEFER: bool = true;
            fn is_deferred(&self) -> bool {
                self.deferred.get()
            }
        }
    };
    (@defer $name:ident false) => {
        impl Deferrable for $name<'_> {
            const CAN_DEFER: bool = false;
            fn is_deferred(&self) -> bool {
                false
            }
        }
    };
}

secret_events! {
    /// `secret-changed`: a secret this unit observes has a new revision.
    SecretChanged, deferrable: true;
    /// `secret-expired`: an owned secret's revision expired (not deferrable).
    SecretExpired, deferrable: false;
    /// `secret-remove`: an owned secret's revision is no longer tracked by anyone.
    SecretRemove, deferrable: true;
    /// `secret-rotate`: an owned secret is due to rotate (not deferrable).
    SecretRotate, deferrable: false;
}

macro_rules! remove_revision {
    ($($name:ident),*) => {$(
        impl $name<'_> {
            /// Removes the revision this event is about (`secret-remove ID --revision N`),
            /// as Python's `event.remove_revision()`. An error if Juju named no revision.
            pub fn remove_revision(&self) -> Result<(), crate::ModelError> {
                let revision = self.revision.ok_or_else(|| crate::ModelError::Invalid {
                    what: "secret revision",
                    detail: "Juju gave no JUJU_SECRET_REVISION for this event".into(),
                })?;
                self.secret.remove_revision(revision)
            }
        }
    )*};
}

remove_revision!(SecretRemove, SecretExpired);

/// The payload of a handler that observes several events (`#[on(config_changed)]` over
/// `#[on(pebble_ready = "web")]`), whose own payloads differ: which event fired, and
/// `defer()`.
#[derive(Debug)]
pub struct AnyEvent {
    data: EventData,
    deferred: Cell<bool>,
}

impl AnyEvent {
    /// The kind of event that fired.
    pub fn kind(&self) -> EventKind {
        self.data.kind
    }

    /// What it is about: the relation endpoint, storage, container or action, as named in
    /// the metadata (or, for a custom event, the emitting library's path).
    pub fn name(&self) -> Option<&str> {
        self.data.name.as_deref()
    }

    /// Everything Juju (or the emitter) said about the event.
    pub fn data(&self) -> &EventData {
        &self.data
    }

    /// Runs this handler again, before the next event, in a later hook. It has no effect
    /// on an event that cannot be deferred (stop, remove, secret-rotate, secret-expired,
    /// pre-commit, commit) but a WARNING in the log.
    pub fn defer(&self) {
        self.deferred.set(true);
    }
}

impl<'m> FromEvent<'m> for AnyEvent {
    fn from_event(_: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
        Ok(AnyEvent {
            data: event.clone(),
            deferred: Cell::new(false),
        })
    }
}

impl Deferrable for AnyEvent {
    const CAN_DEFER: bool = true;
    fn is_deferred(&self) -> bool {
        self.deferred.get()
    }
}
