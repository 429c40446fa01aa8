//! Charm libraries (`#[library]`, `#[lib]`) and custom events (`events(...)`,
//! `#[on(db.event)]`, `#[on(self.event)]`): observer order, emission within the hook,
//! deferral with the payload, library state, two instances of one library, a library that
//! uses another, and `ops::testing`'s support for all of them.

#![cfg(feature = "testing")]
#![deny(missing_docs)]

use ops::event::{RelationChanged, RelationCreated};
use ops::prelude::*;
use ops::testing::{Context, Relation, RunError, State};
use std::collections::BTreeMap;

/// A database is ready (`DatabaseRequires`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCreated {
    /// The relation.
    pub relation_id: u64,
    /// The user the provider created.
    pub username: String,
    /// `host:port`.
    pub endpoints: String,
}

/// The provider's endpoints changed (`DatabaseRequires`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointsChanged {
    /// The relation.
    pub relation_id: u64,
    /// `host:port`.
    pub endpoints: String,
}

/// A small `data_interfaces`-like requirer: asks for a database, reports when the
/// provider has created it and when its endpoints change.
#[library(
    interface = "postgresql_client",
    role = "requires",
    events(database_created = DatabaseCreated, endpoints_changed = EndpointsChanged)
)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DatabaseRequires {
    /// The endpoints last reported, per relation.
    seen: BTreeMap<u64, String>,
    /// Every handler run, as `<endpoint>:<what>` (to check order and binding).
    log: Vec<String>,
}

#[library]
impl DatabaseRequires {
    #[on(relation_created)]
    fn created(&mut self, model: &LibModel<Self>, event: &RelationCreated) -> ops::Result<()> {
        self.log.push(format!("{}:created", model.endpoint()));
        if model.unit().is_leader()? {
            event
                .relation
                .update(Member::ThisApp, [("database", model.endpoint())])?;
        }
        Ok(())
    }

    #[on(relation_changed)]
    fn changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
        self.log.push(format!("{}:changed", model.endpoint()));
        let data = event.relation.data(Member::RemoteApp)?;
        let (Some(username), Some(endpoints)) = (data.get("username"), data.get("endpoints"))
        else {
            return Ok(());
        };
        // Bad input from the remote side is an error naming it, never a panic.
        if !endpoints.contains(':') {
            return Err(ops::Error::msg(format!(
                "{}: the provider's endpoints {endpoints:?} are not host:port",
                model.endpoint()
            )));
        }
        let id = event.relation.id();
        match self.seen.insert(id, endpoints.clone()) {
            None => model.emit(DatabaseCreated {
                relation_id: id,
                username: username.clone(),
                endpoints: endpoints.clone(),
            })?,
            Some(old) if old != *endpoints => model.emit(EndpointsChanged {
                relation_id: id,
                endpoints: endpoints.clone(),
            })?,
            Some(_) => {}
        }
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&self, model: &LibModel<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        if self.seen.is_empty() && !model.relations()?.is_empty() {
            status.add(Status::waiting(format!("waiting for {}", model.endpoint())));
        }
        Ok(())
    }
}

/// A ready analytics database: `Analytics`'s own event, from its inner `DatabaseRequires`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReady {
    /// Where to connect.
    pub dsn: String,
}

/// A library built on another: turns its `DatabaseRequires`'s `database_created` into an
/// `analytics_ready` with a DSN.
#[library(
    interface = "postgresql_client",
    role = "requires",
    events(analytics_ready = AnalyticsReady)
)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Analytics {
    #[lib]
    db: DatabaseRequires,
    ready: u32,
}

#[library]
impl Analytics {
    #[on(db.database_created)]
    fn db_created(
        &mut self,
        model: &LibModel<Self>,
        event: &Custom<DatabaseCreated>,
    ) -> ops::Result<()> {
        self.ready += 1;
        model.emit(AnalyticsReady {
            dsn: format!("postgresql://{}@{}", event.username, event.endpoints),
        })
    }
}

/// A backup finished (the charm's own event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupDone {
    /// Where it went.
    pub target: String,
}

