//! The shared encodings and the topology compared with Python's `cosl` (1.11.3, pinned
//! in `.ci/python-refs.txt`) and the standard library functions the COS libraries call,
//! on the same inputs.

use charmlib_cosl::codec::{lzma_base64, py_dumps, shake256_hex};
use charmlib_cosl::JujuTopology;
use charmlib_python_refs::{python, run};
use serde_json::{json, Value};

const SCRIPT: &str = include_str!("python/cosl_refs.py");

fn topologies() -> Vec<JujuTopology> {
    let t = |model: &str, uuid: &str, app: &str, unit: &str, charm: &str| JujuTopology {
        model: model.into(),
        model_uuid: uuid.into(),
        application: app.into(),
        unit: unit.into(),
        charm_name: charm.into(),
    };
    vec![
        t(
            "tutorial",
            "00000000-0000-4000-8000-000000000000",
            "fastapi-demo",
            "fastapi-demo/0",
            "fastapi-demo",
        ),
        t(
            "cos/lite",
            "b1f2c3d4-aaaa-4bbb-8ccc-123456789abc",
            "prom",
            "prom/12",
            "prometheus-k8s",
        ),
        t(
            "mödel",
            "c0ffee00-1234-4abc-9def-0123456789ab",
            "a\"pp",
            "a\"pp/3",
            "ch\\arm",
        ),
    ]
}

fn dumps_cases() -> Vec<Value> {
    vec![
        json!({"b": [1, 2.5, true, null], "a": "x"}),
        json!("é😀\u{7f}\u{1f}\t"),
        json!([
            {},
            [],
            "",
            0,
            -3,
            1e300,
            1e-7,
            1e20,
            1e16,
            0.1,
            1e-5,
            0.0001,
            1e15,
            123456789.125,
            -2.5e-8,
            0.000012345,
            -0.00005
        ]),
        json!({"templates": {"file:x": {"content": "abc"}}, "uuid": "u"}),
    ]
}

fn compress_cases() -> Vec<String> {
    vec![
        String::new(),
        "{\"a\": 1}".to_string(),
        "é😀".repeat(10),
        "x".repeat(0x10000 * 2 + 17),
    ]
}

#[test]
fn same_as_cosl_and_the_standard_library() {
    let Some(py) = python("cosl: topology and encodings") else {
        return;
    };
    let uid_cases = [
        (
            "fastapi-demo",
            "src/grafana_dashboards/FastAPI-Monitoring.json",
        ),
        ("grafana-k8s", "src/dashboards/a b.json.tmpl"),
    ];
    let shake_cases = [("", 8usize), ("fastapi-demo-file:x", 8), ("long", 200)];
    let input = json!({
        "topology": topologies().iter().map(|t| json!({
            "model": t.model, "model_uuid": t.model_uuid, "application": t.application,
            "unit": t.unit, "charm_name": t.charm_name,
        })).collect::<Vec<_>>(),
        "dumps": dumps_cases(),
        "uid": uid_cases,
        "shake": shake_cases,
        "compressed": compress_cases().iter().map(|t| lzma_base64(t)).collect::<Vec<_>>(),
    });
    let theirs = run(&py, SCRIPT, &input);

    for (t, p) in topologies()
        .iter()
        .zip(theirs["topology"].as_array().unwrap())
    {
        assert_eq!(json!(t.identifier()), p["identifier"], "{t:?}");
        assert_eq!(json!(t.as_dict_json()), p["as_dict_json"], "{t:?}");
    }
    for (value, p) in dumps_cases()
        .iter()
        .zip(theirs["dumps"].as_array().unwrap())
    {
        assert_eq!(json!(py_dumps(value)), *p, "{value}");
    }
    for ((charm, path), p) in uid_cases.iter().zip(theirs["uid"].as_array().unwrap()) {
        let ours = shake256_hex(format!("{charm}-{path}").as_bytes(), 20);
        assert_eq!(json!(ours), *p);
    }
    for ((text, len), p) in shake_cases.iter().zip(theirs["shake"].as_array().unwrap()) {
        assert_eq!(json!(shake256_hex(text.as_bytes(), *len)), *p);
    }
    let decompressed = theirs["decompressed"].as_array().unwrap();
    assert_eq!(decompressed.len(), compress_cases().len());
    for (text, p) in compress_cases().iter().zip(decompressed) {
        assert_eq!(p.as_str(), Some(text.as_str()));
    }
}
