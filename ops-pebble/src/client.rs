//! [`Client`]: the [`Pebble`] API over Pebble's unix socket.

use crate::http::{self, Body, Request, Response, BUF_SIZE};
use crate::multipart::{self, MultipartReader};
use crate::types::*;
use crate::{ChangeError, Error, ExecProcess, Pebble, Result};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest JSON response accepted.
const MAX_JSON: usize = 64 * 1024 * 1024;

/// A blocking Pebble client over a unix socket. Each call opens its own connection, so a
/// `Client` is cheap to clone and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Client {
    socket: PathBuf,
    timeout: Duration,
    deadline: Duration,
}

impl Client {
    /// The default I/O timeout of each read or write of a call (as in Python ops).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// The default overall deadline of a call: the whole exchange, however the server
    /// paces it. Calls that wait on purpose get their wait on top (`wait_change` per
    /// slice, `notices` with a timeout); file transfers, followed logs and exec streams
    /// are bounded per read only once the answer has started (see
    /// [`Client::with_deadline`]).
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

    /// The most of an error answer (HTTP status 400 and above) that is read: Pebble's
    /// errors are a line or two, and a larger one is reported as such, not kept.
    pub const MAX_ERROR_BODY: usize = 1024 * 1024;

    /// A client for the socket at `socket_path`.
    pub fn new(socket_path: impl Into<PathBuf>) -> Self {
        Client {
            socket: socket_path.into(),
            timeout: Self::DEFAULT_TIMEOUT,
            deadline: Self::DEFAULT_DEADLINE,
        }
    }

    /// The socket path of container `name` in a Kubernetes charm:
    /// `/charm/containers/<name>/pebble.socket`.
    pub fn container_socket(name: &str) -> PathBuf {
        PathBuf::from(format!("/charm/containers/{name}/pebble.socket"))
    }

    /// A client for container `name`: the socket named by the `PEBBLE_SOCKET` environment
    /// variable if set (machine charms, tests), else [`Client::container_socket`].
    pub fn for_container(name: &str) -> Self {
        match std::env::var_os("PEBBLE_SOCKET") {
            Some(path) if !path.is_empty() => Client::new(path),
            _ => Client::new(Self::container_socket(name)),
        }
    }

    /// The same client with another per-call I/O timeout (zero: none).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same client with another overall deadline per call (zero: none). It covers
    /// connecting, sending, and reading the whole answer of every call, so a server that
    /// answers one byte at a time cannot keep a call alive; a waiting call
    /// (`wait_change`, `notices` with a timeout) gets its wait on top. For a push it
    /// counts from the end of the upload; for a pull, followed logs and exec, it covers
    /// the answer's head, and the streamed data is bounded per read only, as its length
    /// is the caller's.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The overall deadline per call.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The socket path.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The per-call I/O timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `req`; the server may take `wait` on purpose, on top of the per-read
    /// timeout and of the overall deadline.
    fn send(&self, req: Request<'_>, wait: Duration) -> Result<Response> {
        let allowed = if self.deadline.is_zero() {
            Duration::ZERO
        } else {
            self.deadline.saturating_add(wait)
        };
        let timeout = if self.timeout.is_zero() {
            Duration::ZERO
        } else {
            self.timeout.saturating_add(wait)
        };
        let (method, path) = (req.method, req.path);
        crate::trace::traced(method, path, &self.socket, || {
            http::send(&self.socket, timeout, allowed, req)
        })
    }

    /// A `GET` whose success body is not Pebble's JSON envelope (metrics, logs): the
    /// response to read, or the API error an error status carries.
    fn get_non_json(&self, path: &str, query: &[(&str, String)]) -> Result<Response> {
        let resp = self.send(
            Request {
                method: "GET",
                path,
                query,
                headers: &[],
                body: Body::Empty,
            },
            Duration::ZERO,
        )?;
        if resp.status >= 400 {
            json_envelope(resp)?;
            return Err(Error::Protocol("error status without an error body".into()));
        }
        Ok(resp)
    }

