//! The unit's persisted state: the charm struct and the deferred-event queue.

use crate::backend::LogLevel;
use crate::error::ModelError;
use crate::event::EventData;
use crate::model::ModelCore;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An event a handler deferred: re-emitted, to that handler only, before the next event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredEvent {
    /// The event, as it was first dispatched.
    pub event: EventData,
    /// The name of the handler that deferred it: its method's name (`on_config_changed`).
    /// An event deferred by a handler that no longer exists (its method renamed in a new
    /// charm revision) is dropped, without an error, when its turn comes.
    pub handler: String,
}

/// Everything saved between hooks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitState {
    /// The charm struct, serialised (`None` before the first successful hook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charm: Option<serde_json::Value>,
    /// The deferred events, oldest first.
    #[serde(default)]
    pub deferred: Vec<DeferredEvent>,
    /// The charm's [`Charm::STATE_REVISION`](crate::Charm::STATE_REVISION) when it was
    /// saved (0, and absent from the file, until a charm declares one): a restore from
    /// another revision goes through [`Charm::migrate_state`](crate::Charm::migrate_state).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The saved state as read, before each deferred entry is parsed on its own.
#[derive(Deserialize)]
struct SavedState {
    #[serde(default)]
    charm: Option<serde_json::Value>,
    #[serde(default)]
    deferred: Vec<serde_json::Value>,
    #[serde(default)]
    revision: u32,
}

impl UnitState {
    /// Parses saved state (read from `location`). The charm's JSON is kept as is (the
    /// restore fits it to the charm type); a deferred entry that no longer parses (saved
    /// by an older revision, or edited) is dropped with a WARNING naming it, rather than
    /// failing every hook from now on (`warn` gets the line). Errors never quote the
    /// saved values.
    pub fn parse(
        bytes: &[u8],
        location: &str,
        warn: &mut dyn FnMut(String),
    ) -> Result<Self, StoreError> {
        let text = std::str::from_utf8(bytes).map_err(|e| StoreError::Corrupt {
            location: location.to_string(),
            detail: e.to_string(),
        })?;
        let saved: SavedState =
            crate::values::decode_str(text).map_err(|e| StoreError::Corrupt {
                location: location.to_string(),
                detail: e.to_string(),
            })?;
        let mut deferred = Vec::with_capacity(saved.deferred.len());
        for (i, entry) in saved.deferred.into_iter().enumerate() {
            let name = deferred_name(&entry);
            match crate::values::decode::<DeferredEvent>(entry) {
                Ok(event) => deferred.push(event),
                Err(e) => warn(format!(
                    "Dropping saved deferred event #{} ({name}) from {location}: it no \
                         longer parses ({e}).",
                    i + 1
                )),
            }
        }
        Ok(UnitState {
            charm: saved.charm,
            deferred,
            revision: saved.revision,
        })
    }
}

/// `config-changed for on_config_changed`: what a saved deferred entry says it is.
fn deferred_name(entry: &serde_json::Value) -> String {
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let event = entry.get("event");
    let kind = text(event.and_then(|e| e.get("kind")));
    let kind = match event.and_then(|e| e.get("name")).and_then(|n| n.as_str()) {
        Some(name) => format!("{name}-{kind}"),
        None => kind,
    };
    format!("{kind} for {}", text(entry.get("handler")))
}

/// A sink for [`UnitState::parse`]'s warnings: a framework WARNING through `juju-log`
/// (a line that cannot be written does not fail the hook).
fn warn_to(model: &ModelCore) -> impl FnMut(String) + '_ {
    move |message| {
        if crate::logging::enabled(LogLevel::Warning) {
            let _ = model.backend().juju_log(LogLevel::Warning, &message);
        }
    }
}

/// Reading or writing the unit's state failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The state file could not be read or written.
    #[error("unit state {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The saved state is not valid.
    #[error("unit state in {location} is corrupt: {detail}")]
    Corrupt {
        /// Where it was read from.
        location: String,
        /// What was wrong.
        detail: String,
    },
    /// Another run of the charm held the unit's state lock for longer than the wait.
    #[error(
        "unit state {path}: another run of this unit's charm still holds the lock after \
         {waited:?}; Juju runs one hook of a unit at a time, so a run started by hand must \
         wait for it (or that process is stuck)"
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long this run waited.
        waited: Duration,
    },
    /// `state-get` / `state-set` failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Where the unit's state lives between hooks.
