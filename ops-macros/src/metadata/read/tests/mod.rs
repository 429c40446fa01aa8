//! Tests of the metadata reader: every modelled key, both layouts, error positions and
//! the real-charm corpus.
//!
//! This module holds the shared helpers; the tests are in one module per area.

use super::super::*;
use super::{load, parse_str, MetadataError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

mod actions;
mod charm_meta_keys;
mod config;
mod corpus;
mod errors;
mod files_and_layouts;
mod garbage_in;
mod top_level_keys;

/// A fresh, empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ops-macros-metadata-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn parse(text: &str) -> Metadata {
    match parse_str(text, Path::new("charmcraft.yaml")) {
        Ok(m) => m,
        Err(e) => panic!("unexpected error: {}", e.message),
    }
}

fn parse_err(text: &str) -> MetadataError {
    match parse_str(text, Path::new("charmcraft.yaml")) {
        Ok(m) => panic!("expected an error, got {m:#?}"),
        Err(e) => e,
    }
}

fn config(text: &str) -> Vec<ConfigOption> {
    parse(&format!("name: c\nconfig:\n  options:\n{text}")).config
}

fn action(text: &str) -> Action {
    let mut actions = parse(&format!("name: c\nactions:\n  act:\n{text}")).actions;
    assert_eq!(actions.len(), 1);
    actions.remove(0)
}

fn schema(param: &Param) -> &Schema {
    &param.schema
}
