//! End to end, relations and secrets: the macro-DSL example charm
//! (`ops/examples/e2e_relations.rs`) run as Juju runs it, with the recording stand-in hook
//! tools of `common`, asserting the exact, ordered `relation-*` and `secret-*` calls and
//! flags for joined, changed, departed and broken, secret add / get / grant / revoke /
//! rotate, one `relation-set` per databag, and the databag access rules.

#[path = "../examples/e2e_relations.rs"]
#[allow(dead_code)]
mod e2e_relations;

mod common;

use common::{assert_calls, last_log, tool_calls, Unit};
use serde_json::json;

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<e2e_relations::WebApp>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

const UUID: &str = "00000000-0000-4000-8000-000000000000";

/// The `JUJU_*` variables of a `database` (relation 3, remote app `postgresql`) hook.
fn database(remote_unit: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut env = vec![
        ("JUJU_RELATION", "database"),
        ("JUJU_RELATION_ID", "database:3"),
        ("JUJU_REMOTE_APP", "postgresql"),
    ];
    if let Some(unit) = remote_unit {
        env.push(("JUJU_REMOTE_UNIT", unit));
    }
    env
}

/// The `JUJU_*` variables of a `website` (relation 5, remote app `site`) hook.
fn website(remote_unit: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("JUJU_RELATION", "website"),
        ("JUJU_RELATION_ID", "website:5"),
        ("JUJU_REMOTE_APP", "site"),
        ("JUJU_REMOTE_UNIT", remote_unit),
    ]
}

fn with(
    mut env: Vec<(&'static str, &'static str)>,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    env.extend_from_slice(extra);
    env
}

fn relation_sets(calls: &[String]) -> Vec<&str> {
    tool_calls(calls)
        .into_iter()
        .filter(|c| c.starts_with("relation-set "))
        .collect()
}

