//! An in-process Pebble stand-in on a real unix socket (std threads only), for the client
//! tests and the benchmark. It records every request and implements enough of Pebble's
//! behaviour to exercise each endpoint: layers and plan (with the crate's merge rules),
//! services and changes, checks, an in-memory file system, exec (real processes, over a
//! server-side websocket implementation written independently of the client's), notices,
//! identities, signals, logs, metrics, health.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
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

#[derive(Default)]
pub struct State {
    pub requests: Vec<Recorded>,
    pub layers: Vec<(String, ops_pebble::Layer)>,
    pub running: BTreeMap<String, bool>,
    pub changes: BTreeMap<String, Value>,
    pub next_id: u64,
    pub files: BTreeMap<String, Vec<u8>>,
    pub dirs: std::collections::BTreeSet<String>,
    pub notices: Vec<Value>,
    pub identities: BTreeMap<String, Value>,
    pub execs: BTreeMap<String, (String, Value)>,
    /// Bytes received for `/big/sink` pushes, and how many of them broke the pattern.
    pub big_received: u64,
    pub big_mismatches: u64,
    /// When set, `/v1/changes/{id}/wait` answers 404 (an old Pebble).
    pub no_wait_endpoint: bool,
    /// When set, `restart` answers 400 (an old Pebble).
    pub no_restart: bool,
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
        let state = Arc::new(Mutex::new(State {
            next_id: 1,
            ..State::default()
        }));
        state.lock().unwrap().dirs.insert("/".into());
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
    let parent = parent_of(&path);
    if !s.dirs.contains(&parent) {
        if meta["files"][0]["make-dirs"] == json!(true) {
            mkdirs(&mut s, &parent);
        } else {
            drop(s);
            return sync(
                w,
                json!([{"path": path, "error": {"kind": "not-found", "message": format!("parent directory not found: {parent}")}}]),
            );
        }
    }
    s.files.insert(path.clone(), stored);
    drop(s);
    sync(w, json!([{"path": path}]))
}

fn parent_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((p, _)) => p.into(),
    }
}

fn mkdirs(s: &mut State, dir: &str) {
    let mut cur = String::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        cur.push('/');
        cur.push_str(part);
        s.dirs.insert(cur.clone());
    }
}

fn new_change(s: &mut State, kind: &str, err: Option<String>, data: Value) -> String {
    let id = s.next_id.to_string();
    s.next_id += 1;
    let status = if err.is_some() { "Error" } else { "Done" };
    let mut task = json!({"id": format!("t{id}"), "kind": kind, "summary": kind, "status": status,
        "progress": {"label": "", "done": 1, "total": 1}, "spawn-time": "2024-01-01T00:00:00Z",
        "data": data});
    let mut change = json!({"id": id, "kind": kind, "summary": format!("{kind} change"), "status": status,
        "tasks": [], "ready": true, "spawn-time": "2024-01-01T00:00:00Z"});
    if let Some(e) = err {
        task["log"] = json!([format!("2024-01-01T00:00:00Z ERROR {e}")]);
        change["err"] = json!(e);
    }
    change["tasks"] = json!([task]);
    s.changes.insert(id.clone(), change);
    id
}

fn plan(s: &State) -> Result<ops_pebble::Plan, ops_pebble::Error> {
    ops_pebble::Plan::from_layers(s.layers.iter().map(|(_, l)| l))
}

fn file_info(path: &str, dir: bool, size: usize) -> Value {
    let name = path.rsplit('/').next().unwrap_or("");
    let mut v = json!({"path": path, "name": if name.is_empty() {"/"} else {name},
        "type": if dir {"directory"} else {"file"}, "permissions": if dir {"755"} else {"644"},
        "last-modified": "2024-01-01T00:00:00Z", "user-id": 0, "user": "root", "group-id": 0, "group": "root"});
    if !dir {
        v["size"] = json!(size);
    }
    v
}

fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => name.starts_with(pre) && name[pre.len()..].ends_with(post),
    }
}

