//! The provider side (Python's `DatabaseProvides`): learns which database a requirer
//! asks for and shares the endpoints and credentials.

use crate::diff::diff;
use crate::{decode_list, SecretGroup, REQUESTED_SECRETS};
use ops::{Member, ModelError, Relation, SecretSettings};
use std::collections::BTreeMap;

/// A requirer asked for a database (Python's `database_requested` event).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseRequested {
    /// The relation's id.
    pub relation_id: u64,
    /// The database's name (`database`).
    pub database: String,
    /// The extra roles asked for the user (`extra-user-roles`), if any.
    pub extra_user_roles: Option<String>,
}

/// The provider side's protocol, called from handlers: what the
/// [`DatabaseProvides`](crate::DatabaseProvides) library runs, and how the charm answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
}

impl<'a> Provider<'a> {
    /// A provider on `relation_name`.
    pub const fn new(relation_name: &'a str) -> Self {
        Provider { relation_name }
    }

    /// On `relation-changed` of the endpoint, on the leader: records the requirer's data
    /// (this application's `data` key) and reports a new request (`database` newly
    /// set). Other units get `None`.
    pub fn on_relation_changed(
        &self,
        relation: &Relation<'_>,
    ) -> Result<Option<DatabaseRequested>, ModelError> {
        if !relation.model().is_leader()? {
            return Ok(None);
        }
        let diff = diff(relation, Member::ThisApp)?;
        if !diff.added.contains("database") || diff.added.contains("entity-type") {
            return Ok(None);
        }
        let remote = relation.data(Member::RemoteApp)?;
        Ok(Some(DatabaseRequested {
            relation_id: relation.id(),
            database: remote.get("database").cloned().unwrap_or_default(),
            extra_user_roles: remote.get("extra-user-roles").cloned(),
        }))
    }

    /// Shares the user's credentials: in a secret (`secret-user`) if the requirer asked
    /// for them so, otherwise as plain `username` / `password`.
    pub fn set_credentials(
        &self,
        relation: &Relation<'_>,
        username: &str,
        password: &str,
    ) -> Result<(), ModelError> {
        self.update(relation, &[("username", username), ("password", password)])
    }

    /// Sets `endpoints` (`host:port`, comma-separated).
    pub fn set_endpoints(
        &self,
        relation: &Relation<'_>,
        endpoints: &str,
    ) -> Result<(), ModelError> {
        self.update(relation, &[("endpoints", endpoints)])
    }

    /// Sets `read-only-endpoints`.
    pub fn set_read_only_endpoints(
        &self,
        relation: &Relation<'_>,
        endpoints: &str,
    ) -> Result<(), ModelError> {
        self.update(relation, &[("read-only-endpoints", endpoints)])
    }

    /// Sets `version`, the database's version.
    pub fn set_version(&self, relation: &Relation<'_>, version: &str) -> Result<(), ModelError> {
        self.update(relation, &[("version", version)])
    }

    /// Sets `uris`, the connection URIs (a secret field, group `user`).
    pub fn set_uris(&self, relation: &Relation<'_>, uris: &str) -> Result<(), ModelError> {
        self.update(relation, &[("uris", uris)])
    }

    /// Sets `tls` (`"True"`/`"False"` in the Python library) and `tls-ca` (secret fields,
    /// group `tls`).
    pub fn set_tls(
        &self,
        relation: &Relation<'_>,
        tls: &str,
        tls_ca: &str,
    ) -> Result<(), ModelError> {
        self.update(relation, &[("tls", tls), ("tls-ca", tls_ca)])
    }

    /// Writes `fields` into this application's databag, those the requirer asked for in
    /// secrets into the secret of their group (created, granted to the relation and
    /// referenced as `secret-<group>` the first time; updated after). Before the
    /// requirer asked for a database, only the endpoints may be written (the Python
    /// library's `PrematureDataAccessError`).
    fn update(&self, relation: &Relation<'_>, fields: &[(&str, &str)]) -> Result<(), ModelError> {
        let remote = relation.data(Member::RemoteApp)?;
        let early = fields
            .iter()
            .any(|(k, _)| !matches!(*k, "endpoints" | "read-only-endpoints"));
        if early && !remote.contains_key("database") {
            return Err(ModelError::Invalid {
                what: "database relation data",
                detail: format!(
                    "relation {}:{}: the requirer has not asked for a database yet",
                    self.relation_name,
                    relation.id()
                ),
            });
        }
        let requested = decode_list(
            REQUESTED_SECRETS,
            remote.get(REQUESTED_SECRETS).map(String::as_str),
        )?;
        let mut grouped: BTreeMap<SecretGroup, Vec<(&str, &str)>> = BTreeMap::new();
        let mut plain = Vec::new();
        for &(key, value) in fields {
            match SecretGroup::of(key) {
                Some(group) if requested.iter().any(|r| r == key) => {
                    grouped.entry(group).or_default().push((key, value))
                }
                _ => plain.push((key, value)),
            }
        }
        for (group, content) in grouped {
            self.write_secret(relation, group, &content)?;
        }
        relation.update(Member::ThisApp, plain)
    }

    /// Adds `content` to the group's secret, creating it the first time.
    fn write_secret(
        &self,
        relation: &Relation<'_>,
        group: SecretGroup,
        content: &[(&str, &str)],
    ) -> Result<(), ModelError> {
        let model = relation.model();
        let label = group.label(self.relation_name, relation.id());
        match relation.get(Member::ThisApp, &group.field())? {
            Some(uri) => {
                let secret = model.get_secret(Some(&uri), Some(&label))?;
                let mut merged = secret.get_content(false)?.into_inner();
                merged.extend(content.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                secret.set_content(merged)
            }
            None => {
                let content: BTreeMap<String, String> = content
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let secret = model
                    .app()
                    .add_secret(content, SecretSettings::new().label(label))?;
                secret.grant(relation, None)?;
                let uri = secret
                    .id()
                    .ok_or_else(|| ModelError::Other("the new secret has no id".to_string()))?;
                relation.set(Member::ThisApp, &group.field(), uri)
            }
        }
    }
}
