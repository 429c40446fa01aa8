//! End to end on the real Pebble: the built charm binary runs `site-pebble-ready` in a
//! charm directory as Juju runs a hook (stand-in hook tools on `PATH` that record their
//! calls), talking to a real `pebble run` whose socket is the container's
//! (`$OPS_CONTAINERS_DIR/site/pebble.socket`). The charm writes its page, adds its layer
//! and replans; Python's `http.server` really starts and serves the page, and the unit
//! status the charm set says so. Skips with one line without the Pebble binary
//! (`bash .ci/install-pebble.sh`), fails so under `CI=true`.

use ops_pebble::real::RealPebble;
use ops_pebble::{Pebble, ServiceStatus};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_static-site");
const UNIT: &str = "static-site/0";

/// A stand-in hook tool: appends its name and arguments to `calls`; `config-get`
/// answers `config` (JSON).
fn tool_script(calls: &Path, config: &str) -> String {
    format!(
        "#!/bin/sh\nline=${{0##*/}}; for a in \"$@\"; do line=\"$line $a\"; done\n\
         printf '%s\\n' \"$line\" >>'{}'\n\
         [ \"${{0##*/}}\" = config-get ] && printf '%s\\n' '{config}'\nexit 0\n",
        calls.display()
    )
}

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `GET /` on the port, retried while the server comes up; the response.
fn get(port: u16) -> String {
    let started = Instant::now();
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut stream) => {
                stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                return response;
            }
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("nothing answers on port {port}: {e}"),
        }
    }
}

#[test]
fn pebble_ready_starts_a_real_server_and_the_unit_says_so() {
    let Some(pebble) = RealPebble::start("pebble_ready_starts_a_real_server") else {
        return;
    };
    let root = pebble.scratch();
    // The container's socket, where the charm looks for it.
    let containers = root.join("containers");
    std::fs::create_dir_all(containers.join("site")).unwrap();
    std::os::unix::fs::symlink(pebble.socket(), containers.join("site/pebble.socket")).unwrap();
    // The charm directory: the binary as `dispatch`, the stand-in tools in bin/.
    let charm = root.join("charm");
    std::fs::create_dir_all(charm.join("bin")).unwrap();
    std::fs::copy(BINARY, charm.join("dispatch")).unwrap();
    let port = free_port();
    let web_root = root.join("www");
    let config = format!(
        r#"{{"port": {port}, "web-root": "{}"}}"#,
        web_root.display()
    );
    let calls = charm.join("calls");
    std::fs::write(charm.join("bin/tool"), tool_script(&calls, &config)).unwrap();
    std::fs::set_permissions(charm.join("bin/tool"), PermissionsExt::from_mode(0o755)).unwrap();
    for name in [
        "juju-log",
        "config-get",
        "status-get",
        "status-set",
        "is-leader",
    ] {
        std::os::unix::fs::symlink("tool", charm.join("bin").join(name)).unwrap();
    }

    let out = Command::new(charm.join("dispatch"))
        .current_dir(&charm)
        .env_clear()
        .env("PATH", charm.join("bin"))
        .env("JUJU_CHARM_DIR", &charm)
        .env("JUJU_UNIT_NAME", UNIT)
        .env("JUJU_MODEL_NAME", "test")
        .env("JUJU_VERSION", "3.6.4")
        .env("JUJU_DISPATCH_PATH", "hooks/site-pebble-ready")
        .env("JUJU_WORKLOAD_NAME", "site")
        .env("OPS_CONTAINERS_DIR", &containers)
        .output()
        .unwrap();
    let calls = std::fs::read_to_string(&calls).unwrap_or_default();
    assert!(
        out.status.success(),
        "{out:?}\ncalls:\n{calls}\npebble:\n{}",
        pebble.log()
    );

    // The page the charm pushed, served by the service the charm started.
    let response = get(port);
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    assert!(response.ends_with(&static_site::page(UNIT)), "{response}");
    let client = pebble.client();
    let service = &client.get_services(&["site"]).unwrap()[0];
    assert_eq!(service.current, ServiceStatus::Active);
    let plan = client.get_plan().unwrap();
    assert_eq!(
        plan.services["site"].command,
        format!(
            "python3 -m http.server {port} --bind 127.0.0.1 --directory {}",
            web_root.display()
        )
    );
    // The status the charm set after checking the service runs.
    let status: Vec<&str> = calls
        .lines()
        .filter(|l| l.starts_with("status-set"))
        .collect();
    assert_eq!(
        status,
        [format!("status-set --application=False active -- serving on port {port}").as_str()],
        "{calls}"
    );
}
