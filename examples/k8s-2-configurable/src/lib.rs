//! Kubernetes charm for a demo app: step 2 of the tutorial, a configurable charm.
//!
//! The charm adds its own Pebble layer to the `demo-server` container, serving on the
//! port the `server-port` option sets, and replans whenever Pebble becomes ready or the
//! config changes. Port 22 is refused (the unit is blocked). Port of the Python ops
//! example `k8s-2-configurable`.

#![deny(missing_docs)]

pub use fastapi_charm_libs::fastapi_demo;
use ops::pebble::{Error as PebbleError, Layer, Override, Service};
use ops::prelude::*;
use std::fmt;

/// The Pebble service that runs the FastAPI server.
pub const SERVICE_NAME: &str = "fastapi";
/// The label of the charm's Pebble layer.
pub const LAYER_LABEL: &str = "fastapi_demo";

/// Configuration for the FastAPI demo charm, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastApiConfig {
    /// Port on which FastAPI is available.
    pub server_port: u16,
}

/// Why the charm's configuration cannot be used; the message is what the unit's
/// blocked status shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig(pub String);

impl fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidConfig {}

impl FastApiConfig {
    /// Validates the typed config `#[charm]` generates from `charmcraft.yaml`.
    pub fn from_config(config: &FastApiDemoConfig) -> Result<Self, InvalidConfig> {
        let port = config.server_port;
        if port == 22 {
            return Err(InvalidConfig(
                "Invalid port number, 22 is reserved for SSH".into(),
            ));
        }
        // Not in the Python charm, which would hand uvicorn any integer.
        let server_port = u16::try_from(port)
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                InvalidConfig(format!(
                    "Invalid port number, {port} is not between 1 and 65535"
                ))
            })?;
        Ok(FastApiConfig { server_port })
    }
}

/// The Pebble layer for the FastAPI demo service on `port`: merged over the service the
/// workload image defines, so only the command changes.
pub fn pebble_layer(port: u16) -> Layer {
    let service = Service {
        override_: Some(Override::Merge),
        command: format!("/bin/uvicorn api_demo_server.app:app --host 0.0.0.0 --port {port}"),
        ..Service::default()
    };
    Layer {
        summary: "FastAPI demo service".into(),
        description: "pebble config layer for FastAPI demo server".into(),
        services: [(SERVICE_NAME.to_string(), service)].into(),
        ..Layer::default()
    }
}

/// Charm the service. It keeps no state between hooks.
#[charm(metadata = "charmcraft.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FastApiDemo {
    /// Where the workload's version comes from: the server (the default); unit tests give
    /// a fixed one (`Context::charm_setup`). Not persisted.
    #[serde(skip)]
    pub version_source: fastapi_demo::VersionSource,
}

#[charm]
impl FastApiDemo {
    /// Pebble is up in the workload container: (re)start the service.
    #[on(pebble_ready = "demo-server")]
    fn on_demo_server_pebble_ready(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan_workload(model, &self.version_source)
    }

    /// The operator changed the config: restart the service with it.
    #[on(config_changed)]
    fn on_config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan_workload(model, &self.version_source)
    }
}

/// Defines and starts the workload using the Pebble API, and reports the unit's status.
///
/// Learn more about interacting with Pebble at
/// <https://canonical.com/juju/docs/ops/latest/reference/pebble/> and about Pebble layers
/// at <https://ubuntu.com/docs/pebble/how-to/use-layers/>.
fn replan_workload(
    model: &Model<FastApiDemo>,
    version_source: &fastapi_demo::VersionSource,
) -> ops::Result<()> {
    let unit = model.unit();
    // Learn more about statuses at
    // https://documentation.ubuntu.com/juju/3.6/reference/status/
    unit.set_status(Status::maintenance("Assembling Pebble layers"))?;
    let config = match FastApiConfig::from_config(&model.config()?) {
        Ok(config) => config,
        Err(e) => {
            log::error!("Configuration error: {e}");
            unit.set_status(Status::blocked(e.to_string()))?;
            return Ok(());
        }
    };
    let container = model.containers().demo_server();
    let replanned = container
        .add_layer(LAYER_LABEL, &pebble_layer(config.server_port), true)
        .and_then(|()| {
            log::info!("Added updated layer '{LAYER_LABEL}' to Pebble plan");
            // Tell Pebble to incorporate the changes, including restarting the service
            // if required.
            container.replan()
        });
    match replanned {
        Ok(()) => log::info!("Replanned with '{SERVICE_NAME}' service"),
        Err(e @ (PebbleError::Api(_) | PebbleError::Connection { .. })) => {
            log::info!("Unable to connect to Pebble: {e}");
            unit.set_status(Status::maintenance(
                "Waiting for Pebble in workload container",
            ))?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    let version = version_source.get_version(config.server_port)?;
    unit.set_workload_version(&version)?;
    unit.set_status(Status::active(""))?;
    Ok(())
}
