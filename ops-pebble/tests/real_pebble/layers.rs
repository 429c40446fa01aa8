//! Layers: add, combine with override merge and replace, the plan.

use crate::{layer, start};
use ops_pebble::{Pebble, ServiceStartup};

const BASE: &str = "summary: base
services:
  web:
    override: replace
    command: sleep 100
    startup: enabled
    environment:
      A: a1
      B: b1
    after: [db]
  db:
    override: replace
    command: sleep 200
checks:
  up:
    override: replace
    level: alive
    period: 10s
    exec:
      command: 'true'
";

#[test]
fn combine_merges_and_replaces_services_and_checks() {
    let pebble = start!("combine_merges_and_replaces_services_and_checks");
    let client = pebble.client();
    client.add_layer("base", &layer(BASE), false).unwrap();

    // Same label without combine: Pebble refuses.
    let err = client.add_layer("base", &layer(BASE), false).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert_eq!(err.to_string(), "layer \"base\" already exists");

    // Combine into the same label: merge keeps unnamed keys and merges maps and lists;
    // replace drops the service's old definition.
    let over = "services:
  web:
    override: merge
    environment:
      B: b2
      C: c2
    after: [cache]
  db:
    override: replace
    command: sleep 300
";
    client.add_layer("base", &layer(over), true).unwrap();
    let plan = client.get_plan().unwrap();
    let web = &plan.services["web"];
    assert_eq!(web.command, "sleep 100");
    assert_eq!(web.startup, Some(ServiceStartup::Enabled));
    let env: Vec<_> = web
        .environment
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(env, ["A=a1", "B=b2", "C=c2"]);
    assert_eq!(web.after, ["db", "cache"]);
    let db = &plan.services["db"];
    assert_eq!(db.command, "sleep 300");
    assert!(plan.checks.contains_key("up"));

    // A new label on top: replace drops the merged environment entirely.
    let top = "services:
  web:
    override: replace
    command: sleep 400
";
    client.add_layer("top", &layer(top), false).unwrap();
    let plan = client.get_plan().unwrap();
    let web = &plan.services["web"];
    assert_eq!(web.command, "sleep 400");
    assert!(web.environment.is_empty(), "{web:?}");
    assert_eq!(web.startup, None);

    // The client computes the same plan locally from the same layers.
    let local = ops_pebble::combine_layers([&layer(BASE), &layer(over)]).unwrap();
    let local = ops_pebble::Plan::from_layers([&local, &layer(top)]).unwrap();
    assert_eq!(local, plan);
    // Pebble writes the default threshold into the plan.
    assert_eq!(plan.checks["up"].threshold, Some(3));
}

#[test]
fn bad_layers_are_refused_with_pebbles_message() {
    let pebble = start!("bad_layers_are_refused_with_pebbles_message");
    let client = pebble.client();
    // No override.
    let no_override = layer("services:\n  s:\n    command: sleep 1\n");
    let err = client.add_layer("l", &no_override, false).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert!(
        err.to_string().contains("must define \"override\""),
        "{err}"
    );
    // Merge into nothing that has no command.
    let no_command = layer("services:\n  s:\n    override: merge\n    summary: x\n");
    let err = client.add_layer("l", &no_command, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan must define \"command\" for service \"s\""
    );
    // Nothing was added.
    assert!(client.get_plan().unwrap().services.is_empty());
    // A reserved label.
    let err = client
        .add_layer("pebble-x", &layer("summary: x\n"), false)
        .unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot parse layer YAML: cannot use reserved label prefix \"pebble-\""
    );
}
