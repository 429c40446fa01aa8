//! The `#[on]` keys: every Juju event, what kind of name it takes and its payload type,
//! from the one table in `ops-events` (shared with the runtime's `EventKind`).

pub use ops_events::{EventDef as EventSpec, Payload, Target, EVENTS};

/// The spec for `key`, if it is one.
pub fn lookup(key: &str) -> Option<&'static EventSpec> {
    ops_events::by_key(key)
}
