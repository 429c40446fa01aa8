//! The provider side (Python's `IngressPerAppProvider`).

use crate::field;
use crate::requirer::replace_bag;
use ops::{Member, ModelError, Relation};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Where one requirer unit can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitAddress {
    /// Its host name (`host`).
    pub host: String,
    /// Its IP address (`ip`), if Juju gave it one.
    pub ip: Option<String>,
}

/// What a requirer asks for (the Python library's `data_provided` event's payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressRequest {
    /// The relation's id.
    pub relation_id: u64,
    /// The requirer's application name (`name`).
    pub name: String,
    /// The requirer's model (`model`).
    pub model: String,
    /// The port to route to (`port`).
    pub port: u16,
    /// `http`, `https` or `h2c` (`scheme`).
    pub scheme: String,
    /// `strip-prefix`.
    pub strip_prefix: bool,
    /// `redirect-https`.
    pub redirect_https: bool,
    /// The requirer's units.
    pub units: Vec<UnitAddress>,
}

/// The provider side's protocol, called from handlers: what the
/// [`IngressPerAppProvider`](crate::IngressPerAppProvider) library runs, and how the
/// charm answers (`publish_url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
}

impl<'a> Provider<'a> {
    /// A provider on `relation_name`.
    pub const fn new(relation_name: &'a str) -> Self {
        Provider { relation_name }
    }

    /// The requirer's request in `relation`: `None` while its application databag is
    /// incomplete (no `name`, `model` or `port`), an error if a field is malformed or
    /// out of range.
    pub fn request(&self, relation: &Relation<'_>) -> Result<Option<IngressRequest>, ModelError> {
        if relation.remote_app()?.is_none() {
            return Ok(None);
        }
        let app = relation.data(Member::RemoteApp)?;
        let (Some(name), Some(model), Some(port)) = (
            field::<String>(&app, "name")?,
            field::<String>(&app, "model")?,
            field::<u32>(&app, "port")?,
        ) else {
            return Ok(None);
        };
        let invalid = |detail: String| ModelError::Invalid {
            what: "ingress relation data",
            detail,
        };
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p != 0 && *p != 65535)
            .ok_or_else(|| invalid(format!("port {port} is out of TCP range")))?;
        let scheme = field::<String>(&app, "scheme")?.unwrap_or_else(|| "http".into());
        if !matches!(scheme.as_str(), "http" | "https" | "h2c") {
            return Err(invalid(format!(
                "invalid scheme {scheme:?}: should be one of http|https|h2c"
            )));
        }
        let mut units = Vec::new();
        for unit in relation.units()? {
            let bag = relation.data(&unit)?;
            let Some(host) = field::<String>(&bag, "host")? else {
                return Ok(None);
            };
            let ip = field::<Option<String>>(&bag, "ip")?.flatten();
            if let Some(ip) = &ip {
                if ip.parse::<std::net::IpAddr>().is_err() {
                    return Err(invalid(format!("{ip:?} is not a valid ip address")));
                }
            }
            units.push(UnitAddress { host, ip });
        }
        Ok(Some(IngressRequest {
            relation_id: relation.id(),
            name,
            model,
            port,
            scheme,
            strip_prefix: field::<bool>(&app, "strip-prefix")?.unwrap_or(false),
            redirect_https: field::<bool>(&app, "redirect-https")?.unwrap_or(false),
            units,
        }))
    }

    /// On `relation-changed` and `relation-departed` of the endpoint: the request, once
    /// complete (the Python library's `data_provided`).
    pub fn on_relation_changed(
        &self,
        relation: &Relation<'_>,
    ) -> Result<Option<IngressRequest>, ModelError> {
        self.request(relation)
    }

    /// Publishes `url` for the requirer of `relation` (leader only). A URL that is not
    /// HTTP(S) is logged and an empty answer published, as in Python.
    pub fn publish_url(&self, relation: &Relation<'_>, url: &str) -> Result<(), ModelError> {
        if crate::is_http_url(url) {
            replace_bag(
                relation,
                Member::ThisApp,
                &[("ingress", json!({ "url": url }))],
            )
        } else {
            log::error!("Failed to validate ingress url '{url}'");
            replace_bag(relation, Member::ThisApp, &[])
        }
    }

    /// Takes the URL back (leader only).
    pub fn wipe_ingress_data(&self, relation: &Relation<'_>) -> Result<(), ModelError> {
        relation.remove(Member::ThisApp, "ingress")
    }
}
