//! The stateful Harness: deploy sequence, relations, config, actions, secrets and
//! planned units.

use super::*;

#[test]
fn harness_begin_with_initial_hooks_fires_the_deploy_sequence() {
    let mut h = Harness::<Demo>::new();
    h.set_leader(true).unwrap(); // before begin: no event
    h.add_storage("data", 1, false).unwrap();
    h.handle_exec("workload", Exec::new(["web"]).stdout("1"));
    h.begin_with_initial_hooks().unwrap();
    let seen = &h.charm().unwrap().seen;
    assert_eq!(
        seen,
        &vec![
            "data-storage-attached",
            "install",
            "cluster-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "workload-pebble-ready",
        ]
    );
    // No collect-status in the Harness.
    assert!(!seen.iter().any(|s| s.starts_with("collect")));
    assert_eq!(h.state().unit_status, Status::active("port 8080"));
}

#[test]
fn harness_unit_starts_in_maintenance_and_untouched_becomes_unknown() {
    let h = Harness::<Demo>::new();
    assert_eq!(h.state().unit_status, Status::maintenance(""));
    let mut h = Harness::<Demo>::new();
    h.disable_hooks();
    h.begin_with_initial_hooks().unwrap();
    assert_eq!(h.state().unit_status, Status::unknown());
}

#[test]
fn harness_relation_lifecycle() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let id = h.add_relation("db", "pg").unwrap();
    h.add_relation_unit(id, "pg/0").unwrap();
    h.update_relation_data(id, "pg", [("host", "h1")]).unwrap();
    assert_eq!(
        h.get_relation_data(id, "demo/0")
            .unwrap()
            .get("seen-host")
            .map(String::as_str),
        Some("h1")
    );
    h.update_relation_data(id, "pg/0", [("x", "1")]).unwrap();
    // Local changes fire nothing.
    h.update_relation_data(id, "demo/0", [("mine", "1")])
        .unwrap();
    h.remove_relation(id).unwrap();
    assert!(h.state().get_relation(id).is_none());
    assert_eq!(
        h.charm().unwrap().seen,
        vec![
            "db-relation-created",
            "db-relation-joined",
            "db-relation-changed",
            "db-relation-changed",
            "db-relation-departed",
            "db-relation-broken",
        ]
    );
}

