//! The state of a simulated Pebble: one container's layers, service and check statuses,
//! notices, filesystem (in memory, or host folders for mounts) and canned exec results.
//! `ops::testing` re-exports these as its test `State`'s containers.

use crate::{CheckLevel, CheckStartup, CheckStatus, Layer, NoticeType, ServiceStatus};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_NOTICE: AtomicU64 = AtomicU64::new(1);

/// The next notice id (unique across a test process).
fn next_notice_id() -> String {
    NEXT_NOTICE.fetch_add(1, Ordering::Relaxed).to_string()
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
        self.last_data = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The notice as Pebble's API reports it.
    pub fn to_pebble(&self) -> crate::Notice {
        crate::Notice {
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
    pub fn plan(&self) -> Result<crate::Plan, crate::Error> {
        crate::Plan::from_layers(self.layers.iter().map(|(_, l)| l))
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
