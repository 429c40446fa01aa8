//! Sending a hook's spans: the destination kept from the tracing relation, the on-disk
//! buffer, and OTLP/HTTP over a plain TCP connection with one deadline for the lot.

use super::{recorder, SpanGuard, TracingConfig};
use crate::backend::{Backend, LogLevel};
use crate::context::JujuContext;
use crate::event::{EventData, EventKind};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The most bytes of unsent spans kept in the charm directory; past it the oldest
/// hooks' spans are dropped (and counted in a WARNING when sending resumes).
pub const BUFFER_LIMIT: usize = 4 * 1024 * 1024;

/// How long sending may take in all, at the end of a hook (Python `ops-tracing`: 1 s).
const EXPORT_DEADLINE: Duration = Duration::from_secs(1);

const BUFFER_FILE: &str = ".tracing-buffer.jsonl";
const DESTINATION_FILE: &str = ".tracing-destination";

/// Tracing for one hook: started before the charm runs, ended after it.
pub(crate) struct Session {
    config: TracingConfig,
    charm_dir: PathBuf,
    app: String,
    resource: Vec<(&'static str, String)>,
    root: Option<SpanGuard>,
}

impl Session {
    /// Starts recording, with the root span `ops.main` open.
    pub(crate) fn begin(
        config: TracingConfig,
        context: &JujuContext,
        charm: &str,
        charm_type: &str,
    ) -> Session {
        recorder::start();
        let (app, unit_number) = context
            .unit_name
            .split_once('/')
            .unwrap_or((context.unit_name.as_str(), ""));
        let resource = vec![
            ("service.namespace", context.model_uuid.clone()),
            ("service.namespace.name", context.model_name.clone()),
            ("service.name", app.to_string()),
            ("service.instance.id", unit_number.to_string()),
            ("charm", charm.to_string()),
            ("charm_type", charm_type.to_string()),
            ("juju_model", context.model_name.clone()),
            ("juju_model_uuid", context.model_uuid.clone()),
            ("juju_application", app.to_string()),
            ("juju_unit", context.unit_name.clone()),
            // The OpenTelemetry SDK's own keys, which Python's resource carries too.
            ("telemetry.sdk.language", "rust".to_string()),
            ("telemetry.sdk.name", "ops".to_string()),
            (
                "telemetry.sdk.version",
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ];
        Session {
            config,
            charm_dir: context.charm_dir.clone(),
            app: app.to_string(),
            resource,
            root: Some(super::span("ops.main")),
        }
    }
}

/// Ends `session`: on the tracing relation's events (and start, upgrade-charm,
/// leader-elected) asks for the `otlp_http` receiver and keeps the destination, then sends
/// the buffered spans and this hook's, or buffers them. Never fails the hook: problems
/// are logged at WARNING.
pub(crate) fn export_after_hook(
    mut session: Session,
    backend: &dyn Backend,
    event: Option<&EventData>,
) {
    if event.is_some_and(|e| reconciles(&session.config, e)) {
        reconcile(&session, backend);
    }
    drop(session.root.take());
    let spans = recorder::finish();
    let payload = super::encode(&session.resource, &spans);
    let warn = |message: &str| {
        let _ = backend.juju_log(LogLevel::Warning, message);
    };
    let mut buffer = Buffer::load(&session.charm_dir.join(BUFFER_FILE));
    buffer.push(payload);
    if let Some(destination) = read_destination(&session.charm_dir) {
        let deadline = Instant::now() + EXPORT_DEADLINE;
        let mut sent = 0;
        for body in &buffer.payloads {
            if let Err(e) = post(&destination, body, deadline) {
                warn(&format!(
                    "Tracing: cannot send spans to {}: {e}; kept for the next hook.",
                    destination.url
                ));
                break;
            }
            sent += 1;
        }
        buffer.payloads.drain(..sent);
        if buffer.payloads.is_empty() && buffer.dropped > 0 {
            warn(&format!(
                "Tracing: the spans of {} earlier hooks were dropped: the buffer was full.",
                buffer.dropped
            ));
            buffer.dropped = 0;
        }
    }
    if let Err(e) = buffer.save() {
        warn(&format!("Tracing: cannot write the span buffer: {e}"));
    }
}

/// Whether `event` may change the destination or needs the receiver asked for.
fn reconciles(config: &TracingConfig, event: &EventData) -> bool {
    match event.kind {
        EventKind::Start | EventKind::UpgradeCharm | EventKind::LeaderElected => true,
        EventKind::RelationCreated
        | EventKind::RelationJoined
        | EventKind::RelationChanged
        | EventKind::RelationDeparted
        | EventKind::RelationBroken => {
            let name = event.name.as_deref();
            name == Some(config.endpoint) || (name.is_some() && name == config.ca_endpoint)
        }
        _ => false,
    }
}

/// Reads the tracing relation (and the CA relation), asks for `otlp_http` as leader, and
/// keeps the destination: as Python `ops-tracing`, an https endpoint with a CA relation
/// declared waits for that relation's certificates.
fn reconcile(session: &Session, backend: &dyn Backend) {
    let leader = backend.is_leader().unwrap_or(false);
    let url = first_relation(backend, session.config.endpoint).and_then(|(id, remote)| {
        let endpoint = session.config.endpoint;
        if leader {
            request(
                backend,
                endpoint,
                id,
                &session.app,
                "receivers",
                r#"["otlp_http"]"#,
            );
        }
        let data = backend.relation_get_on(endpoint, id, &remote, true).ok()?;
        otlp_http_url(data.get("receivers")?)
    });
    let ca = session.config.ca_endpoint.and_then(|endpoint| {
        let (id, remote) = first_relation(backend, endpoint)?;
        if leader {
            request(backend, endpoint, id, &session.app, "version", "1");
        }
        let data = backend.relation_get_on(endpoint, id, &remote, true).ok()?;
        ca_bundle(data.get("certificates")?)
    });
    let destination = match url {
        Some(url) if url.starts_with("https://") && session.config.ca_endpoint.is_some() => {
            ca.map(|ca| Destination { url, ca: Some(ca) })
        }
        Some(url) => Some(Destination { url, ca: None }),
        None => None,
    };
    let path = session.charm_dir.join(DESTINATION_FILE);
    let _ = match destination.and_then(|d| serde_json::to_vec(&d).ok()) {
        Some(bytes) => write_atomic(&path, &bytes),
        None => std::fs::remove_file(&path).or(Ok(())),
    };
}

/// The first relation on `endpoint` (the declared ones have `limit: 1`), with the remote
/// application's name.
fn first_relation(backend: &dyn Backend, endpoint: &str) -> Option<(u64, String)> {
    let id = *backend.relation_ids(endpoint).ok()?.first()?;
    let remote = backend
        .relation_remote_app_on(endpoint, id)
        .ok()
        .flatten()?;
    Some((id, remote))
}

/// The certificate-transfer provider's `certificates` (a JSON list of PEM certificates)
/// as one bundle, sorted as Python `ops-tracing` joins them.
fn ca_bundle(certificates: &str) -> Option<String> {
    let mut certs: Vec<String> = serde_json::from_str(certificates).ok()?;
    certs.sort();
    Some(certs.join("\n")).filter(|b| !b.is_empty())
}

/// Where spans go: the URL, and the CA bundle to trust for an https one.
#[derive(serde::Serialize, serde::Deserialize)]
struct Destination {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca: Option<String>,
}

/// Sets `key` to `value` in our app databag of the relation, unless it is already.
fn request(
    backend: &dyn Backend,
    endpoint: &str,
    relation_id: u64,
    app: &str,
    key: &str,
    value: &str,
) {
    let ours = backend
        .relation_get_on(endpoint, relation_id, app, true)
        .unwrap_or_default();
    if ours.get(key).map(String::as_str) != Some(value) {
        let data = [(key.to_string(), value.to_string())];
        let _ = backend.relation_set_on(endpoint, relation_id, &data.into_iter().collect(), true);
    }
}

/// The `otlp_http` receiver's URL plus `/v1/traces`, from the provider's `receivers`
/// (`[{"protocol": {"name": "otlp_http", "type": "http"}, "url": "http://..."}]`).
fn otlp_http_url(receivers: &str) -> Option<String> {
    let receivers: Value = serde_json::from_str(receivers).ok()?;
    let url = receivers.as_array()?.iter().find_map(|r| {
        (r.pointer("/protocol/name")?.as_str()? == "otlp_http")
            .then(|| r.get("url")?.as_str())
            .flatten()
    })?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    Some(format!("{}/v1/traces", url.trim_end_matches('/')))
}

fn read_destination(charm_dir: &Path) -> Option<Destination> {
    let bytes = std::fs::read(charm_dir.join(DESTINATION_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The unsent spans: one OTLP JSON body per line, after a `#dropped N` header line.
struct Buffer {
    path: PathBuf,
    dropped: u64,
    payloads: Vec<Vec<u8>>,
}

impl Buffer {
    /// The buffer at `path`; an unreadable or garbled file reads as empty (spans are
    /// diagnostics: losing them must never fail a hook).
    fn load(path: &Path) -> Buffer {
        let mut buffer = Buffer {
            path: path.to_path_buf(),
            dropped: 0,
            payloads: Vec::new(),
        };
        let Ok(text) = std::fs::read(path) else {
            return buffer;
        };
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Some(n) = line.strip_prefix(b"#dropped ") {
                buffer.dropped = std::str::from_utf8(n)
                    .ok()
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0);
            } else if line.first() == Some(&b'{') {
                buffer.payloads.push(line.to_vec());
            }
        }
        buffer
    }

    /// Adds a hook's spans, dropping the oldest past [`BUFFER_LIMIT`].
    fn push(&mut self, payload: Vec<u8>) {
        self.payloads.push(payload);
        let mut size: usize = self.payloads.iter().map(|p| p.len() + 1).sum();
        while size > BUFFER_LIMIT && !self.payloads.is_empty() {
            size -= self.payloads.remove(0).len() + 1;
            self.dropped += 1;
        }
    }

    fn save(&self) -> std::io::Result<()> {
        if self.payloads.is_empty() && self.dropped == 0 {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let mut out = format!("#dropped {}\n", self.dropped).into_bytes();
        for p in &self.payloads {
            out.extend_from_slice(p);
            out.push(b'\n');
        }
        write_atomic(&self.path, &out)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(bytes)?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// POSTs `body` to the destination before `deadline`: Ok on a 2xx answer.
fn post(destination: &Destination, body: &[u8], deadline: Instant) -> Result<(), String> {
    let url = destination.url.as_str();
    let (tls, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (false, rest),
        (_, Some(rest)) => (true, rest),
        _ => return Err("not an http:// or https:// URL".into()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, addr) = match authority.rsplit_once(':') {
        Some((host, _)) => (host, authority.to_string()),
        None => (
            authority,
            format!("{authority}:{}", if tls { 443 } else { 80 }),
        ),
    };
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| "deadline passed".to_string())
    };
    let mut last = "no address".to_string();
    let mut stream = None;
    for a in addr.to_socket_addrs().map_err(|e| e.to_string())? {
        match TcpStream::connect_timeout(&a, remaining()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let tcp = stream.ok_or(last)?;
    let timeouts = |d: Duration| {
        tcp.set_write_timeout(Some(d))
            .and_then(|_| tcp.set_read_timeout(Some(d)))
            .map_err(|e| e.to_string())
    };
    timeouts(remaining()?)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    let answer = if tls {
        tls_exchange(&tcp, host, destination.ca.as_deref(), &request)?
    } else {
        exchange(&mut &tcp, &request)?
    };
    let line = String::from_utf8_lossy(&answer);
    let status = line.split_whitespace().nth(1).unwrap_or("");
    if status.starts_with('2') && status.len() == 3 {
        Ok(())
    } else {
        Err(format!(
            "answered {:?}",
            line.lines().next().unwrap_or("nothing")
        ))
    }
}

/// Writes `request` and reads the answer's first line (at most 4 KiB).
fn exchange(stream: &mut (impl Read + Write), request: &[u8]) -> Result<Vec<u8>, String> {
    stream.write_all(request).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 512];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < 4096 {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(answer)
}

#[cfg(feature = "tracing-tls")]
fn tls_exchange(
    tcp: &TcpStream,
    host: &str,
    ca: Option<&str>,
    request: &[u8],
) -> Result<Vec<u8>, String> {
    let mut conn = super::tls::connect(host, ca)?;
    let mut tcp = tcp;
    let mut stream = rustls::Stream::new(&mut conn, &mut tcp);
    exchange(&mut stream, request)
}

#[cfg(not(feature = "tracing-tls"))]
fn tls_exchange(_: &TcpStream, _: &str, _: Option<&str>, _: &[u8]) -> Result<Vec<u8>, String> {
    Err("an https:// endpoint needs ops built with the `tracing-tls` feature".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_otlp_http_receivers_url_gets_v1_traces() {
        let receivers = r#"[{"protocol": {"name": "otlp_grpc", "type": "grpc"}, "url": "tempo:4317"},
            {"protocol": {"name": "otlp_http", "type": "http"}, "url": "http://tempo:4318/"}]"#;
        assert_eq!(
            otlp_http_url(receivers).as_deref(),
            Some("http://tempo:4318/v1/traces")
        );
        assert_eq!(
            otlp_http_url(r#"[{"protocol": {"name": "otlp_grpc"}, "url": "x"}]"#),
            None
        );
        assert_eq!(otlp_http_url("not json"), None);
        assert_eq!(
            otlp_http_url(r#"[{"protocol": {"name": "otlp_http"}, "url": "ftp://x"}]"#),
            None
        );
    }

    #[test]
    fn the_buffer_drops_the_oldest_past_its_limit_and_counts_them() {
        let dir = std::env::temp_dir().join(format!("ops-trace-buf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(BUFFER_FILE);
        let mut buffer = Buffer::load(&path);
        let big = vec![b'{'; BUFFER_LIMIT / 3];
        for i in 0..5u8 {
            let mut p = big.clone();
            p.push(b'0' + i);
            buffer.push(p);
        }
        assert_eq!(buffer.dropped, 3);
        assert_eq!(buffer.payloads.len(), 2);
        assert_eq!(buffer.payloads[0].last(), Some(&b'3'));
        buffer.save().unwrap();
        let again = Buffer::load(&path);
        assert_eq!(again.dropped, 3);
        assert_eq!(again.payloads, buffer.payloads);
        std::fs::write(&path, b"garbage\n\xff\n").unwrap();
        let garbled = Buffer::load(&path);
        assert!(garbled.payloads.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
