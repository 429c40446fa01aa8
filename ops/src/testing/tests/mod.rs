//! Tests of `ops::testing` with a hand-written charm (the trait `#[charm]` implements).

use super::*;
use crate::backend::{LogLevel, Port};
use crate::charm::{Charm, CharmConfig};
use crate::event::{EventData, EventKind, FromEvent};
use crate::meta::*;
use crate::model::{Member, Model, ModelCore};
use crate::status::{Status, StatusCollector};
use crate::values::ValueError;
use ops_pebble::{Layer, Pebble, PushOptions, ServiceStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

static META: CharmMeta = CharmMeta {
    name: "demo",
    summary: "",
    description: "",
    subordinate: false,
    containers: &[ContainerMeta {
        name: "workload",
        resource: None,
        mounts: &[],
    }],
    resources: &[ResourceMeta {
        name: "blob",
        kind: "file",
        filename: Some("blob.bin"),
    }],
    storages: &[
        StorageMeta {
            name: "data",
            kind: "filesystem",
            location: Some("/srv/data"),
            multiple: false,
        },
        StorageMeta {
            name: "cache",
            kind: "filesystem",
            location: None,
            multiple: true,
        },
    ],
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
            name: "cluster",
            role: RelationRole::Peer,
            interface: "demo-peers",
            limit: None,
            optional: false,
            container_scope: false,
        },
        RelationMeta {
            name: "logging",
            role: RelationRole::Provides,
            interface: "logs",
            limit: None,
            optional: false,
            container_scope: true,
        },
    ],
    extra_bindings: &["metrics"],
    config: &[
        ConfigOptionMeta {
            name: "port",
            kind: ConfigKind::Int,
            default: Some("8080"),
        },
        ConfigOptionMeta {
            name: "mode",
            kind: ConfigKind::String,
            default: None,
        },
        ConfigOptionMeta {
            name: "debug",
            kind: ConfigKind::Boolean,
            default: Some("false"),
        },
        ConfigOptionMeta {
            name: "ratio",
            kind: ConfigKind::Float,
            default: None,
        },
        ConfigOptionMeta {
            name: "creds",
            kind: ConfigKind::Secret,
            default: None,
        },
    ],
    actions: &[ActionMeta {
        name: "backup",
        params: &[
            ParamMeta {
                name: "target",
                kind: "string",
                required: true,
                enum_values: &[],
            },
            ParamMeta {
                name: "count",
                kind: "integer",
                required: false,
                enum_values: &[],
            },
            ParamMeta {
                name: "mode",
                kind: "string",
                required: false,
                enum_values: &["\"full\"", "\"incremental\""],
            },
            ParamMeta {
                name: "level",
                kind: "integer",
                required: false,
                enum_values: &["1", "9"],
            },
            ParamMeta {
                name: "ratio",
                kind: "number",
                required: false,
                enum_values: &["0.5", "1.0"],
            },
        ],
        additional_properties: false,
    }],
};

struct DemoConfig {
    port: i64,
    mode: Option<String>,
}

impl CharmConfig for DemoConfig {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(DemoConfig {
            port: values.get("port").and_then(Value::as_i64).unwrap_or(0),
            mode: values
                .get("mode")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

/// A charm written by hand: what `#[charm]` would generate, with behaviour chosen by the
/// `mode` config option so each test can steer it.
#[derive(Default, Debug, Serialize, Deserialize, PartialEq)]
struct Demo {
    seen: Vec<String>,
}

fn log(model: &ModelCore, message: &str) {
    let _ = model.backend().juju_log(LogLevel::Info, message);
}

impl Demo {
    fn handle(&mut self, model: &Model<Demo>, event: &EventData) -> crate::Result<bool> {
        let core = model.core();
        let config = model.config()?;
        let mode = config.mode.as_deref().unwrap_or("");
        match event.kind {
            EventKind::ConfigChanged => {
                if mode == "fail" {
                    return Err(crate::Error::msg("port must be positive"));
                }
                if mode == "panic" {
                    panic!("unlucky config");
                }
                if mode == "abort" {
                    self.seen.push("aborting".into());
                    return Err(crate::Abort::blocked("mode abort is not supported").into());
                }
                log(core, &format!("port is {}", config.port));
                core.backend()
                    .status_set(&Status::maintenance("configuring"), false)?;
                core.backend()
                    .status_set(&Status::active(format!("port {}", config.port)), false)?;
                core.backend().application_version_set("1.0")?;
                core.backend().application_version_set("1.1")?;
                if core.backend().is_leader()? {
                    core.backend()
                        .status_set(&Status::active("leading"), true)?;
                }
            }
            EventKind::Start if mode == "defer" => return Ok(true),
            EventKind::UpdateStatus => {
                log::info!("updating status");
                log::debug!("port {}", config.port);
                core.backend().open_port(Port::tcp(80))?;
                core.backend().close_port(Port::tcp(443))?;
            }
            EventKind::RelationChanged if mode == "defer-relation" => {
                let ev = crate::event::RelationChanged::from_event(core, event)?;
                if ev.relation.active()? {
                    return Ok(true);
                }
                log(
                    core,
                    &format!(
                        "relation {} gone: units {:?}, listed {}, event app {:?}, remote app {:?}",
                        ev.relation.id,
                        ev.relation.units()?,
                        core.relations_of("db")?.len(),
                        ev.app,
                        ev.relation.remote_app()?.map(|a| a.name().to_string())
                    ),
                );
            }
            EventKind::RelationChanged => {
                let ev = crate::event::RelationChanged::from_event(core, event)?;
                let host = ev.relation.data(Member::RemoteApp)?.get("host").cloned();
                ev.relation.update(
                    Member::ThisUnit,
                    [("seen-host", host.unwrap_or_else(|| "none".into()))],
                )?;
                if let Some(unit) = &ev.remote_unit {
                    log(core, &format!("changed by {unit}"));
                }
            }
            EventKind::RelationDeparted => {
                let ev = crate::event::RelationDeparted::from_event(core, event)?;
                log(
                    core,
                    &format!(
                        "departed {:?} departing {:?}",
                        ev.remote_unit, ev.departing_unit
                    ),
                );
            }
            EventKind::PebbleReady => {
                let container = core.container(event.name.as_deref().unwrap_or(""));
                let layer = Layer::from_yaml(&format!(
                    "services:\n  web:\n    override: replace\n    command: serve --port {}\n    startup: enabled\n",
                    config.port
                ))?;
                container.add_layer("web", &layer, true)?;
                container.replan()?;
                container.push(
                    "/etc/web/port",
                    config.port.to_string(),
                    &PushOptions {
                        make_dirs: true,
                        ..PushOptions::default()
                    },
                )?;
                let (out, _) = container.exec(["web", "--version"]).wait_output()?;
                core.backend().application_version_set(out.trim())?;
            }
            EventKind::PebbleCheckFailed => {
                let ev = crate::event::PebbleCheckFailed::from_event(core, event)?;
                log(core, &format!("check {} failed", ev.check_name));
            }
            EventKind::PebbleCustomNotice => {
                let ev = crate::event::PebbleCustomNotice::from_event(core, event)?;
                log(core, &format!("notice {}", ev.notice.key));
            }
            EventKind::StorageAttached => {
                let ev = crate::event::StorageAttached::from_event(core, event)?;
                log(
                    core,
                    &format!("storage at {}", ev.storage.location.display()),
                );
            }
            EventKind::SecretChanged => {
                let id = event
                    .secret
                    .as_ref()
                    .map(|s| s.id.clone())
                    .unwrap_or_default();
                let content = core.backend().secret_get(
                    crate::backend::SecretLookup::Id(&id),
                    crate::backend::SecretRead::Refresh,
                )?;
                log(
                    core,
                    &format!("secret keys {:?}", content.keys().collect::<Vec<_>>()),
                );
            }
            EventKind::SecretRemove => {
                let s = event.secret.clone().unwrap_or_else(|| unreachable!());
                core.backend().secret_remove(&s.id, s.revision)?;
            }
            EventKind::Action => {
                let params = core.backend().action_get()?;
                let target = params.get("target").and_then(Value::as_str).unwrap_or("");
                core.backend().action_log("starting backup")?;
                let results = [
                    ("where".to_string(), target.to_string()),
                    ("size.bytes".to_string(), "42".to_string()),
                ]
                .into_iter()
                .collect();
                core.backend().action_set(&results)?;
                if target == "nowhere" {
                    core.backend().action_fail("no such target")?;
                }
                core.backend().storage_add("cache", 2)?;
            }
            EventKind::CollectUnitStatus if mode == "collect" => {
                let mut collector = StatusCollector::new();
                collector.add(Status::active("all good"));
                collector.add(Status::blocked("needs db"));
                core.collect_statuses(event.kind, collector);
            }
            EventKind::CollectAppStatus if mode == "collect" => {
                let mut collector = StatusCollector::new();
                collector.add(Status::waiting("app waiting"));
                core.collect_statuses(event.kind, collector);
            }
            _ => {}
        }
        Ok(false)
    }
}

impl Charm for Demo {
    const META: &'static CharmMeta = &META;
    type Config = DemoConfig;
    type Relations<'m> = ();
    type Containers<'m> = ();
    type Storages<'m> = ();
    type Resources<'m> = ();

    fn relations(_: &ModelCore) {}
    fn containers(_: &ModelCore) {}
    fn storages(_: &ModelCore) {}
    fn resources(_: &ModelCore) {}

    fn observers(_: &EventData) -> &'static [&'static str] {
        &["on_event"]
    }

    fn dispatch(
        &mut self,
        model: &Model<Self>,
        event: &EventData,
        only: Option<&str>,
    ) -> crate::Result<Vec<&'static str>> {
        if only.is_some_and(|h| h != "on_event") {
            return Ok(Vec::new());
        }
        self.seen.push(super::context::hook_name(event));
        let deferred = self.handle(model, event)?;
        Ok(if deferred {
            vec!["on_event"]
        } else {
            Vec::new()
        })
    }
}

fn ctx() -> Context<Demo> {
    Context::new()
}

fn stored(state: &State) -> Demo {
    state.get_stored::<Demo>().expect("stored state")
}

// ---------------------------------------------------------------- lifecycle, status, logs

#[test]
fn config_changed_sets_status_logs_and_versions() {
    let mut ctx = ctx();
    let state = State::new().config("port", 9000);
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(out.unit_status, Status::active("port 9000"));
    assert_eq!(
        ctx.unit_status_history(),
        &[Status::unknown(), Status::maintenance("configuring")]
    );
    assert_eq!(out.workload_version, "1.1");
    assert_eq!(ctx.workload_version_history(), &["1.0".to_string()]);
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "port is 9000")));
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Debug,
        "Emitting Juju event config_changed."
    )));
    // Not the leader: the app status is untouched.
    assert_eq!(out.app_status, Status::unknown());
    assert_eq!(
        stored(&out).seen,
        vec!["config-changed", "collect-unit-status"]
    );
}

