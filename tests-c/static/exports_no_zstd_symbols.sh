#!/bin/sh
# Usage: exports_no_zstd_symbols.sh libzseg.a
# Fails if the archive defines a global or weak symbol with one of zstd's prefixes (so that
# another libzstd in the same program could be replaced by zseg's, or replace it), if it still
# carries LLVM bitcode (which names the old symbols), or if it has no zseg_private_ symbols at
# all (then the renaming did not run). $NM and $READELF override nm and readelf.
set -eu
nm="${NM:-nm}"
syms="$("$nm" -P -g --defined-only "$1")" || { echo "nm failed on $1" >&2; exit 1; }
leaked="$(printf '%s\n' "$syms" | awk '{ print $1 }' |
    grep -E '^(_?HUF|ZSTD|ZDICT|FSE|POOL|COVER|HIST|ERR_|XXH|ZBUFF|divsufsort|divbwt|g_ZSTD|g_debuglevel)' ||
    true)"
if [ -n "$leaked" ]; then
    echo "$1 exports zstd symbols:" >&2
    printf '%s\n' "$leaked" | head -20 >&2
    exit 1
fi
if [ "$(printf '%s\n' "$syms" | awk '$1 == "zseg_private_ZSTD_compress2"' | wc -l)" -ne 1 ]; then
    echo "$1: zseg_private_ZSTD_compress2 is not defined once" >&2
    exit 1
fi
if "${READELF:-readelf}" -S --wide "$1" 2>/dev/null | grep -q '\.llvmbc'; then
    echo "$1 still carries LLVM bitcode (.llvmbc)" >&2
    exit 1
fi
echo "$1: zstd's symbols are all zseg_private_*, no LLVM bitcode"
