//! A tiny in-test `Backend`: config, action params, relation ids, storage and resources
//! from maps; statuses and action results recorded.

#![allow(dead_code)]

use ops::backend::*;
use ops::{ModelError, Status};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

/// What the fake answers and what it recorded.
#[derive(Default)]
pub struct FakeState {
    pub config: Map<String, Value>,
    pub action_params: Map<String, Value>,
    pub relations: BTreeMap<String, Vec<u64>>,
    pub storages: BTreeMap<String, Vec<String>>,
    pub resources: BTreeMap<String, PathBuf>,
    pub statuses: Vec<Status>,
    pub action_results: Vec<BTreeMap<String, String>>,
}

/// The fake; clones share their state, so a test keeps one to inspect.
#[derive(Clone, Default)]
pub struct Fake(pub Rc<RefCell<FakeState>>);

fn unsupported<T>(what: &str) -> Result<T, ModelError> {
    Err(ModelError::Other(format!(
        "fake backend: {what} unsupported"
    )))
}

impl Backend for Fake {
    fn juju_log(&self, _: LogLevel, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn config_get(&self) -> Result<Map<String, Value>, ModelError> {
        Ok(self.0.borrow().config.clone())
    }
    fn is_leader(&self) -> Result<bool, ModelError> {
        Ok(true)
    }
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        Ok(self
            .0
            .borrow()
            .relations
            .get(endpoint)
            .cloned()
            .unwrap_or_default())
    }
    fn relation_list(&self, _: u64) -> Result<Vec<String>, ModelError> {
        Ok(Vec::new())
    }
    fn relation_remote_app(&self, _: u64) -> Result<Option<String>, ModelError> {
        Ok(None)
    }
    fn relation_get(&self, _: u64, _: &str, _: bool) -> Result<Databag, ModelError> {
        Ok(Databag::new())
    }
    fn relation_set(&self, _: u64, _: &Databag, _: bool) -> Result<(), ModelError> {
        Ok(())
    }
    fn relation_model_uuid(&self, _: u64) -> Result<String, ModelError> {
        Ok(String::new())
    }
    fn status_get(&self, _: bool) -> Result<StatusInfo, ModelError> {
        unsupported("status-get")
    }
    fn status_set(&self, status: &Status, _: bool) -> Result<(), ModelError> {
        self.0.borrow_mut().statuses.push(status.clone());
        Ok(())
    }
    fn application_version_set(&self, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError> {
        self.0
            .borrow()
            .resources
            .get(name)
            .cloned()
            .ok_or_else(|| ModelError::Other(format!("no resource {name}")))
    }
    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError> {
        Ok(self
            .0
            .borrow()
            .storages
            .get(name)
            .cloned()
            .unwrap_or_default())
    }
    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError> {
        Ok(StorageInfo {
            kind: "filesystem".into(),
            location: PathBuf::from("/srv").join(id.replace('/', "-")),
        })
    }
    fn storage_add(&self, _: &str, _: u32) -> Result<(), ModelError> {
        Ok(())
    }
    fn action_get(&self) -> Result<Map<String, Value>, ModelError> {
        Ok(self.0.borrow().action_params.clone())
    }
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError> {
        self.0.borrow_mut().action_results.push(results.clone());
        Ok(())
    }
    fn action_log(&self, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn action_fail(&self, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn network_get(&self, _: &str, _: Option<u64>) -> Result<NetworkInfo, ModelError> {
        unsupported("network-get")
    }
    fn goal_state(&self) -> Result<GoalState, ModelError> {
        unsupported("goal-state")
    }
    fn secret_add(
        &self,
        _: &BTreeMap<String, String>,
        _: &SecretOptions,
        _: SecretOwner,
    ) -> Result<String, ModelError> {
        unsupported("secret-add")
    }
    fn secret_get(
        &self,
        _: SecretLookup<'_>,
        _: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError> {
        unsupported("secret-get")
    }
    fn secret_info_get(&self, _: SecretLookup<'_>) -> Result<SecretInfo, ModelError> {
        unsupported("secret-info-get")
    }
    fn secret_set(
        &self,
        _: &str,
        _: Option<&BTreeMap<String, String>>,
        _: &SecretOptions,
    ) -> Result<(), ModelError> {
        unsupported("secret-set")
    }
    fn secret_grant(&self, _: &str, _: u64, _: Option<&str>) -> Result<(), ModelError> {
        unsupported("secret-grant")
    }
    fn secret_revoke(&self, _: &str, _: u64, _: Option<&str>) -> Result<(), ModelError> {
        unsupported("secret-revoke")
    }
    fn secret_remove(&self, _: &str, _: Option<u64>) -> Result<(), ModelError> {
        unsupported("secret-remove")
    }
    fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        Ok(Vec::new())
    }
    fn open_port(&self, _: Port) -> Result<(), ModelError> {
        Ok(())
    }
    fn close_port(&self, _: Port) -> Result<(), ModelError> {
        Ok(())
    }
    fn opened_ports(&self) -> Result<Vec<Port>, ModelError> {
        Ok(Vec::new())
    }
    fn credential_get(&self) -> Result<CloudSpec, ModelError> {
        unsupported("credential-get")
    }
    fn juju_reboot(&self, _: bool) -> Result<(), ModelError> {
        Ok(())
    }
    fn planned_units(&self) -> Result<u32, ModelError> {
        Ok(1)
    }
    fn state_get(&self, _: &str) -> Result<Option<String>, ModelError> {
        Ok(None)
    }
    fn state_set(&self, _: &str, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn state_delete(&self, _: &str) -> Result<(), ModelError> {
        Ok(())
    }
    fn add_metrics(
        &self,
        _: &BTreeMap<String, f64>,
        _: &BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        Ok(())
    }
    fn pebble(&self, container: &str) -> Box<dyn ops::pebble::Pebble> {
        panic!("fake backend: no Pebble for {container} in these tests")
    }
}

/// A model for charm `C` over `fake`.
pub fn model<C: ops::Charm>(fake: &Fake) -> ops::Model<C> {
    let context = ops::JujuContext {
        unit_name: "test-app/0".into(),
        ..Default::default()
    };
    ops::Model::new(Box::new(fake.clone()), context)
}
