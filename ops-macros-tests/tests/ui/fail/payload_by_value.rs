use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;
use ops::event::RelationChanged;

#[charm]
impl Demo {
    #[on(relation_changed = "database")]
    fn changed(&mut self, _model: &Model<Self>, _event: RelationChanged) {}
}

fn main() {}
