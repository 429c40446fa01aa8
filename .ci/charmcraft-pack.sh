#!/usr/bin/env bash
# A charm author's whole path, for real, with the wall time of each step:
#  1. the publishable crates package and verify (`cargo package`, which builds each from
#     its packaged folder: machine-tinyproxy's #[charm] finds charmcraft.yaml relative to
#     the packaged crate), and `cargo publish --dry-run` accepts them;
#  2. charmcraft 4.5.0 installed into .tools/charmcraft-venv (Debian's python3 venv with
#     python3-apt, as craft-parts needs apt);
#  3. `charmcraft pack` of a k8s example and a machine example, built from source by
#     their part, each .charm inspected: `dispatch` is the executable charm, metadata,
#     config and actions match charmcraft.yaml, and one hook runs from the unpacked
#     folder under stand-in hook tools;
#  4. the starter: `cargo charm new`, build, test, pack, one hook from the packed folder.
#
# charmcraft refuses non-Ubuntu hosts: each pack runs in `unshare -m` with an Ubuntu 24.04
# os-release bind-mounted over /etc/os-release, in --destructive-mode (no LXD here).
# Without root, unshare or Debian's python3, it skips with one line (fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
VENV=$TOOLS/charmcraft-venv
WORK=$(mktemp -d /tmp/charmcraft-pack.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

skip() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: charmcraft pack: $1 (required under CI=true)" >&2
    exit 1
  fi
  echo "SKIP: charmcraft pack: $1 (run as root on Debian/Ubuntu with unshare)"
  exit 0
}

step_start=0
step() { step_start=$(date +%s%N); echo "== $1"; }
step_done() {
  local ms=$((($(date +%s%N) - step_start) / 1000000))
  printf '   %s: %d.%d s\n' "$1" $((ms / 1000)) $((ms % 1000 / 100))
}

# 1. crates.io packaging.
step "cargo package (verifies builds from the packaged folders) and publish --dry-run"
# The verification builds from scratch: cargo takes a registry crate (here from its
# temporary registry) as never changing, so an earlier run's build or unpacked copy of
# juju-ops-pebble 0.1.0 would be used instead of this checkout's code.
rm -rf target/package-verify "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/juju-ops*-0.1.0
CARGO_TARGET_DIR=target/package-verify cargo package --quiet --allow-dirty -p juju-ops-events -p juju-ops-pebble -p juju-ops-macros -p juju-ops -p machine-tinyproxy
cargo publish --quiet --dry-run --no-verify --allow-dirty -p juju-ops-events -p juju-ops-pebble -p juju-ops-macros -p juju-ops -p cargo-charm
rm -rf target/package-verify   # about 1 GiB of builds no later step uses
step_done "package + publish --dry-run"

# 2. charmcraft.
[ "$(id -u)" = 0 ] || skip "not root (unshare -m and the bind mount need it)"
command -v unshare >/dev/null || skip "unshare is missing"
[ -x /usr/bin/python3 ] || skip "Debian's /usr/bin/python3 is missing"
step "install charmcraft 4.5.0 into .tools/charmcraft-venv"
if ! /usr/bin/python3 -c 'import apt, venv' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-apt python3-venv >/dev/null
fi
if ! "$VENV/bin/charmcraft" version 2>/dev/null | grep -q '^charmcraft 4.5.0$'; then
  rm -rf "$VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check charmcraft==4.5.0
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -U pyopenssl
fi
step_done "charmcraft install"

OS_RELEASE=$TOOLS/os-release-ubuntu-24.04
cat >"$OS_RELEASE" <<'EOF'
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
EOF

