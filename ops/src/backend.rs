//! The one seam between the model and Juju.
//!
//! Everything the model asks of Juju goes through [`Backend`]: the real implementation
//! (`hookcmds`) runs the hook tools with the flags `PARITY.md` lists; `ops::testing`
//! implements the same trait over an in-memory model. Methods take and return typed values;
//! the flags, JSON and stdin formats stay inside the implementations.

use crate::error::ModelError;
use crate::status::Status;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A relation databag: string keys to string values.
pub type Databag = BTreeMap<String, String>;

/// `juju-log` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
}

impl LogLevel {
    /// The name `juju-log --log-level` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// A status as `status-get` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInfo {
    /// The status and message.
    pub status: Status,
    /// For the application: each unit's status.
    pub units: BTreeMap<String, Status>,
}

/// A port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (no port number).
    Icmp,
}

/// An opened (or to-be-opened) port or port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port {
    /// The protocol.
    pub protocol: Protocol,
    /// The port, or the first of a range; `None` for ICMP.
    pub port: Option<u16>,
    /// The last port of a range (`8000-8100/tcp`), if a range.
    pub to_port: Option<u16>,
}

impl Protocol {
    /// Juju's name for it (`tcp`, `udp`, `icmp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Protocol {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "icmp" => Ok(Protocol::Icmp),
            other => Err(ModelError::Invalid {
                what: "port protocol",
                detail: format!("{other:?} is not tcp, udp or icmp"),
            }),
        }
    }
}

impl Port {
    /// TCP port `port`.
    pub fn tcp(port: u16) -> Self {
        Port {
            protocol: Protocol::Tcp,
            port: Some(port),
            to_port: None,
        }
    }
    /// UDP port `port`.
    pub fn udp(port: u16) -> Self {
        Port {
            protocol: Protocol::Udp,
            port: Some(port),
            to_port: None,
        }
    }
    /// ICMP (no port number).
    pub fn icmp() -> Self {
        Port {
            protocol: Protocol::Icmp,
            port: None,
            to_port: None,
        }
    }
    /// The TCP ports `from` to `to`, inclusive.
    pub fn tcp_range(from: u16, to: u16) -> Self {
        Port {
            to_port: Some(to),
            ..Port::tcp(from)
        }
    }
    /// The UDP ports `from` to `to`, inclusive.
    pub fn udp_range(from: u16, to: u16) -> Self {
        Port {
            to_port: Some(to),
            ..Port::udp(from)
        }
    }
    /// Checks what Juju would refuse: ICMP with a port, TCP/UDP without one, port 0, or a
    /// range that ends before it starts.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |detail: String| ModelError::Invalid {
            what: "port",
            detail,
        };
        match (self.protocol, self.port, self.to_port) {
            (Protocol::Icmp, None, None) => Ok(()),
            (Protocol::Icmp, _, _) => Err(bad("icmp takes no port number".into())),
            (_, None, _) => Err(bad(format!("{} needs a port number", self.protocol))),
            (_, Some(0), _) | (_, _, Some(0)) => Err(bad("port 0 is not a port".into())),
            (_, Some(from), Some(to)) if to < from => {
                Err(bad(format!("range {from}-{to} ends before it starts")))
            }
            _ => Ok(()),
        }
    }
}

/// `80/tcp`, `8000-8100/udp`, `icmp`: what `open-port` takes.
impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.port, self.to_port) {
            (None, _) => write!(f, "{}", self.protocol),
            (Some(port), None) => write!(f, "{port}/{}", self.protocol),
            (Some(port), Some(to)) => write!(f, "{port}-{to}/{}", self.protocol),
        }
    }
}

/// Parses `80/tcp`, `8000-8100/udp`, `icmp`, or a bare `80` (TCP), as `opened-ports`
/// prints them.
impl std::str::FromStr for Port {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let s = s.trim();
        let (ports, protocol) = match s.rsplit_once('/') {
            Some((ports, protocol)) => (ports, protocol.parse::<Protocol>()?),
            None if s == "icmp" => return Ok(Port::icmp()),
            None => (s, Protocol::Tcp),
        };
        let number = |text: &str| {
            text.parse::<u16>().map_err(|_| ModelError::Invalid {
                what: "port",
                detail: format!("{s:?}: {text:?} is not a port number"),
            })
        };
        let port = match ports.split_once('-') {
            _ if protocol == Protocol::Icmp && ports.is_empty() => Port::icmp(),
            Some((from, to)) => Port {
                protocol,
                port: Some(number(from)?),
                to_port: Some(number(to)?),
            },
            None => Port {
                protocol,
                port: Some(number(ports)?),
                to_port: None,
            },
        };
        port.validate()?;
        Ok(port)
    }
}

