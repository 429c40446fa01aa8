//! The websockets of Pebble's exec streams, over the unix socket: the upgrade request and
//! response go through our HTTP code (so a refusal carries Pebble's error envelope), the
//! key, accept check, framing, masking and ping/close handling are `tungstenite`'s.
//!
//! A websocket is split into a read half and a write half, each a `tungstenite`
//! websocket on its own handle of the connection: reader threads read while the caller
//! writes stdin or signals. The read half answers pings on its handle.

use crate::http::{self, BUF_SIZE};
use crate::Error;
use std::io::{self, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;
use tungstenite::error::{CapacityError, ProtocolError};
use tungstenite::handshake::{client::generate_key, derive_accept_key};
use tungstenite::protocol::{frame::coding::CloseCode, CloseFrame, Role, WebSocketConfig};
use tungstenite::WebSocket;

/// Largest message (and frame) accepted from Pebble.
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// A message received.
#[derive(Debug)]
pub(crate) enum Message {
    /// A binary message.
    Binary(Vec<u8>),
    /// A text message.
    Text(String),
    /// The peer closed the websocket (or the connection).
    Close,
}

/// The read half of a websocket.
pub(crate) struct WsReader(WebSocket<UnixStream>);

/// The write half of a websocket.
pub(crate) struct WsWriter(WebSocket<UnixStream>);

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Opens the websocket at `path` (`/v1/tasks/7/websocket/stdio`) on Pebble's socket.
pub(crate) fn connect(
    socket: &Path,
    timeout: Duration,
    path: &str,
) -> Result<(WsReader, WsWriter), Error> {
    let stream = http::connect(socket, timeout)?;
    let key = generate_key();
    let mut w = stream.try_clone().map_err(|e| http::io_error(socket, e))?;
    let headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key.as_str()),
        ("Sec-WebSocket-Version", "13"),
    ];
    http::write_head(&mut w, "GET", path, &headers, "")
        .and_then(|_| w.flush())
        .map_err(|e| http::io_error(socket, e))?;
    let resp = http::read_response(socket, BufReader::with_capacity(BUF_SIZE, stream))?;
    if resp.status != 101 {
        let status = resp.status;
        return match crate::client::json_envelope(resp) {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Protocol(format!(
                "websocket upgrade refused: HTTP {status}"
            ))),
        };
    }
    if resp.header("sec-websocket-accept") != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(Error::Protocol(
            "websocket handshake: bad Sec-WebSocket-Accept".into(),
        ));
    }
    let r = resp.body.into_inner();
    // Frames Pebble sent right behind the response head are already buffered.
    let early = r.buffer().to_vec();
    let r = r.into_inner();
    // Exec streams can be quiet (or, for stdin, full) for as long as the command runs;
    // Pebble enforces the command's own timeout.
    r.set_read_timeout(None)
        .and_then(|_| r.set_write_timeout(None))
        .map_err(|e| http::io_error(socket, e))?;
    Ok((
        WsReader(WebSocket::from_partially_read(
            r,
            early,
            Role::Client,
            Some(config()),
        )),
        WsWriter(WebSocket::from_raw_socket(w, Role::Client, Some(config()))),
    ))
}

/// `tungstenite`'s error as the `io::Error` exec reports.
fn io_error(e: tungstenite::Error) -> io::Error {
    use tungstenite::Error as E;
    let invalid = |text: String| io::Error::new(io::ErrorKind::InvalidData, text);
    match e {
        E::Io(e) => e,
        E::Capacity(CapacityError::MessageTooLong { size, max_size }) => invalid(format!(
            "websocket message too large: {size} bytes (at most {max_size})"
        )),
        E::Utf8(_) => invalid("text frame is not UTF-8".into()),
        E::Protocol(
            p @ (ProtocolError::ControlFrameTooBig | ProtocolError::FragmentedControlFrame),
        ) => invalid(format!("bad websocket control frame: {p}")),
        E::Protocol(p) => invalid(format!("bad websocket frame: {p}")),
        other => io::Error::other(other.to_string()),
    }
}

