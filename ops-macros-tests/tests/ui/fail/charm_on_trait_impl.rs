use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

trait Greet {
    fn hi(&self);
}

#[charm]
impl Greet for Demo {
    fn hi(&self) {}
}

fn main() {}
