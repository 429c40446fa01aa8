//! Context::manager: the charm and model before and after the event.

use super::*;

#[test]
fn manager_shows_the_charm_and_model_before_and_after_the_event() {
    let mut ctx = ctx();
    let state = State::new()
        .leader(true)
        .config("port", 9000)
        .stored(&Demo {
            seen: vec!["earlier".into()],
        });
    let mut mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    // Before: the charm restored from the state, the model in the event's hook context.
    assert_eq!(mgr.charm().seen, ["earlier"]);
    assert!(mgr.model().unit().is_leader().unwrap());
    assert_eq!(mgr.model().config().unwrap().port, 9000);
    assert_eq!(mgr.model().context().hook_name, "config-changed");
    assert_eq!(mgr.event().hook_name(), "config-changed");
    // Acting on the charm before the run: the handlers see it.
    mgr.charm_mut().seen.push("set by the test".into());

    let done = mgr.run().unwrap();
    assert_eq!(
        done.charm().seen,
        [
            "earlier",
            "set by the test",
            "config-changed",
            "collect-app-status",
            "collect-unit-status"
        ]
    );
    // After: the model the handlers used, the output state, the run's outputs.
    assert_eq!(
        done.model().unit().status().unwrap(),
        Status::active("port 9000")
    );
    assert_eq!(done.state().unit_status, Status::active("port 9000"));
    assert_eq!(done.state().get_stored::<Demo>().unwrap(), *done.charm());
    assert_eq!(
        done.context().unit_status_history(),
        &[Status::unknown(), Status::maintenance("configuring")]
    );
    let out = done.into_state();
    // The context keeps the outputs once the run is dropped.
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "port is 9000")));
    assert_eq!(out.app_status, Status::active("leading"));
}

#[test]
fn manager_run_is_context_run() {
    let state = State::new()
        .leader(true)
        .config("mode", "defer")
        .stored(&Demo::default());
    let mut plain = ctx();
    let expected = plain.run(plain.on.start(), &state).unwrap();
    let mut ctx = ctx();
    let mgr = ctx.manager(ctx.on.start(), &state).unwrap();
    let out = mgr.run().unwrap().into_state();
    assert_eq!(out, expected);
    assert_eq!(out.deferred, vec![ctx.on.start().deferred("on_event")]);
    assert_eq!(ctx.emitted_events(), plain.emitted_events());
    assert_eq!(ctx.juju_log(), plain.juju_log());
    // The deferred start is re-emitted before the next event, in a manager too.
    let mgr = ctx.manager(ctx.on.update_status(), &out).unwrap();
    let done = mgr.run().unwrap();
    let kinds: Vec<EventKind> = done
        .context()
        .emitted_events()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Start,
            EventKind::UpdateStatus,
            EventKind::CollectAppStatus,
            EventKind::CollectUnitStatus
        ]
    );
}

#[test]
fn manager_model_acts_in_the_same_hook() {
    let mut ctx = ctx();
    let mgr = ctx.manager(ctx.on.start(), &State::new()).unwrap();
    mgr.model()
        .unit()
        .set_status(Status::maintenance("set before the event"))
        .unwrap();
    let out = mgr.run().unwrap().into_state();
    assert_eq!(out.unit_status, Status::maintenance("set before the event"));
    assert_eq!(ctx.unit_status_history(), &[Status::unknown()]);
}

#[test]
fn manager_errors_come_when_made_or_when_run() {
    let mut ctx = ctx();
    // An inconsistent state: refused before anything runs.
    let state = State::new().relation(Relation::new("nope"));
    assert!(matches!(
        ctx.manager(ctx.on.start(), &state),
        Err(RunError::Inconsistent(_))
    ));
    // A stored state that does not fit the charm: refused when restoring it.
    let mut state = State::new();
    state.stored_state = Some(json!({"seen": 3}));
    let err = ctx.manager(ctx.on.start(), &state).err().unwrap();
    assert!(err.to_string().contains("does not fit"), "{err}");
    // A failing handler: the run's error, and the context has the run's log.
    let state = State::new().config("mode", "fail");
    let mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    match mgr.run().err().unwrap() {
        RunError::Charm { message, .. } => assert_eq!(message, "port must be positive"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(ctx.juju_log().iter().any(|l| l.level == LogLevel::Error));
    // A failed action.
    let event = ctx.on.action("backup").param("target", "nowhere");
    let mgr = ctx.manager(event, &State::new()).unwrap();
    match mgr.run().err().unwrap() {
        RunError::ActionFailed { message, logs, .. } => {
            assert_eq!(message, "no such target");
            assert_eq!(logs, ["starting backup"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn manager_keeps_the_charm_when_a_handler_aborts() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "abort");
    let mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    let done = mgr.run().unwrap();
    // The handler's change is on the charm, and committed as after a success.
    assert_eq!(done.charm().seen, ["config-changed", "aborting"]);
    assert_eq!(
        done.state().stored_state,
        Some(serde_json::json!({"seen": ["config-changed", "aborting"]}))
    );
    assert_eq!(
        done.state().unit_status,
        Status::blocked("mode abort is not supported")
    );
}
