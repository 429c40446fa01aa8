//! Unit tests for charms, without Juju or Pebble (feature `testing`).
//!
//! State-transition tests in the style of Python's `ops.testing` (Scenario): build a
//! [`State`], run one event with [`Context::run`], and assert on the [`State`] that comes
//! out and on what the run recorded (logs, status history, action results...). The charm
//! runs through the same dispatch, framework and model code as in production, over an
//! in-memory Juju and an in-memory Pebble.
//!
//! ```ignore
//! use ops::testing::{Context, State, Relation};
//!
//! let mut ctx = Context::<MyCharm>::new();
//! let db = Relation::new("database").remote_app_data([("host", "db.local")]);
//! let out = ctx.run(ctx.on.relation_changed(&db), &State::new().relation(db.clone()))?;
//! assert_eq!(out.unit_status, ops::Status::active(""));
//! ```
//!
//! A [`State`] that contradicts the metadata (an undeclared relation, config of the wrong
//! type, an event on something absent from the state...) is rejected with
//! [`RunError::Inconsistent`] before the charm runs.
//!
//! To look at (or change) the charm and the model just before the event runs, and at the
//! charm and model the handlers left just after, split the run in two with
//! [`Context::manager`] (Python's `with ctx(event, state) as mgr:`); see [`Manager`].
//!
//! A container can start from the layer a rock's `rockcraft.yaml` defines:
//! [`layer_from_rockcraft`].
//!
//! [`Harness`] is the older, stateful style, on the same in-memory backend.

mod consistency;
pub(crate) mod context;
mod harness;
mod logger;
mod manager;
mod pebble;
mod rockcraft;
mod schema;
mod seam;
pub(crate) mod sim;
mod state;

#[cfg(test)]
mod tests;

pub use context::{Context, Event, On, RunError};
pub use harness::{ActionOutput, Harness, IntoActionParams};
pub use manager::{Finished, Manager};
pub use rockcraft::{layer_from_rockcraft, RockcraftError};
pub use sim::{default_network, ExecArgs, ExecResult, JujuLogLine, Output};
pub use state::{
    default_unit_databag, new_secret_id, next_relation_id, CheckInfo, Container, DeferredEvent,
    Exec, FsEntry, ModelInfo, Mount, Notice, Relation, RelationKind, Secret, State, Storage,
};

pub use crate::model::{
    BindAddress, CloudCredential, CloudSpec, InterfaceAddress, LogLevel, NetworkInfo, Port,
    SecretOwner,
};
pub use ops_pebble::{
    CheckLevel, CheckStartup, CheckStatus, Layer, NoticeType, Plan, ServiceStatus,
};
