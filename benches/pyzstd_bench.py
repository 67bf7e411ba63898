"""python-zstandard's batch API on zseg's benchmark corpora (run by benches/batch.rs).

Usage: pyzstd_bench.py FRAMES SEGMENTS SIZES [--level L] [--reps N] [--threads T]

FRAMES is the corpus compressed by libzstd (one frame per item, back to back), SEGMENTS their
16-byte {offset, length} records (native endian), SIZES the items' sizes (u64 each). The items
are recovered by decompressing the frames once; then, after checking that python-zstandard's
frames equal the given ones byte for byte, it times multi_compress_to_buffer and
multi_decompress_to_buffer and prints "version V", "compress SECONDS" and "decompress SECONDS" (medians).
"""

import argparse
import statistics
import struct
import sys
import time

import zstandard


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("frames")
    ap.add_argument("segments")
    ap.add_argument("sizes")
    ap.add_argument("--level", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    with open(a.frames, "rb") as f:
        data = f.read()
    with open(a.segments, "rb") as f:
        segments = f.read()
    with open(a.sizes, "rb") as f:
        sizes = f.read()
    frames = zstandard.BufferWithSegments(data, segments)
    n = len(frames)
    total = sum(struct.unpack(f"={n}Q", sizes))

    cctx = zstandard.ZstdCompressor(level=a.level)
    dctx = zstandard.ZstdDecompressor()
    items = dctx.multi_decompress_to_buffer(frames, threads=1)
    if len(items) != n or items.size() != total:
        print(f"got {len(items)} items of {items.size()} bytes, expected {n} of {total}",
              file=sys.stderr)
        return 1
    ours = cctx.multi_compress_to_buffer(items, threads=1)
    if len(ours) != n or any(ours[i].tobytes() != frames[i].tobytes() for i in range(n)):
        print("python-zstandard's frames differ from libzstd's", file=sys.stderr)
        return 1
    del ours

    tc, td = [], []
    for _ in range(a.reps):
        t = time.perf_counter()
        out = cctx.multi_compress_to_buffer(items, threads=a.threads)
        tc.append(time.perf_counter() - t)
        del out
        t = time.perf_counter()
        out = dctx.multi_decompress_to_buffer(frames, threads=a.threads)
        td.append(time.perf_counter() - t)
        del out
    print(f"version {zstandard.__version__}")
    print(f"compress {statistics.median(tc):.6f}")
    print(f"decompress {statistics.median(td):.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
