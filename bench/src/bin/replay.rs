//! The floor under a hook: replays recorded hook-tool calls (one a line, as the stand-in
//! tools of `bench/hook.sh` record them: `tool arg ... [-- rest as one argument]`) the
//! way `ops::hookcmds::ProcessRunner` makes them — `juju-log` started without waiting
//! (one at a time, in order, waited for before exit), every other tool run to completion
//! with its output read — from a minimal std-only binary. A charm's hook time minus this
//! binary's is what `ops` itself (startup, dispatch, the charm's code) costs.
//!
//! Usage: `replay [CALLS_FILE]` (default `./calls`; the tools are found on `PATH`).

use std::process::{Child, Command, Stdio};

/// `tool arg ... -- rest` as argv: words up to a `--`, then everything after it as one.
fn argv(line: &str) -> Vec<String> {
    match line.split_once(" -- ") {
        Some((head, rest)) => {
            let mut argv: Vec<String> = head.split(' ').map(String::from).collect();
            argv.push("--".into());
            argv.push(rest.into());
            argv
        }
        None => line.split(' ').map(String::from).collect(),
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "calls".into());
    let calls = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("replay: {path}: {e}");
        std::process::exit(2);
    });
    let mut pending: Option<Child> = None;
    for line in calls
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
    {
        let argv = argv(line);
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]).stdin(Stdio::null());
        if argv[0] == "juju-log" {
            if let Some(mut previous) = pending.take() {
                let _ = previous.wait();
            }
            match command.stdout(Stdio::null()).spawn() {
                Ok(child) => pending = Some(child),
                Err(e) => eprintln!("replay: {}: {e}", argv[0]),
            }
        } else {
            match command.output() {
                Ok(out) if out.status.success() => {}
                Ok(out) => eprintln!("replay: {} exited {}", argv[0], out.status),
                Err(e) => eprintln!("replay: {}: {e}", argv[0]),
            }
        }
    }
    if let Some(mut last) = pending {
        let _ = last.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::argv;

    #[test]
    fn the_rest_after_a_double_dash_is_one_argument() {
        assert_eq!(
            argv("status-set --application=False maintenance -- Assembling Pebble layers"),
            [
                "status-set",
                "--application=False",
                "maintenance",
                "--",
                "Assembling Pebble layers"
            ]
        );
        assert_eq!(
            argv("config-get --format=json"),
            ["config-get", "--format=json"]
        );
    }
}
