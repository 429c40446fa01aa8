use ops::prelude::*;

#[charm(metadata = "../../charms/kitchen-sink/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Sink;
use ops::Action;

#[charm]
impl Sink {
    #[on(action = "backup")]
    fn backup(&mut self, _model: &Model<Self>, _action: &mut Action<RestartParams>) {}
}

fn main() {}
