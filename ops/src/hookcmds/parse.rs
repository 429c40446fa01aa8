//! The JSON shapes hook tools print, and their conversion into the backend's types.
//! Anything else becomes [`ModelError::Output`] naming the tool.

use crate::backend::{
    BindAddress, CloudCredential, CloudSpec, GoalState, GoalStatus, InterfaceAddress, NetworkInfo,
    SecretInfo, StatusInfo,
};
use crate::error::ModelError;
use crate::status::{Status, StatusName};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

fn output(tool: &str, detail: impl Into<String>) -> ModelError {
    ModelError::Output {
        tool: tool.to_string(),
        detail: detail.into(),
    }
}

/// Parses `text` as `T`; an empty output reads as JSON `null`.
pub(super) fn json<T: serde::de::DeserializeOwned>(
    tool: &str,
    text: &str,
) -> Result<T, ModelError> {
    let text = text.trim();
    let text = if text.is_empty() { "null" } else { text };
    // The error names the field and the expected type, never the value (secret-get).
    crate::values::decode_str(text).map_err(|e| output(tool, e.to_string()))
}

/// `db:12` (or `12`) → 12.
pub(super) fn relation_id(tool: &str, text: &str) -> Result<u64, ModelError> {
    text.rsplit(':')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| output(tool, format!("{text:?} is not a relation id")))
}

#[derive(Deserialize)]
pub(super) struct RelationModel {
    pub uuid: String,
}

#[derive(Deserialize)]
pub(super) struct Storage {
    pub kind: String,
    pub location: String,
}

#[derive(Deserialize)]
struct RawStatus {
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    units: BTreeMap<String, RawStatus>,
}

fn status_of(tool: &str, raw: &RawStatus) -> Result<Status, ModelError> {
    let name = StatusName::parse(&raw.status)
        .ok_or_else(|| output(tool, format!("unknown status {:?}", raw.status)))?;
    Ok(Status::new(name, raw.message.clone()))
}

/// `status-get`: the unit's `{status, message, status-data}`, or the application's
/// `{application-status: {..., units: {...}}}` (units also accepted at the top level).
pub(super) fn status(tool: &str, value: &Value, app: bool) -> Result<StatusInfo, ModelError> {
    let bad = |e: serde_json::Error| output(tool, e.to_string());
    if !app {
        let raw = RawStatus::deserialize(value).map_err(bad)?;
        return Ok(StatusInfo {
            status: status_of(tool, &raw)?,
            units: BTreeMap::new(),
        });
    }
    let app_value = value
        .get("application-status")
        .ok_or_else(|| output(tool, "no application-status"))?;
    let raw = RawStatus::deserialize(app_value).map_err(bad)?;
    let mut units = BTreeMap::new();
    let top_units: BTreeMap<String, RawStatus> = match value.get("units") {
        Some(v) => BTreeMap::deserialize(v).map_err(bad)?,
        None => BTreeMap::new(),
    };
    for (name, unit) in raw.units.iter().chain(top_units.iter()) {
        units.insert(name.clone(), status_of(tool, unit)?);
    }
    Ok(StatusInfo {
        status: status_of(tool, &raw)?,
        units,
    })
}

#[derive(Deserialize)]
struct RawAddress {
    #[serde(default)]
    value: Option<String>,
    /// Juju before 2.9.
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    cidr: Option<String>,
}

#[derive(Deserialize)]
struct RawBind {
    #[serde(default, rename = "interface-name")]
    interface_name: String,
    #[serde(default, rename = "mac-address")]
    mac_address: Option<String>,
    #[serde(default)]
    addresses: Vec<RawAddress>,
}

