//! A charm that declares tracing (`#[charm(..., tracing(...))]`): its spans go to the
//! OTLP/HTTP endpoint the `charm-tracing` relation provides. Used by the end-to-end test
//! `ops/tests/tracing.rs` (metadata: `tracing_charm.yaml` beside this file).
//!
//! - `config-changed`: reads the config, emits the charm's own `configured` event and sets
//!   `active`; with `mode: fail` it fails, so its span records the error.
//! - `configured` (a custom event): counts configurations.

#![deny(missing_docs)]

use ops::prelude::*;

/// The payload of the charm's own `configured` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configured {
    /// The mode configured.
    pub mode: String,
}

/// The charm.
#[charm(
    metadata = "examples/tracing_charm.yaml",
    events(configured = Configured),
    tracing(endpoint = "charm-tracing", ca = "receive-ca-cert")
)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Traced {
    configured: u32,
}

#[charm]
impl Traced {
    #[on(config_changed)]
    fn on_config(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let mode = model.config()?.mode;
        if mode == "fail" {
            return Err(ops::Error::msg("mode is fail"));
        }
        model.emit(Configured { mode })?;
        model.unit().set_status(Status::active(""))?;
        Ok(())
    }

    #[on(self.configured)]
    fn on_configured(&mut self, _model: &Model<Self>, _event: &ops::Custom<Configured>) {
        self.configured += 1;
    }
}

#[allow(dead_code)]
fn main() {
    ops::main::<Traced>()
}
