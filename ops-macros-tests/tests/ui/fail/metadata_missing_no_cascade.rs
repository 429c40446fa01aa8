// An unreadable metadata file is one error: the charm still implements ops::Charm (a
// fallback), so its uses (ops::main, ops::testing) do not add errors of their own.
use ops::prelude::*;

#[charm(metadata = "../../charms/no-such-charm/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Broken {
    restarts: u32,
}

#[charm]
impl Broken {
    #[on(config_changed)]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        self.restarts += 1;
        model.unit().set_status(Status::active(""))?;
        Ok(())
    }
}

fn main() {
    ops::main::<Broken>()
}
