//! The dashboards we send, read by Grafana's side the Python way: each template's
//! content decompressed with cosl's `LZMABase64` (cosl 1.11.3, pinned in
//! `.ci/python-refs.txt`), its uid and alternative uid checked against cosl's
//! `DashboardPath40UID` and `hashlib`, as the Python provider
//! (`lib/charms/grafana_k8s/v0/grafana_dashboard.py`, not on PyPI) computes them.
//!
//! Difference: Python keeps the dashboard file's key order in `content`; we sort the
//! keys. The decoded dashboards are equal, the compressed bytes are not.

use charmlib_grafana_dashboard::Provider;
use charmlib_python_refs::{python, run};
use ops::prelude::*;
use ops::testing::{Context, ModelInfo, Relation, State};
use serde_json::{json, Value};

const SCRIPT: &str = include_str!("python/decode.py");

/// Sends its dashboards when the relation is created.
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
fn grafana_decodes_what_we_send_as_the_python_provider_would_have_sent() {
    let Some(py) = python("grafana-dashboard: content decoded with cosl") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("grafana-python-{}", std::process::id()));
    let folder = dir.join("src/grafana_dashboards");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("api.json"),
        r#"{"title": "API é", "uid": "short", "tags": ["web"], "panels": [{"id": 1}]}"#,
    )
    .unwrap();
    let kept = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        folder.join("kept.json.tmpl"),
        format!(r#"{{"uid": "{kept}", "tags": ["charm: other"]}}"#),
    )
    .unwrap();

    let relation = Relation::new("grafana-dashboard");
    let mut ctx = Context::<Probe>::new().charm_root(&dir);
    let state = State::new()
        .relation(relation.clone())
        .leader(true)
        .model(ModelInfo::new("cos").uuid("00000000-0000-4000-8000-000000000000"));
    let out = ctx.run(ctx.on.relation_created(&relation), &state).unwrap();
    let dashboards = out.get_relation(relation.id).unwrap().local_app_data["dashboards"].clone();
    std::fs::remove_dir_all(&dir).unwrap();

    let theirs = run(
        &py,
        SCRIPT,
        &json!({
            "dashboards": dashboards,
            "charm": "probe",
            "paths": {
                "file:api": "src/grafana_dashboards/api.json",
                "file:kept.json": "src/grafana_dashboards/kept.json.tmpl",
            },
        }),
    );
    assert_eq!(theirs["keys"], json!(["templates", "uuid"]));
    let api = &theirs["templates"]["file:api"];
    assert_eq!(
        api["keys"],
        json!([
            "charm",
            "content",
            "juju_topology",
            "inject_dropdowns",
            "dashboard_alt_uid"
        ])
    );
    assert_eq!(api["charm"], "probe");
    assert_eq!(api["inject_dropdowns"], true);
    assert_eq!(
        api["juju_topology"],
        json!({"model": "cos", "model_uuid": "00000000-0000-4000-8000-000000000000",
               "application": "probe", "unit": "probe/0"})
    );
    assert_eq!(api["dashboard_alt_uid"], api["expected_alt_uid"]);
    let dashboard: &Value = &api["dashboard"];
    assert_eq!(dashboard["uid"], api["expected_uid"]);
    assert_eq!(dashboard["title"], "API é");
    assert_eq!(dashboard["tags"], json!(["web", "charm: probe"]));
    assert_eq!(dashboard["panels"], json!([{"id": 1}]));

    let kept_template = &theirs["templates"]["file:kept.json"];
    assert_eq!(
        kept_template["dashboard"]["uid"], kept,
        "a Path-40 uid is kept"
    );
    assert_eq!(kept_template["dashboard"]["tags"], json!(["charm: other"]));
    assert_eq!(
        kept_template["dashboard_alt_uid"],
        kept_template["expected_alt_uid"]
    );
}