/// A charm with two `DatabaseRequires` on two endpoints and an `Analytics`.
#[charm(metadata = "tests/libraries.yaml", events(backup_done = BackupDone))]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LibApp {
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
    #[lib(endpoint = "replica")]
    replica: DatabaseRequires,
    #[lib(endpoint = "analytics")]
    analytics: Analytics,
    /// What the charm's handlers saw, in order.
    seen: Vec<String>,
    /// Whether `db_created` defers (set by the test through the stored state).
    defer_created: bool,
    /// Whether `charm_changed` defers.
    defer_changed: bool,
}

#[charm]
impl LibApp {
    #[on(relation_changed = "database")]
    fn charm_changed(&mut self, _model: &Model<Self>, event: &RelationChanged) {
        self.seen.push("charm:changed".into());
        if self.defer_changed {
            event.defer();
        }
    }

    #[on(db.database_created)]
    fn db_created(
        &mut self,
        model: &Model<Self>,
        event: &Custom<DatabaseCreated>,
    ) -> ops::Result<()> {
        self.seen.push(format!(
            "db_created {} {} {}",
            event.relation_id, event.username, event.endpoints
        ));
        if self.defer_created {
            event.defer();
        } else {
            model.emit(BackupDone {
                target: event.endpoints.clone(),
            })?;
        }
        Ok(())
    }

    #[on(db.endpoints_changed)]
    fn db_moved(&mut self, _model: &Model<Self>, event: &Custom<EndpointsChanged>) {
        self.seen.push(format!("db_moved {}", event.endpoints));
    }

    #[on(replica.database_created)]
    fn replica_created(&mut self, _model: &Model<Self>, event: &Custom<DatabaseCreated>) {
        self.seen
            .push(format!("replica_created {}", event.relation_id));
    }

    #[on(analytics.analytics_ready)]
    fn analytics_ready(&mut self, _model: &Model<Self>, event: &Custom<AnalyticsReady>) {
        self.seen.push(format!("analytics_ready {}", event.dsn));
    }

    #[on(self.backup_done)]
    fn backup_done(&mut self, _model: &Model<Self>, event: &Custom<BackupDone>) {
        self.seen.push(format!("backup_done {}", event.target));
    }

    #[on(update_status)]
    fn update_status(&mut self, _model: &Model<Self>) {
        self.seen.push("update_status".into());
    }

    #[on(leader_elected)]
    #[on(db.endpoints_changed)]
    fn either(&mut self, _model: &Model<Self>, event: &ops::event::AnyEvent) {
        let what = event.data().custom.clone();
        self.seen
            .push(format!("either {:?} {what:?}", event.kind()));
        if event.kind() == ops::EventKind::LeaderElected {
            event.defer();
        }
    }
}

fn provider(endpoint: &str, id: u64, endpoints: &str) -> Relation {
    Relation::new(endpoint)
        .id(id)
        .remote_app_name("postgresql")
        .remote_app_data([("username", "u1"), ("endpoints", endpoints)])
}

/// The handlers the last run ran, collect-status left out.
fn handlers(ctx: &Context<LibApp>) -> Vec<String> {
    ctx.output()
        .handlers
        .iter()
        .filter(|h| !h.handler.ends_with("status"))
        .map(|h| h.handler.clone())
        .collect()
}

fn charm(state: &State) -> LibApp {
    state.get_stored::<LibApp>().expect("stored charm")
}

#[test]
fn library_handlers_run_first_and_emit_within_the_hook() {
    let mut ctx = Context::<LibApp>::new();
    let db = provider("database", 1, "pg:5432");
    let state = State::new().leader(true).relation(db.clone());
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    let app = charm(&out);
    // The library ran before the charm's own handler; its event ran as soon as its
    // handler returned, and the charm's own event as soon as that one returned.
    assert_eq!(app.db.log, ["database:changed"]);
    assert_eq!(
        app.seen,
        [
            "db_created 1 u1 pg:5432",
            "backup_done pg:5432",
            "charm:changed"
        ]
    );
    assert_eq!(
        handlers(&ctx),
        ["db.changed", "db_created", "backup_done", "charm_changed"]
    );
    // Library state is saved with the unit's, under the field's name.
    assert_eq!(
        out.stored_state.as_ref().unwrap()["db"]["seen"],
        serde_json::json!({"1": "pg:5432"})
    );
    // The other instance of the same library did not run: its endpoint had no event.
    assert!(app.replica.log.is_empty());
}

