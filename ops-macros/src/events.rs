//! The `#[on]` keys: every Juju event, what kind of name it takes and its payload type.

/// What an event's `#[on(key = "...")]` name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The event takes no name (`#[on(install)]`).
    None,
    /// A relation endpoint.
    Relation,
    /// A storage.
    Storage,
    /// A container.
    Container,
    /// An action.
    Action,
}

impl Target {
    /// The singular noun (`relation`).
    pub fn noun(self) -> &'static str {
        match self {
            Target::None => "nothing",
            Target::Relation => "relation",
            Target::Storage => "storage",
            Target::Container => "container",
            Target::Action => "action",
        }
    }

    /// The plural noun, as a list heading (`relations`).
    pub fn plural(self) -> &'static str {
        match self {
            Target::None => "nothing",
            Target::Relation => "relations",
            Target::Storage => "storages",
            Target::Container => "containers",
            Target::Action => "actions",
        }
    }
}

/// How a handler of the event receives its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `&T`, where `T` is `ops::event::<name>` (deferrable through `Deferrable`).
    Event,
    /// `&mut ops::Action<P>`.
    Action,
    /// `&mut ops::StatusCollector`.
    Collector,
}

/// One `#[on]` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The key, as written in `#[on(...)]`.
    pub key: &'static str,
    /// The `ops::EventKind` variant.
    pub kind: &'static str,
    /// What its name refers to.
    pub target: Target,
    /// The payload type's name (`RelationChanged`, `Action`, `StatusCollector`).
    pub payload_name: &'static str,
    /// How the payload is passed.
    pub payload: Payload,
}

macro_rules! table {
    ($($key:literal => $kind:ident, $target:ident, $payload:ident, $pname:ident;)*) => {
        /// Every `#[on]` key, in Juju's documentation order.
        pub const EVENTS: &[EventSpec] = &[$(EventSpec {
            key: $key,
            kind: stringify!($kind),
            target: Target::$target,
            payload_name: stringify!($pname),
            payload: Payload::$payload,
        },)*];
    };
}

table! {
    "install" => Install, None, Event, Install;
    "start" => Start, None, Event, Start;
    "stop" => Stop, None, Event, Stop;
    "remove" => Remove, None, Event, Remove;
    "update_status" => UpdateStatus, None, Event, UpdateStatus;
    "config_changed" => ConfigChanged, None, Event, ConfigChanged;
    "upgrade_charm" => UpgradeCharm, None, Event, UpgradeCharm;
    "leader_elected" => LeaderElected, None, Event, LeaderElected;
    "leader_settings_changed" => LeaderSettingsChanged, None, Event, LeaderSettingsChanged;
    "pre_series_upgrade" => PreSeriesUpgrade, None, Event, PreSeriesUpgrade;
    "post_series_upgrade" => PostSeriesUpgrade, None, Event, PostSeriesUpgrade;
    "collect_metrics" => CollectMetrics, None, Event, CollectMetrics;
    "secret_changed" => SecretChanged, None, Event, SecretChanged;
    "secret_expired" => SecretExpired, None, Event, SecretExpired;
    "secret_remove" => SecretRemove, None, Event, SecretRemove;
    "secret_rotate" => SecretRotate, None, Event, SecretRotate;
    "relation_created" => RelationCreated, Relation, Event, RelationCreated;
    "relation_joined" => RelationJoined, Relation, Event, RelationJoined;
    "relation_changed" => RelationChanged, Relation, Event, RelationChanged;
    "relation_departed" => RelationDeparted, Relation, Event, RelationDeparted;
    "relation_broken" => RelationBroken, Relation, Event, RelationBroken;
    "storage_attached" => StorageAttached, Storage, Event, StorageAttached;
    "storage_detaching" => StorageDetaching, Storage, Event, StorageDetaching;
    "pebble_ready" => PebbleReady, Container, Event, PebbleReady;
    "pebble_custom_notice" => PebbleCustomNotice, Container, Event, PebbleCustomNotice;
    "pebble_check_failed" => PebbleCheckFailed, Container, Event, PebbleCheckFailed;
    "pebble_check_recovered" => PebbleCheckRecovered, Container, Event, PebbleCheckRecovered;
    "action" => Action, Action, Action, Action;
    "collect_unit_status" => CollectUnitStatus, None, Collector, StatusCollector;
    "collect_app_status" => CollectAppStatus, None, Collector, StatusCollector;
}

/// The spec for `key`, if it is one.
pub fn lookup(key: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|e| e.key == key)
}

/// Whether the payload type carries a lifetime (`RelationChanged<'m>`).
pub fn payload_has_lifetime(spec: &EventSpec) -> bool {
    matches!(
        spec.target,
        Target::Relation | Target::Container | Target::Action
    ) || spec.key.starts_with("secret_")
}
