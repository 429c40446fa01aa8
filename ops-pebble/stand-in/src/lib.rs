//! An in-process Pebble stand-in on a real unix socket (std threads only), for ops-pebble's
//! client tests and benchmark and ops' container tests (a dev-dependency of both; not
//! published). It records every request and serves Pebble's API over
//! [`ops_pebble::sim`], the in-memory daemon `ops::testing` uses too (layers and plan,
//! services and changes, checks, files, notices, identities, signals, metrics), so
//! Pebble's behaviour is written once. Itself it adds only what a socket needs: HTTP and
//! websockets (a server side written independently of the client's), exec of real
//! processes, streamed big files, and the fixtures tests set (canned answers, an old
//! Pebble's missing endpoints, failing service starts, fixed logs and warnings).

use ops_pebble::sim::{Container, Daemon, Extra};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the stand-in received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The JSON body, or for a multipart push the `request` part.
    pub body: Value,
}

const PERIOD: usize = 4099;

fn pattern_block() -> &'static [u8] {
    static BLOCK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BLOCK.get_or_init(|| {
        // Two periods, so any window of up to PERIOD bytes is one slice.
        (0..2 * PERIOD as u64)
            .map(|i| ((i % PERIOD as u64).wrapping_mul(2654435761) >> 13) as u8)
            .collect()
    })
}

/// Byte `i` of the synthetic big file (period 4099, every byte value present).
pub fn pattern_byte(i: u64) -> u8 {
    pattern_block()[(i % PERIOD as u64) as usize]
}

