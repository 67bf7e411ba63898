#!/usr/bin/env bash
# ctest driver for the examples (examples/compress_dir.c and .cpp, same usage and output):
# makes a small directory with known files, runs the example on it, checks what it prints and
# the seekable file it writes.
# Usage: compress_dir_test.sh PROGRAM WORK_DIR
set -euo pipefail
program="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work/in/subdir"
printf 'alpha\n' >"$work/in/a.txt"
printf 'bravo bravo bravo bravo\nsecond line\n' >"$work/in/b.txt"
printf '\x00\x01\x02\x03binary\xff' >"$work/in/c.bin"
: >"$work/in/d.empty"
printf 'not a regular file of the directory\n' >"$work/in/subdir/skipped.txt"

fail() { echo "FAIL: $*" >&2; exit 1; }

expect() {  # expect INDEX EXPECTED_STDOUT_AFTER_THE_FIRST_LINE
    local index="$1" expected="$2" out
    out="$("$program" "$work/in" "$work/out.zst" "$index")" || fail "exit status $? for index $index"
    printf '%s\n' "$out"
    local first rest
    first="$(printf '%s\n' "$out" | sed -n 1p)"
    rest="$(printf '%s\n' "$out" | sed 1d)"
    [[ "$first" =~ ^compressed\ 4\ files,\ 53\ bytes\ -\>\ [0-9]+\ bytes\ of\ frames,\ written\ to\ .*/out\.zst$ ]] ||
        fail "unexpected first line: $first"
    [ "$rest" = "$expected" ] || fail "index $index: expected
$expected
got
$rest"
}

expect 1 "item 1: b.txt, 36 bytes, matches the file
bravo bravo bravo bravo
second line"
expect 0 "item 0: a.txt, 6 bytes, matches the file
alpha"
expect 2 "item 2: c.bin, 11 bytes, matches the file
(binary content not shown)"
expect 3 "item 3: d.empty, 0 bytes, matches the file"

# An index out of range is an error.
if "$program" "$work/in" "$work/out.zst" 4 >/dev/null 2>"$work/err.txt"; then
    fail "index 4 of 4 items succeeded"
fi
grep -q "out of range" "$work/err.txt" || fail "no 'out of range' message: $(cat "$work/err.txt")"

# The output is a standard zstd file: any decoder gives the files back to back.
if command -v zstd >/dev/null; then
    cat "$work/in/a.txt" "$work/in/b.txt" "$work/in/c.bin" "$work/in/d.empty" >"$work/expected.bin"
    zstd -q -d -c "$work/out.zst" >"$work/all.bin" || fail "zstd -d rejected the seekable file"
    cmp "$work/expected.bin" "$work/all.bin" || fail "zstd -d gives other bytes"
    echo "zstd -d: the files back to back"
else
    echo "zstd CLI not found: skipped the zstd -d check"
fi
echo "compress_dir example: ok"
