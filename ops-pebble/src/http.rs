//! A small HTTP/1.1 client over a unix socket: one connection per request
//! (`Connection: close`), request bodies from bytes or streamed with chunked encoding,
//! response bodies streamed (content-length, chunked, or until close).

use crate::Error;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// Buffer size for socket reads and writes.
pub(crate) const BUF_SIZE: usize = 256 * 1024;
/// Longest status line or header line accepted.
const MAX_LINE: usize = 64 * 1024;

/// How [`Response::read_all`]'s error for a body above its limit starts.
pub(crate) const BODY_TOO_LARGE: &str = "response body larger than";

/// A request body.
pub(crate) enum Body<'a> {
    /// No body.
    Empty,
    /// A body in memory (sent with Content-Length).
    Bytes(&'a [u8]),
    /// A body produced by writing into the given writer (sent chunked).
    Stream(&'a mut dyn FnMut(&mut dyn Write) -> Result<(), Error>),
}

/// A request to send.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Body<'a>,
}

/// Percent-encodes like Python's `urllib.parse.quote_plus` (space → `+`).
pub(crate) fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The request target: path plus the encoded query.
pub(crate) fn target(path: &str, query: &[(&str, String)]) -> String {
    let mut t = path.to_string();
    for (i, (k, v)) in query.iter().enumerate() {
        t.push(if i == 0 { '?' } else { '&' });
        t.push_str(&quote_plus(k));
        t.push('=');
        t.push_str(&quote_plus(v));
    }
    t
}

/// When a call must be over: checked, and the socket's read timeout shortened to what is
/// left, before each read from the socket, so a server that answers one byte at a time
/// cannot stretch the call past it (the per-read timeout alone would not stop it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    /// The instant, `None` for no overall deadline.
    at: Option<Instant>,
    /// The whole allowance, for the error message.
    allowed: Duration,
    /// The per-read timeout (`None`: none).
    io: Option<Duration>,
}

/// The error of a call past its [`Deadline`] (inside an `io::Error` of kind `TimedOut`).
#[derive(Debug, thiserror::Error)]
#[error("the call did not complete within {0:?}")]
struct DeadlinePassed(Duration);

impl Deadline {
    /// `allowed` from now (zero: no overall deadline), reads each within `io` (zero:
    /// none).
    pub(crate) fn after(allowed: Duration, io: Duration) -> Self {
        Deadline {
            at: (!allowed.is_zero())
                .then(|| Instant::now().checked_add(allowed))
                .flatten(),
            allowed,
            io: (!io.is_zero()).then_some(io),
        }
    }

    /// No overall deadline, reads each within `io`.
    pub(crate) fn none(io: Option<Duration>) -> Self {
        Deadline {
            at: None,
            allowed: Duration::ZERO,
            io,
        }
    }

    /// `e` as the deadline's error when it is a read timeout that ran into the deadline
    /// (the read was given only what was left).
    fn explain(&self, e: io::Error) -> io::Error {
        let timed_out = matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        );
        match self.at {
            Some(at) if timed_out && Instant::now() >= at => {
                io::Error::new(io::ErrorKind::TimedOut, DeadlinePassed(self.allowed))
            }
            _ => e,
        }
    }

    /// Sets the socket's read timeout to what is left (at most the per-read timeout), or
    /// fails when nothing is.
    fn arm(&self, stream: &UnixStream) -> io::Result<()> {
        let timeout = match self.at {
            None => self.io,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        DeadlinePassed(self.allowed),
                    ));
                }
                Some(self.io.map_or(left, |io| io.min(left)))
            }
        };
        stream.set_read_timeout(timeout)
    }
}

/// Reads one line (with its `\n`) of at most `max` bytes into `line`, each socket read
/// under `deadline`. Stops early at end of input or at `max`.
fn read_line_by(
    r: &mut BufReader<UnixStream>,
    max: usize,
    deadline: &Deadline,
    line: &mut Vec<u8>,
) -> io::Result<()> {
    while line.len() < max {
        if r.buffer().is_empty() {
            deadline.arm(r.get_ref())?;
        }
        let available = r.fill_buf().map_err(|e| deadline.explain(e))?;
        if available.is_empty() {
            return Ok(());
        }
        let room = (max - line.len()).min(available.len());
        let (taken, done) = match available[..room].iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (room, false),
        };
        line.extend_from_slice(&available[..taken]);
        r.consume(taken);
        if done {
            return Ok(());
        }
    }
    Ok(())
}

/// Reads from the socket (through the buffer) under `deadline`.
fn read_by(
    r: &mut BufReader<UnixStream>,
    deadline: &Deadline,
    buf: &mut [u8],
) -> io::Result<usize> {
    if r.buffer().is_empty() {
        deadline.arm(r.get_ref())?;
    }
    r.read(buf).map_err(|e| deadline.explain(e))
}

