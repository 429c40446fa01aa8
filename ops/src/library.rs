//! Charm libraries and custom events: the runtime side of `#[library]`, `#[lib]` and
//! `#[on(db.database_created)]`.
//!
//! A *library* is a type a charm (or another library) embeds as a field marked
//! `#[lib(endpoint = "...")]`. Like Python's `Object` subclasses in charm libraries it
//! observes Juju events itself (its `#[on]` handlers run before the charm's for the same
//! event), keeps state (its fields, saved with the unit's state under the field's name)
//! and emits *custom events* (declared with `events(name = Payload, ...)`), which the
//! charm observes with `#[on(field.name)]` and may defer. `#[library]` generates the
//! [`Library`] impl; nothing here is implemented by hand.
//!
//! A charm can declare custom events of its own the same way (`#[charm(metadata = "...",
//! events(backup_done = BackupDone))]`, observed with `#[on(self.backup_done)]`, emitted
//! with [`Model::emit`](crate::Model::emit)).

use crate::charm::Outcome;
use crate::error::{ModelError, Result};
use crate::event::{Deferrable, EventData, EventKind, FromEvent};
use crate::meta::RelationRole;
use crate::model::{ModelCore, Relation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::Cell;
use std::marker::PhantomData;

/// A charm library: what `#[library(interface = "...", role = "...")]` and its
/// `#[library]` impl generate.
///
/// The type is also the library's persisted state, saved inside the charm's (under the
/// field's name), so it derives `Default`, `Serialize` and `Deserialize` like a charm.
pub trait Library: Default + Serialize + DeserializeOwned + 'static {
    /// The relation interface the library speaks (`postgresql_client`): the charm's
    /// `#[lib(endpoint = "...")]` must name an endpoint with this interface.
    const INTERFACE: &'static str;
    /// The side of the relation it implements: the endpoint must have this role.
    const ROLE: RelationRole;
    /// The library's event names, one associated constant each (generated): what the
    /// charm's `#[on(field.event)]` refers to, so a misspelled event is a compile error.
    type Events;

    /// Adds the handlers observing `event` to `out`, as paths from the charm
    /// (`db.on_changed`), nested libraries' first. Generated.
    #[doc(hidden)]
    fn observers(scope: Scope<'_>, event: &EventData, out: &mut Vec<String>);

    /// Runs the handler `handler` (a path relative to this library) on `event`.
    /// Generated.
    #[doc(hidden)]
    fn dispatch(
        &mut self,
        model: &ModelCore,
        scope: Scope<'_>,
        event: &EventData,
        handler: &str,
    ) -> Outcome;
}

/// Where a library instance sits: the endpoint it is bound to and its path from the
/// charm (`db`, or `ingress.tls` for a library inside a library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The relation endpoint, as named in the metadata.
    pub endpoint: &'a str,
    /// The fields leading to the library, joined with `.`.
    pub path: &'a str,
}

impl Scope<'_> {
    /// The path of the field `field` of this library (`db` + `tls` → `db.tls`).
    pub fn child_path(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    /// Whether `path` is `<this path>.<field>`, without allocating.
    pub fn is_child(&self, path: &str, field: &str) -> bool {
        path.strip_prefix(self.path)
            .and_then(|rest| rest.strip_prefix('.'))
            == Some(field)
    }
}

/// The model as a library's handlers see it: the untyped [`ModelCore`] (through
/// `Deref`), the endpoint the library is bound to, and [`emit`](Self::emit) for its
/// events.
pub struct LibModel<'a, L> {
    core: &'a ModelCore,
    scope: Scope<'a>,
    _library: PhantomData<fn() -> L>,
}

impl<'a, L> LibModel<'a, L> {
    /// The model of the library at `scope`. Generated code builds it.
    #[doc(hidden)]
    pub fn new(core: &'a ModelCore, scope: Scope<'a>) -> Self {
        LibModel {
            core,
            scope,
            _library: PhantomData,
        }
    }

    /// The endpoint this instance is bound to (`database`).
    pub fn endpoint(&self) -> &'a str {
        self.scope.endpoint
    }

    /// The library's path from the charm (`db`): also where its state is saved.
    pub fn path(&self) -> &'a str {
        self.scope.path
    }

    /// The relations of the endpoint (the broken one left out).
    pub fn relations(&self) -> std::result::Result<Vec<Relation<'a>>, ModelError> {
        self.core.relations_of(self.scope.endpoint)
    }

    /// The endpoint's relation `id`, or without an id its one relation (an error if it
    /// has several).
    pub fn relation(
        &self,
        id: Option<u64>,
    ) -> std::result::Result<Option<Relation<'a>>, ModelError> {
        self.core.get_relation(self.scope.endpoint, id)
    }

    /// Emits the library's event `event`: its observers (the charm's
    /// `#[on(<field>.<event>)]` handlers) run in this hook, as soon as the handler that
    /// emitted it returns, before any other handler.
    pub fn emit<E: EventOf<L>>(&self, event: E) -> Result<()> {
        let data = custom_event(Some(self.scope.path), E::NAME, &event)?;
        self.core.queue_emitted(data);
        Ok(())
    }
}

impl<L> std::ops::Deref for LibModel<'_, L> {
    type Target = ModelCore;
    fn deref(&self) -> &ModelCore {
        self.core
    }
}

/// The name of a library's event, typed by its payload: the associated constants of
/// [`Library::Events`] (`database_created: EventName<DatabaseCreated>`). Generated.
#[derive(Debug)]
pub struct EventName<T> {
    name: &'static str,
    _payload: PhantomData<fn() -> T>,
}

