#!/usr/bin/env bash
# Installs the pinned release of the real Pebble daemon at .tools/bin/pebble (git-ignored),
# built with `go install` from the Go module proxy. The real-Pebble tests find it there (or
# at $PEBBLE_BIN); without it they skip, and fail under CI=true. Quick when the pinned
# version is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest tag that builds with the machine's Go (go1.26; v1.32.1 needs go >= 1.26.5).
PEBBLE_VERSION=v1.32.1

bin=.tools/bin/pebble
stamp=.tools/bin/.pebble-version
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PEBBLE_VERSION" ]; then
  echo "Pebble $PEBBLE_VERSION: already installed at $bin"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "go is not installed: the real-Pebble tests will skip (and fail under CI=true)" >&2
  exit 0
fi

# `go install github.com/canonical/pebble/cmd/pebble@$PEBBLE_VERSION` fails on this
# machine's proxy, which serves the pinned version but refuses the version list that
# `pkg@version` reads to look for a deprecation notice:
#   loading deprecation for github.com/canonical/pebble: module github.com/canonical/pebble:
#   reading https://proxy.golang.org/github.com/canonical/pebble/@v/list: 403 Forbidden
# So the version is pinned by a one-line module instead, and `go install` builds the
# package inside it: the same module, from the same proxy, checked against the same sums.
build=.tools/pebble-build
mkdir -p "$build" .tools/bin
cat >"$build/go.mod" <<MOD
module pebble-build

go 1.26

require github.com/canonical/pebble $PEBBLE_VERSION
MOD
root=$PWD
(
  cd "$build"
  export GOBIN="$root/.tools/bin" GOPATH="$root/.tools/go" GOCACHE="$root/.tools/go/cache"
  export GOFLAGS="-buildvcs=false -modcacherw -mod=mod"
  go install github.com/canonical/pebble/cmd/pebble
)
echo "$PEBBLE_VERSION" >"$stamp"
echo "Pebble $PEBBLE_VERSION: installed at $bin ($("$bin" version --client))"
