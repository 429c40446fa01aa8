//! Traefik's `ingress` interface, version 2 (Python's
//! `charms.traefik_k8s.v2.ingress`): an application asks an ingress provider (Traefik)
//! for a URL that routes to its units.
//!
//! On the wire, every value JSON-encoded (the Python library's `DatabagModel.dump`,
//! which first clears the databag and leaves out fields at their default):
//! - the requirer's leader writes into its application databag `model`, `name`, `port`,
//!   and when not at their defaults `scheme` (default `"http"`), `is_port_open`,
//!   `strip-prefix`, `redirect-https`; each requirer unit writes `host` and `ip` into its
//!   unit databag;
//! - the provider's leader answers with `ingress`, `{"url": "..."}`, in its application
//!   databag.
//!
//! [`IngressPerAppRequirer`] and [`IngressPerAppProvider`] are the two sides as charm
//! libraries (events `ready` and `revoked`; `data_provided` and `data_removed`);
//! [`Requirer`] and [`Provider`] are the protocol as functions to call from handlers
//! (the provider's answer: `publish_url`).
//!
//! The requirer reports [`IngressEvent::Ready`] when the URL it reads differs from the
//! last one it reported (kept in [`RequirerState`], the Python library's stored
//! `current_url`), and [`IngressEvent::Revoked`] when the relation is broken.
//!
//! Not ported: health-check parameters. Difference: Python validates the URL with
//! pydantic's `AnyHttpUrl`, which normalizes it (`http://host` becomes `http://host/`);
//! here the URL must start with `http://` or `https://` and is kept as written.

#![deny(missing_docs)]

mod library;
mod provider;
mod requirer;

pub use library::{
    IngressDataRemoved, IngressPerAppProvider, IngressPerAppRequirer, IngressReady, IngressRevoked,
};
pub use provider::{IngressRequest, Provider, UnitAddress};
pub use requirer::{IngressEvent, Requirer, RequirerState};

/// The default endpoint name.
pub const DEFAULT_RELATION_NAME: &str = "ingress";

/// A value of an ingress databag: JSON, as the Python library writes it.
fn field<T: serde::de::DeserializeOwned>(
    bag: &ops::model::Databag,
    key: &str,
) -> Result<Option<T>, ops::ModelError> {
    let Some(text) = bag.get(key) else {
        return Ok(None);
    };
    serde_json::from_str(text)
        .map(Some)
        .map_err(|err| ops::ModelError::Invalid {
            what: "ingress relation data",
            detail: format!("{key:?} is not valid: {err}"),
        })
}

/// Whether `url` is an HTTP(S) URL with a host.
fn is_http_url(url: &str) -> bool {
    ["http://", "https://"].iter().any(|p| {
        url.strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    })
}
