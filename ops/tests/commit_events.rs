//! The `pre_commit` and `commit` framework events (Python's `framework.on.pre_commit` and
//! `framework.on.commit`): what a `pre_commit` handler changes in the charm's state and
//! in relation data is saved and sent; `commit` runs after, once the state is fixed;
//! both run in real hooks (the binary re-run as the charm, with the recording stand-in
//! hook tools of `common`), in `ops::testing`'s `Context` and `Harness`, after an
//! `Abort` (whose state is saved too) and not after a failure. The events
//! `ops::testing` records are those Python's `ops.testing` (Scenario 8.9) records for
//! the same charm (`commit_events_python.py`).

#![cfg(feature = "testing")]
#![deny(missing_docs)]

mod common;

use common::{tool_calls, Unit};
use ops::event::{Commit, EventData, PreCommit};
use ops::prelude::*;
use ops::testing::{Context, Harness, JujuLogLine, Relation, RunError, State};
use ops::LogLevel;

/// Counts its hooks and commits; the `mode` config option makes a handler defer, abort
/// or fail.
#[charm(metadata = "tests/commit_events.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// Every handler run, in order.
    log: Vec<String>,
    /// How many `pre_commit` handlers ran (saved: they run before the state is fixed).
    pre_commits: u32,
    /// How many `commit` handlers ran (never saved: they run after).
    commits: u32,
}

#[charm]
impl Ledger {
    #[on(start)]
    #[on(update_status)]
    #[on(config_changed)]
    fn event(&mut self, model: &Model<Self>, event: &ops::event::AnyEvent) -> ops::Result<()> {
        self.log.push(event.data().kind.hook_name().to_string());
        match model.config()?.mode.as_str() {
            "defer" => event.defer(),
            "abort" => return Err(Abort::blocked("told to stop").into()),
            "fail" => return Err(ops::Error::msg("told to fail")),
            _ => {}
        }
        Ok(())
    }

    #[on(relation_changed = "db")]
    fn db_changed(&mut self, _: &Model<Self>) {
        self.log.push("db-relation-changed".into());
    }

    #[on(collect_app_status)]
    #[on(collect_unit_status)]
    fn collect(&self, _: &Model<Self>, status: &mut StatusCollector) {
        status.add(Status::active("collected"));
    }

    #[on(pre_commit)]
    fn before_save(&mut self, model: &Model<Self>, _: &PreCommit) -> ops::Result<()> {
        if model.config()?.mode == "fail-pre-commit" {
            return Err(ops::Error::msg("pre_commit failed"));
        }
        self.pre_commits += 1;
        self.log.push("pre_commit".into());
        if let Some(db) = model.relations().db()? {
            db.update(
                Member::ThisUnit,
                [("saved-at", self.pre_commits.to_string())],
            )?;
        }
        Ok(())
    }

    #[on(commit)]
    fn saved(&mut self, model: &Model<Self>, _: &Commit) -> ops::Result<()> {
        self.commits += 1;
        self.log.push("commit".into());
        // After collect-status: this status is the one that stays.
        model
            .unit()
            .set_status(Status::active(format!("committed {}", self.pre_commits)))?;
        Ok(())
    }
}

/// Defers its commit events through `AnyEvent`, the one payload with `defer()` for them.
#[charm(metadata = "tests/commit_events.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Deferrer {}

#[charm]
impl Deferrer {
    #[on(pre_commit)]
    #[on(commit)]
    fn any(&mut self, _: &Model<Self>, event: &ops::event::AnyEvent) {
        event.defer();
    }
}

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<Ledger>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

fn saved(state: &State) -> Ledger {
    state.get_stored::<Ledger>().unwrap()
}

/// Python's name for an event (`update_status`, `db_relation_changed`, `pre_commit`).
fn label(event: &EventData) -> String {
    let key = event.kind.def().key;
    match &event.name {
        Some(name) => format!("{}_{key}", name.replace('-', "_")),
        None => key.to_string(),
    }
}

fn labels(ctx: &Context<Ledger>) -> Vec<String> {
    ctx.emitted_events().iter().map(label).collect()
}

fn db() -> Relation {
    Relation::new("db").id(3).remote_app_name("pg")
}

