//! `ops::testing` with a charm written with the macro DSL (`#[charm]`, `#[on]`): every
//! event factory run through `Context`, `State::from_context`, the Harness flows, and
//! `Harness::handle_exec_with` (exec handler closures), `Context::manager` and
//! `layer_from_rockcraft`.

#![cfg(feature = "testing")]
#![deny(missing_docs)]

use ops::event::*;
use ops::prelude::*;
use ops::testing::{
    layer_from_rockcraft, CheckInfo, Container, Context, Exec, ExecArgs, ExecResult, Harness,
    Notice, Relation, RelationKind, RunError, Secret, State, Storage,
};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Records every event it sees, with its payload.
#[charm(metadata = "tests/testing_macro.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Recorder {
    seen: Vec<String>,
}

#[charm]
impl Recorder {
    #[on(install)]
    #[on(start)]
    #[on(stop)]
    #[on(remove)]
    #[on(update_status)]
    #[on(upgrade_charm)]
    #[on(leader_elected)]
    #[on(leader_settings_changed)]
    #[on(pre_series_upgrade)]
    #[on(post_series_upgrade)]
    #[on(collect_metrics)]
    fn lifecycle(&mut self, _model: &Model<Self>) {
        self.seen.push("lifecycle".into());
    }

    #[on(config_changed)]
    fn config_changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let config = model.config()?;
        self.seen.push(format!(
            "config-changed port={} greeting={:?}",
            config.port, config.greeting
        ));
        Ok(())
    }

    #[on(relation_created = "db")]
    #[on(relation_created = "web")]
    #[on(relation_created = "cluster")]
    #[on(relation_created = "logs")]
    fn created(&mut self, _: &Model<Self>, e: &RelationCreated) {
        self.seen.push(format!(
            "created {}:{} app={:?}",
            e.relation.name(),
            e.relation.id(),
            e.remote_app().map(|a| a.name().to_string())
        ));
    }

    #[on(relation_joined = "db")]
    #[on(relation_joined = "web")]
    #[on(relation_joined = "cluster")]
    #[on(relation_joined = "logs")]
    fn joined(&mut self, _: &Model<Self>, e: &RelationJoined) {
        self.seen.push(format!(
            "joined {} unit={:?}",
            e.relation.name(),
            e.unit().map(|u| u.name().to_string())
        ));
    }

    #[on(relation_changed = "db")]
    #[on(relation_changed = "web")]
    #[on(relation_changed = "cluster")]
    #[on(relation_changed = "logs")]
    fn changed(&mut self, _: &Model<Self>, e: &RelationChanged) -> ops::Result<()> {
        let remote = e.relation.data(Member::RemoteApp)?;
        self.seen.push(format!(
            "changed {} unit={:?} remote-app={:?}",
            e.relation.name(),
            e.remote_unit,
            remote.get("host")
        ));
        e.relation.set(
            Member::ThisUnit,
            "seen",
            e.remote_unit.as_deref().unwrap_or("app"),
        )?;
        Ok(())
    }

    #[on(relation_departed = "db")]
    #[on(relation_departed = "web")]
    #[on(relation_departed = "cluster")]
    #[on(relation_departed = "logs")]
    fn departed(&mut self, _: &Model<Self>, e: &RelationDeparted) {
        self.seen.push(format!(
            "departed {} unit={:?} departing={:?}",
            e.relation.name(),
            e.unit().map(|u| u.name().to_string()),
            e.departing().map(|u| u.name().to_string())
        ));
    }

    #[on(relation_broken = "db")]
    #[on(relation_broken = "web")]
    #[on(relation_broken = "cluster")]
    #[on(relation_broken = "logs")]
    fn broken(&mut self, model: &Model<Self>, e: &RelationBroken) -> ops::Result<()> {
        self.seen.push(format!(
            "broken {} active={} listed={}",
            e.relation.name(),
            e.relation.active()?,
            model.relations_of(e.relation.name())?.len()
        ));
        Ok(())
    }

    #[on(storage_attached = "data")]
    fn attached(&mut self, _: &Model<Self>, e: &StorageAttached) {
        self.seen.push(format!(
            "attached {} at {}",
            e.storage.full_id(),
            e.storage.location.display()
        ));
    }

    #[on(storage_detaching = "data")]
    fn detaching(&mut self, _: &Model<Self>, e: &StorageDetaching) {
        self.seen.push(format!("detaching {}", e.storage.full_id()));
    }

    #[on(pebble_ready = "workload")]
    fn ready(&mut self, _: &Model<Self>, e: &PebbleReady) -> ops::Result<()> {
        self.seen.push(format!(
            "pebble-ready {} connect={}",
            e.workload.name(),
            e.workload.can_connect()
        ));
        Ok(())
    }

    #[on(pebble_custom_notice = "workload")]
    fn notice(&mut self, _: &Model<Self>, e: &PebbleCustomNotice) -> ops::Result<()> {
        let full = e.full_notice()?;
        self.seen.push(format!(
            "notice {} {} occurrences={} data={:?}",
            e.notice.key, e.notice.kind, full.occurrences, full.last_data
        ));
        Ok(())
    }

    #[on(pebble_check_failed = "workload")]
    fn check_failed(&mut self, _: &Model<Self>, e: &PebbleCheckFailed) -> ops::Result<()> {
        let info = e.info()?;
        self.seen.push(format!(
            "check-failed {} threshold={}",
            e.check_name, info.threshold
        ));
        Ok(())
    }

    #[on(pebble_check_recovered = "workload")]
    fn check_recovered(&mut self, _: &Model<Self>, e: &PebbleCheckRecovered) -> ops::Result<()> {
        let info = e.info()?;
        self.seen.push(format!(
            "check-recovered {} level={:?}",
            e.check_name, info.level
        ));
        Ok(())
    }

    #[on(secret_changed)]
    fn secret_changed(&mut self, _: &Model<Self>, e: &SecretChanged) -> ops::Result<()> {
        let content = e.secret.get_content(true)?;
        self.seen.push(format!(
            "secret-changed label={:?} user={:?}",
            e.secret.label(),
            content.get("user")
        ));
        Ok(())
    }

    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _: &Model<Self>, e: &SecretRotate) -> ops::Result<()> {
        e.secret.set_content([("user", "rotated")])?;
        self.seen
            .push(format!("secret-rotate label={:?}", e.secret.label()));
        Ok(())
    }

    #[on(secret_remove)]
    fn secret_remove(&mut self, _: &Model<Self>, e: &SecretRemove) -> ops::Result<()> {
        let revision = e.revision.unwrap_or_default();
        e.secret.remove_revision(revision)?;
        self.seen.push(format!("secret-remove {revision}"));
        Ok(())
    }

    #[on(secret_expired)]
    fn secret_expired(&mut self, _: &Model<Self>, e: &SecretExpired) -> ops::Result<()> {
        let revision = e.revision.unwrap_or_default();
        e.secret.remove_revision(revision)?;
        self.seen.push(format!("secret-expired {revision}"));
        Ok(())
    }

    #[on(action = "run-cmd")]
    fn run_cmd(
        &mut self,
        model: &Model<Self>,
        action: &mut Action<RunCmdParams>,
    ) -> ops::Result<()> {
        let params = &action.params;
        let mut exec = model.containers().workload().exec(&params.cmd);
        if let Some(service) = &params.service {
            exec = exec.service_context(service);
        }
        if let Some(input) = &params.input {
            exec = exec.stdin(input.as_bytes().to_vec());
        }
        if let Some(secs) = params.timeout {
            exec = exec.timeout(Duration::from_secs_f64(secs));
        }
        if params.combine == Some(true) {
            exec = exec.combine_stderr();
        }
        let (code, stdout, stderr) = match exec.run() {
            Ok(out) => (out.exit_code, out.stdout, out.stderr),
            Err(ops::pebble::Error::Exec(e)) => (
                e.exit_code,
                e.stdout.clone().unwrap_or_default(),
                e.stderr.clone().unwrap_or_default(),
            ),
            Err(e) => return Err(e.into()),
        };
        action.set_results(json!({
            "exit-code": code,
            "stdout": String::from_utf8_lossy(&stdout),
            "stderr": String::from_utf8_lossy(&stderr),
        }))?;
        self.seen.push(format!("run-cmd {:?}", params.cmd));
        Ok(())
    }

    #[on(collect_unit_status)]
    fn unit_status(&self, model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        status.add(Status::active(format!("port {}", model.config()?.port)));
        Ok(())
    }

    #[on(collect_app_status)]
    fn app_status(&self, _: &Model<Self>, status: &mut StatusCollector) {
        status.add(Status::active("leading"));
    }
}

