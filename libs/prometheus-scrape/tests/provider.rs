//! The provider driven by a small charm through `ops::testing`, after the Prometheus
//! charm's `tests/unit/test_endpoint_provider.py`. The databag keys and encodings are
//! the Python library's, read off `lib/charms/prometheus_k8s/v0/prometheus_scrape.py`:
//! the library is not on PyPI.

use charmlib_prometheus_scrape::{Provider, ALLOWED_KEYS};
use ops::model::{BindAddress, InterfaceAddress, NetworkInfo};
use ops::prelude::*;
use ops::testing::{Context, ModelInfo, Relation, State};
use serde_json::{json, Value};

/// Publishes two jobs, one with a key Prometheus does not take from charms.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {}

#[charm]
impl Probe {
    #[on(relation_joined = "metrics-endpoint")]
    #[on(relation_changed = "metrics-endpoint")]
    fn metrics(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let jobs = [
            json!({"job_name": "x", "static_configs": [{"targets": ["*:9"]}]}),
            json!({"job_name": "y", "scrape_interval": "5s", "honor_labels": true}),
        ];
        // Python's `forward_alert_rules=False`: the rules are tested in tests/python.rs.
        let provider = Provider {
            forward_alert_rules: false,
            ..Provider::new("metrics-endpoint")
        };
        provider.set_scrape_job_spec(model, &jobs)?;
        Ok(())
    }
}

fn network(address: &str) -> NetworkInfo {
    NetworkInfo {
        bind_addresses: vec![BindAddress {
            interface_name: "eth0".into(),
            mac_address: None,
            addresses: vec![InterfaceAddress {
                value: address.into(),
                cidr: None,
            }],
        }],
        ingress_addresses: vec![address.into()],
        egress_subnets: vec![],
    }
}

fn run(state: State, relation: &Relation) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(
        ctx.on.relation_joined(relation),
        &state.relation(relation.clone()),
    )
    .unwrap()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

#[test]
fn jobs_are_sanitized_and_completed_in_order() {
    let relation = Relation::new("metrics-endpoint");
    let out = run(State::new().leader(true), &relation);
    let app = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(
        app["scrape_jobs"],
        r#"[{"job_name": "x", "metrics_path": "/metrics", "static_configs": [{"targets": ["*:9"]}]}, {"job_name": "y", "metrics_path": "/metrics", "scrape_interval": "5s", "static_configs": [{"targets": ["*:80"]}]}]"#
    );
    let jobs: Vec<Value> = serde_json::from_str(&app["scrape_jobs"]).unwrap();
    for job in jobs {
        assert!(job
            .as_object()
            .unwrap()
            .keys()
            .all(|k| ALLOWED_KEYS.contains(&k.as_str())));
    }
    // What cosl's `AlertRules.as_dict()` gives with no rules (this was `{"groups": []}`,
    // which the Python library never sends).
    assert_eq!(app["alert_rules"], "{}");
}

#[test]
fn scrape_metadata_is_the_topology() {
    let relation = Relation::new("metrics-endpoint");
    let state = State::new()
        .leader(true)
        .model(ModelInfo::new("cos").uuid("00000000-0000-4000-8000-000000000000"));
    let out = run(state, &relation);
    let app = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(
        app["scrape_metadata"],
        r#"{"model": "cos", "model_uuid": "00000000-0000-4000-8000-000000000000", "application": "probe", "unit": "probe/0", "charm_name": "probe"}"#
    );
}

#[test]
fn unit_sets_its_address_name_path_and_fqdn() {
    let relation = Relation::new("metrics-endpoint");
    let state = State::new().network("metrics-endpoint", network("10.1.157.116"));
    let out = run(state, &relation);
    let relation = out.get_relation(relation.id).unwrap();
    let unit = &relation.local_unit_data;
    assert_eq!(unit["prometheus_scrape_unit_address"], "10.1.157.116");
    assert_eq!(unit["prometheus_scrape_unit_name"], "probe/0");
    assert_eq!(
        unit.get("prometheus_scrape_unit_path"),
        None,
        "empty: not written"
    );
    assert_eq!(unit["prometheus_scrape_unit_fqdn"], host_name());
    assert!(
        relation.local_app_data.is_empty(),
        "only the leader writes jobs"
    );
}

#[test]
fn a_bind_address_that_is_no_ip_gives_the_host_name() {
    let relation = Relation::new("metrics-endpoint");
    let state = State::new().network("metrics-endpoint", network("not-an-ip"));
    let out = run(state, &relation);
    let unit = &out.get_relation(relation.id).unwrap().local_unit_data;
    assert_eq!(unit["prometheus_scrape_unit_address"], host_name());
    assert_eq!(unit["prometheus_scrape_unit_fqdn"], host_name());
}

#[test]
fn a_new_address_is_published_on_relation_changed() {
    let relation = Relation::new("metrics-endpoint");
    let out = run(
        State::new().network("metrics-endpoint", network("10.1.157.116")),
        &relation,
    );
    let mut state = out.clone();
    state
        .networks
        .insert("metrics-endpoint".into(), network("10.1.200.42"));
    let mut ctx = Context::<Probe>::new();
    let out = ctx
        .run(
            ctx.on
                .relation_changed(out.get_relation(relation.id).unwrap()),
            &state,
        )
        .unwrap();
    let unit = &out.get_relation(relation.id).unwrap().local_unit_data;
    assert_eq!(unit["prometheus_scrape_unit_address"], "10.1.200.42");
}
