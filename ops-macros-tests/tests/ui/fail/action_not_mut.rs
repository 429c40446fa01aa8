use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;
use ops::Action;

#[charm]
impl Demo {
    #[on(action = "get-db-info")]
    fn info(&mut self, _model: &Model<Self>, _action: &Action<GetDbInfoParams>) {}
}

fn main() {}
