//! Actions: params, results, logs, failures, and action tools outside an action.

use super::*;

#[test]
fn action_results_logs_and_storage_requests() {
    let mut ctx = ctx();
    let event = ctx.on.action("backup").param("target", "s3");
    let out = ctx.run(event, &State::new()).unwrap();
    assert_eq!(ctx.action_logs(), &["starting backup".to_string()]);
    let results = ctx.action_results().unwrap();
    assert_eq!(results.get("where").map(String::as_str), Some("s3"));
    assert_eq!(
        ctx.action_results_json().unwrap(),
        json!({"where": "s3", "size": {"bytes": "42"}})
    );
    assert_eq!(ctx.requested_storages().get("cache"), Some(&2));
    assert_eq!(ctx.action_failure(), None);
    assert_eq!(out.unit_status, Status::unknown());
}

#[test]
fn failed_action_returns_message_results_and_logs() {
    let mut ctx = ctx();
    let event = ctx.on.action("backup").param("target", "nowhere");
    match ctx.run(event, &State::new()) {
        Err(RunError::ActionFailed {
            message,
            results,
            logs,
            state,
        }) => {
            assert_eq!(message, "no such target");
            assert_eq!(results.get("where").map(String::as_str), Some("nowhere"));
            assert_eq!(logs, vec!["starting backup".to_string()]);
            assert_eq!(state.unit_status, Status::unknown());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn action_tools_outside_an_action_fail() {
    let mut ctx = ctx();
    let sim_err = {
        // action-get during install: the backend refuses.
        let state = State::new();
        let mut h = Harness::<Demo>::new();
        h.begin().unwrap();
        let model = h.model();
        let r = model.core().backend().action_get();
        drop(state);
        r
    };
    assert!(sim_err.is_err());
    // And through a run: the action event gets its params.
    let out = ctx.run(ctx.on.action("backup").param("target", "x"), &State::new());
    assert!(out.is_ok());
}
