//! The requirer driven by a small charm through `ops::testing`, after the Python
//! library's `tests/unit/.../v4/test_tls_certificates_v4_requires.py` (unit mode).

use charmlib_tls_certificates::{
    CertificateAvailable, CertificateRequest, Requirer, CSRS_KEY, LIBID,
};
use ops::prelude::*;
use ops::testing::{Context, Relation, Secret, State};
use serde_json::Value;
use support::{sign, sign_valid, this_year};

mod support;

/// Records the certificates the library reported.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    available: Vec<CertificateAvailable>,
    error: Option<String>,
}

fn requirer(model: &Model<Probe>) -> ops::Result<Requirer<'static>> {
    let config = model.config()?;
    let mut request = CertificateRequest::new(config.common_name.clone()).san_dns("probe.local");
    request.is_ca = config.ca;
    Ok(Requirer::new("certificates", vec![request]))
}

#[charm]
impl Probe {
    #[on(relation_created = "certificates")]
    #[on(relation_changed = "certificates")]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        match requirer(model)?.configure(model) {
            Ok(available) => self.available = available,
            Err(err) => {
                self.error = Some(err.to_string());
                model.unit().set_status(Status::blocked(err.to_string()))?;
            }
        }
        Ok(())
    }
}

const KEY_LABEL: &str = "afd8c2bccf834997afce12c2706d2ede-private-key-0-certificates";

fn relation() -> Relation {
    Relation::new("certificates").remote_app_name("self-signed-certificates")
}

fn csrs(state: &State, id: u64) -> Vec<Value> {
    let bag = &state.get_relation(id).unwrap().local_unit_data;
    serde_json::from_str(&bag[CSRS_KEY]).unwrap()
}

fn unit_key(state: &State) -> rcgen::KeyPair {
    let secret = state
        .get_secret(None, Some(KEY_LABEL))
        .expect("the key secret");
    rcgen::KeyPair::from_pem(&secret.latest_content["private-key"]).unwrap()
}

fn provider_data(csr: &str, certificate: &str, ca: &str, revoked: bool) -> String {
    serde_json::json!([{
        "certificate_signing_request": csr,
        "certificate": certificate,
        "ca": ca,
        "chain": [certificate, ca],
        "revoked": revoked,
    }])
    .to_string()
}

fn run_created(state: &State, relation: &Relation) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(ctx.on.relation_created(relation), state).unwrap()
}

fn run_changed(state: &State, relation: &Relation) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(ctx.on.relation_changed(relation), state).unwrap()
}

/// The relation as it is in `state`, with `remote_app_data` replaced.
fn answered(state: &State, id: u64, certificates: String) -> (State, Relation) {
    let mut relation = state.get_relation(id).unwrap().clone();
    relation.remote_app_data = [("certificates".to_string(), certificates)].into();
    let mut next = state.clone();
    next.relations = vec![relation.clone()];
    (next, relation)
}

#[test]
fn private_key_is_generated_and_a_csr_sent_on_relation_created() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let secret = out.get_secret(None, Some(KEY_LABEL)).unwrap();
    assert_eq!(secret.owner, Some(ops::testing::SecretOwner::Unit));
    assert!(secret.latest_content["private-key"].starts_with("-----BEGIN PRIVATE KEY-----"));
    let csrs = csrs(&out, relation.id);
    assert_eq!(csrs.len(), 1);
    assert_eq!(csrs[0]["ca"], false);
    let pem = csrs[0]["certificate_signing_request"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    assert!(!pem.ends_with('\n'), "stripped, as Python writes it");

    // The next relation-changed keeps the key and the CSR.
    let again = run_changed(&out, out.get_relation(relation.id).unwrap());
    assert_eq!(csrs_of(&again, relation.id), csrs_of(&out, relation.id));
    assert_eq!(
        again
            .get_secret(None, Some(KEY_LABEL))
            .unwrap()
            .latest_content,
        secret.latest_content
    );
}

fn csrs_of(state: &State, id: u64) -> String {
    state.get_relation(id).unwrap().local_unit_data[CSRS_KEY].clone()
}

#[test]
fn ca_certificate_requested_is_marked_ca() {
    let relation = relation();
    let state = State::new().relation(relation.clone()).config("ca", true);
    let out = run_created(&state, &relation);
    assert_eq!(csrs(&out, relation.id)[0]["ca"], true);
}

