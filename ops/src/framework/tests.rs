//! The dispatch run with a hand-written charm over the recording hook-tool runner.

use super::*;
use crate::action::Action;
use crate::charm::{Charm, CharmConfig, HandlerRun, Outcome};
use crate::context::JujuContext;
use crate::event::{ConfigChanged, Deferrable, EventData, EventKind, FromEvent, Install};
use crate::framework::run::kind_name;
use crate::hookcmds::fake::Fake;
use crate::hookcmds::HookTools;
use crate::meta::{ActionMeta, CharmMeta, ConfigKind, ConfigOptionMeta};
use crate::model::{Model, ModelCore};
use crate::status::{Status, StatusCollector};
use crate::values::{field, required_field, ValueError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

static META: CharmMeta = CharmMeta {
    config: &[ConfigOptionMeta::new("mode", ConfigKind::String)],
    actions: &[ActionMeta {
        additional_properties: false,
        ..ActionMeta::new("backup")
    }],
    ..CharmMeta::named("demo")
};

struct DemoConfig {
    mode: Option<String>,
    port: i64,
}

impl CharmConfig for DemoConfig {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(DemoConfig {
            mode: field(values, "", "mode")?,
            port: field(values, "", "port")?.unwrap_or(8000),
        })
    }
}

struct BackupParams {
    target: String,
}

impl crate::ActionParams for BackupParams {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(BackupParams {
            target: required_field(values, "", "target")?,
        })
    }
}

#[derive(Default, Serialize, Deserialize, Debug, PartialEq)]
struct Demo {
    runs: Vec<String>,
}

impl Charm for Demo {
    const META: &'static CharmMeta = &META;
    type Config = DemoConfig;
    type Relations<'m> = ();
    type Containers<'m> = ();
    type Storages<'m> = ();
    type Resources<'m> = ();
    fn relations(_: &ModelCore) {}
    fn containers(_: &ModelCore) {}
    fn storages(_: &ModelCore) {}
    fn resources(_: &ModelCore) {}

    fn observers(event: &EventData) -> Vec<String> {
        let names: &[&str] = match event.kind {
            EventKind::Install => &["on_install"],
            EventKind::ConfigChanged => &["first", "second"],
            EventKind::Action => &["on_backup"],
            EventKind::CollectUnitStatus => &["unit_status", "unit_status_2"],
            EventKind::CollectAppStatus => &["app_status"],
            _ => &[],
        };
        names.iter().map(|n| n.to_string()).collect()
    }

    fn dispatch(&mut self, model: &Model<Self>, event: &EventData, only: Option<&str>) -> Outcome {
        let mut outcome = Outcome::default();
        for handler in Self::observers(event) {
            if only.is_some_and(|o| o != handler) {
                continue;
            }
            self.runs.push(handler.to_string());
            let (result, deferred) = match self.run_handler(model, event, &handler, &mut outcome) {
                Ok(deferred) => (Ok(()), deferred),
                Err(error) => (Err(error), false),
            };
            let failed = result.is_err();
            outcome
                .handlers
                .push(HandlerRun::new(handler, result, deferred));
            if failed {
                break;
            }
        }
        outcome
    }
}

