//! Routes the `log` crate's macros to the running test's `juju-log` capture.
//!
//! `ops::main` installs a logger writing through the hook tools; a test process has none,
//! so the first run installs [`TestLogger`], which sends each record to the simulated
//! unit running on the current thread (each test thread has its own). If the test binary
//! already installed another logger, `log` lines are not captured (framework lines still
//! are: they go through the backend).

use super::sim::{JujuLogLine, SimRef};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Once;

thread_local! {
    static CURRENT: RefCell<Vec<SimRef>> = const { RefCell::new(Vec::new()) };
}

struct TestLogger;

impl log::Log for TestLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        CURRENT.with(|c| !c.borrow().is_empty())
    }

    fn log(&self, record: &log::Record<'_>) {
        let sim = CURRENT.with(|c| c.borrow().last().cloned());
        if let Some(sim) = sim {
            // A record logged while the sim is borrowed (inside the backend) is dropped
            // rather than panicking.
            if let Ok(mut sim) = sim.try_borrow_mut() {
                sim.out.juju_log.push(JujuLogLine {
                    level: crate::logging::juju_level(record.level()),
                    message: record.args().to_string(),
                });
            }
        }
    }

    fn flush(&self) {}
}

static TEST_LOGGER: TestLogger = TestLogger;
static INSTALL: Once = Once::new();

/// While alive, `log` records on this thread go to `sim`.
pub(crate) struct Capture;

impl Drop for Capture {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().pop());
    }
}

/// Captures `log` records on this thread into `sim` until the guard drops.
pub(crate) fn capture(sim: &SimRef) -> Capture {
    INSTALL.call_once(|| {
        if log::set_logger(&TEST_LOGGER).is_ok() {
            log::set_max_level(log::LevelFilter::Debug);
        }
    });
    CURRENT.with(|c| c.borrow_mut().push(Rc::clone(sim)));
    Capture
}
