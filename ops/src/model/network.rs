//! Network bindings: what `network-get` says about a relation endpoint or an
//! extra-binding (bound interfaces, ingress addresses, egress subnets).

use super::{ModelCore, Relation};
use crate::backend::NetworkInfo;
use crate::error::ModelError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP network: an address with its host bits cleared, and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subnet {
    /// The network address.
    pub address: IpAddr,
    /// The prefix length (0–32 for IPv4, 0–128 for IPv6).
    pub prefix: u8,
}

impl Subnet {
    /// The network of `address` with `prefix` bits (host bits cleared); `None` if the
    /// prefix is too long for the address family.
    pub fn new(address: IpAddr, prefix: u8) -> Option<Self> {
        let address = match address {
            IpAddr::V4(v4) if prefix <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) if prefix <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
            _ => return None,
        };
        Some(Subnet { address, prefix })
    }

    /// The one-address network of `address` (`/32` or `/128`).
    pub fn host(address: IpAddr) -> Self {
        let prefix = if address.is_ipv4() { 32 } else { 128 };
        Subnet { address, prefix }
    }

    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        Subnet::new(ip, self.prefix).is_some_and(|s| s.address == self.address)
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// Parses `10.0.0.0/24`, `fe80::/64`, or a bare address (a host network).
impl std::str::FromStr for Subnet {
    type Err = ModelError;
    fn from_str(text: &str) -> Result<Self, ModelError> {
        let invalid = || ModelError::Invalid {
            what: "subnet",
            detail: format!("{text:?} is not an address or ADDRESS/PREFIX"),
        };
        match text.trim().split_once('/') {
            Some((address, prefix)) => {
                let address: IpAddr = address.parse().map_err(|_| invalid())?;
                let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
                Subnet::new(address, prefix).ok_or_else(invalid)
            }
            None => Ok(Subnet::host(text.trim().parse().map_err(|_| invalid())?)),
        }
    }
}

/// One address of a bound interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInterface {
    /// The interface's name (`eth0`).
    pub name: String,
    /// The address as Juju gave it: an IP, or a hostname.
    pub address: String,
    /// The address as an IP, if it is one.
    pub ip: Option<IpAddr>,
    /// Its subnet: from Juju's CIDR, else the address's own `/32` or `/128`; `None` for
    /// a hostname without a CIDR.
    pub subnet: Option<Subnet>,
    /// The interface's MAC address, if known.
    pub mac_address: Option<String>,
}

/// What `network-get` says about a binding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    /// Every address of every bound interface.
    pub interfaces: Vec<NetworkInterface>,
    /// Addresses other units reach this one on (IPs or hostnames).
    pub ingress_addresses: Vec<String>,
    /// Subnets this unit's traffic leaves from.
    pub egress_subnets: Vec<Subnet>,
}

impl Network {
    /// Builds the model's view of `network-get`'s answer.
    pub fn from_info(info: &NetworkInfo) -> Result<Self, ModelError> {
        let mut interfaces = Vec::new();
        for bound in &info.bind_addresses {
            for address in &bound.addresses {
                let ip: Option<IpAddr> = address.value.parse().ok();
                let subnet = match &address.cidr {
                    Some(cidr) if !cidr.is_empty() => {
                        Some(cidr.parse::<Subnet>().map_err(|_| ModelError::Output {
                            tool: "network-get".into(),
                            detail: format!("{cidr:?} is not a CIDR"),
                        })?)
                    }
                    _ => ip.map(Subnet::host),
                };
                interfaces.push(NetworkInterface {
                    name: bound.interface_name.clone(),
                    address: address.value.clone(),
                    ip,
                    subnet,
                    mac_address: bound.mac_address.clone(),
                });
            }
        }
        let egress_subnets = info
            .egress_subnets
            .iter()
            .map(|text| {
                text.parse::<Subnet>().map_err(|_| ModelError::Output {
                    tool: "network-get".into(),
                    detail: format!("egress subnet {text:?} is not a CIDR"),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Network {
            interfaces,
            ingress_addresses: info.ingress_addresses.clone(),
            egress_subnets,
        })
    }

    /// The address this unit binds to: the first interface's.
    pub fn bind_address(&self) -> Option<&str> {
        self.interfaces.first().map(|i| i.address.as_str())
    }

    /// The address other units should reach this one on: the first ingress address.
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }
}

/// A network binding: a relation endpoint or an extra-binding, optionally for one
/// relation.
#[derive(Clone)]
pub struct Binding<'m> {
    core: &'m ModelCore,
    name: String,
    relation_id: Option<u64>,
}

impl fmt::Debug for Binding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.relation_id {
            Some(id) => write!(f, "Binding({}:{id})", self.name),
            None => write!(f, "Binding({})", self.name),
        }
    }
}

impl<'m> Binding<'m> {
    /// The binding's name (an endpoint or extra-binding).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The binding's network (`network-get`, once per hook). For a relation Juju no
    /// longer knows, asks again without the relation id.
    pub fn network(&self) -> Result<Network, ModelError> {
        let core = self.core;
        let key = (self.name.clone(), self.relation_id);
        if let Some(info) = core.cache.borrow().networks.get(&key) {
            return Network::from_info(info);
        }
        let info = match core.backend.network_get(&self.name, self.relation_id) {
            Err(ModelError::RelationNotFound(_)) if self.relation_id.is_some() => {
                core.backend.network_get(&self.name, None)?
            }
            other => other?,
        };
        let network = Network::from_info(&info)?;
        core.cache.borrow_mut().networks.insert(key, info);
        Ok(network)
    }
}

