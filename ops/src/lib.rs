//! # ops for Rust
//!
//! Write Juju charms in Rust, declaratively. Put `#[charm(metadata = "charmcraft.yaml")]` on
//! a struct and `#[on(...)]` on the methods of its `#[charm]` impl; the macros read the
//! metadata at compile time and generate typed accessors for everything it declares, the
//! event dispatch table, and compile errors (with suggestions) for names it does not.
//!
//! The runtime runs one hook per process: it reads Juju's context from the environment,
//! restores the charm's state, re-emits deferred events, runs the handlers, collects
//! status and saves the state. `ops::testing` (feature `testing`) runs the same code
//! against an in-memory Juju and Pebble for unit tests.

#![warn(missing_docs)]

// Lets `#[charm]`'s generated `::ops::...` paths resolve inside this crate's own tests.
extern crate self as ops;

pub mod action;
mod backend;
pub mod charm;
mod context;
mod entry;
pub mod error;
pub mod event;
mod framework;
mod hookcmds;
pub mod library;
mod logging;
pub mod meta;
pub mod model;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tracing;
mod values;

/// The `log` crate, whose records `ops::main` sends to `juju-log`: a charm logs with
/// `ops::log::info!(...)` without a `log` dependency of its own.
pub use log;
pub use ops_macros::{charm, library, on};
/// The Pebble client (the `juju-ops-pebble` crate), for talking to workload containers:
/// [`Layer`](pebble::Layer), [`Service`](pebble::Service), [`Override`](pebble::Override),
/// [`Client`](pebble::Client)... Its items are shown here, so this page is the whole API.
pub mod pebble {
    #[doc(inline)]
    pub use ops_pebble::*;
}

pub use action::Action;
pub use backend::LogLevel;
pub use charm::{ActionParams, Charm, CharmConfig, HandlerRun, Outcome, ValueError};
pub use context::JujuContext;
pub use entry::{main, main_with, run_main, MainOptions};
pub use error::{Abort, Error, ModelError, Result, ToolCall};
pub use event::{EventData, EventKind};
/// Migration from a Python `ops` charm's state on the first hook of its Rust port
/// (feature `python-migration`).
#[cfg(feature = "python-migration")]
pub use framework::migrate;
pub use framework::{DeferredEvent, Emitted};
pub use hookcmds::ToolLimits;
pub use library::{Custom, EventOf, LibModel, Library};
pub use logging::set_crate_level;
pub use model::{
    App, Container, Databag, JujuVersion, Member, Model, ModelCore, NetworkInfo, Port, Protocol,
    Relation, Secret, SecretContent, SecretExpiry, SecretRotate, SecretSettings, Storage, Unit,
};
pub use status::{Status, StatusCollector, StatusName};

/// What a charm's source file needs: `use ops::prelude::*;`.
///
/// A charm crate depends on `juju-ops` alone (its library is named `ops`): on the charm
/// struct, `#[charm]` points the `Serialize` / `Deserialize` derives at the serde that
/// `ops` re-exports, and `ops::log` is the `log` crate the runtime sends to `juju-log`.
/// (Other types that derive serde's traits need `serde` in the crate's own
/// `Cargo.toml`, as usual.)
///
/// ```toml
/// [dependencies]
/// juju-ops = "0.1"
///
/// [dev-dependencies]
/// juju-ops = { version = "0.1", features = ["testing"] }   # ops::testing for unit tests
/// ```
pub mod prelude {
    pub use crate::{
        charm, library, on, Abort, Action, Charm, Custom, Error, LibModel, Member, Model,
        ModelCore, Result, Status, StatusCollector,
    };
    pub use serde::{Deserialize, Serialize};
}

/// Items the generated code uses. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    /// The hook-tool runner, for `bench/benches/tool_call.rs` (not for charms).
    pub use crate::hookcmds::{ProcessRunner, Runner};
    pub use ops_macros::{__charm_impl, __library_impl};
    pub use serde;
    pub use serde_json;

    /// What the generated `Config` and params structs read their fields with.
    pub mod values {
        pub use crate::values::{
            check_enum, check_no_extra_keys, field, join_path, required_field, string_enum,
            FromValue, ValueError,
        };
    }

    /// What `#[charm]` stands in for its generated types when the metadata could not be
    /// read (a compile error already says why): never built at run time.
    pub struct Unavailable;

    impl crate::CharmConfig for Unavailable {
        fn from_values(
            _: &serde_json::Map<String, serde_json::Value>,
        ) -> Result<Self, crate::ValueError> {
            Ok(Unavailable)
        }
    }

    /// The metadata of a charm whose metadata file could not be read.
    pub static UNREADABLE_META: crate::meta::CharmMeta = crate::meta::CharmMeta::named("");
}
