use ops::event::ConfigChanged;
use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(config_changed)]
    #[on(pebble_ready = "demo-server")]
    fn configure(&mut self, _model: &Model<Self>, _event: &ConfigChanged) {}
}

fn main() {}
