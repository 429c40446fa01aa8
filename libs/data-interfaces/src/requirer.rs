//! The requirer side (Python's `DatabaseRequires`): asks for a database and learns
//! when the provider created it, moved its endpoints, or shared new credentials.

use crate::diff::{diff, Diff};
use crate::{decode_list, encode_list, SecretGroup, REQUESTED_SECRETS, SECRET_FIELDS};
use ops::model::Databag;
use ops::{Member, ModelCore, ModelError, Relation};
use std::collections::BTreeMap;

/// What a `relation-changed` of the database relation means (the Python library's
/// events on the requirer side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DatabaseEvent {
    /// The provider shared the credentials (plain or in a `secret-user` secret): the
    /// database is ready to use (`database_created`).
    Created,
    /// `endpoints` was set or changed (`endpoints_changed`).
    EndpointsChanged,
    /// `read-only-endpoints` was set or changed (`read_only_endpoints_changed`).
    ReadOnlyEndpointsChanged,
}

/// The requirer side's protocol, called from handlers: what the
/// [`DatabaseRequires`](crate::DatabaseRequires) library runs, usable directly (for a
/// charm's own reads, or from its own handlers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirer<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The database the charm asks for.
    pub database_name: &'a str,
    /// Extra roles for the user the provider creates (`extra-user-roles`), if any.
    pub extra_user_roles: Option<&'a str>,
}

impl<'a> Requirer<'a> {
    /// A requirer on `relation_name` asking for `database_name`.
    pub const fn new(relation_name: &'a str, database_name: &'a str) -> Self {
        Requirer {
            relation_name,
            database_name,
            extra_user_roles: None,
        }
    }

    /// The same requirer, asking for `roles` as well.
    pub const fn with_extra_user_roles(mut self, roles: &'a str) -> Self {
        self.extra_user_roles = Some(roles);
        self
    }

    /// On `relation-created` of the endpoint: the leader asks for the database and for
    /// the credentials in secrets (`requested-secrets`, in both its application and its
    /// unit databag, as the Python library writes it). Other units do nothing.
    pub fn on_relation_created(&self, relation: &Relation<'_>) -> Result<(), ModelError> {
        if !relation.model().is_leader()? {
            return Ok(());
        }
        if self.database_name.is_empty() {
            return Err(ModelError::Invalid {
                what: "database request",
                detail: format!("{}: no database name to ask for", self.relation_name),
            });
        }
        let requested = encode_list(SECRET_FIELDS);
        relation.set(Member::ThisApp, REQUESTED_SECRETS, requested.as_str())?;
        relation.set(Member::ThisUnit, REQUESTED_SECRETS, requested)?;
        relation.set(Member::ThisApp, "database", self.database_name)?;
        if let Some(roles) = self.extra_user_roles {
            relation.set(Member::ThisApp, "extra-user-roles", roles)?;
        }
        Ok(())
    }

    /// On `relation-changed` of the endpoint: records the remote data (this unit's
    /// `data` key), names each new secret with this side's label, and says what the
    /// change means, if anything (the first of created, endpoints, read-only endpoints,
    /// as in Python).
    pub fn on_relation_changed(
        &self,
        relation: &Relation<'_>,
    ) -> Result<Option<DatabaseEvent>, ModelError> {
        let diff = diff(relation, Member::ThisUnit)?;
        self.register_secrets(relation, &diff)?;
        let user_secret = SecretGroup::User.field();
        if diff.added.contains(&user_secret)
            || (diff.added.contains("username") && diff.added.contains("password"))
        {
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
            if diff.touches(key) {
                log::info!("{key} changed on relation {}", relation.id());
                return Ok(Some(event));
            }
        }
        Ok(None)
    }

    /// Reads each newly shared secret once with this side's label, so that its
    /// `secret-changed` can be traced back to the relation (the Python library's
    /// `_register_secrets_to_relation`).
    fn register_secrets(&self, relation: &Relation<'_>, diff: &Diff) -> Result<(), ModelError> {
        for group in SecretGroup::ALL {
            let field = group.field();
            if !diff.added.contains(&field) {
                continue;
            }
            if let Some(uri) = relation.get(Member::RemoteApp, &field)? {
                let label = group.label(self.relation_name, relation.id());
                relation.model().get_secret(Some(&uri), Some(&label))?;
            }
        }
        Ok(())
    }

    /// The provider's data in `relation`, with the fields it put in secrets read from
    /// them (Python's `fetch_relation_data()` for one relation). A relation whose
    /// provider has not answered yet gives an empty databag; a secret that cannot be
    /// read is an error.
    pub fn relation_data(&self, relation: &Relation<'_>) -> Result<Databag, ModelError> {
        if relation.remote_app()?.is_none() {
            return Ok(Databag::new());
        }
        let mut bag = relation.data(Member::RemoteApp)?;
        let requested = decode_list(
            REQUESTED_SECRETS,
            relation
                .get(Member::ThisUnit, REQUESTED_SECRETS)?
                .as_deref(),
        )?;
        for group in SecretGroup::ALL {
            let Some(uri) = bag.remove(&group.field()) else {
                continue;
            };
            let label = group.label(self.relation_name, relation.id());
            let secret = relation.model().get_secret(Some(&uri), Some(&label))?;
            for (key, value) in secret.get_content(false)?.into_inner() {
                if requested.is_empty() || requested.contains(&key) {
                    bag.insert(key, value);
                }
            }
        }
        Ok(bag)
    }

    /// [`relation_data`](Self::relation_data) for each relation of the endpoint, by
    /// relation id (Python's `fetch_relation_data()`).
    pub fn fetch_relation_data(
        &self,
        model: &ModelCore,
    ) -> Result<BTreeMap<u64, Databag>, ModelError> {
        let mut data = BTreeMap::new();
        for relation in model.relations_of(self.relation_name)? {
            data.insert(relation.id(), self.relation_data(&relation)?);
        }
        Ok(data)
    }

    /// Whether every relation of the endpoint (and at least one) has a non-empty
    /// `username` and `password`, plain or in a secret (Python's
    /// `is_resource_created()`).
    pub fn is_resource_created(&self, model: &ModelCore) -> Result<bool, ModelError> {
        let data = self.fetch_relation_data(model)?;
        Ok(!data.is_empty()
            && data.values().all(|bag| {
                ["username", "password"]
                    .iter()
                    .all(|k| bag.get(*k).is_some_and(|v| !v.is_empty()))
            }))
    }
}
