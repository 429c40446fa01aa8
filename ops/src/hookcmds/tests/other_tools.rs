//! The hook tools other than the relation and secret ones: logs, config, leadership,
//! status, resources, storage, actions, network, goal state, ports, credentials, reboot
//! and metrics.

use super::*;

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
fn opened_ports_with_endpoints() {
    let t = tools();
    // As Juju prints them: each port, then the endpoints it is open on.
    t.runner().answer(
        "opened-ports",
        0,
        r#"["80/tcp (*)", "8080-8090/tcp (website, metrics)", "icmp ()", "nonsense (x)"]"#,
        "",
    );
    let ports = t.opened_ports_endpoints().unwrap();
    assert_eq!(
        ports,
        vec![
            (Port::tcp(80), vec!["*".to_string()]),
            (
                Port::tcp_range(8080, 8090),
                vec!["website".to_string(), "metrics".to_string()]
            ),
            (Port::icmp(), vec![]),
        ]
    );
    assert_eq!(argv(&t), ["opened-ports --endpoints --format=json"]);
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