    /// Sends a JSON request and returns the response envelope (`type`, `result`, `change`).
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        self.request_waiting(method, path, query, body, Duration::ZERO)
    }

    /// [`Client::request`] for a call the server may hold for `wait` on purpose.
    fn request_waiting(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        wait: Duration,
    ) -> Result<Value> {
        let encoded;
        let (headers, body): (&[(&str, &str)], Body<'_>) = match body {
            Some(b) => {
                encoded = serde_json::to_vec(b).map_err(|e| Error::Format(e.to_string()))?;
                (
                    &[
                        ("Accept", "application/json"),
                        ("Content-Type", "application/json"),
                    ],
                    Body::Bytes(&encoded),
                )
            }
            None => (&[("Accept", "application/json")], Body::Empty),
        };
        let resp = self.send(
            Request {
                method,
                path,
                query,
                headers,
                body,
            },
            wait,
        )?;
        json_envelope(resp)
    }

    fn result<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T> {
        let envelope = self.request(method, path, query, body)?;
        decode_result(envelope)
    }

    fn wait_once(&self, id: &str, wait: Duration) -> Result<Option<Change>> {
        let query = [("timeout", format_timeout(wait))];
        let path = format!("/v1/changes/{}/wait", http::quote_plus(id));
        match self.request_waiting("GET", &path, &query, None, wait) {
            Ok(env) => decode_result(env).map(Some),
            Err(Error::Api(e)) if e.code == 504 => Ok(None),
            Err(Error::Timeout(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Turns a response into its JSON envelope, or the API error it carries.
pub(crate) fn json_envelope(mut resp: Response) -> Result<Value> {
    let (media, _) = resp.content_type();
    if resp.status >= 400 {
        let body = read_error_body(&mut resp)?;
        let value = if media == "application/json" {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        return Err(Error::api(resp.status, &resp.reason, &value));
    }
    let body = resp.read_all(MAX_JSON)?;
    if media != "application/json" {
        if resp.status >= 400 {
            return Err(Error::api(resp.status, &resp.reason, &Value::Null));
        }
        return Err(Error::Protocol(format!(
            "expected Content-Type \"application/json\", got {media:?}"
        )));
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| Error::Protocol(format!("invalid JSON from Pebble: {e}")))?;
    if resp.status >= 400 || value.get("type").and_then(Value::as_str) == Some("error") {
        let code = value
            .get("status-code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .filter(|_| resp.status < 400)
            .unwrap_or(resp.status);
        return Err(Error::api(code, &resp.reason, &value));
    }
    Ok(value)
}

/// The body of an error answer, at most [`Client::MAX_ERROR_BODY`] bytes: one larger is
/// answered by an error saying so, with the rest left unread.
fn read_error_body(resp: &mut Response) -> Result<Vec<u8>> {
    match resp.read_all(Client::MAX_ERROR_BODY) {
        Err(Error::Protocol(detail)) if detail.starts_with(http::BODY_TOO_LARGE) => {
            let message = format!(
                "HTTP {} {} (error body larger than {} bytes, not read)",
                resp.status,
                resp.reason,
                Client::MAX_ERROR_BODY
            );
            let value = json!({"type": "error", "result": {"message": message}});
            Err(Error::api(resp.status, &resp.reason, &value))
        }
        other => other,
    }
}

fn decode_result<T: DeserializeOwned>(mut envelope: Value) -> Result<T> {
    let result = envelope
        .get_mut("result")
        .map(Value::take)
        .unwrap_or(Value::Null);
    serde_json::from_value(result)
        .map_err(|e| Error::Protocol(format!("unexpected result from Pebble: {e}")))
}

fn change_id(envelope: &Value) -> Result<String> {
    envelope
        .get("change")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::Protocol("async response without a change id".into()))
}

/// Checks a files result list for `path` and raises its error as [`Error::Path`].
fn check_path_result(result: &Value, path: &str) -> Result<()> {
    let items = result.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let item = items
        .iter()
        .find(|i| i.get("path").and_then(Value::as_str) == Some(path))
        .ok_or_else(|| Error::Protocol(format!("path not found in response metadata: {result}")))?;
    if let Some(err) = item.get("error").filter(|e| !e.is_null()) {
        return Err(Error::Path {
            kind: err
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            message: err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        });
    }
    Ok(())
}

fn names_query<'a>(key: &'a str, names: &[&str]) -> Vec<(&'a str, String)> {
    names.iter().map(|n| (key, n.to_string())).collect()
}

impl Pebble for Client {
    fn system_info(&self) -> Result<SystemInfo> {
        self.result("GET", "/v1/system-info", &[], None)
    }

    fn health(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<bool> {
        let mut query = Vec::new();
        if let Some(level) = level {
            query.push(("level", level.to_string()));
        }
        query.extend(names_query("names", names));
        match self.request("GET", "/v1/health", &query, None) {
            Ok(env) => Ok(env["result"]["healthy"].as_bool().unwrap_or(false)),
            Err(Error::Api(e)) if e.code == 502 => {
                Ok(e.body["result"]["healthy"].as_bool().unwrap_or(false))
            }
            Err(e) => Err(e),
        }
    }

    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>> {
        let mut query = Vec::new();
        if !names.is_empty() {
            query.push(("names", names.join(",")));
        }
        self.result("GET", "/v1/services", &query, None)
    }

    fn services_action(
        &self,
        action: &str,
        services: &[&str],
        timeout: Duration,
    ) -> Result<String> {
        let body = json!({"action": action, "services": services});
        let env = self.request("POST", "/v1/services", &[], Some(&body))?;
        let id = change_id(&env)?;
        if !timeout.is_zero() {
            let change = self.wait_change(&id, Some(timeout))?;
            if let Some(err) = change.err.clone().filter(|e| !e.is_empty()) {
                return Err(Error::Change(Box::new(ChangeError { err, change })));
            }
        }
        Ok(id)
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        let body = json!({
            "action": "add",
            "combine": combine,
            "label": label,
            "format": "yaml",
            "layer": layer.to_yaml(),
        });
        self.request("POST", "/v1/layers", &[], Some(&body))?;
        Ok(())
    }

    fn get_plan(&self) -> Result<Plan> {
        let text: String = self.result("GET", "/v1/plan", &[("format", "yaml".into())], None)?;
        Plan::from_yaml(&text)
    }

    fn get_changes(&self, select: ChangeState, service: Option<&str>) -> Result<Vec<Change>> {
        let mut query = vec![("select", select.as_str().to_string())];
        if let Some(s) = service {
            query.push(("for", s.to_string()));
        }
        self.result("GET", "/v1/changes", &query, None)
    }

    fn get_change(&self, id: &str) -> Result<Change> {
        self.result(
            "GET",
            &format!("/v1/changes/{}", http::quote_plus(id)),
            &[],
            None,
        )
    }

    fn wait_change(&self, id: &str, timeout: Option<Duration>) -> Result<Change> {
        // Like Python ops: hit the wait endpoint in slices shorter than the socket timeout.
        let slice = self
            .timeout
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        // A timeout too long for an `Instant` (`Duration::MAX`) waits without limit.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let this = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    left.min(slice)
                }
                None => slice,
            };
            match self.wait_once(id, this) {
                Ok(Some(change)) => return Ok(change),
                Ok(None) => continue,
                Err(Error::Api(e)) if e.code == 404 && e.kind.is_none() => {
                    // An old Pebble without the wait endpoint: poll.
                    return self.poll_change(id, deadline);
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Timeout(format!(
            "timed out waiting for change {id} ({:?})",
            timeout.unwrap_or_default()
        )))
    }

    fn abort_change(&self, id: &str) -> Result<Change> {
        let path = format!("/v1/changes/{}", http::quote_plus(id));
        self.result("POST", &path, &[], Some(&json!({"action": "abort"})))
    }

    fn get_checks(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>> {
        let mut query = Vec::new();
        if let Some(level) = level {
            query.push(("level", level.to_string()));
        }
        query.extend(names_query("names", names));
        let infos: Vec<CheckInfo> = self.result("GET", "/v1/checks", &query, None)?;
        Ok(infos.into_iter().map(CheckInfo::normalise).collect())
    }

    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>> {
        let body = json!({"action": action, "checks": checks});
        let env = self.request("POST", "/v1/checks", &[], Some(&body))?;
        match &env["result"]["changed"] {
            Value::Null => Ok(Vec::new()),
            changed => serde_json::from_value(changed.clone())
                .map_err(|e| Error::Protocol(format!("unexpected checks result: {e}"))),
        }
    }

    fn refresh_check(&self, name: &str) -> Result<CheckRefresh> {
        let mut refresh: CheckRefresh = self.result(
            "POST",
            "/v1/checks/refresh",
            &[],
            Some(&json!({"name": name})),
        )?;
        refresh.info = refresh.info.normalise();
        Ok(refresh)
    }

    fn push(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
        let mut info =
            serde_json::to_value(&options.ownership).map_err(|e| Error::Format(e.to_string()))?;
        info["path"] = json!(path);
        if options.make_dirs {
            info["make-dirs"] = json!(true);
        }
        let metadata = json!({"action": "write", "files": [info]});
        let boundary = multipart::boundary();
        let content_type = format!("multipart/form-data; boundary=\"{boundary}\"");
        let head = format!(
            "--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\n\r\n",
            multipart::quote(path)
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let mut produce = |w: &mut dyn Write| -> Result<()> {
            let wr = |e| http::io_error(&self.socket, e);
            w.write_all(head.as_bytes()).map_err(wr)?;
            let mut buf = vec![0u8; BUF_SIZE];
            loop {
                let n = match source.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::Io(e)),
                };
                // A source claiming more bytes than the buffer holds breaks `Read`'s contract.
                let chunk = buf.get(..n).ok_or_else(|| {
                    Error::Io(std::io::Error::other(format!(
                        "the push source read {n} bytes into a {}-byte buffer",
                        buf.len()
                    )))
                })?;
                w.write_all(chunk).map_err(wr)?;
            }
            w.write_all(tail.as_bytes()).map_err(wr)?;
            Ok(())
        };
        let resp = self.send(
            Request {
                method: "POST",
                path: "/v1/files",
                query: &[],
                headers: &[
                    ("Accept", "application/json"),
                    ("Content-Type", &content_type),
                ],
                body: Body::Stream(&mut produce),
            },
            Duration::ZERO,
        )?;
        let env = json_envelope(resp)?;
        check_path_result(&env["result"], path)
    }

    fn pull(&self, path: &str, sink: &mut dyn Write) -> Result<u64> {
        let query = [("action", "read".to_string()), ("path", path.to_string())];
        let mut resp = self.send(
            Request {
                method: "GET",
                path: "/v1/files",
                query: &query,
                headers: &[("Accept", "multipart/form-data")],
                body: Body::Empty,
            },
            Duration::ZERO,
        )?;
        let (media, params) = resp.content_type();
        if resp.status >= 400 || media == "application/json" {
            json_envelope(resp)?;
            return Err(Error::Protocol("expected a multipart response".into()));
        }
        // The file is as long as it is: from here each read has its timeout, the whole
        // transfer no deadline.
        resp.body.lift_deadline();
        if media != "multipart/form-data" {
            return Err(Error::Protocol(format!(
                "expected Content-Type \"multipart/form-data\", got {media:?}"
            )));
        }
        let boundary = params
            .iter()
            .find(|(k, _)| k == "boundary")
            .map(|(_, v)| v.clone())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| Error::Protocol("multipart response without a boundary".into()))?;
        let mut parts = MultipartReader::new(resp.body, &boundary);
        let mut written = None;
        let mut response = None;
        while let Some(part) = parts.next_part()? {
            match part.name.as_str() {
                "files" => {
                    if written.is_some() {
                        return Err(Error::Protocol(
                            "single file request resulted in a multi-file response".into(),
                        ));
                    }
                    if part.filename.as_deref() != Some(path) {
                        return Err(Error::Protocol(format!(
                            "path not expected: {:?}",
                            part.filename
                        )));
                    }
                    written = Some(parts.copy_part(sink)?);
                }
                "response" => {
                    let body = parts.read_part(MAX_JSON)?;
                    let value: Value = serde_json::from_slice(&body).map_err(|e| {
                        Error::Protocol(format!("invalid JSON in response part: {e}"))
                    })?;
                    response = Some(value);
                }
                _ => {
                    parts.copy_part(&mut std::io::sink())?;
                }
            }
        }
        let response = response
            .ok_or_else(|| Error::Protocol("no \"response\" field in multipart body".into()))?;
        check_path_result(&response["result"], path)?;
        written.ok_or_else(|| Error::Protocol("no file content in multipart response".into()))
    }

    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>> {
        let mut query = vec![("action", "list".to_string()), ("path", path.to_string())];
        if let Some(p) = pattern {
            query.push(("pattern", p.to_string()));
        }
        if itself {
            query.push(("itself", "true".to_string()));
        }
        let infos: Option<Vec<FileInfo>> = self.result("GET", "/v1/files", &query, None)?;
        Ok(infos.unwrap_or_default())
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let mut info =
            serde_json::to_value(&options.ownership).map_err(|e| Error::Format(e.to_string()))?;
        info["path"] = json!(path);
        if options.make_parents {
            info["make-parents"] = json!(true);
        }
        let body = json!({"action": "make-dirs", "dirs": [info]});
        let env = self.request("POST", "/v1/files", &[], Some(&body))?;
        check_path_result(&env["result"], path)
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        let mut info = json!({"path": path});
        if recursive {
            info["recursive"] = json!(true);
        }
        let body = json!({"action": "remove", "paths": [info]});
        let env = self.request("POST", "/v1/files", &[], Some(&body))?;
        check_path_result(&env["result"], path)
    }

    fn exec(&self, options: &ExecOptions, stdio: ExecStdio<'_>) -> Result<ExecOutput> {
        crate::exec::start(self, options, stdio)?.wait_with_output()
    }

    fn exec_start<'io>(
        &self,
        options: &ExecOptions,
        stdio: ExecStdio<'io>,
    ) -> Result<ExecProcess<'io>> {
        crate::exec::start(self, options, stdio)
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
        let body = json!({"signal": signal, "services": services});
        self.request("POST", "/v1/signals", &[], Some(&body))?;
        Ok(())
    }

    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> {
        let mut q = Vec::new();
        if query.all_users {
            q.push(("users", "all".to_string()));
        }
        if let Some(uid) = query.user_id {
            q.push(("user-id", uid.to_string()));
        }
        q.extend(query.types.iter().map(|t| ("types", t.to_string())));
        q.extend(query.keys.iter().map(|k| ("keys", k.clone())));
        if let Some(after) = &query.after {
            q.push(("after", after.clone()));
        }
        let mut wait = Duration::ZERO;
        if let Some(t) = query.timeout {
            q.push(("timeout", format_timeout(t)));
            wait = t;
        }
        let env = self.request_waiting("GET", "/v1/notices", &q, None, wait)?;
        let notices: Option<Vec<Notice>> = decode_result(env)?;
        Ok(notices.unwrap_or_default())
    }

    fn get_notice(&self, id: &str) -> Result<Notice> {
        self.result(
            "GET",
            &format!("/v1/notices/{}", http::quote_plus(id)),
            &[],
            None,
        )
    }

    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<String> {
        let mut body = json!({"action": "add", "type": "custom", "key": key});
        if !options.data.is_empty() {
            body["data"] = json!(options.data);
        }
        if let Some(r) = options.repeat_after {
            body["repeat-after"] = json!(format_timeout(r));
        }
        let env = self.request("POST", "/v1/notices", &[], Some(&body))?;
        env["result"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::Protocol("notice id missing from response".into()))
    }

    fn get_logs(&self, services: &[&str], n: Option<i64>) -> Result<Vec<LogEntry>> {
        let mut logs = Vec::new();
        self.logs(services, n, false, &mut |entry| {
            logs.push(entry);
            true
        })?;
        Ok(logs)
    }

    fn get_identities(&self) -> Result<BTreeMap<String, Identity>> {
        let ids: Option<BTreeMap<String, Identity>> =
            self.result("GET", "/v1/identities", &[], None)?;
        Ok(ids.unwrap_or_default())
    }

    fn post_identities(
        &self,
        action: IdentityAction,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<()> {
        let body = json!({"action": action.as_str(), "identities": identities});
        self.request("POST", "/v1/identities", &[], Some(&body))?;
        Ok(())
    }

    fn get_warnings(&self, select: WarningState) -> Result<Vec<Warning>> {
        let query = [("select", select.as_str().to_string())];
        let warnings: Option<Vec<Warning>> = self.result("GET", "/v1/warnings", &query, None)?;
        Ok(warnings.unwrap_or_default())
    }

    fn ack_warnings(&self, timestamp: &str) -> Result<u64> {
        let body = json!({"action": "okay", "timestamp": timestamp});
        self.result("POST", "/v1/warnings", &[], Some(&body))
    }

    fn get_metrics(&self) -> Result<String> {
        let mut resp = self.get_non_json("/v1/metrics", &[])?;
        let body = resp.read_all(MAX_JSON)?;
        String::from_utf8(body).map_err(|_| Error::Protocol("metrics are not UTF-8".into()))
    }
}

/// Longest log line accepted.
const MAX_LOG_LINE: u64 = 1024 * 1024;

impl Client {
    /// `GET /v1/logs?follow=true`: calls `on_entry` with the last `n` entries (Pebble's
    /// default if `None`) of the services (all if empty), then with each new entry as the
    /// services write it, until `on_entry` returns `false` (or Pebble ends the stream).
    /// Waits for new entries without a time limit.
    pub fn follow_logs(
        &self,
        services: &[&str],
        n: Option<i64>,
        on_entry: &mut dyn FnMut(LogEntry) -> bool,
    ) -> Result<()> {
        self.logs(services, n, true, on_entry)
    }

    /// `GET /v1/logs`, parsing the NDJSON stream line by line.
    fn logs(
        &self,
        services: &[&str],
        n: Option<i64>,
        follow: bool,
        on_entry: &mut dyn FnMut(LogEntry) -> bool,
    ) -> Result<()> {
        let mut query = names_query("services", services);
        if let Some(n) = n {
            query.push(("n", n.to_string()));
        }
        if follow {
            query.push(("follow", "true".to_string()));
        }
        let mut resp = self.get_non_json("/v1/logs", &query)?;
        if follow {
            resp.body
                .set_read_timeout(None)
                .map_err(|e| http::io_error(&self.socket, e))?;
        }
        let mut lines = std::io::BufReader::new(&mut resp.body);
        let mut line = Vec::new();
        loop {
            line.clear();
            std::io::BufRead::read_until(
                &mut (&mut lines).take(MAX_LOG_LINE + 1),
                b'\n',
                &mut line,
            )
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => Error::Protocol(e.to_string()),
                _ => http::io_error(&self.socket, e),
            })?;
            if line.is_empty() {
                return Ok(());
            }
            if line.len() as u64 > MAX_LOG_LINE {
                return Err(Error::Protocol("log line too long".into()));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let entry = serde_json::from_slice(&line)
                .map_err(|e| Error::Protocol(format!("invalid log line: {e}")))?;
            if !on_entry(entry) {
                return Ok(());
            }
        }
    }

    fn poll_change(&self, id: &str, deadline: Option<Instant>) -> Result<Change> {
        loop {
            let change = self.get_change(id)?;
            if change.ready {
                return Ok(change);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::Timeout(format!("timed out waiting for change {id}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
