//! The main job: the tutorial's FastAPI demo charm (step 4) handling a realistic run of
//! Juju events on the embedded in-memory Juju and Pebble (`ops::testing`), printing each
//! event and what it left behind: status, Pebble plan and services, relation data,
//! action results and the charm's log lines.
//!
//! The workload's `/version` endpoint is a real HTTP server on a free local port, which
//! the charm is configured to use: the charm really asks it for its version.
//!
//! Run it with `cargo run -p k8s-4-action --example tour`.

use fastapi_charm_libs::fastapi_demo::rock_layer;
use k8s_4_action::FastApiDemo;
use ops::pebble::Plan;
use ops::testing::{Container, Context, Event, Relation, RunError, State};
use std::io::{Read, Write};
use std::net::TcpListener;

/// The workload's version, as the stand-in server reports it.
const WORKLOAD_VERSION: &str = "1.0.1";

fn main() {
    if let Err(e) = tour() {
        eprintln!("tour failed: {e}");
        std::process::exit(1);
    }
}

fn tour() -> Result<(), Box<dyn std::error::Error>> {
    let port = serve_version()?;
    let mut ctx = Context::<FastApiDemo>::new();
    let on = ctx.on.clone();
    println!(
        "ops for Rust: the FastAPI demo charm (examples/k8s-4-action, the k8s tutorial's \
         step 4) as unit {},",
        ctx.unit_name()
    );
    println!("on the in-memory Juju and Pebble of ops::testing. The workload's /version");
    println!("is served on 127.0.0.1:{port}, so server-port is set to {port}.\n");

    let container = Container::new("demo-server")
        .can_connect(true)
        .layer("rock", rock_layer());
    let mut state = State::new()
        .leader(true)
        .config("server-port", port)
        .container(container.clone());

    state = step(&mut ctx, "install", on.install(), state)?;
    state = step(
        &mut ctx,
        "demo-server-pebble-ready",
        on.pebble_ready(&container),
        state,
    )?;
    state = step(
        &mut ctx,
        "config-changed (server-port=22)",
        on.config_changed(),
        state.config("server-port", 22),
    )?;
    state = step(
        &mut ctx,
        &format!("config-changed (server-port={port})"),
        on.config_changed(),
        state.config("server-port", port),
    )?;

    // `juju integrate fastapi-demo postgresql-k8s`: the relation appears, a unit joins,
    // then the database charm shares the database's address and credentials.
    let database = Relation::new("database")
        .interface("postgresql_client")
        .remote_app_name("postgresql-k8s");
    state = step(
        &mut ctx,
        "database-relation-created",
        on.relation_created(&database),
        state.relation(database.clone()),
    )?;
    state = step(
        &mut ctx,
        "database-relation-joined (postgresql-k8s/0)",
        on.relation_joined(&database).remote_unit(0),
        state,
    )?;
    let shared = with_remote_app_data(
        &state,
        database.id,
        &[
            ("database", "names_db"),
            ("endpoints", "postgresql-k8s-primary.dev.svc:5432"),
            ("username", "relation_id_7"),
            ("password", "s3cr3t-from-postgresql"),
        ],
    );
    let changed = shared
        .get_relation(database.id)
        .cloned()
        .ok_or("the database relation is missing")?;
    state = step(
        &mut ctx,
        "database-relation-changed (postgresql-k8s shared the database)",
        on.relation_changed(&changed).remote_unit(0),
        shared,
    )?;

    let action = on.action("get-db-info").param("show-password", true);
    step(
        &mut ctx,
        "action get-db-info show-password=true",
        action,
        state,
    )?;
    Ok(())
}

/// Runs one event, prints what it did, and returns the state it left.
fn step(
    ctx: &mut Context<FastApiDemo>,
    title: &str,
    event: Event,
    state: State,
) -> Result<State, RunError> {
    println!("== {title}");
    let out = ctx.run(event, &state)?;
    for line in ctx.juju_log() {
        if line.level != ops::testing::LogLevel::Debug {
            println!("   log     {:<7} {}", line.level.as_str(), line.message);
        }
    }
    println!("   status  unit {}", out.unit_status);
    if !out.workload_version.is_empty() {
        println!("   version {}", out.workload_version);
    }
    if let Some(container) = out.get_container("demo-server") {
        print_plan(container);
    }
    for relation in &out.relations {
        println!(
            "   relation {} #{} (to {}): our app data {:?}",
            relation.endpoint, relation.id, relation.remote_app_name, relation.local_app_data
        );
    }
    if let Some(results) = ctx.action_results() {
        println!("   action results {results:?}");
    }
    if let Some(failure) = ctx.action_failure() {
        println!("   action failed: {failure}");
    }
    println!();
    Ok(out)
}

fn print_plan(container: &Container) {
    let Ok(plan) = container.plan() else {
        return;
    };
    let Plan { services, .. } = plan;
    for (name, service) in &services {
        println!(
            "   pebble  {name} [{:?}] {}",
            container.service(name),
            service.command
        );
        for (key, value) in &service.environment {
            let shown = if key.contains("PASSWORD") {
                "********"
            } else {
                value
            };
            println!("           {key}={shown}");
        }
    }
}

/// `state` with the remote application's databag of relation `id` set to `data`.
fn with_remote_app_data(state: &State, id: u64, data: &[(&str, &str)]) -> State {
    let mut state = state.clone();
    for relation in state.relations.iter_mut().filter(|r| r.id == id) {
        for (key, value) in data {
            relation
                .remote_app_data
                .insert(key.to_string(), value.to_string());
        }
    }
    state
}

/// Serves the workload's `GET /version` on a free local port, from a background thread;
/// returns the port.
fn serve_version() -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let body = format!("{{\"version\": \"{WORKLOAD_VERSION}\"}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Ok(port)
}
