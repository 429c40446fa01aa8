use ops::prelude::*;

#[charm(metadata = "../../charms/bad-assumes/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
