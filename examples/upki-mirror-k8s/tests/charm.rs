//! The Python charm's `tests/unit/test_charm.py`, and what the two libraries do for it.

use charmlib_ingress::IngressPerAppRequirer;
use ops::pebble::ServiceStatus;
use ops::testing::{Container, Context, ModelInfo, Relation, State};
use ops::{Port, Status};
use upki_mirror_k8s::{pebble_layer, UpkiMirror};

fn nginx() -> Container {
    Container::new("nginx").can_connect(true)
}

#[test]
fn test_nginx_pebble_ready() {
    let mut ctx = Context::<UpkiMirror>::new();
    let container = nginx();
    let state = State::new().container(container.clone());
    let out = ctx.run(ctx.on.pebble_ready(&container), &state).unwrap();

    let layers = &out.get_container("nginx").unwrap().layers;
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].0, "nginx");
    assert_eq!(layers[0].1, pebble_layer().unwrap());
    let expected = ops::pebble::Layer::from_yaml(
        r#"
services:
  upki-mirror:
    override: replace
    summary: upki-mirror
    command: /bin/upki-mirror /var/www/html
    startup: enabled
    on-success: ignore
    environment: {HTTP_PROXY: "", HTTPS_PROXY: ""}
  nginx:
    after: [upki-mirror]
    override: replace
    summary: nginx
    command: nginx -g 'daemon off;'
    startup: enabled
checks:
  up: {override: replace, level: alive, period: 30s, tcp: {port: 80}, startup: enabled}
  fetch:
    override: replace
    level: alive
    period: 360m
    exec:
      command: /bin/upki-mirror /var/www/html
      environment: {HTTP_PROXY: "", HTTPS_PROXY: ""}
    startup: enabled
"#,
    )
    .unwrap();
    assert_eq!(layers[0].1, expected);
    let statuses = &out.get_container("nginx").unwrap().service_statuses;
    assert_eq!(statuses["upki-mirror"], ServiceStatus::Active);
    assert_eq!(statuses["nginx"], ServiceStatus::Active);
    assert_eq!(out.opened_ports, [Port::tcp(80)].into());
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn ingress_is_asked_for_port_80_with_the_service_host_and_reported_ready() {
    let mut ctx = Context::<UpkiMirror>::new();
    let state = State::new()
        .leader(true)
        .model(ModelInfo::new("pki"))
        .container(nginx());
    let out = ctx.run(ctx.on.install(), &state).unwrap();

    let ingress = Relation::new("ingress")
        .remote_app_name("traefik")
        .remote_app_data([(
            "ingress",
            r#"{"url": "http://traefik.example/pki-upki-mirror-k8s"}"#,
        )]);
    let state = out.relation(ingress.clone());
    let out = ctx.run(ctx.on.relation_changed(&ingress), &state).unwrap();
    let relation = out.get_relation(ingress.id).unwrap();
    assert_eq!(relation.local_app_data["port"], "80");
    assert_eq!(relation.local_app_data["strip-prefix"], "true");
    assert_eq!(
        relation.local_unit_data["host"],
        "\"upki-mirror-k8s.pki.svc.cluster.local\""
    );
    let library: IngressPerAppRequirer = out.get_library_state("ingress").unwrap();
    assert_eq!(
        library.url(),
        Some("http://traefik.example/pki-upki-mirror-k8s")
    );
    assert_eq!(
        ctx.output().handlers.len(),
        1,
        "only the ingress library ran"
    );
}

#[test]
fn logs_go_to_each_loki_unit_once_pebble_is_ready() {
    let mut ctx = Context::<UpkiMirror>::new();
    let loki = Relation::new("log-proxy")
        .remote_app_name("loki")
        .remote_unit(
            0,
            [(
                "endpoint",
                r#"{"url": "http://loki-0:3100/loki/api/v1/push"}"#,
            )],
        );
    let container = nginx();
    let state = State::new().relation(loki).container(container.clone());
    let out = ctx.run(ctx.on.pebble_ready(&container), &state).unwrap();
    let plan = out.get_container("nginx").unwrap().plan().unwrap();
    assert_eq!(
        plan.log_targets["loki/0"].location,
        "http://loki-0:3100/loki/api/v1/push"
    );
}
