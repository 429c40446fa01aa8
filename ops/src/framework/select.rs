//! Which event a dispatch is about: the hook or action name from `JUJU_DISPATCH_PATH`,
//! matched against the charm's metadata, with the ids Juju passed in the environment.

use crate::context::JujuContext;
use crate::event::{EventData, EventKind, NoticeRef, SecretRef};
use crate::meta::CharmMeta;
use ops_events::{Source, Target};

/// What `JUJU_DISPATCH_PATH` (or the legacy hook name) selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The hook or action name (`config-changed`, `db-relation-changed`, `backup`).
    pub name: String,
    /// The event, or `None` when the charm's metadata does not declare it (then nothing
    /// is dispatched, but deferred events, collect-status and the commit still run).
    pub event: Option<EventData>,
    /// A restricted context (`collect-metrics`, `meter-status-changed`): no deferred
    /// events are re-emitted and collect-status does not run.
    pub restricted: bool,
}

/// The dispatch path of a legacy hook run through a symlink (`hooks/install` →
/// the charm binary): `hooks/<name>` or `actions/<name>` from `argv[0]`, if it lies in
/// a `hooks` or `actions` directory.
pub fn legacy_dispatch_path(argv0: &str) -> Option<String> {
    let path = std::path::Path::new(argv0);
    let name = path.file_name()?.to_str()?;
    let dir = path.parent()?.file_name()?.to_str()?;
    matches!(dir, "hooks" | "actions").then(|| format!("{dir}/{name}"))
}

/// The event `context` describes, for a charm with metadata `meta`.
pub fn select_event(meta: &CharmMeta, context: &JujuContext) -> Selection {
    let path = context.dispatch_path.trim_matches('/');
    let (dir, name) = path.rsplit_once('/').unwrap_or(("hooks", path));
    let dir = dir.rsplit('/').next().unwrap_or(dir);
    // As Python `ops`: under `actions/` an action, anywhere else (Juju uses `hooks/`) a
    // hook named by the path's last part.
    let action = dir == "actions";
    let restricted = !action && matches!(name, "collect-metrics" | "meter-status-changed");
    let event = if action {
        meta.action(name).map(|action| EventData {
            action_id: context.action_uuid.clone(),
            ..EventData::named(EventKind::Action, action.name)
        })
    } else {
        hook_event(meta, context, name)
    };
    Selection {
        name: name.to_string(),
        event,
        restricted,
    }
}

/// The Juju hook `hook` names: its kind and the metadata name it starts with (`None`
/// for a hook that takes no name), or `None` if no kind fits.
fn split_hook(hook: &str) -> Option<(Option<&str>, EventKind)> {
    EventKind::ALL.iter().find_map(|&kind| {
        let def = kind.def();
        match (def.source, def.target) {
            (Source::Juju, Target::None) => (hook == def.hook).then_some((None, kind)),
            (Source::Juju, Target::Relation | Target::Storage | Target::Container) => hook
                .strip_suffix(def.hook)
                .and_then(|rest| rest.strip_suffix('-'))
                .map(|name| (Some(name), kind)),
            _ => None,
        }
    })
}

