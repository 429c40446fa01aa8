//! The charm's metadata as a `'static` value: what Python ops calls `CharmMeta`
//! (`self.meta`), here [`Model::meta`](crate::Model::meta) and `C::META`.
//!
//! `#[charm]` reads `charmcraft.yaml` (or `metadata.yaml`, `config.yaml` and
//! `actions.yaml`) at compile time and embeds it as a [`CharmMeta`], so a hook never parses
//! YAML to start. Every key Python's `ops.CharmMeta` exposes is here, typed: storage and
//! resource types, relation scopes and `charm-user` are enums, storage `multiple` is a
//! [`StorageRange`], `assumes` is a tree of [`Assumption`]s checked as Juju parses it.
//!
//! The structs are built by `#[charm]` as plain literals in the charm's crate, so their
//! fields are public and they are not `#[non_exhaustive]`. A value written by hand (a test,
//! a charm without the macro) starts from a constructor and fills in what it needs with
//! `..`, so a field added later does not break it:
//!
//! ```
//! use ops::meta::{CharmMeta, RelationMeta, RelationRole};
//!
//! static META: CharmMeta = CharmMeta {
//!     summary: "A demo.",
//!     relations: &[RelationMeta {
//!         limit: Some(1),
//!         ..RelationMeta::new("database", RelationRole::Requires, "postgresql_client")
//!     }],
//!     ..CharmMeta::named("demo")
//! };
//! assert_eq!(META.relation("database").unwrap().limit, Some(1));
//! ```

/// Everything a charm declares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CharmMeta {
    /// `name`.
    pub name: &'static str,
    /// `title` (charmcraft.yaml's display name), if given.
    pub title: Option<&'static str>,
    /// `summary` (empty if absent).
    pub summary: &'static str,
    /// `description` (empty if absent).
    pub description: &'static str,
    /// `maintainer`, then `maintainers`, then `links.contact`, as Python ops lists them
    /// (a list of contacts is flattened; Python keeps it as one item).
    pub maintainers: &'static [&'static str],
    /// Documentation, issue tracker, source and website links.
    pub links: Links,
    /// `tags` (Charmhub categories).
    pub tags: &'static [&'static str],
    /// `terms` to agree to before deploying.
    pub terms: &'static [&'static str],
    /// `series` (metadata v1; the first is the default).
    pub series: &'static [&'static str],
    /// `subordinate`.
    pub subordinate: bool,
    /// `min-juju-version` (metadata v1; `assumes` replaces it), as written.
    pub min_juju_version: Option<&'static str>,
    /// `assumes`: Juju features the charm needs, all of them (the list is an implicit
    /// all-of).
    pub assumes: &'static [Assumption],
    /// `charm-user` (`root` when absent, as in Juju).
    pub charm_user: CharmUser,
    /// `containers`.
    pub containers: &'static [ContainerMeta],
    /// `resources`.
    pub resources: &'static [ResourceMeta],
    /// `storage`.
    pub storages: &'static [StorageMeta],
    /// `provides`, `requires` and `peers` endpoints, in that order.
    pub relations: &'static [RelationMeta],
    /// `payloads`.
    pub payloads: &'static [PayloadMeta],
    /// `devices` (requested hardware, such as GPUs).
    pub devices: &'static [DeviceMeta],
    /// `extra-bindings` names.
    pub extra_bindings: &'static [&'static str],
    /// `config.options`.
    pub config: &'static [ConfigOptionMeta],
    /// `actions`.
    pub actions: &'static [ActionMeta],
}

impl CharmMeta {
    /// A charm called `name` that declares nothing else: the base of a hand-written value.
    pub const fn named(name: &'static str) -> CharmMeta {
        CharmMeta {
            name,
            title: None,
            summary: "",
            description: "",
            maintainers: &[],
            links: Links::EMPTY,
            tags: &[],
            terms: &[],
            series: &[],
            subordinate: false,
            min_juju_version: None,
            assumes: &[],
            charm_user: CharmUser::Root,
            containers: &[],
            resources: &[],
            storages: &[],
            relations: &[],
            payloads: &[],
            devices: &[],
            extra_bindings: &[],
            config: &[],
            actions: &[],
        }
    }
    /// The relation endpoint called `name`, if declared.
    pub fn relation(&self, name: &str) -> Option<&'static RelationMeta> {
        self.relations.iter().find(|r| r.name == name)
    }
    /// The endpoints declared under `role` (Python's `requires`, `provides`, `peers`).
    pub fn relations_with_role(
        &self,
        role: RelationRole,
    ) -> impl Iterator<Item = &'static RelationMeta> {
        self.relations.iter().filter(move |r| r.role == role)
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

