//! `push_path` and `pull_path` (recursive copies) between a local temporary tree and the
//! Pebble stand-in's file system.

use ops_pebble_stand_in as common;

use common::FakePebble;
use ops_pebble::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

/// A local temporary directory, removed on drop.
struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Tmp {
        let dir = std::env::temp_dir().join(format!(
            "ops-pebble-paths-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Tmp(dir)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn write(&self, rel: &str, data: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A local tree: src/{a.txt, link → a.txt, sub/b.txt, sub/deeper/c.txt, empty/, sock}.
fn local_tree() -> (Tmp, std::os::unix::net::UnixListener) {
    let t = Tmp::new();
    t.write("src/a.txt", "A");
    t.write("src/sub/b.txt", "BB");
    t.write("src/sub/deeper/c.txt", "C");
    fs::create_dir_all(t.path("src/empty")).unwrap();
    symlink(t.path("src/a.txt"), t.path("src/link")).unwrap();
    fs::set_permissions(t.path("src/sub/b.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    // A socket: neither file nor directory, so skipped.
    let sock = std::os::unix::net::UnixListener::bind(t.path("src/sock")).unwrap();
    (t, sock)
}

fn remote_files(p: &FakePebble) -> BTreeMap<String, String> {
    p.state
        .lock()
        .unwrap()
        .container
        .files
        .iter()
        .filter_map(|(k, v)| {
            let content = v.content.as_ref()?;
            Some((k.clone(), String::from_utf8_lossy(content).into_owned()))
        })
        .collect()
}

fn remote_dirs(p: &FakePebble) -> Vec<String> {
    let s = p.state.lock().unwrap();
    let dirs = s.container.files.iter().filter(|(_, v)| v.is_dir());
    std::iter::once("/".to_string())
        .chain(dirs.map(|(k, _)| k.clone()))
        .collect()
}

fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn failures(err: Error) -> Vec<(String, Error)> {
    match err {
        Error::PushPull(e) => e.errors,
        other => panic!("expected a push/pull error, got {other:?}"),
    }
}

#[test]
fn push_path_copies_a_directory_under_its_name_with_local_modes_and_owners() {
    let (t, _sock) = local_tree();
    let p = FakePebble::start();
    let c = p.client();
    push_path(&c, [t.path("src")], "/dst").unwrap();
    assert_eq!(
        remote_files(&p),
        files(&[
            ("/dst/src/a.txt", "A"),
            ("/dst/src/link", "A"),
            ("/dst/src/sub/b.txt", "BB"),
            ("/dst/src/sub/deeper/c.txt", "C"),
        ])
    );
    assert!(remote_dirs(&p).contains(&"/dst/src/empty".to_string()));
    assert!(!remote_dirs(&p).iter().any(|d| d.ends_with("sock")));

    let push = p
        .requests()
        .into_iter()
        .find(|r| r.body["files"][0]["path"] == json!("/dst/src/sub/b.txt"))
        .unwrap();
    let meta = fs::metadata(t.path("src/sub/b.txt")).unwrap();
    let info = &push.body["files"][0];
    assert_eq!(info["permissions"], json!("640"));
    assert_eq!(info["make-dirs"], json!(true));
    assert_eq!(info["user-id"], json!(meta.uid()));
    assert_eq!(info["group-id"], json!(meta.gid()));
    if meta.uid() == 0 {
        assert_eq!(info["user"], json!("root"), "names looked up locally");
    }
    // Directories are created with make-parents, without ownership.
    let mkdir = p
        .requests()
        .into_iter()
        .find(|r| r.body["action"] == json!("make-dirs"))
        .unwrap();
    assert_eq!(
        mkdir.body,
        json!({"action": "make-dirs", "dirs": [{"path": "/dst/src/empty", "make-parents": true}]})
    );
}

#[test]
fn push_path_contents_and_several_sources() {
    let (t, _sock) = local_tree();
    let p = FakePebble::start();
    let c = p.client();
    push_path(&c, [t.path("src/sub/*")], "/contents/").unwrap();
    push_path(&c, [t.path("src/sub/b.txt"), t.path("src/a.txt")], "/many").unwrap();
    push_path(&c, [t.path("src/sub/deeper")], "/").unwrap();
    assert_eq!(
        remote_files(&p),
        files(&[
            ("/contents/b.txt", "BB"),
            ("/contents/deeper/c.txt", "C"),
            ("/deeper/c.txt", "C"),
            ("/many/a.txt", "A"),
            ("/many/b.txt", "BB"),
        ])
    );
}

#[test]
fn push_path_goes_on_after_failures_and_lists_each() {
    let (t, _sock) = local_tree();
    symlink(t.path("src/sub"), t.path("src/dirlink")).unwrap();
    let p = FakePebble::start();
    let c = p.client();
    let missing = t.path("missing.txt");
    let err = push_path(&c, [missing.clone(), t.path("src")], "/dst").unwrap_err();
    let text = err.to_string();
    let errors = failures(err);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    let dirlink = t.path("src/dirlink");
    assert_eq!(
        paths,
        [missing.to_str().unwrap(), dirlink.to_str().unwrap()]
    );
    assert!(matches!(&errors[0].1, Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
    assert!(
        text.starts_with("failed to push one or more files (2 errors): "),
        "{text}"
    );
    assert!(text.contains(dirlink.to_str().unwrap()), "{text}");
    // Everything else was copied.
    assert_eq!(remote_files(&p).len(), 4);
    assert!(matches!(
        push_path(&c, [t.path("src/a.txt/*")], "/x"),
        Err(Error::PushPull(_))
    ));
}

/// A remote tree: /srv/app/{top, conf/x.conf, data/y, emptydir/}.
fn remote_tree(c: &Client) {
    let opts = PushOptions {
        make_dirs: true,
        ..Default::default()
    };
    c.push("/srv/app/top", &mut &b"T"[..], &opts).unwrap();
    c.push("/srv/app/conf/x.conf", &mut &b"X"[..], &opts)
        .unwrap();
    c.push("/srv/app/data/y", &mut &b"Y"[..], &opts).unwrap();
    let mkdir = MakeDirOptions {
        make_parents: true,
        ..Default::default()
    };
    c.make_dir("/srv/app/emptydir", &mkdir).unwrap();
}

#[test]
fn pull_path_copies_directories_contents_and_files() {
    let p = FakePebble::start();
    let c = p.client();
    remote_tree(&c);
    let t = Tmp::new();
    pull_path(&c, ["/srv/app"], t.path("whole")).unwrap();
    assert_eq!(t.read("whole/app/top"), "T");
    assert_eq!(t.read("whole/app/conf/x.conf"), "X");
    assert_eq!(t.read("whole/app/data/y"), "Y");
    assert!(t.path("whole/app/emptydir").is_dir());

    pull_path(&c, ["/srv/app/*"], t.path("contents")).unwrap();
    assert_eq!(t.read("contents/top"), "T");
    assert_eq!(t.read("contents/conf/x.conf"), "X");
    assert!(!t.path("contents/app").exists());

    pull_path(
        &c,
        ["/srv/app/top", "/srv/app/conf/x.conf"],
        t.path("files"),
    )
    .unwrap();
    let mut names: Vec<String> = fs::read_dir(t.path("files"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["top", "x.conf"]);
    // Each file is read with action=read, each directory listed once.
    let lists: Vec<String> = p
        .requests()
        .iter()
        .filter(|r| r.query.contains(&("action".into(), "list".into())))
        .map(|r| r.query[1].1.clone())
        .take(4)
        .collect();
    assert_eq!(
        lists,
        [
            "/srv/app",
            "/srv/app/conf",
            "/srv/app/data",
            "/srv/app/emptydir"
        ]
    );
}

#[test]
fn pull_path_goes_on_after_failures_and_lists_each() {
    let p = FakePebble::start();
    let c = p.client();
    remote_tree(&c);
    let t = Tmp::new();
    // A local file where a directory must go.
    t.write("out/app/conf", "in the way");
    let err = pull_path(&c, ["/nope", "/srv/app"], t.path("out")).unwrap_err();
    let errors = failures(err);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/nope", "/srv/app/conf"]);
    assert!(errors[0].1.is_not_found(), "{:?}", errors[0].1);
    assert_eq!(t.read("out/app/top"), "T");
    assert_eq!(t.read("out/app/data/y"), "Y");
}

#[test]
fn pull_path_refuses_entries_pebble_should_not_list() {
    let p = FakePebble::start();
    let c = p.client();
    remote_tree(&c);
    let entry = |path: &str, kind: &str| {
        json!({"path": path, "name": "x", "type": kind, "permissions": "644",
               "last-modified": "2024-01-01T00:00:00Z"})
    };
    {
        let mut s = p.state.lock().unwrap();
        // A directory listing itself (would recurse forever), an entry outside it, and
        // one escaping the destination.
        s.list_override.insert(
            "/srv/app".into(),
            json!([
                entry("/srv/app", "directory"),
                entry("/etc/passwd", "file"),
                entry("/srv/app/../../etc", "directory"),
                entry("/srv/app/top", "file"),
                entry("/srv/app/dev", "device"),
            ]),
        );
    }
    let t = Tmp::new();
    let errors = failures(pull_path(&c, ["/srv/app/*"], t.path("a/b/out")).unwrap_err());
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/srv/app", "/etc/passwd", "/srv/app/../../etc"]);
    assert!(errors.iter().all(|(_, e)| matches!(e, Error::Protocol(_))));
    assert_eq!(t.read("a/b/out/top"), "T");
    assert!(
        !t.path("a/etc").exists(),
        "nothing written outside the destination"
    );
    assert!(!t.path("a/b/out/passwd").exists() && !t.path("a/b/out/dev").exists());
}
