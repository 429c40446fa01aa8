//! Handlers may return `()`, `ops::Result<()>`, or `Result<(), E>` for any `E: Into<ops::Error>`.
use ops::prelude::*;

#[charm(
    metadata = "../../charms/fastapi-demo/charmcraft.yaml",
    relative_to = "file"
)]
#[derive(Default, Serialize, Deserialize)]
struct Demo;

#[charm]
impl Demo {
    #[on(install)]
    fn unit(&mut self, _model: &Model<Self>) {}

    #[on(install)]
    fn ops_result(&mut self, _model: &Model<Self>) -> ops::Result<()> {
        Ok(())
    }

    #[on(install)]
    fn model_error(&self, _model: &Model<Self>) -> Result<(), ops::ModelError> {
        Ok(())
    }

    #[on(install)]
    fn io_error(&self, _model: &Model<Self>) -> std::io::Result<()> {
        Ok(())
    }

    #[on(install)]
    fn explicit_unit(&self, _model: &Model<Self>) -> () {}
}

fn main() {
    let ev = ops::EventData::new(ops::EventKind::Install);
    assert_eq!(
        <Demo as Charm>::observers(&ev),
        &[
            "unit",
            "ops_result",
            "model_error",
            "io_error",
            "explicit_unit"
        ]
    );
}
