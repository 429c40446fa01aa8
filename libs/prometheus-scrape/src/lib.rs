//! The provider side of `prometheus_scrape`: tells Prometheus how to scrape this
//! application's metrics (the part of Python's
//! `charms.prometheus_k8s.v0.prometheus_scrape.MetricsEndpointProvider` the tutorial
//! uses).
//!
//! On the wire, as the Python library:
//! - each unit writes into its own databag `prometheus_scrape_unit_address` (its bind
//!   address on the relation, or its host name if that is not an IP address),
//!   `prometheus_scrape_unit_path` (empty), `prometheus_scrape_unit_name` and
//!   `prometheus_scrape_unit_fqdn`;
//! - the leader writes into the application databag `scrape_jobs` (the jobs, JSON, each
//!   restricted to the keys Prometheus accepts from charms and completed from the default
//!   job), `scrape_metadata` (the Juju topology, JSON) and `alert_rules` (JSON): the
//!   rule files of the charm's `src/prometheus_alert_rules` (and its sub-folders) plus
//!   cosl's generic `HostHealth` group, with the topology injected as cosl does (see
//!   [`charmlib_cosl::rules`]; keys sorted where Python keeps the file's order).
//!
//! The Python library calls these on `relation-joined` and on the charm's refresh
//! events (the unit address also on `relation-changed` and `update-status`); here the
//! charm calls [`MetricsEndpointProvider::set_scrape_job_spec`] and
//! [`MetricsEndpointProvider::set_unit_ip`] from its handlers for those events.
//!
//! Not ported: the alert-rule and scrape-job error events; `external_url` and look-aside
//! jobs; running cos-tool on the expressions (see [`charmlib_cosl::rules`]).

#![deny(missing_docs)]

use charmlib_cosl::codec::py_dumps;
use charmlib_cosl::rules::{application_rules, QueryType, Rules};
use charmlib_cosl::topology::JujuTopology;
use ops::{Member, ModelCore, ModelError};
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// The default alert rules folder, relative to the charm's root.
pub const DEFAULT_ALERT_RULES_PATH: &str = "src/prometheus_alert_rules";

/// The keys of a scrape job Prometheus accepts from a charm.
pub const ALLOWED_KEYS: &[&str] = &[
    "job_name",
    "metrics_path",
    "static_configs",
    "scrape_interval",
    "scrape_timeout",
    "proxy_url",
    "relabel_configs",
    "metric_relabel_configs",
    "sample_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "scheme",
    "basic_auth",
    "tls_config",
    "authorization",
    "params",
];

/// The job used when none is given, and the base every job is completed from:
/// `/metrics` on port 80 of every unit.
pub fn default_job() -> Value {
    json!({
        "metrics_path": "/metrics",
        "static_configs": [{"targets": ["*:80"]}],
    })
}

