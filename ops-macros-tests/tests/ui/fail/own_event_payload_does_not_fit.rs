use ops::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BackupDone;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RestoreDone;

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file", events(backup_done = BackupDone))]
#[derive(Default, Serialize, Deserialize)]
struct Demo {}

#[charm]
impl Demo {
    #[on(self.backup_done)]
    fn done(&mut self, model: &Model<Self>, _event: &Custom<RestoreDone>) -> ops::Result<()> {
        // Emitting a type that is not one of the charm's events does not compile either.
        model.emit(RestoreDone)
    }
}

fn main() {}