/// A reader producing `len` synthetic bytes without holding them.
pub struct PatternReader {
    pub pos: u64,
    pub len: u64,
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = ((self.len - self.pos) as usize).min(buf.len());
        let block = pattern_block();
        let mut done = 0;
        while done < n {
            let off = ((self.pos + done as u64) % PERIOD as u64) as usize;
            let take = (n - done).min(PERIOD);
            buf[done..done + take].copy_from_slice(&block[off..off + take]);
            done += take;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// A writer that checks bytes against the pattern and counts them, holding nothing.
#[derive(Default)]
pub struct PatternChecker {
    pub count: u64,
    pub mismatches: u64,
}

impl Write for PatternChecker {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let block = pattern_block();
        let mut done = 0;
        while done < buf.len() {
            let off = ((self.count + done as u64) % PERIOD as u64) as usize;
            let take = (buf.len() - done).min(PERIOD);
            if buf[done..done + take] != block[off..off + take] {
                self.mismatches += 1;
            }
            done += take;
        }
        self.count += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The stand-in's state: the daemon's (shared with `ops::testing` through
/// [`ops_pebble::sim`]), what the server recorded, and the wire fixtures tests set.
pub struct State {
    pub requests: Vec<Recorded>,
    /// The container the daemon serves (it always answers).
    pub container: Container,
    /// What the daemon keeps beside it: changes, identities, boot id.
    pub extra: Extra,
    /// Exec tasks waiting for their websockets: task id → (change id, request body).
    pub execs: BTreeMap<String, (String, Value)>,
    /// Bytes received for `/big/sink` pushes, and how many of them broke the pattern.
    pub big_received: u64,
    pub big_mismatches: u64,
    /// When set, `/v1/changes/{id}/wait` answers 404 (an old Pebble).
    pub no_wait_endpoint: bool,
    /// When set, `restart` answers 400 (an old Pebble).
    pub no_restart: bool,
    /// Services whose start fails, as a command that exits at once does on the real
    /// daemon (the stand-in runs no services).
    pub failing: BTreeSet<String>,
    /// Canned answers by method and path (status code and JSON body), for tests of how
    /// the client reads one particular answer.
    pub canned: BTreeMap<(String, String), (u16, Value)>,
    /// Text messages received on exec control websockets, parsed.
    pub control: Vec<Value>,
    /// Whether the one warning has been acknowledged.
    pub warning_acked: bool,
    /// Canned `action=list` answers by path (a misbehaving Pebble).
    pub list_override: BTreeMap<String, Value>,
    /// When set, `/big/source` is listed as a file of this size, and read at this size
    /// when the read has no `len` parameter.
    pub big_source_len: Option<u64>,
}

impl State {
    fn new() -> State {
        State {
            requests: Vec::new(),
            container: Container::new("stand-in").can_connect(true),
            extra: Extra {
                boot_id: "b00t".into(),
                ..Extra::default()
            },
            execs: BTreeMap::new(),
            big_received: 0,
            big_mismatches: 0,
            no_wait_endpoint: false,
            no_restart: false,
            failing: BTreeSet::new(),
            canned: BTreeMap::new(),
            control: Vec::new(),
            warning_acked: false,
            list_override: BTreeMap::new(),
            big_source_len: None,
        }
    }

    /// The daemon over this state.
    pub fn daemon(&mut self) -> Daemon<'_> {
        Daemon {
            container: &mut self.container,
            extra: &mut self.extra,
        }
    }
}

pub struct FakePebble {
    pub socket: PathBuf,
    pub state: Arc<Mutex<State>>,
    dir: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh temporary directory `ops-pebble-<tag>-<pid>-<n>` holding a listening
/// `pebble.socket`: the directory, the socket's path and the listener. The caller
/// removes the directory.
pub fn listening_socket(tag: &str) -> (PathBuf, PathBuf, UnixListener) {
    let dir = std::env::temp_dir().join(format!(
        "ops-pebble-{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("pebble.socket");
    let listener = UnixListener::bind(&socket).unwrap();
    (dir, socket, listener)
}

impl FakePebble {
    pub fn start() -> FakePebble {
        let (dir, socket, listener) = listening_socket("test");
        let state = Arc::new(Mutex::new(State::new()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, st);
                });
            }
        });
        FakePebble { socket, state, dir }
    }

    pub fn client(&self) -> ops_pebble::Client {
        ops_pebble::Client::new(&self.socket)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn last(&self) -> Recorded {
        self.requests().pop().expect("no request recorded")
    }
}

impl Drop for FakePebble {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- HTTP server side -------------------------------------------------------------

struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn qs(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn unquote_plus(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A request body reader: content-length or chunked.
struct BodyIn<'a> {
    r: &'a mut BufReader<UnixStream>,
    chunked: bool,
    left: u64,
    done: bool,
}

impl Read for BodyIn<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        if self.left == 0 {
            if !self.chunked {
                self.done = true;
                return Ok(0);
            }
            let mut line = String::new();
            self.r.read_line(&mut line)?;
            let size = u64::from_str_radix(line.trim(), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
            if size == 0 {
                let mut end = String::new();
                self.r.read_line(&mut end)?;
                self.done = true;
                return Ok(0);
            }
            self.left = size;
        }
        let n = self.left.min(buf.len() as u64) as usize;
        let n = self.r.read(&mut buf[..n])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= n as u64;
        if self.left == 0 && self.chunked {
            let mut crlf = [0u8; 2];
            self.r.read_exact(&mut crlf)?;
            assert_eq!(&crlf, b"\r\n", "chunk terminator");
        }
        Ok(n)
    }
}

fn respond(w: &mut UnixStream, code: u16, ctype: &str, body: &[u8]) -> io::Result<()> {
    let reason = match code {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Whatever",
    };
    write!(
        w,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    w.write_all(body)?;
    w.flush()
}

fn sync(w: &mut UnixStream, result: Value) -> io::Result<()> {
    let body = json!({"type": "sync", "status-code": 200, "status": "OK", "result": result});
    respond(w, 200, "application/json", body.to_string().as_bytes())
}

fn error(w: &mut UnixStream, code: u16, message: &str, kind: Option<&str>) -> io::Result<()> {
    let mut result = json!({"message": message});
    if let Some(k) = kind {
        result["kind"] = json!(k);
    }
    let body = json!({"type": "error", "status-code": code, "status": "Error", "result": result});
    respond(w, code, "application/json", body.to_string().as_bytes())
}

fn handle(conn: UnixStream, st: Arc<Mutex<State>>) -> io::Result<()> {
    let mut w = conn.try_clone()?;
    let mut r = BufReader::with_capacity(256 * 1024, conn);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let (path, qs) = target.split_once('?').unwrap_or((&target, ""));
    let query = qs
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unquote_plus(k), unquote_plus(v))
        })
        .collect();
    let req = Req {
        method,
        path: path.to_string(),
        query,
        headers,
    };
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"));
    let len = req
        .header("content-length")
        .map(|v| v.parse().unwrap())
        .unwrap_or(0);
    let ctype = req.header("content-type").unwrap_or("").to_string();

    if req.path.contains("/websocket/") {
        return websocket(req, r, w, st);
    }

    let mut body_in = BodyIn {
        r: &mut r,
        chunked,
        left: len,
        done: false,
    };
    let mut body = Value::Null;
    let mut push: Option<(Value, String)> = None;
    if ctype.starts_with("multipart/form-data") {
        let boundary = ctype
            .split("boundary=")
            .nth(1)
            .unwrap()
            .trim_matches('"')
            .to_string();
        let (meta, filename) = read_push_head(&mut body_in, &boundary)?;
        body = meta.clone();
        push = Some((meta, filename));
    } else if len > 0 || chunked {
        let mut raw = Vec::new();
        body_in.read_to_end(&mut raw)?;
        body = serde_json::from_slice(&raw)
            .unwrap_or(Value::String(String::from_utf8_lossy(&raw).into()));
    }
    st.lock().unwrap().requests.push(Recorded {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        body: body.clone(),
    });
    if let Some((meta, filename)) = push {
        let boundary = ctype
            .split("boundary=")
            .nth(1)
            .unwrap()
            .trim_matches('"')
            .to_string();
        return handle_push(&mut w, &mut body_in, &boundary, meta, filename, &st);
    }
    route(&req, body, &mut w, &st)
}

/// Reads a push body up to the start of the file content: returns the request metadata
/// and the file part's filename.
fn read_push_head(r: &mut dyn Read, boundary: &str) -> io::Result<(Value, String)> {
    // Read byte-wise up to the end of the file part's headers (small).
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    let marker = b"name=\"files\"";
    loop {
        r.read_exact(&mut b)?;
        head.push(b[0]);
        if head.ends_with(b"\r\n\r\n") && head.windows(marker.len()).any(|w| w == marker) {
            break;
        }
        assert!(head.len() < 1 << 20, "push head too long");
    }
    let text = String::from_utf8(head).unwrap();
    let first = format!("--{boundary}\r\n");
    assert!(
        text.starts_with(&first),
        "push body must start with the boundary: {text:?}"
    );
    let json_start = text.find("\r\n\r\n").unwrap() + 4;
    let json_end = text[json_start..]
        .find(&format!("\r\n--{boundary}\r\n"))
        .unwrap()
        + json_start;
    let meta: Value = serde_json::from_str(&text[json_start..json_end]).unwrap();
    assert!(text[..json_start].contains("name=\"request\""));
    let fname_start = text.find("filename=\"").unwrap() + 10;
    let mut fname = String::new();
    let mut chars = text[fname_start..].chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => fname.push(chars.next().unwrap()),
            '"' => break,
            c => fname.push(c),
        }
    }
    Ok((meta, fname))
}

