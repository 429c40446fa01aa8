//! The dispatch machinery: event selection, the unit's persisted state and the run of
//! one hook (deferred events, the event, collect-status, commit).
//!
//! `ops::main` and `ops::testing` share [`run`] / [`dispatch`]: the first with the
//! hook-tool backend and a [`FileStore`], the second with an in-memory backend.

pub mod debug;
mod evolve;
mod legacy;
#[cfg(feature = "python-migration")]
pub mod migrate;
mod run;
mod select;
mod store;
#[cfg(test)]
mod tests;

pub use legacy::run_legacy_hook;
pub use run::{run_then, Emitted, RunOptions};
pub use select::{legacy_dispatch_path, select_event};
pub use store::{ControllerStore, DeferredEvent, FileStore, Store, StoreError};
// What only `ops::testing` drives directly.
#[cfg(feature = "testing")]
pub use run::Dispatched;
#[cfg(test)]
pub use {run::run, store::MemoryStore};
#[cfg(any(test, feature = "testing"))]
pub use {
    run::{dispatch, dispatch_in_place, event_label, DispatchError},
    store::UnitState,
};
