//! `ops::main`: the process entry point of a charm.

use crate::backend::{Backend, LogLevel};
use crate::charm::Charm;
use crate::context::JujuContext;
use crate::framework::{
    legacy_dispatch_path, run_then, select_event, ControllerStore, FileStore, RunOptions, Store,
    StoreError,
};
use crate::hookcmds::{HookTools, ToolLimits};
use crate::model::Model;
use std::io::Write;

/// How `ops::main_with` runs the charm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainOptions {
    /// Keep the unit's state in Juju's controller (`state-get` / `state-set`) instead of
    /// `.unit-state.json` in the charm directory.
    pub controller_storage: bool,
    /// The lowest level sent to `juju-log` (default `DEBUG`).
    pub log_level: LogLevel,
    /// The charm's mapping of the Python `ops` state its rule leaves, on the first hook
    /// after a refresh from a Python charm (see [`crate::framework::migrate`]).
    #[cfg(feature = "python-migration")]
    pub python_migration: Option<crate::framework::migrate::MigrationHook>,
    /// How long a run waits for another run of the same unit holding the state lock
    /// (default 60 s; see [`FileStore::lock`]), then fails saying so.
    pub state_lock_timeout: std::time::Duration,
    /// The deadline and output cap of each hook tool call (default 120 s and 32 MiB).
    /// The environment variables `OPS_HOOK_TOOL_TIMEOUT` (seconds) and
    /// `OPS_HOOK_TOOL_MAX_OUTPUT` (bytes) override them at run time.
    pub tool_limits: ToolLimits,
}

impl Default for MainOptions {
    fn default() -> Self {
        MainOptions {
            controller_storage: false,
            log_level: LogLevel::Debug,
            #[cfg(feature = "python-migration")]
            python_migration: None,
            state_lock_timeout: std::time::Duration::from_secs(60),
            tool_limits: ToolLimits::default(),
        }
    }
}

/// Runs the charm `C` for the hook or action Juju is dispatching, then exits: status 0 on
/// success, non-zero (so Juju retries) if a handler failed. Call it from `main`:
///
/// ```ignore
/// fn main() {
///     ops::main::<MyCharm>()
/// }
/// ```
pub fn main<C: Charm>() -> ! {
    main_with::<C>(MainOptions::default())
}

/// [`main`] with options (e.g. controller-side state).
pub fn main_with<C: Charm>(options: MainOptions) -> ! {
    let code = run_main::<C>(options);
    std::process::exit(code)
}

/// Everything [`main`] does except exiting: returns the exit status.
pub fn run_main<C: Charm>(options: MainOptions) -> i32 {
    // OPERATOR_DISPATCH is set for a legacy hook run as a child process
    // (`run_legacy_hook`): if that hook is this binary, the event is already being
    // handled. It is set on the child only (setting it here would change the environment
    // of the whole process, and of every later `run_main` in it).
    if std::env::var_os("OPERATOR_DISPATCH").is_some() {
        return 0;
    }

    let mut context = JujuContext::from_env();
    if context.dispatch_path.is_empty() {
        // `args()` panics on an argument that is not UTF-8; such a path is no hook name.
        if let Some(path) = std::env::args_os()
            .next()
            .and_then(|argv0| argv0.into_string().ok())
            .as_deref()
            .and_then(legacy_dispatch_path)
        {
            context.dispatch_path = path;
        }
    }
    if context.dispatch_path.is_empty() && context.unit_name.is_empty() {
        let _ = writeln!(std::io::stderr(), "{}", outside_juju(C::META.name));
        return 2;
    }
    let (tool_limits, problems) = start_up_problems(&context, options.tool_limits);
    tool_limits.install();
    if !problems.is_empty() {
        let message = format!(
            "{}: cannot run: the hook's environment is incomplete or malformed: {}",
            C::META.name,
            problems.join("; ")
        );
        let _ = writeln!(std::io::stderr(), "{message}");
        let tools = HookTools::new();
        let _ = tools.juju_log(LogLevel::Error, &message);
        tools.flush();
        return 1;
    }
    crate::logging::init(
        options.log_level,
        context.debug,
        crate::logging::crate_of::<C>(),
    );
    let tracing = C::TRACING.map(|config| {
        crate::tracing::Session::begin(
            config,
            &context,
            C::META.name,
            crate::tracing::charm_type_name::<C>(),
        )
    });
    let selection = select_event(C::META, &context);
    let charm_dir = context.charm_dir.clone();
    let dispatch_path = context.dispatch_path.clone();
    let model = Model::<C>::new(Box::new(HookTools::new()), context);
    // As Python `ops`: an executable `$CHARM_DIR/<dispatch path>` left from a
    // hooks-directory charm runs first; its failure is the hook's.
    if let Some(code) =
        crate::framework::run_legacy_hook(&charm_dir, &dispatch_path, model.backend())
    {
        model.backend().flush();
        return code;
    }
    if selection.event.is_none() {
        // As Python `ops`: a DEBUG line, and nothing else to do (exit 0).
        let line = format!(
            "Event {} not defined for {}.",
            selection.name.replace('-', "_"),
            C::META.name
        );
        let _ = writeln!(std::io::stderr(), "{line}");
        if crate::logging::enabled(LogLevel::Debug) {
            let _ = model.backend().juju_log(LogLevel::Debug, &line);
        }
    }
    if let Some(code) = check_event_context(&model, selection.event.as_ref(), &selection.name) {
        return code;
    }
    // The unit's state is this run's until it exits: a second run waits its turn.
    let file_store = FileStore::in_charm_dir(&charm_dir);
    let _lock = match file_store.lock(options.state_lock_timeout) {
        Ok(lock) => Some(lock),
        // The state is not in the charm directory, which may be read-only: Juju's own
        // serialisation of hooks is the lock then.
        Err(StoreError::Io { .. }) if options.controller_storage => None,
        Err(err) => {
            let _ = model
                .backend()
                .juju_log(LogLevel::Error, &format!("Not running the hook: {err}"));
            let _ = writeln!(std::io::stderr(), "{err}");
            model.backend().flush();
            return 1;
        }
    };
    let store: &dyn Store = if options.controller_storage {
        if selection.restricted {
            // state-get/state-set are not available in restricted contexts.
            return 0;
        }
        &ControllerStore
    } else {
        &file_store
    };
    // With `python-migration`, a unit with no state of its own takes a Python charm's.
    #[cfg(feature = "python-migration")]
    let migrating = crate::framework::migrate::PythonMigrationStore::<C>::new(
        store,
        &charm_dir,
        options.python_migration,
        options.controller_storage,
    );
    #[cfg(feature = "python-migration")]
    let store: &dyn Store = &migrating;
    let run_options = RunOptions {
        restricted: selection.restricted,
        skip_collect_status: false,
    };
    // The hook's spans are sent before the state is saved, so the save stays the last act.
    let export = || {
        if let Some(session) = tracing {
            crate::tracing::export_after_hook(session, model.backend(), selection.event.as_ref());
        }
    };
    let code = match run_then(&model, store, selection.event.as_ref(), run_options, export) {
        Ok(_) => 0,
        Err(err) => {
            // Not `eprintln!`, which panics when stderr cannot be written.
            let _ = writeln!(std::io::stderr(), "{err}");
            err.exit_code()
        }
    };
    // `run_then` waited for the juju-log processes before saving; these are the lines of
    // a failed save, if any.
    model.backend().flush();
    log::logger().flush();
    code
}

