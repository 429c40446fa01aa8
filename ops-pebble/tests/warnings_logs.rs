//! Warnings (older Pebbles) and logs, including follow mode, against the Pebble stand-in.

use ops_pebble_stand_in as common;

use common::FakePebble;
use ops_pebble::*;
use serde_json::json;

#[test]
fn warnings_list_and_acknowledge() {
    let p = FakePebble::start();
    let c = p.client();
    let all = c.get_warnings(WarningState::All).unwrap();
    assert_eq!(p.last().query, vec![("select".into(), "all".into())]);
    assert_eq!(
        all,
        vec![Warning {
            message: "be careful".into(),
            first_added: "2024-01-01T00:00:00Z".into(),
            last_added: "2024-01-02T00:00:00Z".into(),
            last_shown: None,
            expire_after: "672h0m0s".into(),
            repeat_after: "24h0m0s".into(),
        }]
    );
    assert_eq!(c.ack_warnings("2024-01-03T00:00:00+00:00").unwrap(), 1);
    assert_eq!(
        p.last().body,
        json!({"action": "okay", "timestamp": "2024-01-03T00:00:00+00:00"})
    );
    // Pending (the default) is empty once acknowledged; Pebble answers null for none.
    assert!(c.get_warnings(WarningState::default()).unwrap().is_empty());
    assert_eq!(p.last().query, vec![("select".into(), "pending".into())]);
    assert_eq!(c.ack_warnings("2024-01-03T00:00:00+00:00").unwrap(), 0);
    assert_eq!(c.get_warnings(WarningState::All).unwrap().len(), 1);
}

#[test]
fn logs_filtered_and_followed_until_the_callback_stops() {
    let p = FakePebble::start();
    let c = p.client();
    let all = c.get_logs(&[], None).unwrap();
    assert_eq!(
        all.iter().map(|e| e.service.as_str()).collect::<Vec<_>>(),
        ["svc1", "svc2", "svc1"]
    );
    assert!(p.last().query.is_empty());

    // Follow: the stand-in keeps the stream open after its lines, so returning at all
    // shows the client stops when the callback says so.
    let mut seen = Vec::new();
    c.follow_logs(&["svc1"], Some(5), &mut |entry| {
        seen.push(entry.message);
        seen.len() < 2
    })
    .unwrap();
    assert_eq!(seen, ["line 0", "line 2"]);
    assert_eq!(
        p.last().query,
        vec![
            ("services".into(), "svc1".into()),
            ("n".into(), "5".into()),
            ("follow".into(), "true".into())
        ]
    );
}
