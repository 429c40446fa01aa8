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
    use crate::meta::{
        ActionMeta, ContainerMeta, RelationMeta, RelationRole, StorageMeta, StorageRange,
        StorageType,
    };

    pub(crate) static META: CharmMeta = CharmMeta {
        containers: &[ContainerMeta::new("demo-server")],
        storages: &[StorageMeta {
            multiple: Some(StorageRange { min: 0, max: None }),
            ..StorageMeta::new("data", StorageType::Filesystem)
        }],
        relations: &[
            RelationMeta {
                limit: Some(1),
                ..RelationMeta::new("database", RelationRole::Requires, "postgresql_client")
            },
            RelationMeta::new("peer-storage", RelationRole::Peer, "peers"),
        ],
        actions: &[ActionMeta::new("get-db-info")],
        ..CharmMeta::named("demo")
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

    /// One row of the context table: a hook, the variables Juju sets for it, and what
    /// leaving out each of them gives (`Some(fatal)`, or `None`: nothing is missed).
    type ContextCase = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [(&'static str, Option<bool>)],
    );

    const RELATION_ENV: &[(&str, &str)] = &[
        ("JUJU_RELATION", "database"),
        ("JUJU_RELATION_ID", "database:3"),
        ("JUJU_REMOTE_APP", "pg"),
    ];
    const UNIT_ENV: &[(&str, &str)] = &[
        ("JUJU_RELATION", "database"),
        ("JUJU_RELATION_ID", "database:3"),
        ("JUJU_REMOTE_APP", "pg"),
        ("JUJU_REMOTE_UNIT", "pg/0"),
    ];
    const RELATION_NEEDS: &[(&str, Option<bool>)] = &[
        ("JUJU_RELATION", Some(true)),
        ("JUJU_RELATION_ID", Some(true)),
        ("JUJU_REMOTE_APP", Some(false)),
    ];
    const SECRET_ENV: &[(&str, &str)] = &[
        ("JUJU_SECRET_ID", "secret:abc"),
        ("JUJU_SECRET_LABEL", "db-pass"),
        ("JUJU_SECRET_REVISION", "4"),
    ];
    const WORKLOAD_ENV: &[(&str, &str)] = &[("JUJU_WORKLOAD_NAME", "demo-server")];

    /// Every event kind Juju dispatches that needs variables, with Python `ops`' verdict
    /// where it goes on without one (a warning) and where the event cannot be built.
    const CONTEXT_CASES: &[ContextCase] = &[
        (
            "hooks/database-relation-created",
            RELATION_ENV,
            RELATION_NEEDS,
        ),
        (
            "hooks/database-relation-broken",
            RELATION_ENV,
            RELATION_NEEDS,
        ),
        (
            "hooks/database-relation-joined",
            UNIT_ENV,
            &[
                ("JUJU_RELATION", Some(true)),
                ("JUJU_RELATION_ID", Some(true)),
                // Taken from the remote unit's name.
                ("JUJU_REMOTE_APP", None),
                ("JUJU_REMOTE_UNIT", Some(false)),
            ],
        ),
        (
            "hooks/database-relation-changed",
            UNIT_ENV,
            &[
                ("JUJU_RELATION", Some(true)),
                ("JUJU_RELATION_ID", Some(true)),
                ("JUJU_REMOTE_APP", None),
                // An application databag change has none.
                ("JUJU_REMOTE_UNIT", None),
            ],
        ),
        (
            "hooks/database-relation-departed",
            &[
                ("JUJU_RELATION", "database"),
                ("JUJU_RELATION_ID", "database:3"),
                ("JUJU_REMOTE_APP", "pg"),
                ("JUJU_REMOTE_UNIT", "pg/0"),
                ("JUJU_DEPARTING_UNIT", "pg/0"),
            ],
            &[
                ("JUJU_RELATION", Some(true)),
                ("JUJU_RELATION_ID", Some(true)),
                ("JUJU_REMOTE_APP", None),
                ("JUJU_REMOTE_UNIT", Some(false)),
                ("JUJU_DEPARTING_UNIT", Some(false)),
            ],
        ),
        (
            "hooks/secret-changed",
            SECRET_ENV,
            &[
                ("JUJU_SECRET_ID", Some(true)),
                ("JUJU_SECRET_LABEL", None),
                ("JUJU_SECRET_REVISION", None),
            ],
        ),
        (
            "hooks/secret-rotate",
            SECRET_ENV,
            &[
                ("JUJU_SECRET_ID", Some(true)),
                ("JUJU_SECRET_LABEL", None),
                ("JUJU_SECRET_REVISION", None),
            ],
        ),
        (
            "hooks/secret-remove",
            SECRET_ENV,
            &[
                ("JUJU_SECRET_ID", Some(true)),
                ("JUJU_SECRET_LABEL", None),
                ("JUJU_SECRET_REVISION", Some(false)),
            ],
        ),
        (
            "hooks/secret-expired",
            SECRET_ENV,
            &[
                ("JUJU_SECRET_ID", Some(true)),
                ("JUJU_SECRET_LABEL", None),
                ("JUJU_SECRET_REVISION", Some(false)),
            ],
        ),
        (
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "data/2")],
            &[("JUJU_STORAGE_ID", Some(true))],
        ),
        (
            "hooks/data-storage-detaching",
            &[("JUJU_STORAGE_ID", "data/2")],
            &[("JUJU_STORAGE_ID", Some(true))],
        ),
        (
            "hooks/demo-server-pebble-ready",
            WORKLOAD_ENV,
            &[("JUJU_WORKLOAD_NAME", Some(true))],
        ),
        (
            "hooks/demo-server-pebble-custom-notice",
            &[
                ("JUJU_WORKLOAD_NAME", "demo-server"),
                ("JUJU_NOTICE_ID", "7"),
                ("JUJU_NOTICE_TYPE", "custom"),
                ("JUJU_NOTICE_KEY", "example.com/a"),
            ],
            &[
                ("JUJU_WORKLOAD_NAME", Some(true)),
                ("JUJU_NOTICE_ID", Some(true)),
                ("JUJU_NOTICE_TYPE", Some(true)),
                ("JUJU_NOTICE_KEY", Some(true)),
            ],
        ),
        (
            "hooks/demo-server-pebble-check-failed",
            &[
                ("JUJU_WORKLOAD_NAME", "demo-server"),
                ("JUJU_PEBBLE_CHECK_NAME", "up"),
            ],
            &[
                ("JUJU_WORKLOAD_NAME", Some(true)),
                ("JUJU_PEBBLE_CHECK_NAME", Some(true)),
            ],
        ),
        (
            "hooks/demo-server-pebble-check-recovered",
            &[
                ("JUJU_WORKLOAD_NAME", "demo-server"),
                ("JUJU_PEBBLE_CHECK_NAME", "up"),
            ],
            &[
                ("JUJU_WORKLOAD_NAME", Some(true)),
                ("JUJU_PEBBLE_CHECK_NAME", Some(true)),
            ],
        ),
        (
            "actions/get-db-info",
            &[
                ("JUJU_ACTION_NAME", "get-db-info"),
                ("JUJU_ACTION_UUID", "42"),
            ],
            &[
                ("JUJU_ACTION_NAME", Some(false)),
                ("JUJU_ACTION_UUID", Some(false)),
            ],
        ),
        ("hooks/install", &[], &[]),
        ("hooks/config-changed", &[], &[]),
    ];

    fn problems(path: &str, env: &[(&str, &str)]) -> Vec<crate::context::ContextProblem> {
        let mut vars = vec![("JUJU_DISPATCH_PATH", path)];
        vars.extend_from_slice(env);
        let ctx = JujuContext::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let event = select_event(&META, &ctx).event.expect(path);
        ctx.problems_for(&event)
    }

    #[test]
    fn each_event_kind_reports_the_variables_it_lacks() {
        for (path, env, needs) in CONTEXT_CASES {
            assert_eq!(problems(path, env), [], "{path} with everything");
            assert_eq!(needs.len(), env.len(), "{path}: one verdict per variable");
            for (variable, verdict) in *needs {
                let without: Vec<(&str, &str)> =
                    env.iter().copied().filter(|(k, _)| k != variable).collect();
                let got: Vec<(&str, bool)> = problems(path, &without)
                    .iter()
                    .map(|p| (p.variable, p.fatal))
                    .collect();
                let want: Vec<(&str, bool)> = verdict.iter().map(|f| (*variable, *f)).collect();
                assert_eq!(got, want, "{path} without {variable}");
            }
        }
        // Every kind Juju dispatches with a name is in the table.
        for kind in EventKind::ALL {
            let def = kind.def();
            if def.source == Source::Juju && def.target != Target::None {
                assert!(
                    CONTEXT_CASES
                        .iter()
                        .any(|(path, _, _)| path.ends_with(def.hook)
                            || (def.target == Target::Action && path.starts_with("actions/"))),
                    "{kind:?}"
                );
            }
        }
    }

    #[test]
    fn a_variable_naming_another_thing_than_the_hook_is_reported() {
        let other = |path: &str, env: &[(&str, &str)]| -> Vec<(&'static str, bool, String)> {
            problems(path, env)
                .into_iter()
                .map(|p| (p.variable, p.fatal, p.message))
                .collect()
        };
        assert_eq!(
            other(
                "hooks/database-relation-changed",
                &[("JUJU_RELATION", "peer-storage"), ("JUJU_RELATION_ID", "peer-storage:1"), ("JUJU_REMOTE_APP", "demo")]
            ),
            [(
                "JUJU_RELATION",
                true,
                "JUJU_RELATION names \"peer-storage\", but database-relation-changed is about \"database\"".to_string()
            )]
        );
        let storage = other(
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "logs/1")],
        );
        assert_eq!((storage[0].0, storage[0].1), ("JUJU_STORAGE_ID", true));
        let workload = other(
            "hooks/demo-server-pebble-ready",
            &[("JUJU_WORKLOAD_NAME", "other")],
        );
        assert_eq!((workload[0].0, workload[0].1), ("JUJU_WORKLOAD_NAME", true));
        // The action runs from its dispatch path: a different JUJU_ACTION_NAME is a warning.
        let action = other(
            "actions/get-db-info",
            &[("JUJU_ACTION_NAME", "backup"), ("JUJU_ACTION_UUID", "1")],
        );
        assert_eq!((action[0].0, action[0].1), ("JUJU_ACTION_NAME", false));
    }

    #[test]
    fn problems_name_the_variable_and_the_hook() {
        let messages: Vec<String> = problems(
            "hooks/database-relation-departed",
            &[("JUJU_RELATION", "database")],
        )
        .into_iter()
        .map(|p| p.message)
        .collect();
        assert_eq!(
            messages,
            [
                "JUJU_RELATION_ID is not set: database-relation-departed needs the relation's id",
                "JUJU_REMOTE_APP is not set for database-relation-departed: the remote application is unknown (the event's app is None)",
                "JUJU_REMOTE_UNIT is not set for database-relation-departed: the remote unit is unknown (the event's unit is None)",
                "JUJU_DEPARTING_UNIT is not set for database-relation-departed: the departing unit is unknown (the event's departing unit is None)",
            ]
        );
    }
}
