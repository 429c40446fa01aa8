//! The provider driven by a small charm through `ops::testing`: what it writes on the
//! wire.

use charmlib_prometheus_scrape::MetricsEndpointProvider;
use ops::prelude::*;
use ops::testing::{Context, Relation, State};
use serde_json::json;

/// Drives the library from its handler.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {}

#[charm]
impl Probe {
    #[on(relation_joined = "metrics-endpoint")]
    fn metrics(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let jobs = [json!({"job_name": "x", "static_configs": [{"targets": ["*:9"]}]})];
        MetricsEndpointProvider::new("metrics-endpoint").set_scrape_job_spec(model, &jobs)?;
        Ok(())
    }
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
