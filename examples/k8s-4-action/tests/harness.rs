//! The same charm in the older, stateful Harness style (Python's `ops.testing.Harness`):
//! one unit through its life, step by step. Not in the Python example's tests, which
//! use only `Context`; it shows the two styles side by side.

use fastapi_charm_libs::fastapi_demo::{rock_layer, VersionSource};
use k8s_4_action::FastApiDemo;
use ops::pebble::ServiceStatus;
use ops::testing::Harness;
use ops::Status;
use std::collections::BTreeMap;

/// The workload answers version 0.0.1 without a server: the charm's `version_source`
/// field gets a fixed one before each event (the Python tests monkeypatch `get_version`).
fn fixed_version(charm: &mut FastApiDemo) {
    charm.version_source = VersionSource::fixed("0.0.1");
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn from_pebble_ready_to_integrated_and_reconfigured() {
    let mut harness = Harness::<FastApiDemo>::new().charm_setup(fixed_version);
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

/// Python's `harness.charm.on.config_changed.emit()` and `harness.run_action(name)`:
/// events from `harness.on()`, without naming the app, and an action without params.
#[test]
fn events_without_the_app_name_and_an_action_without_params() {
    let mut harness = Harness::<FastApiDemo>::new().charm_setup(fixed_version);
    harness.edit_state(|state| {
        let container = ops::testing::Container::new("demo-server")
            .layer("rock", rock_layer())
            .can_connect(true);
        state.containers.push(container);
    });
    harness.begin().unwrap();
    harness.fire(harness.on().config_changed()).unwrap();
    assert_eq!(harness.get_workload_version(), "0.0.1");
    let plan = harness.get_container_pebble_plan("demo-server").unwrap();
    assert!(plan.services["fastapi"].command.ends_with("--port 8000"));

    // No params: the schema's default (show-password: false) applies.
    let id = harness.add_relation("database", "postgresql-k8s").unwrap();
    harness
        .update_relation_data(
            id,
            "postgresql-k8s",
            [
                ("endpoints", "example.com:5432"),
                ("username", "foo"),
                ("password", "bar"),
            ],
        )
        .unwrap();
    let output = harness.run_action("get-db-info", ()).unwrap();
    assert_eq!(
        output.results,
        bag(&[("db-host", "example.com"), ("db-port", "5432")])
    );
}

/// An action handler called directly, with an `Action` built by the test over the model of
/// an action event's run (`Manager::charm_and_model`).
#[test]
fn an_action_handler_called_directly() {
    use k8s_4_action::GetDbInfoParams;
    use ops::testing::{Context, Relation, State};
    use ops::Action;

    let mut ctx = Context::<FastApiDemo>::new();
    let db = Relation::new("database").remote_app_data([
        ("endpoints", "example.com:5432"),
        ("username", "foo"),
        ("password", "bar"),
    ]);
    let state = State::new().relation(db).leader(true);
    let mut mgr = ctx.manager(ctx.on.action("get-db-info"), &state).unwrap();
    let (charm, model) = mgr.charm_and_model();
    let params = GetDbInfoParams {
        show_password: true,
    };
    let mut action = Action::new(model, "get-db-info", params);
    assert_eq!(action.name(), "get-db-info");
    charm.on_get_db_info_action(model, &mut action).unwrap();
    let done = mgr.run().unwrap();
    let results = done.context().action_results().unwrap();
    assert_eq!(results["db-password"], "bar");
    assert_eq!(results["db-username"], "foo");
}