impl WsReader {
    /// Reads the next data message (answering pings on the way).
    pub fn read_message(&mut self) -> io::Result<Message> {
        use tungstenite::Message as M;
        loop {
            return match self.0.read() {
                Ok(M::Binary(data)) => Ok(Message::Binary(data.into())),
                Ok(M::Text(text)) => Ok(Message::Text(text.as_str().to_owned())),
                Ok(M::Close(_)) => Ok(Message::Close),
                Ok(M::Ping(_) | M::Pong(_) | M::Frame(_)) => continue,
                // The connection ended without a close frame: the end of the stream.
                Err(tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake))
                | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    Ok(Message::Close)
                }
                Err(e) => Err(io_error(e)),
            };
        }
    }
}

impl WsWriter {
    fn send(&mut self, message: tungstenite::Message) -> io::Result<()> {
        self.0.send(message).map_err(io_error)
    }

    /// Sends a binary message.
    pub fn send_binary(&mut self, payload: &[u8]) -> io::Result<()> {
        self.send(tungstenite::Message::binary(payload.to_vec()))
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send(tungstenite::Message::text(text))
    }

    /// Another handle on the connection, to shut it down from outside (which ends a read
    /// blocked on the other half).
    pub fn socket(&self) -> io::Result<UnixStream> {
        self.0.get_ref().try_clone()
    }

    /// Sends a close frame (normal closure).
    pub fn close(&mut self) -> io::Result<()> {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: tungstenite::Utf8Bytes::from_static(""),
        };
        self.0.close(Some(frame)).map_err(io_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP_CONT: u8 = 0;
    const OP_TEXT: u8 = 1;
    const OP_BINARY: u8 = 2;
    const OP_CLOSE: u8 = 8;
    const OP_PING: u8 = 9;
    const MAX: u64 = MAX_MESSAGE as u64;

    /// A frame header (unmasked, as a server sends) claiming `len` payload bytes, in the
    /// shortest length form.
    fn head(fin: bool, opcode: u8, len: u64) -> Vec<u8> {
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        if len < 126 {
            out.push(len as u8);
        } else if len <= u64::from(u16::MAX) {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(127);
            out.extend_from_slice(&len.to_be_bytes());
        }
        out
    }

    fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = head(fin, opcode, payload.len() as u64);
        out.extend_from_slice(payload);
        out
    }

    /// Reads one message from a connection that carried `bytes` and was then closed, and
    /// what the reader wrote back.
    fn read_answered(bytes: &[u8]) -> (io::Result<Message>, Vec<u8>) {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let mut feed = theirs.try_clone().unwrap();
        let bytes = bytes.to_vec();
        let feeder = std::thread::spawn(move || {
            // The reader may stop before the end (an error): a broken pipe is expected.
            let _ = feed.write_all(&bytes);
            let _ = feed.shutdown(std::net::Shutdown::Write);
        });
        let mut reader = WsReader(WebSocket::from_raw_socket(
            ours,
            Role::Client,
            Some(config()),
        ));
        let got = reader.read_message();
        drop(reader);
        feeder.join().unwrap();
        let mut answer = Vec::new();
        std::io::Read::read_to_end(&mut theirs, &mut answer).unwrap();
        (got, answer)
    }

    fn read(bytes: &[u8]) -> io::Result<Message> {
        read_answered(bytes).0
    }

