use ops::prelude::*;

#[charm(
    metadata = "../../charms/traced/charmcraft.yaml",
    relative_to = "file",
    tracing(endpoint = "charm-tracng")
)]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {}

fn main() {}
