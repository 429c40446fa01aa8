//! A minimal RFC 6455 websocket client over the unix socket, enough for Pebble's exec
//! streams: the upgrade handshake (with `Sec-WebSocket-Accept` checked), masked client
//! frames, fragmented messages, ping/close handling on read.

use crate::http::{self, BUF_SIZE};
use crate::Error;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Largest message accepted from Pebble.
const MAX_MESSAGE: u64 = 64 * 1024 * 1024;

/// SHA-1 of `data` (for the handshake's accept key only).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// The `Sec-WebSocket-Accept` value a server answers to `key`.
pub fn accept_key(key: &str) -> String {
    base64(&sha1(format!("{key}{GUID}").as_bytes()))
}

/// A small xorshift generator for masking keys and handshake nonces (the socket is local,
/// so unpredictability against a proxy is not a concern).
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(std::process::id() as u64);
        Rng(h.finish() | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

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
pub(crate) struct WsReader {
    r: BufReader<UnixStream>,
    pong: Option<WsWriter>,
}

/// The write half of a websocket.
pub(crate) struct WsWriter {
    w: UnixStream,
    rng: Rng,
    buf: Vec<u8>,
}

/// Opens the websocket at `path` (`/v1/tasks/7/websocket/stdio`) on Pebble's socket.
pub(crate) fn connect(
    socket: &Path,
    timeout: Duration,
    path: &str,
) -> Result<(WsReader, WsWriter), Error> {
    let stream = http::connect(socket, timeout)?;
    let mut rng = Rng::new();
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&rng.next().to_le_bytes());
    nonce[8..].copy_from_slice(&rng.next().to_le_bytes());
    let key = base64(&nonce);
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
    if resp.header("sec-websocket-accept") != Some(accept_key(&key).as_str()) {
        return Err(Error::Protocol(
            "websocket handshake: bad Sec-WebSocket-Accept".into(),
        ));
    }
    let r = resp.body.into_inner();
    // Exec streams can be quiet (or, for stdin, full) for as long as the command runs;
    // Pebble enforces the command's own timeout.
    r.get_ref()
        .set_read_timeout(None)
        .and_then(|_| r.get_ref().set_write_timeout(None))
        .map_err(|e| http::io_error(socket, e))?;
    let pong_half = w.try_clone().map_err(|e| http::io_error(socket, e))?;
    Ok((
        WsReader {
            r,
            pong: Some(WsWriter::new(pong_half)),
        },
        WsWriter::new(w),
    ))
}

const OP_CONT: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_BINARY: u8 = 2;
const OP_CLOSE: u8 = 8;
const OP_PING: u8 = 9;
const OP_PONG: u8 = 10;

impl WsReader {
    /// Reads the next data message (answering pings on the way).
    pub fn read_message(&mut self) -> io::Result<Message> {
        let mut data = Vec::new();
        let mut kind = None;
        loop {
            let mut head = [0u8; 2];
            match self.r.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && kind.is_none() => {
                    return Ok(Message::Close)
                }
                Err(e) => return Err(e),
            }
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let masked = head[1] & 0x80 != 0;
            let mut len = (head[1] & 0x7f) as u64;
            if len == 126 {
                let mut b = [0u8; 2];
                self.r.read_exact(&mut b)?;
                len = u16::from_be_bytes(b) as u64;
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.r.read_exact(&mut b)?;
                len = u64::from_be_bytes(b);
            }
            // The length is the peer's claim (up to 2^64 - 1): compare it without adding.
            if len > MAX_MESSAGE.saturating_sub(data.len() as u64) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "websocket message too large: a {len}-byte frame after {} bytes \
                         (at most {MAX_MESSAGE})",
                        data.len()
                    ),
                ));
            }
            if opcode & 0x08 != 0 && (!fin || len > 125) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "bad websocket control frame (opcode {opcode}, {len} bytes, fin {fin})"
                    ),
                ));
            }
            let mut mask = [0u8; 4];
            if masked {
                self.r.read_exact(&mut mask)?;
            }
            let start = data.len();
            // Grow with the payload as it arrives: a header alone reserves nothing.
            let got = (&mut self.r).take(len).read_to_end(&mut data)?;
            if (got as u64) < len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("websocket frame truncated: {got} of {len} bytes"),
                ));
            }
            if masked {
                for (i, b) in data[start..].iter_mut().enumerate() {
                    *b ^= mask[i % 4];
                }
            }
            match opcode {
                OP_PING => {
                    let payload = data.split_off(start);
                    if let Some(p) = self.pong.as_mut() {
                        // Best effort: a failed pong shows up on the next read anyway.
                        let _ = p.send(OP_PONG, &payload);
                    }
                    continue;
                }
                OP_PONG => {
                    data.truncate(start);
                    continue;
                }
                OP_CLOSE => return Ok(Message::Close),
                OP_TEXT | OP_BINARY if kind.is_none() => kind = Some(opcode),
                OP_CONT if kind.is_some() => {}
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "bad websocket frame",
                    ));
                }
            }
            if fin {
                return Ok(match kind {
                    Some(OP_TEXT) => Message::Text(String::from_utf8(data).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "text frame is not UTF-8")
                    })?),
                    _ => Message::Binary(data),
                });
            }
        }
    }
}

impl WsWriter {
    fn new(w: UnixStream) -> WsWriter {
        WsWriter {
            w,
            rng: Rng::new(),
            buf: Vec::new(),
        }
    }

