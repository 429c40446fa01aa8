//! Unit tests: the Python example's `tests/unit/test_charm.py`, with `ops::testing`,
//! then a few it does not have.

use fastapi_charm_libs::fastapi_demo::{rock_layer, VersionSource};
use k8s_2_configurable::{pebble_layer, FastApiDemo};
use ops::pebble::{Override, Plan, ServiceStatus};
use ops::testing::{Container, Context, JujuLogLine, LogLevel, RunError, State};
use ops::Status;

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

fn fastapi_command(state: &State) -> String {
    let plan = state.get_container("demo-server").unwrap().plan().unwrap();
    plan.services["fastapi"].command.clone()
}

#[test]
fn test_pebble_layer() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let container = demo_server();
    let state_in = State::new().container(container.clone()).leader(true);

    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();

    // Expected plan after Pebble ready with default config: the rock's service, its
    // command unchanged. (Python's test also sets the service's `override` to "merge":
    // its testing Pebble copies `override` when merging; Pebble's own CombineLayers,
    // which ours follows, keeps the first layer's "replace".)
    let expected_plan = Plan::from_layers([&rock_layer()]).unwrap();
    let out = state_out.get_container("demo-server").unwrap();
    // The charm's layer, merged over the rock's:
    let charm_layer = &out.layers.last().unwrap();
    assert_eq!(charm_layer.0, "fastapi_demo");
    assert_eq!(charm_layer.1, pebble_layer(8000));
    assert_eq!(
        charm_layer.1.services["fastapi"].override_,
        Some(Override::Merge)
    );
    // Check that we have the plan we expected:
    assert_eq!(out.plan().unwrap(), expected_plan);
    // Check the unit is active:
    assert_eq!(state_out.unit_status, Status::active(""));
    // Check the service was started:
    assert_eq!(out.service("fastapi"), ServiceStatus::Active);
    // Check the workload version is set:
    assert_eq!(state_out.workload_version, "0.0.1");
}

#[test]
fn test_config_changed() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", 8080)
        .leader(true);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert!(fastapi_command(&state_out).contains("--port 8080"));
}

#[test]
fn test_config_changed_invalid_port() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
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

// Beyond the Python tests.

#[test]
fn invalid_port_is_logged_and_leaves_the_plan_alone() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", 22);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Error,
        "Configuration error: Invalid port number, 22 is reserved for SSH"
    )));
    assert!(fastapi_command(&state_out).ends_with("--port 8000"));
    assert_eq!(state_out.workload_version, "");
}

#[test]
fn port_out_of_range_blocks() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", 70000);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::blocked("Invalid port number, 70000 is not between 1 and 65535")
    );
}

#[test]
fn waits_for_pebble_when_it_cannot_connect() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let container = demo_server().can_connect(false);
    let state_in = State::new().container(container);
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container")
    );
    assert_eq!(
        ctx.unit_status_history(),
        [
            Status::unknown(),
            Status::maintenance("Assembling Pebble layers")
        ]
    );
}

#[test]
fn hook_fails_when_the_workload_does_not_answer() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // No setup: the charm asks the server itself (the default `version_source`).
    let mut ctx = Context::<FastApiDemo>::new();
    let state_in = State::new()
        .container(demo_server())
        .config("server-port", i64::from(port));
    match ctx.run(ctx.on.config_changed(), &state_in) {
        Err(RunError::Charm { message, .. }) => assert!(
            message.contains("cannot get the FastAPI demo server's version"),
            "{message}"
        ),
        other => panic!("expected the hook to fail, got {other:?}"),
    }
}
