//! system-info, health, warnings, metrics, identities, logs and signals.

use crate::{layer, start, WAIT};
use ops_pebble::{
    BasicIdentity, CheckLevel, Identity, IdentityAccess, IdentityAction, LocalIdentity, Pebble,
    WarningState,
};
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn system_info_names_the_pinned_version() {
    let pebble = start!("system_info_names_the_pinned_version");
    let info = pebble.client().system_info().unwrap();
    let bin = ops_pebble::real::binary().unwrap();
    let out = std::process::Command::new(bin)
        .args(["version", "--client"])
        .output()
        .unwrap();
    assert_eq!(info.version, String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(info.boot_id.len(), 36, "{info:?}");
}

#[test]
fn health_without_checks_is_healthy_and_unknown_names_are_an_error() {
    let pebble = start!("health_without_checks");
    let client = pebble.client();
    assert!(client.health(None, &[]).unwrap());
    assert!(client.health(Some(&CheckLevel::Ready), &[]).unwrap());
    // Naming a check that is not in the plan is not an error: nothing to be unhealthy.
    assert!(client.health(None, &["nope"]).unwrap());
}

#[test]
fn warnings_are_gone_from_this_pebble() {
    // Pebble v1.13+ records warnings as notices; /v1/warnings answers 404, as the
    // client's doc says.
    let pebble = start!("warnings_are_gone_from_this_pebble");
    let client = pebble.client();
    let err = client.get_warnings(WarningState::All).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(404), "{err}");
    let err = client.ack_warnings("2025-01-01T00:00:00Z").unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(404), "{err}");
}

#[test]
fn metrics_are_open_metrics_text() {
    let pebble = start!("metrics_are_open_metrics_text");
    let client = pebble.client();
    client
        .add_layer(
            "m",
            &layer("services:\n  svc:\n    override: replace\n    command: sleep 60\n"),
            false,
        )
        .unwrap();
    client.start_services(&["svc"], WAIT).unwrap();
    let text = client.get_metrics().unwrap();
    assert!(
        text.contains("pebble_service_active{service=\"svc\"} 1"),
        "{text}"
    );
}

#[test]
fn identities_replace_add_and_remove() {
    let pebble = start!("identities_replace_add_and_remove");
    let client = pebble.client();
    assert!(client.get_identities().unwrap().is_empty());
    let alice = Identity {
        access: IdentityAccess::Admin,
        local: Some(LocalIdentity { user_id: 1000 }),
        basic: None,
    };
    let bob = Identity {
        access: IdentityAccess::Read,
        local: None,
        basic: Some(BasicIdentity {
            // sha512-crypt of "test" (Pebble stores the hash, never a password).
            password: "$6$F9cFSVEKyO4gB1Wh$8S1BSKsNkF.jBAixGc4W7l80OpfCNk65LZBDHBng3NAmbcHuMj4RIm7992rrJ8YA.SJ0hvm.vGk2z483am4Ym1".into(),
        }),
    };
    let mut ids = BTreeMap::new();
    ids.insert("alice".to_string(), Some(alice.clone()));
    client.post_identities(IdentityAction::Add, &ids).unwrap();
    // Adding one that exists is an error.
    let err = client
        .post_identities(IdentityAction::Add, &ids)
        .unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
    assert!(err.to_string().contains("alice"), "{err}");

    let mut ids = BTreeMap::new();
    ids.insert("bob".to_string(), Some(bob.clone()));
    client.replace_identities(&ids).unwrap();
    let got = client.get_identities().unwrap();
    assert_eq!(got.get("alice"), Some(&alice));
    assert_eq!(
        got.get("bob").map(|b| &b.access),
        Some(&IdentityAccess::Read)
    );
    assert!(got["bob"].basic.is_some());

    client.remove_identities(&["alice"]).unwrap();
    let got = client.get_identities().unwrap();
    assert_eq!(got.keys().collect::<Vec<_>>(), ["bob"]);
    // Removing one that does not exist is an error.
    let err = client.remove_identities(&["alice"]).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(400), "{err}");
}

#[test]
fn logs_of_services_and_signals_to_them() {
    let pebble = start!("logs_of_services_and_signals_to_them");
    let client = pebble.client();
    let trap = "trap 'echo got-hup' HUP; echo started; while true; do sleep 0.05; done";
    client
        .add_layer(
            "logs",
            &layer(&format!(
                "services:\n  talker:\n    override: replace\n    command: sh -c \"{trap}\"\n  \
                 quiet:\n    override: replace\n    command: sleep 60\n"
            )),
            false,
        )
        .unwrap();
    client.start_services(&["talker", "quiet"], WAIT).unwrap();
    crate::eventually("the service's first line", Duration::from_secs(10), || {
        client
            .get_logs(&["talker"], None)
            .unwrap()
            .iter()
            .any(|e| e.message == "started")
    });
    client.send_signal("SIGHUP", &["talker"]).unwrap();
    crate::eventually(
        "the trapped SIGHUP in the log",
        Duration::from_secs(10),
        || {
            let logs = client.get_logs(&["talker"], Some(-1)).unwrap();
            logs.iter()
                .any(|e| e.message == "got-hup" && e.service == "talker")
        },
    );
    // Filter and count: the quiet service has written nothing; n=1 keeps the last line.
    assert!(client.get_logs(&["quiet"], None).unwrap().is_empty());
    let last = client.get_logs(&[], Some(1)).unwrap();
    assert_eq!(last.len(), 1, "{last:?}");

    // A signal to a service that is not running is an error; so is an unknown signal.
    let err = client.send_signal("SIGHUP", &["nope"]).unwrap_err();
    assert_eq!(err.as_api().map(|e| e.code), Some(500), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot send signal to \"nope\": service is not running"
    );
    let err = client.send_signal("SIGNOPE", &["talker"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot send signal to \"talker\": invalid signal name \"SIGNOPE\""
    );

    // follow_logs streams new lines as the service writes them (n=0: none of the past).
    let signaller = client.clone();
    let hup = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        signaller.send_signal("SIGHUP", &["talker"])
    });
    let mut seen = 0;
    client
        .follow_logs(&["talker"], Some(0), &mut |entry| {
            if entry.message == "got-hup" {
                seen += 1;
            }
            seen < 1
        })
        .unwrap();
    assert_eq!(seen, 1);
    hup.join().unwrap().unwrap();
}

#[test]
fn a_panicking_test_leaves_no_process_behind() {
    let Some(probe) = ops_pebble::real::RealPebble::start("a_panicking_test_leaves_no_process")
    else {
        return;
    };
    drop(probe);
    let pids = std::panic::catch_unwind(|| {
        let pebble = ops_pebble::real::RealPebble::start("(the panicking part)").unwrap();
        let client = pebble.client();
        let pid_file = pebble.scratch().join("service.pid");
        let yaml = format!(
            "services:\n  svc:\n    override: replace\n    command: sh -c 'echo $$ > {}; exec sleep 1000'\n",
            pid_file.display()
        );
        client.add_layer("p", &layer(&yaml), false).unwrap();
        client.start_services(&["svc"], WAIT).unwrap();
        let service: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        std::panic::panic_any((pebble.pid(), service));
    })
    .unwrap_err();
    let (daemon, service) = *pids.downcast::<(u32, u32)>().unwrap();
    for pid in [daemon, service] {
        // Gone, or at most a zombie not yet reaped by init.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        assert!(
            matches!(state, None | Some('Z')),
            "process {pid} still there: {stat}"
        );
    }
}
