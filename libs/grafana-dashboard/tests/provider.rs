//! The provider driven by a small charm through `ops::testing`: what it writes on the
//! wire.

use charmlib_grafana_dashboard::Provider;
use ops::prelude::*;
use ops::testing::{Context, Relation, State};
use serde_json::json;

/// Drives the library from its handler.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {}

#[charm]
impl Probe {
    #[on(relation_created = "grafana-dashboard")]
    fn dashboards(&mut self, model: &Model<Self>) -> ops::Result<()> {
        Provider::new("grafana-dashboard").update_dashboards(model)
    }
}

#[test]
fn no_dashboards_folder_sends_no_templates() {
    let relation = Relation::new("grafana-dashboard");
    let dir = std::env::temp_dir().join(format!("probe-charm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ctx = Context::<Probe>::new().charm_root(&dir);
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    let data: serde_json::Value =
        serde_json::from_str(&out.get_relation(relation.id).unwrap().local_app_data["dashboards"])
            .unwrap();
    assert_eq!(data["templates"], json!({}));

    // A broken file is skipped; a valid one with a Path-40 uid keeps it.
    let folder = dir.join("src/grafana_dashboards");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("broken.json"), "{").unwrap();
    let uid = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        folder.join("ok.json"),
        format!(r#"{{"uid": "{uid}", "tags": ["charm: other"]}}"#),
    )
    .unwrap();
    std::fs::write(folder.join("notes.txt"), "not a dashboard").unwrap();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    let data: serde_json::Value =
        serde_json::from_str(&out.get_relation(relation.id).unwrap().local_app_data["dashboards"])
            .unwrap();
    let templates = data["templates"].as_object().unwrap();
    assert_eq!(templates.keys().collect::<Vec<_>>(), ["file:ok"]);
    assert!(ctx
        .juju_log()
        .iter()
        .any(|l| l.message.starts_with("Failed to load dashboard")));
    std::fs::remove_dir_all(&dir).unwrap();
}
