use ops::prelude::*;
use ops_macros_tests::libs::{DatabaseCreated, DatabaseRequires, EndpointsChanged};

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib]
    db: DatabaseRequires,
}

#[charm]
impl Demo {
    #[on(db.database_created)]
    fn created(&mut self, _model: &Model<Self>, _event: &Custom<DatabaseCreated>) {}

    #[on(db.endpoints_changed)]
    fn moved(&mut self, _model: &Model<Self>, _event: &Custom<EndpointsChanged>) {}
}

fn main() {}
