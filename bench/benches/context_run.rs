//! `Context::run` throughput of one `config-changed` in a unit test of the tutorial charm
//! (`examples/k8s-2-configurable`), the state of the Python example's
//! `test_config_changed`: the `demo-server` container reachable with the rock's layer,
//! `server-port` 8080, leader, the workload version mocked. One `Context`, reused.
//!
//! A second case measures a charm with two libraries embedded (two instances of a
//! `DatabaseRequires`-like library on two endpoints, `two_libs.yaml`): a `config-changed`
//! that no library observes, and a `relation-changed` whose library emits an event the
//! charm observes.
//!
//! `cargo bench -p ops-bench --bench context_run [-- ROUNDS [ROUND_MS]]` prints
//! `runs_per_second=N` (the median round of the first case), `two_libs_...` figures and a
//! summary. Without `--bench` (as `cargo test --benches` runs it) it checks the runs once
//! and exits.

use fastapi_charm_libs::fastapi_demo::{mock_version, rock_layer};
use k8s_2_configurable::FastApiDemo;
use ops::event::RelationChanged;
use ops::prelude::*;
use ops::testing::{Container, Context, Relation, State};
use std::time::Duration;

/// The provider created the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseCreated {
    /// The relation.
    pub relation_id: u64,
    /// `host:port`.
    pub endpoints: String,
}

/// A requirer library: reports the provider's endpoints once.
#[library(
    interface = "postgresql_client",
    role = "requires",
    events(database_created = DatabaseCreated)
)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DatabaseRequires {
    endpoints: Option<String>,
}

#[library]
impl DatabaseRequires {
    #[on(relation_changed)]
    fn changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
        let endpoints = event.relation.get(Member::RemoteApp, "endpoints")?;
        if endpoints.is_some() && self.endpoints != endpoints {
            self.endpoints = endpoints.clone();
            model.emit(DatabaseCreated {
                relation_id: event.relation.id(),
                endpoints: endpoints.unwrap_or_default(),
            })?;
        }
        Ok(())
    }
}

/// A charm with two libraries embedded.
#[charm(metadata = "two_libs.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TwoLibs {
    #[lib(endpoint = "database")]
    db: DatabaseRequires,
    #[lib(endpoint = "replica")]
    replica: DatabaseRequires,
    ready: u32,
}

#[charm]
impl TwoLibs {
    #[on(config_changed)]
    fn configure(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let port = model.config()?.server_port;
        model
            .unit()
            .set_status(Status::active(format!("port {port}")))?;
        Ok(())
    }

    #[on(db.database_created)]
    #[on(replica.database_created)]
    fn ready(&mut self, model: &Model<Self>) -> ops::Result<()> {
        self.ready += 1;
        model.unit().set_status(Status::active("ready"))?;
        Ok(())
    }
}

/// Measures the two-library charm: `config-changed` (no library observes it) and a
/// `relation-changed` (a library's handler emits, the charm observes).
fn two_libs(bench: bool, rounds: usize, round_ms: u64) {
    let relation = |endpoint: &str, id| {
        Relation::new(endpoint)
            .id(id)
            .remote_app_name("postgresql")
            .remote_app_data([("endpoints", "pg:5432")])
    };
    let db = relation("database", 1);
    let state = State::new()
        .relation(db.clone())
        .relation(relation("replica", 2))
        .leader(true);
    let mut ctx = Context::<TwoLibs>::new();
    let out = ctx
        .run(ctx.on.config_changed(), &state)
        .expect("config-changed");
    assert_eq!(out.unit_status, Status::active("port 8000"));
    let out = ctx
        .run(ctx.on.relation_changed(&db), &state)
        .expect("relation-changed");
    assert_eq!(out.unit_status, Status::active("ready"));
    let saved: DatabaseRequires = out.get_library_state("db").unwrap();
    assert_eq!(saved.endpoints.as_deref(), Some("pg:5432"));
    if !bench {
        return;
    }
    for (name, event) in [
        ("config_changed", ctx.on.config_changed()),
        ("relation_changed", ctx.on.relation_changed(&db)),
    ] {
        let r = ops_bench::rate(rounds, Duration::from_millis(round_ms), || {
            let out = ctx.run(event.clone(), &state).unwrap();
            std::hint::black_box(out);
        });
        println!(
            "Context::run {name} (two libraries embedded): median {:.0} runs/s \
             ({} rounds of >= {round_ms} ms, min {:.0}, max {:.0}, {} runs)",
            r.median, r.rounds, r.min, r.max, r.calls
        );
        println!("two_libs_{name}_runs_per_second={:.0}", r.median);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut numbers = args.iter().filter_map(|a| a.parse::<u64>().ok());
    let rounds = numbers.next().unwrap_or(15) as usize;
    let round_ms = numbers.next().unwrap_or(200);

    let _version = mock_version("0.0.1");
    let rock = rock_layer();
    let container = Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock);
    let state = State::new()
        .container(container)
        .config("server-port", 8080)
        .leader(true);
    let mut ctx = Context::<FastApiDemo>::new();

    // The run does what the Python test checks, before it is timed.
    let out = ctx
        .run(ctx.on.config_changed(), &state)
        .expect("config-changed");
    let plan = out.get_container("demo-server").unwrap().plan().unwrap();
    assert!(plan.services["fastapi"].command.ends_with("--port 8080"));
    assert_eq!(out.unit_status, Status::active(""));
    assert_eq!(out.workload_version, "0.0.1");
    two_libs(false, rounds, round_ms);
    if !bench {
        println!("context_run: checked the runs (pass --bench to measure)");
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
    two_libs(true, rounds, round_ms);
}
