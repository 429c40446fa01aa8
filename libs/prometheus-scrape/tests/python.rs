//! The `alert_rules` the provider publishes compared with what cosl's `AlertRules`
//! (cosl 1.11.3, pinned in `.ci/python-refs.txt`) builds from the same rule files, as
//! Python's `MetricsEndpointProvider` calls it (recursive, plus the generic
//! `HostHealth` group). Without cos-tool on either side. The JSON is compared parsed:
//! Python keeps the files' key order, we sort.

use charmlib_prometheus_scrape::Provider;
use charmlib_python_refs::{python, run};
use ops::prelude::*;
use ops::testing::{Context, ModelInfo, Relation, State};
use serde_json::{json, Value};
use std::path::Path;

const SCRIPT: &str = include_str!("python/rules.py");

/// Publishes the default job (and the alert rules) when the relation joins.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {}

#[charm]
impl Probe {
    #[on(relation_joined = "metrics-endpoint")]
    fn metrics(&mut self, model: &Model<Self>) -> ops::Result<()> {
        Provider::new("metrics-endpoint").set_scrape_job_spec(model, &[])?;
        Ok(())
    }
}

/// Rule files of every shape cosl reads, and some it refuses.
pub fn write_rules(folder: &Path) {
    let files = [
        (
            "cpu.rule",
            "alert: CPUOverUse\nexpr: process_cpu_seconds_total{%%juju_topology%%} > 0.12\nfor: 0m\nlabels:\n  severity: Low\nannotations:\n  summary: \"Instance {{ $labels.instance }} CPU over use\"\n",
        ),
        (
            "groups.yaml",
            "groups:\n- name: latency\n  interval: 1m\n  rules:\n  - alert: Slow\n    expr: rate(x{%%juju_topology%%,path=\"/\"}[5m]) > 1\n    labels:\n      juju_model: kept\n  - record: job:x:rate5m\n    expr: sum(rate(x[5m]))\n- name: other group é\n  rules:\n  - alert: Two\n    expr: up == 0\n- name: m_0123abcd_app_done_rules\n  rules:\n  - alert: Named\n    expr: up\n",
        ),
        (
            "sub/dir/deep.rules",
            "alert: Deep\nexpr: vector(1)\n",
        ),
        ("a-b.yml", "record: r\nexpr: up\nlabels: {n: 1, b: true}\n"),
        ("empty.rule", ""),
        ("invalid.rule", "foo: bar\n"),
        ("broken.rule", "alert: [unclosed\n"),
        ("notes.txt", "alert: Ignored\nexpr: up\n"),
    ];
    for (name, text) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn alert_rules_are_those_cosl_builds() {
    let Some(py) = python("prometheus-scrape: alert rules compared with cosl") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("prom-rules-python-{}", std::process::id()));
    let folder = dir.join("src/prometheus_alert_rules");
    write_rules(&folder);

    let relation = Relation::new("metrics-endpoint");
    let mut ctx = Context::<Probe>::new().charm_root(&dir);
    let state = State::new()
        .relation(relation.clone())
        .leader(true)
        .model(ModelInfo::new("cos/lite").uuid("b1f2c3d4-aaaa-4bbb-8ccc-123456789abc"));
    let out = ctx.run(ctx.on.relation_joined(&relation), &state).unwrap();
    let ours: Value =
        serde_json::from_str(&out.get_relation(relation.id).unwrap().local_app_data["alert_rules"])
            .unwrap();

    let theirs = run(
        &py,
        SCRIPT,
        &json!({
            "dir": folder,
            "query_type": "promql",
            "generic": true,
            "topology": {
                "model": "cos/lite",
                "model_uuid": "b1f2c3d4-aaaa-4bbb-8ccc-123456789abc",
                "application": "probe",
                "unit": "probe/0",
                "charm_name": "probe",
            },
        }),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let names: Vec<&str> = ours["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(ours, theirs);
}
