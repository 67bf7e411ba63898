"""Interop between zseg's C ABI (through ctypes) and python-zstandard 0.25.0.

Run: scripts/py-venv && .venv/bin/python -m pytest tests-py -q
The library is target/release/libzseg.so (cargo build --release), or the path in ZSEG_LIB.

Checks, both ways:
- python-zstandard decompresses zseg's frames (one by one, and as a BufferWithSegments made
  from zseg's own data and segments arrays);
- zseg's frames equal python-zstandard's multi_compress_to_buffer output byte for byte at
  levels 1, 3 and 19 (and its one-shot compress());
- zseg decompresses python-zstandard's frames (compress(), multi_compress_to_buffer with one
  and several threads), also frames without a content size given python-zstandard style
  decompressed_sizes (packed native u64);
- segments arrays made by one side are accepted by the other unchanged (16-byte records).
"""

import ctypes
import os
import random
import struct
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

import pytest
import zstandard

ROOT = Path(__file__).resolve().parent.parent
LIB_PATH = Path(os.environ.get("ZSEG_LIB", ROOT / "target" / "release" / "libzseg.so"))

# zseg_result values (include/zseg.h)
OK = 0
ERR_ZSTD = 6
ERR_NO_CONTENT_SIZE = 7
ERR_SIZE_MISMATCH = 8
SIZE_UNKNOWN = 2**64 - 1


# --- Structs, as declared in include/zseg.h ---------------------------------------------------
class Slice(Structure):
    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]


class Segment(Structure):
    _fields_ = [("offset", c_uint64), ("length", c_uint64)]


class Error(Structure):
    _fields_ = [
        ("code", c_uint32),
        ("item", c_uint64),
        ("zstd_code", c_int64),
        ("message", c_char * 256),
    ]


PROGRESS_FN = CFUNCTYPE(c_int, c_uint64, c_uint64, c_void_p)


class BatchOptions(Structure):
    _fields_ = [
        ("size", c_size_t),
        ("threads", c_int32),
        ("item_results", POINTER(c_uint32)),
        ("progress", PROGRESS_FN),
        ("progress_ctx", c_void_p),
    ]


