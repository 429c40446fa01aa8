//! The charm's view of its Juju model: units, applications, relations and their data,
//! containers, storage, secrets, config, ports, networks and resources.
//!
//! Everything here talks to Juju through the backend (hook tools, or `ops::testing`'s
//! simulator); reads are cached for the hook, relation writes are batched so each databag
//! is written once.
//!
//! - This unit and its application: [`ModelCore::unit`], [`ModelCore::app`]
//!   ([`Unit::is_leader`], ports, [`Unit::reboot`], [`App::planned_units`], adding
//!   secrets); the model's [`name`](ModelCore::name), [`uuid`](ModelCore::uuid) and
//!   [`juju_version`](ModelCore::juju_version).
//! - Relations: [`ModelCore::relations_of`], [`ModelCore::get_relation`]; each
//!   [`Relation`] reads a databag once per hook ([`Relation::data`], [`Relation::load`])
//!   and buffers writes ([`Relation::set`], [`Relation::save`]) until the runtime calls
//!   [`ModelCore::flush_relation_writes`]. [`Member`] names the databag; the access rules
//!   (only the leader touches this application's databag, nobody writes a remote one)
//!   are checked before any hook tool runs.
//! - Secrets: [`ModelCore::get_secret`], [`App::add_secret`], [`Unit::add_secret`],
//!   [`Secret`]'s methods; content is a [`SecretContent`], which never prints its values.
//! - Storage, resources and networks: [`ModelCore::storages_of`],
//!   [`ModelCore::request_storage`], [`ModelCore::resource_path`], [`ModelCore::binding`],
//!   [`Relation::network`].

use crate::backend::Backend;
use crate::charm::{Charm, CharmConfig};
use crate::context::JujuContext;
use crate::error::{ModelError, Result};
use crate::meta::CharmMeta;
use std::cell::RefCell;
use std::marker::PhantomData;

mod cache;
mod container;
mod handles;
mod jsonfmt;
mod network;
mod relation;
mod secret;
mod security;
mod status;
mod storage;
mod unit;
pub(crate) mod values;
mod version;

#[cfg(all(test, feature = "testing"))]
mod testbed;

pub use container::Exec;
pub use handles::{Container, Relation, Secret, Storage};
pub use network::{Binding, Network, NetworkInterface, Subnet};
pub use relation::Member;
pub(crate) use secret::parse_rfc3339;
pub use secret::{SecretContent, SecretExpiry, SecretRotate, SecretSettings};
pub use security::{SecurityEvent, SecurityLevel};
pub use unit::{App, Unit};
pub use values::{
    BindAddress, CloudCredential, CloudSpec, Databag, GoalState, GoalStatus, InterfaceAddress,
    NetworkInfo, Port, Protocol, SecretInfo,
};
pub use version::JujuVersion;
// Values defined beside the crate-private `Backend` trait that authors meet too: a
// secret's owner, `App::status_with_units`' answer and the juju-log level.
pub use crate::backend::{LogLevel, SecretOwner, StatusInfo};

/// The model, as a charm `C`'s handlers see it: the untyped [`ModelCore`] plus the typed
/// accessors `#[charm]` generates from the metadata.
pub struct Model<C> {
    core: ModelCore,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> Model<C> {
    /// A model over `backend` for the dispatch described by `context`.
    pub(crate) fn new(backend: Box<dyn Backend>, context: JujuContext) -> Self {
        Model {
            core: ModelCore::new(backend, C::META, context),
            _charm: PhantomData,
        }
    }

    /// The untyped model, shared by every charm type.
    pub fn core(&self) -> &ModelCore {
        &self.core
    }

    /// The typed relation accessors (one method per endpoint in the metadata).
    pub fn relations(&self) -> C::Relations<'_> {
        C::relations(&self.core)
    }