impl<T> Clone for EventName<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for EventName<T> {}

impl<T> EventName<T> {
    /// The event `name`. Generated code builds these.
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        EventName {
            name,
            _payload: PhantomData,
        }
    }

    /// The event's name (`database_created`).
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// The payload of the custom event `event` named by `name`: what a charm's
/// `#[on(db.database_created)]` handler receives. Generated code calls it.
#[doc(hidden)]
pub fn custom_payload<T: DeserializeOwned>(
    _name: EventName<T>,
    event: &EventData,
) -> Result<Custom<T>> {
    Custom::from_data(event)
}

/// A payload type declared as the event `NAME` of `S` (a library or a charm), by
/// `events(name = Type)` in its `#[library]` / `#[charm]` attribute. Generated.
pub trait EventOf<S>: Serialize {
    /// The event's name (`database_created`).
    const NAME: &'static str;
}

/// The event data of the custom event `name` emitted by the library at `path` (or by the
/// charm itself), with its payload.
pub(crate) fn custom_event(
    path: Option<&str>,
    name: &str,
    payload: &impl Serialize,
) -> Result<EventData> {
    let payload = serde_json::to_value(payload).map_err(|e| ModelError::Invalid {
        what: "custom event payload",
        detail: format!("{name}: cannot be serialised: {e}"),
    })?;
    Ok(EventData {
        name: path.map(str::to_string),
        custom: Some(name.to_string()),
        payload: Some(payload),
        ..EventData::new(EventKind::Custom)
    })
}

/// The payload of a custom event as its observers receive it: the declared type
/// (through `Deref`), which library emitted it, and [`defer`](Self::defer).
///
/// `fn ready(&mut self, model: &Model<Self>, event: &Custom<DatabaseCreated>)`.
#[derive(Debug)]
pub struct Custom<T> {
    payload: T,
    source: Option<String>,
    deferred: Cell<bool>,
}

impl<T> Custom<T> {
    /// Runs this handler again with the same payload, before the next Juju event, in a
    /// later hook (as Python `ops` re-emits a deferred custom event).
    pub fn defer(&self) {
        self.deferred.set(true);
    }

    /// The path of the library that emitted it (`db`), or `None` for the charm's own.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The payload, by value.
    pub fn into_inner(self) -> T {
        self.payload
    }
}

impl<T> std::ops::Deref for Custom<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.payload
    }
}

impl<'m, T: DeserializeOwned> FromEvent<'m> for Custom<T> {
    fn from_event(_: &'m ModelCore, event: &EventData) -> Result<Self> {
        Custom::from_data(event)
    }
}

impl<T: DeserializeOwned> Custom<T> {
    /// The payload `event` carries, as `T`.
    fn from_data(event: &EventData) -> Result<Self> {
        let name = event.custom.as_deref().unwrap_or("?");
        let value = event.payload.clone().unwrap_or(serde_json::Value::Null);
        let payload = serde_json::from_value(value).map_err(|e| ModelError::Invalid {
            what: "custom event payload",
            detail: format!("{name}: does not fit {}: {e}", std::any::type_name::<T>()),
        })?;
        Ok(Custom {
            payload,
            source: event.name.clone(),
            deferred: Cell::new(false),
        })
    }
}

impl<T> Deferrable for Custom<T> {
    const CAN_DEFER: bool = true;
    fn is_deferred(&self) -> bool {
        self.deferred.get()
    }
}

/// The `#[lib(endpoint = "...")]` checks, run at compile time by the charm's generated
/// `const` items: whether two `&str` are equal.
#[doc(hidden)]
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `role` is `expected` (in a `const`).
#[doc(hidden)]
pub const fn role_is(role: RelationRole, expected: RelationRole) -> bool {
    role as u8 == expected as u8
}

/// [`Charm::dispatch`](crate::Charm::dispatch) with no handler named: runs each observer
/// of `event` in turn (libraries' first), stopping after the first failure.
#[doc(hidden)]
pub fn dispatch_all<C: crate::Charm>(
    charm: &mut C,
    model: &crate::Model<C>,
    event: &EventData,
) -> Outcome {
    let mut all = Outcome::default();
    for handler in C::observers(event) {
        let outcome = charm.dispatch(model, event, Some(&handler));
        all.action_failed |= outcome.action_failed;
        for status in outcome.statuses.statuses() {
            all.statuses.add(status.clone());
        }
        let failed = outcome.handlers.iter().any(|run| run.error.is_some());
        all.handlers.extend(outcome.handlers);
        if failed {
            break;
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_paths() {
        let scope = Scope {
            endpoint: "database",
            path: "db",
        };
        assert_eq!(scope.child_path("tls"), "db.tls");
        assert!(scope.is_child("db.tls", "tls"));
        assert!(!scope.is_child("db.tlsx", "tls"));
        assert!(!scope.is_child("dbx.tls", "tls"));
        assert!(!scope.is_child("db", "tls"));
    }

    #[test]
    fn const_helpers() {
        const { assert!(str_eq("postgresql_client", "postgresql_client")) };
        const { assert!(!str_eq("postgresql_client", "mysql_client")) };
        const { assert!(!str_eq("a", "ab")) };
        const { assert!(!role_is(RelationRole::Requires, RelationRole::Provides)) };
        assert!(role_is(RelationRole::Peer, RelationRole::Peer));
    }
}
