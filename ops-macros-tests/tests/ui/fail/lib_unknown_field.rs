use ops::prelude::*;
use ops_macros_tests::libs::{DatabaseCreated, DatabaseRequires};

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
}

#[charm]
impl Demo {
    #[on(dbb.database_created)]
    fn created(&mut self, _model: &Model<Self>, _event: &Custom<DatabaseCreated>) {}
}

fn main() {}