fn seen(state: &State) -> Vec<String> {
    state.get_stored::<Recorder>().unwrap().seen
}

fn ctx() -> Context<Recorder> {
    Context::new()
}

#[test]
fn every_lifecycle_factory_reaches_the_macro_charm() {
    let mut ctx = ctx();
    let on = ctx.on.clone();
    let state = State::new().leader(true);
    for (event, hook) in [
        (on.install(), "install"),
        (on.start(), "start"),
        (on.stop(), "stop"),
        (on.remove(), "remove"),
        (on.update_status(), "update-status"),
        (on.upgrade_charm(), "upgrade-charm"),
        (on.leader_elected(), "leader-elected"),
        (on.leader_settings_changed(), "leader-settings-changed"),
        (on.pre_series_upgrade(), "pre-series-upgrade"),
        (on.post_series_upgrade(), "post-series-upgrade"),
        (on.collect_metrics(), "collect-metrics"),
    ] {
        assert_eq!(event.hook_name(), hook);
        let out = ctx.run(event, &state).unwrap();
        assert_eq!(seen(&out), ["lifecycle"], "{hook}");
        if hook == "collect-metrics" {
            // Restricted: no collect-status.
            assert_eq!(out.unit_status, Status::unknown());
        } else {
            assert_eq!(out.unit_status, Status::active("port 8080"), "{hook}");
            assert_eq!(out.app_status, Status::active("leading"), "{hook}");
        }
    }
    let out = ctx
        .run(on.config_changed(), &State::new().config("greeting", "hi"))
        .unwrap();
    assert_eq!(
        seen(&out),
        ["config-changed port=8080 greeting=Some(\"hi\")"]
    );
    // Not the leader: no app status collected.
    assert_eq!(out.app_status, Status::unknown());

    // The collect-status factories run only their own handlers' kind.
    let out = ctx.run(on.collect_unit_status(), &state).unwrap();
    assert!(seen(&out).is_empty());
    assert_eq!(out.unit_status, Status::active("port 8080"));
    let out = ctx.run(on.collect_app_status(), &state).unwrap();
    assert_eq!(out.app_status, Status::active("leading"));
}

