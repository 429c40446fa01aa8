//! The Juju event vocabulary of `ops`, written once.
//!
//! Every event a charm can observe is one row of [`juju_events!`]: its `ops::EventKind`
//! variant, the hook-name part Juju uses (`relation-changed`), the `#[on]` key
//! (`relation_changed`), which metadata section its name refers to, its payload type in
//! `ops::event`, how a handler receives it, and whether it can be deferred.
//!
//! Both sides of `ops` derive from this one table: the runtime crate generates
//! `EventKind` (with its serde names), the hook-name lookups and the deferrability rule by
//! calling `juju_events!` with its own `macro_rules!`; the proc-macro crate reads
//! [`EVENTS`], built from the same rows. This crate is separate because a proc-macro
//! crate cannot depend on the runtime crate that re-exports it, and has no dependencies
//! so it costs nothing to build.

#![no_std]
#![warn(missing_docs)]

/// What an event's name (`#[on(key = "name")]`, `<name>-relation-changed`) refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The event takes no name (`install`).
    None,
    /// A relation endpoint (`requires`, `provides`, `peers`).
    Relation,
    /// A storage (`storage`).
    Storage,
    /// A container (`containers`).
    Container,
    /// An action (`actions`).
    Action,
}

impl Target {
    /// The singular noun (`relation`).
    pub const fn noun(self) -> &'static str {
        match self {
            Target::None => "nothing",
            Target::Relation => "relation",
            Target::Storage => "storage",
            Target::Container => "container",
            Target::Action => "action",
        }
    }

    /// The plural noun, as a list heading (`relations`).
    pub const fn plural(self) -> &'static str {
        match self {
            Target::None => "nothing",
            Target::Relation => "relations",
            Target::Storage => "storages",
            Target::Container => "containers",
            Target::Action => "actions",
        }
    }
}

/// Who starts the event, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Juju, as a hook (`hooks/<name>`) or an action (`actions/<name>`).
    Juju,
    /// The framework, within a hook (collect-status).
    Framework,
    /// The framework, as it commits the hook: after every other event, before the unit's
    /// state is saved (Python's `framework.on.pre_commit` and `commit`). Juju never
    /// dispatches these.
    Commit,
}

/// How a handler receives the event's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payload {
    /// `&T`, `T` the event's type in `ops::event`.
    Event,
    /// `&mut ops::Action<P>`.
    Action,
    /// `&mut ops::StatusCollector`.
    Collector,
    /// `&ops::Custom<T>`, `T` the payload type a charm or library declares for its own
    /// event (custom events are named by their emitter, not by an `#[on]` key).
    Custom,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventDef {
    /// The `ops::EventKind` variant (`RelationChanged`).
    pub kind: &'static str,
    /// The hook-name part (`relation-changed`): the whole hook name for events that take
    /// no name, the suffix after `<name>-` for the others (`database-relation-changed`).
    /// Also `EventKind`'s serialised form.
    pub hook: &'static str,
    /// The `#[on]` key (`relation_changed`).
    pub key: &'static str,
    /// What its name refers to.
    pub target: Target,
    /// Who starts it.
    pub source: Source,
    /// The payload type's name (`RelationChanged`, `Action`, `StatusCollector`).
    pub payload_name: &'static str,
    /// How the payload is passed.
    pub payload: Payload,
    /// Whether the payload type carries the model's lifetime (`RelationChanged<'m>`).
    pub lifetime: bool,
    /// Whether a handler may defer it (Juju and Python `ops` refuse for actions, stop,
    /// remove, secret-rotate, secret-expired, collect-status, pre-commit and commit).
    pub deferrable: bool,
}

