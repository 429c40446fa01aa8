//! One dispatch: restore the charm, re-emit deferred events, emit the event, collect
//! status, and hand back the state to commit.

use super::evolve;
use super::store::{DeferredEvent, Store, StoreError, UnitState};
use crate::backend::LogLevel;
use crate::charm::Charm;
use crate::error::Error;
use crate::event::{EventData, EventKind};
use crate::model::Model;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How one dispatch went wrong. Nothing is saved after any of these but
/// [`DispatchError::Aborted`], which carries the state to save.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// A handler (or the framework on its behalf, e.g. setting the collected status)
    /// returned an error.
    #[error("{event}: {error}")]
    Failed {
        /// The event being handled (`config_changed`), with the handler when known.
        event: String,
        /// The error.
        error: Error,
    },
    /// A handler panicked.
    #[error("{event}: panicked: {message}")]
    Panicked {
        /// The event being handled, with the handler when known.
        event: String,
        /// The panic's message.
        message: String,
    },
    /// The saved state could not be read or written, or does not fit the charm type.
    #[error("unit state: {0}")]
    State(#[from] StoreError),
    /// A handler asked for an immediate reboot (`unit.reboot(true)`): Juju runs the hook
    /// again after the reboot, so nothing is committed, and the exit status is 0.
    #[error("the unit is rebooting now")]
    RebootNow,
    /// A handler returned [`Abort`](crate::Abort): the unit status (or, in an action, the
    /// action's failure) is set, the hook's relation writes are sent and its state is
    /// saved as after a success (so a later run of the same hook sees what this one did,
    /// e.g. a secret it added), and the exit status is 0.
    #[error("{event}: {abort}")]
    Aborted {
        /// The event being handled, with the handler.
        event: String,
        /// What the handler ended the hook with.
        abort: crate::Abort,
        /// The handlers run before the abort, in order, then the aborting one, then the
        /// `pre_commit` and `commit` handlers (as [`Dispatched::emitted`]): they did run.
        emitted: Vec<Emitted>,
        /// The state to save: the charm as the handlers left it, the deferred events
        /// still queued (those not reached stay queued; the aborting one is consumed).
        state: Box<UnitState>,
    },
}

impl DispatchError {
    /// The process exit status this error calls for: 0 for [`DispatchError::RebootNow`]
    /// and [`DispatchError::Aborted`], 1 otherwise (so Juju retries the hook).
    pub fn exit_code(&self) -> i32 {
        match self {
            DispatchError::RebootNow | DispatchError::Aborted { .. } => 0,
            _ => 1,
        }
    }
}

/// Options of one dispatch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// A restricted context (`collect-metrics`, `meter-status-changed`): deferred events
    /// are not re-emitted and collect-status does not run.
    pub restricted: bool,
    /// Skip collect-status only (deferred events are still re-emitted). Juju hooks never
    /// set this; `ops::testing`'s Harness does, because like Python's it runs
    /// collect-status only when asked (`Harness::evaluate_status`).
    pub skip_collect_status: bool,
}

/// One handler run during a dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The event.
    pub event: EventData,
    /// The handler that ran.
    pub handler: String,
    /// Whether it was a re-emitted deferred event.
    pub reemitted: bool,
    /// Whether the handler deferred it (again).
    pub deferred: bool,
}

/// What a successful dispatch did.
#[derive(Debug)]
pub struct Dispatched<C> {
    /// The charm after its handlers ran.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))] // read by ops::testing
    pub charm: C,
    /// The state to save (with [`run`], already saved).
    pub state: UnitState,
    /// Every handler run, in order (re-emitted events, the event, collect-status).
    pub emitted: Vec<Emitted>,
    /// What collect-status handlers added outside the collect-status step (when the
    /// dispatched event itself is `collect_unit_status` or `collect_app_status`, as
    /// `ops::testing`'s `Harness::evaluate_status` dispatches it): not set by the dispatch.
    pub collected: Collected,
}

/// Statuses collect-status handlers added, for the unit and for the application.
#[derive(Debug, Default)]
pub struct Collected {
    /// From `collect_unit_status` handlers.
    pub unit: crate::status::StatusCollector,
    /// From `collect_app_status` handlers.
    pub app: crate::status::StatusCollector,
}

