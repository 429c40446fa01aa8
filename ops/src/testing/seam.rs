//! The test seam: a setup a test gives [`Context::charm_setup`](super::Context::charm_setup)
//! or [`Harness::charm_setup`](super::Harness::charm_setup), run on the charm of every run
//! once it is restored from the state (or `Default`ed) and before any handler.
//!
//! A charm keeps what it calls out to (an HTTP client, a package manager, a clock) in
//! fields that are not persisted (`#[serde(skip)]`), whose `Default` is the real thing;
//! a test's setup puts test doubles there. Production code has no thread-local, no global
//! and no `cfg(test)` for it.

use crate::charm::Charm;
use crate::event::EventData;
use crate::framework::{self, DispatchError, Dispatched, RunOptions, UnitState};
use crate::model::Model;
use std::any::Any;
use std::rc::Rc;

/// A test's setup of the charm, or none. Type-erased so that the settings a run shares
/// between [`Context`](super::Context) and the Harness stay free of the charm type.
#[derive(Clone, Default)]
pub(crate) struct CharmSetup(Option<Rc<SetupFn>>);

/// A setup, taking the charm as `Any` (it downcasts to its charm type).
type SetupFn = dyn Fn(&mut dyn Any);

impl std::fmt::Debug for CharmSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "CharmSetup(set)"
        } else {
            "CharmSetup(none)"
        })
    }
}

impl CharmSetup {
    /// A setup of charms of type `C`.
    pub fn new<C: 'static>(setup: impl Fn(&mut C) + 'static) -> Self {
        CharmSetup(Some(Rc::new(move |charm: &mut dyn Any| {
            if let Some(charm) = charm.downcast_mut::<C>() {
                setup(charm);
            }
        })))
    }

    /// Runs the setup (if any) on `charm`.
    pub fn apply<C: 'static>(&self, charm: &mut C) {
        if let Some(setup) = &self.0 {
            setup(charm);
        }
    }
}

/// [`framework::dispatch`], with `setup` run on the restored charm before the handlers.
/// A saved state that does not fit the charm goes to `framework::dispatch` as it is, so
/// the error and its report are the framework's own.
pub(crate) fn dispatch<C: Charm>(
    model: &Model<C>,
    setup: &CharmSetup,
    state: UnitState,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<Dispatched<C>, DispatchError> {
    if setup.0.is_none() {
        return framework::dispatch(model, state, event, options);
    }
    let restored = match &state.charm {
        Some(value) => serde_json::from_value::<C>(value.clone()).ok(),
        None => Some(C::default()),
    };
    let Some(mut charm) = restored else {
        return framework::dispatch(model, state, event, options);
    };
    setup.apply(&mut charm);
    let done = framework::dispatch_in_place(model, &mut charm, state.deferred, event, options)?;
    Ok(Dispatched {
        charm,
        state: done.state,
        emitted: done.emitted,
        collected: done.collected,
    })
}
