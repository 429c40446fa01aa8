//! The FastAPI demo server's own API, as the charm uses it (the tutorial's
//! `fastapi_demo.py`): usable outside a charm.
//!
//! The server answers `GET /version` with `{"version": "..."}`. A charm asks it through a
//! [`VersionSource`] field that is not persisted; unit tests put a fixed answer there
//! (`Context::charm_setup`), as the Python tests monkeypatch `get_version`.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The Pebble layer the workload image ships (the `rockcraft.yaml` of
/// <https://github.com/canonical/api_demo_server>): what Pebble runs before a charm adds
/// its own layer. For unit tests and demos, which give it to the in-memory container.
pub const ROCK_LAYER: &str = r#"
services:
  fastapi:
    override: replace
    summary: FastAPI demo server
    command: /bin/uvicorn api_demo_server.app:app --host 0.0.0.0 --port 8000
    startup: enabled
    environment:
      DEMO_SERVER_LOGFILE: /tmp/demo_server.log
    on-success: shutdown
    on-failure: shutdown
"#;

/// [`ROCK_LAYER`], parsed.
pub fn rock_layer() -> ops::pebble::Layer {
    ops::pebble::Layer::from_yaml(ROCK_LAYER).expect("ROCK_LAYER is a valid Pebble layer")
}

/// How long [`get_version`] waits to connect, and for each read and write.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer [`get_version`] reads.
const MAX_RESPONSE: u64 = 64 * 1024;

/// Where a charm gets the server's version: the server itself over HTTP (the
/// [`Default`]), or a fixed answer a unit test gives instead. Kept in a charm field with
/// `#[serde(skip)]`: chosen per run, never persisted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum VersionSource {
    /// `GET /version` from the server ([`get_version`]).
    #[default]
    Server,
    /// This version, without asking (a test's stand-in for the server).
    Fixed(String),
}

impl VersionSource {
    /// A source answering `version` (for unit tests).
    pub fn fixed(version: impl Into<String>) -> Self {
        VersionSource::Fixed(version.into())
    }

    /// The version of the server listening on `port`, from this source.
    pub fn get_version(&self, port: u16) -> Result<String, VersionError> {
        match self {
            VersionSource::Server => get_version(port),
            VersionSource::Fixed(version) => Ok(version.clone()),
        }
    }
}

/// Why [`get_version`] has no version.
#[derive(Debug)]
pub struct VersionError(String);

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot get the FastAPI demo server's version: {}",
            self.0
        )
    }
}

impl std::error::Error for VersionError {}

/// The version of the FastAPI demo server listening on `port` on this host
/// (`GET http://localhost:{port}/version`).
pub fn get_version(port: u16) -> Result<String, VersionError> {
    let addrs: Vec<SocketAddr> = ("localhost", port)
        .to_socket_addrs()
        .map_err(|e| VersionError(format!("cannot resolve localhost: {e}")))?
        .collect();
    let mut last = VersionError(format!("localhost:{port} has no address"));
    for addr in addrs {
        match fetch(addr, port) {
            Ok(body) => return parse_version(&body),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The body of `GET /version` from `addr`, if the answer is `200`.
fn fetch(addr: SocketAddr, port: u16) -> Result<Vec<u8>, VersionError> {
    let io = |e: std::io::Error| VersionError(format!("{addr}: {e}"));
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(io)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    let request = format!(
        "GET /version HTTP/1.0\r\nHost: localhost:{port}\r\nAccept: application/json\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut response = Vec::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_end(&mut response)
        .map_err(io)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| VersionError(format!("{addr}: not an HTTP response")))?;
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(VersionError(format!("{addr}: {status}")));
    }
    Ok(response[split + 4..].to_vec())
}

/// The `version` string of a `/version` answer.
fn parse_version(body: &[u8]) -> Result<String, VersionError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| VersionError(format!("the answer is not JSON: {e}")))?;
    match value.get("version") {
        Some(serde_json::Value::String(v)) => Ok(v.clone()),
        _ => Err(VersionError(format!(
            "the answer has no \"version\" string: {value}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// Serves one connection with `response`; returns the port and the request it got.
    fn serve_once(response: &'static str) -> (u16, thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = conn.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            conn.write_all(response.as_bytes()).unwrap();
            String::from_utf8(request).unwrap()
        });
        (port, handle)
    }

    #[test]
    fn the_rock_layer_is_the_images_fastapi_service() {
        let layer = rock_layer();
        let service = &layer.services["fastapi"];
        assert!(service.command.ends_with("--port 8000"));
        assert_eq!(
            service.environment["DEMO_SERVER_LOGFILE"],
            "/tmp/demo_server.log"
        );
    }

    #[test]
    fn asks_the_server_for_its_version() {
        let (port, server) = serve_once(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"version\":\"2.1.0\"}",
        );
        assert_eq!(get_version(port).unwrap(), "2.1.0");
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /version HTTP/1.0\r\n"),
            "{request}"
        );
        assert!(request.contains(&format!("Host: localhost:{port}\r\n")));
    }

    #[test]
    fn http_errors_and_bad_bodies_are_errors() {
        let (port, server) = serve_once("HTTP/1.1 404 Not Found\r\n\r\n{}");
        let err = get_version(port).unwrap_err().to_string();
        assert!(err.contains("404 Not Found"), "{err}");
        server.join().unwrap();

        let (port, server) = serve_once("HTTP/1.1 200 OK\r\n\r\n{\"name\":\"x\"}");
        let err = get_version(port).unwrap_err().to_string();
        assert!(err.contains("no \"version\" string"), "{err}");
        server.join().unwrap();

        let (port, server) = serve_once("HTTP/1.1 200 OK\r\n\r\nnot json");
        let err = get_version(port).unwrap_err().to_string();
        assert!(err.contains("not JSON"), "{err}");
        server.join().unwrap();
    }

    #[test]
    fn no_server_is_an_error() {
        // Bind then drop: nothing listens on the port any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(get_version(port).is_err());
    }

    #[test]
    fn a_fixed_source_never_asks_the_server() {
        // Bind then drop: nothing listens on the port any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert_eq!(
            VersionSource::fixed("0.0.1").get_version(port).unwrap(),
            "0.0.1"
        );
        assert!(VersionSource::default().get_version(port).is_err());
    }
}