#[test]
fn certificate_in_provider_data_is_stored_and_reported() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let csr = csrs(&out, relation.id)[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_string();
    let (certificate, ca) = sign("probe.example", &unit_key(&out));
    let (state, relation) = answered(
        &out,
        relation.id,
        provider_data(&csr, &certificate, &ca, false),
    );
    let out = run_changed(&state, &relation);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.error, None);
    assert_eq!(probe.available.len(), 1);
    assert_eq!(probe.available[0].certificate, certificate.trim());
    assert_eq!(probe.available[0].ca, ca.trim());
    assert_eq!(probe.available[0].chain.len(), 2);

    let digest = ring::digest::digest(&ring::digest::SHA256, csr.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let label = format!("{LIBID}-certificate-0-certificates-{hex}");
    let secret = out
        .get_secret(None, Some(&label))
        .expect("the certificate secret");
    assert_eq!(secret.latest_content["certificate"], certificate.trim());
    assert_eq!(secret.latest_content["csr"], csr);
    let revision = secret.latest_revision;

    // The same certificate again: reported again (as Python emits it on every pass),
    // the secret untouched.
    let again = run_changed(&out, out.get_relation(relation.id).unwrap());
    let probe: Probe = again.get_stored().unwrap();
    assert_eq!(probe.available.len(), 1);
    assert_eq!(
        again
            .get_secret(None, Some(&label))
            .unwrap()
            .latest_revision,
        revision
    );

    // A renewed certificate updates the secret.
    let (renewed, ca) = sign("probe.example", &unit_key(&out));
    let (state, relation) = answered(
        &again,
        relation.id,
        provider_data(&csr, &renewed, &ca, false),
    );
    let out = run_changed(&state, &relation);
    let secret = out.get_secret(None, Some(&label)).unwrap();
    assert_eq!(secret.latest_content["certificate"], renewed.trim());
    assert!(secret.latest_revision > revision);

    // Revoked: the secret goes, nothing is reported.
    let (state, relation) = answered(&out, relation.id, provider_data(&csr, &renewed, &ca, true));
    let out = run_changed(&state, &relation);
    assert!(out.get_secret(None, Some(&label)).is_none());
    let probe: Probe = out.get_stored().unwrap();
    assert!(probe.available.is_empty());
}

#[test]
fn certificate_for_another_key_is_not_reported() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let csr = csrs(&out, relation.id)[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_string();
    let other = rcgen::KeyPair::generate().unwrap();
    let (certificate, ca) = sign("probe.example", &other);
    let (state, relation) = answered(
        &out,
        relation.id,
        provider_data(&csr, &certificate, &ca, false),
    );
    let out = run_changed(&state, &relation);
    let probe: Probe = out.get_stored().unwrap();
    assert!(probe.available.is_empty());
}

#[test]
fn certificate_for_a_csr_not_ours_is_not_reported() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let (certificate, ca) = sign("probe.example", &unit_key(&out));
    let (state, relation) = answered(
        &out,
        relation.id,
        provider_data(
            "-----BEGIN CERTIFICATE REQUEST-----\nMA==\n-----END CERTIFICATE REQUEST-----",
            &certificate,
            &ca,
            false,
        ),
    );
    let out = run_changed(&state, &relation);
    let probe: Probe = out.get_stored().unwrap();
    assert!(probe.available.is_empty());
}

#[test]
fn changed_request_replaces_the_csr() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let before = csrs(&out, relation.id);
    let mut state = out.clone();
    state = state.config("common-name", "other.example");
    let out = run_changed(&state, out.get_relation(relation.id).unwrap());
    let after = csrs(&out, relation.id);
    assert_eq!(after.len(), 1);
    assert_ne!(after[0], before[0]);
}

#[test]
fn csr_made_with_another_key_is_replaced() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    let before = csrs(&out, relation.id);
    // A new private key: the CSR in the databag no longer matches it.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut state = out.clone();
    state.secrets = vec![Secret::new([("private-key", key.serialize_pem())])
        .owned_by_unit()
        .label(KEY_LABEL)];
    let out = run_changed(&state, out.get_relation(relation.id).unwrap());
    let after = csrs(&out, relation.id);
    assert_eq!(after.len(), 1);
    assert_ne!(after[0], before[0]);
}

#[test]
fn malformed_provider_data_blocks_the_unit_without_panicking() {
    let relation = relation();
    let out = run_created(&State::new().relation(relation.clone()), &relation);
    for bad in [
        "not json",
        "{\"certificates\": 1}",
        "[{\"certificate\": 5}]",
    ] {
        let (state, relation) = answered(&out, relation.id, bad.to_string());
        let out = run_changed(&state, &relation);
        let probe: Probe = out.get_stored().unwrap();
        let error = probe.error.expect("an error");
        assert!(
            error.contains("the provider's certificates are not valid"),
            "{error}"
        );
        assert_eq!(out.unit_status.name, ops::StatusName::Blocked);
    }
}

/// The same requests through the library: the charm only observes its event.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Serialize, Deserialize)]
pub struct LibProbe {
    #[lib(endpoint = "certificates")]
    tls: charmlib_tls_certificates::TlsCertificatesRequires,
    available: Vec<String>,
}

impl Default for LibProbe {
    fn default() -> Self {
        let request = CertificateRequest::new("probe.example").san_dns("probe.local");
        LibProbe {
            tls: charmlib_tls_certificates::TlsCertificatesRequires::new(vec![request]),
            available: Vec::new(),
        }
    }
}

