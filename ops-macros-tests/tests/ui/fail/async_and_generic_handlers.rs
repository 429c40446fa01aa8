use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(install)]
    async fn install(&mut self, _model: &Model<Self>) {}

    #[on(start)]
    fn start<T>(&mut self, _model: &Model<Self>) {}
}

fn main() {}
