//! The Python example's unit tests (tests/unit/test_charm.py), as state-transition tests.
//!
//! As the Python tests monkeypatch the charm's `tinyproxy` helper module with a mock, these
//! put a [`MockTinyproxy`] in the charm's `tinyproxy` field with `Context::charm_setup`.

use machine_tinyproxy::tinyproxy::{Handle, Machine, Result, Tinyproxy};
use machine_tinyproxy::{TinyproxyCharm, PORT};
use ops::testing::{Context, Port, RunError, State};
use ops::Status;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

/// Stands in for tinyproxy on the machine; records what the charm did to it.
#[derive(Debug, Default)]
struct MockTinyproxy {
    config: RefCell<Option<(u16, String)>>,
    installed: Cell<bool>,
    reloaded_config: Cell<bool>,
    running: Cell<bool>,
    /// When set, `start` does not make it run (a tinyproxy that fails to come up).
    stuck: Cell<bool>,
    /// The waits the charm asked for.
    pauses: RefCell<Vec<Duration>>,
}

impl MockTinyproxy {
    /// Installed, not configured, not running.
    fn installed() -> Rc<Self> {
        let mock = MockTinyproxy::default();
        mock.installed.set(true);
        Rc::new(mock)
    }

    /// Installed, configured for the default slug, running.
    fn configured() -> Rc<Self> {
        let mock = Self::installed();
        *mock.config.borrow_mut() = Some((PORT, "example".into()));
        mock.running.set(true);
        mock
    }

    /// A context whose charm manages this mock in place of the machine.
    fn context(self: &Rc<Self>) -> Context<TinyproxyCharm> {
        let mock = Rc::clone(self);
        Context::new().charm_setup(move |charm: &mut TinyproxyCharm| {
            charm.tinyproxy = Handle::new(mock.clone());
        })
    }

    fn config(&self) -> Option<(u16, String)> {
        self.config.borrow().clone()
    }
}

impl Tinyproxy for MockTinyproxy {
    fn ensure_config(&self, port: u16, slug: &str) -> Result<bool> {
        let new = Some((port, slug.to_string()));
        let old = self.config.replace(new.clone());
        Ok(old != new)
    }
    fn get_version(&self) -> Result<String> {
        Ok("1.0.0".into())
    }
    fn install(&self) -> Result<()> {
        self.installed.set(true);
        Ok(())
    }
    fn is_installed(&self) -> bool {
        self.installed.get()
    }
    fn is_running(&self) -> Result<bool> {
        Ok(self.running.get())
    }
    fn reload_config(&self) -> Result<()> {
        self.reloaded_config.set(true);
        Ok(())
    }
    fn start(&self) -> Result<()> {
        self.running.set(!self.stuck.get());
        Ok(())
    }
    fn stop(&self) -> Result<()> {
        self.running.set(false);
        Ok(())
    }
    fn uninstall(&self) -> Result<()> {
        self.installed.set(false);
        Ok(())
    }
    fn pause(&self, duration: Duration) {
        self.pauses.borrow_mut().push(duration);
    }
}

const INVALID_SLUGS: [&str; 3] = ["", "foo_bar", "foo/bar"];

fn invalid_slug_status(slug: &str) -> Status {
    Status::blocked(format!(
        "Invalid slug: '{slug}'. Slug must match the regex [a-z0-9-]+"
    ))
}

fn ports(ports: impl IntoIterator<Item = Port>) -> BTreeSet<Port> {
    ports.into_iter().collect()
}

#[test]
fn install() {
    // Arrange the input state.
    let tinyproxy = Rc::new(MockTinyproxy::default());
    let mut ctx = tinyproxy.context();
    let state_in = State::new();
    // Simulate an event, here install.
    let state_out = ctx.run(ctx.on.install(), &state_in).unwrap();
    // Check the output state.
    assert_eq!(state_out.workload_version, "1.0.0");
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for tinyproxy to start")
    );
    assert!(tinyproxy.is_installed());
}

#[test]
fn start() {
    let tinyproxy = MockTinyproxy::installed();
    let mut ctx = tinyproxy.context();
    let state_out = ctx.run(ctx.on.start(), &State::new()).unwrap();
    assert_eq!(state_out.unit_status, Status::active(""));
    assert!(tinyproxy.running.get());
    assert_eq!(tinyproxy.config(), Some((PORT, "example".into())));
    // Beyond the Python test (its charm opens no port): the proxy's port is open.
    assert_eq!(state_out.opened_ports, ports([Port::tcp(PORT)]));
}

#[test]
fn config_changed() {
    let tinyproxy = MockTinyproxy::configured();
    let mut ctx = tinyproxy.context();
    let state_in = State::new().config("slug", "foo");
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert_eq!(state_out.unit_status, Status::active(""));
    assert!(tinyproxy.running.get());
    assert_eq!(tinyproxy.config(), Some((PORT, "foo".into())));
    assert!(tinyproxy.reloaded_config.get());
}

