//! The requirer side (Python's `IngressPerAppRequirer`).

use crate::{field, is_http_url};
use charmlib_cosl::codec::py_dumps;
use ops::{Member, ModelCore, ModelError, Relation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::IpAddr;

/// What the ingress relation's events mean to the requirer (the Python library's
/// `ready` and `revoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngressEvent {
    /// The provider published a new URL for this application.
    Ready {
        /// The URL.
        url: String,
    },
    /// The relation is gone: the application has no ingress any more.
    Revoked,
}

/// What the requirer remembers between hooks: the URL it last reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirerState {
    /// The URL of the last [`IngressEvent::Ready`], if any.
    pub current_url: Option<String>,
}

/// The requirer side's protocol (limit 1), called from handlers: what the
/// [`IngressPerAppRequirer`](crate::IngressPerAppRequirer) library runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirer<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The port to expose.
    pub port: u16,
    /// `http`, `https` or `h2c`.
    pub scheme: &'a str,
    /// Whether Traefik strips the path prefix (`strip-prefix`).
    pub strip_prefix: bool,
    /// Whether Traefik redirects HTTP to HTTPS (`redirect-https`).
    pub redirect_https: bool,
    /// The host name the provider reaches units at (default: the unit's host name).
    pub host: Option<&'a str>,
}

impl<'a> Requirer<'a> {
    /// A requirer on `relation_name` exposing `port` over plain HTTP.
    pub fn new(relation_name: &'a str, port: u16) -> Self {
        Requirer {
            relation_name,
            port,
            scheme: "http",
            strip_prefix: false,
            redirect_https: false,
            host: None,
        }
    }

    /// Publishes what the provider needs, in every relation of the endpoint: the
    /// application's request (on the leader) and this unit's address. Python calls it on
    /// `relation-changed`, `relation-departed`, `leader-elected` and `upgrade-charm`.
    pub fn provide_ingress_requirements(&self, model: &ModelCore) -> Result<(), ModelError> {
        if !matches!(self.scheme, "http" | "https" | "h2c") || self.port == 0 || self.port == 65535
        {
            return Err(ModelError::Invalid {
                what: "ingress request",
                detail: format!(
                    "scheme {:?} and port {}: the scheme must be http, https or h2c and the port in 1..65535",
                    self.scheme, self.port
                ),
            });
        }
        let leader = model.is_leader()?;
        let opened = model
            .unit()
            .opened_ports()?
            .iter()
            .any(|p| p.port == Some(self.port));
        for relation in model.relations_of(self.relation_name)? {
            if leader {
                let mut app = vec![
                    ("model", Value::from(model.name())),
                    ("name", Value::from(model.app().name())),
                    ("port", Value::from(self.port)),
                ];
                for (key, on) in [
                    ("is_port_open", opened),
                    ("strip-prefix", self.strip_prefix),
                    ("redirect-https", self.redirect_https),
                ] {
                    if on {
                        app.push((key, Value::Bool(true)));
                    }
                }
                if self.scheme != "http" {
                    app.push(("scheme", Value::from(self.scheme)));
                }
                replace_bag(&relation, Member::ThisApp, &app)?;
            }
            let host = self.host.map_or_else(host_name, str::to_string);
            let mut unit = vec![("host", Value::from(host))];
            let network = relation.network()?;
            match network
                .bind_address()
                .filter(|a| a.parse::<IpAddr>().is_ok())
            {
                Some(ip) => unit.push(("ip", Value::from(ip))),
                None => log::error!("failed to retrieve ip information from juju"),
            }
            replace_bag(&relation, Member::ThisUnit, &unit)?;
        }
        Ok(())
    }

    /// The URL the provider published, if any. A malformed `ingress` is an error.
    pub fn url(&self, model: &ModelCore) -> Result<Option<String>, ModelError> {
        let Some(relation) = model.relation_one(self.relation_name)? else {
            return Ok(None);
        };
        url_of(&relation)
    }

    /// On `relation-changed` and `relation-departed` of the endpoint: publishes the
    /// request, then reports [`IngressEvent::Ready`] if the URL is new.
    pub fn on_relation_changed(
        &self,
        model: &ModelCore,
        state: &mut RequirerState,
    ) -> Result<Option<IngressEvent>, ModelError> {
        self.provide_ingress_requirements(model)?;
        let Some(url) = self.url(model)? else {
            return Ok(None);
        };
        if state.current_url.as_deref() == Some(url.as_str()) {
            return Ok(None);
        }
        state.current_url = Some(url.clone());
        Ok(Some(IngressEvent::Ready { url }))
    }

    /// On `relation-broken` of the endpoint: forgets the URL and reports
    /// [`IngressEvent::Revoked`].
    pub fn on_relation_broken(&self, state: &mut RequirerState) -> IngressEvent {
        state.current_url = None;
        IngressEvent::Revoked
    }
}

/// The URL in the provider's application databag of `relation`.
pub(crate) fn url_of(relation: &Relation<'_>) -> Result<Option<String>, ModelError> {
    if relation.remote_app()?.is_none() {
        return Ok(None);
    }
    let bag = relation.data(Member::RemoteApp)?;
    #[derive(Deserialize)]
    struct IngressUrl {
        url: String,
    }
    let Some(ingress) = field::<Option<IngressUrl>>(&bag, "ingress")?.flatten() else {
        return Ok(None);
    };
    if !is_http_url(&ingress.url) {
        return Err(ModelError::Invalid {
            what: "ingress relation data",
            detail: format!("the provider's url {:?} is not an http(s) URL", ingress.url),
        });
    }
    Ok(Some(ingress.url))
}

/// Writes `fields` (JSON-encoded) into `member`'s databag and deletes its other keys,
/// as the Python library's `dump` does.
pub(crate) fn replace_bag(
    relation: &Relation<'_>,
    member: Member<'_>,
    fields: &[(&str, Value)],
) -> Result<(), ModelError> {
    let mut changes: Vec<(String, String)> = relation
        .data(member)?
        .into_keys()
        .filter(|k| !fields.iter().any(|(f, _)| f == k))
        .map(|k| (k, String::new()))
        .collect();
    changes.extend(fields.iter().map(|(k, v)| (k.to_string(), py_dumps(v))));
    relation.update(member, changes)
}

/// This host's name (Python uses `socket.getfqdn()`; here the kernel's host name, which
/// in a Kubernetes pod is the pod's name).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}
