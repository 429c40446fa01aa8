//! Tracing end to end: the tracing example charm (`ops/examples/tracing_charm.rs`) run as
//! Juju runs it, under the stand-in hook tools, with the tracing relation's data pointing
//! at an OTLP/HTTP receiver on loopback that this test runs. Asserts the span tree the
//! receiver gets (names, parent links, attributes, an error span for a failing handler),
//! that spans are buffered while the receiver is down and flushed when it is back.

#[path = "../examples/tracing_charm.rs"]
#[allow(dead_code)]
mod tracing_charm;

mod common;

use common::Unit;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<tracing_charm::Traced>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

/// A minimal OTLP/HTTP receiver: answers 200 to each `POST /v1/traces` and keeps the
/// JSON bodies.
struct Receiver {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    fn start(port: u16, bodies: Arc<Mutex<Vec<Value>>>) -> Receiver {
        Receiver::serve(port, bodies, |tcp| Box::new(tcp))
    }

    /// Accepts on `port` (0: any), each connection wrapped by `wrap` (e.g. in TLS).
    fn serve(
        port: u16,
        bodies: Arc<Mutex<Vec<Value>>>,
        wrap: fn(TcpStream) -> Box<dyn ReadWrite>,
    ) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                receive(wrap(stream), &bodies);
            }
        });
        Receiver {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A connection the receiver reads a request from and answers on.
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Reads one `POST /v1/traces`, keeps its JSON body, then answers 200: kept before the
/// answer, so a hook that saw the answer finds its spans in `bodies`.
fn receive(mut stream: Box<dyn ReadWrite>, bodies: &Mutex<Vec<Value>>) {
    let Some((path, body)) = read_request(&mut stream) else {
        return;
    };
    assert_eq!(path, "/v1/traces");
    if let Ok(body) = serde_json::from_slice(&body) {
        bodies.lock().unwrap().push(body);
    }
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    let _ = stream.flush();
}

/// The path and body of one HTTP request.
fn read_request(stream: &mut Box<dyn ReadWrite>) -> Option<(String, Vec<u8>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((path, body))
}

/// The spans of one OTLP body, and its resource attributes.
fn spans(body: &Value) -> (Vec<&Value>, Vec<(String, String)>) {
    let rs = &body["resourceSpans"][0];
    let resource = rs["resource"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().to_string(),
                a["value"]["stringValue"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let spans = rs["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    (spans, resource)
}

fn named<'a>(spans: &[&'a Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {spans:#?}"))
}

fn attr<'a>(span: &'a Value, key: &str) -> &'a Value {
    let attrs = span["attributes"].as_array().unwrap();
    &attrs.iter().find(|a| a["key"] == key).unwrap()["value"]
}

fn relation_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("JUJU_RELATION", "charm-tracing"),
        ("JUJU_RELATION_ID", "charm-tracing:1"),
        ("JUJU_REMOTE_APP", "tempo"),
        ("JUJU_REMOTE_UNIT", "tempo/0"),
    ]
}

