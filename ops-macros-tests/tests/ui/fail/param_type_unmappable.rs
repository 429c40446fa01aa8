use ops::prelude::*;

#[charm(metadata = "../../charms/bad-param-type/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
