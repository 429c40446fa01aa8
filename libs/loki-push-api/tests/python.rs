//! The `alert_rules` the forwarder publishes compared with what Python's `LogForwarder`
//! writes with cosl's `AlertRules` (cosl 1.11.3, pinned in `.ci/python-refs.txt`) for
//! the same rule files: LogQL, recursive, `json.dumps(sort_keys=True)`, so the very
//! same text. Without cos-tool on either side.

use charmlib_loki_push_api::Forwarder;
use charmlib_python_refs::{python, run};
use ops::prelude::*;
use ops::testing::{Container, Context, ModelInfo, Relation, State};
use serde_json::json;

const SCRIPT: &str = include_str!("python/rules.py");

/// Forwards on relation-changed.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FakeCharm {}

#[charm]
impl FakeCharm {
    #[on(relation_changed = "logging")]
    fn logging(&mut self, model: &Model<Self>) -> ops::Result<()> {
        Forwarder::new("logging").update_logging(model)
    }
}

#[test]
fn alert_rules_are_the_text_python_writes() {
    let Some(py) = python("loki-push-api: alert rules compared with cosl") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("loki-rules-python-{}", std::process::id()));
    let folder = dir.join("src/loki_alert_rules");
    let files = [
        (
            "errors.rule",
            "alert: TooManyErrors\nexpr: sum(rate({%%juju_topology%%} |= \"error\" [1m])) > 1\nlabels:\n  severity: high\n",
        ),
        (
            "nested/groups.yaml",
            "groups:\n- name: logs\n  rules:\n  - alert: Quiet\n    expr: absent_over_time({%%juju_topology%%, app=\"x\"}[5m])\n  - record: lines\n    expr: count_over_time({app=\"x\"}[1m])\n",
        ),
        ("junk.yml", "- just\n- a list\n"),
    ];
    for (name, text) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    let relation = Relation::new("logging")
        .remote_app_name("loki")
        .remote_unit(
            0,
            [(
                "endpoint".to_string(),
                r#"{"url": "http://loki-0:3100/loki/api/v1/push"}"#.to_string(),
            )],
        );
    let mut ctx = Context::<FakeCharm>::new().charm_root(&dir);
    let state = State::new()
        .relation(relation.clone())
        .container(Container::new("consumer").can_connect(true))
        .leader(true)
        .model(ModelInfo::new("tutorial").uuid("00000000-0000-4000-8000-000000000000"));
    let out = ctx.run(ctx.on.relation_changed(&relation), &state).unwrap();
    let ours = out.get_relation(relation.id).unwrap().local_app_data["alert_rules"].clone();

    let theirs = run(
        &py,
        SCRIPT,
        &json!({
            "dir": folder,
            "topology": {
                "model": "tutorial",
                "model_uuid": "00000000-0000-4000-8000-000000000000",
                "application": "fake-charm",
                "unit": "fake-charm/0",
                "charm_name": "fake-charm",
            },
        }),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(ours.contains("job=~\\\".+\\\""), "{ours}");
    assert_eq!(json!(ours), theirs);
}