impl Demo {
    /// Runs `handler` on `event`: whether it deferred.
    fn run_handler(
        &mut self,
        model: &Model<Self>,
        event: &EventData,
        handler: &str,
        outcome: &mut Outcome,
    ) -> crate::Result<bool> {
        match handler {
            "on_install" => {
                let e = Install::from_event(model.core(), event)?;
                if model.config()?.mode.as_deref() == Some("defer-install") {
                    e.defer();
                }
                Ok(e.is_deferred())
            }
            "first" | "second" => {
                let e = ConfigChanged::from_event(model.core(), event)?;
                let config = model.config()?;
                match config.mode.as_deref() {
                    Some(m) if m == format!("defer-{handler}") => e.defer(),
                    Some(m) if m == format!("fail-{handler}") => {
                        return Err(crate::Error::msg(format!("{handler} failed")))
                    }
                    Some(m) if m == format!("panic-{handler}") => panic!("{handler} blew up"),
                    Some(m) if m == format!("reboot-{handler}") => model.unit().reboot(true)?,
                    Some(m) if m == format!("abort-{handler}") => {
                        return Err(crate::Abort::blocked("set mode to something else").into())
                    }
                    _ => {}
                }
                let _ = config.port;
                Ok(e.is_deferred())
            }
            "on_backup" => {
                let action = Action::<BackupParams>::from_event(model.core(), event)?;
                let result = (|| match action.params.target.as_str() {
                    "fail-self" => {
                        action.fail("target refused")?;
                        Err(crate::Error::msg("after fail"))
                    }
                    "error" => Err(crate::Error::msg("disk full")),
                    "abort" => Err(crate::Abort::blocked("no such target").into()),
                    _ => Ok(action
                        .set_results(serde_json::json!({"saved": {"to": action.params.target}}))?),
                })();
                outcome.action_failed |= action.is_failed();
                result.map(|()| false)
            }
            "unit_status" | "unit_status_2" | "app_status" => {
                let collector = &mut outcome.statuses;
                match handler {
                    "unit_status" => {
                        collector.add(Status::active("ok"));
                        collector.add(Status::waiting("db"));
                        if self.runs.iter().any(|r| r == "collect-unknown") {
                            collector.add(Status::unknown());
                        }
                    }
                    "unit_status_2" => {
                        collector.add(Status::blocked("need config"));
                        collector.add(Status::blocked("second blocked"));
                    }
                    _ => collector.add(Status::maintenance("app busy")),
                }
                Ok(false)
            }
            _ => unreachable!(),
        }
    }
}

struct Setup {
    fake: Arc<Fake>,
    model: Model<Demo>,
}

/// A runner shared between the model and the test, so the test can read its record.
struct Shared(Arc<Fake>);

impl crate::hookcmds::Runner for Shared {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::io::Result<crate::hookcmds::ToolOutput> {
        self.0.run(tool, args, stdin)
    }
}

