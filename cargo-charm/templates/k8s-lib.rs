//! The {{name}} charm: runs the workload's service in the `workload` container, on the
//! port from its config.

use ops::pebble::Layer;
use ops::prelude::*;
use std::collections::BTreeMap;

/// The charm. Its fields are the unit's state, saved after each hook (give a field
/// `#[serde(skip)]` to keep it out, e.g. a client a unit test replaces).
#[charm(metadata = "charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct {{Struct}} {}

#[charm]
impl {{Struct}} {
    /// Pebble is up in the workload container: start the service.
    #[on(pebble_ready = "workload")]
    fn on_workload_pebble_ready(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan(model)
    }

    /// The operator changed the config: restart the service with it.
    #[on(config_changed)]
    fn on_config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan(model)
    }

    /// `juju run {{name}}/0 restart`.
    #[on(action = "restart")]
    fn on_restart_action(
        &mut self,
        model: &Model<Self>,
        action: &mut Action<RestartParams>,
    ) -> ops::Result<()> {
        model.containers().workload().restart(&[SERVICE])?;
        action.set_results(BTreeMap::from([("restarted", SERVICE)]))?;
        Ok(())
    }
}

/// The service's name in the Pebble layer.
pub const SERVICE: &str = "workload";

/// The Pebble layer of the workload's service, listening on `port`.
pub fn layer(port: i64) -> Layer {
    Layer::from_yaml(&format!(
        "services:\n  {SERVICE}:\n    override: replace\n    startup: enabled\n    command: nginx -g 'daemon off;'\n    environment:\n      PORT: \"{port}\"\n"
    ))
    .expect("the layer is valid YAML")
}

/// Adds the layer for the current config and replans; waits while Pebble is not up.
fn replan(model: &Model<{{Struct}}>) -> ops::Result<()> {
    let port = model.config()?.port;
    if !(1..=65535).contains(&port) {
        return Err(Abort::blocked(format!("port {port} is not a valid port")).into());
    }
    let container = model.containers().workload();
    if !container.can_connect() {
        model
            .unit()
            .set_status(Status::waiting("waiting for Pebble"))?;
        return Ok(());
    }
    container.add_layer(SERVICE, &layer(port), true)?;
    container.replan()?;
    ops::log::info!("serving on port {port}");
    model.unit().set_status(Status::active(""))?;
    Ok(())
}
