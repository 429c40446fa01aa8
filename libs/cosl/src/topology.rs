//! Juju topology: which model, application, unit and charm telemetry comes from (the
//! part of cosl's `JujuTopology` the COS libraries here use).

use crate::codec::py_dumps_object;
use ops::ModelCore;
use serde_json::Value;

/// Where this unit sits in Juju.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuTopology {
    /// The model's name.
    pub model: String,
    /// The model's UUID.
    pub model_uuid: String,
    /// The application's name.
    pub application: String,
    /// The unit's name (`app/0`).
    pub unit: String,
    /// The charm's name (from its metadata).
    pub charm_name: String,
}

impl JujuTopology {
    /// This unit's topology (cosl's `JujuTopology.from_charm`).
    pub fn from_model(model: &ModelCore) -> Self {
        JujuTopology {
            model: model.name().to_string(),
            model_uuid: model.uuid().to_string(),
            application: model.app().name().to_string(),
            unit: model.unit().name().to_string(),
            charm_name: model.meta().name.to_string(),
        }
    }

    /// `model_uuidprefix_application` with the UUID cut to 8 characters and `/` made
    /// `_` (cosl's `identifier`).
    pub fn identifier(&self) -> String {
        let uuid: String = self.model_uuid.chars().take(8).collect();
        format!("{}_{}_{}", self.model, uuid, self.application).replace('/', "_")
    }

    /// The `juju_model`, `juju_model_uuid`, `juju_application` and `juju_charm` labels
    /// (the non-empty ones), in that order: what rules are labelled with (cosl's
    /// `label_matcher_dict`).
    pub fn label_matcher_dict(&self) -> Vec<(String, String)> {
        [
            ("juju_model", &self.model),
            ("juju_model_uuid", &self.model_uuid),
            ("juju_application", &self.application),
            ("juju_charm", &self.charm_name),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }

    /// `json.dumps(topology.as_dict())`: `model`, `model_uuid`, `application`, `unit`,
    /// `charm_name`, in that order.
    pub fn as_dict_json(&self) -> String {
        let values = [
            ("model", Value::from(self.model.as_str())),
            ("model_uuid", Value::from(self.model_uuid.as_str())),
            ("application", Value::from(self.application.as_str())),
            ("unit", Value::from(self.unit.as_str())),
            ("charm_name", Value::from(self.charm_name.as_str())),
        ];
        py_dumps_object(values.iter().map(|(k, v)| (*k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology() -> JujuTopology {
        JujuTopology {
            model: "tutorial".into(),
            model_uuid: "00000000-0000-4000-8000-000000000000".into(),
            application: "fastapi-demo".into(),
            unit: "fastapi-demo/0".into(),
            charm_name: "fastapi-demo".into(),
        }
    }

    #[test]
    fn identifier_cuts_the_uuid() {
        assert_eq!(topology().identifier(), "tutorial_00000000_fastapi-demo");
    }

    #[test]
    fn as_dict_in_python_order() {
        assert_eq!(
            topology().as_dict_json(),
            "{\"model\": \"tutorial\", \"model_uuid\": \"00000000-0000-4000-8000-000000000000\", \
             \"application\": \"fastapi-demo\", \"unit\": \"fastapi-demo/0\", \
             \"charm_name\": \"fastapi-demo\"}"
        );
    }
}