    /// The typed container accessors (one method per container).
    pub fn containers(&self) -> C::Containers<'_> {
        C::containers(&self.core)
    }

    /// The typed storage accessors (one method per storage).
    pub fn storages(&self) -> C::Storages<'_> {
        C::storages(&self.core)
    }

    /// The typed resource accessors (one method per resource).
    pub fn resources(&self) -> C::Resources<'_> {
        C::resources(&self.core)
    }

    /// Emits the charm's own custom event `event` (declared with `events(name = Type)` in
    /// `#[charm(...)]`): its `#[on(self.<name>)]` observers run in this hook, as soon as
    /// the handler that emitted it returns, before any other handler.
    pub fn emit<E: crate::library::EventOf<C>>(&self, event: E) -> Result<()> {
        let data = crate::library::custom_event(None, E::NAME, &event)?;
        self.core.queue_emitted(data);
        Ok(())
    }

    /// The typed config, read once per hook through `config-get`.
    pub fn config(&self) -> Result<C::Config> {
        let values = self.core.config_values()?;
        Ok(C::Config::from_values(&values)?)
    }
}

impl<C> std::ops::Deref for Model<C> {
    type Target = ModelCore;
    fn deref(&self) -> &ModelCore {
        &self.core
    }
}

/// The model without the charm's types: what relations, containers and events hold on to.
pub struct ModelCore {
    backend: Box<dyn Backend>,
    meta: &'static CharmMeta,
    context: JujuContext,
    cache: RefCell<cache::Cache>,
    /// Custom events emitted by the running handler, not yet delivered.
    emitted: RefCell<Vec<crate::event::EventData>>,
}

impl ModelCore {
    /// A model over `backend` for the dispatch described by `context`.
    pub(crate) fn new(
        backend: Box<dyn Backend>,
        meta: &'static CharmMeta,
        context: JujuContext,
    ) -> Self {
        ModelCore {
            backend,
            meta,
            context,
            cache: RefCell::default(),
            emitted: RefCell::default(),
        }
    }

    /// Queues a custom event for delivery after the running handler.
    pub(crate) fn queue_emitted(&self, event: crate::event::EventData) {
        self.emitted.borrow_mut().push(event);
    }

    /// The custom events emitted since the last call, in order.
    pub(crate) fn take_emitted(&self) -> Vec<crate::event::EventData> {
        std::mem::take(&mut *self.emitted.borrow_mut())
    }

