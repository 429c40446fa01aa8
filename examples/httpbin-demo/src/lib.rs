//! httpbin-demo: a Kubernetes charm for [kennethreitz/httpbin] that restarts the workload
//! when a configuration option changes; the Python ops example of the same name, in Rust.
//!
//! - `httpbin-pebble-ready`: adds the Pebble layer that runs gunicorn and replans.
//! - `config-changed`: validates `log-level`, then updates the layer (gunicorn restarts
//!   with the new level), retrying a few times if the container is not reachable yet.
//! - after every event, collect-status reports `blocked` for an invalid `log-level`,
//!   `maintenance` while the container or the service is not up, and `active` otherwise.
//!
//! [kennethreitz/httpbin]: https://hub.docker.com/r/kennethreitz/httpbin

#![deny(missing_docs)]

use ops::event::PebbleReady;
use ops::pebble::{self, Layer, Override, Service, ServiceStartup};
use ops::prelude::*;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The workload container's name (in `charmcraft.yaml`).
pub const CONTAINER_NAME: &str = "httpbin";
/// The Pebble service that runs gunicorn in the container.
pub const SERVICE_NAME: &str = "httpbin";
/// The label of the charm's Pebble layer.
pub const LAYER_LABEL: &str = "httpbin";
/// The log levels gunicorn accepts, lower case.
pub const LOG_LEVELS: [&str; 5] = ["info", "debug", "warning", "error", "critical"];
/// How many times `config-changed` tries to reach Pebble before giving up.
pub const MAX_ATTEMPTS: u32 = 3;

/// The charm's configuration, validated: what the charm's handlers work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpbinConfig {
    /// gunicorn's log level: one of [`LOG_LEVELS`] (lower-cased from the option).
    pub log_level: String,
}

/// A `log-level` that is not one of [`LOG_LEVELS`] (in any case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLogLevel(pub String);

impl fmt::Display for InvalidLogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid log level: '{}'. Valid values are: {}.",
            self.0,
            LOG_LEVELS.join(", ")
        )
    }
}

impl std::error::Error for InvalidLogLevel {}

impl HttpbinConfig {
    /// Validates the options Juju passed: `log-level` must be a known level, in any case.
    pub fn from_options(options: &HttpbinDemoCharmConfig) -> Result<Self, InvalidLogLevel> {
        let log_level = options.log_level.to_lowercase();
        if LOG_LEVELS.contains(&log_level.as_str()) {
            Ok(HttpbinConfig { log_level })
        } else {
            Err(InvalidLogLevel(options.log_level.clone()))
        }
    }
}

/// The Pebble layer that runs gunicorn with `log_level`.
pub fn pebble_layer(log_level: &str) -> Layer {
    let service = Service {
        override_: Some(Override::Replace),
        summary: "httpbin".into(),
        command: "gunicorn -b 0.0.0.0:80 httpbin:app -k gevent".into(),
        startup: Some(ServiceStartup::Enabled),
        environment: BTreeMap::from([(
            "GUNICORN_CMD_ARGS".to_string(),
            format!("--log-level {log_level}"),
        )]),
        ..Service::default()
    };
    Layer {
        services: BTreeMap::from([(SERVICE_NAME.to_string(), service)]),
        ..Layer::default()
    }
}

/// The charm. It keeps no state of its own between hooks.
#[charm(metadata = "charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct HttpbinDemoCharm {}

#[charm]
impl HttpbinDemoCharm {
    /// Reports the workload's status (runs after every event).
    #[on(collect_unit_status)]
    fn collect_status(&self, model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        if let Err(invalid) = HttpbinConfig::from_options(&model.config()?) {
            status.add(Status::blocked(invalid.to_string()));
        }
        match model.containers().httpbin().get_service(SERVICE_NAME) {
            Ok(service) => {
                if !service.is_running() {
                    // Pebble answers, but the service has not started yet.
                    status.add(Status::maintenance("waiting for workload"));
                }
            }
            // Pebble answers but has no such service: no layer added yet.
            // Or Pebble does not answer: the container has not started yet.
            Err(pebble::Error::NotFound { .. } | pebble::Error::Connection { .. }) => {
                status.add(Status::maintenance("waiting for workload container"));
            }
            Err(err) => {
                // Technically possible (but unlikely): an internal error in Pebble.
                log::error!("Unable to fetch service info from Pebble");
                return Err(err.into());
            }
        }
        status.add(Status::active(""));
        Ok(())
    }