pub trait Store {
    /// The saved state, or `None` if nothing was saved yet.
    fn load(&self, model: &ModelCore) -> Result<Option<UnitState>, StoreError>;
    /// Saves `state`, replacing what was there, all or nothing.
    fn save(&self, model: &ModelCore, state: &UnitState) -> Result<(), StoreError>;
}

/// The state in a file in the charm directory (`.unit-state.json`), written atomically:
/// a temporary file (mode 0600) is written and synced, then renamed over the old one.
/// A save of exactly what was loaded writes nothing.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    loaded: RefCell<Option<Vec<u8>>>,
}

impl FileStore {
    /// The file name in the charm directory.
    pub const FILE_NAME: &'static str = ".unit-state.json";

    /// The store at `<charm_dir>/.unit-state.json`.
    pub fn in_charm_dir(charm_dir: &Path) -> Self {
        FileStore::at(charm_dir.join(Self::FILE_NAME))
    }

    /// The store at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        FileStore {
            path: path.into(),
            loaded: RefCell::new(None),
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn temp_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        self.path.with_file_name(name)
    }

    /// Reads the state file, if present, and removes the temporary files of saves that
    /// were killed before their rename (call it with the [`FileStore::lock`] held, so no
    /// save is under way). `warn` gets the deferred entries dropped (see
    /// [`UnitState::parse`]).
    pub fn read(&self, warn: &mut dyn FnMut(String)) -> Result<Option<UnitState>, StoreError> {
        self.remove_stale_temps();
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let state = UnitState::parse(&bytes, &self.path.display().to_string(), warn)?;
        *self.loaded.borrow_mut() = Some(bytes);
        Ok(Some(state))
    }

    /// Removes `<state file>.tmp-<pid>` files: each is a save killed between its write
    /// and its rename, never the state.
    fn remove_stale_temps(&self) {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let mut prefix = name.to_os_string();
        prefix.push(".tmp-");
        let prefix = prefix.as_encoded_bytes();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().as_encoded_bytes().starts_with(prefix) {
                // Best effort: the next load tries again.
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The lock file beside the state file (`.unit-state.json.lock`): the state file
    /// itself is replaced by each save, so it cannot carry the lock.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Takes the exclusive lock on the unit's state for the rest of the hook (`flock`,
    /// released when the guard drops or the process dies, even by `kill -9`). Juju runs
    /// one hook of a unit at a time; this makes runs by hand (`juju exec`, a debug
    /// session, a test) wait their turn instead of losing each other's updates. Waits at
    /// most `timeout`, then fails saying so.
    pub fn lock(&self, timeout: Duration) -> Result<StateLock, StoreError> {
        let path = self.lock_path();
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
            // SAFETY: `fd` is an open descriptor owned by `file` for this whole call.
            if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(StateLock { _file: file });
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => {}
                _ => return Err(StoreError::Io { path, source: err }),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Locked {
                    path,
                    waited: timeout,
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// The first half of a save: writes and syncs the temporary file, returning its path.
    /// Until [`FileStore::commit_temp`] renames it, the old state is what reads see.
    pub fn write_temp(&self, state: &UnitState) -> Result<PathBuf, StoreError> {
        let bytes = self.encode(state)?;
        self.write_temp_bytes(&bytes)
    }

    fn encode(&self, state: &UnitState) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(state).map_err(|e| StoreError::Corrupt {
            location: "memory".into(),
            detail: e.to_string(),
        })
    }

    fn write_temp_bytes(&self, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let temp = self.temp_path();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let result = (|| {
            let mut file = options.open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&temp);
            return Err(self.io(e));
        }
        Ok(temp)
    }

    /// The second half of a save: renames the temporary file over the state file and
    /// syncs the directory.
    pub fn commit_temp(&self, temp: &Path) -> Result<(), StoreError> {
        if let Err(e) = std::fs::rename(temp, &self.path) {
            let _ = std::fs::remove_file(temp);
            return Err(self.io(e));
        }
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            // Best effort: some filesystems cannot sync a directory.
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    /// Writes `state` atomically, unless it is byte for byte what [`FileStore::read`]
    /// read (then the file already holds it).
    pub fn write(&self, state: &UnitState) -> Result<(), StoreError> {
        let bytes = self.encode(state)?;
        if self.loaded.borrow().as_deref() == Some(bytes.as_slice()) {
            return Ok(());
        }
        let temp = self.write_temp_bytes(&bytes)?;
        self.commit_temp(&temp)?;
        *self.loaded.borrow_mut() = Some(bytes);
        Ok(())
    }
}

/// The exclusive lock on the unit's state ([`FileStore::lock`]); dropping it unlocks.
#[derive(Debug)]
pub struct StateLock {
    _file: std::fs::File,
}

impl Store for FileStore {
    fn load(&self, model: &ModelCore) -> Result<Option<UnitState>, StoreError> {
        self.read(&mut warn_to(model))
    }
    fn save(&self, _model: &ModelCore, state: &UnitState) -> Result<(), StoreError> {
        self.write(state)
    }
}

/// The state in Juju's controller (`state-get` / `state-set`), under one key. For
/// charms whose charm directory does not survive (opt in with `ops::main_with`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ControllerStore;

impl ControllerStore {
    /// The key the state is saved under.
    pub const KEY: &'static str = "ops-unit-state";
}

impl Store for ControllerStore {
    fn load(&self, model: &ModelCore) -> Result<Option<UnitState>, StoreError> {
        let Some(text) = model.backend().state_get(Self::KEY)? else {
            return Ok(None);
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        let location = format!("state-get {}", Self::KEY);
        UnitState::parse(text.as_bytes(), &location, &mut warn_to(model)).map(Some)
    }
    fn save(&self, model: &ModelCore, state: &UnitState) -> Result<(), StoreError> {
        let text = serde_json::to_string(state).map_err(|e| StoreError::Corrupt {
            location: "memory".into(),
            detail: e.to_string(),
        })?;
        Ok(model.backend().state_set(Self::KEY, &text)?)
    }
}

/// The state in memory (for tests): starts with what it is given, keeps what is saved.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RefCell<Option<UnitState>>,
}

impl MemoryStore {
    /// A store holding `state` (`None`: nothing saved yet).
    pub fn new(state: Option<UnitState>) -> Self {
        MemoryStore {
            state: RefCell::new(state),
        }
    }
    /// What is saved now.
    pub fn state(&self) -> Option<UnitState> {
        self.state.borrow().clone()
    }
}

impl Store for MemoryStore {
    fn load(&self, _model: &ModelCore) -> Result<Option<UnitState>, StoreError> {
        Ok(self.state.borrow().clone())
    }
    fn save(&self, _model: &ModelCore, state: &UnitState) -> Result<(), StoreError> {
        *self.state.borrow_mut() = Some(state.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ops-store-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn sample(n: u64) -> UnitState {
        UnitState {
            charm: Some(serde_json::json!({"restarts": n})),
            deferred: vec![DeferredEvent {
                event: EventData {
                    relation_id: Some(n),
                    ..EventData::named(EventKind::RelationChanged, "db")
                },
                handler: "on_db".into(),
            }],
            revision: 0,
        }
    }

    #[test]
    fn round_trip_and_absent_file() {
        let dir = temp_dir("rt");
        let store = FileStore::in_charm_dir(&dir);
        assert_eq!(store.read(&mut |_| {}).unwrap(), None);
        store.write(&sample(1)).unwrap();
        assert_eq!(store.read(&mut |_| {}).unwrap(), Some(sample(1)));
        store.write(&sample(2)).unwrap();
        assert_eq!(store.read(&mut |_| {}).unwrap(), Some(sample(2)));
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("\"handler\":\"on_db\""), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FileStore::FILE_NAME)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_crash_before_the_rename_keeps_the_old_state() {
        let dir = temp_dir("crash");
        let store = FileStore::in_charm_dir(&dir);
        store.write(&sample(1)).unwrap();
        // Crash after the new state is written and synced, before the rename.
        let temp = store.write_temp(&sample(2)).unwrap();
        assert!(temp.exists());
        assert_eq!(store.read(&mut |_| {}).unwrap(), Some(sample(1)));
        // The next hook's save replaces the stale temporary file.
        store.write(&sample(3)).unwrap();
        assert_eq!(store.read(&mut |_| {}).unwrap(), Some(sample(3)));
        assert!(!temp.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unchanged_state_is_not_rewritten() {
        let dir = temp_dir("unchanged");
        let store = FileStore::in_charm_dir(&dir);
        store.write(&sample(1)).unwrap();
        let reader = FileStore::in_charm_dir(&dir);
        let state = reader.read(&mut |_| {}).unwrap().unwrap();
        // Replace the file behind the reader's back: an unchanged save must not touch it,
        // a changed one must.
        std::fs::write(store.path(), serde_json::to_vec(&sample(1)).unwrap()).unwrap();
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = inode(store.path());
        reader.write(&state).unwrap();
        assert_eq!(inode(store.path()), before);
        reader.write(&sample(2)).unwrap();
        assert_ne!(inode(store.path()), before);
        assert_eq!(reader.read(&mut |_| {}).unwrap(), Some(sample(2)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_reset() {
        let dir = temp_dir("corrupt");
        let store = FileStore::in_charm_dir(&dir);
        std::fs::write(store.path(), b"{not json").unwrap();
        let err = store.read(&mut |_| {}).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains(".unit-state.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_deferred_entry_that_no_longer_parses_is_dropped_with_a_warning_naming_it() {
        let text = serde_json::json!({
            "charm": {"n": 1},
            "deferred": [
                {"event": {"kind": "config-changed"}, "handler": "on_config"},
                {"event": {"kind": "relation-changed", "name": "db", "relation_id": "hunter2"},
                 "handler": "on_db"},
                {"event": {"kind": "install"}, "handler": "on_install"}
            ]
        })
        .to_string();
        let mut warnings = Vec::new();
        let state = UnitState::parse(text.as_bytes(), "here", &mut |w| warnings.push(w)).unwrap();
        let handlers: Vec<_> = state.deferred.iter().map(|d| d.handler.as_str()).collect();
        assert_eq!(handlers, ["on_config", "on_install"]);
        assert_eq!(
            warnings,
            [
                "Dropping saved deferred event #2 (db-relation-changed for on_db) from here: it \
              no longer parses (event.relation_id: invalid type: string, expected u64)."
            ]
        );
    }

    #[test]
    fn loading_removes_the_temporary_files_of_killed_saves() {
        let dir = temp_dir("stale");
        let store = FileStore::in_charm_dir(&dir);
        store.write(&sample(1)).unwrap();
        let stale = [
            dir.join(".unit-state.json.tmp-1"),
            dir.join(".unit-state.json.tmp-99999"),
        ];
        for path in &stale {
            std::fs::write(path, b"{half").unwrap();
        }
        std::fs::write(dir.join("unrelated.tmp-1"), b"keep").unwrap();
        assert_eq!(store.read(&mut |_| {}).unwrap(), Some(sample(1)));
        for path in &stale {
            assert!(!path.exists(), "{path:?}");
        }
        assert!(dir.join("unrelated.tmp-1").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_state_lock_is_exclusive_and_a_waiter_gives_up_clearly() {
        let dir = temp_dir("lock");
        let store = FileStore::in_charm_dir(&dir);
        let held = store.lock(Duration::from_secs(1)).unwrap();
        // flock locks belong to the open file description: a second open in this process
        // contends like another process would.
        let started = Instant::now();
        let err = store.lock(Duration::from_millis(100)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("another run of this unit's charm still holds the lock"),
            "{err}"
        );
        drop(held);
        let again = store.lock(Duration::from_millis(100)).unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn older_files_without_fields_still_load() {
        let state: UnitState = serde_json::from_str("{}").unwrap();
        assert_eq!(state, UnitState::default());
    }
}
