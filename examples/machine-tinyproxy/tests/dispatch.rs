//! The `dispatch` script Juju runs: it execs the charm binary from the charm directory with
//! `JUJU_DISPATCH_PATH` set (kept if Juju set it, else the path the script was run as).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const BINARY: &str = "machine-tinyproxy";

/// A charm directory in the temp dir: the real `dispatch`, a stand-in binary that prints
/// what it got, and `hooks/install` linking to `dispatch` as in charms with legacy hooks.
fn charm_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{BINARY}-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("hooks")).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("dispatch");
    std::fs::copy(&source, dir.join("dispatch")).unwrap();
    let stub = dir.join(BINARY);
    std::fs::write(
        &stub,
        "#!/bin/sh\necho \"path=$JUJU_DISPATCH_PATH args=$# parent=$PPID\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("../dispatch", dir.join("hooks/install")).unwrap();
    dir
}

fn run(dir: &Path, program: &str, dispatch_path: Option<&str>) -> String {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).env_remove("JUJU_DISPATCH_PATH");
    if let Some(path) = dispatch_path {
        cmd.env("JUJU_DISPATCH_PATH", path);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn dispatch_is_executable_and_a_posix_shell_script() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("dispatch");
    let mode = std::fs::metadata(&source).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "mode {mode:o}");
    let text = std::fs::read_to_string(source).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"), "{text}");
}

#[test]
fn dispatch_execs_the_binary_with_the_dispatch_path() {
    let dir = charm_dir("dispatch");
    // Juju (2.8+) sets JUJU_DISPATCH_PATH: it is passed on as it is.
    // The binary replaces the script (exec): its parent is this test, not a shell.
    let me = std::process::id();
    let out = run(&dir, "./dispatch", Some("hooks/config-changed"));
    assert_eq!(
        out,
        format!("path=hooks/config-changed args=0 parent={me}\n")
    );
    // Without it, the path the script was run as names the event.
    let out = run(&dir, "./hooks/install", None);
    assert_eq!(out, format!("path=./hooks/install args=0 parent={me}\n"));
    std::fs::remove_dir_all(dir).unwrap();
}
