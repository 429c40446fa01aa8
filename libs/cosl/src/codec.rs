//! Encodings the COS libraries put on the wire, without extra crates: Python's
//! `json.dumps` formatting, base64, an `.xz` container (what Python's `lzma.compress`
//! writes and `lzma.decompress` reads), SHAKE-256 and a random UUID.

use serde_json::Value;
use std::fmt::Write as _;

/// `value` as Python's `json.dumps(value)` writes it: `", "` and `": "` separators,
/// non-ASCII escaped (`\uXXXX`). Object keys come in `serde_json`'s (sorted) order.
pub fn py_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// An object with its keys in the given order, formatted as [`py_dumps`] does.
pub fn py_dumps_object<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(&mut out, key);
        out.push_str(": ");
        write_value(&mut out, value);
    }
    out.push('}');
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, &n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str(&py_dumps_object(map.iter().map(|(k, v)| (k.as_str(), v))))
        }
    }
}

/// A number as Python's `repr` writes it: below 1e-4 in exponent form (`1e-05`), the
/// exponent signed and at least two digits long (`1e-07`, `1e+20`).
fn write_number(out: &mut String, text: &str) {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    if let Some(fraction) = unsigned.strip_prefix("0.0000") {
        let digits = fraction.trim_start_matches('0');
        if !digits.is_empty() {
            let exponent = 5 + fraction.len() - digits.len();
            let (first, rest) = digits.split_at(1);
            let dot = if rest.is_empty() { "" } else { "." };
            let _ = write!(out, "{sign}{first}{dot}{rest}e-{exponent:02}");
            return;
        }
    }
    match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent.trim_start_matches('+')),
            };
            let _ = write!(out, "{mantissa}e{sign}{digits:0>2}");
        }
        None => out.push_str(text),
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// CRC-32 (IEEE), as `.xz` uses it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn pad4(out: &mut Vec<u8>, from: usize) {
    while !(out.len() - from).is_multiple_of(4) {
        out.push(0);
    }
}

/// `data` in an `.xz` container (one block, LZMA2 "uncompressed" chunks, CRC-32 check):
/// what `lzma.decompress` (and `xz -d`) reads. It is not smaller than `data`; the
/// format, not the compression, is what the receiving side needs.
pub fn xz_stored(data: &[u8]) -> Vec<u8> {
    const CHECK_CRC32: u8 = 0x01;
    let mut out = vec![0xFD, b'7', b'z', b'X', b'Z', 0x00, 0x00, CHECK_CRC32];
    out.extend_from_slice(&crc32(&[0x00, CHECK_CRC32]).to_le_bytes());

    // Block header: size, flags (one filter, no sizes), LZMA2 filter (id 0x21, one
    // property byte: the smallest dictionary), padding, CRC-32.
    let block_start = out.len();
    let mut header = vec![0x00, 0x00, 0x21, 0x01, 0x00];
    pad4(&mut header, 0);
    header[0] = ((header.len() + 4) / 4 - 1) as u8;
    let header_crc = crc32(&header);
    out.extend_from_slice(&header);
    out.extend_from_slice(&header_crc.to_le_bytes());

    // LZMA2: uncompressed chunks of at most 64 KiB (the first resets the dictionary),
    // then the end marker.
    for (i, chunk) in data.chunks(0x10000).enumerate() {
        out.push(if i == 0 { 0x01 } else { 0x02 });
        out.extend_from_slice(&((chunk.len() - 1) as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out.push(0x00);
    let unpadded = (out.len() - block_start + 4) as u64;
    pad4(&mut out, block_start);
    out.extend_from_slice(&crc32(data).to_le_bytes());

    // Index: one record (unpadded size, uncompressed size).
    let index_start = out.len();
    out.push(0x00);
    varint(&mut out, 1);
    varint(&mut out, unpadded);
    varint(&mut out, data.len() as u64);
    pad4(&mut out, index_start);
    let index_crc = crc32(&out[index_start..]);
    out.extend_from_slice(&index_crc.to_le_bytes());
    let index_size = out.len() - index_start;

    // Stream footer: CRC-32 of (backward size, flags), backward size, flags, magic.
    let mut footer = ((index_size / 4 - 1) as u32).to_le_bytes().to_vec();
    footer.extend_from_slice(&[0x00, CHECK_CRC32]);
    out.extend_from_slice(&crc32(&footer).to_le_bytes());
    out.extend_from_slice(&footer);
    out.extend_from_slice(b"YZ");
    out
}

/// Python's `base64.b64encode(lzma.compress(text)).decode()`, in the form of
/// [`xz_stored`] (cosl's `LZMABase64.compress`).
pub fn lzma_base64(text: &str) -> String {
    base64(&xz_stored(text.as_bytes()))
}

const KECCAK_RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808A,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808B,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008A,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000A,
    0x0000_0000_8000_808B,
    0x8000_0000_0000_008B,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800A,
    0x8000_0000_8000_000A,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];
const KECCAK_ROT: [u32; 24] = [
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
];
const KECCAK_PI: [usize; 24] = [
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
];

fn keccak_f(st: &mut [u64; 25]) {
    for rc in KECCAK_RC {
        let mut bc = [0u64; 5];
        for i in 0..5 {
            bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
        }
        for i in 0..5 {
            let t = bc[(i + 4) % 5] ^ bc[(i + 1) % 5].rotate_left(1);
            for j in (0..25).step_by(5) {
                st[j + i] ^= t;
            }
        }
        let mut t = st[1];
        for (&j, &rot) in KECCAK_PI.iter().zip(&KECCAK_ROT) {
            let next = st[j];
            st[j] = t.rotate_left(rot);
            t = next;
        }
        for j in (0..25).step_by(5) {
            let row = [st[j], st[j + 1], st[j + 2], st[j + 3], st[j + 4]];
            for i in 0..5 {
                st[j + i] ^= !row[(i + 1) % 5] & row[(i + 2) % 5];
            }
        }
        st[0] ^= rc;
    }
}

/// Python's `hashlib.shake_256(data).hexdigest(len)`.
pub fn shake256_hex(data: &[u8], len: usize) -> String {
    const RATE: usize = 136;
    let mut st = [0u64; 25];
    let absorb = |st: &mut [u64; 25], block: &[u8]| {
        for (i, lane) in block.chunks(8).enumerate() {
            let mut bytes = [0u8; 8];
            bytes[..lane.len()].copy_from_slice(lane);
            st[i] ^= u64::from_le_bytes(bytes);
        }
        keccak_f(st);
    };
    let mut blocks = data.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut st, block);
    }
    let mut last = [0u8; RATE];
    let rest = blocks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x1F;
    last[RATE - 1] ^= 0x80;
    absorb(&mut st, &last);
    let mut out = String::with_capacity(len * 2);
    let mut produced = 0;
    loop {
        for lane in &st[..RATE / 8] {
            for byte in lane.to_le_bytes() {
                if produced == len {
                    return out;
                }
                let _ = write!(out, "{byte:02x}");
                produced += 1;
            }
        }
        keccak_f(&mut st);
    }
}

