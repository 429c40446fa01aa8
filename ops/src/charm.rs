//! The trait `#[charm]` implements, and the traits of the types it generates.
//!
//! Charm authors never implement these by hand: `#[charm(metadata = "...")]` on the struct
//! and `#[charm]` on its `impl` generate them from the metadata and the `#[on]` handlers.

use crate::error::{Error, Result};
use crate::event::EventData;
use crate::meta::CharmMeta;
use crate::model::{Model, ModelCore};
use crate::status::StatusCollector;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// A config option or action param that did not fit its type, and what converts a param
/// (the generated enums of string `enum`s implement it).
pub use crate::values::{FromValue, ValueError};

/// A charm: its metadata, its typed accessors and its dispatch table.
///
/// The struct itself is the unit's persisted state: it is restored (or `Default`ed) before
/// each hook and saved after one that succeeds.
pub trait Charm: Default + Serialize + DeserializeOwned + 'static {
    /// The metadata, embedded at compile time.
    const META: &'static CharmMeta;

    /// The charm's tracing, declared with `#[charm(..., tracing(endpoint = "..."))]`
    /// (`None`, the default: no spans are recorded or sent).
    const TRACING: Option<crate::tracing::TracingConfig> = None;

    /// The typed `config.options` (`<Charm>Config`).
    type Config: CharmConfig;
    /// Typed relation accessors (`<Charm>Relations`).
    type Relations<'m>;
    /// Typed container accessors (`<Charm>Containers`).
    type Containers<'m>;
    /// Typed storage accessors (`<Charm>Storages`).
    type Storages<'m>;
    /// Typed resource accessors (`<Charm>Resources`).
    type Resources<'m>;

    /// The relation accessors over `model`.
    fn relations(model: &ModelCore) -> Self::Relations<'_>;
    /// The container accessors over `model`.
    fn containers(model: &ModelCore) -> Self::Containers<'_>;
    /// The storage accessors over `model`.
    fn storages(model: &ModelCore) -> Self::Storages<'_>;
    /// The resource accessors over `model`.
    fn resources(model: &ModelCore) -> Self::Resources<'_>;

    /// The names of the handlers observing `event`, in the order they run (empty if none).
    fn observers(event: &EventData) -> Vec<String>;

    /// The revision of the charm struct's saved layout, saved with the state. Bump it
    /// (an inherent `const STATE_REVISION: u32 = 2;` in the `#[charm]` impl) when a
    /// change needs [`Charm::migrate_state`]; added fields alone do not (see the README's
    /// "Persisted state").
    const STATE_REVISION: u32 = 0;

    /// Turns the state saved by revision `saved_revision` (its JSON, before it is fitted
    /// to the charm type) into the current layout; called only when the revisions
    /// differ. The default keeps it as is. Write an inherent
    /// `fn migrate_state(saved: serde_json::Value, saved_revision: u32) -> ops::Result<serde_json::Value>`
    /// in the `#[charm]` impl to provide it. An error fails the hook (`stop` and `remove`
    /// still run, from `Default`).
    fn migrate_state(saved: Value, saved_revision: u32) -> Result<Value> {
        let _ = saved_revision;
        Ok(saved)
    }

    /// Runs the handlers observing `event` in order, or only the handler named `only` (the
    /// framework runs one handler at a time). Says what each did; stops after the first
    /// that fails.
    fn dispatch(&mut self, model: &Model<Self>, event: &EventData, only: Option<&str>) -> Outcome;
}

/// What [`Charm::dispatch`] did: each handler's result, whether an action handler called
/// `fail()`, and the statuses collect-status handlers added. The framework reads this
/// (and nothing else) to decide what to defer, what to report and which status to set.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Outcome {
    /// Each handler run, in order; a failed one is the last.
    pub handlers: Vec<HandlerRun>,
    /// Whether an action handler called [`Action::fail`](crate::Action::fail) (then the
    /// framework does not fail the action again if the hook errors).
    pub action_failed: bool,
    /// The statuses collect-status handlers added.
    pub statuses: StatusCollector,
}

impl Outcome {
    /// The names of the handlers that deferred the event, or the first handler error.
    pub fn into_result(self) -> Result<Vec<String>> {
        let mut deferred = Vec::new();
        for run in self.handlers {
            if let Some(error) = run.error {
                return Err(error);
            }
            if run.deferred {
                deferred.push(run.handler);
            }
        }
        Ok(deferred)
    }
}

/// One handler's run within an [`Outcome`].
#[derive(Debug)]
#[non_exhaustive]
pub struct HandlerRun {
    /// The handler's name (a method of the charm).
    pub handler: String,
    /// Whether it deferred the event.
    pub deferred: bool,
    /// Its error (or the error building its payload), if it failed.
    pub error: Option<Error>,
}

impl HandlerRun {
    /// The run of `handler`, which returned `result` and deferred the event or not.
    pub fn new(handler: impl Into<String>, result: Result<()>, deferred: bool) -> Self {
        HandlerRun {
            handler: handler.into(),
            deferred,
            error: result.err(),
        }
    }
}

/// A typed config struct, built from `config-get`'s answer.
pub trait CharmConfig: Sized {
    /// Reads every option from `values`, applying the metadata's defaults; an option whose
    /// value does not fit its type is an error naming it.
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError>;
}

/// A typed action params struct, built from `action-get`'s answer.
pub trait ActionParams: Sized {
    /// Reads every param from `values`, applying the schema's defaults; a missing required
    /// param, or one that does not fit its schema, is an error naming it.
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError>;
}

impl ActionParams for Map<String, Value> {
    fn from_values(values: &Map<String, Value>) -> Result<Self, ValueError> {
        Ok(values.clone())
    }
}
