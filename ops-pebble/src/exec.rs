//! `exec`: `POST /v1/exec`, then the task's `control`, `stdio` (and `stderr`) websockets.
//!
//! On `stdio`, binary messages carry data both ways and a text message
//! `{"command":"end"}` marks end of input (from us) or of output (from Pebble); on
//! `control`, `{"command":"signal","signal":{"name":"SIGTERM"}}` signals the process.
//!
//! A reader thread owns each output websocket's read half and hands its data over a
//! bounded channel: to an [`ExecReader`] handle, or, for streams the caller gave a writer
//! for, to the thread running [`ExecProcess::wait`], which writes them. A reader whose
//! handle was dropped keeps draining its websocket, so a command never blocks on output
//! nobody wants. Given stdin is fed through a writer thread while outputs are written, so
//! a command that fills its stdout before reading all of its stdin cannot deadlock us.

use crate::client::Client;
use crate::types::{format_timeout, ExecOptions, ExecOutput, ExecRequest, ExecStdio, Signal};
use crate::ws::{self, Message, WsReader, WsWriter};
use crate::{ChangeError, Error, ExecError, Pebble, Result};
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::Duration;

const STDIN_CHUNK: usize = 64 * 1024;
const END: &str = r#"{"command":"end"}"#;
/// Messages buffered per output stream before its reader waits for the consumer.
const CHANNEL: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

enum Event {
    Data(Vec<u8>),
    Eof,
    Failed(io::Error),
}

type Tx = SyncSender<(Stream, Event)>;
type Rx = Receiver<(Stream, Event)>;

fn is_end(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("command").and_then(Value::as_str).map(|c| c == "end"))
        .unwrap_or(false)
}

fn reader_thread(mut r: WsReader, tx: Tx, stream: Stream) {
    std::thread::spawn(move || {
        let mut listening = true;
        loop {
            let event = match r.read_message() {
                Ok(Message::Binary(data)) => Event::Data(data),
                Ok(Message::Text(text)) => {
                    if !is_end(&text) {
                        log::warn!("unexpected text message on exec stream: {text:?}");
                        continue;
                    }
                    Event::Eof
                }
                Ok(Message::Close) => Event::Eof,
                Err(e) => Event::Failed(e),
            };
            let last = matches!(event, Event::Eof | Event::Failed(_));
            // Once nobody listens, keep draining so the command is not blocked on output.
            if listening && tx.send((stream, event)).is_err() {
                listening = false;
            }
            if last {
                return;
            }
        }
    });
}

/// The read end of a running command's stdout or stderr (see [`ExecProcess`]). Reads
/// block until the command writes or ends; end of file when its output ends.
pub struct ExecReader {
    rx: Option<Rx>,
    buf: Vec<u8>,
    pos: usize,
}

impl ExecReader {
    fn channel(rx: Rx) -> Self {
        ExecReader {
            rx: Some(rx),
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn memory(data: Vec<u8>) -> Self {
        ExecReader {
            rx: None,
            buf: data,
            pos: 0,
        }
    }
}

impl Read for ExecReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.buf.len() || out.is_empty() {
                let n = (self.buf.len() - self.pos).min(out.len());
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            let Some(rx) = &self.rx else { return Ok(0) };
            match rx.recv() {
                Ok((_, Event::Data(data))) => {
                    self.buf = data;
                    self.pos = 0;
                }
                Ok((_, Event::Failed(e))) => {
                    self.rx = None;
                    return Err(io::Error::new(
                        e.kind(),
                        format!("exec output stream failed: {e}"),
                    ));
                }
                Ok((_, Event::Eof)) | Err(_) => {
                    self.rx = None;
                    return Ok(0);
                }
            }
        }
    }
}

impl std::fmt::Debug for ExecReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecReader")
            .field("open", &self.rx.is_some())
            .field("buffered", &(self.buf.len() - self.pos))
            .finish()
    }
}

/// The write end of a running command's stdin (see [`ExecProcess`]). Each write sends up
/// to 64 KiB; [`ExecStdin::close`] or dropping it ends the input.
pub struct ExecStdin {
    /// `None`: a command that has already finished; writes are discarded.
    ws: Option<WsWriter>,
    closed: bool,
}

