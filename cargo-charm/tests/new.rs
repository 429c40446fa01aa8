//! `cargo charm new` end to end: the new crate (pointed at this workspace's `juju-ops` by
//! path) passes its own tests right after creation, and `cargo fmt --check`, for both
//! kinds of charm.
//!
//! The new crates build in `target/cargo-charm-test` (shared by both, and kept between
//! runs), with this workspace's `Cargo.lock`, offline: the same dependency versions.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn new_charm_passes_its_tests(kind: &str, name: &str) {
    let root = std::env::temp_dir().join(format!("cargo-charm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "new", name, kind, "--ops-path"])
        .arg(workspace().join("ops"))
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&dir)
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/cargo-charm-test"),
        )
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo test of the new {kind} charm failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 passed"), "{stdout}");
    // The new crate is already as rustfmt would have it.
    let out = Command::new(env!("CARGO"))
        .args(["fmt", "--check"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the new {kind} charm is not rustfmt-clean:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_new_k8s_charm_passes_its_tests() {
    new_charm_passes_its_tests("--k8s", "hello-k8s");
}

#[test]
fn a_new_machine_charm_passes_its_tests() {
    new_charm_passes_its_tests("--machine", "hello-machine");
}
