//! Step 5's observability, beyond the Python example's unit tests (which are step 4's):
//! what the charm publishes to Prometheus, Pebble's log forwarding to Loki, and the
//! dashboard sent to Grafana, each as the Python libraries put it on the wire.

use fastapi_charm_libs::fastapi_demo::{rock_layer, VersionSource};
use k8s_5_observe::FastApiDemo;
use ops::pebble::LogTargetType;
use ops::testing::{Container, Context, JujuLogLine, LogLevel, Relation, State};
use serde_json::Value;

/// The workload answers version 0.0.1 without a server: the charm's `version_source`
/// field gets a fixed one before each event (the Python tests monkeypatch `get_version`).
fn fixed_version(charm: &mut FastApiDemo) {
    charm.version_source = VersionSource::fixed("0.0.1");
}

fn demo_server() -> Container {
    Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock_layer())
}

fn ctx() -> Context<FastApiDemo> {
    Context::<FastApiDemo>::new()
        .charm_setup(fixed_version)
        .charm_root(env!("CARGO_MANIFEST_DIR"))
}

fn prometheus() -> Relation {
    Relation::new("metrics-endpoint")
        .interface("prometheus_scrape")
        .remote_app_name("prometheus-k8s")
}

#[test]
fn prometheus_gets_the_scrape_job_for_the_configured_port() {
    let mut ctx = ctx();
    let relation = prometheus();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .config("server-port", 8080)
        .leader(true);

    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();

    let out = state_out.get_relation(relation.id).unwrap();
    assert_eq!(
        out.local_app_data["scrape_jobs"],
        r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:8080"]}]}]"#
    );
    // No rule files: cosl's generic HostHealth group only, as the Python library sends
    // (this was `{"groups": []}`, which it never sends).
    let rules: Value = serde_json::from_str(&out.local_app_data["alert_rules"]).unwrap();
    let model = &state_in.model;
    assert_eq!(
        rules["groups"][0]["name"],
        format!(
            "{}_{}_fastapi_demo_HostHealth_rules",
            model.name.replace('-', "_"),
            &model.uuid[..8]
        )
    );
    assert_eq!(rules["groups"].as_array().unwrap().len(), 1);
    assert_eq!(rules["groups"][0]["rules"][0]["alert"], "HostDown");
    assert_eq!(
        rules["groups"][0]["rules"][1]["alert"],
        "HostMetricsMissing"
    );
    let metadata: Value = serde_json::from_str(&out.local_app_data["scrape_metadata"]).unwrap();
    assert_eq!(metadata["application"], "fastapi-demo");
    assert_eq!(metadata["unit"], "fastapi-demo/0");
    assert_eq!(metadata["charm_name"], "fastapi-demo");
    assert_eq!(
        out.local_unit_data["prometheus_scrape_unit_address"],
        "192.0.2.0"
    );
    assert_eq!(
        out.local_unit_data["prometheus_scrape_unit_name"],
        "fastapi-demo/0"
    );
    // An empty value deletes the key, in Python ops as here.
    assert!(!out
        .local_unit_data
        .contains_key("prometheus_scrape_unit_path"));
    assert!(!out.local_unit_data["prometheus_scrape_unit_fqdn"].is_empty());
}

#[test]
fn only_the_leader_publishes_scrape_jobs() {
    let mut ctx = ctx();
    let relation = prometheus();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone());
    // Juju runs config-changed before any relation event: the metrics library has
    // what the config made of it by then.
    let configured = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    let state_out = ctx
        .run(ctx.on.relation_joined(&relation), &configured)
        .unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    assert!(!out.local_app_data.contains_key("scrape_jobs"));
    assert_eq!(
        out.local_unit_data["prometheus_scrape_unit_address"],
        "192.0.2.0"
    );
}

