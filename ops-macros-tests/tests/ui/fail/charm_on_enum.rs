use ops::prelude::*;

#[charm(metadata = "charmcraft.yaml")]
enum NotAStruct {}

fn main() {}
