//! The requirer driven by a small charm through `ops::testing`: what it reads and
//! writes on the wire.

use charmlib_data_interfaces::Requirer;
use ops::event::{RelationChanged, RelationCreated};
use ops::prelude::*;
use ops::testing::{Context, Relation, Secret, State};
use std::collections::BTreeMap;

const DATABASE: Requirer = Requirer::new("database", "probe_db");

/// Records what the database library said about each change.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    events: Vec<String>,
    fetched: BTreeMap<u64, BTreeMap<String, String>>,
    created: bool,
}

#[charm]
impl Probe {
    #[on(relation_created = "database")]
    fn db_created(&mut self, _model: &Model<Self>, event: &RelationCreated) -> ops::Result<()> {
        DATABASE.on_relation_created(&event.relation)?;
        Ok(())
    }

    #[on(relation_changed = "database")]
    fn db_changed(&mut self, model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let what = DATABASE.on_relation_changed(&event.relation)?;
        self.events.push(format!("{what:?}"));
        self.fetched = DATABASE.fetch_relation_data(model)?;
        self.created = DATABASE.is_resource_created(model)?;
        Ok(())
    }
}

fn database() -> Relation {
    Relation::new("database").remote_app_name("postgresql-k8s")
}

fn run_changed(relation: &Relation, state: &State) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(ctx.on.relation_changed(relation), state).unwrap()
}

#[test]
fn database_created_then_endpoints_changed_then_nothing() {
    let relation = database().remote_app_data([
        ("endpoints", "db-0:5432"),
        ("username", "u"),
        ("password", "p"),
    ]);
    let state = State::new().relation(relation.clone());
    let out = run_changed(&relation, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)"]);
    assert!(probe.created);
    assert_eq!(probe.fetched[&relation.id]["endpoints"], "db-0:5432");

    // The endpoint moves: only that is new.
    let mut moved = out.get_relation(relation.id).unwrap().clone();
    moved
        .remote_app_data
        .insert("endpoints".into(), "db-1:5432".into());
    let mut state = out.clone();
    state.relations = vec![moved.clone()];
    let out = run_changed(&moved, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)", "Some(EndpointsChanged)"]);

    // Read-only endpoints appear.
    let mut ro = out.get_relation(relation.id).unwrap().clone();
    ro.remote_app_data
        .insert("read-only-endpoints".into(), "db-2:5432".into());
    let mut state = out.clone();
    state.relations = vec![ro.clone()];
    let out = run_changed(&ro, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events[2], "Some(ReadOnlyEndpointsChanged)");

    // Nothing new.
    let same = out.get_relation(relation.id).unwrap().clone();
    let out = run_changed(&same, &out);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events[3], "None");
}

#[test]
fn credentials_must_arrive_together() {
    let relation = database().remote_app_data([("username", "u")]);
    let out = run_changed(&relation, &State::new().relation(relation.clone()));
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["None"]);
    assert!(!probe.created);
    // The copy for the next diff is in this unit's databag, as JSON.
    let bag = &out.get_relation(relation.id).unwrap().local_unit_data;
    assert_eq!(bag["data"], r#"{"username": "u"}"#);

    // The password comes later: username is not new, so no Created (as in Python).
    let mut later = out.get_relation(relation.id).unwrap().clone();
    later.remote_app_data.insert("password".into(), "p".into());
    let mut state = out.clone();
    state.relations = vec![later.clone()];
    let out = run_changed(&later, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["None", "None"]);
    assert!(probe.created);
}

#[test]
fn a_foreign_data_copy_counts_as_none() {
    let relation = database()
        .local_unit_data([("data", "not json")])
        .remote_app_data([("username", "u"), ("password", "p")]);
    let out = run_changed(&relation, &State::new().relation(relation.clone()));
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)"]);
}

#[test]
fn the_leader_asks_for_the_database() {
    let relation = database();
    let mut ctx = Context::<Probe>::new();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    assert_eq!(
        out.get_relation(relation.id).unwrap().local_app_data["database"],
        "probe_db"
    );
}

#[test]
fn the_leader_asks_for_secrets_in_both_databags() {
    let relation = database();
    let mut ctx = Context::<Probe>::new();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()).leader(true),
        )
        .unwrap();
    let out = out.get_relation(relation.id).unwrap();
    // json.dumps of the Python library's RequirerData.SECRET_FIELDS.
    let expected = r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#;
    assert_eq!(out.local_app_data["requested-secrets"], expected);
    assert_eq!(out.local_unit_data["requested-secrets"], expected);
}

#[test]
fn credentials_in_a_secret_mean_created() {
    let secret = Secret::new([("username", "u"), ("password", "p"), ("tls", "x")]);
    let relation = database()
        .local_unit_data([("requested-secrets", r#"["username", "password"]"#)])
        .remote_app_data([
            ("secret-user", secret.id.as_str()),
            ("endpoints", "db-0:5432"),
        ]);
    let state = State::new()
        .relation(relation.clone())
        .secret(secret.clone());
    let out = run_changed(&relation, &state);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events, ["Some(Created)"]);
    assert!(probe.created);
    let fetched = &probe.fetched[&relation.id];
    assert_eq!(fetched["username"], "u");
    assert_eq!(fetched["password"], "p");
    assert!(!fetched.contains_key("tls"), "only the requested fields");
    assert!(!fetched.contains_key("secret-user"));
    let label = format!("database.{}.user.secret", relation.id);
    assert_eq!(
        out.get_secret(Some(&secret.id), None)
            .unwrap()
            .label
            .as_deref(),
        Some(label.as_str())
    );
}

#[test]
fn an_unreadable_secret_is_a_clear_error() {
    let relation = database().remote_app_data([("secret-user", "secret:nonexistent")]);
    let mut ctx = Context::<Probe>::new();
    let error = ctx
        .run(
            ctx.on.relation_changed(&relation),
            &State::new().relation(relation.clone()),
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("secret"), "{error}");
}