/// Maps a socket-level error to a typed one.
pub(crate) fn io_error(path: &Path, e: io::Error) -> Error {
    if let Some(passed) = e.get_ref().and_then(|e| e.downcast_ref::<DeadlinePassed>()) {
        return Error::Timeout(format!("Pebble at {}: {passed}", path.display()));
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout(format!(
            "Pebble at {} did not answer in time",
            path.display()
        )),
        _ => Error::Connection {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

/// Connects to the socket with the given I/O timeout.
pub(crate) fn connect(path: &Path, timeout: Duration) -> Result<UnixStream, Error> {
    let stream = UnixStream::connect(path).map_err(|e| {
        let message = match e.kind() {
            io::ErrorKind::NotFound => "socket not found (container restarted?)".to_string(),
            io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            _ => e.to_string(),
        };
        Error::Connection {
            path: path.to_path_buf(),
            message,
        }
    })?;
    let t = if timeout.is_zero() {
        None
    } else {
        Some(timeout)
    };
    stream
        .set_read_timeout(t)
        .and_then(|_| stream.set_write_timeout(t))
        .map_err(|e| io_error(path, e))?;
    Ok(stream)
}

/// Writes the request line and headers (the caller adds body framing headers).
pub(crate) fn write_head(
    w: &mut dyn Write,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    framing: &str,
) -> io::Result<()> {
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ops-rs-pebble\r\n");
    for (k, v) in headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str(framing);
    head.push_str("\r\n");
    w.write_all(head.as_bytes())
}

/// Sends `req` over a new connection and reads the response head. The call must be over
/// within `allowed` (zero: no limit), counted from now, or for a streamed body from the
/// body's end (its length is the caller's); the body keeps that deadline (see
/// [`BodyReader::lift_deadline`]).
pub(crate) fn send(
    socket: &Path,
    timeout: Duration,
    allowed: Duration,
    req: Request<'_>,
) -> Result<Response, Error> {
    let mut deadline = Deadline::after(allowed, timeout);
    let stream = connect(socket, timeout)?;
    let write_half = stream.try_clone().map_err(|e| io_error(socket, e))?;
    let mut w = BufWriter::with_capacity(BUF_SIZE, write_half);
    let target = target(req.path, req.query);
    let io = |e| io_error(socket, e);
    match req.body {
        Body::Empty => {
            write_head(
                &mut w,
                req.method,
                &target,
                req.headers,
                "Connection: close\r\n",
            )
            .map_err(io)?;
        }
        Body::Bytes(b) => {
            let framing = format!("Connection: close\r\nContent-Length: {}\r\n", b.len());
            write_head(&mut w, req.method, &target, req.headers, &framing).map_err(io)?;
            w.write_all(b).map_err(io)?;
        }
        Body::Stream(produce) => {
            let framing = "Connection: close\r\nTransfer-Encoding: chunked\r\n";
            write_head(&mut w, req.method, &target, req.headers, framing).map_err(io)?;
            let mut chunked = ChunkedWriter { inner: &mut w };
            produce(&mut chunked)?;
            w.write_all(b"0\r\n\r\n").map_err(io)?;
            deadline = Deadline::after(allowed, timeout);
        }
    }
    w.flush().map_err(io)?;
    drop(w);
    read_response_by(socket, BufReader::with_capacity(BUF_SIZE, stream), deadline)
}

/// Writes each `write` as one chunk (callers write in large blocks).
struct ChunkedWriter<'a, W: Write> {
    inner: &'a mut W,
}

impl<W: Write> Write for ChunkedWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        write!(self.inner, "{:x}\r\n", buf.len())?;
        self.inner.write_all(buf)?;
        self.inner.write_all(b"\r\n")?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A response: status, headers, and a streaming body.
pub(crate) struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: BodyReader,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of Content-Type (lower-case, without parameters) and its parameters.
    pub fn content_type(&self) -> (String, Vec<(String, String)>) {
        let Some(ct) = self.header("content-type") else {
            return (String::new(), Vec::new());
        };
        let mut parts = ct.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let params = parts
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((
                    k.trim().to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_string(),
                ))
            })
            .collect();
        (media, params)
    }

    /// Reads the whole body, up to `limit` bytes.
    pub fn read_all(&mut self, limit: usize) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        (&mut self.body)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| self.body.error(e))?;
        if out.len() > limit {
            return Err(Error::Protocol(format!("{BODY_TOO_LARGE} {limit} bytes")));
        }
        Ok(out)
    }
}

fn read_line(
    r: &mut BufReader<UnixStream>,
    socket: &Path,
    deadline: &Deadline,
) -> Result<String, Error> {
    let mut line = Vec::new();
    read_line_by(r, MAX_LINE, deadline, &mut line).map_err(|e| io_error(socket, e))?;
    if line.is_empty() {
        return Err(Error::Connection {
            path: socket.to_path_buf(),
            message: "connection closed before a response".into(),
        });
    }
    if !line.ends_with(b"\n") {
        return Err(Error::Protocol(
            "HTTP header line too long or truncated".into(),
        ));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| Error::Protocol("HTTP header is not UTF-8".into()))
}

