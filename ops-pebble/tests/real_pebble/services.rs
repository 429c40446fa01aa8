//! Services: start, stop, restart, replan, autostart, and their status after each.

use crate::{layer, start, status, WAIT};
use ops_pebble::{Error, Pebble, ServiceStartup, ServiceStatus};
use std::time::Duration;

const SERVICES: &str = "services:
  one:
    override: replace
    command: sleep 1000
    startup: enabled
  two:
    override: replace
    command: sleep 1001
    startup: enabled
  off:
    override: replace
    command: sleep 1002
";

#[test]
fn start_stop_restart_autostart_and_status() {
    let pebble = start!("start_stop_restart_autostart_and_status");
    let client = pebble.client();
    client.add_layer("s", &layer(SERVICES), false).unwrap();
    let infos = client.get_services(&[]).unwrap();
    let names: Vec<_> = infos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["off", "one", "two"]);
    assert!(infos.iter().all(|s| s.current == ServiceStatus::Inactive));
    assert_eq!(infos[0].startup, ServiceStartup::Disabled);
    assert_eq!(infos[1].startup, ServiceStartup::Enabled);

    client.autostart_services(WAIT).unwrap();
    assert_eq!(status(&client, "one"), ServiceStatus::Active);
    assert_eq!(status(&client, "two"), ServiceStatus::Active);
    assert_eq!(status(&client, "off"), ServiceStatus::Inactive);

    client.start_services(&["off"], WAIT).unwrap();
    assert_eq!(status(&client, "off"), ServiceStatus::Active);
    // Starting a running service is a no-op change, not an error.
    let id = client.start_services(&["off"], WAIT).unwrap();
    let change = client.get_change(&id).unwrap();
    assert_eq!(change.status, ops_pebble::ChangeStatus::Done, "{change:?}");

    let since = client.get_services(&["one"]).unwrap()[0]
        .current_since
        .clone();
    std::thread::sleep(Duration::from_millis(20));
    client.restart_services(&["one"], WAIT).unwrap();
    assert_eq!(status(&client, "one"), ServiceStatus::Active);
    let after = client.get_services(&["one"]).unwrap()[0]
        .current_since
        .clone();
    assert_ne!(since, after, "restart sets a new current-since");

    client.stop_services(&["one", "off"], WAIT).unwrap();
    assert_eq!(status(&client, "one"), ServiceStatus::Inactive);
    assert_eq!(status(&client, "off"), ServiceStatus::Inactive);
    assert_eq!(status(&client, "two"), ServiceStatus::Active);
    // Stopping a stopped service is not an error.
    client.stop_services(&["one"], WAIT).unwrap();

    // Unknown names: a 400 with Pebble's message, no change.
    let err = client.start_services(&["nope"], WAIT).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot start services: service \"nope\" does not exist"
    );
    assert!(client.get_services(&["nope"]).unwrap().is_empty());
    // No names for start.
    let err = client.start_services(&[], WAIT).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
}

#[test]
fn replan_restarts_changed_services_and_starts_enabled_ones() {
    let pebble = start!("replan_restarts_changed_services");
    let client = pebble.client();
    client.add_layer("s", &layer(SERVICES), false).unwrap();
    client.start_services(&["off"], WAIT).unwrap();
    client.replan_services(WAIT).unwrap();
    for name in ["one", "two", "off"] {
        assert_eq!(status(&client, name), ServiceStatus::Active, "{name}");
    }
    let before = client.get_services(&[]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    // Change one's command: replan restarts it and leaves the others alone.
    let changed = "services:\n  one:\n    override: merge\n    command: sleep 2000\n";
    client.add_layer("s", &layer(changed), true).unwrap();
    client.replan_services(WAIT).unwrap();
    let after = client.get_services(&[]).unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.current, ServiceStatus::Active, "{a:?}");
        assert_eq!(
            b.current_since != a.current_since,
            a.name == "one",
            "{b:?} {a:?}"
        );
    }
}

#[test]
fn a_service_that_exits_fails_its_start_change() {
    let pebble = start!("a_service_that_exits_fails_its_start_change");
    let client = pebble.client();
    let yaml = "services:\n  bad:\n    override: replace\n    command: sh -c 'echo oops; exit 3'\n";
    client.add_layer("s", &layer(yaml), false).unwrap();
    let err = client.start_services(&["bad"], WAIT).unwrap_err();
    let Error::Change(change_err) = &err else {
        panic!("expected a change error, got {err:?}")
    };
    assert!(
        change_err
            .err
            .contains("service start attempt: exited quickly with code 3, will restart"),
        "{change_err:?}"
    );
    let change = &change_err.change;
    assert_eq!(change.kind, "start");
    assert_eq!(change.status, ops_pebble::ChangeStatus::Error);
    assert!(change.ready);
    assert_eq!(change.tasks.len(), 1);
    assert!(
        change.tasks[0].log.iter().any(|l| l.contains("oops")),
        "{:?}",
        change.tasks[0].log
    );
    assert_ne!(status(&client, "bad"), ServiceStatus::Active);
}
