//! A Pebble that answers garbage: every malformed HTTP head, body framing, JSON envelope,
//! multipart body and websocket handshake below must come back as a typed error, never a
//! panic, a hang or an allocation sized by the peer's claim.

mod common;

use ops_pebble::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A socket whose server answers each request with the bytes `answer` gives for its
/// request line and `Sec-WebSocket-Key` header, then closes the connection.
struct Canned {
    dir: PathBuf,
    socket: PathBuf,
}

type Answer = dyn Fn(&str, &str) -> Vec<u8> + Send + Sync;

fn canned(answer: impl Fn(&str, &str) -> Vec<u8> + Send + Sync + 'static) -> Canned {
    let (dir, socket, listener) = common::listening_socket("garbage");
    let answer: Arc<Answer> = Arc::new(answer);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let answer = answer.clone();
            std::thread::spawn(move || serve(conn, &*answer));
        }
    });
    Canned { dir, socket }
}

fn serve(conn: UnixStream, answer: &Answer) {
    let mut w = conn.try_clone().unwrap();
    let mut r = BufReader::new(conn);
    let mut request_line = String::new();
    let mut key = String::new();
    let mut length = 0usize;
    let mut chunked = false;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        if request_line.is_empty() {
            request_line = text.to_string();
            continue;
        }
        let (k, v) = text.split_once(':').unwrap_or((text, ""));
        match k.to_ascii_lowercase().as_str() {
            "sec-websocket-key" => key = v.trim().to_string(),
            "content-length" => length = v.trim().parse().unwrap_or(0),
            "transfer-encoding" => chunked = true,
            _ => {}
        }
    }
    if chunked {
        // Drain a chunked request body (pushes) up to its last chunk.
        let mut tail = Vec::new();
        while !tail.ends_with(b"\r\n0\r\n\r\n") {
            let mut b = [0u8; 1];
            if r.read(&mut b).unwrap_or(0) == 0 {
                break;
            }
            tail.push(b[0]);
        }
    } else {
        let _ = std::io::copy(&mut (&mut r).take(length as u64), &mut std::io::sink());
    }
    let _ = w.write_all(&answer(&request_line, &key));
}