#[test]
fn input_state_is_untouched() {
    let mut ctx = ctx();
    let state = State::new().config("port", 1).leader(true);
    let before = state.clone();
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(state, before);
    assert_ne!(out, before);
    assert_eq!(out.app_status, Status::active("leading"));
}

#[test]
fn config_defaults_come_from_the_metadata() {
    let mut ctx = ctx();
    let out = ctx.run(ctx.on.config_changed(), &State::new()).unwrap();
    assert_eq!(out.unit_status, Status::active("port 8080"));
}

#[test]
fn emitted_events_include_collect_status_and_app_status_on_the_leader() {
    let mut ctx = ctx();
    ctx.run(ctx.on.install(), &State::new().leader(true))
        .unwrap();
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Install,
            EventKind::CollectAppStatus,
            EventKind::CollectUnitStatus
        ]
    );
    ctx.run(ctx.on.install(), &State::new()).unwrap();
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Install, EventKind::CollectUnitStatus]
    );
}

#[test]
fn collect_status_picks_the_highest_priority() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "collect").leader(true);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(out.unit_status, Status::blocked("needs db"));
    assert_eq!(out.app_status, Status::waiting("app waiting"));
}

#[test]
fn stored_state_round_trips() {
    let mut ctx = ctx();
    let state = State::new().stored(&Demo {
        seen: vec!["earlier".into()],
    });
    let out = ctx.run(ctx.on.start(), &state).unwrap();
    assert_eq!(
        stored(&out).seen,
        vec!["earlier", "start", "collect-unit-status"]
    );
}

#[test]
fn deferred_events_are_reemitted_first_and_kept_when_deferred_again() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "defer");
    let out = ctx.run(ctx.on.start(), &state).unwrap();
    assert_eq!(out.deferred, vec![ctx.on.start().deferred("on_event")]);
    // Next hook: the deferred start runs first, defers again; the new event runs.
    let out2 = ctx.run(ctx.on.update_status(), &out).unwrap();
    assert_eq!(out2.deferred.len(), 1);
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(kinds[..2], [EventKind::Start, EventKind::UpdateStatus]);
    // Once the charm stops deferring, the queue empties.
    let out3 = ctx
        .run(ctx.on.update_status(), &out2.clone().config("mode", "x"))
        .unwrap();
    assert!(out3.deferred.is_empty());
}

#[test]
fn log_macros_reach_juju_log() {
    let mut ctx = ctx();
    ctx.run(ctx.on.update_status(), &State::new()).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "updating status")));
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Debug, "port 8080")));
    // Every handler run is recorded too.
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert_eq!(handlers, vec!["on_event", "on_event"]);
}

#[test]
fn ports_open_and_close() {
    let mut ctx = ctx();
    let state = State::new().opened_port(Port::tcp(443));
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(
        out.opened_ports.iter().copied().collect::<Vec<_>>(),
        vec![Port::tcp(80)]
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn handler_error_is_returned_with_the_message_and_nothing_is_committed() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "fail");
    let err = ctx.run(ctx.on.config_changed(), &state).unwrap_err();
    match &err {
        RunError::Charm {
            event,
            message,
            panicked,
        } => {
            assert_eq!(event, "config-changed");
            assert!(message.contains("port must be positive"), "{message}");
            assert!(!panicked);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("port must be positive"));
    assert!(ctx
        .juju_log()
        .iter()
        .any(|l| l.level == LogLevel::Error && l.message.contains("port must be positive")));
}

#[test]
fn abort_ends_the_run_normally_with_the_status_and_commits_no_charm_state() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "abort");
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("mode abort is not supported")
    );
    assert_eq!(out.stored_state, None, "the charm's state is not committed");
    assert!(ctx
        .juju_log()
        .iter()
        .any(|l| l.level == LogLevel::Warning && l.message.contains("ended early")));
}

#[test]
fn handler_panic_is_returned_as_an_error() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "panic");
    match ctx.run(ctx.on.config_changed(), &state) {
        Err(RunError::Charm {
            message, panicked, ..
        }) => {
            assert!(panicked);
            assert_eq!(message, "unlucky config");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bad_stored_state_is_an_error() {
    let mut ctx = ctx();
    let mut state = State::new();
    state.stored_state = Some(json!({"seen": 3}));
    let err = ctx.run(ctx.on.start(), &state).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
}

// ---------------------------------------------------------------- actions

#[test]
fn action_results_logs_and_storage_requests() {
    let mut ctx = ctx();
    let event = ctx.on.action("backup").param("target", "s3");
    let out = ctx.run(event, &State::new()).unwrap();
    assert_eq!(ctx.action_logs(), &["starting backup".to_string()]);
    let results = ctx.action_results().unwrap();
    assert_eq!(results.get("where").map(String::as_str), Some("s3"));
    assert_eq!(
        ctx.action_results_json().unwrap(),
        json!({"where": "s3", "size": {"bytes": "42"}})
    );
    assert_eq!(ctx.requested_storages().get("cache"), Some(&2));
    assert_eq!(ctx.action_failure(), None);
    assert_eq!(out.unit_status, Status::unknown());
}

#[test]
fn failed_action_returns_message_results_and_logs() {
    let mut ctx = ctx();
    let event = ctx.on.action("backup").param("target", "nowhere");
    match ctx.run(event, &State::new()) {
        Err(RunError::ActionFailed {
            message,
            results,
            logs,
            state,
        }) => {
            assert_eq!(message, "no such target");
            assert_eq!(results.get("where").map(String::as_str), Some("nowhere"));
            assert_eq!(logs, vec!["starting backup".to_string()]);
            assert_eq!(state.unit_status, Status::unknown());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn action_tools_outside_an_action_fail() {
    let mut ctx = ctx();
    let sim_err = {
        // action-get during install: the backend refuses.
        let state = State::new();
        let mut h = Harness::<Demo>::new();
        h.begin().unwrap();
        let model = h.model();
        let r = model.core().backend().action_get();
        drop(state);
        r
    };
    assert!(sim_err.is_err());
    // And through a run: the action event gets its params.
    let out = ctx.run(ctx.on.action("backup").param("target", "x"), &State::new());
    assert!(out.is_ok());
}

// ---------------------------------------------------------------- relations

#[test]
fn relation_changed_reads_remote_app_data_and_writes_local_unit_data() {
    let mut ctx = ctx();
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_app_data([("host", "db.local")]);
    let state = State::new().relation(db.clone());
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    let rel = out.get_relation(db.id).unwrap();
    assert_eq!(
        rel.local_unit_data.get("seen-host").map(String::as_str),
        Some("db.local")
    );
    // The default addresses stay.
    assert_eq!(
        rel.local_unit_data
            .get("ingress-address")
            .map(String::as_str),
        Some("192.0.2.0")
    );
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "changed by postgresql/0")));
}

#[test]
fn relation_event_factories_fill_the_event_data() {
    let ctx = ctx();
    let db = Relation::new("db")
        .remote_app_name("pg")
        .remote_unit(3, [("a", "b")]);
    let created = ctx.on.relation_created(&db);
    assert_eq!(created.data.kind, EventKind::RelationCreated);
    assert_eq!(created.data.name.as_deref(), Some("db"));
    assert_eq!(created.data.relation_id, Some(db.id));
    assert_eq!(created.data.remote_app.as_deref(), Some("pg"));
    assert_eq!(created.data.remote_unit, None);
    assert_eq!(created.hook_name(), "db-relation-created");

    let joined = ctx.on.relation_joined(&db);
    assert_eq!(joined.data.remote_unit.as_deref(), Some("pg/0"));
    let joined3 = ctx.on.relation_joined(&db).remote_unit(3);
    assert_eq!(joined3.data.remote_unit.as_deref(), Some("pg/3"));

    let changed = ctx.on.relation_changed(&db);
    assert_eq!(changed.data.kind, EventKind::RelationChanged);
    assert_eq!(changed.data.remote_unit.as_deref(), Some("pg/0"));
    assert_eq!(ctx.on.relation_changed_app(&db).data.remote_unit, None);

    let departed = ctx
        .on
        .relation_departed(&db)
        .remote_unit(3)
        .departing_unit(3);
    assert_eq!(departed.data.kind, EventKind::RelationDeparted);
    assert_eq!(departed.data.remote_unit.as_deref(), Some("pg/3"));
    assert_eq!(departed.data.departing_unit.as_deref(), Some("pg/3"));

    let broken = ctx.on.relation_broken(&db);
    assert_eq!(broken.data.kind, EventKind::RelationBroken);
    assert_eq!(broken.hook_name(), "db-relation-broken");

    // Peers: the remote app is this app.
    let peers = Relation::peer("cluster").peer_unit(1, [("k", "v")]);
    let ev = ctx.on.relation_changed(&peers);
    assert_eq!(ev.data.remote_app.as_deref(), Some("demo"));
    assert_eq!(ev.data.remote_unit.as_deref(), Some("demo/1"));
}

#[test]
fn relation_departed_runs_with_remote_and_departing_unit() {
    let mut ctx = ctx();
    let db = Relation::new("db").remote_unit(1, [("x", "y")]);
    let state = State::new().relation(db.clone());
    let ev = ctx
        .on
        .relation_departed(&db)
        .remote_unit(1)
        .departing_unit(1);
    ctx.run(ev, &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "departed Some(\"remote/1\") departing Some(\"remote/1\")"
    )));
}

