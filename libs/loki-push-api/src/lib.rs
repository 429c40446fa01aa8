//! Pebble log forwarding to Loki over `loki_push_api` (the part of Python's
//! `charms.loki_k8s.v1.loki_push_api.LogForwarder` the tutorial uses). Juju 3.4 or
//! later is needed: Pebble forwards the workload's logs itself.
//!
//! On the wire, as the Python library:
//! - each Loki unit writes `endpoint` (JSON `{"url": ".../loki/api/v1/push"}`) into its
//!   unit databag; a relation is used only once every remote unit has a valid one;
//! - for each workload container Pebble can be reached in, the charm adds (combining)
//!   the layer `<container>-log-forwarding`, with one `loki` log target per Loki unit,
//!   named after it, for all services, labelled with the Juju topology; a target whose
//!   Loki unit is gone is replaced by a disabled one (`-all`, location `(removed)`);
//! - the leader writes `metadata` (the Juju topology, JSON) and `alert_rules` (the rule
//!   files of the charm's `src/loki_alert_rules` and its sub-folders, the topology
//!   injected as cosl does, see [`charmlib_cosl::rules`]; JSON with sorted keys) into the
//!   application databag (of every relation of the endpoint; the Python library writes
//!   only to the relation of the event at hand, so all of them in the end).
//!
//! The Python library observes the relation's joined/changed/departed/broken events and
//! each container's pebble-ready; here the charm calls
//! [`LogForwarder::update_logging`] and [`LogForwarder::on_pebble_ready`] from its own
//! handlers. As in the Python library, with no Loki endpoint at all nothing changes
//! (existing targets are left as they are).
//!
//! Not ported: `skip_alert_topology_labeling`, `extra_alert_labels`.

#![deny(missing_docs)]

use charmlib_cosl::codec::py_dumps;
use charmlib_cosl::rules::{QueryType, Rules};
use charmlib_cosl::topology::JujuTopology;
use ops::pebble::{Layer, LogTarget, LogTargetType, Override};
use ops::{Container, Member, ModelCore, Relation};
use serde_json::Value;
use std::collections::BTreeMap;

/// The default alert rules folder, relative to the charm's root.
pub const DEFAULT_ALERT_RULES_PATH: &str = "src/loki_alert_rules";

/// The forwarding protocol, called from handlers: what the [`LogForwarder`] library
/// runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forwarder<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The alert rules folder, relative to the charm's root.
    pub alert_rules_path: &'a str,
    /// Whether to send the rule files (Python's `forward_alert_rules`).
    pub forward_alert_rules: bool,
}

impl<'a> Forwarder<'a> {
    /// A forwarder over `relation_name` sending the rules in
    /// [`DEFAULT_ALERT_RULES_PATH`].
    pub const fn new(relation_name: &'a str) -> Self {
        Forwarder {
            relation_name,
            alert_rules_path: DEFAULT_ALERT_RULES_PATH,
            forward_alert_rules: true,
        }
    }

    /// The `alert_rules` sent: the rule files (LogQL), or `{}` with none or when not
    /// forwarding.
    pub fn alert_rules(&self, model: &ModelCore) -> Value {
        let mut rules = Rules::new(QueryType::LogQl, Some(JujuTopology::from_model(model)));
        if self.forward_alert_rules {
            rules.add_path(&model.context().charm_dir.join(self.alert_rules_path), true);
        }
        rules.as_dict()
    }

    /// The Loki push URL of each ready remote unit, by unit name.
    pub fn endpoints(&self, model: &ModelCore) -> ops::Result<BTreeMap<String, String>> {
        let mut endpoints = BTreeMap::new();
        for relation in model.relations_of(self.relation_name)? {
            match relation_urls(&relation)? {
                Some(urls) => endpoints.extend(urls),
                None => log::warn!("The relation '{}' is not ready yet.", self.relation_name),
            }
        }
        Ok(endpoints)
    }

