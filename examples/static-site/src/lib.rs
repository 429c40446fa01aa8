//! static-site: a Kubernetes charm that serves a page from its workload container with
//! Python's `http.server`.
//!
//! - `site-pebble-ready`: writes `index.html` (naming the unit) under `web-root`, adds
//!   the layer that runs the server on `port`, and replans.
//! - after every event, collect-status reports `blocked` for a port out of range,
//!   `maintenance` until the service runs, then `active` with the port.
//!
//! `tests/real_pebble.rs` runs the built binary on a real Pebble daemon.

#![deny(missing_docs)]

use ops::pebble::{self, Layer, Override, PushOptions, Service, ServiceStartup};
use ops::prelude::*;
use std::collections::BTreeMap;

/// The Pebble service that runs the server.
pub const SERVICE_NAME: &str = "site";
/// The label of the charm's Pebble layer.
pub const LAYER_LABEL: &str = "static-site";

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// The port served on.
    pub port: u16,
    /// The directory served.
    pub web_root: String,
}

impl SiteConfig {
    /// Checks the options: a port between 1 and 65535, an absolute web root.
    pub fn from_options(options: &StaticSiteConfig) -> Result<Self, String> {
        let port = u16::try_from(options.port)
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("port {} is not between 1 and 65535", options.port))?;
        if !options.web_root.starts_with('/') {
            return Err(format!("web-root {:?} is not absolute", options.web_root));
        }
        Ok(SiteConfig {
            port,
            web_root: options.web_root.trim_end_matches('/').to_string(),
        })
    }
}

/// The page the unit serves.
pub fn page(unit: &str) -> String {
    format!("<h1>Hello from {unit}</h1>\n")
}

/// The layer that serves `config.web_root` on the loopback `config.port`.
pub fn pebble_layer(config: &SiteConfig) -> Layer {
    let service = Service {
        override_: Some(Override::Replace),
        summary: "static site".into(),
        command: format!(
            "python3 -m http.server {} --bind 127.0.0.1 --directory {}",
            config.port, config.web_root
        ),
        startup: Some(ServiceStartup::Enabled),
        ..Service::default()
    };
    Layer {
        summary: "static site".into(),
        services: BTreeMap::from([(SERVICE_NAME.to_string(), service)]),
        ..Layer::default()
    }
}

/// The charm. It keeps no state of its own between hooks.
#[charm(metadata = "charmcraft.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StaticSite {}

#[charm]
impl StaticSite {
    /// Pebble is up in the workload container: write the page, start the server.
    #[on(pebble_ready = "site")]
    fn site_pebble_ready(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let Ok(config) = SiteConfig::from_options(&model.config()?) else {
            // collect-status reports the invalid option.
            return Ok(());
        };
        let container = model.containers().site();
        let index = format!("{}/index.html", config.web_root);
        let options = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        container.push(&index, page(model.unit().name()), &options)?;
        container.add_layer(LAYER_LABEL, &pebble_layer(&config), true)?;
        container.replan()?;
        log::info!("serving {} on port {}", config.web_root, config.port);
        Ok(())
    }

    /// Reports the workload's status (runs after every event).
    #[on(collect_unit_status)]
    fn collect_status(&self, model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        let config = match SiteConfig::from_options(&model.config()?) {
            Ok(config) => config,
            Err(invalid) => {
                status.add(Status::blocked(invalid));
                return Ok(());
            }
        };
        match model.containers().site().get_service(SERVICE_NAME) {
            Ok(service) if service.is_running() => {
                status.add(Status::active(format!("serving on port {}", config.port)));
            }
            Ok(_) => status.add(Status::maintenance("waiting for the server")),
            Err(pebble::Error::NotFound { .. } | pebble::Error::Connection { .. }) => {
                status.add(Status::maintenance("waiting for the workload container"));
            }
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }
}