def _load():
    if not LIB_PATH.exists():
        pytest.fail(f"{LIB_PATH} not found: run `cargo build --release` or set ZSEG_LIB")
    lib = ctypes.CDLL(str(LIB_PATH))
    p = c_void_p
    pp = POINTER(c_void_p)
    err = POINTER(Error)
    u64p = POINTER(c_uint64)
    sig = {
        "zseg_version": (c_char_p, []),
        "zseg_zstd_version": (c_uint, []),
        "zseg_result_str": (c_char_p, [c_uint32]),
        "zseg_batch_options_init": (None, [POINTER(BatchOptions)]),
        "zseg_buffer_new_copy": (
            c_uint32, [p, c_size_t, POINTER(Segment), c_size_t, pp, err]),
        "zseg_buffer_free": (None, [p]),
        "zseg_buffer_size": (c_size_t, [p]),
        "zseg_buffer_count": (c_size_t, [p]),
        "zseg_buffer_data": (p, [p]),
        "zseg_buffer_segments": (p, [p]),
        "zseg_collection_free": (None, [p]),
        "zseg_collection_count": (c_size_t, [p]),
        "zseg_collection_size": (c_size_t, [p]),
        "zseg_collection_buffer_count": (c_size_t, [p]),
        "zseg_collection_buffer": (p, [p, c_size_t]),
        "zseg_collection_get": (c_uint32, [p, c_size_t, POINTER(Slice)]),
        "zseg_compressor_new": (c_uint32, [c_int, pp, err]),
        "zseg_compressor_free": (None, [p]),
        "zseg_compress_slices": (
            c_uint32, [p, POINTER(Slice), c_size_t, POINTER(BatchOptions), pp, err]),
        "zseg_compress_bound": (c_size_t, [POINTER(Slice), c_size_t]),
        "zseg_compress_slices_into": (
            c_uint32,
            [p, POINTER(Slice), c_size_t, POINTER(BatchOptions), p, c_size_t,
             POINTER(Segment), POINTER(c_size_t), err]),
        "zseg_decompressor_new": (c_uint32, [pp, err]),
        "zseg_decompressor_free": (None, [p]),
        "zseg_decompress_slices": (
            c_uint32, [p, POINTER(Slice), c_size_t, u64p, POINTER(BatchOptions), pp, err]),
        "zseg_decompress_buffer": (
            c_uint32, [p, p, u64p, POINTER(BatchOptions), pp, err]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


LIB = None


@pytest.fixture(scope="module")
def lib():
    global LIB
    if LIB is None:
        LIB = _load()
    return LIB


# --- Helpers ---------------------------------------------------------------------------------
class ZsegError(Exception):
    def __init__(self, code, err):
        self.code = code
        self.item = err.item
        super().__init__(
            f"zseg result {code} ({LIB.zseg_result_str(code).decode()}), item {err.item}: "
            f"{err.message.decode(errors='replace')}")


def check(code, err):
    if code != OK:
        raise ZsegError(code, err)


def options(threads):
    o = BatchOptions()
    LIB.zseg_batch_options_init(byref(o))
    o.threads = threads
    return o


class Slices:
    """Items copied into one C array, viewed as zseg_slice entries (kept alive together)."""

    def __init__(self, items):
        blob = b"".join(bytes(i) for i in items)
        self.mem = (ctypes.c_ubyte * max(1, len(blob))).from_buffer_copy(blob or b"\0")
        base = ctypes.addressof(self.mem)
        self.array = (Slice * max(1, len(items)))()
        pos = 0
        for k, item in enumerate(items):
            self.array[k] = Slice(base + pos if len(item) else None, len(item))
            pos += len(item)
        self.n = len(items)


def u64_array(sizes):
    """python-zstandard's decompressed_sizes bytes, as the uint64_t array zseg reads."""
    raw = struct.pack(f"={len(sizes)}Q", *sizes)
    return raw, (c_uint64 * max(1, len(sizes))).from_buffer_copy(raw or b"\0" * 8)


def collection_items(coll):
    """Copies every item of a zseg_collection out, and frees it."""
    try:
        err = Error()
        out = []
        for i in range(LIB.zseg_collection_count(coll)):
            s = Slice()
            check(LIB.zseg_collection_get(coll, i, byref(s)), err)
            out.append(ctypes.string_at(s.ptr, s.len) if s.len else b"")
        return out
    finally:
        LIB.zseg_collection_free(coll)


def collection_buffers(coll):
    """(data bytes, raw segments bytes) of each buffer of a zseg_collection, copied."""
    out = []
    for b in range(LIB.zseg_collection_buffer_count(coll)):
        buf = LIB.zseg_collection_buffer(coll, b)
        size, count = LIB.zseg_buffer_size(buf), LIB.zseg_buffer_count(buf)
        data = ctypes.string_at(LIB.zseg_buffer_data(buf), size) if size else b""
        segs = ctypes.string_at(LIB.zseg_buffer_segments(buf), 16 * count) if count else b""
        out.append((data, segs))
    return out


def zseg_compress_collection(items, level, threads):
    err = Error()
    c = c_void_p()
    check(LIB.zseg_compressor_new(level, byref(c), byref(err)), err)
    try:
        s = Slices(items)
        out = c_void_p()
        o = options(threads)
        check(LIB.zseg_compress_slices(c, s.array, s.n, byref(o), byref(out), byref(err)), err)
        return out
    finally:
        LIB.zseg_compressor_free(c)


def zseg_compress(items, level=3, threads=2):
    return collection_items(zseg_compress_collection(items, level, threads))


def zseg_decompress(frames, sizes=None, threads=2):
    err = Error()
    d = c_void_p()
    check(LIB.zseg_decompressor_new(byref(d), byref(err)), err)
    try:
        s = Slices(frames)
        arr = u64_array(sizes)[1] if sizes is not None else None
        out = c_void_p()
        o = options(threads)
        check(LIB.zseg_decompress_slices(d, s.array, s.n, arr, byref(o), byref(out),
                                         byref(err)), err)
        return collection_items(out)
    finally:
        LIB.zseg_decompressor_free(d)


def zseg_decompress_segments(data, segments_raw, sizes_raw=None, threads=2):
    """Decompresses a buffer given as data + raw 16-byte segment records (any producer)."""
    err = Error()
    count = len(segments_raw) // 16
    mem = (ctypes.c_ubyte * max(1, len(data))).from_buffer_copy(data or b"\0")
    segs = (Segment * max(1, count)).from_buffer_copy(segments_raw or b"\0" * 16)
    buf = c_void_p()
    check(LIB.zseg_buffer_new_copy(mem, len(data), segs, count, byref(buf), byref(err)), err)
    d = c_void_p()
    try:
        check(LIB.zseg_decompressor_new(byref(d), byref(err)), err)
        sizes = None
        if sizes_raw is not None:
            sizes = (c_uint64 * max(1, count)).from_buffer_copy(sizes_raw or b"\0" * 8)
        out = c_void_p()
        o = options(threads)
        check(LIB.zseg_decompress_buffer(d, buf, sizes, byref(o), byref(out), byref(err)), err)
        return collection_items(out)
    finally:
        LIB.zseg_decompressor_free(d)
        LIB.zseg_buffer_free(buf)


def py_frames(collection):
    return [collection[i].tobytes() for i in range(len(collection))]


def py_buffer(frames):
    """A python-zstandard BufferWithSegments holding `frames` back to back."""
    segs, pos = [], 0
    for f in frames:
        segs.append(struct.pack("=QQ", pos, len(f)))
        pos += len(f)
    return zstandard.BufferWithSegments(b"".join(frames), b"".join(segs))


# --- Corpus ----------------------------------------------------------------------------------
WORDS = (b"the of and to in is that for it as was with record compression buffer segment "
         b"thread window frame dictionary level latency storage engine index batch").split()


def text(rng, n):
    out = bytearray()
    while len(out) < n:
        out += rng.choice(WORDS) + b" "
    return bytes(out[:n])


def make_items(seed=7, empties=True):
    rng = random.Random(seed)
    items = []
    for k in range(300):
        kind = k % 5
        if kind == 0:
            items.append(b'{"id":%d,"user":"u%d","text":"%s"}' % (
                k, rng.randrange(10**6), text(rng, rng.randrange(400, 2000))))
        elif kind == 1:
            items.append(text(rng, rng.randrange(1, 64)))
        elif kind == 2:
            items.append(rng.randbytes(rng.randrange(100, 5000)))
        elif kind == 3:
            items.append(text(rng, rng.randrange(5000, 20000)))
        else:
            items.append(b"" if empties else b"x")
    items.append(text(rng, 300_000))  # spans several zstd blocks
    if empties:
        items += [b"", b""]  # trailing empty items
    return items


@pytest.fixture(scope="module")
def items():
    return make_items()


@pytest.fixture(scope="module")
def items_no_empty():
    return make_items(seed=8, empties=False)


# --- Tests -----------------------------------------------------------------------------------
def test_abi_layout_and_versions(lib):
    assert ctypes.sizeof(Slice) == 16
    assert ctypes.sizeof(Segment) == 16
    assert ctypes.sizeof(Error) == 280
    assert ctypes.sizeof(BatchOptions) == 40
    o = BatchOptions()
    lib.zseg_batch_options_init(byref(o))
    assert o.size == ctypes.sizeof(BatchOptions) and o.threads == 0
    # Byte identity relies on the same libzstd on both sides.
    v = lib.zseg_zstd_version()
    assert (v // 10000, v // 100 % 100, v % 100) == zstandard.ZSTD_VERSION
    assert zstandard.__version__ == "0.25.0"
    assert lib.zseg_version().decode().count(".") == 2


@pytest.mark.parametrize("level", [-5, 1, 3, 19])
def test_python_decompresses_zseg_frames(lib, items, level):
    frames = zseg_compress(items, level=level, threads=2)
    assert len(frames) == len(items)
    d = zstandard.ZstdDecompressor()
    for i, (f, item) in enumerate(zip(frames, items)):
        params = zstandard.get_frame_parameters(f)
        assert params.content_size == len(item), i
        assert d.decompress(f) == item, i


@pytest.mark.parametrize("level", [1, 3, 19])
def test_frames_equal_python_multi_compress_to_buffer(lib, items, items_no_empty, level):
    cctx = zstandard.ZstdCompressor(level=level)
    # threads=1 on python-zstandard's side keeps trailing empty items.
    ours = zseg_compress(items, level=level, threads=2)
    theirs = py_frames(cctx.multi_compress_to_buffer(py_buffer(items), threads=1))
    assert len(theirs) == len(items)
    assert ours == theirs
    # ...and its one-shot compress() of each item.
    assert ours == [cctx.compress(i) for i in items]
    # Several threads on both sides, without empty items.
    ours = zseg_compress(items_no_empty, level=level, threads=2)
    theirs = py_frames(cctx.multi_compress_to_buffer(items_no_empty, threads=2))
    assert ours == theirs
    # Thread count does not change zseg's bytes.
    assert ours == zseg_compress(items_no_empty, level=level, threads=1)


def test_zseg_keeps_trailing_empty_items(lib, items):
    assert items[-1] == b"" and items[-2] == b""
    frames = zseg_compress(items, threads=2)
    assert len(frames) == len(items)
    assert zseg_decompress(frames, threads=2) == items


@pytest.mark.parametrize("level", [1, 3, 19])
def test_zseg_decompresses_python_frames(lib, items, items_no_empty, level):
    cctx = zstandard.ZstdCompressor(level=level)
    # One-shot compress() per item.
    frames = [cctx.compress(i) for i in items]
    assert zseg_decompress(frames, threads=2) == items
    assert zseg_decompress(frames, threads=1) == items
    # multi_compress_to_buffer, one and several threads (several buffers).
    for threads, src in ((1, items), (2, items_no_empty)):
        coll = cctx.multi_compress_to_buffer(src, threads=threads)
        assert zseg_decompress(py_frames(coll), threads=2) == src


def test_decompressed_sizes_style_sizes(lib, items):
    """Frames without a content size, sizes given the way python-zstandard takes them."""
    cctx = zstandard.ZstdCompressor(level=3, write_content_size=False)
    frames = [cctx.compress(i) for i in items]
    assert all(zstandard.get_frame_parameters(f).content_size in (0, zstandard.CONTENTSIZE_UNKNOWN)
               for f in frames if f)
    sizes = [len(i) for i in items]
    raw, _ = u64_array(sizes)
    # python-zstandard needs decompressed_sizes here, and so does zseg.
    nonempty = [k for k, i in enumerate(items) if i]
    sub_frames = [frames[k] for k in nonempty]
    sub_raw = struct.pack(f"={len(nonempty)}Q", *(sizes[k] for k in nonempty))
    dctx = zstandard.ZstdDecompressor()
    theirs = py_frames(dctx.multi_decompress_to_buffer(sub_frames, decompressed_sizes=sub_raw,
                                                       threads=1))
    assert theirs == [items[k] for k in nonempty]
    with pytest.raises(ZsegError) as e:
        zseg_decompress(frames)
    assert e.value.code == ERR_NO_CONTENT_SIZE
    assert zseg_decompress(frames, sizes=sizes, threads=2) == items
    assert zseg_decompress(frames, sizes=sizes, threads=1) == items
    # The very same bytes python-zstandard takes, handed to zseg as its uint64_t array.
    buf = py_buffer(frames)
    segs = bytes(memoryview(buf.segments()))
    assert zseg_decompress_segments(buf.tobytes(), segs, sizes_raw=raw) == items
    # ZSEG_SIZE_UNKNOWN entries read the header; a wrong size is a mismatch for that item.
    with_cs = zstandard.ZstdCompressor(level=3).compress(items[0])
    assert zseg_decompress([with_cs, frames[0]], sizes=[SIZE_UNKNOWN, len(items[0])]) == \
        [items[0], items[0]]
    with pytest.raises(ZsegError) as e:
        zseg_decompress([with_cs, frames[0]], sizes=[SIZE_UNKNOWN, len(items[0]) + 1])
    assert e.value.code == ERR_SIZE_MISMATCH and e.value.item == 1


def test_python_segments_accepted_by_zseg(lib, items):
    """A python-zstandard BufferWithSegments' segments memory, as a zseg_segment array."""
    cctx = zstandard.ZstdCompressor(level=3)
    buf = py_buffer(py_frames(cctx.multi_compress_to_buffer(items, threads=1)))
    segs = bytes(memoryview(buf.segments()))
    assert len(segs) == 16 * len(items)
    assert zseg_decompress_segments(buf.tobytes(), segs, threads=2) == items
    # Unordered, overlapping segments are fine too: reversed order.
    rev = b"".join(segs[k:k + 16] for k in range(len(segs) - 16, -1, -16))
    assert zseg_decompress_segments(buf.tobytes(), rev, threads=2) == items[::-1]


def test_zseg_segments_accepted_by_python(lib, items_no_empty):
    """zseg's data and segments arrays, handed to python-zstandard unchanged."""
    items = items_no_empty
    dctx = zstandard.ZstdDecompressor()
    coll = zseg_compress_collection(items, 3, 2)
    try:
        buffers = collection_buffers(coll)
    finally:
        LIB.zseg_collection_free(coll)
    assert sum(len(s) // 16 for _, s in buffers) == len(items)
    pybufs = [zstandard.BufferWithSegments(d, s) for d, s in buffers if s]
    got = py_frames(dctx.multi_decompress_to_buffer(
        zstandard.BufferWithSegmentsCollection(*pybufs), threads=2))
    assert got == items

    # compress_slices_into: one caller-owned dst and a zseg_segment array.
    err = Error()
    c = c_void_p()
    check(LIB.zseg_compressor_new(3, byref(c), byref(err)), err)
    try:
        s = Slices(items)
        cap = LIB.zseg_compress_bound(s.array, s.n)
        dst = (ctypes.c_ubyte * cap)()
        segs = (Segment * len(items))()
        used = c_size_t()
        o = options(2)
        check(LIB.zseg_compress_slices_into(c, s.array, s.n, byref(o), dst, cap, segs,
                                            byref(used), byref(err)), err)
    finally:
        LIB.zseg_compressor_free(c)
    data = bytes(dst)[:used.value]
    bws = zstandard.BufferWithSegments(data, bytes(segs))
    got = py_frames(dctx.multi_decompress_to_buffer(bws, threads=2))
    assert got == items
    assert py_frames(bws) == zseg_compress(items, threads=1)


def test_bad_frame_names_the_item(lib, items_no_empty):
    frames = [zstandard.ZstdCompressor(level=3).compress(i) for i in items_no_empty[:10]]
    frames[6] = frames[6][: len(frames[6]) // 2]  # truncated
    for threads in (1, 2):
        with pytest.raises(ZsegError) as e:
            zseg_decompress(frames, threads=threads)
        assert e.value.code == ERR_ZSTD and e.value.item == 6
