//! The wire calls of `tests/python_wire/calls.py`, made with this crate's client, so the
//! requests can be compared with Python ops'. Usage: `wire_calls SOCKET TREE PULL_DIR`.

use ops_pebble::*;
use std::collections::BTreeMap;
use std::time::Duration;

fn main() -> Result<()> {
    let usage = "usage: wire_calls SOCKET TREE PULL_DIR";
    let socket = std::env::args().nth(1).expect(usage);
    let tree = std::path::PathBuf::from(std::env::args().nth(2).expect(usage));
    let pull_dir = std::env::args().nth(3).expect(usage);
    let c = Client::new(socket);
    let t = Duration::from_secs(30);
    c.system_info()?;
    c.get_services(&[])?;
    c.get_services(&["a", "b"])?;
    c.start_services(&["a", "b"], t)?;
    c.stop_services(&["a"], t)?;
    c.restart_services(&["a"], t)?;
    c.replan_services(t)?;
    c.autostart_services(t)?;
    let layer = Layer::from_yaml(
        r#"
summary: sum
services:
  svc: {override: replace, command: run --x, startup: enabled, environment: {A: "1"}, after: [db], user-id: 1000}
checks:
  chk: {override: replace, level: alive, period: 10s, threshold: 3, http: {url: "http://localhost/"}}
log-targets:
  loki: {override: merge, type: loki, location: "http://l/", services: [all]}
"#,
    )?;
    c.add_layer("lbl", &layer, true)?;
    c.get_plan()?;
    c.get_changes(ChangeState::All, Some("svc"))?;
    c.get_change("1")?;
    c.abort_change("1")?;
    c.wait_change("1", Some(Duration::from_secs(5)))?;
    c.get_checks(Some(&CheckLevel::Ready), &["c1", "c2"])?;
    c.start_checks(&["c1"])?;
    c.stop_checks(&["c1"])?;
    let push = PushOptions {
        make_dirs: true,
        ownership: FileOwnership {
            permissions: Some(0o600),
            user_id: Some(1),
            user: Some("u".into()),
            group_id: Some(2),
            group: Some("g".into()),
        },
    };
    c.push("/etc/x.conf", &mut &b"data"[..], &push)?;
    c.push("/etc/y", &mut &b""[..], &PushOptions::default())?;
    c.pull("/etc/x.conf", &mut Vec::new())?;
    c.list_files("/etc", Some("*.conf"), false)?;
    c.list_files("/etc", None, true)?;
    let mkdir = MakeDirOptions {
        make_parents: true,
        ownership: FileOwnership {
            permissions: Some(0o750),
            user: Some("u".into()),
            ..Default::default()
        },
    };
    c.make_dir("/srv/a", &mkdir)?;
    c.make_dir("/srv/b", &MakeDirOptions::default())?;
    c.remove_path("/srv/a", true)?;
    c.remove_path("/srv/b", false)?;
    let command = vec!["ls".to_string(), "-l".to_string()];
    let mut first = ExecOptions {
        command: command.clone(),
        working_dir: Some("/tmp".into()),
        timeout: Some(Duration::from_secs(10)),
        user_id: Some(0),
        group: Some("g".into()),
        ..Default::default()
    };
    first.environment.insert("A".into(), "1".into());
    let second = ExecOptions {
        command,
        combine_stderr: true,
        service_context: Some("svc".into()),
        user: Some("u".into()),
        group_id: Some(3),
        ..Default::default()
    };
    for opts in [first, second] {
        match c.exec(&opts, ExecStdio::default()) {
            Err(Error::Api(_)) => {}
            other => panic!("the recorder refuses exec, got {other:?}"),
        }
    }
    c.send_signal("SIGHUP", &["svc"])?;
    let mut data = BTreeMap::new();
    data.insert("k".to_string(), "v".to_string());
    c.notify(
        "example.com/x",
        &NotifyOptions {
            data,
            repeat_after: Some(Duration::from_secs(90)),
        },
    )?;
    c.notify("example.com/y", &NotifyOptions::default())?;
    c.get_notice("1")?;
    c.get_notices(&NoticesQuery {
        all_users: true,
        types: vec![NoticeType::Custom],
        keys: vec!["example.com/x".into()],
        ..Default::default()
    })?;
    c.get_notices(&NoticesQuery {
        user_id: Some(1000),
        ..Default::default()
    })?;
    c.get_identities()?;
    let mut ids = BTreeMap::new();
    ids.insert(
        "bob".to_string(),
        Some(Identity {
            access: IdentityAccess::Admin,
            local: Some(LocalIdentity { user_id: 42 }),
            basic: None,
        }),
    );
    c.replace_identities(&ids)?;
    c.remove_identities(&["bob"])?;
    c.send_signal(&Signal::from(1).name()?, &["svc"])?;
    c.get_warnings(WarningState::All)?;
    c.ack_warnings("2024-01-03T00:00:00+00:00")?;
    // Python ops' Container.push_path/pull_path over the same client calls.
    push_path(&c, [tree.join("one/d")], "/dst")?;
    push_path(&c, [tree.join("one/*")], "/dst2")?;
    push_path(&c, [tree.join("two/*"), tree.join("one/d/f.txt")], "/dst3")?;
    pull_path(&c, ["/srv/tree"], pull_dir)?;
    Ok(())
}
