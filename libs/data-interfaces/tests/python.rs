//! The database relation compared with the Python library. data_interfaces v0 is not on
//! PyPI; its successor `dpcharmlibs-interfaces` (1.2.2, pinned in `.ci/python-refs.txt`)
//! is, and answers v0 requirers in the v0 format. So:
//! - our requirer's request goes to the Python provider, whose answer goes back to our
//!   requirer: each side understands the other;
//! - our provider and the Python provider answer the same request: the same secret
//!   (label, owner, content, grant) under `secret-user`, the same `endpoints`.
//!
//! Differences, from reading both Python libraries: the v1 provider also writes
//! `resource`, `salt`, echoes `database` and keeps its copy under `data` in its own
//! form; and it puts credentials in a secret even for a requirer that asked for none,
//! where v0 (and this crate) write them plain.

use charmlib_data_interfaces::{
    DatabaseEvent, DatabaseProvides, DatabaseRequested, Provider, Requirer,
};
use charmlib_python_refs::{python, run};
use ops::event::{RelationChanged, RelationCreated};
use ops::prelude::*;
use ops::testing::{Context, Relation, Secret, State};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SCRIPT: &str = include_str!("python/provider.py");

/// The requirer side: asks for `probe_db`, records what it learns.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    events: Vec<Option<DatabaseEvent>>,
    fetched: BTreeMap<String, String>,
}

#[charm]
impl Probe {
    #[on(relation_created = "database")]
    fn created(&mut self, _model: &Model<Self>, event: &RelationCreated) -> ops::Result<()> {
        Requirer::new("database", "probe_db").on_relation_created(&event.relation)?;
        Ok(())
    }

    #[on(relation_changed = "database")]
    fn changed(&mut self, _model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let requires = Requirer::new("database", "probe_db");
        self.events
            .push(requires.on_relation_changed(&event.relation)?);
        self.fetched = requires.relation_data(&event.relation)?;
        Ok(())
    }
}

/// The provider side, through the library, answering as the Python script does.
#[charm(metadata = "tests/provider.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DbCharm {
    #[lib(endpoint = "database")]
    db: DatabaseProvides,
}

#[charm]
impl DbCharm {
    #[on(db.database_requested)]
    fn requested(
        &mut self,
        model: &Model<Self>,
        event: &Custom<DatabaseRequested>,
    ) -> ops::Result<()> {
        let Some(relation) = model.get_relation("database", Some(event.relation_id))? else {
            return Ok(());
        };
        let provider = Provider::new("database");
        provider.set_credentials(&relation, &format!("relation-{}", event.relation_id), "pw")?;
        provider.set_endpoints(&relation, "db-0:5432")?;
        Ok(())
    }
}

/// What our requirer's leader writes on relation-created.
fn rust_request() -> (Relation, BTreeMap<String, String>) {
    let relation = Relation::new("database").remote_app_name("postgresql-k8s");
    let mut ctx = Context::<Probe>::new();
    let state = State::new().relation(relation.clone()).leader(true);
    let out = ctx.run(ctx.on.relation_created(&relation), &state).unwrap();
    let bag = out
        .get_relation(relation.id)
        .unwrap()
        .local_app_data
        .clone();
    (relation, bag)
}

fn python_provider(py: &std::path::PathBuf, id: u64, request: &BTreeMap<String, String>) -> Value {
    run(
        py,
        SCRIPT,
        &json!({
            "relation_id": id,
            "remote_app_data": request,
            "answer": {"username": format!("relation-{id}"), "password": "pw", "endpoints": "db-0:5432"},
        }),
    )
}

#[test]
fn python_provider_and_rust_requirer_understand_each_other() {
    let Some(py) = python("data-interfaces: Rust requirer with the Python provider") else {
        return;
    };
    let (relation, request) = rust_request();
    let theirs = python_provider(&py, relation.id, &request);
    assert_eq!(
        theirs["requests"],
        json!([{"database": "probe_db", "extra_user_roles": null}])
    );

    // The answer, as our requirer sees it: the provider's databag and its secret.
    let answer: BTreeMap<String, String> =
        serde_json::from_value(theirs["local_app_data"].clone()).unwrap();
    let secret = &theirs["secrets"][0];
    assert_eq!(json!(answer["secret-user"]), secret["id"]);
    let content: BTreeMap<String, String> =
        serde_json::from_value(secret["content"].clone()).unwrap();
    let mut answered = relation.clone();
    answered.local_app_data = request;
    answered.remote_app_data = answer;
    let state = State::new()
        .relation(answered.clone())
        .leader(true)
        .secret(Secret::new(content).id(secret["id"].as_str().unwrap()));
    let mut ctx = Context::<Probe>::new();
    let out = ctx.run(ctx.on.relation_changed(&answered), &state).unwrap();
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, [Some(DatabaseEvent::Created)]);
    assert_eq!(
        probe.fetched["username"],
        format!("relation-{}", relation.id)
    );
    assert_eq!(probe.fetched["password"], "pw");
    assert_eq!(probe.fetched["endpoints"], "db-0:5432");
    // Our side now knows the secret by the label Python's requirer would give it.
    let label = format!("database.{}.user.secret", relation.id);
    assert_eq!(
        out.get_secret(secret["id"].as_str(), None)
            .unwrap()
            .label
            .as_deref(),
        Some(label.as_str())
    );
}

#[test]
fn rust_provider_answers_as_the_python_provider() {
    let Some(py) = python("data-interfaces: Rust provider against the Python provider") else {
        return;
    };
    let (requirer_side, request) = rust_request();
    let id = requirer_side.id;
    let theirs = python_provider(&py, id, &request);

    let relation = Relation::new("database")
        .id(id)
        .remote_app_name("probe")
        .remote_app_data(request.clone());
    let mut ctx = Context::<DbCharm>::new();
    let state = State::new().relation(relation.clone()).leader(true);
    let ours = ctx.run(ctx.on.relation_changed(&relation), &state).unwrap();
    let bag = &ours.get_relation(id).unwrap().local_app_data;

    assert_eq!(
        json!(bag["endpoints"]),
        theirs["local_app_data"]["endpoints"]
    );
    let our_secret = ours.get_secret(Some(&bag["secret-user"]), None).unwrap();
    let their_secret = &theirs["secrets"][0];
    assert_eq!(theirs["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(ours.secrets.len(), 1);
    assert_eq!(json!(our_secret.label), their_secret["label"]);
    assert_eq!(json!(our_secret.latest_content), their_secret["content"]);
    assert_eq!(their_secret["owner"], "app");
    assert_eq!(
        our_secret.owner,
        Some(ops::testing::SecretOwner::Application)
    );
    let our_grants: Vec<&String> = our_secret.remote_grants[&id].iter().collect();
    assert_eq!(json!(our_grants), their_secret["granted"]);
    // Every v0 key Python wrote, we wrote (the v1 additions aside).
    for key in theirs["local_app_data"].as_object().unwrap().keys() {
        if matches!(key.as_str(), "resource" | "salt" | "database" | "data") {
            continue;
        }
        assert!(bag.contains_key(key), "{key} missing from {bag:?}");
    }
}