#[test]
fn two_instances_of_one_library_are_bound_to_their_endpoints() {
    let mut ctx = Context::<LibApp>::new();
    let db = provider("database", 1, "pg:5432");
    let replica = provider("replica", 2, "replica:5432");
    let state = State::new().relation(db).relation(replica.clone());
    let out = ctx.run(ctx.on.relation_changed(&replica), &state).unwrap();
    let app = charm(&out);
    assert!(app.db.log.is_empty());
    assert_eq!(app.replica.log, ["replica:changed"]);
    assert_eq!(app.seen, ["replica_created 2"]);
    // A second change with new endpoints: endpoints_changed, but the charm only observes
    // the replica's database_created, so nothing more reaches it.
    let moved = provider("replica", 2, "moved:5432");
    let mut state = State::new().relation(moved.clone());
    state.stored_state = out.stored_state.clone();
    let out = ctx.run(ctx.on.relation_changed(&moved), &state).unwrap();
    assert_eq!(charm(&out).seen, ["replica_created 2"]);
    assert_eq!(charm(&out).replica.seen[&2], "moved:5432");
}

#[test]
fn a_deferred_library_event_is_reemitted_with_its_payload_next_hook() {
    let mut ctx = Context::<LibApp>::new();
    let db = provider("database", 1, "pg:5432");
    let state = State::new().relation(db.clone()).stored(&LibApp {
        defer_created: true,
        ..LibApp::default()
    });
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    // Deferred with its payload, to the handler that deferred it.
    assert_eq!(out.deferred.len(), 1);
    let deferred = &out.deferred[0];
    assert_eq!(deferred.handler, "db_created");
    assert_eq!(deferred.event.name.as_deref(), Some("db"));
    assert_eq!(deferred.event.custom.as_deref(), Some("database_created"));
    assert_eq!(
        deferred.event.payload,
        Some(serde_json::json!({"relation_id": 1, "username": "u1", "endpoints": "pg:5432"}))
    );
    // The library saved its comparison copy: a re-run of relation-changed would not emit
    // again. The deferred event itself is what comes back.
    let mut next = out.clone();
    let mut stored = charm(&next);
    stored.defer_created = false;
    stored.seen.clear();
    next = next.stored(&stored);
    let out = ctx.run(ctx.on.update_status(), &next).unwrap();
    assert_eq!(
        charm(&out).seen,
        [
            "db_created 1 u1 pg:5432",
            "backup_done pg:5432",
            "update_status"
        ]
    );
    assert!(out.deferred.is_empty());
    let first = &ctx.output().handlers[0];
    assert!(first.reemitted);
    assert_eq!(first.handler, "db_created");
}

#[test]
fn a_library_uses_another_library() {
    let mut ctx = Context::<LibApp>::new();
    let analytics = provider("analytics", 3, "olap:5432");
    let state = State::new().relation(analytics.clone());
    let out = ctx
        .run(ctx.on.relation_changed(&analytics), &state)
        .unwrap();
    let app = charm(&out);
    assert_eq!(app.analytics.db.log, ["analytics:changed"]);
    assert_eq!(app.analytics.ready, 1);
    assert_eq!(app.seen, ["analytics_ready postgresql://u1@olap:5432"]);
    assert_eq!(
        handlers(&ctx),
        [
            "analytics.db.changed",
            "analytics.db_created",
            "analytics_ready"
        ]
    );
}

#[test]
fn a_malformed_remote_databag_is_a_clear_error_and_nothing_is_lost() {
    let mut ctx = Context::<LibApp>::new();
    let db = provider("database", 1, "no-port");
    let before = LibApp {
        seen: vec!["kept".into()],
        ..LibApp::default()
    };
    let state = State::new().relation(db.clone()).stored(&before);
    let err = ctx.run(ctx.on.relation_changed(&db), &state).unwrap_err();
    match err {
        RunError::Charm {
            message, panicked, ..
        } => {
            assert!(!panicked);
            assert_eq!(
                message,
                "database: the provider's endpoints \"no-port\" are not host:port"
            );
        }
        other => panic!("{other}"),
    }
    // The input state still holds everything; nothing was committed.
    assert_eq!(charm(&state).seen, ["kept"]);
}

