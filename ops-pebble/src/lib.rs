//! A blocking client for Pebble, the service manager in a charm's workload containers.

/// The Pebble API as the charm model uses it: the real [`Client`] over the container's
/// unix socket, or `ops::testing`'s in-memory Pebble.
pub trait Pebble {}
