//! Unit tests: the Python example's `tests/unit/test_charm.py`, with `ops::testing`,
//! then a few it does not have.

use fastapi_charm_libs::fastapi_demo::{mock_version, rock_layer};
use k8s_4_action::FastApiDemo;
use ops::pebble::{Plan, ServiceStatus};
use ops::testing::{Container, Context, Relation, RunError, State};
use ops::Status;
use std::collections::BTreeMap;

fn demo_server() -> Container {
    Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock_layer())
}

/// The database relation once postgresql-k8s has shared the database.
fn database() -> Relation {
    Relation::new("database")
        .interface("postgresql_client")
        .remote_app_name("postgresql-k8s")
        .remote_app_data([
            ("endpoints", "example.com:5432"),
            ("username", "foo"),
            ("password", "bar"),
        ])
}

fn plan(state: &State) -> Plan {
    state.get_container("demo-server").unwrap().plan().unwrap()
}

#[test]
fn test_pebble_layer() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    let container = demo_server();
    let state_in = State::new().container(container.clone()).leader(true);

    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();

    // Expected plan after Pebble ready with default config (see k8s-2-configurable's
    // test for why `override` stays "replace").
    let expected_plan = Plan::from_layers([&rock_layer()]).unwrap();
    // Check that we have the plan we expected:
    assert_eq!(plan(&state_out), expected_plan);
    // Check the unit is blocked:
    assert_eq!(
        state_out.unit_status,
        Status::blocked("Waiting for database relation")
    );
    // Check the service was started:
    let out = state_out.get_container("demo-server").unwrap();
    assert_eq!(out.service("fastapi"), ServiceStatus::Active);
    // Check the workload version is set:
    assert_eq!(state_out.workload_version, "0.0.1");
}

#[test]
fn test_config_changed() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", 8080)
        .leader(true);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert!(plan(&state_out).services["fastapi"]
        .command
        .contains("--port 8080"));
}

#[test]
fn test_config_changed_invalid_port() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", 22)
        .leader(true);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::blocked("Invalid port number, 22 is reserved for SSH")
    );
}

#[test]
fn test_relation_data() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    let relation = database();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .leader(true);

    let state_out = ctx
        .run(ctx.on.relation_changed(&relation), &state_in)
        .unwrap();

    let mut expected: BTreeMap<String, String> =
        rock_layer().services["fastapi"].environment.clone();
    for (k, v) in [
        ("DEMO_SERVER_DB_HOST", "example.com"),
        ("DEMO_SERVER_DB_PORT", "5432"),
        ("DEMO_SERVER_DB_USER", "foo"),
        ("DEMO_SERVER_DB_PASSWORD", "bar"),
    ] {
        expected.insert(k.into(), v.into());
    }
    assert_eq!(plan(&state_out).services["fastapi"].environment, expected);
}

#[test]
fn test_no_database_blocked() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    // We've omitted relation data from the input state.
    let state_in = State::new().container(demo_server()).leader(true);

    let state_out = ctx.run(ctx.on.collect_unit_status(), &state_in).unwrap();

    assert_eq!(
        state_out.unit_status,
        Status::blocked("Waiting for database relation")
    );
}

#[test]
fn test_get_db_info_action() {
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new()
        .container(demo_server())
        .relation(database())
        .leader(true);

    ctx.run(
        ctx.on.action("get-db-info").param("show-password", false),
        &state_in,
    )
    .unwrap();

    assert_eq!(
        ctx.action_results(),
        Some(&results([("db-host", "example.com"), ("db-port", "5432")]))
    );
}

#[test]
fn test_get_db_info_action_show_password() {
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new()
        .container(demo_server())
        .relation(database())
        .leader(true);

    ctx.run(
        ctx.on.action("get-db-info").param("show-password", true),
        &state_in,
    )
    .unwrap();

    assert_eq!(
        ctx.action_results(),
        Some(&results([
            ("db-host", "example.com"),
            ("db-port", "5432"),
            ("db-username", "foo"),
            ("db-password", "bar"),
        ]))
    );
}

fn results<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// Beyond the Python tests.

