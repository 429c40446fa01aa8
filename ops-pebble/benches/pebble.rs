//! Push/pull throughput and call latencies over the unix socket: first 256 MiB against the
//! real Pebble daemon (`ops_pebble::real`; skipped without it), with the client's and the
//! daemon's peak RSS, then against the in-process stand-in (which generates and verifies
//! the bytes itself, so its work is included): 256 MiB beside the real daemon's figures,
//! then 1 GiB. Run: `cargo bench -p ops-pebble`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{FakePebble, PatternChecker, PatternReader};
use ops_pebble::real::RealPebble;
use ops_pebble::{Client, ExecOptions, ExecStdio, Pebble, PushOptions};
use std::time::{Duration, Instant};

const SIZE: u64 = 1 << 30;

/// Size of the side-by-side push and pull.
const SIDE_BY_SIDE: u64 = 256 << 20;

/// Peak RSS (VmHWM) of this process, KiB.
fn vm_hwm_kib() -> u64 {
    vm_hwm_kib_of("self")
}

/// Peak RSS (VmHWM) of process `pid` (`self` for this one), KiB; 0 if unknown.
fn vm_hwm_kib_of(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn rate(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

/// Pushes `SIDE_BY_SIDE` bytes to `push_path` (then runs `push_check`) and pulls as many
/// from `pull_path` through `c` (verifying them), three times; prints each round's rates.
fn push_pull_rounds(
    what: &str,
    c: &Client,
    (push_path, pull_path): (&str, &str),
    mut push_check: impl FnMut(),
) {
    for round in 1..=3 {
        let t = Instant::now();
        c.push(
            push_path,
            &mut PatternReader {
                pos: 0,
                len: SIDE_BY_SIDE,
            },
            &PushOptions::default(),
        )
        .unwrap();
        let push = t.elapsed();
        push_check();
        let t = Instant::now();
        let mut sink = PatternChecker::default();
        let pulled = c.pull(pull_path, &mut sink).unwrap();
        let pull = t.elapsed();
        assert_eq!((pulled, sink.mismatches), (SIDE_BY_SIDE, 0));
        println!(
            "{what} round {round}: push 256 MiB {:.2} GB/s ({:.0} ms); pull 256 MiB {:.2} GB/s ({:.0} ms)",
            rate(SIDE_BY_SIDE, push),
            push.as_secs_f64() * 1e3,
            rate(SIDE_BY_SIDE, pull),
            pull.as_secs_f64() * 1e3
        );
    }
}

/// 256 MiB against the real daemon, measured first so this process's peak RSS is the
/// client's alone.
fn real_pebble() {
    let Some(pebble) = RealPebble::start("the real-Pebble push/pull bench") else {
        return;
    };
    let c = pebble.client().with_timeout(Duration::from_secs(60));
    let path = format!("{}/big", pebble.scratch().display());
    let before = vm_hwm_kib();
    push_pull_rounds("real Pebble", &c, (&path, &path), || {});
    println!(
        "real Pebble peak RSS: client {:.1} MiB (was {:.1} MiB before), pebble daemon {:.1} MiB",
        vm_hwm_kib() as f64 / 1024.0,
        before as f64 / 1024.0,
        vm_hwm_kib_of(&pebble.pid().to_string()) as f64 / 1024.0
    );
}

fn main() {
    real_pebble();
    let p = FakePebble::start();
    let c = p.client().with_timeout(Duration::from_secs(60));
    // The stand-in checks what is pushed to /big/sink, and serves 256 MiB at /big/source.
    let before = vm_hwm_kib();
    push_pull_rounds("stand-in", &c, ("/big/sink", "/big/source"), || {
        assert_eq!(p.state.lock().unwrap().big_mismatches, 0)
    });
    println!(
        "stand-in peak RSS: {:.1} MiB (was {:.1} MiB before; client and stand-in in one process)",
        vm_hwm_kib() as f64 / 1024.0,
        before as f64 / 1024.0
    );

    // Warm up.
    c.push(
        "/big/sink",
        &mut PatternReader {
            pos: 0,
            len: 8 << 20,
        },
        &PushOptions::default(),
    )
    .unwrap();
    c.pull("/big/source", &mut PatternChecker::default())
        .unwrap();
    let rss_before = vm_hwm_kib();

    for round in 1..=3 {
        let t = Instant::now();
        c.push(
            "/big/sink",
            &mut PatternReader { pos: 0, len: SIZE },
            &PushOptions::default(),
        )
        .unwrap();
        let push = t.elapsed();
        assert_eq!(p.state.lock().unwrap().big_mismatches, 0);

        // The stand-in serves /big/source as 256 MiB; pull it 4 times for 1 GiB.
        let t = Instant::now();
        let mut total = 0;
        for _ in 0..4 {
            let mut sink = PatternChecker::default();
            total += c.pull("/big/source", &mut sink).unwrap();
            assert_eq!(sink.mismatches, 0);
        }
        let pull = t.elapsed();
        println!(
            "round {round}: push 1 GiB {:.2} GB/s ({:.0} ms); pull 1 GiB {:.2} GB/s ({:.0} ms)",
            rate(SIZE, push),
            push.as_secs_f64() * 1e3,
            rate(total, pull),
            pull.as_secs_f64() * 1e3
        );
    }
    let rss_after = vm_hwm_kib();
    println!(
        "peak RSS: {:.1} MiB before, {:.1} MiB after (delta {:.1} MiB, client + stand-in)",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0
    );

    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        c.system_info().unwrap();
    }
    println!(
        "system-info round trip: {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );

    let opts = ExecOptions {
        command: vec!["true".into()],
        ..Default::default()
    };
    let n = 50;
    let t = Instant::now();
    for _ in 0..n {
        let out = c.exec(&opts, ExecStdio::default()).unwrap();
        assert_eq!(out.exit_code, 0);
    }
    println!(
        "exec `true` round trip (POST, 3 websockets, process spawn, wait): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
    let echo = ExecOptions {
        command: vec!["cat".into()],
        ..Default::default()
    };
    let input = vec![7u8; 1 << 20];
    let t = Instant::now();
    let out = c
        .exec(
            &echo,
            ExecStdio {
                stdin: Some(&mut &input[..]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.stdout.len(), input.len());
    println!(
        "exec `cat` of 1 MiB stdin→stdout: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
