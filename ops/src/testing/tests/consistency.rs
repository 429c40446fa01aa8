//! The consistency checker: states and events that contradict the metadata.

use super::*;

fn inconsistent(state: &State, event: Event) -> Vec<String> {
    let mut ctx = ctx();
    match ctx.run(event, state) {
        Err(RunError::Inconsistent(errors)) => errors,
        other => panic!("expected an inconsistency, got {other:?}"),
    }
}

fn assert_inconsistent(state: &State, event: Event, needle: &str) {
    let errors = inconsistent(state, event);
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "no error containing {needle:?} in {errors:#?}"
    );
}

#[test]
fn consistency_config() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().config("nope", 1),
        on.start(),
        "option \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().config("port", "80"),
        on.start(),
        "needs an integer",
    );
    assert_inconsistent(
        &State::new().config("debug", 1),
        on.start(),
        "needs a boolean",
    );
    assert_inconsistent(
        &State::new().config("ratio", "x"),
        on.start(),
        "needs a number",
    );
    assert_inconsistent(
        &State::new().config("mode", 3),
        on.start(),
        "needs a string",
    );
    assert_inconsistent(
        &State::new().config("creds", "hunter2"),
        on.start(),
        "secret URI",
    );
    // A valid secret URI is accepted; below Juju 3.4 it is not.
    let ok = State::new().config("creds", "secret:0123456789abcdefghij");
    ctx().run(on.start(), &ok).unwrap();
    let mut old = Context::<Demo>::new().juju_version("3.3.0");
    assert!(matches!(
        old.run(old.on.start(), &ok),
        Err(RunError::Inconsistent(_))
    ));
}

#[test]
fn consistency_undeclared_things() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().container(Container::new("nope")),
        on.start(),
        "container \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().storage(Storage::new("nope")),
        on.start(),
        "storage \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().resource("nope", "/x"),
        on.start(),
        "resource \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("nope")),
        on.start(),
        "endpoint \"nope\" is not declared",
    );
    assert_inconsistent(
        &State::new().network("nope", default_network()),
        on.start(),
        "binding \"nope\"",
    );
    assert_inconsistent(
        &State::new().network("logging", default_network()),
        on.start(),
        "binding \"logging\"",
    );
    assert_inconsistent(
        &State::new(),
        on.action("nope"),
        "action \"nope\" is not declared",
    );
}

#[test]
fn consistency_relations() {
    let on = ctx().on;
    assert_inconsistent(
        &State::new().relation(Relation::new("cluster")),
        on.start(),
        "use Relation::peer",
    );
    assert_inconsistent(
        &State::new().relation(Relation::peer("db")),
        on.start(),
        "not a peer endpoint",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("logging")),
        on.start(),
        "use Relation::subordinate",
    );
    assert_inconsistent(
        &State::new().relation(Relation::subordinate("db")),
        on.start(),
        "not `scope: container`",
    );
    assert_inconsistent(
        &State::new()
            .relation(Relation::new("db").id(5))
            .relation(Relation::new("db").id(5)),
        on.start(),
        "relation id 5 is used twice",
    );
    assert_inconsistent(
        &State::new().relation(Relation::peer("cluster").peer_unit(0, [("a", "b")])),
        on.start(),
        "not this unit (0)",
    );
    assert_inconsistent(
        &State::new().relation(Relation::new("db").interface("mysql")),
        on.start(),
        "interface \"mysql\"",
    );
    assert_inconsistent(
        &State::new().relation(Relation::subordinate("logging").remote_unit(1, [("a", "b")])),
        on.start(),
        "exactly one remote unit",
    );
    // Events on relations absent from the state, or without a remote unit.
    let db = Relation::new("db");
    assert_inconsistent(
        &State::new(),
        on.relation_changed(&db),
        "is not in State.relations",
    );
    let lonely = Relation::new("db").no_remote_units();
    assert_inconsistent(
        &State::new().relation(lonely.clone()),
        on.relation_joined(&lonely),
        "needs a remote unit",
    );
    assert_inconsistent(
        &State::new().relation(db.clone()),
        on.relation_changed(&db).remote_unit(9),
        "remote unit \"remote/9\"",
    );
    let mut moved = on.relation_changed(&db);
    moved.data.name = Some("cluster".into());
    assert_inconsistent(&State::new().relation(db.clone()), moved, "not \"cluster\"");
}

