use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(install)]
    const X: u32 = 1;
}

fn main() {}
