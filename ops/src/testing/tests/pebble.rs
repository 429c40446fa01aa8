//! Containers and the in-memory Pebble: layers, services, files, exec, checks, notices.

use super::*;

#[test]
fn pebble_ready_adds_a_layer_starts_services_pushes_files_and_execs() {
    let mut ctx = ctx();
    let c = workload();
    let state = State::new().container(c.clone()).config("port", 7000);
    let out = ctx.run(ctx.on.pebble_ready(&c), &state).unwrap();
    let c2 = out.get_container("workload").unwrap();
    let plan = c2.plan().unwrap();
    assert_eq!(plan.services["web"].command, "serve --port 7000");
    assert_eq!(c2.service("web"), ServiceStatus::Active);
    assert_eq!(c2.read_file("/etc/web/port").unwrap(), b"7000");
    assert!(c2.files.get("/etc/web").unwrap().is_dir());
    // The longest matching prefix answered.
    assert_eq!(out.workload_version, "2.5.1");
    let history = &ctx.exec_history()["workload"];
    assert_eq!(history[0].command, vec!["web", "--version"]);
}

#[test]
fn pebble_connection_fails_when_cannot_connect() {
    let mut ctx = ctx();
    let c = Container::new("workload");
    let state = State::new().container(c.clone());
    let err = ctx.run(ctx.on.pebble_ready(&c), &state).unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

fn sim_pebble(state: State) -> (Harness<Demo>, Box<dyn Pebble>) {
    let mut h = Harness::<Demo>::new();
    h.edit_state(|s| *s = state);
    let model = h.model();
    let p = model.core().backend().pebble("workload");
    (h, p)
}

#[test]
fn exec_without_a_match_exits_127() {
    let (h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    let out = p
        .exec(
            &ops_pebble::ExecOptions {
                command: vec!["ls".into()],
                ..Default::default()
            },
            ops_pebble::ExecStdio::default(),
        )
        .unwrap();
    assert_eq!(out.exit_code, 127);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Exec"));
    assert_eq!(h.output().exec_history["workload"][0].command, vec!["ls"]);
    // Through the model's exec builder, non-zero exit is an ExecError.
    let model = h.model();
    let err = model
        .core()
        .container("workload")
        .unwrap()
        .exec(["ls"])
        .wait()
        .unwrap_err();
    assert!(
        matches!(err, ops_pebble::Error::Exec(ref e) if e.exit_code == 127),
        "{err}"
    );
}

#[test]
fn pebble_layers_merge_and_duplicate_labels_are_refused() {
    let (h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    let base = Layer::from_yaml(
        "services:\n  a:\n    override: replace\n    command: run-a\n    environment: {X: '1'}\n",
    )
    .unwrap();
    let more =
        Layer::from_yaml("services:\n  a:\n    override: merge\n    environment: {Y: '2'}\n")
            .unwrap();
    p.add_layer("base", &base, false).unwrap();
    assert!(p.add_layer("base", &more, false).is_err());
    p.add_layer("base", &more, true).unwrap();
    let plan = p.get_plan().unwrap();
    assert_eq!(plan.services["a"].command, "run-a");
    assert_eq!(plan.services["a"].environment.len(), 2);
    let bad = Layer::from_yaml("services:\n  b:\n    command: x\n").unwrap();
    assert!(
        p.add_layer("other", &bad, false).is_err(),
        "override is required"
    );
    // start/stop/restart
    assert!(p
        .start_services(&["nope"], std::time::Duration::ZERO)
        .is_err());
    p.start_services(&["a"], std::time::Duration::ZERO).unwrap();
    assert!(p.get_services(&["a"]).unwrap()[0].is_running());
    p.stop_services(&["a"], std::time::Duration::ZERO).unwrap();
    assert!(!p.get_services(&[]).unwrap()[0].is_running());
    assert_eq!(h.state().get_container("workload").unwrap().layers.len(), 1);
}

#[test]
fn pebble_filesystem_in_memory() {
    let (_h, p) = sim_pebble(
        State::new().container(
            Container::new("workload")
                .can_connect(true)
                .file("/etc/app/conf", "a=1"),
        ),
    );
    let mut out = Vec::new();
    p.pull("/etc/app/conf", &mut out).unwrap();
    assert_eq!(out, b"a=1");
    let err = p.pull("/missing", &mut Vec::new()).unwrap_err();
    assert!(err.is_not_found());
    assert!(p
        .push("/no/parent/file", &mut &b"x"[..], &PushOptions::default())
        .unwrap_err()
        .is_not_found());
    p.make_dir(
        "/var/log/app",
        &ops_pebble::MakeDirOptions {
            make_parents: true,
            ..Default::default()
        },
    )
    .unwrap();
    p.push(
        "/var/log/app/x.log",
        &mut &b"line"[..],
        &PushOptions::default(),
    )
    .unwrap();
    let names: Vec<String> = p
        .list_files("/var/log/app", None, false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, vec!["x.log"]);
    assert_eq!(p.list_files("/etc", Some("a*"), false).unwrap().len(), 1);
    assert!(p.remove_path("/var/log", false).is_err(), "not empty");
    p.remove_path("/var/log", true).unwrap();
    assert!(p
        .list_files("/var/log/app", None, true)
        .unwrap_err()
        .is_not_found());
}

#[test]
fn pebble_filesystem_mounted_host_folder() {
    let dir = std::env::temp_dir().join(format!("ops-testing-mount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seed.txt"), "seed").unwrap();
    let c = Container::new("workload")
        .can_connect(true)
        .mount("data", Mount::new("/data", &dir));
    let (h, p) = sim_pebble(State::new().container(c));
    let mut out = Vec::new();
    p.pull("/data/seed.txt", &mut out).unwrap();
    assert_eq!(out, b"seed");
    p.push(
        "/data/sub/new.txt",
        &mut &b"new"[..],
        &PushOptions {
            make_dirs: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(dir.join("sub/new.txt")).unwrap(), b"new");
    assert_eq!(
        h.state()
            .get_container("workload")
            .unwrap()
            .read_file("/data/sub/new.txt")
            .unwrap(),
        b"new"
    );
    let root: Vec<String> = p
        .list_files("/", None, false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(root, vec!["data"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pebble_filesystem_backed_by_a_host_folder() {
    let base = std::env::temp_dir().join(format!("ops-testing-root-{}", std::process::id()));
    let (root, data) = (base.join("root"), base.join("data"));
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(root.join("etc/seed.conf"), "seed").unwrap();
    let c = Container::new("workload")
        .can_connect(true)
        .filesystem_root(&root)
        .mount("data", Mount::new("/data", &data));
    assert_eq!(c.get_filesystem(), Some(root.as_path()));
    let (h, p) = sim_pebble(State::new().container(c));
    let mut out = Vec::new();
    p.pull("/etc/seed.conf", &mut out).unwrap();
    assert_eq!(out, b"seed");
    let options = PushOptions {
        make_dirs: true,
        ..Default::default()
    };
    p.push("/srv/app/config.yaml", &mut &b"port: 80"[..], &options)
        .unwrap();
    p.push("/data/db", &mut &b"rows"[..], &options).unwrap();
    // Real files, where a test (or code the charm hands a path to) can read them.
    assert_eq!(
        std::fs::read(root.join("srv/app/config.yaml")).unwrap(),
        b"port: 80"
    );
    assert_eq!(std::fs::read(data.join("db")).unwrap(), b"rows");
    assert!(!root.join("data/db").exists(), "the deeper mount wins");
    {
        let state = h.state();
        let container = state.get_container("workload").unwrap();
        assert_eq!(
            container.read_file("/srv/app/config.yaml").unwrap(),
            b"port: 80"
        );
    }
    let names: Vec<String> = p
        .list_files("/", None, false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, vec!["etc", "srv"]);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn pebble_checks_and_notices() {
    let layer = Layer::from_yaml(
        "checks:\n  up:\n    override: replace\n    level: alive\n    threshold: 5\n    http: {url: 'http://localhost'}\n",
    )
    .unwrap();
    let notice = Notice::new("example.com/backup");
    let c = Container::new("workload")
        .can_connect(true)
        .layer("base", layer)
        .check_info(
            CheckInfo::new("up")
                .status(CheckStatus::Down)
                .failures(5)
                .threshold(5),
        )
        .notice(notice.clone());
    let mut ctx = ctx();
    let state = State::new().container(c.clone());
    let check = c.get_check_info("up").unwrap().clone();
    let failed = ctx.on.pebble_check_failed(&c, &check);
    assert_eq!(failed.hook_name(), "workload-pebble-check-failed");
    ctx.run(failed, &state).unwrap();
    assert!(ctx
        .juju_log()
        .contains(&JujuLogLine::new(LogLevel::Info, "check up failed")));
    let recovered = ctx.on.pebble_check_recovered(&c, &check);
    assert_eq!(recovered.data.check_name.as_deref(), Some("up"));
    ctx.run(recovered, &state).unwrap();
    let custom = ctx.on.pebble_custom_notice(&c, &notice);
    assert_eq!(
        custom.data.notice.as_ref().unwrap().key,
        "example.com/backup"
    );
    ctx.run(custom, &state).unwrap();
    assert!(ctx.juju_log().contains(&JujuLogLine::new(
        LogLevel::Info,
        "notice example.com/backup"
    )));

    let (_h, p) = sim_pebble(state);
    let checks = p.get_checks(None, &[]).unwrap();
    assert_eq!(checks[0].status, CheckStatus::Down);
    assert_eq!(checks[0].level, Some(CheckLevel::Alive));
    assert!(!p.health(None, &[]).unwrap());
    assert_eq!(p.stop_checks(&["up"]).unwrap(), vec!["up"]);
    let id = p.notify("example.com/backup", &Default::default()).unwrap();
    assert_eq!(id, notice.id);
    assert_eq!(p.get_notice(&id).unwrap().occurrences, 2);
}

#[test]
fn listing_patterns_follow_go_path_match() {
    let (_h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    for name in ["a.txt", "b.txt", "c.log", "[x]", "ab"] {
        let path = format!("/d/{name}");
        let options = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        p.push(&path, &mut &b""[..], &options).unwrap();
    }
    let names = |pattern: &str| -> Vec<String> {
        let infos = p.list_files("/d", Some(pattern), false).unwrap();
        infos.into_iter().map(|i| i.name).collect()
    };
    assert_eq!(names("*.txt"), ["a.txt", "b.txt"]);
    assert_eq!(names("[ab].*"), ["a.txt", "b.txt"]);
    assert_eq!(names("[^a]*"), ["[x]", "b.txt", "c.log"]);
    assert_eq!(names("[a-b]?"), ["ab"]);
    assert_eq!(names("\\[x]"), ["[x]"]);
    for bad in ["[", "[a", "a\\", "[]"] {
        let err = p.list_files("/d", Some(bad), false).unwrap_err();
        let api = err.as_api().unwrap_or_else(|| panic!("{bad:?}: {err:?}"));
        assert_eq!(
            (api.code, api.kind.as_deref()),
            (400, Some("generic-file-error"))
        );
        assert_eq!(api.message, "syntax error in pattern");
    }
    // A missing directory is an API error of kind not-found, as Pebble answers it.
    let err = p.list_files("/nope", None, false).unwrap_err();
    assert_eq!(
        err.as_api().and_then(|a| a.kind.as_deref()),
        Some("not-found")
    );
    assert!(err.is_not_found());
}

#[test]
fn notices_are_root_s_ordered_by_last_repeat_and_keys_are_checked() {
    let (_h, p) = sim_pebble(State::new().container(Container::new("workload").can_connect(true)));
    let a = p
        .notify("example.com/a", &ops_pebble::NotifyOptions::default())
        .unwrap();
    p.notify("example.com/b", &ops_pebble::NotifyOptions::default())
        .unwrap();
    assert_eq!(
        p.notify("example.com/a", &ops_pebble::NotifyOptions::default())
            .unwrap(),
        a
    );
    let keys: Vec<String> = p
        .get_notices(&ops_pebble::NoticesQuery::default())
        .unwrap()
        .into_iter()
        .map(|n| n.key)
        .collect();
    assert_eq!(keys, ["example.com/b", "example.com/a"]);
    assert_eq!(p.get_notice(&a).unwrap().user_id, Some(0));
    // Within a repeat-after window the occurrence counts but does not repeat.
    let hold = ops_pebble::NotifyOptions {
        repeat_after: Some(std::time::Duration::from_secs(3600)),
        ..ops_pebble::NotifyOptions::default()
    };
    p.notify("example.com/b", &hold).unwrap();
    let notices = p.get_notices(&ops_pebble::NoticesQuery::default()).unwrap();
    assert_eq!(notices[0].key, "example.com/b");
    assert_eq!(notices[0].occurrences, 2);
    assert_eq!(notices[0].repeat_after.as_deref(), Some("1h0m0s"));
    for bad in [
        "",
        "nodomain/x",
        "Example.com/x",
        "example.com",
        "example.com/a--b",
    ] {
        let err = p
            .notify(bad, &ops_pebble::NotifyOptions::default())
            .unwrap_err();
        assert_eq!(err.as_api().map(|a| a.code), Some(400), "{bad:?}");
    }
}
