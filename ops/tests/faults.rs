//! The fault-injection suite: a charm (`faults.yaml`, the `Faults` struct below) run as
//! Juju runs it, with scripted stand-in hook tools (`common`), while faults are
//! injected: `kill -9` at random points, hooks of one unit run at once, secret-looking
//! values in every input that is parsed, state saved by an older layout, `Abort` and a
//! retry.
//!
//! The heavy loops print their figures (`kills 200, corrupt 0, stale tmp 0, lost 0`).
//! By default they run a smaller N to stay quick; `OPS_FAULTS_FULL=1` runs the full N
//! (200 kills; 4 hooks at once × 50 rounds = 200 updates).
//!
//! The charm process is this test binary, re-run with `OPS_E2E_RUN_CHARM=1` (see
//! `charm_process`).

mod common;

use common::Unit;
use ops::event::RelationChanged;
use ops::model::SecretSettings;
use ops::prelude::*;
use ops::Action;
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The charm under test. `count` counts `update-status` hooks; saved states of layout
/// revision 0 and 1 counted in `hooks` (see `migrate_state`).
#[charm(metadata = "tests/faults.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Faults {
    count: u64,
    secret_id: Option<String>,
    ratio: f64,
    ballast: String,
}

/// The remote application's databag.
#[derive(Debug, Deserialize)]
struct DbData {
    port: u16,
}

#[charm]
impl Faults {
    const STATE_REVISION: u32 = 2;

    /// Revisions before 2 counted hooks in `hooks`.
    fn migrate_state(mut saved: Value, saved_revision: u32) -> ops::Result<Value> {
        if saved_revision < 2 {
            if let Some(fields) = saved.as_object_mut() {
                if let Some(hooks) = fields.remove("hooks") {
                    fields.insert("count".into(), hooks);
                }
            }
        }
        Ok(saved)
    }

    #[on(update_status)]
    fn tick(&mut self, _model: &Model<Self>) {
        self.count += 1;
        if let Some(size) = std::env::var("FAULTS_BALLAST")
            .ok()
            .and_then(|n| n.parse().ok())
        {
            self.ballast = "x".repeat(size);
        }
        log::info!("tick {}", self.count);
        log::debug!("ballast {}", self.ballast.len());
    }

    #[on(stop)]
    fn stop(&mut self, _model: &Model<Self>) {
        log::info!("stopping after {} ticks", self.count);
    }

    #[on(config_changed)]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let config = model.config()?;
        match config.mode.as_str() {
            "nan" => self.ratio = f64::NAN,
            "abort" => {
                if self.secret_id.is_none() {
                    let secret = model
                        .unit()
                        .add_secret([("token", "t0")], SecretSettings::default())?;
                    self.secret_id = secret.id().map(str::to_string);
                }
                if let Some(db) = model.relations().db()? {
                    db.set(Member::ThisUnit, "waiting", "operator")?;
                }
                return Err(Abort::blocked("set mode to something else").into());
            }
            _ => {}
        }
        Ok(())
    }

    #[on(relation_changed = "db")]
    fn db_changed(&mut self, _model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let data: DbData = event.relation.load(Member::RemoteApp)?;
        log::info!("db port {}", data.port);
        Ok(())
    }

    #[on(action = "rotate")]
    fn rotate(&mut self, _model: &Model<Self>, action: &mut Action<RotateParams>) {
        self.count += action.params.count.unwrap_or(0).unsigned_abs();
    }

    #[on(action = "peek")]
    fn peek(&mut self, model: &Model<Self>, action: &mut Action<PeekParams>) -> ops::Result<()> {
        let content = model
            .get_secret_by_id(&action.params.id)?
            .get_content(false)?;
        action.set_results(serde_json::json!({"keys": content.len()}))?;
        Ok(())
    }
}

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<Faults>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

fn exe() -> PathBuf {
    std::env::current_exe().unwrap()
}

/// `small` by default, `full` with `OPS_FAULTS_FULL` set.
fn n(small: usize, full: usize) -> usize {
    if std::env::var_os("OPS_FAULTS_FULL").is_some() {
        full
    } else {
        small
    }
}

/// The saved `count`, `None` if there is no state file yet, `Err` if it does not parse.
fn saved_count(unit: &Unit) -> Result<Option<u64>, String> {
    let bytes = match std::fs::read(unit.state_path()) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let state: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    state["charm"]["count"]
        .as_u64()
        .map(Some)
        .ok_or_else(|| format!("no count in {state}"))
}

