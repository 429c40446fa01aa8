//! [`State`]: everything Juju and Pebble know about one unit, as a plain value a test
//! builds, passes to [`Context::run`](super::Context::run), and compares afterwards.

use crate::backend::{CloudSpec, Databag, NetworkInfo, Port, SecretOwner};
use crate::status::Status;
use ops_pebble::{CheckLevel, CheckStartup, CheckStatus, Layer, NoticeType, ServiceStatus};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_RELATION_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_STORAGE_INDEX: AtomicU64 = AtomicU64::new(0);
static NEXT_SECRET: AtomicU64 = AtomicU64::new(1);
static NEXT_NOTICE: AtomicU64 = AtomicU64::new(1);

/// The next free relation id (relation ids are unique across a test process, as in
/// Scenario).
pub fn next_relation_id() -> u64 {
    NEXT_RELATION_ID.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn next_storage_index() -> u32 {
    u32::try_from(NEXT_STORAGE_INDEX.fetch_add(1, Ordering::Relaxed)).unwrap_or(u32::MAX)
}

pub(crate) fn next_notice_id() -> String {
    NEXT_NOTICE.fetch_add(1, Ordering::Relaxed).to_string()
}

/// A fresh secret URI: `secret:` and 20 lowercase alphanumerics, as Juju makes them.
pub fn new_secret_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut n = NEXT_SECRET.fetch_add(1, Ordering::Relaxed);
    // A fixed prefix keeps ids recognisable; the counter makes them unique.
    let mut tail = [b'0'; 12];
    for slot in tail.iter_mut().rev() {
        *slot = ALPHABET[(n % 32) as usize];
        n /= 32;
    }
    let mut id = String::from("secret:d0pst3st");
    id.push_str(std::str::from_utf8(&tail[..]).unwrap_or("000000000000"));
    id
}

/// The data Juju puts in every unit databag (`192.0.2.0`, a documentation address).
pub fn default_unit_databag() -> Databag {
    [
        ("egress-subnets", "192.0.2.0/24"),
        ("ingress-address", "192.0.2.0"),
        ("private-address", "192.0.2.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn bag<K: Into<String>, V: Into<String>>(items: impl IntoIterator<Item = (K, V)>) -> Databag {
    items
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// The model the unit runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The model's name.
    pub name: String,
    /// The model's UUID.
    pub uuid: String,
    /// `kubernetes` or `lxd` (machines).
    pub kind: String,
}

impl Default for ModelInfo {
    fn default() -> Self {
        ModelInfo {
            name: "test-model".into(),
            uuid: "9b3ac3d6-4b9d-4a3b-8f5e-2f6d0c9e1a7b".into(),
            kind: "kubernetes".into(),
        }
    }
}

impl ModelInfo {
    /// A model called `name` (default UUID and type).
    pub fn new(name: impl Into<String>) -> Self {
        ModelInfo {
            name: name.into(),
            ..ModelInfo::default()
        }
    }
    /// Sets the UUID.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = uuid.into();
        self
    }
    /// Sets the type (`kubernetes`, `lxd`).
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = kind.into();
        self
    }
}

/// What kind of relation a [`Relation`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// A `provides`/`requires` relation to another application.
    Regular,
    /// A `peers` relation between this application's units.
    Peer,
    /// A `scope: container` relation to a principal or subordinate (one remote unit).
    Subordinate,
}

/// A relation, with every databag this unit can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The relation id (auto-numbered).
    pub id: u64,
    /// This charm's endpoint, as in the metadata.
    pub endpoint: String,
    /// The interface (defaults to the metadata's when `None`).
    pub interface: Option<String>,
    /// Regular, peer or subordinate.
    pub kind: RelationKind,
    /// The remote application (`remote` by default; this app for peers).
    pub remote_app_name: String,
    /// This application's databag.
    pub local_app_data: Databag,
    /// This unit's databag.
    pub local_unit_data: Databag,
    /// The remote application's databag (unused for peers).
    pub remote_app_data: Databag,
    /// The remote units' databags by unit number (for peers: the other units).
    pub remote_units_data: BTreeMap<u32, Databag>,
    /// The remote model's UUID, for cross-model relations.
    pub remote_model_uuid: Option<String>,
}

