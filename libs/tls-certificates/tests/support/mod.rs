//! What the tests share: a provider that signs.

/// A CA, and a certificate for `common_name` carrying `key`'s public key, signed by it
/// (PEM each): what the provider would send.
pub fn sign(common_name: &str, key: &rcgen::KeyPair) -> (String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "probe CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let mut params = rcgen::CertificateParams::new(vec!["probe.local".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let certificate = params.signed_by(key, &issuer).unwrap();
    (certificate.pem(), ca.pem())
}
