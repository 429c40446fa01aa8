//! `DatabaseRequires` as a library: it asks for the database by itself, emits
//! `database_created` / `endpoints_changed` / `read_only_endpoints_changed` to the charm,
//! two instances on two endpoints stay apart, and a deferred `database_created` comes
//! back with its payload in the next hook (the loss the helper-function version had).

use charmlib_data_interfaces::{
    DatabaseCreated, DatabaseRequires, EndpointsChanged, ReadOnlyEndpointsChanged,
};
use ops::prelude::*;
use ops::testing::{Context, Relation, State};

/// Observes the libraries' events only: no handler of its own for the endpoints.
#[charm(metadata = "tests/library.yaml")]
#[derive(Debug, Serialize, Deserialize)]
pub struct App {
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
    #[lib(endpoint = "replica")]
    replica: DatabaseRequires,
    seen: Vec<String>,
    defer_created: bool,
}

impl Default for App {
    fn default() -> Self {
        App {
            db: DatabaseRequires::new("app_db"),
            replica: DatabaseRequires::new("app_replica"),
            seen: Vec::new(),
            defer_created: false,
        }
    }
}

#[charm]
impl App {
    #[on(db.database_created)]
    fn db_created(
        &mut self,
        model: &Model<Self>,
        event: &Custom<DatabaseCreated>,
    ) -> ops::Result<()> {
        if self.defer_created {
            event.defer();
            return Ok(());
        }
        let data = self.db.fetch_relation_data(model, "database")?;
        let user = &data[&event.relation_id]["username"];
        self.seen.push(format!(
            "db created {} {user} {:?}",
            event.relation_id, event.endpoints
        ));
        Ok(())
    }

    #[on(db.endpoints_changed)]
    fn db_moved(&mut self, _model: &Model<Self>, event: &Custom<EndpointsChanged>) {
        self.seen.push(format!("db moved {:?}", event.endpoints));
    }

    #[on(db.read_only_endpoints_changed)]
    fn db_read_only(&mut self, _model: &Model<Self>, event: &Custom<ReadOnlyEndpointsChanged>) {
        self.seen
            .push(format!("db read-only {:?}", event.read_only_endpoints));
    }

    #[on(replica.database_created)]
    fn replica_created(&mut self, _model: &Model<Self>, event: &Custom<DatabaseCreated>) {
        self.seen
            .push(format!("replica created {}", event.relation_id));
    }
}

fn app(state: &State) -> App {
    state.get_stored().unwrap()
}

fn provider(endpoint: &str, data: &[(&str, &str)]) -> Relation {
    Relation::new(endpoint)
        .remote_app_name("postgresql-k8s")
        .remote_app_data(data.iter().copied())
}

const CREDENTIALS: &[(&str, &str)] = &[
    ("endpoints", "pg:5432"),
    ("username", "u1"),
    ("password", "p1"),
];

#[test]
fn the_library_asks_for_its_database_by_itself() {
    let mut ctx = Context::<App>::new();
    let db = provider("database", &[]);
    let replica = provider("replica", &[]);
    let state = State::new()
        .relation(db.clone())
        .relation(replica.clone())
        .leader(true);
    let out = ctx.run(ctx.on.relation_created(&replica), &state).unwrap();
    assert_eq!(
        out.get_relation(replica.id).unwrap().local_app_data["database"],
        "app_replica"
    );
    assert!(out.get_relation(db.id).unwrap().local_app_data.is_empty());
}

#[test]
fn created_then_moved_then_read_only_each_once() {
    let mut ctx = Context::<App>::new();
    let db = provider("database", CREDENTIALS);
    let out = ctx
        .run(
            ctx.on.relation_changed(&db),
            &State::new().relation(db.clone()),
        )
        .unwrap();
    assert_eq!(
        app(&out).seen,
        [format!("db created {} u1 Some(\"pg:5432\")", db.id)]
    );

    let mut moved = out.get_relation(db.id).unwrap().clone();
    moved
        .remote_app_data
        .insert("endpoints".into(), "pg2:5432".into());
    let mut state = out.clone();
    state.relations = vec![moved.clone()];
    let out = ctx.run(ctx.on.relation_changed(&moved), &state).unwrap();
    assert_eq!(app(&out).seen[1], "db moved Some(\"pg2:5432\")");

    let mut ro = out.get_relation(db.id).unwrap().clone();
    ro.remote_app_data
        .insert("read-only-endpoints".into(), "ro:5432".into());
    let mut state = out.clone();
    state.relations = vec![ro.clone()];
    let out = ctx.run(ctx.on.relation_changed(&ro), &state).unwrap();
    assert_eq!(app(&out).seen[2], "db read-only Some(\"ro:5432\")");

    // Nothing new: nothing emitted.
    let out = ctx.run(ctx.on.relation_changed(&ro), &out).unwrap();
    assert_eq!(app(&out).seen.len(), 3);
}

#[test]
fn two_instances_report_their_own_endpoint() {
    let mut ctx = Context::<App>::new();
    let replica = provider("replica", CREDENTIALS);
    let out = ctx
        .run(
            ctx.on.relation_changed(&replica),
            &State::new().relation(replica.clone()),
        )
        .unwrap();
    assert_eq!(app(&out).seen, [format!("replica created {}", replica.id)]);
}

#[test]
fn a_deferred_database_created_comes_back_with_its_payload() {
    let mut ctx = Context::<App>::new();
    let db = provider("database", CREDENTIALS);
    let state = State::new().relation(db.clone()).stored(&App {
        defer_created: true,
        ..App::default()
    });
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    assert_eq!(out.deferred.len(), 1);
    assert_eq!(
        out.deferred[0].event.custom.as_deref(),
        Some("database_created")
    );
    assert_eq!(
        out.deferred[0].event.payload,
        Some(serde_json::json!({"relation_id": db.id, "endpoints": "pg:5432"}))
    );
    // The library already saved its copy: another relation-changed would say nothing.
    // The deferred event is what comes back, before the next Juju event.
    let mut stored = app(&out);
    stored.defer_created = false;
    let next = out.clone().stored(&stored);
    let out = ctx.run(ctx.on.update_status(), &next).unwrap();
    assert_eq!(
        app(&out).seen,
        [format!("db created {} u1 Some(\"pg:5432\")", db.id)]
    );
    assert!(out.deferred.is_empty());
}

#[test]
fn a_hook_no_library_observes_runs_none_of_their_handlers() {
    let mut ctx = Context::<App>::new();
    let replica = provider("replica", &[]);
    let db = provider("database", CREDENTIALS);
    let state = State::new().relation(replica.clone()).relation(db);
    ctx.run(ctx.on.relation_joined(&replica), &state).unwrap();
    assert!(
        ctx.output().handlers.is_empty(),
        "{:?}",
        ctx.output().handlers
    );
}
