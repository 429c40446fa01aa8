//! `Context::run` throughput of one `config-changed` in a unit test of the tutorial charm
//! (`examples/k8s-2-configurable`), the state of the Python example's
//! `test_config_changed`: the `demo-server` container reachable with the rock's layer,
//! `server-port` 8080, leader, the workload version mocked. One `Context`, reused.
//!
//! `cargo bench -p ops-bench --bench context_run [-- ROUNDS [ROUND_MS]]` prints
//! `runs_per_second=N` (the median round) and a summary. Without `--bench` (as
//! `cargo test --benches` runs it) it checks the run once and exits.

use fastapi_charm_libs::fastapi_demo::{rock_layer, VersionSource};
use k8s_2_configurable::FastApiDemo;
use ops::testing::{Container, Context, State};
use ops::Status;
use std::time::Duration;

/// The workload answers version 0.0.1 without a server: the charm's `version_source`
/// field gets a fixed one before each event (the Python tests monkeypatch `get_version`).
fn fixed_version(charm: &mut FastApiDemo) {
    charm.version_source = VersionSource::fixed("0.0.1");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut numbers = args.iter().filter_map(|a| a.parse::<u64>().ok());
    let rounds = numbers.next().unwrap_or(15) as usize;
    let round_ms = numbers.next().unwrap_or(200);

    let rock = rock_layer();
    let container = Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock);
    let state = State::new()
        .container(container)
        .config("server-port", 8080)
        .leader(true);
    let mut ctx = Context::<FastApiDemo>::new().charm_setup(fixed_version);

    // The run does what the Python test checks, before it is timed.
    let out = ctx
        .run(ctx.on.config_changed(), &state)
        .expect("config-changed");
    let plan = out.get_container("demo-server").unwrap().plan().unwrap();
    assert!(plan.services["fastapi"].command.ends_with("--port 8080"));
    assert_eq!(out.unit_status, Status::active(""));
    assert_eq!(out.workload_version, "0.0.1");
    if !bench {
        println!("context_run: checked one run (pass --bench to measure)");
        return;
    }

    let r = ops_bench::rate(rounds, Duration::from_millis(round_ms), || {
        let out = ctx.run(ctx.on.config_changed(), &state).unwrap();
        std::hint::black_box(out);
    });
    println!(
        "Context::run config-changed (k8s-2-configurable): median {:.0} runs/s \
         ({} rounds of >= {round_ms} ms, min {:.0}, max {:.0}, {} runs)",
        r.median, r.rounds, r.min, r.max, r.calls
    );
    println!("runs_per_second={:.0}", r.median);
}