/// Options of `secret-add` and `secret-set`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretOptions {
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`, RFC 3339.
    pub expire: Option<String>,
    /// `--rotate` policy (`never`, `hourly`, `daily`, `weekly`, `monthly`, `quarterly`,
    /// `yearly`).
    pub rotate: Option<String>,
}

/// Who owns a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOwner {
    /// `--owner application`.
    Application,
    /// `--owner unit`.
    Unit,
}

/// `secret-info-get`'s answer for one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret's URI.
    pub id: String,
    /// Its label.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its expiry, RFC 3339.
    pub expiry: Option<String>,
    /// Its rotation policy.
    pub rotation: Option<String>,
    /// When it next rotates, RFC 3339.
    pub rotates: Option<String>,
    /// Its latest revision.
    pub revision: u64,
}

impl SecretInfo {
    /// [`SecretInfo::expiry`] as a time (Python's `SecretInfo.expires`); `None` when
    /// there is none or Juju's text is not RFC 3339.
    pub fn expires(&self) -> Option<std::time::SystemTime> {
        crate::model::parse_rfc3339(self.expiry.as_deref()?)
    }

    /// [`SecretInfo::rotates`] as a time (when the next `secret-rotate` comes).
    pub fn next_rotation(&self) -> Option<std::time::SystemTime> {
        crate::model::parse_rfc3339(self.rotates.as_deref()?)
    }

    /// [`SecretInfo::rotation`] as the policy (Python's `SecretInfo.rotation`, a
    /// `SecretRotate`); an error for a policy this version does not know.
    pub fn rotation_policy(&self) -> Result<Option<crate::model::SecretRotate>, ModelError> {
        self.rotation.as_deref().map(str::parse).transpose()
    }
}

/// How a secret is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretLookup<'a> {
    /// By URI.
    Id(&'a str),
    /// By label.
    Label(&'a str),
    /// By URI, setting (or replacing) its label.
    IdAndLabel(&'a str, &'a str),
}

/// Which revision `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRead {
    /// The tracked revision (plain `secret-get`).
    Tracked,
    /// The latest revision, without tracking it (`--peek`).
    Peek,
    /// The latest revision, tracking it from now on (`--refresh`).
    Refresh,
}

/// `storage-get`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageInfo {
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is mounted (or the block device path).
    pub location: PathBuf,
}

/// One address of a bound network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    /// The address (an IP, or a hostname).
    pub value: String,
    /// Its CIDR, if Juju gave one.
    pub cidr: Option<String>,
}

/// One bound network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddress {
    /// The interface's name (e.g. `eth0`).
    pub interface_name: String,
    /// Its MAC address, if known.
    pub mac_address: Option<String>,
    /// Its addresses.
    pub addresses: Vec<InterfaceAddress>,
}

/// `network-get`'s answer for a binding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkInfo {
    /// The bound interfaces.
    pub bind_addresses: Vec<BindAddress>,
    /// Addresses other units reach this one on.
    pub ingress_addresses: Vec<String>,
    /// Subnets this unit's traffic leaves from.
    pub egress_subnets: Vec<String>,
}

/// One unit's or relation's goal state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalStatus {
    /// Its status (e.g. `active`, `joining`).
    pub status: String,
    /// Since when, as Juju printed it.
    pub since: Option<String>,
}

/// `goal-state`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoalState {
    /// This application's units.
    pub units: BTreeMap<String, GoalStatus>,
    /// Per endpoint, the related applications and units.
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

/// `credential-get`'s answer (only for trusted applications).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloudSpec {
    /// The cloud's type (e.g. `lxd`, `kubernetes`).
    pub kind: String,
    /// The cloud's name.
    pub name: String,
    /// Region.
    pub region: Option<String>,
    /// Endpoint.
    pub endpoint: Option<String>,
    /// Identity endpoint.
    pub identity_endpoint: Option<String>,
    /// Storage endpoint.
    pub storage_endpoint: Option<String>,
    /// The credential: auth type and attributes.
    pub credential: Option<CloudCredential>,
    /// CA certificates.
    pub ca_certificates: Vec<String>,
    /// Whether TLS verification is skipped.
    pub skip_tls_verify: bool,
    /// Whether this is the controller's cloud.
    pub is_controller_cloud: bool,
}