impl Relation {
    /// A regular relation on `endpoint` to the application `remote`, with one remote unit
    /// (`remote/0`) holding the default unit databag.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Relation {
            id: next_relation_id(),
            endpoint: endpoint.into(),
            interface: None,
            kind: RelationKind::Regular,
            remote_app_name: "remote".into(),
            local_app_data: Databag::new(),
            local_unit_data: default_unit_databag(),
            remote_app_data: Databag::new(),
            remote_units_data: BTreeMap::from([(0, default_unit_databag())]),
            remote_model_uuid: None,
        }
    }

    /// A peer relation on `endpoint`, with no other units (add them with [`Relation::peer_unit`]).
    pub fn peer(endpoint: impl Into<String>) -> Self {
        Relation {
            kind: RelationKind::Peer,
            remote_units_data: BTreeMap::new(),
            ..Relation::new(endpoint)
        }
    }

    /// A subordinate (`scope: container`) relation on `endpoint`, with one remote unit
    /// (`remote/0`).
    pub fn subordinate(endpoint: impl Into<String>) -> Self {
        Relation {
            kind: RelationKind::Subordinate,
            ..Relation::new(endpoint)
        }
    }

    /// Sets the relation id.
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }
    /// Sets the interface name.
    pub fn interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = Some(interface.into());
        self
    }
    /// Sets the remote application's name.
    pub fn remote_app_name(mut self, name: impl Into<String>) -> Self {
        self.remote_app_name = name.into();
        self
    }
    /// Sets this application's databag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_app_data = bag(data);
        self
    }
    /// Sets this unit's databag (replacing the default addresses).
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = bag(data);
        self
    }
    /// Sets the remote application's databag.
    pub fn remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_app_data = bag(data);
        self
    }
    /// Replaces the remote units: none at all.
    pub fn no_remote_units(mut self) -> Self {
        self.remote_units_data.clear();
        self
    }
    /// Adds (or replaces) remote unit `unit` with `data`.
    pub fn remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        unit: u32,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_units_data.insert(unit, bag(data));
        self
    }
    /// Adds (or replaces) peer unit `unit` with `data` (same as [`Relation::remote_unit`]).
    pub fn peer_unit<K: Into<String>, V: Into<String>>(
        self,
        unit: u32,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_unit(unit, data)
    }
    /// Sets the remote model's UUID (a cross-model relation).
    pub fn remote_model_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.remote_model_uuid = Some(uuid.into());
        self
    }

    /// The remote units' names (`remote/0`...), given this application's name for peers.
    pub fn remote_unit_names(&self, app_name: &str) -> Vec<String> {
        let app = self.remote_app(app_name);
        self.remote_units_data
            .keys()
            .map(|n| format!("{app}/{n}"))
            .collect()
    }

    /// The remote application's name (this application's, for peers).
    pub fn remote_app<'a>(&'a self, app_name: &'a str) -> &'a str {
        match self.kind {
            RelationKind::Peer => app_name,
            _ => &self.remote_app_name,
        }
    }
}

/// The name [`Container::filesystem_root`] mounts its folder under.
const ROOT_MOUNT: &str = "/";

/// A host folder mounted into a container's filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it appears in the container (`/var/lib/app`).
    pub location: String,
    /// The host folder backing it.
    pub source: PathBuf,
}

impl Mount {
    /// Mounts the host folder `source` at `location`.
    pub fn new(location: impl Into<String>, source: impl Into<PathBuf>) -> Self {
        Mount {
            location: location.into(),
            source: source.into(),
        }
    }
}

/// An in-memory filesystem entry.
#[derive(Clone, PartialEq, Eq)]
pub struct FsEntry {
    /// `None` for a directory; the content for a file.
    pub content: Option<Vec<u8>>,
    /// Permission bits (`0o644`).
    pub permissions: u32,
    /// Owner's name.
    pub user: Option<String>,
    /// Group's name.
    pub group: Option<String>,
}