impl ExecStdin {
    /// Ends the command's input, reporting a failure to send the end marker (dropping the
    /// handle ends it too, silently).
    pub fn close(mut self) -> io::Result<()> {
        self.end()
    }

    fn end(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        match &mut self.ws {
            Some(w) => w.send_text(END),
            None => Ok(()),
        }
    }
}

impl Write for ExecStdin {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "exec stdin is closed",
            ));
        }
        let n = buf.len().min(STDIN_CHUNK);
        if n == 0 {
            return Ok(0);
        }
        if let Some(w) = &mut self.ws {
            w.send_binary(&buf[..n])?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ExecStdin {
    fn drop(&mut self) {
        let _ = self.end();
    }
}

impl std::fmt::Debug for ExecStdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecStdin")
            .field("closed", &self.closed)
            .finish()
    }
}

/// A command started with [`Pebble::exec_start`], like Python ops' `ExecProcess`.
///
/// The streams the caller did not give in [`ExecStdio`] are here as handles: write to
/// [`stdin`](Self::stdin) (take it; dropping it ends the input), read
/// [`stdout`](Self::stdout) and [`stderr`](Self::stderr). Streams given in `ExecStdio`
/// are fed and written by the wait methods. Handles still here when a wait method runs
/// are closed (stdin), drained and discarded ([`wait`](Self::wait)) or captured
/// ([`wait_output`](Self::wait_output), [`wait_with_output`](Self::wait_with_output)).
///
/// As with a child process's pipes, a command can block writing output nobody reads: read
/// handles you took, or leave them here and use `wait_output`. Dropping the process
/// without waiting ends its input and leaves it running.
pub struct ExecProcess<'io> {
    /// The command's input, unless stdin was given to `exec_start`.
    pub stdin: Option<ExecStdin>,
    /// The command's output, unless stdout was given to `exec_start`.
    pub stdout: Option<ExecReader>,
    /// The command's error output, unless stderr was given to `exec_start` or combined
    /// into stdout.
    pub stderr: Option<ExecReader>,
    command: Vec<String>,
    state: State<'io>,
}

enum State<'io> {
    Live(Box<Live<'io>>),
    /// Run to completion already (an in-memory Pebble), with this exit code.
    Finished(i32),
}

struct Live<'io> {
    client: Client,
    change_id: String,
    timeout: Option<Duration>,
    control: WsWriter,
    /// Handles on every websocket, to shut them down after an error.
    sockets: Vec<UnixStream>,
    stdin: Option<(&'io mut dyn Read, WsWriter)>,
    stdout: Option<&'io mut dyn Write>,
    stderr: Option<&'io mut dyn Write>,
    /// Output of the streams with given writers.
    rx: Rx,
    /// Given output streams not ended yet.
    open: usize,
}

impl std::fmt::Debug for ExecProcess<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ExecProcess");
        d.field("command", &self.command)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr);
        match &self.state {
            State::Live(live) => d.field("change_id", &live.change_id),
            State::Finished(code) => d.field("exit_code", code),
        };
        d.finish()
    }
}