#[test]
fn every_relation_factory_reaches_the_macro_charm() {
    let mut ctx = ctx();
    let on = ctx.on.clone();
    let db = Relation::new("db")
        .remote_app_name("pg")
        .remote_app_data([("host", "pg.local")])
        .remote_unit(1, [("address", "10.0.0.2")]);
    let peers = Relation::peer("cluster").peer_unit(2, [("k", "v")]);
    let logs = Relation::subordinate("logs").remote_app_name("loki");
    let web = Relation::new("web")
        .remote_app_name("site")
        .no_remote_units();
    let state = State::new()
        .relation(db.clone())
        .relation(peers.clone())
        .relation(logs.clone())
        .relation(web.clone());

    let run = |ctx: &mut Context<Recorder>, event| {
        let out = ctx.run(event, &state).unwrap();
        (seen(&out), out)
    };
    let (s, _) = run(&mut ctx, on.relation_created(&db));
    assert_eq!(s, [format!("created db:{} app=Some(\"pg\")", db.id)]);
    let (s, _) = run(&mut ctx, on.relation_joined(&db));
    assert_eq!(s, ["joined db unit=Some(\"pg/0\")"]);
    let (s, _) = run(&mut ctx, on.relation_joined(&db).remote_unit(1));
    assert_eq!(s, ["joined db unit=Some(\"pg/1\")"]);
    let (s, out) = run(&mut ctx, on.relation_changed(&db).remote_unit(1));
    assert_eq!(
        s,
        ["changed db unit=Some(\"pg/1\") remote-app=Some(\"pg.local\")"]
    );
    assert_eq!(
        out.get_relation(db.id).unwrap().local_unit_data.get("seen"),
        Some(&"pg/1".to_string())
    );
    let (s, out) = run(&mut ctx, on.relation_changed_app(&db));
    assert_eq!(s, ["changed db unit=None remote-app=Some(\"pg.local\")"]);
    assert_eq!(
        out.get_relation(db.id).unwrap().local_unit_data.get("seen"),
        Some(&"app".to_string())
    );
    let (s, _) = run(
        &mut ctx,
        on.relation_departed(&db).remote_unit(1).departing_unit(1),
    );
    assert_eq!(
        s,
        ["departed db unit=Some(\"pg/1\") departing=Some(\"pg/1\")"]
    );
    // This unit is the one leaving.
    let (s, _) = run(
        &mut ctx,
        on.relation_departed(&db).departing_unit_name("recorder/0"),
    );
    assert_eq!(
        s,
        ["departed db unit=Some(\"pg/0\") departing=Some(\"recorder/0\")"]
    );
    let (s, _) = run(&mut ctx, on.relation_broken(&db));
    assert_eq!(s, ["broken db active=false listed=0"]);

    // Peers: the remote application is this one.
    let (s, _) = run(&mut ctx, on.relation_changed(&peers));
    assert_eq!(
        s,
        ["changed cluster unit=Some(\"recorder/2\") remote-app=None"]
    );
    // Subordinate: one remote unit.
    let (s, _) = run(&mut ctx, on.relation_joined(&logs));
    assert_eq!(s, ["joined logs unit=Some(\"loki/0\")"]);
    // A relation without units: created and broken carry no unit.
    let (s, _) = run(&mut ctx, on.relation_created(&web));
    assert_eq!(s, [format!("created web:{} app=Some(\"site\")", web.id)]);
    let (s, _) = run(&mut ctx, on.relation_broken(&web));
    assert_eq!(s, ["broken web active=false listed=0"]);
}

