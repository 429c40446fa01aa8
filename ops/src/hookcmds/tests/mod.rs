//! Every `Backend` method of [`HookTools`]: the argv it builds, how it parses the
//! tool's (real-shaped) output, and how failures map to errors.

use super::fake::{Call, Fake};
use super::*;
use crate::backend::{GoalStatus, InterfaceAddress, Protocol, SecretOwner};

fn tools() -> HookTools<Fake> {
    HookTools::with_runner(Fake::default())
}

fn calls(t: &HookTools<Fake>) -> Vec<Call> {
    t.runner().calls.lock().unwrap().clone()
}

fn argv(t: &HookTools<Fake>) -> Vec<String> {
    calls(t)
        .iter()
        .map(|c| {
            format!("{} {}", c.tool, c.args.join(" "))
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn juju_log_and_long_messages() {
    let t = tools();
    t.juju_log(LogLevel::Warning, "disk -- almost full")
        .unwrap();
    assert_eq!(
        argv(&t),
        ["juju-log --log-level WARNING -- disk -- almost full"]
    );
    let chunks = split_log_message(&"é".repeat(10), 4);
    assert_eq!(
        chunks,
        [
            "Log string greater than 4. Splitting into multiple chunks: ",
            "éééé",
            "éééé",
            "éé"
        ]
    );
    let t = tools();
    t.juju_log(LogLevel::Info, &"x".repeat(MAX_LOG_LINE_LEN + 1))
        .unwrap();
    let c = calls(&t);
    assert_eq!(c.len(), 3);
    assert_eq!(c[1].args[3].len(), MAX_LOG_LINE_LEN);
    assert_eq!(c[2].args[3], "x");
}

#[test]
fn config_get() {
    let t = tools();
    t.runner().answer(
        "config-get",
        0,
        r#"{"log-level":"info","server-port":8000,"ratio":0.5,"debug":false}"#,
        "",
    );
    let config = t.config_get().unwrap();
    assert_eq!(argv(&t), ["config-get --format=json"]);
    assert_eq!(config["server-port"], 8000);
    assert_eq!(config["log-level"], "info");
    assert_eq!(config.len(), 4);
    let t = tools();
    t.runner().answer("config-get", 0, "null\n", "");
    assert!(t.config_get().unwrap().is_empty());
    let t = tools();
    t.runner().answer("config-get", 0, "[1]", "");
    let err = t.config_get().unwrap_err();
    assert!(
        matches!(&err, ModelError::Output { tool, .. } if tool == "config-get"),
        "{err:?}"
    );
}

#[test]
fn is_leader() {
    let t = tools();
    t.runner().answer("is-leader", 0, "true\n", "");
    assert!(t.is_leader().unwrap());
    assert_eq!(argv(&t), ["is-leader --format=json"]);
    let t = tools();
    t.runner().answer("is-leader", 0, "\"yes\"", "");
    assert!(matches!(t.is_leader(), Err(ModelError::Output { .. })));
}

#[test]
fn relation_ids_list_and_remote_app() {
    let t = tools();
    t.runner()
        .answer("relation-ids", 0, r#"["database:3","database:12"]"#, "");
    assert_eq!(t.relation_ids("database").unwrap(), vec![3, 12]);
    t.runner()
        .answer("relation-list", 0, r#"["pg/0","pg/1"]"#, "");
    assert_eq!(t.relation_list(3).unwrap(), vec!["pg/0", "pg/1"]);
    t.runner().answer("relation-list", 0, r#""pg""#, "");
    assert_eq!(t.relation_remote_app(3).unwrap().as_deref(), Some("pg"));
    t.runner().answer("relation-list", 0, "null", "");
    assert!(t.relation_list(4).unwrap().is_empty());
    t.runner().answer("relation-list", 0, r#""""#, "");
    assert_eq!(t.relation_remote_app(4).unwrap(), None);
    assert_eq!(
        argv(&t),
        [
            "relation-ids database --format=json",
            "relation-list --format=json -r 3",
            "relation-list --format=json --app -r 3",
            "relation-list --format=json -r 4",
            "relation-list --format=json --app -r 4",
        ]
    );
    let t = tools();
    t.runner()
        .answer("relation-ids", 0, r#"["database:x"]"#, "");
    assert!(matches!(
        t.relation_ids("database"),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn relation_get_and_set() {
    let t = tools();
    t.runner().answer(
        "relation-get",
        0,
        r#"{"host":"10.0.0.1","port":"5432"}"#,
        "",
    );
    let bag = t.relation_get(3, "pg/0", false).unwrap();
    assert_eq!(bag["host"], "10.0.0.1");
    t.runner().answer("relation-get", 0, "{}", "");
    assert!(t.relation_get(3, "pg", true).unwrap().is_empty());
    let changes: Databag = [("a".to_string(), "1".to_string()), ("b".into(), "".into())]
        .into_iter()
        .collect();
    t.relation_set(3, &changes, true).unwrap();
    t.relation_set(3, &changes, false).unwrap();
    t.relation_set(3, &Databag::new(), false).unwrap();
    assert_eq!(
        argv(&t),
        [
            "relation-get --format=json -r 3 - pg/0",
            "relation-get --format=json -r 3 --app - pg",
            "relation-set -r 3 --app --file -",
            "relation-set -r 3 --file -",
        ]
    );
    assert_eq!(calls(&t)[2].stdin.as_deref(), Some(r#"{"a":"1","b":""}"#));
    let t = tools();
    t.runner().answer("relation-get", 0, r#"{"port":5432}"#, "");
    assert!(matches!(
        t.relation_get(3, "pg/0", false),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn relation_errors_map_to_relation_not_found() {
    for stderr in [
        "ERROR relation 7 not found",
        "ERROR relation not found",
        "ERROR permission denied",
    ] {
        let t = tools();
        t.runner().answer("relation-get", 1, "", stderr);
        let err = t.relation_get(7, "pg/0", false).unwrap_err();
        assert!(
            matches!(&err, ModelError::RelationNotFound(s) if s == stderr),
            "{err:?}"
        );
    }
    let t = tools();
    t.runner()
        .answer("network-get", 1, "", "ERROR relation 9 not found\n");
    assert!(matches!(
        t.network_get("db", Some(9)),
        Err(ModelError::RelationNotFound(_))
    ));
    let t = tools();
    t.runner()
        .answer("relation-set", 2, "", "ERROR cannot write: quota\n");
    let err = t
        .relation_set(1, &[("a".into(), "b".into())].into_iter().collect(), false)
        .unwrap_err();
    match err {
        ModelError::Tool { tool, code, stderr } => {
            assert_eq!(
                (tool.as_str(), code, stderr.as_str()),
                ("relation-set", Some(2), "ERROR cannot write: quota")
            );
        }
        other => panic!("{other:?}"),
    }
    // "not found" from a non-relation, non-secret tool stays a plain tool error.
    let t = tools();
    t.runner()
        .answer("storage-get", 1, "", "ERROR storage not found");
    assert!(matches!(
        t.storage_get("data/9"),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn relation_model_get() {
    let t = tools();
    t.runner()
        .answer("relation-model-get", 0, r#"{"uuid":"ab-cd"}"#, "");
    assert_eq!(t.relation_model_uuid(5).unwrap(), "ab-cd");
    assert_eq!(argv(&t), ["relation-model-get --format=json -r 5"]);
    t.runner().answer("relation-model-get", 0, "{}", "");
    assert!(matches!(
        t.relation_model_uuid(5),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn status_get_and_set() {
    let t = tools();
    t.runner().answer(
        "status-get",
        0,
        r#"{"message":"ready","status":"active","status-data":{}}"#,
        "",
    );
    let unit = t.status_get(false).unwrap();
    assert_eq!(unit.status, Status::active("ready"));
    t.runner().answer(
        "status-get",
        0,
        r#"{"application-status":{"message":"","status":"blocked","status-data":{},"units":{"demo/0":{"message":"m","status":"waiting","status-data":{}}}}}"#,
        "",
    );
    let app = t.status_get(true).unwrap();
    assert_eq!(app.status, Status::blocked(""));
    assert_eq!(app.units["demo/0"], Status::waiting("m"));
    t.status_set(&Status::maintenance("installing -- step 1"), false)
        .unwrap();
    t.status_set(&Status::active(""), true).unwrap();
    assert_eq!(
        argv(&t),
        [
            "status-get --include-data --format=json --application=false",
            "status-get --include-data --format=json --application=true",
            "status-set --application=False maintenance -- installing -- step 1",
            "status-set --application=True active --",
        ]
    );
    assert!(matches!(
        t.status_set(&Status::error("x"), false),
        Err(ModelError::Invalid { .. })
    ));
    t.runner()
        .answer("status-get", 0, r#"{"status":"sleeping","message":""}"#, "");
    assert!(matches!(
        t.status_get(false),
        Err(ModelError::Output { .. })
    ));
    t.runner()
        .answer("status-get", 0, r#"{"status":"active"}"#, "");
    assert!(matches!(t.status_get(true), Err(ModelError::Output { .. })));
}

#[test]
fn version_resources_and_storage() {
    let t = tools();
    t.application_version_set("1.2.3").unwrap();
    t.runner().answer(
        "resource-get",
        0,
        "/var/lib/juju/resources/x/file.tgz\n",
        "",
    );
    assert_eq!(
        t.resource_get("x").unwrap(),
        PathBuf::from("/var/lib/juju/resources/x/file.tgz")
    );
    t.runner()
        .answer("storage-list", 0, r#"["data/0","data/1"]"#, "");
    assert_eq!(t.storage_list("data").unwrap(), vec!["data/0", "data/1"]);
    t.runner().answer(
        "storage-get",
        0,
        r#"{"kind":"filesystem","location":"/srv/data"}"#,
        "",
    );
    assert_eq!(
        t.storage_get("data/1").unwrap(),
        StorageInfo {
            kind: "filesystem".into(),
            location: PathBuf::from("/srv/data")
        }
    );
    t.storage_add("data", 2).unwrap();
    assert_eq!(
        argv(&t),
        [
            "application-version-set -- 1.2.3",
            "resource-get x",
            "storage-list --format=json data",
            "storage-get --format=json -s data/1",
            "storage-add data=2",
        ]
    );
    t.runner().answer("resource-get", 0, "\n", "");
    assert!(matches!(
        t.resource_get("x"),
        Err(ModelError::Output { .. })
    ));
    t.runner()
        .answer("resource-get", 1, "", "ERROR could not download resource");
    assert!(matches!(t.resource_get("x"), Err(ModelError::Tool { .. })));
    t.runner()
        .answer("storage-get", 0, r#"{"kind":"block"}"#, "");
    assert!(matches!(
        t.storage_get("data/0"),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn actions() {
    let t = tools();
    t.runner().answer(
        "action-get",
        0,
        r#"{"filename":"x.tgz","level":{"n":1}}"#,
        "",
    );
    let params = t.action_get().unwrap();
    assert_eq!(params["level"]["n"], 1);
    let results: BTreeMap<String, String> = [
        ("db.host".to_string(), "h".to_string()),
        ("n".into(), "with space".into()),
    ]
    .into_iter()
    .collect();
    t.action_set(&results).unwrap();
    t.action_set(&BTreeMap::new()).unwrap();
    t.action_log("-- step 1").unwrap();
    t.action_fail("bad input").unwrap();
    assert_eq!(
        calls(&t)
            .iter()
            .map(|c| (c.tool.as_str(), c.args.clone()))
            .collect::<Vec<_>>(),
        vec![
            ("action-get", vec!["--format=json".to_string()]),
            (
                "action-set",
                vec!["db.host=h".to_string(), "n=with space".to_string()]
            ),
            (
                "action-log",
                vec!["--".to_string(), "-- step 1".to_string()]
            ),
            (
                "action-fail",
                vec!["--".to_string(), "bad input".to_string()]
            ),
        ]
    );
    t.runner().answer("action-get", 0, "\"x\"", "");
    assert!(matches!(t.action_get(), Err(ModelError::Output { .. })));
}

#[test]
fn network_get() {
    let t = tools();
    t.runner().answer(
        "network-get",
        0,
        r#"{"bind-addresses":[{"mac-address":"00:16:3e:aa","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"},{"address":"10.9.9.9","cidr":""}],"macaddress":"00:16:3e:aa","interfacename":"eth0"}],"egress-subnets":["10.1.2.3/32"],"ingress-addresses":["10.1.2.3"]}"#,
        "",
    );
    let info = t.network_get("database", Some(3)).unwrap();
    assert_eq!(info.bind_addresses[0].interface_name, "eth0");
    assert_eq!(
        info.bind_addresses[0].mac_address.as_deref(),
        Some("00:16:3e:aa")
    );
    assert_eq!(
        info.bind_addresses[0].addresses,
        vec![
            InterfaceAddress {
                value: "10.1.2.3".into(),
                cidr: Some("10.1.2.0/24".into())
            },
            InterfaceAddress {
                value: "10.9.9.9".into(),
                cidr: None
            }
        ]
    );
    assert_eq!(info.ingress_addresses, vec!["10.1.2.3"]);
    assert_eq!(info.egress_subnets, vec!["10.1.2.3/32"]);
    t.runner().answer("network-get", 0, "{}", "");
    assert_eq!(
        t.network_get("juju-info", None).unwrap(),
        NetworkInfo::default()
    );
    assert_eq!(
        argv(&t),
        [
            "network-get --format=json -r 3 database",
            "network-get --format=json juju-info"
        ]
    );
    t.runner()
        .answer("network-get", 0, r#"{"bind-addresses":"x"}"#, "");
    assert!(matches!(
        t.network_get("db", None),
        Err(ModelError::Output { .. })
    ));
}

#[test]
fn goal_state_and_planned_units() {
    let t = tools();
    let out = r#"{"units":{"demo/0":{"status":"active","since":"2024-01-01 10:00:00Z"},"demo/1":{"status":"dying","since":"2024-01-01 10:00:00Z"},"demo/2":{"status":"waiting","since":""}},"relations":{"database":{"pg":{"status":"joined","since":"x"},"pg/0":{"status":"active","since":"y"}}}}"#;
    t.runner().answer("goal-state", 0, out, "");
    let goal = t.goal_state().unwrap();
    assert_eq!(
        goal.units["demo/2"],
        GoalStatus {
            status: "waiting".into(),
            since: None
        }
    );
    assert_eq!(goal.relations["database"]["pg/0"].status, "active");
    t.runner().answer("goal-state", 0, out, "");
    assert_eq!(t.planned_units().unwrap(), 2);
    assert_eq!(
        argv(&t),
        ["goal-state --format=json", "goal-state --format=json"]
    );
    t.runner().answer("goal-state", 0, r#"{"units":[]}"#, "");
    assert!(matches!(t.goal_state(), Err(ModelError::Output { .. })));
}

#[test]
fn secret_add_uses_private_files_never_argv() {
    let t = tools();
    t.runner()
        .answer("secret-add", 0, "secret:cq3k5g7mp25c7b0m7tpg\n", "");
    let content: BTreeMap<String, String> = [
        ("password".to_string(), "hunter2".to_string()),
        ("user".into(), "admin".into()),
    ]
    .into_iter()
    .collect();
    let options = SecretOptions {
        label: Some("db".into()),
        description: Some("the db".into()),
        expire: Some("2030-01-01T00:00:00Z".into()),
        rotate: Some("daily".into()),
    };
    let uri = t.secret_add(&content, &options, SecretOwner::Unit).unwrap();
    assert_eq!(uri, "secret:cq3k5g7mp25c7b0m7tpg");
    let call = &calls(&t)[0];
    assert_eq!(
        call.args[..10],
        [
            "--label",
            "db",
            "--description",
            "the db",
            "--expire",
            "2030-01-01T00:00:00Z",
            "--rotate",
            "daily",
            "--owner",
            "unit"
        ]
    );
    assert!(call.args[10].starts_with("password#file="));
    assert!(call.args[11].starts_with("user#file="));
    assert!(!call.args.iter().any(|a| a.contains("hunter2")));
    assert_eq!(
        call.files,
        vec![
            ("password".to_string(), "hunter2".to_string(), 0o600),
            ("user".to_string(), "admin".to_string(), 0o600)
        ]
    );
    // The files are gone afterwards.
    let path = call.args[10].split_once("#file=").unwrap().1;
    assert!(!std::path::Path::new(path).exists());
    assert!(!std::path::Path::new(path).parent().unwrap().exists());
}

#[test]
fn secret_get_info_and_ids() {
    let t = tools();
    for _ in 0..3 {
        t.runner()
            .answer("secret-get", 0, r#"{"password":"p"}"#, "");
    }
    let c = t
        .secret_get(SecretLookup::Id("secret:abc"), SecretRead::Tracked)
        .unwrap();
    assert_eq!(c["password"], "p");
    t.secret_get(SecretLookup::Label("db"), SecretRead::Peek)
        .unwrap();
    t.secret_get(
        SecretLookup::IdAndLabel("secret:abc", "db"),
        SecretRead::Refresh,
    )
    .unwrap();
    let info = r#"{"cq3k5g7mp25c7b0m7tpg":{"revision":3,"label":"db","owner":"application","rotation":"daily","rotates":"2030-01-02T00:00:00Z","expiry":"","description":"d"}}"#;
    t.runner().answer("secret-info-get", 0, info, "");
    let i = t.secret_info_get(SecretLookup::Id("secret:abc")).unwrap();
    assert_eq!(
        i,
        SecretInfo {
            id: "cq3k5g7mp25c7b0m7tpg".into(),
            label: Some("db".into()),
            description: Some("d".into()),
            expiry: None,
            rotation: Some("daily".into()),
            rotates: Some("2030-01-02T00:00:00Z".into()),
            revision: 3
        }
    );
    t.runner().answer("secret-info-get", 0, info, "");
    t.secret_info_get(SecretLookup::Label("db")).unwrap();
    t.runner()
        .answer("secret-ids", 0, r#"["secret:a","secret:b"]"#, "");
    assert_eq!(t.secret_ids().unwrap(), vec!["secret:a", "secret:b"]);
    assert_eq!(
        argv(&t),
        [
            "secret-get --format=json secret:abc",
            "secret-get --format=json --label db --peek",
            "secret-get --format=json secret:abc --label db --refresh",
            "secret-info-get --format=json secret:abc",
            "secret-info-get --format=json --label db",
            "secret-ids --format=json",
        ]
    );
    t.runner().answer("secret-info-get", 0, "{}", "");
    assert!(matches!(
        t.secret_info_get(SecretLookup::Label("x")),
        Err(ModelError::Output { .. })
    ));
    t.runner()
        .answer("secret-get", 1, "", "ERROR secret \"secret:zz\" not found");
    assert!(matches!(
        t.secret_get(SecretLookup::Id("secret:zz"), SecretRead::Tracked),
        Err(ModelError::SecretNotFound(_))
    ));
    t.runner()
        .answer("secret-get", 1, "", "ERROR permission denied");
    assert!(matches!(
        t.secret_get(SecretLookup::Id("secret:zz"), SecretRead::Tracked),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn secret_set_grant_revoke_remove() {
    let t = tools();
    let content: BTreeMap<String, String> = [("password".to_string(), "new".to_string())]
        .into_iter()
        .collect();
    t.secret_set(
        "secret:abc",
        Some(&content),
        &SecretOptions {
            label: Some("db".into()),
            ..SecretOptions::default()
        },
    )
    .unwrap();
    t.secret_set("secret:abc", None, &SecretOptions::default())
        .unwrap();
    t.secret_grant("secret:abc", 3, None).unwrap();
    t.secret_grant("secret:abc", 3, Some("pg/0")).unwrap();
    t.secret_revoke("secret:abc", 3, Some("pg/0")).unwrap();
    t.secret_remove("secret:abc", Some(2)).unwrap();
    t.secret_remove("secret:abc", None).unwrap();
    let got = argv(&t);
    assert!(
        got[0].starts_with("secret-set --label db --owner application secret:abc password#file=")
    );
    assert_eq!(
        got[1..],
        [
            "secret-set --owner application secret:abc",
            "secret-grant --relation 3 secret:abc",
            "secret-grant --relation 3 --unit pg/0 secret:abc",
            "secret-revoke --relation 3 --unit pg/0 secret:abc",
            "secret-remove secret:abc --revision 2",
            "secret-remove secret:abc",
        ]
    );
    assert_eq!(
        calls(&t)[0].files,
        vec![("password".to_string(), "new".to_string(), 0o600)]
    );
}

#[test]
fn ports() {
    let t = tools();
    t.open_port(Port::tcp(80)).unwrap();
    t.open_port(Port::udp_range(8000, 8100)).unwrap();
    t.close_port(Port::icmp()).unwrap();
    assert!(t.open_port(Port::tcp(0)).is_err());
    t.runner().answer(
        "opened-ports",
        0,
        r#"["80/tcp","icmp","443","8000-8100/udp","53/sctp"]"#,
        "",
    );
    let ports = t.opened_ports().unwrap();
    assert_eq!(
        ports,
        vec![
            Port::tcp(80),
            Port::icmp(),
            Port::tcp(443),
            Port::udp_range(8000, 8100)
        ]
    );
    assert_eq!(ports[3].protocol, Protocol::Udp);
    assert_eq!(
        argv(&t),
        [
            "open-port 80/tcp",
            "open-port 8000-8100/udp",
            "close-port icmp",
            "opened-ports --format=json"
        ]
    );
}

#[test]
fn credential_get() {
    let t = tools();
    t.runner().answer(
        "credential-get",
        0,
        r#"{"type":"lxd","name":"localhost","region":"localhost","endpoint":"https://10.0.0.1:8443","identity-endpoint":"","storage-endpoint":"","credential":{"auth-type":"certificate","attrs":{"client-cert":"C","client-key":"K"},"redacted":["client-key"]},"cacertificates":["CA"],"skip-tls-verify":true,"is-controller-cloud":true}"#,
        "",
    );
    let spec = t.credential_get().unwrap();
    assert_eq!(argv(&t), ["credential-get --format=json"]);
    assert_eq!(spec.kind, "lxd");
    assert_eq!(spec.endpoint.as_deref(), Some("https://10.0.0.1:8443"));
    assert_eq!(spec.identity_endpoint, None);
    let cred = spec.credential.clone().unwrap();
    assert_eq!(cred.auth_type, "certificate");
    assert_eq!(cred.attributes["client-key"], "K");
    assert_eq!(cred.redacted, vec!["client-key"]);
    assert!(!format!("{spec:?}").contains("\"K\""));
    assert_eq!(spec.ca_certificates, vec!["CA"]);
    assert!(spec.skip_tls_verify && spec.is_controller_cloud);
    t.runner()
        .answer("credential-get", 0, r#"{"type":"lxd"}"#, "");
    assert!(matches!(t.credential_get(), Err(ModelError::Output { .. })));
}

#[test]
fn reboot_state_and_metrics() {
    let t = tools();
    t.juju_reboot(false).unwrap();
    t.juju_reboot(true).unwrap();
    t.runner().answer("state-get", 0, "{\"a\":1}\n", "");
    assert_eq!(t.state_get("k").unwrap().as_deref(), Some("{\"a\":1}"));
    t.runner().answer("state-get", 0, "", "");
    assert_eq!(t.state_get("k").unwrap(), None);
    t.state_set("k", "{\"a\":1}").unwrap();
    t.state_delete("k").unwrap();
    let metrics: BTreeMap<String, f64> = [("requests".to_string(), 12.5)].into_iter().collect();
    let labels: BTreeMap<String, String> = [
        ("region".to_string(), "eu".to_string()),
        ("tier".into(), "web".into()),
    ]
    .into_iter()
    .collect();
    t.add_metrics(&metrics, &labels).unwrap();
    t.add_metrics(&metrics, &BTreeMap::new()).unwrap();
    assert_eq!(
        argv(&t),
        [
            "juju-reboot",
            "juju-reboot --now",
            "state-get k",
            "state-get k",
            "state-set --file -",
            "state-delete k",
            "add-metric --labels region=eu,tier=web requests=12.5",
            "add-metric requests=12.5",
        ]
    );
    assert_eq!(calls(&t)[4].stdin.as_deref(), Some(r#"{"k":"{\"a\":1}"}"#));
}

#[test]
fn spawn_failures_and_bad_utf8() {
    let _scripts = scripts_lock();
    let t = HookTools::with_runner(ProcessRunner::in_dir("/nonexistent-ops-tools"));
    let err = t.is_leader().unwrap_err();
    assert!(
        matches!(&err, ModelError::Spawn { tool, .. } if tool == "is-leader"),
        "{err:?}"
    );
    let t = tools();
    t.runner().answers.lock().unwrap().push((
        "config-get".into(),
        ToolOutput {
            code: Some(0),
            stdout: vec![0xff, 0xfe],
            stderr: vec![],
        },
    ));
    assert!(matches!(t.config_get(), Err(ModelError::Output { .. })));
    // Killed by a signal: no exit code.
    t.runner().answers.lock().unwrap().push((
        "is-leader".into(),
        ToolOutput {
            code: None,
            stdout: vec![],
            stderr: b"killed".to_vec(),
        },
    ));
    assert!(matches!(
        t.is_leader(),
        Err(ModelError::Tool { code: None, .. })
    ));
}

/// Held by the tests that run processes: one of them forking while another
/// still has its script open for writing would make executing that script fail with
/// "Text file busy" (ETXTBSY).
static SCRIPTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scripts_lock() -> std::sync::MutexGuard<'static, ()> {
    SCRIPTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn process_runner_runs_real_tools_with_stdin() {
    let _scripts = scripts_lock();
    let dir = std::env::temp_dir().join(format!("ops-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("relation-set");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\ncat > \"$(dirname \"$0\")/stdin\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    t.relation_set(4, &[("k".into(), "v".into())].into_iter().collect(), false)
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("args")).unwrap(),
        "-r 4 --file -\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("stdin")).unwrap(),
        r#"{"k":"v"}"#
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn juju_log_does_not_wait_but_keeps_order_and_flush_waits() {
    let _scripts = scripts_lock();
    let dir = std::env::temp_dir().join(format!("ops-log-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("juju-log");
    // Each line takes a while to write: without ordering, later lines would overtake.
    std::fs::write(
        &script,
        "#!/bin/sh\nsleep 0.05\necho \"$4\" >> \"$(dirname \"$0\")/log\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    let other = HookTools::with_runner(ProcessRunner::in_dir(&dir));
    let started = std::time::Instant::now();
    t.juju_log(LogLevel::Info, "one").unwrap();
    other.juju_log(LogLevel::Info, "two").unwrap();
    t.juju_log(LogLevel::Info, "three").unwrap();
    let before_flush = started.elapsed();
    t.flush();
    assert_eq!(
        std::fs::read_to_string(dir.join("log")).unwrap(),
        "one\ntwo\nthree\n"
    );
    // The calls returned before the last line was written.
    assert!(before_flush < started.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn relation_tools_name_the_endpoint_when_given() {
    let t = tools();
    t.runner().answer("relation-list", 0, r#"["pg/0"]"#, "");
    assert_eq!(t.relation_list_on("db", 3).unwrap(), vec!["pg/0"]);
    t.runner().answer("relation-list", 0, r#""pg""#, "");
    assert_eq!(
        t.relation_remote_app_on("db", 3).unwrap().as_deref(),
        Some("pg")
    );
    t.runner().answer("relation-get", 0, r#"{"a":"1"}"#, "");
    assert_eq!(t.relation_get_on("db", 3, "pg/0", false).unwrap()["a"], "1");
    t.runner().answer("relation-get", 0, "{}", "");
    t.relation_get_on("db", 3, "pg", true).unwrap();
    let changes: Databag = [("a".to_string(), "1".to_string())].into_iter().collect();
    t.relation_set_on("db", 3, &changes, true).unwrap();
    t.relation_set_on("db", 3, &Databag::new(), false).unwrap();
    t.runner()
        .answer("relation-model-get", 0, r#"{"uuid":"ab-cd"}"#, "");
    assert_eq!(t.relation_model_uuid_on("db", 3).unwrap(), "ab-cd");
    assert_eq!(
        argv(&t),
        [
            "relation-list --format=json -r db:3",
            "relation-list --format=json --app -r db:3",
            "relation-get --format=json -r db:3 - pg/0",
            "relation-get --format=json -r db:3 --app - pg",
            "relation-set -r db:3 --app --file -",
            "relation-model-get --format=json -r db:3",
        ]
    );
    assert_eq!(calls(&t)[4].stdin.as_deref(), Some(r#"{"a":"1"}"#));
    // Juju refusing an id of another endpoint reads as a missing relation.
    t.runner()
        .answer("relation-get", 1, "", "ERROR relation not found");
    assert!(matches!(
        t.relation_get_on("db", 7, "pg/0", false),
        Err(ModelError::RelationNotFound(_))
    ));
}

static DB_META: crate::meta::CharmMeta = crate::meta::CharmMeta {
    name: "web",
    summary: "",
    description: "",
    subordinate: false,
    containers: &[],
    resources: &[],
    storages: &[],
    relations: &[crate::meta::RelationMeta {
        name: "db",
        role: crate::meta::RelationRole::Requires,
        interface: "pgsql",
        limit: Some(1),
        optional: false,
        container_scope: false,
    }],
    extra_bindings: &[],
    config: &[],
    actions: &[],
};

/// A runner shared between a model and the test.
struct SharedFake(std::sync::Arc<Fake>);

impl Runner for SharedFake {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::io::Result<ToolOutput> {
        self.0.run(tool, args, stdin)
    }
}

#[test]
fn the_model_names_relations_as_endpoint_and_id() {
    let fake = std::sync::Arc::new(Fake::default());
    fake.always("is-leader", 0, "true", "");
    fake.always("relation-get", 0, "{}", "");
    fake.answer("relation-list", 0, "[]", "");
    fake.answer("relation-list", 0, r#""pg""#, "");
    fake.always("relation-model-get", 0, r#"{"uuid":"u"}"#, "");
    let context = crate::context::JujuContext::from_vars([("JUJU_UNIT_NAME", "web/0")]);
    let model = crate::model::ModelCore::new(
        Box::new(HookTools::with_runner(SharedFake(fake.clone()))),
        &DB_META,
        context,
    );
    let rel = model.get_relation("db", Some(3)).unwrap().unwrap();
    rel.units().unwrap();
    rel.remote_app().unwrap();
    rel.data(crate::Member::Unit("pg/0")).unwrap();
    rel.set(crate::Member::ThisApp, "k", "v").unwrap();
    rel.remote_model_uuid().unwrap();
    model.flush_relation_writes().unwrap();
    let relation_calls: Vec<String> = fake
        .argv()
        .into_iter()
        .filter(|c| c.starts_with("relation-"))
        .collect();
    assert_eq!(
        relation_calls,
        [
            "relation-list --format=json -r db:3",
            "relation-list --format=json --app -r db:3",
            "relation-get --format=json -r db:3 - pg/0",
            "relation-model-get --format=json -r db:3",
            "relation-set -r db:3 --app --file -",
        ]
    );
}

/// A hook-tool call whose result is only checked for being an error or not.
type Probe = fn(&HookTools<Fake>) -> Result<(), ModelError>;

fn answer_bytes(t: &HookTools<Fake>, tool: &str, stdout: &[u8]) {
    t.runner().answers.lock().unwrap().push((
        tool.to_string(),
        ToolOutput {
            code: Some(0),
            stdout: stdout.to_vec(),
            stderr: Vec::new(),
        },
    ));
}

#[test]
fn garbage_tool_output_is_an_output_error_naming_the_tool() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_units = format!(
        r#"{{"application-status":{{"status":"active","units":{}"u":{{"status":"active"}}{}}}}}"#,
        r#"{"u":{"status":"active","units":"#.repeat(200),
        "}}".repeat(200)
    );
    // Garbage every JSON-printing tool must refuse.
    let common: [&[u8]; 6] = [
        b"{",
        b"[1,",
        b"\xff\xfe",
        b"1e999",
        deep.as_bytes(),
        b"\"x\" 2",
    ];
    let probes: Vec<(&str, Probe, Vec<&[u8]>)> = vec![
        ("config-get", |t| t.config_get().map(drop), vec![b"[1]", b"\"x\"", b"5"]),
        ("is-leader", |t| t.is_leader().map(drop), vec![b"", b"\"yes\"", b"1", b"[true]"]),
        (
            "relation-ids",
            |t| t.relation_ids("db").map(drop),
            vec![
                b"[\"db:-1\"]",
                b"[\"db:18446744073709551616\"]",
                b"[\"db:\"]",
                b"[\"db:1.5\"]",
                b"[\"\"]",
                b"[12]",
                b"{\"db\":1}",
            ],
        ),
        ("relation-list", |t| t.relation_list(1).map(drop), vec![b"[1,2]", b"{}"]),
        (
            "relation-list",
            |t| t.relation_remote_app(1).map(drop),
            vec![b"[\"a\"]", b"5"],
        ),
        (
            "relation-get",
            |t| t.relation_get(1, "u/0", false).map(drop),
            vec![b"{\"a\":1}", b"[[\"a\",\"b\"]]", b"{\"a\":null}"],
        ),
        (
            "relation-model-get",
            |t| t.relation_model_uuid(1).map(drop),
            vec![b"{}", b"{\"uuid\":5}", b"null"],
        ),
        (
            "status-get",
            |t| t.status_get(false).map(drop),
            vec![
                b"{\"status\":\"exploded\"}",
                b"{\"message\":\"no status\"}",
                b"{\"status\":5}",
                b"[]",
                b"",
            ],
        ),
        (
            "status-get",
            |t| t.status_get(true).map(drop),
            vec![
                b"{\"status\":\"active\"}",
                b"{\"application-status\":{\"status\":\"active\",\"units\":{\"u/0\":{\"status\":\"bogus\"}}}}",
                b"{\"application-status\":{\"status\":\"active\"},\"units\":[1]}",
                deep_units.as_bytes(),
            ],
        ),
        ("storage-list", |t| t.storage_list("data").map(drop), vec![b"[1]", b"{}"]),
        (
            "storage-get",
            |t| t.storage_get("data/0").map(drop),
            vec![b"{\"kind\":\"block\"}", b"\"x\"", b""],
        ),
        ("action-get", |t| t.action_get().map(drop), vec![b"[]", b"7"]),
        (
            "network-get",
            |t| t.network_get("db", None).map(drop),
            vec![
                b"{\"bind-addresses\":\"x\"}",
                b"{\"bind-addresses\":[{\"addresses\":[{\"cidr\":5}]}]}",
                b"{\"ingress-addresses\":[1]}",
            ],
        ),
        (
            "goal-state",
            |t| t.goal_state().map(drop),
            vec![
                b"{\"units\":[1]}",
                b"{\"units\":{\"u/0\":{\"since\":\"x\"}}}",
                b"{\"relations\":{\"db\":[1]}}",
            ],
        ),
        (
            "goal-state",
            |t| t.planned_units().map(drop),
            vec![b"{\"units\":{\"u/0\":{\"status\":7}}}"],
        ),
        (
            "secret-get",
            |t| t.secret_get(SecretLookup::Id("s"), SecretRead::Tracked).map(drop),
            vec![b"{\"a\":1}", b"[\"a\"]"],
        ),
        (
            "secret-info-get",
            |t| t.secret_info_get(SecretLookup::Id("s")).map(drop),
            vec![
                b"{}",
                b"null",
                b"{\"a\":{\"revision\":-1}}",
                b"{\"a\":{\"revision\":18446744073709551616}}",
                b"{\"a\":{\"revision\":1.5}}",
                b"{\"a\":{}}",
                b"{\"a\":{\"revision\":1},\"b\":{\"revision\":2}}",
            ],
        ),
        ("secret-ids", |t| t.secret_ids().map(drop), vec![b"[1]", b"{}"]),
        ("opened-ports", |t| t.opened_ports().map(drop), vec![b"[1]", b"{}"]),
        (
            "credential-get",
            |t| t.credential_get().map(drop),
            vec![b"{}", b"{\"type\":1,\"name\":\"n\"}", b"null"],
        ),
    ];
    let mut wrong = Vec::new();
    for (tool, probe, specific) in probes {
        for stdout in common.iter().copied().chain(specific) {
            let t = tools();
            answer_bytes(&t, tool, stdout);
            let shown = String::from_utf8_lossy(&stdout[..stdout.len().min(60)]).into_owned();
            match probe(&t) {
                Err(ModelError::Output { tool: named, .. }) if named == tool => {}
                other => wrong.push(format!("{tool} printing {shown:?}: {other:?}")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn odd_but_readable_tool_output() {
    // Unparseable opened ports are skipped (with a warning), not fatal.
    let t = tools();
    t.runner().answer(
        "opened-ports",
        0,
        r#"["80/tcp","99999/tcp","-1/udp","x","1-2-3/tcp","/","8000-8080/udp"]"#,
        "",
    );
    assert_eq!(
        t.opened_ports().unwrap(),
        vec![
            Port::tcp(80),
            Port {
                protocol: Protocol::Udp,
                port: Some(8000),
                to_port: Some(8080),
            }
        ]
    );
    // Plain-text tools: nothing printed, or bytes that are not UTF-8.
    for (tool, stdout, detail) in [
        ("resource-get", &b" \n"[..], "no path printed"),
        ("resource-get", b"\xff", "not UTF-8"),
        ("secret-add", b"\n", "no secret URI printed"),
        ("state-get", b"\xc3", "not UTF-8"),
    ] {
        let t = tools();
        answer_bytes(&t, tool, stdout);
        let content = BTreeMap::from([("key".to_string(), "v".to_string())]);
        let err = match tool {
            "resource-get" => t.resource_get("r").map(drop),
            "secret-add" => t
                .secret_add(&content, &SecretOptions::default(), SecretOwner::Unit)
                .map(drop),
            _ => t.state_get("k").map(drop),
        }
        .unwrap_err();
        assert!(
            matches!(&err, ModelError::Output { tool: named, detail: d } if named == tool && d.contains(detail)),
            "{tool}: {err:?}"
        );
    }
    // A failing tool with stderr that is not UTF-8, or a huge one.
    let t = tools();
    t.runner().answers.lock().unwrap().push((
        "relation-get".into(),
        ToolOutput {
            code: Some(2),
            stdout: Vec::new(),
            stderr: b"ERROR relation \xff 9 not found".to_vec(),
        },
    ));
    assert!(matches!(
        t.relation_get(9, "u/0", false),
        Err(ModelError::Tool { code: Some(2), .. })
    ));
    let t = tools();
    t.runner()
        .always("is-leader", i32::MIN, "", &"é".repeat(100_000));
    assert!(matches!(
        t.is_leader(),
        Err(ModelError::Tool {
            code: Some(i32::MIN),
            ..
        })
    ));
    // stderr cut anywhere around "relation N not found".
    for (stderr, not_found) in [
        ("relation ", false),
        ("relation", false),
        ("relation 1", false),
        ("Relation 99999999999999999999999 Not Found", true),
        ("é relation not found é", true),
    ] {
        let err = tool_error("relation-ids", Some(1), stderr.to_string());
        assert_eq!(
            matches!(err, ModelError::RelationNotFound(_)),
            not_found,
            "{stderr:?}: {err:?}"
        );
    }
}