impl ModelCore {
    /// The binding `name`: a relation endpoint or an extra-binding from the metadata.
    pub fn binding(&self, name: &str) -> Result<Binding<'_>, ModelError> {
        if self.meta.relation(name).is_none() && !self.meta.extra_bindings.contains(&name) {
            return Err(ModelError::Invalid {
                what: "binding",
                detail: format!(
                    "{name:?} is neither a relation endpoint nor an extra-binding in the \
                     charm's metadata"
                ),
            });
        }
        Ok(Binding {
            core: self,
            name: name.to_string(),
            relation_id: None,
        })
    }
}

impl<'m> Relation<'m> {
    /// This relation's binding (its endpoint, for this relation id).
    pub fn binding(&self) -> Binding<'m> {
        Binding {
            core: self.core,
            name: self.name.clone(),
            relation_id: Some(self.id),
        }
    }

    /// This relation's network: [`binding`](Relation::binding)`().network()`.
    pub fn network(&self) -> Result<Network, ModelError> {
        self.binding().network()
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::testbed::core;
    use super::*;
    use crate::backend::{BindAddress, InterfaceAddress};

    fn info() -> NetworkInfo {
        NetworkInfo {
            bind_addresses: vec![
                BindAddress {
                    interface_name: "eth0".into(),
                    mac_address: Some("00:11:22:33:44:55".into()),
                    addresses: vec![
                        InterfaceAddress {
                            value: "10.1.2.3".into(),
                            cidr: Some("10.1.2.0/24".into()),
                        },
                        InterfaceAddress {
                            value: "fe80::1".into(),
                            cidr: None,
                        },
                    ],
                },
                BindAddress {
                    interface_name: "lo".into(),
                    mac_address: None,
                    addresses: vec![InterfaceAddress {
                        value: "web-0.example".into(),
                        cidr: None,
                    }],
                },
            ],
            ingress_addresses: vec!["10.1.2.3".into(), "web-0.example".into()],
            egress_subnets: vec!["10.1.2.3/32".into(), "192.168.0.0/16".into()],
        }
    }

    #[test]
    fn network_from_info_builds_interfaces_and_subnets() {
        let net = Network::from_info(&info()).unwrap();
        assert_eq!(net.interfaces.len(), 3);
        assert_eq!(net.bind_address(), Some("10.1.2.3"));
        assert_eq!(net.ingress_address(), Some("10.1.2.3"));
        assert_eq!(net.interfaces[0].subnet.unwrap().to_string(), "10.1.2.0/24");
        assert_eq!(net.interfaces[1].subnet.unwrap().to_string(), "fe80::1/128");
        assert_eq!(net.interfaces[2].ip, None);
        assert_eq!(net.interfaces[2].subnet, None);
        assert_eq!(net.interfaces[2].name, "lo");
        assert_eq!(net.egress_subnets[1].to_string(), "192.168.0.0/16");
        assert!(net.egress_subnets[1].contains("192.168.7.9".parse().unwrap()));
        assert!(!net.egress_subnets[1].contains("10.0.0.1".parse().unwrap()));
        let mut bad = info();
        bad.egress_subnets = vec!["nope".into()];
        assert!(matches!(
            Network::from_info(&bad),
            Err(ModelError::Output { .. })
        ));
    }

    #[test]
    fn subnets_parse_and_normalise() {
        assert_eq!(
            "10.1.2.3/8".parse::<Subnet>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "10.1.2.3".parse::<Subnet>().unwrap().to_string(),
            "10.1.2.3/32"
        );
        assert_eq!("::/0".parse::<Subnet>().unwrap().prefix, 0);
        assert_eq!(
            "0.0.0.0/0".parse::<Subnet>().unwrap().to_string(),
            "0.0.0.0/0"
        );
        assert!("10.0.0.0/33".parse::<Subnet>().is_err());
        assert!("host/24".parse::<Subnet>().is_err());
    }

    #[test]
    fn binding_network_is_asked_once_per_hook() {
        let (fake, model) = core();
        fake.state().networks.insert("metrics".into(), info());
        let binding = model.binding("metrics").unwrap();
        assert_eq!(
            binding.network().unwrap().ingress_address(),
            Some("10.1.2.3")
        );
        binding.network().unwrap();
        assert_eq!(fake.calls(), vec!["network-get metrics"]);
        assert!(matches!(
            model.binding("nope"),
            Err(ModelError::Invalid { .. })
        ));
    }

    #[test]
    fn relation_network_uses_the_relation_id_then_retries_without() {
        let (fake, model) = core();
        fake.relate("db", 3, &["pg/0"]);
        fake.state().networks.insert("db".into(), info());
        let rel = model.relation_one("db").unwrap().unwrap();
        assert_eq!(rel.network().unwrap().bind_address(), Some("10.1.2.3"));
        // Relation 4 is not in the simulated Juju: `-r 4` is refused.
        let gone = model.get_relation("db", Some(4)).unwrap().unwrap();
        gone.network().unwrap();
        assert_eq!(
            fake.calls(),
            vec![
                "relation-ids db",
                "network-get db -r 3",
                "network-get db -r 4",
                "network-get db",
            ]
        );
        fake.fail("network-get");
        assert!(matches!(
            model.binding("website").unwrap().network(),
            Err(ModelError::Tool { .. })
        ));
    }
}
