# Shared by bench/hook.sh and bench/compare.sh (sourced, not run): the Python ops
# virtualenv, the two charms as they are packed, the stand-in hook tools and the timing
# helpers. Both charms are the Kubernetes tutorial's step 2, `k8s-2-configurable`: ours
# in examples/, the Python one generated from the Python ops repository at run time.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
ROOT=$(cd "$BENCH_DIR/.." && pwd)
VENV="$BENCH_DIR/.venv"
RUST_CHARM=k8s-2-configurable
# The Python ops repository (a bare git dir is enough): the charm is read from it with
# `git show`, never committed here.
OPS_PY_REPO=${OPS_PY_REPO:-/work/.mirror/canonical+operator/repo}
PY_EXAMPLE=examples/k8s-2-configurable

bench_log() { echo "$*" >&2; }

# Creates $VENV with Python ops and Scenario (`ops[testing]`) from PyPI, once.
bench_venv() {
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import ops, scenario' 2>/dev/null; then
        bench_log "creating $VENV with ops[testing] from PyPI..."
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check 'ops[testing]'
    fi
    PY_OPS_VERSION=$("$VENV/bin/python" -c 'import ops; print(ops.__version__)')
    PY_SCENARIO_VERSION=$("$VENV/bin/python" -c \
        'import importlib.metadata as m; print(m.version("ops-scenario"))')
    PY_VERSION=$("$VENV/bin/python" -c 'import platform; print(platform.python_version())')
}

# The GNU time that reports peak RSS.
bench_need_time() {
    if [ ! -x /usr/bin/time ]; then
        bench_log "installing GNU time"
        apt-get install -y time >/dev/null
    fi
}

# Builds the Rust charm (release profile: LTO, stripped). Sets RUST_BIN; with $1 =
# static, a static-CRT build in bench/.target (`-C target-feature=+crt-static`: the
# binary runs on any base) and sets RUST_STATIC_BIN.
bench_build_rust() { # [static]
    if [ "${1:-}" = static ]; then
        local triple
        triple=$(rustc -vV | sed -n 's/^host: //p')
        bench_log "building $RUST_CHARM (release, static CRT)..."
        (cd "$ROOT" && CARGO_TARGET_DIR="$BENCH_DIR/.target" \
            RUSTFLAGS="-C target-feature=+crt-static" \
            cargo build --release -q -p "$RUST_CHARM" --target "$triple")
        RUST_STATIC_BIN="$BENCH_DIR/.target/$triple/release/$RUST_CHARM"
    else
        bench_log "building $RUST_CHARM (release)..."
        (cd "$ROOT" && cargo build --release -q -p "$RUST_CHARM")
        RUST_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/$RUST_CHARM"
    fi
}

# The Rust charm directory as `charmcraft pack` lays it out (the example's
# charmcraft.yaml part installs the release binary as `dispatch`): charmcraft.yaml and the binary
# as `dispatch`, which reads JUJU_DISPATCH_PATH (or its argv[0]); no shell.
bench_rust_charm_dir() { # dir binary
    mkdir -p "$1"
    cp "$ROOT/examples/$RUST_CHARM/charmcraft.yaml" "$1/"
    cp "$2" "$1/dispatch"
}

# The Python charm directory as `charmcraft pack` lays it out: src/ (charm.py and
# fastapi_demo.py from the Python repo), metadata.yaml and config.yaml split from its
# charmcraft.yaml, ops installed into venv/ (no bytecode: uv does not compile it
# either), and the dispatch script. The interpreter is $VENV's (the same Python for
# the hook and the unit-test benchmarks).
bench_py_charm_dir() { # dir
    local dir=$1 f
    if ! git -C "$OPS_PY_REPO" rev-parse -q --verify HEAD >/dev/null 2>&1; then
        bench_log "the Python ops repository is not at $OPS_PY_REPO (set OPS_PY_REPO)"
        return 1
    fi
    mkdir -p "$dir/src"
    for f in src/charm.py src/fastapi_demo.py charmcraft.yaml; do
        git -C "$OPS_PY_REPO" show "HEAD:$PY_EXAMPLE/$f" >"$dir/$f"
    done
    PY_CHARM_COMMIT=$(git -C "$OPS_PY_REPO" rev-parse --short HEAD)
    (cd "$dir" && "$VENV/bin/python" - <<'PYCODE'
import yaml

meta = yaml.safe_load(open("charmcraft.yaml"))
config = meta.pop("config", None)
actions = meta.pop("actions", None)
for key in ("type", "base", "bases", "build-base", "platforms", "parts", "charmhub"):
    meta.pop(key, None)
yaml.safe_dump(meta, open("metadata.yaml", "w"))
if config:
    yaml.safe_dump(config, open("config.yaml", "w"))
if actions:
    yaml.safe_dump(actions, open("actions.yaml", "w"))
PYCODE
    )
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-compile --target "$dir/venv" \
        "ops==$PY_OPS_VERSION"
    cat >"$dir/dispatch" <<DISPATCH
#!/bin/sh
JUJU_DISPATCH_PATH="\${JUJU_DISPATCH_PATH:-\$0}" PYTHONPATH=lib:venv:src exec "$VENV/bin/python" ./src/charm.py
DISPATCH
    chmod 755 "$dir/dispatch"
}

# Stand-in hook tools in $1/bin: each records its argv (and stdin for `--file -`) in
# $BENCH_LOG and prints the canned answer in $BENCH_ANSWERS/<tool>, if any. Shell
# builtins only: one process per tool call, the same for both charms.
bench_hook_tools() { # work_dir
    local tool
    mkdir -p "$1/bin" "$1/answers"
    for tool in juju-log config-get is-leader status-get status-set action-get action-set \
        action-log action-fail relation-ids relation-list relation-get relation-set \
        application-version-set state-get state-set storage-get storage-list goal-state \
        network-get open-port close-port opened-ports secret-get credential-get; do
        cat >"$1/bin/$tool" <<'TOOL'
#!/bin/sh
t=${0##*/}
# One write per line: a juju-log the charm did not wait for may run beside another tool.
line=$t; for a in "$@"; do line="$line $a"; done; printf '%s\n' "$line" >> "$BENCH_LOG"
case "$*" in *"--file -"*) { printf '  stdin: '; cat; printf '\n'; } >> "$BENCH_LOG" ;; esac
if [ -f "$BENCH_ANSWERS/$t" ]; then
    while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done < "$BENCH_ANSWERS/$t"
fi
exit 0
TOOL
        chmod 755 "$1/bin/$tool"
    done
    echo '{"server-port": 8000}' >"$1/answers/config-get"
    echo 'true' >"$1/answers/is-leader"
}

# The median of the numbers on stdin, one per line.
bench_median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The machine, one line each.
bench_machine() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    echo "cpu: ${cpu:-unknown} ($(nproc) cores online, $(grep -c ^processor /proc/cpuinfo) listed)"
    echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustc: $(rustc -V)"
    echo "python: ${PY_VERSION:-$(python3 -c 'import platform; print(platform.python_version())')}, ops ${PY_OPS_VERSION:-?}, ops-scenario ${PY_SCENARIO_VERSION:-?}"
}
