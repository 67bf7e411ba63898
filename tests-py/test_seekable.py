"""Interop of zseg's seekable-format files with the zstd CLI and pyzstd 0.20.0.

Run: scripts/py-venv && .venv/bin/python -m pytest tests-py/test_seekable.py -q
Needs the `zseg` tool (target/release/zseg from `cargo build --release -p zseg-cli`, or the
path in ZSEG_BIN), the `zstd` command (Debian: apt-get install zstd) and, for the ctypes
checks, target/release/libzseg.so (or ZSEG_LIB).

Checks:
- `zstd -dc` decompresses a file written by `zseg pack` to the concatenation of its items
  (plain, with checksums, with a trained dictionary given to zstd with -D);
- pyzstd's SeekableZstdFile reads zseg's files: seek + read at every item boundary, random
  order, whole file, and its seek table info matches;
- zseg reads files written by pyzstd's SeekableZstdFile (frames become items: one per
  FLUSH_FRAME, and several per write when max_frame_content_size cuts them), through
  `zseg get`, `zseg unpack` and `zseg info`, and through the C API (zseg_seekable_open +
  zseg_decompress_buffer with the table's sizes) via ctypes.
"""

import ctypes
import os
import random
import shutil
import subprocess
from ctypes import POINTER, Structure, byref, c_char, c_char_p, c_int32, c_int64, c_size_t
from ctypes import c_uint32, c_uint64, c_void_p
from pathlib import Path

import pyzstd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ZSEG_BIN = Path(os.environ.get("ZSEG_BIN", ROOT / "target" / "release" / "zseg"))
LIB_PATH = Path(os.environ.get("ZSEG_LIB", ROOT / "target" / "release" / "libzseg.so"))


# --- Helpers ---------------------------------------------------------------------------------
def zseg(*args, input=b""):
    """Runs the zseg tool; returns stdout, failing the test (with stderr) on a nonzero exit."""
    if not ZSEG_BIN.exists():
        pytest.fail(f"{ZSEG_BIN} not found: run `cargo build --release -p zseg-cli` or set ZSEG_BIN")
    r = subprocess.run([str(ZSEG_BIN), *map(str, args)], input=input, capture_output=True)
    if r.returncode != 0:
        pytest.fail(f"zseg {' '.join(map(str, args))} exited {r.returncode}: {r.stderr.decode()}")
    return r.stdout


def zstd_cli():
    path = shutil.which("zstd")
    if path is None:
        pytest.fail("the zstd command is missing: apt-get install -y zstd")
    return path


def info(path):
    """`zseg info` as a dict of its `key: value` lines."""
    out = zseg("info", path).decode()
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines())}


def pack_files(tmp_path, items, *flags):
    """Packs `items` (one input file each) with `zseg pack`; returns the file's path."""
    inputs = []
    for i, item in enumerate(items):
        p = tmp_path / f"item{i}"
        p.write_bytes(item)
        inputs.append(p)
    out = tmp_path / "packed.zst"
    zseg("pack", "-q", *flags, "-o", out, *inputs)
    return out


