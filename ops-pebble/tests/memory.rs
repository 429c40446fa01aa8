//! Push and pull of a 256 MiB file with the client's memory flat. Its own test binary, so
//! no other test allocates in the process while the peak RSS (VmHWM) is measured.

use ops_pebble_stand_in as common;

use common::{FakePebble, PatternChecker, PatternReader};
use ops_pebble::{Pebble, PushOptions};

const SIZE: u64 = 256 << 20;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn push_and_pull_256_mib_with_flat_memory() {
    let p = FakePebble::start();
    let c = p.client();
    // Warm up: one small push and pull, so lazily allocated buffers are counted before.
    let mut warm = PatternReader {
        pos: 0,
        len: 1 << 20,
    };
    c.push("/big/sink", &mut warm, &PushOptions::default())
        .unwrap();
    let mut sink = PatternChecker::default();
    let mut q = c.clone();
    q = q.with_timeout(std::time::Duration::from_secs(60));
    q.pull("/big/source", &mut sink).unwrap();
    let before = vm_hwm_kib();

    let mut source = PatternReader { pos: 0, len: SIZE };
    q.push("/big/sink", &mut source, &PushOptions::default())
        .unwrap();
    {
        let s = p.state.lock().unwrap();
        assert_eq!(s.big_received, SIZE, "all bytes arrived");
        assert_eq!(s.big_mismatches, 0, "in order and intact");
    }

    let mut sink = PatternChecker::default();
    let n = q.pull("/big/source", &mut sink).unwrap();
    assert_eq!(n, SIZE);
    assert_eq!(sink.count, SIZE);
    assert_eq!(sink.mismatches, 0);

    let after = vm_hwm_kib();
    let delta_mib = (after.saturating_sub(before)) as f64 / 1024.0;
    eprintln!("VmHWM before {before} KiB, after {after} KiB, delta {delta_mib:.1} MiB");
    // Client and stand-in together, for 512 MiB moved: far below the file size.
    assert!(delta_mib < 16.0, "peak RSS grew by {delta_mib:.1} MiB");
}
