//! Support code for the FastAPI demo charms (`examples/k8s-*`), the Rust port of the
//! Python ops library's Kubernetes tutorial: [`fastapi_demo`], the workload's own HTTP
//! API (the tutorial's `fastapi_demo.py`).
//!
//! The charm libraries the tutorial imports are crates of their own under `libs/`
//! (`charmlib-data-interfaces`, `charmlib-prometheus-scrape`, `charmlib-loki-push-api`,
//! `charmlib-grafana-dashboard`).

#![deny(missing_docs)]

pub mod fastapi_demo;