/// The temporary files of saves in the charm directory.
fn temp_files(unit: &Unit) -> Vec<String> {
    std::fs::read_dir(unit.charm_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp-"))
        .collect()
}

/// A small xorshift generator: kill delays vary, and the seed is printed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let seed = std::env::var("OPS_FAULTS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::from(nanos) | 1);
        eprintln!("kill delays: OPS_FAULTS_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// The signal `kill -9` sends.
const SIGKILL: i32 = 9;

/// The hook most tests run.
const UPDATE_STATUS: &str = "hooks/update-status";

/// A `juju-log` that takes a while, as a loaded machine's does: kills land while the
/// charm waits for it.
const SLOW_JUJU_LOG: &str = "#!/bin/sh\nsleep 0.01\nexit 0\n";

#[test]
fn kill_9_at_random_points_corrupts_nothing_leaves_no_temp_file_and_loses_nothing() {
    let want = n(40, 200);
    let unit = Unit::new("kills");
    unit.tool_script("juju-log", SLOW_JUJU_LOG);
    let hook = Some(UPDATE_STATUS);
    // A state of 200 kB, so that kills also land while it is written.
    let env = [("FAULTS_BALLAST", "200000")];
    let started = Instant::now();
    let (code, _) = unit.run_as(&exe(), hook, &env);
    assert_eq!(code, 0);
    let span = started.elapsed().as_micros() as u64 * 12 / 10;
    let mut rng = Rng::seeded();
    let (mut kills, mut corrupt, mut lost, mut advanced_when_killed, mut finished) =
        (0, 0, 0, 0, 0);
    let mut attempts = 0;
    while kills < want && attempts < want * 3 {
        attempts += 1;
        let before = saved_count(&unit).unwrap().unwrap();
        let mut child = unit.spawn(&exe(), hook, &env);
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let after = match saved_count(&unit) {
            Ok(Some(after)) => after,
            other => {
                eprintln!("the state does not parse after a kill: {other:?}");
                corrupt += 1;
                break;
            }
        };
        if status.signal() == Some(SIGKILL) {
            kills += 1;
            // The hook failed: the state is the old one, or (the window between the
            // rename and the exit) the new one; never anything else.
            match after - before {
                0 => {}
                1 => advanced_when_killed += 1,
                _ => lost += 1,
            }
        } else {
            finished += 1;
            assert_eq!(status.code(), Some(0), "a hook that was not killed failed");
            if after != before + 1 {
                lost += 1;
            }
        }
    }
    // The next hook cleans up what the kills left.
    let (code, _) = unit.run_as(&exe(), hook, &env);
    assert_eq!(code, 0);
    let stale = temp_files(&unit);
    eprintln!(
        "kills {kills}, corrupt {corrupt}, stale tmp {}, lost {lost} \
         (finished before the kill {finished}; state advanced in a killed hook \
         {advanced_when_killed})",
        stale.len()
    );
    assert_eq!(corrupt, 0);
    assert!(kills >= want, "only {kills} of {attempts} kills landed");
    assert_eq!(stale, Vec::<String>::new());
    assert_eq!(lost, 0);
}

#[test]
fn four_hooks_of_one_unit_at_once_lose_no_update() {
    let rounds = n(10, 50);
    let unit = Unit::new("concurrent");
    let hook = Some(UPDATE_STATUS);
    for _ in 0..rounds {
        let children: Vec<_> = (0..4).map(|_| unit.spawn(&exe(), hook, &[])).collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let updates = 4 * rounds as u64;
    let count = saved_count(&unit).unwrap().unwrap();
    eprintln!(
        "concurrent hooks 4 x {rounds}: updates {updates}, lost {}",
        updates - count
    );
    assert_eq!(count, updates);
}

#[test]
fn a_commit_waits_for_the_juju_log_lines_before_saving() {
    let unit = Unit::new("logfirst");
    let (code, _) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 0);
    // Each juju-log copies the state file as it is when that log line is done.
    let seen = unit.root.join("state-at-log-end");
    unit.tool_script(
        "juju-log",
        &format!(
            "#!/bin/sh\nsleep 0.2\ncp '{}' '{}'\n",
            unit.state_path().display(),
            seen.display()
        ),
    );
    let (code, _) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 0);
    let at_log_end: Value = serde_json::from_slice(&std::fs::read(&seen).unwrap()).unwrap();
    assert_eq!(
        at_log_end["charm"]["count"], 1,
        "saved before the logs ended"
    );
    assert_eq!(saved_count(&unit), Ok(Some(2)));
}

const SECRET: &str = "hunter2-S3CRET-9f8e7d";

/// One input path a secret-looking value is fed through.
struct EchoCase<'a> {
    /// What the path is, for messages.
    path: &'a str,
    /// Puts the value where the path reads it.
    setup: fn(&Unit),
    /// The hook or action run.
    dispatch: &'a str,
    /// Its extra environment.
    env: &'a [(&'a str, &'a str)],
    /// What the error must say instead (the field and the expected type).
    reason: &'a str,
}