#[test]
fn start_invalid_config() {
    for invalid_slug in INVALID_SLUGS {
        let tinyproxy = MockTinyproxy::installed();
        let mut ctx = tinyproxy.context();
        let state_in = State::new().config("slug", invalid_slug);
        let state_out = ctx.run(ctx.on.start(), &state_in).unwrap();
        assert_eq!(state_out.unit_status, invalid_slug_status(invalid_slug));
        assert!(!tinyproxy.running.get(), "{invalid_slug:?}");
        assert_eq!(tinyproxy.config(), None, "{invalid_slug:?}");
        assert!(state_out.opened_ports.is_empty(), "{invalid_slug:?}");
    }
}

#[test]
fn config_changed_invalid_config() {
    for invalid_slug in INVALID_SLUGS {
        let tinyproxy = MockTinyproxy::configured();
        let mut ctx = tinyproxy.context();
        let state_in = State::new().config("slug", invalid_slug);
        let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
        assert_eq!(state_out.unit_status, invalid_slug_status(invalid_slug));
        // tinyproxy still runs, with the original config.
        assert!(tinyproxy.running.get(), "{invalid_slug:?}");
        assert_eq!(tinyproxy.config(), Some((PORT, "example".into())));
        assert!(!tinyproxy.reloaded_config.get(), "{invalid_slug:?}");
    }
}

#[test]
fn stop() {
    let tinyproxy = MockTinyproxy::configured();
    let mut ctx = tinyproxy.context();
    let state_out = ctx.run(ctx.on.stop(), &State::new()).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for tinyproxy to start")
    );
    assert!(!tinyproxy.running.get());
}

#[test]
fn remove() {
    let tinyproxy = MockTinyproxy::installed();
    let mut ctx = tinyproxy.context();
    let state_out = ctx.run(ctx.on.remove(), &State::new()).unwrap();
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for tinyproxy to be installed")
    );
    assert!(!tinyproxy.is_installed());
}

// Beyond the Python tests.

/// A config that did not change is not reloaded; the port stays open.
#[test]
fn config_changed_without_a_change_does_not_reload() {
    let tinyproxy = MockTinyproxy::configured();
    let mut ctx = tinyproxy.context();
    let state_in = State::new().opened_port(Port::tcp(PORT));
    let state_out = ctx.run(ctx.on.config_changed(), &state_in).unwrap();
    assert_eq!(state_out.unit_status, Status::active(""));
    assert!(!tinyproxy.reloaded_config.get());
    assert_eq!(state_out.opened_ports, ports([Port::tcp(PORT)]));
}

/// Installing when tinyproxy is already there does nothing (no version reported).
#[test]
fn install_when_installed_does_nothing() {
    let tinyproxy = MockTinyproxy::installed();
    let mut ctx = tinyproxy.context();
    let state_out = ctx.run(ctx.on.install(), &State::new()).unwrap();
    assert_eq!(state_out.workload_version, "");
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for tinyproxy to start")
    );
}

/// Start before install (Juju always installs first, but the charm does not rely on it):
/// nothing to configure yet.
#[test]
fn start_before_install_waits() {
    let tinyproxy = Rc::new(MockTinyproxy::default());
    let mut ctx = tinyproxy.context();
    let state_out = ctx.run(ctx.on.start(), &State::new()).unwrap();
    assert_eq!(tinyproxy.config(), None);
    assert_eq!(
        state_out.unit_status,
        Status::maintenance("Waiting for tinyproxy to be installed")
    );
}

/// A tinyproxy that never comes up fails the hook (the unit goes to error status) after
/// three checks a second apart; nothing is committed.
#[test]
fn start_fails_when_tinyproxy_does_not_come_up() {
    let tinyproxy = MockTinyproxy::installed();
    tinyproxy.stuck.set(true);
    let mut ctx = tinyproxy.context();
    let err = ctx.run(ctx.on.start(), &State::new()).unwrap_err();
    match err {
        RunError::Charm { message, .. } => assert_eq!(
            message,
            "tinyproxy was not running within the expected time"
        ),
        other => panic!("expected the charm to fail, got {other:?}"),
    }
    assert_eq!(*tinyproxy.pauses.borrow(), [Duration::from_secs(1); 3]);
}

/// Without a setup, the charm manages the machine itself (the `Default` of its field).
#[test]
fn without_a_setup_the_charm_manages_the_machine() {
    let machine_says = Machine::default().is_installed();
    assert_eq!(
        TinyproxyCharm::default().tinyproxy.is_installed(),
        machine_says
    );
    let mock = MockTinyproxy::installed();
    let mut ctx = mock.context();
    let state = State::new().config("slug", "example");
    let mgr = ctx.manager(ctx.on.update_status(), &state).unwrap();
    assert!(
        mgr.charm().tinyproxy.is_installed(),
        "the setup ran before the event"
    );
}
