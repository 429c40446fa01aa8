//! The span recorder of one dispatch: a thread-local that is empty unless tracing is on,
//! so an instrumented call costs one thread-local read when it is off.

use super::{AttrValue, SpanData, SpanStatus};
use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// The spans of one dispatch: finished ones, and the stack of open ones.
struct Recorder {
    trace_id: [u8; 16],
    next_id: u64,
    id_salt: u64,
    open: Vec<SpanData>,
    finished: Vec<SpanData>,
}

thread_local! {
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The process's randomness, read once: the kernel's, or the clock and pid mixed when
/// `/dev/urandom` cannot be read (ids need only be unique).
fn process_seed() -> [u8; 24] {
    static SEED: std::sync::OnceLock<[u8; 24]> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        use std::io::Read;
        let mut seed = [0u8; 24];
        let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed));
        if read.is_err() {
            let mix = now_nanos() ^ (u64::from(std::process::id()) << 32);
            for (i, chunk) in seed.chunks_mut(8).enumerate() {
                let v = mix
                    .rotate_left(17 * i as u32)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15);
                chunk.copy_from_slice(&v.to_le_bytes());
            }
        }
        seed
    })
}

/// 24 bytes for one trace's id and span-id salt: the process's seed, mixed with a count
/// of the traces started, so a process that records many (a test run) reads the kernel
/// once, and each trace's ids still differ.
fn random_seed() -> [u8; 24] {
    static TRACES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = TRACES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut seed = process_seed();
    for (i, chunk) in seed.chunks_mut(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mixed = (u64::from_le_bytes(word) ^ n.rotate_left(13 * i as u32 + 7))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&mixed.to_le_bytes());
    }
    seed
}

/// Starts recording on this thread (a new trace). Spans already recorded are dropped.
pub(crate) fn start() {
    ops_pebble::trace::set_request_hook(pebble_request);
    let seed = random_seed();
    let mut trace_id = [0u8; 16];
    trace_id.copy_from_slice(&seed[..16]);
    let mut salt = [0u8; 8];
    salt.copy_from_slice(&seed[16..]);
    RECORDER.with(|r| {
        *r.borrow_mut() = Some(Recorder {
            trace_id,
            next_id: 1,
            id_salt: u64::from_le_bytes(salt),
            open: Vec::new(),
            finished: Vec::new(),
        })
    });
}

/// Stops recording and returns the finished spans, in the order they ended. Spans still
/// open (a panic unwound past their guards' owner) are closed now.
pub(crate) fn finish() -> Vec<SpanData> {
    RECORDER.with(|r| match r.borrow_mut().take() {
        Some(mut rec) => {
            let end = now_nanos();
            while let Some(mut span) = rec.open.pop() {
                span.end_unix_nanos = end;
                rec.finished.push(span);
            }
            rec.finished
        }
        None => Vec::new(),
    })
}

/// An open span: ends when dropped. A no-op when tracing is off.
#[must_use = "a span ends when its guard is dropped"]
pub(crate) struct SpanGuard {
    id: Option<[u8; 8]>,
}

/// Opens a span named `name` as a child of the innermost open span.
pub(crate) fn span(name: &str) -> SpanGuard {
    span_with(|| name.to_string())
}

/// [`span`] with a name that is only built when tracing is on.
pub(crate) fn span_with(name: impl FnOnce() -> String) -> SpanGuard {
    let id = RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        let rec = r.as_mut()?;
        let counter = rec.next_id;
        rec.next_id += 1;
        // Unique within the trace, and unlikely to repeat across traces.
        let id = (counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ rec.id_salt).to_be_bytes();
        let parent = rec.open.last().map(|s| s.span_id);
        rec.open.push(SpanData {
            trace_id: rec.trace_id,
            span_id: id,
            parent_span_id: parent,
            name: name(),
            start_unix_nanos: now_nanos(),
            end_unix_nanos: 0,
            attributes: Vec::new(),
            status: SpanStatus::Unset,
        });
        Some(id)
    });
    SpanGuard { id }
}

impl SpanGuard {
    fn with_span(&self, f: impl FnOnce(&mut SpanData)) {
        let Some(id) = self.id else { return };
        RECORDER.with(|r| {
            if let Some(rec) = r.borrow_mut().as_mut() {
                if let Some(span) = rec.open.iter_mut().rev().find(|s| s.span_id == id) {
                    f(span);
                }
            }
        });
    }

    /// Whether this span is recorded (tracing is on).
    pub(crate) fn is_recording(&self) -> bool {
        self.id.is_some()
    }

    /// Sets an attribute (built only when recording).
    pub(crate) fn attr(&self, key: &str, value: impl FnOnce() -> AttrValue) {
        if self.is_recording() {
            let value = value();
            self.with_span(|s| s.attributes.push((key.to_string(), value)));
        }
    }

    /// Marks the span failed with `message`.
    pub(crate) fn error(&self, message: impl FnOnce() -> String) {
        if self.is_recording() {
            let message = message();
            self.with_span(|s| s.status = SpanStatus::Error(message));
        }
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        RECORDER.with(|r| {
            let Ok(mut r) = r.try_borrow_mut() else {
                return;
            };
            let Some(rec) = r.as_mut() else { return };
            // Guards drop innermost first; one dropped out of order closes the spans
            // opened inside it too, so parent links stay a tree.
            if let Some(pos) = rec.open.iter().rposition(|s| s.span_id == id) {
                let end = now_nanos();
                for mut span in rec.open.drain(pos..).rev() {
                    span.end_unix_nanos = end;
                    rec.finished.push(span);
                }
            }
        });
    }
}

/// The Pebble client's request hook: a span `pebble GET /v1/plan` per request.
fn pebble_request(
    method: &str,
    path: &str,
    socket: &std::path::Path,
) -> ops_pebble::trace::RequestEnd {
    let span = span_with(|| format!("pebble {method} {path}"));
    span.attr("pebble.socket_path", || socket.display().to_string().into());
    span.attr("http.method", || method.into());
    span.attr("http.path", || path.into());
    Box::new(move |error| {
        if let Some(message) = error {
            span.error(|| message.to_string());
        }
    })
}