/// Where to read more about a charm: charmcraft.yaml's `links`, or metadata.yaml's
/// top-level `docs`, `issues`, `source` and `website` (which win, as in Python ops).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Links {
    /// The documentation.
    pub documentation: Option<&'static str>,
    /// The issue trackers.
    pub issues: &'static [&'static str],
    /// The source repositories.
    pub sources: &'static [&'static str],
    /// The project websites.
    pub websites: &'static [&'static str],
}

impl Links {
    /// No links.
    pub const EMPTY: Links = Links {
        documentation: None,
        issues: &[],
        sources: &[],
        websites: &[],
    };
}

/// One `assumes` requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assumption {
    /// A feature, with an optional version constraint, as written and checked at compile
    /// time (`k8s-api`, `juju >= 3.1`).
    Feature(&'static str),
    /// `any-of`: at least one of these holds.
    AnyOf(&'static [Assumption]),
    /// `all-of`: every one of these holds.
    AllOf(&'static [Assumption]),
}

/// `charm-user`: the user the charm's hooks run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CharmUser {
    /// `root`.
    Root,
    /// `sudoer`: not root, but may use sudo.
    Sudoer,
    /// `non-root`: neither root nor sudo.
    NonRoot,
}

impl CharmUser {
    /// The word the metadata writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            CharmUser::Root => "root",
            CharmUser::Sudoer => "sudoer",
            CharmUser::NonRoot => "non-root",
        }
    }
}

/// A workload container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerMeta {
    /// The container's name (e.g. `demo-server`).
    pub name: &'static str,
    /// The OCI image resource, if any.
    pub resource: Option<&'static str>,
    /// The bases its image is resolved from, most preferred first (never with `resource`).
    pub bases: &'static [ContainerBase],
    /// The storages mounted in it.
    pub mounts: &'static [ContainerMount],
    /// `uid` the workload runs as, if given.
    pub uid: Option<u32>,
    /// `gid` the workload runs as, if given.
    pub gid: Option<u32>,
}

impl ContainerMeta {
    /// A container called `name` with no image, mounts or user: the base of a hand-written
    /// value.
    pub const fn new(name: &'static str) -> ContainerMeta {
        ContainerMeta {
            name,
            resource: None,
            bases: &[],
            mounts: &[],
            uid: None,
            gid: None,
        }
    }
}

/// One of a container's `bases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerBase {
    /// The OS `name` (e.g. `ubuntu`).
    pub name: &'static str,
    /// The `channel` (`track[/risk][/branch]`, e.g. `22.04`).
    pub channel: &'static str,
    /// The `architectures`.
    pub architectures: &'static [&'static str],
}

/// A storage mounted in a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerMount {
    /// The storage's name.
    pub storage: &'static str,
    /// Where it is mounted in the container, if given.
    pub location: Option<&'static str>,
}

/// A resource's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceType {
    /// `file`.
    File,
    /// `oci-image`.
    OciImage,
}

impl ResourceType {
    /// The word the metadata writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceType::File => "file",
            ResourceType::OciImage => "oci-image",
        }
    }
}

/// A resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceMeta {
    /// The resource's name.
    pub name: &'static str,
    /// Its `type` (`file` when absent, as in Juju).
    pub kind: ResourceType,
    /// `filename`, for file resources.
    pub filename: Option<&'static str>,
    /// `description` (empty if absent).
    pub description: &'static str,
}

impl ResourceMeta {
    /// A resource with no file name or description: the base of a hand-written value.
    pub const fn new(name: &'static str, kind: ResourceType) -> ResourceMeta {
        ResourceMeta {
            name,
            kind,
            filename: None,
            description: "",
        }
    }
}

/// A storage's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageType {
    /// `filesystem`.
    Filesystem,
    /// `block`.
    Block,
}

impl StorageType {
    /// The word the metadata writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            StorageType::Filesystem => "filesystem",
            StorageType::Block => "block",
        }
    }
}