#[test]
fn consistency_containers_storage_secrets_and_events() {
    let on = ctx().on;
    let c = Container::new("workload");
    assert_inconsistent(
        &State::new(),
        on.pebble_ready(&c),
        "not in State.containers",
    );
    let n = Notice::new("k");
    assert_inconsistent(
        &State::new().container(c.clone()),
        on.pebble_custom_notice(&c, &n),
        "notice",
    );
    let check = CheckInfo::new("up");
    assert_inconsistent(
        &State::new().container(c.clone()),
        on.pebble_check_failed(&c, &check),
        "check \"up\" is not in",
    );
    assert_inconsistent(
        &State::new().container(c.clone().check_info(check.clone())),
        on.start(),
        "not in the plan",
    );
    assert_inconsistent(
        &State::new().container(c.clone().exec(Exec::new(["ls"])).exec(Exec::new(["ls"]))),
        on.start(),
        "given twice",
    );
    let st = Storage::new("data");
    assert_inconsistent(
        &State::new(),
        on.storage_attached(&st),
        "not in State.storages",
    );
    assert_inconsistent(
        &State::new()
            .storage(Storage::new("data").index(1))
            .storage(Storage::new("data").index(2)),
        on.start(),
        "not `multiple`",
    );
    assert_inconsistent(
        &State::new()
            .storage(Storage::new("cache").index(1))
            .storage(Storage::new("cache").index(1)),
        on.start(),
        "appears twice",
    );
    let secret = Secret::new([("a", "b")]);
    assert_inconsistent(&State::new(), on.secret_changed(&secret), "cannot see it");
    assert_inconsistent(
        &State::new().secret(secret.clone()),
        on.secret_rotate(&secret),
        "has no owner",
    );
    let owned = secret.clone().owned_by_unit();
    assert_inconsistent(
        &State::new().secret(owned.clone()),
        on.secret_changed(&owned),
        "owns secret",
    );
    let mut old = Context::<Demo>::new().juju_version("2.9.0");
    assert!(matches!(
        old.run(old.on.start(), &State::new().secret(secret)),
        Err(RunError::Inconsistent(_))
    ));
    let mut bad = Context::<Demo>::new().juju_version("banana");
    assert!(matches!(
        bad.run(bad.on.start(), &State::new()),
        Err(RunError::Inconsistent(_))
    ));
    assert_inconsistent(&State::new(), on.collect_app_status(), "only on the leader");
    let mut st2 = State::new();
    st2.deferred.push(on.stop().deferred("on_event"));
    assert_inconsistent(&st2, on.start(), "cannot be deferred");
    let mut st3 = State::new();
    st3.deferred.push(on.update_status().deferred("on_evnet"));
    assert_inconsistent(
        &st3,
        on.start(),
        "State.deferred[0]: no handler on_evnet observes update-status (handlers: on_event)",
    );
}

#[test]
fn consistency_action_params() {
    let on = ctx().on;
    assert_inconsistent(&State::new(), on.action("backup"), "needs param \"target\"");
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", 3),
        "should be of type string",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("count", "many"),
        "type integer",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("extra", 1),
        "no param \"extra\"",
    );
    // A value outside the param's `enum` is refused, as Juju refuses it.
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("mode", "hourly"),
        "event: action \"backup\" param \"mode\" should be one of \"full\", \"incremental\", got \"hourly\"",
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("level", 5),
        "param \"level\" should be one of 1, 9, got 5",
    );
    // A wrong type is reported once, as a type error.
    let errors = inconsistent(
        &State::new(),
        on.action("backup").param("target", "x").param("mode", 1),
    );
    assert_eq!(
        errors,
        ["event: action \"backup\" param \"mode\" should be of type string, got 1"]
    );
    assert_inconsistent(
        &State::new(),
        on.action("backup")
            .param("target", "x")
            .param("ratio", 0.25),
        "param \"ratio\" should be one of 0.5, 1.0, got 0.25",
    );
    // The schema's other validation keywords, as Juju enforces them.
    for (event, expected) in [
        (
            on.action("backup").param("target", "x").param("count", 0),
            "event: action \"backup\" param \"count\" should be at least 1, got 0",
        ),
        (
            on.action("backup").param("target", "x").param("count", 11),
            "event: action \"backup\" param \"count\" should be at most 10, got 11",
        ),
        (
            on.action("backup").param("target", ""),
            "event: action \"backup\" param \"target\" should have at least 1 characters, got \"\"",
        ),
        (
            on.action("backup").param("target", "a b"),
            "event: action \"backup\" param \"target\" should match the pattern \"^[^ ]*$\", got \"a b\"",
        ),
    ] {
        assert_eq!(inconsistent(&State::new(), event), [expected]);
    }
    // Values in the enum pass (numbers compare by value: 1 is 1.0, as in JSON schema).
    let ok = |event: Event| {
        let mut c = ctx();
        c.run(event, &State::new())
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        ok(on
            .action("backup")
            .param("target", "x")
            .param("mode", "incremental")
            .param("level", 9)),
        Ok(())
    );
    assert_eq!(
        ok(on.action("backup").param("target", "x").param("ratio", 1)),
        Ok(())
    );
    let mut skip = Context::<Demo>::new().skip_consistency_checks();
    // With checks skipped the run proceeds (and the charm sees no target).
    skip.run(skip.on.action("backup"), &State::new()).unwrap();
}