fn provide_receiver(unit: &Unit, url: &str) {
    unit.answer("relation-ids", r#"["charm-tracing:1"]"#);
    unit.answer("relation-list", r#""tempo""#);
    let receivers = format!(
        r#"[{{"protocol": {{"name": "otlp_grpc", "type": "grpc"}}, "url": "127.0.0.1:1"}}, {{"protocol": {{"name": "otlp_http", "type": "http"}}, "url": "{url}"}}]"#
    );
    let databag = serde_json::json!({ "receivers": receivers }).to_string();
    unit.answer("relation-get", &databag);
}

#[test]
fn spans_go_to_the_receiver_the_relation_names_buffered_while_it_is_down() {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::start(0, Arc::clone(&bodies));
    let unit = Unit::named("tracing", "traced/0");
    provide_receiver(&unit, &receiver.url());
    unit.answer("config-get", r#"{"mode": "run"}"#);

    // 1. The tracing relation's event: the leader asks for otlp_http, the destination is
    // kept, and this hook's spans are sent.
    let (code, calls) = unit.run("hooks/charm-tracing-relation-changed", &relation_env());
    assert_eq!(code, 0, "{calls:#?}");
    assert!(
        calls.iter().any(|c| c.starts_with("relation-set")
            && c.contains("--app")
            && c.contains(r#"\"otlp_http\""#)),
        "the leader asks for the otlp_http receiver: {calls:#?}"
    );
    {
        let got = bodies.lock().unwrap();
        assert_eq!(got.len(), 1, "one export for the first hook");
        let (spans, resource) = spans(&got[0]);
        let root = named(&spans, "ops.main");
        assert!(root.get("parentSpanId").is_none());
        assert!(resource.contains(&("service.name".into(), "traced".into())));
        assert!(resource.contains(&("juju_unit".into(), "traced/0".into())));
        assert!(resource.contains(&("charm_type".into(), "Traced".into())));
        let ids = named(&spans, "relation-ids");
        assert_eq!(ids["parentSpanId"], root["spanId"]);
        assert_eq!(attr(ids, "call")["stringValue"], "subprocess.run");
        assert!(
            spans.iter().all(|s| s["name"] != "juju-log"),
            "juju-log calls are not traced (as in Python ops)"
        );
    }

    // 2. config-changed: a handler span under the root, the hook tools under it.
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    {
        let got = bodies.lock().unwrap();
        assert_eq!(got.len(), 2);
        let (spans, _) = spans(&got[1]);
        let root = named(&spans, "ops.main");
        let handler = named(&spans, "config_changed: Traced");
        assert_eq!(handler["parentSpanId"], root["spanId"]);
        assert_eq!(handler["traceId"], root["traceId"]);
        assert_eq!(attr(handler, "handler")["stringValue"], "Traced.on_config");
        assert_eq!(attr(handler, "event_name")["stringValue"], "config_changed");
        assert_eq!(attr(handler, "event_type")["stringValue"], "hook");
        assert_eq!(attr(handler, "deferred")["boolValue"], false);
        assert!(handler.get("status").is_none());
        for tool in ["config-get", "status-set"] {
            assert_eq!(
                named(&spans, tool)["parentSpanId"],
                handler["spanId"],
                "{tool}"
            );
        }
        let args = &attr(named(&spans, "config-get"), "args")["arrayValue"]["values"];
        assert_eq!(args[0]["stringValue"], "--format=json");
    }

    // 3. A failing handler: its span has the error status; the hook fails; the spans
    // are still sent.
    unit.answer("config-get", r#"{"mode": "fail"}"#);
    let (code, _) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 1);
    {
        let got = bodies.lock().unwrap();
        assert_eq!(got.len(), 3);
        let (spans, _) = spans(&got[2]);
        let handler = named(&spans, "config_changed: Traced");
        assert_eq!(handler["status"]["code"], 2);
        assert!(handler["status"]["message"]
            .as_str()
            .unwrap()
            .contains("mode is fail"));
    }

    // 4. The receiver is down: the hook still succeeds, its spans are buffered.
    let port = receiver.port;
    drop(receiver);
    unit.answer("config-get", r#"{"mode": "run"}"#);
    let (code, calls) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("juju-log --log-level WARNING")
                && c.contains("cannot send spans")),
        "{calls:#?}"
    );
    let buffer = unit.charm_dir().join(".tracing-buffer.jsonl");
    let buffered = std::fs::read_to_string(&buffer).unwrap();
    assert_eq!(buffered.lines().filter(|l| l.starts_with('{')).count(), 1);
    assert_eq!(bodies.lock().unwrap().len(), 3);

    // 5. Back up: the next hook sends the buffered spans first, then its own.
    let _receiver = Receiver::start(port, Arc::clone(&bodies));
    let (code, calls) = unit.run("hooks/update-status", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    let got = bodies.lock().unwrap();
    assert_eq!(got.len(), 5, "the buffered hook, then this one");
    let (flushed, _) = spans(&got[3]);
    named(&flushed, "config_changed: Traced");
    let (latest, _) = spans(&got[4]);
    named(&latest, "ops.main");
    assert!(!buffer.exists(), "the buffer is emptied once sent");
}

#[test]
fn without_a_destination_spans_wait_in_the_buffer() {
    let unit = Unit::named("tracing-nodest", "traced/0");
    unit.answer("config-get", r#"{"mode": "run"}"#);
    for _ in 0..2 {
        let (code, calls) = unit.run("hooks/config-changed", &[]);
        assert_eq!(code, 0, "{calls:#?}");
    }
    let buffered = std::fs::read_to_string(unit.charm_dir().join(".tracing-buffer.jsonl")).unwrap();
    let payloads: Vec<Value> = buffered
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(payloads.len(), 2);
    let (spans, _) = spans(&payloads[0]);
    named(&spans, "config_changed: Traced");
}

/// `ops::testing` records every run's spans (Python Scenario's `trace_data`).
#[cfg(feature = "testing")]
#[test]
fn a_context_run_records_its_spans_for_assertions() {
    use ops::testing::{Context, State};
    use ops::tracing::{AttrValue, SpanStatus};

    let mut ctx = Context::<tracing_charm::Traced>::new();
    let on = ctx.on.clone();
    ctx.run(on.config_changed(), &State::new().config("mode", "run"))
        .unwrap();
    let spans = &ctx.output().trace_data;
    let root = spans.iter().find(|s| s.name == "ops.main").unwrap();
    let handler = spans
        .iter()
        .find(|s| s.name == "config_changed: Traced")
        .unwrap();
    assert_eq!(handler.parent_span_id, Some(root.span_id));
    assert_eq!(
        handler.attribute("handler"),
        Some(&AttrValue::Str("Traced.on_config".into()))
    );
    assert_eq!(handler.status, SpanStatus::Unset);
    // The charm's own event, emitted by that handler: a span of its own, as Python's.
    let custom = spans
        .iter()
        .find(|s| s.name == "configured: Traced")
        .unwrap();
    assert_eq!(custom.parent_span_id, Some(root.span_id));
    assert_eq!(
        custom.attribute("event_type"),
        Some(&AttrValue::Str("custom".into()))
    );
    assert_eq!(
        custom.attribute("event_class"),
        Some(&AttrValue::Str("ConfiguredEvent".into()))
    );
    assert_eq!(
        custom.attribute("handler"),
        Some(&AttrValue::Str("Traced.on_configured".into()))
    );

    let failed = ctx.run(on.config_changed(), &State::new().config("mode", "fail"));
    assert!(failed.is_err());
    let handler = ctx
        .output()
        .trace_data
        .iter()
        .find(|s| s.name == "config_changed: Traced")
        .unwrap();
    assert!(matches!(&handler.status, SpanStatus::Error(m) if m.contains("mode is fail")));
}

/// An https endpoint: the CA comes from the certificate-transfer relation, and the spans
/// go over TLS once it has.
#[cfg(feature = "tracing-tls")]
#[test]
fn an_https_endpoint_is_trusted_through_the_certificate_transfer_relation() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    fn tls(tcp: TcpStream) -> Box<dyn ReadWrite> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tracing_tls");
        let certs = CertificateDer::pem_file_iter(format!("{dir}/server.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(format!("{dir}/server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        Box::new(rustls::StreamOwned::new(conn, tcp))
    }

    let bodies = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::serve(0, Arc::clone(&bodies), tls);
    let unit = Unit::named("tracing-tls", "traced/0");
    let url = format!("https://localhost:{}", receiver.port);
    provide_receiver(&unit, &url);
    unit.answer("config-get", r#"{"mode": "run"}"#);
    unit.answer_call(
        "relation-ids receive-ca-cert --format=json",
        r#"["receive-ca-cert:2"]"#,
    );

    // No certificates yet: an https endpoint with a CA relation waits for them.
    unit.answer_call(
        "relation-get --format=json -r receive-ca-cert:2 --app - tempo",
        r#"{"version": "1"}"#,
    );
    let (code, calls) = unit.run("hooks/charm-tracing-relation-changed", &relation_env());
    assert_eq!(code, 0, "{calls:#?}");
    assert!(bodies.lock().unwrap().is_empty());
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("relation-set -r receive-ca-cert:2 --app")
                && c.contains(r#"{"version":"1"}"#)),
        "the leader says it speaks certificate_transfer v1: {calls:#?}"
    );

    // The CA arrives: the buffered spans and this hook's go over TLS.
    let ca = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tracing_tls/ca.pem"
    ))
    .unwrap();
    let certificates = serde_json::to_string(&vec![ca]).unwrap();
    unit.answer_call(
        "relation-get --format=json -r receive-ca-cert:2 --app - tempo",
        &serde_json::json!({ "certificates": certificates, "version": "1" }).to_string(),
    );
    let env = [
        ("JUJU_RELATION", "receive-ca-cert"),
        ("JUJU_RELATION_ID", "receive-ca-cert:2"),
        ("JUJU_REMOTE_APP", "tempo"),
    ];
    let (code, calls) = unit.run("hooks/receive-ca-cert-relation-changed", &env);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(bodies.lock().unwrap().len(), 2, "{calls:#?}");
    let (code, _) = unit.run("hooks/config-changed", &[]);
    assert_eq!(code, 0);
    let got = bodies.lock().unwrap();
    assert_eq!(got.len(), 3);
    let (spans, _) = spans(&got[2]);
    named(&spans, "config_changed: Traced");
}

/// The Python interpreter with `ops[tracing]` 3.9 (`.ci/python-refs.sh` makes it), or
/// `None` after saying why the comparison is skipped (a failure under `CI=true`).
fn python_with_ops_tracing() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("OPS_PYTHON_REFS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-refs/bin/python")
        });
    let ok = std::process::Command::new(&python)
        .args(["-c", "import ops_tracing"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "SKIP: comparison with Python ops[tracing]: no {} with ops-tracing (run `bash .ci/python-refs.sh`)",
        python.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("{why}");
    None
}

/// Runs the Python twin charm (`tests/tracing_python`) in `unit`, as Juju runs it.
fn run_python(
    unit: &Unit,
    python: &std::path::Path,
    dispatch_path: &str,
    extra: &[(&str, &str)],
) -> (i32, String) {
    let log = unit.root.join("calls.log");
    let _ = std::fs::remove_file(&log);
    let mut command = std::process::Command::new(python);
    command
        .arg(unit.charm_dir().join("src/charm.py"))
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", unit.root.join("bin").display()),
        )
        .env("OPS_E2E_LOG", &log)
        .env("OPS_E2E_ANSWERS", unit.root.join("answers"))
        .env("JUJU_CHARM_DIR", unit.charm_dir())
        .env("JUJU_UNIT_NAME", &unit.unit_name)
        .env("JUJU_MODEL_NAME", "test")
        .env("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000")
        .env("JUJU_VERSION", "3.6.4")
        .env("JUJU_DISPATCH_PATH", dispatch_path)
        .env("JUJU_HOOK_NAME", dispatch_path.trim_start_matches("hooks/"))
        .envs(extra.iter().copied())
        .current_dir(unit.charm_dir())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = {
        let _lock = common::fork_or_write_lock();
        command.spawn().unwrap()
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

/// The handler span attributes Python `ops` sets, equal on both sides.
fn same_event_attributes(rust: &Value, python: &Value, what: &str) {
    for key in [
        "handler",
        "event_name",
        "event_type",
        "event_class",
        "deferred",
    ] {
        assert_eq!(
            attr(rust, key),
            attr(python, key),
            "{what}: attribute {key}"
        );
    }
}

/// The same hooks through the Rust charm and its Python `ops[tracing]` twin, each to its
/// own receiver: the root, the handler span (name, parent, attribute values), its
/// hook-tool children, the error status and the resource attributes agree.
#[test]
fn the_span_tree_matches_python_ops_tracing() {
    let Some(python) = python_with_ops_tracing() else {
        return;
    };
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tracing_python");
    let mut sent = Vec::new();
    for side in ["rust", "python"] {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let receiver = Receiver::start(0, Arc::clone(&bodies));
        let unit = Unit::named(&format!("tracing-diff-{side}"), "traced/0");
        if side == "python" {
            std::fs::create_dir_all(unit.charm_dir().join("src")).unwrap();
            for file in ["metadata.yaml", "config.yaml", "src/charm.py"] {
                std::fs::copy(src.join(file), unit.charm_dir().join(file)).unwrap();
            }
        }
        provide_receiver(&unit, &receiver.url());
        let run = |dispatch: &str, extra: &[(&str, &str)]| match side {
            "rust" => {
                let (code, calls) = unit.run(dispatch, extra);
                (code, format!("{calls:#?}"))
            }
            _ => run_python(&unit, &python, dispatch, extra),
        };
        let (code, out) = run("hooks/charm-tracing-relation-changed", &relation_env());
        assert_eq!(code, 0, "{side}: {out}");
        unit.answer("config-get", r#"{"mode": "run"}"#);
        let (code, out) = run("hooks/config-changed", &[]);
        assert_eq!(code, 0, "{side}: {out}");
        unit.answer("config-get", r#"{"mode": "fail"}"#);
        let (code, out) = run("hooks/config-changed", &[]);
        assert_ne!(code, 0, "{side}: {out}");
        drop(receiver);
        let got = bodies.lock().unwrap().clone();
        assert_eq!(got.len(), 3, "{side}: one export per hook");
        sent.push(got);
    }
    let (rust, python) = (&sent[0], &sent[1]);

    let (_, rust_resource) = spans(&rust[1]);
    let (_, py_resource) = spans(&python[1]);
    let keys = |r: &[(String, String)]| r.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    let mut want = keys(&py_resource);
    let mut have = keys(&rust_resource);
    want.sort();
    have.sort();
    assert_eq!(have, want, "resource attribute keys");
    for key in [
        "service.name",
        "service.instance.id",
        "juju_unit",
        "charm",
        "charm_type",
    ] {
        let value =
            |r: &[(String, String)]| r.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(value(&rust_resource), value(&py_resource), "{key}");
    }

    for hook in [1, 2] {
        let (rs, _) = spans(&rust[hook]);
        let (ps, _) = spans(&python[hook]);
        for spans in [&rs, &ps] {
            let root = named(spans, "ops.main");
            assert!(root.get("parentSpanId").is_none());
            let handler = named(spans, "config_changed: Traced");
            assert_eq!(handler["parentSpanId"], root["spanId"]);
            let tool = named(spans, "config-get");
            assert_eq!(tool["parentSpanId"], handler["spanId"]);
        }
        let (rh, ph) = (
            named(&rs, "config_changed: Traced"),
            named(&ps, "config_changed: Traced"),
        );
        same_event_attributes(rh, ph, &format!("hook {hook}"));
        assert_eq!(
            attr(named(&rs, "config-get"), "call"),
            attr(named(&ps, "config-get"), "call")
        );
        if hook == 1 {
            // The charm's own event: Python runs its observers inside `emit()`, so its
            // span is the emitting handler's child; here they run as soon as the handler
            // returns, so it is the handler's sibling. The attributes agree.
            let (rc, pc) = (
                named(&rs, "configured: Traced"),
                named(&ps, "configured: Traced"),
            );
            same_event_attributes(rc, pc, "custom event");
            assert_eq!(pc["parentSpanId"], ph["spanId"]);
            assert_eq!(rc["parentSpanId"], named(&rs, "ops.main")["spanId"]);
        }
        let failed = |h: &Value| h["status"]["code"] == 2;
        assert_eq!(failed(rh), failed(ph), "hook {hook}: error status");
        assert_eq!(failed(rh), hook == 2);
    }
}
