//! Handler errors, aborts and panics, and stored state that does not fit.

use super::*;

#[test]
fn handler_error_is_returned_with_the_message_and_nothing_is_committed() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "fail");
    let err = ctx.run(ctx.on.config_changed(), &state).unwrap_err();
    match &err {
        RunError::Charm {
            event,
            message,
            panicked,
        } => {
            assert_eq!(event, "config-changed");
            assert!(message.contains("port must be positive"), "{message}");
            assert!(!panicked);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("port must be positive"));
    assert!(ctx
        .juju_log()
        .iter()
        .any(|l| l.level == LogLevel::Error && l.message.contains("port must be positive")));
}

#[test]
fn abort_ends_the_run_normally_with_the_status_and_commits_the_charm_state() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "abort");
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("mode abort is not supported")
    );
    // An abort commits like a success: a later run sees what this one did.
    assert_eq!(
        out.stored_state,
        Some(serde_json::json!({"seen": ["config-changed", "aborting"]})),
        "the charm's state is committed"
    );
    assert!(ctx
        .juju_log()
        .iter()
        .any(|l| l.level == LogLevel::Warning && l.message.contains("ended early")));
    // The event was emitted and its handler ran (up to the abort; no collect-status).
    assert_eq!(
        ctx.emitted_events(),
        [EventData::new(EventKind::ConfigChanged)]
    );
    let handlers = &ctx.output().handlers;
    assert_eq!(handlers.len(), 1);
    assert_eq!(handlers[0].handler, "on_event");
    assert!(!handlers[0].deferred && !handlers[0].reemitted);
}

#[test]
fn handler_panic_is_returned_as_an_error() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "panic");
    match ctx.run(ctx.on.config_changed(), &state) {
        Err(RunError::Charm {
            message, panicked, ..
        }) => {
            assert!(panicked);
            assert_eq!(message, "unlucky config");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bad_stored_state_is_an_error() {
    let mut ctx = ctx();
    let mut state = State::new();
    state.stored_state = Some(json!({"seen": 3}));
    let err = ctx.run(ctx.on.start(), &state).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
}
