use ops::prelude::*;

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib(endpoint = "database")]
    db: String,
}

#[charm]
impl Demo {}

fn main() {}
