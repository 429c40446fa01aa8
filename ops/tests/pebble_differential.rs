//! The in-memory Pebble of `ops::testing` against the real daemon: one scripted scenario
//! runs through the same `ops::pebble::Pebble` trait the model uses, on a real
//! `pebble run` (see `ops_pebble::real`) and on a [`Harness`] container, and each step's
//! outcome is compared: the plan after layers with merge and replace, service statuses
//! after replan, start and stop, file listings, contents and permissions, exec results,
//! notices and check states, and the error kinds and messages of bad requests.
//!
//! Every step that differs must be listed in [`SIMPLIFICATIONS`] with the reason the
//! simulator does not follow the daemon there, and every listed step must still differ.
//! The test prints `sim-equal N/M`.

#![cfg(feature = "testing")]

use ops::prelude::*;
use ops::testing::{ExecArgs, ExecResult, Harness};
use ops_pebble::real::RealPebble;
use ops_pebble::{
    CheckLevel, Error, ExecOptions, ExecStdio, FileOwnership, Layer, MakeDirOptions, NoticeType,
    NoticesQuery, NotifyOptions, Pebble, PushOptions,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// A charm with one container, for its simulated Pebble.
#[charm(metadata = "tests/pebble_differential.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Differential {}

#[charm]
impl Differential {
    #[on(pebble_ready = "workload")]
    fn ready(&mut self, _model: &Model<Self>) {}
}

/// Steps where the simulator deliberately differs from the daemon, and why.
const SIMPLIFICATIONS: &[(&str, &str)] = &[
    (
        "make_dir no parent",
        "Pebble's message names the temporary directory it makes first (`<path>.mkdir-new`); \
         the simulator names the path (same kind, not-found)",
    ),
    (
        "push missing dir",
        "Pebble's message names its randomly named temporary file; the simulator names the \
         missing parent (same kind, not-found)",
    ),
    (
        "push onto dir",
        "Pebble's message names its randomly named temporary file (rename ...: file exists); \
         the simulator says the path is a directory (same kind, generic-file-error)",
    ),
    (
        "exec missing binary",
        "the simulator has no executables: a command no Exec or handler answers exits 127 \
         with a message naming the missing Exec, where Pebble refuses a missing binary (400)",
    ),
];

const BASE: &str = "summary: base
services:
  web:
    override: replace
    command: sleep 1000
    startup: enabled
    environment:
      A: a1
      B: b1
    after: [db]
  db:
    override: replace
    command: sleep 1001
    startup: enabled
  off:
    override: replace
    command: sleep 1002
checks:
  alive-ok:
    override: replace
    level: alive
    period: 1h
    exec:
      command: 'true'
  lazy:
    override: replace
    level: ready
    startup: disabled
    period: 1h
    threshold: 5
    exec:
      command: 'true'
";

const MERGE: &str = "services:
  web:
    override: merge
    environment:
      B: b2
      C: c2
    after: [cache]
  db:
    override: replace
    command: sleep 1003
    startup: enabled
";

const TOP: &str = "services:
  off:
    override: replace
    command: sleep 1004
    summary: replaced
";

const WAIT: Duration = Duration::from_secs(20);

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).expect("the test's layer")
}

/// One error, as a charm can tell errors apart: its variant, code, kind and message.
fn describe_error(e: &Error) -> String {
    match e {
        Error::Api(a) => format!("api {} kind={:?}: {}", a.code, a.kind, a.message),
        Error::Path { kind, message } => format!("path {kind}: {message}"),
        Error::Change(c) => format!("change {:?}: {}", c.change.kind, c.err),
        Error::Exec(x) => format!("exec exit {}", x.exit_code),
        Error::Timeout(_) => "timeout".into(),
        Error::Format(m) => format!("format: {m}"),
        Error::NotFound { what, name } => format!("not found {what} {name}"),
        other => format!("other: {other}"),
    }
}

/// The outcomes of the scenario's steps, by name, in order.
#[derive(Default)]
struct Outcomes(Vec<(String, String)>);