fn setup(mode: &str, leader: bool) -> Setup {
    let fake = Arc::new(Fake::default());
    fake.always("config-get", 0, &format!(r#"{{"mode":"{mode}"}}"#), "");
    fake.always("is-leader", 0, if leader { "true" } else { "false" }, "");
    let backend = HookTools::with_runner(Shared(fake.clone()));
    let context = JujuContext::from_vars([("JUJU_UNIT_NAME", "demo/0")]);
    Setup {
        fake,
        model: Model::new(Box::new(backend), context),
    }
}

fn event(kind: EventKind) -> EventData {
    EventData::new(kind)
}

fn tool_calls(s: &Setup) -> Vec<String> {
    s.fake
        .argv()
        .into_iter()
        .filter(|c| !c.starts_with("juju-log --log-level DEBUG"))
        .collect()
}

fn logs(s: &Setup) -> Vec<String> {
    s.fake
        .argv()
        .into_iter()
        .filter_map(|c| c.strip_prefix("juju-log --log-level ").map(str::to_string))
        .collect()
}

#[test]
fn runs_the_event_then_collect_status_and_sets_the_winners() {
    let s = setup("", true);
    let out = dispatch(
        &s.model,
        UnitState::default(),
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out.charm.runs,
        [
            "first",
            "second",
            "app_status",
            "unit_status",
            "unit_status_2"
        ]
    );
    assert!(tool_calls(&s).contains(&"config-get --format=json".to_string()));
    let calls: Vec<_> = tool_calls(&s)
        .into_iter()
        .filter(|c| !c.starts_with("config-get"))
        .collect();
    assert_eq!(
        calls,
        [
            "is-leader --format=json",
            "status-set --application=True maintenance -- app busy",
            "status-set --application=False blocked -- need config",
        ]
    );
    assert_eq!(logs(&s), ["DEBUG -- Emitting Juju event config_changed."]);
    assert_eq!(
        out.state.charm,
        Some(serde_json::to_value(&out.charm).unwrap())
    );
    assert!(out.state.deferred.is_empty());
}

#[test]
fn collecting_an_unsettable_status_fails_the_hook_even_when_it_would_not_win() {
    let s = setup("", false);
    let state = UnitState {
        charm: Some(serde_json::json!({"runs": ["collect-unknown"]})),
        deferred: vec![],
        revision: 0,
    };
    let err = dispatch(&s.model, state, None, RunOptions::default()).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string()
            .starts_with("collect_unit_status: invalid collected status: \"unknown\" cannot"),
        "{err}"
    );
    assert!(!tool_calls(&s).iter().any(|c| c.starts_with("status-set")));
}

#[test]
fn a_non_leader_skips_app_status() {
    let s = setup("", false);
    let out = dispatch(&s.model, UnitState::default(), None, RunOptions::default()).unwrap();
    assert_eq!(out.charm.runs, ["unit_status", "unit_status_2"]);
    assert_eq!(
        tool_calls(&s),
        [
            "is-leader --format=json",
            "status-set --application=False blocked -- need config"
        ]
    );
}

#[test]
fn a_deferred_event_whose_handler_is_gone_is_dropped_with_a_warning() {
    let s = setup("", false);
    let state = UnitState {
        charm: None,
        deferred: vec![DeferredEvent {
            event: event(EventKind::ConfigChanged),
            handler: "renamed_since".into(),
        }],
        revision: 0,
    };
    let out = dispatch(
        &s.model,
        state,
        Some(&event(EventKind::UpdateStatus)),
        RunOptions::default(),
    )
    .unwrap();
    assert!(out.state.deferred.is_empty());
    assert!(!out.emitted.iter().any(|e| e.reemitted));
    assert!(logs(&s).iter().any(|l| l
        == "WARNING -- Dropping deferred event config_changed: no handler renamed_since observes it now."));
}

#[test]
fn deferral_queues_per_handler_and_reemits_in_order() {
    // Hook 1: `second` defers config-changed.
    let s = setup("defer-second", false);
    let config_changed = event(EventKind::ConfigChanged);
    let out = dispatch(
        &s.model,
        UnitState::default(),
        Some(&config_changed),
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out.state.deferred,
        vec![DeferredEvent {
            event: config_changed.clone(),
            handler: "second".into()
        }]
    );
    // Hook 2 (install): `second` still defers, and install defers too.
    let s = setup("defer-second", false);
    let out2 = dispatch(
        &s.model,
        out.state.clone(),
        Some(&event(EventKind::Install)),
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out2.charm.runs,
        [
            "first",
            "second",
            "unit_status",
            "unit_status_2",
            "second",
            "on_install",
            "unit_status",
            "unit_status_2"
        ]
    );
    assert_eq!(out2.state.deferred.len(), 1);
    assert!(logs(&s).contains(
        &"DEBUG -- Re-emitting deferred event config_changed to second (1 of 1 in queue)."
            .to_string()
    ));
    // Hook 3: install defers now, config-changed's handler no longer does.
    let s = setup("defer-install", false);
    let mut state = out2.state.clone();
    state.deferred.insert(
        0,
        DeferredEvent {
            event: event(EventKind::Install),
            handler: "on_install".into(),
        },
    );
    let out3 = dispatch(
        &s.model,
        state,
        Some(&event(EventKind::UpdateStatus)),
        RunOptions::default(),
    )
    .unwrap();
    let runs = &out3.charm.runs[out2.charm.runs.len()..];
    assert_eq!(
        runs,
        ["on_install", "second", "unit_status", "unit_status_2"]
    );
    assert_eq!(
        out3.state.deferred,
        vec![DeferredEvent {
            event: event(EventKind::Install),
            handler: "on_install".into()
        }]
    );
    let reemits: Vec<_> = logs(&s)
        .into_iter()
        .filter(|l| l.contains("Re-emitting"))
        .collect();
    assert_eq!(
        reemits,
        [
            "DEBUG -- Re-emitting deferred event install to on_install (1 of 2 in queue).",
            "DEBUG -- Re-emitting deferred event config_changed to second (2 of 2 in queue).",
        ]
    );
    let emitted: Vec<_> = out3
        .emitted
        .iter()
        .map(|e| (e.handler.as_str(), e.reemitted, e.deferred))
        .collect();
    assert_eq!(
        emitted,
        [
            ("on_install", true, true),
            ("second", true, false),
            ("unit_status", false, false),
            ("unit_status_2", false, false)
        ]
    );
}

#[test]
fn an_identical_deferred_event_skips_its_handler() {
    let s = setup("defer-second", false);
    let config_changed = event(EventKind::ConfigChanged);
    let state = UnitState {
        charm: None,
        deferred: vec![DeferredEvent {
            event: config_changed.clone(),
            handler: "second".into(),
        }],
        revision: 0,
    };
    let out = dispatch(
        &s.model,
        state,
        Some(&config_changed),
        RunOptions::default(),
    )
    .unwrap();
    // Re-emitted to `second` (which defers again); the new event runs `first` only.
    assert_eq!(
        out.charm.runs,
        ["second", "first", "unit_status", "unit_status_2"]
    );
    assert_eq!(out.state.deferred.len(), 1);
}

#[test]
fn a_handler_error_is_logged_and_nothing_is_returned_to_save() {
    let s = setup("fail-second", false);
    let store = MemoryStore::new(Some(UnitState {
        charm: Some(serde_json::json!({"runs": ["old"]})),
        deferred: vec![],
        revision: 0,
    }));
    let err = run(
        &s.model,
        &store,
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(matches!(err, DispatchError::Failed { .. }));
    assert_eq!(
        store.state().unwrap().charm,
        Some(serde_json::json!({"runs": ["old"]}))
    );
    assert!(logs(&s).contains(
        &"ERROR -- Uncaught error while handling config_changed (handler second): second failed"
            .to_string()
    ));
    // Collect-status did not run.
    assert!(!tool_calls(&s).iter().any(|c| c.starts_with("status-set")));
    assert_eq!(
        crash_events(&s),
        [(
            "WARN".to_string(),
            "sys_crash:Error".to_string(),
            "Uncaught exception in charm code: config_changed (handler second): second failed."
                .to_string()
        )]
    );
}

/// The `sys_crash` security events logged, as (level, event, description).
fn crash_events(s: &Setup) -> Vec<(String, String, String)> {
    logs(s)
        .iter()
        .filter_map(|l| l.strip_prefix("TRACE -- "))
        .map(|json| serde_json::from_str::<Value>(json).unwrap())
        .filter(|e| e["type"] == "security")
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_string();
            (text("level"), text("event"), text("description"))
        })
        .collect()
}

