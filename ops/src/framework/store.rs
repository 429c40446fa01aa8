//! The unit's persisted state: the charm struct and the deferred-event queue.

use crate::error::ModelError;
use crate::event::EventData;
use crate::model::ModelCore;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    #[cfg(test)]
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

    /// Reads the state file, if present.
    pub fn read(&self) -> Result<Option<UnitState>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let state = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            location: self.path.display().to_string(),
            detail: e.to_string(),
        })?;
        *self.loaded.borrow_mut() = Some(bytes);
        Ok(Some(state))
    }

    /// The first half of a save: writes and syncs the temporary file, returning its path.
    /// Until [`FileStore::commit_temp`] renames it, the old state is what reads see.
    #[cfg(test)]
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

impl Store for FileStore {
    fn load(&self, _model: &ModelCore) -> Result<Option<UnitState>, StoreError> {
        self.read()
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
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                location: format!("state-get {}", Self::KEY),
                detail: e.to_string(),
            })
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
#[cfg(test)]
pub struct MemoryStore {
    state: RefCell<Option<UnitState>>,
}

#[cfg(test)]
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

#[cfg(test)]
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
        }
    }

    #[test]
    fn round_trip_and_absent_file() {
        let dir = temp_dir("rt");
        let store = FileStore::in_charm_dir(&dir);
        assert_eq!(store.read().unwrap(), None);
        store.write(&sample(1)).unwrap();
        assert_eq!(store.read().unwrap(), Some(sample(1)));
        store.write(&sample(2)).unwrap();
        assert_eq!(store.read().unwrap(), Some(sample(2)));
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
        assert_eq!(store.read().unwrap(), Some(sample(1)));
        // The next hook's save replaces the stale temporary file.
        store.write(&sample(3)).unwrap();
        assert_eq!(store.read().unwrap(), Some(sample(3)));
        assert!(!temp.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unchanged_state_is_not_rewritten() {
        let dir = temp_dir("unchanged");
        let store = FileStore::in_charm_dir(&dir);
        store.write(&sample(1)).unwrap();
        let reader = FileStore::in_charm_dir(&dir);
        let state = reader.read().unwrap().unwrap();
        // Replace the file behind the reader's back: an unchanged save must not touch it,
        // a changed one must.
        std::fs::write(store.path(), serde_json::to_vec(&sample(1)).unwrap()).unwrap();
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = inode(store.path());
        reader.write(&state).unwrap();
        assert_eq!(inode(store.path()), before);
        reader.write(&sample(2)).unwrap();
        assert_ne!(inode(store.path()), before);
        assert_eq!(reader.read().unwrap(), Some(sample(2)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_reset() {
        let dir = temp_dir("corrupt");
        let store = FileStore::in_charm_dir(&dir);
        std::fs::write(store.path(), b"{not json").unwrap();
        let err = store.read().unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains(".unit-state.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn older_files_without_fields_still_load() {
        let state: UnitState = serde_json::from_str("{}").unwrap();
        assert_eq!(state, UnitState::default());
    }
}
