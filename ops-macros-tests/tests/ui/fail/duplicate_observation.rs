use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(config_changed)]
    #[on(config_changed)]
    fn configure(&mut self, _model: &Model<Self>) {}
}

fn main() {}
