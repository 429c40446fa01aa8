//! Garbage tool output is an output error naming the tool; odd but readable output
//! is read.

use super::*;

/// A hook-tool call whose result is only checked for being an error or not.
type Probe = fn(&HookTools<Fake>) -> Result<(), ModelError>;

fn answer_bytes(t: &HookTools<Fake>, tool: &str, stdout: &[u8]) {
    t.runner().answers.lock().unwrap().push((
        tool.to_string(),
        ToolOutput {
            code: Some(0),
            signal: None,
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
            signal: None,
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
