use ops::event::{PebbleReady, RelationChanged};
use ops::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ready;

#[library(interface = "postgresql_client", role = "requires", events(ready = Ready))]
#[derive(Default, Serialize, Deserialize)]
struct Lib {}

#[library]
impl Lib {
    #[on(relation_changed = "database")]
    fn changed(&mut self, _model: &LibModel<Self>, _event: &RelationChanged) {}

    #[on(pebble_ready = "web")]
    fn ready(&mut self, _model: &LibModel<Self>, _event: &PebbleReady) {}

    #[on(install)]
    fn install(&mut self, _model: &Model<Self>) {}
}

fn main() {}
