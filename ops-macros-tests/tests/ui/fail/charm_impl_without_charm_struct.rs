use ops::prelude::*;

#[derive(Default, Serialize, Deserialize)]
struct Plain;

#[charm]
impl Plain {
    #[on(install)]
    fn install(&mut self, _model: &Model<Self>) {}
}

fn main() {}