#[test]
fn storage_workload_secret_and_action_factories_reach_the_macro_charm() {
    let mut ctx = ctx();
    let on = ctx.on.clone();
    let data = Storage::new("data").index(2);
    let notice = Notice::new("example.com/thing").data([("a", "b")]);
    let check = CheckInfo::new("http");
    let checks = ops::pebble::Layer::from_yaml(
        "checks:\n  http:\n    override: replace\n    http:\n      url: http://localhost/\n",
    )
    .unwrap();
    let workload = Container::new("workload")
        .can_connect(true)
        .layer("checks", checks)
        .notice(notice.clone())
        .check_info(check.clone())
        .exec(Exec::new(["echo"]).stdout("hello\n"));
    let observed = Secret::new([("user", "old")])
        .latest([("user", "new")])
        .label("db-creds");
    let owned = Secret::new([("user", "a")])
        .owned_by_app()
        .label("mine")
        .latest([("user", "b")]);
    let state = State::new()
        .leader(true)
        .storage(data.clone())
        .container(workload.clone())
        .secret(observed.clone())
        .secret(owned.clone());

    let out = ctx.run(on.storage_attached(&data), &state).unwrap();
    assert_eq!(seen(&out), ["attached data/2 at /srv/data"]);
    let out = ctx.run(on.storage_detaching(&data), &state).unwrap();
    assert_eq!(seen(&out), ["detaching data/2"]);

    let out = ctx.run(on.pebble_ready(&workload), &state).unwrap();
    assert_eq!(seen(&out), ["pebble-ready workload connect=true"]);
    let out = ctx
        .run(on.pebble_custom_notice(&workload, &notice), &state)
        .unwrap();
    assert_eq!(
        seen(&out),
        ["notice example.com/thing custom occurrences=1 data={\"a\": \"b\"}"]
    );
    let out = ctx
        .run(on.pebble_check_failed(&workload, &check), &state)
        .unwrap();
    assert_eq!(seen(&out), ["check-failed http threshold=3"]);
    let out = ctx
        .run(on.pebble_check_recovered(&workload, &check), &state)
        .unwrap();
    assert_eq!(seen(&out), ["check-recovered http level=None"]);

    let out = ctx.run(on.secret_changed(&observed), &state).unwrap();
    assert_eq!(
        seen(&out),
        ["secret-changed label=Some(\"db-creds\") user=Some(\"new\")"]
    );
    let after = out.get_secret(Some(&observed.id), None).unwrap();
    assert_eq!(after.tracked_revision, 2, "--refresh tracks the latest");

    let out = ctx.run(on.secret_rotate(&owned), &state).unwrap();
    assert_eq!(seen(&out), ["secret-rotate label=Some(\"mine\")"]);
    let after = out.get_secret(Some(&owned.id), None).unwrap();
    assert_eq!(after.latest_revision, 3);
    assert_eq!(
        after.latest_content.get("user").map(String::as_str),
        Some("rotated")
    );

    // Removing an old revision is fine; the tracked one is refused.
    let old = owned.clone().latest([("user", "c")]);
    let state3 = State::new().leader(true).secret(
        Secret {
            tracked_revision: 2,
            latest_revision: 3,
            ..old
        }
        .clone(),
    );
    let out = ctx.run(on.secret_remove(&owned, 1), &state3).unwrap();
    assert_eq!(seen(&out), ["secret-remove 1"]);
    assert_eq!(ctx.removed_secret_revisions(), [1]);
    let out = ctx.run(on.secret_expired(&owned, 1), &state3).unwrap();
    assert_eq!(seen(&out), ["secret-expired 1"]);
    let err = ctx.run(on.secret_remove(&owned, 2), &state3).unwrap_err();
    assert!(err.to_string().contains("tracked or latest"), "{err}");

    let out = ctx
        .run(
            on.action("run-cmd").param("cmd", json!(["echo", "hi"])),
            &state,
        )
        .unwrap();
    assert_eq!(seen(&out), ["run-cmd [\"echo\", \"hi\"]"]);
    assert_eq!(
        ctx.action_results_json(),
        Some(json!({"exit-code": "0", "stdout": "hello\n", "stderr": ""}))
    );
    assert_eq!(ctx.exec_history()["workload"][0].command, ["echo", "hi"]);
}

