//! Kubernetes charm for a demo app: step 4 of the tutorial, with an action.
//!
//! Step 3's charm (its own Pebble layer on the `server-port` port, the `names_db`
//! database over the `database` relation, collect-status) plus the `get-db-info` action:
//! it shows the database's host and port, and with `show-password=true` the user name
//! and password. Port of the Python ops example `k8s-4-action`.

#![deny(missing_docs)]

use charmlib_data_interfaces::{DatabaseCreated, DatabaseRequires, EndpointsChanged, Requirer};
pub use fastapi_charm_libs::fastapi_demo;
use ops::pebble::{Error as PebbleError, Layer, Override, Service};
use ops::prelude::*;
use std::collections::BTreeMap;
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

/// The name of the database the application requires.
pub const DATABASE_NAME: &str = "names_db";

/// The database relation's protocol, for reading what the database charm shared: the
/// endpoint from `charmcraft.yaml` and the database.
pub const DATABASE: Requirer = Requirer::new("database", DATABASE_NAME);

/// Where the database is and how to log in, from the database relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbData {
    /// The database host.
    pub db_host: String,
    /// The database port.
    pub db_port: String,
    /// The user name.
    pub db_username: String,
    /// The user's password.
    pub db_password: String,
}

impl DbData {
    /// The environment variables the FastAPI demo server reads.
    pub fn app_environment(&self) -> BTreeMap<String, String> {
        [
            ("DEMO_SERVER_DB_HOST", &self.db_host),
            ("DEMO_SERVER_DB_PORT", &self.db_port),
            ("DEMO_SERVER_DB_USER", &self.db_username),
            ("DEMO_SERVER_DB_PASSWORD", &self.db_password),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }
}

/// Retrieves the database's address and credentials from the relation: `None` until the
/// database charm has shared them all (and an `endpoints` of the form `host:port`).
pub fn fetch_database_relation_data(model: &ops::ModelCore) -> ops::Result<Option<DbData>> {
    let relations = DATABASE.fetch_relation_data(model)?;
    log::debug!(
        "Got data from database relations {:?}",
        relations.keys().collect::<Vec<_>>()
    );
    for data in relations.values() {
        let (Some(endpoints), Some(username), Some(password)) = (
            data.get("endpoints"),
            data.get("username"),
            data.get("password"),
        ) else {
            continue;
        };
        log::info!("New database endpoint is {endpoints}");
        // The first endpoint, if the database shares several.
        let first = endpoints.split(',').next().unwrap_or_default();
        let Some((host, port)) = first.split_once(':') else {
            log::warn!("Ignoring database endpoint {first:?}: not host:port");
            continue;
        };
        return Ok(Some(DbData {
            db_host: host.to_string(),
            db_port: port.to_string(),
            db_username: username.clone(),
            db_password: password.clone(),
        }));
    }
    Ok(None)
}

/// The Pebble layer for the FastAPI demo service on `port` with `environment`: merged
/// over the service the workload image defines.
pub fn pebble_layer(port: u16, environment: BTreeMap<String, String>) -> Layer {
    let service = Service {
        override_: Some(Override::Merge),
        command: format!("/bin/uvicorn api_demo_server.app:app --host 0.0.0.0 --port {port}"),
        environment,
        ..Service::default()
    };
    Layer {
        summary: "FastAPI demo service".into(),
        description: "pebble config layer for FastAPI demo server".into(),
        services: [(SERVICE_NAME.to_string(), service)].into(),
        ..Layer::default()
    }
}

/// Charm the service. Its only state is the database library's (what it asks for).
#[charm(metadata = "charmcraft.yaml")]
#[derive(Debug, Serialize, Deserialize)]
pub struct FastApiDemo {
    /// The `database` relation (Python's `DatabaseRequires(self, "database", "names_db")`):
    /// it asks for the database and tells the charm when it is ready or moves.
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
}

impl Default for FastApiDemo {
    fn default() -> Self {
        FastApiDemo {
            db: DatabaseRequires::new(DATABASE_NAME),
        }
    }
}

#[charm]
impl FastApiDemo {
    /// Pebble is up in the workload container: (re)start the service.
    #[on(pebble_ready = "demo-server")]
    fn on_demo_server_pebble_ready(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan_workload(model)
    }

