//! Event factories and the Juju context each event kind runs in.

use super::*;

#[test]
fn every_simple_event_factory_runs() {
    let mut ctx = ctx();
    let on = ctx.on.clone();
    let cases = [
        (on.install(), EventKind::Install, "install"),
        (on.start(), EventKind::Start, "start"),
        (on.stop(), EventKind::Stop, "stop"),
        (on.remove(), EventKind::Remove, "remove"),
        (on.update_status(), EventKind::UpdateStatus, "update-status"),
        (
            on.config_changed(),
            EventKind::ConfigChanged,
            "config-changed",
        ),
        (on.upgrade_charm(), EventKind::UpgradeCharm, "upgrade-charm"),
        (
            on.leader_elected(),
            EventKind::LeaderElected,
            "leader-elected",
        ),
        (
            on.leader_settings_changed(),
            EventKind::LeaderSettingsChanged,
            "leader-settings-changed",
        ),
        (
            on.pre_series_upgrade(),
            EventKind::PreSeriesUpgrade,
            "pre-series-upgrade",
        ),
        (
            on.post_series_upgrade(),
            EventKind::PostSeriesUpgrade,
            "post-series-upgrade",
        ),
        (
            on.collect_metrics(),
            EventKind::CollectMetrics,
            "collect-metrics",
        ),
        (
            on.collect_unit_status(),
            EventKind::CollectUnitStatus,
            "collect-unit-status",
        ),
        (
            on.collect_app_status(),
            EventKind::CollectAppStatus,
            "collect-app-status",
        ),
    ];
    for (event, kind, hook) in cases {
        assert_eq!(event.data.kind, kind);
        assert_eq!(event.hook_name(), hook);
        let out = ctx.run(event, &State::new().leader(true)).unwrap();
        assert_eq!(stored(&out).seen[0], hook);
    }
    // collect-metrics is restricted: no collect-status after it.
    ctx.run(on.collect_metrics(), &State::new()).unwrap();
    assert_eq!(ctx.emitted_events().len(), 1);
}

#[test]
fn juju_context_of_each_event_kind() {
    let ctx = ctx();
    let s = ctx.settings();
    let db = Relation::new("db").remote_app_name("pg");
    let jc = s.juju_context(&ctx.on.relation_departed(&db).data, "m", "u");
    assert_eq!(jc.dispatch_path, "hooks/db-relation-departed");
    assert_eq!(jc.relation_name.as_deref(), Some("db"));
    assert_eq!(jc.relation_id, Some(db.id));
    assert_eq!(jc.remote_app.as_deref(), Some("pg"));
    assert_eq!(jc.departing_unit.as_deref(), Some("pg/0"));
    assert_eq!(jc.unit_name, "demo/0");
    assert_eq!(jc.version, "3.6.14");
    let a = s.juju_context(&ctx.on.action("backup").action_id("7").data, "m", "u");
    assert_eq!(a.dispatch_path, "actions/backup");
    assert_eq!(a.hook_name, "");
    assert_eq!(a.action_uuid.as_deref(), Some("7"));
    let st = s.juju_context(
        &ctx.on.storage_attached(&Storage::new("data").index(4)).data,
        "m",
        "u",
    );
    assert_eq!(st.storage_id.as_deref(), Some("data/4"));
    let secret = Secret::new([("a", "b")]).label("l");
    let se = s.juju_context(&ctx.on.secret_remove(&secret, 3).data, "m", "u");
    assert_eq!(se.secret_id.as_deref(), Some(secret.id.as_str()));
    assert_eq!(se.secret_label.as_deref(), Some("l"));
    assert_eq!(se.secret_revision, Some(3));
    let c = Container::new("workload");
    let n = Notice::new("k");
    let pe = s.juju_context(&ctx.on.pebble_custom_notice(&c, &n).data, "m", "u");
    assert_eq!(pe.workload_name.as_deref(), Some("workload"));
    assert_eq!(pe.notice_key.as_deref(), Some("k"));
    assert_eq!(pe.notice_type.as_deref(), Some("custom"));
}

#[test]
fn context_overrides() {
    let mut ctx = Context::<Demo>::new()
        .app_name("other")
        .unit_id(3)
        .juju_version("3.4.0")
        .charm_root("/charm");
    assert_eq!(ctx.unit_name(), "other/3");
    let peers = Relation::peer("cluster").peer_unit(1, [("a", "b")]);
    let ev = ctx.on.relation_changed(&peers);
    assert_eq!(ev.data.remote_unit.as_deref(), Some("other/1"));
    let s = ctx.settings();
    let jc = s.juju_context(&ev.data, "m", "u");
    assert_eq!(jc.version, "3.4.0");
    assert_eq!(jc.charm_dir, std::path::PathBuf::from("/charm"));
    ctx.run(ev, &State::new().relation(peers)).unwrap();
}
