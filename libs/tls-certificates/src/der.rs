//! Just enough DER to read what the requirer compares: a CSR's common name, SANs and
//! public key, and a certificate's public key and validity. Malformed input gives `None`, never a
//! panic.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One DER element: its tag, its contents, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    pub raw: &'a [u8],
}

/// The first element of `input` and what follows it.
fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            body: &rest[..len],
            raw: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// The elements of a constructed element's contents, in order (stops at the first
/// malformed one).
fn children(body: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut rest = body;
    std::iter::from_fn(move || {
        let (tlv, next) = read(rest)?;
        rest = next;
        Some(tlv)
    })
}

/// The single element that is all of `input`.
fn whole(input: &[u8]) -> Option<Tlv<'_>> {
    match read(input)? {
        (tlv, []) => Some(tlv),
        _ => None,
    }
}

const SEQUENCE: u8 = 0x30;
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_EXTENSION_REQUEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e];

/// What the requirer reads from a CSR.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CsrInfo {
    /// The subject's common name, if any.
    pub common_name: Option<String>,
    /// The DNS names among the SANs, sorted.
    pub sans_dns: Vec<String>,
    /// The IP addresses among the SANs, sorted.
    pub sans_ip: Vec<IpAddr>,
    /// The SubjectPublicKeyInfo, as encoded.
    pub public_key: Vec<u8>,
}

/// Reads a CSR (DER).
pub(crate) fn csr_info(der: &[u8]) -> Option<CsrInfo> {
    let request = whole(der).filter(|t| t.tag == SEQUENCE)?;
    let info = children(request.body)
        .next()
        .filter(|t| t.tag == SEQUENCE)?;
    let mut fields = children(info.body);
    let _version = fields.next()?;
    let subject = fields.next().filter(|t| t.tag == SEQUENCE)?;
    let public_key = fields.next().filter(|t| t.tag == SEQUENCE)?;
    let mut out = CsrInfo {
        common_name: common_name(subject.body),
        public_key: public_key.raw.to_vec(),
        ..CsrInfo::default()
    };
    if let Some(attributes) = fields.next().filter(|t| t.tag == 0xa0) {
        for attribute in children(attributes.body) {
            let mut parts = children(attribute.body);
            if parts.next().map(|oid| oid.body) != Some(OID_EXTENSION_REQUEST) {
                continue;
            }
            let Some(values) = parts.next() else { continue };
            for extensions in children(values.body) {
                for extension in children(extensions.body) {
                    read_san(extension.body, &mut out);
                }
            }
        }
    }
    out.sans_dns.sort();
    out.sans_ip.sort();
    Some(out)
}

/// The first common name of a Name's contents.
fn common_name(name: &[u8]) -> Option<String> {
    children(name)
        .flat_map(|set| children(set.body))
        .find_map(|pair| {
            let mut parts = children(pair.body);
            if parts.next()?.body != OID_COMMON_NAME {
                return None;
            }
            String::from_utf8(parts.next()?.body.to_vec()).ok()
        })
}

/// Adds the SANs of `extension` (an Extension's contents) to `out`, if it is the
/// subjectAltName extension.
fn read_san(extension: &[u8], out: &mut CsrInfo) {
    let mut parts = children(extension);
    if parts.next().map(|oid| oid.body) != Some(OID_SUBJECT_ALT_NAME) {
        return;
    }
    let Some(value) = parts.find(|t| t.tag == 0x04) else {
        return;
    };
    let Some(names) = whole(value.body) else {
        return;
    };
    for name in children(names.body) {
        match name.tag {
            0x82 => {
                if let Ok(dns) = std::str::from_utf8(name.body) {
                    out.sans_dns.push(dns.to_string());
                }
            }
            0x87 => match name.body.len() {
                4 => out.sans_ip.push(IpAddr::from(
                    <[u8; 4]>::try_from(name.body).unwrap_or_default(),
                )),
                16 => out.sans_ip.push(IpAddr::from(
                    <[u8; 16]>::try_from(name.body).unwrap_or_default(),
                )),
                _ => {}
            },
            _ => {}
        }
    }
}

