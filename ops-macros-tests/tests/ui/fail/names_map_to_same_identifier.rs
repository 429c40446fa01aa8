use ops::prelude::*;

#[charm(metadata = "../../charms/name-clash/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