#[test]
fn relation_events_run_for_peer_and_subordinate_relations() {
    let mut ctx = ctx();
    let peers = Relation::peer("cluster")
        .peer_unit(1, [("k", "v")])
        .local_app_data([("shared", "1")]);
    let logging = Relation::subordinate("logging").remote_app_name("principal");
    let state = State::new()
        .relation(peers.clone())
        .relation(logging.clone());
    for event in [
        ctx.on.relation_created(&peers),
        ctx.on.relation_joined(&peers),
        ctx.on.relation_broken(&peers),
        ctx.on.relation_created(&logging),
        ctx.on.relation_joined(&logging),
        ctx.on.relation_broken(&logging),
    ] {
        let hook = event.hook_name();
        let out = ctx.run(event, &state).unwrap();
        assert!(stored(&out).seen.contains(&hook), "{hook}");
    }
}

#[test]
fn non_leader_cannot_write_app_data() {
    let mut h = Harness::<Demo>::new();
    let id = h.add_relation("db", "pg").unwrap();
    let model = h.model();
    let rel = model.core().get_relation("db", Some(id)).unwrap().unwrap();
    assert!(rel.update(Member::ThisApp, [("k", "v")]).is_err());
    // The leader can.
    h.set_leader(true).unwrap();
    let model = h.model();
    let rel = model.core().get_relation("db", Some(id)).unwrap().unwrap();
    rel.update(Member::ThisApp, [("k", "v")]).unwrap();
    h.flush(&model).unwrap();
    assert_eq!(
        h.get_relation_data(id, "demo")
            .unwrap()
            .get("k")
            .map(String::as_str),
        Some("v")
    );
}

// ---------------------------------------------------------------- storage, resources, network

#[test]
fn storage_events_and_locations() {
    let mut ctx = ctx();
    let data = Storage::new("data").index(0);
    let cache = Storage::new("cache").index(2);
    let state = State::new().storage(data.clone()).storage(cache.clone());
    let ev = ctx.on.storage_attached(&data);
    assert_eq!(ev.data.storage_index, Some(0));
    assert_eq!(ev.hook_name(), "data-storage-attached");
    ctx.run(ev, &state).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "storage at /srv/data")));
    ctx.run(ctx.on.storage_attached(&cache), &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "storage at /var/lib/juju/storage/cache/2"
    )));
    let det = ctx.on.storage_detaching(&cache);
    assert_eq!(det.data.kind, EventKind::StorageDetaching);
    ctx.run(det, &state).unwrap();
}

#[test]
fn resources_networks_and_planned_units_through_the_backend() {
    let mut h = Harness::<Demo>::new();
    h.edit_state(|s| {
        s.resources.insert("blob".into(), "/tmp/blob.bin".into());
        s.planned_units = 3;
    });
    let model = h.model();
    let b = model.core().backend();
    assert_eq!(
        b.resource_get("blob").unwrap(),
        std::path::PathBuf::from("/tmp/blob.bin")
    );
    assert!(b.resource_get("other").is_err());
    assert_eq!(b.planned_units().unwrap(), 3);
    assert_eq!(b.network_get("db", None).unwrap(), default_network());
    assert_eq!(b.network_get("metrics", None).unwrap(), default_network());
    assert!(
        b.network_get("logging", None).is_err(),
        "subordinate endpoints have no binding"
    );
    assert!(b.network_get("nope", None).is_err());
}

// ---------------------------------------------------------------- containers and Pebble

fn workload() -> Container {
    Container::new("workload")
        .can_connect(true)
        .exec(Exec::new(["web"]).stdout("generic"))
        .exec(Exec::new(["web", "--version"]).stdout("2.5.1\n"))
}

#[test]
fn pebble_ready_adds_a_layer_starts_services_pushes_files_and_execs() {
    let mut ctx = ctx();
    let c = workload();
    let state = State::new().container(c.clone()).config("port", 7000);
    let out = ctx.run(ctx.on.pebble_ready(&c), &state).unwrap();
    let c2 = out.get_container("workload").unwrap();
    let plan = c2.plan().unwrap();
    assert_eq!(plan.services["web"].command, "serve --port 7000");
    assert_eq!(c2.service("web"), ServiceStatus::Active);
    assert_eq!(c2.read_file("/etc/web/port").unwrap(), b"7000");
    assert!(c2.files.get("/etc/web").unwrap().is_dir());
    // The longest matching prefix answered.
    assert_eq!(out.workload_version, "2.5.1");
    let history = &ctx.exec_history()["workload"];
    assert_eq!(history[0].command, vec!["web", "--version"]);
}