#[derive(Deserialize)]
pub(super) struct Network {
    #[serde(default, rename = "bind-addresses")]
    bind_addresses: Vec<RawBind>,
    #[serde(default, rename = "ingress-addresses")]
    ingress_addresses: Vec<String>,
    #[serde(default, rename = "egress-subnets")]
    egress_subnets: Vec<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl Network {
    pub(super) fn into_info(self) -> NetworkInfo {
        NetworkInfo {
            bind_addresses: self
                .bind_addresses
                .into_iter()
                .map(|b| BindAddress {
                    interface_name: b.interface_name,
                    mac_address: non_empty(b.mac_address),
                    addresses: b
                        .addresses
                        .into_iter()
                        .filter_map(|a| {
                            Some(InterfaceAddress {
                                value: non_empty(a.value).or(non_empty(a.address))?,
                                cidr: non_empty(a.cidr),
                            })
                        })
                        .collect(),
                })
                .collect(),
            ingress_addresses: self.ingress_addresses,
            egress_subnets: self.egress_subnets,
        }
    }
}

#[derive(Deserialize)]
struct RawGoalStatus {
    status: String,
    #[serde(default)]
    since: Option<String>,
}

impl From<RawGoalStatus> for GoalStatus {
    fn from(raw: RawGoalStatus) -> Self {
        GoalStatus {
            status: raw.status,
            since: non_empty(raw.since),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct Goal {
    #[serde(default)]
    units: Option<BTreeMap<String, RawGoalStatus>>,
    #[serde(default)]
    relations: Option<BTreeMap<String, Option<BTreeMap<String, RawGoalStatus>>>>,
}

impl Goal {
    pub(super) fn into_state(self) -> GoalState {
        GoalState {
            units: self
                .units
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect(),
            relations: self
                .relations
                .unwrap_or_default()
                .into_iter()
                .map(|(ep, members)| {
                    let members = members
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, v.into()))
                        .collect();
                    (ep, members)
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct SecretInfoRaw {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    rotates: Option<String>,
    revision: u64,
}

/// `secret-info-get`: `{ID: {...}}` with exactly one entry.
pub(super) fn secret_info(raw: BTreeMap<String, SecretInfoRaw>) -> Result<SecretInfo, ModelError> {
    let mut entries = raw.into_iter();
    let (Some((id, info)), None) = (entries.next(), entries.next()) else {
        return Err(output("secret-info-get", "expected exactly one secret"));
    };
    Ok(SecretInfo {
        id,
        label: non_empty(info.label),
        description: non_empty(info.description),
        expiry: non_empty(info.expiry),
        rotation: non_empty(info.rotation),
        rotates: non_empty(info.rotates),
        revision: info.revision,
    })
}

#[derive(Deserialize)]
struct RawCredential {
    #[serde(rename = "auth-type")]
    auth_type: String,
    #[serde(default)]
    attrs: Option<BTreeMap<String, String>>,
    #[serde(default)]
    redacted: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub(super) struct Credential {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default, rename = "identity-endpoint")]
    identity_endpoint: Option<String>,
    #[serde(default, rename = "storage-endpoint")]
    storage_endpoint: Option<String>,
    #[serde(default)]
    credential: Option<RawCredential>,
    #[serde(default)]
    cacertificates: Option<Vec<String>>,
    #[serde(default, rename = "skip-tls-verify")]
    skip_tls_verify: bool,
    #[serde(default, rename = "is-controller-cloud")]
    is_controller_cloud: bool,
}

impl Credential {
    pub(super) fn into_spec(self) -> CloudSpec {
        CloudSpec {
            kind: self.kind,
            name: self.name,
            region: non_empty(self.region),
            endpoint: non_empty(self.endpoint),
            identity_endpoint: non_empty(self.identity_endpoint),
            storage_endpoint: non_empty(self.storage_endpoint),
            credential: self.credential.map(|c| CloudCredential {
                auth_type: c.auth_type,
                attributes: c.attrs.unwrap_or_default(),
                redacted: c.redacted.unwrap_or_default(),
            }),
            ca_certificates: self.cacertificates.unwrap_or_default(),
            skip_tls_verify: self.skip_tls_verify,
            is_controller_cloud: self.is_controller_cloud,
        }
    }
}
