//! The relation tools, their errors, naming the endpoint, and the model naming
//! relations as endpoint and id.

use super::*;

#[test]
fn relation_ids_list_and_remote_app() {
    let t = tools();
    t.runner()
        .answer("relation-ids", 0, r#"["database:3","database:12"]"#, "");
    assert_eq!(t.relation_ids("database").unwrap(), vec![3, 12]);
    t.runner()
        .answer("relation-list", 0, r#"["pg/0","pg/1"]"#, "");
    assert_eq!(t.relation_list(3).unwrap(), vec!["pg/0", "pg/1"]);
    t.runner().answer("relation-list", 0, r#""pg""#, "");
    assert_eq!(t.relation_remote_app(3).unwrap().as_deref(), Some("pg"));
    t.runner().answer("relation-list", 0, "null", "");
    assert!(t.relation_list(4).unwrap().is_empty());
    t.runner().answer("relation-list", 0, r#""""#, "");
    assert_eq!(t.relation_remote_app(4).unwrap(), None);
    assert_eq!(
        argv(&t),
        [
            "relation-ids database --format=json",
            "relation-list --format=json -r 3",
            "relation-list --format=json --app -r 3",
            "relation-list --format=json -r 4",
            "relation-list --format=json --app -r 4",
        ]
    );
    let t = tools();
    t.runner()
        .answer("relation-ids", 0, r#"["database:x"]"#, "");
    assert!(matches!(
        t.relation_ids("database"),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn relation_get_and_set() {
    let t = tools();
    t.runner().answer(
        "relation-get",
        0,
        r#"{"host":"10.0.0.1","port":"5432"}"#,
        "",
    );
    let bag = t.relation_get(3, "pg/0", false).unwrap();
    assert_eq!(bag["host"], "10.0.0.1");
    t.runner().answer("relation-get", 0, "{}", "");
    assert!(t.relation_get(3, "pg", true).unwrap().is_empty());
    let changes: Databag = [("a".to_string(), "1".to_string()), ("b".into(), "".into())]
        .into_iter()
        .collect();
    t.relation_set(3, &changes, true).unwrap();
    t.relation_set(3, &changes, false).unwrap();
    t.relation_set(3, &Databag::new(), false).unwrap();
    assert_eq!(
        argv(&t),
        [
            "relation-get --format=json -r 3 - pg/0",
            "relation-get --format=json -r 3 --app - pg",
            "relation-set -r 3 --app --file -",
            "relation-set -r 3 --file -",
        ]
    );
    assert_eq!(calls(&t)[2].stdin.as_deref(), Some(r#"{"a":"1","b":""}"#));
    let t = tools();
    t.runner().answer("relation-get", 0, r#"{"port":5432}"#, "");
    assert!(matches!(
        t.relation_get(3, "pg/0", false),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn relation_errors_map_to_relation_not_found() {
    for stderr in [
        "ERROR relation 7 not found",
        "ERROR relation not found",
        "ERROR permission denied",
    ] {
        let t = tools();
        t.runner().answer("relation-get", 1, "", stderr);
        let err = t.relation_get(7, "pg/0", false).unwrap_err();
        assert!(
            matches!(&err, ModelError::RelationNotFound(s) if s == stderr),
            "{err:?}"
        );
    }
    let t = tools();
    t.runner()
        .answer("network-get", 1, "", "ERROR relation 9 not found\n");
    assert!(matches!(
        t.network_get("db", Some(9)),
        Err(ModelError::RelationNotFound(_))
    ));
    let t = tools();
    t.runner()
        .answer("relation-set", 2, "", "ERROR cannot write: quota\n");
    let err = t
        .relation_set(1, &[("a".into(), "b".into())].into_iter().collect(), false)
        .unwrap_err();
    match err {
        ModelError::Tool {
            tool, code, stderr, ..
        } => {
            assert_eq!(
                (tool.as_str(), code, stderr.as_str()),
                ("relation-set", Some(2), "ERROR cannot write: quota")
            );
        }
        other => panic!("{other:?}"),
    }
    // "not found" from a non-relation, non-secret tool stays a plain tool error.
    let t = tools();
    t.runner()
        .answer("storage-get", 1, "", "ERROR storage not found");
    assert!(matches!(
        t.storage_get("data/9"),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn relation_model_get() {
    let t = tools();
    t.runner()
        .answer("relation-model-get", 0, r#"{"uuid":"ab-cd"}"#, "");
    assert_eq!(t.relation_model_uuid(5).unwrap(), "ab-cd");
    assert_eq!(argv(&t), ["relation-model-get --format=json -r 5"]);
    t.runner().answer("relation-model-get", 0, "{}", "");
    assert!(matches!(
        t.relation_model_uuid(5),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn relation_tools_name_the_endpoint_when_given() {
    let t = tools();
    t.runner().answer("relation-list", 0, r#"["pg/0"]"#, "");
    assert_eq!(t.relation_list_on("db", 3).unwrap(), vec!["pg/0"]);
    t.runner().answer("relation-list", 0, r#""pg""#, "");
    assert_eq!(
        t.relation_remote_app_on("db", 3).unwrap().as_deref(),
        Some("pg")
    );
    t.runner().answer("relation-get", 0, r#"{"a":"1"}"#, "");
    assert_eq!(t.relation_get_on("db", 3, "pg/0", false).unwrap()["a"], "1");
    t.runner().answer("relation-get", 0, "{}", "");
    t.relation_get_on("db", 3, "pg", true).unwrap();
    let changes: Databag = [("a".to_string(), "1".to_string())].into_iter().collect();
    t.relation_set_on("db", 3, &changes, true).unwrap();
    t.relation_set_on("db", 3, &Databag::new(), false).unwrap();
    t.runner()
        .answer("relation-model-get", 0, r#"{"uuid":"ab-cd"}"#, "");
    assert_eq!(t.relation_model_uuid_on("db", 3).unwrap(), "ab-cd");
    assert_eq!(
        argv(&t),
        [
            "relation-list --format=json -r db:3",
            "relation-list --format=json --app -r db:3",
            "relation-get --format=json -r db:3 - pg/0",
            "relation-get --format=json -r db:3 --app - pg",
            "relation-set -r db:3 --app --file -",
            "relation-model-get --format=json -r db:3",
        ]
    );
    assert_eq!(calls(&t)[4].stdin.as_deref(), Some(r#"{"a":"1"}"#));
    // Juju refusing an id of another endpoint reads as a missing relation.
    t.runner()
        .answer("relation-get", 1, "", "ERROR relation not found");
    assert!(matches!(
        t.relation_get_on("db", 7, "pg/0", false),
        Err(ModelError::RelationNotFound(_))
    ));
}

static DB_META: crate::meta::CharmMeta = crate::meta::CharmMeta {
    relations: &[crate::meta::RelationMeta {
        limit: Some(1),
        ..crate::meta::RelationMeta::new("db", crate::meta::RelationRole::Requires, "pgsql")
    }],
    ..crate::meta::CharmMeta::named("web")
};

/// A runner shared between a model and the test.
struct SharedFake(std::sync::Arc<Fake>);

impl Runner for SharedFake {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::io::Result<ToolOutput> {
        self.0.run(tool, args, stdin)
    }
}

#[test]
fn the_model_names_relations_as_endpoint_and_id() {
    let fake = std::sync::Arc::new(Fake::default());
    fake.always("is-leader", 0, "true", "");
    fake.always("relation-get", 0, "{}", "");
    fake.answer("relation-list", 0, "[]", "");
    fake.answer("relation-list", 0, r#""pg""#, "");
    fake.always("relation-model-get", 0, r#"{"uuid":"u"}"#, "");
    let context = crate::context::JujuContext::from_vars([("JUJU_UNIT_NAME", "web/0")]);
    let model = crate::model::ModelCore::new(
        Box::new(HookTools::with_runner(SharedFake(fake.clone()))),
        &DB_META,
        context,
    );
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    rel.units().unwrap();
    rel.remote_app().unwrap();
    rel.data(crate::Member::Unit("pg/0")).unwrap();
    rel.set(crate::Member::ThisApp, "k", "v").unwrap();
    rel.remote_model_uuid().unwrap();
    model.flush_relation_writes().unwrap();
    let relation_calls: Vec<String> = fake
        .argv()
        .into_iter()
        .filter(|c| c.starts_with("relation-"))
        .collect();
    assert_eq!(
        relation_calls,
        [
            "relation-list --format=json -r db:3",
            "relation-list --format=json --app -r db:3",
            "relation-get --format=json -r db:3 - pg/0",
            "relation-model-get --format=json -r db:3",
            "relation-set -r db:3 --app --file -",
        ]
    );
}
