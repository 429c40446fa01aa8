//! The requirer compared with the Python library (`charmlibs-interfaces-tls-certificates`
//! 1.12.0, pinned in `.ci/python-refs.txt`) on the same state: each side must accept
//! what the other wrote, and both must store the same certificate secret for the same
//! provider answer. CSRs and keys are random, so the comparison is by what each side
//! does with the other's, not by bytes.

use charmlib_python_refs::{python, run};
use charmlib_tls_certificates::{CertificateAvailable, CertificateRequest, Requirer, CSRS_KEY};
use ops::prelude::*;
use ops::testing::{Context, Relation, Secret, State};
use serde_json::{json, Value};
use support::{sign, sign_valid, this_year};

mod support;

const SCRIPT: &str = include_str!("python/requirer.py");
const KEY_LABEL: &str = "afd8c2bccf834997afce12c2706d2ede-private-key-0-certificates";

/// The same request as the Python side's.
#[charm(metadata = "tests/probe.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    available: Vec<CertificateAvailable>,
}

#[charm]
impl Probe {
    #[on(relation_created = "certificates")]
    #[on(relation_changed = "certificates")]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let request = CertificateRequest::new("probe.example").san_dns("probe.local");
        let requirer = Requirer::new("certificates", vec![request]);
        self.available = requirer.configure(model)?;
        Ok(())
    }
}

fn relation() -> Relation {
    Relation::new("certificates").remote_app_name("self-signed-certificates")
}

/// Runs the Python requirer on `state`'s relation and secrets.
fn python_run(py: &std::path::PathBuf, state: &State, event: &str) -> Value {
    let relation = &state.relations[0];
    let secrets: Vec<Value> = state
        .secrets
        .iter()
        .map(|s| json!({"label": s.label, "content": s.latest_content}))
        .collect();
    run(
        py,
        SCRIPT,
        &json!({
            "common_name": "probe.example",
            "sans_dns": ["probe.local"],
            "is_ca": false,
            "relation_id": relation.id,
            "local_unit_data": relation.local_unit_data,
            "remote_app_data": relation.remote_app_data,
            "secrets": secrets,
            "event": event,
        }),
    )
}

/// The State the Python side left, as an input for ours.
fn state_from_python(out: &Value, relation: &Relation) -> State {
    let mut relation = relation.clone();
    relation.local_unit_data = serde_json::from_value(out["local_unit_data"].clone()).unwrap();
    let mut state = State::new().relation(relation);
    for secret in out["secrets"].as_array().unwrap() {
        let content: std::collections::BTreeMap<String, String> =
            serde_json::from_value(secret["content"].clone()).unwrap();
        let mut s = Secret::new(content).owned_by_unit();
        if let Some(label) = secret["label"].as_str() {
            s = s.label(label);
        }
        state = state.secret(s);
    }
    state
}

fn rust_run(state: &State, created: bool) -> State {
    let mut ctx = Context::<Probe>::new();
    let relation = &state.relations[0];
    let event = if created {
        ctx.on.relation_created(relation)
    } else {
        ctx.on.relation_changed(relation)
    };
    ctx.run(event, state).unwrap()
}

