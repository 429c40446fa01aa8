//! The charm's view of its Juju model: units, applications, relations and their data,
//! containers, storage, secrets, config, ports, networks and resources.
//!
//! Everything here talks to Juju through the [`Backend`]; reads are cached for the hook,
//! relation writes are batched so each databag is written once.

use crate::backend::Backend;
use crate::charm::{Charm, CharmConfig};
use crate::context::JujuContext;
use crate::error::{ModelError, Result};
use crate::event::EventKind;
use crate::meta::CharmMeta;
use crate::status::StatusCollector;
use std::cell::RefCell;
use std::marker::PhantomData;

mod container;
mod handles;

pub use handles::{Container, Relation, Secret, Storage};

/// The model, as a charm `C`'s handlers see it: the untyped [`ModelCore`] plus the typed
/// accessors `#[charm]` generates from the metadata.
pub struct Model<C> {
    core: ModelCore,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> Model<C> {
    /// A model over `backend` for the dispatch described by `context`.
    pub fn new(backend: Box<dyn Backend>, context: JujuContext) -> Self {
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
    collected_unit: RefCell<StatusCollector>,
    collected_app: RefCell<StatusCollector>,
}

impl ModelCore {
    /// A model over `backend` for the dispatch described by `context`.
    pub fn new(backend: Box<dyn Backend>, meta: &'static CharmMeta, context: JujuContext) -> Self {
        ModelCore {
            backend,
            meta,
            context,
            collected_unit: RefCell::default(),
            collected_app: RefCell::default(),
        }
    }

    /// The backend everything goes through.
    pub fn backend(&self) -> &dyn Backend {
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

    /// `config-get`'s answer.
    pub fn config_values(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        Ok(self.backend.config_get()?)
    }

    /// The attached instance `index` of storage `name`, with its location from
    /// `storage-get`.
    pub fn storage_instance(&self, name: &str, index: u32) -> Result<Storage> {
        let info = self.backend.storage_get(&format!("{name}/{index}"))?;
        Ok(Storage {
            name: name.to_string(),
            index,
            location: info.location,
        })
    }

    /// Keeps what a collect-status handler added; generated dispatch code calls this after
    /// each `collect_unit_status` / `collect_app_status` handler.
    pub fn collect_statuses(&self, kind: EventKind, collector: StatusCollector) {
        let target = match kind {
            EventKind::CollectAppStatus => &self.collected_app,
            _ => &self.collected_unit,
        };
        let mut target = target.borrow_mut();
        for status in collector.statuses() {
            target.add(status.clone());
        }
    }

    /// Takes everything collect-status handlers added for the unit (`app == false`) or the
    /// application, leaving it empty.
    pub fn take_collected_statuses(&self, app: bool) -> StatusCollector {
        let target = if app { &self.collected_app } else { &self.collected_unit };
        std::mem::take(&mut *target.borrow_mut())
    }

    /// The relations of `endpoint` (what `relation-ids` lists).
    pub fn relations_of(&self, endpoint: &str) -> Result<Vec<Relation<'_>>, ModelError> {
        Ok(self
            .backend
            .relation_ids(endpoint)?
            .into_iter()
            .map(|id| Relation::new(self, endpoint, id))
            .collect())
    }

    /// The one relation of `endpoint`, if any; more than one is
    /// [`ModelError::TooManyRelatedApps`].
    pub fn relation_one(&self, endpoint: &str) -> Result<Option<Relation<'_>>, ModelError> {
        let mut relations = self.relations_of(endpoint)?;
        match relations.len() {
            0 | 1 => Ok(relations.pop()),
            count => Err(ModelError::TooManyRelatedApps {
                endpoint: endpoint.to_string(),
                count,
            }),
        }
    }

    /// The container `name`.
    pub fn container(&self, name: &str) -> Container<'_> {
        Container::new(self, name)
    }

    /// The attached instances of storage `name`.
    pub fn storages_of(&self, name: &str) -> Result<Vec<Storage>, ModelError> {
        let mut out = Vec::new();
        for id in self.backend.storage_list(name)? {
            let index = id
                .rsplit_once('/')
                .and_then(|(_, n)| n.parse().ok())
                .ok_or_else(|| ModelError::Output {
                    tool: "storage-list".into(),
                    detail: format!("storage id {id:?} is not NAME/N"),
                })?;
            let info = self.backend.storage_get(&id)?;
            out.push(Storage {
                name: name.to_string(),
                index,
                location: info.location,
            });
        }
        Ok(out)
    }

    /// The local path of resource `name`, fetched with `resource-get`.
    pub fn resource_path(&self, name: &str) -> Result<std::path::PathBuf, ModelError> {
        self.backend.resource_get(name)
    }
}
