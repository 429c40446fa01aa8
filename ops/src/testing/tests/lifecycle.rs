//! Lifecycle events, status, stored state, deferral, logs and ports.

use super::*;

#[test]
fn config_changed_sets_status_logs_and_versions() {
    let mut ctx = ctx();
    let state = State::new().config("port", 9000);
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(out.unit_status, Status::active("port 9000"));
    assert_eq!(
        ctx.unit_status_history(),
        &[Status::unknown(), Status::maintenance("configuring")]
    );
    assert_eq!(out.workload_version, "1.1");
    assert_eq!(ctx.workload_version_history(), &["1.0".to_string()]);
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "port is 9000")));
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Debug,
        "Emitting Juju event config_changed."
    )));
    // Not the leader: the app status is untouched.
    assert_eq!(out.app_status, Status::unknown());
    assert_eq!(
        stored(&out).seen,
        vec!["config-changed", "collect-unit-status"]
    );
}

#[test]
fn input_state_is_untouched() {
    let mut ctx = ctx();
    let state = State::new().config("port", 1).leader(true);
    let before = state.clone();
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    assert_eq!(state, before);
    assert_ne!(out, before);
    assert_eq!(out.app_status, Status::active("leading"));
}

#[test]
fn config_defaults_come_from_the_metadata() {
    let mut ctx = ctx();
    let out = ctx.run(ctx.on.config_changed(), &State::new()).unwrap();
    assert_eq!(out.unit_status, Status::active("port 8080"));
}

#[test]
fn emitted_events_include_collect_status_and_app_status_on_the_leader() {
    let mut ctx = ctx();
    ctx.run(ctx.on.install(), &State::new().leader(true))
        .unwrap();
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Install,
            EventKind::CollectAppStatus,
            EventKind::CollectUnitStatus
        ]
    );
    ctx.run(ctx.on.install(), &State::new()).unwrap();
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Install, EventKind::CollectUnitStatus]
    );
}

#[test]
fn collect_status_picks_the_highest_priority() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "collect").leader(true);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(out.unit_status, Status::blocked("needs db"));
    assert_eq!(out.app_status, Status::waiting("app waiting"));
}

#[test]
fn stored_state_round_trips() {
    let mut ctx = ctx();
    let state = State::new().stored(&Demo {
        seen: vec!["earlier".into()],
    });
    let out = ctx.run(ctx.on.start(), &state).unwrap();
    assert_eq!(
        stored(&out).seen,
        vec!["earlier", "start", "collect-unit-status"]
    );
}

#[test]
fn deferred_events_are_reemitted_first_and_kept_when_deferred_again() {
    let mut ctx = ctx();
    let state = State::new().config("mode", "defer");
    let out = ctx.run(ctx.on.start(), &state).unwrap();
    assert_eq!(out.deferred, vec![ctx.on.start().deferred("on_event")]);
    // Next hook: the deferred start runs first, defers again; the new event runs.
    let out2 = ctx.run(ctx.on.update_status(), &out).unwrap();
    assert_eq!(out2.deferred.len(), 1);
    let kinds: Vec<EventKind> = ctx.emitted_events().iter().map(|e| e.kind).collect();
    assert_eq!(kinds[..2], [EventKind::Start, EventKind::UpdateStatus]);
    // Once the charm stops deferring, the queue empties.
    let out3 = ctx
        .run(ctx.on.update_status(), &out2.clone().config("mode", "x"))
        .unwrap();
    assert!(out3.deferred.is_empty());
}

#[test]
fn log_macros_reach_juju_log() {
    let mut ctx = ctx();
    ctx.run(ctx.on.update_status(), &State::new()).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "updating status")));
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Debug, "port 8080")));
    // Every handler run is recorded too.
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert_eq!(handlers, vec!["on_event", "on_event"]);
}

#[test]
fn ports_open_and_close() {
    let mut ctx = ctx();
    let state = State::new().opened_port(Port::tcp(443));
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(
        out.opened_ports.iter().copied().collect::<Vec<_>>(),
        vec![Port::tcp(80)]
    );
}

#[test]
fn capture_flags_leave_out_reemitted_and_framework_events_as_python_defaults_do() {
    let state = State::new().config("mode", "defer");
    let mut first = ctx();
    let out = first.run(first.on.start(), &state).unwrap();
    let kinds = |ctx: &Context<Demo>| -> Vec<EventKind> {
        ctx.emitted_events().iter().map(|e| e.kind).collect()
    };
    let mut python_like = ctx()
        .capture_deferred_events(false)
        .capture_framework_events(false);
    python_like.run(first.on.update_status(), &out).unwrap();
    assert_eq!(kinds(&python_like), [EventKind::UpdateStatus]);
    // The handlers still ran (the deferred start first), only the list is shorter.
    let handlers = &python_like.output().handlers;
    assert!(handlers[0].reemitted, "{handlers:?}");
    let mut deferred_only = ctx().capture_framework_events(false);
    deferred_only.run(first.on.update_status(), &out).unwrap();
    assert_eq!(
        kinds(&deferred_only),
        [EventKind::Start, EventKind::UpdateStatus]
    );
    first.run(first.on.update_status(), &out).unwrap();
    assert_eq!(
        kinds(&first),
        [
            EventKind::Start,
            EventKind::UpdateStatus,
            EventKind::CollectUnitStatus
        ]
    );
}

#[test]
fn app_trusted_decides_whether_credential_get_answers() {
    let spec = crate::backend::CloudSpec {
        kind: "lxd".into(),
        name: "localhost".into(),
        ..Default::default()
    };
    let with_spec = State::new().cloud_spec(spec.clone());
    let credential = |ctx: &mut Context<Demo>, state: &State| {
        let manager = ctx.manager(ctx.on.update_status(), state).unwrap();
        manager.model().cloud_spec().map_err(|e| e.to_string())
    };
    // Unset: a cloud spec in the state is trust (as before app_trusted existed).
    assert_eq!(credential(&mut ctx(), &with_spec).unwrap(), spec);
    let err = credential(&mut ctx().app_trusted(false), &with_spec).unwrap_err();
    assert!(err.contains("not trusted"), "{err}");
    assert_eq!(
        credential(&mut ctx().app_trusted(true), &with_spec).unwrap(),
        spec
    );
    let err = credential(&mut ctx().app_trusted(true), &State::new()).unwrap_err();
    assert!(err.contains("cloud spec is empty"), "{err}");
}
