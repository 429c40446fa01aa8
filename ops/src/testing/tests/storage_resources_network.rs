//! Storage events, resources, networks and planned units through the backend.

use super::*;

#[test]
fn storage_events_and_locations() {
    let mut ctx = ctx();
    let data = Storage::new("data").index(0);
    let cache = Storage::new("cache").index(2);
    let state = State::new().storage(data.clone()).storage(cache.clone());
    let ev = ctx.on.storage_attached(&data);
    assert_eq!(ev.data.storage_index, Some(0));
    assert_eq!(ev.hook_name(), "data-storage-attached");
    ctx.run(ev, &state).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "storage at /srv/data")));
    ctx.run(ctx.on.storage_attached(&cache), &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "storage at /var/lib/juju/storage/cache/2"
    )));
    let det = ctx.on.storage_detaching(&cache);
    assert_eq!(det.data.kind, EventKind::StorageDetaching);
    ctx.run(det, &state).unwrap();
}

#[test]
fn resources_networks_and_planned_units_through_the_backend() {
    let mut h = Harness::<Demo>::new();
    h.edit_state(|s| {
        s.resources.insert("blob".into(), "/tmp/blob.bin".into());
        s.planned_units = 3;
    });
    let model = h.model();
    let b = model.core().backend();
    assert_eq!(
        b.resource_get("blob").unwrap(),
        std::path::PathBuf::from("/tmp/blob.bin")
    );
    assert!(b.resource_get("other").is_err());
    assert_eq!(b.planned_units().unwrap(), 3);
    assert_eq!(b.network_get("db", None).unwrap(), default_network());
    assert_eq!(b.network_get("metrics", None).unwrap(), default_network());
    assert!(
        b.network_get("logging", None).is_err(),
        "subordinate endpoints have no binding"
    );
    assert!(b.network_get("nope", None).is_err());
}