#[test]
fn database_relation_joined_changed_departed_broken() {
    let unit = Unit::named("rel-lifecycle", "webapp/0");

    // joined, twice (two database units), as the leader.
    let (code, calls) = unit.run(
        "hooks/database-relation-joined",
        &database(Some("postgresql/0")),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event database_relation_joined.",
            "is-leader --format=json",
            // One relation-set per databag, at the end of the hook: the application's
            // (typed save; the unset optional field deletes its key), then the unit's
            // (two writes batched).
            r#"relation-set -r database:3 --app --file - [stdin: {"database":"\"webapp\"","extra-user-roles":""}]"#,
            r#"relation-set -r database:3 --file - [stdin: {"ingress-address":"webapp-0.webapp.local","joined-by":"postgresql/0"}]"#,
        ],
    );
    let (code, calls) = unit.run(
        "hooks/database-relation-joined",
        &database(Some("postgresql/1")),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        relation_sets(&calls)[1],
        r#"relation-set -r database:3 --file - [stdin: {"ingress-address":"webapp-0.webapp.local","joined-by":"postgresql/1"}]"#
    );
    assert_eq!(
        unit.state()["charm"]["database_units"],
        json!(["postgresql/0", "postgresql/1"])
    );

    // changed: remote application databag (typed load), remote unit databag, the offered
    // secret, this unit's databag; only the changed key is written.
    unit.answer_call(
        "relation-list --format=json -r database:3",
        r#"["postgresql/0", "postgresql/1"]"#,
    );
    unit.answer_call(
        "relation-get --format=json -r database:3 --app - postgresql",
        r#"{"endpoints": "\"pg.local:5432\"", "secret-user": "\"secret:cu1\""}"#,
    );
    unit.answer_call(
        "relation-get --format=json -r database:3 - postgresql/0",
        r#"{"address": "10.0.0.5"}"#,
    );
    unit.answer_call(
        "secret-get --format=json secret:cu1",
        r#"{"username": "webapp_user", "password": "pw"}"#,
    );
    unit.answer_call(
        "relation-get --format=json -r database:3 - webapp/0",
        r#"{"ingress-address": "webapp-0.webapp.local", "joined-by": "postgresql/1"}"#,
    );
    let (code, calls) = unit.run(
        "hooks/database-relation-changed",
        &database(Some("postgresql/0")),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event database_relation_changed.",
            "relation-list --format=json -r database:3",
            "relation-get --format=json -r database:3 --app - postgresql",
            "relation-get --format=json -r database:3 - postgresql/0",
            "juju-log --log-level INFO -- database unit postgresql/0 is at 10.0.0.5",
            "secret-get --format=json secret:cu1",
            "relation-get --format=json -r database:3 - webapp/0",
            "juju-log --log-level INFO -- database ready: true",
            "status-set --application=False active -- database at pg.local:5432",
            r#"relation-set -r database:3 --file - [stdin: {"ready":"true"}]"#,
        ],
    );
    let charm = &unit.state()["charm"];
    assert_eq!(charm["database_endpoints"], "pg.local:5432");
    assert_eq!(charm["database_user"], "webapp_user");
    assert!(
        !std::fs::read_to_string(unit.state_path())
            .unwrap()
            .contains("\"pw\""),
        "the password is not kept"
    );

    // departed: JUJU_DEPARTING_UNIT names the unit going away; relation-list the rest.
    unit.answer_call(
        "relation-list --format=json -r database:3",
        r#"["postgresql/0"]"#,
    );
    let (code, calls) = unit.run(
        "hooks/database-relation-departed",
        &with(
            database(Some("postgresql/1")),
            &[("JUJU_DEPARTING_UNIT", "postgresql/1")],
        ),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event database_relation_departed.",
            "relation-list --format=json -r database:3",
            r#"relation-set -r database:3 --file - [stdin: {"database-units":"1"}]"#,
        ],
    );
    assert_eq!(
        unit.state()["charm"]["database_units"],
        json!(["postgresql/0"])
    );

    // broken: the relation is inactive (no tool asked) and the typed accessor leaves it
    // out although relation-ids still lists it.
    unit.answer_call("relation-ids database --format=json", r#"["database:3"]"#);
    let (code, calls) = unit.run("hooks/database-relation-broken", &database(None));
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event database_relation_broken.",
            "relation-ids database --format=json",
            "status-set --application=False blocked -- waiting for a database relation",
        ],
    );
    assert_eq!(
        unit.state()["charm"],
        json!({
            "database_units": [],
            "database_endpoints": null,
            "database_user": null,
            "website_secrets": [],
            "primary": null
        })
    );
}

#[test]
fn a_non_leader_writes_only_its_unit_databag() {
    let unit = Unit::named("rel-follower", "webapp/1");
    unit.answer("is-leader", "false");
    let (code, calls) = unit.run(
        "hooks/database-relation-joined",
        &database(Some("postgresql/0")),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        tool_calls(&calls),
        [
            "is-leader --format=json",
            r#"relation-set -r database:3 --file - [stdin: {"ingress-address":"webapp-1.webapp.local","joined-by":"postgresql/0"}]"#,
        ]
    );
}

#[test]
fn application_level_relation_changed_has_no_remote_unit() {
    let unit = Unit::named("rel-appchanged", "webapp/0");
    unit.answer_call("relation-list --format=json -r database:3", "[]");
    unit.answer_call(
        "relation-get --format=json -r database:3 --app - postgresql",
        r#"{"endpoints": "\"pg.local:5432\""}"#,
    );
    let (code, calls) = unit.run("hooks/database-relation-changed", &database(None));
    assert_eq!(code, 0, "{calls:#?}");
    // No remote unit and no unit listed: the remote application is JUJU_REMOTE_APP.
    assert_eq!(
        tool_calls(&calls),
        [
            "relation-list --format=json -r database:3",
            "relation-get --format=json -r database:3 --app - postgresql",
            "relation-get --format=json -r database:3 - webapp/0",
            "status-set --application=False active -- database at pg.local:5432",
            r#"relation-set -r database:3 --file - [stdin: {"ingress-address":"webapp-0.webapp.local","ready":"false"}]"#,
        ]
    );
}

