//! The forwarder driven by a small charm through `ops::testing`, after the Loki charm's
//! `tests/unit/test_log_forwarder.py`. The databag keys and the Pebble log targets are
//! the Python library's, read off `lib/charms/loki_k8s/v1/loki_push_api.py`: the library
//! is not on PyPI.

use charmlib_loki_push_api::Forwarder;
use ops::pebble::{LogTargetType, Override};
use ops::prelude::*;
use ops::testing::{Container, Context, ModelInfo, Relation, State};
use std::collections::BTreeMap;

const LOGGING: Forwarder = Forwarder::new("logging");

/// Forwards on the relation's events and on pebble-ready.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FakeCharm {}

#[charm]
impl FakeCharm {
    #[on(relation_changed = "logging")]
    #[on(relation_departed = "logging")]
    fn logging(&mut self, model: &Model<Self>) -> ops::Result<()> {
        LOGGING.update_logging(model)
    }
}

fn endpoint(unit: u32) -> (String, String) {
    (
        "endpoint".into(),
        format!(r#"{{"url": "http://loki-{unit}:3100/loki/api/v1/push"}}"#),
    )
}

fn two_lokis() -> Relation {
    Relation::new("logging")
        .remote_app_name("loki")
        .remote_unit(0, [endpoint(0)])
        .remote_unit(1, [endpoint(1)])
}

fn state(relation: &Relation) -> State {
    State::new()
        .relation(relation.clone())
        .container(Container::new("consumer").can_connect(true))
        .model(ModelInfo::new("tutorial").uuid("00000000-0000-4000-8000-000000000000"))
}

fn targets(state: &State) -> BTreeMap<String, ops::pebble::LogTarget> {
    let plan = state.get_container("consumer").unwrap().plan().unwrap();
    plan.log_targets
}

#[test]
fn each_loki_unit_gets_a_labelled_target() {
    let relation = two_lokis();
    let mut ctx = Context::<FakeCharm>::new();
    let out = ctx
        .run(
            ctx.on.relation_changed(&relation),
            &state(&relation).leader(true),
        )
        .unwrap();
    let targets = targets(&out);
    assert_eq!(targets.keys().collect::<Vec<_>>(), ["loki/0", "loki/1"]);
    let target = &targets["loki/0"];
    assert_eq!(target.override_, Some(Override::Replace));
    assert_eq!(target.type_, Some(LogTargetType::Loki));
    assert_eq!(target.location, "http://loki-0:3100/loki/api/v1/push");
    assert_eq!(target.services, ["all"]);
    let labels: Vec<(&str, &str)> = target
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("charm", "fake-charm"),
            ("job", "juju_tutorial_00000000_fake-charm"),
            ("juju_application", "fake-charm"),
            ("juju_model", "tutorial"),
            ("juju_model_uuid", "00000000-0000-4000-8000-000000000000"),
            ("juju_unit", "fake-charm/0"),
            ("product", "Juju"),
        ]
    );
    // The leader publishes the topology and (no) alert rules.
    let app = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(
        app["metadata"],
        r#"{"model": "tutorial", "model_uuid": "00000000-0000-4000-8000-000000000000", "application": "fake-charm", "unit": "fake-charm/0", "charm_name": "fake-charm"}"#
    );
    // cosl's `AlertRules.as_dict()` with no rule files (this was `{"groups": []}`, which
    // the Python library never sends).
    assert_eq!(app["alert_rules"], "{}");
}

#[test]
fn a_departed_loki_unit_gets_a_disabled_target() {
    let relation = two_lokis();
    let mut ctx = Context::<FakeCharm>::new();
    let out = ctx
        .run(ctx.on.relation_changed(&relation), &state(&relation))
        .unwrap();
    let mut gone = out.get_relation(relation.id).unwrap().clone();
    gone.remote_units_data.remove(&1);
    let mut next = out.clone();
    next.relations = vec![gone.clone()];
    let out = ctx.run(ctx.on.relation_departed(&gone), &next).unwrap();
    let targets = targets(&out);
    assert_eq!(targets["loki/0"].services, ["all"]);
    assert_eq!(targets["loki/1"].services, ["-all"]);
    assert_eq!(targets["loki/1"].location, "(removed)");
}

#[test]
fn a_unit_without_a_valid_endpoint_leaves_the_relation_not_ready() {
    for bad in ["not json", r#"{"url": 5}"#, r#"{"nourl": "x"}"#] {
        let relation = Relation::new("logging")
            .remote_app_name("loki")
            .remote_unit(0, [endpoint(0)])
            .remote_unit(1, [("endpoint", bad)]);
        let mut ctx = Context::<FakeCharm>::new();
        let out = ctx
            .run(ctx.on.relation_changed(&relation), &state(&relation))
            .unwrap();
        assert!(targets(&out).is_empty(), "{bad}");
        assert!(ctx
            .juju_log()
            .iter()
            .any(|l| l.message.contains("is not ready yet")));
    }
}
