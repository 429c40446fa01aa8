use ops::prelude::*;

#[charm(metadata = "../../charms/no-such-charm/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken;

fn main() {}
