// A charm embedding a library defined in another crate, observing its events.
use ops::prelude::*;
use ops_macros_tests::libs::{DatabaseCreated, DatabaseRequires, EndpointsChanged};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tick;

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file", events(tick = Tick))]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
}

#[charm]
impl Demo {
    #[on(db.database_created)]
    fn created(&mut self, model: &Model<Self>, event: &Custom<DatabaseCreated>) -> ops::Result<()> {
        let _ = event.relation_id;
        model.emit(Tick)
    }

    #[on(db.endpoints_changed)]
    fn moved(&mut self, _model: &Model<Self>, _event: &Custom<EndpointsChanged>) {}

    #[on(self.tick)]
    fn tick(&mut self, _model: &Model<Self>) {}
}

fn main() {}