#[test]
fn harness_config_leader_containers_and_hooks() {
    let mut h = Harness::<Demo>::new();
    h.update_config([("port", 1)], &[]).unwrap(); // before begin: no event
    assert!(h.charm().is_none());
    h.begin().unwrap();
    h.update_config([("port", 2)], &[]).unwrap();
    assert_eq!(h.state().unit_status, Status::active("port 2"));
    h.update_config::<&str, i64>([], &["port"]).unwrap();
    assert_eq!(h.state().unit_status, Status::active("port 8080"));
    h.set_leader(true).unwrap();
    h.set_leader(true).unwrap(); // already leader: nothing
    h.disable_hooks();
    h.update_config([("port", 3)], &[]).unwrap();
    h.enable_hooks();
    assert_eq!(
        h.charm().unwrap().seen,
        vec!["config-changed", "config-changed", "leader-elected"]
    );
    h.handle_exec("workload", Exec::new(["web", "--version"]).stdout("3.0"));
    h.container_pebble_ready("workload").unwrap();
    assert_eq!(h.get_workload_version(), "3.0");
    let plan = h.get_container_pebble_plan("workload").unwrap();
    assert!(plan.services.contains_key("web"));
    h.set_can_connect("workload", false);
    assert!(!h
        .model()
        .core()
        .container("workload")
        .unwrap()
        .can_connect());
    let err = h.model().core().container("nope").unwrap_err().to_string();
    assert!(
        err.contains(r#""nope" is not in the metadata (containers: workload)"#),
        "{err}"
    );
    // Errors surface with the charm's message.
    let err = h.update_config([("mode", "fail")], &[]).unwrap_err();
    assert!(err.to_string().contains("port must be positive"));
}

#[test]
fn harness_actions_status_storage_and_secrets() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let out = h
        .run_action(
            "backup",
            json!({"target": "disk"}).as_object().unwrap().clone(),
        )
        .unwrap();
    assert_eq!(out.logs, vec!["starting backup"]);
    assert_eq!(out.results.get("where").map(String::as_str), Some("disk"));
    match h.run_action(
        "backup",
        json!({"target": "nowhere"}).as_object().unwrap().clone(),
    ) {
        Err(RunError::ActionFailed { message, .. }) => assert_eq!(message, "no such target"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(h.run_action("nope", Map::new()).is_err());
    // Params Juju would refuse are refused before the handler runs: an unknown one
    // (additionalProperties is false), a missing required one, one breaking its schema.
    for (params, expected) in [
        (
            json!({"target": "disk", "extra": 1}),
            "action \"backup\" has no param \"extra\" (and additionalProperties is false)",
        ),
        (
            json!({}),
            "action \"backup\" needs param \"target\" (required)",
        ),
        (
            json!({"target": "disk", "count": 50}),
            "action \"backup\" param \"count\" should be at most 10, got 50",
        ),
    ] {
        match h.run_action("backup", params.as_object().unwrap().clone()) {
            Err(RunError::Inconsistent(errors)) => assert_eq!(errors, [expected]),
            other => panic!("unexpected {other:?}"),
        }
    }

    h.set_leader(true).unwrap();
    h.update_config([("mode", "collect")], &[]).unwrap();
    h.evaluate_status().unwrap();
    assert_eq!(h.state().unit_status, Status::blocked("needs db"));
    assert_eq!(h.state().app_status, Status::waiting("app waiting"));

    let ids = h.add_storage("cache", 2, true).unwrap();
    assert_eq!(ids, vec!["cache/0", "cache/1"]);
    h.detach_storage("cache/0").unwrap();
    assert_eq!(h.state().storages.len(), 1);

    let id = h.add_model_secret("vault", [("pw", "1")]);
    h.set_secret_content(&id, [("pw", "2")]).unwrap();
    let owned = h.add_model_secret("demo", [("k", "v")]);
    h.trigger_secret_rotation(&owned).unwrap();
    h.trigger_secret_expiration(&owned, 1).unwrap();
    let mut secret = h.state().get_secret(Some(&owned), None).cloned().unwrap();
    secret.latest_revision = 3;
    secret.tracked_revision = 3;
    h.edit_state(|s| s.secrets[1] = secret);
    h.trigger_secret_removal(&owned, 1).unwrap();
    assert_eq!(h.output().removed_secret_revisions, vec![1]);
    let seen = &h.charm().unwrap().seen;
    for hook in [
        "cache-storage-attached",
        "cache-storage-detaching",
        "secret-changed",
        "secret-rotate",
        "secret-expired",
        "secret-remove",
    ] {
        assert!(seen.iter().any(|s| s == hook), "{hook} in {seen:?}");
    }
}

// ---------------------------------------------------------------- Harness: secrets, planned units

fn grants(h: &Harness<Demo>, id: &str, rel: u64) -> Vec<String> {
    h.get_secret_grants(id, rel)
}

#[test]
fn harness_grants_secrets_over_the_relation_to_the_owner_or_observer() {
    let mut h = Harness::<Demo>::new();
    // A secret another application owns: granted over the relation to its owner.
    let vault = h.add_model_secret("vault", [("pw", "1")]);
    let err = h.grant_secret(&vault, "demo").unwrap_err();
    assert!(
        err.to_string()
            .contains("no relation between this charm (demo) and vault"),
        "{err}"
    );
    let rel = h.add_relation("db", "vault").unwrap();
    h.grant_secret(&vault, "demo").unwrap();
    h.grant_secret(&vault, "demo").unwrap();
    h.grant_secret(&vault, "demo/0").unwrap();
    assert_eq!(grants(&h, &vault, rel), ["demo", "demo/0"]);
    h.revoke_secret(&vault, "demo").unwrap();
    h.revoke_secret(&vault, "never-granted").unwrap();
    assert_eq!(grants(&h, &vault, rel), ["demo/0"]);
    h.revoke_secret(&vault, "demo/0").unwrap();
    assert!(grants(&h, &vault, rel).is_empty());
    assert!(h
        .state()
        .get_secret(Some(&vault), None)
        .unwrap()
        .remote_grants
        .is_empty());
    // An owner named by unit: its application's relation.
    let unit_owned = h.add_model_secret("vault/3", [("pw", "1")]);
    h.grant_secret(&unit_owned, "demo").unwrap();
    assert_eq!(grants(&h, &unit_owned, rel), ["demo"]);

    // A secret this unit owns: over the relation to the observer's application.
    let mine = h.add_model_secret("demo/0", [("k", "v")]);
    let pg = h.add_relation("db", "pg").unwrap();
    h.grant_secret(&mine, "pg/1").unwrap();
    assert_eq!(grants(&h, &mine, pg), ["pg/1"]);
    assert!(grants(&h, &mine, rel).is_empty());
    let peers = h.add_relation("cluster", "demo").unwrap();
    h.grant_secret(&mine, "demo/1").unwrap();
    assert_eq!(grants(&h, &mine, peers), ["demo/1"]);
    assert!(h.grant_secret(&mine, "nobody").is_err());

    // A user secret: granted as `juju grant-secret`, on no relation.
    let user = h.add_user_secret([("token", "t")]);
    h.grant_secret(&user, "demo").unwrap();
    h.revoke_secret(&user, "demo").unwrap();
    assert!(grants(&h, &user, rel).is_empty());

    // Unknown secrets, and observed ones the harness did not add, are errors.
    assert!(h.grant_secret("secret:nope", "demo").is_err());
    let hand_made = Secret::new([("a", "b")]);
    let hand_made_id = hand_made.id.clone();
    h.edit_state(|s| s.secrets.push(hand_made));
    let err = h.revoke_secret(&hand_made_id, "demo").unwrap_err();
    assert!(
        err.to_string().contains("does not know who owns it"),
        "{err}"
    );
}

#[test]
fn harness_keeps_each_secrets_revisions() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    // Revisions from the test.
    let vault = h.add_model_secret("vault", [("pw", "1")]);
    assert_eq!(h.get_secret_revisions(&vault).unwrap(), [1]);
    h.set_secret_content(&vault, [("pw", "2")]).unwrap();
    h.set_secret_content(&vault, [("pw", "3")]).unwrap();
    assert_eq!(h.get_secret_revisions(&vault).unwrap(), [1, 2, 3]);
    assert_eq!(
        h.state()
            .get_secret(Some(&vault), None)
            .unwrap()
            .latest_revision,
        3
    );

    // Revisions from the charm: new content adds one, secret-remove takes one away.
    let mine = h.add_model_secret("demo/0", [("key", "v1")]);
    let model = h.model();
    let secret = model.get_secret_by_id(&mine).unwrap();
    secret.set_content([("key", "v2")]).unwrap();
    secret.set_content([("key", "v3")]).unwrap();
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 2, 3]);
    h.trigger_secret_removal(&mine, 2).unwrap();
    assert_eq!(h.output().removed_secret_revisions, [2]);
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 3]);
    secret.set_content([("key", "v4")]).unwrap();
    assert_eq!(h.get_secret_revisions(&mine).unwrap(), [1, 3, 4]);
    // Removing the whole secret removes its history.
    model.core().backend().secret_remove(&mine, None).unwrap();
    assert!(h.get_secret_revisions(&mine).is_err());

    // A secret put in the state by hand has its tracked and latest revisions.
    let hand_made = Secret::new([("a", "1")]).latest([("a", "2")]);
    let id = hand_made.id.clone();
    h.edit_state(|s| s.secrets.push(hand_made));
    assert_eq!(h.get_secret_revisions(&id).unwrap(), [1, 2]);
}