    #[test]
    fn well_formed_frames_read_as_messages() {
        match read(&frame(true, OP_BINARY, b"abc")).unwrap() {
            Message::Binary(d) => assert_eq!(d, b"abc"),
            other => panic!("{other:?}"),
        }
        // Fragments, with a ping between them, make one message; the ping is answered.
        let bytes = [
            frame(false, OP_TEXT, b"he"),
            frame(true, OP_PING, b"?"),
            frame(false, OP_CONT, b"ll"),
            frame(true, OP_CONT, b"o"),
        ]
        .concat();
        match read_answered(&bytes) {
            (Ok(Message::Text(t)), answer) => {
                assert_eq!(t, "hello");
                // A masked pong (0x8a, masked length 1) carrying the ping's byte.
                assert_eq!(answer[..2], [0x8a, 0x81]);
                assert_eq!(answer[6] ^ answer[2], b'?');
            }
            other => panic!("{other:?}"),
        }
        // A 16-bit length.
        let big = vec![7u8; 300];
        match read(&frame(true, OP_BINARY, &big)).unwrap() {
            Message::Binary(d) => assert_eq!(d, big),
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(b"").unwrap(), Message::Close));
        assert!(matches!(
            read(&frame(true, OP_CLOSE, &1000u16.to_be_bytes())).unwrap(),
            Message::Close
        ));
    }

    #[test]
    fn written_frames_are_masked_messages() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let mut w = WsWriter(WebSocket::from_raw_socket(
            ours,
            Role::Client,
            Some(config()),
        ));
        w.send_binary(b"in").unwrap();
        w.send_text("end").unwrap();
        w.close().unwrap();
        drop(w);
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut theirs, &mut bytes).unwrap();
        let mut frames = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            assert_eq!(rest[1] & 0x80, 0x80, "client frames are masked");
            let len = (rest[1] & 0x7f) as usize;
            let mask = &rest[2..6];
            let payload: Vec<u8> = (0..len).map(|i| rest[6 + i] ^ mask[i % 4]).collect();
            frames.push((rest[0], payload));
            rest = &rest[6 + len..];
        }
        assert_eq!(
            frames,
            [
                (0x80 | OP_BINARY, b"in".to_vec()),
                (0x80 | OP_TEXT, b"end".to_vec()),
                (0x80 | OP_CLOSE, 1000u16.to_be_bytes().to_vec()),
            ]
        );
    }

    #[test]
    fn nasty_frames_are_errors_not_panics_or_huge_allocations() {
        let fragment = frame(false, OP_BINARY, &[1; 10]);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "a 2^64-1 byte frame",
                head(true, OP_BINARY, u64::MAX),
                "too large",
            ),
            (
                "a continuation whose length overflows with the bytes before it",
                [fragment.clone(), head(true, OP_CONT, u64::MAX - 5)].concat(),
                "too large",
            ),
            (
                "one byte over the message limit",
                head(true, OP_BINARY, MAX + 1),
                "too large",
            ),
            (
                "fragments adding up to over the limit",
                [
                    fragment.clone(),
                    frame(true, OP_CONT, &vec![0; MAX_MESSAGE - 5]),
                ]
                .concat(),
                "too large",
            ),
            (
                "a continuation with no message to continue",
                frame(true, OP_CONT, b"x"),
                "bad websocket frame",
            ),
            (
                "a new message inside a fragmented one",
                [fragment.clone(), frame(true, OP_TEXT, b"x")].concat(),
                "bad websocket frame",
            ),
            (
                "a reserved opcode",
                frame(true, 3, b"x"),
                "bad websocket frame",
            ),
            (
                "a masked frame from the server",
                vec![0x80 | OP_BINARY, 0x80 | 2, 1, 2, 3, 4, b'o' ^ 1, b'k' ^ 2],
                "bad websocket frame",
            ),
            (
                "a ping longer than a control frame may be",
                frame(true, OP_PING, &[0; 126]),
                "control frame",
            ),
            (
                "a fragmented close",
                frame(false, OP_CLOSE, b""),
                "control frame",
            ),
            (
                "a text message that is not UTF-8",
                frame(true, OP_TEXT, &[0xff, 0xfe]),
                "not UTF-8",
            ),
        ];
        for (what, bytes, text) in cases {
            match read(&bytes) {
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{what}: {e}");
                    assert!(e.to_string().contains(text), "{what}: {e}");
                }
                Ok(m) => panic!("{what}: read {m:?}"),
            }
        }
    }

    #[test]
    fn a_connection_cut_short_ends_the_stream() {
        // Without a close frame, the end of the connection ends the stream, wherever it
        // falls (tungstenite does not tell a cut frame from a cut between frames).
        for (what, bytes) in [
            (
                "a 64 MiB frame with 3 bytes",
                [head(true, OP_BINARY, MAX), b"abc".to_vec()].concat(),
            ),
            ("a 16-bit length cut short", vec![0x80 | OP_BINARY, 126, 1]),
            (
                "a 64-bit length cut short",
                vec![0x80 | OP_BINARY, 127, 0, 0, 0],
            ),
            (
                "a message cut between fragments",
                frame(false, OP_BINARY, &[1; 10]),
            ),
        ] {
            assert!(matches!(read(&bytes), Ok(Message::Close)), "{what}");
        }
    }
}
