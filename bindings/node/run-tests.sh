#!/usr/bin/env bash
# Runs the Node binding's test suite: installs the locked dependencies (koffi, prebuilt: nothing
# is compiled) and runs `node --test`. A missing or too old Node/npm is an error, never a skip.
# The C library must be built first (`cargo build --release`), or ZSEG_LIB must point at it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

fail() { echo "bindings/node: error: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || fail "node not found (Node.js >= 20 is required)"
command -v npm >/dev/null 2>&1 || fail "npm not found"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || fail "Node.js >= 20 is required, found $(node --version)"
lib="${ZSEG_LIB:-../../target/release/libzseg.so}"
[ -f "$lib" ] || fail "$lib not found: run \`cargo build --release\` first (or set ZSEG_LIB)"

# npm keeps its cache under $HOME: give it one when there is no home.
if [ -z "${HOME:-}" ] && [ -z "${npm_config_cache:-}" ]; then
    export npm_config_cache="${TMPDIR:-/tmp}/zseg-npm-cache"
fi
# koffi needs no install script (its binaries come in @koromix/koffi-<platform> packages).
npm ci --no-audit --no-fund --ignore-scripts
exec node --test