#[test]
fn website_joined_adds_and_grants_a_secret_and_publishes_it() {
    let unit = Unit::named("rel-website", "webapp/0");
    unit.answer("secret-add", "secret:cw5\n");
    let (code, calls) = unit.run("hooks/website-relation-joined", &website("site/0"));
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event website_relation_joined.",
            "is-leader --format=json",
            // Content goes through a file, never argv (the stand-in shows the file's
            // content between angle brackets).
            "secret-add --label website-5 --owner application password#file=<pw-5>",
            "secret-grant --relation 5 secret:cw5",
            // Two application databag writes, one relation-set; then the unit's.
            r#"relation-set -r website:5 --app --file - [stdin: {"secret-id":"secret:cw5","url":"http://webapp.local/"}]"#,
            r#"relation-set -r website:5 --file - [stdin: {"ingress-address":"webapp-0.webapp.local"}]"#,
        ],
    );
    assert_eq!(
        unit.state()["charm"]["website_secrets"],
        json!(["secret:cw5"])
    );
}

#[test]
fn website_departed_gets_the_secret_by_label_and_revokes_the_unit() {
    let unit = Unit::named("rel-revoke", "webapp/0");
    unit.answer_call(
        "secret-get --format=json --label website-5",
        r#"{"password": "pw-5"}"#,
    );
    unit.answer_call(
        "secret-info-get --format=json --label website-5",
        r#"{"cw5": {"label": "website-5", "revision": 1}}"#,
    );
    let (code, calls) = unit.run(
        "hooks/website-relation-departed",
        &with(website("site/1"), &[("JUJU_DEPARTING_UNIT", "site/1")]),
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        tool_calls(&calls),
        [
            "secret-get --format=json --label website-5",
            "secret-info-get --format=json --label website-5",
            &format!("secret-revoke --relation 5 --unit site/1 secret://{UUID}/cw5"),
        ]
    );
}

#[test]
fn secret_changed_refreshes_and_secret_rotate_sets_new_content() {
    let unit = Unit::named("rel-secrets", "webapp/0");
    unit.answer_call(
        "secret-get --format=json secret:cu1 --refresh",
        r#"{"username": "renamed_user", "password": "pw2"}"#,
    );
    let (code, calls) = unit.run("hooks/secret-changed", &[("JUJU_SECRET_ID", "secret:cu1")]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event secret_changed.",
            "secret-get --format=json secret:cu1 --refresh",
        ],
    );
    assert_eq!(unit.state()["charm"]["database_user"], "renamed_user");

    unit.answer_call(
        "secret-get --format=json secret:cw5 --label website-5",
        r#"{"password": "pw-5"}"#,
    );
    let (code, calls) = unit.run(
        "hooks/secret-rotate",
        &[
            ("JUJU_SECRET_ID", "secret:cw5"),
            ("JUJU_SECRET_LABEL", "website-5"),
        ],
    );
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        tool_calls(&calls),
        [
            "secret-get --format=json secret:cw5 --label website-5",
            // Juju 3.6: no fill-in of metadata; always `--owner application`, as Python.
            "secret-set --owner application secret:cw5 password#file=<pw-5+>",
        ]
    );
}

#[test]
fn peers_read_the_application_databag_and_only_the_leader_writes_it() {
    let env = [
        ("JUJU_RELATION", "cluster"),
        ("JUJU_RELATION_ID", "cluster:7"),
        ("JUJU_REMOTE_APP", "webapp"),
        ("JUJU_REMOTE_UNIT", "webapp/1"),
    ];
    // A non-leader reads the peer application databag without any leader check.
    let follower = Unit::named("rel-peer-follower", "webapp/2");
    follower.answer("is-leader", "false");
    follower.answer_call(
        "relation-get --format=json -r cluster:7 --app - webapp",
        r#"{"primary": "\"webapp/1\""}"#,
    );
    let (code, calls) = follower.run("hooks/cluster-relation-changed", &env);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        tool_calls(&calls),
        ["relation-get --format=json -r cluster:7 --app - webapp"]
    );
    assert_eq!(follower.state()["charm"]["primary"], "webapp/1");

    // The leader, finding no primary, claims it (typed save, JSON-encoded value).
    let leader = Unit::named("rel-peer-leader", "webapp/0");
    leader.answer_call(
        "relation-get --format=json -r cluster:7 --app - webapp",
        "{}",
    );
    let (code, calls) = leader.run("hooks/cluster-relation-changed", &env);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        tool_calls(&calls),
        [
            "relation-get --format=json -r cluster:7 --app - webapp",
            "is-leader --format=json",
            r#"relation-set -r cluster:7 --app --file - [stdin: {"primary":"\"webapp/0\""}]"#,
        ]
    );
    assert_eq!(leader.state()["charm"]["primary"], "webapp/0");
}