impl Outcomes {
    fn record<T>(&mut self, name: &str, result: ops_pebble::Result<T>, show: impl Fn(T) -> String) {
        let text = match result {
            Ok(v) => format!("ok {}", show(v)),
            Err(e) => format!("error {}", describe_error(&e)),
        };
        self.0.push((name.to_string(), text));
    }

    fn services(&mut self, name: &str, p: &dyn Pebble) {
        self.record(name, p.get_services(&[]), |infos| {
            let list: Vec<_> = infos
                .iter()
                .map(|s| format!("{}:{}:{}", s.name, s.startup, s.current))
                .collect();
            list.join(" ")
        });
    }

    fn checks(&mut self, name: &str, p: &dyn Pebble, level: Option<&CheckLevel>) {
        self.record(name, p.get_checks(level, &[]), |infos| {
            let list: Vec<_> = infos
                .iter()
                .map(|c| {
                    format!(
                        "{}:{:?}:{:?}:{}:failures={}:threshold={}:change={}",
                        c.name,
                        c.level,
                        c.startup,
                        c.status,
                        c.failures,
                        c.threshold,
                        c.change_id.is_some()
                    )
                })
                .collect();
            list.join(" ")
        });
    }

    fn listing(
        &mut self,
        name: &str,
        p: &dyn Pebble,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) {
        self.record(name, p.list_files(path, pattern, itself), |mut infos| {
            infos.sort_by(|a, b| a.name.cmp(&b.name));
            let list: Vec<_> = infos
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}:{}:{:?}:{}",
                        f.path, f.name, f.type_, f.size, f.permissions
                    )
                })
                .collect();
            list.join(" ")
        });
    }
}

/// A success whose value does not matter (a change id differs run to run).
fn ok<T>(_: T) -> String {
    String::new()
}