fn hook_event(meta: &CharmMeta, context: &JujuContext, hook: &str) -> Option<EventData> {
    let (name, kind) = split_hook(hook)?;
    let Some(name) = name else {
        let mut event = EventData::new(kind);
        if kind.def().key.starts_with("secret_") {
            event.secret = context.secret_id.as_ref().map(|id| SecretRef {
                id: id.clone(),
                label: context.secret_label.clone(),
                revision: context.secret_revision,
            });
        }
        return Some(event);
    };
    match kind.def().target {
        Target::Relation => {
            let relation = meta.relation(name)?;
            let with_unit = matches!(
                kind,
                EventKind::RelationJoined
                    | EventKind::RelationChanged
                    | EventKind::RelationDeparted
            );
            Some(EventData {
                relation_id: context.relation_id,
                remote_app: context.remote_app.clone(),
                remote_unit: context.remote_unit.clone().filter(|_| with_unit),
                departing_unit: context
                    .departing_unit
                    .clone()
                    .filter(|_| kind == EventKind::RelationDeparted),
                ..EventData::named(kind, relation.name)
            })
        }
        Target::Storage => {
            let storage = meta.storage(name)?;
            Some(EventData {
                storage_index: context.storage().map(|(_, index)| index),
                ..EventData::named(kind, storage.name)
            })
        }
        _ => {
            let container = meta.container(name)?;
            let mut event = EventData::named(kind, container.name);
            match kind {
                EventKind::PebbleCustomNotice => {
                    event.notice = match (
                        &context.notice_id,
                        &context.notice_type,
                        &context.notice_key,
                    ) {
                        (Some(id), Some(kind), Some(key)) => Some(NoticeRef {
                            id: id.clone(),
                            kind: kind.clone(),
                            key: key.clone(),
                        }),
                        _ => None,
                    }
                }
                EventKind::PebbleCheckFailed | EventKind::PebbleCheckRecovered => {
                    event.check_name = context.pebble_check_name.clone();
                }
                _ => {}
            }
            Some(event)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{ActionMeta, ContainerMeta, RelationMeta, RelationRole, StorageMeta};

    pub(crate) static META: CharmMeta = CharmMeta {
        name: "demo",
        summary: "",
        description: "",
        subordinate: false,
        containers: &[ContainerMeta {
            name: "demo-server",
            resource: None,
            mounts: &[],
        }],
        resources: &[],
        storages: &[StorageMeta {
            name: "data",
            kind: "filesystem",
            location: None,
            multiple: true,
        }],
        relations: &[
            RelationMeta {
                name: "database",
                role: RelationRole::Requires,
                interface: "postgresql_client",
                limit: Some(1),
                optional: false,
                container_scope: false,
            },
            RelationMeta {
                name: "peer-storage",
                role: RelationRole::Peer,
                interface: "peers",
                limit: None,
                optional: false,
                container_scope: false,
            },
        ],
        extra_bindings: &[],
        config: &[],
        actions: &[ActionMeta {
            name: "get-db-info",
            params: &[],
            additional_properties: true,
        }],
    };

    /// The Juju hooks of `target` in the event table: `(hook-name part, kind)`.
    fn hooks_of(target: Target, prefix: &str) -> Vec<(String, EventKind)> {
        EventKind::ALL
            .iter()
            .filter(|k| k.def().source == Source::Juju && k.def().target == target)
            .map(|&k| (format!("{prefix}{}", k.hook_name()), k))
            .collect()
    }

    fn select(vars: &[(&str, &str)]) -> Selection {
        let ctx = JujuContext::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        select_event(&META, &ctx)
    }

    /// The event table (`ops-events`) and every view of it agree: `EventKind`'s variant
    /// and serde name, the hook names selection accepts, the Python-style label, and the
    /// hook name `ops::testing` runs.
    #[test]
    fn every_kind_follows_the_one_table() {
        assert_eq!(EventKind::ALL.len(), ops_events::EVENTS.len());
        for (&kind, def) in EventKind::ALL.iter().zip(ops_events::EVENTS) {
            assert_eq!(kind.def(), def);
            assert_eq!(format!("{kind:?}"), def.kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), def.hook);
            assert_eq!(
                serde_json::from_value::<EventKind>(def.hook.into()).unwrap(),
                kind
            );
            assert_eq!(kind.is_deferrable(), def.deferrable);
            let name = match def.target {
                Target::None => None,
                Target::Relation => Some("database"),
                Target::Storage => Some("data"),
                Target::Container => Some("demo-server"),
                Target::Action => Some("get-db-info"),
            };
            let event = match name {
                Some(name) => EventData::named(kind, name),
                None => EventData::new(kind),
            };
            let label = crate::framework::event_label(&event);
            assert_eq!(label, label.replace('-', "_"));
            assert!(label.ends_with(def.key), "{label}");
            if def.source != Source::Juju {
                // Juju never dispatches the framework's own events: a hook of that
                // name selects nothing.
                let selected = select(&[("JUJU_DISPATCH_PATH", &format!("hooks/{}", def.hook))]);
                assert_eq!(selected.event, None, "{}", def.hook);
                continue;
            }
            let dir = if def.target == Target::Action {
                "actions"
            } else {
                "hooks"
            };
            let hook = match (def.target, name) {
                (Target::Action, Some(name)) => name.to_string(),
                (_, Some(name)) => format!("{name}-{}", def.hook),
                (_, None) => def.hook.to_string(),
            };
            let selected = select(&[("JUJU_DISPATCH_PATH", &format!("{dir}/{hook}"))]);
            assert_eq!(selected.event.map(|e| e.kind), Some(kind), "{hook}");
            #[cfg(feature = "testing")]
            assert_eq!(crate::testing::context::hook_name(&event), hook);
        }
    }

    #[test]
    fn every_static_hook() {
        for (hook, kind) in &hooks_of(Target::None, "") {
            let s = select(&[("JUJU_DISPATCH_PATH", &format!("hooks/{hook}"))]);
            assert_eq!(s.name, *hook);
            let event = s.event.unwrap();
            assert_eq!(event.kind, *kind);
            assert_eq!(event, EventData::new(*kind), "{hook}");
            assert_eq!(s.restricted, *hook == "collect-metrics");
        }
    }

    #[test]
    fn relation_events_carry_ids_and_units() {
        let base = [
            ("JUJU_RELATION", "database"),
            ("JUJU_RELATION_ID", "database:7"),
            ("JUJU_REMOTE_UNIT", "pg/1"),
            ("JUJU_DEPARTING_UNIT", "pg/1"),
        ];
        for (suffix, kind) in &hooks_of(Target::Relation, "-") {
            let mut vars = base.to_vec();
            let path = format!("hooks/database{suffix}");
            vars.push(("JUJU_DISPATCH_PATH", &path));
            let e = select(&vars).event.unwrap();
            assert_eq!(e.kind, *kind);
            assert_eq!(e.name.as_deref(), Some("database"));
            assert_eq!(e.relation_id, Some(7));
            assert_eq!(e.remote_app.as_deref(), Some("pg"));
            let with_unit = matches!(
                kind,
                EventKind::RelationJoined
                    | EventKind::RelationChanged
                    | EventKind::RelationDeparted
            );
            assert_eq!(e.remote_unit.is_some(), with_unit, "{suffix}");
            assert_eq!(
                e.departing_unit.is_some(),
                *kind == EventKind::RelationDeparted
            );
        }
        // An endpoint whose name looks like another kind's suffix.
        let e = select(&[("JUJU_DISPATCH_PATH", "hooks/peer-storage-relation-joined")])
            .event
            .unwrap();
        assert_eq!(e.kind, EventKind::RelationJoined);
        assert_eq!(e.name.as_deref(), Some("peer-storage"));
    }

    #[test]
    fn storage_events_carry_the_index() {
        for (suffix, kind) in &hooks_of(Target::Storage, "-") {
            let path = format!("hooks/data{suffix}");
            let e = select(&[("JUJU_DISPATCH_PATH", &path), ("JUJU_STORAGE_ID", "data/3")])
                .event
                .unwrap();
            assert_eq!(e.kind, *kind);
            assert_eq!(e.name.as_deref(), Some("data"));
            assert_eq!(e.storage_index, Some(3));
        }
    }

    #[test]
    fn workload_events_carry_notice_and_check() {
        let vars = |hook: &'static str| {
            vec![
                ("JUJU_DISPATCH_PATH", hook),
                ("JUJU_WORKLOAD_NAME", "demo-server"),
                ("JUJU_NOTICE_ID", "12"),
                ("JUJU_NOTICE_TYPE", "custom"),
                ("JUJU_NOTICE_KEY", "example.com/x"),
                ("JUJU_PEBBLE_CHECK_NAME", "ready"),
            ]
        };
        let e = select(&vars("hooks/demo-server-pebble-ready"))
            .event
            .unwrap();
        assert_eq!(e, EventData::named(EventKind::PebbleReady, "demo-server"));
        let e = select(&vars("hooks/demo-server-pebble-custom-notice"))
            .event
            .unwrap();
        assert_eq!(e.kind, EventKind::PebbleCustomNotice);
        assert_eq!(
            e.notice,
            Some(NoticeRef {
                id: "12".into(),
                kind: "custom".into(),
                key: "example.com/x".into()
            })
        );
        for (hook, kind) in [
            (
                "hooks/demo-server-pebble-check-failed",
                EventKind::PebbleCheckFailed,
            ),
            (
                "hooks/demo-server-pebble-check-recovered",
                EventKind::PebbleCheckRecovered,
            ),
        ] {
            let e = select(&vars(hook)).event.unwrap();
            assert_eq!(e.kind, kind);
            assert_eq!(e.check_name.as_deref(), Some("ready"));
            assert_eq!(e.notice, None);
        }
    }

    #[test]
    fn secret_events_carry_the_secret() {
        let e = select(&[
            ("JUJU_DISPATCH_PATH", "hooks/secret-remove"),
            ("JUJU_SECRET_ID", "secret:abc"),
            ("JUJU_SECRET_LABEL", "pw"),
            ("JUJU_SECRET_REVISION", "4"),
        ])
        .event
        .unwrap();
        assert_eq!(e.kind, EventKind::SecretRemove);
        assert_eq!(
            e.secret,
            Some(SecretRef {
                id: "secret:abc".into(),
                label: Some("pw".into()),
                revision: Some(4)
            })
        );
    }

    #[test]
    fn actions_carry_their_id() {
        let s = select(&[
            ("JUJU_DISPATCH_PATH", "actions/get-db-info"),
            ("JUJU_ACTION_NAME", "get-db-info"),
            ("JUJU_ACTION_UUID", "99"),
        ]);
        let e = s.event.unwrap();
        assert_eq!(e.kind, EventKind::Action);
        assert_eq!(e.name.as_deref(), Some("get-db-info"));
        assert_eq!(e.action_id.as_deref(), Some("99"));
    }

    #[test]
    fn undeclared_names_select_nothing() {
        for path in [
            "hooks/cache-relation-changed",
            "hooks/logs-storage-attached",
            "hooks/other-pebble-ready",
            "hooks/something-else",
            "actions/undeclared",
            "actions/install",
        ] {
            let s = select(&[("JUJU_DISPATCH_PATH", path)]);
            assert_eq!(s.event, None, "{path}");
        }
        let s = select(&[("JUJU_DISPATCH_PATH", "hooks/meter-status-changed")]);
        assert_eq!((s.event, s.restricted), (None, true));
    }

    #[test]
    fn the_last_part_names_the_hook_whatever_the_directory() {
        for path in ["elsewhere/install", "install", "/hooks/install/"] {
            let s = select(&[("JUJU_DISPATCH_PATH", path)]);
            assert_eq!(s.name, "install", "{path}");
            assert_eq!(s.event, Some(EventData::new(EventKind::Install)), "{path}");
        }
        assert!(select(&[("JUJU_DISPATCH_PATH", "x/collect-metrics")]).restricted);
        assert!(!select(&[("JUJU_DISPATCH_PATH", "actions/collect-metrics")]).restricted);
    }

    #[test]
    fn legacy_hook_paths() {
        assert_eq!(
            legacy_dispatch_path("/var/lib/juju/charm/hooks/install").as_deref(),
            Some("hooks/install")
        );
        assert_eq!(
            legacy_dispatch_path("actions/backup").as_deref(),
            Some("actions/backup")
        );
        assert_eq!(legacy_dispatch_path("./target/release/demo"), None);
        assert_eq!(legacy_dispatch_path("demo"), None);
    }

    #[test]
    fn odd_dispatch_paths_select_nothing_or_the_last_part() {
        // (path, selected name, whether an event is selected)
        let cases = [
            ("", "", false),
            ("/", "", false),
            ("//", "", false),
            ("hooks/", "hooks", false),
            ("actions/", "actions", false),
            ("actions", "actions", false),
            ("hooks", "hooks", false),
            ("hooks//install", "install", true),
            ("hooks/install/../start", "start", true),
            ("hooks/ install", " install", false),
            ("hooks/INSTALL", "INSTALL", false),
            ("hooks/install\0", "install\0", false),
            ("hooks/-relation-changed", "-relation-changed", false),
            ("hooks/-storage-attached", "-storage-attached", false),
            ("hooks/-pebble-ready", "-pebble-ready", false),
            ("hooks/database-relation-", "database-relation-", false),
            (
                "hooks/database-relation-changed-relation-changed",
                "database-relation-changed-relation-changed",
                false,
            ),
            (
                "hooks/démo-server-pebble-ready",
                "démo-server-pebble-ready",
                false,
            ),
            ("hooks/🦀", "🦀", false),
            ("actions/get-db-info/", "get-db-info", true),
            ("actions/actions/get-db-info", "get-db-info", true),
        ];
        for (path, name, selected) in cases {
            let s = select(&[("JUJU_DISPATCH_PATH", path)]);
            assert_eq!(s.name, name, "{path:?}");
            assert_eq!(s.event.is_some(), selected, "{path:?}");
        }
        let long = format!("hooks/{}-relation-changed", "x".repeat(100_000));
        assert_eq!(select(&[("JUJU_DISPATCH_PATH", &long)]).event, None);
        // Ids that do not parse leave the event without them.
        let s = select(&[
            ("JUJU_DISPATCH_PATH", "hooks/database-relation-changed"),
            ("JUJU_RELATION_ID", "database:-3"),
            ("JUJU_REMOTE_UNIT", "/"),
        ]);
        let event = s.event.unwrap();
        assert_eq!(event.relation_id, None);
        assert_eq!(event.remote_unit.as_deref(), Some("/"));
        let s = select(&[
            ("JUJU_DISPATCH_PATH", "hooks/data-storage-attached"),
            ("JUJU_STORAGE_ID", "data/99999999999"),
        ]);
        assert_eq!(s.event.unwrap().storage_index, None);
        for argv0 in [
            "",
            "/",
            "hooks",
            "hooks/",
            "/hooks",
            "..",
            "hooks/..",
            "x/hooks/..",
        ] {
            assert_eq!(legacy_dispatch_path(argv0), None, "{argv0:?}");
        }
        assert_eq!(
            legacy_dispatch_path("é/hooks/ü").as_deref(),
            Some("hooks/ü")
        );
    }
}
