//! `exec_start` and the process handle (stdin/stdout/stderr handles, signals over the
//! control websocket, the wait methods) against the Pebble stand-in, which runs real
//! processes and delivers control-websocket signals to them.

use ops_pebble_stand_in as common;

use common::FakePebble;
use ops_pebble::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

fn opts(command: &[&str]) -> ExecOptions {
    ExecOptions {
        command: command.iter().map(|s| s.to_string()).collect(),
        // Only a guard: a regression fails with a timeout instead of hanging the suite.
        timeout: Some(Duration::from_secs(120)),
        ..Default::default()
    }
}

#[test]
fn send_signal_by_number_goes_over_the_control_websocket_by_name() {
    let p = FakePebble::start();
    let c = p.client();
    let script = "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
    let mut proc = c
        .exec_start(&opts(&["/bin/sh", "-c", script]), ExecStdio::default())
        .unwrap();
    let mut out = BufReader::new(proc.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "the trap is set");

    // An invalid number is refused before anything is sent.
    assert!(matches!(proc.send_signal(33), Err(Error::Format(_))));
    proc.send_signal(15).unwrap();

    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got-term\n");
    match proc.wait() {
        Err(Error::Exec(e)) => {
            assert_eq!(e.exit_code, 7);
            assert_eq!(e.stdout, None, "wait does not capture output");
        }
        other => panic!("expected the trap's exit 7, got {other:?}"),
    }
    assert_eq!(
        p.state.lock().unwrap().control,
        vec![json!({"command": "signal", "signal": {"name": "SIGTERM"}})]
    );
}

#[test]
fn send_signal_by_name_kills_the_process() {
    let p = FakePebble::start();
    let c = p.client();
    let mut proc = c
        .exec_start(
            &opts(&["/bin/sh", "-c", "echo ready; exec sleep 1000"]),
            ExecStdio::default(),
        )
        .unwrap();
    let mut out = BufReader::new(proc.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    proc.send_signal("SIGKILL").unwrap();
    // Killed by a signal: no exit code of its own (the stand-in reports −1, as Go does).
    let status = proc.wait_with_output().unwrap();
    assert_eq!(status.exit_code, -1);
    assert_eq!(
        p.state.lock().unwrap().control,
        vec![json!({"command": "signal", "signal": {"name": "SIGKILL"}})]
    );
}

#[test]
fn stdin_and_stdout_handles_interact_with_the_command() {
    let p = FakePebble::start();
    let c = p.client();
    let mut proc = c.exec_start(&opts(&["cat"]), ExecStdio::default()).unwrap();
    let mut stdin = proc.stdin.take().unwrap();
    let mut stdout = BufReader::new(proc.stdout.take().unwrap());
    stdin.write_all(b"first\n").unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "first\n", "output arrives before input ends");
    stdin.write_all(b"second").unwrap();
    stdin.close().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "second");
    proc.wait().unwrap();
}

