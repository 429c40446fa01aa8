//! The provider driven by a small database charm through `ops::testing`, after the
//! Python library's `tests/unit/test_data_interfaces.py` (`TestDatabaseProvides`).

use charmlib_data_interfaces::{DatabaseRequested, Provider, SECRET_FIELDS};
use ops::event::RelationChanged;
use ops::prelude::*;
use ops::testing::{Context, Relation, State};

const DATABASE: Provider = Provider::new("database");

/// Answers each request with fixed credentials, as a database charm would.
#[charm(metadata = "tests/provider.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DbCharm {
    requests: Vec<(u64, String, Option<String>)>,
    error: Option<String>,
}

#[charm]
impl DbCharm {
    #[on(relation_changed = "database")]
    fn changed(&mut self, _model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let relation = &event.relation;
        match DATABASE.on_relation_changed(relation) {
            Ok(Some(DatabaseRequested {
                relation_id,
                database,
                extra_user_roles,
            })) => {
                self.requests
                    .push((relation_id, database, extra_user_roles));
                DATABASE.set_credentials(relation, &format!("relation-{relation_id}"), "pw")?;
                DATABASE.set_endpoints(relation, "db-0:5432")?;
                DATABASE.set_version(relation, "14.9")?;
            }
            Ok(None) => {}
            Err(err) => self.error = Some(err.to_string()),
        }
        Ok(())
    }
}

fn requested_secrets() -> String {
    let quoted: Vec<String> = SECRET_FIELDS.iter().map(|f| format!("\"{f}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

fn run(relation: &Relation, leader: bool) -> State {
    let mut ctx = Context::<DbCharm>::new();
    let state = State::new().relation(relation.clone()).leader(leader);
    ctx.run(ctx.on.relation_changed(relation), &state).unwrap()
}

#[test]
fn database_requested_then_credentials_in_a_secret() {
    let relation = Relation::new("database")
        .remote_app_name("probe")
        .remote_app_data([
            ("database", "probe_db"),
            ("extra-user-roles", "SUPERUSER"),
            ("requested-secrets", requested_secrets().as_str()),
        ]);
    let out = run(&relation, true);
    let provider: DbCharm = out.get_stored().unwrap();
    assert_eq!(provider.error, None);
    assert_eq!(
        provider.requests,
        [(
            relation.id,
            "probe_db".to_string(),
            Some("SUPERUSER".to_string())
        )]
    );
    let bag = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(bag["endpoints"], "db-0:5432");
    assert_eq!(bag["version"], "14.9");
    assert!(!bag.contains_key("username") && !bag.contains_key("password"));
    let label = format!("database.{}.user.secret", relation.id);
    let secret = out.get_secret(Some(&bag["secret-user"]), None).unwrap();
    assert_eq!(secret.label.as_deref(), Some(label.as_str()));
    assert_eq!(secret.owner, Some(ops::testing::SecretOwner::Application));
    assert_eq!(
        secret.latest_content["username"],
        format!("relation-{}", relation.id)
    );
    assert_eq!(secret.latest_content["password"], "pw");
    assert!(secret.remote_grants[&relation.id].contains("probe"));

    // The same databag again: no new request (the copy under `data` says so).
    let mut ctx = Context::<DbCharm>::new();
    let again = ctx
        .run(
            ctx.on
                .relation_changed(out.get_relation(relation.id).unwrap()),
            &out,
        )
        .unwrap();
    let provider: DbCharm = again.get_stored().unwrap();
    assert_eq!(provider.requests.len(), 1);
}

#[test]
fn a_requirer_without_secrets_gets_plain_credentials() {
    let relation = Relation::new("database")
        .remote_app_name("probe")
        .remote_app_data([("database", "probe_db")]);
    let out = run(&relation, true);
    let bag = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(bag["username"], format!("relation-{}", relation.id));
    assert_eq!(bag["password"], "pw");
    assert!(!bag.contains_key("secret-user"));
    assert!(out.secrets.is_empty());
}

#[test]
fn only_the_leader_handles_requests() {
    let relation = Relation::new("database")
        .remote_app_name("probe")
        .remote_app_data([("database", "probe_db")]);
    let out = run(&relation, false);
    let provider: DbCharm = out.get_stored().unwrap();
    assert!(provider.requests.is_empty());
}

#[test]
fn no_database_yet_is_no_request() {
    let relation = Relation::new("database")
        .remote_app_name("probe")
        .remote_app_data([("requested-secrets", requested_secrets().as_str())]);
    let out = run(&relation, true);
    let provider: DbCharm = out.get_stored().unwrap();
    assert!(provider.requests.is_empty());
    assert_eq!(provider.error, None);
}

#[test]
fn malformed_requested_secrets_is_a_clear_error() {
    let relation = Relation::new("database")
        .remote_app_name("probe")
        .remote_app_data([("database", "probe_db"), ("requested-secrets", "username")]);
    let mut ctx = Context::<DbCharm>::new();
    let state = State::new().relation(relation.clone()).leader(true);
    let error = ctx
        .run(ctx.on.relation_changed(&relation), &state)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("\"requested-secrets\" is not a JSON list"),
        "{error}"
    );
}
