//! A Pebble that is slow on purpose or answers too much: the overall deadline of a call
//! and the cap on error bodies (issue #11's fault injection, the Pebble part).
//!
//! Deadlines here are short (a few hundred milliseconds) so the tests run in bounded
//! time; the bounds asserted are loose, since the machine may be busy.

mod common;

use ops_pebble::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the server writes: each piece after its pause.
type Pieces = Vec<(Duration, Vec<u8>)>;

/// A socket whose server reads each request and answers with `answer()`'s pieces.
struct Server {
    dir: PathBuf,
    socket: PathBuf,
}

impl Server {
    fn new(answer: fn() -> Pieces) -> Self {
        let (dir, socket, listener) = common::listening_socket("hostile");
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                std::thread::spawn(move || serve(conn, answer()));
            }
        });
        Server { dir, socket }
    }

    /// A client with a 300 ms deadline and a 2 s per-read timeout: only the deadline can
    /// stop a server that writes a byte every 20 ms.
    fn client(&self) -> Client {
        Client::new(&self.socket)
            .with_timeout(Duration::from_secs(2))
            .with_deadline(Duration::from_millis(300))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve(conn: UnixStream, pieces: Pieces) {
    let mut w = conn.try_clone().unwrap();
    let mut r = BufReader::new(conn);
    let mut length = 0u64;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let _ = std::io::copy(&mut (&mut r).take(length), &mut std::io::sink());
    for (pause, bytes) in pieces {
        std::thread::sleep(pause);
        if w.write_all(&bytes).is_err() {
            return; // the client gave up
        }
    }
}

/// `response`, one byte every 20 ms.
fn trickle(response: &[u8]) -> Pieces {
    response
        .iter()
        .map(|b| (Duration::from_millis(20), vec![*b]))
        .collect()
}

fn system_info_response() -> Vec<u8> {
    let body = format!(
        r#"{{"type":"sync","status-code":200,"status":"OK","result":{{"version":"1.0","pad":"{}"}}}}"#,
        "x".repeat(200)
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn a_server_sending_one_byte_at_a_time_is_cut_off_at_the_deadline() {
    // The whole answer would take about 6 s; each byte comes well within the per-read
    // timeout.
    let server = Server::new(|| trickle(&system_info_response()));
    let started = Instant::now();
    let err = server.client().system_info().unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(
        err.to_string().contains("did not complete within 300ms"),
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn a_trickled_body_after_a_quick_head_is_cut_off_too() {
    fn answer() -> Pieces {
        let response = system_info_response();
        let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let mut pieces = vec![(Duration::ZERO, response[..head_end].to_vec())];
        pieces.extend(trickle(&response[head_end..]));
        pieces
    }
    let server = Server::new(answer);
    let started = Instant::now();
    let err = server.client().system_info().unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_slow_but_steady_answer_within_the_deadline_succeeds() {
    // Whole in about 100 ms, in several reads, well under the deadline: each read gets
    // what is left, not a fixed slice.
    fn answer() -> Pieces {
        let response = system_info_response();
        response
            .chunks(response.len() / 5 + 1)
            .map(|c| (Duration::from_millis(20), c.to_vec()))
            .collect()
    }
    let server = Server::new(answer);
    let client = server.client().with_deadline(Duration::from_secs(3));
    assert_eq!(client.system_info().unwrap().version, "1.0");
}

#[test]
fn a_pulled_file_may_take_longer_than_the_deadline() {
    // 1 MiB in 10 pieces 60 ms apart: about 600 ms, twice the deadline. A file's length
    // is the caller's; each read is bounded by the per-read timeout only.
    fn answer() -> Pieces {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; boundary=B\r\n\
                    Connection: close\r\n\r\n\
                    --B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/f\"\r\n\r\n";
        let tail = "\r\n--B\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n\
                    {\"type\":\"sync\",\"status-code\":200,\"status\":\"OK\",\"result\":[{\"path\":\"/f\"}]}\r\n--B--\r\n";
        let mut pieces = vec![(Duration::ZERO, head.as_bytes().to_vec())];
        for _ in 0..10 {
            pieces.push((Duration::from_millis(60), vec![b'z'; 1 << 17]));
        }
        pieces.push((Duration::ZERO, tail.as_bytes().to_vec()));
        pieces
    }
    let server = Server::new(answer);
    let mut sink = Vec::new();
    let written = server.client().pull("/f", &mut sink).unwrap();
    assert_eq!(written, 10 << 17);
    assert!(sink.iter().all(|b| *b == b'z'));
}

#[test]
fn a_50_mb_error_body_is_not_read_whole() {
    fn answer() -> Pieces {
        let message = "e".repeat(50 << 20);
        let body = format!(
            r#"{{"type":"error","status-code":500,"status":"Internal Server Error","result":{{"message":"{message}"}}}}"#
        );
        let head = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        vec![
            (Duration::ZERO, head.into_bytes()),
            (Duration::ZERO, body.into_bytes()),
        ]
    }
    let server = Server::new(answer);
    let client = server.client().with_deadline(Duration::from_secs(30));
    let err = client.system_info().unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code, 500);
    assert_eq!(
        api.message,
        format!(
            "HTTP 500 Internal Server Error (error body larger than {} bytes, not read)",
            Client::MAX_ERROR_BODY
        )
    );
    assert!(err.to_string().len() < 200);
}

#[test]
fn an_error_body_under_the_cap_keeps_its_message() {
    fn answer() -> Pieces {
        let body = r#"{"type":"error","status-code":400,"status":"Bad Request","result":{"message":"bad layer"}}"#;
        let response = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        vec![(Duration::ZERO, response.into_bytes())]
    }
    let server = Server::new(answer);
    let err = server.client().system_info().unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((api.code, api.message.as_str()), (400, "bad layer"));
}
