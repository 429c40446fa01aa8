//! The requirer side as a charm library (Python's `DatabaseRequires` object): it observes
//! its endpoint's relation events itself, keeps what it asks for in its own state, and
//! emits `database_created`, `endpoints_changed` and `read_only_endpoints_changed`,
//! which the charm observes (and may defer) with `#[on(field.event)]`.

use crate::provider::{DatabaseRequested, Provider};
use crate::requirer::{DatabaseEvent, Requirer};
use ops::event::{RelationChanged, RelationCreated};
use ops::model::Databag;
use ops::prelude::*;
use std::collections::BTreeMap;

/// The provider shared the credentials: the database is ready (Python's
/// `database_created`). The credentials themselves are not in the payload (it is saved
/// with the unit's state when deferred): read them with
/// [`DatabaseRequires::fetch_relation_data`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseCreated {
    /// The relation.
    pub relation_id: u64,
    /// `endpoints` (`host:port`, comma-separated), if shared.
    pub endpoints: Option<String>,
}

/// `endpoints` was set or changed (Python's `endpoints_changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointsChanged {
    /// The relation.
    pub relation_id: u64,
    /// The new `endpoints`.
    pub endpoints: Option<String>,
}

/// `read-only-endpoints` was set or changed (Python's `read_only_endpoints_changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOnlyEndpointsChanged {
    /// The relation.
    pub relation_id: u64,
    /// The new `read-only-endpoints`.
    pub read_only_endpoints: Option<String>,
}

/// The requirer side of a `postgresql_client` relation, as a library. What it asks for
/// is its state: set it in the charm's `Default` (`DatabaseRequires::new("names_db")`),
/// so the first hook already knows it.
#[library(
    interface = "postgresql_client",
    role = "requires",
    events(
        database_created = DatabaseCreated,
        endpoints_changed = EndpointsChanged,
        read_only_endpoints_changed = ReadOnlyEndpointsChanged
    )
)]
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseRequires {
    /// The database to ask for.
    #[serde(default)]
    pub database_name: String,
    /// Extra roles for the user (`extra-user-roles`), if any.
    #[serde(default)]
    pub extra_user_roles: Option<String>,
}

impl DatabaseRequires {
    /// A requirer asking for `database_name`.
    pub fn new(database_name: impl Into<String>) -> Self {
        DatabaseRequires {
            database_name: database_name.into(),
            extra_user_roles: None,
        }
    }

    /// The protocol on `endpoint`.
    pub fn requirer<'a>(&'a self, endpoint: &'a str) -> Requirer<'a> {
        Requirer {
            relation_name: endpoint,
            database_name: &self.database_name,
            extra_user_roles: self.extra_user_roles.as_deref(),
        }
    }

    /// The provider's data in each relation of `endpoint`, with the fields shared in
    /// secrets read from them, by relation id (Python's `fetch_relation_data()`).
    pub fn fetch_relation_data(
        &self,
        model: &ModelCore,
        endpoint: &str,
    ) -> ops::Result<BTreeMap<u64, Databag>> {
        Ok(self.requirer(endpoint).fetch_relation_data(model)?)
    }

    /// Whether every relation of `endpoint` (and at least one) has its credentials
    /// (Python's `is_resource_created()`).
    pub fn is_resource_created(&self, model: &ModelCore, endpoint: &str) -> ops::Result<bool> {
        Ok(self.requirer(endpoint).is_resource_created(model)?)
    }
}

#[library]
impl DatabaseRequires {
    /// The leader asks for the database (and the credentials in secrets).
    #[on(relation_created)]
    fn on_created(&mut self, model: &LibModel<Self>, event: &RelationCreated) -> ops::Result<()> {
        self.requirer(model.endpoint())
            .on_relation_created(&event.relation)?;
        Ok(())
    }

    /// Compares the provider's data with the last copy and emits what changed.
    #[on(relation_changed)]
    fn on_changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
        let relation = &event.relation;
        let Some(what) = self
            .requirer(model.endpoint())
            .on_relation_changed(relation)?
        else {
            return Ok(());
        };
        let relation_id = relation.id();
        let get = |key: &str| relation.get(Member::RemoteApp, key);
        match what {
            DatabaseEvent::Created => model.emit(DatabaseCreated {
                relation_id,
                endpoints: get("endpoints")?,
            }),
            DatabaseEvent::EndpointsChanged => model.emit(EndpointsChanged {
                relation_id,
                endpoints: get("endpoints")?,
            }),
            DatabaseEvent::ReadOnlyEndpointsChanged => model.emit(ReadOnlyEndpointsChanged {
                relation_id,
                read_only_endpoints: get("read-only-endpoints")?,
            }),
        }
    }
}

/// The provider side of a `postgresql_client` relation, as a library (Python's
/// `DatabaseProvides`): it keeps the copy of each requirer's databag and emits
/// `database_requested` when a requirer asks for a database; the charm answers with
/// [`Provider`] (`set_credentials`, `set_endpoints`, ...).
#[library(
    interface = "postgresql_client",
    role = "provides",
    events(database_requested = DatabaseRequested)
)]
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseProvides {}

#[library]
impl DatabaseProvides {
    /// On the leader, reports a new request.
    #[on(relation_changed)]
    fn on_changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
        if let Some(request) =
            Provider::new(model.endpoint()).on_relation_changed(&event.relation)?
        {
            model.emit(request)?;
        }
        Ok(())
    }
}