#[test]
fn harness_secret_events_carry_the_label_asked_for() {
    let mut h = Harness::<Demo>::new();
    h.begin().unwrap();
    let mine = h.add_model_secret("demo/0", [("k", "v")]);
    h.edit_state(|s| s.secrets[0].label = Some("mine".into()));
    let last_label = |h: &Harness<Demo>| {
        let out = h.output();
        let event = out.emitted_events.last().unwrap();
        event.secret.as_ref().unwrap().label.clone()
    };
    h.trigger_secret_rotation(&mine).unwrap();
    assert_eq!(last_label(&h).as_deref(), Some("mine"));
    h.trigger_secret_rotation_with_label(&mine, "other")
        .unwrap();
    assert_eq!(
        h.output().emitted_events.last().unwrap().kind,
        EventKind::SecretRotate
    );
    assert_eq!(last_label(&h).as_deref(), Some("other"));
    h.trigger_secret_expiration_with_label(&mine, 1, "exp")
        .unwrap();
    assert_eq!(last_label(&h).as_deref(), Some("exp"));
    // The secret's own label is untouched.
    assert_eq!(
        h.state()
            .get_secret(Some(&mine), None)
            .unwrap()
            .label
            .as_deref(),
        Some("mine")
    );
    // Juju never rotates or expires a user secret.
    let user = h.add_user_secret([("t", "1")]);
    let err = h.trigger_secret_rotation(&user).unwrap_err();
    assert!(err.to_string().contains("user secret"), "{err}");
    assert!(h
        .trigger_secret_expiration_with_label(&user, 1, "x")
        .is_err());
}