#[test]
fn python_keeps_the_csr_and_key_rust_wrote() {
    let Some(py) = python("tls-certificates: Python reads Rust's CSR") else {
        return;
    };
    let relation = relation();
    let out = rust_run(&State::new().relation(relation.clone()), true);
    let ours = &out.relations[0].local_unit_data[CSRS_KEY];
    let theirs = python_run(&py, &out, "relation_changed");
    // Python found our CSR matching its request (common name, SANs, unique id) and our
    // key, so it neither replaced it nor made a key of its own.
    assert_eq!(theirs["local_unit_data"][CSRS_KEY], json!(ours));
    let key_secrets: Vec<&Value> = theirs["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["label"] == KEY_LABEL)
        .collect();
    assert_eq!(key_secrets.len(), 1);
    assert_eq!(
        key_secrets[0]["content"]["private-key"],
        json!(
            out.get_secret(None, Some(KEY_LABEL))
                .unwrap()
                .latest_content["private-key"]
        )
    );
}

#[test]
fn rust_keeps_the_csr_and_key_python_wrote() {
    let Some(py) = python("tls-certificates: Rust reads Python's CSR") else {
        return;
    };
    let relation = relation();
    let theirs = python_run(
        &py,
        &State::new().relation(relation.clone()),
        "relation_created",
    );
    let state = state_from_python(&theirs, &relation);
    let python_csrs = state.relations[0].local_unit_data[CSRS_KEY].clone();
    // Python's databag format: a JSON list of {certificate_signing_request, ca}.
    let list: Vec<Value> = serde_json::from_str(&python_csrs).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["ca"], false);
    let out = rust_run(&state, false);
    assert_eq!(out.relations[0].local_unit_data[CSRS_KEY], python_csrs);

    // Written fresh, both sides' lists are the same text but for the CSR itself.
    let fresh = rust_run(&State::new().relation(relation.clone()), true);
    let ours = &fresh.relations[0].local_unit_data[CSRS_KEY];
    let ours_csr = serde_json::from_str::<Vec<Value>>(ours).unwrap()[0]
        ["certificate_signing_request"]
        .as_str()
        .unwrap()
        .replace('\n', "\\n");
    let theirs_csr = list[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .replace('\n', "\\n");
    assert_eq!(
        ours.replace(&ours_csr, "CSR"),
        python_csrs.replace(&theirs_csr, "CSR")
    );
}

/// A CA and a certificate for the unit's key, signed by it, as the provider sends.
fn provider_answer(csr: &str, key_pem: &str) -> String {
    let key = rcgen::KeyPair::from_pem(key_pem).unwrap();
    let (certificate, ca) = sign("probe.example", &key);
    json!([{
        "certificate_signing_request": csr,
        "certificate": certificate.trim(),
        "ca": ca.trim(),
        "chain": [certificate.trim(), ca.trim()],
    }])
    .to_string()
}

#[test]
fn same_answer_same_certificate_secret_and_event() {
    let Some(py) = python("tls-certificates: certificate secret compared") else {
        return;
    };
    let relation = relation();
    let out = rust_run(&State::new().relation(relation.clone()), true);
    let csrs: Vec<Value> =
        serde_json::from_str(&out.relations[0].local_unit_data[CSRS_KEY]).unwrap();
    let csr = csrs[0]["certificate_signing_request"].as_str().unwrap();
    let key = &out
        .get_secret(None, Some(KEY_LABEL))
        .unwrap()
        .latest_content["private-key"];
    let mut state = out.clone();
    state.relations[0].remote_app_data =
        [("certificates".to_string(), provider_answer(csr, key))].into();

    let theirs = python_run(&py, &state, "relation_changed");
    let ours = rust_run(&state, false);

    // The same certificate reported...
    let probe: Probe = ours.get_stored().unwrap();
    let available = theirs["available"].as_array().unwrap();
    assert_eq!(available.len(), 1);
    assert_eq!(probe.available.len(), 1);
    for field in ["certificate_signing_request", "certificate", "ca"] {
        let rust = serde_json::to_value(&probe.available[0]).unwrap()[field].clone();
        assert_eq!(available[0][field], rust, "{field}");
    }
    // ...and the same secrets left: labels, owners, contents.
    let mut python_secrets: Vec<(String, Value)> = theirs["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap().to_string(),
                s["content"].clone(),
            )
        })
        .collect();
    let mut rust_secrets: Vec<(String, Value)> = ours
        .secrets
        .iter()
        .map(|s| {
            (
                s.label.clone().unwrap(),
                serde_json::to_value(&s.latest_content).unwrap(),
            )
        })
        .collect();
    python_secrets.sort_by(|a, b| a.0.cmp(&b.0));
    rust_secrets.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(python_secrets.len(), 2, "the key and the certificate");
    assert_eq!(rust_secrets, python_secrets);
    // Neither touched the CSR list.
    assert_eq!(
        theirs["local_unit_data"][CSRS_KEY],
        json!(ours.relations[0].local_unit_data[CSRS_KEY])
    );
}

#[test]
fn the_certificate_secret_expires_when_python_makes_it_expire() {
    let Some(py) = python("tls-certificates: certificate secret expiry compared") else {
        return;
    };
    let relation = relation();
    let out = rust_run(&State::new().relation(relation.clone()), true);
    let csrs: Vec<Value> =
        serde_json::from_str(&out.relations[0].local_unit_data[CSRS_KEY]).unwrap();
    let csr = csrs[0]["certificate_signing_request"].as_str().unwrap();
    let key_pem = &out
        .get_secret(None, Some(KEY_LABEL))
        .unwrap()
        .latest_content["private-key"];
    let key = rcgen::KeyPair::from_pem(key_pem).unwrap();
    let year = this_year();
    let (certificate, ca) = sign_valid("probe.example", &key, year - 1, year + 3);
    let answer = json!([{
        "certificate_signing_request": csr,
        "certificate": certificate.trim(),
        "ca": ca.trim(),
        "chain": [certificate.trim(), ca.trim()],
    }]);
    let mut state = out.clone();
    state.relations[0].remote_app_data = [("certificates".to_string(), answer.to_string())].into();

    let theirs = python_run(&py, &state, "relation_changed");
    let ours = rust_run(&state, false);
    let label = |s: &str| {
        s.starts_with(&format!(
            "{}-certificate-",
            charmlib_tls_certificates::LIBID
        ))
    };
    let python_expire = theirs["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"].as_str().is_some_and(label))
        .and_then(|s| s["expire"].as_str())
        .expect("Python's certificate secret expires")
        .to_string();
    let rust_expire = ours
        .secrets
        .iter()
        .find(|s| s.label.as_deref().is_some_and(label))
        .and_then(|s| s.expire.clone())
        .expect("our certificate secret expires");
    // The same day (both are 90% of the time left from "now", a moment apart).
    assert_eq!(
        rust_expire[..10],
        python_expire[..10],
        "{rust_expire} {python_expire}"
    );
}