    fn send(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let buf = &mut self.buf;
        buf.clear();
        buf.push(0x80 | opcode);
        let len = payload.len();
        if len < 126 {
            buf.push(0x80 | len as u8);
        } else if len <= u16::MAX as usize {
            buf.push(0x80 | 126);
            buf.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            buf.push(0x80 | 127);
            buf.extend_from_slice(&(len as u64).to_be_bytes());
        }
        let mask = (self.rng.next() as u32).to_le_bytes();
        buf.extend_from_slice(&mask);
        let start = buf.len();
        buf.extend_from_slice(payload);
        for (i, b) in buf[start..].iter_mut().enumerate() {
            *b ^= mask[i & 3];
        }
        self.w.write_all(buf)
    }

    /// Sends a binary message.
    pub fn send_binary(&mut self, payload: &[u8]) -> io::Result<()> {
        self.send(OP_BINARY, payload)
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send(OP_TEXT, text.as_bytes())
    }

    /// Another handle on the connection, to shut it down from outside (which ends a read
    /// blocked on the other half).
    pub fn socket(&self) -> io::Result<UnixStream> {
        self.w.try_clone()
    }

    /// Sends a close frame (normal closure).
    pub fn close(&mut self) -> io::Result<()> {
        self.send(OP_CLOSE, &1000u16.to_be_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Reads one message from a connection that carried `bytes` and was then closed.
    fn read(bytes: &[u8]) -> io::Result<Message> {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(bytes).unwrap();
        drop(theirs);
        WsReader {
            r: BufReader::new(ours),
            pong: None,
        }
        .read_message()
    }

    fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn well_formed_frames_read_as_messages() {
        match read(&frame(true, OP_BINARY, b"abc")).unwrap() {
            Message::Binary(d) => assert_eq!(d, b"abc"),
            other => panic!("{other:?}"),
        }
        // Fragments, with a ping between them, make one message.
        let bytes = concat(&[
            frame(false, OP_TEXT, b"he"),
            frame(true, OP_PING, b"?"),
            frame(false, OP_CONT, b"ll"),
            frame(true, OP_CONT, b"o"),
        ]);
        match read(&bytes).unwrap() {
            Message::Text(t) => assert_eq!(t, "hello"),
            other => panic!("{other:?}"),
        }
        // A masked frame (not what a server should send) is unmasked.
        let mut masked = vec![0x80 | OP_BINARY, 0x80 | 2, 1, 2, 3, 4];
        masked.extend_from_slice(&[b'o' ^ 1, b'k' ^ 2]);
        match read(&masked).unwrap() {
            Message::Binary(d) => assert_eq!(d, b"ok"),
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
    fn nasty_frames_are_errors_not_panics_or_huge_allocations() {
        let fragment = frame(false, OP_BINARY, &[1; 10]);
        let cases: Vec<(&str, Vec<u8>, io::ErrorKind, &str)> = vec![
            (
                "a 2^64-1 byte frame",
                head(true, OP_BINARY, u64::MAX),
                io::ErrorKind::InvalidData,
                "too large",
            ),
            (
                "a continuation whose length overflows with the bytes before it",
                concat(&[fragment.clone(), head(true, OP_CONT, u64::MAX - 5)]),
                io::ErrorKind::InvalidData,
                "too large",
            ),
            (
                "one byte over the message limit",
                head(true, OP_BINARY, MAX_MESSAGE + 1),
                io::ErrorKind::InvalidData,
                "too large",
            ),
            (
                "fragments adding up to over the limit",
                concat(&[fragment.clone(), head(true, OP_CONT, MAX_MESSAGE - 5)]),
                io::ErrorKind::InvalidData,
                "too large",
            ),
            (
                "a 64 MiB frame with 3 bytes of payload",
                concat(&[head(true, OP_BINARY, MAX_MESSAGE), b"abc".to_vec()]),
                io::ErrorKind::UnexpectedEof,
                "truncated: 3 of 67108864",
            ),
            (
                "a 16-bit length cut short",
                vec![0x80 | OP_BINARY, 126, 1],
                io::ErrorKind::UnexpectedEof,
                "",
            ),
            (
                "a 64-bit length cut short",
                vec![0x80 | OP_BINARY, 127, 0, 0, 0],
                io::ErrorKind::UnexpectedEof,
                "",
            ),
            (
                "a mask cut short",
                vec![0x80 | OP_BINARY, 0x80 | 1, 9],
                io::ErrorKind::UnexpectedEof,
                "",
            ),
            (
                "a message cut between fragments",
                fragment.clone(),
                io::ErrorKind::UnexpectedEof,
                "",
            ),
            (
                "a continuation with no message to continue",
                frame(true, OP_CONT, b"x"),
                io::ErrorKind::InvalidData,
                "bad websocket frame",
            ),
            (
                "a new message inside a fragmented one",
                concat(&[fragment.clone(), frame(true, OP_TEXT, b"x")]),
                io::ErrorKind::InvalidData,
                "bad websocket frame",
            ),
            (
                "a reserved opcode",
                frame(true, 3, b"x"),
                io::ErrorKind::InvalidData,
                "bad websocket frame",
            ),
            (
                "a ping longer than a control frame may be",
                frame(true, OP_PING, &[0; 126]),
                io::ErrorKind::InvalidData,
                "control frame",
            ),
            (
                "a fragmented close",
                frame(false, OP_CLOSE, b""),
                io::ErrorKind::InvalidData,
                "control frame",
            ),
            (
                "a text message that is not UTF-8",
                frame(true, OP_TEXT, &[0xff, 0xfe]),
                io::ErrorKind::InvalidData,
                "not UTF-8",
            ),
        ];
        for (what, bytes, kind, text) in cases {
            match read(&bytes) {
                Err(e) => {
                    assert_eq!(e.kind(), kind, "{what}: {e}");
                    assert!(e.to_string().contains(text), "{what}: {e}");
                }
                Ok(m) => panic!("{what}: read {m:?}"),
            }
        }
    }
}
