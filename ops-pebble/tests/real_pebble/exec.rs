//! exec: stdin, stdout and stderr, environment, working dir, timeout, exit codes, a signal
//! to the process, combined stderr, and commands Pebble cannot run.

use crate::start;
use ops_pebble::{Error, ExecOptions, ExecStdio, Pebble};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn command(args: &[&str]) -> ExecOptions {
    ExecOptions {
        command: args.iter().map(|a| a.to_string()).collect(),
        ..ExecOptions::default()
    }
}

fn sh(script: &str) -> ExecOptions {
    command(&["sh", "-c", script])
}

#[test]
fn stdio_environment_working_dir_and_exit_codes() {
    let pebble = start!("stdio_environment_working_dir_and_exit_codes");
    let client = pebble.client();
    // stdin through to stdout, stderr apart.
    let mut input = &b"line one\nline two\n"[..];
    let out = client
        .exec(
            &sh("cat; echo to-err >&2"),
            ExecStdio {
                stdin: Some(&mut input),
                ..ExecStdio::default()
            },
        )
        .unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout, b"line one\nline two\n");
    assert_eq!(out.stderr, b"to-err\n");

    // Combined stderr: both in stdout, in order.
    let mut combined = sh("echo a; echo b >&2; echo c");
    combined.combine_stderr = true;
    let out = client.exec(&combined, ExecStdio::default()).unwrap();
    assert_eq!(out.stdout, b"a\nb\nc\n");
    assert!(out.stderr.is_empty());

    // Environment (only what is given, over Pebble's own) and working dir.
    let mut env = sh("echo \"$GREETING|$HOME|$(pwd)\"");
    env.environment = BTreeMap::from([("GREETING".to_string(), "hi there".to_string())]);
    env.working_dir = Some(pebble.scratch().display().to_string());
    let out = client.exec(&env, ExecStdio::default()).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        format!("hi there|/root|{}\n", pebble.scratch().display())
    );

    // Exit codes are reported, not errors, by exec; the process handle's wait_output turns
    // them into Error::Exec with the output.
    let out = client
        .exec(&sh("echo partial; exit 7"), ExecStdio::default())
        .unwrap();
    assert_eq!(
        (out.exit_code, out.stdout.as_slice()),
        (7, &b"partial\n"[..])
    );
    let err = client
        .exec_start(&sh("echo partial; exit 7"), ExecStdio::default())
        .unwrap()
        .wait_output()
        .unwrap_err();
    match err {
        Error::Exec(e) => {
            assert_eq!(e.exit_code, 7);
            assert_eq!(e.stdout.as_deref(), Some(&b"partial\n"[..]));
        }
        other => panic!("expected an exec error, got {other:?}"),
    }
    // Output written to given writers, big enough to need several websocket messages.
    let mut sink = Vec::new();
    let out = client
        .exec(
            &command(&["head", "-c", "3000000", "/dev/zero"]),
            ExecStdio {
                stdout: Some(&mut sink),
                ..ExecStdio::default()
            },
        )
        .unwrap();
    assert_eq!(out.exit_code, 0);
    assert!(out.stdout.is_empty());
    assert_eq!(sink.len(), 3_000_000);
}

#[test]
fn commands_pebble_cannot_run() {
    let pebble = start!("commands_pebble_cannot_run");
    let client = pebble.client();
    let err = client
        .exec(&command(&["/no/such/binary"]), ExecStdio::default())
        .unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot find executable \"/no/such/binary\""
    );
    // An empty command is refused before Pebble sees it.
    let err = client
        .exec(&command(&[]), ExecStdio::default())
        .unwrap_err();
    assert!(matches!(err, Error::Format(_)), "{err:?}");
    let mut bad_dir = command(&["true"]);
    bad_dir.working_dir = Some("/no/such/dir".into());
    let err = client.exec(&bad_dir, ExecStdio::default()).unwrap_err();
    assert!(err.to_string().contains("/no/such/dir"), "{err:?}");
    let mut bad_user = command(&["true"]);
    bad_user.user = Some("no-such-user-ops".into());
    let err = client.exec(&bad_user, ExecStdio::default()).unwrap_err();
    assert!(err.to_string().contains("no-such-user-ops"), "{err:?}");
}

#[test]
fn timeout_and_signals() {
    let pebble = start!("timeout_and_signals");
    let client = pebble.client();
    // A command past its timeout is killed and its change fails.
    let mut slow = command(&["sleep", "30"]);
    slow.timeout = Some(Duration::from_millis(300));
    let started = Instant::now();
    let err = client.exec(&slow, ExecStdio::default()).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::Change(c) => assert!(c.err.contains("timed out after 300ms"), "{c:?}"),
        other => panic!("expected the change's timeout error, got {other:?}"),
    }

    // A signal to the running process: it traps SIGUSR1, says so and exits 5.
    let mut process = client
        .exec_start(
            &sh("trap 'echo got-usr1; exit 5' USR1; echo ready; while true; do sleep 0.05; done"),
            ExecStdio::default(),
        )
        .unwrap();
    let mut stdout = process.stdout.take().unwrap();
    let mut first = [0u8; 6];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"ready\n");
    process.send_signal("SIGUSR1").unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got-usr1\n");
    let out = process.wait_with_output().unwrap();
    assert_eq!(out.exit_code, 5);

    // SIGTERM, by number, kills an untrapped process; Pebble reports the signal death as
    // exit code 128 + 15.
    let mut process = client
        .exec_start(&command(&["sleep", "30"]), ExecStdio::default())
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    process.send_signal(15).unwrap();
    let started = Instant::now();
    let out = process.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.exit_code, 143, "{out:?}");

    // stdin written through the handle, closed to end the command.
    let mut process = client
        .exec_start(&command(&["wc", "-c"]), ExecStdio::default())
        .unwrap();
    let mut stdin = process.stdin.take().unwrap();
    stdin.write_all(&[b'x'; 100_000]).unwrap();
    stdin.close().unwrap();
    let (out, _) = process.wait_output().unwrap();
    assert_eq!(out.trim(), "100000");
}
