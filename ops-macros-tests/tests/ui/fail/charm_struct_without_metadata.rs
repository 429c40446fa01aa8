use ops::prelude::*;

#[charm]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

fn main() {}
