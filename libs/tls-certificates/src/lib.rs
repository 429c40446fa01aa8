//! The requirer side of the `tls-certificates` interface, version 4 (Python's
//! `charmlibs.interfaces.tls_certificates.TLSCertificatesRequiresV4`, unit mode): the
//! unit gets certificates signed by a provider (self-signed-certificates, Vault,
//! Let's Encrypt through lego...).
//!
//! On the wire, as the Python library:
//! - the unit's private key lives in a unit-owned Juju secret labelled
//!   `<LIBID>-private-key-<unit number>-<endpoint>`, content `private-key` (PEM);
//! - each certificate request is a CSR signed with that key, listed in the unit's
//!   databag under `certificate_signing_requests`, JSON
//!   `[{"certificate_signing_request": "<PEM>", "ca": false}]`. The CSR's subject has
//!   the common name and an `x500UniqueIdentifier` (a random UUID, as Python adds by
//!   default), its SANs the DNS names and IP addresses asked for;
//! - the provider answers in its application databag under `certificates`, JSON
//!   `[{"certificate", "certificate_signing_request", "ca", "chain", "revoked"}]`;
//! - a certificate for one of this unit's CSRs whose public key is this unit's is kept
//!   in a unit-owned secret labelled `<LIBID>-certificate-<unit number>-<endpoint>-<SHA-256
//!   of the CSR>` (content `certificate`, `csr`) and reported as
//!   [`CertificateAvailable`] (Python's `certificate_available`, emitted on every pass);
//!   a revoked one has its secret removed;
//! - renewal, as Python's: the certificate secret expires after 90% of the time left
//!   until the certificate does ([`RENEWAL_RELATIVE_TIME`]); on its `secret-expired`
//!   the CSR is replaced by a new one (same key) and the secret removed. As a safety
//!   net, each reconciliation replaces the CSR of a certificate past 95% of its
//!   validity and not yet expired.
//!
//! [`TlsCertificatesRequires`] is the requirer as a charm library (event
//! `certificate_available`); [`Requirer`] is the protocol as functions to call from
//! handlers.
//!
//! Keys here are ECDSA P-256 (the Python library makes RSA 2048 by default and accepts
//! both); the key is PKCS#8 PEM, which Python's `PrivateKey.from_string` reads.
//!
//! Not ported: application mode, a renewal time other than 0.9, `certificate_denied`
//! (`request_errors`), provider capabilities, the provider side, key rotation and
//! importing a key.

#![deny(missing_docs)]

mod der;

use charmlib_cosl::codec::py_dumps_object;
use ops::{Member, ModelCore, ModelError, Relation, SecretExpiry, SecretSettings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::IpAddr;
use std::time::SystemTime;

/// The Python library's id, part of its secrets' labels.
pub const LIBID: &str = "afd8c2bccf834997afce12c2706d2ede";

/// When a certificate is renewed, as a fraction of the time left until it expires when
/// it arrives (Python's default `renewal_relative_time`).
pub const RENEWAL_RELATIVE_TIME: f64 = 0.9;

/// The unit databag key listing this unit's CSRs.
pub const CSRS_KEY: &str = "certificate_signing_requests";

/// What a certificate is asked for (Python's `CertificateRequestAttributes`, the part
/// ported).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CertificateRequest {
    /// The subject's common name.
    pub common_name: String,
    /// DNS names for the SANs.
    pub sans_dns: Vec<String>,
    /// IP addresses for the SANs.
    pub sans_ip: Vec<IpAddr>,
    /// Whether a CA certificate is asked for (`ca` in the databag).
    pub is_ca: bool,
}

impl CertificateRequest {
    /// A request for `common_name`, with no SANs.
    pub fn new(common_name: impl Into<String>) -> Self {
        CertificateRequest {
            common_name: common_name.into(),
            ..CertificateRequest::default()
        }
    }

    /// The same request with `name` among the DNS SANs.
    pub fn san_dns(mut self, name: impl Into<String>) -> Self {
        self.sans_dns.push(name.into());
        self
    }

    /// Whether `csr` asks for this (same common name and SANs, key aside).
    fn matches(&self, csr: &der::CsrInfo) -> bool {
        let mut dns = self.sans_dns.clone();
        dns.sort();
        let mut ip = self.sans_ip.clone();
        ip.sort();
        csr.common_name.as_deref() == Some(self.common_name.as_str())
            && csr.sans_dns == dns
            && csr.sans_ip == ip
    }
}

