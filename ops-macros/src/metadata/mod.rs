//! The charm's metadata as the macros see it: read from `charmcraft.yaml` (or the legacy
//! `metadata.yaml` + `config.yaml` + `actions.yaml`) at compile time.
//!
//! These types are the contract between the reader (`read`) and the rest of the macro
//! crate (validation and expansion). They keep what code generation, the checks and the
//! generated `ops::meta::CharmMeta` need; keys we do not model (build settings such as
//! `parts`, `platforms`) are accepted by the reader and dropped.

mod read;

#[cfg(test)]
pub use read::parse_str;
pub use read::{load, MetadataError};

/// Everything a charm declares, merged from its metadata files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// The charm's `name`.
    pub name: String,
    /// `title` (charmcraft.yaml's display name), if given.
    pub title: Option<String>,
    /// `summary`, if given.
    pub summary: Option<String>,
    /// `description`, if given.
    pub description: Option<String>,
    /// The legacy singular `maintainer`, then `maintainers`.
    pub maintainers: Vec<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `terms`.
    pub terms: Vec<String>,
    /// `series` (metadata v1).
    pub series: Vec<String>,
    /// `subordinate: true`.
    pub subordinate: bool,
    /// `min-juju-version` (metadata v1), as written.
    pub min_juju_version: Option<String>,
    /// `assumes`, each feature expression checked as Juju parses it (nested any-of /
    /// all-of kept).
    pub assumes: Vec<Assumption>,
    /// `charm-user`, if given.
    pub charm_user: Option<CharmUser>,
    /// `containers`, in file order.
    pub containers: Vec<Container>,
    /// `resources`, in file order.
    pub resources: Vec<Resource>,
    /// `storage`, in file order.
    pub storages: Vec<Storage>,
    /// `provides`, `requires` and `peers`, in that order, each in file order.
    pub relations: Vec<Relation>,
    /// `payloads`, in file order.
    pub payloads: Vec<Payload>,
    /// `extra-bindings` names.
    pub extra_bindings: Vec<String>,
    /// `devices`, in file order.
    pub devices: Vec<Device>,
    /// `links` (charmcraft.yaml's documentation, issues, source, contact, website), or
    /// metadata.yaml's top-level `docs`, `issues`, `source` and `website`, which win as
    /// they do in Python ops.
    pub links: Links,
    /// `config.options`, in file order.
    pub config: Vec<ConfigOption>,
    /// `actions`, in file order.
    pub actions: Vec<Action>,
    /// The files the metadata was read from (absolute paths), so the expansion can make
    /// the compiler track them.
    pub sources: Vec<std::path::PathBuf>,
}

/// One `assumes` entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Assumption {
    /// A feature expression such as `k8s-api` or `juju >= 3.1`, trimmed.
    Feature(String),
    /// `any-of: [...]`.
    AnyOf(Vec<Assumption>),
    /// `all-of: [...]`.
    AllOf(Vec<Assumption>),
}

/// A workload container (`containers.<name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The container's name as written (e.g. `demo-server`).
    pub name: String,
    /// The `resource` naming its OCI image, if any.
    pub resource: Option<String>,
    /// The `bases` to resolve its image from (never given together with `resource`).
    pub bases: Vec<ContainerBase>,
    /// Its storage `mounts`.
    pub mounts: Vec<Mount>,
    /// `uid` the workload runs as, if given.
    pub uid: Option<u32>,
    /// `gid` the workload runs as, if given.
    pub gid: Option<u32>,
}

/// One of a container's `bases`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerBase {
    /// `name` of the OS (e.g. `ubuntu`).
    pub name: String,
    /// `channel` (e.g. `22.04`).
    pub channel: String,
    /// `architectures`.
    pub architectures: Vec<String>,
}

/// `charm-user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharmUser {
    /// `root`.
    Root,
    /// `sudoer`.
    Sudoer,
    /// `non-root`.
    NonRoot,
}

/// A payload class (`payloads.<name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The payload's name.
    pub name: String,
    /// `type` (e.g. `docker`), as written.
    pub kind: String,
}

/// A container mount.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// The storage mounted.
    pub storage: String,
    /// Where, in the container.
    pub location: Option<String>,
}

/// A device request (`devices.<name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The device's name.
    pub name: String,
    /// `type` (e.g. `gpu`, `nvidia.com/gpu`), as written.
    pub kind: String,
    /// `description`.
    pub description: Option<String>,
    /// `countmin`.
    pub count_min: Option<u32>,
    /// `countmax`.
    pub count_max: Option<u32>,
}

/// The charm's `links`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    /// `documentation`.
    pub documentation: Option<String>,
    /// `issues` (one URL or a list).
    pub issues: Vec<String>,
    /// `source` (one URL or a list).
    pub source: Vec<String>,
    /// `contact` (one or a list).
    pub contact: Vec<String>,
    /// `website` (one URL or a list).
    pub website: Vec<String>,
}

