//! The client against the in-process Pebble stand-in on a real unix socket.

use ops_pebble_stand_in as common;

use common::FakePebble;
use ops_pebble::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap()
}

fn with_services(p: &FakePebble) {
    let c = p.client();
    c.add_layer(
        "base",
        &layer(
            "summary: base\nservices:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n  worker:\n    override: replace\n    command: /bin/worker\n  broken:\n    override: replace\n    command: /bin/fail\nchecks:\n  up:\n    override: replace\n    level: alive\n    http:\n      url: http://localhost/\n  ready:\n    override: replace\n    level: ready\n    startup: disabled\n    tcp:\n      port: 80\n",
        ),
        false,
    )
    .unwrap();
}

#[test]
fn system_info_and_wire_headers() {
    let p = FakePebble::start();
    let info = p.client().system_info().unwrap();
    assert_eq!(info.version, "v1.19.0");
    assert_eq!(info.boot_id, "b00t");
    let r = p.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/system-info")
    );
    assert!(r
        .headers
        .iter()
        .any(|(k, v)| k == "Accept" && v == "application/json"));
}

#[test]
fn connection_error_names_the_socket() {
    let c = Client::new("/nonexistent/dir/pebble.socket");
    match c.system_info() {
        Err(Error::Connection { path, message }) => {
            assert_eq!(path, std::path::Path::new("/nonexistent/dir/pebble.socket"));
            assert!(message.contains("not found"), "{message}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    // A socket file nobody listens on: refused.
    let dir = std::env::temp_dir().join(format!("ops-pebble-refused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dead.socket");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let err = Client::new(&path).system_info().unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn timeout_error_when_pebble_is_silent() {
    let dir = std::env::temp_dir().join(format!("ops-pebble-silent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("silent.socket");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let err = Client::new(&path)
        .with_timeout(Duration::from_millis(200))
        .system_info()
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn protocol_error_on_wrong_content_type() {
    // A server answering HTML instead of JSON.
    let dir = std::env::temp_dir().join(format!("ops-pebble-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("html.socket");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>",
        );
    });
    let err = Client::new(&path).system_info().unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("text/html")),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn api_error_carries_code_kind_and_message() {
    let p = FakePebble::start();
    // An error answer with a kind, as Pebble gives for a missing file or notice.
    p.state.lock().unwrap().canned.insert(
        ("GET".into(), "/v1/changes/999".into()),
        (
            404,
            json!({"message": "cannot find change with id \"999\"", "kind": "not-found"}),
        ),
    );
    let err = p.client().get_change("999").unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.code, 404);
    assert_eq!(api.kind.as_deref(), Some("not-found"));
    assert!(api.message.contains("999"));
    assert!(err.is_not_found());
}

#[test]
fn health_ok_and_unhealthy_502() {
    let p = FakePebble::start();
    let c = p.client();
    // A check that is down.
    c.add_layer(
        "checks",
        &layer("checks:\n  bad:\n    override: replace\n    tcp:\n      port: 1\n"),
        false,
    )
    .unwrap();
    p.state
        .lock()
        .unwrap()
        .container
        .check_infos
        .push(ops_pebble::sim::CheckInfo::new("bad").status(CheckStatus::Down));
    assert!(c.health(Some(&CheckLevel::Ready), &["a"]).unwrap());
    let r = p.last();
    assert_eq!(
        r.query,
        vec![
            ("level".into(), "ready".into()),
            ("names".into(), "a".into())
        ]
    );
    assert!(!c.health(None, &["bad"]).unwrap());
}

#[test]
fn layers_plan_and_combine() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    let r = p.last();
    assert_eq!(r.path, "/v1/layers");
    assert_eq!(r.body["action"], "add");
    assert_eq!(r.body["combine"], false);
    assert_eq!(r.body["label"], "base");
    assert_eq!(r.body["format"], "yaml");
    let plan = c.get_plan().unwrap();
    assert_eq!(p.last().query, vec![("format".into(), "yaml".into())]);
    assert_eq!(plan.services["web"].command, "/bin/web");
    assert_eq!(plan.checks["up"].level, Some(CheckLevel::Alive));

    // Same label without combine: 400.
    let err = c.add_layer("base", &Layer::default(), false).unwrap_err();
    assert_eq!(err.as_api().unwrap().code, 400);
    // With combine: merged into that layer.
    c.add_layer(
        "base",
        &layer("services:\n  web:\n    override: merge\n    environment:\n      A: '1'\n"),
        true,
    )
    .unwrap();
    let plan = c.get_plan().unwrap();
    assert_eq!(plan.services["web"].command, "/bin/web");
    assert_eq!(plan.services["web"].environment["A"], "1");
    // A layer entry without override is refused by (the stand-in using) the merge rules.
    let err = c
        .add_layer("bad", &layer("services:\n  x:\n    command: y\n"), false)
        .unwrap_err();
    assert!(err.to_string().contains("override"), "{err}");
}

#[test]
fn services_list_start_stop_restart_replan() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    let all = c.get_services(&[]).unwrap();
    assert_eq!(
        all.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["broken", "web", "worker"]
    );
    assert!(all.iter().all(|s| !s.is_running()));

    let id = c.start_services(&["web", "worker"], T).unwrap();
    let r = p.requests();
    let post = r.iter().rev().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        post.body,
        json!({"action": "start", "services": ["web", "worker"]})
    );
    let wait = r.last().unwrap();
    assert_eq!(wait.path, format!("/v1/changes/{id}/wait"));
    assert_eq!(wait.query[0].0, "timeout");
    assert!(wait.query[0].1.ends_with('s'));

    let some = c.get_services(&["web", "worker"]).unwrap();
    assert_eq!(p.last().query, vec![("names".into(), "web,worker".into())]);
    assert!(some.iter().all(ServiceInfo::is_running));
    c.stop_services(&["worker"], T).unwrap();
    assert!(!c.get_services(&["worker"]).unwrap()[0].is_running());
    c.restart_services(&["web"], T).unwrap();
    c.replan_services(T).unwrap();
    assert_eq!(
        p.requests()
            .iter()
            .filter(|r| r.body["action"] == "replan")
            .count(),
        1
    );
    c.autostart_services(T).unwrap();

    // Timeout zero: the change id without waiting.
    let before = p.requests().len();
    c.stop_services(&["web"], Duration::ZERO).unwrap();
    assert_eq!(p.requests().len(), before + 1);
}

#[test]
fn change_error_with_task_logs() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    p.state.lock().unwrap().failing.insert("broken".into());
    match c.start_services(&["broken"], T) {
        Err(Error::Change(e)) => {
            assert!(e.err.contains("broken"));
            assert_eq!(e.change.status, ChangeStatus::Error);
            let text = e.to_string();
            assert!(text.contains("----- Logs from task"), "{text}");
        }
        other => panic!("expected a change error, got {other:?}"),
    }
    // Unknown service: an API error before any change.
    let err = c.start_services(&["nope"], T).unwrap_err();
    assert_eq!(err.as_api().unwrap().code, 400);
}

#[test]
fn changes_get_list_wait_abort_and_polling_fallback() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    let id = c.start_services(&["web"], Duration::ZERO).unwrap();
    let change = c.get_change(&id).unwrap();
    assert_eq!(change.id, id);
    assert!(change.ready);
    let all = c.get_changes(ChangeState::All, Some("web")).unwrap();
    assert!(all.iter().any(|ch| ch.id == id));
    assert_eq!(
        p.last().query,
        vec![
            ("select".into(), "all".into()),
            ("for".into(), "web".into())
        ]
    );
    assert!(c
        .get_changes(ChangeState::InProgress, None)
        .unwrap()
        .is_empty());
    let waited = c.wait_change(&id, Some(T)).unwrap();
    assert_eq!(waited.status, ChangeStatus::Done);
    // Only a change in progress can be aborted.
    p.state.lock().unwrap().extra.changes.push(
        serde_json::from_value(
            json!({"id": "pending", "kind": "x", "summary": "", "status": "Doing", "tasks": [], "ready": false, "spawn-time": ""}),
        )
        .unwrap(),
    );
    let aborted = c.abort_change("pending").unwrap();
    assert_eq!(aborted.status, ChangeStatus::Abort);
    assert_eq!(p.last().body, json!({"action": "abort"}));

    // An old Pebble without /wait: polling.
    p.state.lock().unwrap().no_wait_endpoint = true;
    let waited = c.wait_change(&id, Some(T)).unwrap();
    assert_eq!(waited.id, id);
    assert_eq!(p.last().path, format!("/v1/changes/{id}"));
}

#[test]
fn wait_change_times_out() {
    let p = FakePebble::start();
    let c = p.client();
    // A change that never becomes ready.
    p.state.lock().unwrap().extra.changes.push(
        serde_json::from_value(
            json!({"id": "42", "kind": "x", "summary": "", "status": "Doing", "tasks": [], "ready": false, "spawn-time": ""}),
        )
        .unwrap(),
    );
    let start = std::time::Instant::now();
    let err = c
        .wait_change("42", Some(Duration::from_millis(300)))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn checks_list_start_stop_refresh() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    let checks = c.get_checks(None, &[]).unwrap();
    assert_eq!(checks.len(), 2);
    let up = checks.iter().find(|x| x.name == "up").unwrap();
    assert_eq!(up.status, CheckStatus::Up);
    assert_eq!(up.level, Some(CheckLevel::Alive));
    // No change id with a startup field: inactive (as Python ops reports it).
    let ready = checks.iter().find(|x| x.name == "ready").unwrap();
    assert_eq!(ready.status, CheckStatus::Inactive);

    let only = c
        .get_checks(Some(&CheckLevel::Alive), &["up", "ready"])
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(
        p.last().query,
        vec![
            ("level".into(), "alive".into()),
            ("names".into(), "up".into()),
            ("names".into(), "ready".into())
        ]
    );
    assert_eq!(c.start_checks(&["ready"]).unwrap(), ["ready"]);
    assert_eq!(
        p.last().body,
        json!({"action": "start", "checks": ["ready"]})
    );
    // Stopping a stopped check changes nothing: `changed: null` → empty.
    c.stop_checks(&["up"]).unwrap();
    assert!(c.stop_checks(&["up"]).unwrap().is_empty());
    // A refresh whose check fails (the stand-in runs no checks: a canned answer).
    p.state.lock().unwrap().canned.insert(
        ("POST".into(), "/v1/checks/refresh".into()),
        (
            200,
            json!({"info": {"name": "up", "status": "down", "failures": 1, "threshold": 1, "startup": "enabled", "change-id": "9"}, "error": "check timed out after 1s"}),
        ),
    );
    let refreshed = c.refresh_check("up").unwrap();
    assert_eq!(refreshed.info.status, CheckStatus::Down);
    assert_eq!(refreshed.error, "check timed out after 1s");
    assert_eq!(p.last().body, json!({"name": "up"}));
}

#[test]
fn files_push_pull_list_mkdir_remove() {
    let p = FakePebble::start();
    let c = p.client();
    let opts = MakeDirOptions {
        make_parents: true,
        ownership: FileOwnership {
            permissions: Some(0o750),
            user: Some("app".into()),
            ..Default::default()
        },
    };
    c.make_dir("/etc/app/conf.d", &opts).unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "make-dirs", "dirs": [{"path": "/etc/app/conf.d", "make-parents": true, "permissions": "750", "user": "app"}]})
    );
    // Exists without make-parents: path error.
    match c.make_dir("/etc/app", &MakeDirOptions::default()) {
        Err(Error::Path { kind, .. }) => assert_eq!(kind, "generic-file-error"),
        other => panic!("{other:?}"),
    }

    let push = PushOptions {
        make_dirs: false,
        ownership: FileOwnership {
            permissions: Some(0o600),
            user_id: Some(1000),
            group_id: Some(1000),
            ..Default::default()
        },
    };
    c.push(
        "/etc/app/app.conf",
        &mut &b"key = \"value\"\r\n--not-a-boundary\n"[..],
        &push,
    )
    .unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "write", "files": [{"path": "/etc/app/app.conf", "permissions": "600", "user-id": 1000, "group-id": 1000}]})
    );
    let mut out = Vec::new();
    let n = c.pull("/etc/app/app.conf", &mut out).unwrap();
    assert_eq!(out, b"key = \"value\"\r\n--not-a-boundary\n");
    assert_eq!(n, out.len() as u64);
    let r = p.last();
    assert_eq!(
        r.query,
        vec![
            ("action".into(), "read".into()),
            ("path".into(), "/etc/app/app.conf".into())
        ]
    );
    assert!(r
        .headers
        .iter()
        .any(|(k, v)| k == "Accept" && v == "multipart/form-data"));

    // Empty file round-trips.
    c.push("/etc/app/empty", &mut &b""[..], &PushOptions::default())
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(c.pull("/etc/app/empty", &mut out).unwrap(), 0);

    // Push into a missing directory: path error; with make_dirs it works.
    match c.push("/srv/x/y", &mut &b"1"[..], &PushOptions::default()) {
        Err(Error::Path { kind, message }) => {
            assert_eq!(kind, "not-found");
            assert!(message.contains("/srv/x"));
        }
        other => panic!("{other:?}"),
    }
    c.push(
        "/srv/x/y",
        &mut &b"1"[..],
        &PushOptions {
            make_dirs: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.last().body["files"][0]["make-dirs"], true);

    // Pull of a missing file: path error, sink untouched.
    let mut out = Vec::new();
    let err = c.pull("/nope", &mut out).unwrap_err();
    assert!(
        matches!(&err, Error::Path { kind, .. } if kind == "not-found"),
        "{err:?}"
    );
    assert!(err.is_not_found());
    assert!(out.is_empty());

    let entries = c.list_files("/etc/app", None, false).unwrap();
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    // By name, as Pebble lists; the mode is the pushed one.
    assert_eq!(names, ["app.conf", "conf.d", "empty"]);
    assert_eq!(entries[1].type_, FileType::Directory);
    assert_eq!(entries[0].size, Some(32));
    assert_eq!(entries[0].mode(), Some(0o600));
    let conf = c.list_files("/etc/app", Some("*.conf"), false).unwrap();
    assert_eq!(conf.len(), 1);
    assert_eq!(
        p.last().query,
        vec![
            ("action".into(), "list".into()),
            ("path".into(), "/etc/app".into()),
            ("pattern".into(), "*.conf".into())
        ]
    );
    let itself = c.list_files("/etc/app", None, true).unwrap();
    assert_eq!(itself.len(), 1);
    assert_eq!(itself[0].path, "/etc/app");
    assert_eq!(
        p.last().query.last().unwrap(),
        &("itself".into(), "true".into())
    );
    let err = c.list_files("/missing", None, false).unwrap_err();
    assert_eq!(err.as_api().unwrap().code, 404);

    // Remove: non-empty dir needs recursive.
    assert!(matches!(
        c.remove_path("/etc/app", false),
        Err(Error::Path { .. })
    ));
    c.remove_path("/etc/app", true).unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "remove", "paths": [{"path": "/etc/app", "recursive": true}]})
    );
    assert!(c.list_files("/etc/app", None, true).is_err());
    match c.remove_path("/etc/app", false) {
        Err(Error::Path { kind, .. }) => assert_eq!(kind, "not-found"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn path_with_quotes_and_spaces_round_trips() {
    let p = FakePebble::start();
    let c = p.client();
    let path = "/tmp dir/we\"ird & odd+name";
    c.push(
        path,
        &mut &b"x"[..],
        &PushOptions {
            make_dirs: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.last().body["files"][0]["path"], path);
    let mut out = Vec::new();
    c.pull(path, &mut out).unwrap();
    assert_eq!(out, b"x");
}

#[test]
fn exec_stdout_stderr_exit_code() {
    let p = FakePebble::start();
    let c = p.client();
    let mut opts = ExecOptions {
        command: vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo out-$FOO; echo err >&2; exit 3".into(),
        ],
        ..Default::default()
    };
    opts.environment.insert("FOO".into(), "bar".into());
    opts.working_dir = Some("/tmp".into());
    opts.timeout = Some(Duration::from_secs(10));
    opts.user_id = Some(0);
    let out = c.exec(&opts, ExecStdio::default()).unwrap();
    assert_eq!(out.exit_code, 3);
    assert_eq!(out.stdout, b"out-bar\n");
    assert_eq!(out.stderr, b"err\n");
    let exec = p
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/exec")
        .unwrap();
    assert_eq!(
        exec.body,
        json!({"command": ["/bin/sh", "-c", "echo out-$FOO; echo err >&2; exit 3"],
               "environment": {"FOO": "bar"}, "working-dir": "/tmp", "timeout": "10.000s",
               "user-id": 0, "split-stderr": true, "service-context": null, "user": null,
               "group-id": null, "group": null})
    );
    let ws: Vec<String> = p
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/websocket/"))
        .map(|r| r.path.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(ws, ["control", "stdio", "stderr"]);
}

#[test]
fn exec_stdin_streams_through_cat() {
    let p = FakePebble::start();
    let c = p.client();
    let opts = ExecOptions {
        command: vec!["cat".into()],
        ..Default::default()
    };
    // 3 MiB: more than the socket and pipe buffers, so input and output must interleave.
    let input: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let res = c
        .exec(
            &opts,
            ExecStdio {
                stdin: Some(&mut &input[..]),
                stdout: Some(&mut out),
                stderr: Some(&mut err),
            },
        )
        .unwrap();
    assert_eq!(res.exit_code, 0);
    assert!(res.stdout.is_empty(), "written to the writer, not captured");
    assert_eq!(out.len(), input.len());
    assert!(out == input);
    assert!(err.is_empty());
}

#[test]
fn exec_combined_stderr() {
    let p = FakePebble::start();
    let c = p.client();
    let opts = ExecOptions {
        command: vec!["/bin/sh".into(), "-c".into(), "echo a; echo b >&2".into()],
        combine_stderr: true,
        ..Default::default()
    };
    let out = c.exec(&opts, ExecStdio::default()).unwrap();
    assert_eq!(out.exit_code, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains('a') && text.contains('b'), "{text:?}");
    assert!(out.stderr.is_empty());
    let exec = p
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/exec")
        .unwrap();
    assert_eq!(exec.body["split-stderr"], false);
    assert!(!p.requests().iter().any(|r| r.path.ends_with("/stderr")));
}

#[test]
fn exec_missing_binary_is_a_change_error() {
    let p = FakePebble::start();
    let c = p.client();
    let opts = ExecOptions {
        command: vec!["/no/such/binary".into()],
        ..Default::default()
    };
    match c.exec(&opts, ExecStdio::default()) {
        Err(Error::Change(e)) => assert!(e.err.contains("/no/such/binary"), "{}", e.err),
        other => panic!("expected a change error, got {other:?}"),
    }
}

#[test]
fn signals_notices_identities_logs_metrics() {
    let p = FakePebble::start();
    let c = p.client();
    with_services(&p);
    c.start_services(&["web"], T).unwrap();
    c.send_signal("SIGHUP", &["web"]).unwrap();
    assert_eq!(
        p.last().body,
        json!({"signal": "SIGHUP", "services": ["web"]})
    );
    assert_eq!(
        c.send_signal("SIGHUP", &["nope"])
            .unwrap_err()
            .as_api()
            .unwrap()
            .code,
        // As Pebble: the service is not running, a server error.
        500
    );

    let mut data = BTreeMap::new();
    data.insert("k".to_string(), "v".to_string());
    let id = c
        .notify(
            "example.com/a",
            &NotifyOptions {
                data,
                repeat_after: Some(Duration::from_secs(90)),
            },
        )
        .unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "add", "type": "custom", "key": "example.com/a", "data": {"k": "v"}, "repeat-after": "90.000s"})
    );
    c.notify("example.com/b", &NotifyOptions::default())
        .unwrap();
    let n = c.get_notice(&id).unwrap();
    assert_eq!(n.key, "example.com/a");
    assert_eq!(n.type_, NoticeType::Custom);
    assert_eq!(n.last_data["k"], "v");
    assert_eq!(
        n.expire_after_duration(),
        Some(Duration::from_secs(168 * 3600))
    );
    assert_eq!(n.repeat_after_duration(), Some(Duration::from_secs(90)));
    assert!(c.get_notice("77").unwrap_err().is_not_found());
    let q = NoticesQuery {
        all_users: true,
        types: vec![NoticeType::Custom],
        keys: vec!["example.com/b".into()],
        ..Default::default()
    };
    let found = c.get_notices(&q).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "example.com/b");
    assert_eq!(
        p.last().query,
        vec![
            ("users".into(), "all".into()),
            ("types".into(), "custom".into()),
            ("keys".into(), "example.com/b".into())
        ]
    );

    let mut ids = BTreeMap::new();
    ids.insert(
        "bob".to_string(),
        Some(Identity {
            access: IdentityAccess::Admin,
            local: Some(LocalIdentity { user_id: 42 }),
            basic: None,
        }),
    );
    c.replace_identities(&ids).unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "replace", "identities": {"bob": {"access": "admin", "local": {"user-id": 42}}}})
    );
    let got = c.get_identities().unwrap();
    assert_eq!(got["bob"].local, Some(LocalIdentity { user_id: 42 }));
    c.remove_identities(&["bob"]).unwrap();
    assert_eq!(
        p.last().body,
        json!({"action": "remove", "identities": {"bob": null}})
    );
    assert!(c.get_identities().unwrap().is_empty());

    let logs = c.get_logs(&["svc1"], Some(10)).unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[1].message, "line 2");
    assert_eq!(
        p.last().query,
        vec![
            ("services".into(), "svc1".into()),
            ("n".into(), "10".into())
        ]
    );
    let metrics = c.get_metrics().unwrap();
    assert!(metrics.contains("pebble_service_active"));
}

#[test]
fn pebble_trait_is_object_safe_and_client_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
    let p = FakePebble::start();
    let boxed: Box<dyn Pebble> = Box::new(p.client());
    assert_eq!(boxed.system_info().unwrap().version, "v1.19.0");
}

#[test]
fn pebble_socket_env_overrides_container_socket() {
    assert_eq!(
        Client::container_socket("web"),
        std::path::PathBuf::from("/charm/containers/web/pebble.socket")
    );
    // Only this test touches PEBBLE_SOCKET.
    std::env::set_var("PEBBLE_SOCKET", "/run/pebble.socket");
    assert_eq!(
        Client::for_container("web").socket_path(),
        std::path::Path::new("/run/pebble.socket")
    );
    std::env::remove_var("PEBBLE_SOCKET");
    assert_eq!(
        Client::for_container("web").socket_path(),
        std::path::Path::new("/charm/containers/web/pebble.socket")
    );
}
