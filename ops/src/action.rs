//! Actions: the payload an action handler receives.

use crate::charm::ActionParams;
use crate::error::ModelError;
use crate::event::{EventData, FromEvent};
use crate::model::ModelCore;
use crate::values::ValueError;
use serde::Serialize;
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;

/// The action's params did not fit its schema.
#[derive(Debug, thiserror::Error)]
#[error("invalid parameters for action {action}: {error}")]
pub struct ActionParamsError {
    /// The action's name.
    pub action: String,
    /// What did not fit, naming the param.
    pub error: ValueError,
}

/// An action being run: its typed params, and the ways to answer the operator.
///
/// Actions cannot be deferred, so there is no `defer()`.
pub struct Action<'m, P> {
    model: &'m ModelCore,
    name: String,
    id: String,
    /// The params, read from `action-get` and checked against the action's schema.
    pub params: P,
    failed: Cell<bool>,
}

impl<P: std::fmt::Debug> std::fmt::Debug for Action<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("params", &self.params)
            .finish()
    }
}

impl<'m, P: ActionParams> FromEvent<'m> for Action<'m, P> {
    fn from_event(model: &'m ModelCore, event: &EventData) -> crate::Result<Self> {
        let name = event.name.clone().unwrap_or_default();
        let values = model.backend().action_get()?;
        let params = P::from_values(&values).map_err(|error| ActionParamsError {
            action: name.clone(),
            error,
        })?;
        Ok(Action {
            model,
            name,
            id: event.action_id.clone().unwrap_or_default(),
            params,
            failed: Cell::new(false),
        })
    }
}

impl<P> crate::event::Deferrable for Action<'_, P> {
    const CAN_DEFER: bool = false;
    fn is_deferred(&self) -> bool {
        false
    }
}

impl<'m, P> Action<'m, P> {
    /// The action's name (`get-db-info`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id Juju gave this run of the action (`JUJU_ACTION_UUID`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Adds results (`action-set`): `results` must serialise to a JSON object; nested
    /// objects are flattened to dotted keys (`{"db": {"host": "x"}}` → `db.host=x`),
    /// and values written as Python `ops` writes them (`str()`: strings as they are,
    /// `True`, `None`, `1.5`, `['a', 1]`), so `juju run` shows the same. Keys must be
    /// lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit.
    pub fn set_results(&self, results: impl Serialize) -> Result<(), ModelError> {
        let value = serde_json::to_value(results).map_err(|e| ModelError::Invalid {
            what: "action results",
            detail: e.to_string(),
        })?;
        let Value::Object(map) = value else {
            return Err(ModelError::Invalid {
                what: "action results",
                detail: "results must be a map of keys to values".into(),
            });
        };
        let mut flat = BTreeMap::new();
        flatten_results(&map, "", &mut flat)?;
        for key in flat.keys() {
            validate_result_key(key)?;
        }
        self.model.backend().action_set(&flat)
    }

    /// Logs `message` to the operator watching the action (`action-log`).
    pub fn log(&self, message: &str) -> Result<(), ModelError> {
        self.model.backend().action_log(message)
    }

    /// Fails the action with `message` (`action-fail`). The handler may go on (e.g. to
    /// set results); the runtime does not fail the action again if it then errors.
    pub fn fail(&self, message: &str) -> Result<(), ModelError> {
        self.failed.set(true);
        self.model.backend().action_fail(message)
    }

    /// Whether the handler called [`fail`](Self::fail): the dispatch reports it in its
    /// [`Outcome`](crate::charm::Outcome).
    pub fn is_failed(&self) -> bool {
        self.failed.get()
    }
}

/// Flattens nested objects into dotted keys.
pub(crate) fn flatten_results(
    map: &serde_json::Map<String, Value>,
    parent: &str,
    out: &mut BTreeMap<String, String>,
) -> Result<(), ModelError> {
    for (key, value) in map {
        let key = if parent.is_empty() {
            key.clone()
        } else {
            format!("{parent}.{key}")
        };
        let text = match value {
            Value::Object(inner) => {
                flatten_results(inner, &key, out)?;
                continue;
            }
            other => crate::hookcmds::python_str(other),
        };
        if out.insert(key.clone(), text).is_some() {
            return Err(ModelError::Invalid {
                what: "action result key",
                detail: format!("{key:?} is given twice (once nested, once dotted)"),
            });
        }
    }
    Ok(())
}

/// Juju's rule for result keys: `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$`.
pub(crate) fn validate_result_key(key: &str) -> Result<(), ModelError> {
    let bytes = key.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = match bytes {
        [] => false,
        [only] => edge(*only),
        [first, middle @ .., last] => {
            edge(*first) && edge(*last) && middle.iter().all(|&b| edge(b) || b == b'-' || b == b'.')
        }
    };
    if ok {
        Ok(())
    } else {
        Err(ModelError::Invalid {
            what: "action result key",
            detail: format!(
                "{key:?}: keys are lowercase letters, digits, '-' and '.', starting and \
                 ending with a letter or digit"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_nested_results() {
        let mut out = BTreeMap::new();
        let map = json!({"db": {"host": "h", "port": 5432, "tls": {"on": true}}, "n": null, "list": [1, 2]});
        flatten_results(map.as_object().unwrap(), "", &mut out).unwrap();
        let got: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("db.host", "h"),
                ("db.port", "5432"),
                ("db.tls.on", "True"),
                ("list", "[1, 2]"),
                ("n", "None")
            ]
        );
    }

    #[test]
    fn duplicate_flattened_keys_are_refused() {
        let mut out = BTreeMap::new();
        let map = json!({"a": {"b": 1}, "a.b": 2});
        let err = flatten_results(map.as_object().unwrap(), "", &mut out).unwrap_err();
        assert!(err.to_string().contains("\"a.b\" is given twice"), "{err}");
    }

    #[test]
    fn result_keys_follow_jujus_rule() {
        for good in ["a", "0", "db-host", "db.host", "a1.b-2.c"] {
            validate_result_key(good).unwrap();
        }
        for bad in ["", "A", "-a", "a-", "a.", "a_b", "a b", "é"] {
            assert!(validate_result_key(bad).is_err(), "{bad:?}");
        }
    }
}
