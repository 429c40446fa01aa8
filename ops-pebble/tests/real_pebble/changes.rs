//! Changes and tasks: listing, getting, waiting, aborting, a failed change's error.

use crate::{layer, start};
use ops_pebble::{ChangeState, ChangeStatus, Error, Pebble};
use std::time::Duration;

const SLOW: &str = "services:
  slow:
    override: replace
    command: sleep 1000
    kill-delay: 2s
  quick:
    override: replace
    command: sleep 1000
";

#[test]
fn changes_list_get_and_wait() {
    let pebble = start!("changes_list_get_and_wait");
    let client = pebble.client();
    client.add_layer("c", &layer(SLOW), false).unwrap();
    // Without a timeout the call returns the change id at once.
    let id = client.start_services(&["quick"], Duration::ZERO).unwrap();
    let change = client
        .wait_change(&id, Some(Duration::from_secs(20)))
        .unwrap();
    assert_eq!(change.id, id);
    assert_eq!(change.kind, "start");
    assert_eq!(change.summary, "Start service \"quick\"");
    assert_eq!(change.status, ChangeStatus::Done);
    assert!(change.ready && change.err.is_none() && change.ready_time.is_some());
    assert_eq!(change.tasks.len(), 1);
    assert_eq!(change.tasks[0].kind, "start");
    assert_eq!(change.tasks[0].status, ChangeStatus::Done);
    assert_eq!(client.get_change(&id).unwrap().id, id);

    let all = client.get_changes(ChangeState::All, None).unwrap();
    assert!(all.iter().any(|c| c.id == id), "{all:?}");
    let ready = client
        .get_changes(ChangeState::Ready, Some("quick"))
        .unwrap();
    assert!(ready.iter().any(|c| c.id == id), "{ready:?}");
    let other = client.get_changes(ChangeState::All, Some("slow")).unwrap();
    assert!(other.iter().all(|c| c.id != id), "{other:?}");

    // A change still in progress: the wait times out, the listing shows it.
    client
        .start_services(&["slow"], Duration::from_secs(20))
        .unwrap();
    let stop = client.stop_services(&["slow"], Duration::ZERO).unwrap();
    // `sleep` ignores nothing: it dies on SIGTERM at once, so wait for the real end.
    let done = client.wait_change(&stop, None).unwrap();
    assert_eq!(done.kind, "stop");
    assert_eq!(done.status, ChangeStatus::Done);

    // Unknown change ids are a 404.
    let err = client.get_change("999999").unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "cannot find change with id \"999999\"");
    let err = client
        .wait_change("999999", Some(Duration::from_secs(1)))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn waiting_times_out_and_a_change_can_be_aborted() {
    let pebble = start!("waiting_times_out_and_a_change_can_be_aborted");
    let client = pebble.client();
    // A service that ignores SIGTERM takes its kill-delay to stop.
    let yaml = "services:
  stubborn:
    override: replace
    command: sh -c \"trap '' TERM; while true; do sleep 0.05; done\"
    kill-delay: 3s
";
    client.add_layer("c", &layer(yaml), false).unwrap();
    client
        .start_services(&["stubborn"], Duration::from_secs(20))
        .unwrap();
    let id = client.stop_services(&["stubborn"], Duration::ZERO).unwrap();
    let err = client
        .wait_change(&id, Some(Duration::from_millis(300)))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    let in_progress = client.get_changes(ChangeState::InProgress, None).unwrap();
    assert!(in_progress.iter().any(|c| c.id == id), "{in_progress:?}");
    let aborted = client.abort_change(&id).unwrap();
    assert_eq!(aborted.id, id);
    let done = client
        .wait_change(&id, Some(Duration::from_secs(20)))
        .unwrap();
    assert!(done.ready, "{done:?}");
    // A ready change cannot be aborted.
    let err = client.abort_change(&id).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert!(err.to_string().contains("cannot abort change"), "{err}");
}

#[test]
fn a_failed_change_carries_its_error() {
    let pebble = start!("a_failed_change_carries_its_error");
    let client = pebble.client();
    let yaml = "services:\n  gone:\n    override: replace\n    command: /nonexistent/binary\n";
    client.add_layer("c", &layer(yaml), false).unwrap();
    let id = client.start_services(&["gone"], Duration::ZERO).unwrap();
    let change = client
        .wait_change(&id, Some(Duration::from_secs(20)))
        .unwrap();
    assert_eq!(change.status, ChangeStatus::Error);
    let err = change.err.as_deref().unwrap_or_default();
    assert_eq!(
        err,
        "cannot perform the following tasks:\n- Start service \"gone\" \
         (cannot start service: fork/exec /nonexistent/binary: no such file or directory)"
    );
    assert_eq!(change.tasks[0].status, ChangeStatus::Error);
    // With a timeout, the client turns the failed change into Error::Change.
    let err = client
        .start_services(&["gone"], Duration::from_secs(20))
        .unwrap_err();
    match err {
        Error::Change(c) => assert!(c.err.contains("no such file or directory"), "{c:?}"),
        other => panic!("expected a change error, got {other:?}"),
    }
}