impl FsEntry {
    /// A regular file with `content`, mode 644.
    pub fn file(content: impl Into<Vec<u8>>) -> Self {
        FsEntry {
            content: Some(content.into()),
            permissions: 0o644,
            user: None,
            group: None,
        }
    }
    /// A directory, mode 755.
    pub fn dir() -> Self {
        FsEntry {
            content: None,
            permissions: 0o755,
            user: None,
            group: None,
        }
    }
    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.content.is_none()
    }
}

impl std::fmt::Debug for FsEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.content {
            None => write!(f, "Dir({:o})", self.permissions),
            Some(data) => match std::str::from_utf8(data) {
                Ok(text) if data.len() <= 200 => {
                    write!(f, "File({:o}, {text:?})", self.permissions)
                }
                _ => write!(f, "File({:o}, {} bytes)", self.permissions, data.len()),
            },
        }
    }
}

/// What running a command in a container does: the longest matching prefix wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// The command prefix this result answers (empty: every command).
    pub prefix: Vec<String>,
    /// The exit code.
    pub return_code: i32,
    /// What it prints on stdout.
    pub stdout: String,
    /// What it prints on stderr.
    pub stderr: String,
}

impl Exec {
    /// A command starting with `prefix` that succeeds, printing nothing.
    pub fn new<S: Into<String>>(prefix: impl IntoIterator<Item = S>) -> Self {
        Exec {
            prefix: prefix.into_iter().map(Into::into).collect(),
            return_code: 0,
            stdout: String::new(),
            stderr: String::new(),
        }
    }
    /// Sets the exit code.
    pub fn return_code(mut self, code: i32) -> Self {
        self.return_code = code;
        self
    }
    /// Sets stdout.
    pub fn stdout(mut self, out: impl Into<String>) -> Self {
        self.stdout = out.into();
        self
    }
    /// Sets stderr.
    pub fn stderr(mut self, err: impl Into<String>) -> Self {
        self.stderr = err.into();
        self
    }
}

/// A check's status as Pebble reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Its level (from the plan when `None`).
    pub level: Option<CheckLevel>,
    /// Its startup (from the plan when `None`).
    pub startup: Option<CheckStartup>,
    /// Its health.
    pub status: CheckStatus,
    /// Successes so far.
    pub successes: u64,
    /// Consecutive failures.
    pub failures: u64,
    /// Failures before it is down (3 by default, as in Pebble).
    pub threshold: u64,
}

impl CheckInfo {
    /// A check called `name` that is up, threshold 3.
    pub fn new(name: impl Into<String>) -> Self {
        CheckInfo {
            name: name.into(),
            level: None,
            startup: None,
            status: CheckStatus::Up,
            successes: 0,
            failures: 0,
            threshold: 3,
        }
    }
    /// Sets the status.
    pub fn status(mut self, status: CheckStatus) -> Self {
        self.status = status;
        self
    }
    /// Sets the level.
    pub fn level(mut self, level: CheckLevel) -> Self {
        self.level = Some(level);
        self
    }
    /// Sets the startup.
    pub fn startup(mut self, startup: CheckStartup) -> Self {
        self.startup = Some(startup);
        self
    }
    /// Sets the failure count.
    pub fn failures(mut self, failures: u64) -> Self {
        self.failures = failures;
        self
    }
    /// Sets the success count.
    pub fn successes(mut self, successes: u64) -> Self {
        self.successes = successes;
        self
    }
    /// Sets the threshold.
    pub fn threshold(mut self, threshold: u64) -> Self {
        self.threshold = threshold;
        self
    }
}

/// A Pebble notice recorded in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its id (auto-numbered).
    pub id: String,
    /// Its key (`example.com/thing`).
    pub key: String,
    /// Its type (`custom` by default).
    pub kind: NoticeType,
    /// The user who may see it (`None`: public).
    pub user_id: Option<u32>,
    /// How many times it occurred.
    pub occurrences: u64,
    /// Data of the last occurrence.
    pub last_data: BTreeMap<String, String>,
    /// When it first occurred (RFC 3339).
    pub first_occurred: String,
    /// When it last occurred (RFC 3339).
    pub last_occurred: String,
    /// When it last repeated (RFC 3339).
    pub last_repeated: String,
    /// Minimum time between repeats (Go duration).
    pub repeat_after: Option<String>,
    /// How long after the last occurrence it expires (Go duration).
    pub expire_after: Option<String>,
}

