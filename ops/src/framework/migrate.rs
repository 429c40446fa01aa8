//! Migration from a Python `ops` charm: on the first hook of the Rust port of a charm
//! (`juju refresh` from the Python charm to the Rust one), the state the Python charm left
//! behind becomes the Rust charm's, so neither its `StoredState` nor its deferred events
//! are lost.
//!
//! Where it is read from (only when the Rust charm has no state of its own yet):
//! - `$CHARM_DIR/.unit-state.db`, Python `ops`' SQLite file: table `snapshot(handle,
//!   data)` holds each object's snapshot pickled, table `notice(sequence, event_path,
//!   observer_path, method_name)` the deferred events in order;
//! - else, when the Rust charm keeps its own state in the controller
//!   (`MainOptions::controller_storage`), Juju's controller storage (`state-get`), where a
//!   Python charm with `use_juju_for_storage=True` kept the same snapshots as YAML under
//!   their handle paths, and the notices under `#notices#`. Python `ops` 3.9's automatic
//!   choice (`use_juju_for_storage=None`) picks the controller only for podspec charms,
//!   which Juju 3 does not run (and even then opens the SQLite file): controller state
//!   exists only where the Python charm asked for it with `True`, so its port asks for it
//!   too, and a charm with file storage makes no extra `state-get` call.
//!
//! The rule for the charm struct: every key of the charm's `StoredState` snapshots (each
//! `<CharmClass>/StoredStateData[<attr>]`, usually `_stored`) whose name is a field of the
//! Rust struct (as serde names it) sets that field. Python values become JSON by
//! [`PyValue::to_json`]: `None` → `null`, `bool`, `int` → number, `float` → number,
//! `str` → string, `bytes` → array of byte values, `list`/`tuple`/`set`/`frozenset` →
//! array, `dict` with `str` or `int` keys → object (int keys as decimal strings, as
//! serde reads integer-keyed maps), recursively; the field's `Deserialize` then decides
//! (a `set` fits a `Vec` or a `BTreeSet`, a `dict` a struct or a map). Fields the Python
//! state does not name keep their `Default` values. What the rule cannot map (a key
//! naming no field, an `int` beyond 64 bits, a `dict` keyed by tuples, a library's
//! `StoredState`) is handed to the charm's [`MigrationHook`] with everything read; what
//! the hook leaves unmapped is logged at WARNING. A value that does not fit its field's
//! type fails the hook naming the field (nothing is lost: the next hook tries again, e.g.
//! after a new revision adds a hook that converts it).
//!
//! The rule for deferred events: a notice whose observer is the charm itself and whose
//! event is a Juju event of the charm's `on` becomes a deferred event for the Rust handler
//! of the same method name (`_on_config_changed` matches `_on_config_changed`, else
//! `on_config_changed`: leading underscores are dropped) if that handler observes the
//! event; otherwise it is dropped with a WARNING (after the hook had its chance to map it).
//!
//! The Python files are left as they were: once the Rust charm saved its own state, they
//! are no longer read, and a refresh back to the Python charm finds them unchanged.

use super::store::{DeferredEvent, Store, StoreError, UnitState};
use crate::backend::LogLevel;
use crate::charm::Charm;
use crate::event::{EventData, EventKind, NoticeRef, SecretRef};
use crate::model::ModelCore;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// The file Python `ops` keeps the unit's state in, in the charm directory.
pub const PYTHON_STATE_FILE: &str = ".unit-state.db";

/// The controller-storage key Python `ops` keeps its deferred notices under.
pub const PYTHON_NOTICES_KEY: &str = "#notices#";

/// A Python value from a snapshot, as pickled (or YAML-encoded) by Python `ops`: the
/// simple types `marshal` accepts, which is all Python `ops` lets a snapshot hold.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `bool`.
    Bool(bool),
    /// An `int` that fits 64 bits.
    Int(i64),
    /// A larger `int`, in decimal.
    BigInt(String),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `bytes` or `bytearray`.
    Bytes(Vec<u8>),
    /// `list`.
    List(Vec<PyValue>),
    /// `tuple`.
    Tuple(Vec<PyValue>),
    /// `set` or `frozenset`.
    Set(Vec<PyValue>),
    /// `dict`, in the order read.
    Dict(Vec<(PyValue, PyValue)>),
}

