//! Files: push and pull, large files, list with a pattern, make_dir with parents, remove
//! recursive, permissions and ownership, and the error kinds for missing paths.

use crate::start;
use ops_pebble::{Error, FileOwnership, FileType, MakeDirOptions, Pebble, PushOptions};
use std::io::Read;

fn push_bytes(client: &dyn Pebble, path: &str, data: &[u8], options: &PushOptions) {
    client
        .push(path, &mut &data[..], options)
        .unwrap_or_else(|e| panic!("push {path}: {e}"));
}

fn pull_bytes(client: &dyn Pebble, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    client
        .pull(path, &mut out)
        .unwrap_or_else(|e| panic!("pull {path}: {e}"));
    out
}

fn path_kind(err: &Error) -> (&str, &str) {
    match err {
        Error::Path { kind, message } => (kind, message),
        Error::Api(api) => (api.kind.as_deref().unwrap_or(""), &api.message),
        other => panic!("expected a path error, got {other:?}"),
    }
}

/// A generator of `len` bytes that are not a repeating block (so a dropped or repeated
/// chunk shows), produced as it is read.
struct Pattern {
    left: u64,
    state: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            self.state = self
                .state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (self.state >> 33) as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn push_pull_permissions_and_ownership() {
    let pebble = start!("push_pull_permissions_and_ownership");
    let client = pebble.client();
    let root = pebble.scratch();
    let path = format!("{}/a.txt", root.display());
    let private = PushOptions {
        ownership: FileOwnership {
            permissions: Some(0o600),
            user: Some("root".into()),
            group: Some("root".into()),
            ..FileOwnership::default()
        },
        ..PushOptions::default()
    };
    push_bytes(&client, &path, b"hello\n", &private);
    assert_eq!(pull_bytes(&client, &path), b"hello\n");
    let info = &client.list_files(&path, None, true).unwrap()[0];
    assert_eq!(info.path, path);
    assert_eq!(info.name, "a.txt");
    assert_eq!(info.type_, FileType::File);
    assert_eq!(info.size, Some(6));
    assert_eq!(info.permissions, "600");
    assert_eq!(info.mode(), Some(0o600));
    assert_eq!(
        (info.user_id, info.user.as_deref()),
        (Some(0), Some("root"))
    );
    assert_eq!(
        (info.group_id, info.group.as_deref()),
        (Some(0), Some("root"))
    );
    // The host sees the same file.
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );

    // Overwriting keeps the new content; without permissions the default is 644.
    push_bytes(&client, &path, b"bye", &PushOptions::default());
    assert_eq!(pull_bytes(&client, &path), b"bye");
    assert_eq!(
        client.list_files(&path, None, true).unwrap()[0].permissions,
        "644"
    );

    // Empty files and awkward names.
    let odd = format!("{}/with space & ü.bin", root.display());
    push_bytes(&client, &odd, b"", &PushOptions::default());
    assert_eq!(pull_bytes(&client, &odd), b"");

    // A user that does not exist is an error of the push.
    let err = client
        .push(
            &path,
            &mut &b"x"[..],
            &PushOptions {
                ownership: FileOwnership {
                    user: Some("no-such-user-ops".into()),
                    ..FileOwnership::default()
                },
                ..PushOptions::default()
            },
        )
        .unwrap_err();
    let (kind, message) = path_kind(&err);
    assert_eq!(kind, "generic-file-error", "{err:?}");
    assert!(message.contains("no-such-user-ops"), "{message}");
}

#[test]
fn large_files_stream_both_ways() {
    let pebble = start!("large_files_stream_both_ways");
    let client = pebble.client();
    let path = format!("{}/big.bin", pebble.scratch().display());
    const LEN: u64 = 48 * 1024 * 1024 + 7;
    client
        .push(
            &path,
            &mut Pattern {
                left: LEN,
                state: 1,
            },
            &PushOptions::default(),
        )
        .unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), LEN);
    // Pull into a checker that compares with the same pattern as it goes.
    struct Compare {
        expected: Pattern,
        seen: u64,
    }
    impl std::io::Write for Compare {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut want = vec![0u8; buf.len()];
            self.expected.read_exact(&mut want)?;
            assert!(want == buf, "content differs near byte {}", self.seen);
            self.seen += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut compare = Compare {
        expected: Pattern {
            left: LEN,
            state: 1,
        },
        seen: 0,
    };
    assert_eq!(client.pull(&path, &mut compare).unwrap(), LEN);
    assert_eq!(compare.seen, LEN);
}