def sample_items(n, seed):
    """Varied items: JSON-ish text, binary with NUL and newlines, empty ones, a larger one."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            items.append(b"")
        elif kind == 1:
            items.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
        elif kind == 2:
            items.append(b"\x00\n\x00line\n" * rng.randrange(1, 20))
        else:
            items.append(
                f'{{"id":{i},"user":"u{rng.randrange(1000)}","v":{rng.random()}}}'.encode() * 3)
    items.append(bytes(rng.randrange(8) for _ in range(200_000)))
    return items


def json_lines(n, seed):
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "status", "active", "closed", "pending", "user"]
    return [
        (f'{{"id":{i},"user":"user_{rng.randrange(5000)}","status":"{rng.choice(words)}",'
         f'"text":"{" ".join(rng.choice(words) for _ in range(rng.randrange(4, 16)))}"}}').encode()
        for i in range(n)
    ]


# --- The zstd CLI reads zseg's files -----------------------------------------------------------
@pytest.mark.parametrize("flags", [(), ("--checksum",), ("-l", "19"), ("-l", "-5")])
def test_zstd_cli_decompresses_to_the_concatenation(tmp_path, flags):
    items = sample_items(40, 1)
    f = pack_files(tmp_path, items, *flags)
    r = subprocess.run([zstd_cli(), "-dc", str(f)], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b"".join(items)
    # zstd -t (integrity test, checksums included) passes too.
    r = subprocess.run([zstd_cli(), "-tq", str(f)], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()


def test_zstd_cli_decompresses_with_the_trained_dictionary(tmp_path):
    lines = json_lines(3000, 2)
    src = tmp_path / "in.txt"
    src.write_bytes(b"".join(line + b"\n" for line in lines))
    out = tmp_path / "d.zst"
    zseg("pack", "-q", "--lines", "--train", "8K", "-o", out, src)
    dict_path = tmp_path / "d.zst.dict"
    assert dict_path.exists()
    r = subprocess.run([zstd_cli(), "-dc", "-D", str(dict_path), str(out)], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b"".join(lines)
    # Without the dictionary zstd refuses the frames rather than producing garbage.
    r = subprocess.run([zstd_cli(), "-dc", str(out)], capture_output=True)
    assert r.returncode != 0


# --- pyzstd reads zseg's files ------------------------------------------------------------------
@pytest.mark.parametrize("flags", [(), ("--checksum",)])
def test_pyzstd_reads_zseg_files_item_by_item(tmp_path, flags):
    items = sample_items(60, 3)
    f = pack_files(tmp_path, items, *flags)
    assert pyzstd.SeekableZstdFile.is_seekable_format_file(str(f))
    offsets = [0]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    with pyzstd.SeekableZstdFile(str(f), "r") as z:
        frames, compressed, decompressed = z.seek_table_info
        assert frames == len(items)
        assert decompressed == offsets[-1]
        assert compressed == int(info(f)["compressed"].split()[0])
        # Every item boundary, in order and then shuffled.
        order = list(range(len(items)))
        for i in order + random.Random(4).sample(order, len(order)):
            z.seek(offsets[i])
            assert z.tell() == offsets[i]
            assert z.read(len(items[i])) == items[i], f"item {i}"
        # Reads across boundaries and the whole file.
        z.seek(offsets[10] + 1)
        assert z.read(offsets[13] - offsets[10]) == b"".join(items)[offsets[10] + 1:offsets[13] + 1]
        z.seek(0)
        assert z.read() == b"".join(items)


def test_pyzstd_reads_many_small_items(tmp_path):
    lines = [f"line {i}".encode() for i in range(20_000)]
    src = tmp_path / "in.txt"
    src.write_bytes(b"".join(line + b"\n" for line in lines))
    out = tmp_path / "lines.zst"
    zseg("pack", "-q", "--lines", "-o", out, src)
    with pyzstd.SeekableZstdFile(str(out), "r") as z:
        assert z.seek_table_info[0] == 20_000
        pos = sum(len(line) for line in lines[:12_345])
        z.seek(pos)
        assert z.read(len(lines[12_345])) == lines[12_345]


# --- zseg reads pyzstd's files ------------------------------------------------------------------
def write_pyzstd(path, items, **kwargs):
    """One pyzstd frame per item (FLUSH_FRAME after each write)."""
    with pyzstd.SeekableZstdFile(str(path), "w", **kwargs) as z:
        for item in items:
            z.write(item)
            z.flush(z.FLUSH_FRAME)


def nonempty(items):
    # pyzstd writes no frame for an empty write, so an empty item would have no frame.
    return [i for i in items if i]


@pytest.mark.parametrize("level", [None, 1, 19, {pyzstd.CParameter.checksumFlag: 1}])
def test_zseg_reads_pyzstd_files_frame_per_item(tmp_path, level):
    items = nonempty(sample_items(50, 5))
    f = tmp_path / "py.zst"
    write_pyzstd(f, items, level_or_option=level)
    i = info(f)
    assert i["items"] == str(len(items))
    assert i["decompressed"].startswith(f"{sum(map(len, items))} bytes")
    # Random access: first, last, several in any order.
    last = len(items) - 1
    for idx in ([0], [last], [last, 0, 7, 7, 3]):
        assert zseg("get", f, *idx) == b"".join(items[k] for k in idx)
    assert zseg("unpack", f) == b"".join(items)
    out_dir = tmp_path / "out"
    zseg("unpack", f, "-o", out_dir)
    width = len(str(last))
    for k, item in enumerate(items):
        assert (out_dir / f"{k:0{width}d}").read_bytes() == item


def test_zseg_reads_pyzstd_frames_cut_by_max_frame_content_size(tmp_path):
    rng = random.Random(6)
    blob = bytes(rng.randrange(16) for _ in range(10_000))
    f = tmp_path / "cut.zst"
    with pyzstd.SeekableZstdFile(str(f), "w", max_frame_content_size=1000) as z:
        z.write(blob)
    with pyzstd.SeekableZstdFile(str(f), "r") as z:
        frames = z.seek_table_info[0]
    assert frames == 10
    assert info(f)["items"] == "10"
    assert info(f)["largest item"] == "1000 bytes"
    for k in (0, 9, 4):
        assert zseg("get", f, k) == blob[k * 1000:(k + 1) * 1000]
    assert zseg("unpack", f) == blob


def test_zseg_reads_a_large_pyzstd_file(tmp_path):
    lines = json_lines(5000, 7)
    f = tmp_path / "big.zst"
    write_pyzstd(f, lines, level_or_option=3)
    assert zseg("unpack", "--lines", f, "-T", "2") == b"".join(line + b"\n" for line in lines)
    assert zseg("get", "--lines", f, 4999, 0) == lines[4999] + b"\n" + lines[0] + b"\n"


def test_zseg_round_trips_through_pyzstd_and_back(tmp_path):
    items = nonempty(sample_items(30, 8))
    f = pack_files(tmp_path, items, "--checksum")
    with pyzstd.SeekableZstdFile(str(f), "r") as z:
        data = z.read()
    g = tmp_path / "again.zst"
    with pyzstd.SeekableZstdFile(str(g), "w", max_frame_content_size=4096) as z:
        z.write(data)
    assert zseg("unpack", g) == b"".join(items)


# --- The C API opens pyzstd's files (ctypes) ------------------------------------------------------
class Error(Structure):
    _fields_ = [
        ("code", c_uint32),
        ("item", c_uint64),
        ("zstd_code", c_int64),
        ("message", c_char * 256),
    ]


class Slice(Structure):
    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]


@pytest.fixture(scope="module")
def lib():
    if not LIB_PATH.exists():
        pytest.fail(f"{LIB_PATH} not found: run `cargo build --release` or set ZSEG_LIB")
    lib = ctypes.CDLL(str(LIB_PATH))
    p, pp, err = c_void_p, POINTER(c_void_p), POINTER(Error)
    for name, res, args in [
        ("zseg_seekable_open", c_uint32, [c_char_p, pp, err]),
        ("zseg_seekable_open_memory", c_uint32, [c_void_p, c_size_t, pp, err]),
        ("zseg_seekable_free", None, [p]),
        ("zseg_seekable_frames", p, [p]),
        ("zseg_seekable_sizes", POINTER(c_uint64), [p]),
        ("zseg_buffer_count", c_size_t, [p]),
        ("zseg_decompressor_new", c_uint32, [pp, err]),
        ("zseg_decompressor_free", None, [p]),
        ("zseg_decompress_buffer", c_uint32, [p, p, POINTER(c_uint64), c_void_p, pp, err]),
        ("zseg_collection_count", c_size_t, [p]),
        ("zseg_collection_get", c_uint32, [p, c_size_t, POINTER(Slice)]),
        ("zseg_collection_free", None, [p]),
    ]:
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def c_read_all(lib, handle):
    """Every item of an open zseg_seekable, decompressed with the table's sizes."""
    err = Error()
    frames = lib.zseg_seekable_frames(handle)
    n = lib.zseg_buffer_count(frames)
    sizes = lib.zseg_seekable_sizes(handle)
    d, out = c_void_p(), c_void_p()
    assert lib.zseg_decompressor_new(byref(d), byref(err)) == 0, err.message
    try:
        rc = lib.zseg_decompress_buffer(d, frames, sizes, None, byref(out), byref(err))
        assert rc == 0, err.message.decode()
        items = []
        for i in range(lib.zseg_collection_count(out)):
            s = Slice()
            assert lib.zseg_collection_get(out, i, byref(s)) == 0
            items.append(ctypes.string_at(s.ptr, s.len) if s.len else b"")
        assert len(items) == n
        return items, [sizes[i] for i in range(n)]
    finally:
        lib.zseg_collection_free(out)
        lib.zseg_decompressor_free(d)


def test_c_api_opens_pyzstd_files(lib, tmp_path):
    items = nonempty(sample_items(40, 9))
    f = tmp_path / "py.zst"
    write_pyzstd(f, items, level_or_option={pyzstd.CParameter.checksumFlag: 1})
    err, h = Error(), c_void_p()
    assert lib.zseg_seekable_open(str(f).encode(), byref(h), byref(err)) == 0, err.message
    try:
        got, sizes = c_read_all(lib, h)
    finally:
        lib.zseg_seekable_free(h)
    assert got == items
    assert sizes == [len(i) for i in items]

    # The same bytes through zseg_seekable_open_memory.
    data = f.read_bytes()
    mem = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
    assert lib.zseg_seekable_open_memory(mem, len(data), byref(h), byref(err)) == 0, err.message
    try:
        assert c_read_all(lib, h)[0] == items
    finally:
        lib.zseg_seekable_free(h)

    # Not a seekable file: a clear error, no handle.
    plain = tmp_path / "plain.zst"
    plain.write_bytes(pyzstd.compress(b"just one frame"))
    h2 = c_void_p()
    rc = lib.zseg_seekable_open(str(plain).encode(), byref(h2), byref(err))
    assert rc != 0 and h2.value is None
    assert b"seek" in err.message