/// A charm resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The resource's name.
    pub name: String,
    /// `type` (`file` when absent, as in Juju).
    pub kind: ResourceType,
    /// `filename`, for file resources.
    pub filename: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

/// A resource's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    /// `file`.
    File,
    /// `oci-image`.
    OciImage,
}

impl ResourceType {
    /// The word the metadata writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::File => "file",
            ResourceType::OciImage => "oci-image",
        }
    }
}

/// A storage's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageType {
    /// `filesystem`.
    Filesystem,
    /// `block`.
    Block,
}

impl StorageType {
    /// The word the metadata writes.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Filesystem => "filesystem",
            StorageType::Block => "block",
        }
    }
}

/// A storage declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Storage {
    /// The storage's name.
    pub name: String,
    /// `type`.
    pub kind: StorageType,
    /// `location`.
    pub location: Option<String>,
    /// `multiple.range` (or a bare count), as minimum and optional maximum.
    pub multiple: Option<(u32, Option<u32>)>,
    /// `minimum-size`, as written (e.g. `5M`).
    pub minimum_size: Option<String>,
    /// `shared`.
    pub shared: bool,
    /// `read-only`.
    pub read_only: bool,
    /// `properties` (e.g. `transient`).
    pub properties: Vec<String>,
    /// `description`.
    pub description: Option<String>,
}

/// Which section a relation endpoint was declared under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `provides`.
    Provides,
    /// `requires`.
    Requires,
    /// `peers`.
    Peer,
}

impl Role {
    /// The metadata section it was declared under.
    pub fn section(self) -> &'static str {
        match self {
            Role::Provides => "provides",
            Role::Requires => "requires",
            Role::Peer => "peers",
        }
    }
}

/// A relation endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The endpoint name as written (e.g. `database`, `ingress-per-unit`).
    pub name: String,
    /// Where it was declared.
    pub role: Role,
    /// `interface`.
    pub interface: String,
    /// `limit`, if given.
    pub limit: Option<u32>,
    /// `optional`.
    pub optional: bool,
    /// `scope: container` (otherwise global).
    pub container_scope: bool,
}

/// A config option's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `boolean`.
    Boolean,
    /// `secret` (the value is a secret URI).
    Secret,
}

impl ConfigType {
    /// The type as written in the metadata.
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::String => "string",
            ConfigType::Secret => "secret",
            ConfigType::Int => "int",
            ConfigType::Float => "float",
            ConfigType::Boolean => "boolean",
        }
    }
}

/// A default value of a config option or action parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    String(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Any other YAML value (lists, maps, null), as JSON text.
    Other(String),
}

/// A brief description of a metadata value, for messages and docs.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Other(text) => text.clone(),
    }
}

/// One `config.options` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigOption {
    /// The option's name as written (e.g. `server-port`).
    pub name: String,
    /// Its type.
    pub kind: ConfigType,
    /// Its default, if any (an option without one reads as absent until set).
    pub default: Option<Value>,
    /// `description`.
    pub description: Option<String>,
}

/// An action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The action's name as written (e.g. `get-db-info`).
    pub name: String,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The top-level `params`, in file order.
    pub params: Vec<Param>,
    /// The action-level `additionalProperties` (Juju's default is `true`).
    pub additional_properties: bool,
    /// `execution-group`.
    pub execution_group: Option<String>,
    /// `parallel`.
    pub parallel: bool,
}

/// A named parameter (an action param, or a property of an object param).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name as written (may be a Rust keyword, such as `type`).
    pub name: String,
    /// Whether it is listed in the enclosing `required`.
    pub required: bool,
    /// Its schema.
    pub schema: Schema,
}

/// The JSON-schema subset an action param uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The `type`.
    pub kind: SchemaType,
    /// `description`.
    pub description: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `enum` values, if any.
    pub enum_values: Vec<Value>,
    /// The other JSON-schema validation keywords (`minimum`, `maxLength`, `pattern`...,
    /// see `ASSERTION_KEYWORDS`), as written: `ops::testing` enforces them as Juju does.
    pub assertions: Vec<(String, yaml_serde::Value)>,
}

/// The validation keywords kept in [`Schema::assertions`]: draft 7's, for numbers,
/// strings, arrays and objects, and `const`.
pub const ASSERTION_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "const",
];

/// A JSON-schema `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaType {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `array`, with the `items` schema (or `None` when unspecified).
    Array(Option<Box<Schema>>),
    /// `object`, with its `properties` and `additionalProperties`.
    Object {
        /// The declared properties.
        properties: Vec<Param>,
        /// `additionalProperties` (default `true`).
        additional: bool,
    },
    /// No `type` given, or a list of types: any JSON value.
    Any,
    /// A `type` we do not know, as written (reported as a compile error where used).
    Unknown(String),
}
