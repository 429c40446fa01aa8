//! Unit tests: the Python example's `tests/unit/test_charm.py`, with `ops::testing`.

use fastapi_charm_libs::fastapi_demo::{rock_layer, VersionSource};
use k8s_1_minimal::FastApiDemo;
use ops::pebble::{Plan, ServiceStatus};
use ops::testing::{Container, Context, State};
use ops::Status;

/// The workload answers version 0.0.1 without a server: the charm's `version_source`
/// field gets a fixed one before each event (the Python tests monkeypatch `get_version`).
fn fixed_version(charm: &mut FastApiDemo) {
    charm.version_source = VersionSource::fixed("0.0.1");
}

#[test]
fn test_pebble_layer() {
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);
    let container = Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock_layer());
    let state_in = State::new().container(container.clone()).leader(true);

    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();

    // Expected plan after Pebble ready (our charm doesn't add any layers).
    let expected_plan = Plan::from_layers([&rock_layer()]).unwrap();
    let out = state_out.get_container("demo-server").unwrap();
    // Check that we have the plan we expected:
    assert_eq!(out.plan().unwrap(), expected_plan);
    // Check the unit is active:
    assert_eq!(state_out.unit_status, Status::active(""));
    // Check the service was started:
    assert_eq!(out.service("fastapi"), ServiceStatus::Active);
    // Check the workload version is set:
    assert_eq!(state_out.workload_version, "0.0.1");
}

/// The Python docs' Harness example: a deployed unit shows maintenance until the charm
/// starts its workload when Pebble is ready.
#[test]
fn harness_pebble_ready_makes_the_unit_active() {
    let mut harness = ops::testing::Harness::<FastApiDemo>::new().charm_setup(fixed_version);
    harness.edit_state(|state| {
        *state = state
            .clone()
            .container(Container::new("demo-server").layer("rock", rock_layer()));
    });
    harness.begin().unwrap();
    let status = harness.model().unit().status().unwrap();
    assert_eq!(status, Status::maintenance(""));

    harness.container_pebble_ready("demo-server").unwrap();

    assert_eq!(harness.model().unit().status().unwrap(), Status::active(""));
    let plan = harness.get_container_pebble_plan("demo-server").unwrap();
    assert_eq!(plan, Plan::from_layers([&rock_layer()]).unwrap());
}
