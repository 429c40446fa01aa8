//! The macro tests' unit: `ops::testing`'s simulated Juju, for tests that call the
//! generated `Charm::dispatch` by hand on a charm they keep across events.

use ops::testing::{Context, Event, State};
use ops::{Charm, EventData, Outcome};
use serde_json::{Map, Value};

/// A simulated unit of charm `C` (the leader, as these tests' handlers expect): the state
/// its model reads and the params its next action gets.
pub struct Unit<C: Charm> {
    ctx: Context<C>,
    /// What the simulated Juju knows about the unit.
    pub state: State,
    /// The params of the actions dispatched.
    pub action_params: Map<String, Value>,
}

impl<C: Charm> Unit<C> {
    /// A leader unit with an empty state. The tests dispatch events on things the state
    /// does not hold (a secret, a notice), so the consistency checks are off.
    pub fn new() -> Self {
        Unit {
            ctx: Context::new().skip_consistency_checks(),
            state: State::new().leader(true),
            action_params: Map::new(),
        }
    }

    /// Dispatches `event` to `charm` (kept by the test, not restored from the state) over
    /// the model the event's handlers would get.
    pub fn dispatch(&mut self, charm: &mut C, event: &EventData, only: Option<&str>) -> Outcome {
        let run = Event::from_data(event.clone()).params(self.action_params.clone());
        let manager = self
            .ctx
            .manager(run, &self.state)
            .unwrap_or_else(|e| panic!("cannot set up {event:?}: {e}"));
        charm.dispatch(manager.model(), event, only)
    }
}