/// The table, handed to `$callback!` as rows of
/// `Kind { hook: "...", key: ..., target: ..., source: ..., payload: Type, shape: ..., lifetime: bool, deferrable: bool }`,
/// in Juju's documentation order.
#[macro_export]
macro_rules! juju_events {
    ($callback:path) => {
        $callback! {
            Install { hook: "install", key: install, target: None, source: Juju, payload: Install, shape: Event, lifetime: false, deferrable: true }
            Start { hook: "start", key: start, target: None, source: Juju, payload: Start, shape: Event, lifetime: false, deferrable: true }
            Stop { hook: "stop", key: stop, target: None, source: Juju, payload: Stop, shape: Event, lifetime: false, deferrable: false }
            Remove { hook: "remove", key: remove, target: None, source: Juju, payload: Remove, shape: Event, lifetime: false, deferrable: false }
            UpdateStatus { hook: "update-status", key: update_status, target: None, source: Juju, payload: UpdateStatus, shape: Event, lifetime: false, deferrable: true }
            ConfigChanged { hook: "config-changed", key: config_changed, target: None, source: Juju, payload: ConfigChanged, shape: Event, lifetime: false, deferrable: true }
            UpgradeCharm { hook: "upgrade-charm", key: upgrade_charm, target: None, source: Juju, payload: UpgradeCharm, shape: Event, lifetime: false, deferrable: true }
            LeaderElected { hook: "leader-elected", key: leader_elected, target: None, source: Juju, payload: LeaderElected, shape: Event, lifetime: false, deferrable: true }
            LeaderSettingsChanged { hook: "leader-settings-changed", key: leader_settings_changed, target: None, source: Juju, payload: LeaderSettingsChanged, shape: Event, lifetime: false, deferrable: true }
            PreSeriesUpgrade { hook: "pre-series-upgrade", key: pre_series_upgrade, target: None, source: Juju, payload: PreSeriesUpgrade, shape: Event, lifetime: false, deferrable: true }
            PostSeriesUpgrade { hook: "post-series-upgrade", key: post_series_upgrade, target: None, source: Juju, payload: PostSeriesUpgrade, shape: Event, lifetime: false, deferrable: true }
            CollectMetrics { hook: "collect-metrics", key: collect_metrics, target: None, source: Juju, payload: CollectMetrics, shape: Event, lifetime: false, deferrable: true }
            SecretChanged { hook: "secret-changed", key: secret_changed, target: None, source: Juju, payload: SecretChanged, shape: Event, lifetime: true, deferrable: true }
            SecretExpired { hook: "secret-expired", key: secret_expired, target: None, source: Juju, payload: SecretExpired, shape: Event, lifetime: true, deferrable: false }
            SecretRemove { hook: "secret-remove", key: secret_remove, target: None, source: Juju, payload: SecretRemove, shape: Event, lifetime: true, deferrable: true }
            SecretRotate { hook: "secret-rotate", key: secret_rotate, target: None, source: Juju, payload: SecretRotate, shape: Event, lifetime: true, deferrable: false }
            RelationCreated { hook: "relation-created", key: relation_created, target: Relation, source: Juju, payload: RelationCreated, shape: Event, lifetime: true, deferrable: true }
            RelationJoined { hook: "relation-joined", key: relation_joined, target: Relation, source: Juju, payload: RelationJoined, shape: Event, lifetime: true, deferrable: true }
            RelationChanged { hook: "relation-changed", key: relation_changed, target: Relation, source: Juju, payload: RelationChanged, shape: Event, lifetime: true, deferrable: true }
            RelationDeparted { hook: "relation-departed", key: relation_departed, target: Relation, source: Juju, payload: RelationDeparted, shape: Event, lifetime: true, deferrable: true }
            RelationBroken { hook: "relation-broken", key: relation_broken, target: Relation, source: Juju, payload: RelationBroken, shape: Event, lifetime: true, deferrable: true }
            StorageAttached { hook: "storage-attached", key: storage_attached, target: Storage, source: Juju, payload: StorageAttached, shape: Event, lifetime: false, deferrable: true }
            StorageDetaching { hook: "storage-detaching", key: storage_detaching, target: Storage, source: Juju, payload: StorageDetaching, shape: Event, lifetime: false, deferrable: true }
            PebbleReady { hook: "pebble-ready", key: pebble_ready, target: Container, source: Juju, payload: PebbleReady, shape: Event, lifetime: true, deferrable: true }
            PebbleCustomNotice { hook: "pebble-custom-notice", key: pebble_custom_notice, target: Container, source: Juju, payload: PebbleCustomNotice, shape: Event, lifetime: true, deferrable: true }
            PebbleCheckFailed { hook: "pebble-check-failed", key: pebble_check_failed, target: Container, source: Juju, payload: PebbleCheckFailed, shape: Event, lifetime: true, deferrable: true }
            PebbleCheckRecovered { hook: "pebble-check-recovered", key: pebble_check_recovered, target: Container, source: Juju, payload: PebbleCheckRecovered, shape: Event, lifetime: true, deferrable: true }
            Action { hook: "action", key: action, target: Action, source: Juju, payload: Action, shape: Action, lifetime: true, deferrable: false }
            CollectUnitStatus { hook: "collect-unit-status", key: collect_unit_status, target: None, source: Framework, payload: StatusCollector, shape: Collector, lifetime: false, deferrable: false }
            CollectAppStatus { hook: "collect-app-status", key: collect_app_status, target: None, source: Framework, payload: StatusCollector, shape: Collector, lifetime: false, deferrable: false }
            PreCommit { hook: "pre-commit", key: pre_commit, target: None, source: Commit, payload: PreCommit, shape: Event, lifetime: false, deferrable: false }
            Commit { hook: "commit", key: commit, target: None, source: Commit, payload: Commit, shape: Event, lifetime: false, deferrable: false }
            Custom { hook: "custom", key: custom, target: None, source: Framework, payload: Custom, shape: Custom, lifetime: false, deferrable: true }
        }
    };
}

