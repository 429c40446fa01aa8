//! [`Manager`]: one run of [`Context`] in two steps, with the charm and the model in reach
//! before and after the event (Python Scenario's `with ctx(event, state) as mgr:`).

use super::context::{model_for, record_dispatch, run_options, Context, Event, RunError};
use super::sim::SimRef;
use super::state::State;
use crate::charm::Charm;
use crate::event::EventKind;
use crate::framework;
use crate::model::Model;

/// One event, set up but not run yet: the charm is restored from the state (or
/// `Default`ed) and the model is over the simulated unit, as the handlers will see them.
/// Made by [`Context::manager`].
///
/// Look at or change the charm ([`Manager::charm_mut`]) and read or act through the model
/// ([`Manager::model`]), then [`Manager::run`] the event, once: it consumes the manager and
/// hands back a [`Finished`] run, where the charm, the model and the output state are there
/// to inspect.
///
/// ```ignore
/// let mut ctx = Context::<MyCharm>::new();
/// let state = State::new().leader(true);
///
/// let mut mgr = ctx.manager(ctx.on.start(), &state)?;
/// assert!(!mgr.charm().started);
/// assert!(mgr.model().unit().is_leader()?);
/// mgr.charm_mut().greeting = "hi".into(); // the handlers see this
///
/// let done = mgr.run()?;
/// assert!(done.charm().started);
/// assert_eq!(done.state().unit_status, Status::active("hi"));
/// assert!(done.context().juju_log().is_empty()); // the run's outputs
/// let out: State = done.into_state();
/// ```
///
/// The run is the same as [`Context::run`]'s (consistency checks when the manager is
/// made, deferred events re-emitted, collect-status, the charm and deferred queue
/// committed into the output state), and it replaces the context's outputs.
///
/// Unlike Python's context manager, dropping a manager without calling
/// [`run`](Manager::run) runs nothing.
pub struct Manager<'c, C: Charm> {
    ctx: &'c mut Context<C>,
    event: Event,
    sim: SimRef,
    model: Model<C>,
    charm: C,
}

/// A [`Manager`]'s event after it ran successfully: the charm as the handlers left it, the
/// model they used, the output state and the context with the run's outputs.
pub struct Finished<'c, C: Charm> {
    ctx: &'c Context<C>,
    model: Model<C>,
    charm: C,
    state: State,
}

impl<C: Charm> Context<C> {
    /// Sets up `event` over `state` without running it, to look at or change the charm and
    /// the model first: see [`Manager`]. Runs the consistency checks and restores the charm
    /// now, so an inconsistent state or a stored state that does not fit the charm is an
    /// error here. `state` is untouched.
    pub fn manager(&mut self, event: Event, state: &State) -> Result<Manager<'_, C>, RunError> {
        let settings = self.settings();
        self.check(&settings, state, &event)?;
        let charm = match &state.stored_state {
            Some(value) => C::deserialize(value).map_err(|e| RunError::Charm {
                event: event.hook_name(),
                message: format!(
                    "the stored state does not fit {}: {e}",
                    std::any::type_name::<C>()
                ),
                panicked: false,
            })?,
            None => C::default(),
        };
        let sim = self.new_sim(&settings, state, &event);
        let model = model_for::<C>(&sim, &settings, &event.data);
        Ok(Manager {
            ctx: self,
            event,
            sim,
            model,
            charm,
        })
    }
}

impl<'c, C: Charm> Manager<'c, C> {
    /// The charm the event will run on.
    pub fn charm(&self) -> &C {
        &self.charm
    }

    /// The charm the event will run on, to change before it runs.
    pub fn charm_mut(&mut self) -> &mut C {
        &mut self.charm
    }

    /// The model the handlers will use (the event's hook context). What is done through it
    /// now happens in the same hook: relation writes are sent at the end of the run, a
    /// status set now is the one the handlers find.
    pub fn model(&self) -> &Model<C> {
        &self.model
    }

    /// The event that will run.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Runs the event on the charm, as [`Context::run`] does, and replaces the context's
    /// outputs with this run's. An error is what [`Context::run`] would return for it
    /// (the charm failed, or the action failed).
    pub fn run(self) -> Result<Finished<'c, C>, RunError> {
        let Manager {
            ctx,
            event,
            sim,
            model,
            mut charm,
        } = self;
        let result = {
            let _logger = super::logger::capture(&sim);
            let deferred = sim.borrow().state.deferred.clone();
            let result = framework::dispatch_in_place(
                &model,
                &mut charm,
                deferred,
                Some(&event.data),
                run_options(&event, false),
            );
            record_dispatch(&sim, &model, &event, result)
        };
        let (state, output) = {
            let mut s = sim.borrow_mut();
            (s.state.clone(), std::mem::take(&mut s.out))
        };
        let action_failure = output.action_failure.clone();
        let results = output.action_results.clone().unwrap_or_default();
        let logs = output.action_logs.clone();
        ctx.set_output(output);
        result?;
        if event.data.kind == EventKind::Action {
            if let Some(message) = action_failure {
                return Err(RunError::ActionFailed {
                    message,
                    results,
                    logs,
                    state: Box::new(state),
                });
            }
        }
        Ok(Finished {
            ctx,
            model,
            charm,
            state,
        })
    }
}

impl<'c, C: Charm> Finished<'c, C> {
    /// The charm as the handlers left it (also after a handler returned
    /// [`Abort`](crate::Abort), which commits as a success, or asked for an immediate
    /// reboot, when nothing was committed).
    pub fn charm(&self) -> &C {
        &self.charm
    }

    /// The model the handlers used. Reads may come from its per-hook cache; what is done
    /// through it now does not change [`Finished::state`].
    pub fn model(&self) -> &Model<C> {
        &self.model
    }

    /// The state after the event (what [`Context::run`] returns).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state after the event, keeping nothing else.
    pub fn into_state(self) -> State {
        self.state
    }

    /// The context, with this run's outputs ([`Context::juju_log`],
    /// [`Context::emitted_events`], [`Context::unit_status_history`]...).
    pub fn context(&self) -> &'c Context<C> {
        self.ctx
    }
}