#[test]
fn state_from_context_fills_in_what_the_metadata_declares() {
    let ctx = ctx();
    let state = State::from_context(&ctx);
    assert_eq!(state.config.get("port"), Some(&json!(8080)));
    assert!(!state.config.contains_key("greeting"), "no default");
    let kinds: Vec<(&str, RelationKind, Option<&str>)> = state
        .relations
        .iter()
        .map(|r| (r.endpoint.as_str(), r.kind, r.interface.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("db", RelationKind::Regular, Some("pg")),
            ("logs", RelationKind::Subordinate, Some("loki")),
            ("web", RelationKind::Regular, Some("http")),
            ("cluster", RelationKind::Peer, Some("recorder_peers")),
        ]
    );
    assert!(state.get_container("workload").unwrap().can_connect);
    assert_eq!(state.storages.len(), 1);
    assert_eq!(state.storages[0].name, "data");

    // What the state already has wins; the rest is filled in.
    let mine = Relation::new("db").remote_app_name("pg");
    let state = State::new()
        .config("port", 9000)
        .relation(mine.clone())
        .container(Container::new("workload"))
        .fill_from_context(&ctx);
    assert_eq!(state.config.get("port"), Some(&json!(9000)));
    assert_eq!(state.get_relations("db").count(), 1);
    assert_eq!(state.get_relations("db").next().unwrap().id, mine.id);
    assert_eq!(state.relations.len(), 4);
    assert!(!state.get_container("workload").unwrap().can_connect);

    // A state built this way is consistent and runs.
    let mut ctx = ctx;
    let state = State::from_context(&ctx);
    let db = state.get_relations("db").next().unwrap().clone();
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    assert_eq!(
        seen(&out),
        ["changed db unit=Some(\"remote/0\") remote-app=None"]
    );
}

// ---------------------------------------------------------------- Harness

#[test]
fn harness_drives_the_macro_charm_through_a_relation_lifecycle() {
    let mut h = Harness::<Recorder>::new();
    h.set_leader(true).unwrap(); // not begun: no event
    h.begin().unwrap();
    let db = h
        .add_relation_with_data(
            "db",
            "pg",
            Some([("host".to_string(), "pg.local".to_string())].into()),
            Some([("address".to_string(), "10.0.0.9".to_string())].into()),
        )
        .unwrap();
    h.remove_relation(db).unwrap();
    assert_eq!(
        h.charm().unwrap().seen,
        [
            format!("created db:{db} app=Some(\"pg\")"),
            "joined db unit=Some(\"pg/0\")".to_string(),
            "changed db unit=None remote-app=Some(\"pg.local\")".to_string(),
            "changed db unit=Some(\"pg/0\") remote-app=Some(\"pg.local\")".to_string(),
            "departed db unit=Some(\"pg/0\") departing=Some(\"pg/0\")".to_string(),
            "broken db active=false listed=0".to_string(),
        ]
    );
    // Without data, only relation-created.
    let web = h.add_relation_with_data("web", "site", None, None).unwrap();
    assert_eq!(
        h.charm().unwrap().seen.last().unwrap(),
        &format!("created web:{web} app=Some(\"site\")")
    );
}

#[test]
fn harness_storage_notices_resources_and_model_info() {
    let mut h = Harness::<Recorder>::new();
    h.begin().unwrap();
    let ids = h.add_storage("data", 1, true).unwrap();
    assert_eq!(ids, ["data/0"]);
    h.detach_storage("data/0").unwrap();
    assert!(h.state().storages.is_empty());
    h.attach_storage("data/0").unwrap();
    assert_eq!(h.state().storages.len(), 1);
    h.remove_storage("data/0").unwrap();
    assert!(h.state().storages.is_empty());
    assert!(h.attach_storage("data/0").is_err(), "removed for good");
    assert!(h.remove_storage("data/9").is_err());

    h.set_can_connect("workload", true);
    let id = h
        .pebble_notify("workload", "example.com/a", [("n", "1")])
        .unwrap();
    let again = h
        .pebble_notify("workload", "example.com/a", [("n", "2")])
        .unwrap();
    assert_eq!(id, again, "the same key occurs again");

    assert_eq!(
        h.charm().unwrap().seen,
        [
            "attached data/0 at /srv/data",
            "detaching data/0",
            "attached data/0 at /srv/data",
            "detaching data/0",
            "notice example.com/a custom occurrences=1 data={\"n\": \"1\"}",
            "notice example.com/a custom occurrences=2 data={\"n\": \"2\"}",
        ]
    );

    h.add_resource("config-file", "key: value\n").unwrap();
    let path = h
        .model()
        .resource_path("config-file")
        .expect("resource-get answers the file");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "key: value\n");
    // oci-image resources: the YAML Juju hands the charm, defaults as Python's.
    assert!(
        h.add_oci_resource("config-file", None).is_err(),
        "a file resource"
    );
    assert!(h.add_oci_resource("nope", None).is_err(), "not declared");
    h.populate_oci_resources().unwrap();
    let image = h.model().resource_path("workload-image").unwrap();
    assert_eq!(
        std::fs::read_to_string(&image).unwrap(),
        "password: password\nregistrypath: registrypath\nusername: username\n"
    );
    let custom =
        std::collections::BTreeMap::from([("registrypath".to_string(), "ghcr.io/x:1".to_string())]);
    h.add_oci_resource("workload-image", Some(&custom)).unwrap();
    let image = h.model().resource_path("workload-image").unwrap();
    assert_eq!(
        std::fs::read_to_string(&image).unwrap(),
        "registrypath: ghcr.io/x:1\n"
    );

    h.set_model_info("prod", "11111111-2222-4333-8444-555555555555");
    let model = h.model();
    assert_eq!(model.name(), "prod");
    assert_eq!(model.uuid(), "11111111-2222-4333-8444-555555555555");

    h.set_planned_units(5);
    assert_eq!(h.model().app().planned_units().unwrap(), 5);
    h.edit_state(|s| {
        s.relations.push(
            Relation::peer("cluster")
                .peer_unit(1, [("a", "b")])
                .peer_unit(2, [("a", "b")]),
        )
    });
    h.reset_planned_units();
    assert_eq!(h.model().app().planned_units().unwrap(), 3);

    assert_eq!(h.reboot_count(), 0);
    drop(h);
    assert!(!path.exists(), "resource files go with the harness");
}