#[test]
fn no_scrape_job_from_an_invalid_config() {
    let mut ctx = ctx();
    let relation = prometheus();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .config("server-port", 22)
        .leader(true);
    // Juju runs config-changed before any relation event: the metrics library has
    // what the config made of it by then.
    let configured = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    let config_log = ctx.juju_log().to_vec();
    let state_out = ctx
        .run(ctx.on.relation_joined(&relation), &configured)
        .unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    assert!(!out.local_app_data.contains_key("scrape_jobs"));
    assert!(config_log.contains(&JujuLogLine::new(
        LogLevel::Warning,
        "Unable to add metrics: invalid configuration: Invalid port number, 22 is reserved for SSH"
    )));
}

fn loki(units: &[u32]) -> Relation {
    let mut relation = Relation::new("logging")
        .interface("loki_push_api")
        .remote_app_name("loki")
        .no_remote_units();
    for unit in units {
        let url = format!(r#"{{"url": "http://loki-{unit}:3100/loki/api/v1/push"}}"#);
        relation = relation.remote_unit(*unit, [("endpoint", url)]);
    }
    relation
}

#[test]
fn pebble_forwards_logs_to_each_loki_unit() {
    let mut ctx = ctx();
    let relation = loki(&[0]);
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .leader(true);

    let state_out = ctx
        .run(ctx.on.relation_changed(&relation), &state_in)
        .unwrap();

    let container = state_out.get_container("demo-server").unwrap();
    let (label, _) = container.layers.last().unwrap();
    assert_eq!(label, "demo-server-log-forwarding");
    let plan = container.plan().unwrap();
    let target = &plan.log_targets["loki/0"];
    assert_eq!(target.type_, Some(LogTargetType::Loki));
    assert_eq!(target.location, "http://loki-0:3100/loki/api/v1/push");
    assert_eq!(target.services, ["all"]);
    assert_eq!(target.labels["product"], "Juju");
    assert_eq!(target.labels["charm"], "fastapi-demo");
    assert_eq!(target.labels["juju_unit"], "fastapi-demo/0");
    assert_eq!(target.labels["juju_application"], "fastapi-demo");
    let model = &state_in.model;
    assert_eq!(
        target.labels["job"],
        format!("juju_{}_{}_fastapi-demo", model.name, &model.uuid[..8])
    );
    let out = state_out.get_relation(relation.id).unwrap();
    // No rule files: `{}`, as cosl's `AlertRules.as_dict()` (this was `{"groups": []}`).
    assert_eq!(out.local_app_data["alert_rules"], "{}");
    let metadata: Value = serde_json::from_str(&out.local_app_data["metadata"]).unwrap();
    assert_eq!(metadata["unit"], "fastapi-demo/0");

    // loki/0 goes, loki/1 comes: the old target is disabled, the new one enabled.
    let moved = loki(&[1]).id(relation.id);
    let mut state = state_out.clone();
    state.relations = vec![moved.clone()];
    let state_out = ctx.run(ctx.on.relation_changed(&moved), &state).unwrap();
    let plan = state_out
        .get_container("demo-server")
        .unwrap()
        .plan()
        .unwrap();
    assert_eq!(plan.log_targets["loki/0"].services, ["-all"]);
    assert_eq!(plan.log_targets["loki/0"].location, "(removed)");
    assert!(plan.log_targets["loki/0"].labels.is_empty());
    assert_eq!(plan.log_targets["loki/1"].services, ["all"]);
}

#[test]
fn no_log_forwarding_until_every_loki_unit_has_an_endpoint() {
    let mut ctx = ctx();
    let relation = loki(&[0]).remote_unit(1, [("other", "x")]);
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone());
    let state_out = ctx
        .run(ctx.on.relation_changed(&relation), &state_in)
        .unwrap();
    let plan = state_out
        .get_container("demo-server")
        .unwrap()
        .plan()
        .unwrap();
    assert!(plan.log_targets.is_empty());
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Warning,
        "No Loki endpoints available"
    )));
}