#[test]
fn pebble_connection_fails_when_cannot_connect() {
    let mut ctx = ctx();
    let c = Container::new("workload");
    let state = State::new().container(c.clone());
    let err = ctx.run(ctx.on.pebble_ready(&c), &state).unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

fn sim_pebble(state: State) -> (Harness<Demo>, Box<dyn Pebble>) {
    let mut h = Harness::<Demo>::new();
    h.edit_state(|s| *s = state);
    let model = h.model();
    let p = model.core().backend().pebble("workload");
    (h, p)
}

#[test]
fn exec_without_a_match_exits_127() {
    let (h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    let out = p
        .exec(
            &ops_pebble::ExecOptions {
                command: vec!["ls".into()],
                ..Default::default()
            },
            ops_pebble::ExecStdio::default(),
        )
        .unwrap();
    assert_eq!(out.exit_code, 127);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Exec"));
    assert_eq!(h.output().exec_history["workload"][0].command, vec!["ls"]);
    // Through the model's exec builder, non-zero exit is an ExecError.
    let model = h.model();
    let err = model
        .core()
        .container("workload")
        .exec(["ls"])
        .wait()
        .unwrap_err();
    assert!(
        matches!(err, ops_pebble::Error::Exec(ref e) if e.exit_code == 127),
        "{err}"
    );
}

#[test]
fn pebble_layers_merge_and_duplicate_labels_are_refused() {
    let (h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    let base = Layer::from_yaml(
        "services:\n  a:\n    override: replace\n    command: run-a\n    environment: {X: '1'}\n",
    )
    .unwrap();
    let more =
        Layer::from_yaml("services:\n  a:\n    override: merge\n    environment: {Y: '2'}\n")
            .unwrap();
    p.add_layer("base", &base, false).unwrap();
    assert!(p.add_layer("base", &more, false).is_err());
    p.add_layer("base", &more, true).unwrap();
    let plan = p.get_plan().unwrap();
    assert_eq!(plan.services["a"].command, "run-a");
    assert_eq!(plan.services["a"].environment.len(), 2);
    let bad = Layer::from_yaml("services:\n  b:\n    command: x\n").unwrap();
    assert!(
        p.add_layer("other", &bad, false).is_err(),
        "override is required"
    );
    // start/stop/restart
    assert!(p
        .start_services(&["nope"], std::time::Duration::ZERO)
        .is_err());
    p.start_services(&["a"], std::time::Duration::ZERO).unwrap();
    assert!(p.get_services(&["a"]).unwrap()[0].is_running());
    p.stop_services(&["a"], std::time::Duration::ZERO).unwrap();
    assert!(!p.get_services(&[]).unwrap()[0].is_running());
    assert_eq!(h.state().get_container("workload").unwrap().layers.len(), 1);
}

#[test]
fn pebble_filesystem_in_memory() {
    let (_h, p) = sim_pebble(
        State::new().container(
            Container::new("workload")
                .can_connect(true)
                .file("/etc/app/conf", "a=1"),
        ),
    );
    let mut out = Vec::new();
    p.pull("/etc/app/conf", &mut out).unwrap();
    assert_eq!(out, b"a=1");
    let err = p.pull("/missing", &mut Vec::new()).unwrap_err();
    assert!(err.is_not_found());
    assert!(p
        .push("/no/parent/file", &mut &b"x"[..], &PushOptions::default())
        .unwrap_err()
        .is_not_found());
    p.make_dir(
        "/var/log/app",
        &ops_pebble::MakeDirOptions {
            make_parents: true,
            ..Default::default()
        },
    )
    .unwrap();
    p.push(
        "/var/log/app/x.log",
        &mut &b"line"[..],
        &PushOptions::default(),
    )
    .unwrap();
    let names: Vec<String> = p
        .list_files("/var/log/app", None, false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, vec!["x.log"]);
    assert_eq!(p.list_files("/etc", Some("a*"), false).unwrap().len(), 1);
    assert!(p.remove_path("/var/log", false).is_err(), "not empty");
    p.remove_path("/var/log", true).unwrap();
    assert!(p
        .list_files("/var/log/app", None, true)
        .unwrap_err()
        .is_not_found());
}

#[test]
fn pebble_filesystem_mounted_host_folder() {
    let dir = std::env::temp_dir().join(format!("ops-testing-mount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seed.txt"), "seed").unwrap();
    let c = Container::new("workload")
        .can_connect(true)
        .mount("data", Mount::new("/data", &dir));
    let (h, p) = sim_pebble(State::new().container(c));
    let mut out = Vec::new();
    p.pull("/data/seed.txt", &mut out).unwrap();
    assert_eq!(out, b"seed");
    p.push(
        "/data/sub/new.txt",
        &mut &b"new"[..],
        &PushOptions {
            make_dirs: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(dir.join("sub/new.txt")).unwrap(), b"new");
    assert_eq!(
        h.state()
            .get_container("workload")
            .unwrap()
            .read_file("/data/sub/new.txt")
            .unwrap(),
        b"new"
    );
    let root: Vec<String> = p
        .list_files("/", None, false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(root, vec!["data"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pebble_checks_and_notices() {
    let layer = Layer::from_yaml(
        "checks:\n  up:\n    override: replace\n    level: alive\n    threshold: 5\n    http: {url: 'http://localhost'}\n",
    )
    .unwrap();
    let notice = Notice::new("example.com/backup");
    let c = Container::new("workload")
        .can_connect(true)
        .layer("base", layer)
        .check_info(
            CheckInfo::new("up")
                .status(CheckStatus::Down)
                .failures(5)
                .threshold(5),
        )
        .notice(notice.clone());
    let mut ctx = ctx();
    let state = State::new().container(c.clone());
    let check = c.get_check_info("up").unwrap().clone();
    let failed = ctx.on.pebble_check_failed(&c, &check);
    assert_eq!(failed.hook_name(), "workload-pebble-check-failed");
    ctx.run(failed, &state).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "check up failed")));
    let recovered = ctx.on.pebble_check_recovered(&c, &check);
    assert_eq!(recovered.data.check_name.as_deref(), Some("up"));
    ctx.run(recovered, &state).unwrap();
    let custom = ctx.on.pebble_custom_notice(&c, &notice);
    assert_eq!(
        custom.data.notice.as_ref().unwrap().key,
        "example.com/backup"
    );
    ctx.run(custom, &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "notice example.com/backup"
    )));

    let (_h, p) = sim_pebble(state);
    let checks = p.get_checks(None, &[]).unwrap();
    assert_eq!(checks[0].status, CheckStatus::Down);
    assert_eq!(checks[0].level, Some(CheckLevel::Alive));
    assert!(!p.health(None, &[]).unwrap());
    assert_eq!(p.stop_checks(&["up"]).unwrap(), vec!["up"]);
    let id = p.notify("example.com/backup", &Default::default()).unwrap();
    assert_eq!(id, notice.id);
    assert_eq!(p.get_notice(&id).unwrap().occurrences, 2);
}

// ---------------------------------------------------------------- secrets

#[test]
fn secret_events_and_revisions() {
    let mut ctx = ctx();
    let observed = Secret::new([("user", "u")]).latest([("user", "u2")]);
    let state = State::new().secret(observed.clone());
    let out = ctx.run(ctx.on.secret_changed(&observed), &state).unwrap();
    let s = out.get_secret(Some(&observed.id), None).unwrap();
    assert_eq!(s.tracked_revision, 2, "refresh tracks the latest");
    assert_eq!(
        s.tracked_content.get("user").map(String::as_str),
        Some("u2")
    );

    let owned = Secret::new([("k", "v")]).owned_by_app();
    let mut owned3 = owned.clone();
    owned3.latest_revision = 5;
    owned3.tracked_revision = 5;
    let state = State::new().secret(owned3.clone()).leader(true);
    ctx.run(ctx.on.secret_remove(&owned3, 2), &state).unwrap();
    assert_eq!(ctx.removed_secret_revisions(), &[2]);
    let err = ctx
        .run(ctx.on.secret_remove(&owned3, 5), &state)
        .unwrap_err();
    assert!(err.to_string().contains("latest revision"), "{err}");
    let expired = ctx.on.secret_expired(&owned3, 5);
    assert_eq!(expired.data.secret.as_ref().unwrap().revision, Some(5));
    ctx.run(expired, &state).unwrap();
    ctx.run(ctx.on.secret_rotate(&owned3), &state).unwrap();
}

#[test]
fn secret_backend_rules() {
    let mut h = Harness::<Demo>::new();
    let observed = h.add_user_secret([("a", "1")]);
    let model = h.model();
    let b = model.core().backend();
    use crate::backend::{SecretLookup, SecretOptions, SecretRead};
    assert_eq!(
        b.secret_get(SecretLookup::Id(&observed), SecretRead::Tracked)
            .unwrap()["a"],
        "1"
    );
    assert!(
        b.secret_info_get(SecretLookup::Id(&observed)).is_err(),
        "not the owner"
    );
    assert!(b
        .secret_set(&observed, None, &SecretOptions::default())
        .is_err());
    let id = b
        .secret_add(
            &[("x".to_string(), "y".to_string())].into_iter().collect(),
            &SecretOptions {
                label: Some("mine".into()),
                ..Default::default()
            },
            SecretOwner::Unit,
        )
        .unwrap();
    assert!(id.starts_with("secret:") && id.len() == 27, "{id}");
    let info = b.secret_info_get(SecretLookup::Label("mine")).unwrap();
    assert_eq!(info.revision, 1);
    b.secret_set(
        &id,
        Some(&[("x".to_string(), "z".to_string())].into_iter().collect()),
        &SecretOptions::default(),
    )
    .unwrap();
    assert_eq!(
        b.secret_info_get(SecretLookup::Id(&id)).unwrap().revision,
        2
    );
    assert_eq!(b.secret_ids().unwrap(), vec![id.clone()]);
    assert!(
        b.secret_add(
            &[("x".to_string(), "y".to_string())].into_iter().collect(),
            &SecretOptions::default(),
            SecretOwner::Application
        )
        .is_err(),
        "app secrets need leadership"
    );
    let rel = h.add_relation("db", "pg").unwrap();
    let model = h.model();
    let b = model.core().backend();
    b.secret_grant(&id, rel, None).unwrap();
    assert_eq!(h.get_secret_grants(&id, rel), vec!["pg"]);
    b.secret_revoke(&id, rel, None).unwrap();
    assert!(h.get_secret_grants(&id, rel).is_empty());
    b.secret_remove(&id, None).unwrap();
    assert!(h.state().get_secret(Some(&id), None).is_none());
}

// ---------------------------------------------------------------- event factories

#[test]
fn every_simple_event_factory_runs() {
    let mut ctx = ctx();
    let on = ctx.on.clone();
    let cases = [
        (on.install(), EventKind::Install, "install"),
        (on.start(), EventKind::Start, "start"),
        (on.stop(), EventKind::Stop, "stop"),
        (on.remove(), EventKind::Remove, "remove"),
        (on.update_status(), EventKind::UpdateStatus, "update-status"),
        (
            on.config_changed(),
            EventKind::ConfigChanged,
            "config-changed",
        ),
        (on.upgrade_charm(), EventKind::UpgradeCharm, "upgrade-charm"),
        (
            on.leader_elected(),
            EventKind::LeaderElected,
            "leader-elected",
        ),
        (
            on.leader_settings_changed(),
            EventKind::LeaderSettingsChanged,
            "leader-settings-changed",
        ),
        (
            on.pre_series_upgrade(),
            EventKind::PreSeriesUpgrade,
            "pre-series-upgrade",
        ),
        (
            on.post_series_upgrade(),
            EventKind::PostSeriesUpgrade,
            "post-series-upgrade",
        ),
        (
            on.collect_metrics(),
            EventKind::CollectMetrics,
            "collect-metrics",
        ),
        (
            on.collect_unit_status(),
            EventKind::CollectUnitStatus,
            "collect-unit-status",
        ),
        (
            on.collect_app_status(),
            EventKind::CollectAppStatus,
            "collect-app-status",
        ),
    ];
    for (event, kind, hook) in cases {
        assert_eq!(event.data.kind, kind);
        assert_eq!(event.hook_name(), hook);
        let out = ctx.run(event, &State::new().leader(true)).unwrap();
        assert_eq!(stored(&out).seen[0], hook);
    }
    // collect-metrics is restricted: no collect-status after it.
    ctx.run(on.collect_metrics(), &State::new()).unwrap();
    assert_eq!(ctx.emitted_events().len(), 1);
}

#[test]
fn juju_context_of_each_event_kind() {
    let ctx = ctx();
    let s = ctx.settings();
    let db = Relation::new("db").remote_app_name("pg");
    let jc = s.juju_context(&ctx.on.relation_departed(&db).data, "m", "u");
    assert_eq!(jc.dispatch_path, "hooks/db-relation-departed");
    assert_eq!(jc.relation_name.as_deref(), Some("db"));
    assert_eq!(jc.relation_id, Some(db.id));
    assert_eq!(jc.remote_app.as_deref(), Some("pg"));
    assert_eq!(jc.departing_unit.as_deref(), Some("pg/0"));
    assert_eq!(jc.unit_name, "demo/0");
    assert_eq!(jc.version, "3.6.14");
    let a = s.juju_context(&ctx.on.action("backup").action_id("7").data, "m", "u");
    assert_eq!(a.dispatch_path, "actions/backup");
    assert_eq!(a.hook_name, "");
    assert_eq!(a.action_uuid.as_deref(), Some("7"));
    let st = s.juju_context(
        &ctx.on.storage_attached(&Storage::new("data").index(4)).data,
        "m",
        "u",
    );
    assert_eq!(st.storage_id.as_deref(), Some("data/4"));
    let secret = Secret::new([("a", "b")]).label("l");
    let se = s.juju_context(&ctx.on.secret_remove(&secret, 3).data, "m", "u");
    assert_eq!(se.secret_id.as_deref(), Some(secret.id.as_str()));
    assert_eq!(se.secret_label.as_deref(), Some("l"));
    assert_eq!(se.secret_revision, Some(3));
    let c = Container::new("workload");
    let n = Notice::new("k");
    let pe = s.juju_context(&ctx.on.pebble_custom_notice(&c, &n).data, "m", "u");
    assert_eq!(pe.workload_name.as_deref(), Some("workload"));
    assert_eq!(pe.notice_key.as_deref(), Some("k"));
    assert_eq!(pe.notice_type.as_deref(), Some("custom"));
}

#[test]
fn context_overrides() {
    let mut ctx = Context::<Demo>::new()
        .app_name("other")
        .unit_id(3)
        .juju_version("3.4.0")
        .charm_root("/charm");
    assert_eq!(ctx.unit_name(), "other/3");
    let peers = Relation::peer("cluster").peer_unit(1, [("a", "b")]);
    let ev = ctx.on.relation_changed(&peers);
    assert_eq!(ev.data.remote_unit.as_deref(), Some("other/1"));
    let s = ctx.settings();
    let jc = s.juju_context(&ev.data, "m", "u");
    assert_eq!(jc.version, "3.4.0");
    assert_eq!(jc.charm_dir, std::path::PathBuf::from("/charm"));
    ctx.run(ev, &State::new().relation(peers)).unwrap();
}

// ---------------------------------------------------------------- state

#[test]
fn state_fields_round_trip_through_a_run() {
    let mut ctx = ctx();
    let mut state = State::new()
        .config("port", 1)
        .config("mode", "m")
        .config("debug", true)
        .config("ratio", 0.5)
        .leader(true)
        .model(ModelInfo::new("prod").uuid("u-1").kind("lxd"))
        .relation(Relation::new("db").interface("pgsql"))
        .relation(Relation::peer("cluster").peer_unit(2, [("a", "b")]))
        .relation(Relation::subordinate("logging"))
        .network("db", default_network())
        .container(
            workload()
                .file("/x", "y")
                .service_status("web", ServiceStatus::Active),
        )
        .storage(Storage::new("data").index(0).location("/mnt/data"))
        .resource("blob", "/tmp/blob")
        .secret(
            Secret::new([("a", "s3cr3t-value")])
                .label("lbl")
                .description("d")
                .expire("2030-01-01T00:00:00Z")
                .rotate("daily"),
        )
        .opened_port(Port::udp(53))
        .planned_units(4)
        .stored(&Demo { seen: vec![] })
        .unit_status(Status::active("u"))
        .app_status(Status::blocked("a"))
        .workload_version("9")
        .cloud_spec(crate::backend::CloudSpec {
            kind: "lxd".into(),
            name: "localhost".into(),
            ..Default::default()
        });
    state.deferred.push(ctx.on.install().deferred("on_event"));
    let out = ctx
        .run(ctx.on.leader_elected(), &state.clone().config("mode", "x"))
        .unwrap();
    // Everything the charm did not touch comes back equal.
    let mut expected = state.clone().config("mode", "x");
    expected.stored_state = out.stored_state.clone();
    expected.deferred.clear(); // the deferred install re-ran and was not deferred again
    assert_eq!(out, expected);
    assert!(format!("{out:?}").contains("planned_units: 4"));
    assert!(
        !format!("{out:?}").contains("s3cr3t"),
        "secret content never printed"
    );
}

#[test]
fn state_builders_and_getters() {
    let db = Relation::new("db").id(42);
    let s = State::new().relation(db.clone());
    assert_eq!(s.get_relation(42), Some(&db));
    assert_eq!(s.get_relations("db").count(), 1);
    assert!(s.get_relation(43).is_none());
    let a = Relation::new("db");
    let b = Relation::new("db");
    assert_ne!(a.id, b.id, "relation ids are auto-numbered");
    let secret = Secret::new([("k", "v")]).label("x");
    let s = State::new().secret(secret.clone());
    assert_eq!(s.get_secret(None, Some("x")), Some(&secret));
    let bare = secret.id.trim_start_matches("secret:");
    assert_eq!(s.get_secret(Some(bare), None), Some(&secret));
    assert_eq!(State::default().planned_units, 1);
    assert_eq!(State::default().unit_status, Status::unknown());
}

// ---------------------------------------------------------------- consistency checker

fn inconsistent(state: &State, event: Event) -> Vec<String> {
    let mut ctx = ctx();
    match ctx.run(event, state) {
        Err(RunError::Inconsistent(errors)) => errors,
        other => panic!("expected an inconsistency, got {other:?}"),
    }
}

fn assert_inconsistent(state: &State, event: Event, needle: &str) {
    let errors = inconsistent(state, event);
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "no error containing {needle:?} in {errors:#?}"
    );
}

#[test]
fn consistency_config() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().config("nope", 1),
        on.start(),
        "option \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().config("port", "80"),
        on.start(),
        "needs an integer",
    );
    assert_inconsistent(
        &State::new().config("debug", 1),
        on.start(),
        "needs a boolean",
    );
    assert_inconsistent(
        &State::new().config("ratio", "x"),
        on.start(),
        "needs a number",
    );
    assert_inconsistent(
        &State::new().config("mode", 3),
        on.start(),
        "needs a string",
    );
    assert_inconsistent(
        &State::new().config("creds", "hunter2"),
        on.start(),
        "secret URI",
    );
    // A valid secret URI is accepted; below Juju 3.4 it is not.
    let ok = State::new().config("creds", "secret:0123456789abcdefghij");
    ctx().run(on.start(), &ok).unwrap();
    let mut old = Context::<Demo>::new().juju_version("3.3.0");
    assert!(matches!(
        old.run(old.on.start(), &ok),
        Err(RunError::Inconsistent(_))
    ));
}

