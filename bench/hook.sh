#!/usr/bin/env bash
# Whole-process cost of one `config-changed` hook: the tutorial charm k8s-2-configurable
# in Rust (examples/k8s-2-configurable, release build) beside the same charm written
# with Python `ops` (the Python repo's examples/k8s-2-configurable), both laid out as
# `charmcraft pack` lays them out and run as Juju runs them: `$CHARM_DIR/dispatch`,
# JUJU_* variables, hook tools on PATH (the same recording stand-in shell scripts).
# There is no Pebble socket, so both charms find Pebble unreachable: each sets
# "Assembling Pebble layers", reads the config, logs that Pebble is unreachable and sets
# "Waiting for Pebble in workload container". The tool calls of both are printed and
# compared (the script fails if the charms' own calls differ).
#
# Prints the median wall time (runs interleaved in rounds, as the machine may be busy),
# the peak RSS (/usr/bin/time -f %M: the charm process or its largest child) and the
# ratios. Not a test: a measurement. Rust variants, each the binary as `dispatch` (as the
# examples pack it: no shell, ops::main reads JUJU_DISPATCH_PATH):
#   rust        the release build, as packed
#   rust-static the same with a static C runtime (OPS_BENCH_STATIC=1)
# and the floor: the Rust charm's tool calls replayed by a minimal std-only binary
# (src/bin/replay.rs), so `rust - floor` is what ops itself adds to the hook.
#
# Usage: bench/hook.sh [N]    (about N runs per Rust variant, default 200; Python N/5, >= 20)
#        OPS_BENCH_STATIC=1   also measure the static-CRT build (built in bench/.target)
#        OPS_BENCH_KV=FILE    also write the figures as KEY=VALUE lines to FILE
#        OPS_BENCH_KEEP=1     keep the work directory (charms, tools, call logs, times)
# Budget: ours <= 3 ms and <= 4 MiB (Python ops: about 190 ms and 28 MiB).
set -euo pipefail

N=${1:-200}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
WORK=$(mktemp -d /tmp/ops-bench-hook.XXXXXX)
[ -n "${OPS_BENCH_KEEP:-}" ] && bench_log "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT

bench_need_time
bench_venv
bench_build_rust
VARIANTS=(rust)
bench_rust_charm_dir "$WORK/rust" "$RUST_BIN"
if [ -n "${OPS_BENCH_STATIC:-}" ]; then
    bench_build_rust static
    bench_rust_charm_dir "$WORK/rust-static" "$RUST_STATIC_BIN"
    VARIANTS+=(rust-static)
fi
bench_py_charm_dir "$WORK/py"
VARIANTS+=(py)
bench_hook_tools "$WORK"
# The floor: the Rust charm's tool calls replayed by a minimal std-only binary
# (src/bin/replay.rs) as ops makes them. Ours minus this is what ops itself costs.
(cd "$ROOT" && cargo build --release -q -p ops-bench --bin replay)
mkdir -p "$WORK/floor"
cp "${CARGO_TARGET_DIR:-$ROOT/target}/release/replay" "$WORK/floor/dispatch"

# The hook environment, exported in a subshell so that each measured run is exactly
# one exec of the charm's dispatch file (no `env` process in the timing).
hook_env() { # charm_dir
    export -n $(compgen -e) 2>/dev/null || true
    export PATH="$WORK/bin:/usr/bin:/bin" HOME="$WORK" LANG=C.UTF-8 \
        BENCH_LOG="$WORK/calls.log" BENCH_ANSWERS="$WORK/answers" \
        JUJU_CHARM_DIR="$1" JUJU_DISPATCH_PATH=hooks/config-changed \
        JUJU_HOOK_NAME=config-changed JUJU_UNIT_NAME=fastapi-demo/0 \
        JUJU_MODEL_NAME=bench JUJU_MODEL_UUID=00000000-0000-4000-8000-000000000000 \
        JUJU_VERSION=3.6.4
    cd "$1"
}

