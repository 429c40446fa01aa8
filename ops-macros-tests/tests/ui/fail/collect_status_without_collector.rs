use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(collect_unit_status)]
    fn status(&self, _model: &Model<Self>) {}
}

fn main() {}