fn exec_show(out: ops_pebble::ExecOutput) -> String {
    format!(
        "exit={} stdout={:?} stderr={:?}",
        out.exit_code,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn sh(script: &str) -> ExecOptions {
    ExecOptions {
        command: vec!["sh".into(), "-c".into(), script.into()],
        ..ExecOptions::default()
    }
}

/// The scenario: every step on `p`, files under `root` (an existing, empty directory).
fn scenario(p: &dyn Pebble, root: &str) -> Outcomes {
    let mut o = Outcomes::default();

    // Layers and the plan.
    o.record("add base", p.add_layer("base", &layer(BASE), false), ok);
    o.record(
        "add base again",
        p.add_layer("base", &layer(BASE), false),
        ok,
    );
    let no_override = layer("services:\n  s:\n    command: sleep 1\n");
    o.record(
        "add without override",
        p.add_layer("bad", &no_override, false),
        ok,
    );
    let no_command = layer("services:\n  s:\n    override: merge\n    summary: x\n");
    o.record(
        "add without command",
        p.add_layer("bad", &no_command, false),
        ok,
    );
    o.record(
        "add reserved label",
        p.add_layer("pebble-x", &layer("summary: x\n"), false),
        ok,
    );
    o.record(
        "combine merge",
        p.add_layer("base", &layer(MERGE), true),
        ok,
    );
    o.record("add top", p.add_layer("top", &layer(TOP), false), ok);
    o.record("plan", p.get_plan(), |plan| plan.to_yaml());

    // Services.
    o.services("services before", p);
    o.record("replan", p.replan_services(WAIT), ok);
    o.services("services after replan", p);
    o.record("start off", p.start_services(&["off"], WAIT), ok);
    o.services("services after start", p);
    o.record("start off again", p.start_services(&["off"], WAIT), ok);
    o.record("stop web", p.stop_services(&["web"], WAIT), ok);
    o.services("services after stop", p);
    o.record("stop web again", p.stop_services(&["web"], WAIT), ok);
    o.record("restart db", p.restart_services(&["db"], WAIT), ok);
    o.services("services after restart", p);
    o.record("autostart", p.autostart_services(WAIT), ok);
    o.services("services after autostart", p);
    o.record("start unknown", p.start_services(&["nope"], WAIT), ok);
    o.record("stop unknown", p.stop_services(&["nope"], WAIT), ok);
    o.record("start nothing", p.start_services(&[], WAIT), ok);
    o.record("missing change", p.get_change("999999"), |c| c.id);

    // Signals.
    o.record("signal running", p.send_signal("SIGCONT", &["off"]), ok);
    o.record("signal stopped", p.send_signal("SIGCONT", &["web"]), ok);
    o.record(
        "signal unknown service",
        p.send_signal("SIGCONT", &["nope"]),
        ok,
    );
    o.record("bad signal", p.send_signal("SIGNOPE", &["off"]), ok);

    // Files.
    let mode = |permissions| FileOwnership {
        permissions: Some(permissions),
        ..FileOwnership::default()
    };
    let deep = format!("{root}/a/b/c");
    let parents = MakeDirOptions {
        make_parents: true,
        ownership: mode(0o750),
    };
    o.record("make_dir parents", p.make_dir(&deep, &parents), ok);
    o.listing("list dir itself", p, &deep, None, true);
    o.record("make_dir parents again", p.make_dir(&deep, &parents), ok);
    o.record(
        "make_dir exists",
        p.make_dir(&deep, &MakeDirOptions::default()),
        ok,
    );
    let orphan = format!("{root}/x/y");
    o.record(
        "make_dir no parent",
        p.make_dir(&orphan, &MakeDirOptions::default()),
        ok,
    );
    let private = PushOptions {
        ownership: mode(0o600),
        ..PushOptions::default()
    };
    let one = format!("{root}/a/one.txt");
    o.record("push 600", p.push(&one, &mut &b"hello\n"[..], &private), ok);
    for name in ["two.txt", "three.log"] {
        let path = format!("{root}/a/{name}");
        o.record(
            &format!("push {name}"),
            p.push(&path, &mut &b"x"[..], &PushOptions::default()),
            ok,
        );
    }
    o.record("pull", p.pull(&one, &mut Vec::new()), |n| n.to_string());
    let mut content = Vec::new();
    p.pull(&one, &mut content).ok();
    o.0.push((
        "pulled content".into(),
        String::from_utf8_lossy(&content).into_owned(),
    ));
    o.listing("list dir", p, &format!("{root}/a"), None, false);
    o.listing(
        "list pattern",
        p,
        &format!("{root}/a"),
        Some("*.txt"),
        false,
    );
    o.listing(
        "list pattern ?",
        p,
        &format!("{root}/a"),
        Some("t??.*"),
        false,
    );
    o.listing("list file", p, &one, None, false);
    o.listing("list missing", p, &format!("{root}/nope"), None, false);
    o.listing(
        "list bad pattern",
        p,
        &format!("{root}/a"),
        Some("["),
        false,
    );
    o.record(
        "pull missing",
        p.pull(&format!("{root}/nope"), &mut Vec::new()),
        |n| n.to_string(),
    );
    o.record("pull dir", p.pull(root, &mut Vec::new()), |n| n.to_string());
    o.listing("list relative", p, "relative", None, false);
    o.record(
        "pull relative",
        p.pull("relative.txt", &mut Vec::new()),
        |n| n.to_string(),
    );
    let nested = format!("{root}/new/dir/f.txt");
    o.record(
        "push missing dir",
        p.push(&nested, &mut &b"x"[..], &PushOptions::default()),
        ok,
    );
    let make = PushOptions {
        make_dirs: true,
        ownership: mode(0o600),
    };
    o.record("push make_dirs", p.push(&nested, &mut &b"x"[..], &make), ok);
    o.listing("list made dirs", p, &format!("{root}/new"), None, false);
    o.listing("list made file", p, &format!("{root}/new/dir"), None, false);
    o.record(
        "push onto dir",
        p.push(&deep, &mut &b"x"[..], &PushOptions::default()),
        ok,
    );
    let a = format!("{root}/a");
    o.record("remove non-empty", p.remove_path(&a, false), ok);
    o.record("remove recursive", p.remove_path(&a, true), ok);
    o.listing("list after remove", p, root, None, false);
    o.record("remove missing", p.remove_path(&a, false), ok);
    o.record("remove missing recursive", p.remove_path(&a, true), ok);

    // Exec.
    let mut input = &b"line one\nline two\n"[..];
    let stdio = ExecStdio {
        stdin: Some(&mut input),
        ..ExecStdio::default()
    };
    o.record(
        "exec stdin",
        p.exec(&sh("cat; echo to-err >&2"), stdio),
        exec_show,
    );
    let mut combined = sh("echo a; echo b >&2; echo c");
    combined.combine_stderr = true;
    o.record(
        "exec combined",
        p.exec(&combined, ExecStdio::default()),
        exec_show,
    );
    let mut env = sh("echo \"$GREETING|$(pwd)\"");
    env.environment = BTreeMap::from([("GREETING".into(), "hi there".into())]);
    env.working_dir = Some(root.into());
    o.record(
        "exec env and dir",
        p.exec(&env, ExecStdio::default()),
        exec_show,
    );
    o.record(
        "exec exit code",
        p.exec(&sh("echo partial; exit 7"), ExecStdio::default()),
        exec_show,
    );
    // Not `sh -c`: Pebble kills the command, and a shell's `sleep` child would hold its
    // output open.
    let mut slow = ExecOptions {
        command: vec!["sleep".into(), "30".into()],
        ..ExecOptions::default()
    };
    slow.timeout = Some(Duration::from_millis(200));
    o.record(
        "exec timeout",
        p.exec(&slow, ExecStdio::default()),
        exec_show,
    );
    let missing = ExecOptions {
        command: vec!["/no/such/binary".into()],
        ..ExecOptions::default()
    };
    o.record(
        "exec missing binary",
        p.exec(&missing, ExecStdio::default()),
        exec_show,
    );
    let mut in_context = sh("echo \"$A$B$C\"");
    in_context.service_context = Some("web".into());
    o.record(
        "exec service context",
        p.exec(&in_context, ExecStdio::default()),
        exec_show,
    );

    // Notices.
    let data = NotifyOptions {
        data: BTreeMap::from([("path".into(), "/etc/x".into())]),
        ..NotifyOptions::default()
    };
    let first = p.notify("example.com/a", &data);
    let second = p.notify("example.com/b", &NotifyOptions::default());
    let again = p.notify("example.com/a", &NotifyOptions::default());
    let same = match (&first, &second, &again) {
        (Ok(a), Ok(b), Ok(c)) => format!("a==again {} a!=b {}", a == c, a != b),
        other => format!("{other:?}"),
    };
    o.0.push(("notify ids".into(), same));
    let show_notice = |n: ops_pebble::Notice| {
        format!(
            "{}:{}:occurrences={}:data={:?}:user={:?}",
            n.type_, n.key, n.occurrences, n.last_data, n.user_id
        )
    };
    if let Ok(id) = &first {
        o.record("get notice", p.get_notice(id), show_notice);
        o.record("notice expiry", p.get_notice(id), |n| {
            format!("{:?}", n.expire_after)
        });
    }
    let custom = NoticesQuery {
        types: vec![NoticeType::Custom],
        ..NoticesQuery::default()
    };
    o.record("custom notices", p.get_notices(&custom), |ns| {
        ns.into_iter()
            .map(show_notice)
            .collect::<Vec<_>>()
            .join(" ")
    });
    let by_key = NoticesQuery {
        keys: vec!["example.com/b".into()],
        ..custom.clone()
    };
    o.record("notices by key", p.get_notices(&by_key), |ns| {
        ns.into_iter()
            .map(show_notice)
            .collect::<Vec<_>>()
            .join(" ")
    });
    o.record("missing notice", p.get_notice("999999"), show_notice);
    o.record(
        "notify empty key",
        p.notify("", &NotifyOptions::default()),
        |_| String::new(),
    );

    // Checks.
    o.checks("checks", p, None);
    o.checks("checks alive", p, Some(&CheckLevel::Alive));
    o.checks("checks ready", p, Some(&CheckLevel::Ready));
    o.record("health", p.health(None, &[]), |h| h.to_string());
    o.record("service metrics", p.get_metrics(), |text| {
        let mut active: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("pebble_service_active{"))
            .collect();
        active.sort_unstable();
        active.join(" ")
    });
    o.record("start checks", p.start_checks(&["lazy", "alive-ok"]), |c| {
        c.join(",")
    });
    o.checks("checks after start", p, None);
    o.record("stop checks", p.stop_checks(&["lazy", "alive-ok"]), |c| {
        c.join(",")
    });
    o.record("stop checks again", p.stop_checks(&["lazy"]), |c| {
        c.join(",")
    });
    o.checks("checks after stop", p, None);
    o.record("start unknown check", p.start_checks(&["nope"]), |c| {
        c.join(",")
    });
    o.record("refresh unknown check", p.refresh_check("nope"), |r| {
        r.info.name
    });
    o
}

/// The simulator's answers to the scenario's commands (a test of ops::testing scripts
/// what its commands print): each handler answers as the real command does, from the
/// arguments the simulator passes it.
fn script_execs(h: &mut Harness<Differential>) {
    h.handle_exec_with(
        "workload",
        ["sh", "-c", "cat; echo to-err >&2"],
        |a: &ExecArgs| ExecResult::new().stdout(a.stdin.clone()).stderr("to-err\n"),
    );
    h.handle_exec_with(
        "workload",
        ["sh", "-c", "echo a; echo b >&2; echo c"],
        |_: &ExecArgs| ExecResult::new().stdout("a\nb\nc\n"),
    );
    h.handle_exec_with(
        "workload",
        ["sh", "-c", "echo \"$GREETING|$(pwd)\""],
        |a: &ExecArgs| {
            let greeting = a.environment.get("GREETING").cloned().unwrap_or_default();
            let dir = a.working_dir.clone().unwrap_or_default();
            ExecResult::new().stdout(format!("{greeting}|{dir}\n"))
        },
    );
    h.handle_exec_with(
        "workload",
        ["sh", "-c", "echo partial; exit 7"],
        |_: &ExecArgs| ExecResult::new().stdout("partial\n").exit_code(7),
    );
    h.handle_exec_with("workload", ["sleep", "30"], |_: &ExecArgs| {
        ExecResult::timeout()
    });
    h.handle_exec_with(
        "workload",
        ["sh", "-c", "echo \"$A$B$C\""],
        |a: &ExecArgs| {
            let var = |k: &str| a.environment.get(k).cloned().unwrap_or_default();
            ExecResult::new().stdout(format!("{}{}{}\n", var("A"), var("B"), var("C")))
        },
    );
}

#[test]
fn the_in_memory_pebble_answers_as_the_real_one() {
    let Some(real) = RealPebble::start("the_in_memory_pebble_answers_as_the_real_one") else {
        return;
    };
    let root = real.scratch().display().to_string();
    let client = real.client();
    let real_outcomes = scenario(&client, &root);

    let mut h = Harness::<Differential>::new();
    h.set_can_connect("workload", true);
    script_execs(&mut h);
    let sim = h.model().container("workload").unwrap().pebble();
    // The real scratch directory exists; make the same path in the simulator.
    let parents = MakeDirOptions {
        make_parents: true,
        ..MakeDirOptions::default()
    };
    sim.make_dir(&root, &parents)
        .expect("the simulator's scratch directory");
    let sim_outcomes = scenario(&*sim, &root);

    assert_eq!(
        real_outcomes.0.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        sim_outcomes.0.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    let mut equal = 0;
    let mut report = String::new();
    let mut unexplained = Vec::new();
    for ((name, real), (_, sim)) in real_outcomes.0.iter().zip(&sim_outcomes.0) {
        let listed = SIMPLIFICATIONS.iter().find(|(step, _)| step == name);
        if real == sim {
            equal += 1;
            assert!(
                listed.is_none(),
                "step {name:?} is listed as a simplification but agrees"
            );
            continue;
        }
        let why = match listed {
            Some((_, why)) => format!("simplification: {why}"),
            None => {
                unexplained.push(name.clone());
                "UNEXPLAINED".into()
            }
        };
        writeln!(
            report,
            "- {name} ({why})\n    real: {real}\n    sim:  {sim}"
        )
        .unwrap();
    }
    let total = real_outcomes.0.len();
    eprintln!("{report}");
    eprintln!("sim-equal {equal}/{total}");
    assert!(
        unexplained.is_empty(),
        "the simulator differs from the real Pebble in {unexplained:?}:\n{report}\n\
         the daemon's log:\n{}",
        real.log()
    );
}