/// A certificate signed for this unit (Python's `certificate_available` payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateAvailable {
    /// The CSR it answers (PEM).
    pub certificate_signing_request: String,
    /// The certificate (PEM).
    pub certificate: String,
    /// The CA's certificate (PEM).
    pub ca: String,
    /// The chain (PEM each).
    pub chain: Vec<String>,
}

/// One entry of the requirer's `certificate_signing_requests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CsrEntry {
    certificate_signing_request: String,
    ca: Option<bool>,
}

/// One entry of the provider's `certificates`.
#[derive(Debug, Clone, Deserialize)]
struct ProviderEntry {
    ca: String,
    certificate_signing_request: String,
    certificate: String,
    chain: Option<Vec<String>>,
    revoked: Option<bool>,
}

/// The requirer side's protocol (limit 1, unit mode), called from handlers: what the
/// [`TlsCertificatesRequires`] library runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirer<'a> {
    /// The relation endpoint (from `charmcraft.yaml`).
    pub relation_name: &'a str,
    /// The certificates this unit wants.
    pub requests: Vec<CertificateRequest>,
}

/// A clear error about bad relation data or a bad key.
fn invalid(detail: impl Into<String>) -> ModelError {
    ModelError::Invalid {
        what: "tls-certificates",
        detail: detail.into(),
    }
}

impl<'a> Requirer<'a> {
    /// A requirer on `relation_name` asking for `requests`.
    pub fn new(relation_name: &'a str, requests: Vec<CertificateRequest>) -> Self {
        Requirer {
            relation_name,
            requests,
        }
    }

    /// The label of this unit's private key secret.
    pub fn private_key_label(&self, model: &ModelCore) -> String {
        format!(
            "{LIBID}-private-key-{}-{}",
            unit_number(model),
            self.relation_name
        )
    }