/// How many instances of a storage a unit may have (`multiple: {range: ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageRange {
    /// The fewest (`2` in `2-5`, `2-` and `2+`).
    pub min: u32,
    /// The most (`5` in `2-5`, `3` in `3`), or `None` for no limit (`2-`, `2+`).
    pub max: Option<u32>,
}

/// A storage declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageMeta {
    /// The storage's name.
    pub name: &'static str,
    /// Its `type`.
    pub kind: StorageType,
    /// `description` (empty if absent).
    pub description: &'static str,
    /// `location`, if given.
    pub location: Option<&'static str>,
    /// `shared`: every unit of the application shares it.
    pub shared: bool,
    /// `read-only`.
    pub read_only: bool,
    /// `minimum-size`, as written (`10G`, `512M`).
    pub minimum_size: Option<&'static str>,
    /// `multiple`, if given: several instances may be attached, within this range.
    pub multiple: Option<StorageRange>,
    /// `properties` (e.g. `transient`).
    pub properties: &'static [&'static str],
}

impl StorageMeta {
    /// A single storage with nothing but its name and type: the base of a hand-written
    /// value.
    pub const fn new(name: &'static str, kind: StorageType) -> StorageMeta {
        StorageMeta {
            name,
            kind,
            description: "",
            location: None,
            shared: false,
            read_only: false,
            minimum_size: None,
            multiple: None,
            properties: &[],
        }
    }
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

impl RelationRole {
    /// The role's name in Python ops (`provides`, `requires`, `peer`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationRole::Provides => "provides",
            RelationRole::Requires => "requires",
            RelationRole::Peer => "peer",
        }
    }
}

/// A relation endpoint's `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelationScope {
    /// `global` (the default): every unit of one side sees every unit of the other.
    Global,
    /// `container`: a subordinate and its principal see only each other.
    Container,
}

impl RelationScope {
    /// The word the metadata writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationScope::Global => "global",
            RelationScope::Container => "container",
        }
    }
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
    /// `optional` (informational: Juju treats every relation as optional).
    pub optional: bool,
    /// `scope`.
    pub scope: RelationScope,
}

impl RelationMeta {
    /// A global endpoint with no limit: the base of a hand-written value.
    pub const fn new(
        name: &'static str,
        role: RelationRole,
        interface: &'static str,
    ) -> RelationMeta {
        RelationMeta {
            name,
            role,
            interface,
            limit: None,
            optional: false,
            scope: RelationScope::Global,
        }
    }
}

/// A payload class (`payloads.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadMeta {
    /// The payload's name.
    pub name: &'static str,
    /// Its `type` (e.g. `docker`).
    pub kind: &'static str,
}

/// A device request (`devices.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceMeta {
    /// The device's name.
    pub name: &'static str,
    /// Its `type` (e.g. `gpu`, `nvidia.com/gpu`).
    pub kind: &'static str,
    /// `description` (empty if absent).
    pub description: &'static str,
    /// `countmin`, if given.
    pub count_min: Option<u32>,
    /// `countmax`, if given.
    pub count_max: Option<u32>,
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
    /// `description`, if given.
    pub description: Option<&'static str>,
}

impl ConfigOptionMeta {
    /// An option with no default or description: the base of a hand-written value.
    pub const fn new(name: &'static str, kind: ConfigKind) -> ConfigOptionMeta {
        ConfigOptionMeta {
            name,
            kind,
            default: None,
            description: None,
        }
    }
}

/// An action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionMeta {
    /// The action's name (e.g. `get-db-info`).
    pub name: &'static str,
    /// `title` (empty if absent).
    pub title: &'static str,
    /// `description` (empty if absent).
    pub description: &'static str,
    /// The top-level params.
    pub params: &'static [ParamMeta],
    /// The action-level `additionalProperties` (`true` when absent, as before Juju 4).
    pub additional_properties: bool,
    /// `execution-group`: actions of one group run one at a time, if given.
    pub execution_group: Option<&'static str>,
    /// `parallel`: may run while other actions of its group run.
    pub parallel: bool,
}

impl ActionMeta {
    /// An action with no params that allows extra ones: the base of a hand-written value.
    pub const fn new(name: &'static str) -> ActionMeta {
        ActionMeta {
            name,
            title: "",
            description: "",
            params: &[],
            additional_properties: true,
            execution_group: None,
            parallel: false,
        }
    }
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