#[test]
fn no_input_value_is_echoed_in_any_output() {
    let relation_env = [
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:3"),
        ("JUJU_REMOTE_APP", "pg"),
        ("JUJU_REMOTE_UNIT", "pg/0"),
    ];
    let rotate_env = [("JUJU_ACTION_NAME", "rotate"), ("JUJU_ACTION_UUID", "1")];
    let peek_env = [("JUJU_ACTION_NAME", "peek"), ("JUJU_ACTION_UUID", "2")];
    let cases = [
        EchoCase {
            path: "config",
            setup: |u| u.answer("config-get", &format!(r#"{{"api-port": "{SECRET}"}}"#)),
            dispatch: "hooks/config-changed",
            env: &[],
            reason: "api-port: expected an integer, got a string",
        },
        EchoCase {
            path: "action param",
            setup: |u| u.answer("action-get", &format!(r#"{{"count": "{SECRET}"}}"#)),
            dispatch: "actions/rotate",
            env: &rotate_env,
            reason: "count: expected an integer, got a string",
        },
        EchoCase {
            path: "relation load",
            setup: |u| u.answer("relation-get", &format!(r#"{{"port": "\"{SECRET}\""}}"#)),
            dispatch: "hooks/db-relation-changed",
            env: &relation_env,
            reason: "port: invalid type: string, expected u16",
        },
        EchoCase {
            path: "secret-get",
            setup: |u| {
                u.answer("action-get", r#"{"id": "secret:cq1fault"}"#);
                u.answer("secret-get", &format!(r#""{SECRET}""#));
            },
            dispatch: "actions/peek",
            env: &peek_env,
            reason: "invalid type: string, expected a map",
        },
        EchoCase {
            path: "state restore",
            setup: |u| {
                let state = format!(r#"{{"charm": {{"count": "{SECRET}"}}, "revision": 2}}"#);
                std::fs::write(u.state_path(), state).unwrap();
            },
            dispatch: "hooks/update-status",
            env: &[],
            reason: "count: invalid type: string, expected u64",
        },
    ];
    for case in cases {
        let EchoCase {
            path,
            setup,
            dispatch,
            env,
            reason,
        } = case;
        let unit = Unit::new(&format!("echo-{}", path.replace(' ', "-")));
        setup(&unit);
        let (code, calls, printed) = unit.run_output(&exe(), Some(dispatch), env);
        let everything = format!("{}\n{printed}", calls.join("\n"));
        assert_eq!(
            code, 1,
            "{path}: the bad input fails the hook\n{everything}"
        );
        assert!(
            everything.contains(reason),
            "{path}: the error names the field and the type\n{everything}"
        );
        assert!(
            !everything.contains(SECRET) && !everything.contains("hunter2"),
            "{path}: the value is echoed\n{everything}"
        );
        if dispatch.starts_with("actions/") {
            assert!(
                calls.iter().any(|c| c.starts_with("action-fail")),
                "{path}: {calls:#?}"
            );
        }
        eprintln!("secret echo, {path}: not echoed");
    }
}

/// The Abort case run twice (config-changed with `mode: abort`): each run's calls.
fn abort_twice(tag: &str) -> (Unit, [Vec<String>; 2]) {
    let unit = Unit::new(tag);
    unit.answer("config-get", r#"{"mode": "abort"}"#);
    unit.answer("relation-ids", r#"["db:3"]"#);
    unit.answer("relation-list", r#"["pg/0"]"#);
    unit.answer("secret-add", "secret:cq1fault");
    let runs = [(); 2].map(|_| {
        let (code, calls) = unit.run("hooks/config-changed", &[]);
        assert_eq!(code, 0, "an abort exits 0: {calls:#?}");
        calls
    });
    (unit, runs)
}

/// How many of `calls` start with `prefix`.
fn sent(calls: &[String], prefix: &str) -> usize {
    calls.iter().filter(|c| c.starts_with(prefix)).count()
}

#[test]
fn abort_commits_like_a_success_so_a_retry_adds_no_second_secret() {
    let (unit, runs) = abort_twice("abort");
    for calls in &runs {
        assert!(
            calls.iter().any(
                |c| c == "status-set --application=False blocked -- set mode to something else"
            ),
            "{calls:#?}"
        );
        assert_eq!(
            sent(calls, "relation-set -r db:3"),
            1,
            "the relation writes are sent: {calls:#?}"
        );
    }
    let added = sent(&runs[0], "secret-add") + sent(&runs[1], "secret-add");
    eprintln!("abort retry: secrets added {added}");
    assert_eq!(added, 1, "{runs:#?}");
    assert_eq!(unit.state()["charm"]["secret_id"], "secret:cq1fault");
}

/// Python `ops` 3.9 on the same Abort case (`faults_abort_ref.py`): it sends what we send
/// (the blocked status, the secret, the relation write) but drops its stored state, so
/// its retry adds a second secret; ours saves the state, so it adds none.
#[test]
fn abort_sends_what_python_ops_sends_and_unlike_it_keeps_the_state() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv-refs/bin/python");
    if !python.exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "the Python references are missing under CI (bash .ci/python-refs.sh)"
        );
        eprintln!("SKIP: Python ops reference (bash .ci/python-refs.sh)");
        return;
    }
    let output = {
        let _lock = common::fork_or_write_lock();
        std::process::Command::new(&python)
            .arg(root.join("ops/tests/faults_abort_ref.py"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
    .wait_with_output()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let runs: Value = serde_json::from_slice(&output.stdout).unwrap();
    for run in runs.as_array().unwrap() {
        assert_eq!(run["status"][0], "blocked");
        assert_eq!(run["relation_write"], "operator");
        assert_eq!(run["stored_state_committed"], false);
    }
    assert_eq!(runs[0]["secrets"], 1);
    assert_eq!(runs[1]["secrets"], 2, "Python's retry adds a second secret");
    // Ours sends the same on each run, and adds no second secret.
    let (_, ours) = abort_twice("abort-python");
    for calls in &ours {
        assert_eq!(sent(calls, "status-set --application=False blocked"), 1);
        assert_eq!(sent(calls, "relation-set -r db:3"), 1);
    }
    assert_eq!(sent(&ours[0], "secret-add"), 1);
    assert_eq!(sent(&ours[1], "secret-add"), 0);
}

#[test]
fn a_non_finite_float_fails_the_hook_that_would_save_it() {
    let unit = Unit::new("nan");
    let (code, _) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 0);
    let before = std::fs::read(unit.state_path()).unwrap();
    unit.answer("config-get", r#"{"mode": "nan"}"#);
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 1);
    assert!(
        common::last_log(&calls).contains("ratio is NaN or infinite"),
        "{calls:#?}"
    );
    assert_eq!(std::fs::read(unit.state_path()).unwrap(), before);
    // The next hook runs on the state before it.
    unit.answer("config-get", "{}");
    let (code, _) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 0);
    assert_eq!(saved_count(&unit), Ok(Some(2)));
}

#[test]
fn state_of_an_older_layout_is_migrated_filled_and_trimmed() {
    let unit = Unit::new("evolve");
    // Revision 0 (no "revision"): `hooks`, a field gone since, none of the newer fields,
    // and a deferred entry that no longer parses.
    let saved = serde_json::json!({
        "charm": {"hooks": 7, "gone": {"deep": true}},
        "deferred": [{"event": {"kind": "relation-changed", "name": "db", "relation_id": "x"},
                      "handler": "db_changed"}]
    });
    std::fs::write(unit.state_path(), saved.to_string()).unwrap();
    let (code, calls) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 0, "{calls:#?}");
    let warnings: Vec<_> = calls
        .iter()
        .filter(|c| c.starts_with("juju-log --log-level WARNING"))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0]
        .contains("Dropping saved deferred event #1 (db-relation-changed for db_changed) from "));
    assert!(warnings[0].contains("event.relation_id: invalid type: string, expected u64"));
    assert!(
        warnings[1].ends_with("Dropping saved state fields faults::Faults no longer has: gone.")
    );
    let state = unit.state();
    assert_eq!(state["revision"], 2);
    assert_eq!(state["charm"]["count"], 8);
    assert_eq!(state["charm"]["ratio"], 0.0);
    assert_eq!(state["charm"]["secret_id"], Value::Null);
    assert_eq!(state["deferred"], serde_json::json!([]));
}

#[test]
fn stop_runs_from_the_default_state_when_the_saved_one_cannot_be_restored() {
    let unit = Unit::new("stop");
    std::fs::write(
        unit.state_path(),
        r#"{"charm": {"count": "many"}, "revision": 2}"#,
    )
    .unwrap();
    let (code, calls) = unit.run(UPDATE_STATUS, &[]);
    assert_eq!(code, 1, "other hooks fail: {calls:#?}");
    let (code, calls) = unit.run("hooks/stop", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert!(
        calls.iter().any(|c| c.starts_with(
            "juju-log --log-level ERROR -- RUNNING stop FROM THE DEFAULT STATE: unit state: "
        )),
        "{calls:#?}"
    );
    assert!(calls
        .iter()
        .any(|c| c == "juju-log --log-level INFO -- stopping after 0 ticks"));
    assert_eq!(saved_count(&unit), Ok(Some(0)));
}
