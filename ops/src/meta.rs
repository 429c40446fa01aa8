//! The charm's metadata as a `'static` value.
//!
//! `#[charm]` reads `charmcraft.yaml` at compile time and embeds it as a [`CharmMeta`], so a
//! hook never parses YAML to start. The shapes mirror the metadata file, trimmed to what the
//! runtime and `ops::testing` use.

/// Everything a charm declares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CharmMeta {
    /// `name`.
    pub name: &'static str,
    /// `summary` (empty if absent).
    pub summary: &'static str,
    /// `description` (empty if absent).
    pub description: &'static str,
    /// `subordinate`.
    pub subordinate: bool,
    /// `containers`.
    pub containers: &'static [ContainerMeta],
    /// `resources`.
    pub resources: &'static [ResourceMeta],
    /// `storage`.
    pub storages: &'static [StorageMeta],
    /// `provides`, `requires` and `peers` endpoints.
    pub relations: &'static [RelationMeta],
    /// `extra-bindings` names.
    pub extra_bindings: &'static [&'static str],
    /// `config.options`.
    pub config: &'static [ConfigOptionMeta],
    /// `actions`.
    pub actions: &'static [ActionMeta],
}

impl CharmMeta {
    /// The relation endpoint called `name`, if declared.
    pub fn relation(&self, name: &str) -> Option<&'static RelationMeta> {
        self.relations.iter().find(|r| r.name == name)
    }
    /// The container called `name`, if declared.
    pub fn container(&self, name: &str) -> Option<&'static ContainerMeta> {
        self.containers.iter().find(|c| c.name == name)
    }
    /// The storage called `name`, if declared.
    pub fn storage(&self, name: &str) -> Option<&'static StorageMeta> {
        self.storages.iter().find(|s| s.name == name)
    }
    /// The resource called `name`, if declared.
    pub fn resource(&self, name: &str) -> Option<&'static ResourceMeta> {
        self.resources.iter().find(|r| r.name == name)
    }
    /// The config option called `name`, if declared.
    pub fn config_option(&self, name: &str) -> Option<&'static ConfigOptionMeta> {
        self.config.iter().find(|o| o.name == name)
    }
    /// The action called `name`, if declared.
    pub fn action(&self, name: &str) -> Option<&'static ActionMeta> {
        self.actions.iter().find(|a| a.name == name)
    }
}

/// A workload container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerMeta {
    /// The container's name (e.g. `demo-server`).
    pub name: &'static str,
    /// The OCI image resource, if any.
    pub resource: Option<&'static str>,
    /// `(storage, location)` mounts.
    pub mounts: &'static [(&'static str, &'static str)],
}

/// A resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceMeta {
    /// The resource's name.
    pub name: &'static str,
    /// `oci-image` or `file`.
    pub kind: &'static str,
    /// `filename`, for file resources.
    pub filename: Option<&'static str>,
}

/// A storage declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageMeta {
    /// The storage's name.
    pub name: &'static str,
    /// `filesystem` or `block`.
    pub kind: &'static str,
    /// `location`, if given.
    pub location: Option<&'static str>,
    /// Whether `multiple` was given (so several instances may be attached).
    pub multiple: bool,
}

/// Where a relation endpoint was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationRole {
    /// `provides`.
    Provides,
    /// `requires`.
    Requires,
    /// `peers`.
    Peer,
}

/// A relation endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationMeta {
    /// The endpoint name.
    pub name: &'static str,
    /// Where it was declared.
    pub role: RelationRole,
    /// `interface`.
    pub interface: &'static str,
    /// `limit`, if given.
    pub limit: Option<u32>,
    /// `optional`.
    pub optional: bool,
    /// `scope: container`.
    pub container_scope: bool,
}

/// A config option's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `boolean`.
    Boolean,
    /// `secret`.
    Secret,
}

/// A config option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigOptionMeta {
    /// The option's name (e.g. `server-port`).
    pub name: &'static str,
    /// Its type.
    pub kind: ConfigKind,
    /// Its default as JSON text, if any.
    pub default: Option<&'static str>,
}

/// An action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionMeta {
    /// The action's name (e.g. `get-db-info`).
    pub name: &'static str,
    /// The top-level params.
    pub params: &'static [ParamMeta],
    /// The action-level `additionalProperties`.
    pub additional_properties: bool,
}

/// A top-level action parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamMeta {
    /// The param's name as written.
    pub name: &'static str,
    /// Its JSON-schema `type` (`string`, `integer`, `number`, `boolean`, `array`,
    /// `object`), or empty when untyped.
    pub kind: &'static str,
    /// Whether it is listed in `required`.
    pub required: bool,
    /// Its `enum`, each allowed value as JSON text (`"\"full\""`, `"3"`); empty when it
    /// has none.
    pub enum_values: &'static [&'static str],
    /// Its whole JSON schema as JSON text (`type`, `enum`, `items`, `properties`,
    /// `required`, `additionalProperties`, `minimum`, `pattern`...), which `ops::testing`
    /// validates params against as Juju does; empty for none.
    pub schema: &'static str,
}
