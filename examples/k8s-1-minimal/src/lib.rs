//! Kubernetes charm for a demo app: step 1 of the tutorial, a minimal charm.
//!
//! When Pebble is ready in the `demo-server` container, the charm starts the service
//! that the workload image's own Pebble layer defines, records the workload's version
//! and reports the unit active. Port of the Python ops example `k8s-1-minimal`.

#![deny(missing_docs)]

pub use fastapi_charm_libs::fastapi_demo;
use ops::event::PebbleReady;
use ops::prelude::*;

/// The port the workload image's own layer serves on.
const DEFAULT_PORT: u16 = 8000;

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
    /// Defines and starts the workload using the Pebble API.
    #[on(pebble_ready = "demo-server")]
    fn on_demo_server_pebble_ready(
        &mut self,
        model: &Model<Self>,
        event: &PebbleReady,
    ) -> ops::Result<()> {
        // The container the event is about.
        let container = &event.workload;
        // Start the service defined by the Pebble layer in the application image.
        container.replan()?;
        // Set the workload version of this charm.
        let version = self.version_source.get_version(DEFAULT_PORT)?;
        model.unit().set_workload_version(&version)?;
        // Learn more about statuses at
        // https://documentation.ubuntu.com/juju/3.6/reference/status/
        model.unit().set_status(Status::active(""))?;
        Ok(())
    }
}