fn handle_push(
    w: &mut UnixStream,
    r: &mut dyn Read,
    boundary: &str,
    meta: Value,
    filename: String,
    st: &Arc<Mutex<State>>,
) -> io::Result<()> {
    let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
    let path = meta["files"][0]["path"].as_str().unwrap().to_string();
    assert_eq!(path, filename);
    let big = path == "/big/sink";
    let mut checker = PatternChecker::default();
    let mut stored = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        carry.extend_from_slice(&buf[..n]);
        if carry.len() > tail.len() {
            let emit = carry.len() - tail.len();
            if big {
                checker.write_all(&carry[..emit])?;
            } else {
                stored.extend_from_slice(&carry[..emit]);
            }
            carry.drain(..emit);
        }
    }
    assert_eq!(carry, tail, "push body must end with the closing boundary");
    let mut s = st.lock().unwrap();
    if big {
        s.big_received = checker.count;
        s.big_mismatches = checker.mismatches;
        drop(s);
        return sync(w, json!([{"path": path}]));
    }
    let file = &meta["files"][0];
    let options = ops_pebble::PushOptions {
        make_dirs: file["make-dirs"] == json!(true),
        ownership: ownership(file),
    };
    let r = s.daemon().push(&path, &mut &stored[..], &options);
    drop(s);
    sync(w, json!([path_result(&path, r)]))
}

/// Answers a daemon error as Pebble does: an API error with its code and kind; a file
/// error (only where a request has no per-path results) as a 400 with its kind.
fn daemon_error(w: &mut UnixStream, e: ops_pebble::Error) -> io::Result<()> {
    match e {
        ops_pebble::Error::Api(a) => error(w, a.code, &a.message, a.kind.as_deref()),
        ops_pebble::Error::Path { kind, message } => error(w, 400, &message, Some(&kind)),
        other => error(w, 500, &other.to_string(), None),
    }
}

/// Answers a daemon result with `show`ing its value, or its error.
fn answer<T>(
    w: &mut UnixStream,
    result: ops_pebble::Result<T>,
    show: impl FnOnce(T) -> Value,
) -> io::Result<()> {
    match result {
        Ok(v) => sync(w, show(v)),
        Err(e) => daemon_error(w, e),
    }
}

/// One path's result in a files request: the path, and its error if any.
fn path_result(path: &str, result: ops_pebble::Result<()>) -> Value {
    match result {
        Ok(()) => json!({"path": path}),
        Err(ops_pebble::Error::Path { kind, message }) => {
            json!({"path": path, "error": {"kind": kind, "message": message}})
        }
        Err(e) => {
            json!({"path": path, "error": {"kind": "generic-file-error", "message": e.to_string()}})
        }
    }
}

