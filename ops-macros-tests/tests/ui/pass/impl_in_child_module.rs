//! The impl may live in a child module that imports the struct's module.
use ops::prelude::*;

#[charm(
    metadata = "../../charms/fastapi-demo/charmcraft.yaml",
    relative_to = "file"
)]
#[derive(Default, Serialize, Deserialize)]
pub struct Demo;

mod handlers {
    use super::*;

    #[charm]
    impl Demo {
        #[on(config_changed)]
        fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
            let _port: i64 = model.config()?.server_port;
            Ok(())
        }
    }
}

fn main() {
    let ev = ops::EventData::new(ops::EventKind::ConfigChanged);
    assert_eq!(<Demo as Charm>::observers(&ev), &["configure"]);
}