#[test]
fn pre_commit_changes_to_state_and_relation_data_are_saved_commit_runs_after() {
    let mut ctx = Context::<Ledger>::new();
    let state = State::new().relation(db()).leader(true);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    let ledger = saved(&out);
    assert_eq!(ledger.log, ["update-status", "pre_commit"]);
    assert_eq!(ledger.pre_commits, 1);
    // The commit handler ran (it set the status) on a state already fixed.
    assert_eq!(ledger.commits, 0);
    assert_eq!(out.unit_status, Status::active("committed 1"));
    assert_eq!(out.app_status, Status::active("collected"));
    let rel = out.get_relation(3).unwrap();
    assert_eq!(
        rel.local_unit_data.get("saved-at").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        labels(&ctx),
        [
            "update_status",
            "collect_app_status",
            "collect_unit_status",
            "pre_commit",
            "commit"
        ]
    );
    // The handler runs, in order, with the commit events last.
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert_eq!(
        handlers,
        ["event", "collect", "collect", "before_save", "saved"]
    );
    // The next hook sees what pre_commit saved.
    let out = ctx.run(ctx.on.update_status(), &out).unwrap();
    assert_eq!(saved(&out).pre_commits, 2);
    assert_eq!(out.unit_status, Status::active("committed 2"));
}

#[test]
fn commit_events_are_framework_events_for_capture() {
    let mut ctx = Context::<Ledger>::new().capture_framework_events(false);
    ctx.run(ctx.on.start(), &State::new()).unwrap();
    assert_eq!(labels(&ctx), ["start"]);
    // Still run: only the list leaves them out.
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert_eq!(handlers, ["event", "collect", "before_save", "saved"]);
}

#[test]
fn an_abort_still_commits_through_pre_commit_and_commit() {
    let mut ctx = Context::<Ledger>::new();
    let state = State::new().config("mode", "abort").relation(db());
    let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
    // Collect-status is skipped after an abort; the commit events are not.
    assert_eq!(labels(&ctx), ["config_changed", "pre_commit", "commit"]);
    assert_eq!(saved(&out).log, ["config-changed", "pre_commit"]);
    let rel = out.get_relation(3).unwrap();
    assert_eq!(
        rel.local_unit_data.get("saved-at").map(String::as_str),
        Some("1")
    );
    // The commit handler's status is set after the abort's.
    assert_eq!(out.unit_status, Status::active("committed 1"));
    assert_eq!(
        ctx.unit_status_history(),
        [Status::unknown(), Status::blocked("told to stop")]
    );
}

#[test]
fn a_failed_hook_runs_no_commit_event_and_saves_nothing() {
    let mut ctx = Context::<Ledger>::new();
    let state = State::new().config("mode", "fail").relation(db());
    let err = ctx.run(ctx.on.config_changed(), &state).unwrap_err();
    assert!(matches!(err, RunError::Charm { .. }), "{err:?}");
    assert_eq!(labels(&ctx), Vec::<String>::new());
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert!(!handlers.contains(&"before_save"), "{handlers:?}");
    // A failing pre_commit handler fails the hook too: no commit, nothing saved.
    let state = State::new()
        .config("mode", "fail-pre-commit")
        .relation(db());
    let err = ctx.run(ctx.on.update_status(), &state).unwrap_err();
    assert!(err.to_string().contains("pre_commit failed"), "{err}");
    let handlers: Vec<&str> = ctx
        .output()
        .handlers
        .iter()
        .map(|h| h.handler.as_str())
        .collect();
    assert!(!handlers.contains(&"saved"), "{handlers:?}");
}

#[test]
fn deferred_events_come_first_and_the_commit_events_last() {
    let mut ctx = Context::<Ledger>::new();
    let out = ctx
        .run(ctx.on.start(), &State::new().config("mode", "defer"))
        .unwrap();
    assert_eq!(out.deferred.len(), 1);
    let out = ctx
        .run(ctx.on.update_status(), &out.config("mode", ""))
        .unwrap();
    assert_eq!(
        labels(&ctx),
        [
            "start",
            "update_status",
            "collect_unit_status",
            "pre_commit",
            "commit"
        ]
    );
    assert!(out.deferred.is_empty());
}

#[test]
fn the_harness_runs_the_commit_events_after_each_event() {
    let mut harness = Harness::<Ledger>::new();
    harness.begin().unwrap();
    let id = harness.add_relation("db", "pg").unwrap();
    harness.update_config([("mode", "x")], &[]).unwrap();
    // The live charm ran both; its saved state stops at pre_commit.
    let ledger = harness.charm().unwrap();
    assert!(
        ledger
            .log
            .ends_with(&["pre_commit".into(), "commit".into()]),
        "{ledger:?}"
    );
    let saved = harness.state().get_stored::<Ledger>().unwrap();
    assert_eq!(saved.log.last().map(String::as_str), Some("pre_commit"));
    assert_eq!(saved.pre_commits, ledger.pre_commits);
    let mine = harness.get_relation_data(id, "ledger/0").unwrap();
    assert_eq!(mine.get("saved-at"), Some(&ledger.pre_commits.to_string()));
}

