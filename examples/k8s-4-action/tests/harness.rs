//! The same charm in the older, stateful Harness style (Python's `ops.testing.Harness`):
//! one unit through its life, step by step. Not in the Python example's tests, which
//! use only `Context`; it shows the two styles side by side.

use fastapi_charm_libs::fastapi_demo::{mock_version, rock_layer};
use k8s_4_action::FastApiDemo;
use ops::pebble::ServiceStatus;
use ops::testing::Harness;
use ops::Status;
use std::collections::BTreeMap;

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn from_pebble_ready_to_integrated_and_reconfigured() {
    let _version = mock_version("0.0.1");
    let mut harness = Harness::<FastApiDemo>::new();
    harness.edit_state(|state| {
        let container = ops::testing::Container::new("demo-server").layer("rock", rock_layer());
        state.containers.push(container);
    });
    harness.set_leader(true).unwrap();
    harness.begin().unwrap();

    harness.container_pebble_ready("demo-server").unwrap();
    harness.evaluate_status().unwrap();
    assert_eq!(
        harness.state().unit_status,
        Status::blocked("Waiting for database relation")
    );
    assert_eq!(
        harness
            .state()
            .get_container("demo-server")
            .unwrap()
            .service("fastapi"),
        ServiceStatus::Active
    );

    let id = harness
        .add_relation_with_data(
            "database",
            "postgresql-k8s",
            Some(bag(&[
                ("endpoints", "example.com:5432"),
                ("username", "foo"),
                ("password", "bar"),
            ])),
            None,
        )
        .unwrap();
    // The leader asked for the database (and for the credentials in secrets) when the
    // relation was created.
    assert_eq!(
        harness.get_relation_data(id, "fastapi-demo"),
        Some(bag(&[
            ("database", "names_db"),
            (
                "requested-secrets",
                r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
            ),
        ]))
    );
    harness.evaluate_status().unwrap();
    assert_eq!(harness.state().unit_status, Status::active(""));
    let plan = harness.get_container_pebble_plan("demo-server").unwrap();
    assert_eq!(
        plan.services["fastapi"].environment["DEMO_SERVER_DB_HOST"],
        "example.com"
    );

    harness.update_config([("server-port", 8080)], &[]).unwrap();
    let plan = harness.get_container_pebble_plan("demo-server").unwrap();
    assert!(plan.services["fastapi"].command.ends_with("--port 8080"));
    assert_eq!(
        plan.services["fastapi"].environment["DEMO_SERVER_DB_USER"],
        "foo"
    );

    let output = harness
        .run_action("get-db-info", [("show-password", true)])
        .unwrap();
    assert_eq!(
        output.results,
        bag(&[
            ("db-host", "example.com"),
            ("db-port", "5432"),
            ("db-username", "foo"),
            ("db-password", "bar"),
        ])
    );
}