fn route(req: &Req, body: Value, w: &mut UnixStream, st: &Arc<Mutex<State>>) -> io::Result<()> {
    let mut s = st.lock().unwrap();
    let m = req.method.as_str();
    let p = req.path.as_str();
    match (m, p) {
        ("GET", "/v1/system-info") => {
            drop(s);
            sync(w, json!({"version": "v1.19.0", "boot-id": "b00t"}))
        }
        ("GET", "/v1/health") => {
            let names = req.qs("names");
            let healthy = !names.iter().any(|n| n == "bad");
            drop(s);
            if healthy {
                sync(w, json!({"healthy": true}))
            } else {
                let b = json!({"type": "sync", "status-code": 502, "status": "Bad Gateway", "result": {"healthy": false}});
                respond(w, 502, "application/json", b.to_string().as_bytes())
            }
        }
        ("POST", "/v1/layers") => {
            let label = body["label"].as_str().unwrap_or("").to_string();
            let layer = match ops_pebble::Layer::from_yaml(body["layer"].as_str().unwrap_or("")) {
                Ok(l) => l,
                Err(e) => {
                    drop(s);
                    return error(w, 400, &e.to_string(), None);
                }
            };
            let combine = body["combine"] == json!(true);
            let existing = s.layers.iter().position(|(l, _)| *l == label);
            match (existing, combine) {
                (Some(_), false) => {
                    drop(s);
                    return error(w, 400, &format!("layer {label:?} already exists"), None);
                }
                (Some(i), true) => {
                    let merged = ops_pebble::combine_layers([&s.layers[i].1, &layer]);
                    match merged {
                        Ok(m) => s.layers[i].1 = m,
                        Err(e) => {
                            drop(s);
                            return error(w, 400, &e.to_string(), None);
                        }
                    }
                }
                (None, _) => s.layers.push((label, layer)),
            }
            if let Err(e) = plan(&s) {
                s.layers.pop();
                drop(s);
                return error(w, 400, &e.to_string(), None);
            }
            drop(s);
            sync(w, json!(true))
        }
        ("GET", "/v1/plan") => {
            let yaml = plan(&s).map(|p| p.to_yaml()).unwrap_or_default();
            drop(s);
            sync(w, json!(yaml))
        }
        ("GET", "/v1/services") => {
            let plan = plan(&s).unwrap_or_default();
            let names: Vec<String> = req
                .q("names")
                .map(|n| n.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            let out: Vec<Value> = plan
                .services
                .iter()
                .filter(|(n, _)| names.is_empty() || names.contains(n))
                .map(|(n, svc)| {
                    json!({"name": n,
                        "startup": svc.startup.as_ref().map(|s| s.as_str().to_string()).unwrap_or("disabled".into()),
                        "current": if *s.running.get(n).unwrap_or(&false) {"active"} else {"inactive"}})
                })
                .collect();
            drop(s);
            sync(w, json!(out))
        }
        ("POST", "/v1/services") => {
            let action = body["action"].as_str().unwrap_or("").to_string();
            let plan = plan(&s).unwrap_or_default();
            let mut names: Vec<String> = body["services"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if action == "restart" && s.no_restart {
                drop(s);
                return error(w, 400, "action \"restart\" is unsupported", None);
            }
            if action == "autostart" || action == "replan" {
                names = plan
                    .services
                    .iter()
                    .filter(|(_, svc)| svc.startup == Some(ops_pebble::ServiceStartup::Enabled))
                    .map(|(n, _)| n.clone())
                    .collect();
            }
            for n in &names {
                if !plan.services.contains_key(n) {
                    drop(s);
                    return error(w, 400, &format!("service {n:?} does not exist"), None);
                }
            }
            let mut err = None;
            for n in &names {
                let cmd = &plan.services[n].command;
                match action.as_str() {
                    "stop" => {
                        s.running.insert(n.clone(), false);
                    }
                    _ if cmd.contains("fail") => {
                        err = Some(format!("cannot perform the following tasks:\n- Start service {n:?} (exited quickly)"));
                    }
                    _ => {
                        s.running.insert(n.clone(), true);
                    }
                }
            }
            let id = new_change(&mut s, &action, err, json!({}));
            drop(s);
            let b = json!({"type": "async", "status-code": 202, "status": "Accepted", "change": id, "result": null});
            respond(w, 202, "application/json", b.to_string().as_bytes())
        }
        ("GET", "/v1/changes") => {
            let select = req.q("select").unwrap_or("in-progress").to_string();
            let out: Vec<Value> = s
                .changes
                .values()
                .filter(|c| {
                    select == "all" || (select == "ready") == c["ready"].as_bool().unwrap_or(false)
                })
                .cloned()
                .collect();
            drop(s);
            sync(w, json!(out))
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
            let timeout = req
                .q("timeout")
                .and_then(|t| t.trim_end_matches('s').parse::<f64>().ok())
                .unwrap_or(30.0);
            let deadline = Instant::now() + Duration::from_secs_f64(timeout);
            drop(s);
            loop {
                let s = st.lock().unwrap();
                match s.changes.get(&id) {
                    None => {
                        drop(s);
                        return error(
                            w,
                            404,
                            &format!("cannot find change with id {id:?}"),
                            Some("not-found"),
                        );
                    }
                    Some(c) if c["ready"] == json!(true) => {
                        let c = c.clone();
                        drop(s);
                        return sync(w, c);
                    }
                    Some(_) => {}
                }
                drop(s);
                if Instant::now() >= deadline {
                    return error(w, 504, "timed out waiting for change", None);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        ("GET", p) if p.starts_with("/v1/changes/") => {
            let id = p.trim_start_matches("/v1/changes/");
            let c = s.changes.get(id).cloned();
            drop(s);
            match c {
                Some(c) => sync(w, c),
                None => error(
                    w,
                    404,
                    &format!("cannot find change with id {id:?}"),
                    Some("not-found"),
                ),
            }
        }
        ("POST", p) if p.starts_with("/v1/changes/") => {
            let id = p.trim_start_matches("/v1/changes/").to_string();
            match s.changes.get_mut(&id) {
                Some(c) => {
                    c["status"] = json!("Abort");
                    c["ready"] = json!(true);
                    let c = c.clone();
                    drop(s);
                    sync(w, c)
                }
                None => {
                    drop(s);
                    error(w, 404, "no such change", Some("not-found"))
                }
            }
        }
        ("GET", "/v1/checks") => {
            let plan = plan(&s).unwrap_or_default();
            let names = req.qs("names");
            let level = req.q("level").map(str::to_string);
            let out: Vec<Value> = plan
                .checks
                .iter()
                .filter(|(n, _)| names.is_empty() || names.contains(n))
                .filter(|(_, c)| level.is_none() || c.level.as_ref().map(|l| l.as_str()) == level.as_deref())
                .map(|(n, c)| {
                    let mut v = json!({"name": n, "status": "up", "failures": 0, "successes": 1,
                        "threshold": c.threshold.unwrap_or(3), "startup": "enabled", "change-id": "c1"});
                    if let Some(l) = &c.level {
                        v["level"] = json!(l.as_str());
                    }
                    if c.startup == Some(ops_pebble::CheckStartup::Disabled) {
                        v["startup"] = json!("disabled");
                        v.as_object_mut().unwrap().remove("change-id");
                    }
                    v
                })
                .collect();
            drop(s);
            sync(w, json!(out))
        }
        ("POST", "/v1/checks") => {
            drop(s);
            let checks = body["checks"].clone();
            if body["action"] == json!("stop") {
                // Pebble may answer null when nothing changed.
                sync(w, json!({"changed": null}))
            } else {
                sync(w, json!({"changed": checks}))
            }
        }
        ("POST", "/v1/checks/refresh") => {
            drop(s);
            let name = body["name"].as_str().unwrap_or("");
            sync(
                w,
                json!({"info": {"name": name, "status": "down", "failures": 1, "threshold": 1, "startup": "enabled", "change-id": "9"}, "error": "check timed out after 1s"}),
            )
        }
        ("GET", "/v1/files") if req.q("action") == Some("list") => {
            let path = req.q("path").unwrap_or("").to_string();
            let itself = req.q("itself") == Some("true");
            let pattern = req.q("pattern").map(str::to_string);
            if let Some(canned) = s.list_override.get(&path).cloned() {
                drop(s);
                return sync(w, canned);
            }
            if let (Some(len), "/big/source") = (s.big_source_len, path.as_str()) {
                drop(s);
                return sync(w, json!([file_info(&path, false, len as usize)]));
            }
            let out: Vec<Value> = if s.dirs.contains(&path) {
                if itself {
                    vec![file_info(&path, true, 0)]
                } else {
                    let prefix = if path == "/" {
                        "/".to_string()
                    } else {
                        format!("{path}/")
                    };
                    let mut v: Vec<Value> = s
                        .dirs
                        .iter()
                        .filter(|d| {
                            d.starts_with(&prefix)
                                && d.len() > prefix.len()
                                && !d[prefix.len()..].contains('/')
                        })
                        .map(|d| file_info(d, true, 0))
                        .collect();
                    v.extend(
                        s.files
                            .iter()
                            .filter(|(f, _)| {
                                f.starts_with(&prefix) && !f[prefix.len()..].contains('/')
                            })
                            .map(|(f, d)| file_info(f, false, d.len())),
                    );
                    v.into_iter()
                        .filter(|v| {
                            pattern
                                .as_ref()
                                .is_none_or(|p| glob_match(p, v["name"].as_str().unwrap()))
                        })
                        .collect()
                }
            } else if let Some(data) = s.files.get(&path) {
                vec![file_info(&path, false, data.len())]
            } else {
                drop(s);
                return error(
                    w,
                    404,
                    &format!("stat {path}: no such file or directory"),
                    Some("not-found"),
                );
            };
            drop(s);
            sync(w, json!(out))
        }
        ("GET", "/v1/files") => {
            let path = req.q("path").unwrap_or("").to_string();
            let boundary = "0123456789abcdef0123456789abcdef";
            let data = if path == "/big/source" {
                None
            } else {
                match s.files.get(&path) {
                    Some(d) => Some(d.clone()),
                    None => {
                        drop(s);
                        let resp = json!({"type": "sync", "status-code": 200, "status": "OK",
                            "result": [{"path": path, "error": {"kind": "not-found", "message": format!("open {path}: no such file or directory")}}]});
                        let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{resp}\r\n--{boundary}--\r\n");
                        return respond(
                            w,
                            200,
                            &format!("multipart/form-data; boundary={boundary}"),
                            body.as_bytes(),
                        );
                    }
                }
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
            match data {
                Some(d) => chunk(&mut out, &d)?,
                None => {
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
                }
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
                    let path = d["path"].as_str().unwrap_or("").to_string();
                    let parent = parent_of(&path);
                    if d["make-parents"] == json!(true) {
                        mkdirs(&mut s, &path);
                        results.push(json!({"path": path}));
                    } else if !s.dirs.contains(&parent) {
                        results.push(json!({"path": path, "error": {"kind": "not-found", "message": format!("mkdir {path}: no such file or directory")}}));
                    } else if s.dirs.contains(&path) {
                        results.push(json!({"path": path, "error": {"kind": "generic-file-error", "message": format!("mkdir {path}: file exists")}}));
                    } else {
                        s.dirs.insert(path.clone());
                        results.push(json!({"path": path}));
                    }
                }
            } else if action == "remove" {
                for d in body["paths"].as_array().cloned().unwrap_or_default() {
                    let path = d["path"].as_str().unwrap_or("").to_string();
                    let prefix = format!("{path}/");
                    let has_children = s.files.keys().any(|f| f.starts_with(&prefix))
                        || s.dirs.iter().any(|f| f.starts_with(&prefix));
                    if s.files.remove(&path).is_some() {
                        results.push(json!({"path": path}));
                    } else if s.dirs.contains(&path) {
                        if has_children && d["recursive"] != json!(true) {
                            results.push(json!({"path": path, "error": {"kind": "generic-file-error", "message": format!("remove {path}: directory not empty")}}));
                        } else {
                            s.files.retain(|f, _| !f.starts_with(&prefix));
                            s.dirs.retain(|f| !f.starts_with(&prefix) && *f != path);
                            results.push(json!({"path": path}));
                        }
                    } else {
                        results.push(json!({"path": path, "error": {"kind": "not-found", "message": format!("remove {path}: no such file or directory")}}));
                    }
                }
            } else {
                drop(s);
                return error(w, 400, &format!("invalid action {action:?}"), None);
            }
            drop(s);
            sync(w, json!(results))
        }
        ("POST", "/v1/exec") => {
            let id = s.next_id.to_string();
            s.next_id += 1;
            let task = format!("t{id}");
            let change = json!({"id": id, "kind": "exec", "summary": "exec", "status": "Doing",
                "tasks": [{"id": task, "kind": "exec", "summary": "exec", "status": "Doing", "spawn-time": "2024-01-01T00:00:00Z"}],
                "ready": false, "spawn-time": "2024-01-01T00:00:00Z"});
            s.changes.insert(id.clone(), change);
            s.execs.insert(task.clone(), (id.clone(), body));
            drop(s);
            let b = json!({"type": "async", "status-code": 202, "status": "Accepted", "change": id,
                "result": {"task-id": task, "environment": {}, "working-dir": "/"}});
            respond(w, 202, "application/json", b.to_string().as_bytes())
        }
        ("POST", "/v1/signals") => {
            let plan = plan(&s).unwrap_or_default();
            drop(s);
            for n in body["services"].as_array().cloned().unwrap_or_default() {
                if !plan.services.contains_key(n.as_str().unwrap_or("")) {
                    return error(
                        w,
                        404,
                        &format!("cannot send signal to {n}: service not found"),
                        None,
                    );
                }
            }
            sync(w, json!(true))
        }
        ("GET", "/v1/notices") => {
            let types = req.qs("types");
            let keys = req.qs("keys");
            let out: Vec<Value> = s
                .notices
                .iter()
                .filter(|n| types.is_empty() || types.iter().any(|t| n["type"] == json!(t)))
                .filter(|n| keys.is_empty() || keys.iter().any(|k| n["key"] == json!(k)))
                .cloned()
                .collect();
            drop(s);
            sync(w, json!(out))
        }
        ("GET", p) if p.starts_with("/v1/notices/") => {
            let id = p.trim_start_matches("/v1/notices/");
            let n = s.notices.iter().find(|n| n["id"] == json!(id)).cloned();
            drop(s);
            match n {
                Some(n) => sync(w, n),
                None => error(
                    w,
                    404,
                    &format!("cannot find notice with ID {id:?}"),
                    Some("not-found"),
                ),
            }
        }
        ("POST", "/v1/notices") => {
            let key = body["key"].as_str().unwrap_or("").to_string();
            let existing = s.notices.iter_mut().find(|n| n["key"] == json!(key));
            let id = match existing {
                Some(n) => {
                    n["occurrences"] = json!(n["occurrences"].as_u64().unwrap_or(0) + 1);
                    n["last-data"] = body.get("data").cloned().unwrap_or(json!({}));
                    n["id"].as_str().unwrap().to_string()
                }
                None => {
                    let id = (s.notices.len() + 1).to_string();
                    let mut n = json!({"id": id, "user-id": null, "type": "custom", "key": key,
                        "first-occurred": "2024-01-01T00:00:00Z", "last-occurred": "2024-01-01T00:00:00Z",
                        "last-repeated": "2024-01-01T00:00:00Z", "occurrences": 1,
                        "last-data": body.get("data").cloned().unwrap_or(json!({})), "expire-after": "168h0m0s"});
                    if let Some(r) = body.get("repeat-after") {
                        n["repeat-after"] = r.clone();
                    }
                    s.notices.push(n);
                    id
                }
            };
            drop(s);
            sync(w, json!({"id": id}))
        }
        ("GET", "/v1/identities") => {
            let ids = json!(s.identities);
            drop(s);
            sync(w, ids)
        }
        ("POST", "/v1/identities") => {
            let action = body["action"].as_str().unwrap_or("");
            for (name, v) in body["identities"].as_object().cloned().unwrap_or_default() {
                match (action, v.is_null()) {
                    ("remove", true) | ("replace", true) => {
                        s.identities.remove(&name);
                    }
                    ("remove", false) => {
                        drop(s);
                        return error(w, 400, "identity value must be null for remove", None);
                    }
                    (_, _) => {
                        s.identities.insert(name, v);
                    }
                }
            }
            drop(s);
            sync(w, Value::Null)
        }
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
        ("GET", "/v1/metrics") => {
            drop(s);
            respond(
                w,
                200,
                "text/plain; version=0.0.4",
                b"pebble_service_active{service=\"svc1\"} 1\n",
            )
        }
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
        ops_pebble::ws::accept_key(&key)
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
        let c = s.changes.get_mut(&change_id).unwrap();
        c["ready"] = json!(true);
        c["status"] = json!(if err.is_some() { "Error" } else { "Done" });
        c["tasks"][0]["status"] = c["status"].clone();
        if let Some(code) = code {
            c["tasks"][0]["data"] = json!({"exit-code": code});
        }
        if let Some(e) = err {
            c["err"] = json!(e);
            c["tasks"][0]["log"] = json!([e]);
        }
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
