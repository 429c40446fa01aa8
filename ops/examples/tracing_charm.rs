//! A charm that declares tracing (`#[charm(..., tracing(...))]`): its spans go to the
//! OTLP/HTTP endpoint the `charm-tracing` relation provides. Used by the end-to-end test
//! `ops/tests/tracing.rs` (metadata: `tracing_charm.yaml` beside this file).
//!
//! - `config-changed`: reads the config and sets `active`; with `mode: fail` it fails, so
//!   its span records the error.

#![deny(missing_docs)]

use ops::prelude::*;

/// The charm.
#[charm(
    metadata = "examples/tracing_charm.yaml",
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
        if model.config()?.mode == "fail" {
            return Err(ops::Error::msg("mode is fail"));
        }
        self.configured += 1;
        model.unit().set_status(Status::active(""))?;
        Ok(())
    }
}

#[allow(dead_code)]
fn main() {
    ops::main::<Traced>()
}
