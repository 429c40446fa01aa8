#!/usr/bin/env bash
# ops for Rust beside Python ops, one table: the Kubernetes tutorial charm
# k8s-2-configurable (ours: examples/k8s-2-configurable; Python's: the Python ops
# repository's examples/k8s-2-configurable, read with `git show` at run time).
#
#  1. one `config-changed` hook, whole process, same stand-in hook tools: median wall
#     time and peak RSS (bench/hook.sh, whose tool-call check this inherits);
#  2. `Context::run` of that event in a unit test (the Python example's
#     `test_config_changed` state): runs/s of ops::testing (release,
#     benches/context_run.rs) and of Python's `ops.testing.Context.run` (Scenario,
#     context_run.py), each the median of timed rounds;
#  3. the charm artifact: our stripped release binary (the charm directory: the binary
#     as dispatch, charmcraft.yaml) vs the Python charm as charmcraft packs it (ops
#     installed into venv/ beside src/), `du` and zipped (the .charm is a zip).
#
# Python ops and ops-scenario come from PyPI into bench/.venv (git-ignored). The machine
# is shared, so every figure is a median of many runs; run it twice to see the spread.
#
# Usage: bench/compare.sh [N]   (N Rust hook runs per variant, default 300)
#        OPS_BENCH_STATIC=     skip the static-CRT build (default: measure it too)
#        OPS_PY_REPO=DIR       where the Python ops repository is (a bare git dir)
# Writes the table to stdout and to bench/out/compare.txt.
set -euo pipefail

