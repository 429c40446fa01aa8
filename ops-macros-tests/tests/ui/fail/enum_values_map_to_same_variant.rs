use ops::prelude::*;

#[charm(metadata = "../../charms/enum-clash/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Clash;

fn main() {}