    /// The label of the secret holding the certificate for `csr` (PEM).
    pub fn certificate_label(&self, model: &ModelCore, csr: &str) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, csr.as_bytes());
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{LIBID}-certificate-{}-{}-{hex}",
            unit_number(model),
            self.relation_name
        )
    }

    /// The whole reconciliation, as Python's `_configure` on `relation-created`,
    /// `relation-changed` and `leader-elected`: makes the private key if there is none,
    /// drops CSRs nothing asks for any more, sends a CSR for each request not sent yet,
    /// and stores and reports the certificates the provider signed for this unit.
    pub fn configure(&self, model: &ModelCore) -> Result<Vec<CertificateAvailable>, ModelError> {
        let Some(relation) = model.relation_one(self.relation_name)? else {
            log::debug!("TLS relation not created yet.");
            return Ok(Vec::new());
        };
        let key = self.ensure_private_key(model)?;
        let public_key = rcgen::PublicKeyData::subject_public_key_info(&key);
        self.send_requests(&relation, &key, &public_key, None)?;
        let available = self.find_available(model, &relation, &public_key)?;
        // Python's `_renew_expiring_certificates`: in case secret-expired was missed.
        let now = SystemTime::now();
        let threshold = (RENEWAL_RELATIVE_TIME + 0.05).min(0.99);
        for certificate in &available {
            let validity = pem_der(&certificate.certificate, "CERTIFICATE")
                .and_then(|der| der::certificate_validity(&der));
            let Some((start, end)) = validity else {
                continue;
            };
            let period = end.duration_since(start).unwrap_or_default();
            let renew_at = start + period.mul_f64(threshold);
            if now >= renew_at && now < end {
                log::warn!(
                    "Certificate approaching expiry but not renewed - triggering renewal as safety net"
                );
                self.send_requests(
                    &relation,
                    &key,
                    &public_key,
                    Some(&certificate.certificate_signing_request),
                )?;
            }
        }
        Ok(available)
    }

    /// Replaces the CSR `csr` by a new one for the same request (Python's
    /// `_renew_certificate_request`). Nothing without the relation or the key.
    pub fn renew_certificate_request(
        &self,
        model: &ModelCore,
        csr: &str,
    ) -> Result<(), ModelError> {
        let Some(relation) = model.relation_one(self.relation_name)? else {
            log::debug!("No relation: {}", self.relation_name);
            return Ok(());
        };
        let key = self.ensure_private_key(model)?;
        let public_key = rcgen::PublicKeyData::subject_public_key_info(&key);
        self.send_requests(&relation, &key, &public_key, Some(csr))?;
        log::info!("Renewed certificate request");
        Ok(())
    }

    /// On `secret-expired` of one of this library's certificate secrets: renews its
    /// CSR and removes the secret (Python's `_on_secret_expired`). Other secrets are
    /// left alone.
    pub fn on_secret_expired(&self, secret: &ops::Secret<'_>) -> Result<(), ModelError> {
        let ours = format!("{LIBID}-certificate");
        if !secret.label().is_some_and(|l| l.starts_with(&ours)) {
            return Ok(());
        }
        let content = match secret.get_content(true) {
            Ok(content) => content,
            Err(e) => {
                log::error!("Failed to get CSR from secret - Skipping ({e})");
                return Ok(());
            }
        };
        let Some(csr) = content.get("csr") else {
            log::error!("Failed to get CSR from secret - Skipping (no csr)");
            return Ok(());
        };
        self.renew_certificate_request(secret.model(), csr)?;
        secret.remove_all_revisions()
    }

    /// The private key (PEM), made and stored the first time.
    fn ensure_private_key(&self, model: &ModelCore) -> Result<rcgen::KeyPair, ModelError> {
        let label = self.private_key_label(model);
        match model.get_secret_by_label(&label) {
            Ok(secret) => {
                let content = secret.get_content(false)?;
                let pem = content
                    .get("private-key")
                    .ok_or_else(|| invalid(format!("secret {label} has no private-key")))?;
                load_key(pem)
                    .map_err(|e| invalid(format!("the private key in secret {label}: {e}")))
            }
            Err(ModelError::SecretNotFound(_)) => {
                let key = rcgen::KeyPair::generate()
                    .map_err(|e| invalid(format!("cannot generate a private key: {e}")))?;
                let pem = key.serialize_pem();
                model.unit().add_secret(
                    [("private-key", pem.trim())],
                    SecretSettings::new().label(label),
                )?;
                log::info!("Private key generated");
                Ok(key)
            }
            Err(err) => Err(err),
        }
    }

    /// This unit's CSRs in `relation`, as listed (PEM, `ca`).
    fn csrs(&self, relation: &Relation<'_>) -> Result<Vec<CsrEntry>, ModelError> {
        match relation.get(Member::ThisUnit, CSRS_KEY)? {
            None => Ok(Vec::new()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| invalid(format!("this unit's {CSRS_KEY} is not valid: {e}"))),
        }
    }

    /// Keeps the CSRs that answer a request with this unit's key (but `renew`), adds one
    /// for each request left.
    fn send_requests(
        &self,
        relation: &Relation<'_>,
        key: &rcgen::KeyPair,
        public_key: &[u8],
        renew: Option<&str>,
    ) -> Result<(), ModelError> {
        let old = self.csrs(relation)?;
        let mut kept = Vec::new();
        let mut pending: Vec<&CertificateRequest> = self.requests.iter().collect();
        for entry in &old {
            if renew.is_some_and(|csr| csr.trim() == entry.certificate_signing_request.trim()) {
                continue;
            }
            let info = pem_der(&entry.certificate_signing_request, "CERTIFICATE REQUEST")
                .and_then(|der| der::csr_info(&der));
            let answered = info.as_ref().and_then(|info| {
                pending.iter().position(|r| {
                    r.matches(info)
                        && r.is_ca == entry.ca.unwrap_or(false)
                        && info.public_key == public_key
                })
            });
            if let Some(i) = answered {
                pending.remove(i);
                kept.push(entry.clone());
            }
        }
        for request in pending {
            kept.push(CsrEntry {
                certificate_signing_request: generate_csr(request, key)?,
                ca: Some(request.is_ca),
            });
        }
        if kept != old {
            // In the Python model's field order, as pydantic dumps it.
            let entries: Vec<String> = kept
                .iter()
                .map(|e| {
                    let csr = Value::from(e.certificate_signing_request.as_str());
                    let ca = e.ca.map_or(Value::Null, Value::Bool);
                    py_dumps_object([("certificate_signing_request", &csr), ("ca", &ca)])
                })
                .collect();
            relation.set(
                Member::ThisUnit,
                CSRS_KEY,
                format!("[{}]", entries.join(", ")),
            )?;
        }
        Ok(())
    }

    /// The provider's entries for this unit's CSRs in `relation`.
    fn answers(&self, relation: &Relation<'_>) -> Result<Vec<ProviderEntry>, ModelError> {
        let csrs: Vec<String> = self
            .csrs(relation)?
            .into_iter()
            .map(|e| e.certificate_signing_request.trim().to_string())
            .collect();
        let mut answers = self.provider_certificates(relation)?;
        answers.retain(|entry| {
            csrs.iter()
                .any(|c| c == entry.certificate_signing_request.trim())
        });
        Ok(answers)
    }

    /// Stores (or drops, if revoked) each certificate signed for one of this unit's
    /// CSRs with this unit's key, and reports the valid ones.
    fn find_available(
        &self,
        model: &ModelCore,
        relation: &Relation<'_>,
        public_key: &[u8],
    ) -> Result<Vec<CertificateAvailable>, ModelError> {
        let mut available = Vec::new();
        for entry in self.answers(relation)? {
            let label = self.certificate_label(model, entry.certificate_signing_request.trim());
            let existing = match model.get_secret_by_label(&label) {
                Ok(secret) => Some(secret),
                Err(ModelError::SecretNotFound(_)) => None,
                Err(err) => return Err(err),
            };
            if entry.revoked.unwrap_or(false) {
                if let Some(secret) = existing {
                    log::debug!("Removing secret with label {label}");
                    secret.remove_all_revisions()?;
                }
                continue;
            }
            let Some(certificate) = entry.signed_for(public_key) else {
                log::warn!("a certificate for this unit's CSR does not match its private key");
                continue;
            };
            let content = [
                ("certificate", certificate.certificate.as_str()),
                ("csr", certificate.certificate_signing_request.as_str()),
            ];
            let expire = renewal_time(&certificate.certificate).map(SecretExpiry::At);
            match existing {
                Some(secret) => {
                    let stored = secret.get_content(true)?;
                    if stored.get("certificate") != Some(certificate.certificate.as_str()) {
                        secret.set_content(content)?;
                        if let Some(expire) = expire {
                            secret.set_info(SecretSettings::new().expire(expire))?;
                        }
                    }
                }
                None => {
                    let mut settings = SecretSettings::new().label(label);
                    settings.expire = expire;
                    model.unit().add_secret(content, settings)?;
                }
            }
            available.push(certificate);
        }
        Ok(available)
    }

    /// The provider's `certificates`; a malformed list is an error.
    fn provider_certificates(
        &self,
        relation: &Relation<'_>,
    ) -> Result<Vec<ProviderEntry>, ModelError> {
        if relation.remote_app()?.is_none() {
            return Ok(Vec::new());
        }
        match relation.get(Member::RemoteApp, "certificates")? {
            None => Ok(Vec::new()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| invalid(format!("the provider's certificates are not valid: {e}"))),
        }
    }

    /// The valid certificates signed for this unit's key, with that key (PEM): Python's
    /// `get_assigned_certificates`.
    pub fn assigned_certificates(
        &self,
        model: &ModelCore,
    ) -> Result<(Vec<CertificateAvailable>, Option<String>), ModelError> {
        let Some(relation) = model.relation_one(self.relation_name)? else {
            return Ok((Vec::new(), None));
        };
        let pem = match model.get_secret_by_label(&self.private_key_label(model)) {
            Ok(secret) => secret
                .get_content(false)?
                .get("private-key")
                .map(str::to_string),
            Err(ModelError::SecretNotFound(_)) => None,
            Err(err) => return Err(err),
        };
        let Some(pem) = pem else {
            return Ok((Vec::new(), None));
        };
        let key = load_key(&pem).map_err(|e| invalid(format!("this unit's private key: {e}")))?;
        let public_key = rcgen::PublicKeyData::subject_public_key_info(&key);
        let certificates = self
            .answers(&relation)?
            .into_iter()
            .filter(|entry| !entry.revoked.unwrap_or(false))
            .filter_map(|entry| entry.signed_for(&public_key))
            .collect();
        Ok((certificates, Some(pem)))
    }
}