#[test]
fn library_collect_status_and_lazy_hook_tools() {
    let mut ctx = Context::<LibApp>::new();
    let db = Relation::new("database")
        .id(1)
        .remote_app_name("postgresql");
    let state = State::new().relation(db);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(out.unit_status, Status::waiting("waiting for database"));
}

#[test]
fn tests_emit_library_and_custom_events() {
    let mut ctx = Context::<LibApp>::new();
    let created = DatabaseCreated {
        relation_id: 9,
        username: "u9".into(),
        endpoints: "x:1".into(),
    };
    let out = ctx
        .run(
            ctx.on.custom::<DatabaseRequires, _>("db", created),
            &State::new(),
        )
        .unwrap();
    assert_eq!(charm(&out).seen, ["db_created 9 u9 x:1", "backup_done x:1"]);
    let out = ctx
        .run(
            ctx.on
                .custom::<LibApp, _>("self", BackupDone { target: "t".into() }),
            &State::new(),
        )
        .unwrap();
    assert_eq!(charm(&out).seen, ["backup_done t"]);
}

#[test]
fn library_state_in_and_out() {
    let mut ctx = Context::<LibApp>::new();
    let seen: BTreeMap<u64, String> = [(1, "pg:5432".to_string())].into();
    let db = DatabaseRequires {
        seen: seen.clone(),
        log: Vec::new(),
    };
    let state = State::new()
        .relation(provider("database", 1, "pg:5432"))
        .stored(&LibApp::default())
        .library_state("db", &db);
    // The library remembers it reported these endpoints: no event this time.
    let out = ctx
        .run(
            ctx.on.relation_changed(&provider("database", 1, "pg:5432")),
            &state,
        )
        .unwrap();
    assert_eq!(charm(&out).seen, ["charm:changed"]);
    let db: DatabaseRequires = out.get_library_state("db").unwrap();
    assert_eq!(db.seen, seen);
    assert_eq!(db.log, ["database:changed"]);
    // A library inside a library, by its path.
    let inner = DatabaseRequires {
        seen: [(3, "olap:1".to_string())].into(),
        log: Vec::new(),
    };
    let state = State::new()
        .stored(&LibApp::default())
        .library_state("analytics.db", &inner);
    let got: DatabaseRequires = state.get_library_state("analytics.db").unwrap();
    assert_eq!(got.seen, inner.seen);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    let got: DatabaseRequires = out.get_library_state("analytics.db").unwrap();
    assert_eq!(got.seen, inner.seen);
}

#[test]
fn deferred_library_events_in_state_and_the_consistency_checker() {
    let mut ctx = Context::<LibApp>::new();
    let created = DatabaseCreated {
        relation_id: 4,
        username: "u4".into(),
        endpoints: "h:4".into(),
    };
    let event = ctx.on.custom::<DatabaseRequires, _>("db", created.clone());
    let state = State::new().deferred(event.deferred("db_created"));
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(
        charm(&out).seen,
        ["db_created 4 u4 h:4", "backup_done h:4", "update_status"]
    );
    // A library event under a path no library has, or deferred to a handler that does
    // not observe it, is refused before the charm runs.
    let wrong = ctx.on.custom::<DatabaseRequires, _>("dbb", created.clone());
    let err = ctx.run(wrong.clone(), &State::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent test scenario:\n  - event: no handler observes the custom event dbb.database_created (a library event is named by the library's field path, `db`; the charm's own by no path)"
    );
    let state = State::new().deferred(event.deferred("replica_created"));
    let err = ctx.run(ctx.on.update_status(), &state).unwrap_err();
    assert_eq!(
        err.to_string(),
        "inconsistent test scenario:\n  - State.deferred[0]: no handler replica_created observes db.database_created (handlers: db_created)"
    );
}

#[test]
fn harness_emits_library_and_custom_events() {
    let mut harness = ops::testing::Harness::<LibApp>::new();
    harness.begin().unwrap();
    harness
        .emit::<DatabaseRequires, _>(
            "replica",
            DatabaseCreated {
                relation_id: 2,
                username: "u".into(),
                endpoints: "r:1".into(),
            },
        )
        .unwrap();
    harness
        .emit::<LibApp, _>(
            "self",
            BackupDone {
                target: "s3".into(),
            },
        )
        .unwrap();
    assert_eq!(
        harness.charm().unwrap().seen,
        ["replica_created 2", "backup_done s3"]
    );
}