/// The name Python `ops` gives an event: `config_changed`, `database_relation_changed`,
/// `get_db_info_action`.
pub fn event_label(event: &EventData) -> String {
    if let Some(custom) = &event.custom {
        // A custom event: `database_created`, with the emitting library's path.
        return match &event.name {
            Some(path) => format!("{path}.{custom}"),
            None => custom.clone(),
        };
    }
    let suffix = kind_name(event.kind);
    let full = match &event.name {
        Some(name) => format!("{name}-{suffix}"),
        None => suffix.to_string(),
    };
    full.replace('-', "_")
}

/// The kind's hook-name part (`relation-changed`, `pebble-ready`, `action`).
pub fn kind_name(kind: EventKind) -> &'static str {
    kind.hook_name()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// Sends a framework log line to `juju-log` if the level filter lets it through.
fn framework_log<C>(model: &Model<C>, level: LogLevel, message: &str) {
    if crate::logging::enabled(level) {
        // A log line that cannot be written must not fail the hook.
        let _ = model.backend().juju_log(level, message);
    }
}

/// A collect-status handler may only add statuses a charm can set: `error` and `unknown`
/// fail the hook, whichever status wins (Python `ops` raises `InvalidStatusError` from
/// `add_status`).
fn settable_only(
    collected: &crate::status::StatusCollector,
    event: &EventData,
) -> Result<(), DispatchError> {
    match collected.statuses().iter().find(|s| !s.name.is_settable()) {
        None => Ok(()),
        Some(status) => Err(DispatchError::Failed {
            event: event_label(event),
            error: crate::ModelError::Invalid {
                what: "collected status",
                detail: format!(
                    "{:?} cannot be added: a charm sets active, blocked, maintenance or waiting",
                    status.name.as_str()
                ),
            }
            .into(),
        }),
    }
}

/// The tracing span of one handler run, named and annotated as Python `ops` names it
/// (`config_changed: Demo`, with `handler` `Demo.on_config`; a custom or library event
/// `database_created: Demo`, `event_type` `custom`).
fn handler_span<C>(event: &EventData, handler: &str, reemitted: bool) -> crate::tracing::SpanGuard {
    let charm = crate::tracing::charm_type_name::<C>();
    // Python's event kind: the hook's name, or a custom event's own name.
    let kind = || match &event.custom {
        Some(custom) => custom.clone(),
        None => event_label(event),
    };
    let span = crate::tracing::span_with(|| format!("{}: {charm}", kind()));
    if span.is_recording() {
        let event_type = match event.kind {
            EventKind::Action => "action",
            EventKind::CollectAppStatus
            | EventKind::CollectUnitStatus
            | EventKind::PreCommit
            | EventKind::Commit => "framework",
            EventKind::Custom => "custom",
            _ => "hook",
        };
        let class = match (&event.custom, event.kind) {
            (Some(custom), _) => custom.clone(),
            (None, EventKind::CollectAppStatus | EventKind::CollectUnitStatus) => {
                "collect-status".to_string()
            }
            (None, kind) => kind_name(kind).to_string(),
        };
        span.attr("deferred", || reemitted.into());
        span.attr("event", || format!("{event:?}").into());
        span.attr("event_type", || event_type.into());
        span.attr("event_class", || python_event_class(&class).into());
        span.attr("event_name", || kind().into());
        span.attr("handler", || format!("{charm}.{handler}").into());
    }
    span
}

/// The class name Python `ops` gives an event called `name` (`config-changed` →
/// `ConfigChangedEvent`, `database_created` → `DatabaseCreatedEvent`).
fn python_event_class(name: &str) -> String {
    let mut class: String = name
        .split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    class.push_str("Event");
    class
}

struct Runner<'a, C: Charm> {
    model: &'a Model<C>,
    charm: &'a mut C,
    emitted: Vec<Emitted>,
    /// Whether an action handler called `fail()` (then a failure is not reported twice).
    action_failed: bool,
    collected: Collected,
    /// The deferred events to save, oldest first.
    queue: Vec<DeferredEvent>,
}

impl<'a, C: Charm> Runner<'a, C> {
    fn new(model: &'a Model<C>, charm: &'a mut C) -> Self {
        Runner {
            model,
            charm,
            emitted: Vec::new(),
            action_failed: false,
            collected: Collected::default(),
            queue: Vec::new(),
        }
    }

