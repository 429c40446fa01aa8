//! The provider side of `grafana_dashboard`: sends the charm's Grafana dashboards to
//! Grafana (the part of Python's `charms.grafana_k8s.v0.grafana_dashboard
//! .GrafanaDashboardProvider` the tutorial uses).
//!
//! On the wire, as the Python library: the leader writes `dashboards` into the
//! application databag of every relation, JSON
//! `{"templates": {"file:<name>": {...}}, "uuid": "<random>"}`, one template per
//! `*.json`, `*.json.tmpl` or `*.tmpl` file of the dashboards folder (by default
//! `src/grafana_dashboards` in the charm). Each template is
//! `{"charm", "content", "juju_topology", "inject_dropdowns": true, "dashboard_alt_uid"}`
//! where `content` is the dashboard JSON (its `uid` set from the charm name and file
//! path unless it already is such a 40-hex-digit uid, and a `charm: <name>` tag added),
//! xz-compressed and base64-encoded. The random `uuid` makes every write a change
//! Grafana sees.
//!
//! The Python library writes on leader-elected, upgrade-charm, config-changed and the
//! relation's relation-created; here the charm calls
//! [`GrafanaDashboardProvider::update_dashboards`] from its handlers for those events.
//!
//! Not ported: dashboards added from code, the dashboard-status events. The dashboard
//! JSON is re-serialized with its keys sorted (Python keeps the file's order) and
//! "compressed" with uncompressed LZMA2 chunks (any xz reader reads it).

#![deny(missing_docs)]

use charmlib_cosl::codec::{lzma_base64, py_dumps, py_dumps_object, shake256_hex, uuid4};
use ops::{Member, ModelCore};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The default dashboards folder, relative to the charm's root.
pub const DEFAULT_DASHBOARDS_PATH: &str = "src/grafana_dashboards";

/// The provider protocol, called from handlers: what the [`GrafanaDashboardProvider`]
/// library runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The dashboards folder, relative to the charm's root.
    pub dashboards_path: &'a str,
}

impl<'a> Provider<'a> {
    /// A provider on `relation_name` sending the dashboards in
    /// [`DEFAULT_DASHBOARDS_PATH`].
    pub const fn new(relation_name: &'a str) -> Self {
        Provider {
            relation_name,
            dashboards_path: DEFAULT_DASHBOARDS_PATH,
        }
    }

    /// The dashboard templates, by id (`file:<file name without its last extension>`),
    /// each the JSON object sent to Grafana. Files that cannot be read or are not JSON
    /// objects are logged and skipped; a missing folder gives none.
    pub fn load_dashboards(&self, model: &ModelCore) -> BTreeMap<String, Value> {
        let charm_dir = &model.context().charm_dir;
        let dir = charm_dir.join(self.dashboards_path);
        let mut paths = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_dashboard(p))
                .collect::<Vec<_>>(),
            Err(e) => {
                log::warn!(
                    "Invalid Grafana dashboards folder at {}: {e}",
                    dir.display()
                );
                return BTreeMap::new();
            }
        };
        paths.sort();
        let charm_name = model.meta().name;
        let topology = json!({
            "model": model.name(),
            "model_uuid": model.uuid(),
            "application": model.app().name(),
            "unit": model.unit().name(),
        });
        let mut templates = BTreeMap::new();
        for path in paths {
            let mut dashboard =
                match std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| {
                        serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string())
                    }) {
                    Ok(Value::Object(map)) => map,
                    Ok(_) => {
                        log::error!("Invalid dashboard '{}': expected an object", path.display());
                        continue;
                    }
                    Err(e) => {
                        log::error!("Failed to load dashboard '{}': {e}", path.display());
                        continue;
                    }
                };
            let rel_path = path.strip_prefix(charm_dir).unwrap_or(&path);
            let uid_is_path40 = dashboard
                .get("uid")
                .and_then(Value::as_str)
                .is_some_and(|uid| uid.len() == 40 && uid.bytes().all(|b| b.is_ascii_hexdigit()));
            if !uid_is_path40 {
                let uid = shake256_hex(
                    format!("{charm_name}-{}", rel_path.display()).as_bytes(),
                    20,
                );
                dashboard.insert("uid".into(), Value::String(uid));
            }
            let mut tags = match dashboard.remove("tags") {
                Some(Value::Array(tags)) => tags,
                _ => Vec::new(),
            };
            if !tags
                .iter()
                .any(|t| t.as_str().is_some_and(|t| t.starts_with("charm: ")))
            {
                tags.push(Value::String(format!("charm: {charm_name}")));
            }
            dashboard.insert("tags".into(), Value::Array(tags));

            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let id = format!("file:{stem}");
            let content = Value::String(lzma_base64(&py_dumps(&Value::Object(dashboard))));
            let charm = Value::from(charm_name);
            let inject = Value::Bool(true);
            let alt_uid = Value::String(shake256_hex(format!("{charm_name}-{id}").as_bytes(), 8));
            // Kept as text to keep the Python library's key order.
            let template = py_dumps_object([
                ("charm", &charm),
                ("content", &content),
                ("juju_topology", &topology),
                ("inject_dropdowns", &inject),
                ("dashboard_alt_uid", &alt_uid),
            ]);
            templates.insert(id, Value::String(template));
        }
        templates
    }

    /// On the leader, sends the dashboards to every relation (Python's
    /// `_update_all_dashboards_from_dir`); other units do nothing.
    pub fn update_dashboards(&self, model: &ModelCore) -> ops::Result<()> {
        if !model.is_leader()? {
            return Ok(());
        }
        let relations = model.relations_of(self.relation_name)?;
        if relations.is_empty() {
            return Ok(());
        }
        let templates = self.load_dashboards(model);
        let templates = format!(
            "{{{}}}",
            templates
                .iter()
                .map(|(id, t)| format!(
                    "{}: {}",
                    py_dumps(&Value::from(id.as_str())),
                    t.as_str().unwrap_or("{}")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for relation in relations {
            let data = format!(
                "{{\"templates\": {templates}, \"uuid\": {}}}",
                py_dumps(&Value::String(uuid4()))
            );
            relation.set(Member::ThisApp, "dashboards", data)?;
        }
        Ok(())
    }
}

/// Whether `path` is a dashboard file.
fn is_dashboard(path: &Path) -> bool {
    path.is_file()
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".json") || n.ends_with(".tmpl"))
}

/// The provider as a charm library (Python's `GrafanaDashboardProvider(self)`): sends
/// the dashboards in [`DEFAULT_DASHBOARDS_PATH`] on `relation-created`,
/// `leader-elected`, `upgrade-charm` and `config-changed`.
#[ops::library(interface = "grafana_dashboard", role = "provides")]
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrafanaDashboardProvider {}

#[ops::library]
impl GrafanaDashboardProvider {
    /// Sends the dashboards to every relation (on the leader).
    #[on(relation_created)]
    #[on(leader_elected)]
    #[on(upgrade_charm)]
    #[on(config_changed)]
    fn update(&mut self, model: &ops::LibModel<Self>) -> ops::Result<()> {
        Provider::new(model.endpoint()).update_dashboards(model)
    }
}