/// A cloud credential.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CloudCredential {
    /// `auth-type`.
    pub auth_type: String,
    /// `attrs` (may hold secrets: never printed by `Debug`).
    pub attributes: BTreeMap<String, String>,
    /// Names of attributes Juju redacted.
    pub redacted: Vec<String>,
}

impl std::fmt::Debug for CloudCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudCredential")
            .field("auth_type", &self.auth_type)
            .field("attributes", &self.attributes.keys().collect::<Vec<_>>())
            .field("redacted", &self.redacted)
            .finish()
    }
}

/// Everything the model asks of Juju. One method per hook-tool use; see `PARITY.md`
/// section 3 for the real tools' flags.
///
/// Implementations report tool failures as [`ModelError`]; they never panic on what Juju
/// prints. Methods take `&self`: implementations keep their own interior state.
pub trait Backend {
    /// `juju-log --log-level LEVEL -- MESSAGE`. An implementation may return before the
    /// line is written (keeping lines in order); [`Backend::flush`] waits for them.
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError>;

    /// Waits until every log line sent is written (the runtime calls it before exiting).
    fn flush(&self) {}

    /// `config-get --format=json`: every option with a value (defaults included).
    fn config_get(&self) -> Result<Map<String, Value>, ModelError>;

    /// `is-leader --format=json`.
    fn is_leader(&self) -> Result<bool, ModelError>;

    /// `relation-ids NAME --format=json`, as relation ids.
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError>;
    /// `relation-list -r ID --format=json`: the remote units.
    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError>;
    /// `relation-list -r ID --app --format=json`: the remote application, if known.
    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError>;
    /// `relation-get -r ID [--app] - MEMBER --format=json`: a unit's or app's databag.
    fn relation_get(
        &self,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError>;
    /// `relation-set -r ID [--app] --file -`: changed keys; an empty value deletes.
    fn relation_set(
        &self,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError>;
    /// `relation-model-get -r ID --format=json`: the remote model's UUID.
    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError>;

    // The model calls the `*_on` forms below: they name the relation as Juju's
    // `ENDPOINT:ID` (`-r db:3`, as Python `ops` does), so Juju refuses an id that does
    // not belong to that endpoint instead of reading another relation. By default they
    // drop the endpoint and call the id-only form, so a backend that cannot check it
    // (an in-memory one) needs only the id-only methods.

    /// [`Backend::relation_list`] of relation `relation_id` on `endpoint`
    /// (`relation-list --format=json -r ENDPOINT:ID`).
    fn relation_list_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Vec<String>, ModelError> {
        let _ = endpoint;
        self.relation_list(relation_id)
    }
    /// [`Backend::relation_remote_app`] of relation `relation_id` on `endpoint`
    /// (`relation-list --format=json --app -r ENDPOINT:ID`).
    fn relation_remote_app_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Option<String>, ModelError> {
        let _ = endpoint;
        self.relation_remote_app(relation_id)
    }
    /// [`Backend::relation_get`] of relation `relation_id` on `endpoint`
    /// (`relation-get --format=json -r ENDPOINT:ID [--app] - MEMBER`).
    fn relation_get_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        let _ = endpoint;
        self.relation_get(relation_id, member, app)
    }
    /// [`Backend::relation_set`] of relation `relation_id` on `endpoint`
    /// (`relation-set -r ENDPOINT:ID [--app] --file -`).
    fn relation_set_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        let _ = endpoint;
        self.relation_set(relation_id, changes, app)
    }
    /// [`Backend::relation_model_uuid`] of relation `relation_id` on `endpoint`
    /// (`relation-model-get --format=json -r ENDPOINT:ID`).
    fn relation_model_uuid_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<String, ModelError> {
        let _ = endpoint;
        self.relation_model_uuid(relation_id)
    }

    /// `status-get --include-data --format=json --application=BOOL`.
    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError>;
    /// `status-set --application=BOOL STATUS -- MESSAGE`.
    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError>;
    /// `application-version-set -- VERSION`.
    fn application_version_set(&self, version: &str) -> Result<(), ModelError>;

    /// `resource-get NAME`: the path of the fetched resource.
    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError>;

    /// `storage-list --format=json NAME`: ids such as `data/0`.
    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError>;
    /// `storage-get --format=json -s ID`.
    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError>;
    /// `storage-add NAME=COUNT`.
    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError>;

