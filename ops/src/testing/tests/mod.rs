//! Tests of `ops::testing` with a hand-written charm (the trait `#[charm]` implements).
//!
//! This module holds the charm (`Demo`) and the helpers; the tests are in one module per
//! area.

use super::*;
use crate::backend::{LogLevel, Port};
use crate::charm::{Charm, CharmConfig, HandlerRun, Outcome};
use crate::event::{EventData, EventKind, FromEvent};
use crate::meta::*;
use crate::model::{Member, Model, ModelCore};
use crate::status::{Status, StatusCollector};
use crate::values::ValueError;
use ops_pebble::{Layer, Pebble, PushOptions, ServiceStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

mod actions;
mod consistency;
mod errors;
mod event_factories;
mod harness;
mod lifecycle;
mod manager;
mod pebble;
mod relations;
mod secrets;
mod state_round_trips;
mod storage_resources_network;

static META: CharmMeta = CharmMeta {
    containers: &[ContainerMeta::new("workload")],
    resources: &[ResourceMeta {
        filename: Some("blob.bin"),
        ..ResourceMeta::new("blob", ResourceType::File)
    }],
    storages: &[
        StorageMeta {
            location: Some("/srv/data"),
            ..StorageMeta::new("data", StorageType::Filesystem)
        },
        StorageMeta {
            multiple: Some(StorageRange { min: 0, max: None }),
            ..StorageMeta::new("cache", StorageType::Filesystem)
        },
    ],
    relations: &[
        RelationMeta {
            limit: Some(1),
            ..RelationMeta::new("db", RelationRole::Requires, "pgsql")
        },
        RelationMeta::new("cluster", RelationRole::Peer, "demo-peers"),
        RelationMeta {
            scope: RelationScope::Container,
            ..RelationMeta::new("logging", RelationRole::Provides, "logs")
        },
    ],
    extra_bindings: &["metrics"],
    config: &[
        ConfigOptionMeta {
            default: Some("8080"),
            ..ConfigOptionMeta::new("port", ConfigKind::Int)
        },
        ConfigOptionMeta::new("mode", ConfigKind::String),
        ConfigOptionMeta {
            default: Some("false"),
            ..ConfigOptionMeta::new("debug", ConfigKind::Boolean)
        },
        ConfigOptionMeta::new("ratio", ConfigKind::Float),
        ConfigOptionMeta::new("creds", ConfigKind::Secret),
    ],
    actions: &[ActionMeta {
        params: &[
            ParamMeta {
                name: "target",
                kind: "string",
                required: true,
                enum_values: &[],
                schema: "{\"type\":\"string\",\"minLength\":1,\"pattern\":\"^[^ ]*$\"}",
            },
            ParamMeta {
                name: "count",
                kind: "integer",
                required: false,
                enum_values: &[],
                schema: "{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}",
            },
            ParamMeta {
                name: "mode",
                kind: "string",
                required: false,
                enum_values: &["\"full\"", "\"incremental\""],
                schema: "{\"type\":\"string\",\"enum\":[\"full\",\"incremental\"]}",
            },
            ParamMeta {
                name: "level",
                kind: "integer",
                required: false,
                enum_values: &["1", "9"],
                schema: "{\"type\":\"integer\",\"enum\":[1,9]}",
            },
            ParamMeta {
                name: "ratio",
                kind: "number",
                required: false,
                enum_values: &["0.5", "1.0"],
                schema: "{\"type\":\"number\",\"enum\":[0.5,1.0]}",
            },
        ],
        additional_properties: false,
        ..ActionMeta::new("backup")
    }],
    ..CharmMeta::named("demo")
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
    fn handle(
        &mut self,
        model: &Model<Demo>,
        event: &EventData,
        statuses: &mut StatusCollector,
    ) -> crate::Result<bool> {
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
                if mode == "defer-until-pebble" && !core.container("workload")?.can_connect() {
                    return Ok(true);
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
                let container = core.container(event.name.as_deref().unwrap_or(""))?;
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
                statuses.add(Status::active("all good"));
                statuses.add(Status::blocked("needs db"));
            }
            EventKind::CollectAppStatus if mode == "collect" => {
                statuses.add(Status::waiting("app waiting"));
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

    /// Every Juju event and collect-status; not the commit events (the charms of
    /// `commit_events.rs` observe those).
    fn observers(event: &EventData) -> Vec<String> {
        match event.kind {
            EventKind::PreCommit | EventKind::Commit => Vec::new(),
            _ => vec!["on_event".to_string()],
        }
    }

    fn dispatch(&mut self, model: &Model<Self>, event: &EventData, only: Option<&str>) -> Outcome {
        let mut outcome = Outcome::default();
        if only.is_some_and(|h| h != "on_event") {
            return outcome;
        }
        self.seen.push(super::context::hook_name(event));
        let (result, deferred) = match self.handle(model, event, &mut outcome.statuses) {
            Ok(deferred) => (Ok(()), deferred),
            Err(error) => (Err(error), false),
        };
        outcome
            .handlers
            .push(HandlerRun::new("on_event", result, deferred));
        outcome
    }
}

fn ctx() -> Context<Demo> {
    Context::new()
}

fn stored(state: &State) -> Demo {
    state.get_stored::<Demo>().expect("stored state")
}

fn workload() -> Container {
    Container::new("workload")
        .can_connect(true)
        .exec(Exec::new(["web"]).stdout("generic"))
        .exec(Exec::new(["web", "--version"]).stdout("2.5.1\n"))
}