/// Reads a response head from `r`, each read within the socket's own timeout; the body is
/// left to stream.
pub(crate) fn read_response(socket: &Path, r: BufReader<UnixStream>) -> Result<Response, Error> {
    let io = r.get_ref().read_timeout().ok().flatten();
    read_response_by(socket, r, Deadline::none(io))
}

/// [`read_response`] under `deadline`, which the body keeps.
fn read_response_by(
    socket: &Path,
    mut r: BufReader<UnixStream>,
    deadline: Deadline,
) -> Result<Response, Error> {
    let status_line = read_line(&mut r, socket, &deadline)?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(Error::Protocol(format!(
            "not an HTTP response: {status_line:?}"
        )));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Protocol(format!("bad status line {status_line:?}")))?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut r, socket, &deadline)?;
        if line.is_empty() {
            break;
        }
        if headers.len() > 200 {
            return Err(Error::Protocol("too many HTTP headers".into()));
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| Error::Protocol(format!("bad header line {line:?}")))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let kind = if status == 101 || status == 204 || status == 304 {
        BodyKind::Length(0)
    } else if get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        BodyKind::Chunked {
            left: 0,
            done: false,
        }
    } else if let Some(len) = get("content-length") {
        BodyKind::Length(
            len.parse()
                .map_err(|_| Error::Protocol(format!("bad Content-Length {len:?}")))?,
        )
    } else {
        BodyKind::Close
    };
    Ok(Response {
        status,
        reason,
        headers,
        body: BodyReader {
            inner: r,
            kind,
            socket: socket.to_path_buf(),
            deadline,
        },
    })
}

enum BodyKind {
    Length(u64),
    Chunked { left: u64, done: bool },
    Close,
}

/// A response body, decoded as it is read.
pub(crate) struct BodyReader {
    inner: BufReader<UnixStream>,
    kind: BodyKind,
    socket: std::path::PathBuf,
    deadline: Deadline,
}

impl BodyReader {
    /// Maps an I/O error from reading this body to a typed error.
    pub fn error(&self, e: io::Error) -> Error {
        if e.kind() == io::ErrorKind::InvalidData {
            return Error::Protocol(e.to_string());
        }
        io_error(&self.socket, e)
    }

    /// Sets the read timeout of the connection (`None`: wait without limit), and lifts
    /// the call's overall deadline.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.deadline = Deadline::none(timeout);
        self.inner.get_ref().set_read_timeout(timeout)
    }

    /// Lifts the call's overall deadline, keeping the per-read timeout: for bodies whose
    /// length is the caller's (a pulled file), not the protocol's.
    pub fn lift_deadline(&mut self) {
        self.deadline = Deadline::none(self.deadline.io);
    }

    /// The raw connection after the head (for websocket upgrades).
    pub fn into_inner(self) -> BufReader<UnixStream> {
        self.inner
    }

    fn chunk_size_line(&mut self) -> io::Result<u64> {
        let mut line = Vec::new();
        read_line_by(&mut self.inner, 1024, &self.deadline, &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated chunk header",
            ));
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk header"))?;
        let size = text.trim().split(';').next().unwrap_or("");
        u64::from_str_radix(size.trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))
    }

    fn skip_crlf(&mut self) -> io::Result<()> {
        let mut crlf = Vec::new();
        read_line_by(&mut self.inner, 2, &self.deadline, &mut crlf)?;
        if crlf != b"\r\n" {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad chunk terminator",
            ));
        }
        Ok(())
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match &mut self.kind {
            BodyKind::Length(0) => Ok(0),
            BodyKind::Length(left) => {
                let max = (*left).min(buf.len() as u64) as usize;
                let n = read_by(&mut self.inner, &self.deadline, &mut buf[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "response body truncated",
                    ));
                }
                *left -= n as u64;
                Ok(n)
            }
            BodyKind::Close => read_by(&mut self.inner, &self.deadline, buf),
            BodyKind::Chunked { done: true, .. } => Ok(0),
            BodyKind::Chunked { left, .. } if *left > 0 => {
                let max = (*left).min(buf.len() as u64) as usize;
                let n = read_by(&mut self.inner, &self.deadline, &mut buf[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "chunk truncated",
                    ));
                }
                *left -= n as u64;
                if *left == 0 {
                    self.skip_crlf()?;
                }
                Ok(n)
            }
            BodyKind::Chunked { .. } => {
                let size = self.chunk_size_line()?;
                if size == 0 {
                    // Trailers until an empty line.
                    loop {
                        let mut line = Vec::new();
                        read_line_by(&mut self.inner, MAX_LINE, &self.deadline, &mut line)?;
                        if line.is_empty() || line == b"\r\n" || line == b"\n" {
                            break;
                        }
                    }
                    self.kind = BodyKind::Chunked {
                        left: 0,
                        done: true,
                    };
                    return Ok(0);
                }
                self.kind = BodyKind::Chunked {
                    left: size,
                    done: false,
                };
                self.read(buf)
            }
        }
    }
}
