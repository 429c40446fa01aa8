use ops::prelude::*;

#[charm(metadata = "../../charms/bad-enum-default/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
