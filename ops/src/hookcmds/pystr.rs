//! JSON values written as Python's `str()` writes the same value parsed by `json.loads`:
//! what Python `ops` passes to `action-set` (`f'{key}={value}'`), so `juju run` shows the
//! same results for a charm in either language (`True`, `None`, `1e+16`, `['a', 1]`).
//!
//! Differences left: integers beyond 64 bits (serde_json reads them as floats), and
//! string escapes for the rarer non-printable Unicode characters (the common control,
//! format and separator characters are escaped as Python does).

use serde_json::Value;

/// Python's `str(value)`: strings as they are, everything else as [`repr`].
pub(crate) fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => repr(other),
    }
}

/// Python's `repr(value)`.
fn repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => float_repr(f),
            _ => n.to_string(),
        },
        Value::String(text) => string_repr(text),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", string_repr(k), repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same (as Rust's), in
/// fixed notation for exponents -4 to 15, else as `1.5e+16` / `1e-05`.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let scientific = format!("{f:e}"); // "-1.25e-7"
    let (mantissa, exp) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            let point = exp as usize + 1;
            let padded = format!("{digits:0<point$}");
            let (int, frac) = padded.split_at(point);
            format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// Python's `repr(str)`: single quotes unless the text has one and no double quote;
/// backslash, the quote, `\t`, `\n`, `\r` and non-printable characters escaped.
fn string_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let code = c as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether Python's `str.isprintable` holds for `c`: not a control, format, separator
/// (other than the space) or private-use character.
fn printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || matches!(
            code,
            0xA0 | 0xAD
                | 0x600..=0x605
                | 0x61C
                | 0x6DD
                | 0x70F
                | 0x1680
                | 0x180E
                | 0x2000..=0x200F
                | 0x2028..=0x202F
                | 0x205F..=0x2064
                | 0x2066..=0x206F
                | 0x3000
                | 0xD800..=0xF8FF
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0xF0000..=0x10FFFF
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_as_python_writes_them() {
        for (value, python) in [
            (json!(true), "True"),
            (json!(false), "False"),
            (json!(null), "None"),
            (json!(1), "1"),
            (json!(-7), "-7"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(1.5), "1.5"),
            (json!(1.0), "1.0"),
            (json!(-0.0), "-0.0"),
            (json!(0.1), "0.1"),
            (json!(1e16), "1e+16"),
            (json!(1.5e16), "1.5e+16"),
            (json!(1e15), "1000000000000000.0"),
            (json!(123456.789), "123456.789"),
            (json!(0.0001), "0.0001"),
            (json!(0.00001), "1e-05"),
            (json!(-2.5e-7), "-2.5e-07"),
            (json!(1e300), "1e+300"),
            (json!("text"), "text"),
            (json!([1, "a", true, null]), "[1, 'a', True, None]"),
            (json!({"b": [1.5], "a": "x"}), "{'a': 'x', 'b': [1.5]}"),
            (
                json!(["it's", "say \"hi\"", "both ' \""]),
                r#"["it's", 'say "hi"', 'both \' "']"#,
            ),
            (
                json!(["tab\tnl\n\\", "\u{1}\u{7f}\u{a0}é\u{2028}😀"]),
                r"['tab\tnl\n\\', '\x01\x7f\xa0é\u2028😀']",
            ),
        ] {
            assert_eq!(python_str(&value), python, "{value}");
        }
    }
}

/// Our `action-set` arguments beside Python `ops` 3.9's for the same results, run from
/// `.venv-refs/` (`.ci/python-refs.sh`).
#[cfg(test)]
mod against_python {
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    /// The Python reference interpreter, if installed.
    fn python() -> Option<std::path::PathBuf> {
        let path = std::env::var_os("OPS_PYTHON_REFS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-refs/bin/python")
            });
        path.exists().then_some(path)
    }

    /// `key=value` as Python ops passes them to `action-set`.
    fn python_args(python: &std::path::Path, results: &Value) -> Vec<String> {
        let script = "import json, sys\n\
                      from ops.model import _format_action_result_dict\n\
                      flat = _format_action_result_dict(json.load(sys.stdin))\n\
                      print(json.dumps([f'{k}={v}' for k, v in flat.items()]))\n";
        let mut child = std::process::Command::new(python)
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(results.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "python failed on {results}");
        let mut args: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
        args.sort();
        args
    }

    #[test]
    fn action_set_arguments_match_python_ops() {
        let Some(python) = python() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the Python references are missing under CI (bash .ci/python-refs.sh)"
            );
            eprintln!("SKIP: action-set formatting against Python ops (bash .ci/python-refs.sh)");
            return;
        };
        // Keys sorted, as serde_json's map keeps them: Python keeps the input's order.
        let results = json!({
            "a-bool": true,
            "b-false": false,
            "c-null": null,
            "d-int": 42,
            "e-neg": -7,
            "f-float": 1.5,
            "g-whole-float": 2.0,
            "h-big-float": 1e16,
            "i-small-float": 0.00001,
            "j-fixed": 123456.789,
            "k-text": "compress=true",
            "l-list": [1, "a", true, null, 0.5, {"k": "v"}],
            "m-quotes": ["it's", "say \"hi\"", "tab\there", "back\\slash"],
            "n-unicode": "é😀",
            "o-nested": {"p-deep": {"q": false, "r": [[]]}, "s": 3.25e-8},
            "t-empty-list": [],
            "u-big-int": u64::MAX,
        });
        let mut flat = BTreeMap::new();
        crate::action::flatten_results(results.as_object().unwrap(), "", &mut flat).unwrap();
        let mut ours: Vec<String> = flat.iter().map(|(k, v)| format!("{k}={v}")).collect();
        ours.sort();
        assert_eq!(ours, python_args(&python, &results));
    }
}