#[test]
fn consistency_undeclared_things() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().container(Container::new("nope")),
        on.start(),
        "container \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().storage(Storage::new("nope")),
        on.start(),
        "storage \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().resource("nope", "/x"),
        on.start(),
        "resource \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("nope")),
        on.start(),
        "endpoint \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().network("nope", default_network()),
        on.start(),
        "binding \"nope\"",
    );
    assert_inconsistent(
        &State::new().network("logging", default_network()),
        on.start(),
        "binding \"logging\"",
    );
    assert_inconsistent(
        &State::new(),
        on.action("nope"),
        "action \"nope\" is not declared",
    );
}

#[test]
fn consistency_relations() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().relation(Relation::new("cluster")),
        on.start(),
        "use Relation::peer",
    );
    assert_inconsistent(
        &State::new().relation(Relation::peer("db")),
        on.start(),
        "not a peer endpoint",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("logging")),
        on.start(),
        "use Relation::subordinate",
    );
    assert_inconsistent(
        &State::new().relation(Relation::subordinate("db")),
        on.start(),
        "not `scope: container`",
    );
    assert_inconsistent(
        &State::new()
            .relation(Relation::new("db").id(5))
            .relation(Relation::new("db").id(5)),
        on.start(),
        "relation id 5 is used twice",
    );
    assert_inconsistent(
        &State::new().relation(Relation::peer("cluster").peer_unit(0, [("a", "b")])),
        on.start(),
        "not this unit (0)",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("db").interface("mysql")),
        on.start(),
        "interface \"mysql\"",
    );
    assert_inconsistent(
        &State::new().relation(Relation::subordinate("logging").remote_unit(1, [("a", "b")])),
        on.start(),
        "exactly one remote unit",
    );
    // Events on relations absent from the state, or without a remote unit.
    let db = Relation::new("db");
    assert_inconsistent(
        &State::new(),
        on.relation_changed(&db),
        "is not in State.relations",
    );
    let lonely = Relation::new("db").no_remote_units();
    assert_inconsistent(
        &State::new().relation(lonely.clone()),
        on.relation_joined(&lonely),
        "needs a remote unit",
    );
    assert_inconsistent(
        &State::new().relation(db.clone()),
        on.relation_changed(&db).remote_unit(9),
        "remote unit \"remote/9\"",
    );
    let mut moved = on.relation_changed(&db);
    moved.data.name = Some("cluster".into());
    assert_inconsistent(&State::new().relation(db.clone()), moved, "not \"cluster\"");
}

