//! Unit tests with `ops::testing`'s in-memory Juju and Pebble (the real daemon's run is
//! tests/real_pebble.rs).

use ops::pebble::ServiceStatus;
use ops::testing::{Container, Context, State};
use ops::Status;
use static_site::{page, StaticSite, SERVICE_NAME};

#[test]
fn pebble_ready_writes_the_page_and_starts_the_server() {
    let mut ctx = Context::<StaticSite>::new();
    let site = Container::new("site").can_connect(true);
    let state = State::new().container(site.clone()).config("port", 9000);
    let out = ctx.run(ctx.on.pebble_ready(&site), &state).unwrap();
    let site = out.get_container("site").unwrap();
    let plan = site.plan().unwrap();
    assert_eq!(
        plan.services[SERVICE_NAME].command,
        "python3 -m http.server 9000 --bind 127.0.0.1 --directory /srv/www"
    );
    assert_eq!(site.service(SERVICE_NAME), ServiceStatus::Active);
    let unit = ctx.unit_name();
    assert_eq!(
        site.read_file("/srv/www/index.html").unwrap(),
        page(&unit).into_bytes()
    );
    assert_eq!(out.unit_status, Status::active("serving on port 9000"));
}

#[test]
fn a_bad_port_blocks_and_no_container_waits() {
    let mut ctx = Context::<StaticSite>::new();
    let site = Container::new("site").can_connect(true);
    let state = State::new().container(site.clone()).config("port", 70000);
    let out = ctx.run(ctx.on.pebble_ready(&site), &state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("port 70000 is not between 1 and 65535")
    );
    assert!(out.get_container("site").unwrap().layers.is_empty());

    let away = Container::new("site");
    let state = State::new().container(away);
    let out = ctx.run(ctx.on.update_status(), &state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("waiting for the workload container")
    );
}
