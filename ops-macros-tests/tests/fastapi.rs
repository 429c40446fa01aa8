//! The design's target shape (the fastapi-demo charm) compiles and dispatches.

#![deny(missing_docs)]

mod common;

use common::Unit;
use ops::event::{PebbleReady, RelationChanged};
use ops::prelude::*;
use ops::{Action, EventData, EventKind};
use serde_json::json;

/// The charm under test; its state records what ran.
#[charm(metadata = "tests/charms/fastapi-demo/charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct FastApiDemo {
    calls: Vec<String>,
}

#[charm]
impl FastApiDemo {
    #[on(pebble_ready = "demo-server")]
    fn start(&mut self, model: &Model<Self>, event: &PebbleReady) -> ops::Result<()> {
        let port = model.config()?.server_port;
        self.calls
            .push(format!("start {} {port}", event.workload.name()));
        assert_eq!(model.containers().demo_server().name(), "demo-server");
        event.defer();
        Ok(())
    }

    #[on(config_changed)]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let _ = model;
        self.calls.push("configure".into());
        Ok(())
    }

    #[on(config_changed)]
    fn configure_again(&mut self, _model: &Model<Self>) {
        self.calls.push("configure_again".into());
    }

    #[on(relation_changed = "database")]
    fn db_changed(&mut self, model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let db = model.relations().database()?;
        self.calls.push(format!(
            "db_changed {} {:?}",
            event.relation.id(),
            db.map(|r| r.id())
        ));
        Ok(())
    }

    #[on(action = "get-db-info")]
    fn db_info(
        &mut self,
        _model: &Model<Self>,
        action: &mut Action<GetDbInfoParams>,
    ) -> ops::Result<()> {
        self.calls.push(format!(
            "db_info show-password={}",
            action.params.show_password
        ));
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&self, _model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()> {
        status.add(Status::active(""));
        Ok(())
    }

    #[on(update_status)]
    fn fails(&mut self, _model: &Model<Self>) -> Result<(), ops::ModelError> {
        Err(ops::ModelError::Other("boom".into()))
    }
}

#[test]
fn meta_is_the_metadata() {
    let meta = <FastApiDemo as Charm>::META;
    assert_eq!(meta.name, "fastapi-demo");
    assert_eq!(meta.containers.len(), 1);
    assert_eq!(meta.containers[0].name, "demo-server");
    assert_eq!(meta.containers[0].resource, Some("demo-server-image"));
    assert_eq!(meta.relation("database").map(|r| r.limit), Some(Some(1)));
    assert_eq!(
        meta.relation("fastapi-peer").map(|r| r.role),
        Some(ops::meta::RelationRole::Peer)
    );
    assert_eq!(
        meta.config_option("server-port").and_then(|o| o.default),
        Some("8000")
    );
    assert_eq!(
        meta.action("get-db-info").map(|a| a.params[0].name),
        Some("show-password")
    );
}

#[test]
fn observers_in_source_order() {
    let ev = EventData::new(EventKind::ConfigChanged);
    assert_eq!(
        FastApiDemo::observers(&ev),
        &["configure", "configure_again"]
    );
    let ev = EventData::named(EventKind::PebbleReady, "demo-server");
    assert_eq!(FastApiDemo::observers(&ev), &["start"]);
    let ev = EventData::named(EventKind::PebbleReady, "other");
    assert!(FastApiDemo::observers(&ev).is_empty());
    assert!(FastApiDemo::observers(&EventData::new(EventKind::Install)).is_empty());
}