#[charm]
impl LibProbe {
    #[on(tls.certificate_available)]
    fn certificate_available(
        &mut self,
        _model: &Model<Self>,
        event: &Custom<CertificateAvailable>,
    ) {
        self.available.push(event.certificate.clone());
    }
}

#[test]
fn the_library_requests_and_reports_by_itself() {
    let relation = relation();
    let mut ctx = Context::<LibProbe>::new();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()),
        )
        .unwrap();
    let csr = csrs(&out, relation.id)[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_string();
    let (certificate, ca) = sign("probe.example", &unit_key(&out));
    let (state, relation) = answered(
        &out,
        relation.id,
        provider_data(&csr, &certificate, &ca, false),
    );
    let out = ctx.run(ctx.on.relation_changed(&relation), &state).unwrap();
    let probe: LibProbe = out.get_stored().unwrap();
    assert_eq!(probe.available, [certificate.trim().to_string()]);
}

/// The certificate secret's label for `csr`.
fn certificate_label(csr: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, csr.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("{LIBID}-certificate-0-certificates-{hex}")
}

/// The library's state after its CSR was answered with a certificate valid from 1
/// January of `from` to 1 January of `to`, and that CSR.
fn certified(from: i32, to: i32) -> (Context<LibProbe>, State, Relation, String) {
    let relation = relation();
    let mut ctx = Context::<LibProbe>::new();
    let out = ctx
        .run(
            ctx.on.relation_created(&relation),
            &State::new().relation(relation.clone()),
        )
        .unwrap();
    let csr = csrs(&out, relation.id)[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_string();
    let (certificate, ca) = sign_valid("probe.example", &unit_key(&out), from, to);
    let (state, relation) = answered(
        &out,
        relation.id,
        provider_data(&csr, &certificate, &ca, false),
    );
    let out = ctx.run(ctx.on.relation_changed(&relation), &state).unwrap();
    (ctx, out, relation, csr)
}

#[test]
fn the_certificate_secret_expires_after_90_percent_of_the_time_left() {
    let year = this_year();
    // Valid until 1 January, year + 11: 90% of what is left ends in November or
    // December of year + 9.
    let (_, out, relation, csr) = certified(year - 1, year + 11);
    let secret = out
        .get_secret(None, Some(&certificate_label(&csr)))
        .unwrap();
    let expire = secret.expire.clone().expect("an expiry");
    let month = format!("{}-1", year + 9);
    assert!(expire.starts_with(&month), "{expire}");
    // Not renewed yet: the CSR stays.
    assert_eq!(
        csrs(&out, relation.id)[0]["certificate_signing_request"],
        csr
    );
}

#[test]
fn secret_expired_replaces_the_csr_and_removes_the_secret() {
    let year = this_year();
    let (mut ctx, out, relation, csr) = certified(year - 1, year + 11);
    let secret = out
        .get_secret(None, Some(&certificate_label(&csr)))
        .unwrap()
        .clone();
    let key_before = unit_key(&out).public_key_pem();
    let out = ctx
        .run(ctx.on.secret_expired(&secret, secret.latest_revision), &out)
        .unwrap();
    assert!(out
        .get_secret(None, Some(&certificate_label(&csr)))
        .is_none());
    let sent = csrs(&out, relation.id);
    assert_eq!(sent.len(), 1);
    let new = sent[0]["certificate_signing_request"].as_str().unwrap();
    assert_ne!(new, csr);
    assert!(new.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    // Made with the same key, which stays.
    assert_eq!(unit_key(&out).public_key_pem(), key_before);
}

#[test]
fn an_unrelated_expired_secret_changes_nothing() {
    let year = this_year();
    let (mut ctx, out, relation, csr) = certified(year - 1, year + 11);
    let other = Secret::new([("x".to_string(), "y".to_string())])
        .label("mine")
        .owned_by_unit();
    let state = out.clone().secret(other.clone());
    let after = ctx.run(ctx.on.secret_expired(&other, 0), &state).unwrap();
    assert!(after
        .get_secret(None, Some(&certificate_label(&csr)))
        .is_some());
    assert_eq!(csrs_of(&after, relation.id), csrs_of(&out, relation.id));
}

#[test]
fn a_certificate_past_95_percent_of_its_validity_is_renewed_as_a_safety_net() {
    let year = this_year();
    // Valid from year - 20 to 1 January, year + 1: past 95% since mid-December.
    let (_, out, relation, csr) = certified(year - 20, year + 1);
    let sent = csrs(&out, relation.id);
    assert_eq!(sent.len(), 1);
    assert_ne!(sent[0]["certificate_signing_request"], csr);
    // Still reported in that pass, as Python does.
    let probe: LibProbe = out.get_stored().unwrap();
    assert_eq!(probe.available.len(), 1);
}