/// `job` restricted to [`ALLOWED_KEYS`], over [`default_job`] (Python's
/// `PrometheusConfig.sanitize_scrape_config`). A job that is not an object gives the
/// default job.
pub fn sanitize_job(job: &Value) -> Value {
    let mut sanitized = match default_job() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Value::Object(fields) = job {
        for (key, value) in fields {
            if ALLOWED_KEYS.contains(&key.as_str()) {
                sanitized.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(sanitized)
}

/// The provider protocol, called from handlers: what the [`MetricsEndpointProvider`]
/// library runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The alert rules folder, relative to the charm's root.
    pub alert_rules_path: &'a str,
    /// Whether to send the rule files and the generic rules (Python's
    /// `forward_alert_rules`).
    pub forward_alert_rules: bool,
}

impl<'a> Provider<'a> {
    /// A provider on `relation_name` forwarding the rules in
    /// [`DEFAULT_ALERT_RULES_PATH`].
    pub const fn new(relation_name: &'a str) -> Self {
        Provider {
            relation_name,
            alert_rules_path: DEFAULT_ALERT_RULES_PATH,
            forward_alert_rules: true,
        }
    }

    /// The `alert_rules` sent: the rule files, then cosl's `HostHealth` group, or `{}`
    /// when not forwarding.
    pub fn alert_rules(&self, model: &ModelCore) -> Value {
        let topology = JujuTopology::from_model(model);
        let identifier = topology.identifier();
        let mut rules = Rules::new(QueryType::PromQl, Some(topology));
        if self.forward_alert_rules {
            let dir = model.context().charm_dir.join(self.alert_rules_path);
            rules.add_path(&dir, true);
            if let Err(e) = rules.add(&application_rules(), None, Some(&identifier)) {
                log::error!("Invalid generic alert rules: {e}");
            }
        }
        rules.as_dict()
    }

    /// Publishes the scrape `jobs` (the default job if empty): this unit's address in
    /// each relation and, on the leader, the jobs, the topology and the alert rules in
    /// the application databag. Python's `set_scrape_job_spec`.
    pub fn set_scrape_job_spec(&self, model: &ModelCore, jobs: &[Value]) -> Result<(), ModelError> {
        self.set_unit_ip(model)?;
        if !model.is_leader()? {
            return Ok(());
        }
        let jobs: Vec<Value> = if jobs.is_empty() {
            vec![default_job()]
        } else {
            jobs.iter().map(sanitize_job).collect()
        };
        let scrape_jobs = py_dumps(&Value::Array(jobs));
        let scrape_metadata = JujuTopology::from_model(model).as_dict_json();
        let alert_rules = py_dumps(&self.alert_rules(model));
        for relation in model.relations_of(self.relation_name)? {
            relation.update(
                Member::ThisApp,
                [
                    ("scrape_metadata", scrape_metadata.as_str()),
                    ("scrape_jobs", scrape_jobs.as_str()),
                    ("alert_rules", alert_rules.as_str()),
                ],
            )?;
        }
        Ok(())
    }

    /// Writes this unit's address into its databag in each relation (Python's
    /// `_set_unit_ip`).
    pub fn set_unit_ip(&self, model: &ModelCore) -> Result<(), ModelError> {
        for relation in model.relations_of(self.relation_name)? {
            let network = relation.network()?;
            let bind = network.bind_address().unwrap_or_default();
            let host = fqdn();
            let (address, unit_fqdn) = if bind.parse::<IpAddr>().is_ok() {
                (bind.to_string(), host)
            } else {
                (host.clone(), host)
            };
            relation.update(
                Member::ThisUnit,
                [
                    ("prometheus_scrape_unit_address", address.as_str()),
                    ("prometheus_scrape_unit_path", ""),
                    ("prometheus_scrape_unit_name", model.unit().name()),
                    ("prometheus_scrape_unit_fqdn", unit_fqdn.as_str()),
                ],
            )?;
        }
        Ok(())
    }
}

/// This host's name (Python uses `socket.getfqdn()`; without a resolver call, the
/// kernel's host name, which in a Kubernetes pod is the pod name).
fn fqdn() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_allowed_keys_over_the_default() {
        let job = json!({
            "static_configs": [{"targets": ["*:8000"]}],
            "job_name": "api",
            "honor_labels": true,
        });
        assert_eq!(
            sanitize_job(&job),
            json!({
                "job_name": "api",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": ["*:8000"]}],
            })
        );
        assert_eq!(sanitize_job(&json!("nonsense")), default_job());
    }
}

/// The provider as a charm library (Python's `MetricsEndpointProvider(self, jobs=...)`):
/// its jobs are its state, which the charm sets with
/// [`MetricsEndpointProvider::set_scrape_jobs`], and so are where its alert rules are
/// and whether it sends them (set them in the charm's `Default`, as Python's
/// constructor arguments). It publishes them on `relation-joined`,
/// `leader-elected` and `upgrade-charm`, and the unit's address also on
/// `relation-changed` and `update-status`. Until the charm sets jobs (or after
/// [`MetricsEndpointProvider::withdraw`]) it publishes nothing, as a Python charm that
/// has not created its provider.
#[ops::library(interface = "prometheus_scrape", role = "provides")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricsEndpointProvider {
    /// The scrape jobs (an empty list publishes the default job), if any.
    #[serde(default)]
    pub jobs: Option<Vec<Value>>,
    /// The alert rules folder, relative to the charm's root.
    #[serde(default = "default_alert_rules_path")]
    pub alert_rules_path: String,
    /// Whether to send the alert rules (Python's `forward_alert_rules`).
    #[serde(default = "yes")]
    pub forward_alert_rules: bool,
}

fn default_alert_rules_path() -> String {
    DEFAULT_ALERT_RULES_PATH.to_string()
}

fn yes() -> bool {
    true
}

impl Default for MetricsEndpointProvider {
    fn default() -> Self {
        MetricsEndpointProvider {
            jobs: None,
            alert_rules_path: default_alert_rules_path(),
            forward_alert_rules: true,
        }
    }
}

impl MetricsEndpointProvider {
    /// The protocol on `endpoint` with this library's alert rule settings.
    fn provider<'a>(&'a self, endpoint: &'a str) -> Provider<'a> {
        Provider {
            alert_rules_path: &self.alert_rules_path,
            forward_alert_rules: self.forward_alert_rules,
            ..Provider::new(endpoint)
        }
    }

    /// Replaces the jobs and publishes them on `endpoint` now.
    pub fn set_scrape_jobs(
        &mut self,
        model: &ModelCore,
        endpoint: &str,
        jobs: Vec<Value>,
    ) -> Result<(), ModelError> {
        self.jobs = Some(jobs);
        let jobs = self.jobs.as_deref().unwrap_or_default();
        self.provider(endpoint).set_scrape_job_spec(model, jobs)
    }

    /// Stops publishing (what was published stays).
    pub fn withdraw(&mut self) {
        self.jobs = None;
    }
}

#[ops::library]
impl MetricsEndpointProvider {
    /// Publishes the jobs (and this unit's address).
    #[on(relation_joined)]
    #[on(leader_elected)]
    #[on(upgrade_charm)]
    fn publish(&mut self, model: &ops::LibModel<Self>) -> ops::Result<()> {
        if let Some(jobs) = &self.jobs {
            self.provider(model.endpoint())
                .set_scrape_job_spec(model, jobs)?;
        }
        Ok(())
    }

    /// Refreshes this unit's address (a rescheduled pod has a new one).
    #[on(relation_changed)]
    #[on(update_status)]
    fn refresh_address(&mut self, model: &ops::LibModel<Self>) -> ops::Result<()> {
        if self.jobs.is_some() {
            Provider::new(model.endpoint()).set_unit_ip(model)?;
        }
        Ok(())
    }
}