#[test]
fn consistency_containers_storage_secrets_and_events() {
    let on = ctx().on;
    let c = Container::new("workload");
    assert_inconsistent(
        &State::new(),
        on.pebble_ready(&c),
        "not in State.containers",
    );
    let n = Notice::new("k");
    assert_inconsistent(
        &State::new().container(c.clone()),
        on.pebble_custom_notice(&c, &n),
        "notice",
    );
    let check = CheckInfo::new("up");
    assert_inconsistent(
        &State::new().container(c.clone()),
        on.pebble_check_failed(&c, &check),
        "check \"up\" is not in",
    );
    assert_inconsistent(
        &State::new().container(c.clone().check_info(check.clone())),
        on.start(),
        "not in the plan",
    );
    assert_inconsistent(
        &State::new().container(c.clone().exec(Exec::new(["ls"])).exec(Exec::new(["ls"]))),
        on.start(),
        "given twice",
    );
    let st = Storage::new("data");
    assert_inconsistent(
        &State::new(),
        on.storage_attached(&st),
        "not in State.storages",
    );
    assert_inconsistent(
        &State::new()
            .storage(Storage::new("data").index(1))
            .storage(Storage::new("data").index(2)),
        on.start(),
        "not `multiple`",
    );
    assert_inconsistent(
        &State::new()
            .storage(Storage::new("cache").index(1))
            .storage(Storage::new("cache").index(1)),
        on.start(),
        "appears twice",
    );
    let secret = Secret::new([("a", "b")]);
    assert_inconsistent(&State::new(), on.secret_changed(&secret), "cannot see it");
    assert_inconsistent(
        &State::new().secret(secret.clone()),
        on.secret_rotate(&secret),
        "has no owner",
    );
    let owned = secret.clone().owned_by_unit();
    assert_inconsistent(
        &State::new().secret(owned.clone()),
        on.secret_changed(&owned),
        "owns secret",
    );
    let mut old = Context::<Demo>::new().juju_version("2.9.0");
    assert!(matches!(
        old.run(old.on.start(), &State::new().secret(secret)),
        Err(RunError::Inconsistent(_))
    ));
    let mut bad = Context::<Demo>::new().juju_version("banana");
    assert!(matches!(
        bad.run(bad.on.start(), &State::new()),
        Err(RunError::Inconsistent(_))
    ));
    assert_inconsistent(&State::new(), on.collect_app_status(), "only on the leader");
    let mut st2 = State::new();
    st2.deferred.push(on.stop().deferred("on_event"));
    assert_inconsistent(&st2, on.start(), "cannot be deferred");
    let mut st3 = State::new();
    st3.deferred.push(on.update_status().deferred("on_evnet"));
    assert_inconsistent(
        &st3,
        on.start(),
        "State.deferred[0]: no handler on_evnet observes update-status (handlers: on_event)",
    );
}

#[test]
fn consistency_action_params() {
    let on = ctx().on;
    assert_inconsistent(&State::new(), on.action("backup"), "needs param \"target\"");
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", 3),
        "should be of type string",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("count", "many"),
        "type integer",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("extra", 1),
        "no param \"extra\"",
    );
    // A value outside the param's `enum` is refused, as Juju refuses it.
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("mode", "hourly"),
        "event: action \"backup\" param \"mode\" should be one of \"full\", \"incremental\", got \"hourly\"",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("level", 5),
        "param \"level\" should be one of 1, 9, got 5",
    );
    // A wrong type is reported once, as a type error.
    let errors = inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("mode", 1),
    );
    assert_eq!(
        errors,
        ["event: action \"backup\" param \"mode\" should be of type string, got 1"]
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("ratio", 0.25),
        "param \"ratio\" should be one of 0.5, 1.0, got 0.25",
    );
    // Values in the enum pass (numbers compare by value: 1 is 1.0, as in JSON schema).
    let ok = |event: Event| {
        let mut c = ctx();
        c.run(event, &State::new())
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        ok(on
            .action("backup")
            .param("target", "x")
            .param("mode", "incremental")
            .param("level", 9)),
        Ok(())
    );
    assert_eq!(
        ok(on.action("backup").param("target", "x").param("ratio", 1)),
        Ok(())
    );
    let mut skip = Context::<Demo>::new().skip_consistency_checks();
    // With checks skipped the run proceeds (and the charm sees no target).
    skip.run(skip.on.action("backup"), &State::new()).unwrap();
}

// ---------------------------------------------------------------- Harness

#[test]
fn harness_begin_with_initial_hooks_fires_the_deploy_sequence() {
    let mut h = Harness::<Demo>::new();
    h.set_leader(true).unwrap(); // before begin: no event
    h.add_storage("data", 1, false).unwrap();
    h.handle_exec("workload", Exec::new(["web"]).stdout("1"));
    h.begin_with_initial_hooks().unwrap();
    let seen = &h.charm().unwrap().seen;
    assert_eq!(
        seen,
        &vec![
            "data-storage-attached",
            "install",
            "cluster-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "workload-pebble-ready",
        ]
    );
    // No collect-status in the Harness.
    assert!(!seen.iter().any(|s| s.starts_with("collect")));
    assert_eq!(h.state().unit_status, Status::active("port 8080"));
}

#[test]
fn harness_unit_starts_in_maintenance_and_untouched_becomes_unknown() {
    let h = Harness::<Demo>::new();
    assert_eq!(h.state().unit_status, Status::maintenance(""));
    let mut h = Harness::<Demo>::new();
    h.disable_hooks();
    h.begin_with_initial_hooks().unwrap();
    assert_eq!(h.state().unit_status, Status::unknown());
}

#[test]
fn harness_relation_lifecycle() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let id = h.add_relation("db", "pg").unwrap();
    h.add_relation_unit(id, "pg/0").unwrap();
    h.update_relation_data(id, "pg", [("host", "h1")]).unwrap();
    assert_eq!(
        h.get_relation_data(id, "demo/0")
            .unwrap()
            .get("seen-host")
            .map(String::as_str),
        Some("h1")
    );
    h.update_relation_data(id, "pg/0", [("x", "1")]).unwrap();
    // Local changes fire nothing.
    h.update_relation_data(id, "demo/0", [("mine", "1")])
        .unwrap();
    h.remove_relation(id).unwrap();
    assert!(h.state().get_relation(id).is_none());
    assert_eq!(
        h.charm().unwrap().seen,
        vec![
            "db-relation-created",
            "db-relation-joined",
            "db-relation-changed",
            "db-relation-changed",
            "db-relation-departed",
            "db-relation-broken",
        ]
    );
}

