#!/bin/sh
# Usage: exports_no_zstd_symbols.sh libzseg.a
# Fails if the archive defines a global or weak symbol with one of zstd's prefixes (so that
# another libzstd in the same program could be replaced by zseg's, or replace it), or if it
# has no zseg_private_ symbols at all (then the renaming did not run).
set -eu
syms="$(readelf -s --wide "$1" 2>/dev/null |
    awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }')"
leaked="$(printf '%s\n' "$syms" |
    grep -E '^(_?HUF|ZSTD|ZDICT|FSE|POOL|COVER|HIST|ERR_|XXH|ZBUFF|divsufsort|divbwt)' || true)"
if [ -n "$leaked" ]; then
    echo "$1 exports zstd symbols:" >&2
    printf '%s\n' "$leaked" | head -20 >&2
    exit 1
fi
private="$(printf '%s\n' "$syms" | grep -c '^zseg_private_ZSTD_compress2$' || true)"
if [ "$private" -ne 1 ]; then
    echo "$1: zseg_private_ZSTD_compress2 is not defined once ($private)" >&2
    exit 1
fi
echo "$1: zstd's symbols are all zseg_private_*"