#[test]
fn wait_output_captures_both_streams_and_reports_non_zero_exit() {
    let p = FakePebble::start();
    let c = p.client();
    let proc = c
        .exec_start(
            &opts(&["/bin/sh", "-c", "echo out; echo err >&2"]),
            ExecStdio::default(),
        )
        .unwrap();
    assert_eq!(
        proc.wait_output().unwrap(),
        ("out\n".to_string(), "err\n".to_string())
    );

    let proc = c
        .exec_start(
            &opts(&["/bin/sh", "-c", "echo partial; echo bad >&2; exit 3"]),
            ExecStdio::default(),
        )
        .unwrap();
    match proc.wait_output() {
        Err(Error::Exec(e)) => {
            assert_eq!(e.exit_code, 3);
            assert_eq!(e.stdout.as_deref(), Some(&b"partial\n"[..]));
            assert_eq!(e.stderr.as_deref(), Some(&b"bad\n"[..]));
        }
        other => panic!("{other:?}"),
    }

    // Combined: stderr comes down stdout, and there is no stderr handle.
    let mut o = opts(&["/bin/sh", "-c", "echo a; echo b >&2; exit 1"]);
    o.combine_stderr = true;
    let proc = c.exec_start(&o, ExecStdio::default()).unwrap();
    assert!(proc.stderr.is_none());
    match proc.wait_output() {
        Err(Error::Exec(e)) => {
            let out = String::from_utf8(e.stdout.unwrap()).unwrap();
            assert!(out.contains('a') && out.contains('b'), "{out:?}");
            assert_eq!(e.stderr, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_output_needs_the_stdout_handle() {
    let p = FakePebble::start();
    let c = p.client();
    let mut sink = Vec::new();
    let proc = c
        .exec_start(
            &opts(&["echo", "x"]),
            ExecStdio {
                stdout: Some(&mut sink),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(proc.stdout.is_none());
    assert!(matches!(proc.wait_output(), Err(Error::Format(_))));

    let mut proc = c
        .exec_start(&opts(&["echo", "y"]), ExecStdio::default())
        .unwrap();
    let mut taken = proc.stdout.take().unwrap();
    assert!(matches!(proc.wait_output(), Err(Error::Format(_))));
    let mut out = String::new();
    taken.read_to_string(&mut out).unwrap();
    assert_eq!(out, "y\n", "the taken handle still reads the output");
}

#[test]
fn wait_drains_output_nobody_reads() {
    let p = FakePebble::start();
    let c = p.client();
    // Far more than the channels and socket buffers hold: the command would block
    // writing if the dropped handles were not drained.
    let proc = c
        .exec_start(
            &opts(&[
                "/bin/sh",
                "-c",
                "head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2",
            ]),
            ExecStdio::default(),
        )
        .unwrap();
    proc.wait().unwrap();
}

#[test]
fn given_streams_are_pumped_by_wait_alongside_handles() {
    let p = FakePebble::start();
    let c = p.client();
    // Given stdout writer, stdin and stderr as handles.
    let mut out = Vec::new();
    let mut proc = c
        .exec_start(
            &opts(&["/bin/sh", "-c", "cat; echo done >&2"]),
            ExecStdio {
                stdout: Some(&mut out),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(proc.stdout.is_none());
    let mut stdin = proc.stdin.take().unwrap();
    stdin.write_all(b"piped").unwrap();
    drop(stdin);
    let status = proc.wait_with_output().unwrap();
    assert_eq!(status.exit_code, 0);
    assert!(status.stdout.is_empty());
    assert_eq!(
        status.stderr, b"done\n",
        "the stderr handle left here is captured"
    );
    assert_eq!(out, b"piped");

    // Given stdin reader (3 MiB, so it interleaves with output), stdout captured.
    let input: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut reader = &input[..];
    let proc = c
        .exec_start(
            &opts(&["cat"]),
            ExecStdio {
                stdin: Some(&mut reader),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(proc.stdin.is_none());
    let (got, err) = proc.wait_output_bytes().unwrap();
    assert!(got == input, "{} bytes back of {}", got.len(), input.len());
    assert!(err.is_empty());
}

#[test]
fn dropping_the_stdin_handle_ends_input_and_a_finished_wait_reports_the_change_error() {
    let p = FakePebble::start();
    let c = p.client();
    let mut proc = c
        .exec_start(&opts(&["wc", "-c"]), ExecStdio::default())
        .unwrap();
    proc.stdin.as_mut().unwrap().write_all(b"12345").unwrap();
    // Left in the process: wait_output closes it.
    let (out, _) = proc.wait_output().unwrap();
    assert_eq!(out.trim(), "5");

    match c.exec_start(&opts(&["/no/such/binary"]), ExecStdio::default()) {
        Ok(proc) => match proc.wait() {
            Err(Error::Change(e)) => assert!(e.err.contains("/no/such/binary"), "{}", e.err),
            other => panic!("{other:?}"),
        },
        Err(Error::Change(e)) => assert!(e.err.contains("/no/such/binary"), "{}", e.err),
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn a_stderr_writer_with_combined_stderr_is_refused() {
    let p = FakePebble::start();
    let c = p.client();
    let mut o = opts(&["true"]);
    o.combine_stderr = true;
    let mut err = Vec::new();
    let res = c.exec(
        &o,
        ExecStdio {
            stderr: Some(&mut err),
            ..Default::default()
        },
    );
    assert!(matches!(res, Err(Error::Format(_))), "{res:?}");
    assert!(p.requests().is_empty(), "nothing sent");
}