impl ProviderEntry {
    /// The entry as a [`CertificateAvailable`], if its certificate carries
    /// `public_key`.
    fn signed_for(self, public_key: &[u8]) -> Option<CertificateAvailable> {
        let certificate = self.certificate.trim().to_string();
        let key = pem_der(&certificate, "CERTIFICATE")
            .and_then(|der| der::certificate_public_key(&der))?;
        (key == public_key).then(|| CertificateAvailable {
            certificate_signing_request: self.certificate_signing_request.trim().to_string(),
            certificate,
            ca: self.ca.trim().to_string(),
            chain: self
                .chain
                .unwrap_or_default()
                .iter()
                .map(|c| c.trim().to_string())
                .collect(),
        })
    }
}

/// The requirer as a charm library (Python's `TLSCertificatesRequiresV4(self,
/// "certificates", certificate_requests=[...])`): it observes its endpoint's
/// `relation-created` and `relation-changed` and `leader-elected` itself, and emits
/// `certificate_available` for each certificate signed for this unit. What it asks for
/// is its state: set it in the charm's `Default` or when it changes.
#[ops::library(
    interface = "tls-certificates",
    role = "requires",
    events(certificate_available = CertificateAvailable)
)]
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsCertificatesRequires {
    /// The certificates this unit wants.
    #[serde(default)]
    pub requests: Vec<CertificateRequest>,
}

