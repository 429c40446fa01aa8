// A handler of several events whose payloads differ takes `&AnyEvent`.
use ops::event::AnyEvent;
use ops::prelude::*;

#[charm(metadata = "../../charms/fastapi-demo/charmcraft.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(config_changed)]
    #[on(pebble_ready = "demo-server")]
    #[on(relation_changed = "database")]
    fn configure(&mut self, _model: &Model<Self>, event: &AnyEvent) {
        if event.kind() == ops::EventKind::PebbleReady {
            event.defer();
        }
    }
}

fn main() {}
