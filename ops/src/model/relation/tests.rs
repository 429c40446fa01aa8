use super::super::testbed::{core, core_with, Fake};
use super::Member;
use crate::error::ModelError;
use crate::model::ModelCore;
use serde::{Deserialize, Serialize};

fn related(leader: bool) -> (Fake, ModelCore) {
    let (fake, model) = core();
    fake.state().leader = leader;
    fake.relate("db", 3, &["pg/0", "pg/1"]);
    fake.relate("cluster", 7, &["web/1"]);
    (fake, model)
}

fn is_access(err: ModelError) -> bool {
    matches!(err, ModelError::RelationDataAccess(_))
}

#[test]
fn relations_of_lists_ids_once_per_hook() {
    let (fake, model) = related(false);
    let ids: Vec<u64> = model
        .relations_of("db")
        .unwrap()
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(ids, vec![3]);
    model.relations_of("db").unwrap();
    assert_eq!(fake.calls(), vec!["relation-ids db"]);
    assert!(model.relations_of("website").unwrap().is_empty());
}

#[test]
fn relation_one_and_too_many() {
    let (fake, model) = related(false);
    assert_eq!(model.relation_one("db").unwrap().unwrap().id(), 3);
    assert!(model.relation_one("logging").unwrap().is_none());
    fake.relate("website", 4, &[]);
    fake.relate("website", 5, &[]);
    assert!(matches!(
        model.relation_one("website"),
        Err(ModelError::TooManyRelatedApps { count: 2, .. })
    ));
    fake.fail("relation-ids");
    assert!(matches!(
        model.relations_of("cluster"),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn get_relation_by_id_and_unknown_ids_are_inactive() {
    let (_fake, model) = related(false);
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert!(rel.active().unwrap());
    let unknown = model.get_relation("db", Some(99)).unwrap().unwrap();
    assert!(!unknown.active().unwrap());
    assert_eq!(model.get_relation("db", None).unwrap().unwrap().id(), 3);
    assert!(matches!(
        model.get_relation("nope", None),
        Err(ModelError::Invalid { .. })
    ));
    let all = model.all_relations().unwrap();
    assert_eq!(all["db"].len(), 1);
    assert_eq!(all["cluster"].len(), 1);
    assert!(all["logging"].is_empty());
}

#[test]
fn broken_relation_is_inactive_and_hidden() {
    let (fake, model) = core_with(|ctx| {
        ctx.hook_name = "db-relation-broken".into();
        ctx.relation_name = Some("db".into());
        ctx.relation_id = Some(3);
    });
    fake.relate("db", 3, &[]);
    fake.relate("db", 4, &["other/0"]);
    let ids: Vec<u64> = model
        .relations_of("db")
        .unwrap()
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(ids, vec![4]);
    assert_eq!(model.broken_relation_id(), Some(3));
    let broken = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert!(!broken.active().unwrap());
    assert!(model
        .get_relation("db", Some(4))
        .unwrap()
        .unwrap()
        .active()
        .unwrap());
}

#[test]
fn gone_relation_is_inactive_and_reads_empty() {
    let (fake, model) = related(true);
    fake.remove_relation(3);
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert!(!rel.active().unwrap());
    assert!(rel.units().unwrap().is_empty());
    assert!(rel.data(Member::Unit("pg/0")).unwrap().is_empty());
    assert!(rel.remote_app().unwrap().is_none());
}

#[test]
fn remote_app_from_units_without_more_calls() {
    let (fake, model) = related(false);
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert_eq!(rel.remote_app().unwrap().unwrap().name(), "pg");
    let units: Vec<String> = rel
        .units()
        .unwrap()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    assert_eq!(units, vec!["pg/0", "pg/1"]);
    rel.remote_app().unwrap();
    assert_eq!(fake.calls_of("relation-list"), 1);
}

#[test]
fn remote_app_from_the_context_then_relation_list_app() {
    let (fake, model) = core_with(|ctx| {
        ctx.relation_id = Some(3);
        ctx.remote_app = Some("pg".into());
    });
    fake.relate("db", 3, &[]);
    fake.relate("db", 5, &[]);
    fake.relation(5).remote_app_name = "redis".into();
    let rel3 = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert_eq!(rel3.remote_app().unwrap().unwrap().name(), "pg");
    assert_eq!(fake.calls(), vec!["relation-list 3"]);
    let rel5 = model.get_relation("db", Some(5)).unwrap().unwrap();
    assert_eq!(rel5.remote_app().unwrap().unwrap().name(), "redis");
    assert!(fake.calls().contains(&"relation-list 5 --app".to_string()));
}

#[test]
fn peer_remote_app_is_this_app() {
    let (fake, model) = related(false);
    let peers = model.relation_one("cluster").unwrap().unwrap();
    assert!(peers.is_peer());
    assert_eq!(peers.remote_app().unwrap().unwrap(), model.app());
    assert_eq!(fake.calls(), vec!["relation-ids cluster"]);
}

#[test]
fn subordinate_relation_lists_the_principal() {
    let (fake, model) = core();
    fake.relate("logging", 9, &["principal/2"]);
    let rel = model.relation_one("logging").unwrap().unwrap();
    assert_eq!(rel.units().unwrap()[0].name(), "principal/2");
    assert_eq!(rel.remote_app().unwrap().unwrap().name(), "principal");
    assert_eq!(
        rel.meta().unwrap().scope,
        crate::meta::RelationScope::Container
    );
}

#[test]
fn one_relation_get_per_databag_per_hook() {
    let (fake, model) = related(false);
    fake.set_bag(3, "pg/0", &[("host", "10.0.0.1")]);
    fake.set_bag(3, "pg", &[("version", "16")]);
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    assert_eq!(
        rel.get(Member::Unit("pg/0"), "host").unwrap().as_deref(),
        Some("10.0.0.1")
    );
    assert_eq!(rel.data(Member::Unit("pg/0")).unwrap().len(), 1);
    assert_eq!(
        rel.get(Member::RemoteApp, "version").unwrap().as_deref(),
        Some("16")
    );
    assert_eq!(
        rel.get(&model.get_app("pg"), "version").unwrap().as_deref(),
        Some("16")
    );
    // Another handle on the same relation shares the cache.
    let again = model.relation_one("db").unwrap().unwrap();
    again.data(&model.get_unit("pg/0")).unwrap();
    assert_eq!(fake.calls_of("relation-get"), 2);
    assert!(fake.calls().contains(&"relation-get 3 pg/0".to_string()));
    assert!(fake
        .calls()
        .contains(&"relation-get 3 --app pg".to_string()));
}

#[test]
fn writes_are_batched_into_one_relation_set_per_databag() {
    let (fake, model) = related(true);
    fake.set_bag(3, "web/0", &[("keep", "1"), ("gone", "x")]);
    let rel = model.relation_one("db").unwrap().unwrap();
    rel.set(Member::ThisUnit, "a", "1").unwrap();
    rel.set(Member::ThisUnit, "b", "2").unwrap();
    rel.remove(Member::ThisUnit, "gone").unwrap();
    rel.set(Member::ThisUnit, "keep", "1").unwrap();
    rel.update(Member::ThisApp, [("x", "y"), ("z", "w")])
        .unwrap();
    rel.set(&model.app(), "x", "y2").unwrap();
    assert_eq!(
        fake.calls_of("relation-set"),
        0,
        "nothing sent before the flush"
    );
    assert!(model.has_pending_relation_writes());
    // Reads see the unsent writes.
    let mine = rel.data(Member::ThisUnit).unwrap();
    assert_eq!(mine.get("a").map(String::as_str), Some("1"));
    assert!(!mine.contains_key("gone"));
    model.flush_relation_writes().unwrap();
    let sets: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("relation-set"))
        .collect();
    assert_eq!(
        sets,
        vec![
            "relation-set 3 --app x=y2,z=w",
            "relation-set 3 a=1,b=2,gone="
        ]
    );
    assert!(!model.has_pending_relation_writes());
    model.flush_relation_writes().unwrap();
    assert_eq!(fake.calls_of("relation-set"), 2);
    assert_eq!(fake.bag(3, "web/0").get("a").map(String::as_str), Some("1"));
    // The cache follows the write: no new relation-get.
    let gets = fake.calls_of("relation-get");
    assert_eq!(
        rel.get(Member::ThisUnit, "b").unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(fake.calls_of("relation-get"), gets);
}

#[test]
fn writes_equal_to_what_was_read_are_not_sent() {
    let (fake, model) = related(false);
    fake.set_bag(3, "web/0", &[("a", "1")]);
    let rel = model.relation_one("db").unwrap().unwrap();
    rel.data(Member::ThisUnit).unwrap();
    rel.set(Member::ThisUnit, "a", "1").unwrap();
    rel.remove(Member::ThisUnit, "absent").unwrap();
    model.flush_relation_writes().unwrap();
    assert_eq!(fake.calls_of("relation-set"), 0);
}

#[test]
fn a_failed_flush_surfaces_and_keeps_the_writes() {
    let (fake, model) = related(false);
    let rel = model.relation_one("db").unwrap().unwrap();
    rel.set(Member::ThisUnit, "a", "1").unwrap();
    fake.fail("relation-set");
    assert!(matches!(
        model.flush_relation_writes(),
        Err(ModelError::Tool { .. })
    ));
    assert!(model.has_pending_relation_writes());
    fake.unfail("relation-set");
    model.flush_relation_writes().unwrap();
    assert_eq!(fake.bag(3, "web/0").get("a").map(String::as_str), Some("1"));
}

#[test]
fn non_leader_cannot_read_or_write_own_app_bag() {
    let (fake, model) = related(false);
    let rel = model.relation_one("db").unwrap().unwrap();
    fake.clear();
    assert!(is_access(rel.data(Member::ThisApp).unwrap_err()));
    assert!(is_access(rel.set(Member::ThisApp, "k", "v").unwrap_err()));
    assert!(is_access(rel.data(&model.app()).unwrap_err()));
    assert_eq!(
        fake.calls(),
        vec!["is-leader"],
        "rules checked before any tool ran"
    );
    // Its own unit bag and the remote bags are fine.
    rel.set(Member::ThisUnit, "k", "v").unwrap();
    rel.data(Member::RemoteApp).unwrap();
    rel.data(Member::Unit("pg/1")).unwrap();
}

#[test]
fn leader_reads_and_writes_own_app_bag() {
    let (fake, model) = related(true);
    fake.set_bag(3, "web", &[("k", "old")]);
    let rel = model.relation_one("db").unwrap().unwrap();
    assert_eq!(
        rel.get(Member::ThisApp, "k").unwrap().as_deref(),
        Some("old")
    );
    rel.set(Member::ThisApp, "k", "new").unwrap();
    model.flush_relation_writes().unwrap();
    assert_eq!(fake.bag(3, "web").get("k").map(String::as_str), Some("new"));
}

#[test]
fn nobody_writes_remote_bags() {
    for leader in [false, true] {
        let (fake, model) = related(leader);
        let rel = model.relation_one("db").unwrap().unwrap();
        fake.clear();
        assert!(is_access(rel.set(Member::RemoteApp, "k", "v").unwrap_err()));
        assert!(is_access(
            rel.set(Member::Unit("pg/0"), "k", "v").unwrap_err()
        ));
        assert!(is_access(rel.set(Member::App("pg"), "k", "v").unwrap_err()));
        assert!(is_access(
            rel.set(Member::Unit("web/1"), "k", "v").unwrap_err()
        ));
        assert_eq!(
            fake.calls_of("relation-set") + fake.calls_of("relation-get"),
            0
        );
        model.flush_relation_writes().unwrap();
        assert_eq!(fake.calls_of("relation-set"), 0);
    }
}

#[test]
fn peer_app_bag_is_readable_by_all_but_written_by_the_leader() {
    let (fake, model) = related(false);
    fake.set_bag(7, "web", &[("members", "3")]);
    let peers = model.relation_one("cluster").unwrap().unwrap();
    assert_eq!(
        peers.get(Member::ThisApp, "members").unwrap().as_deref(),
        Some("3")
    );
    assert_eq!(
        peers.get(Member::RemoteApp, "members").unwrap().as_deref(),
        Some("3")
    );
    assert!(is_access(
        peers.set(Member::ThisApp, "members", "4").unwrap_err()
    ));
    assert!(is_access(
        peers.set(Member::RemoteApp, "members", "4").unwrap_err()
    ));
    peers
        .set(Member::Unit("web/0"), "addr", "10.1.1.1")
        .unwrap();
    assert!(is_access(
        peers.set(Member::Unit("web/1"), "addr", "x").unwrap_err()
    ));
    let (_fake, leader) = related(true);
    let peers = leader.relation_one("cluster").unwrap().unwrap();
    peers.set(Member::RemoteApp, "members", "4").unwrap();
}

#[test]
fn empty_keys_are_refused() {
    let (_fake, model) = related(true);
    let rel = model.relation_one("db").unwrap().unwrap();
    assert!(matches!(
        rel.set(Member::ThisUnit, "", "v"),
        Err(ModelError::Invalid { .. })
    ));
}

#[test]
fn read_failures_other_than_not_found_surface() {
    let (fake, model) = related(true);
    let rel = model.relation_one("db").unwrap().unwrap();
    fake.fail("relation-get");
    assert!(matches!(
        rel.data(Member::ThisUnit),
        Err(ModelError::Tool { .. })
    ));
    fake.fail("relation-list");
    assert!(matches!(rel.units(), Err(ModelError::Tool { .. })));
    fake.fail("relation-model-get");
    assert!(rel.remote_model_uuid().is_err());
    fake.unfail("relation-model-get");
    fake.relation(3).remote_model_uuid = Some("remote-uuid".into());
    assert_eq!(rel.remote_model_uuid().unwrap(), "remote-uuid");
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct DbData {
    host: String,
    port: u16,
    #[serde(rename = "tls-enabled")]
    tls: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    tags: Vec<String>,
}

#[test]
fn save_writes_json_per_field_and_empties_skipped_ones() {
    let (fake, model) = related(true);
    let rel = model.relation_one("db").unwrap().unwrap();
    let data = DbData {
        host: "10.0.0.1".into(),
        port: 5432,
        tls: true,
        user: None,
        tags: vec!["a".into(), "é".into()],
    };
    rel.save(&data, Member::ThisApp).unwrap();
    model.flush_relation_writes().unwrap();
    let bag = fake.bag(3, "web");
    assert_eq!(bag["host"], "\"10.0.0.1\"");
    assert_eq!(bag["port"], "5432");
    assert_eq!(bag["tls-enabled"], "true");
    // Python's json.dumps: ", " separators, non-ASCII escaped.
    assert_eq!(bag["tags"], "[\"a\", \"\\u00e9\"]");
    assert!(!bag.contains_key("user"));
    assert!(fake
        .calls()
        .iter()
        .any(|c| c.starts_with("relation-set 3 --app") && c.contains("user=")));
    let back: DbData = rel.load(Member::ThisApp).unwrap();
    assert_eq!(back, data);
}

#[test]
fn load_reads_json_fields_and_reports_bad_ones() {
    let (fake, model) = related(false);
    fake.set_bag(
        3,
        "pg",
        &[
            ("host", "\"db.example\""),
            ("port", "5432"),
            ("tls-enabled", "false"),
            ("tags", "[]"),
            ("extra", "{\"ignored\": 1}"),
        ],
    );
    let rel = model.relation_one("db").unwrap().unwrap();
    let data: DbData = rel.load(Member::RemoteApp).unwrap();
    assert_eq!(data.host, "db.example");
    assert_eq!(data.user, None);
    fake.set_bag(3, "pg/0", &[("host", "not json")]);
    let err = rel.load::<DbData>(Member::Unit("pg/0")).unwrap_err();
    assert!(matches!(err, ModelError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("\"host\""), "{err}");
    fake.set_bag(3, "pg/1", &[("host", "\"h\"")]);
    let err = rel.load::<DbData>(Member::Unit("pg/1")).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
}

#[test]
fn typed_save_and_load_follow_the_access_rules() {
    let (fake, model) = related(false);
    let rel = model.relation_one("db").unwrap().unwrap();
    let data = DbData {
        host: "h".into(),
        port: 1,
        tls: false,
        user: Some("u".into()),
        tags: vec![],
    };
    assert!(is_access(rel.save(&data, Member::ThisApp).unwrap_err()));
    assert!(is_access(rel.save(&data, Member::RemoteApp).unwrap_err()));
    assert!(is_access(rel.load::<DbData>(Member::ThisApp).unwrap_err()));
    rel.save(&data, Member::ThisUnit).unwrap();
    model.flush_relation_writes().unwrap();
    assert_eq!(fake.bag(3, "web/0")["user"], "\"u\"");
    assert!(matches!(
        rel.save(&5u32, Member::ThisUnit),
        Err(ModelError::Invalid { .. })
    ));
}
