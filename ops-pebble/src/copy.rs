//! Recursive copies between the local filesystem and the container: [`push_path`] and
//! [`pull_path`], as Python ops' `Container.push_path` and `Container.pull_path`.
//!
//! A source path that is a directory is copied into the destination directory under its
//! own name (`/src/dir` → `DEST/dir/...`); a source ending in `/*` has its contents
//! copied (`/src/dir/*` → `DEST/...`); a file is copied into the destination directory.
//! Regular files and symbolic links (copied as the content they point to) and directories
//! are copied; anything else is skipped. Directories met on the way are created (an empty
//! source directory itself creates nothing, as in Python ops). Each file is streamed, never
//! held whole in memory.
//!
//! Copying goes on after a failure; at the end, the failures are returned together as
//! [`Error::PushPull`], each with the path that failed (the file, or the source or
//! directory that could not be listed).

use crate::{
    Error, FileInfo, FileOwnership, FileType, MakeDirOptions, MultiPushPullError, Pebble,
    PushOptions, Result,
};
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// Recursively pushes local files and directories into directory `dest_dir` (absolute)
/// of the container, each file with its local permissions and owner (user and group by
/// id, and by name where the local system has one, as Python ops sends them).
///
/// ```no_run
/// # use ops_pebble::{push_path, Client};
/// let pebble = Client::for_container("web");
/// // /srv/site/static/* → /var/www/static/...
/// push_path(&pebble, ["/srv/site/static"], "/var/www")?;
/// // The contents: /srv/site/static/* → /var/www/...
/// push_path(&pebble, ["/srv/site/static/*"], "/var/www")?;
/// # Ok::<(), ops_pebble::Error>(())
/// ```
pub fn push_path<P, S>(
    pebble: &P,
    sources: impl IntoIterator<Item = S>,
    dest_dir: &str,
) -> Result<()>
where
    P: Pebble + ?Sized,
    S: AsRef<Path>,
{
    let mut push = Push {
        pebble,
        dest_dir,
        names: None,
        errors: Vec::new(),
    };
    for source in sources {
        push.source(source.as_ref());
    }
    finish("failed to push one or more files", push.errors)
}

/// Recursively pulls files and directories of the container (absolute paths) into local
/// directory `dest_dir`, creating directories as needed.
///
/// ```no_run
/// # use ops_pebble::{pull_path, Client};
/// let pebble = Client::for_container("web");
/// // /etc/nginx → /tmp/backup/nginx/...
/// pull_path(&pebble, ["/etc/nginx"], "/tmp/backup")?;
/// # Ok::<(), ops_pebble::Error>(())
/// ```
pub fn pull_path<P, S>(
    pebble: &P,
    sources: impl IntoIterator<Item = S>,
    dest_dir: impl AsRef<Path>,
) -> Result<()>
where
    P: Pebble + ?Sized,
    S: AsRef<str>,
{
    let mut errors = Vec::new();
    for source in sources {
        pull_source(pebble, source.as_ref(), dest_dir.as_ref(), &mut errors);
    }
    finish("failed to pull one or more files", errors)
}

fn finish(message: &str, errors: Vec<(String, Error)>) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(Error::PushPull(Box::new(MultiPushPullError {
        message: message.to_string(),
        errors,
    })))
}

/// `dest` joined with the relative path `rel` (`/`-separated).
fn remote_join(dest: &str, rel: &str) -> String {
    format!("{}/{rel}", dest.trim_end_matches('/'))
}

// ---- push --------------------------------------------------------------------------

struct Push<'a, P: ?Sized> {
    pebble: &'a P,
    dest_dir: &'a str,
    /// Local user and group names by id, read on first use.
    names: Option<(HashMap<u32, String>, HashMap<u32, String>)>,
    errors: Vec<(String, Error)>,
}