impl<'io> ExecProcess<'io> {
    /// A process that already ran to completion with `output` (for Pebbles that run
    /// commands at once, such as an in-memory one): the streams not `given` (stdin,
    /// stdout, stderr) are handles, stdout and stderr over the captured output and stdin
    /// discarding what is written.
    pub(crate) fn completed(
        options: &ExecOptions,
        output: ExecOutput,
        given: [bool; 3],
    ) -> ExecProcess<'io> {
        ExecProcess {
            stdin: (!given[0]).then_some(ExecStdin {
                ws: None,
                closed: false,
            }),
            stdout: (!given[1]).then(|| ExecReader::memory(output.stdout)),
            stderr: (!given[2] && !options.combine_stderr)
                .then(|| ExecReader::memory(output.stderr)),
            command: options.command.clone(),
            state: State::Finished(output.exit_code),
        }
    }

    /// The command and its arguments.
    pub fn command(&self) -> &[String] {
        &self.command
    }

    /// Sends a signal to the process (`"SIGTERM"`, or a number such as `15`, sent by its
    /// name) over the control websocket. Signalling a process that already ran to
    /// completion does nothing.
    pub fn send_signal(&mut self, signal: impl Into<Signal>) -> Result<()> {
        let name = signal.into().name()?;
        match &mut self.state {
            State::Live(live) => {
                let msg = json!({"command": "signal", "signal": {"name": name}}).to_string();
                live.control
                    .send_text(&msg)
                    .map_err(|e| crate::http::io_error(live.client.socket_path(), e))
            }
            State::Finished(_) => Ok(()),
        }
    }

    /// Waits for the command to finish (at most its timeout plus a second, if it has
    /// one). [`Error::Exec`] (without output) if it exits non-zero, [`Error::Change`] if
    /// Pebble could not run it.
    pub fn wait(self) -> Result<()> {
        let command = self.command.clone();
        let out = self.finish(false)?;
        if out.exit_code != 0 {
            return Err(Error::Exec(Box::new(ExecError {
                command,
                exit_code: out.exit_code,
                stdout: None,
                stderr: None,
            })));
        }
        Ok(())
    }

    /// Waits for the command and returns its stdout and stderr as text (stderr empty when
    /// given or combined); [`Error::Exec`] with the output if it exits non-zero,
    /// [`Error::Format`] if the output is not UTF-8 or stdout is not here (given to
    /// `exec_start`, or taken).
    pub fn wait_output(self) -> Result<(String, String)> {
        let (out, err) = self.wait_output_bytes()?;
        let text = |b: Vec<u8>| {
            String::from_utf8(b).map_err(|_| Error::Format("exec output is not UTF-8".into()))
        };
        Ok((text(out)?, text(err)?))
    }

    /// Like [`wait_output`](Self::wait_output), as bytes.
    pub fn wait_output_bytes(self) -> Result<(Vec<u8>, Vec<u8>)> {
        if self.stdout.is_none() {
            return Err(Error::Format(
                "can't use wait_output when stdout was given to exec (or taken); use wait".into(),
            ));
        }
        let has_stderr = self.stderr.is_some();
        let command = self.command.clone();
        let out = self.finish(true)?;
        if out.exit_code != 0 {
            return Err(Error::Exec(Box::new(ExecError {
                command,
                exit_code: out.exit_code,
                stdout: Some(out.stdout),
                stderr: has_stderr.then_some(out.stderr),
            })));
        }
        Ok((out.stdout, out.stderr))
    }

    /// Waits for the command and returns its exit code (a non-zero one is not an error
    /// here; −1 if Pebble reports none) with the output of the stdout and stderr handles
    /// still here (empty for streams given or taken).
    pub fn wait_with_output(self) -> Result<ExecOutput> {
        self.finish(true)
    }

    fn finish(self, capture: bool) -> Result<ExecOutput> {
        let ExecProcess {
            stdin,
            stdout,
            stderr,
            command: _,
            state,
        } = self;
        // End the input the caller left here; drop (drain) output not to be captured.
        drop(stdin);
        let (stdout, stderr) = if capture {
            (stdout, stderr)
        } else {
            drop((stdout, stderr));
            (None, None)
        };
        let mut live = match state {
            State::Finished(exit_code) => {
                return Ok(ExecOutput {
                    exit_code,
                    stdout: read_all(stdout).map_err(Error::Io)?,
                    stderr: read_all(stderr).map_err(Error::Io)?,
                });
            }
            State::Live(live) => live,
        };
        let (pumped, out, err) = std::thread::scope(|s| {
            let collect = |r: Option<ExecReader>| r.map(|r| s.spawn(move || read_all(Some(r))));
            let out = collect(stdout);
            let err = collect(stderr);
            let pumped = live.pump();
            if pumped.is_err() {
                live.teardown();
            }
            let join = |t: Option<std::thread::ScopedJoinHandle<'_, io::Result<Vec<u8>>>>| {
                t.map_or(Ok(Vec::new()), |t| {
                    t.join()
                        .unwrap_or_else(|_| Err(io::Error::other("exec output reader panicked")))
                })
            };
            (pumped, join(out), join(err))
        });
        pumped?;
        let (stdout, stderr) = match (out, err) {
            (Ok(o), Ok(e)) => (o, e),
            (Err(e), _) | (_, Err(e)) => {
                live.teardown();
                return Err(Error::Protocol(e.to_string()));
            }
        };
        let exit_code = live.wait_exit()?;
        Ok(ExecOutput {
            exit_code,
            stdout,
            stderr,
        })
    }
}

