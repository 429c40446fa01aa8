#!/usr/bin/env bash
# Installs gdb for the `juju debug-code` test (ops/tests/around_handlers.rs attaches gdb to a
# charm process waiting before its handler). Quick when gdb is already there.
set -euo pipefail
if command -v gdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb >/dev/null
else
  echo "gdb is not installed and cannot be installed here: the gdb test will skip (and fail under CI=true)" >&2
fi