impl PyValue {
    /// The value as JSON by the migration rule (see the module docs), or `None` if some
    /// part of it has no JSON form (a big int, a NaN, a dict keyed by other than str/int).
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            PyValue::None => Value::Null,
            PyValue::Bool(b) => Value::Bool(*b),
            PyValue::Int(i) => Value::from(*i),
            PyValue::BigInt(_) => return None,
            PyValue::Float(f) => Value::Number(serde_json::Number::from_f64(*f)?),
            PyValue::Str(s) => Value::String(s.clone()),
            PyValue::Bytes(b) => Value::Array(b.iter().map(|&x| Value::from(x)).collect()),
            PyValue::List(items) | PyValue::Tuple(items) | PyValue::Set(items) => {
                Value::Array(items.iter().map(PyValue::to_json).collect::<Option<_>>()?)
            }
            PyValue::Dict(pairs) => {
                let mut map = Map::new();
                for (key, value) in pairs {
                    let key = match key {
                        PyValue::Str(s) => s.clone(),
                        PyValue::Int(i) => i.to_string(),
                        _ => return None,
                    };
                    map.insert(key, value.to_json()?);
                }
                Value::Object(map)
            }
        })
    }

    /// The value under the string key `key`, if this is a dict holding one.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(pairs) => pairs
                .iter()
                .find(|(k, _)| matches!(k, PyValue::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            PyValue::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }
}

/// One deferred event of the Python charm: a row of its `notice` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonNotice {
    /// The event's handle path (`MyCharm/on/config_changed[7]`); its snapshot is saved
    /// under the same path.
    pub event_path: String,
    /// The observer's handle path (`MyCharm` for the charm itself).
    pub observer_path: String,
    /// The observing method's name (`_on_config_changed`).
    pub method_name: String,
}

/// Where the Python state was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonSource {
    /// The SQLite file at this path.
    File(PathBuf),
    /// Juju's controller storage (`state-get`).
    Controller,
}

impl std::fmt::Display for PythonSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PythonSource::File(path) => write!(f, "{}", path.display()),
            PythonSource::Controller => f.write_str("controller storage (state-get)"),
        }
    }
}

/// Everything a Python `ops` charm saved: its snapshots and its deferred notices.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonState {
    /// Where it was read from.
    pub source: PythonSource,
    /// Every snapshot by handle path: `StoredState`s (`MyCharm/StoredStateData[_stored]`),
    /// deferred events' payloads (`MyCharm/on/config_changed[7]`) and the framework's own
    /// (`StoredStateData[_stored]`, its event counter).
    pub snapshots: BTreeMap<String, PyValue>,
    /// The deferred notices, oldest first.
    pub notices: Vec<PythonNotice>,
}

fn corrupt(location: &PythonSource, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        location: format!("{location} (Python ops)"),
        detail: detail.to_string(),
    }
}

impl PythonState {
    /// Reads Python `ops`' SQLite file at `path` (`None` if it holds no state: Python
    /// `ops` creates the file, empty, before its tables). A transaction a crashed Python
    /// hook left half-done is rolled back by SQLite on open, as Python's next hook would.
    pub fn read_file(path: &Path) -> Result<Option<PythonState>, StoreError> {
        use rusqlite::OpenFlags;
        let source = PythonSource::File(path.to_path_buf());
        let sql = |e: rusqlite::Error| corrupt(&source, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = rusqlite::Connection::open_with_flags(path, flags).map_err(sql)?;
        db.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(sql)?;
        let tables: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' \
                 AND name IN ('snapshot', 'notice')",
                [],
                |row| row.get(0),
            )
            .map_err(sql)?;
        if tables == 0 {
            return Ok(None);
        }
        if tables != 2 {
            return Err(corrupt(
                &source,
                "it has one of the tables snapshot and notice",
            ));
        }
        let mut snapshots = BTreeMap::new();
        let mut query = db
            .prepare("SELECT handle, data FROM snapshot")
            .map_err(sql)?;
        let rows = query
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(sql)?;
        for row in rows {
            let (handle, data) = row.map_err(sql)?;
            let value = from_pickle(&data)
                .map_err(|e| corrupt(&source, format!("snapshot {handle}: {e}")))?;
            snapshots.insert(handle, value);
        }
        let mut query = db
            .prepare("SELECT event_path, observer_path, method_name FROM notice ORDER BY sequence")
            .map_err(sql)?;
        let rows = query
            .query_map([], |row| {
                Ok(PythonNotice {
                    event_path: row.get(0)?,
                    observer_path: row.get(1)?,
                    method_name: row.get(2)?,
                })
            })
            .map_err(sql)?;
        let notices = rows.collect::<Result<Vec<_>, _>>().map_err(sql)?;
        Ok(Some(PythonState {
            source,
            snapshots,
            notices,
        }))
    }

