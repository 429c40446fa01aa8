//! tinyproxy: a machine charm that runs [tinyproxy] as a reverse proxy; the Python ops
//! example `machine-tinyproxy`, in Rust.
//!
//! - `install`: installs tinyproxy with APT and reports its version to Juju.
//! - `start`, `config-changed`: validates `slug`, writes tinyproxy's config, starts
//!   tinyproxy (or asks it to reload a changed config) and opens its port, [`PORT`].
//! - `stop`: stops tinyproxy; `remove`: uninstalls it.
//! - after every event, collect-status reports `blocked` for an invalid `slug`,
//!   `maintenance` until tinyproxy is installed and running, and `active` otherwise.
//!
//! Everything that touches the machine goes through [`tinyproxy::Tinyproxy`], so the
//! unit tests put a stand-in in its place.
//!
//! [tinyproxy]: https://tinyproxy.github.io/

#![deny(missing_docs)]

pub mod tinyproxy;

use ops::prelude::*;
use ops::Port;
use std::fmt;
use std::time::Duration;
use tinyproxy::Tinyproxy;

/// The port tinyproxy listens on.
pub const PORT: u16 = 8000;
/// How many times the charm looks at tinyproxy, a second apart, after starting or
/// stopping it.
pub const WAIT_CHECKS: u32 = 3;

/// The charm's configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TinyproxyConfig {
    /// The path the reverse proxy serves (`/<slug>/`): matches `[a-z0-9-]+`.
    pub slug: String,
}

/// A `slug` that does not match `[a-z0-9-]+`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSlug(pub String);

impl fmt::Display for InvalidSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid slug: '{}'. Slug must match the regex [a-z0-9-]+",
            self.0
        )
    }
}

impl std::error::Error for InvalidSlug {}

impl TinyproxyConfig {
    /// Validates the options Juju passed: `slug` must match `^[a-z0-9-]+$`.
    pub fn from_options(options: &TinyproxyCharmConfig) -> Result<Self, InvalidSlug> {
        let slug = &options.slug;
        let valid = !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(TinyproxyConfig { slug: slug.clone() })
        } else {
            Err(InvalidSlug(slug.clone()))
        }
    }
}

/// The charm. It keeps no state of its own between hooks: the machine is the state.
#[charm(metadata = "charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct TinyproxyCharm {
    /// tinyproxy on this machine; not persisted. Unit tests put a stand-in here
    /// (`Context::charm_setup`).
    #[serde(skip)]
    pub tinyproxy: tinyproxy::Handle,
}

#[charm]
impl TinyproxyCharm {
    /// Reports the status of tinyproxy (runs after every event).
    #[on(collect_unit_status)]
    fn collect_status(&self, model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        if let Err(invalid) = TinyproxyConfig::from_options(&model.config()?) {
            status.add(Status::blocked(invalid.to_string()));
        }
        let tinyproxy = &self.tinyproxy;
        if !tinyproxy.is_installed() {
            status.add(Status::maintenance("Waiting for tinyproxy to be installed"));
        }
        if !tinyproxy.is_running()? {
            status.add(Status::maintenance("Waiting for tinyproxy to start"));
        }
        status.add(Status::active(""));
        Ok(())
    }

    /// Installs tinyproxy on the machine.
    #[on(install)]
    fn install(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let tinyproxy = &self.tinyproxy;
        if !tinyproxy.is_installed() {
            // If APT fails, the hook fails: the unit shows an error and the log says why.
            tinyproxy.install()?;
            let version = tinyproxy.get_version()?;
            model.unit().set_workload_version(&version)?;
        }
        Ok(())
    }

    /// Starts tinyproxy.
    #[on(start)]
    fn start(&mut self, model: &Model<Self>) -> ops::Result<()> {
        configure_and_run(model, &*self.tinyproxy)
    }

    /// Applies a changed config.
    #[on(config_changed)]
    fn config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        configure_and_run(model, &*self.tinyproxy)
    }

    /// Stops tinyproxy.
    #[on(stop)]
    fn stop(&mut self, _model: &Model<Self>) -> ops::Result<()> {
        self.tinyproxy.stop()?;
        wait_until_running(&*self.tinyproxy, false)
    }

    /// Uninstalls tinyproxy.
    #[on(remove)]
    fn remove(&mut self, _model: &Model<Self>) -> ops::Result<()> {
        self.tinyproxy.uninstall()?;
        Ok(())
    }
}

/// Makes sure tinyproxy runs with the config the options ask for, and its port is open.
fn configure_and_run(model: &Model<TinyproxyCharm>, tinyproxy: &dyn Tinyproxy) -> ops::Result<()> {
    let Ok(config) = TinyproxyConfig::from_options(&model.config()?) else {
        // collect-status runs next and tells the operator what is wrong.
        return Ok(());
    };
    if !tinyproxy.is_installed() {
        return Ok(());
    }
    let changed = tinyproxy.ensure_config(PORT, &config.slug)?;
    if !tinyproxy.is_running()? {
        tinyproxy.start()?;
        wait_until_running(tinyproxy, true)?;
    } else if changed {
        log::info!("Config changed while tinyproxy is running. Updating tinyproxy config");
        tinyproxy.reload_config()?;
    }
    model.unit().set_ports([Port::tcp(PORT)])?;
    Ok(())
}

/// Waits (up to [`WAIT_CHECKS`] seconds) until tinyproxy is running, or until it is not;
/// an error if it does not get there, which puts the unit in error status with the
/// message in the Juju log.
fn wait_until_running(tinyproxy: &dyn Tinyproxy, running: bool) -> ops::Result<()> {
    for _ in 0..WAIT_CHECKS {
        if tinyproxy.is_running()? == running {
            return Ok(());
        }
        tinyproxy.pause(Duration::from_secs(1));
    }
    Err(ops::Error::msg(if running {
        "tinyproxy was not running within the expected time"
    } else {
        "tinyproxy was still running after the expected time"
    }))
}