# pack DIR: charmcraft pack in DIR, from a clean state (--destructive-mode keeps the
# parts' state in DIR, and a part without a source would not build again); the .charm is
# left in DIR. craftctl (which override-build scriptlets call) is on PATH, as with the
# charmcraft snap.
pack() {
  (cd "$1" && rm -rf ./*.charm parts stage prime overlay && export PATH="$VENV/bin:$PATH" &&
    unshare -m sh -c 'mount --bind "$0" /etc/os-release && exec "$1" pack --destructive-mode --verbosity=quiet' \
      "$OS_RELEASE" "$VENV/bin/charmcraft" &&
    rm -rf parts stage prime overlay)
}

# inspect CHARM_FILE SOURCE_DIR: unpacks, checks dispatch and the YAML files against
# SOURCE_DIR/charmcraft.yaml; leaves the unpacked folder in $WORK/unpacked-<name>.
inspect() {
  local charm=$1 src=$2 out
  out=$WORK/unpacked-$(basename "$charm" .charm)
  rm -rf "$out" && mkdir -p "$out"
  "$VENV/bin/python" - "$charm" "$src/charmcraft.yaml" "$out" <<'EOF'
import os, stat, sys, zipfile, yaml
charm, source, out = sys.argv[1:]
with zipfile.ZipFile(charm) as z:
    z.extractall(out)
    names = set(z.namelist())
want = yaml.safe_load(open(source))
assert "dispatch" in names, f"no dispatch in {charm}: {sorted(names)}"
dispatch = os.path.join(out, "dispatch")
os.chmod(dispatch, os.stat(dispatch).st_mode | stat.S_IXUSR)  # zipfile drops modes
with zipfile.ZipFile(charm) as z:
    mode = z.getinfo("dispatch").external_attr >> 16
assert mode & 0o111, f"dispatch is not executable in the archive (mode {oct(mode)})"
assert open(dispatch, "rb").read(4) == b"\x7fELF", "dispatch is not the charm's binary"
meta = yaml.safe_load(open(os.path.join(out, "metadata.yaml")))
for key in ("name", "summary", "description", "containers", "resources", "requires",
            "provides", "peers", "storage", "assumes", "subordinate"):
    assert meta.get(key) == want.get(key), f"metadata.yaml {key}: {meta.get(key)!r} != {want.get(key)!r}"
def loaded(name):
    path = os.path.join(out, name)
    return yaml.safe_load(open(path)) if os.path.exists(path) else None
assert loaded("config.yaml") == want.get("config"), "config.yaml differs from charmcraft.yaml"
assert loaded("actions.yaml") == want.get("actions"), "actions.yaml differs from charmcraft.yaml"
print(f"   {os.path.basename(charm)}: dispatch (ELF, executable), metadata, config, actions as in charmcraft.yaml")
EOF
  UNPACKED=$out
}

# run_hook DIR HOOK UNIT: runs DIR/dispatch for HOOK under stand-in hook tools; checks it
# exits 0 and set a status.
run_hook() {
  local dir=$1 hook=$2 unit=$3
  # The benchmarks' stand-ins (bench/lib.sh, sourced in a subshell): each logs its call
  # to $BENCH_LOG and answers from $BENCH_ANSWERS/<tool>.
  (source bench/lib.sh && bench_hook_tools "$WORK")
  export BENCH_LOG=$WORK/hook.log BENCH_ANSWERS=$WORK/answers
  HOOK_LOG=$BENCH_LOG
  : >"$HOOK_LOG"
  echo '{}' >"$BENCH_ANSWERS/config-get"   # every option at its default
  (cd "$dir" && PATH="$WORK/bin:$PATH" JUJU_DISPATCH_PATH="hooks/$hook" JUJU_HOOK_NAME="$hook" \
    JUJU_UNIT_NAME="$unit" JUJU_MODEL_NAME=test JUJU_MODEL_UUID=00000000-0000-4000-8000-000000000000 \
    JUJU_VERSION=3.6.14 JUJU_CHARM_DIR="$dir" ./dispatch) || {
    echo "the packed charm failed $hook; its tool calls:" >&2
    cat "$HOOK_LOG" >&2
    exit 1
  }
  grep -q '^status-set ' "$HOOK_LOG" || { echo "no status-set in $hook:" >&2; cat "$HOOK_LOG" >&2; exit 1; }
  echo "   $hook ran from the packed folder: $(grep -c . "$HOOK_LOG") tool calls, $(grep '^status-set ' "$HOOK_LOG" | tail -1)"
}

# 3. The examples, built from source by their part.
for example in k8s-4-action:fastapi-demo/0:config-changed machine-tinyproxy:tinyproxy/0:update-status; do
  IFS=: read -r crate unit hook <<<"$example"
  step "charmcraft pack examples/$crate"
  pack "examples/$crate"
  step_done "pack $crate"
  inspect "$(ls examples/"$crate"/*.charm)" "examples/$crate"
  run_hook "$UNPACKED" "$hook" "$unit"
  rm -rf "examples/$crate"/*.charm
done

# 4. The starter, as a new user runs it (its juju-ops from this checkout).
export CARGO_TARGET_DIR=$ROOT/target/cargo-charm-test
step "cargo charm new hello-rust --k8s"
cargo run --quiet -p cargo-charm -- charm new hello-rust --k8s --ops-path "$ROOT/ops" --dir "$WORK/hello-rust"
cp Cargo.lock "$WORK/hello-rust/"   # this workspace's versions: no resolution, offline
step_done "new"
step "cargo build (the new charm)"
(cd "$WORK/hello-rust" && cargo build --quiet --offline)
step_done "build"
step "cargo test (the new charm)"
(cd "$WORK/hello-rust" && cargo test --quiet --offline 2>&1 | grep "test result: ok. [1-9]")
step_done "test"
step "charmcraft pack (the new charm, craft-parts' rust plugin)"
pack "$WORK/hello-rust"
step_done "pack hello-rust"
inspect "$(ls "$WORK"/hello-rust/*.charm)" "$WORK/hello-rust"
step "one hook from the packed folder"
run_hook "$UNPACKED" config-changed hello-rust/0
step_done "hook"
echo "charmcraft pack: all passed"
