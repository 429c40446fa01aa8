//! For the `libs/` crates' tests that compare a ported library with its Python
//! original: finds the interpreter of the pinned references (`.venv-refs/bin/python` at
//! the workspace root, built by `bash .ci/python-refs.sh`, or `$OPS_PYTHON_REFS`), runs
//! a script with JSON on its standard input, and parses the JSON it prints last.
//!
//! Without the interpreter a test skips with one `SKIP:` line, except under `CI=true`,
//! where it fails.

#![deny(missing_docs)]

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The references' interpreter, or `None` after printing why the test skips. Panics
/// under `CI=true` when it is missing: CI must compare.
pub fn python(what: &str) -> Option<PathBuf> {
    let path = std::env::var_os("OPS_PYTHON_REFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-refs/bin/python")
        });
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{what}: {} is missing under CI=true (run bash .ci/python-refs.sh)",
            path.display()
        );
    }
    eprintln!("SKIP: {what} (run bash .ci/python-refs.sh to compare with the Python library)");
    None
}

/// Runs `script` with `python`, `input` on its standard input; the last line it prints
/// is its answer, as JSON. Panics with the script's output if it fails: this is for
/// tests.
pub fn run(python: &PathBuf, script: &str, input: &Value) -> Value {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python references");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the input");
    let out = child.wait_with_output().expect("run the Python script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Python script failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}
