//! `ops-pebble`'s client against the real Pebble daemon (the pinned release that
//! `bash .ci/install-pebble.sh` builds): every endpoint the client wraps. Each test starts
//! its own `pebble run` in its own temporary directory, with its own socket, and the guard
//! stops it at the end, also when the test fails. Without the binary each test prints one
//! `SKIP:` line (and fails under `CI=true`).

mod changes;
mod checks;
mod exec;
mod files;
mod layers;
mod notices;
mod services;
mod system;

use ops_pebble::{Client, Layer, Pebble, ServiceInfo, ServiceStatus};
use std::time::{Duration, Instant};

/// Starts a daemon for the test named `what`, or returns from the test after the SKIP line.
macro_rules! start {
    ($what:expr) => {
        match ops_pebble::real::RealPebble::start($what) {
            Some(pebble) => pebble,
            None => return,
        }
    };
}
pub(crate) use start;

/// A layer from YAML (the test's own text: a parse error is the test's bug).
pub fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap_or_else(|e| panic!("bad test layer: {e}\n{yaml}"))
}

/// How long service operations wait for their change.
pub const WAIT: Duration = Duration::from_secs(20);

/// The status of one service.
pub fn status(client: &Client, name: &str) -> ServiceStatus {
    let infos: Vec<ServiceInfo> = client.get_services(&[name]).expect("get_services");
    assert_eq!(infos.len(), 1, "{infos:?}");
    infos[0].current.clone()
}

/// Polls `cond` every 20 ms until it holds, for up to `limit`; panics with `what` if not.
pub fn eventually(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
