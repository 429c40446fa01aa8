//! Support code for the FastAPI demo charms (`examples/k8s-*`), the Rust port of the
//! Python ops library's Kubernetes tutorial.
//!
//! - [`fastapi_demo`]: the workload's own HTTP API (the tutorial's `fastapi_demo.py`).
//! - [`data_interfaces`]: the requirer side of the `postgresql_client` interface
//!   (Python `charms.data_platform_libs.v0.data_interfaces.DatabaseRequires`).
//! - [`prometheus_scrape`]: the provider side of `prometheus_scrape`
//!   (Python `charms.prometheus_k8s.v0.prometheus_scrape.MetricsEndpointProvider`).
//! - [`loki_push_api`]: Pebble log forwarding to Loki over `loki_push_api`
//!   (Python `charms.loki_k8s.v1.loki_push_api.LogForwarder`).
//! - [`grafana_dashboard`]: the provider side of `grafana_dashboard`
//!   (Python `charms.grafana_k8s.v0.grafana_dashboard.GrafanaDashboardProvider`).
//!
//! Each library holds only what the tutorial charm uses, speaking the same relation data
//! as the Python library so the Rust charm integrates with the same charms
//! (postgresql-k8s, prometheus-k8s, loki-k8s, grafana-k8s). The Python libraries observe
//! events themselves; here the charm calls the library from its own `#[on(...)]`
//! handlers, so every effect is visible in the charm's source.

#![deny(missing_docs)]

pub(crate) mod codec;
pub mod data_interfaces;
pub mod fastapi_demo;
pub mod grafana_dashboard;
pub mod loki_push_api;
pub mod prometheus_scrape;
pub mod topology;
