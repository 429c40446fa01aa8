//! Unit tests: the charm against ops::testing's in-memory Juju and Pebble.

use ops::pebble::ServiceStatus;
use ops::testing::{Container, Context, State};
use ops::Status;

use {{crate}}::{{Struct}};

#[test]
fn pebble_ready_starts_the_service() {
    let mut ctx = Context::<{{Struct}}>::new();
    let container = Container::new("workload").can_connect(true);
    let state = State::new()
        .container(container.clone())
        .config("port", 9000);
    let out = ctx.run(ctx.on.pebble_ready(&container), &state).unwrap();
    let workload = out.get_container("workload").unwrap();
    let plan = workload.plan().unwrap();
    assert_eq!(
        plan.services[{{crate}}::SERVICE].environment["PORT"],
        "9000"
    );
    assert_eq!(
        workload.service_statuses[{{crate}}::SERVICE],
        ServiceStatus::Active
    );
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn a_bad_port_blocks() {
    let mut ctx = Context::<{{Struct}}>::new();
    let container = Container::new("workload").can_connect(true);
    let state = State::new().container(container).config("port", 0);
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("port 0 is not a valid port")
    );
}