    /// Defines and starts the workload through Pebble.
    #[on(pebble_ready = "httpbin")]
    fn httpbin_pebble_ready(
        &mut self,
        model: &Model<Self>,
        _event: &PebbleReady,
    ) -> ops::Result<()> {
        let Ok(config) = HttpbinConfig::from_options(&model.config()?) else {
            // collect-status reports the invalid option.
            return Ok(());
        };
        let container = model.containers().httpbin();
        container.add_layer(LAYER_LABEL, &pebble_layer(&config.log_level), true)?;
        // Pebble re-evaluates its plan and starts (or restarts) the changed services. If
        // the container became unavailable meanwhile, the hook fails and Juju retries it.
        container.replan()?;
        Ok(())
    }

    /// Applies a changed `log-level` to the workload.
    #[on(config_changed)]
    fn config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let Ok(config) = HttpbinConfig::from_options(&model.config()?) else {
            return Ok(());
        };
        let container = model.containers().httpbin();
        let layer = pebble_layer(&config.log_level);
        // The container may not be reachable yet, so try a few times.
        let done = with_retries(MAX_ATTEMPTS, std::thread::sleep, |attempt| {
            let result = container
                .add_layer(LAYER_LABEL, &layer, true)
                .and_then(|()| container.replan());
            match result {
                Err(pebble::Error::Api(_) | pebble::Error::Connection { .. }) => {
                    log::info!("Unable to reconfigure gunicorn (attempt {attempt})");
                    Ok(false)
                }
                other => other.map(|()| true),
            }
        })?;
        if done {
            log::debug!("Log level for gunicorn changed to '{}'", config.log_level);
        } else {
            // A pebble-ready event will come later, and will configure and start it.
            log::warn!("Unable to reconfigure gunicorn after {MAX_ATTEMPTS} attempts.");
        }
        Ok(())
    }
}

/// Calls `attempt(1)`, `attempt(2)`, ... up to `max_attempts` times until it returns
/// `Ok(true)`; after each `Ok(false)` (a failure worth retrying) sleeps 1 s, 2 s, 4 s...
/// Returns whether an attempt succeeded; an `Err` stops at once.
pub fn with_retries<E>(
    max_attempts: u32,
    mut sleep: impl FnMut(Duration),
    mut attempt: impl FnMut(u32) -> Result<bool, E>,
) -> Result<bool, E> {
    for n in 0..max_attempts {
        if attempt(n + 1)? {
            return Ok(true);
        }
        sleep(Duration::from_secs(1u64 << n.min(16)));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_give_up() {
        let mut slept = Vec::new();
        let mut tries = Vec::new();
        let done = with_retries::<()>(
            3,
            |d| slept.push(d.as_secs()),
            |n| {
                tries.push(n);
                Ok(false)
            },
        );
        assert_eq!(done, Ok(false));
        assert_eq!(tries, [1, 2, 3]);
        assert_eq!(slept, [1, 2, 4]);
    }

    #[test]
    fn retries_stop_at_the_first_success_or_error() {
        let mut slept = 0;
        let done = with_retries::<()>(3, |_| slept += 1, |n| Ok(n == 2));
        assert_eq!((done, slept), (Ok(true), 1));
        let mut tries = 0;
        let failed = with_retries(
            3,
            |_| {},
            |_| {
                tries += 1;
                Err("boom")
            },
        );
        assert_eq!((failed, tries), (Err("boom"), 1));
    }

    #[test]
    fn log_levels_are_case_insensitive_and_checked() {
        let options = |level: &str| HttpbinDemoCharmConfig {
            log_level: level.into(),
        };
        assert_eq!(
            HttpbinConfig::from_options(&options("WARNING")).map(|c| c.log_level),
            Ok("warning".to_string())
        );
        assert_eq!(
            HttpbinConfig::from_options(&options("verbose"))
                .unwrap_err()
                .to_string(),
            "Invalid log level: 'verbose'. Valid values are: info, debug, warning, error, critical."
        );
    }
}
