//! The values the model gives charm authors and takes from them: relation databags, ports,
//! network, goal state, cloud spec and secret info. Hook tools and `ops::testing` produce
//! them through [`Backend`](crate::backend::Backend); they are re-exported from
//! [`ops::model`](crate::model) and the most used ones from the crate root.

use crate::error::ModelError;
use std::collections::BTreeMap;

/// A relation databag: string keys to string values.
pub type Databag = BTreeMap<String, String>;

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
    pub fn rotation_policy(
        &self,
    ) -> Result<Option<crate::model::SecretRotate>, crate::error::ModelError> {
        self.rotation.as_deref().map(str::parse).transpose()
    }
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