    /// Reads what a Python `ops` charm kept in Juju's controller storage (`None` if no key
    /// there is one Python `ops` writes).
    pub fn read_controller(model: &ModelCore) -> Result<Option<PythonState>, StoreError> {
        let source = PythonSource::Controller;
        let all = model.backend().state_get_all()?;
        let mut snapshots = BTreeMap::new();
        let mut notices = Vec::new();
        for (key, text) in &all {
            let python_key = key == PYTHON_NOTICES_KEY || is_handle_path(key);
            if !python_key {
                continue;
            }
            let value = from_yaml(text).map_err(|e| corrupt(&source, format!("key {key}: {e}")))?;
            if key == PYTHON_NOTICES_KEY {
                notices = notices_from(&value)
                    .ok_or_else(|| corrupt(&source, format!("key {key}: not a list of notices")))?;
            } else {
                snapshots.insert(key.clone(), value);
            }
        }
        if snapshots.is_empty() && notices.is_empty() {
            return Ok(None);
        }
        Ok(Some(PythonState {
            source,
            snapshots,
            notices,
        }))
    }
}

/// Whether `key` looks like a Python `ops` handle path (`Kind[key]/Kind...`), the keys it
/// writes snapshots under.
fn is_handle_path(key: &str) -> bool {
    !key.is_empty()
        && key.split('/').all(|part| {
            let kind =
                part.split_once('[').map_or(
                    part,
                    |(kind, rest)| {
                        if rest.ends_with(']') {
                            kind
                        } else {
                            ""
                        }
                    },
                );
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

fn notices_from(value: &PyValue) -> Option<Vec<PythonNotice>> {
    let PyValue::List(rows) = value else {
        return (*value == PyValue::None).then(Vec::new);
    };
    rows.iter()
        .map(|row| match row {
            PyValue::List(parts) | PyValue::Tuple(parts) => match parts.as_slice() {
                [event, observer, method] => Some(PythonNotice {
                    event_path: event.as_str()?.to_string(),
                    observer_path: observer.as_str()?.to_string(),
                    method_name: method.as_str()?.to_string(),
                }),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A pickled snapshot as a [`PyValue`] (any protocol Python 3 writes).
pub fn from_pickle(data: &[u8]) -> Result<PyValue, String> {
    let options = serde_pickle::DeOptions::new();
    let value = serde_pickle::value_from_slice(data, options).map_err(|e| e.to_string())?;
    Ok(from_pickle_value(value))
}

fn from_pickle_value(value: serde_pickle::Value) -> PyValue {
    use serde_pickle::Value as P;
    match value {
        P::None => PyValue::None,
        P::Bool(b) => PyValue::Bool(b),
        P::I64(i) => PyValue::Int(i),
        P::Int(i) => match i64::try_from(&i) {
            Ok(i) => PyValue::Int(i),
            Err(_) => PyValue::BigInt(i.to_string()),
        },
        P::F64(f) => PyValue::Float(f),
        P::Bytes(b) => PyValue::Bytes(b),
        P::String(s) => PyValue::Str(s),
        P::List(items) => PyValue::List(items.into_iter().map(from_pickle_value).collect()),
        P::Tuple(items) => PyValue::Tuple(items.into_iter().map(from_pickle_value).collect()),
        P::Set(items) | P::FrozenSet(items) => PyValue::Set(
            items
                .into_iter()
                .map(|h| from_pickle_value(h.into_value()))
                .collect(),
        ),
        P::Dict(pairs) => PyValue::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (from_pickle_value(k.into_value()), from_pickle_value(v)))
                .collect(),
        ),
    }
}

/// A snapshot as Python `ops` writes it to controller storage (YAML with the tags
/// `!!python/tuple`, `!!set` and `!!binary`; ints of any size) as a [`PyValue`].
pub fn from_yaml(text: &str) -> Result<PyValue, String> {
    yaml_serde::from_str::<YamlPy>(&local_python_tags(text))
        .map(|v| v.0)
        .map_err(|e| e.to_string())
}

/// `text` with the YAML tags Python `ops` writes made local (`!!set` → `!set`), as
/// `serde_yaml` drops `!!` tags silently but hands local ones to the visitor. A tag is
/// only rewritten where a node starts (at a line's start or after `:`, `-`, `[`, `{`, `,`
/// and spaces), so the same letters inside a string stay as they are.
fn local_python_tags(text: &str) -> String {
    const TAGS: [&str; 3] = ["!!set", "!!python/tuple", "!!binary"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("!!") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let starts_node = out
            .trim_end_matches(' ')
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, '\n' | ':' | '-' | '[' | '{' | ','));
        let tag = TAGS.iter().find(|tag| {
            from.strip_prefix(**tag)
                .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\n']))
        });
        match tag {
            Some(tag) if starts_node => {
                out.push_str(&tag[1..]);
                rest = &from[tag.len()..];
            }
            _ => {
                out.push_str("!!");
                rest = &from[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A [`PyValue`] read straight from YAML (not through `yaml_serde::Value`, which has no
/// room for ints beyond 64 bits).
struct YamlPy(PyValue);

impl<'de> serde::Deserialize<'de> for YamlPy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(YamlPy)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = PyValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Python ops snapshot")
    }
    fn visit_unit<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::None)
    }
    fn visit_none<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::None)
    }
    fn visit_bool<E>(self, b: bool) -> Result<PyValue, E> {
        Ok(PyValue::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<PyValue, E> {
        Ok(PyValue::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<PyValue, E> {
        Ok(i64::try_from(u).map_or_else(|_| PyValue::BigInt(u.to_string()), PyValue::Int))
    }
    fn visit_i128<E>(self, i: i128) -> Result<PyValue, E> {
        Ok(i64::try_from(i).map_or_else(|_| PyValue::BigInt(i.to_string()), PyValue::Int))
    }
    fn visit_u128<E>(self, u: u128) -> Result<PyValue, E> {
        Ok(i64::try_from(u).map_or_else(|_| PyValue::BigInt(u.to_string()), PyValue::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<PyValue, E> {
        Ok(PyValue::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<PyValue, E> {
        Ok(PyValue::Str(s.to_string()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlPy(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(PyValue::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
        let mut pairs = Vec::new();
        while let Some((YamlPy(k), YamlPy(v))) = map.next_entry()? {
            pairs.push((k, v));
        }
        Ok(PyValue::Dict(pairs))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<PyValue, A::Error> {
        use serde::de::{Error, VariantAccess};
        let (tag, variant): (String, _) = data.variant()?;
        let YamlPy(inner) = variant.newtype_variant()?;
        Ok(match (tag.trim_start_matches('!'), inner) {
            ("python/tuple", PyValue::List(items)) => PyValue::Tuple(items),
            ("set", PyValue::Dict(pairs)) => {
                PyValue::Set(pairs.into_iter().map(|(k, _)| k).collect())
            }
            ("binary", PyValue::Str(text)) => {
                PyValue::Bytes(base64_decode(&text).map_err(A::Error::custom)?)
            }
            (tag, _) => return Err(A::Error::custom(format!("unsupported YAML tag !{tag}"))),
        })
    }
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err("invalid base64 in !!binary".into()),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// The migration as it stands when the charm's [`MigrationHook`] runs: what was read, the
/// charm struct built by the rule, and what the rule could not map. The hook may change
/// any of it; then the charm is restored from [`Migration::charm`] and the deferred queue
/// is [`Migration::deferred`].
#[derive(Debug)]
pub struct Migration {
    /// Everything the Python charm saved.
    pub python: PythonState,
    /// The Rust charm struct as JSON: its `Default`, with each field the Python
    /// `StoredState` names set from it.
    pub charm: Map<String, Value>,
    /// What the rule did not map: a key of the charm's `StoredState` by its name, any
    /// other `StoredState` (a library's) by its handle path. A hook removes what it
    /// handles; each entry left is logged at WARNING.
    pub unmapped: BTreeMap<String, PyValue>,
    /// The deferred events mapped onto the Rust charm's handlers, oldest first.
    pub deferred: Vec<DeferredEvent>,
    /// The Python notices no Rust handler takes, with why. A hook may map one (push to
    /// [`Migration::deferred`] and remove it here); each left is dropped with a WARNING.
    pub dropped: Vec<(PythonNotice, String)>,
}

/// The charm's own mapping of Python state the rule leaves: called once, after the rule,
/// before the charm is restored. An error fails the hook (nothing is saved; the next hook
/// migrates again).
#[derive(Clone, Copy)]
pub struct MigrationHook(pub fn(&mut Migration) -> Result<(), String>);

impl std::fmt::Debug for MigrationHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MigrationHook")
    }
}

impl PartialEq for MigrationHook {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for MigrationHook {}

const STORED_KIND: &str = "StoredStateData";

/// `Kind[key]` → (`Kind`, `Some(key)`); `Kind` → (`Kind`, `None`).
fn split_part(part: &str) -> (&str, Option<&str>) {
    match part.split_once('[') {
        Some((kind, rest)) => (kind, rest.strip_suffix(']')),
        None => (part, None),
    }
}

/// The Juju event a Python event snapshot describes, if it is one this project knows:
/// `kind` is the handle's kind (`db_relation_changed`).
fn event_from_python(kind: &str, snapshot: &PyValue) -> Option<EventData> {
    let text = |key: &str| {
        snapshot
            .get(key)
            .and_then(PyValue::as_str)
            .map(str::to_string)
    };
    // The events a Python charm can have deferred: Juju's deferrable ones.
    let deferrable = EventKind::ALL
        .iter()
        .filter(|k| k.is_deferrable() && k.def().source == ops_events::Source::Juju);
    deferrable.copied().find_map(|event_kind| {
        let suffix = event_kind.hook_name().replace('-', "_");
        let name_key = match event_kind.def().target {
            ops_events::Target::Relation => Some("relation_name"),
            ops_events::Target::Storage => Some("storage_name"),
            ops_events::Target::Container => Some("container_name"),
            ops_events::Target::None | ops_events::Target::Action => None,
        };
        let mut event = match name_key {
            None if kind == suffix => EventData::new(event_kind),
            None => return None,
            Some(key) => {
                let name = text(key)?;
                if kind != format!("{}_{suffix}", name.replace('-', "_")) {
                    return None;
                }
                EventData::named(event_kind, name)
            }
        };
        event.relation_id = snapshot.get("relation_id").and_then(PyValue::as_u64);
        event.remote_app = text("app_name");
        event.remote_unit = text("unit_name");
        event.departing_unit = text("departing_unit");
        event.storage_index = snapshot
            .get("storage_index")
            .and_then(PyValue::as_u64)
            .and_then(|i| u32::try_from(i).ok());
        if let (Some(id), Some(key)) = (text("notice_id"), text("notice_key")) {
            let kind = text("notice_type").unwrap_or_else(|| "custom".into());
            event.notice = Some(NoticeRef { id, kind, key });
        }
        event.check_name = text("check_name");
        if let Some(id) = text("id").filter(|_| kind.starts_with("secret_")) {
            event.secret = Some(SecretRef {
                id,
                label: text("label"),
                revision: snapshot.get("revision").and_then(PyValue::as_u64),
            });
        }
        Some(event)
    })
}

/// The charm's object path in the Python handles: the one-part owner of its
/// `StoredState`s, or of the notices' observers.
fn charm_root(python: &PythonState) -> Option<String> {
    let stored = python.snapshots.keys().filter_map(|path| {
        let (owner, last) = path.split_once('/')?;
        (!owner.contains('[') && !last.contains('/') && split_part(last).0 == STORED_KIND)
            .then_some(owner)
    });
    let observers = python
        .notices
        .iter()
        .map(|n| n.observer_path.as_str())
        .filter(|o| !o.contains('/') && !o.contains('['));
    stored.chain(observers).next().map(str::to_string)
}

/// Applies the rule (see the module docs) to `python` for the charm `C`.
pub fn map_python_state<C: Charm>(python: PythonState) -> Result<Migration, StoreError> {
    let charm = match serde_json::to_value(C::default()) {
        Ok(Value::Object(map)) => map,
        Ok(_) => Map::new(),
        Err(e) => {
            return Err(StoreError::Corrupt {
                location: "the charm struct".into(),
                detail: format!("cannot be serialised: {e}"),
            })
        }
    };
    let root = charm_root(&python);
    let mut migration = Migration {
        python,
        charm,
        unmapped: BTreeMap::new(),
        deferred: Vec::new(),
        dropped: Vec::new(),
    };
    // The charm's StoredStates, in handle order (`_stored` before `_z`...).
    let mut mapped = std::collections::BTreeSet::new();
    for (path, snapshot) in &migration.python.snapshots {
        let Some((owner, last)) = path.rsplit_once('/') else {
            continue; // the framework's own counter
        };
        if split_part(last).0 != STORED_KIND {
            continue;
        }
        if Some(owner) != root.as_deref() {
            migration.unmapped.insert(path.clone(), snapshot.clone());
            continue;
        }
        let PyValue::Dict(pairs) = snapshot else {
            migration.unmapped.insert(path.clone(), snapshot.clone());
            continue;
        };
        for (key, value) in pairs {
            let name = match key {
                PyValue::Str(name) => name.clone(),
                other => format!("{path}: {other:?}"),
            };
            let json = value.to_json();
            match json {
                Some(json)
                    if migration.charm.contains_key(&name) && mapped.insert(name.clone()) =>
                {
                    migration.charm.insert(name, json);
                }
                // A second StoredState of the charm with the same key: the first one
                // (in handle order) set the field.
                _ if mapped.contains(&name) => {
                    migration
                        .unmapped
                        .insert(format!("{path}.{name}"), value.clone());
                }
                _ => {
                    migration.unmapped.insert(name, value.clone());
                }
            }
        }
    }
    // The deferred notices.
    let notices = migration.python.notices.clone();
    for notice in notices {
        match deferred_for::<C>(&migration.python, root.as_deref(), &notice) {
            Ok(deferred) => migration.deferred.push(deferred),
            Err(why) => migration.dropped.push((notice, why)),
        }
    }
    Ok(migration)
}

fn deferred_for<C: Charm>(
    python: &PythonState,
    root: Option<&str>,
    notice: &PythonNotice,
) -> Result<DeferredEvent, String> {
    if Some(notice.observer_path.as_str()) != root {
        return Err(format!(
            "its observer {} is not the charm (map a library's events in the migration hook)",
            notice.observer_path
        ));
    }
    let (parent, last) = notice.event_path.rsplit_once('/').unwrap_or(("", ""));
    let kind = split_part(last).0;
    if parent != format!("{}/on", notice.observer_path) {
        return Err("it is not a Juju event of the charm".into());
    }
    let snapshot = python
        .snapshots
        .get(&notice.event_path)
        .ok_or("its snapshot is missing")?;
    let event = event_from_python(kind, snapshot).ok_or("it is not a Juju event ops knows")?;
    let observers = C::observers(&event);
    let bare = notice.method_name.trim_start_matches('_');
    let handler = [notice.method_name.as_str(), bare]
        .into_iter()
        .find(|name| observers.iter().any(|o| o == name))
        .ok_or_else(|| {
            format!(
                "no handler {} (or {bare}) observes it in {}",
                notice.method_name,
                std::any::type_name::<C>()
            )
        })?;
    Ok(DeferredEvent {
        event,
        handler: handler.to_string(),
    })
}

/// Finishes `migration` after the hook: logs what is left unmapped or dropped, and builds
/// the state to restore. A field whose value does not fit its type is an error naming it
/// (values are not quoted: they may be secrets).
pub fn finish<C: Charm>(migration: Migration, model: &ModelCore) -> Result<UnitState, StoreError> {
    let source = migration.python.source.clone();
    for key in migration.unmapped.keys() {
        log(
            model,
            LogLevel::Warning,
            &format!(
                "Python ops state {key} from {source} not migrated: \
                 no field of {} takes it (map it in a MigrationHook).",
                std::any::type_name::<C>()
            ),
        );
    }
    for (notice, why) in &migration.dropped {
        log(
            model,
            LogLevel::Warning,
            &format!(
                "Dropping deferred Python event {} (observer {}, method {}): {why}.",
                notice.event_path, notice.observer_path, notice.method_name
            ),
        );
    }
    let charm = Value::Object(migration.charm);
    if serde_json::from_value::<C>(charm.clone()).is_err() {
        let default = serde_json::to_value(C::default()).unwrap_or(Value::Null);
        let misfits: Vec<String> = match (&charm, default) {
            (Value::Object(fields), Value::Object(default)) => fields
                .iter()
                .filter(|(name, value)| {
                    let mut one = default.clone();
                    one.insert((*name).clone(), (*value).clone());
                    serde_json::from_value::<C>(Value::Object(one)).is_err()
                })
                .map(|(name, value)| format!("{name} (a JSON {})", json_type(value)))
                .collect(),
            _ => Vec::new(),
        };
        // Not serde's message: it quotes the value, which may be a secret.
        let what = if misfits.is_empty() {
            "its fields together".to_string()
        } else {
            misfits.join(", ")
        };
        return Err(StoreError::Corrupt {
            location: format!("{source} (Python ops)"),
            detail: format!(
                "it does not fit {}: {what}; convert it in a MigrationHook",
                std::any::type_name::<C>(),
            ),
        });
    }
    log(
        model,
        LogLevel::Info,
        &format!(
            "Migrated the Python ops state from {source}: {} deferred event(s) kept, {} dropped.",
            migration.deferred.len(),
            migration.dropped.len()
        ),
    );
    Ok(UnitState {
        charm: Some(charm),
        deferred: migration.deferred,
        // Built in the charm's current shape: no `migrate_state` to run on it.
        revision: C::STATE_REVISION,
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn log(model: &ModelCore, level: LogLevel, message: &str) {
    if crate::logging::enabled(level) {
        // A log line that cannot be written must not fail the hook.
        let _ = model.backend().juju_log(level, message);
    }
}

/// A [`Store`] that, when `inner` holds no state yet, migrates the Python `ops` state of
/// the charm directory (or of the controller) instead. `ops::main` wraps its store in one
/// when the feature `python-migration` is on.
pub struct PythonMigrationStore<'a, C> {
    inner: &'a dyn Store,
    charm_dir: PathBuf,
    hook: Option<MigrationHook>,
    controller: bool,
    charm: PhantomData<fn() -> C>,
}

impl<'a, C: Charm> PythonMigrationStore<'a, C> {
    /// Wraps `inner`. `controller`: when there is no `.unit-state.db`, look for Python
    /// state in controller storage (`state-get`).
    pub fn new(
        inner: &'a dyn Store,
        charm_dir: &Path,
        hook: Option<MigrationHook>,
        controller: bool,
    ) -> Self {
        PythonMigrationStore {
            inner,
            charm_dir: charm_dir.to_path_buf(),
            hook,
            controller,
            charm: PhantomData,
        }
    }

    /// The Python state to migrate, if any.
    fn read_python(&self, model: &ModelCore) -> Result<Option<PythonState>, StoreError> {
        let file = self.charm_dir.join(PYTHON_STATE_FILE);
        if file.exists() {
            PythonState::read_file(&file)
        } else if self.controller {
            PythonState::read_controller(model)
        } else {
            Ok(None)
        }
    }
}

impl<C: Charm> Store for PythonMigrationStore<'_, C> {
    fn load(&self, model: &ModelCore) -> Result<Option<UnitState>, StoreError> {
        if let Some(state) = self.inner.load(model)? {
            return Ok(Some(state));
        }
        let Some(python) = self.read_python(model)? else {
            return Ok(None);
        };
        let mut migration = map_python_state::<C>(python)?;
        if let Some(MigrationHook(hook)) = self.hook {
            hook(&mut migration).map_err(|e| StoreError::Corrupt {
                location: format!("{} (Python ops)", migration.python.source),
                detail: format!("the migration hook failed: {e}"),
            })?;
        }
        finish::<C>(migration, model).map(Some)
    }

    fn save(&self, model: &ModelCore, state: &UnitState) -> Result<(), StoreError> {
        self.inner.save(model, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// A port whose `port` became a number where Python kept a string.
    #[crate::charm(metadata = "tests/fixtures/python-migration/metadata.yaml")]
    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Port {
        port: u16,
        seen: Vec<String>,
    }

    #[crate::charm]
    impl Port {
        #[on(relation_changed = "db")]
        fn on_db(&mut self, _model: &Model<Self>) {}
    }

    fn python(port: PyValue) -> PythonState {
        let s = |x: &str| PyValue::Str(x.into());
        let stored = PyValue::Dict(vec![
            (s("port"), port),
            (s("seen"), PyValue::Set(vec![s("a")])),
            (s("gone"), PyValue::Int(1)),
        ]);
        let relation = PyValue::Dict(vec![
            (s("relation_name"), s("db")),
            (s("relation_id"), PyValue::Int(3)),
            (s("app_name"), s("pg")),
            (s("unit_name"), s("pg/1")),
        ]);
        let notice = |event: &str, observer: &str, method: &str| PythonNotice {
            event_path: event.into(),
            observer_path: observer.into(),
            method_name: method.into(),
        };
        PythonState {
            source: PythonSource::Controller,
            snapshots: BTreeMap::from([
                ("Port/StoredStateData[_stored]".into(), stored),
                ("Port/on/db_relation_changed[4]".into(), relation.clone()),
                ("Port/Lib[x]/on/db_relation_changed[5]".into(), relation),
                ("StoredStateData[_stored]".into(), PyValue::Dict(vec![])),
            ]),
            notices: vec![
                notice("Port/on/db_relation_changed[4]", "Port", "_on_db"),
                notice("Port/on/db_relation_changed[4]", "Port/Lib[x]", "_on_db"),
                notice("Port/on/config_changed[6]", "Port", "_on_config"),
            ],
        }
    }

    #[test]
    fn the_rule_maps_fields_by_name_and_notices_by_method() {
        let migration = map_python_state::<Port>(python(PyValue::Int(8080))).unwrap();
        assert_eq!(migration.charm["port"], 8080);
        assert_eq!(migration.charm["seen"], serde_json::json!(["a"]));
        assert_eq!(
            migration.unmapped.keys().collect::<Vec<_>>(),
            ["gone"],
            "a key naming no field"
        );
        let mut event = EventData::named(EventKind::RelationChanged, "db");
        event.relation_id = Some(3);
        event.remote_app = Some("pg".into());
        event.remote_unit = Some("pg/1".into());
        assert_eq!(
            migration.deferred,
            [DeferredEvent {
                event,
                handler: "on_db".into()
            }]
        );
        let dropped: Vec<_> = migration
            .dropped
            .iter()
            .map(|(_, why)| why.as_str())
            .collect();
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        assert!(dropped[0].contains("observer Port/Lib[x] is not the charm"));
        assert!(dropped[1].contains("its snapshot is missing"));
    }

    #[test]
    fn a_value_that_does_not_fit_fails_naming_the_field_not_the_value() {
        let backend =
            crate::hookcmds::HookTools::with_runner(crate::hookcmds::fake::Fake::default());
        let model = ModelCore::new(
            Box::new(backend),
            Port::META,
            crate::context::JujuContext::from_vars([("JUJU_UNIT_NAME", "port/0")]),
        );
        let migration = map_python_state::<Port>(python(PyValue::Str("s3cr3t".into()))).unwrap();
        let err = finish::<Port>(migration, &model).unwrap_err().to_string();
        assert!(err.contains("port (a JSON string)"), "{err}");
        assert!(err.contains("controller storage"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn yaml_as_python_ops_writes_it_for_controller_storage() {
        // The value of test_storage.py's test_set_and_get_complex_value in Python ops.
        let text = "foo: 2\n3: [1, 2, '3']\nfour: !!set {2: null, 3: null}\nfive: {a: 2, b: 3.0}\n\
                    six: !!python/tuple [a, b]\nseven: !!binary |\n  MTIzNA==\nbig: 1180591620717411303424\n";
        let value = from_yaml(text).unwrap();
        let s = |x: &str| PyValue::Str(x.into());
        assert_eq!(value.get("foo"), Some(&PyValue::Int(2)));
        assert_eq!(
            value.get("four"),
            Some(&PyValue::Set(vec![PyValue::Int(2), PyValue::Int(3)]))
        );
        assert_eq!(
            value.get("six"),
            Some(&PyValue::Tuple(vec![s("a"), s("b")]))
        );
        assert_eq!(value.get("seven"), Some(&PyValue::Bytes(b"1234".to_vec())));
        assert_eq!(
            value.get("big"),
            Some(&PyValue::BigInt("1180591620717411303424".into()))
        );
        let PyValue::Dict(pairs) = &value else {
            panic!("{value:?}")
        };
        assert_eq!(pairs[1].0, PyValue::Int(3));
        // The same letters inside a string are kept.
        let plain = from_yaml("a: x !!set y\nb: '!!binary'\n").unwrap();
        assert_eq!(plain.get("a"), Some(&s("x !!set y")));
        assert_eq!(plain.get("b"), Some(&s("!!binary")));
        assert_eq!(
            value.to_json(),
            None,
            "a big int has no JSON form, so the whole dict has none"
        );
        assert_eq!(
            value.get("five").unwrap().to_json(),
            Some(serde_json::json!({"a": 2, "b": 3.0}))
        );
    }

    #[test]
    fn handle_paths_are_told_from_other_keys() {
        assert!(is_handle_path("MyCharm/StoredStateData[_stored]"));
        assert!(is_handle_path("StoredStateData[_stored]"));
        assert!(is_handle_path("MyCharm/on/config_changed[12]"));
        assert!(!is_handle_path("ops-unit-state"));
        assert!(!is_handle_path("#notices#"));
        assert!(!is_handle_path("a/b[c"));
    }
}
