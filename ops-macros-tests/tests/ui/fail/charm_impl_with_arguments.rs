use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm(metadata = "charmcraft.yaml")]
impl Demo {}

fn main() {}