#[test]
fn a_non_leader_writing_the_application_databag_fails_the_hook_and_sends_nothing() {
    let unit = Unit::named("rel-denied", "webapp/1");
    unit.answer("is-leader", "false");
    let (code, calls) = unit.run("hooks/website-relation-joined", &website("site/0"));
    assert_eq!(code, 1, "{calls:#?}");
    assert_calls(
        &calls,
        &[
            "juju-log --log-level DEBUG -- Emitting Juju event website_relation_joined.",
            "is-leader --format=json",
            "juju-log --log-level ERROR -- Uncaught error while handling \
             website_relation_joined (handler website_joined): relation data access denied: \
             webapp/1 is not leader and cannot write application data in relation website:5",
        ],
    );
    // Not even the unit databag write made before the failure is sent, no secret is
    // added, and nothing is saved.
    assert!(relation_sets(&calls).is_empty());
    assert!(!unit.state_path().exists());
}

#[test]
fn juju_refusing_a_relation_write_fails_the_hook_and_keeps_the_old_state() {
    let unit = Unit::named("rel-refused", "webapp/0");
    let (code, _) = unit.run(
        "hooks/database-relation-joined",
        &database(Some("postgresql/0")),
    );
    assert_eq!(code, 0);
    let before = std::fs::read(unit.state_path()).unwrap();
    unit.fail_call(
        r#"relation-set -r database:3 --app --file -"#,
        1,
        "ERROR permission denied",
    );
    let (code, calls) = unit.run(
        "hooks/database-relation-joined",
        &database(Some("postgresql/1")),
    );
    assert_eq!(code, 1, "{calls:#?}");
    assert_eq!(
        last_log(&calls),
        "juju-log --log-level ERROR -- Uncaught error while handling relation data: \
         relation not found: ERROR permission denied"
    );
    // The application databag write was refused; the unit's was not attempted.
    assert_eq!(relation_sets(&calls).len(), 1);
    assert_eq!(std::fs::read(unit.state_path()).unwrap(), before);
}

#[test]
fn a_relation_hook_without_its_relation_id_fails_before_any_handler() {
    let unit = Unit::named("rel-no-id", "webapp/0");
    let env = [
        ("JUJU_RELATION", "database"),
        ("JUJU_REMOTE_APP", "postgresql"),
    ];
    let (code, calls, printed) = unit.run_output(
        &std::env::current_exe().unwrap(),
        Some("hooks/database-relation-changed"),
        &env,
    );
    let message = "webapp: cannot run database-relation-changed: the hook's environment lacks \
                   what the event needs: JUJU_RELATION_ID is not set: \
                   database-relation-changed needs the relation's id";
    assert_eq!(code, 1, "{calls:#?}");
    assert!(printed.contains(message), "{printed}");
    assert_calls(
        &calls,
        &[&format!("juju-log --log-level ERROR -- {message}")],
    );
    assert!(!unit.state_path().exists());
}

#[test]
fn a_missing_variable_python_tolerates_is_a_warning() {
    let unit = Unit::named("rel-no-unit", "webapp/0");
    let (code, calls) = unit.run("hooks/database-relation-joined", &database(None));
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        calls[0],
        "juju-log --log-level WARNING -- JUJU_REMOTE_UNIT is not set for \
         database-relation-joined: the remote unit is unknown (the event's unit is None)"
    );
    assert!(unit.state_path().exists());
}
