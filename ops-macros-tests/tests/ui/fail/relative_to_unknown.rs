use ops::prelude::*;

#[charm(metadata = "charmcraft.yaml", relative_to = "workspace")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

fn main() {}
