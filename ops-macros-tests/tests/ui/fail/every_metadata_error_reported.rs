// Independent mistakes in the metadata, in the struct's attribute and in a handler: each is
// reported in one build, none hides another.
use ops::prelude::*;
use ops_macros_tests::libs::DatabaseRequires;

#[charm(
    metadata = "../../charms/many-mistakes/charmcraft.yaml",
    relative_to = "file",
    tracing(endpoint = "charm-tracng")
)]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib]
    db: DatabaseRequires,
}

#[charm]
impl Demo {
    #[on(instal)]
    fn install(&mut self, _model: &Model<Self>) {}
}

fn main() {}
