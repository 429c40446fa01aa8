//! `Context::run` throughput with two charm libraries embedded: the `upki-mirror-k8s`
//! port (the ingress and Loki libraries) on an ingress `relation-changed` whose URL is
//! already known, so the ingress library reads, publishes and compares, and the Loki
//! library is not consulted. Issue #10's budget is above 50,000 runs/s.
//!
//! `cargo bench -p ops-bench --bench context_run_libraries [-- ROUNDS [ROUND_MS]]`
//! prints `runs_per_second=N`. Without `--bench` it checks the run once and exits.

use ops::testing::{Context, Relation, State};
use std::time::Duration;
use upki_mirror_k8s::UpkiMirror;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut numbers = args.iter().filter_map(|a| a.parse::<u64>().ok());
    let rounds = numbers.next().unwrap_or(15) as usize;
    let round_ms = numbers.next().unwrap_or(200);

    let ingress = Relation::new("ingress")
        .remote_app_name("traefik")
        .remote_app_data([("ingress", r#"{"url": "http://traefik/pki-upki"}"#)]);
    let mut ctx = Context::<UpkiMirror>::new();
    let first = State::new().relation(ingress.clone()).leader(true);
    // The first run reports the URL; the timed runs start from its state.
    let state = ctx.run(ctx.on.relation_changed(&ingress), &first).unwrap();
    let out = ctx.run(ctx.on.relation_changed(&ingress), &state).unwrap();
    assert_eq!(ctx.output().handlers.len(), 1, "the ingress library only");
    assert_eq!(
        out.get_relation(ingress.id).unwrap().local_app_data["port"],
        "80"
    );
    if !bench {
        println!("context_run_libraries: checked one run (pass --bench to measure)");
        return;
    }

    let r = ops_bench::rate(rounds, Duration::from_millis(round_ms), || {
        let out = ctx.run(ctx.on.relation_changed(&ingress), &state).unwrap();
        std::hint::black_box(out);
    });
    println!(
        "Context::run ingress relation-changed (upki-mirror-k8s, two libraries): median \
         {:.0} runs/s ({} rounds of >= {round_ms} ms, min {:.0}, max {:.0}, {} runs)",
        r.median, r.rounds, r.min, r.max, r.calls
    );
    println!("runs_per_second={:.0}", r.median);
}
