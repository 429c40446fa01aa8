//! What the COS charm libraries (`charmlib-prometheus-scrape`, `charmlib-loki-push-api`,
//! `charmlib-grafana-dashboard`) share, as Python's `cosl` package does for theirs:
//!
//! - [`topology`]: where this unit sits in Juju, as the COS libraries label telemetry;
//! - [`codec`]: Python's `json.dumps` formatting, base64, the `.xz` container, SHAKE-256
//!   and random UUIDs, written without extra crates;
//! - [`rules`]: alert rule files with the topology injected.

#![deny(missing_docs)]

pub mod codec;
pub mod rules;
pub mod topology;

pub use topology::JujuTopology;
