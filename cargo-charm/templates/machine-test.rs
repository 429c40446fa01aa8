//! Unit tests: the charm against ops::testing's in-memory Juju.

use ops::testing::{Context, Harness, State};
use ops::Status;

use {{crate}}::{{Struct}};

#[test]
fn config_changed_counts_and_the_status_shows_the_greeting() {
    let mut ctx = Context::<{{Struct}}>::new();
    let state = State::new().config("greeting", "hi");
    let mgr = ctx.manager(ctx.on.config_changed(), &state).unwrap();
    let done = mgr.run().unwrap();
    assert_eq!(done.charm().config_changes, 1);
    assert_eq!(done.state().unit_status, Status::active("hi"));
}

#[test]
fn greet_answers_with_the_greeting() {
    let mut harness = Harness::<{{Struct}}>::new();
    harness.begin().unwrap();
    let out = harness.run_action("greet", ()).unwrap();
    assert_eq!(out.results["greeting"], "hello, world");
    let out = harness.run_action("greet", [("name", "juju")]).unwrap();
    assert_eq!(out.results["greeting"], "hello, juju");
}
