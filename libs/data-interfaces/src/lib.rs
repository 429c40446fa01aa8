//! The database relation of the data-platform charms (interfaces `postgresql_client`,
//! `mysql_client`, ...): both sides of Python's
//! `charms.data_platform_libs.v0.data_interfaces` (`DatabaseRequires`,
//! `DatabaseProvides`), speaking the same relation data.
//!
//! On the wire:
//! - the requirer's leader writes `database` (and `extra-user-roles`) and
//!   `requested-secrets` (a JSON list of the fields it wants in Juju secrets) into its
//!   application databag;
//! - the provider answers in its application databag: `endpoints`, `read-only-endpoints`,
//!   `version`, and the credentials, either as plain `username` / `password` (a requirer
//!   that asked for no secrets) or in an application-owned Juju secret granted to the
//!   relation whose URI is under `secret-user` (`secret-tls` for `tls` / `tls-ca`);
//! - each side detects what changed by comparing the other side's databag with the copy
//!   it keeps under `data` (JSON) in its own databag: the requirer in its unit databag,
//!   the provider in its application databag.
//!
//! [`DatabaseRequires`] is the requirer as a charm library: embed it with
//! `#[lib(endpoint = "database")] db: DatabaseRequires` and observe
//! `#[on(db.database_created)]`; [`DatabaseProvides`] is the provider as a library
//! (`database_requested`). [`Requirer`] and [`Provider`] are the protocol as functions to
//! call from handlers (the provider's answers: `set_credentials`, `set_endpoints`...).
//!
//! Not ported: relation aliases, entities (`entity-type`...), prefix matching, the
//! subordinate handshake, status codes, `extra-group-roles`, mTLS and the other
//! products' variants (Kafka, OpenSearch, ...).

#![deny(missing_docs)]

mod diff;
pub mod library;
pub mod provider;
pub mod requirer;

pub use diff::Diff;
pub use library::{
    DatabaseCreated, DatabaseProvides, DatabaseRequires, EndpointsChanged, ReadOnlyEndpointsChanged,
};
pub use provider::{DatabaseRequested, Provider};
pub use requirer::{DatabaseEvent, Requirer};

/// The key of the requirer's application databag listing the fields it wants in secrets.
pub const REQUESTED_SECRETS: &str = "requested-secrets";

/// The fields a requirer asks to receive in Juju secrets (the Python library's
/// `RequirerData.SECRET_FIELDS`, in its order).
pub const SECRET_FIELDS: &[&str] = &[
    "username",
    "password",
    "tls",
    "tls-ca",
    "uris",
    "read-only-uris",
    "entity-name",
    "entity-password",
];

/// A group of secret fields kept in one Juju secret, referenced as `secret-<group>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretGroup {
    /// `username`, `password`, `uris`, `read-only-uris`.
    User,
    /// `tls`, `tls-ca`.
    Tls,
}

impl SecretGroup {
    /// Both groups.
    pub const ALL: [SecretGroup; 2] = [SecretGroup::User, SecretGroup::Tls];

    /// The group's name in labels and field names.
    pub fn name(self) -> &'static str {
        match self {
            SecretGroup::User => "user",
            SecretGroup::Tls => "tls",
        }
    }

    /// The fields the group holds.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            SecretGroup::User => &["username", "password", "uris", "read-only-uris"],
            SecretGroup::Tls => &["tls", "tls-ca"],
        }
    }

    /// The group `field` belongs to, if it is a secret field of one.
    pub fn of(field: &str) -> Option<SecretGroup> {
        SecretGroup::ALL
            .into_iter()
            .find(|group| group.fields().contains(&field))
    }

    /// The databag field holding the secret's URI (`secret-user`).
    pub fn field(self) -> String {
        format!("secret-{}", self.name())
    }

    /// The label the secret is known by on either side of `relation_name:relation_id`
    /// (`database.7.user.secret`).
    pub fn label(self, relation_name: &str, relation_id: u64) -> String {
        format!("{relation_name}.{relation_id}.{}.secret", self.name())
    }
}

/// A JSON list of strings from `value`, as the Python library's `get_encoded_list`;
/// anything else is a clear error naming the field.
fn decode_list(field: &str, value: Option<&str>) -> Result<Vec<String>, ops::ModelError> {
    let Some(text) = value else {
        return Ok(Vec::new());
    };
    serde_json::from_str(text).map_err(|err| ops::ModelError::Invalid {
        what: "relation data",
        detail: format!("{field:?} is not a JSON list of strings: {err}"),
    })
}

/// `items` as Python's `json.dumps(list)` writes it.
fn encode_list(items: &[&str]) -> String {
    let values: Vec<serde_json::Value> = items.iter().map(|s| (*s).into()).collect();
    charmlib_cosl::codec::py_dumps(&serde_json::Value::Array(values))
}
