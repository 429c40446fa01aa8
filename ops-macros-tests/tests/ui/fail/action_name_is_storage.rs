use ops::prelude::*;

#[charm(metadata = "../../charms/kitchen-sink/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Sink;

#[charm]
impl Sink {
    #[on(action = "data")]
    fn act(&mut self, _model: &Model<Self>) {}
}

fn main() {}
