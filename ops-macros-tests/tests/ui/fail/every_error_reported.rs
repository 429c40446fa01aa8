use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(relation_changed = "databse")]
    #[on(pebble_ready = "database")]
    #[on(instal)]
    fn many(&mut self, _model: &Model<Self>) {}

    #[on(update_status)]
    fn no_model(&mut self) {}
}

fn main() {}
