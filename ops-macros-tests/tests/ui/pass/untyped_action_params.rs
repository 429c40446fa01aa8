//! An action handler may take the params untyped, as a JSON map.
use ops::prelude::*;
use serde_json::{Map, Value};

#[charm(
    metadata = "../../charms/fastapi-demo/charmcraft.yaml",
    relative_to = "file"
)]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(action = "get-db-info")]
    fn info(&mut self, _model: &Model<Self>, action: &mut ops::Action<Map<String, Value>>) {
        let _ = action.params.get("show-password");
    }
}

fn main() {}