    /// Call on the relation's joined, changed, departed and broken events: points
    /// every reachable container's log forwarding at the current Loki units, and (on
    /// the leader) publishes the topology and alert rules.
    pub fn update_logging(&self, model: &ModelCore) -> ops::Result<()> {
        let endpoints = self.endpoints(model)?;
        if endpoints.is_empty() {
            log::warn!("No Loki endpoints available");
            return Ok(());
        }
        let topology = JujuTopology::from_model(model);
        for container in model.meta().containers {
            let container = model.container(container.name)?;
            if container.can_connect() {
                update_endpoints(&container, &endpoints, &topology)?;
            }
            // Otherwise its pebble-ready will.
        }
        if model.is_leader()? {
            let alert_rules = py_dumps(&self.alert_rules(model));
            for relation in model.relations_of(self.relation_name)? {
                if relation.active()? {
                    relation.update(
                        Member::ThisApp,
                        [
                            ("metadata", topology.as_dict_json()),
                            ("alert_rules", alert_rules.clone()),
                        ],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Call on each workload container's pebble-ready: points its log forwarding at the
    /// current Loki units.
    pub fn on_pebble_ready(&self, model: &ModelCore, container: &Container<'_>) -> ops::Result<()> {
        let endpoints = self.endpoints(model)?;
        if endpoints.is_empty() {
            log::warn!("No Loki endpoints available");
            return Ok(());
        }
        update_endpoints(container, &endpoints, &JujuTopology::from_model(model))?;
        Ok(())
    }
}

/// The URL each remote unit of `relation` published, or `None` if one has not (yet).
fn relation_urls(relation: &Relation<'_>) -> ops::Result<Option<BTreeMap<String, String>>> {
    let mut urls = BTreeMap::new();
    for unit in relation.units()? {
        let Some(endpoint) = relation.get(&unit, "endpoint")? else {
            return Ok(None);
        };
        let url = serde_json::from_str::<Value>(&endpoint)
            .ok()
            .and_then(|v| v.get("url").and_then(Value::as_str).map(str::to_string));
        let Some(url) = url else {
            return Ok(None);
        };
        urls.insert(unit.name().to_string(), url);
    }
    Ok(if urls.is_empty() { None } else { Some(urls) })
}

/// The log target forwarding every service's logs to `location` (or, with `enable`
/// false, forwarding none), named after the Loki unit.
pub fn log_target(location: &str, topology: &JujuTopology, enable: bool) -> LogTarget {
    let mut target = LogTarget {
        override_: Some(Override::Replace),
        type_: Some(LogTargetType::Loki),
        location: location.to_string(),
        services: vec![if enable { "all" } else { "-all" }.to_string()],
        ..LogTarget::default()
    };
    if enable {
        target.labels = [
            ("product", "Juju".to_string()),
            ("charm", topology.charm_name.clone()),
            ("juju_model", topology.model.clone()),
            ("juju_model_uuid", topology.model_uuid.clone()),
            ("juju_application", topology.application.clone()),
            ("juju_unit", topology.unit.clone()),
            ("job", format!("juju_{}", topology.identifier())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    }
    target
}

/// Disables the targets of Loki units that are gone, then (re)enables the current ones.
fn update_endpoints(
    container: &Container<'_>,
    endpoints: &BTreeMap<String, String>,
    topology: &JujuTopology,
) -> ops::pebble::Result<()> {
    let label = format!("{}-log-forwarding", container.name());
    let plan = container.get_plan()?;
    for (name, target) in &plan.log_targets {
        if target.services.iter().any(|s| s == "-all") || endpoints.contains_key(name) {
            continue;
        }
        let layer = Layer {
            log_targets: [(name.clone(), log_target("(removed)", topology, false))].into(),
            ..Layer::default()
        };
        container.add_layer(&label, &layer, true)?;
    }
    let layer = Layer {
        log_targets: endpoints
            .iter()
            .map(|(unit, url)| (unit.clone(), log_target(url, topology, true)))
            .collect(),
        ..Layer::default()
    };
    container.add_layer(&label, &layer, true)
}

/// Log forwarding as a charm library (Python's `LogForwarder(self)`): it observes its
/// endpoint's joined, changed, departed and broken events itself. Pebble-ready is a
/// container event, which only the charm observes: call [`LogForwarder::on_pebble_ready`]
/// from the charm's handler.
#[ops::library(interface = "loki_push_api", role = "requires")]
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogForwarder {}

impl LogForwarder {
    /// Points `container`'s log forwarding at the Loki units of `endpoint` (call on the
    /// container's pebble-ready).
    pub fn on_pebble_ready(
        &self,
        model: &ModelCore,
        endpoint: &str,
        container: &Container<'_>,
    ) -> ops::Result<()> {
        Forwarder::new(endpoint).on_pebble_ready(model, container)
    }
}

#[ops::library]
impl LogForwarder {
    /// The Loki units changed: re-point every reachable container.
    #[on(relation_joined)]
    #[on(relation_changed)]
    #[on(relation_departed)]
    #[on(relation_broken)]
    fn update(&mut self, model: &ops::LibModel<Self>) -> ops::Result<()> {
        Forwarder::new(model.endpoint()).update_logging(model)
    }
}