#[test]
fn harness_hooks_disabled_in_a_scope() {
    let mut h = Harness::<Recorder>::new();
    h.begin().unwrap();
    h.with_hooks_disabled(|h| h.update_config([("greeting", "quiet")], &[]))
        .unwrap();
    assert!(h.charm().unwrap().seen.is_empty());
    assert_eq!(h.state().config.get("greeting"), Some(&json!("quiet")));
    h.update_config([("greeting", "loud")], &[]).unwrap();
    assert_eq!(
        h.charm().unwrap().seen,
        ["config-changed port=8080 greeting=Some(\"loud\")"]
    );
}

// ---------------------------------------------------------------- handle_exec

fn run_cmd(
    h: &mut Harness<Recorder>,
    params: serde_json::Value,
) -> Result<serde_json::Value, RunError> {
    let out = h.run_action("run-cmd", params.as_object().unwrap().clone())?;
    Ok(json!({
        "exit-code": out.results["exit-code"],
        "stdout": out.results["stdout"],
        "stderr": out.results["stderr"],
    }))
}

#[test]
fn handle_exec_handler_gets_the_args_and_answers() {
    let mut h = Harness::<Recorder>::new();
    h.set_can_connect("workload", true);
    h.begin().unwrap();
    let calls: Rc<RefCell<Vec<ExecArgs>>> = Rc::default();
    let record = Rc::clone(&calls);
    h.handle_exec_with("workload", ["rev"], move |args: &ExecArgs| {
        record.borrow_mut().push(args.clone());
        let reversed: String = String::from_utf8_lossy(&args.stdin).chars().rev().collect();
        ExecResult::new().stdout(reversed).stderr("done\n")
    });
    let out = run_cmd(
        &mut h,
        json!({"cmd": ["rev"], "input": "abc", "timeout": 2.5}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"exit-code": "0", "stdout": "cba", "stderr": "done\n"})
    );
    let args = calls.borrow()[0].clone();
    assert_eq!(args.command, ["rev"]);
    assert_eq!(args.stdin, b"abc");
    assert_eq!(args.timeout, Some(Duration::from_millis(2500)));
    assert!(!args.combine_stderr);
    assert_eq!(h.output().exec_history["workload"], [args]);

    // Results convert from an exit code, from stdout text, from ().
    h.handle_exec_with("workload", ["false"], |_: &ExecArgs| 3);
    h.handle_exec_with("workload", ["ls"], |_: &ExecArgs| "a\nb\n");
    h.handle_exec_with("workload", ["true"], |_: &ExecArgs| {});
    assert_eq!(
        run_cmd(&mut h, json!({"cmd": ["false"]})).unwrap()["exit-code"],
        "3"
    );
    assert_eq!(
        run_cmd(&mut h, json!({"cmd": ["ls", "/"]})).unwrap()["stdout"],
        "a\nb\n"
    );
    assert_eq!(
        run_cmd(&mut h, json!({"cmd": ["true"]})).unwrap(),
        json!({"exit-code": "0", "stdout": "", "stderr": ""})
    );
}

