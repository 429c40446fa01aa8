//! The legacy-hook remnant Python `ops` keeps: an executable `$CHARM_DIR/<dispatch path>`
//! (a `hooks/install` left from a hooks-directory charm) runs before the charm's handlers,
//! with `OPERATOR_DISPATCH=1`, and its failure is the hook's; a link to the charm binary
//! itself is skipped. The charm is the example charm of `e2e.rs`, run as Juju runs it.

#[path = "../examples/e2e_charm.rs"]
#[allow(dead_code)]
mod e2e_charm;

mod common;

use common::{fork_or_write_lock, Unit};
use std::os::unix::fs::PermissionsExt;

/// Not a test: the charm's entry point when this binary is re-run as a hook.
#[test]
#[ignore = "entry point of the charm process the other tests start"]
fn charm_process() {
    if std::env::var_os("OPS_E2E_RUN_CHARM").is_some() {
        let code = ops::run_main::<e2e_charm::E2e>(ops::MainOptions::default());
        std::process::exit(code);
    }
}

/// Writes `hooks/install` in the unit's charm directory with `mode`.
fn legacy_install(unit: &Unit, script: &str, mode: u32) {
    let hooks = unit.charm_dir().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let _lock = fork_or_write_lock();
    std::fs::write(hooks.join("install"), script).unwrap();
    std::fs::set_permissions(hooks.join("install"), std::fs::Permissions::from_mode(mode)).unwrap();
}

const HANDLER_LOG: &str = "juju-log --log-level INFO -- installing unit e2e/0";

#[test]
fn a_legacy_hook_runs_first_then_the_handlers() {
    let unit = Unit::new("legacy-ok");
    legacy_install(
        &unit,
        "#!/bin/sh\necho \"legacy install OPERATOR_DISPATCH=$OPERATOR_DISPATCH\" >> \"$OPS_E2E_LOG\"\n",
        0o755,
    );
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    let legacy = calls
        .iter()
        .position(|c| c == "legacy install OPERATOR_DISPATCH=1");
    let handler = calls.iter().position(|c| c == HANDLER_LOG);
    assert!(
        legacy.is_some() && handler.is_some() && legacy < handler,
        "{calls:#?}"
    );
    assert!(
        calls.contains(&"juju-log --log-level INFO -- Running legacy hooks/install.".to_string())
    );
}

#[test]
fn a_failing_legacy_hook_fails_the_hook_before_any_handler() {
    let unit = Unit::new("legacy-fail");
    legacy_install(&unit, "#!/bin/sh\nexit 3\n", 0o755);
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 3, "{calls:#?}");
    assert!(!calls.iter().any(|c| c == HANDLER_LOG), "{calls:#?}");
    assert!(
        calls.contains(
            &"juju-log --log-level WARNING -- Legacy hooks/install exited with status 3."
                .to_string()
        ),
        "{calls:#?}"
    );
    assert!(!unit.state_path().exists(), "nothing is saved");
}

#[test]
fn a_legacy_hook_that_is_not_executable_is_only_reported() {
    let unit = Unit::new("legacy-noexec");
    legacy_install(&unit, "#!/bin/sh\nexit 3\n", 0o644);
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert!(calls.iter().any(|c| c == HANDLER_LOG), "{calls:#?}");
    assert!(calls.contains(
        &"juju-log --log-level WARNING -- Legacy hooks/install exists but is not executable."
            .to_string()
    ));
}

#[test]
fn a_link_to_the_charm_itself_is_not_run_again() {
    let unit = Unit::new("legacy-self");
    let hooks = unit.charm_dir().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::os::unix::fs::symlink(std::env::current_exe().unwrap(), hooks.join("install")).unwrap();
    let (code, calls) = unit.run("hooks/install", &[]);
    assert_eq!(code, 0, "{calls:#?}");
    assert_eq!(
        calls.iter().filter(|c| *c == HANDLER_LOG).count(),
        1,
        "{calls:#?}"
    );
    assert!(!calls.iter().any(|c| c.contains("egacy")), "{calls:#?}");
}
