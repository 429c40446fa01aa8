//! Tracing of charm execution: OpenTelemetry spans for the dispatch, each handler, each
//! hook-tool call and each Pebble request, sent over OTLP/HTTP (JSON) to the endpoint a
//! `tracing` relation provides, as Python's `ops[tracing]` (`ops-tracing`) does.
//!
//! A charm turns it on in `#[charm]`, naming its endpoints (checked at compile time like
//! every other name):
//!
//! ```ignore
//! #[charm(metadata = "charmcraft.yaml", tracing(endpoint = "charm-tracing", ca = "receive-ca-cert"))]
//! ```
//!
//! Off by default, and free when off: every instrumented call first reads a thread-local
//! that is empty unless the charm declared tracing.
//!
//! # The span tree
//! The names and attributes follow Python `ops` 3.9, so the same dashboards read both:
//!
//! | span | when | attributes |
//! |---|---|---|
//! | `ops.main` | the whole dispatch (the root) | |
//! | `<event>: <Charm>` (`config_changed: Demo`) | each handler run | `event`, `event_type` (`hook`, `action`, `custom`, `framework`), `event_name`, `handler` (`Demo.on_config`), `deferred` (a re-emitted deferred event) |
//! | the tool's name (`config-get`) | each hook-tool call but `juju-log` | `call` (`subprocess.run`), `args` |
//! | `pebble <METHOD> <path>` (`pebble GET /v1/plan`) | each Pebble HTTP request | `pebble.socket_path`, `http.method`, `http.path` |
//!
//! A handler's error or panic sets its span's status to error with the message; so does a
//! failing hook tool or Pebble request. Python names Pebble spans after the client method
//! (`pebble get_plan`); here the request is named, since one method may send several.
//!
//! # Where the spans go
//! The destination is read from the tracing relation (the provider's app databag
//! `receivers`, the `otlp_http` receiver's URL, plus `/v1/traces`) on that relation's
//! events and on `start`/`upgrade-charm`, and kept in the charm directory, so other hooks
//! make no extra hook-tool call. As leader, the charm asks for the `otlp_http` receiver
//! (`receivers: ["otlp_http"]` in its app databag) on the relation's events.
//!
//! Spans are sent at the end of the hook, with a deadline of one second in all. Until a
//! destination is known, or when sending fails, they are buffered in
//! `<charm dir>/.tracing-buffer.jsonl` (at most [`BUFFER_LIMIT`] bytes; the oldest hooks'
//! spans are dropped first, and counted), and flushed, oldest first, by the next hook that
//! can send. An `https://` destination needs the `tracing-tls` feature (rustls with the
//! `ring` provider; off by default to keep charms lean) and trusts the CA bundle of the
//! certificate-transfer relation (`ca = "..."`: the provider's `certificates`), or the
//! system's CAs when no CA relation is declared. With a CA relation declared, an https
//! endpoint is used only once that relation provides certificates (as Python's).
//!
//! In `ops::testing`, every run records its spans (`Output::trace_data`), whether or not
//! the charm declares tracing: Python Scenario's `trace_data`.

mod export;
mod otlp;
pub(crate) mod recorder;
#[cfg(feature = "tracing-tls")]
mod tls;

pub use export::BUFFER_LIMIT;
pub(crate) use export::{export_after_hook, Session};
pub use otlp::encode;
pub(crate) use recorder::{span, span_with, SpanGuard};

/// The charm type's name without its module path (`Demo`): Python's `charm_type`
/// resource attribute and the class part of a handler span's name.
pub(crate) fn charm_type_name<C>() -> &'static str {
    let full = std::any::type_name::<C>();
    full.rsplit("::").next().unwrap_or(full)
}

/// A charm's tracing declaration: `#[charm(..., tracing(endpoint = "...", ca = "..."))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracingConfig {
    /// The `requires` endpoint of interface `tracing`.
    pub endpoint: &'static str,
    /// The `requires` endpoint of interface `certificate_transfer`, for an https endpoint.
    pub ca_endpoint: Option<&'static str>,
}

/// A span attribute's value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttrValue {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A list of strings.
    StrList(Vec<String>),
}

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_string())
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}

impl From<bool> for AttrValue {
    fn from(b: bool) -> Self {
        AttrValue::Bool(b)
    }
}

/// How a span ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SpanStatus {
    /// No error was recorded.
    #[default]
    Unset,
    /// It failed, with this message.
    Error(String),
}

/// One finished span.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SpanData {
    /// The trace (one per dispatch).
    pub trace_id: [u8; 16],
    /// This span.
    pub span_id: [u8; 8],
    /// The enclosing span (`None` for the root, `ops.main`).
    pub parent_span_id: Option<[u8; 8]>,
    /// Its name (see the module docs for the names).
    pub name: String,
    /// When it started, in nanoseconds since the Unix epoch.
    pub start_unix_nanos: u64,
    /// When it ended.
    pub end_unix_nanos: u64,
    /// Its attributes, in the order they were set.
    pub attributes: Vec<(String, AttrValue)>,
    /// Whether it failed.
    pub status: SpanStatus,
}

impl SpanData {
    /// The attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&AttrValue> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// Records the spans of `f` (for `ops::testing`): `f`'s result and the finished spans.
#[cfg(feature = "testing")]
pub(crate) fn record<T>(f: impl FnOnce() -> T) -> (T, Vec<SpanData>) {
    recorder::start();
    let out = {
        let _root = span("ops.main");
        f()
    };
    (out, recorder::finish())
}
