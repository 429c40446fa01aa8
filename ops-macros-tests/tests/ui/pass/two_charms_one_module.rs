//! Two charms side by side keep their generated types apart.
use ops::prelude::*;

#[charm(
    metadata = "../../charms/fastapi-demo/charmcraft.yaml",
    relative_to = "file"
)]
#[derive(Default, Serialize, Deserialize)]
struct First;

#[charm(metadata = "../../charms/legacy/metadata.yaml", relative_to = "file")]
#[derive(Default, Serialize, Deserialize)]
struct Second;

#[charm]
impl First {}

#[charm]
impl Second {
    #[on(relation_broken = "db")]
    fn broken(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let _db: Option<ops::model::Relation> = model.relations().db()?;
        Ok(())
    }

    #[on(action = "pause")]
    fn pause(&mut self, _model: &Model<Self>, _action: &mut ops::Action<PauseParams>) {}
}

fn main() {
    let _: FirstConfig;
    let config = <SecondConfig as ops::CharmConfig>::from_values(&Default::default());
    assert_eq!(config.map(|c| c.log_level).ok().as_deref(), Some("info"));
    assert_eq!(<Second as Charm>::META.name, "legacy");
    assert!(<First as Charm>::observers(&ops::EventData::new(ops::EventKind::Install)).is_empty());
}