#[test]
fn harness_config_leader_containers_and_hooks() {
    let mut h = Harness::<Demo>::new();
    h.update_config([("port", 1)], &[]).unwrap(); // before begin: no event
    assert!(h.charm().is_none());
    h.begin().unwrap();
    h.update_config([("port", 2)], &[]).unwrap();
    assert_eq!(h.state().unit_status, Status::active("port 2"));
    h.update_config::<&str, i64>([], &["port"]).unwrap();
    assert_eq!(h.state().unit_status, Status::active("port 8080"));
    h.set_leader(true).unwrap();
    h.set_leader(true).unwrap(); // already leader: nothing
    h.disable_hooks();
    h.update_config([("port", 3)], &[]).unwrap();
    h.enable_hooks();
    assert_eq!(
        h.charm().unwrap().seen,
        vec!["config-changed", "config-changed", "leader-elected"]
    );
    h.handle_exec("workload", Exec::new(["web", "--version"]).stdout("3.0"));
    h.container_pebble_ready("workload").unwrap();
    assert_eq!(h.get_workload_version(), "3.0");
    let plan = h.get_container_pebble_plan("workload").unwrap();
    assert!(plan.services.contains_key("web"));
    h.set_can_connect("workload", false);
    assert!(!h.model().core().container("workload").can_connect());
    // Errors surface with the charm's message.
    let err = h.update_config([("mode", "fail")], &[]).unwrap_err();
    assert!(err.to_string().contains("port must be positive"));
}

#[test]
fn harness_actions_status_storage_and_secrets() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let out = h
        .run_action(
            "backup",
            json!({"target": "disk"}).as_object().unwrap().clone(),
        )
        .unwrap();
    assert_eq!(out.logs, vec!["starting backup"]);
    assert_eq!(out.results.get("where").map(String::as_str), Some("disk"));
    match h.run_action(
        "backup",
        json!({"target": "nowhere"}).as_object().unwrap().clone(),
    ) {
        Err(RunError::ActionFailed { message, .. }) => assert_eq!(message, "no such target"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(h.run_action("nope", Map::new()).is_err());

    h.set_leader(true).unwrap();
    h.update_config([("mode", "collect")], &[]).unwrap();
    h.evaluate_status().unwrap();
    assert_eq!(h.state().unit_status, Status::blocked("needs db"));
    assert_eq!(h.state().app_status, Status::waiting("app waiting"));

    let ids = h.add_storage("cache", 2, true).unwrap();
    assert_eq!(ids, vec!["cache/0", "cache/1"]);
    h.detach_storage("cache/0").unwrap();
    assert_eq!(h.state().storages.len(), 1);

    let id = h.add_model_secret("vault", [("pw", "1")]);
    h.set_secret_content(&id, [("pw", "2")]).unwrap();
    let owned = h.add_model_secret("demo", [("k", "v")]);
    h.trigger_secret_rotation(&owned).unwrap();
    h.trigger_secret_expiration(&owned, 1).unwrap();
    let mut secret = h.state().get_secret(Some(&owned), None).cloned().unwrap();
    secret.latest_revision = 3;
    secret.tracked_revision = 3;
    h.edit_state(|s| s.secrets[1] = secret);
    h.trigger_secret_removal(&owned, 1).unwrap();
    assert_eq!(h.output().removed_secret_revisions, vec![1]);
    let seen = &h.charm().unwrap().seen;
    for hook in [
        "cache-storage-attached",
        "cache-storage-detaching",
        "secret-changed",
        "secret-rotate",
        "secret-expired",
        "secret-remove",
    ] {
        assert!(seen.iter().any(|s| s == hook), "{hook} in {seen:?}");
    }
}

// ---------------------------------------------------------------- manager

#[test]
fn manager_shows_the_charm_and_model_before_and_after_the_event() {
    let mut ctx = ctx();
    let state = State::new()
        .leader(true)
        .config("port", 9000)
        .stored(&Demo {
            seen: vec!["earlier".into()],
        });
    let mut mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    // Before: the charm restored from the state, the model in the event's hook context.
    assert_eq!(mgr.charm().seen, ["earlier"]);
    assert!(mgr.model().unit().is_leader().unwrap());
    assert_eq!(mgr.model().config().unwrap().port, 9000);
    assert_eq!(mgr.model().context().hook_name, "config-changed");
    assert_eq!(mgr.event().hook_name(), "config-changed");
    // Acting on the charm before the run: the handlers see it.
    mgr.charm_mut().seen.push("set by the test".into());

    let done = mgr.run().unwrap();
    assert_eq!(
        done.charm().seen,
        [
            "earlier",
            "set by the test",
            "config-changed",
            "collect-app-status",
            "collect-unit-status"
        ]
    );
    // After: the model the handlers used, the output state, the run's outputs.
    assert_eq!(
        done.model().unit().status().unwrap(),
        Status::active("port 9000")
    );
    assert_eq!(done.state().unit_status, Status::active("port 9000"));
    assert_eq!(done.state().get_stored::<Demo>().unwrap(), *done.charm());
    assert_eq!(
        done.context().unit_status_history(),
        &[Status::unknown(), Status::maintenance("configuring")]
    );
    let out = done.into_state();
    // The context keeps the outputs once the run is dropped.
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "port is 9000")));
    assert_eq!(out.app_status, Status::active("leading"));
}

#[test]
fn manager_run_is_context_run() {
    let state = State::new()
        .leader(true)
        .config("mode", "defer")
        .stored(&Demo::default());
    let mut plain = ctx();
    let expected = plain.run(plain.on.start(), &state).unwrap();
    let mut ctx = ctx();
    let mgr = ctx.manager(ctx.on.start(), &state).unwrap();
    let out = mgr.run().unwrap().into_state();
    assert_eq!(out, expected);
    assert_eq!(out.deferred, vec![ctx.on.start().deferred("on_event")]);
    assert_eq!(ctx.emitted_events(), plain.emitted_events());
    assert_eq!(ctx.juju_log(), plain.juju_log());
    // The deferred start is re-emitted before the next event, in a manager too.
    let mgr = ctx.manager(ctx.on.update_status(), &out).unwrap();
    let done = mgr.run().unwrap();
    let kinds: Vec<EventKind> = done
        .context()
        .emitted_events()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Start,
            EventKind::UpdateStatus,
            EventKind::CollectAppStatus,
            EventKind::CollectUnitStatus
        ]
    );
}

#[test]
fn manager_model_acts_in_the_same_hook() {
    let mut ctx = ctx();
    let mgr = ctx.manager(ctx.on.start(), &State::new()).unwrap();
    mgr.model()
        .unit()
        .set_status(Status::maintenance("set before the event"))
        .unwrap();
    let out = mgr.run().unwrap().into_state();
    assert_eq!(out.unit_status, Status::maintenance("set before the event"));
    assert_eq!(ctx.unit_status_history(), &[Status::unknown()]);
}