impl TlsCertificatesRequires {
    /// A requirer asking for `requests`.
    pub fn new(requests: Vec<CertificateRequest>) -> Self {
        TlsCertificatesRequires { requests }
    }

    /// The protocol on `endpoint`, with these requests.
    pub fn requirer<'a>(&self, endpoint: &'a str) -> Requirer<'a> {
        Requirer::new(endpoint, self.requests.clone())
    }
}

#[ops::library]
impl TlsCertificatesRequires {
    /// Reconciles the key, the CSRs and the certificates; reports each available one.
    #[on(relation_created)]
    #[on(relation_changed)]
    #[on(leader_elected)]
    fn configure(&mut self, model: &ops::LibModel<Self>) -> ops::Result<()> {
        for certificate in self.requirer(model.endpoint()).configure(model)? {
            model.emit(certificate)?;
        }
        Ok(())
    }

    /// A certificate secret expired: ask for a new certificate.
    #[on(secret_expired)]
    fn renew(
        &mut self,
        model: &ops::LibModel<Self>,
        event: &ops::event::SecretExpired,
    ) -> ops::Result<()> {
        self.requirer(model.endpoint())
            .on_secret_expired(&event.secret)?;
        Ok(())
    }
}

/// When the secret of `certificate` (PEM) expires: after [`RENEWAL_RELATIVE_TIME`] of
/// the time from now until the certificate does (Python's
/// `calculate_relative_datetime`); `None` if its validity cannot be read.
fn renewal_time(certificate: &str) -> Option<SystemTime> {
    let (_, end) =
        pem_der(certificate, "CERTIFICATE").and_then(|der| der::certificate_validity(&der))?;
    let now = SystemTime::now();
    Some(match end.duration_since(now) {
        Ok(left) => now + left.mul_f64(RENEWAL_RELATIVE_TIME),
        Err(past) => now - past.duration().mul_f64(RENEWAL_RELATIVE_TIME),
    })
}

/// A CSR (PEM, trimmed) for `request`, signed with `key`.
fn generate_csr(request: &CertificateRequest, key: &rcgen::KeyPair) -> Result<String, ModelError> {
    let sans: Vec<String> = request
        .sans_ip
        .iter()
        .map(IpAddr::to_string)
        .chain(request.sans_dns.iter().cloned())
        .collect();
    let mut params = rcgen::CertificateParams::new(sans)
        .map_err(|e| invalid(format!("invalid SANs for {}: {e}", request.common_name)))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, request.common_name.as_str());
    params.distinguished_name.push(
        rcgen::DnType::CustomDnType(vec![2, 5, 4, 45]),
        charmlib_cosl::codec::uuid4(),
    );
    let csr = params
        .serialize_request(key)
        .and_then(|csr| csr.pem())
        .map_err(|e| {
            invalid(format!(
                "cannot make a CSR for {}: {e}",
                request.common_name
            ))
        })?;
    Ok(csr.trim().to_string())
}

/// A private key from PEM: PKCS#8 (`PRIVATE KEY`, as this library stores it) or PKCS#1
/// (`RSA PRIVATE KEY`, as the Python library stores its RSA keys).
fn load_key(text: &str) -> Result<rcgen::KeyPair, String> {
    let block = pem::parse(text).map_err(|e| e.to_string())?;
    let der = match block.tag() {
        "PRIVATE KEY" => block.into_contents(),
        "RSA PRIVATE KEY" => der::rsa_pkcs1_to_pkcs8(block.contents()),
        other => return Err(format!("unsupported key type {other:?}")),
    };
    rcgen::KeyPair::try_from(der.as_slice()).map_err(|e| e.to_string())
}

/// The DER inside `text` if it is one PEM block with `tag`.
fn pem_der(text: &str, tag: &str) -> Option<Vec<u8>> {
    let block = pem::parse(text).ok()?;
    (block.tag() == tag).then(|| block.into_contents())
}

/// The number of this unit (`app/3` → `3`).
fn unit_number(model: &ModelCore) -> String {
    let unit = model.unit();
    let name = unit.name();
    name.rsplit_once('/').map_or(name, |(_, n)| n).to_string()
}
