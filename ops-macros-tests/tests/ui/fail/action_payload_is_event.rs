use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;
use ops::event::Install;

#[charm]
impl Demo {
    #[on(action = "get-db-info")]
    fn info(&mut self, _model: &Model<Self>, _event: &Install) {}
}

fn main() {}