impl Notice {
    /// A custom notice with `key`, occurred once.
    pub fn new(key: impl Into<String>) -> Self {
        const T: &str = "2025-01-01T00:00:00Z";
        Notice {
            id: next_notice_id(),
            key: key.into(),
            kind: NoticeType::Custom,
            user_id: None,
            occurrences: 1,
            last_data: BTreeMap::new(),
            first_occurred: T.into(),
            last_occurred: T.into(),
            last_repeated: T.into(),
            repeat_after: None,
            expire_after: None,
        }
    }
    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
    /// Sets the type.
    pub fn kind(mut self, kind: NoticeType) -> Self {
        self.kind = kind;
        self
    }
    /// Sets the data of the last occurrence.
    pub fn data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.last_data = bag(data);
        self
    }

    pub(crate) fn to_pebble(&self) -> ops_pebble::Notice {
        ops_pebble::Notice {
            id: self.id.clone(),
            user_id: self.user_id,
            type_: self.kind.clone(),
            key: self.key.clone(),
            first_occurred: self.first_occurred.clone(),
            last_occurred: self.last_occurred.clone(),
            last_repeated: self.last_repeated.clone(),
            occurrences: self.occurrences,
            last_data: self.last_data.clone(),
            repeat_after: self.repeat_after.clone(),
            expire_after: self.expire_after.clone(),
        }
    }
}

/// A workload container and its Pebble.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The container's name, as in the metadata.
    pub name: String,
    /// Whether Pebble answers (`false`: every Pebble call fails to connect).
    pub can_connect: bool,
    /// Pebble's layers, in the order added, by label.
    pub layers: Vec<(String, Layer)>,
    /// Each service's current state (absent: inactive).
    pub service_statuses: BTreeMap<String, ServiceStatus>,
    /// The checks' statuses.
    pub check_infos: Vec<CheckInfo>,
    /// The notices Pebble has recorded.
    pub notices: Vec<Notice>,
    /// Host folders mounted into the filesystem, by name.
    pub mounts: BTreeMap<String, Mount>,
    /// The in-memory filesystem (outside the mounts), by absolute path.
    pub files: BTreeMap<String, FsEntry>,
    /// Results of commands run with `exec`.
    pub execs: Vec<Exec>,
}

