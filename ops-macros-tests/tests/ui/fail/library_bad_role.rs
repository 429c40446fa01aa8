use ops::prelude::*;

#[library(interface = "postgresql_client", role = "require")]
#[derive(Default, Serialize, Deserialize)]
struct Lib {}

#[library]
impl Lib {}

fn main() {}
