//! State fields through a run, and the State builders and getters.

use super::*;

#[test]
fn state_fields_round_trip_through_a_run() {
    let mut ctx = ctx();
    let mut state = State::new()
        .config("port", 1)
        .config("mode", "m")
        .config("debug", true)
        .config("ratio", 0.5)
        .leader(true)
        .model(ModelInfo::new("prod").uuid("u-1").kind("lxd"))
        .relation(Relation::new("db").interface("pgsql"))
        .relation(Relation::peer("cluster").peer_unit(2, [("a", "b")]))
        .relation(Relation::subordinate("logging"))
        .network("db", default_network())
        .container(
            workload()
                .file("/x", "y")
                .service_status("web", ServiceStatus::Active),
        )
        .storage(Storage::new("data").index(0).location("/mnt/data"))
        .resource("blob", "/tmp/blob")
        .secret(
            Secret::new([("a", "s3cr3t-value")])
                .label("lbl")
                .description("d")
                .expire("2030-01-01T00:00:00Z")
                .rotate("daily"),
        )
        .opened_port(Port::udp(53))
        .planned_units(4)
        .stored(&Demo { seen: vec![] })
        .unit_status(Status::active("u"))
        .app_status(Status::blocked("a"))
        .workload_version("9")
        .cloud_spec(crate::backend::CloudSpec {
            kind: "lxd".into(),
            name: "localhost".into(),
            ..Default::default()
        });
    state.deferred.push(ctx.on.install().deferred("on_event"));
    let out = ctx
        .run(ctx.on.leader_elected(), &state.clone().config("mode", "x"))
        .unwrap();
    // Everything the charm did not touch comes back equal.
    let mut expected = state.clone().config("mode", "x");
    expected.stored_state = out.stored_state.clone();
    expected.deferred.clear(); // the deferred install re-ran and was not deferred again
    assert_eq!(out, expected);
    assert!(format!("{out:?}").contains("planned_units: 4"));
    assert!(
        !format!("{out:?}").contains("s3cr3t"),
        "secret content never printed"
    );
}

#[test]
fn state_builders_and_getters() {
    let db = Relation::new("db").id(42);
    let s = State::new().relation(db.clone());
    assert_eq!(s.get_relation(42), Some(&db));
    assert_eq!(s.get_relations("db").count(), 1);
    assert!(s.get_relation(43).is_none());
    let a = Relation::new("db");
    let b = Relation::new("db");
    assert_ne!(a.id, b.id, "relation ids are auto-numbered");
    let secret = Secret::new([("k", "v")]).label("x");
    let s = State::new().secret(secret.clone());
    assert_eq!(s.get_secret(None, Some("x")), Some(&secret));
    let bare = secret.id.trim_start_matches("secret:");
    assert_eq!(s.get_secret(Some(bare), None), Some(&secret));
    assert_eq!(State::default().planned_units, 1);
    assert_eq!(State::default().unit_status, Status::unknown());
}
