#!/usr/bin/env bash
# Tests of the Go binding: gofmt, go vet, then `go test -count=1 ./...` with cgo's strict
# pointer checks (cgocheck=2), offline (GOPROXY=off: no third-party modules).
# Needs `cargo build --release` (target/release/libzseg.so) and Go >= 1.19; a missing Go is a
# failure, not a skip. Extra arguments go to `go test` (e.g. -run Concurrent, -v).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v go >/dev/null 2>&1; then
    echo "bindings/go: the Go toolchain (go) is not installed: apt-get install golang-go" >&2
    exit 1
fi
lib=../../target/release
if [ ! -e "$lib/libzseg.so" ]; then
    echo "bindings/go: $lib/libzseg.so is missing: run cargo build --release first" >&2
    exit 1
fi
# cgo links -lzseg from target/release with an rpath to it; the binary then asks for the
# SONAME, libzseg.so.0, which build.rs links to libzseg.so (made again here in case the link
# was removed).
ln -sfn libzseg.so "$lib/libzseg.so.0"

export GOPROXY=off GOFLAGS=-mod=readonly CGO_ENABLED=1
if [ -z "${HOME:-}" ] && [ -z "${GOCACHE:-}" ]; then
    export GOCACHE="${TMPDIR:-/tmp}/zseg-go-cache"
fi
# cgocheck=2 is a GODEBUG setting up to Go 1.20 and a GOEXPERIMENT from Go 1.21 on.
minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
if [ -n "$minor" ] && [ "$minor" -ge 21 ]; then
    export GOEXPERIMENT=cgocheck2
else
    export GODEBUG="${GODEBUG:+$GODEBUG,}cgocheck=2"
fi

unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    echo "bindings/go: not gofmt-clean: $unformatted" >&2
    exit 1
fi
go vet ./...
go test -count=1 "$@" ./...
