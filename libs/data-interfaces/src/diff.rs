//! What changed in the other side's databag since this side last looked.

use charmlib_cosl::codec::py_dumps;
use ops::{Member, ModelError, Relation};
use std::collections::{BTreeMap, BTreeSet};

/// The key under which each side keeps its copy of the other side's databag.
const DATA_KEY: &str = "data";

/// Which keys of the remote application's databag changed since the last look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Keys that were not there before.
    pub added: BTreeSet<String>,
    /// Keys whose value changed.
    pub changed: BTreeSet<String>,
    /// Keys that are gone.
    pub deleted: BTreeSet<String>,
}

impl Diff {
    /// Whether `key` was added or changed.
    pub fn touches(&self, key: &str) -> bool {
        self.added.contains(key) || self.changed.contains(key)
    }
}

/// Compares the remote application's databag of `relation` with the copy kept under
/// `data` in `bucket` (this unit's or this application's databag), and stores the new
/// copy there (the Python library's `diff`). A copy this library did not write counts
/// as no copy.
pub(crate) fn diff(relation: &Relation<'_>, bucket: Member<'_>) -> Result<Diff, ModelError> {
    let old: BTreeMap<String, String> = match relation.get(bucket, DATA_KEY)? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let mut new = if relation.remote_app()?.is_some() {
        relation.data(Member::RemoteApp)?
    } else {
        BTreeMap::new()
    };
    new.remove(DATA_KEY);
    let diff = Diff {
        added: new
            .keys()
            .filter(|k| !old.contains_key(*k))
            .cloned()
            .collect(),
        changed: new
            .iter()
            .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
            .map(|(k, _)| k.clone())
            .collect(),
        deleted: old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect(),
    };
    let copy = new
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    relation.set(bucket, DATA_KEY, py_dumps(&serde_json::Value::Object(copy)))?;
    Ok(diff)
}
