//! A small charm written against the runtime directly (a hand-written `impl ops::Charm`,
//! what `#[charm]` generates), used by the end-to-end test (`ops/tests/e2e.rs`) and the
//! hook benchmark (`bench/hook.sh`).
//!
//! - `install`: sets maintenance status, logs, counts installs.
//! - `config-changed`: reads the typed config; with `mode: defer` defers, otherwise sets
//!   `active` with the port.
//! - `database-relation-changed`: records the remote unit.
//! - action `backup`: results nested under `backup`, an action log line; `target: fail`
//!   fails it.

use ops::event::{ConfigChanged, Deferrable, FromEvent, Install, RelationChanged};
use ops::meta::{
    ActionMeta, CharmMeta, ConfigKind, ConfigOptionMeta, ParamMeta, RelationMeta, RelationRole,
};
// The readers `#[charm]`'s generated code uses (this charm stands in for it).
use ops::__private::values::{field, required_field};
use ops::{
    Action, ActionParams, Charm, CharmConfig, EventData, EventKind, HandlerRun, Model, ModelCore,
    Outcome, ValueError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

static META: CharmMeta = CharmMeta {
    summary: "end-to-end test charm",
    relations: &[RelationMeta {
        limit: Some(1),
        ..RelationMeta::new("database", RelationRole::Requires, "postgresql_client")
    }],
    config: &[
        ConfigOptionMeta {
            default: Some("8000"),
            ..ConfigOptionMeta::new("port", ConfigKind::Int)
        },
        ConfigOptionMeta::new("mode", ConfigKind::String),
    ],
    actions: &[ActionMeta {
        params: &[ParamMeta {
            name: "target",
            kind: "string",
            required: true,
            enum_values: &[],
            schema: "{\"type\":\"string\"}",
        }],
        additional_properties: false,
        ..ActionMeta::new("backup")
    }],
    ..CharmMeta::named("e2e")
};

/// The typed config.
pub struct E2eConfig {
    /// `port`.
    pub port: i64,
    /// `mode`.
    pub mode: Option<String>,
}

impl CharmConfig for E2eConfig {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(E2eConfig {
            port: field(values, "", "port")?.unwrap_or(8000),
            mode: field(values, "", "mode")?,
        })
    }
}

/// The `backup` action's params.
pub struct BackupParams {
    /// `target`.
    pub target: String,
}

impl ActionParams for BackupParams {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(BackupParams {
            target: required_field(values, "", "target")?,
        })
    }
}

/// The charm; its fields are the unit's persisted state.
#[derive(Default, Serialize, Deserialize)]
pub struct E2e {
    installs: u32,
    configured_port: Option<i64>,
    remote_units: Vec<String>,
}

impl E2e {
    fn on_install(&mut self, model: &Model<Self>, _event: &Install) -> ops::Result<()> {
        log::info!("installing unit {}", model.unit().name());
        self.installs += 1;
        model
            .unit()
            .set_status(ops::Status::maintenance("installing"))?;
        Ok(())
    }

    fn on_config_changed(&mut self, model: &Model<Self>, event: &ConfigChanged) -> ops::Result<()> {
        let config = model.config()?;
        if config.mode.as_deref() == Some("defer") {
            event.defer();
            return Ok(());
        }
        self.configured_port = Some(config.port);
        model
            .unit()
            .set_status(ops::Status::active(format!("port {}", config.port)))?;
        Ok(())
    }

    fn on_database_changed(
        &mut self,
        _model: &Model<Self>,
        event: &RelationChanged<'_>,
    ) -> ops::Result<()> {
        if let Some(unit) = &event.remote_unit {
            self.remote_units.push(unit.clone());
        }
        Ok(())
    }

    fn on_backup(
        &mut self,
        model: &Model<Self>,
        action: &mut Action<'_, BackupParams>,
    ) -> ops::Result<()> {
        if action.params.target == "fail" {
            action.fail("cannot back up to 'fail'")?;
            return Ok(());
        }
        action.log(&format!("backing up to {}", action.params.target))?;
        let port = model.config()?.port;
        action.set_results(serde_json::json!({
            "backup": {"target": action.params.target, "port": port}
        }))?;
        Ok(())
    }
}

impl Charm for E2e {
    const META: &'static CharmMeta = &META;
    type Config = E2eConfig;
    type Relations<'m> = ();
    type Containers<'m> = ();
    type Storages<'m> = ();
    type Resources<'m> = ();
    fn relations(_: &ModelCore) {}
    fn containers(_: &ModelCore) {}
    fn storages(_: &ModelCore) {}
    fn resources(_: &ModelCore) {}

    fn observers(event: &EventData) -> Vec<String> {
        let names: &[&str] = match (event.kind, event.name.as_deref()) {
            (EventKind::Install, _) => &["on_install"],
            (EventKind::ConfigChanged, _) => &["on_config_changed"],
            (EventKind::RelationChanged, Some("database")) => &["on_database_changed"],
            (EventKind::Action, Some("backup")) => &["on_backup"],
            _ => &[],
        };
        names.iter().map(|n| n.to_string()).collect()
    }

    fn dispatch(&mut self, model: &Model<Self>, event: &EventData, only: Option<&str>) -> Outcome {
        let mut outcome = Outcome::default();
        for handler in Self::observers(event) {
            if only.is_some_and(|o| o != handler) {
                continue;
            }
            let (result, deferred) = match self.run_handler(model, event, &handler, &mut outcome) {
                Ok(deferred) => (Ok(()), deferred),
                Err(error) => (Err(error), false),
            };
            let failed = result.is_err();
            outcome
                .handlers
                .push(HandlerRun::new(handler, result, deferred));
            if failed {
                break;
            }
        }
        outcome
    }
}

impl E2e {
    /// Runs `handler` on `event`: whether it deferred.
    fn run_handler(
        &mut self,
        model: &Model<Self>,
        event: &EventData,
        handler: &str,
        outcome: &mut Outcome,
    ) -> ops::Result<bool> {
        let core = model.core();
        Ok(match handler {
            "on_install" => {
                let e = Install::from_event(core, event)?;
                self.on_install(model, &e)?;
                e.is_deferred()
            }
            "on_config_changed" => {
                let e = ConfigChanged::from_event(core, event)?;
                self.on_config_changed(model, &e)?;
                e.is_deferred()
            }
            "on_database_changed" => {
                let e = RelationChanged::from_event(core, event)?;
                self.on_database_changed(model, &e)?;
                e.is_deferred()
            }
            "on_backup" => {
                let mut a = Action::<BackupParams>::from_event(core, event)?;
                let result = self.on_backup(model, &mut a);
                outcome.action_failed |= a.is_failed();
                result?;
                false
            }
            _ => false,
        })
    }
}

#[allow(dead_code)] // unused when the end-to-end test includes this file as a module
fn main() {
    ops::main::<E2e>()
}