#[test]
fn handle_exec_longest_prefix_wins_and_reregistering_replaces() {
    let mut h = Harness::<Recorder>::new();
    h.set_can_connect("workload", true);
    h.begin().unwrap();
    h.handle_exec_with("workload", Vec::<String>::new(), |a: &ExecArgs| {
        format!("any {}", a.command.join(" "))
    });
    h.handle_exec_with("workload", ["git"], |_: &ExecArgs| "git");
    h.handle_exec("workload", Exec::new(["git", "log"]).stdout("canned log"));
    let stdout = |h: &mut Harness<Recorder>, cmd: &[&str]| {
        run_cmd(h, json!({ "cmd": cmd })).unwrap()["stdout"].clone()
    };
    assert_eq!(stdout(&mut h, &["ls"]), "any ls");
    assert_eq!(stdout(&mut h, &["git", "status"]), "git");
    assert_eq!(stdout(&mut h, &["git", "log", "-1"]), "canned log");
    // A handler for the canned result's prefix replaces it, and the other way round.
    h.handle_exec_with("workload", ["git", "log"], |_: &ExecArgs| "handled log");
    assert_eq!(stdout(&mut h, &["git", "log"]), "handled log");
    assert_eq!(h.state().get_container("workload").unwrap().execs.len(), 0);
    h.handle_exec("workload", Exec::new(["git"]).stdout("canned git"));
    assert_eq!(stdout(&mut h, &["git", "status"]), "canned git");
    assert_eq!(stdout(&mut h, &["git", "log"]), "handled log");
}

