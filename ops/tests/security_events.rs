//! Security events the model logs as Python `ops` does, seen through `ops::testing`
//! (the in-memory Pebble answers which checks it stopped).

#![cfg(feature = "testing")]
#![deny(missing_docs)]

use ops::pebble::Layer;
use ops::prelude::*;
use ops::testing::{CheckInfo, Container, Harness, State};
use ops::LogLevel;

/// A charm with nothing to do: the tests drive its model directly.
#[charm(metadata = "tests/testing_macro.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Quiet {}

#[charm]
impl Quiet {
    #[on(install)]
    fn install(&mut self, _model: &Model<Self>) {}
}

#[test]
fn stopping_checks_logs_sys_monitor_disabled_per_stopped_check() {
    let layer = Layer::from_yaml(
        "checks:\n  up:\n    override: replace\n    level: alive\n    tcp: {port: 80}\n  \
         ready:\n    override: replace\n    level: ready\n    tcp: {port: 81}\n",
    )
    .unwrap();
    let mut h = Harness::<Quiet>::new();
    h.edit_state(|s| {
        *s = State::new().container(
            Container::new("workload")
                .can_connect(true)
                .layer("base", layer)
                .check_info(CheckInfo::new("up"))
                .check_info(CheckInfo::new("ready")),
        )
    });
    let model = h.model();
    let workload = model.container("workload").unwrap();
    assert_eq!(workload.stop_checks(&["up"]).unwrap(), ["up"]);
    // Stopped already: nothing stopped, nothing logged.
    assert!(workload.stop_checks(&["up"]).unwrap().is_empty());
    let events: Vec<serde_json::Value> = h
        .output()
        .juju_log
        .iter()
        .filter(|l| l.level == LogLevel::Trace)
        .map(|l| serde_json::from_str(&l.message).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "security");
    assert_eq!(events[0]["level"], "WARN");
    let event = events[0]["event"].as_str().unwrap();
    let (kind, data) = event.split_once(':').unwrap();
    assert_eq!(kind, "sys_monitor_disabled");
    let (uid, check) = data.split_once(',').unwrap();
    assert!(uid.parse::<u32>().is_ok(), "{event}");
    assert_eq!(check, "up");
    assert_eq!(events[0]["description"], "Stopped check up");
}