impl Container {
    /// A container called `name` that cannot be connected to yet.
    pub fn new(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            can_connect: false,
            layers: Vec::new(),
            service_statuses: BTreeMap::new(),
            check_infos: Vec::new(),
            notices: Vec::new(),
            mounts: BTreeMap::new(),
            files: BTreeMap::new(),
            execs: Vec::new(),
        }
    }
    /// Sets whether Pebble answers.
    pub fn can_connect(mut self, can_connect: bool) -> Self {
        self.can_connect = can_connect;
        self
    }
    /// Adds a layer labelled `label` (after the existing ones).
    pub fn layer(mut self, label: impl Into<String>, layer: Layer) -> Self {
        self.layers.push((label.into(), layer));
        self
    }
    /// Sets a service's current state.
    pub fn service_status(mut self, service: impl Into<String>, status: ServiceStatus) -> Self {
        self.service_statuses.insert(service.into(), status);
        self
    }
    /// Adds a check's status.
    pub fn check_info(mut self, info: CheckInfo) -> Self {
        self.check_infos.push(info);
        self
    }
    /// Adds a notice.
    pub fn notice(mut self, notice: Notice) -> Self {
        self.notices.push(notice);
        self
    }
    /// Mounts a host folder, named `name`.
    pub fn mount(mut self, name: impl Into<String>, mount: Mount) -> Self {
        self.mounts.insert(name.into(), mount);
        self
    }
    /// Adds an in-memory file (and its parent directories).
    pub fn file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path, FsEntry::file(content));
        self
    }
    /// Adds an in-memory directory (and its parents).
    pub fn dir(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path, FsEntry::dir());
        self
    }
    /// Adds a command result.
    pub fn exec(mut self, exec: Exec) -> Self {
        self.execs.push(exec);
        self
    }

    pub(crate) fn add_parents(&mut self, path: &str) {
        // Each prefix ending before a `/` (not the leading one). Slicing at `/` keeps to
        // character boundaries whatever the path (`""`, `"é/x"`).
        for (end, _) in path.match_indices('/').filter(|(i, _)| *i > 0) {
            let parent = &path[..end];
            if !self.files.contains_key(parent) {
                self.files.insert(parent.to_string(), FsEntry::dir());
            }
        }
    }

    /// The plan Pebble computes from the layers (Pebble's merge rules).
    pub fn plan(&self) -> Result<ops_pebble::Plan, ops_pebble::Error> {
        ops_pebble::Plan::from_layers(self.layers.iter().map(|(_, l)| l))
    }

    /// A service's current state (`inactive` if never started).
    pub fn service(&self, name: &str) -> ServiceStatus {
        self.service_statuses
            .get(name)
            .cloned()
            .unwrap_or(ServiceStatus::Inactive)
    }

    /// The content of the file at `path`: in memory, or read from a mounted host folder.
    /// `None` if there is no such file.
    pub fn read_file(&self, path: &str) -> Option<Vec<u8>> {
        if let Some(host) = self.host_path(path) {
            return std::fs::read(host).ok();
        }
        self.files.get(path).and_then(|e| e.content.clone())
    }

    /// The host path for a container path under a mount (the deepest mount holding it,
    /// so a mount inside a [`Container::filesystem_root`] still wins).
    pub fn host_path(&self, path: &str) -> Option<PathBuf> {
        self.mounts
            .values()
            .filter_map(|m| {
                let loc = m.location.trim_end_matches('/');
                let rest = path.strip_prefix(loc)?;
                let host = if rest.is_empty() {
                    m.source.clone()
                } else {
                    m.source.join(rest.strip_prefix('/')?)
                };
                Some((loc.len(), host))
            })
            .max_by_key(|(depth, _)| *depth)
            .map(|(_, host)| host)
    }

    /// Backs the whole filesystem with the host folder `root` (Python's
    /// `Container.get_filesystem`): every path in the container is the same path under
    /// `root`, so a test can hand real paths to other code, and look at what the charm
    /// pushed with `std::fs`. Other mounts still take their own paths; the in-memory
    /// [`Container::files`] are not used (write into `root` instead).
    pub fn filesystem_root(self, root: impl Into<PathBuf>) -> Self {
        self.mount(ROOT_MOUNT, Mount::new("/", root))
    }

    /// The host folder backing the whole filesystem, if [`Container::filesystem_root`]
    /// set one.
    pub fn get_filesystem(&self) -> Option<&std::path::Path> {
        self.mounts.get(ROOT_MOUNT).map(|m| m.source.as_path())
    }

    /// The check info called `name`.
    pub fn get_check_info(&self, name: &str) -> Option<&CheckInfo> {
        self.check_infos.iter().find(|c| c.name == name)
    }
}

/// An attached storage instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The storage's name, as in the metadata.
    pub name: String,
    /// Its index (`data/3` → 3; auto-numbered).
    pub index: u32,
    /// Where it is mounted (derived from the metadata when `None`).
    pub location: Option<PathBuf>,
}

