//! What a failed hook tool's error says: the tool, exit status and stderr, then (as an
//! `ops::Error`, what a hook logs) the command line with every value that may be secret
//! redacted, and the stdout (redacted for tools whose output may hold secrets), both cut.

use super::*;

/// The message a hook logs for `err`.
fn logged(err: ModelError) -> String {
    crate::Error::from(err).to_string()
}

#[test]
fn the_message_names_the_command_and_its_stdout() {
    let t = tools();
    t.runner()
        .answer("is-leader", 2, "half an answer\n", "ERROR not today\n");
    let err = t.is_leader().unwrap_err();
    assert_eq!(
        err.to_string(),
        "is-leader failed: exit status 2: ERROR not today"
    );
    let ModelError::Tool {
        call: Some(call), ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(call.command, ["is-leader", "--format=json"]);
    assert_eq!(call.stdout, "half an answer");
    assert_eq!(
        logged(err),
        "is-leader failed: exit status 2: ERROR not today: \
         command `is-leader --format=json`, stdout: `half an answer`"
    );
    // Arguments a shell would split are quoted; no stdout, no stdout part.
    t.runner().answer("status-set", 1, "", "");
    let err = t
        .status_set(&Status::blocked("it's down"), false)
        .unwrap_err();
    assert_eq!(
        logged(err),
        "status-set failed: exit status 1: \
         command `status-set --application=False blocked -- 'it'\\''s down'`"
    );
}

#[test]
fn a_tool_killed_by_a_signal_names_the_command_too() {
    let t = tools();
    t.runner().answers.lock().unwrap().push((
        "goal-state".into(),
        ToolOutput {
            code: None,
            signal: Some(15),
            stdout: b"{\"units\":".to_vec(),
            stderr: b"about to die".to_vec(),
        },
    ));
    assert_eq!(
        logged(t.goal_state().unwrap_err()),
        "goal-state failed: killed by signal 15: about to die: \
         command `goal-state --format=json`, stdout: `{\"units\":`"
    );
}

#[test]
fn secret_values_are_redacted_from_the_command() {
    let t = tools();
    // Action results are arguments: their values never show.
    t.runner().answer("action-set", 1, "", "ERROR bad key");
    let results: BTreeMap<String, String> = [
        ("password".to_string(), "hunter2".to_string()),
        ("db.user".to_string(), "admin".to_string()),
    ]
    .into_iter()
    .collect();
    let err = t.action_set(&results).unwrap_err();
    let debug = format!("{err:?}");
    let message = logged(err);
    assert_eq!(
        message,
        "action-set failed: exit status 1: ERROR bad key: \
         command `action-set db.user=<redacted> password=<redacted>`"
    );
    assert!(
        !debug.contains("hunter2") && !debug.contains("admin"),
        "{debug}"
    );
    // Secret content goes through files; their paths are not shown either.
    t.runner().answer("secret-set", 1, "", "ERROR quota");
    let content: BTreeMap<String, String> = [("password".to_string(), "hunter2".to_string())]
        .into_iter()
        .collect();
    let options = SecretOptions {
        label: Some("db=main".into()),
        ..SecretOptions::default()
    };
    let err = t
        .secret_set("secret:abc", Some(&content), &options)
        .unwrap_err();
    let debug = format!("{err:?}");
    assert_eq!(
        logged(err),
        "secret-set failed: exit status 1: ERROR quota: command \
         `secret-set --label db=<redacted> --owner application secret:abc password#file=<redacted>`"
    );
    assert!(
        !debug.contains("hunter2") && !debug.contains("/tmp"),
        "{debug}"
    );
    t.runner().answer("secret-add", 1, "", "");
    let err = t
        .secret_add(&content, &SecretOptions::default(), SecretOwner::Unit)
        .unwrap_err();
    let debug = format!("{err:?}");
    assert!(!format!("{debug} {}", logged(err)).contains("hunter2"));
    // Log and action-log messages may quote anything.
    t.runner().answer("action-log", 1, "", "");
    let err = t.action_log("token=hunter2").unwrap_err();
    assert_eq!(
        logged(err),
        "action-log failed: exit status 1: command `action-log -- <redacted>`"
    );
    t.runner().answer("juju-log", 1, "", "");
    let err = t.juju_log(LogLevel::Info, "hunter2").unwrap_err();
    assert_eq!(
        logged(err),
        "juju-log failed: exit status 1: command `juju-log --log-level INFO -- <redacted>`"
    );
}

#[test]
fn stdout_of_tools_that_may_print_secrets_is_redacted() {
    for (tool, out) in [
        ("secret-get", r#"{"password": "hunter2"}"#),
        ("config-get", r#"{"admin-password": "hunter2"}"#),
        (
            "credential-get",
            r#"{"credential": {"attrs": {"key": "hunter2"}}}"#,
        ),
        ("relation-get", r#"{"password": "hunter2"}"#),
        ("action-get", r#"{"password": "hunter2"}"#),
        ("state-get", "hunter2"),
    ] {
        let call = tool_call(tool, &[], out.as_bytes());
        assert_eq!(
            call.stdout,
            format!("<redacted: {} bytes>", out.len()),
            "{tool}"
        );
    }
    assert_eq!(tool_call("is-leader", &[], b"  true\n").stdout, "true");
    assert_eq!(tool_call("is-leader", &[], b"\n").stdout, "");
}

#[test]
fn stdout_and_stderr_are_cut_in_the_message() {
    let t = tools();
    let long = "x".repeat(ToolCall::MAX_SHOWN + 500);
    let tail = "é".repeat(ToolCall::MAX_SHOWN);
    // `ERROR! ` is 7 bytes: the cut at MAX_SHOWN falls within an `é`.
    t.runner()
        .answer("goal-state", 1, &long, &format!("ERROR! {tail}"));
    let err = t.goal_state().unwrap_err();
    let ModelError::Tool {
        stderr,
        call: Some(call),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    // Cut at a character boundary, with how much was left out.
    let kept = ToolCall::MAX_SHOWN - 1;
    let expected = format!(
        "ERROR! {}... ({} more bytes)",
        &tail[..kept - 7],
        7 + tail.len() - kept
    );
    assert_eq!(*stderr, expected);
    assert_eq!(
        call.stdout,
        format!("{}... (500 more bytes)", &long[..ToolCall::MAX_SHOWN])
    );
    assert!(logged(err).len() < 3 * ToolCall::MAX_SHOWN + 200);
}

#[test]
fn trace_spans_get_the_redacted_arguments() {
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        safe_args("action-set", &args(&["a=1", "b.c=two=2"])),
        ["a=<redacted>", "b.c=<redacted>"]
    );
    assert_eq!(
        safe_args("juju-log", &args(&["--log-level", "DEBUG", "--", "x=1"])),
        ["--log-level", "DEBUG", "--", "<redacted>"]
    );
    // Other tools' arguments are ids, names and flags: shown as they are.
    assert_eq!(
        safe_args(
            "relation-get",
            &args(&["--format=json", "-r", "db:3", "-", "pg/0"])
        ),
        ["--format=json", "-r", "db:3", "-", "pg/0"]
    );
}
