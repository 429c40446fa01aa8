//! Checks: http, tcp and exec; levels; start, stop and refresh; a failure threshold that
//! takes a check down (the `recover-check` change Juju turns into `check-failed`).

use crate::{eventually, layer, start};
use ops_pebble::{CheckInfo, CheckLevel, CheckStatus, NoticeType, NoticesQuery, Pebble};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// A tiny HTTP server answering 200 to `/ok` and 500 to anything else, on a free port.
fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let n = stream.read(&mut buf).unwrap_or(0);
            let ok = buf[..n].starts_with(b"GET /ok ");
            let status = if ok { "200 OK" } else { "500 Oops" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    port
}

fn check(infos: &[CheckInfo], name: &str) -> CheckInfo {
    infos
        .iter()
        .find(|c| c.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no {name}: {infos:?}"))
}

#[test]
fn http_tcp_and_exec_checks_go_up_and_down() {
    let pebble = start!("http_tcp_and_exec_checks_go_up_and_down");
    let client = pebble.client();
    let port = http_server();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let yaml = format!(
        "checks:
  web-ok:
    override: replace
    level: ready
    period: 100ms
    http:
      url: http://127.0.0.1:{port}/ok
  web-bad:
    override: replace
    level: alive
    period: 100ms
    threshold: 2
    http:
      url: http://127.0.0.1:{port}/bad
  tcp-ok:
    override: replace
    period: 100ms
    tcp:
      port: {port}
      host: 127.0.0.1
  tcp-bad:
    override: replace
    period: 100ms
    threshold: 1
    tcp:
      port: {closed_port}
      host: 127.0.0.1
  exec-ok:
    override: replace
    level: alive
    period: 100ms
    exec:
      command: sh -c 'test -d /'
"
    );
    client.add_layer("checks", &layer(&yaml), false).unwrap();
    let limit = Duration::from_secs(10);
    eventually("every check to run and settle", limit, || {
        let infos = client.get_checks(None, &[]).unwrap();
        let bad = check(&infos, "web-bad");
        let tcp_bad = check(&infos, "tcp-bad");
        infos.iter().all(|c| c.has_run())
            && bad.status == CheckStatus::Down
            && tcp_bad.status == CheckStatus::Down
    });
    let infos = client.get_checks(None, &[]).unwrap();
    let names: Vec<_> = infos.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["exec-ok", "tcp-bad", "tcp-ok", "web-bad", "web-ok"]);
    for name in ["web-ok", "tcp-ok", "exec-ok"] {
        let c = check(&infos, name);
        assert_eq!(c.status, CheckStatus::Up, "{c:?}");
        assert_eq!(c.failures, 0, "{c:?}");
    }
    let bad = check(&infos, "web-bad");
    assert!(bad.failures >= 2, "{bad:?}");
    assert_eq!(bad.threshold, 2);
    assert_eq!(bad.level, Some(CheckLevel::Alive));

    // Levels: the alive check failing makes alive and ready unhealthy (ready implies
    // alive); filtering by names narrows it.
    let alive = client.get_checks(Some(&CheckLevel::Alive), &[]).unwrap();
    let alive: Vec<_> = alive.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(alive, ["exec-ok", "web-bad"]);
    assert!(!client.health(Some(&CheckLevel::Alive), &[]).unwrap());
    assert!(!client.health(Some(&CheckLevel::Ready), &[]).unwrap());
    assert!(client.health(None, &["web-ok", "tcp-ok"]).unwrap());
    assert!(!client.health(None, &["tcp-bad"]).unwrap());

    // The failing check's change is a recover-check; a healthy one's a perform-check.
    let bad_change = client
        .get_change(bad.change_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(bad_change.kind, "recover-check");
    let ok = check(&infos, "web-ok");
    let ok_change = client.get_change(ok.change_id.as_deref().unwrap()).unwrap();
    assert_eq!(ok_change.kind, "perform-check");
    // Going down recorded a change-update notice for the recover-check change.
    let notices = client
        .get_notices(&NoticesQuery {
            types: vec![NoticeType::ChangeUpdate],
            keys: vec![bad_change.id.clone()],
            ..NoticesQuery::default()
        })
        .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        notices[0].last_data.get("kind").map(String::as_str),
        Some("recover-check")
    );
    assert_eq!(
        notices[0].last_data.get("check-name").map(String::as_str),
        Some("web-bad")
    );
}