#[test]
fn a_handler_panic_is_caught_logged_and_not_saved() {
    let s = setup("panic-first", false);
    let store = MemoryStore::new(None);
    let err = run(
        &s.model,
        &store,
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, DispatchError::Panicked { message, .. } if message == "first blew up"),
        "{err:?}"
    );
    assert_eq!(store.state(), None);
    assert!(logs(&s).iter().any(|l| l.starts_with("ERROR -- ")
        && l.contains("config_changed (handler first): panicked: first blew up")));
    let crashes = crash_events(&s);
    assert_eq!(crashes.len(), 1);
    assert_eq!(crashes[0].1, "sys_crash:Panic");
}

#[test]
fn reboot_now_stops_the_dispatch_exits_0_and_saves_nothing() {
    let s = setup("reboot-first", true);
    let store = MemoryStore::new(Some(UnitState {
        charm: Some(serde_json::json!({"runs": ["old"]})),
        deferred: vec![],
        revision: 0,
    }));
    let err = run(
        &s.model,
        &store,
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, DispatchError::RebootNow), "{err:?}");
    assert_eq!(err.exit_code(), 0);
    // `second`, collect-status and the commit did not run; no error was logged.
    assert_eq!(
        tool_calls(&s)
            .into_iter()
            .filter(|c| !c.starts_with("juju-log --log-level TRACE"))
            .collect::<Vec<_>>(),
        ["config-get --format=json", "juju-reboot --now"]
    );
    assert!(!logs(&s).iter().any(|l| l.starts_with("ERROR")));
    assert_eq!(
        store.state().unwrap().charm,
        Some(serde_json::json!({"runs": ["old"]}))
    );
}