fn read_all(r: Option<ExecReader>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut r) = r {
        r.read_to_end(&mut out)?;
    }
    Ok(out)
}

impl Live<'_> {
    /// Shuts every websocket down, ending reads and writes blocked on them.
    fn teardown(&self) {
        for s in &self.sockets {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Feeds given stdin and writes given outputs until they end.
    fn pump(&mut self) -> Result<()> {
        let mut writer = None;
        let mut sinks = Sinks {
            stdout: self.stdout.as_deref_mut(),
            stderr: self.stderr.as_deref_mut(),
            open: self.open,
        };
        let mut result = Ok(());
        if let Some((reader, mut w)) = self.stdin.take() {
            // Stdin goes through a writer thread, so output keeps flowing while it is full.
            let (in_tx, in_rx) = mpsc::sync_channel::<Option<Vec<u8>>>(4);
            writer = Some(std::thread::spawn(move || -> io::Result<()> {
                while let Ok(chunk) = in_rx.recv() {
                    match chunk {
                        Some(data) => w.send_binary(&data)?,
                        None => return w.send_text(END),
                    }
                }
                Ok(())
            }));
            result = feed_stdin(reader, &in_tx, &self.rx, &mut sinks);
        }
        while result.is_ok() && sinks.open > 0 {
            match self.rx.recv() {
                Ok((stream, event)) => result = sinks.handle(stream, event),
                Err(_) => break,
            }
        }
        self.open = sinks.open;
        if result.is_err() {
            self.teardown();
        }
        if let Some(Ok(Err(e))) = writer.map(|w| w.join()) {
            // The command may exit without reading all its input; that is not an error.
            log::debug!("exec stdin stream ended early: {e}");
        }
        result
    }

    /// Waits for the exec change; the exit code.
    fn wait_exit(&mut self) -> Result<i32> {
        let wait = self
            .timeout
            .map(|t| t.saturating_add(Duration::from_secs(1)));
        let change = match self.client.wait_change(&self.change_id, wait) {
            Ok(change) => change,
            Err(e) => {
                self.teardown();
                return Err(e);
            }
        };
        if let Some(err) = change.err.clone().filter(|e| !e.is_empty()) {
            return Err(Error::Change(Box::new(ChangeError { err, change })));
        }
        Ok(change
            .tasks
            .first()
            .and_then(|t| t.data.get("exit-code"))
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok())
            .unwrap_or(-1))
    }
}

impl Drop for Live<'_> {
    fn drop(&mut self) {
        // Given stdin never fed (the process was dropped without waiting): end it.
        if let Some((_, mut w)) = self.stdin.take() {
            let _ = w.send_text(END);
        }
        let _ = self.control.close();
    }
}

struct Sinks<'a, 'io> {
    stdout: Option<&'a mut (dyn Write + 'io)>,
    stderr: Option<&'a mut (dyn Write + 'io)>,
    open: usize,
}

impl Sinks<'_, '_> {
    fn handle(&mut self, stream: Stream, event: Event) -> Result<()> {
        match event {
            Event::Data(d) => {
                let sink = match stream {
                    Stream::Stdout => self.stdout.as_deref_mut(),
                    Stream::Stderr => self.stderr.as_deref_mut(),
                };
                if let Some(w) = sink {
                    w.write_all(&d).map_err(Error::Io)?;
                }
            }
            Event::Eof => self.open = self.open.saturating_sub(1),
            Event::Failed(e) => {
                self.open = self.open.saturating_sub(1);
                return Err(Error::Protocol(format!("exec output stream failed: {e}")));
            }
        }
        Ok(())
    }
}