    /// Delivers the custom events the last handler emitted, in order, each to all its
    /// observers at once (and, depth first, what they emit), as Python `ops`'s `emit()`
    /// does; an observer that defers one queues it with its payload.
    fn deliver_emitted(&mut self) -> Result<(), DispatchError> {
        for event in self.model.core().take_emitted() {
            framework_log(
                self.model,
                LogLevel::Debug,
                &format!("Emitting custom event {}.", event_label(&event)),
            );
            // As in Python, the event is queued for its observers before any runs, so
            // their deferrals come before those of events they emit.
            let mut at = self.queue.len();
            for handler in C::observers(&event) {
                if self.run_handler(&event, &handler, false)? {
                    let deferred = DeferredEvent {
                        event: event.clone(),
                        handler,
                    };
                    self.queue.insert(at, deferred);
                    at += 1;
                }
            }
        }
        Ok(())
    }

    /// Runs the handler `handler` on `event`; returns whether it deferred.
    fn run_handler(
        &mut self,
        event: &EventData,
        handler: &str,
        reemitted: bool,
    ) -> Result<bool, DispatchError> {
        let model = self.model;
        let charm = &mut *self.charm;
        // `juju debug-code`: Juju's events and actions, not collect-status (as Python).
        let from_juju = event.kind.def().source == ops_events::Source::Juju;
        if from_juju && super::debug::stops_at_handlers(&model.context().debug_at) {
            let place = format!("handler {handler} of {}", event_label(event));
            let symbol = format!("{}::{handler}", std::any::type_name::<C>());
            super::debug::stop(&place, Some(&symbol));
        }
        let span = handler_span::<C>(event, handler, reemitted);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            charm.dispatch(model, event, Some(handler))
        }));
        match &outcome {
            Ok(outcome) => {
                if let Some(error) = outcome.handlers.iter().find_map(|r| r.error.as_ref()) {
                    span.error(|| error.to_string());
                }
            }
            Err(payload) => span.error(|| format!("panicked: {}", panic_message(&**payload))),
        }
        drop(span);
        let what = || format!("{} (handler {handler})", event_label(event));
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(payload) => {
                return Err(DispatchError::Panicked {
                    event: what(),
                    message: panic_message(&*payload),
                })
            }
        };
        self.action_failed |= outcome.action_failed;
        let collected = if event.kind == EventKind::CollectAppStatus {
            &mut self.collected.app
        } else {
            &mut self.collected.unit
        };
        for status in outcome.statuses.statuses() {
            collected.add(status.clone());
        }
        let mut deferred = false;
        if let Some(run) = outcome.handlers.into_iter().next_back() {
            if let Some(error) = run.error {
                if let Some(abort) = error.downcast_ref::<crate::Abort>() {
                    self.emitted.push(Emitted {
                        event: event.clone(),
                        handler: handler.to_string(),
                        reemitted,
                        deferred: false,
                    });
                    return Err(self.abort(event, what(), abort.clone()));
                }
                return Err(DispatchError::Failed {
                    event: what(),
                    error,
                });
            }
            deferred = run.deferred;
        }
        if model.reboot_now_requested() {
            return Err(DispatchError::RebootNow);
        }
        if deferred && !event.kind.is_deferrable() {
            // Only through `AnyEvent`: the typed payloads of these events have no `defer()`.
            framework_log(
                model,
                LogLevel::Warning,
                &format!(
                    "{handler} deferred {}, which cannot be deferred: ignored.",
                    event_label(event)
                ),
            );
        }
        let deferred = deferred && event.kind.is_deferrable();
        self.emitted.push(Emitted {
            event: event.clone(),
            handler: handler.to_string(),
            reemitted,
            deferred,
        });
        self.deliver_emitted()?;
        Ok(deferred)
    }

    /// Ends the dispatch for a handler's [`Abort`](crate::Abort): fails the action with
    /// its message, or sets the unit status.
    fn abort(&mut self, event: &EventData, what: String, abort: crate::Abort) -> DispatchError {
        let model = self.model;
        framework_log(model, LogLevel::Warning, &format!("{what}: {abort}"));
        let applied = if event.kind == EventKind::Action {
            model.backend().action_fail(&abort.status().message)
        } else {
            model.unit().set_status(abort.status().clone())
        };
        match applied {
            Ok(()) => DispatchError::Aborted {
                event: what,
                abort,
                // Both filled in by `dispatch_inner`, once the commit events have run.
                emitted: Vec::new(),
                state: Box::default(),
            },
            Err(error) => DispatchError::Failed {
                event: what,
                error: error.into(),
            },
        }
    }

    /// Runs the handlers of `pre_commit` or `commit` (`kind`), in order. An abort ends
    /// the list, as it ends an event's, and is kept in `aborted` unless the hook already
    /// ended with one (the state is saved either way).
    fn commit_event(
        &mut self,
        kind: EventKind,
        aborted: &mut Option<DispatchError>,
    ) -> Result<(), DispatchError> {
        let event = EventData::new(kind);
        for handler in C::observers(&event) {
            match self.run_handler(&event, &handler, false) {
                Ok(_) => {}
                Err(err @ DispatchError::Aborted { .. }) => {
                    aborted.get_or_insert(err);
                    break;
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    fn collect_status(&mut self) -> Result<(), DispatchError> {
        let model = self.model;
        let failed = |error: crate::ModelError| DispatchError::Failed {
            event: "collect-status".into(),
            error: error.into(),
        };
        let app_event = EventData::new(EventKind::CollectAppStatus);
        let app_observers = C::observers(&app_event);
        if !app_observers.is_empty() && model.is_leader().map_err(failed)? {
            for handler in &app_observers {
                self.run_handler(&app_event, handler, false)?;
            }
            let collected = std::mem::take(&mut self.collected.app);
            settable_only(&collected, &app_event)?;
            if let Some(status) = collected.winner() {
                model.app().set_status(status.clone()).map_err(failed)?;
            }
        }
        let unit_event = EventData::new(EventKind::CollectUnitStatus);
        let unit_observers = C::observers(&unit_event);
        if !unit_observers.is_empty() {
            for handler in &unit_observers {
                self.run_handler(&unit_event, handler, false)?;
            }
            let collected = std::mem::take(&mut self.collected.unit);
            settable_only(&collected, &unit_event)?;
            if let Some(status) = collected.winner() {
                model.unit().set_status(status.clone()).map_err(failed)?;
            }
        }
        Ok(())
    }
}

/// Runs one dispatch over `state` (what was saved after the last successful hook):
///
/// 1. restores the charm from `state.charm` (or `C::default()`);
/// 2. unless restricted, re-emits each deferred event, oldest first, to the handler that
///    deferred it only, keeping it queued if that handler defers it again;
/// 3. emits `event` (if any) to each of its handlers in order, queueing it for those that
///    defer it (a handler with an identical event already queued is skipped, as Python
///    `ops` does);
/// 4. unless restricted or [`RunOptions::skip_collect_status`], runs collect-status: `collect_app_status` handlers on the leader
///    (then the app status is set to the winner), `collect_unit_status` handlers (then the
///    unit status is set); nothing collected, nothing set;
/// 5. runs the `pre_commit` handlers (what they change in the charm and in relation
///    data is saved and sent);
/// 6. sends the relation databag writes the handlers made (one `relation-set` each);
/// 7. serialises the charm: the state to commit;
/// 8. runs the `commit` handlers (their relation writes are sent; the state is fixed);
/// 9. returns the charm and the state to commit.
///
/// Python `ops` runs `pre_commit` and `commit` in the same place (`framework.commit()`,
/// after collect-status). An [`Abort`](crate::Abort) skips collect-status but, as its
/// state is saved, not the commit events (Python saves nothing after its `_Abort`, and
/// emits neither).
///
/// On a handler error or panic it logs the error at `ERROR` through `juju-log`, fails the
/// action (if the event is one, and the handler did not already call `fail()`), and
/// returns the error: nothing must be saved. `ops::testing` calls this (or [`run`]) with
/// its in-memory model; `ops::main` calls [`run`] with the hook-tool model.
pub fn dispatch<C: Charm>(
    model: &Model<C>,
    state: UnitState,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<Dispatched<C>, DispatchError> {
    let mut charm = match restore::<C>(model, state.charm, state.revision) {
        Ok(charm) => charm,
        Err(err)
            if event.is_some_and(|e| matches!(e.kind, EventKind::Stop | EventKind::Remove)) =>
        {
            // The unit is going away: its handlers must still run.
            framework_log(
                model,
                LogLevel::Error,
                &format!(
                    "RUNNING {} FROM THE DEFAULT STATE: {err}. The saved state is replaced \
                     by what the handlers leave.",
                    event.map(event_label).unwrap_or_default()
                ),
            );
            C::default()
        }
        Err(err) => {
            report_failure(model, event, &err, false);
            return Err(err);
        }
    };
    let done = dispatch_in_place(model, &mut charm, state.deferred, event, options)?;
    Ok(Dispatched {
        charm,
        state: done.state,
        emitted: done.emitted,
        collected: done.collected,
    })
}

/// [`dispatch`] on a charm the caller already has (restored from its saved state, or
/// built), with the deferred queue `deferred`: the handlers run on `charm` in place, so
/// the caller still has it afterwards, whatever the outcome. The returned
/// [`Dispatched::state`] holds the charm serialised as [`dispatch`] would save it.
///
/// `ops::testing`'s `Manager` uses this to let a test look at (and change) the charm
/// before and after the event.
pub fn dispatch_in_place<C: Charm>(
    model: &Model<C>,
    charm: &mut C,
    deferred: Vec<DeferredEvent>,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<Dispatched<()>, DispatchError> {
    let mut runner = Runner::new(model, charm);
    match dispatch_inner(&mut runner, deferred, event, options) {
        Ok(state) => Ok(Dispatched {
            charm: (),
            state,
            emitted: runner.emitted,
            collected: runner.collected,
        }),
        Err(err) => {
            report_failure(model, event, &err, runner.action_failed);
            Err(err)
        }
    }
}

/// Logs a failed dispatch (and fails the action, unless a handler already did).
fn report_failure<C>(
    model: &Model<C>,
    event: Option<&EventData>,
    err: &DispatchError,
    action_failed: bool,
) {
    if matches!(
        err,
        DispatchError::RebootNow | DispatchError::Aborted { .. }
    ) {
        return;
    }
    // Python `ops` reports every uncaught exception as a `sys_crash` security event too
    // (here just before the error line, so the error stays the hook's last log line).
    let kind = match err {
        DispatchError::Panicked { .. } => "Panic",
        DispatchError::State(_) => "StateError",
        _ => "Error",
    };
    let _ = model.log_security_event(
        crate::model::SecurityLevel::Warn,
        crate::model::SecurityEvent::SysCrash,
        kind,
        &format!("Uncaught exception in charm code: {err}."),
    );
    let message = format!("Uncaught error while handling {err}");
    framework_log(model, LogLevel::Error, &message);
    if event.is_some_and(|e| e.kind == EventKind::Action) && !action_failed {
        let reason = match err {
            DispatchError::Failed { error, .. } => error.to_string(),
            DispatchError::Panicked { message, .. } => format!("panicked: {message}"),
            other => other.to_string(),
        };
        let _ = model.backend().action_fail(&reason);
    }
}

/// The charm from its saved state (see [`evolve::restore`]); the WARNING it may give goes
/// to `juju-log`.
fn restore<C: Charm>(
    model: &Model<C>,
    saved: Option<serde_json::Value>,
    revision: u32,
) -> Result<C, DispatchError> {
    let warn = &mut |line: String| framework_log(model, LogLevel::Warning, &line);
    Ok(evolve::restore(saved, revision, warn)?)
}

fn dispatch_inner<C: Charm>(
    runner: &mut Runner<'_, C>,
    deferred: Vec<DeferredEvent>,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<UnitState, DispatchError> {
    let model = runner.model;
    let mut pending = deferred.into_iter();
    let mut aborted = match run_events(runner, &mut pending, event, options) {
        Ok(()) => None,
        // An abort commits like a success: what the hook did stays done, and the deferred
        // events it did not reach stay queued.
        Err(err @ DispatchError::Aborted { .. }) => {
            runner.queue.extend(pending);
            Some(err)
        }
        Err(err) => return Err(err),
    };
    runner.commit_event(EventKind::PreCommit, &mut aborted)?;
    // Relation writes are batched per databag during the hook; Juju sees them now.
    let flush = || {
        model
            .flush_relation_writes()
            .map_err(|error| DispatchError::Failed {
                event: "relation data".into(),
                error: error.into(),
            })
    };
    flush()?;
    evolve::check_savable(&*runner.charm)?;
    let charm_value = serde_json::to_value(&*runner.charm).map_err(|e| StoreError::Corrupt {
        location: "the charm struct".into(),
        detail: format!("cannot be serialised: {e}"),
    })?;
    let state = UnitState {
        charm: Some(charm_value),
        deferred: std::mem::take(&mut runner.queue),
        revision: C::STATE_REVISION,
    };
    runner.commit_event(EventKind::Commit, &mut aborted)?;
    // What `commit` handlers write reaches Juju too (Python sends each write at once).
    flush()?;
    match aborted {
        Some(DispatchError::Aborted { event, abort, .. }) => Err(DispatchError::Aborted {
            event,
            abort,
            emitted: std::mem::take(&mut runner.emitted),
            state: Box::new(state),
        }),
        _ => Ok(state),
    }
}

/// Re-emits the deferred events taken from `pending` (those a handler defers again go
/// back to the runner's queue), emits `event`, then runs collect-status. On an abort,
/// `pending` holds the deferred events not reached.
fn run_events<C: Charm>(
    runner: &mut Runner<'_, C>,
    pending: &mut std::vec::IntoIter<DeferredEvent>,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<(), DispatchError> {
    let model = runner.model;
    if options.restricted {
        runner.queue.extend(pending);
    } else {
        let total = pending.len();
        for (i, deferred) in pending.by_ref().enumerate() {
            if !C::observers(&deferred.event).contains(&deferred.handler) {
                // Saved by an earlier revision of the charm whose handler is gone.
                framework_log(
                    model,
                    LogLevel::Warning,
                    &format!(
                        "Dropping deferred event {}: no handler {} observes it now.",
                        event_label(&deferred.event),
                        deferred.handler
                    ),
                );
                continue;
            }
            framework_log(
                model,
                LogLevel::Debug,
                &format!(
                    "Re-emitting deferred event {} to {} ({} of {total} in queue).",
                    event_label(&deferred.event),
                    deferred.handler,
                    i + 1
                ),
            );
            // The deferred event goes back in its place, before anything it emits.
            let at = runner.queue.len();
            if runner.run_handler(&deferred.event, &deferred.handler, true)? {
                runner.queue.insert(at, deferred);
            }
        }
    }
    if let Some(event) = event {
        framework_log(
            model,
            LogLevel::Debug,
            &format!(
                "Emitting {} event {}.",
                if event.kind == EventKind::Custom {
                    "custom"
                } else {
                    "Juju"
                },
                event_label(event)
            ),
        );
        // Deferrals of the event come before those of custom events its handlers emit.
        let mut at = runner.queue.len();
        for handler in &C::observers(event) {
            let duplicate = runner
                .queue
                .iter()
                .any(|d| d.handler == *handler && d.event == *event);
            if duplicate {
                framework_log(
                    model,
                    LogLevel::Debug,
                    &format!(
                        "Skipping {handler} for {}: the same event is already deferred.",
                        event_label(event)
                    ),
                );
                continue;
            }
            if runner.run_handler(event, handler, false)? {
                at += 1;
                runner.queue.insert(
                    at - 1,
                    DeferredEvent {
                        event: event.clone(),
                        handler: handler.to_string(),
                    },
                );
            }
        }
    }
    if !options.restricted && !options.skip_collect_status {
        runner.collect_status()?;
    }
    Ok(())
}

/// [`dispatch`] with the state loaded from `store` and, when every handler succeeded (or
/// one ended the hook with [`Abort`](crate::Abort)), saved back to it. A failure leaves
/// the store untouched. The save is the last act: the `juju-log` lines still being
/// written are waited for first, so a kill before the save leaves the old state, whole.
#[cfg(test)]
pub fn run<C: Charm>(
    model: &Model<C>,
    store: &dyn Store,
    event: Option<&EventData>,
    options: RunOptions,
) -> Result<Dispatched<C>, DispatchError> {
    run_then(model, store, event, options, || {})
}

/// [`run`], calling `before_commit` once the handlers are done, whatever their outcome,
/// and before the state is saved (`ops::main` sends the hook's trace spans there, so the
/// save stays the last act).
pub fn run_then<C: Charm>(
    model: &Model<C>,
    store: &dyn Store,
    event: Option<&EventData>,
    options: RunOptions,
    before_commit: impl FnOnce(),
) -> Result<Dispatched<C>, DispatchError> {
    let state = match store.load(model.core()) {
        Ok(state) => state.unwrap_or_default(),
        Err(e) => {
            let err = DispatchError::State(e);
            report_failure(model, event, &err, false);
            return Err(err);
        }
    };
    let result = dispatch(model, state, event, options);
    before_commit();
    let to_save = match &result {
        Ok(dispatched) => &dispatched.state,
        Err(DispatchError::Aborted { state, .. }) => &**state,
        Err(_) => return result,
    };
    if let Err(e) = commit(model, store, to_save) {
        let err = DispatchError::State(e);
        report_failure(model, event, &err, false);
        return Err(err);
    }
    result
}

/// Waits for the `juju-log` lines still being written, then saves `state`.
fn commit<C: Charm>(
    model: &Model<C>,
    store: &dyn Store,
    state: &UnitState,
) -> Result<(), StoreError> {
    model.backend().flush();
    store.save(model.core(), state)
}
