//! The {{name}} charm: a machine charm whose status shows its greeting.

use ops::prelude::*;
use std::collections::BTreeMap;

/// The charm. Its fields are the unit's state, saved after each hook (give a field
/// `#[serde(skip)]` to keep it out, e.g. a client a unit test replaces).
#[charm(metadata = "charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct {{Struct}} {
    /// How many times the config changed.
    pub config_changes: u32,
}

#[charm]
impl {{Struct}} {
    /// The unit is being installed: install the workload here.
    #[on(install)]
    fn on_install(&mut self, model: &Model<Self>) -> ops::Result<()> {
        model.unit().set_status(Status::maintenance("installing"))?;
        ops::log::info!("installed");
        Ok(())
    }

    /// The operator changed the config.
    #[on(config_changed)]
    fn on_config_changed(&mut self, _model: &Model<Self>) -> ops::Result<()> {
        self.config_changes += 1;
        Ok(())
    }

    /// `juju run {{name}}/0 greet name=...`.
    #[on(action = "greet")]
    fn on_greet_action(
        &mut self,
        model: &Model<Self>,
        action: &mut Action<GreetParams>,
    ) -> ops::Result<()> {
        let greeting = model.config()?.greeting;
        let whom = action.params.name.clone().unwrap_or_else(|| "world".into());
        let answer = format!("{greeting}, {whom}");
        action.set_results(BTreeMap::from([("greeting", answer)]))?;
        Ok(())
    }

    /// After every event: the unit's status.
    #[on(collect_unit_status)]
    fn on_collect_status(
        &self,
        model: &Model<Self>,
        status: &mut StatusCollector,
    ) -> ops::Result<()> {
        let greeting = model.config()?.greeting;
        if greeting.is_empty() {
            status.add(Status::blocked("greeting is empty"));
        }
        status.add(Status::active(greeting));
        Ok(())
    }
}