#[test]
fn harness_planned_units_follow_the_peers_until_set() {
    let mut h = Harness::<Demo>::new();
    let planned = |h: &Harness<Demo>| h.model().app().planned_units().unwrap();
    // As Python's Harness: this unit plus its peers, counted live.
    assert_eq!(planned(&h), 1);
    let peers = h.add_relation("cluster", "demo").unwrap();
    h.add_relation_unit(peers, "demo/1").unwrap();
    assert_eq!(planned(&h), 2);
    assert_eq!(h.state().planned_units, 2);
    // Set: fixed, whatever the peers do.
    h.set_planned_units(5);
    h.add_relation_unit(peers, "demo/2").unwrap();
    assert_eq!(planned(&h), 5);
    assert_eq!(h.state().planned_units, 5);
    // Reset: live again, as units join and leave.
    h.reset_planned_units();
    assert_eq!(planned(&h), 3);
    h.add_relation_unit(peers, "demo/3").unwrap();
    assert_eq!(planned(&h), 4);
    h.remove_relation_unit(peers, "demo/1").unwrap();
    assert_eq!(planned(&h), 3);
    assert_eq!(h.state().planned_units, 3);
    // Units of other relations do not count.
    let db = h.add_relation("db", "pg").unwrap();
    h.add_relation_unit(db, "pg/0").unwrap();
    assert_eq!(planned(&h), 3);
    // Editing the state's count sets it, as set_planned_units does; other edits do not.
    h.edit_state(|s| s.leader = true);
    h.add_relation_unit(peers, "demo/4").unwrap();
    assert_eq!(planned(&h), 4);
    h.edit_state(|s| s.planned_units = 7);
    h.add_relation_unit(peers, "demo/5").unwrap();
    assert_eq!(planned(&h), 7);
}

#[test]
fn harness_reemit_hands_deferred_events_back_to_their_handler() {
    let mut h = Harness::<Demo>::new();
    h.set_can_connect("workload", false);
    h.begin().unwrap();
    h.update_config([("mode", "defer-until-pebble")], &[])
        .unwrap();
    assert_eq!(h.state().deferred.len(), 1);
    // The deferral trap: the same event again skips the handler that deferred it.
    h.update_config([("port", 9)], &[]).unwrap();
    assert_eq!(h.charm().unwrap().seen, ["config-changed"]);
    h.set_can_connect("workload", true);
    let before = h.output().handlers.len();
    h.reemit().unwrap();
    // The handler ran (no collect-status), and nothing waits any more.
    assert_eq!(
        h.charm().unwrap().seen,
        ["config-changed", "config-changed"]
    );
    assert!(h.state().deferred.is_empty());
    assert_eq!(h.state().unit_status, Status::active("port 9"));
    let out = h.output();
    let reemitted = &out.handlers[before..];
    assert_eq!(reemitted.len(), 1);
    assert!(reemitted[0].reemitted && !reemitted[0].deferred);
    assert_eq!(reemitted[0].event.kind, EventKind::ConfigChanged);
    assert_eq!(out.emitted_events.last(), Some(&reemitted[0].event));
    drop(out);
    // Nothing deferred: reemit does nothing.
    h.reemit().unwrap();
    assert_eq!(h.charm().unwrap().seen.len(), 2);
}

#[test]
fn harness_reemit_needs_begin() {
    let mut h = Harness::<Demo>::new();
    assert!(matches!(h.reemit(), Err(RunError::Inconsistent(_))));
}
