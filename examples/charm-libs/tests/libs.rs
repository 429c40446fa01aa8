//! The libraries driven by a small charm through `ops::testing`: what each reads and
//! writes on the wire.

use fastapi_charm_libs::data_interfaces::DatabaseRequires;
use fastapi_charm_libs::grafana_dashboard::GrafanaDashboardProvider;
use fastapi_charm_libs::prometheus_scrape::MetricsEndpointProvider;
use ops::event::{RelationChanged, RelationCreated};
use ops::prelude::*;
use ops::testing::{Context, Relation, State};
use serde_json::json;
use std::collections::BTreeMap;

const DATABASE: DatabaseRequires = DatabaseRequires::new("database", "probe_db");

/// Records what the database library said about each change.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    events: Vec<String>,
    fetched: BTreeMap<u64, BTreeMap<String, String>>,
    created: bool,
}

#[charm]
impl Probe {
    #[on(relation_created = "database")]
    fn db_created(&mut self, _model: &Model<Self>, event: &RelationCreated) -> ops::Result<()> {
        DATABASE.on_relation_created(&event.relation)?;
        Ok(())
    }

    #[on(relation_changed = "database")]
    fn db_changed(&mut self, model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let what = DATABASE.on_relation_changed(&event.relation)?;
        self.events.push(format!("{what:?}"));
        self.fetched = DATABASE.fetch_relation_data(model)?;
        self.created = DATABASE.is_resource_created(model)?;
        Ok(())
    }

    #[on(relation_joined = "metrics-endpoint")]
    fn metrics(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let jobs = [json!({"job_name": "x", "static_configs": [{"targets": ["*:9"]}]})];
        MetricsEndpointProvider::new("metrics-endpoint").set_scrape_job_spec(model, &jobs)?;
        Ok(())
    }

    #[on(relation_created = "grafana-dashboard")]
    fn dashboards(&mut self, model: &Model<Self>) -> ops::Result<()> {
        GrafanaDashboardProvider::new("grafana-dashboard").update_dashboards(model)
    }
}

fn database() -> Relation {
    Relation::new("database").remote_app_name("postgresql-k8s")
}

fn run_changed(relation: &Relation, state: &State) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(ctx.on.relation_changed(relation), state).unwrap()
}

#[test]
fn database_created_then_endpoints_changed_then_nothing() {
    let relation = database().remote_app_data([
        ("endpoints", "db-0:5432"),
        ("username", "u"),
        ("password", "p"),
    ]);
    let state = State::new().relation(relation.clone());
    let out = run_changed(&relation, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)"]);
    assert!(probe.created);
    assert_eq!(probe.fetched[&relation.id]["endpoints"], "db-0:5432");

    // The endpoint moves: only that is new.
    let mut moved = out.get_relation(relation.id).unwrap().clone();
    moved
        .remote_app_data
        .insert("endpoints".into(), "db-1:5432".into());
    let mut state = out.clone();
    state.relations = vec![moved.clone()];
    let out = run_changed(&moved, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)", "Some(EndpointsChanged)"]);

    // Read-only endpoints appear.
    let mut ro = out.get_relation(relation.id).unwrap().clone();
    ro.remote_app_data
        .insert("read-only-endpoints".into(), "db-2:5432".into());
    let mut state = out.clone();
    state.relations = vec![ro.clone()];
    let out = run_changed(&ro, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events[2], "Some(ReadOnlyEndpointsChanged)");

    // Nothing new.
    let same = out.get_relation(relation.id).unwrap().clone();
    let out = run_changed(&same, &out);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events[3], "None");
}

#[test]
fn credentials_must_arrive_together() {
    let relation = database().remote_app_data([("username", "u")]);
    let out = run_changed(&relation, &State::new().relation(relation.clone()));
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["None"]);
    assert!(!probe.created);
    // The copy for the next diff is in this unit's databag, as JSON.
    let bag = &out.get_relation(relation.id).unwrap().local_unit_data;
    assert_eq!(bag["data"], r#"{"username":"u"}"#);

    // The password comes later: username is not new, so no Created (as in Python).
    let mut later = out.get_relation(relation.id).unwrap().clone();
    later.remote_app_data.insert("password".into(), "p".into());
    let mut state = out.clone();
    state.relations = vec![later.clone()];
    let out = run_changed(&later, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["None", "None"]);
    assert!(probe.created);
}

#[test]
fn a_foreign_data_copy_counts_as_none() {
    let relation = database()
        .local_unit_data([("data", "not json")])
        .remote_app_data([("username", "u"), ("password", "p")]);
    let out = run_changed(&relation, &State::new().relation(relation.clone()));
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)"]);
}

#[test]
fn the_leader_asks_for_the_database() {
    let relation = database();
    let mut ctx = Context::<Probe>::new();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    assert_eq!(
        out.get_relation(relation.id).unwrap().local_app_data["database"],
        "probe_db"
    );
}

#[test]
fn scrape_jobs_are_sanitized_and_completed() {
    let relation = Relation::new("metrics-endpoint");
    let mut ctx = Context::<Probe>::new();
    let out = ctx
        .run(
            ctx.on.relation_joined(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    assert_eq!(
        out.get_relation(relation.id).unwrap().local_app_data["scrape_jobs"],
        r#"[{"job_name": "x", "metrics_path": "/metrics", "static_configs": [{"targets": ["*:9"]}]}]"#
    );
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