#[test]
fn log_forwarding_set_up_on_pebble_ready() {
    let mut ctx = ctx();
    let container = demo_server();
    let state_in = State::new()
        .container(container.clone())
        .relation(loki(&[0]));
    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();
    let plan = state_out
        .get_container("demo-server")
        .unwrap()
        .plan()
        .unwrap();
    assert_eq!(
        plan.log_targets["loki/0"].location,
        "http://loki-0:3100/loki/api/v1/push"
    );
    // The charm's own layer is there too.
    assert!(plan.services["fastapi"].command.ends_with("--port 8000"));
}

fn grafana() -> Relation {
    Relation::new("grafana-dashboard")
        .interface("grafana_dashboard")
        .remote_app_name("grafana")
}

/// Standard base64, for reading what the charm sent.
fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.trim_end_matches('=').as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(value(c)) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The data of an `.xz` stream of LZMA2 uncompressed chunks.
fn unxz_stored(xz: &[u8]) -> Vec<u8> {
    assert_eq!(&xz[..6], b"\xfd7zXZ\x00");
    let mut pos = 12 + 4 * (usize::from(xz[12]) + 1);
    let mut out = Vec::new();
    while xz[pos] != 0 {
        assert!(matches!(xz[pos], 1 | 2), "an uncompressed chunk");
        let len = usize::from(u16::from_be_bytes([xz[pos + 1], xz[pos + 2]])) + 1;
        out.extend_from_slice(&xz[pos + 3..pos + 3 + len]);
        pos += 3 + len;
    }
    out
}

#[test]
fn grafana_gets_the_dashboard() {
    let mut ctx = ctx();
    let relation = grafana();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .leader(true);

    let state_out = ctx
        .run(ctx.on.relation_created(&relation), &state_in)
        .unwrap();

    let out = state_out.get_relation(relation.id).unwrap();
    let dashboards: Value = serde_json::from_str(&out.local_app_data["dashboards"]).unwrap();
    let templates = dashboards["templates"].as_object().unwrap();
    assert_eq!(
        templates.keys().collect::<Vec<_>>(),
        ["file:FastAPI-Monitoring.json"]
    );
    let template = &templates["file:FastAPI-Monitoring.json"];
    assert_eq!(template["charm"], "fastapi-demo");
    assert_eq!(template["inject_dropdowns"], true);
    // hashlib.shake_256(b"fastapi-demo-file:FastAPI-Monitoring.json").hexdigest(8)
    assert_eq!(template["dashboard_alt_uid"], "831ef532d49811fe");
    assert_eq!(template["juju_topology"]["unit"], "fastapi-demo/0");
    assert_eq!(template["juju_topology"]["application"], "fastapi-demo");

    let content = unxz_stored(&unbase64(template["content"].as_str().unwrap()));
    let dashboard: Value = serde_json::from_slice(&content).unwrap();
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/grafana_dashboards/FastAPI-Monitoring.json.tmpl"
    ))
    .unwrap();
    let mut expected: Value = serde_json::from_slice(&file).unwrap();
    // hashlib.shake_256(
    //     b"fastapi-demo-src/grafana_dashboards/FastAPI-Monitoring.json.tmpl"
    // ).hexdigest(20)
    expected["uid"] = "a1f4eecad2ce7e2c8ea1935b970eb4a0a5a22712".into();
    expected["tags"] = serde_json::json!(["charm: fastapi-demo"]);
    assert_eq!(dashboard, expected);

    // Each write is a change Grafana sees.
    let first_uuid = dashboards["uuid"].as_str().unwrap().to_string();
    let state_out = ctx.run(ctx.on.config_changed(), &state_out).unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    let again: Value = serde_json::from_str(&out.local_app_data["dashboards"]).unwrap();
    assert_ne!(again["uuid"], first_uuid.as_str());
    assert_eq!(again["templates"], dashboards["templates"]);
}

#[test]
fn only_the_leader_sends_dashboards() {
    let mut ctx = ctx();
    let relation = grafana();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone());
    let state_out = ctx
        .run(ctx.on.relation_created(&relation), &state_in)
        .unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    assert!(!out.local_app_data.contains_key("dashboards"));
}