    /// The backend everything goes through.
    pub(crate) fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The charm's metadata.
    pub fn meta(&self) -> &'static CharmMeta {
        self.meta
    }

    /// The Juju context of this dispatch.
    pub fn context(&self) -> &JujuContext {
        &self.context
    }

    /// A named breakpoint (Python's `framework.breakpoint(name)`): when `JUJU_DEBUG_AT`
    /// names it, or is `all` (`juju debug-code --at=NAME`), the process prints how to
    /// attach a debugger and stops here until continued; otherwise it does nothing (a
    /// WARNING when other breakpoints are asked for). `name` must look like `foo` or
    /// `foo-bar`, and not be `all` or `hook` (reserved).
    pub fn breakpoint(&self, name: &str) -> Result<(), ModelError> {
        crate::framework::debug::check_breakpoint_name(name)?;
        let at = &self.context.debug_at;
        if at.iter().any(|a| a == "all" || a == name) {
            crate::framework::debug::stop(&format!("breakpoint {name:?}"), None);
        } else if !at.is_empty() && crate::logging::enabled(crate::backend::LogLevel::Warning) {
            let _ = self.backend.juju_log(
                crate::backend::LogLevel::Warning,
                &format!(
                    "Breakpoint {name:?} skipped (not found in the requested breakpoints: {}).",
                    at.join(",")
                ),
            );
        }
        Ok(())
    }

    /// `config-get`'s answer, asked once per hook.
    pub fn config_values(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        if let Some(config) = &self.cache.borrow().config {
            return Ok(config.clone());
        }
        let config = self.backend.config_get()?;
        self.cache.borrow_mut().config = Some(config.clone());
        Ok(config)
    }

    /// The container `name`, which the metadata must declare (as Python's
    /// `Unit.get_container`): an undeclared name is an error naming the declared ones.
    /// The generated `model.containers().<name>()` accessors need no check.
    pub fn container(&self, name: &str) -> Result<Container<'_>, ModelError> {
        if self.meta.container(name).is_none() {
            let declared: Vec<&str> = self.meta.containers.iter().map(|c| c.name).collect();
            let declared = if declared.is_empty() {
                "none".to_string()
            } else {
                declared.join(", ")
            };
            return Err(ModelError::Invalid {
                what: "container",
                detail: format!("{name:?} is not in the metadata (containers: {declared})"),
            });
        }
        Ok(Container::new(self, name))
    }

    /// The model's name (`JUJU_MODEL_NAME`).
    pub fn name(&self) -> &str {
        &self.context.model_name
    }

    /// The model's UUID (`JUJU_MODEL_UUID`).
    pub fn uuid(&self) -> &str {
        &self.context.model_uuid
    }

    /// The Juju version running this hook (`JUJU_VERSION`; `0.0.0` when unset).
    pub fn juju_version(&self) -> Result<JujuVersion, ModelError> {
        let text = self.context.version.trim();
        if text.is_empty() {
            return Ok(JujuVersion::default());
        }
        text.parse()
    }

    /// `goal-state`: the units and relations Juju plans for this application.
    pub fn goal_state(&self) -> Result<crate::backend::GoalState, ModelError> {
        self.backend.goal_state()
    }

    /// The cloud this model runs on, with its credential (`credential-get`; the
    /// application must be trusted: `juju trust`).
    pub fn cloud_spec(&self) -> Result<crate::backend::CloudSpec, ModelError> {
        self.backend.credential_get()
    }

    /// Records metrics (`add-metric [--labels k=v,...] k=v ...`; only in a
    /// `collect-metrics` hook, as Python's `CollectMetricsEvent.add_metrics`). Checked
    /// first as Python `ops` checks them: keys and label names are a letter, then letters,
    /// digits, `-` or `_`, ending with a letter or digit; values finite and not negative;
    /// label values non-empty, without `,` or `=`.
    pub fn add_metrics(
        &self,
        metrics: &std::collections::BTreeMap<String, f64>,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        let invalid = |detail: String| ModelError::Invalid {
            what: "metric",
            detail,
        };
        for (name, value) in labels {
            if !valid_metric_key(name) {
                return Err(invalid(format!("invalid metric label name {name:?}")));
            }
            if value.is_empty() || value.contains([',', '=']) {
                return Err(invalid(format!(
                    "metric label {name}: values must be non-empty, without \",\" or \"=\": {value:?}"
                )));
            }
        }
        for (key, value) in metrics {
            if !valid_metric_key(key) {
                return Err(invalid(format!("invalid metric key {key:?}")));
            }
            if !value.is_finite() || *value < 0.0 {
                return Err(invalid(format!(
                    "invalid metric value {value} for {key:?}: must be a positive finite number"
                )));
            }
        }
        self.backend.add_metrics(metrics, labels)
    }
}

/// Python ops' `^[a-zA-Z](?:[a-zA-Z0-9-_]*[a-zA-Z0-9])?$` (metric keys and label names).
fn valid_metric_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && rest
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        && rest.last().is_none_or(|b| b.is_ascii_alphanumeric())
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::testbed::core;
    use crate::error::ModelError;
    use std::collections::BTreeMap;

    fn map<V: Clone>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn metrics_are_checked_as_python_ops_checks_them() {
        let (fake, model) = core();
        let labels = map(&[("region", "eu-1".to_string())]);
        model
            .add_metrics(
                &map(&[("requests", 12.5), ("a", 0.0), ("x-y_z9", 1.0)]),
                &labels,
            )
            .unwrap();
        assert_eq!(fake.calls(), ["add-metric"]);
        for key in ["", "9lives", "a-", "a_", "a b", "é"] {
            let err = model
                .add_metrics(&map(&[(key, 1.0)]), &BTreeMap::new())
                .unwrap_err();
            assert!(matches!(err, ModelError::Invalid { .. }), "{key:?}");
            assert!(model
                .add_metrics(&map(&[("ok", 1.0)]), &map(&[(key, "v".to_string())]))
                .is_err());
        }
        for value in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(model
                .add_metrics(&map(&[("ok", value)]), &BTreeMap::new())
                .is_err());
        }
        for value in ["", "a,b", "a=b"] {
            assert!(model
                .add_metrics(&map(&[("ok", 1.0)]), &map(&[("l", value.to_string())]))
                .is_err());
        }
        assert_eq!(
            fake.calls_of("add-metric"),
            1,
            "nothing invalid reached Juju"
        );
    }
}
