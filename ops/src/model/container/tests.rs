//! The container logic over the real client, against ops-pebble's Pebble stand-in on a
//! unix socket (the dev-only crate `ops-pebble-stand-in`, serving `ops_pebble::sim`).

use super::*;
use ops_pebble::Client;
use ops_pebble_stand_in::FakePebble;

fn boxed(p: &FakePebble) -> Box<dyn Pebble> {
    Box::new(p.client())
}

fn with_layer(c: &Client) {
    let layer = Layer::from_yaml(
        "services:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n  idle:\n    override: replace\n    command: /bin/idle\nchecks:\n  up:\n    override: replace\n    level: alive\n    tcp: {port: 80}\n",
    )
    .unwrap();
    c.add_layer("base", &layer, false).unwrap();
}

#[test]
fn service_and_check_lookups() {
    let p = FakePebble::start();
    let c = p.client();
    with_layer(&c);
    let all = get_services(&c, &[]).unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["idle", "web"]);
    assert_eq!(get_service(&c, "web").unwrap().name, "web");
    match get_service(&c, "nope") {
        Err(Error::NotFound { what, name }) => {
            assert_eq!((what, name.as_str()), ("service", "nope"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get_check(&c, "up").unwrap().level, Some(CheckLevel::Alive));
    assert!(get_check(&c, "down").unwrap_err().is_not_found());
    assert_eq!(
        get_checks(&c, &[], Some(CheckLevel::Ready)).unwrap().len(),
        0
    );
}

#[test]
fn restart_falls_back_to_stop_and_start_on_400() {
    let p = FakePebble::start();
    let c = p.client();
    with_layer(&c);
    restart(&c, &["web"]).unwrap();
    assert!(get_service(&c, "web").unwrap().is_running());
    c.start_services(&["idle"], SERVICE_TIMEOUT).unwrap();
    p.state.lock().unwrap().no_restart = true;
    restart(&c, &["web", "idle"]).unwrap();
    let actions: Vec<String> = p
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/services")
        .map(|r| format!("{} {}", r.body["action"], r.body["services"]))
        .collect();
    assert_eq!(
        &actions[actions.len() - 3..],
        [
            r#""restart" ["web","idle"]"#,
            r#""stop" ["idle","web"]"#,
            r#""start" ["web","idle"]"#
        ]
    );
    assert!(matches!(restart(&c, &[]), Err(Error::Format(_))));
}

#[test]
fn stat_exists_and_is_dir() {
    let p = FakePebble::start();
    let c = p.client();
    c.push("/app.conf", &mut &b"x"[..], &PushOptions::default())
        .unwrap();
    assert_eq!(
        stat(&c, "/app.conf").unwrap().unwrap().type_,
        FileType::File
    );
    assert_eq!(stat(&c, "/").unwrap().unwrap().type_, FileType::Directory);
    assert!(stat(&c, "/missing").unwrap().is_none());
    // Errors other than not-found propagate.
    let dead = Client::new("/nonexistent/pebble.socket");
    assert!(matches!(stat(&dead, "/"), Err(Error::Connection { .. })));
}

#[test]
fn notice_not_found() {
    let p = FakePebble::start();
    let c = p.client();
    match get_notice(&c, "5") {
        Err(Error::NotFound {
            what: "notice",
            name,
        }) => assert_eq!(name, "5"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn send_signal_maps_numbers_and_needs_services() {
    let p = FakePebble::start();
    let c = p.client();
    with_layer(&c);
    // Pebble signals only running services.
    c.start_services(&["web", "idle"], SERVICE_TIMEOUT).unwrap();
    send_signal(&c, Signal::from(1), &["web"]).unwrap();
    assert_eq!(
        p.last().body,
        serde_json::json!({"signal": "SIGHUP", "services": ["web"]})
    );
    send_signal(&c, "SIGUSR1".into(), &["web", "idle"]).unwrap();
    assert_eq!(
        p.last().body,
        serde_json::json!({"signal": "SIGUSR1", "services": ["web", "idle"]})
    );
    let sent = p.requests().len();
    assert!(matches!(
        send_signal(&c, Signal::from(99), &["web"]),
        Err(Error::Format(_))
    ));
    assert!(matches!(
        send_signal(&c, "SIGHUP".into(), &[]),
        Err(Error::Format(_))
    ));
    assert_eq!(p.requests().len(), sent, "nothing sent");
}

#[test]
fn exec_spawn_feeds_bytes_and_signals_the_process() {
    let p = FakePebble::start();
    let (out, _) = Exec::over(boxed(&p), ["cat"])
        .stdin("fed in the background")
        .spawn()
        .unwrap()
        .wait_output()
        .unwrap();
    assert_eq!(out, "fed in the background");

    let mut process = Exec::over(boxed(&p), ["/bin/sh", "-c", "echo ready; exec sleep 1000"])
        .timeout(Duration::from_secs(120))
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(process.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert_eq!(line, "ready\n");
    process.send_signal(15).unwrap();
    match process.wait() {
        Err(Error::Exec(e)) => assert_eq!(e.exit_code, -1, "killed by the signal"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.state.lock().unwrap().control,
        vec![serde_json::json!({"command": "signal", "signal": {"name": "SIGTERM"}})]
    );

    // Given writers are written while waiting.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let process = Exec::over(boxed(&p), ["/bin/sh", "-c", "echo o; echo e >&2"])
        .stdout(&mut out)
        .stderr(&mut err)
        .spawn()
        .unwrap();
    assert!(process.stdout.is_none() && process.stderr.is_none());
    process.wait().unwrap();
    assert_eq!((out, err), (b"o\n".to_vec(), b"e\n".to_vec()));
}

#[test]
fn exec_service_context_needs_juju_3_1_6_and_not_3_2_0() {
    let p = FakePebble::start();
    let with = |version: JujuVersion| {
        let mut exec = Exec::over(boxed(&p), ["true"]).service_context("web");
        exec.juju_version = Some(version);
        exec
    };
    for old in [JujuVersion::new(3, 1, 5), JujuVersion::new(3, 2, 0)] {
        let err = with(old.clone()).wait().unwrap_err();
        assert!(
            err.to_string().contains("service_context not supported"),
            "{err}"
        );
        assert!(matches!(with(old).spawn(), Err(Error::Format(_))));
    }
    assert!(!p.requests().iter().any(|r| r.path == "/v1/exec"));
    with(JujuVersion::new(3, 1, 6)).wait().unwrap();
    with(JujuVersion::new(3, 6, 0))
        .spawn()
        .unwrap()
        .wait()
        .unwrap();
    let sent: Vec<_> = p
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/exec")
        .map(|r| r.body["service-context"].clone())
        .collect();
    assert_eq!(sent, [serde_json::json!("web"), serde_json::json!("web")]);
    // Unknown version (no JUJU_VERSION): left to Pebble.
    Exec::over(boxed(&p), ["true"])
        .service_context("web")
        .wait()
        .unwrap();
}

#[test]
fn exec_refuses_a_stderr_writer_with_combined_stderr() {
    let p = FakePebble::start();
    let mut err = Vec::new();
    let res = Exec::over(boxed(&p), ["true"])
        .combine_stderr()
        .stderr(&mut err)
        .wait();
    assert!(matches!(res, Err(Error::Format(_))), "{res:?}");
    let mut err = Vec::new();
    let res = Exec::over(boxed(&p), ["true"])
        .stderr(&mut err)
        .combine_stderr()
        .spawn();
    assert!(matches!(res, Err(Error::Format(_))), "{res:?}");
    assert!(p.requests().is_empty(), "nothing sent");
}

#[test]
fn exec_builder_wait_output_and_exec_error() {
    let p = FakePebble::start();
    let (out, err) = Exec::over(
        boxed(&p),
        ["/bin/sh", "-c", "read x; echo got-$x-$V; echo e >&2"],
    )
    .env("V", "1")
    .stdin("line\n")
    .timeout(Duration::from_secs(10))
    .wait_output()
    .unwrap();
    assert_eq!(out, "got-line-1\n");
    assert_eq!(err, "e\n");

    match Exec::over(
        boxed(&p),
        ["/bin/sh", "-c", "echo partial; echo bad >&2; exit 4"],
    )
    .wait()
    {
        Err(Error::Exec(e)) => {
            assert_eq!(e.exit_code, 4);
            assert_eq!(e.stdout.as_deref(), Some(&b"partial\n"[..]));
            assert_eq!(e.stderr.as_deref(), Some(&b"bad\n"[..]));
            assert!(e.to_string().contains("non-zero exit code 4"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // Writers: output streams there, and wait_output refuses.
    let mut out = Vec::new();
    let mut input: &[u8] = b"streamed";
    Exec::over(boxed(&p), ["cat"])
        .stdin_reader(&mut input)
        .stdout(&mut out)
        .wait()
        .unwrap();
    assert_eq!(out, b"streamed");
    let mut sink = Vec::new();
    let err = Exec::over(boxed(&p), ["true"])
        .stdout(&mut sink)
        .wait_output()
        .unwrap_err();
    assert!(matches!(err, Error::Format(_)));
}
