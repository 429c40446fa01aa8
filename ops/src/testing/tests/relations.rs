//! Relation events and data, peers and subordinates, leadership, and deferred
//! relation events whose relation vanished.

use super::*;

#[test]
fn relation_changed_reads_remote_app_data_and_writes_local_unit_data() {
    let mut ctx = ctx();
    let db = Relation::new("db")
        .remote_app_name("postgresql")
        .remote_app_data([("host", "db.local")]);
    let state = State::new().relation(db.clone());
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    let rel = out.get_relation(db.id).unwrap();
    assert_eq!(
        rel.local_unit_data.get("seen-host").map(String::as_str),
        Some("db.local")
    );
    // The default addresses stay.
    assert_eq!(
        rel.local_unit_data
            .get("ingress-address")
            .map(String::as_str),
        Some("192.0.2.0")
    );
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "changed by postgresql/0")));
}

#[test]
fn relation_event_factories_fill_the_event_data() {
    let ctx = ctx();
    let db = Relation::new("db")
        .remote_app_name("pg")
        .remote_unit(3, [("a", "b")]);
    let created = ctx.on.relation_created(&db);
    assert_eq!(created.data.kind, EventKind::RelationCreated);
    assert_eq!(created.data.name.as_deref(), Some("db"));
    assert_eq!(created.data.relation_id, Some(db.id));
    assert_eq!(created.data.remote_app.as_deref(), Some("pg"));
    assert_eq!(created.data.remote_unit, None);
    assert_eq!(created.hook_name(), "db-relation-created");

    let joined = ctx.on.relation_joined(&db);
    assert_eq!(joined.data.remote_unit.as_deref(), Some("pg/0"));
    let joined3 = ctx.on.relation_joined(&db).remote_unit(3);
    assert_eq!(joined3.data.remote_unit.as_deref(), Some("pg/3"));

    let changed = ctx.on.relation_changed(&db);
    assert_eq!(changed.data.kind, EventKind::RelationChanged);
    assert_eq!(changed.data.remote_unit.as_deref(), Some("pg/0"));
    assert_eq!(ctx.on.relation_changed_app(&db).data.remote_unit, None);

    let departed = ctx
        .on
        .relation_departed(&db)
        .remote_unit(3)
        .departing_unit(3);
    assert_eq!(departed.data.kind, EventKind::RelationDeparted);
    assert_eq!(departed.data.remote_unit.as_deref(), Some("pg/3"));
    assert_eq!(departed.data.departing_unit.as_deref(), Some("pg/3"));

    let broken = ctx.on.relation_broken(&db);
    assert_eq!(broken.data.kind, EventKind::RelationBroken);
    assert_eq!(broken.hook_name(), "db-relation-broken");

    // Peers: the remote app is this app.
    let peers = Relation::peer("cluster").peer_unit(1, [("k", "v")]);
    let ev = ctx.on.relation_changed(&peers);
    assert_eq!(ev.data.remote_app.as_deref(), Some("demo"));
    assert_eq!(ev.data.remote_unit.as_deref(), Some("demo/1"));
}

#[test]
fn relation_departed_runs_with_remote_and_departing_unit() {
    let mut ctx = ctx();
    let db = Relation::new("db").remote_unit(1, [("x", "y")]);
    let state = State::new().relation(db.clone());
    let ev = ctx
        .on
        .relation_departed(&db)
        .remote_unit(1)
        .departing_unit(1);
    ctx.run(ev, &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "departed Some(\"remote/1\") departing Some(\"remote/1\")"
    )));
}

#[test]
fn relation_events_run_for_peer_and_subordinate_relations() {
    let mut ctx = ctx();
    let peers = Relation::peer("cluster")
        .peer_unit(1, [("k", "v")])
        .local_app_data([("shared", "1")]);
    let logging = Relation::subordinate("logging").remote_app_name("principal");
    let state = State::new()
        .relation(peers.clone())
        .relation(logging.clone());
    for event in [
        ctx.on.relation_created(&peers),
        ctx.on.relation_joined(&peers),
        ctx.on.relation_broken(&peers),
        ctx.on.relation_created(&logging),
        ctx.on.relation_joined(&logging),
        ctx.on.relation_broken(&logging),
    ] {
        let hook = event.hook_name();
        let out = ctx.run(event, &state).unwrap();
        assert!(stored(&out).seen.contains(&hook), "{hook}");
    }
}

#[test]
fn non_leader_cannot_write_app_data() {
    let mut h = Harness::<Demo>::new();
    let id = h.add_relation("db", "pg").unwrap();
    let model = h.model();
    let rel = model.core().get_relation("db", Some(id)).unwrap().unwrap();
    assert!(rel.update(Member::ThisApp, [("k", "v")]).is_err());
    // The leader can.
    h.set_leader(true).unwrap();
    let model = h.model();
    let rel = model.core().get_relation("db", Some(id)).unwrap().unwrap();
    rel.update(Member::ThisApp, [("k", "v")]).unwrap();
    h.flush(&model).unwrap();
    assert_eq!(
        h.get_relation_data(id, "demo")
            .unwrap()
            .get("k")
            .map(String::as_str),
        Some("v")
    );
}

// ---------------------------------------------------------------- deferred events, vanished relations

#[test]
fn a_deferred_relation_event_whose_relation_vanished_is_reemitted_inactive() {
    // As Python ops: the deferred event is restored with a relation Juju no longer lists
    // (inactive, no units), its handler runs, and the queue moves on.
    let mut ctx = ctx();
    let db = Relation::new("db").remote_app_name("pg");
    let state = State::new()
        .config("mode", "defer-relation")
        .relation(db.clone());
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    assert_eq!(
        out.deferred,
        vec![ctx.on.relation_changed(&db).deferred("on_event")]
    );

    let mut gone = out.clone();
    gone.relations.clear();
    let out = ctx.run(ctx.on.update_status(), &gone).unwrap();
    assert!(out.deferred.is_empty(), "{:?}", out.deferred);
    assert_eq!(ctx.emitted_events()[0].kind, EventKind::RelationChanged);
    let expected = format!(
        "relation {} gone: units [], listed 0, event app Some(\"pg\"), remote app None",
        db.id
    );
    assert!(
        ctx.juju_log()
            .contains(&JujuLogLine::new(LogLevel::Info, expected.clone())),
        "{expected} in {:?}",
        ctx.juju_log()
    );
    assert_eq!(
        stored(&out).seen,
        [
            "db-relation-changed",
            "collect-unit-status",
            "db-relation-changed",
            "update-status",
            "collect-unit-status"
        ]
    );
}