N=${1:-300}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
WORK=$(mktemp -d /tmp/ops-bench-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export OPS_BENCH_STATIC=${OPS_BENCH_STATIC-1}
mkdir -p "$BENCH_DIR/out"

bench_venv

# 1. The hook, whole process.
OPS_BENCH_KV="$WORK/hook.kv" "$BENCH_DIR/hook.sh" "$N" >&2
# shellcheck disable=SC1091
. "$WORK/hook.kv"

# 2. Context::run throughput.
bench_log "Context::run: Rust (cargo bench -p ops-bench --bench context_run)..."
(cd "$ROOT" && cargo bench -q -p ops-bench --bench context_run -- 21 200) >"$WORK/rust_ctx.txt"
bench_log "  $(head -1 "$WORK/rust_ctx.txt")"
RUST_RUNS=$(sed -n 's/^runs_per_second=//p' "$WORK/rust_ctx.txt")
bench_py_charm_dir "$WORK/py-src"
bench_log "Context::run: Python (context_run.py)..."
"$VENV/bin/python" "$BENCH_DIR/context_run.py" "$WORK/py-src" 11 500 >"$WORK/py_ctx.txt"
bench_log "  $(head -1 "$WORK/py_ctx.txt")"
PY_RUNS=$(sed -n 's/^runs_per_second=//p' "$WORK/py_ctx.txt")

# 3. Artifact size: fresh directories (no bytecode caches, no unit state), zipped as
# charmcraft zips a charm (deflate).
bench_build_rust
bench_rust_charm_dir "$WORK/size-rust" "$RUST_BIN"
bench_py_charm_dir "$WORK/size-py"
kib() { du -sk "$1" | cut -f1; }
zipped() { (cd "$1" && zip -qr -X "$WORK/$2.zip" .) && stat -c %s "$WORK/$2.zip"; }
RUST_BIN_B=$(stat -c %s "$RUST_BIN")
RUST_DU=$(kib "$WORK/size-rust")
RUST_ZIP=$(zipped "$WORK/size-rust" rust)
PY_DU=$(kib "$WORK/size-py")
PY_ZIP=$(zipped "$WORK/size-py" py)
PY_FILES=$(find "$WORK/size-py" -type f | wc -l)
STATIC_LINE=
if [ -n "$OPS_BENCH_STATIC" ]; then
    bench_build_rust static
    bench_rust_charm_dir "$WORK/size-rust-static" "$RUST_STATIC_BIN"
    STATIC_LINE="$(stat -c %s "$RUST_STATIC_BIN") $(kib "$WORK/size-rust-static") $(zipped "$WORK/size-rust-static" rust-static)"
fi
file -b "$RUST_BIN" | grep -q 'stripped' && ! file -b "$RUST_BIN" | grep -q 'not stripped' ||
    { echo "the release binary is not stripped" >&2; exit 1; }

{
    echo "ops for Rust vs Python ops: the tutorial charm k8s-2-configurable, config-changed"
    echo "($(date -u +%Y-%m-%dT%H:%MZ); Python charm from the Python ops repo at $py_charm_commit)"
    bench_machine
    echo
    awk -v rm="$hook_ms_rust" -v pm="$hook_ms_py" -v rk="$hook_kib_rust" -v pk="$hook_kib_py" \
        -v rn="$hook_runs_rust" -v pn="$hook_runs_py" -v rc="$hook_calls_rust" -v pc="$hook_calls_py" \
        -v fm="$hook_ms_floor" \
        -v sm="${hook_ms_rust_static:-}" -v sk="${hook_kib_rust_static:-}" \
        -v rr="$RUST_RUNS" -v pr="$PY_RUNS" \
        -v rb="$RUST_BIN_B" -v rd="$RUST_DU" -v rz="$RUST_ZIP" \
        -v pd="$PY_DU" -v pz="$PY_ZIP" -v pf="$PY_FILES" -v st="$STATIC_LINE" '
    function mib(k) { return sprintf("%.1f MiB", k / 1024) }
    function row(name, r, p, ratio) { printf "%-44s %14s %14s %9s\n", name, r, p, ratio }
    function x(v) { return sprintf("%.1fx", v) }
    BEGIN {
        row("", "Rust", "Python", "ratio")
        row("1. config-changed hook, whole process", "", "", "")
        row("   median wall (" rn " / " pn " runs, interleaved)", sprintf("%.2f ms", rm), sprintf("%.1f ms", pm), x(pm / rm))
        row("   peak RSS", mib(rk), mib(pk), x(pk / rk))
        row("   hook-tool calls (same charm calls)", rc, pc, "")
        if (sm != "") {
            row("   - same, static C runtime", sprintf("%.2f ms", sm), "", x(pm / sm))
            row("     peak RSS", mib(sk), "", x(pk / sk))
        }
        row("   floor: same calls, minimal std binary", sprintf("%.2f ms", fm), "", "")
        row("   ops own share (as packed - floor)", sprintf("%.2f ms", rm - fm), "", "")
        row("2. Context::run, runs/s (median round)", sprintf("%.0f", rr), sprintf("%.0f", pr), x(rr / pr))
        row("   per run", sprintf("%.1f us", 1e6 / rr), sprintf("%.2f ms", 1e3 / pr), "")
        row("3. charm artifact", "", "", "")
        row("   du -sk of the charm directory", sprintf("%.1f MiB", rd / 1024), sprintf("%.1f MiB", pd / 1024), x(pd / rd))
        row("   zipped (.charm)", sprintf("%.2f MiB", rz / 1048576), sprintf("%.2f MiB", pz / 1048576), x(pz / rz))
        row("   stripped release binary / files", sprintf("%.2f MiB", rb / 1048576), pf " files", "")
        if (st != "") {
            split(st, s, " ")
            row("   - static C runtime: binary", sprintf("%.2f MiB", s[1] / 1048576), "", "")
            row("     du -sk / zipped", sprintf("%.1f/%.2f MiB", s[2] / 1024, s[3] / 1048576), "",
                x(pz / s[3]))
        }
        print ""
        printf "Budgets (design targets): hook <= 3 ms: %s (as packed)%s;\n",
            (rm <= 3 ? "ok" : "OVER"),
            (sm != "" ? sprintf(", %s (static)", (sm <= 3 ? "ok" : "OVER")) : "")
        printf "  RSS <= 4 MiB: %s; Context::run >= 50,000 runs/s: %s.\n",
            (rk <= 4096 ? "ok" : "OVER"), (rr >= 50000 ? "ok" : "UNDER")
    }' | sed 's/ *$//'
    echo
    echo "Rust: the release binary (LTO, stripped) as the charm's dispatch, no shell, as the"
    echo "example packs it, unless a row says otherwise. Python: ops ${PY_OPS_VERSION} in venv/,"
    echo "run by Python ${PY_VERSION} from its dispatch script. Hook tools: the same recording"
    echo "shell scripts for both."
} | tee "$BENCH_DIR/out/compare.txt"
cp "$WORK/rust_ctx.txt" "$WORK/py_ctx.txt" "$BENCH_DIR/out/"