    /// `action-get --format=json`: the action's params.
    fn action_get(&self) -> Result<Map<String, Value>, ModelError>;
    /// `action-set KEY=VALUE ...`, with nested keys already flattened to dotted ones.
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError>;
    /// `action-log -- MESSAGE`.
    fn action_log(&self, message: &str) -> Result<(), ModelError>;
    /// `action-fail -- MESSAGE`.
    fn action_fail(&self, message: &str) -> Result<(), ModelError>;

    /// `network-get --format=json [-r ID] BINDING`.
    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<NetworkInfo, ModelError>;
    /// `goal-state --format=json`.
    fn goal_state(&self) -> Result<GoalState, ModelError>;

    /// `secret-add`: content passed through files, never argv. Returns the new URI.
    fn secret_add(
        &self,
        content: &BTreeMap<String, String>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, ModelError>;
    /// `secret-get --format=json [ID] [--label L] [--peek|--refresh]`.
    fn secret_get(
        &self,
        lookup: SecretLookup<'_>,
        read: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError>;
    /// `secret-info-get --format=json ID` or `--label L`.
    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError>;
    /// `secret-set ... ID [k#file=...]`: new content (a new revision) and/or metadata.
    fn secret_set(
        &self,
        id: &str,
        content: Option<&BTreeMap<String, String>>,
        options: &SecretOptions,
    ) -> Result<(), ModelError>;
    /// `secret-grant --relation RID [--unit U] ID`.
    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError>;
    /// `secret-revoke --relation RID [--unit U] ID`.
    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError>;
    /// `secret-revoke --relation RID --app APP ID`: from every unit of `app`. (A default
    /// body, so backends written before it still build: it refuses.)
    fn secret_revoke_app(&self, id: &str, relation_id: u64, app: &str) -> Result<(), ModelError> {
        let _ = (id, relation_id, app);
        Err(ModelError::Other(
            "secret-revoke --app is not available on this backend".into(),
        ))
    }
    /// `secret-remove ID [--revision N]`.
    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError>;
    /// `secret-ids --format=json`: the secrets this unit owns.
    fn secret_ids(&self) -> Result<Vec<String>, ModelError>;

    /// `open-port PORT/PROTO` (or a range, or `icmp`).
    fn open_port(&self, port: Port) -> Result<(), ModelError>;
    /// `close-port PORT/PROTO`.
    fn close_port(&self, port: Port) -> Result<(), ModelError>;
    /// `opened-ports --format=json`.
    fn opened_ports(&self) -> Result<Vec<Port>, ModelError>;
    /// `opened-ports --endpoints --format=json`: each port with the endpoints it is open
    /// on (`*`: all of them). By default [`Backend::opened_ports`], each on all endpoints
    /// (for backends, like the in-memory one, whose `open-port` takes no endpoints).
    fn opened_ports_endpoints(&self) -> Result<Vec<(Port, Vec<String>)>, ModelError> {
        let ports = self.opened_ports()?;
        Ok(ports.into_iter().map(|p| (p, vec!["*".into()])).collect())
    }

    /// `credential-get --format=json`.
    fn credential_get(&self) -> Result<CloudSpec, ModelError>;
    /// `juju-reboot [--now]`.
    fn juju_reboot(&self, now: bool) -> Result<(), ModelError>;
    /// `goal-state`'s unit count, or the planned units as the test model sets them.
    fn planned_units(&self) -> Result<u32, ModelError>;

    /// `state-get KEY`: controller-side charm state (`None` when unset).
    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError>;
    /// `state-get --format=json`: every key of the controller-side charm state (what a
    /// Python `ops` charm with `use_juju_for_storage=True` left there, for migration).
    /// (A default body, so backends written before it still build: it refuses.)
    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError> {
        Err(ModelError::Other(
            "state-get of every key is not available on this backend".into(),
        ))
    }
    /// `state-set --file -` of `{key: value}`.
    fn state_set(&self, key: &str, value: &str) -> Result<(), ModelError>;
    /// `state-delete KEY`.
    fn state_delete(&self, key: &str) -> Result<(), ModelError>;

    /// `add-metric [--labels k=v,...] k=v ...` (collect-metrics only).
    fn add_metrics(
        &self,
        metrics: &BTreeMap<String, f64>,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError>;

    /// The Pebble client for `container`: the real one talks to
    /// `/charm/containers/<name>/pebble.socket`, the testing one to an in-memory Pebble.
    fn pebble(&self, container: &str) -> Box<dyn ops_pebble::Pebble>;
}
