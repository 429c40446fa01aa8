//! Measurement helpers for the benchmarks in `benches/` (run by `bench/compare.sh`).
//!
//! A rate is measured in rounds: each round runs the closure until at least a minimum
//! time has passed, and the median round is reported, so a busy neighbour on a shared
//! machine moves the figure less than a single long loop would.

#![deny(missing_docs)]

use std::time::{Duration, Instant};

/// What [`rate`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Calls per second of the median round.
    pub median: f64,
    /// Calls per second of the slowest round.
    pub min: f64,
    /// Calls per second of the fastest round.
    pub max: f64,
    /// Number of rounds.
    pub rounds: usize,
    /// Calls over all rounds.
    pub calls: u64,
}

/// Calls `f` in `rounds` rounds of at least `round_time` each (after one untimed warm-up
/// round) and returns the calls per second of the median, slowest and fastest round.
pub fn rate(rounds: usize, round_time: Duration, mut f: impl FnMut()) -> Rate {
    let rounds = rounds.max(1);
    let mut per_second = Vec::with_capacity(rounds);
    let mut calls = 0;
    for round in 0..=rounds {
        let start = Instant::now();
        let mut n: u64 = 0;
        loop {
            // Check the clock every few calls only: a call may take well under 1 µs.
            for _ in 0..16 {
                f();
            }
            n += 16;
            if start.elapsed() >= round_time {
                break;
            }
        }
        if round > 0 {
            per_second.push(n as f64 / start.elapsed().as_secs_f64());
            calls += n;
        }
    }
    per_second.sort_by(f64::total_cmp);
    Rate {
        median: median(&per_second),
        min: per_second[0],
        max: per_second[per_second.len() - 1],
        rounds,
        calls,
    }
}

/// The median of sorted `values` (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
    }

    #[test]
    fn rate_counts_every_call_of_the_timed_rounds() {
        let mut seen = 0u64;
        let r = rate(3, Duration::from_millis(1), || seen += 1);
        assert_eq!(r.rounds, 3);
        // The warm-up round's calls are made but not counted.
        assert!(seen > r.calls && r.calls >= 3 * 16, "{seen} {r:?}");
        assert!(r.min <= r.median && r.median <= r.max);
    }
}
