use ops::prelude::*;

#[charm(metadata = "../../charms/kitchen-sink/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Sink;

#[charm]
impl Sink {
    #[on(storage_attached = "dta")]
    fn attached(&mut self, _model: &Model<Self>) {}
}

fn main() {}
