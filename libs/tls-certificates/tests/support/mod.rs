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

/// This year (UTC, from the clock; within a day of the truth at the turn of a year).
pub fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    1970 + (secs / 31_556_952) as i32
}

/// As [`sign`], the certificate valid from 1 January of `from` to 1 January of `to`.
pub fn sign_valid(common_name: &str, key: &rcgen::KeyPair, from: i32, to: i32) -> (String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let mut params = rcgen::CertificateParams::new(vec!["probe.local".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    let certificate = params.signed_by(key, &issuer).unwrap();
    (certificate.pem(), ca.pem())
}
