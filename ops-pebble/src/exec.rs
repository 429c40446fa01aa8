//! `exec`: `POST /v1/exec`, then the task's `control`, `stdio` (and `stderr`) websockets.
//!
//! On `stdio`, binary messages carry data both ways and a text message
//! `{"command":"end"}` marks end of input (from us) or of output (from Pebble). Reader
//! threads own the websocket read halves and hand data to the calling thread through
//! bounded channels; a writer thread owns the stdio write half, so a command that fills
//! its stdout before reading all of its stdin cannot deadlock us.

use crate::client::Client;
use crate::types::{format_timeout, ExecOptions, ExecOutput, ExecRequest, ExecStdio};
use crate::ws::{self, Message, WsReader};
use crate::{ChangeError, Error, Pebble, Result};
use serde_json::Value;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::Duration;

const STDIN_CHUNK: usize = 64 * 1024;
const END: &str = r#"{"command":"end"}"#;

enum Event {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    Eof,
    Failed(io::Error),
}

fn reader_thread(mut r: WsReader, tx: SyncSender<Event>, stderr: bool) {
    std::thread::spawn(move || loop {
        let event = match r.read_message() {
            Ok(Message::Binary(data)) if stderr => Event::Stderr(data),
            Ok(Message::Binary(data)) => Event::Stdout(data),
            Ok(Message::Text(text)) => {
                let is_end = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("command").and_then(Value::as_str).map(|c| c == "end"))
                    .unwrap_or(false);
                if !is_end {
                    log::warn!("unexpected text message on exec stream: {text:?}");
                    continue;
                }
                Event::Eof
            }
            Ok(Message::Close) => Event::Eof,
            Err(e) => Event::Failed(e),
        };
        let last = matches!(event, Event::Eof | Event::Failed(_));
        if tx.send(event).is_err() || last {
            return;
        }
    });
}

struct Sinks<'a> {
    stdout: Option<&'a mut dyn Write>,
    stderr: Option<&'a mut dyn Write>,
    out: Vec<u8>,
    err: Vec<u8>,
    open: usize,
}

impl Sinks<'_> {
    fn handle(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Stdout(d) => match self.stdout.as_deref_mut() {
                Some(w) => w.write_all(&d).map_err(Error::Io)?,
                None => self.out.extend_from_slice(&d),
            },
            Event::Stderr(d) => match self.stderr.as_deref_mut() {
                Some(w) => w.write_all(&d).map_err(Error::Io)?,
                None => self.err.extend_from_slice(&d),
            },
            Event::Eof => self.open -= 1,
            Event::Failed(e) => {
                self.open -= 1;
                return Err(Error::Protocol(format!("exec output stream failed: {e}")));
            }
        }
        Ok(())
    }
}