macro_rules! const_table {
    ($($kind:ident {
        hook: $hook:literal, key: $key:ident, target: $target:ident, source: $source:ident,
        payload: $payload:ident, shape: $shape:ident, lifetime: $lifetime:literal,
        deferrable: $deferrable:literal
    })*) => {
        /// Every event, in Juju's documentation order: the rows of [`juju_events!`] as data.
        pub const EVENTS: &[EventDef] = &[$(EventDef {
            kind: stringify!($kind),
            hook: $hook,
            key: stringify!($key),
            target: Target::$target,
            source: Source::$source,
            payload_name: stringify!($payload),
            payload: Payload::$shape,
            lifetime: $lifetime,
            deferrable: $deferrable,
        },)*];
    };
}

juju_events!(const_table);

/// The row whose `#[on]` key is `key` (custom events have none: `#[on(db.ready)]`).
pub fn by_key(key: &str) -> Option<&'static EventDef> {
    EVENTS
        .iter()
        .find(|e| e.key == key && e.payload != Payload::Custom)
}

/// The row whose hook-name part is `hook`.
pub fn by_hook(hook: &str) -> Option<&'static EventDef> {
    EVENTS.iter().find(|e| e.hook == hook)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hook_names_with_underscores_and_unique() {
        for (i, e) in EVENTS.iter().enumerate() {
            let mut key = [0u8; 64];
            for (k, b) in key.iter_mut().zip(e.hook.bytes()) {
                *k = if b == b'-' { b'_' } else { b };
            }
            assert_eq!(&key[..e.hook.len()], e.key.as_bytes(), "{}", e.kind);
            assert!(EVENTS[..i]
                .iter()
                .all(|o| o.kind != e.kind && o.hook != e.hook));
            let keyed = e.payload != Payload::Custom;
            assert_eq!(by_key(e.key), keyed.then_some(e));
            assert_eq!(by_hook(e.hook), Some(e));
        }
    }

    #[test]
    fn shapes_fit_their_events() {
        for e in EVENTS {
            // Collect-status and actions are never deferred; the others only if Juju
            // lets them be (custom events always can be).
            if e.payload == Payload::Collector || e.target == Target::Action {
                assert!(!e.deferrable, "{}", e.kind);
            }
            assert_eq!(e.payload == Payload::Action, e.target == Target::Action);
            assert_eq!(
                matches!(e.payload, Payload::Collector | Payload::Custom),
                e.source == Source::Framework
            );
            // The commit events take no name and run once per hook, so deferring them
            // could only repeat them (Python `ops` raises on it).
            if e.source == Source::Commit {
                assert!(!e.deferrable && e.target == Target::None, "{}", e.kind);
                assert_eq!(e.payload, Payload::Event, "{}", e.kind);
            }
            // Payloads holding a model object borrow the model.
            if matches!(
                e.target,
                Target::Relation | Target::Container | Target::Action
            ) {
                assert!(e.lifetime, "{}", e.kind);
            }
        }
    }
}