impl Storage {
    /// An instance of storage `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Storage {
            name: name.into(),
            index: next_storage_index(),
            location: None,
        }
    }
    /// Sets the index.
    pub fn index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }
    /// Sets where it is mounted.
    pub fn location(mut self, location: impl Into<PathBuf>) -> Self {
        self.location = Some(location.into());
        self
    }
    /// Its id (`data/3`).
    pub fn full_id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// A secret this unit owns or has been granted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its URI (`secret:...`, auto-generated).
    pub id: String,
    /// Who owns it: `None` when this unit only observes it.
    pub owner: Option<SecretOwner>,
    /// The content of the revision this unit tracks.
    pub tracked_content: BTreeMap<String, String>,
    /// The content of the latest revision.
    pub latest_content: BTreeMap<String, String>,
    /// The tracked revision.
    pub tracked_revision: u64,
    /// The latest revision.
    pub latest_revision: u64,
    /// Its label.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its expiry, RFC 3339.
    pub expire: Option<String>,
    /// Its rotation policy.
    pub rotate: Option<String>,
    /// Grants: relation id → the applications and units granted.
    pub remote_grants: BTreeMap<u64, BTreeSet<String>>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys only: secret content never reaches a Debug string.
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("owner", &self.owner)
            .field(
                "tracked_keys",
                &self.tracked_content.keys().collect::<Vec<_>>(),
            )
            .field(
                "latest_keys",
                &self.latest_content.keys().collect::<Vec<_>>(),
            )
            .field("tracked_revision", &self.tracked_revision)
            .field("latest_revision", &self.latest_revision)
            .field("label", &self.label)
            .field("description", &self.description)
            .field("expire", &self.expire)
            .field("rotate", &self.rotate)
            .field("remote_grants", &self.remote_grants)
            .finish()
    }
}

impl Secret {
    /// A secret with `content` at revision 1 (tracked and latest), observed (not owned).
    pub fn new<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let content = bag(content);
        Secret {
            id: new_secret_id(),
            owner: None,
            latest_content: content.clone(),
            tracked_content: content,
            tracked_revision: 1,
            latest_revision: 1,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            remote_grants: BTreeMap::new(),
        }
    }
    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
    /// Owned by this unit.
    pub fn owned_by_unit(mut self) -> Self {
        self.owner = Some(SecretOwner::Unit);
        self
    }
    /// Owned by this application.
    pub fn owned_by_app(mut self) -> Self {
        self.owner = Some(SecretOwner::Application);
        self
    }
    /// Adds a newer revision with `content` (the tracked one stays).
    pub fn latest<K: Into<String>, V: Into<String>>(
        mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.latest_content = bag(content);
        self.latest_revision = self.tracked_revision + 1;
        self
    }
    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Sets the expiry (RFC 3339).
    pub fn expire(mut self, expire: impl Into<String>) -> Self {
        self.expire = Some(expire.into());
        self
    }
    /// Sets the rotation policy.
    pub fn rotate(mut self, rotate: impl Into<String>) -> Self {
        self.rotate = Some(rotate.into());
        self
    }
    /// Grants it to `grantee` (an application or unit) over relation `relation_id`.
    pub fn grant(mut self, relation_id: u64, grantee: impl Into<String>) -> Self {
        self.remote_grants
            .entry(relation_id)
            .or_default()
            .insert(grantee.into());
        self
    }
}

// An event a handler deferred, waiting in the unit's state (the framework's own type; a
// doc comment here would be shown before the type's own).
pub use crate::framework::DeferredEvent;

/// Everything Juju and Pebble know about the unit, before or after one event.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Config values set by the operator (defaults come from the metadata).
    pub config: Map<String, Value>,
    /// Whether this unit is the leader.
    pub leader: bool,
    /// The model.
    pub model: ModelInfo,
    /// Relations (regular, peer, subordinate).
    pub relations: Vec<Relation>,
    /// Network bindings, by binding name (a default network answers the others).
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Workload containers.
    pub containers: Vec<Container>,
    /// Attached storage instances.
    pub storages: Vec<Storage>,
    /// Resources: name → the path `resource-get` answers.
    pub resources: BTreeMap<String, PathBuf>,
    /// Secrets this unit owns or can see.
    pub secrets: Vec<Secret>,
    /// Ports this unit has opened.
    pub opened_ports: BTreeSet<Port>,
    /// Units Juju plans for the application.
    pub planned_units: u32,
    /// The charm struct as saved after the last hook (JSON), if any.
    pub stored_state: Option<Value>,
    /// Events deferred by earlier hooks, in order.
    pub deferred: Vec<DeferredEvent>,
    /// The unit's status.
    pub unit_status: Status,
    /// The application's status.
    pub app_status: Status,
    /// The workload version (empty: unset).
    pub workload_version: String,
    /// The cloud `credential-get` answers (`None`: the application is not trusted).
    pub cloud_spec: Option<CloudSpec>,
}