/// The ownership fields of a push or make-dirs entry.
fn ownership(v: &Value) -> ops_pebble::FileOwnership {
    let id = |k: &str| v[k].as_u64().and_then(|n| u32::try_from(n).ok());
    let name = |k: &str| v[k].as_str().map(str::to_string);
    ops_pebble::FileOwnership {
        permissions: v["permissions"]
            .as_str()
            .and_then(|p| u32::from_str_radix(p, 8).ok()),
        user_id: id("user-id"),
        user: name("user"),
        group_id: id("group-id"),
        group: name("group"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn route(req: &Req, body: Value, w: &mut UnixStream, st: &Arc<Mutex<State>>) -> io::Result<()> {
    let mut s = st.lock().unwrap();
    let m = req.method.as_str();
    let p = req.path.as_str();
    if let Some((code, canned)) = s.canned.get(&(m.to_string(), p.to_string())).cloned() {
        drop(s);
        let status = if code == 200 { "OK" } else { "Error" };
        let kind = if code < 400 { "sync" } else { "error" };
        let b = json!({"type": kind, "status-code": code, "status": status, "result": canned});
        return respond(w, code, "application/json", b.to_string().as_bytes());
    }
    let names = req.qs("names");
    let names: Vec<&str> = names
        .iter()
        .flat_map(|n| n.split(','))
        .filter(|n| !n.is_empty())
        .collect();
    let level = req.q("level").map(ops_pebble::CheckLevel::from);
    match (m, p) {
        ("GET", "/v1/system-info") => {
            let r = s.daemon().system_info();
            drop(s);
            answer(w, r, |i| json!(i))
        }
        ("GET", "/v1/health") => {
            let r = s.daemon().health(level.as_ref(), &names);
            drop(s);
            match r {
                Ok(true) => sync(w, json!({"healthy": true})),
                Ok(false) => {
                    let b = json!({"type": "sync", "status-code": 502, "status": "Bad Gateway", "result": {"healthy": false}});
                    respond(w, 502, "application/json", b.to_string().as_bytes())
                }
                Err(e) => daemon_error(w, e),
            }
        }
        ("POST", "/v1/layers") => {
            let label = body["label"].as_str().unwrap_or("");
            let combine = body["combine"] == json!(true);
            let r = ops_pebble::Layer::from_yaml(body["layer"].as_str().unwrap_or(""))
                .and_then(|layer| s.daemon().add_layer(label, &layer, combine));
            drop(s);
            answer(w, r, |()| json!(true))
        }
        ("GET", "/v1/plan") => {
            let r = s.daemon().get_plan();
            drop(s);
            answer(w, r, |plan| json!(plan.to_yaml()))
        }
        ("GET", "/v1/services") => {
            let r = s.daemon().get_services(&names);
            drop(s);
            answer(w, r, |services| json!(services))
        }
        ("POST", "/v1/services") => {
            let action = body["action"].as_str().unwrap_or("");
            if action == "restart" && s.no_restart {
                drop(s);
                return error(w, 400, "action \"restart\" is unsupported", None);
            }
            let services = strings(&body["services"]);
            let services: Vec<&str> = services.iter().map(String::as_str).collect();
            let id = match s
                .daemon()
                .services_action(action, &services, Duration::ZERO)
            {
                Ok(id) => id,
                Err(e) => {
                    drop(s);
                    return daemon_error(w, e);
                }
            };
            if action != "stop" {
                fail_starts(&mut s, &id);
            }
            drop(s);
            let b = json!({"type": "async", "status-code": 202, "status": "Accepted", "change": id, "result": null});
            respond(w, 202, "application/json", b.to_string().as_bytes())
        }
        ("GET", "/v1/changes") => {
            let select = match req.q("select") {
                Some("all") => ops_pebble::ChangeState::All,
                Some("ready") => ops_pebble::ChangeState::Ready,
                _ => ops_pebble::ChangeState::InProgress,
            };
            let r = s.daemon().get_changes(select, req.q("for"));
            drop(s);
            answer(w, r, |changes| json!(changes))
        }
        ("GET", p) if p.starts_with("/v1/changes/") && p.ends_with("/wait") => {
            let id = p
                .trim_start_matches("/v1/changes/")
                .trim_end_matches("/wait")
                .to_string();
            if s.no_wait_endpoint {
                drop(s);
                return error(w, 404, "not found", None);
            }
            drop(s);
            let timeout = req
                .q("timeout")
                .and_then(ops_pebble::parse_go_duration)
                .unwrap_or(Duration::from_secs(30));
            let deadline = Instant::now() + timeout;
            loop {
                let r = st.lock().unwrap().daemon().get_change(&id);
                match r {
                    Ok(c) if c.ready => return sync(w, json!(c)),
                    Ok(_) => {}
                    Err(e) => return daemon_error(w, e),
                }
                if Instant::now() >= deadline {
                    return error(w, 504, "timed out waiting for change", None);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        ("GET", p) if p.starts_with("/v1/changes/") => {
            let r = s.daemon().get_change(p.trim_start_matches("/v1/changes/"));
            drop(s);
            answer(w, r, |c| json!(c))
        }
        ("POST", p) if p.starts_with("/v1/changes/") => {
            let r = s
                .daemon()
                .abort_change(p.trim_start_matches("/v1/changes/"));
            drop(s);
            answer(w, r, |c| json!(c))
        }
        ("GET", "/v1/checks") => {
            let r = s.daemon().get_checks(level.as_ref(), &names);
            drop(s);
            answer(w, r, |checks| json!(checks))
        }
        ("POST", "/v1/checks") => {
            let checks = strings(&body["checks"]);
            let checks: Vec<&str> = checks.iter().map(String::as_str).collect();
            let action = body["action"].as_str().unwrap_or("");
            let r = s.daemon().checks_action(action, &checks);
            drop(s);
            // Go encodes an empty list of changed checks as null.
            answer(
                w,
                r,
                |changed| json!({"changed": if changed.is_empty() { Value::Null } else { json!(changed) }}),
            )
        }
        ("POST", "/v1/checks/refresh") => {
            let r = s
                .daemon()
                .refresh_check(body["name"].as_str().unwrap_or(""));
            drop(s);
            answer(w, r, |refresh| json!(refresh))
        }
        ("GET", "/v1/files") if req.q("action") == Some("list") => {
            let path = req.q("path").unwrap_or("").to_string();
            if let Some(canned) = s.list_override.get(&path).cloned() {
                drop(s);
                return sync(w, canned);
            }
            if let (Some(len), "/big/source") = (s.big_source_len, path.as_str()) {
                drop(s);
                return sync(
                    w,
                    json!([{"path": path, "name": "source", "type": "file", "size": len,
                        "permissions": "644", "last-modified": "2024-01-01T00:00:00Z"}]),
                );
            }
            let itself = req.q("itself") == Some("true");
            let r = s.daemon().list_files(&path, req.q("pattern"), itself);
            drop(s);
            answer(w, r, |files| json!(files))
        }
        ("GET", "/v1/files") => {
            let path = req.q("path").unwrap_or("").to_string();
            let mut data = Vec::new();
            let read = if path == "/big/source" {
                Ok(0)
            } else {
                s.daemon().pull(&path, &mut data)
            };
            let big_len = if path == "/big/source" {
                req.q("len")
                    .and_then(|l| l.parse().ok())
                    .or(s.big_source_len)
                    .unwrap_or(256u64 << 20)
            } else {
                0
            };
            drop(s);
            let boundary = "0123456789abcdef0123456789abcdef";
            if let Err(e) = read {
                let resp = json!({"type": "sync", "status-code": 200, "status": "OK",
                    "result": [path_result(&path, Err(e))]});
                let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{resp}\r\n--{boundary}--\r\n");
                return respond(
                    w,
                    200,
                    &format!("multipart/form-data; boundary={boundary}"),
                    body.as_bytes(),
                );
            }
            // Chunked, like Go's net/http when streaming.
            write!(w, "HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")?;
            let mut out = io::BufWriter::with_capacity(256 * 1024, &mut *w);
            let chunk = |out: &mut dyn Write, b: &[u8]| -> io::Result<()> {
                if b.is_empty() {
                    return Ok(());
                }
                write!(out, "{:x}\r\n", b.len())?;
                out.write_all(b)?;
                out.write_all(b"\r\n")
            };
            chunk(&mut out, format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\n\r\n", path.replace('"', "\\\"")).as_bytes())?;
            if path == "/big/source" {
                let mut src = PatternReader {
                    pos: 0,
                    len: big_len,
                };
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = src.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    chunk(&mut out, &buf[..n])?;
                }
            } else {
                chunk(&mut out, &data)?;
            }
            let resp = json!({"type": "sync", "status-code": 200, "status": "OK", "result": [{"path": path}]});
            chunk(&mut out, format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{resp}\r\n--{boundary}--\r\n").as_bytes())?;
            out.write_all(b"0\r\n\r\n")?;
            out.flush()
        }
        ("POST", "/v1/files") => {
            let action = body["action"].as_str().unwrap_or("");
            let mut results = Vec::new();
            if action == "make-dirs" {
                for d in body["dirs"].as_array().cloned().unwrap_or_default() {
                    let path = d["path"].as_str().unwrap_or("");
                    let options = ops_pebble::MakeDirOptions {
                        make_parents: d["make-parents"] == json!(true),
                        ownership: ownership(&d),
                    };
                    results.push(path_result(path, s.daemon().make_dir(path, &options)));
                }
            } else if action == "remove" {
                for d in body["paths"].as_array().cloned().unwrap_or_default() {
                    let path = d["path"].as_str().unwrap_or("");
                    let recursive = d["recursive"] == json!(true);
                    results.push(path_result(path, s.daemon().remove_path(path, recursive)));
                }
            } else {
                drop(s);
                return error(w, 400, &format!("invalid action {action:?}"), None);
            }
            drop(s);
            sync(w, json!(results))
        }
        ("POST", "/v1/exec") => {
            let id = (s.extra.changes.len() + 1).to_string();
            let task = format!("t{id}");
            let change: ops_pebble::Change = serde_json::from_value(json!({"id": id, "kind": "exec", "summary": "exec", "status": "Doing",
                "tasks": [{"id": task, "kind": "exec", "summary": "exec", "status": "Doing", "spawn-time": "2024-01-01T00:00:00Z"}],
                "ready": false, "spawn-time": "2024-01-01T00:00:00Z"}))
            .unwrap();
            s.extra.changes.push(change);
            s.execs.insert(task.clone(), (id.clone(), body));
            drop(s);
            let b = json!({"type": "async", "status-code": 202, "status": "Accepted", "change": id,
                "result": {"task-id": task, "environment": {}, "working-dir": "/"}});
            respond(w, 202, "application/json", b.to_string().as_bytes())
        }
        ("POST", "/v1/signals") => {
            let services = strings(&body["services"]);
            let services: Vec<&str> = services.iter().map(String::as_str).collect();
            let r = s
                .daemon()
                .send_signal(body["signal"].as_str().unwrap_or(""), &services);
            drop(s);
            answer(w, r, |()| json!(true))
        }
        ("GET", "/v1/notices") => {
            let query = ops_pebble::NoticesQuery {
                all_users: req.q("users") == Some("all"),
                user_id: req.q("user-id").and_then(|u| u.parse().ok()),
                types: req
                    .qs("types")
                    .iter()
                    .map(|t| ops_pebble::NoticeType::from(t.as_str()))
                    .collect(),
                keys: req.qs("keys"),
                after: req.q("after").map(str::to_string),
                timeout: None,
            };
            let r = s.daemon().get_notices(&query);
            drop(s);
            answer(w, r, |notices| json!(notices))
        }
        ("GET", p) if p.starts_with("/v1/notices/") => {
            let r = s.daemon().get_notice(p.trim_start_matches("/v1/notices/"));
            drop(s);
            answer(w, r, |n| json!(n))
        }
        ("POST", "/v1/notices") => {
            let options = ops_pebble::NotifyOptions {
                data: serde_json::from_value(body["data"].clone()).unwrap_or_default(),
                repeat_after: body["repeat-after"]
                    .as_str()
                    .and_then(ops_pebble::parse_go_duration),
            };
            let r = s
                .daemon()
                .notify(body["key"].as_str().unwrap_or(""), &options);
            drop(s);
            answer(w, r, |id| json!({"id": id}))
        }
        ("GET", "/v1/identities") => {
            let r = s.daemon().get_identities();
            drop(s);
            answer(w, r, |ids| json!(ids))
        }
        ("POST", "/v1/identities") => {
            let action = match body["action"].as_str() {
                Some("add") => ops_pebble::IdentityAction::Add,
                Some("update") => ops_pebble::IdentityAction::Update,
                Some("replace") => ops_pebble::IdentityAction::Replace,
                Some("remove") => ops_pebble::IdentityAction::Remove,
                other => {
                    drop(s);
                    return error(w, 400, &format!("invalid action {other:?}"), None);
                }
            };
            let identities = match serde_json::from_value(body["identities"].clone()) {
                Ok(ids) => ids,
                Err(e) => {
                    drop(s);
                    return error(w, 400, &format!("cannot decode identities: {e}"), None);
                }
            };
            let r = s.daemon().post_identities(action, &identities);
            drop(s);
            answer(w, r, |()| Value::Null)
        }
        ("GET", "/v1/metrics") => {
            let r = s.daemon().get_metrics();
            drop(s);
            match r {
                Ok(text) => respond(w, 200, "text/plain; version=0.0.4", text.as_bytes()),
                Err(e) => daemon_error(w, e),
            }
        }
        // The daemon keeps no logs: three fixed lines exercise the client's reading of
        // the log stream, and of a followed one.
        ("GET", "/v1/logs") => {
            drop(s);
            let services = req.qs("services");
            let mut out = String::new();
            for (i, svc) in ["svc1", "svc2", "svc1"].iter().enumerate() {
                if services.is_empty() || services.iter().any(|x| x == svc) {
                    out.push_str(&json!({"time": "2024-01-01T00:00:00Z", "service": svc, "message": format!("line {i}")}).to_string());
                    out.push('\n');
                }
            }
            if req.q("follow") != Some("true") {
                return respond(w, 200, "application/x-ndjson", out.as_bytes());
            }
            // Follow: the lines one chunk each, then keep the stream open until the client
            // hangs up.
            write!(w, "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")?;
            for line in out.split_inclusive('\n') {
                write!(w, "{:x}\r\n{line}\r\n", line.len())?;
                w.flush()?;
            }
            let mut hang = [0u8; 64];
            while w.read(&mut hang)? > 0 {}
            Ok(())
        }
        // Warnings, as a Pebble before v1.13 kept them (later ones answer 404).
        ("GET", "/v1/warnings") => {
            let all = req.q("select") == Some("all");
            let show = all || !s.warning_acked;
            drop(s);
            let warning = json!({"message": "be careful", "first-added": "2024-01-01T00:00:00Z",
                "last-added": "2024-01-02T00:00:00Z", "last-shown": null,
                "expire-after": "672h0m0s", "repeat-after": "24h0m0s"});
            sync(w, if show { json!([warning]) } else { Value::Null })
        }
        ("POST", "/v1/warnings") => {
            if body["action"] != json!("okay") || !body["timestamp"].is_string() {
                drop(s);
                return error(w, 400, "invalid warnings action", None);
            }
            let n = u64::from(!s.warning_acked);
            s.warning_acked = true;
            drop(s);
            sync(w, json!(n))
        }
        // A non-JSON answer, for the client's protocol errors.
        ("GET", "/v1/not-json") => {
            drop(s);
            respond(w, 200, "text/html", b"<html>")
        }
        _ => {
            drop(s);
            error(w, 404, "not found", None)
        }
    }
}

/// Fails the start of the [`State::failing`] services the change `id` started: the
/// change ends in error with a task log naming the service, and the service is inactive.
fn fail_starts(s: &mut State, id: &str) {
    let started: Vec<String> = s
        .container
        .service_statuses
        .iter()
        .filter(|(name, status)| {
            s.failing.contains(*name) && **status == ops_pebble::ServiceStatus::Active
        })
        .map(|(name, _)| name.clone())
        .collect();
    let Some(name) = started.first() else { return };
    for n in &started {
        s.container
            .service_statuses
            .insert(n.clone(), ops_pebble::ServiceStatus::Inactive);
    }
    let err = format!(
        "cannot perform the following tasks:\n- Start service {name:?} (cannot start service: exited quickly with code 1)"
    );
    if let Some(change) = s.extra.changes.iter_mut().find(|c| c.id == id) {
        change.status = ops_pebble::ChangeStatus::Error;
        change.err = Some(err.clone());
        let task: ops_pebble::Task = serde_json::from_value(json!({"id": format!("t{id}"),
            "kind": "start", "summary": format!("Start service {name:?}"), "status": "Error",
            "log": [format!("2024-01-01T00:00:00Z ERROR {err}")],
            "progress": {"label": "", "done": 1, "total": 1}, "spawn-time": "2024-01-01T00:00:00Z"}))
        .unwrap();
        change.tasks = vec![task];
    }
}

// ---- websocket server side ----------------------------------------------------------

fn ws_read(r: &mut dyn Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0u8; 2];
    if let Err(e) = r.read_exact(&mut head) {
        return if e.kind() == io::ErrorKind::UnexpectedEof {
            Ok(None)
        } else {
            Err(e)
        };
    }
    let opcode = head[0] & 0x0f;
    assert!(
        head[0] & 0x80 != 0,
        "fragmented client frames are not expected"
    );
    assert!(head[1] & 0x80 != 0, "client frames must be masked");
    let mut len = (head[1] & 0x7f) as u64;
    if len == 126 {
        let mut b = [0u8; 2];
        r.read_exact(&mut b)?;
        len = u16::from_be_bytes(b) as u64;
    } else if len == 127 {
        let mut b = [0u8; 8];
        r.read_exact(&mut b)?;
        len = u64::from_be_bytes(b);
    }
    let mut mask = [0u8; 4];
    r.read_exact(&mut mask)?;
    let mut data = vec![0u8; len as usize];
    r.read_exact(&mut data)?;
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
    Ok(Some((opcode, data)))
}

fn ws_write(w: &mut dyn Write, opcode: u8, data: &[u8]) -> io::Result<()> {
    let mut frame = vec![0x80 | opcode];
    if data.len() < 126 {
        frame.push(data.len() as u8);
    } else if data.len() < 65536 {
        frame.push(126);
        frame.extend_from_slice(&(data.len() as u16).to_be_bytes());
    } else {
        frame.push(127);
        frame.extend_from_slice(&(data.len() as u64).to_be_bytes());
    }
    frame.extend_from_slice(data);
    w.write_all(&frame)
}

#[derive(Default)]
struct Pending {
    stdio: Option<(BufReader<UnixStream>, UnixStream)>,
    stderr: Option<UnixStream>,
    control: Option<BufReader<UnixStream>>,
}

static PENDING: Mutex<BTreeMap<String, Pending>> = Mutex::new(BTreeMap::new());

fn websocket(
    req: Req,
    r: BufReader<UnixStream>,
    mut w: UnixStream,
    st: Arc<Mutex<State>>,
) -> io::Result<()> {
    let rest = req.path.trim_start_matches("/v1/tasks/");
    let (task, kind) = rest.split_once("/websocket/").unwrap();
    let Some((change_id, body)) = st.lock().unwrap().execs.get(task).cloned() else {
        return error(&mut w, 404, "task not found", Some("not-found"));
    };
    st.lock().unwrap().requests.push(Recorded {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        body: Value::Null,
    });
    let key = req.header("sec-websocket-key").unwrap().to_string();
    write!(
        w,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        tungstenite::handshake::derive_accept_key(key.as_bytes())
    )?;
    let split = body["split-stderr"] == json!(true);
    let ready = {
        let mut pending = PENDING.lock().unwrap();
        // Task ids repeat between stand-ins running in parallel: key by stand-in too.
        let slot = format!("{:p}/{task}", Arc::as_ptr(&st));
        let p = pending.entry(slot.clone()).or_default();
        match kind {
            "control" => p.control = Some(r),
            "stdio" => p.stdio = Some((r, w)),
            "stderr" => p.stderr = Some(w),
            _ => panic!("unknown websocket {kind}"),
        }
        let done = p.control.is_some() && p.stdio.is_some() && (!split || p.stderr.is_some());
        if done {
            pending.remove(&slot)
        } else {
            None
        }
    };
    let Some(p) = ready else { return Ok(()) };
    run_exec(p, body, change_id, st)
}

fn run_exec(p: Pending, body: Value, change_id: String, st: Arc<Mutex<State>>) -> io::Result<()> {
    let (mut stdio_r, stdio_w) = p.stdio.unwrap();
    let argv: Vec<String> = body["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut cmd = std::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in body["environment"].as_object().cloned().unwrap_or_default() {
        cmd.env(k, v.as_str().unwrap());
    }
    if let Some(d) = body["working-dir"].as_str() {
        cmd.current_dir(d);
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let split = body["split-stderr"] == json!(true);
    cmd.stderr(std::process::Stdio::piped());
    let finish = |st: &Arc<Mutex<State>>, err: Option<String>, code: Option<i32>| {
        let mut s = st.lock().unwrap();
        let Some(c) = s.extra.changes.iter_mut().find(|c| c.id == change_id) else {
            return;
        };
        c.ready = true;
        c.status = if err.is_some() {
            ops_pebble::ChangeStatus::Error
        } else {
            ops_pebble::ChangeStatus::Done
        };
        if let Some(task) = c.tasks.first_mut() {
            task.status = c.status.clone();
            if let Some(code) = code {
                task.data.insert("exit-code".into(), json!(code));
            }
            if let Some(e) = &err {
                task.log = vec![e.clone()];
            }
        }
        c.err = err;
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let mut w = stdio_w;
            ws_write(&mut w, 1, br#"{"command":"end"}"#)?;
            finish(
                &st,
                Some(format!("cannot find executable {:?}: {e}", argv[0])),
                None,
            );
            return Ok(());
        }
    };
    // Control: record each message; deliver signals to the child with kill(1).
    let mut control = p.control.unwrap();
    let pid = child.id();
    let control_st = st.clone();
    std::thread::spawn(move || -> io::Result<()> {
        while let Some((op, data)) = ws_read(&mut control)? {
            match op {
                1 => {
                    let msg: Value = serde_json::from_slice(&data).unwrap_or(Value::Null);
                    control_st.lock().unwrap().control.push(msg.clone());
                    if msg["command"] == json!("signal") {
                        let name = msg["signal"]["name"].as_str().unwrap_or("");
                        let _ = std::process::Command::new("kill")
                            .args(["-s", name.trim_start_matches("SIG"), &pid.to_string()])
                            .status();
                    }
                }
                8 => break,
                _ => {}
            }
        }
        Ok(())
    });
    let mut stdin = child.stdin.take().unwrap();
    let input = std::thread::spawn(move || -> io::Result<()> {
        while let Some((op, data)) = ws_read(&mut stdio_r)? {
            match op {
                2 => {
                    // If the command stopped reading, drop the rest.
                    let _ = stdin.write_all(&data);
                }
                1 => {
                    assert_eq!(data, br#"{"command":"end"}"#);
                    break;
                }
                8 => break,
                _ => {}
            }
        }
        Ok(())
    });
    let out_ws = Arc::new(Mutex::new(stdio_w));
    let pump = |mut src: Box<dyn Read + Send>, dst: Arc<Mutex<UnixStream>>, end: bool| {
        std::thread::spawn(move || -> io::Result<()> {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                let n = src.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                ws_write(&mut *dst.lock().unwrap(), 2, &buf[..n])?;
            }
            if end {
                ws_write(&mut *dst.lock().unwrap(), 1, br#"{"command":"end"}"#)?;
            }
            Ok(())
        })
    };
    let out = pump(
        Box::new(child.stdout.take().unwrap()),
        out_ws.clone(),
        split,
    );
    let err_dst = if split {
        Arc::new(Mutex::new(p.stderr.unwrap()))
    } else {
        out_ws.clone()
    };
    let errp = if split {
        pump(Box::new(child.stderr.take().unwrap()), err_dst, true)
    } else {
        // Combined: copy stderr bytes down stdio without a second end marker.
        let mut src = child.stderr.take().unwrap();
        std::thread::spawn(move || -> io::Result<()> {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                let n = src.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                ws_write(&mut *err_dst.lock().unwrap(), 2, &buf[..n])?;
            }
        })
    };
    let status = child.wait()?;
    let _ = out.join();
    let _ = errp.join();
    if !split {
        ws_write(&mut *out_ws.lock().unwrap(), 1, br#"{"command":"end"}"#)?;
    }
    let _ = input.join();
    finish(&st, None, Some(status.code().unwrap_or(-1)));
    Ok(())
}