#[test]
fn checks_start_stop_and_refresh() {
    let pebble = start!("checks_start_stop_and_refresh");
    let client = pebble.client();
    let marker = pebble.scratch().join("healthy");
    let yaml = format!(
        "checks:
  lazy:
    override: replace
    startup: disabled
    period: 1h
    threshold: 1
    exec:
      command: test -e {}
  busy:
    override: replace
    period: 1h
    exec:
      command: 'true'
",
        marker.display()
    );
    client.add_layer("checks", &layer(&yaml), false).unwrap();
    let lazy = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
    assert_eq!(lazy.status, CheckStatus::Inactive, "{lazy:?}");
    assert_eq!(lazy.change_id, None);

    // Start: only the stopped one is reported as changed.
    let changed = client.start_checks(&["lazy", "busy"]).unwrap();
    assert_eq!(changed, ["lazy"]);
    let lazy = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
    assert_ne!(lazy.status, CheckStatus::Inactive, "{lazy:?}");

    // Refresh runs it now: the marker is missing, so it fails, with the command's error.
    // The info Pebble returns may be taken before the run's result is counted.
    let refresh = client.refresh_check("lazy").unwrap();
    assert_eq!(refresh.info.name, "lazy");
    assert_eq!(refresh.error, "exit status 1", "{refresh:?}");
    eventually(
        "the refreshed failure to count",
        Duration::from_secs(5),
        || {
            let lazy = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
            lazy.status == CheckStatus::Down && lazy.failures == 1
        },
    );
    // Down: its change is now a recover-check (Juju's check-failed).
    let down = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
    let recover = client
        .get_change(down.change_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(recover.kind, "recover-check");
    assert!(!recover.ready, "{recover:?}");
    std::fs::write(&marker, b"").unwrap();
    let refresh = client.refresh_check("lazy").unwrap();
    assert_eq!(refresh.error, "", "{refresh:?}");
    eventually(
        "the refreshed success to count",
        Duration::from_secs(5),
        || {
            let lazy = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
            lazy.status == CheckStatus::Up && lazy.failures == 0
        },
    );
    // Up again (Juju's check-recovered): the recover-check change is done, and a new
    // perform-check change runs the check, the recovery its previous change.
    let up = check(&client.get_checks(None, &["lazy"]).unwrap(), "lazy");
    let recovered = client.get_change(&recover.id).unwrap();
    assert_eq!(
        (recovered.ready, recovered.status.clone()),
        (true, ops_pebble::ChangeStatus::Done)
    );
    let perform = client.get_change(up.change_id.as_deref().unwrap()).unwrap();
    assert_eq!(perform.kind, "perform-check");
    assert_eq!(up.prev_change_id.as_deref(), Some(recover.id.as_str()));

    // Stop: only the running ones are reported; a stopped check is inactive.
    let changed = client.stop_checks(&["lazy", "busy"]).unwrap();
    assert_eq!(changed, ["busy", "lazy"]);
    assert!(client.stop_checks(&["lazy"]).unwrap().is_empty());
    let infos = client.get_checks(None, &[]).unwrap();
    assert!(
        infos.iter().all(|c| c.status == CheckStatus::Inactive),
        "{infos:?}"
    );

    // Unknown names.
    let err = client.start_checks(&["nope"]).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot start checks: cannot find checks in plan: nope"
    );
    let err = client.refresh_check("nope").unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}