impl Default for State {
    fn default() -> Self {
        State {
            config: Map::new(),
            leader: false,
            model: ModelInfo::default(),
            relations: Vec::new(),
            networks: BTreeMap::new(),
            containers: Vec::new(),
            storages: Vec::new(),
            resources: BTreeMap::new(),
            secrets: Vec::new(),
            opened_ports: BTreeSet::new(),
            planned_units: 1,
            stored_state: None,
            deferred: Vec::new(),
            unit_status: Status::unknown(),
            app_status: Status::unknown(),
            workload_version: String::new(),
            cloud_spec: None,
        }
    }
}

impl State {
    /// An empty state: no config, not leader, nothing related, status unknown.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets config option `key` to `value`.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }
    /// Sets whether this unit is the leader.
    pub fn leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }
    /// Sets the model.
    pub fn model(mut self, model: ModelInfo) -> Self {
        self.model = model;
        self
    }
    /// Adds a relation.
    pub fn relation(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }
    /// Sets the network of `binding`.
    pub fn network(mut self, binding: impl Into<String>, network: NetworkInfo) -> Self {
        self.networks.insert(binding.into(), network);
        self
    }
    /// Adds a container.
    pub fn container(mut self, container: Container) -> Self {
        self.containers.push(container);
        self
    }
    /// Adds a storage instance.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storages.push(storage);
        self
    }
    /// Adds a resource at `path`.
    pub fn resource(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.resources.insert(name.into(), path.into());
        self
    }
    /// Adds a secret.
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }
    /// Adds an opened port.
    pub fn opened_port(mut self, port: Port) -> Self {
        self.opened_ports.insert(port);
        self
    }
    /// Sets the planned unit count.
    pub fn planned_units(mut self, n: u32) -> Self {
        self.planned_units = n;
        self
    }
    /// Sets the charm's stored state from a charm value.
    pub fn stored<C: serde::Serialize>(mut self, charm: &C) -> Self {
        self.stored_state = serde_json::to_value(charm).ok();
        self
    }
    /// Sets the stored state of the library at `path` (`db`, `analytics.db`) inside the
    /// charm's stored state, keeping the charm's other fields: set those first with
    /// [`stored`](Self::stored) unless they have serde defaults.
    pub fn library_state<L: serde::Serialize>(mut self, path: &str, library: &L) -> Self {
        let Ok(value) = serde_json::to_value(library) else {
            return self;
        };
        let mut slot = self
            .stored_state
            .get_or_insert_with(|| Value::Object(Map::new()));
        for field in path.split('.') {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(map) = slot else {
                return self;
            };
            slot = map.entry(field).or_insert(Value::Null);
        }
        *slot = value;
        self
    }

    /// Adds a deferred event.
    pub fn deferred(mut self, event: DeferredEvent) -> Self {
        self.deferred.push(event);
        self
    }
    /// Sets the unit's status.
    pub fn unit_status(mut self, status: Status) -> Self {
        self.unit_status = status;
        self
    }
    /// Sets the application's status.
    pub fn app_status(mut self, status: Status) -> Self {
        self.app_status = status;
        self
    }
    /// Sets the workload version.
    pub fn workload_version(mut self, version: impl Into<String>) -> Self {
        self.workload_version = version.into();
        self
    }

    /// Sets the cloud spec (`credential-get`; the application is then trusted).
    pub fn cloud_spec(mut self, spec: CloudSpec) -> Self {
        self.cloud_spec = Some(spec);
        self
    }

    /// A state with what the charm's metadata declares, as Python's
    /// `State.from_context(ctx)`: config defaults, one relation per endpoint (peer,
    /// subordinate or regular, with the metadata's interface), every container
    /// connectable, one instance of every storage. The rest is [`State::new`]'s.
    pub fn from_context<C: crate::charm::Charm>(ctx: &super::Context<C>) -> Self {
        State::new().fill_from_context(ctx)
    }

    /// Adds what [`State::from_context`] would, keeping what this state already has: a
    /// config value, a relation on the same endpoint, a container or a storage of the
    /// same name wins over the generated one.
    pub fn fill_from_context<C: crate::charm::Charm>(mut self, _ctx: &super::Context<C>) -> Self {
        let meta = C::META;
        for (key, value) in super::context::config_defaults(meta) {
            self.config.entry(key).or_insert(value);
        }
        // Python's order: requires, provides, then peers.
        let roles = [
            crate::meta::RelationRole::Requires,
            crate::meta::RelationRole::Provides,
            crate::meta::RelationRole::Peer,
        ];
        let ordered = roles
            .iter()
            .flat_map(|role| meta.relations.iter().filter(move |r| r.role == *role));
        for rel in ordered {
            if self.relations.iter().any(|r| r.endpoint == rel.name) {
                continue;
            }
            let relation = if rel.role == crate::meta::RelationRole::Peer {
                Relation::peer(rel.name)
            } else if rel.scope == crate::meta::RelationScope::Container {
                Relation::subordinate(rel.name)
            } else {
                Relation::new(rel.name)
            };
            self.relations.push(relation.interface(rel.interface));
        }
        for container in meta.containers {
            if self.get_container(container.name).is_none() {
                self.containers
                    .push(Container::new(container.name).can_connect(true));
            }
        }
        for storage in meta.storages {
            if !self.storages.iter().any(|s| s.name == storage.name) {
                self.storages.push(Storage::new(storage.name));
            }
        }
        self
    }

    /// The relation with `id`.
    pub fn get_relation(&self, id: u64) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }
    /// The relations on `endpoint`.
    pub fn get_relations<'a>(&'a self, endpoint: &'a str) -> impl Iterator<Item = &'a Relation> {
        self.relations
            .iter()
            .filter(move |r| r.endpoint == endpoint)
    }
    /// The container `name`.
    pub fn get_container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
    /// The storage instance `name`/`index`.
    pub fn get_storage(&self, name: &str, index: u32) -> Option<&Storage> {
        self.storages
            .iter()
            .find(|s| s.name == name && s.index == index)
    }
    /// The secret with URI `id` or label `label`.
    pub fn get_secret(&self, id: Option<&str>, label: Option<&str>) -> Option<&Secret> {
        self.secrets.iter().find(|s| {
            id.is_some_and(|id| same_secret_id(&s.id, id))
                || (id.is_none() && label.is_some() && s.label.as_deref() == label)
        })
    }
    /// The network of `binding`, if set.
    pub fn get_network(&self, binding: &str) -> Option<&NetworkInfo> {
        self.networks.get(binding)
    }
    /// The stored charm state, deserialised.
    pub fn get_stored<C: serde::de::DeserializeOwned>(&self) -> Option<C> {
        self.stored_state
            .as_ref()
            .and_then(|v| C::deserialize(v).ok())
    }

    /// The stored state of the library at `path` (its field, `db`, or `analytics.db` for
    /// a library inside a library), deserialised: a library's state is saved inside the
    /// charm's, under its field's name.
    pub fn get_library_state<L: serde::de::DeserializeOwned>(&self, path: &str) -> Option<L> {
        let mut value = self.stored_state.as_ref()?;
        for field in path.split('.') {
            value = value.get(field)?;
        }
        L::deserialize(value).ok()
    }
}

/// Whether two secret URIs name the same secret (with or without `secret:`, and ignoring a
/// `secret://model-uuid/` form's prefix).
pub(crate) fn same_secret_id(a: &str, b: &str) -> bool {
    fn tail(s: &str) -> &str {
        let s = s.strip_prefix("secret:").unwrap_or(s);
        s.rsplit('/').next().unwrap_or(s)
    }
    tail(a) == tail(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_file_paths_add_their_parents_without_panicking() {
        let c = Container::new("c")
            .file("", "empty")
            .file("é/x", "a")
            .file("/a//b/c", "b")
            .dir("/🦀/");
        let dirs: Vec<&str> = c
            .files
            .iter()
            .filter(|(_, e)| e.is_dir())
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(dirs, ["/a", "/a/", "/a//b", "/🦀", "/🦀/", "é"]);
    }
}
