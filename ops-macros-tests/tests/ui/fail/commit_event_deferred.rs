use ops::event::{Commit, PreCommit};
use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    // The commit events run once per hook, after every other event: there is no later
    // point to defer them to, so their payloads have no `defer()`.
    #[on(pre_commit)]
    fn before_save(&mut self, _model: &Model<Self>, event: &PreCommit) -> ops::Result<()> {
        event.defer();
        Ok(())
    }

    #[on(commit)]
    fn saved(&mut self, _model: &Model<Self>, event: &Commit) -> ops::Result<()> {
        event.defer();
        Ok(())
    }
}

fn main() {}