#[test]
fn a_handler_of_several_events_tells_which_fired_and_defers() {
    let mut ctx = Context::<LibApp>::new();
    let out = ctx.run(ctx.on.leader_elected(), &State::new()).unwrap();
    assert_eq!(charm(&out).seen, ["either LeaderElected None"]);
    assert_eq!(out.deferred.len(), 1);
    assert_eq!(out.deferred[0].handler, "either");
    let moved = EndpointsChanged {
        relation_id: 1,
        endpoints: "new:1".into(),
    };
    let out = ctx
        .run(ctx.on.custom::<DatabaseRequires, _>("db", moved), &out)
        .unwrap();
    assert_eq!(
        charm(&out).seen,
        [
            "either LeaderElected None",
            "either LeaderElected None",
            "db_moved new:1",
            "either Custom Some(\"endpoints_changed\")"
        ]
    );
    // Deferred again when re-emitted, not a second time for the same event.
    assert_eq!(out.deferred.len(), 1);
}

#[test]
fn deferrals_keep_pythons_order_juju_event_before_the_events_its_observers_emit() {
    // Python saves the Juju event's notices for all its observers before any runs, and a
    // custom event's when it is emitted: so a deferred Juju event comes before a custom
    // event its first observer emitted and another observer deferred.
    let mut ctx = Context::<LibApp>::new();
    let db = provider("database", 1, "pg:5432");
    let state = State::new().relation(db.clone()).stored(&LibApp {
        defer_created: true,
        defer_changed: true,
        ..LibApp::default()
    });
    let out = ctx.run(ctx.on.relation_changed(&db), &state).unwrap();
    let queue: Vec<(&str, Option<&str>)> = out
        .deferred
        .iter()
        .map(|d| (d.handler.as_str(), d.event.custom.as_deref()))
        .collect();
    assert_eq!(
        queue,
        [
            ("charm_changed", None),
            ("db_created", Some("database_created"))
        ]
    );
    // Python ops 3.9 queues them in the same order (tests/libraries_python.py).
    if let Some(python) = python_refs() {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/libraries_python.py");
        let run = std::process::Command::new(python)
            .arg(script)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let python_queue: Vec<String> = String::from_utf8_lossy(&run.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        let ours: Vec<&str> = queue.iter().map(|(h, _)| *h).collect();
        assert_eq!(python_queue, ours);
    }
    // The next hook re-emits them oldest first; deferred again, they keep their places.
    let out = ctx.run(ctx.on.update_status(), &out).unwrap();
    let reemitted: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .filter(|h| h.reemitted)
        .map(|h| h.handler.as_str())
        .collect();
    assert_eq!(reemitted, ["charm_changed", "db_created"]);
    let queue: Vec<&str> = out.deferred.iter().map(|d| d.handler.as_str()).collect();
    assert_eq!(queue, ["charm_changed", "db_created"]);
}

/// The Python interpreter with ops 3.9 (`.ci/python-refs.sh` makes it), or `None` after
/// saying why the comparison is skipped (a failure under `CI=true`).
fn python_refs() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("OPS_PYTHON_REFS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-refs/bin/python")
        });
    let ok = std::process::Command::new(&python)
        .args(["-c", "import ops.testing"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "SKIP: deferral order compared with Python ops: no {} with ops (run `bash .ci/python-refs.sh`)",
        python.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("{why}");
    None
}

#[test]
fn custom_events_are_listed_without_capture_framework_events_as_in_python() {
    // Python's `capture_framework_events` leaves out collect-status, pre_commit and
    // commit only; a library's custom event is the charm's business and is listed.
    let mut ctx = Context::<LibApp>::new().capture_framework_events(false);
    let analytics = provider("analytics", 3, "olap:5432");
    let state = State::new().relation(analytics.clone());
    ctx.run(ctx.on.relation_changed(&analytics), &state)
        .unwrap();
    let events: Vec<String> = ctx
        .emitted_events()
        .iter()
        .map(|e| {
            e.custom
                .clone()
                .unwrap_or_else(|| e.kind.hook_name().into())
        })
        .collect();
    assert_eq!(
        events,
        ["relation-changed", "database_created", "analytics_ready"]
    );
}