#[test]
fn abort_sets_the_status_exits_0_and_saves_as_on_success() {
    let s = setup("abort-first", true);
    let store = MemoryStore::new(Some(UnitState {
        charm: Some(serde_json::json!({"runs": ["old"]})),
        deferred: vec![],
        revision: 0,
    }));
    let err = run(
        &s.model,
        &store,
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, DispatchError::Aborted { abort, .. }
            if abort.status() == &Status::blocked("set mode to something else")),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 0);
    // The status is set; `second` and collect-status did not run; the state is saved.
    assert_eq!(
        tool_calls(&s)
            .into_iter()
            .filter(|c| !c.starts_with("juju-log"))
            .collect::<Vec<_>>(),
        [
            "config-get --format=json",
            "status-set --application=False blocked -- set mode to something else"
        ]
    );
    assert!(logs(&s).iter().any(|l| l.starts_with("WARNING -- ")
        && l.contains("config_changed (handler first): ended early, unit blocked: set mode")));
    assert!(!logs(&s).iter().any(|l| l.starts_with("ERROR")));
    assert!(crash_events(&s).is_empty());
    assert_eq!(
        store.state().unwrap().charm,
        Some(serde_json::json!({"runs": ["old", "first"]}))
    );
}

#[test]
fn an_abort_carries_the_handlers_that_ran_up_to_the_aborting_one() {
    let s = setup("abort-second", false);
    let state = UnitState {
        charm: None,
        deferred: vec![DeferredEvent {
            event: event(EventKind::Install),
            handler: "on_install".into(),
        }],
        revision: 0,
    };
    let err = dispatch(
        &s.model,
        state,
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    let DispatchError::Aborted { emitted, .. } = &err else {
        panic!("{err:?}");
    };
    let ran: Vec<_> = emitted
        .iter()
        .map(|e| (e.event.kind, e.handler.as_str(), e.reemitted, e.deferred))
        .collect();
    assert_eq!(
        ran,
        [
            (EventKind::Install, "on_install", true, false),
            (EventKind::ConfigChanged, "first", false, false),
            (EventKind::ConfigChanged, "second", false, false),
        ]
    );
}

#[test]
fn abort_in_an_action_fails_the_action_not_the_unit() {
    let s = setup("", false);
    s.fake.always("action-get", 0, r#"{"target":"abort"}"#, "");
    let err = dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 0);
    let calls = tool_calls(&s);
    assert!(calls.contains(&"action-fail -- no such target".to_string()));
    assert!(!calls.iter().any(|c| c.starts_with("status-set")));
}

#[test]
fn success_saves_through_the_store() {
    let s = setup("", false);
    let store = MemoryStore::new(None);
    run(
        &s.model,
        &store,
        Some(&event(EventKind::Install)),
        RunOptions::default(),
    )
    .unwrap();
    let saved = store.state().unwrap();
    assert_eq!(
        saved.charm,
        Some(serde_json::json!({"runs": ["on_install", "unit_status", "unit_status_2"]}))
    );
}

#[test]
fn state_that_does_not_fit_the_charm_is_an_error() {
    let s = setup("", false);
    let state = UnitState {
        charm: Some(serde_json::json!({"runs": 3})),
        deferred: vec![],
        revision: 0,
    };
    let err = dispatch(&s.model, state, None, RunOptions::default()).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
    assert!(
        err.to_string()
            .contains("runs: invalid type: integer, expected a sequence"),
        "names the field and the type, not the value: {err}"
    );
    assert!(!err.to_string().contains('3'), "{err}");
}

#[test]
fn missing_fields_take_defaults_and_unknown_ones_are_dropped_with_one_warning() {
    let s = setup("", false);
    let state = UnitState {
        charm: Some(serde_json::json!({"gone": 1, "also_gone": {"x": 2}})),
        deferred: vec![],
        revision: 0,
    };
    let out = dispatch(
        &s.model,
        state,
        Some(&event(EventKind::Install)),
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(out.charm.runs[0], "on_install");
    let warnings: Vec<_> = logs(&s)
        .into_iter()
        .filter(|l| l.starts_with("WARNING"))
        .collect();
    assert_eq!(
        warnings,
        [
            "WARNING -- Dropping saved state fields ops::framework::tests::Demo no longer has: \
          also_gone, gone."
        ]
    );
}

#[test]
fn stop_and_remove_run_from_the_default_state_when_the_saved_one_does_not_fit() {
    for kind in [EventKind::Stop, EventKind::Remove] {
        let s = setup("", false);
        let store = MemoryStore::new(Some(UnitState {
            charm: Some(serde_json::json!({"runs": 3})),
            deferred: vec![],
            revision: 0,
        }));
        run(&s.model, &store, Some(&event(kind)), RunOptions::default()).unwrap();
        assert!(
            logs(&s).iter().any(|l| l.starts_with(&format!(
                "ERROR -- RUNNING {} FROM THE DEFAULT STATE: unit state: ",
                kind_name(kind)
            ))),
            "{:?}",
            logs(&s)
        );
        // Collect-status ran on the default charm, and that is what is saved.
        assert_eq!(
            store.state().unwrap().charm,
            Some(serde_json::json!({"runs": ["unit_status", "unit_status_2"]}))
        );
    }
}

#[test]
fn restricted_contexts_skip_reemit_and_collect_status() {
    let s = setup("", true);
    let deferred = vec![DeferredEvent {
        event: event(EventKind::ConfigChanged),
        handler: "second".into(),
    }];
    let state = UnitState {
        charm: None,
        deferred: deferred.clone(),
        revision: 0,
    };
    let out = dispatch(
        &s.model,
        state,
        Some(&event(EventKind::CollectMetrics)),
        RunOptions {
            restricted: true,
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert!(out.charm.runs.is_empty());
    assert_eq!(out.state.deferred, deferred);
    assert!(tool_calls(&s).is_empty(), "{:?}", tool_calls(&s));
}

#[test]
fn skip_collect_status_still_reemits_deferred_events() {
    let s = setup("", true);
    let state = UnitState {
        charm: None,
        deferred: vec![DeferredEvent {
            event: event(EventKind::ConfigChanged),
            handler: "second".into(),
        }],
        revision: 0,
    };
    let options = RunOptions {
        skip_collect_status: true,
        ..RunOptions::default()
    };
    let out = dispatch(&s.model, state, None, options).unwrap();
    // Only the deferring handler ran; no collect-status handler, no status set.
    assert_eq!(out.charm.runs, ["second"]);
    assert!(out.state.deferred.is_empty());
    assert_eq!(out.emitted.len(), 1);
    assert!(out.emitted[0].reemitted);
    assert!(!tool_calls(&s).iter().any(|c| c.starts_with("status-set")));
}

fn action_event() -> EventData {
    EventData {
        action_id: Some("17".into()),
        ..EventData::named(EventKind::Action, "backup")
    }
}

#[test]
fn actions_set_results_and_errors_fail_them_once() {
    let s = setup("", false);
    s.fake.always("action-get", 0, r#"{"target":"s3"}"#, "");
    dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap();
    assert!(tool_calls(&s).contains(&"action-set saved.to=s3".to_string()));

    let s = setup("", false);
    s.fake.always("action-get", 0, r#"{"target":"error"}"#, "");
    dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap_err();
    let fails: Vec<_> = tool_calls(&s)
        .into_iter()
        .filter(|c| c.starts_with("action-fail"))
        .collect();
    assert_eq!(fails, ["action-fail -- disk full"]);

    let s = setup("", false);
    s.fake
        .always("action-get", 0, r#"{"target":"fail-self"}"#, "");
    dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap_err();
    let fails: Vec<_> = tool_calls(&s)
        .into_iter()
        .filter(|c| c.starts_with("action-fail"))
        .collect();
    assert_eq!(fails, ["action-fail -- target refused"]);
}

#[test]
fn action_params_that_do_not_fit_fail_the_action_naming_the_param() {
    let s = setup("", false);
    s.fake.always("action-get", 0, r#"{"target":5}"#, "");
    let err = dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap_err();
    let expected = "invalid parameters for action backup: target: expected a string, got a number";
    assert!(err.to_string().contains(expected), "{err}");
    assert!(tool_calls(&s).contains(&format!("action-fail -- {expected}")));
    let s = setup("", false);
    s.fake.always("action-get", 0, r#"{}"#, "");
    let err = dispatch(
        &s.model,
        UnitState::default(),
        Some(&action_event()),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("target: required but not given"),
        "{err}"
    );
}

#[test]
fn config_that_does_not_fit_names_the_option() {
    let s = setup("", false);
    s.fake
        .always("config-get", 0, r#"{"mode":"x","port":"eighty"}"#, "");
    let err = dispatch(
        &s.model,
        UnitState::default(),
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("port: expected an integer, got a string"),
        "{err}"
    );
}

#[test]
fn collect_status_priority_and_ties() {
    let mut c = StatusCollector::new();
    assert_eq!(c.winner(), None);
    c.add(Status::active("a"));
    c.add(Status::waiting("w"));
    c.add(Status::maintenance("m1"));
    c.add(Status::maintenance("m2"));
    assert_eq!(c.winner(), Some(&Status::maintenance("m1")));
    c.add(Status::blocked("b"));
    assert_eq!(c.winner(), Some(&Status::blocked("b")));
}

#[test]
fn event_labels_follow_python_names() {
    assert_eq!(
        event_label(&event(EventKind::ConfigChanged)),
        "config_changed"
    );
    assert_eq!(
        event_label(&EventData::named(EventKind::RelationChanged, "database")),
        "database_relation_changed"
    );
    assert_eq!(
        event_label(&EventData::named(EventKind::Action, "get-db-info")),
        "get_db_info_action"
    );
    assert_eq!(
        event_label(&EventData::named(EventKind::PebbleReady, "demo-server")),
        "demo_server_pebble_ready"
    );
}

#[test]
fn controller_store_round_trip() {
    let s = setup("", false);
    let store = ControllerStore;
    s.fake.answer("state-get", 0, "", "");
    assert_eq!(store.load(s.model.core()).unwrap(), None);
    let state = UnitState {
        charm: Some(serde_json::json!({"runs": []})),
        deferred: vec![],
        revision: 0,
    };
    store.save(s.model.core(), &state).unwrap();
    let sent = s.fake.calls.lock().unwrap().last().unwrap().clone();
    assert_eq!(sent.args, ["--file", "-"]);
    let doc: Map<String, Value> = serde_json::from_str(sent.stdin.as_deref().unwrap()).unwrap();
    let text = doc[ControllerStore::KEY].as_str().unwrap().to_string();
    s.fake.answer("state-get", 0, &format!("{text}\n"), "");
    assert_eq!(store.load(s.model.core()).unwrap(), Some(state));
    s.fake.answer("state-get", 0, "garbage", "");
    assert!(matches!(
        store.load(s.model.core()),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn dispatch_in_place_runs_on_the_callers_charm_and_leaves_it_there() {
    // Success: the handlers see what the caller put in the charm, and the caller sees
    // what they did; the state to save is that charm.
    let s = setup("", false);
    let mut charm = Demo {
        runs: vec!["set by the caller".into()],
    };
    let done = dispatch_in_place(
        &s.model,
        &mut charm,
        vec![],
        Some(&event(EventKind::Install)),
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(
        charm.runs,
        [
            "set by the caller",
            "on_install",
            "unit_status",
            "unit_status_2"
        ]
    );
    assert_eq!(
        done.state.charm,
        Some(serde_json::to_value(&charm).unwrap())
    );
    assert!(done.emitted.iter().any(|e| e.handler == "on_install"));

    // A failing handler: the error is reported as dispatch reports it, and the charm stays
    // with the caller as the handlers left it.
    let s = setup("fail-second", false);
    let mut charm = Demo::default();
    let err = dispatch_in_place(
        &s.model,
        &mut charm,
        vec![],
        Some(&event(EventKind::ConfigChanged)),
        RunOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("second failed"), "{err}");
    assert_eq!(charm.runs, ["first", "second"]);
    assert!(logs(&s).iter().any(|l| l.starts_with("ERROR")));
}

/// A charm built with the macros whose library observes only its endpoint's
/// relation-changed: a hook about something else runs no hook tool for it.
mod lazy_libraries {
    use super::*;
    use crate::event::RelationChanged;
    use crate::model::Member;
    use crate::{charm, library, Custom, LibModel};

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Created {
        endpoints: String,
    }

    #[library(
        interface = "postgresql_client",
        role = "requires",
        events(created = Created)
    )]
    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Requirer {
        endpoints: Option<String>,
    }

    #[library]
    impl Requirer {
        #[on(relation_changed)]
        fn changed(
            &mut self,
            model: &LibModel<Self>,
            event: &RelationChanged,
        ) -> crate::Result<()> {
            let endpoints = event.relation.get(Member::RemoteApp, "endpoints")?;
            if let Some(endpoints) = endpoints.filter(|e| Some(e) != self.endpoints.as_ref()) {
                self.endpoints = Some(endpoints.clone());
                model.emit(Created { endpoints })?;
            }
            Ok(())
        }
    }

    #[charm(metadata = "tests/libraries.yaml")]
    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Lazy {
        #[lib(endpoint = "database")]
        db: Requirer,
        #[lib(endpoint = "replica")]
        replica: Requirer,
        seen: Vec<String>,
    }

    #[charm]
    impl Lazy {
        #[on(update_status)]
        fn update_status(&mut self, _model: &Model<Self>) {
            self.seen.push("update_status".into());
        }

        #[on(db.created)]
        fn created(&mut self, _model: &Model<Self>, event: &Custom<Created>) {
            self.seen.push(format!("created {}", event.endpoints));
        }
    }

    fn model(fake: &Arc<Fake>, vars: &[(&str, &str)]) -> Model<Lazy> {
        let backend = HookTools::with_runner(Shared(fake.clone()));
        let mut all = vec![("JUJU_UNIT_NAME", "libapp/0")];
        all.extend_from_slice(vars);
        Model::new(Box::new(backend), JujuContext::from_vars(all))
    }

    #[test]
    fn a_hook_runs_no_hook_tool_for_libraries_it_does_not_concern() {
        let fake = Arc::new(Fake::default());
        let model = model(&fake, &[]);
        let out = dispatch(
            &model,
            UnitState::default(),
            Some(&event(EventKind::UpdateStatus)),
            RunOptions::default(),
        )
        .unwrap();
        assert_eq!(out.charm.seen, ["update_status"]);
        let calls: Vec<String> = fake
            .argv()
            .into_iter()
            .filter(|c| !c.starts_with("juju-log"))
            .collect();
        assert!(calls.is_empty(), "{calls:?}");
        // The library's state is saved with the charm's all the same.
        let saved = out.state.charm.unwrap();
        assert_eq!(saved["db"], serde_json::json!({"endpoints": null}));
    }

    #[test]
    fn the_library_of_the_endpoint_reads_its_databag_once() {
        let fake = Arc::new(Fake::default());
        fake.always("relation-get", 0, r#"{"endpoints": "pg:5432"}"#, "");
        let model = model(
            &fake,
            &[
                ("JUJU_RELATION", "database"),
                ("JUJU_RELATION_ID", "database:3"),
                ("JUJU_REMOTE_APP", "pg"),
            ],
        );
        let event = EventData {
            relation_id: Some(3),
            remote_app: Some("pg".into()),
            ..EventData::named(EventKind::RelationChanged, "database")
        };
        let out = dispatch(
            &model,
            UnitState::default(),
            Some(&event),
            RunOptions::default(),
        )
        .unwrap();
        assert_eq!(out.charm.seen, ["created pg:5432"]);
        assert_eq!(out.charm.db.endpoints.as_deref(), Some("pg:5432"));
        assert_eq!(out.charm.replica.endpoints, None);
        let calls: Vec<String> = fake
            .argv()
            .into_iter()
            .filter(|c| !c.starts_with("juju-log"))
            .collect();
        // Only the bound endpoint's relation is read (the replica's library stays idle).
        assert_eq!(
            calls,
            [
                "relation-list --format=json -r database:3",
                "relation-get --format=json -r database:3 --app - pg"
            ]
        );
        let handlers: Vec<&str> = out.emitted.iter().map(|e| e.handler.as_str()).collect();
        assert_eq!(handlers, ["db.changed", "created"]);
    }
}
