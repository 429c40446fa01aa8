//! TLS for an https tracing endpoint (feature `tracing-tls`): rustls with the `ring`
//! provider, trusting the CA bundle from the certificate-transfer relation, or the
//! system's bundle when the charm declares no CA relation.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};
use std::sync::Arc;

/// Where Debian and Ubuntu keep the system's CA bundle.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A client connection to `host`, trusting `ca` (PEM) or the system's CAs.
pub(super) fn connect(host: &str, ca: Option<&str>) -> Result<ClientConnection, String> {
    let pem = match ca {
        Some(ca) => ca.as_bytes().to_vec(),
        None => std::fs::read(SYSTEM_BUNDLE)
            .map_err(|e| format!("no CA given and {SYSTEM_BUNDLE}: {e}"))?,
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| format!("the CA bundle: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("a CA certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err("the CA bundle holds no certificate".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
    ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())
}