/// What the Python twin records for the same charm and runs, as the Rust test does:
/// `(events, unit status)` per run.
fn ours() -> Vec<(Vec<String>, String)> {
    let mut ctx = Context::<Ledger>::new();
    let mut runs = Vec::new();
    let mut record = |ctx: &Context<Ledger>, state: &State| {
        runs.push((labels(ctx), state.unit_status.message.clone()));
    };
    let leader = State::new().relation(db()).leader(true);
    let out = ctx.run(ctx.on.update_status(), &leader).unwrap();
    record(&ctx, &out);
    let with_db = State::new().relation(db().remote_unit(0, [("k", "v")]));
    let rel = with_db.get_relation(3).unwrap().clone();
    let out = ctx.run(ctx.on.relation_changed(&rel), &with_db).unwrap();
    record(&ctx, &out);
    let out = ctx
        .run(ctx.on.start(), &State::new().config("mode", "defer"))
        .unwrap();
    record(&ctx, &out);
    let out = ctx
        .run(ctx.on.update_status(), &out.config("mode", ""))
        .unwrap();
    record(&ctx, &out);
    runs
}

#[test]
fn recorded_events_match_python_ops_testing() {
    let ours = ours();
    let Some(python) = python_refs() else {
        return;
    };
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/commit_events_python.py");
    let run = std::process::Command::new(python)
        .arg(&script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let theirs: Vec<(Vec<String>, String)> = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(ours, theirs);
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
        .args(["-c", "import ops, scenario"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "SKIP: commit events compared with Python ops.testing: no {} with ops (run `bash .ci/python-refs.sh`)",
        python.display()
    );
    assert!(std::env::var_os("CI").is_none_or(|v| v != "true"), "{why}");
    eprintln!("{why}");
    None
}

/// The `JUJU_*` variables of a `db` relation hook (relation 3, remote unit `pg/0`).
const DB: &[(&str, &str)] = &[
    ("JUJU_RELATION", "db"),
    ("JUJU_RELATION_ID", "db:3"),
    ("JUJU_REMOTE_APP", "pg"),
    ("JUJU_REMOTE_UNIT", "pg/0"),
];

fn real_unit(tag: &str, mode: &str) -> Unit {
    let unit = Unit::new(tag);
    unit.answer("config-get", &format!(r#"{{"mode": "{mode}"}}"#));
    unit.answer("relation-ids", r#"["db:3"]"#);
    unit.answer("relation-list", r#"["pg/0"]"#);
    unit.answer("relation-get", "{}");
    unit.answer("is-leader", "false");
    unit
}

#[test]
fn in_a_real_hook_pre_commit_writes_are_sent_and_saved_then_commit_runs() {
    let unit = real_unit("commit-events", "");
    let (code, calls) = unit.run("hooks/db-relation-changed", DB);
    assert_eq!(code, 0, "{calls:?}");
    let tools: Vec<&str> = tool_calls(&calls)
        .into_iter()
        .filter(|c| c.starts_with("relation-set") || c.starts_with("status-set"))
        .collect();
    // pre_commit's write is sent with the hook's, before commit's status.
    assert_eq!(
        tools,
        [
            "status-set --application=False active -- collected",
            r#"relation-set -r db:3 --file - [stdin: {"saved-at":"1"}]"#,
            "status-set --application=False active -- committed 1",
        ]
    );
    let state = unit.state();
    assert_eq!(state["charm"]["pre_commits"], 1, "{state}");
    assert_eq!(state["charm"]["commits"], 0, "{state}");
    assert_eq!(
        state["charm"]["log"],
        serde_json::json!(["db-relation-changed", "pre_commit"])
    );
}

#[test]
fn in_a_real_hook_a_failing_pre_commit_fails_the_hook_and_saves_nothing() {
    let unit = real_unit("commit-events-fail", "fail-pre-commit");
    let (code, calls) = unit.run("hooks/update-status", &[]);
    assert_eq!(code, 1, "{calls:?}");
    assert!(!unit.state_path().exists());
    assert!(
        tool_calls(&calls)
            .iter()
            .all(|c| !c.starts_with("relation-set")),
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.contains("pre_commit failed")),
        "{calls:?}"
    );
}

#[test]
fn deferring_a_commit_event_through_any_event_is_ignored_with_a_warning() {
    let mut ctx = Context::<Deferrer>::new();
    let out = ctx.run(ctx.on.start(), &State::new()).unwrap();
    assert!(out.deferred.is_empty());
    for event in ["pre_commit", "commit"] {
        let line = JujuLogLine::new(
            LogLevel::Warning,
            format!("any deferred {event}, which cannot be deferred: ignored."),
        );
        assert!(ctx.juju_log().contains(&line), "{:?}", ctx.juju_log());
    }
}
