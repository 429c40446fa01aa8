//! The Python example's unit tests (tests/unit/test_charm.py), as state-transition tests.

use httpbin_demo::{HttpbinDemoCharm, CONTAINER_NAME, SERVICE_NAME};
use ops::pebble::{Layer, Plan};
use ops::testing::{Container, Context, LogLevel, ServiceStatus, State};
use ops::{Status, StatusName};

/// A stand-in layer, for the status tests: how the service is started does not matter
/// to them, so the command is not the real one.
fn mock_layer() -> Layer {
    Layer::from_yaml(
        "services:
           httpbin:
             override: replace
             command: mock-command
             startup: enabled
        ",
    )
    .unwrap()
}

fn plan_of(state: &State) -> Plan {
    state
        .get_container(CONTAINER_NAME)
        .expect("the container is in the state")
        .plan()
        .expect("the layers combine")
}

/// Pebble-ready: the charm adds the layer, the service runs, the unit is active.
#[test]
fn pebble_ready() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME).can_connect(true);
    let state_in = State::new().container(container.clone());

    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();

    let expected_plan = Plan::from_yaml(
        "services:
           httpbin:
             override: replace
             summary: httpbin
             command: gunicorn -b 0.0.0.0:80 httpbin:app -k gevent
             startup: enabled
             environment:
               GUNICORN_CMD_ARGS: --log-level info
        ",
    )
    .unwrap();
    assert_eq!(plan_of(&state_out), expected_plan);
    assert_eq!(
        state_out
            .get_container(CONTAINER_NAME)
            .unwrap()
            .service(SERVICE_NAME),
        ServiceStatus::Active
    );
    assert_eq!(state_out.unit_status, Status::active(""));
}

/// Active whenever the service is active, whatever the event.
#[test]
fn status_service_active() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME)
        .layer("base", mock_layer())
        .service_status(SERVICE_NAME, ServiceStatus::Active)
        .can_connect(true);
    let state_out = ctx
        .run(ctx.on.update_status(), &State::new().container(container))
        .unwrap();
    assert_eq!(state_out.unit_status, Status::active(""));
}

/// Maintenance while the service is defined but not running.
#[test]
fn status_service_inactive() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME)
        .layer("base", mock_layer())
        .service_status(SERVICE_NAME, ServiceStatus::Inactive)
        .can_connect(true);
    let state_out = ctx
        .run(ctx.on.update_status(), &State::new().container(container))
        .unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("waiting for workload")
    );
}

/// Maintenance while Pebble has no such service (no layer yet).
#[test]
fn status_no_service() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME).can_connect(true);
    let state_out = ctx
        .run(ctx.on.update_status(), &State::new().container(container))
        .unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("waiting for workload container")
    );
}

/// Maintenance while Pebble does not answer (the container is down).
#[test]
fn status_no_pebble() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME).can_connect(false);
    let state_out = ctx
        .run(ctx.on.update_status(), &State::new().container(container))
        .unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("waiting for workload container")
    );
}

/// A valid `log-level`, in any case, reaches gunicorn lower-cased; the unit is active.
#[test]
fn config_changed() {
    for (user_log_level, gunicorn_log_level) in [("debug", "debug"), ("DEBUG", "debug")] {
        let mut ctx = Context::<HttpbinDemoCharm>::new();
        let container = Container::new(CONTAINER_NAME).can_connect(true);
        let state_in = State::new()
            .container(container)
            .config("log-level", user_log_level);

        let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();

        let plan = plan_of(&state_out);
        let gunicorn_args = &plan.services[SERVICE_NAME].environment["GUNICORN_CMD_ARGS"];
        assert_eq!(
            gunicorn_args,
            &format!("--log-level {gunicorn_log_level}"),
            "{user_log_level}"
        );
        assert_eq!(
            state_out.unit_status,
            Status::active(""),
            "{user_log_level}"
        );
        // Beyond the Python test: the change is logged at DEBUG.
        let expected = format!("Log level for gunicorn changed to '{gunicorn_log_level}'");
        assert!(
            ctx.juju_log()
                .iter()
                .any(|line| line.level == LogLevel::Debug && line.message == expected),
            "{:?}",
            ctx.juju_log()
        );
    }
}

/// An invalid `log-level` blocks the unit, naming the value; nothing is configured.
#[test]
fn config_changed_invalid() {
    for user_log_level in ["", "foobar"] {
        let mut ctx = Context::<HttpbinDemoCharm>::new();
        let container = Container::new(CONTAINER_NAME).can_connect(true);
        let state_in = State::new()
            .container(container)
            .config("log-level", user_log_level);

        let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();

        assert_eq!(state_out.unit_status.name, StatusName::Blocked);
        let prefix = format!("Invalid log level: '{user_log_level}'.");
        assert!(
            state_out.unit_status.message.starts_with(&prefix),
            "{:?}",
            state_out.unit_status
        );
        // Beyond the Python test: the charm returned before touching Pebble.
        assert_eq!(plan_of(&state_out), Plan::default(), "{user_log_level}");
    }
}

/// Beyond the Python tests: pebble-ready with an invalid `log-level` adds no layer; the
/// unit is blocked with the whole message.
#[test]
fn pebble_ready_with_invalid_config_waits() {
    let mut ctx = Context::<HttpbinDemoCharm>::new();
    let container = Container::new(CONTAINER_NAME).can_connect(true);
    let state_in = State::new()
        .container(container.clone())
        .config("log-level", "loud");
    let state_out = ctx.run(ctx.on.pebble_ready(&container), &state_in).unwrap();
    assert_eq!(plan_of(&state_out), Plan::default());
    assert_eq!(
        state_out.unit_status,
        Status::blocked(
            "Invalid log level: 'loud'. Valid values are: info, debug, warning, error, critical."
        )
    );
}