# Wall times (ms), one a line, of `runs` whole-process runs of the charm in $1.
times_ms() { # charm_dir runs
    (
        hook_env "$1"
        local i t0 t1
        local -a times=()
        for ((i = 0; i < $2; i++)); do
            t0=$EPOCHREALTIME
            ./dispatch >/dev/null 2>&1 || { echo "hook failed in $1" >&2; exit 1; }
            t1=$EPOCHREALTIME
            times+=("$t0 $t1")
        done
        printf '%s\n' "${times[@]}" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }'
    )
}

# Peak RSS (KiB) over 5 runs: the charm process or its largest hook tool.
peak_rss() { # charm_dir
    (
        hook_env "$1"
        local max=0 i rss
        for i in 1 2 3 4 5; do
            rss=$(/usr/bin/time -f %M ./dispatch 2>&1 >/dev/null | tail -1)
            [ "$rss" -gt "$max" ] && max=$rss
        done
        echo "$max"
    )
}

# One run of each charm, its tool calls recorded (the first Python run also writes
# its bytecode cache and unit state, as the first hook of a deployed charm does).
for v in "${VARIANTS[@]}"; do
    : >"$WORK/calls.log"
    (hook_env "$WORK/$v" && ./dispatch >/dev/null 2>"$WORK/stderr.$v") ||
        { cat "$WORK/stderr.$v" >&2; echo "the $v charm failed" >&2; exit 1; }
    cp "$WORK/calls.log" "$WORK/calls.$v"
done
# Ours starts juju-log without waiting for it, so its lines may land after a later
# tool's: the checks compare juju-log lines and the other calls each in their order.
logs() { grep '^juju-log' "$1" || true; }
# The floor replays the Rust calls in program order, which the recording may not keep
# (a juju-log not waited for can write its line after a later tool's): the order is the
# Python charm's (it waits for every tool), the same program.
"$VENV/bin/python" - "$WORK/calls.rust" "$WORK/calls.py" >"$WORK/floor/calls" <<'PYCODE'
import sys

rust = [l for l in open(sys.argv[1]).read().splitlines() if l and not l.startswith(" ")]
logs = [l for l in rust if l.startswith("juju-log ")]
other = [l for l in rust if not l.startswith("juju-log ")]
level = lambda l: l.split()[2]
for line in open(sys.argv[2]).read().splitlines():
    if logs and line.startswith("juju-log ") and level(line) == level(logs[0]) and (
        level(line) != "DEBUG" or line == logs[0]
    ):
        print(logs.pop(0))
    elif other and line == other[0]:
        print(other.pop(0))
for line in logs + other:  # none when both charms did the same work
    print(line)
PYCODE
VARIANTS+=(floor)
(hook_env "$WORK/floor" && : >"$WORK/calls.log" && ./dispatch && cp "$WORK/calls.log" "$WORK/calls.floor")
for v in "${VARIANTS[@]}"; do
    if [ "$v" != py ] && ! { diff <(logs "$WORK/calls.rust") <(logs "$WORK/calls.$v") &&
        diff <(grep -v '^juju-log' "$WORK/calls.rust") <(grep -v '^juju-log' "$WORK/calls.$v"); } >&2; then
        echo "the $v charm called other tools than the rust one" >&2
        exit 1
    fi
done
{
    echo "hook-tool calls of one config-changed, Rust:"
    sed 's/^/  /' "$WORK/calls.rust"
    echo "Python:"
    sed 's/^/  /' "$WORK/calls.py"
} >&2
# The charms' own calls must be the same: every call but juju-log in the same order
# with the same arguments (Python's framework adds `is-leader` at collect-status: it
# collects the app status on the leader; ours asks only when a charm has an app-status
# handler), and the same juju-log levels above DEBUG (the messages' wording differs;
# Python's framework adds three DEBUG lines of its own).
own() { grep -v -e '^juju-log' -e '^is-leader' "$1" || true; }
levels() { sed -n 's/^juju-log --log-level \([A-Z]*\) .*/\1/p' "$1" | grep -vx -e DEBUG -e TRACE || true; }
if ! diff <(own "$WORK/calls.rust") <(own "$WORK/calls.py") >&2 ||
    ! diff <(levels "$WORK/calls.rust") <(levels "$WORK/calls.py") >&2; then
    echo "the Rust and Python charms did not do the same work" >&2
    exit 1
