//! The requirer as a charm library (Python's `IngressPerAppRequirer(self, port=...)`): it
//! observes its endpoint's events itself, keeps its request and the last URL as its
//! state, and emits `ready` and `revoked`.

use crate::provider::{IngressRequest, Provider};
use crate::requirer::{IngressEvent, Requirer, RequirerState};
use ops::prelude::*;

/// The provider published a new URL for this application (Python's `ready`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressReady {
    /// The URL.
    pub url: String,
}

/// The ingress relation is gone (Python's `revoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressRevoked {
    /// The relation that was broken.
    pub relation_id: u64,
}

/// The requirer side of an `ingress` relation, as a library. What it asks for is its
/// state: set it in the charm's `Default` (`IngressPerAppRequirer::new(8080)`).
#[library(
    interface = "ingress",
    role = "requires",
    events(ready = IngressReady, revoked = IngressRevoked)
)]
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressPerAppRequirer {
    /// The port to expose.
    #[serde(default)]
    pub port: u16,
    /// `http` (the default when empty), `https` or `h2c`.
    #[serde(default)]
    pub scheme: String,
    /// Whether Traefik strips the path prefix.
    #[serde(default)]
    pub strip_prefix: bool,
    /// Whether Traefik redirects HTTP to HTTPS.
    #[serde(default)]
    pub redirect_https: bool,
    /// The host name the provider reaches units at (default: the unit's host name).
    #[serde(default)]
    pub host: Option<String>,
    /// The URL last reported (Python's stored `current_url`).
    #[serde(default)]
    pub state: RequirerState,
}

impl IngressPerAppRequirer {
    /// A requirer exposing `port` over plain HTTP.
    pub fn new(port: u16) -> Self {
        IngressPerAppRequirer {
            port,
            ..IngressPerAppRequirer::default()
        }
    }

    /// The protocol on `endpoint`, with this request.
    pub fn requirer<'a>(&'a self, endpoint: &'a str) -> Requirer<'a> {
        Requirer {
            relation_name: endpoint,
            port: self.port,
            scheme: if self.scheme.is_empty() {
                "http"
            } else {
                &self.scheme
            },
            strip_prefix: self.strip_prefix,
            redirect_https: self.redirect_https,
            host: self.host.as_deref(),
        }
    }

    /// The URL last reported, if any (Python's `url`).
    pub fn url(&self) -> Option<&str> {
        self.state.current_url.as_deref()
    }
}

#[library]
impl IngressPerAppRequirer {
    /// Publishes the request; reports a new URL.
    #[on(relation_changed)]
    #[on(relation_departed)]
    fn on_changed(&mut self, model: &LibModel<Self>) -> ops::Result<()> {
        let mut state = self.state.clone();
        let event = self
            .requirer(model.endpoint())
            .on_relation_changed(model, &mut state)?;
        self.state = state;
        if let Some(IngressEvent::Ready { url }) = event {
            model.emit(IngressReady { url })?;
        }
        Ok(())
    }

    /// The relation is gone: forgets the URL and reports it.
    #[on(relation_broken)]
    fn on_broken(&mut self, model: &LibModel<Self>) -> ops::Result<()> {
        let relation_id = model.broken_relation_id().unwrap_or_default();
        self.state.current_url = None;
        model.emit(IngressRevoked { relation_id })
    }

    /// A new leader or a new charm: publishes the request again.
    #[on(leader_elected)]
    #[on(upgrade_charm)]
    fn on_leader_or_upgrade(&mut self, model: &LibModel<Self>) -> ops::Result<()> {
        Ok(self
            .requirer(model.endpoint())
            .provide_ingress_requirements(model)?)
    }
}

/// A requirer's relation is gone (Python's `data_removed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressDataRemoved {
    /// The relation that was broken.
    pub relation_id: u64,
}

/// The provider side of an `ingress` relation, as a library (Python's
/// `IngressPerAppProvider`): emits `data_provided` with each complete request and
/// `data_removed` when a relation is broken; the charm answers with [`Provider`]
/// (`publish_url`).
#[library(
    interface = "ingress",
    role = "provides",
    events(data_provided = IngressRequest, data_removed = IngressDataRemoved)
)]
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressPerAppProvider {}

#[library]
impl IngressPerAppProvider {
    /// Reports a complete request (a malformed one is an error).
    #[on(relation_changed)]
    fn on_changed(
        &mut self,
        model: &LibModel<Self>,
        event: &ops::event::RelationChanged,
    ) -> ops::Result<()> {
        report(model, &event.relation)
    }

    /// A requirer unit left: the request changed.
    #[on(relation_departed)]
    fn on_departed(
        &mut self,
        model: &LibModel<Self>,
        event: &ops::event::RelationDeparted,
    ) -> ops::Result<()> {
        report(model, &event.relation)
    }

    /// Reports the relation gone.
    #[on(relation_broken)]
    fn on_broken(&mut self, model: &LibModel<Self>) -> ops::Result<()> {
        let relation_id = model.broken_relation_id().unwrap_or_default();
        model.emit(IngressDataRemoved { relation_id })
    }
}

/// Emits `relation`'s request, once complete.
fn report(
    model: &LibModel<IngressPerAppProvider>,
    relation: &ops::Relation<'_>,
) -> ops::Result<()> {
    if let Some(request) = Provider::new(model.endpoint()).request(relation)? {
        model.emit(request)?;
    }
    Ok(())
}