/// The hook tool limits (the options with the environment's overrides) and everything
/// wrong with the environment: malformed `JUJU_*` values, required variables that are
/// missing, malformed `OPS_HOOK_TOOL_*` overrides.
fn start_up_problems(context: &JujuContext, limits: ToolLimits) -> (ToolLimits, Vec<String>) {
    let mut problems = JujuContext::problems_in_env();
    for (key, missing) in [
        ("JUJU_DISPATCH_PATH", context.dispatch_path.is_empty()),
        ("JUJU_UNIT_NAME", context.unit_name.is_empty()),
        // Without it the state would land in whatever the working directory is.
        ("JUJU_CHARM_DIR", context.charm_dir.as_os_str().is_empty()),
    ] {
        if missing {
            problems.push(format!("{key} is not set"));
        }
    }
    let limits = limits.from_env().unwrap_or_else(|problem| {
        problems.push(problem);
        limits
    });
    (limits, problems)
}

/// Checks that the environment holds what `event` needs ([`JujuContext::problems_for`]):
/// logs each missing variable Python `ops` tolerates at WARNING, and for those without
/// which the event cannot be built, reports them all at ERROR (and on stderr) and returns
/// the exit status 1: the hook fails before any handler runs.
fn check_event_context<C: Charm>(
    model: &Model<C>,
    event: Option<&crate::event::EventData>,
    hook: &str,
) -> Option<i32> {
    let problems = model.context().problems_for(event?);
    if problems.is_empty() {
        return None;
    }
    let (fatal, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| p.fatal);
    if crate::logging::enabled(LogLevel::Warning) {
        for warning in &warnings {
            let _ = model
                .backend()
                .juju_log(LogLevel::Warning, &warning.message);
        }
    }
    if fatal.is_empty() {
        return None;
    }
    let messages: Vec<&str> = fatal.iter().map(|p| p.message.as_str()).collect();
    let message = format!(
        "{}: cannot run {hook}: the hook's environment lacks what the event needs: {}",
        C::META.name,
        messages.join("; ")
    );
    let _ = writeln!(std::io::stderr(), "{message}");
    let _ = model.backend().juju_log(LogLevel::Error, &message);
    model.backend().flush();
    Some(1)
}

/// What a charm binary says when started by hand rather than by Juju.
fn outside_juju(charm: &str) -> String {
    format!(
        "{charm}: not started by Juju (JUJU_DISPATCH_PATH and JUJU_UNIT_NAME are unset). \
         Juju runs this binary as the charm's `dispatch` for each hook and action; \
         to run the charm's handlers outside Juju, use ops::testing."
    )
}