/// Starts `options.command` through `client`: the streams given in `stdio` are pumped by
/// the wait methods, the others become handles.
pub(crate) fn start<'io>(
    client: &Client,
    options: &ExecOptions,
    stdio: ExecStdio<'io>,
) -> Result<ExecProcess<'io>> {
    if options.command.is_empty() {
        return Err(Error::Format("exec needs a command".into()));
    }
    if options.combine_stderr && stdio.stderr.is_some() {
        return Err(Error::Format(
            "stderr can't be given when combine_stderr is set".into(),
        ));
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
        let path = format!(
            "/v1/tasks/{}/websocket/{name}",
            crate::http::quote_plus(&task_id)
        );
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
    let (_control_r, control) = connect("control")?;
    let (stdio_r, stdio_w) = connect("stdio")?;
    let stderr_ws = if options.combine_stderr {
        None
    } else {
        Some(connect("stderr")?)
    };
    let io_err = |e| crate::http::io_error(client.socket_path(), e);
    let mut sockets = vec![
        control.socket().map_err(io_err)?,
        stdio_w.socket().map_err(io_err)?,
    ];
    if let Some((_, w)) = &stderr_ws {
        sockets.push(w.socket().map_err(io_err)?);
    }

    let (tx, rx) = mpsc::sync_channel(CHANNEL);
    let mut open = 0;
    let mut output = |r: WsReader, stream: Stream, given: bool| {
        if given {
            reader_thread(r, tx.clone(), stream);
            open += 1;
            None
        } else {
            let (htx, hrx) = mpsc::sync_channel(CHANNEL);
            reader_thread(r, htx, stream);
            Some(ExecReader::channel(hrx))
        }
    };
    let stdout = output(stdio_r, Stream::Stdout, stdio.stdout.is_some());
    let mut stderr = None;
    let mut stderr_sink = None;
    if let Some((r, _w)) = stderr_ws {
        stderr = output(r, Stream::Stderr, stdio.stderr.is_some());
        stderr_sink = stdio.stderr;
    }
    drop(tx);
    let (stdin, given_stdin) = match stdio.stdin {
        Some(reader) => (None, Some((reader, stdio_w))),
        None => (
            Some(ExecStdin {
                ws: Some(stdio_w),
                closed: false,
            }),
            None,
        ),
    };
    Ok(ExecProcess {
        stdin,
        stdout,
        stderr,
        command: options.command.clone(),
        state: State::Live(Box::new(Live {
            client: client.clone(),
            change_id,
            timeout: options.timeout,
            control,
            sockets,
            stdin: given_stdin,
            stdout: stdio.stdout,
            stderr: stderr_sink,
            rx,
            open,
        })),
    })
}

fn feed_stdin(
    stdin: &mut dyn Read,
    in_tx: &SyncSender<Option<Vec<u8>>>,
    rx: &Rx,
    sinks: &mut Sinks<'_, '_>,
) -> Result<()> {
    let send = |mut item: Option<Vec<u8>>, sinks: &mut Sinks<'_, '_>| -> Result<bool> {
        loop {
            match in_tx.try_send(item) {
                Ok(()) => return Ok(true),
                Err(TrySendError::Disconnected(_)) => return Ok(false),
                Err(TrySendError::Full(back)) => {
                    item = back;
                    match rx.recv_timeout(Duration::from_millis(2)) {
                        Ok((stream, event)) => sinks.handle(stream, event)?,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => {
                            std::thread::sleep(Duration::from_millis(2))
                        }
                    }
                }
            }
        }
    };
    loop {
        let mut chunk = vec![0u8; STDIN_CHUNK];
        let n = match stdin.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Io(e)),
        };
        if n > chunk.len() {
            return Err(Error::Io(io::Error::other(format!(
                "the stdin source read {n} bytes into a {}-byte buffer",
                chunk.len()
            ))));
        }
        chunk.truncate(n);
        if !send(Some(chunk), sinks)? {
            return Ok(());
        }
        // Keep output flowing while input is fed.
        while let Ok((stream, event)) = rx.try_recv() {
            sinks.handle(stream, event)?;
        }
    }
    send(None, sinks)?;
    Ok(())
}

