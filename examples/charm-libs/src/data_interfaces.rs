//! The requirer side of a database relation (interface `postgresql_client`, and the
//! other data-platform database interfaces): the part of Python's
//! `charms.data_platform_libs.v0.data_interfaces.DatabaseRequires` the tutorial uses.
//!
//! On the wire, as the Python library:
//! - on `relation-created`, the leader writes `database` (the database name it wants)
//!   into this application's databag;
//! - the provider (e.g. postgresql-k8s) answers in its application databag with
//!   `endpoints` (`host:port`, comma-separated), `username`, `password` (and
//!   `read-only-endpoints`, `version`, ...);
//! - on `relation-changed`, the remote application's databag is compared with the copy
//!   kept under `data` (JSON) in this unit's databag, the copy is updated, and the change
//!   is classified: credentials shared ([`DatabaseEvent::Created`]), `endpoints` changed
//!   ([`DatabaseEvent::EndpointsChanged`]) or `read-only-endpoints` changed
//!   ([`DatabaseEvent::ReadOnlyEndpointsChanged`]), the first that applies.
//!
//! Not ported: Juju secrets for the credentials. This requirer does not write
//! `requested-secrets`, so the provider shares the credentials in its databag, as it
//! does for requirers that predate secrets. Also not ported: relation aliases, extra
//! user roles, entities, prefix matching, subordinates.

use ops::Databag;
use ops::{Member, ModelCore, ModelError, Relation};
use std::collections::{BTreeMap, BTreeSet};

/// The key of this unit's databag holding the last remote data seen (JSON).
const DATA_KEY: &str = "data";

/// What a `relation-changed` of the database relation means (the Python library's
/// custom events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseEvent {
    /// The provider shared the credentials: the database is ready to use
    /// (`database_created`).
    Created,
    /// `endpoints` was set or changed (`endpoints_changed`).
    EndpointsChanged,
    /// `read-only-endpoints` was set or changed (`read_only_endpoints_changed`).
    ReadOnlyEndpointsChanged,
}

/// Which keys of the remote databag changed since the last `relation-changed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Keys that were not there before.
    pub added: BTreeSet<String>,
    /// Keys whose value changed.
    pub changed: BTreeSet<String>,
    /// Keys that are gone.
    pub deleted: BTreeSet<String>,
}

/// The requirer side of a database relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseRequires {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'static str,
    /// The database the charm asks for.
    pub database_name: &'static str,
}

impl DatabaseRequires {
    /// A requirer on `relation_name` asking for `database_name`.
    pub const fn new(relation_name: &'static str, database_name: &'static str) -> Self {
        DatabaseRequires {
            relation_name,
            database_name,
        }
    }

    /// Call from the charm's `relation-created` handler of the endpoint: the leader asks
    /// for the database (`database` in this application's databag). Other units do
    /// nothing.
    pub fn on_relation_created(&self, relation: &Relation<'_>) -> Result<(), ModelError> {
        if !relation.model().is_leader()? {
            return Ok(());
        }
        relation.set(Member::ThisApp, "database", self.database_name)
    }

    /// Call from the charm's `relation-changed` handler of the endpoint: records the
    /// remote data (this unit's `data` key) and says what the change means, if anything.
    pub fn on_relation_changed(
        &self,
        relation: &Relation<'_>,
    ) -> Result<Option<DatabaseEvent>, ModelError> {
        let diff = self.diff(relation)?;
        if diff.added.contains("username") && diff.added.contains("password") {
            log::info!("database created on relation {}", relation.id());
            return Ok(Some(DatabaseEvent::Created));
        }
        for (key, event) in [
            ("endpoints", DatabaseEvent::EndpointsChanged),
            (
                "read-only-endpoints",
                DatabaseEvent::ReadOnlyEndpointsChanged,
            ),
        ] {
            if diff.added.contains(key) || diff.changed.contains(key) {
                log::info!("{key} changed on relation {}", relation.id());
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// Compares the remote application's databag with the copy in this unit's `data`
    /// key, and stores the new copy there.
    pub fn diff(&self, relation: &Relation<'_>) -> Result<Diff, ModelError> {
        let old: BTreeMap<String, String> = match relation.get(Member::ThisUnit, DATA_KEY)? {
            // A copy this library did not write counts as no copy.
            Some(text) => serde_json::from_str(&text).unwrap_or_default(),
            None => BTreeMap::new(),
        };
        let mut new = relation.data(Member::RemoteApp)?;
        new.remove(DATA_KEY);
        let diff = Diff {
            added: new
                .keys()
                .filter(|k| !old.contains_key(*k))
                .cloned()
                .collect(),
            changed: new
                .iter()
                .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
                .map(|(k, _)| k.clone())
                .collect(),
            deleted: old
                .keys()
                .filter(|k| !new.contains_key(*k))
                .cloned()
                .collect(),
        };
        let copy = serde_json::to_string(&new).map_err(|e| ModelError::Invalid {
            what: "relation data",
            detail: e.to_string(),
        })?;
        relation.set(Member::ThisUnit, DATA_KEY, copy)?;
        Ok(diff)
    }

    /// The remote application's databag in each relation of the endpoint, by relation
    /// id (Python's `fetch_relation_data()`). A relation whose provider has not answered
    /// yet maps to an empty databag.
    pub fn fetch_relation_data(
        &self,
        model: &ModelCore,
    ) -> Result<BTreeMap<u64, Databag>, ModelError> {
        let mut data = BTreeMap::new();
        for relation in model.relations_of(self.relation_name)? {
            let bag = if relation.remote_app()?.is_some() {
                relation.data(Member::RemoteApp)?
            } else {
                Databag::new()
            };
            data.insert(relation.id(), bag);
        }
        Ok(data)
    }

    /// Whether every relation of the endpoint (and at least one) has its credentials
    /// (Python's `is_resource_created()`).
    pub fn is_resource_created(&self, model: &ModelCore) -> Result<bool, ModelError> {
        let data = self.fetch_relation_data(model)?;
        Ok(!data.is_empty()
            && data
                .values()
                .all(|bag| bag.contains_key("username") && bag.contains_key("password")))
    }
}