    /// The operator changed the config: restart the service with it.
    #[on(config_changed)]
    fn on_config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        replan_workload(model)
    }

    /// The database is created: restart the service with the connection details.
    #[on(db.database_created)]
    fn on_database_created(
        &mut self,
        model: &Model<Self>,
        _event: &Custom<DatabaseCreated>,
    ) -> ops::Result<()> {
        replan_workload(model)
    }

    /// The database's endpoint moved: restart the service with the new one.
    #[on(db.endpoints_changed)]
    fn on_database_endpoints_changed(
        &mut self,
        model: &Model<Self>,
        _event: &Custom<EndpointsChanged>,
    ) -> ops::Result<()> {
        replan_workload(model)
    }

    /// Returns information about the integrated database (`juju run <unit>
    /// get-db-info [show-password=true]`): host and port, and with `show-password` the
    /// user name and password. Fails with "No database connected" until the database
    /// charm has shared them.
    ///
    /// Learn more about actions at
    /// <https://canonical.com/juju/docs/ops/latest/howto/manage-actions/>.
    #[on(action = "get-db-info")]
    fn on_get_db_info_action(
        &mut self,
        model: &Model<Self>,
        action: &mut Action<GetDbInfoParams>,
    ) -> ops::Result<()> {
        let Some(db) = fetch_database_relation_data(model)? else {
            action.fail("No database connected")?;
            return Ok(());
        };
        let mut output = BTreeMap::from([("db-host", db.db_host), ("db-port", db.db_port)]);
        if action.params.show_password {
            output.insert("db-username", db.db_username);
            output.insert("db-password", db.db_password);
        }
        action.set_results(output)?;
        Ok(())
    }

    /// Reports the unit status after each event: the most severe of what is wrong, or
    /// active.
    #[on(collect_unit_status)]
    fn on_collect_status(
        &self,
        model: &Model<Self>,
        status: &mut StatusCollector,
    ) -> ops::Result<()> {
        if let Err(e) = FastApiConfig::from_config(&model.config()?) {
            status.add(Status::blocked(e.to_string()));
        }
        if model.relations().database()?.is_none() {
            // We need the user to do 'juju integrate'.
            status.add(Status::blocked("Waiting for database relation"));
        } else if fetch_database_relation_data(model)?.is_none() {
            // We need the charms to finish integrating.
            status.add(Status::waiting("Waiting for database relation"));
        }
        match model.containers().demo_server().get_service(SERVICE_NAME) {
            Err(e) => {
                log::debug!("No '{SERVICE_NAME}' service yet: {e}");
                status.add(Status::maintenance(
                    "Waiting for Pebble in workload container",
                ));
            }
            Ok(service) if !service.is_running() => {
                status.add(Status::maintenance("Waiting for the service to start up"));
            }
            Ok(_) => {}
        }
        // If nothing is wrong, then the status is active.
        status.add(Status::active(""));
        Ok(())
    }
}

/// Defines and starts the workload using the Pebble API, with the database's details in
/// its environment. The status is left to the collect-status handler.
///
/// Learn more about interacting with Pebble at
/// <https://canonical.com/juju/docs/ops/latest/reference/pebble/> and about Pebble layers
/// at <https://ubuntu.com/docs/pebble/how-to/use-layers/>.
fn replan_workload(model: &Model<FastApiDemo>) -> ops::Result<()> {
    let unit = model.unit();
    unit.set_status(Status::maintenance("Assembling Pebble layers"))?;
    let config = match FastApiConfig::from_config(&model.config()?) {
        Ok(config) => config,
        Err(e) => {
            log::error!("Configuration error: {e}");
            return Ok(());
        }
    };
    let env = fetch_database_relation_data(model)?
        .map(|db| db.app_environment())
        .unwrap_or_default();
    let container = model.containers().demo_server();
    let replanned = container
        .add_layer(LAYER_LABEL, &pebble_layer(config.server_port, env), true)
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
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    let version = fastapi_demo::get_version(config.server_port)?;
    unit.set_workload_version(&version)?;
    Ok(())
}