/// A random (version 4) UUID, as Python's `str(uuid.uuid4())` formats it. The
/// randomness is the standard library's per-process random hash keys: enough for a
/// value whose only job is to differ each time.
pub fn uuid4() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for half in bytes.chunks_mut(8) {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dumps_like_python() {
        // json.dumps({"a": [1, True, None], "b": "é\n\"x\"", "c": {}})
        let value = json!({"a": [1, true, null], "b": "é\n\"x\"", "c": {}});
        assert_eq!(
            py_dumps(&value),
            r#"{"a": [1, true, null], "b": "\u00e9\n\"x\"", "c": {}}"#
        );
        // json.dumps("😀") (a surrogate pair)
        assert_eq!(py_dumps(&json!("😀")), r#""\ud83d\ude00""#);
        let one = json!(1);
        let two = json!("2");
        assert_eq!(
            py_dumps_object([("z", &one), ("a", &two)]),
            r#"{"z": 1, "a": "2"}"#
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    /// Checked with Python: `lzma.decompress(base64.b64decode(...))` gives the input
    /// back, and `xz -d` accepts the bytes.
    #[test]
    fn xz_container_bytes() {
        assert_eq!(
            lzma_base64("{\"a\": 1}"),
            "/Td6WFoAAAFpIt42AgAhAQAAAAA3J5fWAQAHeyJhIjogMX0Al46h+wABHAhEYCrIkEKZDQEAAAAAAVla"
        );
        assert_eq!(
            lzma_base64(""),
            "/Td6WFoAAAFpIt42AgAhAQAAAAA3J5fWAAAAAAAAAAAAAREAO5Zfc5BCmQ0BAAAAAAFZWg=="
        );
    }

    #[test]
    fn xz_splits_large_input_into_64k_chunks() {
        let data = vec![b'x'; 0x10000 + 10];
        let xz = xz_stored(&data);
        // Stream header (12) + block header (12), then the first chunk's header.
        assert_eq!(&xz[24..27], &[0x01, 0xff, 0xff]);
        let second = 27 + 0x10000;
        assert_eq!(&xz[second..second + 3], &[0x02, 0x00, 0x09]);
        assert_eq!(xz[second + 3 + 10], 0x00, "end marker");
        assert_eq!(&xz[xz.len() - 2..], b"YZ");
        assert_eq!(xz.len() % 4, 0);
    }

    #[test]
    fn shake256_matches_hashlib() {
        // hashlib.shake_256(b"").hexdigest(8)
        assert_eq!(shake256_hex(b"", 8), "46b9dd2b0ba88d13");
        // hashlib.shake_256(b"fastapi-demo-file:FastAPI-Monitoring.json").hexdigest(8)
        assert_eq!(
            shake256_hex(b"fastapi-demo-file:FastAPI-Monitoring.json", 8),
            "831ef532d49811fe"
        );
        // More than one block in and out.
        let long = vec![b'a'; 300];
        assert_eq!(shake256_hex(&long, 200).len(), 400);
        assert_eq!(shake256_hex(&long, 200)[..16], shake256_hex(&long, 8)[..]);
    }

    #[test]
    fn uuid4_shape_and_randomness() {
        let a = uuid4();
        let b = uuid4();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
    }
}
