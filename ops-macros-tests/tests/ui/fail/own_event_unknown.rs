use ops::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BackupDone;

#[charm(metadata = "../../charms/libs/charmcraft.yaml", relative_to = "file", events(backup_done = BackupDone))]
#[derive(Default, Serialize, Deserialize)]
struct Demo {}

#[charm]
impl Demo {
    #[on(self.backup_dne)]
    fn done(&mut self, _model: &Model<Self>, _event: &Custom<BackupDone>) {}
}

fn main() {}
