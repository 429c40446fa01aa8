// A library whose attribute cannot be read is one error: its impl and the charm that
// embeds it add none of their own.
use ops::prelude::*;

#[library(role = "requires")]
#[derive(Default, Serialize, Deserialize)]
struct Lib {}

#[library]
impl Lib {
    #[on(relation_changed)]
    fn changed(&mut self, _model: &LibModel<Self>) {}
}

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo {
    #[lib(endpoint = "database")]
    db: Lib,
}

#[charm]
impl Demo {}

fn main() {
    ops::main::<Demo>()
}