/// The default [`Pebble::exec_start`]: runs the command to completion with
/// [`Pebble::exec`] and returns it finished.
pub(crate) fn start_via_exec<'io, P: Pebble + ?Sized>(
    pebble: &P,
    options: &ExecOptions,
    stdio: ExecStdio<'io>,
) -> Result<ExecProcess<'io>> {
    let given = [
        stdio.stdin.is_some(),
        stdio.stdout.is_some(),
        stdio.stderr.is_some(),
    ];
    let output = pebble.exec(options, stdio)?;
    Ok(ExecProcess::completed(options, output, given))
}

#[cfg(test)]
mod tests {
    //! The finished-process path (what `Pebble::exec_start`'s default returns); the live
    //! path is tested against the Pebble stand-in in `tests/exec_process.rs`.
    use super::*;

    fn finished(code: i32, given: [bool; 3], combine: bool) -> ExecProcess<'static> {
        let options = ExecOptions {
            command: vec!["cmd".into(), "arg".into()],
            combine_stderr: combine,
            ..Default::default()
        };
        let output = ExecOutput {
            exit_code: code,
            stdout: b"out".to_vec(),
            stderr: b"err".to_vec(),
        };
        ExecProcess::completed(&options, output, given)
    }

    #[test]
    fn finished_process_handles_and_waits() {
        let mut p = finished(0, [false; 3], false);
        p.stdin.as_mut().unwrap().write_all(b"discarded").unwrap();
        p.send_signal("SIGTERM").unwrap();
        assert!(matches!(p.send_signal(0), Err(Error::Format(_))));
        assert_eq!(p.command(), ["cmd", "arg"]);
        assert_eq!(
            p.wait_output().unwrap(),
            ("out".to_string(), "err".to_string())
        );

        let mut p = finished(0, [false; 3], false);
        let mut out = String::new();
        p.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        assert_eq!(out, "out");
        assert!(matches!(p.wait_output(), Err(Error::Format(_))));

        match finished(2, [false; 3], false).wait() {
            Err(Error::Exec(e)) => {
                assert_eq!((e.exit_code, e.stdout, e.stderr), (2, None, None));
                assert_eq!(e.command, ["cmd", "arg"]);
            }
            other => panic!("{other:?}"),
        }
        match finished(2, [false; 3], false).wait_output_bytes() {
            Err(Error::Exec(e)) => {
                assert_eq!(e.stdout.as_deref(), Some(&b"out"[..]));
                assert_eq!(e.stderr.as_deref(), Some(&b"err"[..]));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            finished(2, [false; 3], false)
                .wait_with_output()
                .unwrap()
                .exit_code,
            2
        );
    }

    #[test]
    fn finished_process_has_no_handles_for_given_or_combined_streams() {
        let p = finished(0, [true, true, true], false);
        assert!(p.stdin.is_none() && p.stdout.is_none() && p.stderr.is_none());
        let p = finished(0, [false; 3], true);
        assert!(p.stdin.is_some() && p.stdout.is_some() && p.stderr.is_none());
        assert_eq!(p.wait_output().unwrap(), ("out".into(), String::new()));
    }

    #[test]
    fn closed_stdin_refuses_writes() {
        let mut stdin = ExecStdin {
            ws: None,
            closed: false,
        };
        stdin.end().unwrap();
        let err = stdin.write(b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn signal_numbers_map_to_python_names() {
        use crate::signal_name;
        assert_eq!(signal_name(1), Some("SIGHUP"));
        assert_eq!(signal_name(9), Some("SIGKILL"));
        assert_eq!(signal_name(15), Some("SIGTERM"));
        assert_eq!(signal_name(17), Some("SIGCHLD"));
        assert_eq!(signal_name(29), Some("SIGIO"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(34), Some("SIGRTMIN"));
        assert_eq!(signal_name(64), Some("SIGRTMAX"));
        for n in [0, 32, 33, 35, 65, -1] {
            assert_eq!(signal_name(n), None, "{n}");
        }
        assert_eq!(Signal::from(10).name().unwrap(), "SIGUSR1");
        assert_eq!(Signal::from("SIGWINCH").name().unwrap(), "SIGWINCH");
    }
}