#[test]
fn list_make_dir_and_remove() {
    let pebble = start!("list_make_dir_and_remove");
    let client = pebble.client();
    let root = pebble.scratch().display().to_string();
    // make_dir with parents, and its permissions.
    let deep = format!("{root}/a/b/c");
    let options = MakeDirOptions {
        make_parents: true,
        ownership: FileOwnership {
            permissions: Some(0o750),
            ..FileOwnership::default()
        },
    };
    client.make_dir(&deep, &options).unwrap();
    let info = &client.list_files(&deep, None, true).unwrap()[0];
    assert_eq!(info.type_, FileType::Directory);
    assert_eq!(info.permissions, "750");
    assert_eq!(info.size, None);
    // With parents, an existing directory is fine; without, it is an error.
    client.make_dir(&deep, &options).unwrap();
    let err = client
        .make_dir(&deep, &MakeDirOptions::default())
        .unwrap_err();
    let (kind, message) = path_kind(&err);
    assert_eq!(kind, "generic-file-error");
    assert_eq!(message, format!("mkdir {deep}: file exists"));
    // Without parents, a missing parent is not-found.
    let orphan = format!("{root}/x/y");
    let err = client
        .make_dir(&orphan, &MakeDirOptions::default())
        .unwrap_err();
    // (Pebble makes the directory under a temporary name, then renames it.)
    let message = format!("mkdir {orphan}.mkdir-new: no such file or directory");
    assert_eq!(path_kind(&err), ("not-found", message.as_str()));

    for name in ["one.txt", "two.txt", "three.log"] {
        let p = format!("{root}/a/{name}");
        client
            .push(&p, &mut &b"x"[..], &PushOptions::default())
            .unwrap();
    }
    let names = |pattern: Option<&str>| -> Vec<String> {
        let mut infos = client
            .list_files(&format!("{root}/a"), pattern, false)
            .unwrap();
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        infos.into_iter().map(|i| i.name).collect()
    };
    assert_eq!(names(None), ["b", "one.txt", "three.log", "two.txt"]);
    assert_eq!(names(Some("*.txt")), ["one.txt", "two.txt"]);
    assert_eq!(names(Some("t??.*")), ["two.txt"]);
    assert!(names(Some("*.none")).is_empty());
    // A bad pattern is an error.
    let err = client
        .list_files(&format!("{root}/a"), Some("["), false)
        .unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    // Listing a file lists it; listing a missing path is not-found.
    let one = format!("{root}/a/one.txt");
    assert_eq!(
        client.list_files(&one, None, false).unwrap()[0].name,
        "one.txt"
    );
    let err = client
        .list_files(&format!("{root}/nope"), None, false)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        path_kind(&err),
        (
            "not-found",
            format!("stat {root}/nope: no such file or directory").as_str()
        )
    );

    // Remove: a non-empty directory needs recursive.
    let a = format!("{root}/a");
    let err = client.remove_path(&a, false).unwrap_err();
    let (kind, message) = path_kind(&err);
    assert_eq!(kind, "generic-file-error", "{err:?}");
    assert_eq!(message, format!("remove {a}: directory not empty"));
    client.remove_path(&a, true).unwrap();
    assert!(!std::path::Path::new(&a).exists());
    // A missing path: not-found without recursive, fine with it.
    let err = client.remove_path(&a, false).unwrap_err();
    assert_eq!(
        path_kind(&err),
        (
            "not-found",
            format!("remove {a}: no such file or directory").as_str()
        )
    );
    client.remove_path(&a, true).unwrap();
}

#[test]
fn missing_paths_and_relative_paths_are_errors() {
    let pebble = start!("missing_paths_and_relative_paths_are_errors");
    let client = pebble.client();
    let root = pebble.scratch().display().to_string();
    let missing = format!("{root}/nope.txt");
    let err = client.pull(&missing, &mut Vec::new()).unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        path_kind(&err),
        (
            "not-found",
            format!("stat {missing}: no such file or directory").as_str()
        )
    );
    // Pushing into a missing directory: not-found, unless make_dirs.
    let nested = format!("{root}/new/dir/f.txt");
    let err = client
        .push(&nested, &mut &b"x"[..], &PushOptions::default())
        .unwrap_err();
    assert_eq!(path_kind(&err).0, "not-found", "{err:?}");
    let make = PushOptions {
        make_dirs: true,
        ownership: FileOwnership {
            permissions: Some(0o600),
            ..FileOwnership::default()
        },
    };
    client.push(&nested, &mut &b"x"[..], &make).unwrap();
    assert_eq!(pull_bytes(&client, &nested), b"x");
    // The parents made get mode 755, not the file's permissions.
    let parent = format!("{root}/new/dir");
    assert_eq!(
        client.list_files(&parent, None, true).unwrap()[0].permissions,
        "755"
    );
    assert_eq!(
        client.list_files(&nested, None, true).unwrap()[0].permissions,
        "600"
    );
    // Pulling a directory is an error.
    let err = client.pull(&root, &mut Vec::new()).unwrap_err();
    assert_eq!(path_kind(&err).0, "generic-file-error", "{err:?}");
    // Relative paths are refused.
    let err = client.pull("relative.txt", &mut Vec::new()).unwrap_err();
    let (_, message) = path_kind(&err);
    assert!(message.contains("must be absolute"), "{err:?}");
    let err = client.list_files("relative", None, false).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err:?}");
}