#[test]
fn relation_created_asks_for_the_database_as_leader_only() {
    let mut ctx = Context::<FastApiDemo>::new();
    let relation = Relation::new("database").remote_app_name("postgresql-k8s");
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone())
        .leader(true);
    let state_out = ctx
        .run(ctx.on.relation_created(&relation), &state_in)
        .unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    // As the Python library asks: the database, and the credentials in secrets.
    assert_eq!(
        out.local_app_data,
        BTreeMap::from([
            ("database".to_string(), "names_db".to_string()),
            (
                "requested-secrets".to_string(),
                r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#.to_string()
            ),
        ])
    );

    let follower = state_in.clone().leader(false);
    let state_out = ctx
        .run(ctx.on.relation_created(&relation), &follower)
        .unwrap();
    let out = state_out.get_relation(relation.id).unwrap();
    assert!(out.local_app_data.is_empty());
}

#[test]
fn waiting_until_the_database_shares_credentials() {
    let mut ctx = Context::<FastApiDemo>::new();
    let relation = Relation::new("database").remote_app_name("postgresql-k8s");
    let state_in = State::new()
        .container(demo_server().service_status("fastapi", ServiceStatus::Active))
        .relation(relation);
    let state_out = ctx.run(ctx.on.collect_unit_status(), &state_in).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::waiting("Waiting for database relation")
    );
}

#[test]
fn active_with_the_database_and_the_service_running() {
    let _version = mock_version("0.0.1");
    let mut ctx = Context::<FastApiDemo>::new();
    let relation = database();
    let state_in = State::new()
        .container(demo_server())
        .relation(relation.clone());
    let state_out = ctx
        .run(ctx.on.relation_changed(&relation), &state_in)
        .unwrap();
    assert_eq!(state_out.unit_status, Status::active(""));
    assert_eq!(state_out.workload_version, "0.0.1");
    // The library's copy of the remote data, for the next change's diff.
    let out = state_out.get_relation(relation.id).unwrap();
    assert_eq!(
        out.local_unit_data.get("data").map(String::as_str),
        Some(r#"{"endpoints": "example.com:5432", "password": "bar", "username": "foo"}"#)
    );

    // The same data again: nothing new, so no replan (the charm's layer is unchanged
    // even though the port config changed).
    let again = state_out.clone().config("server-port", 8080);
    let state_out = ctx.run(ctx.on.relation_changed(&relation), &again).unwrap();
    assert!(plan(&state_out).services["fastapi"]
        .command
        .ends_with("--port 8000"));
}

#[test]
fn service_not_running_is_maintenance() {
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new().container(demo_server()).relation(database());
    let state_out = ctx.run(ctx.on.collect_unit_status(), &state_in).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for the service to start up")
    );

    let no_pebble = State::new()
        .container(demo_server().can_connect(false))
        .relation(database());
    let state_out = ctx.run(ctx.on.collect_unit_status(), &no_pebble).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container")
    );
}

#[test]
fn get_db_info_fails_without_a_database() {
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new().container(demo_server());
    match ctx.run(ctx.on.action("get-db-info"), &state_in) {
        Err(RunError::ActionFailed {
            message, results, ..
        }) => {
            assert_eq!(message, "No database connected");
            assert!(results.is_empty());
        }
        other => panic!("expected the action to fail, got {other:?}"),
    }
}

#[test]
fn get_db_info_defaults_to_hiding_the_password() {
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new().container(demo_server()).relation(database());
    ctx.run(ctx.on.action("get-db-info"), &state_in).unwrap();
    assert_eq!(
        ctx.action_results(),
        Some(&results([("db-host", "example.com"), ("db-port", "5432")]))
    );
}

#[test]
fn get_db_info_rejects_bad_params() {
    let mut ctx = Context::<FastApiDemo>::new().skip_consistency_checks();
    let state_in = State::new().container(demo_server()).relation(database());
    let err = ctx
        .run(
            ctx.on.action("get-db-info").param("show-password", "yes"),
            &state_in,
        )
        .unwrap_err();
    // The handler does not run; the action fails with the reason, as with Python's
    // `load_params(errors="fail")`.
    assert!(matches!(err, RunError::Charm { .. }), "{err:?}");
    assert_eq!(
        ctx.action_failure(),
        Some(
            "invalid parameters for action get-db-info: show-password: expected a boolean, \
             got a string"
        )
    );
    assert_eq!(ctx.action_results(), None);
}