/// A certificate's SubjectPublicKeyInfo (DER), as encoded.
pub(crate) fn certificate_public_key(der: &[u8]) -> Option<Vec<u8>> {
    let certificate = whole(der).filter(|t| t.tag == SEQUENCE)?;
    let tbs = children(certificate.body)
        .next()
        .filter(|t| t.tag == SEQUENCE)?;
    let mut fields = children(tbs.body).skip_while(|t| t.tag == 0xa0);
    // serial, signature algorithm, issuer, validity, subject, then the key.
    let key = fields.nth(5).filter(|t| t.tag == SEQUENCE)?;
    Some(key.raw.to_vec())
}

/// `tag`, the DER length of `body`, then `body`.
fn encode(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

/// rsaEncryption's AlgorithmIdentifier (OID 1.2.840.113549.1.1.1, NULL parameters).
const RSA_ALGORITHM: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// A PKCS#1 RSA private key (`RSA PRIVATE KEY`, what Python's library stores) as
/// PKCS#8 (`PRIVATE KEY`, what `ring` reads).
pub(crate) fn rsa_pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(RSA_ALGORITHM);
    body.extend(encode(0x04, pkcs1));
    encode(SEQUENCE, &body)
}

/// A certificate's validity (notBefore, notAfter), if it parses.
pub(crate) fn certificate_validity(der: &[u8]) -> Option<(SystemTime, SystemTime)> {
    let certificate = whole(der).filter(|t| t.tag == SEQUENCE)?;
    let tbs = children(certificate.body)
        .next()
        .filter(|t| t.tag == SEQUENCE)?;
    let mut fields = children(tbs.body).skip_while(|t| t.tag == 0xa0);
    // serial, signature algorithm, issuer, then the validity.
    let validity = fields.nth(3).filter(|t| t.tag == SEQUENCE)?;
    let mut times = children(validity.body);
    let not_before = asn1_time(times.next()?)?;
    let not_after = asn1_time(times.next()?)?;
    Some((not_before, not_after))
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`) as a time.
fn asn1_time(time: Tlv<'_>) -> Option<SystemTime> {
    let tag = time.tag;
    let text = std::str::from_utf8(time.body).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |i: usize| rest[i..i + 2].parse::<i64>().ok();
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asn1_times() {
        use super::*;
        let time = |tag: u8, text: &str| {
            asn1_time(Tlv {
                tag,
                body: text.as_bytes(),
                raw: &[],
            })
        };
        let secs = |t: Option<SystemTime>| match t.unwrap().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        assert_eq!(secs(time(0x17, "700101000000Z")), 0);
        assert_eq!(secs(time(0x17, "491231235959Z")), 2_524_607_999);
        assert_eq!(secs(time(0x17, "500101000000Z")), -631_152_000);
        assert_eq!(secs(time(0x18, "20240229120000Z")), 1_709_208_000);
        assert_eq!(time(0x18, "2024022912000Z"), None);
        assert_eq!(time(0x17, "701301000000Z"), None);
        assert_eq!(time(0x17, "70010100000+Z"), None);
    }
    use super::*;

    #[test]
    fn truncated_and_trailing_input_is_none() {
        assert!(read(&[]).is_none());
        assert!(read(&[0x30]).is_none());
        assert!(read(&[0x30, 0x05, 0x01]).is_none());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(whole(&[0x05, 0x00, 0x00]).is_none());
        assert!(csr_info(b"not der at all").is_none());
        assert!(certificate_public_key(&[0x30, 0x00]).is_none());
    }

    #[test]
    fn encode_reads_back() {
        for len in [0usize, 5, 0x7f, 0x80, 0x1234] {
            let body = vec![9u8; len];
            let encoded = encode(0x04, &body);
            let tlv = whole(&encoded).unwrap();
            assert_eq!(tlv.body, &body[..]);
        }
        let wrapped = rsa_pkcs1_to_pkcs8(&[0x30, 0x00]);
        let outer = whole(&wrapped).unwrap();
        let parts: Vec<_> = children(outer.body).collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1].raw, RSA_ALGORITHM);
        assert_eq!(parts[2].body, &[0x30, 0x00]);
    }

    #[test]
    fn long_form_lengths() {
        let mut input = vec![0x04, 0x81, 0x80];
        input.extend([7u8; 0x80]);
        let (tlv, rest) = read(&input).unwrap();
        assert_eq!(tlv.body.len(), 0x80);
        assert!(rest.is_empty());
    }
}