/// Runs `options.command` through `client`, streaming stdio, and returns its exit code
/// and captured output.
pub(crate) fn run(
    client: &Client,
    options: &ExecOptions,
    stdio: ExecStdio<'_>,
) -> Result<ExecOutput> {
    if options.command.is_empty() {
        return Err(Error::Format("exec needs a command".into()));
    }
    let body = ExecRequest {
        command: &options.command,
        service_context: options.service_context.as_deref(),
        environment: &options.environment,
        working_dir: options.working_dir.as_deref(),
        timeout: options.timeout.map(format_timeout),
        user_id: options.user_id,
        user: options.user.as_deref(),
        group_id: options.group_id,
        group: options.group.as_deref(),
        split_stderr: !options.combine_stderr,
    };
    let body = serde_json::to_value(&body).map_err(|e| Error::Format(e.to_string()))?;
    let env = client.request("POST", "/v1/exec", &[], Some(&body))?;
    let change_id = env
        .get("change")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Protocol("exec response without a change id".into()))?
        .to_string();
    let task_id = env["result"]["task-id"]
        .as_str()
        .ok_or_else(|| Error::Protocol("exec response without a task id".into()))?
        .to_string();

    let connect = |name: &str| {
        let path = format!("/v1/tasks/{task_id}/websocket/{name}");
        ws::connect(client.socket_path(), client.timeout(), &path).map_err(|e| {
            // Pebble may have failed the change (bad user, missing binary...).
            match client.wait_change(&change_id, Some(client.timeout())) {
                Ok(change) => match change.err.clone().filter(|e| !e.is_empty()) {
                    Some(err) => Error::Change(Box::new(ChangeError { err, change })),
                    None => e,
                },
                Err(_) => e,
            }
        })
    };
    let (_control_r, mut control_w) = connect("control")?;
    let (stdio_r, mut stdio_w) = connect("stdio")?;
    let stderr_ws = if options.combine_stderr {
        None
    } else {
        Some(connect("stderr")?)
    };

    let (tx, rx) = mpsc::sync_channel::<Event>(16);
    reader_thread(stdio_r, tx.clone(), false);
    let mut open = 1;
    let mut stderr_w = None;
    if let Some((r, w)) = stderr_ws {
        reader_thread(r, tx.clone(), true);
        stderr_w = Some(w);
        open += 1;
    }
    drop(tx);
    let mut sinks = Sinks {
        stdout: stdio.stdout,
        stderr: if options.combine_stderr {
            None
        } else {
            stdio.stderr
        },
        out: Vec::new(),
        err: Vec::new(),
        open,
    };

    // Stdin goes through a writer thread, so reading output never waits on a full socket.
    let (in_tx, in_rx) = mpsc::sync_channel::<Option<Vec<u8>>>(4);
    let writer = std::thread::spawn(move || -> io::Result<()> {
        while let Ok(chunk) = in_rx.recv() {
            match chunk {
                Some(data) => stdio_w.send_binary(&data)?,
                None => {
                    stdio_w.send_text(END)?;
                    break;
                }
            }
        }
        Ok(())
    });
    let mut result = feed_stdin(stdio.stdin, &in_tx, &rx, &mut sinks);
    drop(in_tx);
    while result.is_ok() && sinks.open > 0 {
        match rx.recv() {
            Ok(event) => result = sinks.handle(event),
            Err(_) => break,
        }
    }
    let writer_result = writer.join();
    result?;
    if let Ok(Err(e)) = writer_result {
        // The command may exit without reading its input; that is not an error.
        log::debug!("exec stdin stream ended early: {e}");
    }
    let _ = control_w.close();
    if let Some(mut w) = stderr_w {
        let _ = w.close();
    }

    let wait = options.timeout.map(|t| t + Duration::from_secs(1));
    let change = client.wait_change(&change_id, wait)?;
    if let Some(err) = change.err.clone().filter(|e| !e.is_empty()) {
        return Err(Error::Change(Box::new(ChangeError { err, change })));
    }
    let exit_code = change
        .tasks
        .first()
        .and_then(|t| t.data.get("exit-code"))
        .and_then(Value::as_i64)
        .map(|c| c as i32)
        .unwrap_or(-1);
    Ok(ExecOutput {
        exit_code,
        stdout: sinks.out,
        stderr: sinks.err,
    })
}

fn feed_stdin(
    stdin: Option<&mut dyn io::Read>,
    in_tx: &SyncSender<Option<Vec<u8>>>,
    rx: &Receiver<Event>,
    sinks: &mut Sinks<'_>,
) -> Result<()> {
    let send = |mut item: Option<Vec<u8>>, sinks: &mut Sinks<'_>| -> Result<bool> {
        loop {
            match in_tx.try_send(item) {
                Ok(()) => return Ok(true),
                Err(TrySendError::Disconnected(_)) => return Ok(false),
                Err(TrySendError::Full(back)) => {
                    item = back;
                    match rx.recv_timeout(Duration::from_millis(2)) {
                        Ok(event) => sinks.handle(event)?,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => {
                            std::thread::sleep(Duration::from_millis(2))
                        }
                    }
                }
            }
        }
    };
    if let Some(stdin) = stdin {
        loop {
            let mut chunk = vec![0u8; STDIN_CHUNK];
            let n = match stdin.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::Io(e)),
            };
            chunk.truncate(n);
            if !send(Some(chunk), sinks)? {
                return Ok(());
            }
            // Keep output flowing while input is fed.
            while let Ok(event) = rx.try_recv() {
                sinks.handle(event)?;
            }
        }
    }
    send(None, sinks)?;
    Ok(())
}
