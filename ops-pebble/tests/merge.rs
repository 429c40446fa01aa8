//! Layer merge rules, as Pebble's CombineLayers applies them.

use ops_pebble::*;

fn layer(yaml: &str) -> Layer {
    Layer::from_yaml(yaml).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Pebble's own "relatively simple layer with override on top" plan test, as layers in,
/// combined layer out.
#[test]
fn pebble_simple_layer_with_override_on_top() {
    let base = layer(
        r#"
summary: Simple layer
description: A simple layer.
services:
    srv1:
        override: replace
        summary: Service summary
        command: cmd arg1 "arg2 arg3"
        kill-delay: 10s
        startup: enabled
        after: [srv2]
        before: [srv3]
        requires: [srv2, srv3]
        environment: {var1: val1, var0: val0, var2: val2}
        backoff-delay: 1s
        backoff-factor: 1.5
        backoff-limit: 10s
        working-dir: /workdir/srv1
    srv2:
        override: replace
        startup: enabled
        command: cmd
        before: [srv3]
        working-dir: /workdir/srv2
    srv3:
        override: replace
        command: cmd
    srv6:
        override: replace
        command: cmd6a
"#,
    );
    let top = layer(
        r#"
summary: Simple override layer.
description: The second layer.
services:
    srv1:
        override: merge
        environment: {var3: val3}
        after: [srv4]
        before: [srv5]
        working-dir: /workdir/srv1/override
    srv2:
        override: replace
        startup: disabled
        command: cmd
        summary: Replaced service
    srv4:
        override: replace
        command: cmd
        startup: enabled
    srv5:
        override: replace
        command: cmd
    srv6:
        override: merge
        command: cmd6b
        environment: {foo: bar, baz: buz}
        on-check-failure: {chk1: restart}
"#,
    );
    let combined = combine_layers([&base, &top]).unwrap();
    assert_eq!(combined.summary, "Simple override layer.");
    assert_eq!(combined.description, "The second layer.");
    let s = &combined.services;
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        ["srv1", "srv2", "srv3", "srv4", "srv5", "srv6"]
    );
    let srv1 = &s["srv1"];
    // The merged entry keeps the override it was created with.
    assert_eq!(srv1.override_, Some(Override::Replace));
    assert_eq!(srv1.summary, "Service summary");
    assert_eq!(srv1.command, r#"cmd arg1 "arg2 arg3""#);
    assert_eq!(srv1.kill_delay.as_deref(), Some("10s"));
    assert_eq!(srv1.startup, Some(ServiceStartup::Enabled));
    assert_eq!(srv1.after, strings(&["srv2", "srv4"]));
    assert_eq!(srv1.before, strings(&["srv3", "srv5"]));
    assert_eq!(srv1.requires, strings(&["srv2", "srv3"]));
    assert_eq!(
        srv1.environment
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["var0=val0", "var1=val1", "var2=val2", "var3=val3"]
    );
    assert_eq!(srv1.working_dir, "/workdir/srv1/override");
    assert_eq!(srv1.backoff_delay.as_deref(), Some("1s"));
    assert_eq!(srv1.backoff_factor, Some(1.5));
    assert_eq!(srv1.backoff_limit.as_deref(), Some("10s"));
    // Replaced: nothing of the old srv2 remains.
    let srv2 = &s["srv2"];
    assert_eq!(srv2.summary, "Replaced service");
    assert_eq!(srv2.startup, Some(ServiceStartup::Disabled));
    assert!(srv2.before.is_empty());
    assert_eq!(srv2.working_dir, "");
    let srv6 = &s["srv6"];
    assert_eq!(srv6.override_, Some(Override::Replace));
    assert_eq!(srv6.command, "cmd6b");
    assert_eq!(srv6.environment.len(), 2);
    assert_eq!(srv6.on_check_failure["chk1"], ServiceAction::Restart);
}

#[test]
fn merge_into_missing_entry_creates_it() {
    let a = layer("services:\n  x:\n    override: merge\n    command: run\n");
    let plan = Plan::from_layers([&a]).unwrap();
    assert_eq!(plan.services["x"].command, "run");
    assert_eq!(plan.services["x"].override_, Some(Override::Merge));
}

#[test]
fn override_is_required_and_must_be_known() {
    let a = layer("services:\n  x:\n    command: run\n");
    let err = combine_layers([&a]).unwrap_err();
    assert!(
        matches!(&err, Error::Format(m) if m.contains("must define \"override\" for service \"x\"")),
        "{err}"
    );
    let b = layer("checks:\n  c:\n    override: sideways\n");
    let err = combine_layers([&b]).unwrap_err();
    assert!(err.to_string().contains("invalid \"override\""), "{err}");
    let c = layer("log-targets:\n  t:\n    type: loki\n");
    assert!(combine_layers([&c])
        .unwrap_err()
        .to_string()
        .contains("log target"));
}

#[test]
fn empty_fields_do_not_override_set_ones() {
    let a = layer(
        "services:\n  x:\n    override: replace\n    command: a\n    user: u\n    user-id: 10\n    group: g\n    on-success: ignore\n    backoff-factor: 3\n",
    );
    let b = layer("services:\n  x:\n    override: merge\n    summary: now\n");
    let plan = Plan::from_layers([&a, &b]).unwrap();
    let x = &plan.services["x"];
    assert_eq!(x.command, "a");
    assert_eq!(x.user, "u");
    assert_eq!(x.user_id, Some(10));
    assert_eq!(x.group, "g");
    assert_eq!(x.on_success, Some(ServiceAction::Ignore));
    assert_eq!(x.backoff_factor, Some(3.0));
    assert_eq!(x.summary, "now");
    // And set ones replace.
    let c = layer("services:\n  x:\n    override: merge\n    command: c\n    user-id: 0\n    on-success: restart\n");
    let plan = Plan::from_layers([&a, &b, &c]).unwrap();
    assert_eq!(plan.services["x"].command, "c");
    assert_eq!(
        plan.services["x"].user_id,
        Some(0),
        "user-id 0 is set, not empty"
    );
    assert_eq!(plan.services["x"].on_success, Some(ServiceAction::Restart));
}

#[test]
fn check_merge_rules() {
    let a = layer(
        r#"
checks:
  web:
    override: replace
    level: alive
    startup: disabled
    period: 10s
    threshold: 5
    http:
      url: http://localhost:8080/
      headers: {A: "1", B: "2"}
  db:
    override: replace
    tcp: {port: 5432, host: db}
  script:
    override: replace
    exec:
      command: check.sh
      environment: {X: "1"}
      user: app
"#,
    );
    let b = layer(
        r#"
checks:
  web:
    override: merge
    timeout: 2s
    http:
      headers: {B: "3", C: "4"}
  db:
    override: merge
    tcp: {port: 5433}
  script:
    override: merge
    exec:
      environment: {Y: "2"}
      working-dir: /srv
"#,
    );
    let plan = Plan::from_layers([&a, &b]).unwrap();
    let web = &plan.checks["web"];
    assert_eq!(web.level, Some(CheckLevel::Alive));
    // An unset startup never overrides.
    assert_eq!(web.startup, Some(CheckStartup::Disabled));
    assert_eq!(web.period.as_deref(), Some("10s"));
    assert_eq!(web.timeout.as_deref(), Some("2s"));
    assert_eq!(web.threshold, Some(5));
    let http = web.http.as_ref().unwrap();
    assert_eq!(http.url, "http://localhost:8080/");
    assert_eq!(
        http.headers
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["A=1", "B=3", "C=4"]
    );
    let db = plan.checks["db"].tcp.as_ref().unwrap();
    assert_eq!((db.port, db.host.as_str()), (Some(5433), "db"));
    let ex = plan.checks["script"].exec.as_ref().unwrap();
    assert_eq!(ex.command, "check.sh");
    assert_eq!(ex.environment.len(), 2);
    assert_eq!(ex.user, "app");
    assert_eq!(ex.working_dir, "/srv");

    // Merging a check type into a check without one adds it.
    let c = layer("checks:\n  db:\n    override: merge\n    http: {url: 'http://x/'}\n");
    let plan = Plan::from_layers([&a, &c]).unwrap();
    assert!(plan.checks["db"].tcp.is_some() && plan.checks["db"].http.is_some());
    // Replace drops everything.
    let d = layer("checks:\n  web:\n    override: replace\n    exec: {command: true}\n");
    let plan = Plan::from_layers([&a, &d]).unwrap();
    assert!(plan.checks["web"].http.is_none());
    assert_eq!(plan.checks["web"].level, None);
}

#[test]
fn log_target_merge_rules() {
    let a = layer(
        "log-targets:\n  loki:\n    override: replace\n    type: loki\n    location: http://a/\n    services: [all]\n    labels: {env: prod, team: a}\n",
    );
    let b = layer(
        "log-targets:\n  loki:\n    override: merge\n    location: http://b/\n    services: [-noisy]\n    labels: {team: b}\n",
    );
    let plan = Plan::from_layers([&a, &b]).unwrap();
    let t = &plan.log_targets["loki"];
    assert_eq!(t.type_, Some(LogTargetType::Loki));
    assert_eq!(t.location, "http://b/");
    assert_eq!(t.services, strings(&["all", "-noisy"]));
    assert_eq!(t.labels["env"], "prod");
    assert_eq!(t.labels["team"], "b");
}

#[test]
fn summary_and_description_come_from_the_last_layer() {
    let a = layer("summary: a\ndescription: first\n");
    let b = layer("summary: b\n");
    let combined = combine_layers([&a, &b]).unwrap();
    assert_eq!(combined.summary, "b");
    assert_eq!(combined.description, "");
    assert_eq!(combine_layers([]).unwrap(), Layer::default());
}

#[test]
fn yaml_round_trip_omits_empty_fields_and_keeps_unknown_enum_values() {
    let a = layer(
        "services:\n  x:\n    override: replace\n    command: run\n    startup: someday\n    on-failure: shutdown\n",
    );
    assert_eq!(
        a.services["x"].startup,
        Some(ServiceStartup::Other("someday".into()))
    );
    let yaml = a.to_yaml();
    assert!(!yaml.contains("summary"), "{yaml}");
    assert!(!yaml.contains("checks"), "{yaml}");
    assert!(yaml.contains("startup: someday"), "{yaml}");
    assert_eq!(Layer::from_yaml(&yaml).unwrap(), a);
    assert!(Layer::from_yaml("services: [1, 2]").is_err());
    assert_eq!(Layer::from_yaml("").unwrap(), Layer::default());
}

#[test]
fn go_durations_parse() {
    use std::time::Duration;
    assert_eq!(
        parse_go_duration("168h0m0s"),
        Some(Duration::from_secs(168 * 3600))
    );
    assert_eq!(
        parse_go_duration("1m30.5s"),
        Some(Duration::from_millis(90_500))
    );
    assert_eq!(parse_go_duration("300ms"), Some(Duration::from_millis(300)));
    assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
    assert_eq!(parse_go_duration("-1s"), None);
    assert_eq!(parse_go_duration("5 parsecs"), None);
    assert_eq!(format_timeout(Duration::from_millis(1500)), "1.500s");
    // Go's own form, as Pebble writes durations in its plan and messages.
    for (d, text) in [
        (Duration::ZERO, "0s"),
        (Duration::from_nanos(5), "5ns"),
        (Duration::from_nanos(1_500), "1.5µs"),
        (Duration::from_millis(200), "200ms"),
        (Duration::from_millis(1500), "1.5s"),
        (Duration::from_secs(90), "1m30s"),
        (Duration::from_secs(3600), "1h0m0s"),
        (Duration::from_secs(168 * 3600), "168h0m0s"),
    ] {
        assert_eq!(format_go_duration(d), text);
        assert_eq!(parse_go_duration(text), Some(d), "{text}");
    }
}

#[test]
fn plans_write_durations_and_the_threshold_as_pebble_does() {
    let layer = Layer::from_yaml(
        "services:\n  s:\n    override: replace\n    command: x\n    kill-delay: 90s\n\
         checks:\n  c:\n    override: replace\n    period: 1h\n    exec:\n      command: x\n",
    )
    .unwrap();
    let plan = Plan::from_layers([&layer]).unwrap();
    assert_eq!(plan.services["s"].kill_delay.as_deref(), Some("1m30s"));
    assert_eq!(plan.checks["c"].period.as_deref(), Some("1h0m0s"));
    assert_eq!(plan.checks["c"].threshold, Some(3));
    // combine_layers is the layer merge alone: no defaults, durations as given.
    let combined = combine_layers([&layer]).unwrap();
    assert_eq!(combined.checks["c"].period.as_deref(), Some("1h"));
    assert_eq!(combined.checks["c"].threshold, None);
}

#[test]
fn websocket_accept_key_matches_rfc6455_example() {
    assert_eq!(
        ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(ws::base64(b"ab"), "YWI=");
    assert_eq!(
        ws::sha1(b"abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}
