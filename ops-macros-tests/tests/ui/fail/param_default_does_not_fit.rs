use ops::prelude::*;

#[charm(metadata = "../../charms/bad-param-default/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