#[test]
fn dispatch_runs_handlers_in_order_and_reports_deferrals() {
    let mut unit = Unit::<FastApiDemo>::new();
    unit.state.config = json!({"server-port": 9000}).as_object().unwrap().clone();
    unit.state
        .relations
        .push(ops::testing::Relation::new("database").id(7));
    let mut charm = FastApiDemo::default();

    let deferred = unit
        .dispatch(&mut charm, &EventData::new(EventKind::ConfigChanged), None)
        .into_result()
        .unwrap();
    assert!(deferred.is_empty());
    assert_eq!(charm.calls, ["configure", "configure_again"]);

    charm.calls.clear();
    let ev = EventData::named(EventKind::PebbleReady, "demo-server");
    assert_eq!(
        unit.dispatch(&mut charm, &ev, None).into_result().unwrap(),
        ["start"]
    );
    assert_eq!(charm.calls, ["start demo-server 9000"]);

    charm.calls.clear();
    let ev = EventData::new(EventKind::ConfigChanged);
    unit.dispatch(&mut charm, &ev, Some("configure_again"))
        .into_result()
        .unwrap();
    assert_eq!(charm.calls, ["configure_again"]);

    charm.calls.clear();
    let ev = EventData {
        relation_id: Some(7),
        ..EventData::named(EventKind::RelationChanged, "database")
    };
    unit.dispatch(&mut charm, &ev, None).into_result().unwrap();
    assert_eq!(charm.calls, ["db_changed 7 Some(7)"]);
}

#[test]
fn dispatch_actions_with_typed_params() {
    let mut unit = Unit::<FastApiDemo>::new();
    let mut charm = FastApiDemo::default();
    let ev = EventData::named(EventKind::Action, "get-db-info");
    unit.dispatch(&mut charm, &ev, None).into_result().unwrap();
    unit.action_params = json!({"show-password": true}).as_object().unwrap().clone();
    unit.dispatch(&mut charm, &ev, None).into_result().unwrap();
    assert_eq!(
        charm.calls,
        ["db_info show-password=false", "db_info show-password=true"]
    );
    unit.action_params = json!({"show-password": "yes"}).as_object().unwrap().clone();
    let err = unit
        .dispatch(&mut charm, &ev, None)
        .into_result()
        .unwrap_err()
        .to_string();
    assert!(err.contains("show-password: expected a boolean"), "{err}");
}

#[test]
fn dispatch_collect_status_and_errors() {
    let mut unit = Unit::<FastApiDemo>::new();
    let mut charm = FastApiDemo::default();
    let collected = unit
        .dispatch(
            &mut charm,
            &EventData::new(EventKind::CollectUnitStatus),
            None,
        )
        .statuses;
    assert_eq!(collected.statuses(), &[Status::active("")]);
    let err = unit
        .dispatch(&mut charm, &EventData::new(EventKind::UpdateStatus), None)
        .into_result()
        .unwrap_err();
    assert_eq!(err.to_string(), "boom");
}

#[test]
fn dispatch_outcome_says_what_each_handler_did() {
    let mut unit = Unit::<FastApiDemo>::new();
    let mut charm = FastApiDemo::default();
    let outcome = unit.dispatch(&mut charm, &EventData::new(EventKind::ConfigChanged), None);
    let runs: Vec<_> = outcome
        .handlers
        .iter()
        .map(|r| (r.handler.as_str(), r.deferred, r.error.is_some()))
        .collect();
    assert_eq!(
        runs,
        [
            ("configure", false, false),
            ("configure_again", false, false)
        ]
    );
    assert!(!outcome.action_failed);
    assert!(outcome.statuses.statuses().is_empty());
    let ev = EventData::named(EventKind::PebbleReady, "demo-server");
    let outcome = unit.dispatch(&mut charm, &ev, Some("start"));
    assert_eq!(outcome.handlers.len(), 1);
    assert!(outcome.handlers[0].deferred);
    let outcome = unit.dispatch(&mut charm, &EventData::new(EventKind::UpdateStatus), None);
    let error = outcome.handlers[0].error.as_ref().map(|e| e.to_string());
    assert_eq!(error.as_deref(), Some("boom"));
}

#[test]
fn config_defaults_and_type_errors() {
    use ops::CharmConfig;
    let empty = serde_json::Map::new();
    let config = FastApiDemoConfig::from_values(&empty).unwrap();
    assert_eq!(config.server_port, 8000);
    let bad = json!({"server-port": "eighty"})
        .as_object()
        .unwrap()
        .clone();
    let err = FastApiDemoConfig::from_values(&bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server-port: expected an integer, got a string"
    );
}
