//! Streaming multipart/form-data: writing a push request, reading a pull response, with a
//! fixed-size buffer whatever the file size.

use crate::http::BUF_SIZE;
use crate::Error;
use std::io::{self, Read, Write};

/// Position of the first `byte` in `hay`, a word at a time.
pub(crate) fn memchr(byte: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let rep = LO.wrapping_mul(byte as u64);
    let mut offset = 0;
    let mut words = hay.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes) ^ rep;
        if w.wrapping_sub(LO) & !w & HI != 0 {
            break;
        }
        offset += 8;
    }
    hay[offset..]
        .iter()
        .position(|&b| b == byte)
        .map(|p| p + offset)
}

/// Position of `needle` (non-empty) in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while from + needle.len() <= hay.len() {
        let i = from + memchr(first, &hay[from..hay.len() - needle.len() + 1])?;
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// One part's headers.
#[derive(Debug, Default)]
pub(crate) struct PartHead {
    pub name: String,
    pub filename: Option<String>,
}

/// Reads the parts of a multipart body one by one, streaming each part's content.
pub(crate) struct MultipartReader<R> {
    r: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// `\r\n--boundary`.
    delim: Vec<u8>,
    eof: bool,
    state: State,
}

#[derive(PartialEq)]
enum State {
    /// Before the first boundary.
    Preamble,
    /// Just after a boundary: headers or the closing `--` follow.
    AfterBoundary,
    /// Inside a part's content.
    InPart,
    /// After the closing boundary.
    Done,
}

impl<R: Read> MultipartReader<R> {
    /// A reader of the parts of `r` delimited by `boundary`.
    pub fn new(r: R, boundary: &str) -> Self {
        let mut buf = vec![0u8; BUF_SIZE];
        // A CRLF in front lets the first boundary match the same delimiter.
        buf[..2].copy_from_slice(b"\r\n");
        MultipartReader {
            r,
            buf,
            start: 0,
            end: 2,
            delim: format!("\r\n--{boundary}").into_bytes(),
            eof: false,
            state: State::Preamble,
        }
    }

    /// Reads more input, keeping unread bytes; false at end of input.
    fn fill(&mut self) -> Result<bool, Error> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Err(Error::Protocol("multipart header too long".into()));
        }
        loop {
            match self.r.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(e)),
            }
        }
    }

    /// Streams content up to the next delimiter into `sink` (or drops it); returns the
    /// number of bytes.
    fn copy_to_delim(&mut self, mut sink: Option<&mut dyn Write>) -> Result<u64, Error> {
        let mut total = 0u64;
        loop {
            let window = &self.buf[self.start..self.end];
            if let Some(i) = find(window, &self.delim) {
                if let Some(s) = sink.as_deref_mut() {
                    s.write_all(&window[..i]).map_err(Error::Io)?;
                }
                total += i as u64;
                self.start += i + self.delim.len();
                return Ok(total);
            }
            let keep = self.delim.len() - 1;
            if window.len() > keep {
                let n = window.len() - keep;
                if let Some(s) = sink.as_deref_mut() {
                    s.write_all(&window[..n]).map_err(Error::Io)?;
                }
                total += n as u64;
                self.start += n;
            }
            if !self.fill()? {
                return Err(Error::Protocol("multipart body truncated".into()));
            }
        }
    }

    fn need(&mut self, n: usize) -> Result<bool, Error> {
        while self.end - self.start < n {
            if !self.fill()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The next part's headers; `None` after the closing boundary.
    pub fn next_part(&mut self) -> Result<Option<PartHead>, Error> {
        match self.state {
            State::Done => return Ok(None),
            State::Preamble | State::InPart => {
                self.copy_to_delim(None)?;
            }
            State::AfterBoundary => {}
        }
        if !self.need(2)? {
            return Err(Error::Protocol("multipart body truncated".into()));
        }
        if &self.buf[self.start..self.start + 2] == b"--" {
            self.state = State::Done;
            return Ok(None);
        }
        // Skip transport padding up to the CRLF ending the boundary line.
        let head_end = loop {
            if let Some(i) = find(&self.buf[self.start..self.end], b"\r\n\r\n") {
                break self.start + i;
            }
            if !self.fill()? {
                return Err(Error::Protocol("multipart part headers truncated".into()));
            }
        };
        let head = std::str::from_utf8(&self.buf[self.start..head_end])
            .map_err(|_| Error::Protocol("multipart part headers are not UTF-8".into()))?;
        let mut part = PartHead::default();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for param in v.split(';').skip(1) {
                let Some((pk, pv)) = param.split_once('=') else {
                    continue;
                };
                let pv = unquote(pv.trim());
                match pk.trim().to_ascii_lowercase().as_str() {
                    "name" => part.name = pv,
                    "filename" => part.filename = Some(pv),
                    _ => {}
                }
            }
        }
        self.start = head_end + 4;
        self.state = State::InPart;
        Ok(Some(part))
    }

    /// Streams the current part's content into `sink`.
    pub fn copy_part(&mut self, sink: &mut dyn Write) -> Result<u64, Error> {
        if self.state != State::InPart {
            return Ok(0);
        }
        let n = self.copy_to_delim(Some(sink))?;
        self.state = State::AfterBoundary;
        Ok(n)
    }

    /// Reads the current part's content into memory, up to `limit` bytes.
    pub fn read_part(&mut self, limit: usize) -> Result<Vec<u8>, Error> {
        let mut out = LimitedVec {
            data: Vec::new(),
            limit,
        };
        self.copy_part(&mut out).map_err(|e| match e {
            Error::Io(_) => Error::Protocol(format!("multipart part larger than {limit} bytes")),
            e => e,
        })?;
        Ok(out.data)
    }
}

struct LimitedVec {
    data: Vec<u8>,
    limit: usize,
}

impl Write for LimitedVec {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.data.len() + buf.len() > self.limit {
            return Err(io::Error::other("too large"));
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn read_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            Error::Timeout("reading a multipart response".into())
        }
        io::ErrorKind::InvalidData => Error::Protocol(e.to_string()),
        _ => Error::Protocol(format!("reading a multipart response: {e}")),
    }
}

fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => v.to_string(),
    }
}

/// Escapes a value for a quoted multipart header parameter.
pub(crate) fn quote(v: &str) -> String {
    v.replace('"', "\\\"")
}

/// A random-enough hex boundary (not security sensitive).
pub(crate) fn boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let a = h.finish();
    h.write_u64(a);
    format!("{a:016x}{:016x}", h.finish())
}