#[test]
fn handle_exec_service_context_timeouts_and_combined_stderr() {
    let mut h = Harness::<Recorder>::new();
    h.set_can_connect("workload", true);
    h.begin().unwrap();
    let layer = ops::pebble::Layer::from_yaml(
        "services:\n  web:\n    override: replace\n    command: serve\n    \
         working-dir: /srv\n    user: www\n    environment:\n      A: from-service\n      \
         B: from-service\n",
    )
    .unwrap();
    h.edit_state(|s| {
        let c = s
            .containers
            .iter_mut()
            .find(|c| c.name == "workload")
            .unwrap();
        c.layers.push(("base".into(), layer));
    });
    let seen: Rc<RefCell<Option<ExecArgs>>> = Rc::default();
    let record = Rc::clone(&seen);
    h.handle_exec_with("workload", ["env"], move |a: &ExecArgs| {
        *record.borrow_mut() = Some(a.clone());
        ExecResult::new()
    });
    run_cmd(&mut h, json!({"cmd": ["env"], "service": "web"})).unwrap();
    let args = seen.borrow().clone().unwrap();
    assert_eq!(args.service_context.as_deref(), Some("web"));
    assert_eq!(args.working_dir.as_deref(), Some("/srv"));
    assert_eq!(args.user.as_deref(), Some("www"));
    assert_eq!(args.environment["A"], "from-service");
    // An unknown service context is Pebble's error, before any handler runs.
    *seen.borrow_mut() = None;
    let err = run_cmd(&mut h, json!({"cmd": ["env"], "service": "nope"})).unwrap_err();
    assert!(err.to_string().contains("\"nope\" does not exist"), "{err}");
    assert!(seen.borrow().is_none());

    // A handler timing out: Pebble's timeout error when the command has a timeout.
    h.handle_exec_with("workload", ["sleep"], |_: &ExecArgs| ExecResult::timeout());
    let err = run_cmd(&mut h, json!({"cmd": ["sleep", "9"], "timeout": 1.0})).unwrap_err();
    assert!(err.to_string().contains("timed out after 1s"), "{err}");
    let err = run_cmd(&mut h, json!({"cmd": ["sleep", "9"]})).unwrap_err();
    assert!(err.to_string().contains("has no timeout"), "{err}");

    // Stderr from a handler for a command that combines it into stdout is a test error
    // (the handler must weave it into stdout), as in Python's Harness.
    h.handle_exec_with("workload", ["warn"], |_: &ExecArgs| {
        ExecResult::new().stderr("w")
    });
    let err = run_cmd(&mut h, json!({"cmd": ["warn"], "combine": true})).unwrap_err();
    assert!(err.to_string().contains("put it in stdout"), "{err}");
    h.handle_exec_with("workload", ["warn"], |_: &ExecArgs| "out+err");
    assert_eq!(
        run_cmd(&mut h, json!({"cmd": ["warn"], "combine": true})).unwrap()["stdout"],
        "out+err"
    );

    // Not connectable: Pebble's connection error, the handler never runs.
    h.set_can_connect("workload", false);
    let err = run_cmd(&mut h, json!({"cmd": ["env"]})).unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

// ------------------------------------------- the end-to-end relations charm, in memory

#[path = "../examples/e2e_relations.rs"]
#[allow(dead_code)]
mod e2e_relations;

use e2e_relations::{DatabaseRequest, WebApp};

#[test]
fn the_e2e_relations_charm_gives_the_same_databags_in_memory() {
    let mut ctx = Context::<WebApp>::new();
    let db = Relation::new("database")
        .remote_app_name("postgresql")
        .remote_app_data([
            ("endpoints", "\"pg.local:5432\""),
            ("secret-user", "\"secret:cu1\""),
        ]);
    let creds = Secret::new([("username", "webapp_user"), ("password", "pw")]).id("secret:cu1");
    let state = State::new().leader(true).relation(db.clone()).secret(creds);

    // joined: the typed request in the application databag (the unset optional field
    // deleted), this unit's address and the joining unit in its own.
    let out = ctx.run(ctx.on.relation_joined(&db), &state).unwrap();
    let rel = out.get_relation(db.id).unwrap();
    assert_eq!(
        rel.local_app_data,
        [("database".to_string(), "\"webapp\"".to_string())].into()
    );
    assert_eq!(
        rel.local_unit_data["ingress-address"],
        "webapp-0.webapp.local"
    );
    assert_eq!(rel.local_unit_data["joined-by"], "postgresql/0");
    let request: DatabaseRequest = serde_json::from_str(&format!(
        "{{\"database\": {}}}",
        rel.local_app_data["database"]
    ))
    .unwrap();
    assert_eq!(request.database, "webapp");

    // changed: the offer is loaded, the user read from the offered secret.
    let out = ctx.run(ctx.on.relation_changed(&db), &out).unwrap();
    assert_eq!(out.unit_status, Status::active("database at pg.local:5432"));
    assert_eq!(
        out.get_relation(db.id).unwrap().local_unit_data["ready"],
        "true"
    );
    let charm = out.get_stored::<serde_json::Value>().unwrap();
    assert_eq!(charm["database_user"], "webapp_user");

    // website joined as leader: an application secret, granted to the remote app.
    let web = Relation::new("website").remote_app_name("site");
    let state = State::new().leader(true).relation(web.clone());
    let out = ctx.run(ctx.on.relation_joined(&web), &state).unwrap();
    let secret = out
        .get_secret(None, Some(&format!("website-{}", web.id)))
        .unwrap();
    assert_eq!(secret.owner, Some(ops::testing::SecretOwner::Application));
    assert_eq!(secret.latest_content["password"], format!("pw-{}", web.id));
    assert_eq!(secret.remote_grants[&web.id], ["site".to_string()].into());
    let rel = out.get_relation(web.id).unwrap();
    assert_eq!(rel.local_app_data["secret-id"], secret.id);
    assert_eq!(rel.local_app_data["url"], "http://webapp.local/");

    // The same join on a non-leader fails the hook with the access message; nothing
    // is committed.
    let err = ctx
        .run(ctx.on.relation_joined(&web), &state.clone().leader(false))
        .unwrap_err();
    let RunError::Charm { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        message,
        &format!(
            "relation data access denied: webapp/0 is not leader and cannot write \
             application data in relation website:{}",
            web.id
        )
    );
}

#[test]
fn manager_on_a_rock_layer() {
    // The workload's layer comes from the rock's own rockcraft.yaml.
    let dir = std::env::temp_dir().join(format!("ops-testing-macro-rock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rockcraft.yaml");
    std::fs::write(
        &path,
        "name: web\nsummary: The web rock\nbase: bare\nservices:\n  web:\n    \
         override: replace\n    command: serve --port 8080\n    startup: enabled\n\
         parts:\n  web:\n    plugin: nil\n",
    )
    .unwrap();
    let rock = layer_from_rockcraft(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let workload = Container::new("workload")
        .can_connect(true)
        .layer("rock", rock);
    let state = State::new()
        .config("port", 9000)
        .container(workload.clone());

    let mut ctx = ctx();
    let mut mgr = ctx.manager(ctx.on.pebble_ready(&workload), &state).unwrap();
    // Before the event: the charm as restored, the model as the handler will see it.
    assert!(mgr.charm().seen.is_empty());
    assert_eq!(mgr.model().config().unwrap().port, 9000);
    let plan = mgr
        .model()
        .container("workload")
        .unwrap()
        .get_plan()
        .unwrap();
    assert_eq!(plan.services["web"].command, "serve --port 8080");
    mgr.charm_mut().seen.push("set up by the test".into());

    let done = mgr.run().unwrap();
    assert_eq!(
        done.charm().seen,
        ["set up by the test", "pebble-ready workload connect=true"]
    );
    assert_eq!(seen(done.state()), done.charm().seen);
    assert_eq!(done.state().unit_status, Status::active("port 9000"));
}
