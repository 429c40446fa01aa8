use ops::prelude::*;

#[charm(metadata = "../../charms/kitchen-sink/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Sink;

#[charm]
impl Sink {
    #[on(storage_detaching = "backup")]
    fn detaching(&mut self, _model: &Model<Self>) {}
}

fn main() {}
