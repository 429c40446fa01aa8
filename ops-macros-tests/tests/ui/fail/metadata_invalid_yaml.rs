use ops::prelude::*;

#[charm(metadata = "../../charms/broken-yaml/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

#[charm]
impl Broken {
    #[on(install)]
    fn install(&mut self, _model: &Model<Self>) {}
}

fn main() {}
