#!/bin/sh
# Runs Python ops' pebble.Client and ours through the same calls against a recording
# stand-in and compares the requests. Needs a venv with `ops` (created under /tmp).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${OPS_VENV:-/tmp/ops-venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q ops; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build -q -p juju-ops-pebble --example wire_calls
bin=$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/wire_calls
# A local tree for push_path: one entry per directory, so listing order cannot differ.
mkdir -p "$work/tree/one/d" "$work/tree/two/e"
printf F > "$work/tree/one/d/f.txt"
chmod 640 "$work/tree/one/d/f.txt"
for side in python rust; do
    "$venv/bin/python" "$here/recorder.py" "$work/$side.sock" "$work/$side.jsonl" &
    pid=$!
    while [ ! -S "$work/$side.sock" ]; do sleep 0.05; done
    args="$work/$side.sock $work/tree $work/$side-pull"
    if [ $side = python ]; then "$venv/bin/python" "$here/calls.py" $args; else "$bin" $args; fi
    kill $pid; wait $pid 2>/dev/null || true
done
diff -r "$work/python-pull" "$work/rust-pull" || { echo "pull_path results differ"; exit 1; }
"$venv/bin/python" "$here/compare.py" "$work/python.jsonl" "$work/rust.jsonl"
