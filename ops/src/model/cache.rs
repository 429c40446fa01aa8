//! What the model remembers for the length of one hook: Juju's answers that cannot change
//! while the hook runs, and the relation writes waiting to be flushed.

use crate::backend::{Databag, NetworkInfo};
use std::collections::{BTreeMap, HashMap};

/// One relation databag: a relation, and the unit or application whose bag it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct BagKey {
    pub relation_id: u64,
    /// The unit or application name.
    pub member: String,
    /// Whether `member` is an application.
    pub app: bool,
    /// The relation's endpoint (named to Juju as `ENDPOINT:ID`).
    pub endpoint: String,
}

/// The per-hook cache, kept in `ModelCore` behind a `RefCell`. Never borrowed across a
/// backend call.
#[derive(Default)]
pub(crate) struct Cache {
    /// `config-get`: Juju's config cannot change while a hook runs.
    pub config: Option<serde_json::Map<String, serde_json::Value>>,
    /// `is-leader`'s answer and when it was asked (the time taken before the call).
    pub leader: Option<(bool, std::time::Instant)>,
    /// `relation-ids` per endpoint.
    pub relation_ids: HashMap<String, Vec<u64>>,
    /// `relation-list` per relation; `None` when the relation is gone.
    pub relation_units: HashMap<u64, Option<Vec<String>>>,
    /// The remote application per relation, however it was found.
    pub remote_apps: HashMap<u64, Option<String>>,
    /// `relation-model-get` per relation.
    pub remote_models: HashMap<u64, String>,
    /// Databags read with `relation-get`.
    pub databags: HashMap<BagKey, Databag>,
    /// Writes not yet sent: per databag, key → value (`""` deletes).
    pub pending: BTreeMap<BagKey, Databag>,
    /// Secret content of the tracked (or refreshed) revision, per secret key.
    pub secrets: HashMap<String, BTreeMap<String, String>>,
    /// `network-get` per binding and relation id.
    pub networks: HashMap<(String, Option<u64>), NetworkInfo>,
    /// This unit's status, as read with `status-get` or last set.
    pub unit_status: Option<crate::status::Status>,
    /// This application's status, as read with `status-get` or last set (leader only).
    pub app_status: Option<crate::status::Status>,
    /// `juju-reboot --now` was called.
    pub reboot_now: bool,
}