#[test]
fn manager_errors_come_when_made_or_when_run() {
    let mut ctx = ctx();
    // An inconsistent state: refused before anything runs.
    let state = State::new().relation(Relation::new("nope"));
    assert!(matches!(
        ctx.manager(ctx.on.start(), &state),
        Err(RunError::Inconsistent(_))
    ));
    // A stored state that does not fit the charm: refused when restoring it.
    let mut state = State::new();
    state.stored_state = Some(json!({"seen": 3}));
    let err = ctx.manager(ctx.on.start(), &state).err().unwrap();
    assert!(err.to_string().contains("does not fit"), "{err}");
    // A failing handler: the run's error, and the context has the run's log.
    let state = State::new().config("mode", "fail");
    let mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    match mgr.run().err().unwrap() {
        RunError::Charm { message, .. } => assert_eq!(message, "port must be positive"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(ctx.juju_log().iter().any(|l| l.level == LogLevel::Error));
    // A failed action.
    let event = ctx.on.action("backup").param("target", "nowhere");
    let mgr = ctx.manager(event, &State::new()).unwrap();
    match mgr.run().err().unwrap() {
        RunError::ActionFailed { message, logs, .. } => {
            assert_eq!(message, "no such target");
            assert_eq!(logs, ["starting backup"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn manager_keeps_the_charm_when_a_handler_aborts() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "abort");
    let mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    let done = mgr.run().unwrap();
    // The handler's change is on the charm, but nothing was committed.
    assert_eq!(done.charm().seen, ["config-changed", "aborting"]);
    assert_eq!(done.state().stored_state, None);
    assert_eq!(
        done.state().unit_status,
        Status::blocked("mode abort is not supported")
    );
}

// ---------------------------------------------------------------- Harness: secrets, planned units

fn grants(h: &Harness<Demo>, id: &str, rel: u64) -> Vec<String> {
    h.get_secret_grants(id, rel)
}

#[test]
fn harness_grants_secrets_over_the_relation_to_the_owner_or_observer() {
    let mut h = Harness::<Demo>::new();
    // A secret another application owns: granted over the relation to its owner.
    let vault = h.add_model_secret("vault", [("pw", "1")]);
    let err = h.grant_secret(&vault, "demo").unwrap_err();
    assert!(
        err.to_string()
            .contains("no relation between this charm (demo) and vault"),
        "{err}"
    );
    let rel = h.add_relation("db", "vault").unwrap();
    h.grant_secret(&vault, "demo").unwrap();
    h.grant_secret(&vault, "demo").unwrap();
    h.grant_secret(&vault, "demo/0").unwrap();
    assert_eq!(grants(&h, &vault, rel), ["demo", "demo/0"]);
    h.revoke_secret(&vault, "demo").unwrap();
    h.revoke_secret(&vault, "never-granted").unwrap();
    assert_eq!(grants(&h, &vault, rel), ["demo/0"]);
    h.revoke_secret(&vault, "demo/0").unwrap();
    assert!(grants(&h, &vault, rel).is_empty());
    assert!(h
        .state()
        .get_secret(Some(&vault), None)
        .unwrap()
        .remote_grants
        .is_empty());
    // An owner named by unit: its application's relation.
    let unit_owned = h.add_model_secret("vault/3", [("pw", "1")]);
    h.grant_secret(&unit_owned, "demo").unwrap();
    assert_eq!(grants(&h, &unit_owned, rel), ["demo"]);

    // A secret this unit owns: over the relation to the observer's application.
    let mine = h.add_model_secret("demo/0", [("k", "v")]);
    let pg = h.add_relation("db", "pg").unwrap();
    h.grant_secret(&mine, "pg/1").unwrap();
    assert_eq!(grants(&h, &mine, pg), ["pg/1"]);
    assert!(grants(&h, &mine, rel).is_empty());
    let peers = h.add_relation("cluster", "demo").unwrap();
    h.grant_secret(&mine, "demo/1").unwrap();
    assert_eq!(grants(&h, &mine, peers), ["demo/1"]);
    assert!(h.grant_secret(&mine, "nobody").is_err());

    // A user secret: granted as `juju grant-secret`, on no relation.
    let user = h.add_user_secret([("token", "t")]);
    h.grant_secret(&user, "demo").unwrap();
    h.revoke_secret(&user, "demo").unwrap();
    assert!(grants(&h, &user, rel).is_empty());

    // Unknown secrets, and observed ones the harness did not add, are errors.
    assert!(h.grant_secret("secret:nope", "demo").is_err());
    let hand_made = Secret::new([("a", "b")]);
    let hand_made_id = hand_made.id.clone();
    h.edit_state(|s| s.secrets.push(hand_made));
    let err = h.revoke_secret(&hand_made_id, "demo").unwrap_err();
    assert!(
        err.to_string().contains("does not know who owns it"),
        "{err}"
    );
}

#[test]
fn harness_keeps_each_secrets_revisions() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    // Revisions from the test.
    let vault = h.add_model_secret("vault", [("pw", "1")]);
    assert_eq!(h.get_secret_revisions(&vault).unwrap(), [1]);
    h.set_secret_content(&vault, [("pw", "2")]).unwrap();
    h.set_secret_content(&vault, [("pw", "3")]).unwrap();
    assert_eq!(h.get_secret_revisions(&vault).unwrap(), [1, 2, 3]);
    assert_eq!(
        h.state()
            .get_secret(Some(&vault), None)
            .unwrap()
            .latest_revision,
        3
    );

    // Revisions from the charm: new content adds one, secret-remove takes one away.
    let mine = h.add_model_secret("demo/0", [("key", "v1")]);
    let model = h.model();
    let secret = model.get_secret_by_id(&mine).unwrap();
    secret.set_content([("key", "v2")]).unwrap();
    secret.set_content([("key", "v3")]).unwrap();
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 2, 3]);
    h.trigger_secret_removal(&mine, 2).unwrap();
    assert_eq!(h.output().removed_secret_revisions, [2]);
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 3]);
    secret.set_content([("key", "v4")]).unwrap();
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 3, 4]);
    // Removing the whole secret removes its history.
    model.core().backend().secret_remove(&mine, None).unwrap();
    assert!(h.get_secret_revisions(&mine).is_err());

    // A secret put in the state by hand has its tracked and latest revisions.
    let hand_made = Secret::new([("a", "1")]).latest([("a", "2")]);
    let id = hand_made.id.clone();
    h.edit_state(|s| s.secrets.push(hand_made));
    assert_eq!(h.get_secret_revisions(&id).unwrap(), [1, 2]);
}

#[test]
fn harness_secret_events_carry_the_label_asked_for() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let mine = h.add_model_secret("demo/0", [("k", "v")]);
    h.edit_state(|s| s.secrets[0].label = Some("mine".into()));
    let last_label = |h: &Harness<Demo>| {
        let out = h.output();
        let event = out.emitted_events.last().unwrap();
        event.secret.as_ref().unwrap().label.clone()
    };
    h.trigger_secret_rotation(&mine).unwrap();
    assert_eq!(last_label(&h).as_deref(), Some("mine"));
    h.trigger_secret_rotation_with_label(&mine, "other")
        .unwrap();
    assert_eq!(
        h.output().emitted_events.last().unwrap().kind,
        EventKind::SecretRotate
    );
    assert_eq!(last_label(&h).as_deref(), Some("other"));
    h.trigger_secret_expiration_with_label(&mine, 1, "exp")
        .unwrap();
    assert_eq!(last_label(&h).as_deref(), Some("exp"));
    // The secret's own label is untouched.
    assert_eq!(
        h.state()
            .get_secret(Some(&mine), None)
            .unwrap()
            .label
            .as_deref(),
        Some("mine")
    );
    // Juju never rotates or expires a user secret.
    let user = h.add_user_secret([("t", "1")]);
    let err = h.trigger_secret_rotation(&user).unwrap_err();
    assert!(err.to_string().contains("user secret"), "{err}");
    assert!(h
        .trigger_secret_expiration_with_label(&user, 1, "x")
        .is_err());
}

#[test]
fn harness_planned_units_follow_the_peers_until_set() {
    let mut h = Harness::<Demo>::new();
    let planned = |h: &Harness<Demo>| h.model().app().planned_units().unwrap();
    // As Python's Harness: this unit plus its peers, counted live.
    assert_eq!(planned(&h), 1);
    let peers = h.add_relation("cluster", "demo").unwrap();
    h.add_relation_unit(peers, "demo/1").unwrap();
    assert_eq!(planned(&h), 2);
    assert_eq!(h.state().planned_units, 2);
    // Set: fixed, whatever the peers do.
    h.set_planned_units(5);
    h.add_relation_unit(peers, "demo/2").unwrap();
    assert_eq!(planned(&h), 5);
    assert_eq!(h.state().planned_units, 5);
    // Reset: live again, as units join and leave.
    h.reset_planned_units();
    assert_eq!(planned(&h), 3);
    h.add_relation_unit(peers, "demo/3").unwrap();
    assert_eq!(planned(&h), 4);
    h.remove_relation_unit(peers, "demo/1").unwrap();
    assert_eq!(planned(&h), 3);
    assert_eq!(h.state().planned_units, 3);
    // Units of other relations do not count.
    let db = h.add_relation("db", "pg").unwrap();
    h.add_relation_unit(db, "pg/0").unwrap();
    assert_eq!(planned(&h), 3);
    // Editing the state's count sets it, as set_planned_units does; other edits do not.
    h.edit_state(|s| s.leader = true);
    h.add_relation_unit(peers, "demo/4").unwrap();
    assert_eq!(planned(&h), 4);
    h.edit_state(|s| s.planned_units = 7);
    h.add_relation_unit(peers, "demo/5").unwrap();
    assert_eq!(planned(&h), 7);
}

// ---------------------------------------------------------------- deferred events, vanished relations

#[test]
fn a_deferred_relation_event_whose_relation_vanished_is_reemitted_inactive() {
    // As Python ops: the deferred event is restored with a relation Juju no longer lists
    // (inactive, no units), its handler runs, and the queue moves on.
    let mut ctx = ctx();
    let db = Relation::new("db").remote_app_name("pg");
    let state = State::new()
        .config("mode", "defer-relation")
        .relation(db.clone());
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    assert_eq!(
        out.deferred,
        vec![ctx.on.relation_changed(&db).deferred("on_event")]
    );

    let mut gone = out.clone();
    gone.relations.clear();
    let out = ctx.run(ctx.on.update_status(), &gone).unwrap();
    assert!(out.deferred.is_empty(), "{:?}", out.deferred);
    assert_eq!(ctx.emitted_events()[0].kind, EventKind::RelationChanged);
    let expected = format!(
        "relation {} gone: units [], listed 0, event app Some(\"pg\"), remote app None",
        db.id
    );
    assert!(
        ctx.juju_log()
            .contains(&JujuLogLine::new(LogLevel::Info, expected.clone())),
        "{expected} in {:?}",
        ctx.juju_log()
    );
    assert_eq!(
        stored(&out).seen,
        [
            "db-relation-changed",
            "collect-unit-status",
            "db-relation-changed",
            "update-status",
            "collect-unit-status"
        ]
    );
}
