//! Push/pull throughput and call latencies over the unix socket, against the in-process
//! stand-in (which generates and verifies the bytes itself, so its work is included).
//! Run: `cargo bench -p juju-ops-pebble`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{FakePebble, PatternChecker, PatternReader};
use ops_pebble::{ExecOptions, ExecStdio, Pebble, PushOptions};
use std::time::{Duration, Instant};

const SIZE: u64 = 1 << 30;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
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

fn main() {
    let p = FakePebble::start();
    let c = p.client().with_timeout(Duration::from_secs(60));

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
