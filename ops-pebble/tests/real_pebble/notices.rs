//! Notices: notify custom, get_notices with filters, waiting for a notice.

use crate::start;
use ops_pebble::{NoticeType, NoticesQuery, NotifyOptions, Pebble};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn custom(keys: &[&str]) -> NoticesQuery {
    NoticesQuery {
        types: vec![NoticeType::Custom],
        keys: keys.iter().map(|k| k.to_string()).collect(),
        ..NoticesQuery::default()
    }
}

#[test]
fn notify_repeat_and_filter() {
    let pebble = start!("notify_repeat_and_filter");
    let client = pebble.client();
    let data = BTreeMap::from([("path".to_string(), "/etc/x".to_string())]);
    let first = client
        .notify(
            "example.com/a",
            &NotifyOptions {
                data: data.clone(),
                ..NotifyOptions::default()
            },
        )
        .unwrap();
    let second = client
        .notify("example.com/b", &NotifyOptions::default())
        .unwrap();
    assert_ne!(first, second);
    // The same key again is the same notice, one more occurrence, with the new data.
    let again = client
        .notify("example.com/a", &NotifyOptions::default())
        .unwrap();
    assert_eq!(again, first);
    let notice = client.get_notice(&first).unwrap();
    assert_eq!(notice.type_, NoticeType::Custom);
    assert_eq!(notice.key, "example.com/a");
    assert_eq!(notice.occurrences, 2);
    assert!(notice.last_data.is_empty(), "{notice:?}");
    assert_eq!(
        notice.user_id,
        Some(0),
        "notices a client records are the client's own"
    );
    assert!(notice.first_occurred <= notice.last_occurred);

    // Filters: by key, by type; change-update notices are not custom.
    let a = client.get_notices(&custom(&["example.com/a"])).unwrap();
    assert_eq!(
        a.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        [first.as_str()]
    );
    let both = client.get_notices(&custom(&[])).unwrap();
    let keys: Vec<_> = both.iter().map(|n| n.key.as_str()).collect();
    // Ordered by last repeat: a repeated after b was first recorded.
    assert_eq!(keys, ["example.com/b", "example.com/a"]);
    let none = client
        .get_notices(&NoticesQuery {
            types: vec![NoticeType::Warning],
            ..NoticesQuery::default()
        })
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    // After: only notices repeated after the time.
    let after = client
        .get_notices(&NoticesQuery {
            after: Some(both[0].last_repeated.clone()),
            ..custom(&[])
        })
        .unwrap();
    let keys: Vec<_> = after.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["example.com/a"]);

    // repeat-after: a repeat within the window does not move last-repeated.
    let options = NotifyOptions {
        repeat_after: Some(Duration::from_secs(3600)),
        ..NotifyOptions::default()
    };
    client.notify("example.com/c", &options).unwrap();
    let before = client.get_notices(&custom(&["example.com/c"])).unwrap()[0].clone();
    client.notify("example.com/c", &options).unwrap();
    let after = client.get_notices(&custom(&["example.com/c"])).unwrap()[0].clone();
    assert_eq!(after.occurrences, 2);
    assert_eq!(after.last_repeated, before.last_repeated);
    assert_eq!(after.repeat_after.as_deref(), Some("1h0m0s"));

    // Bad requests.
    let err = client.notify("", &NotifyOptions::default()).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    let err = client.get_notice("999999").unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "cannot find notice with ID \"999999\"");
}

#[test]
fn waiting_for_a_notice() {
    let pebble = start!("waiting_for_a_notice");
    let client = pebble.client();
    let notifier = client.clone();
    let started = Instant::now();
    let later = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        notifier.notify("example.com/later", &NotifyOptions::default())
    });
    let got = client
        .get_notices(&NoticesQuery {
            timeout: Some(Duration::from_secs(10)),
            ..custom(&["example.com/later"])
        })
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].key, "example.com/later");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    later.join().unwrap().unwrap();
    // With nothing to come, the wait ends empty at its timeout.
    let started = Instant::now();
    let got = client
        .get_notices(&NoticesQuery {
            timeout: Some(Duration::from_millis(300)),
            ..custom(&["example.com/never"])
        })
        .unwrap();
    assert!(got.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(250));
}
