use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {}

struct Other;

impl Other {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
