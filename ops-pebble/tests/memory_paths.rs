//! `push_path` and `pull_path` of a 64 MiB file with the client's memory flat (files are
//! streamed, not held). Its own test binary, so no other test allocates in the process
//! while the peak RSS (VmHWM) is measured.

use ops_pebble_stand_in as common;

use common::{FakePebble, PatternChecker, PatternReader};
use ops_pebble::{pull_path, push_path};
use std::fs;

const SIZE: u64 = 64 << 20;

fn vm_hwm_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn push_path_and_pull_path_stream_64_mib_with_flat_memory() {
    let dir = std::env::temp_dir().join(format!("ops-pebble-memory-paths-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("local")).unwrap();
    // The local file is named `sink`: pushed into /big, the stand-in checks it as it
    // arrives without storing it.
    let sink = dir.join("local/sink");
    let mut file = fs::File::create(&sink).unwrap();
    std::io::copy(&mut PatternReader { pos: 0, len: SIZE }, &mut file).unwrap();
    drop(file);

    let p = FakePebble::start();
    p.state.lock().unwrap().big_source_len = Some(SIZE);
    let c = p.client();
    // Warm up: lazily allocated buffers are counted before.
    push_path(&c, [&sink], "/big").unwrap();
    let before = vm_hwm_kib();

    push_path(&c, [&sink], "/big").unwrap();
    {
        let s = p.state.lock().unwrap();
        assert_eq!(s.big_received, SIZE, "all bytes arrived");
        assert_eq!(s.big_mismatches, 0, "in order and intact");
    }
    pull_path(&c, ["/big/source"], dir.join("pulled")).unwrap();
    let after = vm_hwm_kib();

    let mut check = PatternChecker::default();
    std::io::copy(
        &mut fs::File::open(dir.join("pulled/source")).unwrap(),
        &mut check,
    )
    .unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(check.count, SIZE);
    assert_eq!(check.mismatches, 0);

    let delta_mib = (after.saturating_sub(before)) as f64 / 1024.0;
    eprintln!("VmHWM before {before} KiB, after {after} KiB, delta {delta_mib:.1} MiB");
    // Client and stand-in together, for 128 MiB moved: far below the file size.
    assert!(delta_mib < 16.0, "peak RSS grew by {delta_mib:.1} MiB");
}
