#!/usr/bin/env bash
# Whole-process cost of one `config-changed` hook: the Rust example charm
# (ops/examples/e2e_charm.rs, release build) beside the same charm written with Python
# `ops`, both run as Juju runs them (`$CHARM_DIR/dispatch`, JUJU_* variables, hook tools
# on PATH: the same recording stand-in shell scripts). Prints the median wall time, the
# peak RSS (/usr/bin/time -f %M) and the ratios. Not a test: a measurement.
#
# Usage: bench/hook.sh [N]     (default N=200)
#        OPS_BENCH_STATIC=1 bench/hook.sh   builds the charm with a static C runtime
#        (`-C target-feature=+crt-static`, in bench/.target), as a charm may ship it.
# Budget: ours <= 3 ms and <= 4 MiB, >= 50x faster than Python.
set -euo pipefail

N=${1:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d /tmp/ops-bench-hook.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time" >&2
    apt-get install -y time >/dev/null
fi

echo "building the release charm..." >&2
if [ -n "${OPS_BENCH_STATIC:-}" ]; then
    TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
    (cd "$ROOT" && CARGO_TARGET_DIR="$HERE/.target" RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build --release -q -p ops --example e2e_charm --target "$TRIPLE")
    RUST_BIN="$HERE/.target/$TRIPLE/release/examples/e2e_charm"
else
    (cd "$ROOT" && cargo build --release -q -p ops --example e2e_charm)
    RUST_BIN="$ROOT/target/release/examples/e2e_charm"
fi

VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV with Python ops..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q ops
fi
PY_OPS_VERSION=$("$VENV/bin/python" -c 'import ops; print(ops.__version__)')

# Hook tools: record argv and stdin, print a canned answer.
mkdir -p "$WORK/bin" "$WORK/answers"
for tool in juju-log config-get is-leader status-get status-set action-get action-set \
    action-log action-fail relation-ids relation-list relation-get relation-set \
    application-version-set state-get state-set storage-get storage-list goal-state; do
    cat > "$WORK/bin/$tool" <<'TOOL'
#!/bin/sh
t=${0##*/}
{ printf '%s' "$t"; for a in "$@"; do printf ' %s' "$a"; done; printf '\n'; } >> "$BENCH_LOG"
case "$*" in *"--file -"*) { printf '  stdin: '; cat; printf '\n'; } >> "$BENCH_LOG" ;; esac
# Shell builtins only (no `cat`): one process per tool call, for both charms.
if [ -f "$BENCH_ANSWERS/$t" ]; then
    while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done < "$BENCH_ANSWERS/$t"
fi
exit 0
TOOL
    chmod 755 "$WORK/bin/$tool"
done
echo '{"port": 8000}' > "$WORK/answers/config-get"
echo 'true' > "$WORK/answers/is-leader"

# The Rust charm: the binary is the dispatch file.
mkdir -p "$WORK/rust-charm"
cp "$RUST_BIN" "$WORK/rust-charm/dispatch"

# The Python charm: metadata, config, src/charm.py and the dispatch script charmcraft
# writes.
PY="$WORK/py-charm"
mkdir -p "$PY/src"
cat > "$PY/metadata.yaml" <<'YAML'
name: e2e
summary: end-to-end test charm
description: same charm as ops/examples/e2e_charm.rs
requires:
  database:
    interface: postgresql_client
    limit: 1
YAML
cat > "$PY/config.yaml" <<'YAML'
options:
  port:
    type: int
    default: 8000
  mode:
    type: string
YAML
cat > "$PY/actions.yaml" <<'YAML'
backup:
  params:
    target:
      type: string
  required: [target]
YAML
cat > "$PY/src/charm.py" <<'PYCODE'
#!/usr/bin/env python3
import ops


class E2eCharm(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        framework.observe(self.on.config_changed, self._on_config_changed)

    def _on_config_changed(self, event):
        port = self.config["port"]
        if self.config.get("mode") == "defer":
            event.defer()
            return
        self.unit.status = ops.ActiveStatus(f"port {port}")


if __name__ == "__main__":
    ops.main(E2eCharm)
PYCODE
cat > "$PY/dispatch" <<DISPATCH
#!/bin/sh
JUJU_DISPATCH_PATH="\${JUJU_DISPATCH_PATH:-\$0}" PYTHONPATH=lib:venv:src exec "$VENV/bin/python" ./src/charm.py
DISPATCH
chmod 755 "$PY/dispatch"

# The hook environment, exported in a subshell so that each measured run is exactly
# one exec of the charm's dispatch file (no `env` process in the timing).
hook_env() { # charm_dir
    export -n $(compgen -e) 2>/dev/null || true
    export PATH="$WORK/bin:/usr/bin:/bin" HOME="$WORK" \
        BENCH_LOG="$WORK/calls.log" BENCH_ANSWERS="$WORK/answers" \
        JUJU_CHARM_DIR="$1" JUJU_DISPATCH_PATH=hooks/config-changed \
        JUJU_HOOK_NAME=config-changed JUJU_UNIT_NAME=e2e/0 JUJU_MODEL_NAME=bench \
        JUJU_MODEL_UUID=00000000-0000-4000-8000-000000000000 JUJU_VERSION=3.6.4
    cd "$1"
}

# Median wall time (ms) of N whole-process runs of the charm in $1.
measure() { # charm_dir runs
    (
        hook_env "$1"
        local runs=$2 i t0 t1
        local -a times=()
        for ((i = 0; i < runs; i++)); do
            t0=$EPOCHREALTIME
            ./dispatch >/dev/null 2>&1 || { echo "hook failed in $1" >&2; exit 1; }
            t1=$EPOCHREALTIME
            times+=("$t0 $t1")
        done
        printf '%s\n' "${times[@]}" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' | sort -n |
            awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
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

# Check both charms do the same work once, and show what they called.
: > "$WORK/calls.log"; (hook_env "$WORK/rust-charm" && ./dispatch)
echo "Rust charm hook-tool calls:" >&2; sed 's/^/  /' "$WORK/calls.log" >&2
: > "$WORK/calls.log"; (hook_env "$PY" && ./dispatch)
echo "Python charm hook-tool calls:" >&2; sed 's/^/  /' "$WORK/calls.log" >&2
grep -q 'status-set --application=False active -- port 8000' "$WORK/calls.log" \
    || { echo "the Python charm did not set the status" >&2; exit 1; }

PY_RUNS=$(( N / 4 > 10 ? N / 4 : 10 ))
echo "measuring: Rust $N runs, Python $PY_RUNS runs..." >&2
RUST_MS=$(measure "$WORK/rust-charm" "$N")
PY_MS=$(measure "$PY" "$PY_RUNS")
RUST_KB=$(peak_rss "$WORK/rust-charm")
PY_KB=$(peak_rss "$PY")

awk -v rm="$RUST_MS" -v pm="$PY_MS" -v rk="$RUST_KB" -v pk="$PY_KB" -v pv="$PY_OPS_VERSION" 'BEGIN {
    printf "config-changed, whole process (median wall, peak RSS):\n"
    printf "  ops (Rust)       %8.2f ms  %6.1f MiB\n", rm, rk / 1024
    printf "  ops %-8s(Py) %8.2f ms  %6.1f MiB\n", pv, pm, pk / 1024
    printf "  ratio            %8.1fx     %6.1fx\n", pm / rm, pk / rk
    printf "  budget           %s (<= 3 ms), %s (<= 4 MiB), %s (>= 50x)\n",
        (rm <= 3 ? "ok" : "OVER"), (rk <= 4096 ? "ok" : "OVER"), (pm / rm >= 50 ? "ok" : "UNDER")
}'