fi
grep -q '^status-set --application=False maintenance -- Waiting for Pebble in workload container$' \
    "$WORK/calls.py" || { echo "the Python charm did not reach the Pebble error" >&2; exit 1; }
RUST_CALLS=$(wc -l <"$WORK/calls.rust")
PY_CALLS=$(wc -l <"$WORK/calls.py")
bench_log "tool calls: Rust $RUST_CALLS, Python $PY_CALLS (same charm calls; Python's extras are its framework's)"

# Timing, interleaved: each round runs every variant, so a busy neighbour slows all.
# Each round: 5 runs of each Rust variant and the floor, 1 of the Python charm.
ROUNDS=$(((N + 4) / 5 > 20 ? (N + 4) / 5 : 20))
bench_log "measuring: ${VARIANTS[*]} in $ROUNDS rounds (5 runs per Rust variant, 1 Python)..."
for ((r = 0; r < ROUNDS; r++)); do
    for v in "${VARIANTS[@]}"; do
        times_ms "$WORK/$v" "$([ "$v" = py ] && echo 1 || echo 5)" >>"$WORK/times.$v"
    done
done
declare -A MS KB
for v in "${VARIANTS[@]}"; do
    MS[$v]=$(bench_median <"$WORK/times.$v")
    KB[$v]=$(peak_rss "$WORK/$v")
done

{
    printf 'config-changed, whole process (median wall of interleaved runs, peak RSS):\n'
    for v in "${VARIANTS[@]}"; do
        [ "$v" = py ] || [ "$v" = floor ] && continue
        awk -v n="$v" -v m="${MS[$v]}" -v k="${KB[$v]}" -v pm="${MS[py]}" -v pk="${KB[py]}" 'BEGIN {
            printf "  %-13s %8.2f ms  %6.1f MiB   (Python / this: %5.1fx time, %4.1fx RSS)  budget %s, %s\n",
                n, m, k / 1024, pm / m, pk / k, (m <= 3 ? "ok" : "OVER"), (k <= 4096 ? "ok" : "OVER") }'
    done
    awk -v m="${MS[py]}" -v k="${KB[py]}" -v pv="$PY_OPS_VERSION" 'BEGIN {
        printf "  %-13s %8.2f ms  %6.1f MiB\n", "py (ops " pv ")", m, k / 1024 }'
    awk -v m="${MS[floor]}" -v r="${MS[rust]}" 'BEGIN {
        printf "  %-13s %8.2f ms              (the same tool calls from a minimal binary: ops adds %.2f ms)\n",
            "floor", m, r - m }'
}
if [ -n "${OPS_BENCH_KV:-}" ]; then
    {
        for v in "${VARIANTS[@]}"; do
            key=${v//[+-]/_}
            echo "hook_ms_$key=${MS[$v]}"
            echo "hook_kib_$key=${KB[$v]}"
            echo "hook_runs_$key=$(wc -l <"$WORK/times.$v")"
        done
        echo "hook_calls_rust=$RUST_CALLS"
        echo "hook_calls_py=$PY_CALLS"
        echo "py_charm_commit=$PY_CHARM_COMMIT"
    } >"$OPS_BENCH_KV"
    mkdir -p "$BENCH_DIR/out"
    cp "$WORK/calls.rust" "$BENCH_DIR/out/calls.rust"
    cp "$WORK/calls.py" "$BENCH_DIR/out/calls.py"
fi