impl<P: Pebble + ?Sized> Push<'_, P> {
    fn fail(&mut self, path: &Path, err: Error) {
        self.errors.push((path.display().to_string(), err));
    }

    fn source(&mut self, source: &Path) {
        // `dir/*`: the contents of dir, relative to dir; otherwise relative to the parent.
        let (root, base) = if source.file_name().is_some_and(|n| n == "*") {
            let dir = source.parent().unwrap_or(Path::new(""));
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if !dir.is_dir() {
                self.fail(
                    source,
                    Error::Io(std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        format!("{} is not a directory", dir.display()),
                    )),
                );
                return;
            }
            (dir.to_path_buf(), dir.to_path_buf())
        } else {
            // `/` is its own base.
            let base = source.parent().unwrap_or(source).to_path_buf();
            (source.to_path_buf(), base)
        };
        if root.is_dir() {
            self.dir(&root, &base);
        } else {
            match fs::symlink_metadata(&root) {
                Ok(m) if m.file_type().is_file() || m.file_type().is_symlink() => {
                    self.file(&root, &base)
                }
                Ok(_) => log::debug!("push_path skips {} (not a file)", root.display()),
                Err(e) => self.fail(&root, Error::Io(e)),
            }
        }
    }

    /// Pushes the entries of local directory `dir`.
    fn dir(&mut self, dir: &Path, base: &Path) {
        let mut entries: Vec<PathBuf> = match fs::read_dir(dir) {
            Ok(rd) => match rd.map(|e| e.map(|e| e.path())).collect() {
                Ok(v) => v,
                Err(e) => return self.fail(dir, Error::Io(e)),
            },
            Err(e) => return self.fail(dir, Error::Io(e)),
        };
        entries.sort();
        for path in entries {
            let meta = match fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.fail(&path, Error::Io(e));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_dir() {
                let Some(dest) = self.dest(&path, base) else {
                    continue;
                };
                let options = MakeDirOptions {
                    make_parents: true,
                    ownership: FileOwnership::default(),
                };
                match self.pebble.make_dir(&dest, &options) {
                    Ok(()) => self.dir(&path, base),
                    Err(e) => self.fail(&path, e),
                }
            } else if kind.is_file() || kind.is_symlink() {
                self.file(&path, base);
            } else {
                log::debug!(
                    "push_path skips {} (not a file or directory)",
                    path.display()
                );
            }
        }
    }

    /// The container path for local `path` found under `base`.
    fn dest(&mut self, path: &Path, base: &Path) -> Option<String> {
        let rel = path.strip_prefix(base).unwrap_or(path);
        match rel.to_str() {
            Some(rel) => Some(remote_join(self.dest_dir, rel)),
            None => {
                let err = Error::Format(format!("{} is not UTF-8", path.display()));
                self.fail(path, err);
                None
            }
        }
    }

    /// Streams the local file (or symlink's target) `path` to its place in the container.
    fn file(&mut self, path: &Path, base: &Path) {
        let Some(dest) = self.dest(path, base) else {
            return;
        };
        // What a symbolic link points to decides: a file is pushed, a directory is an
        // error (as in Python ops), anything else is skipped (opening a pipe would block).
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                let err = std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a directory (a symbolic link to one)",
                );
                return self.fail(path, Error::Io(err));
            }
            Ok(m) if !m.is_file() => {
                return log::debug!("push_path skips {} (not a file)", path.display());
            }
            Ok(_) => {}
            Err(e) => return self.fail(path, Error::Io(e)),
        }
        let mut file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.fail(path, Error::Io(e)),
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => return self.fail(path, Error::Io(e)),
        };
        let (users, groups) = self.names.get_or_insert_with(|| {
            (
                id_names("/etc/passwd", 2),
                // /etc/group: name:password:gid:members
                id_names("/etc/group", 2),
            )
        });
        let options = PushOptions {
            make_dirs: true,
            ownership: FileOwnership {
                permissions: Some(meta.mode() & 0o7777),
                user_id: Some(meta.uid()),
                user: users.get(&meta.uid()).cloned(),
                group_id: Some(meta.gid()),
                group: groups.get(&meta.gid()).cloned(),
            },
        };
        if let Err(e) = self.pebble.push(&dest, &mut file, &options) {
            self.fail(path, e);
        }
    }
}

/// Names by id from a passwd-style file (`name:x:id:...`, id in field `id_field`); the
/// first entry of an id wins, as with `getpwuid`. Empty if the file cannot be read.
fn id_names(file: &str, id_field: usize) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let text = fs::read_to_string(file).unwrap_or_default();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if line.starts_with('#') || fields.len() <= id_field || fields[0].is_empty() {
            continue;
        }
        if let Ok(id) = fields[id_field].parse::<u32>() {
            names.entry(id).or_insert_with(|| fields[0].to_string());
        }
    }
    names
}

// ---- pull --------------------------------------------------------------------------

fn pull_source<P: Pebble + ?Sized>(
    pebble: &P,
    source: &str,
    dest_dir: &Path,
    errors: &mut Vec<(String, Error)>,
) {
    let parent = |p: &str| match p.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
    };
    let (root, base) = match source.strip_suffix("/*") {
        Some(dir) => {
            let dir = if dir.is_empty() { "/" } else { dir };
            (dir.to_string(), dir.to_string())
        }
        None => (source.to_string(), parent(source.trim_end_matches('/'))),
    };
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        let entries = match pebble.list_files(&dir, None, false) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push((dir, e));
                continue;
            }
        };
        let mut subdirs = Vec::new();
        for info in entries {
            match pull_entry(pebble, &info, &dir, &base, dest_dir) {
                Ok(true) => subdirs.push(info.path),
                Ok(false) => {}
                Err(e) => errors.push((info.path, e)),
            }
        }
        // Depth first, in listing order.
        pending.extend(subdirs.into_iter().rev());
    }
}

/// Copies one listed entry; `Ok(true)` for a directory to list next.
fn pull_entry<P: Pebble + ?Sized>(
    pebble: &P,
    info: &FileInfo,
    listed: &str,
    base: &str,
    dest_dir: &Path,
) -> Result<bool> {
    let is_dir = info.type_ == FileType::Directory;
    if !matches!(info.type_, FileType::File | FileType::Symlink) && !is_dir {
        log::debug!("pull_path skips {} ({})", info.path, info.type_);
        return Ok(false);
    }
    // Listing a file gives the file itself; listing a directory gives what is inside it.
    let inside = |outer: &str| {
        info.path
            .strip_prefix(outer.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rest| !rest.is_empty())
    };
    let is_listed_file = info.path == listed && !is_dir;
    if !is_listed_file && inside(listed).is_none() {
        return Err(Error::Protocol(format!(
            "Pebble listed {:?} for {listed:?}",
            info.path
        )));
    }
    let rel = inside(base)
        .ok_or_else(|| Error::Protocol(format!("{:?} is not under {base:?}", info.path)))?;
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Error::Protocol(format!(
            "refusing to copy {:?} outside the destination",
            info.path
        )));
    }
    let dest = dest_dir.join(rel);
    if is_dir {
        fs::create_dir_all(&dest).map_err(Error::Io)?;
        return Ok(true);
    }
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(Error::Io)?;
    }
    let mut file = fs::File::create(&dest).map_err(Error::Io)?;
    pebble.pull(&info.path, &mut file)?;
    Ok(false)
}
