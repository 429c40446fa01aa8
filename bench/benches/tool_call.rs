//! The cost of one hook-tool call through `ops`' runner (`ProcessRunner`: a deadline, an
//! output cap, and stdin written while stdout and stderr are read in one `poll` loop)
//! beside the plain `std::process::Command::output` it replaced, on the same tool: a
//! tiny script that reads its stdin and prints a line, as `relation-set` and
//! `config-get` do. Interleaved rounds, medians, as the machine may be busy.
//!
//! `cargo bench -p ops-bench --bench tool_call [-- ROUNDS [CALLS]]` prints
//! `runner_us`, `std_us` and `runner_adds_us` per call. Without `--bench` (as
//! `cargo test --benches` runs it) it makes one call each and exits.

use ops::hookcmds::{ProcessRunner, Runner};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut numbers = args.iter().filter_map(|a| a.parse::<usize>().ok());
    let (rounds, calls) = if bench {
        (numbers.next().unwrap_or(15), numbers.next().unwrap_or(100))
    } else {
        (1, 1)
    };
    let dir = std::env::temp_dir().join(format!("ops-bench-tool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tool = dir.join("relation-set");
    std::fs::write(&tool, "#!/bin/sh\ncat >/dev/null\necho '{\"ok\": true}'\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let input = br#"{"key": "value"}"#;
    let runner = ProcessRunner::in_dir(&dir);
    let args = ["--file".to_string(), "-".to_string()];
    let mut ours = Vec::new();
    let mut plain = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..calls {
            let out = runner.run("relation-set", &args, Some(input)).unwrap();
            assert_eq!(out.code, Some(0));
        }
        ours.push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
        let started = Instant::now();
        for _ in 0..calls {
            let mut child = Command::new(&tool)
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(input).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
        }
        plain.push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, plain) = (median(&mut ours), median(&mut plain));
    println!("runner_us={ours:.0}");
    println!("std_us={plain:.0}");
    println!("runner_adds_us={:.0}", ours - plain);
}
