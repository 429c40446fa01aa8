use ops::prelude::*;

#[charm(
    metadata = "../../charms/traced/charmcraft.yaml",
    relative_to = "file",
    tracing(endpoint = "charm-tracing", ca = "charm-tracing")
)]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {}

fn main() {}