impl Canned {
    fn client(&self) -> Client {
        Client::new(&self.socket)
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An HTTP response with `head_lines` (each without CRLF) and `body`.
fn http(status: &str, head_lines: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for h in head_lines {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn json_200(body: &str) -> Vec<u8> {
    http(
        "200 OK",
        &[
            "Content-Type: application/json",
            &format!("Content-Length: {}", body.len()),
        ],
        body.as_bytes(),
    )
}

/// Asserts `result` failed and its message holds `needle`.
fn assert_fails<T: std::fmt::Debug>(what: &str, result: Result<T>, needle: &str) -> Error {
    match result {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(e) => {
            assert!(
                e.to_string().contains(needle),
                "{what}: {e:?} does not mention {needle:?}"
            );
            e
        }
    }
}

#[test]
fn malformed_http_heads_are_errors() {
    let long_line = format!("HTTP/1.1 200 {}", "x".repeat(70 * 1024));
    let many_headers: Vec<String> = (0..300).map(|i| format!("X-{i}: y")).collect();
    let many_headers: Vec<&str> = many_headers.iter().map(String::as_str).collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("nothing at all", Vec::new(), "closed before a response"),
        (
            "not HTTP",
            b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(),
            "not an HTTP response",
        ),
        (
            "a word for a status",
            http("abc OK", &[], b""),
            "bad status line",
        ),
        (
            "a status past u16",
            http("99999 OK", &[], b""),
            "bad status line",
        ),
        (
            "a negative status",
            http("-200 OK", &[], b""),
            "bad status line",
        ),
        ("no status", b"HTTP/1.1\r\n\r\n".to_vec(), "bad status line"),
        (
            "a status line cut short",
            b"HTTP/1.1 200 O".to_vec(),
            "truncated",
        ),
        ("a 70 KiB status line", long_line.into_bytes(), "too long"),
        (
            "a header without a colon",
            http("200 OK", &["Content-Type"], b""),
            "bad header line",
        ),
        (
            "300 headers",
            http("200 OK", &many_headers, b""),
            "too many HTTP headers",
        ),
        (
            "a header that is not UTF-8",
            b"HTTP/1.1 200 OK\r\nX-A: \xff\xfe\r\n\r\n".to_vec(),
            "not UTF-8",
        ),
        (
            "a negative Content-Length",
            http("200 OK", &["Content-Length: -1"], b""),
            "bad Content-Length",
        ),
        (
            "a Content-Length past u64",
            http("200 OK", &["Content-Length: 99999999999999999999999"], b""),
            "bad Content-Length",
        ),
        (
            "a Content-Length that is not a number",
            http("200 OK", &["Content-Length: 12 bytes"], b""),
            "bad Content-Length",
        ),
    ];
    for (what, bytes, needle) in cases {
        let pebble = canned(move |_, _| bytes.clone());
        assert_fails(what, pebble.client().system_info(), needle);
    }
}

#[test]
fn malformed_body_framing_is_an_error() {
    let ct = "Content-Type: application/json";
    let chunked = "Transfer-Encoding: chunked";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a 2^64-1 byte body that ends after 2 bytes",
            http(
                "200 OK",
                &[ct, "Content-Length: 18446744073709551615"],
                b"{}",
            ),
            "truncated",
        ),
        (
            "a 100 byte body that ends after 2 bytes",
            http("200 OK", &[ct, "Content-Length: 100"], b"{}"),
            "truncated",
        ),
        (
            "a chunk of 2^64-1 bytes that ends after 3",
            http("200 OK", &[ct, chunked], b"ffffffffffffffff\r\nabc"),
            "truncated",
        ),
        (
            "a chunk size past u64",
            http("200 OK", &[ct, chunked], b"1ffffffffffffffff\r\nabc"),
            "bad chunk size",
        ),
        (
            "a chunk size that is not hex",
            http("200 OK", &[ct, chunked], b"zz\r\nabc"),
            "bad chunk size",
        ),
        (
            "a negative chunk size",
            http("200 OK", &[ct, chunked], b"-2\r\n{}\r\n0\r\n\r\n"),
            "bad chunk size",
        ),
        (
            "a chunk size line cut short",
            http("200 OK", &[ct, chunked], b"2"),
            "truncated chunk header",
        ),
        (
            "a 2 KiB chunk size line",
            http("200 OK", &[ct, chunked], "0".repeat(2048).as_bytes()),
            "truncated chunk header",
        ),
        (
            "a chunk size line that is not UTF-8",
            http("200 OK", &[ct, chunked], b"\xff\r\n"),
            "bad chunk header",
        ),
        (
            "a chunk not ended by CRLF",
            http("200 OK", &[ct, chunked], b"2\r\n{}XY0\r\n\r\n"),
            "bad chunk terminator",
        ),
        (
            "a chunked body without its last chunk",
            http("200 OK", &[ct, chunked], b"2\r\n{}\r\n"),
            "truncated chunk header",
        ),
    ];
    for (what, bytes, needle) in cases {
        let pebble = canned(move |_, _| bytes.clone());
        assert_fails(what, pebble.client().system_info(), needle);
    }
    // A body read until close (no length) is fine.
    let pebble = canned(|_, _| http("200 OK", &[ct], br#"{"result":{"version":"1"}}"#));
    assert_eq!(pebble.client().system_info().unwrap().version, "1");
}

#[test]
fn bad_json_envelopes_are_errors() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not JSON", json_200("<html>"), "invalid JSON"),
        ("empty", json_200(""), "invalid JSON"),
        ("10000 nested arrays", json_200(&deep), "recursion limit"),
        (
            "a body that is not UTF-8",
            http(
                "200 OK",
                &["Content-Type: application/json", "Content-Length: 3"],
                b"\"\xff\"",
            ),
            "invalid JSON",
        ),
        ("a bare array", json_200("[]"), "unexpected result"),
        ("a bare null", json_200("null"), "unexpected result"),
        (
            "a string result",
            json_200(r#"{"result":"nope"}"#),
            "unexpected result",
        ),
        (
            "a number where a string goes",
            json_200(r#"{"result":{"version":5,"boot-id":"b"}}"#),
            "unexpected result",
        ),
        (
            "an error envelope without a result",
            json_200(r#"{"type":"error","status-code":500}"#),
            "HTTP 500",
        ),
        (
            "an error envelope with a status code past u16",
            json_200(r#"{"type":"error","status-code":99999999,"result":{"message":"m"}}"#),
            "m",
        ),
        (
            "an error envelope with a negative status code",
            json_200(r#"{"type":"error","status-code":-1,"result":{"message":12}}"#),
            "HTTP 200",
        ),
        (
            "an error status with a body that is not JSON",
            http("503 Busy", &["Content-Type: text/plain"], b"busy"),
            "HTTP 503 Busy",
        ),
    ];
    for (what, bytes, needle) in cases {
        let pebble = canned(move |_, _| bytes.clone());
        assert_fails(what, pebble.client().system_info(), needle);
    }
    // Shapes that reach other decoders.
    let pebble = canned(|_, _| json_200(r#"{"result":[{"name":"a","startup":7}]}"#));
    assert_fails(
        "services",
        pebble.client().get_services(&[]),
        "unexpected result",
    );
    let pebble = canned(|_, _| json_200(r#"{"result":{"changed":"svc"}}"#));
    assert_fails(
        "checks action",
        pebble.client().checks_action("start", &["c"]),
        "unexpected checks result",
    );
    let pebble = canned(|_, _| json_200(r#"{"result":"services: [\n"}"#));
    assert_fails("plan", pebble.client().get_plan(), "invalid plan YAML");
    let pebble = canned(|_, _| json_200(r#"{"result":{"id":7}}"#));
    assert_fails(
        "notify",
        pebble.client().notify("k", &NotifyOptions::default()),
        "notice id missing",
    );
    let pebble = canned(|_, _| json_200(r#"{"type":"async","result":null}"#));
    assert_fails(
        "services action",
        pebble
            .client()
            .services_action("start", &["s"], Duration::ZERO),
        "without a change id",
    );
}

#[test]
fn garbage_log_streams_are_errors() {
    let long = format!("{{\"message\":\"{}\"}}\n", "x".repeat(1024 * 1024 + 1));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a line that is not JSON",
            b"hello\n".to_vec(),
            "invalid log line",
        ),
        (
            "a line of the wrong shape",
            b"[1,2]\n".to_vec(),
            "invalid log line",
        ),
        (
            "a line that is not UTF-8",
            b"\xff\xfe\n".to_vec(),
            "invalid log line",
        ),
        ("a line over 1 MiB", long.into_bytes(), "log line too long"),
    ];
    for (what, body, needle) in cases {
        let pebble = canned(move |_, _| http("200 OK", &[], &body));
        assert_fails(what, pebble.client().get_logs(&[], None), needle);
    }
}

/// A multipart pull response with `content_type` and `body`.
fn multipart(content_type: &str, body: &[u8]) -> Vec<u8> {
    http("200 OK", &[&format!("Content-Type: {content_type}")], body)
}

#[test]
fn malformed_multipart_pulls_are_errors() {
    let ct = "multipart/form-data; boundary=B";
    let response = "--B\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n\
                    {\"result\":[{\"path\":\"/f\"}]}\r\n";
    let file = |name: &str| {
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\nhi\r\n"
        )
    };
    let huge_boundary = "b".repeat(60 * 1024);
    let cases: Vec<(&str, Vec<u8>, &str)> =
        vec![
        (
            "no boundary",
            multipart("multipart/form-data", b""),
            "without a boundary",
        ),
        (
            "an empty boundary",
            multipart("multipart/form-data; boundary=\"\"", b""),
            "without a boundary",
        ),
        ("another content type", multipart("text/plain", b"x"), "text/plain"),
        ("a body without any boundary", multipart(ct, b"just bytes"), "truncated"),
        ("a boundary, then nothing", multipart(ct, b"--B"), "truncated"),
        (
            "part headers that never end",
            multipart(ct, b"--B\r\nContent-Disposition: form-data; name=\"files\""),
            "headers truncated",
        ),
        (
            "300 KiB of part headers",
            multipart(
                ct,
                format!("--B\r\nX: {}", "h".repeat(300 * 1024)).as_bytes(),
            ),
            "too long",
        ),
        (
            "part headers that are not UTF-8",
            multipart(ct, b"--B\r\nX: \xff\r\n\r\nhi\r\n--B--"),
            "not UTF-8",
        ),
        (
            "a part whose content never ends",
            multipart(ct, format!("{response}--B\r\n\r\nendless").as_bytes()),
            "truncated",
        ),
        (
            "the wrong file",
            multipart(ct, format!("{response}{}--B--\r\n", file("/etc/shadow")).as_bytes()),
            "path not expected",
        ),
        (
            "two files",
            multipart(ct, format!("{response}{}{}--B--\r\n", file("/f"), file("/f")).as_bytes()),
            "multi-file",
        ),
        (
            "no response part",
            multipart(ct, format!("{}--B--\r\n", file("/f")).as_bytes()),
            "no \"response\" field",
        ),
        (
            "no file part",
            multipart(ct, format!("{response}--B--\r\n").as_bytes()),
            "no file content",
        ),
        (
            "a response part that is not JSON",
            multipart(
                ct,
                b"--B\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{oops\r\n--B--",
            ),
            "invalid JSON in response part",
        ),
        (
            "a 60 KiB boundary never met",
            multipart(
                &format!("multipart/form-data; boundary={huge_boundary}"),
                b"--short\r\n\r\n",
            ),
            "truncated",
        ),
    ];
    for (what, bytes, needle) in cases {
        let pebble = canned(move |_, _| bytes.clone());
        let mut sink = Vec::new();
        assert_fails(what, pebble.client().pull("/f", &mut sink), needle);
    }
}

/// Answers for an exec: the start, then each websocket by name (`None`: refuse it).
fn exec_pebble(
    start: &'static str,
    socket: impl Fn(&str, &str) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> Canned {
    canned(move |line, key| {
        let path = line.split(' ').nth(1).unwrap_or("");
        if path == "/v1/exec" {
            return json_200(start);
        }
        if let Some(name) = path.strip_prefix("/v1/tasks/T/websocket/") {
            if let Some(bytes) = socket(name, key) {
                return bytes;
            }
        }
        let body = r#"{"type":"error","status-code":404,"result":{"message":"not found"}}"#;
        http(
            "404 Not Found",
            &[
                "Content-Type: application/json",
                &format!("Content-Length: {}", body.len()),
            ],
            body.as_bytes(),
        )
    })
}

fn upgrade(accept: &str, frames: &[u8]) -> Vec<u8> {
    http(
        "101 Switching Protocols",
        &[
            "Upgrade: websocket",
            "Connection: Upgrade",
            &format!("Sec-WebSocket-Accept: {accept}"),
        ],
        frames,
    )
}

const STARTED: &str = r#"{"type":"async","change":"1","result":{"task-id":"T"}}"#;

#[test]
fn garbage_around_exec_is_an_error() {
    let exec = |pebble: &Canned| {
        let options = ExecOptions {
            command: vec!["true".into()],
            ..Default::default()
        };
        pebble.client().exec(&options, ExecStdio::default())
    };
    let pebble = exec_pebble(r#"{"type":"async","result":{"task-id":"T"}}"#, |_, _| None);
    assert_fails("no change id", exec(&pebble), "without a change id");
    let pebble = exec_pebble(r#"{"type":"async","change":"1","result":{}}"#, |_, _| None);
    assert_fails("no task id", exec(&pebble), "without a task id");
    let pebble = exec_pebble(STARTED, |_, _| Some(json_200("{}")));
    assert_fails("no upgrade", exec(&pebble), "upgrade refused: HTTP 200");
    let pebble = exec_pebble(STARTED, |_, _| Some(upgrade("d3Jvbmc=", b"")));
    assert_fails(
        "a wrong accept key",
        exec(&pebble),
        "bad Sec-WebSocket-Accept",
    );
    let pebble = exec_pebble(STARTED, |_, _| Some(b"HTTP/1.1 101\r\n".to_vec()));
    assert_fails("a cut handshake", exec(&pebble), "closed before a response");
    // Output frames claiming absurd lengths: 2^64 - 1, 2^63 after a fragment, and 2^64 - 2
    // after a fragment (which overflowed the size check's addition).
    let frames: [&[u8]; 3] = [
        &[0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &[0x02, 2, b'o', b'k', 0x80, 127, 0x80, 0, 0, 0, 0, 0, 0, 0],
        &[
            0x02, 2, b'o', b'k', 0x80, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        ],
    ];
    for frames in frames {
        let pebble = exec_pebble(STARTED, move |name, key| {
            let accept = ws::accept_key(key);
            Some(upgrade(&accept, if name == "stdio" { frames } else { b"" }))
        });
        assert_fails("an absurd frame length", exec(&pebble), "too large");
    }
}

#[test]
fn durations_and_timeouts_out_of_range_do_not_panic() {
    let nines = "9".repeat(400);
    let nine_seconds = format!("{nines}s");
    for text in [
        "99999999999999999999999999h",
        nines.as_str(),
        nine_seconds.as_str(),
        "1e400s",
        "-1s",
        "1..5s",
        ".s",
        "s",
        "5",
        "5x",
        "µ",
        "",
    ] {
        assert_eq!(parse_go_duration(text), None, "{text:?}");
    }
    assert_eq!(
        parse_go_duration("1h0.5s"),
        Some(Duration::from_millis(3_600_500))
    );
    let notice = r#"{"result":[{"id":"1","type":"custom","key":"k","first-occurred":"t",
        "last-occurred":"t","last-repeated":"t","occurrences":1,
        "repeat-after":"9999999999999999999999h","expire-after":"1e999s"}]}"#;
    let pebble = canned(move |_, _| json_200(notice));
    // A timeout longer than any clock can add.
    let query = NoticesQuery {
        timeout: Some(Duration::MAX),
        ..Default::default()
    };
    let notices = pebble.client().get_notices(&query).unwrap();
    assert_eq!(notices[0].repeat_after_duration(), None);
    assert_eq!(notices[0].expire_after_duration(), None);

    let change = r#"{"result":{"id":"1","kind":"k","status":"Done","ready":true}}"#;
    let pebble = canned(move |_, _| json_200(change));
    let change = pebble
        .client()
        .wait_change("1", Some(Duration::MAX))
        .unwrap();
    assert!(change.ready);
    let change = pebble
        .client()
        .with_timeout(Duration::MAX)
        .wait_change("1", None)
        .unwrap();
    assert!(change.ready);
}

/// A source whose `read` claims one byte more than the buffer holds.
struct Liar;

impl Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(buf.len() + 1)
    }
}

#[test]
fn a_source_that_breaks_reads_contract_is_an_io_error() {
    let pebble = canned(|_, _| json_200(r#"{"result":[{"path":"/f"}]}"#));
    let err = assert_fails(
        "push",
        pebble
            .client()
            .push("/f", &mut Liar, &PushOptions::default()),
        "bytes into a",
    );
    assert!(matches!(err, Error::Io(_)), "{err:?}");
}
