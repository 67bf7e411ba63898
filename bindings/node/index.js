'use strict';
// Node binding of zseg over its C ABI (include/zseg.h), through koffi. Nothing is
// reimplemented here: every byte of compression, decompression and bookkeeping is done by the
// C library; this file marshals arguments, owns handles and turns results into JS values.

const path = require('node:path');
const os = require('node:os');
const koffi = require('koffi');
const { markAsUntransferable } = require('node:worker_threads');

// ---------------------------------------------------------------------------------------------
// Loading the library

function defaultLibraryPath() {
  const name = process.platform === 'darwin' ? 'libzseg.dylib'
    : process.platform === 'win32' ? 'zseg.dll' : 'libzseg.so';
  return path.resolve(__dirname, '..', '..', 'target', 'release', name);
}

// A bare file name (`libzseg.so.0`) is left to the system's library search (LD_LIBRARY_PATH,
// ldconfig); anything with a directory in it is taken relative to the working directory.
function configuredLibraryPath(value) {
  return value.includes(path.sep) ? path.resolve(value) : value;
}

const libraryPath = process.env.ZSEG_LIB
  ? configuredLibraryPath(process.env.ZSEG_LIB) : defaultLibraryPath();

let lib;
try {
  lib = koffi.load(libraryPath);
} catch (e) {
  throw new Error(`zseg: cannot load the C library at ${libraryPath} ` +
    '(build it with `cargo build --release`, or point ZSEG_LIB at it): ' + e.message, { cause: e });
}

// Every pointer parameter is declared `void *`: koffi then passes a Buffer/TypedArray as the
// address of its bytes (no copy, also for async calls) and a BigInt as a raw address, and it
// never marshals structs element by element. Results are `uint32_t` (zseg_result).
const C = {};
for (const decl of [
  'const char *zseg_version(void)',
  'unsigned int zseg_zstd_version(void)',
  'const char *zseg_result_str(uint32_t code)',

  'uint32_t zseg_buffer_new_copy(const void *data, size_t size, const void *segments, size_t count, void *out, void *err)',
  'void zseg_buffer_free(void *buf)',
  'size_t zseg_buffer_size(const void *buf)',
  'size_t zseg_buffer_count(const void *buf)',
  'void *zseg_buffer_data(const void *buf)',
  'void *zseg_buffer_segments(const void *buf)',

  'uint32_t zseg_collection_new(const void *buffers, size_t n, void *out, void *err)',
  'void zseg_collection_free(void *c)',
  'size_t zseg_collection_count(const void *c)',
  'size_t zseg_collection_size(const void *c)',
  'size_t zseg_collection_buffer_count(const void *c)',
  'void *zseg_collection_buffer(const void *c, size_t b)',

  'uint32_t zseg_compressor_new(int level, void *out, void *err)',
  'uint32_t zseg_compressor_set_param(void *c, uint32_t param, int64_t value, void *err)',
  'uint32_t zseg_compressor_load_dictionary(void *c, const void *dict, size_t size, void *err)',
  'void zseg_compressor_free(void *c)',
  'size_t zseg_compressor_memory_size(const void *c)',
  'uint32_t zseg_compress_slices(const void *c, const void *items, size_t n, const void *opts, void *out, void *err)',
  'uint32_t zseg_compress_buffer(const void *c, const void *in, const void *opts, void *out, void *err)',
  'uint32_t zseg_compress_collection(const void *c, const void *in, const void *opts, void *out, void *err)',
  'uint32_t zseg_train_dictionary(const void *samples, void *dict, size_t capacity, void *dict_size, void *err)',

  'uint32_t zseg_decompressor_new(void *out, void *err)',
  'uint32_t zseg_decompressor_load_dictionary(void *d, const void *dict, size_t size, void *err)',
  'uint32_t zseg_decompressor_set_max_item_size(void *d, uint64_t max, void *err)',
  'uint32_t zseg_decompressor_set_max_total_size(void *d, uint64_t max, void *err)',
  'uint32_t zseg_decompressor_set_param(void *d, uint32_t param, int64_t value, void *err)',
  'void zseg_decompressor_free(void *d)',
  'size_t zseg_decompressor_memory_size(const void *d)',
  'uint32_t zseg_decompress_slices(const void *d, const void *frames, size_t n, const void *sizes, const void *opts, void *out, void *err)',
  'uint32_t zseg_decompress_buffer(const void *d, const void *in, const void *sizes, const void *opts, void *out, void *err)',
  'uint32_t zseg_decompress_collection(const void *d, const void *in, const void *sizes, const void *opts, void *out, void *err)',
  'uint32_t zseg_frame_content_size(const void *frame, size_t size, void *out, void *err)',

  'uint32_t zseg_seekable_write(const void *frames, const void *path, uint32_t flags, void *err)',
  'uint32_t zseg_seekable_open(const void *path, void *out, void *err)',
  'void zseg_seekable_free(void *s)',
  'void *zseg_seekable_frames(const void *s)',
  'void *zseg_seekable_sizes(const void *s)',
  'size_t zseg_seekable_count(const void *s)',
  'uint32_t zseg_seekable_get(const void *s, size_t i, void *frame, void *size, void *err)',
]) {
  const fn = lib.func(decl);
  C[/(zseg_\w+)\(/.exec(decl)[1]] = fn;
}

// ---------------------------------------------------------------------------------------------
// Constants and layouts

/** Result codes (zseg_result); the values are ABI. */
const Result = Object.freeze({
  OK: 0,
  ERR_NULL: 1,
  ERR_INVALID_ARGUMENT: 2,
  ERR_SEGMENT_BOUNDS: 3,
  ERR_INDEX: 4,
  ERR_ALLOC: 5,
  ERR_ZSTD: 6,
  ERR_NO_CONTENT_SIZE: 7,
  ERR_SIZE_MISMATCH: 8,
  ERR_LIMIT: 9,
  ERR_DICTIONARY: 10,
  ERR_DST_TOO_SMALL: 11,
  ERR_CANCELLED: 12,
  ERR_PARTIAL: 13,
  ERR_INTERNAL: 14,
  ERR_IO: 15,
});

const CParam = Object.freeze({
  checksum: 1, contentSize: 2, dictId: 3, windowLog: 4, strategy: 5, longDistance: 6, magicless: 7,
});
const DParam = Object.freeze({ windowLogMax: 1, magicless: 2 });

const BATCH_KEYS = ['threads', 'perItem', 'progress'];
const DECOMPRESS_BATCH_KEYS = [...BATCH_KEYS, 'sizes'];
const COMPRESSOR_KEYS = ['level', 'dictionary', ...Object.keys(CParam)];
const DECOMPRESSOR_KEYS = ['dictionary', 'maxItemSize', 'maxTotalSize', ...Object.keys(DParam)];

/** Rejects an options object with a key none of `known` names (a misspelt option, say). */
function checkKeys(options, known, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`unknown ${what} option '${key}' (known: ${known.join(', ')})`);
  }
}

const UINT64_MAX = 0xffffffffffffffffn;
/** In a `sizes` array: read this item's size from its frame header (`ZSEG_SIZE_UNKNOWN`). */
const SIZE_UNKNOWN = UINT64_MAX;
const TWO32 = 4294967296;
const LE = os.endianness() === 'LE';

// Layouts are taken from koffi's C layout rules rather than hard-coded.
const ErrorT = koffi.struct('zseg_error', {
  code: 'uint32_t', item: 'uint64_t', zstd_code: 'int64_t', message: koffi.array('char', 256),
});
const OptionsT = koffi.struct('zseg_batch_options', {
  size: 'size_t', threads: 'int32_t', item_results: 'void *', progress: 'void *', progress_ctx: 'void *',
});
const ERR_SIZE = koffi.sizeof(ErrorT);
const ERR_ITEM = koffi.offsetof(ErrorT, 'item');
const ERR_ZSTD = koffi.offsetof(ErrorT, 'zstd_code');
const ERR_MESSAGE = koffi.offsetof(ErrorT, 'message');
const OPTS_SIZE = koffi.sizeof(OptionsT);
const OPTS_SIZE_BYTES = koffi.sizeof('size_t'); // the first field, `size`
const OPTS_THREADS = koffi.offsetof(OptionsT, 'threads');
const OPTS_ITEM_RESULTS = koffi.offsetof(OptionsT, 'item_results');
const OPTS_PROGRESS = koffi.offsetof(OptionsT, 'progress');
const ProgressCb = koffi.proto('int zseg_progress_fn(uint64_t items_done, uint64_t items_total, void *ctx)');

// ---------------------------------------------------------------------------------------------
// Zero-copy views, or the copying fallback

// koffi.view(ptr, len) wraps foreign memory in an external ArrayBuffer without copying. Some
// runtimes (Electron with the V8 memory cage) forbid external ArrayBuffers, and koffi then
// throws: item() falls back to copying. ZSEG_NODE_COPY=1 forces the fallback (for tests).
function probeExternalBuffers() {
  if (process.env.ZSEG_NODE_COPY === '1') return false;
  try {
    const probe = Buffer.alloc(8);
    return koffi.view(koffi.address(probe), 8).byteLength === 8;
  } catch {
    return false;
  }
}
const zeroCopy = probeExternalBuffers();

// ---------------------------------------------------------------------------------------------
// Errors

const resultNames = new Map();
function resultName(code) {
  let name = resultNames.get(code);
  if (name === undefined) {
    name = C.zseg_result_str(code >>> 0);
    if (name === 'unknown result') name = `ZSEG_RESULT_${code}`;
    resultNames.set(code, name);
  }
  return name;
}

/** An error reported by the C library (or a misuse detected by the binding). */
class ZsegError extends Error {
  constructor(result, message, item = -1, zstdCode = 0) {
    const code = typeof result === 'number' ? resultName(result) : String(result);
    super(message || code);
    this.name = 'ZsegError';
    /** Name of the result code, e.g. "ZSEG_ERR_ZSTD". */
    this.code = code;
    /** Numeric result code (zseg_result), or -1 for an error detected by the binding. */
    this.result = typeof result === 'number' ? result : -1;
    /** Index of the failing item (or segment, or buffer); -1 if none. */
    this.item = item;
    /** zstd's ZSTD_ErrorCode, or 0. */
    this.zstdCode = zstdCode;
  }
}

function decodeError(result, errBuf) {
  const dv = new DataView(errBuf.buffer, errBuf.byteOffset, errBuf.byteLength);
  const item = dv.getBigUint64(ERR_ITEM, LE);
  const zstdCode = Number(dv.getBigInt64(ERR_ZSTD, LE));
  let end = errBuf.indexOf(0, ERR_MESSAGE);
  if (end < 0 || end > ERR_SIZE) end = ERR_SIZE;
  const detail = errBuf.toString('utf8', ERR_MESSAGE, end);
  const name = resultName(result);
  const message = detail ? `${name}: ${detail}` : name;
  return new ZsegError(result, message, item === UINT64_MAX ? -1 : Number(item), zstdCode);
}

function closedError(what) {
  return new ZsegError('ZSEG_ERR_CLOSED', `${what} is closed`);
}

// One error record for synchronous calls (JS runs them one at a time); async calls get their own.
const syncErr = Buffer.alloc(ERR_SIZE);
const syncOut = new BigUint64Array(1);

function check(result, errBuf) {
  if (result !== Result.OK) throw decodeError(result, errBuf);
}

// ---------------------------------------------------------------------------------------------
// Async calls: koffi's fn.async() runs the C call on a libuv threadpool thread.

// libuv's pool (UV_THREADPOOL_SIZE, default 4) also serves fs, dns.lookup, zlib and crypto:
// by default zseg keeps one thread free for them by running at most poolSize - 1 calls at once;
// the others wait in a FIFO here. koffi refuses calls past its own limit (max_async_calls, the
// call completing included), so no setting runs more than that limit - 1.
const koffiAsyncMax = Math.max(1, (koffi.config().max_async_calls || 256) - 1);
let asyncLimit = Math.max(1, (parseInt(process.env.UV_THREADPOOL_SIZE, 10) || 4) - 1);
let asyncRunning = 0;
const asyncQueue = [];
// Set when koffi refused a call: nothing more starts until one of ours completes (or, when
// none of ours runs, until a retry timer fires).
let koffiFull = false;
// pumpAsync is not reentrant: a call that fails as it starts completes at once, and its
// completion's pumpAsync() must not recurse through the whole queue.
let pumping = false;
const KOFFI_RETRY_MS = 5;

function setAsyncConcurrency(n) {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('async concurrency must be an integer >= 1');
  asyncLimit = n;
  pumpAsync();
}

function pumpAsync() {
  if (pumping) return; // the loop below sees the change
  pumping = true;
  try {
    const limit = Math.min(asyncLimit, koffiAsyncMax);
    while (!koffiFull && asyncRunning < limit && asyncQueue.length > 0) asyncQueue.shift()();
  } finally {
    pumping = false;
  }
}

// Runs fn.async(...args); `keep` holds every JS object whose memory the call reads or writes,
// so that it stays referenced (and so alive and in place) until the call has completed.
function callAsync(fn, args, keep) {
  return new Promise((resolve, reject) => {
    const start = () => {
      asyncRunning++;
      const done = (err, res) => {
        asyncRunning--;
        keep.length = 0;
        koffiFull = false;
        pumpAsync();
        if (err) reject(err); else resolve(res);
      };
      try {
        fn.async(...args, done);
      } catch (e) {
        // koffi is full after all (calls of other code through koffi count too): wait at the
        // head of the queue for one of ours to complete, or for a retry when none runs. Any
        // other error fails this call only.
        if (/Too many asynchronous calls/.test(e.message)) {
          asyncRunning--;
          koffiFull = true;
          asyncQueue.unshift(start);
          if (asyncRunning === 0) {
            setTimeout(() => {
              koffiFull = false;
              pumpAsync();
            }, KOFFI_RETRY_MS);
          }
          return;
        }
        done(e);
      }
    };
    asyncQueue.push(start);
    pumpAsync();
  });
}

// ---------------------------------------------------------------------------------------------
// Handles

// Safety net for handles never closed: frees the native handle once its wrapper (and every
// zero-copy view, which keeps the wrapper reachable) has been garbage collected.
const finalizer = new FinalizationRegistry((state) => {
  if (state.ptr !== null) {
    const p = state.ptr;
    state.ptr = null;
    state.free(p);
  }
});

// ArrayBuffer of a zero-copy view -> the wrapper whose handle keeps that memory alive.
const viewOwners = new WeakMap();

const INTERNAL = Symbol('zseg.internal');

class Handle {
  constructor(ptr, free, what) {
    this._state = { ptr, free };
    this._what = what;
    this._pins = 0;
    this._closing = false;
    finalizer.register(this, this._state, this);
  }

  /** True once close() has been called. */
  get closed() {
    return this._closing || this._state.ptr === null;
  }

  get _ptr() {
    if (this._closing || this._state.ptr === null) throw closedError(this._what);
    return this._state.ptr;
  }

  // A running async call pins the handles it uses: close() then waits for it to finish.
  _pin() {
    const p = this._ptr;
    this._pins++;
    return p;
  }

  _unpin() {
    if (--this._pins === 0 && this._closing) this._release();
  }

  _release() {
    const p = this._state.ptr;
    if (p === null) return;
    this._state.ptr = null;
    finalizer.unregister(this);
    this._state.free(p);
  }

  /** Releases the native handle (idempotent). Zero-copy views of its items become invalid. */
  close() {
    if (this._closing) return;
    this._closing = true;
    this._dropCaches();
    if (this._pins === 0) this._release();
  }

  _dropCaches() {}
}
if (typeof Symbol.dispose === 'symbol') {
  Handle.prototype[Symbol.dispose] = function dispose() { this.close(); };
}

// ---------------------------------------------------------------------------------------------
// Items: inputs to JS bytes, and arrays of zseg_slice

// Any bytes as a Uint8Array over the same memory (no copy), except strings (UTF-8 encoded).
function asBytes(x, what) {
  if (x instanceof Uint8Array) return x;
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return Buffer.from(x);
  if (x instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && x instanceof SharedArrayBuffer)) {
    return new Uint8Array(x);
  }
  throw new TypeError(`${what}: expected a Buffer, TypedArray, DataView, ArrayBuffer or string`);
}

// asBytes(), refusing a zero-copy view of a closed handle: its memory is freed.
function toBytes(x, what) {
  const bytes = asBytes(x, what);
  const owner = viewOwners.get(bytes.buffer);
  if (owner !== undefined && owner.closed) throw closedError(`${owner._what} of ${what}`);
  return bytes;
}

// Items as Uint8Arrays, and the handles whose memory the zero-copy views among them read
// (all open: a view of a closed one throws ZSEG_ERR_CLOSED).
function itemViews(items) {
  const views = new Array(items.length);
  for (let i = 0; i < items.length; i++) views[i] = asBytes(items[i], `item ${i}`);
  const owners = viewHandles(views);
  for (const h of owners) if (h.closed) throw closedError(`${h._what} of an item view`);
  return { views, owners };
}

// An async call reads its inputs on other threads after it returns: their memory must stay where
// it is until the call settles. A transfer (postMessage or structuredClone with a transfer list,
// ArrayBuffer.prototype.transfer, a BYOB stream read) would detach and free an ArrayBuffer under
// the call, and a resizable one may shrink. So each input ArrayBuffer is marked untransferable
// (a transfer list then clones it, or throws on newer Node, and transfer() refuses it), and a view
// of a resizable ArrayBuffer is replaced by a copy. SharedArrayBuffers are never detached and
// never shrink.
function keepInPlace(views) {
  let lastAb = null;
  for (let i = 0; i < views.length; i++) {
    const ab = views[i].buffer;
    if (ab === lastAb || !(ab instanceof ArrayBuffer)) continue;
    if (ab.resizable) {
      views[i] = new Uint8Array(views[i]); // a copy, over a new fixed-length ArrayBuffer
    } else {
      markAsUntransferable(ab);
      lastAb = ab;
    }
  }
}

function writeU64(u32, j, v) {
  if (LE) { u32[j] = v >>> 0; u32[j + 1] = (v / TWO32) >>> 0; } else { u32[j + 1] = v >>> 0; u32[j] = (v / TWO32) >>> 0; }
}

function readU64(u32, j) {
  return LE ? u32[j] + u32[j + 1] * TWO32 : u32[j + 1] + u32[j] * TWO32;
}

// An array of n zseg_slice {const uint8_t *ptr; size_t len} pointing straight at the views'
// bytes (no copy of the data). Getting the address of `view.buffer` also moves a small
// on-heap typed array's bytes off the V8 heap, where they never move again. One koffi.address()
// per distinct ArrayBuffer: items sliced from one Buffer (or from Node's shared pool) share it.
function buildSlices(views) {
  const n = views.length;
  if (n === 0) return null;
  const u32 = new Uint32Array(n * 4);
  let lastAb = null;
  let base = 0;
  for (let i = 0; i < n; i++) {
    const v = views[i];
    const len = v.byteLength;
    if (len === 0) continue; // {NULL, 0}: the array starts zeroed
    const ab = v.buffer;
    if (ab !== lastAb) {
      lastAb = ab;
      const addr = baseAddress(ab);
      if (addr > BigInt(Number.MAX_SAFE_INTEGER - 2 * TWO32)) return buildSlicesBig(views);
      base = Number(addr);
    }
    const j = i * 4;
    writeU64(u32, j, base + v.byteOffset);
    writeU64(u32, j + 2, len);
  }
  return u32;
}

// Address of the first byte of an ArrayBuffer or SharedArrayBuffer (koffi takes the latter
// only through a view).
function baseAddress(ab) {
  return koffi.address(ab instanceof ArrayBuffer ? ab : new Uint8Array(ab));
}

// Same, with BigInt arithmetic, for address spaces beyond 2^53 (tagged pointers).
function buildSlicesBig(views) {
  const u64 = new BigUint64Array(views.length * 2);
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    if (v.byteLength === 0) continue;
    u64[2 * i] = baseAddress(v.buffer) + BigInt(v.byteOffset);
    u64[2 * i + 1] = BigInt(v.byteLength);
  }
  return u64;
}

// Options without per-item results depend on `threads` only: those of synchronous calls are
// made once and reused (the C library only reads them during the call).
const syncOptions = new Map();

function batchOptions(threads, itemResults, isAsync, withProgress) {
  const reuse = !isAsync && !itemResults && !withProgress;
  if (reuse) {
    const cached = syncOptions.get(threads);
    if (cached) return cached;
  }
  // The defaults are zeros and `size`, set here rather than by zseg_batch_options_init, which
  // writes the library's own size: a newer library's struct may be larger than this buffer.
  const opts = Buffer.alloc(OPTS_SIZE);
  const dv = new DataView(opts.buffer, opts.byteOffset, opts.byteLength);
  if (OPTS_SIZE_BYTES === 8) dv.setBigUint64(0, BigInt(OPTS_SIZE), LE);
  else dv.setUint32(0, OPTS_SIZE, LE);
  dv.setInt32(OPTS_THREADS, threads, LE);
  if (itemResults) dv.setBigUint64(OPTS_ITEM_RESULTS, koffi.address(itemResults), LE);
  if (reuse && syncOptions.size < 64) syncOptions.set(threads, opts);
  return opts;
}

function checkThreads(threads) {
  if (threads === undefined || threads === null) return 0;
  if (!Number.isInteger(threads)) {
    throw new TypeError('threads must be an integer (0 or 1: calling thread; N > 1: up to N workers; < 0: all CPUs)');
  }
  if (threads < -2147483648 || threads > 2147483647) {
    throw new RangeError('threads must fit in 32 bits (0 or 1: calling thread; N > 1: up to N workers; < 0: all CPUs)');
  }
  return threads;
}

function toU64(v, what) {
  if (typeof v === 'bigint') {
    if (v < 0n || v > UINT64_MAX) throw new RangeError(`${what} out of range`);
    return v;
  }
  if (v === Infinity) return UINT64_MAX;
  if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`${what} must be a non-negative integer, a bigint or Infinity`);
  return BigInt(v);
}

function toInt64(v, what) {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${what} must fit in 64 bits`);
    return v;
  }
  if (Number.isSafeInteger(v)) return v;
  throw new TypeError(`${what} must be an integer or a boolean`);
}

function fromSize(v) {
  // size_t results come back as numbers (or bigints past 2^53).
  return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Buffers and collections: items by global index

// Per native zseg_buffer: its global first index, count, data pointer and a JS copy of its
// segments (16 bytes an item, copied once so that lookups never touch native memory).
class ItemSource extends Handle {
  _bufferPtrs() { throw new Error('abstract'); }

  _index() {
    if (this._bufs) return this._bufs;
    this._ptr; // throws when closed
    const bufs = [];
    let first = 0;
    for (const bp of this._bufferPtrs()) {
      const count = fromSize(C.zseg_buffer_count(bp));
      const size = fromSize(C.zseg_buffer_size(bp));
      const segPtr = count > 0 ? C.zseg_buffer_segments(bp) : null;
      const segs = count > 0 ? new Uint32Array(koffi.decode(segPtr, 'uint8_t', count * 16).buffer) : new Uint32Array(0);
      bufs.push({ first, count, size, bp, data: size > 0 ? C.zseg_buffer_data(bp) : null, segs, ab: null });
      first += count;
    }
    this._bufs = bufs;
    return bufs;
  }

  _dropCaches() {
    this._bufs = null;
    this._length = undefined;
    this._size = undefined;
  }

  _locate(i) {
    if (!Number.isInteger(i)) throw new TypeError(`item index must be an integer, got ${typeof i} ${String(i)}`);
    if (i < 0 || i >= this.length) {
      throw new ZsegError(Result.ERR_INDEX, `ZSEG_ERR_INDEX: item ${i} out of range (length ${this.length})`, i);
    }
    const bufs = this._index();
    let lo = 0;
    let hi = bufs.length - 1;
    while (lo < hi) { // last buffer with first <= i and count > 0
      const mid = (lo + hi + 1) >> 1;
      if (bufs[mid].first <= i) lo = mid; else hi = mid - 1;
    }
    while (bufs[lo].count === 0 || i >= bufs[lo].first + bufs[lo].count) lo++;
    const b = bufs[lo];
    const j = (i - b.first) * 4;
    return { b, offset: readU64(b.segs, j), length: readU64(b.segs, j + 2) };
  }

  /** Number of items (throws once closed). */
  get length() {
    if (this._length === undefined || this._closing) this._length = this._count();
    return this._length;
  }

  /** Total bytes of all items. */
  get size() {
    if (this._size === undefined || this._closing) this._size = this._bytes();
    return this._size;
  }

  /**
   * Item i. Zero-copy (a Buffer over the library's memory) when `zeroCopy` is true: valid only
   * until close(), and never to be written. Otherwise (copying fallback) a fresh copy.
   */
  item(i) {
    const { b, offset, length } = this._locate(i);
    if (length === 0) return Buffer.alloc(0);
    if (!zeroCopy) return copyOut(b.data, offset, length);
    return Buffer.from(this._view(b), offset, length);
  }

  // One external ArrayBuffer over each native buffer's data, made on first use.
  _view(b) {
    if (b.ab === null) {
      b.ab = koffi.view(b.data, b.size);
      viewOwners.set(b.ab, this); // a live view keeps this wrapper (and so its handle) alive
    }
    return b.ab;
  }

  /** A copy of item i, in JS memory: valid after close(). */
  copyItem(i) {
    const { b, offset, length } = this._locate(i);
    if (length === 0) return Buffer.alloc(0);
    if (b.ab === null) return copyOut(b.data, offset, length);
    return Buffer.from(new Uint8Array(b.ab, offset, length)); // copies, from the existing view
  }

  /** All items, as views (item()) or, with {copy: true}, as copies (copyItem()). */
  toArray(options = {}) {
    checkKeys(options, ['copy'], 'toArray');
    const n = this.length;
    const out = new Array(n);
    if (options.copy) for (let i = 0; i < n; i++) out[i] = this.copyItem(i);
    else for (let i = 0; i < n; i++) out[i] = this.item(i);
    return out;
  }

  * [Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield this.item(i);
  }
}

function copyOut(dataPtr, offset, length) {
  const u8 = koffi.decode(dataPtr + BigInt(offset), 'uint8_t', length);
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Immutable bytes plus segments (one native zseg_buffer, which owns a copy of the data). */
class ZsegBuffer extends ItemSource {
  constructor(token, ptr) {
    if (token !== INTERNAL) throw new TypeError('use ZsegBuffer.from(items) or ZsegBuffer.fromPacked(data, segments)');
    super(ptr, C.zseg_buffer_free, 'ZsegBuffer');
  }

  /** Packs items into one buffer with one segment per item. */
  static from(items) {
    if (!Array.isArray(items)) throw new TypeError('ZsegBuffer.from expects an array of items');
    const { views } = itemViews(items);
    let total = 0;
    for (const v of views) total += v.byteLength;
    const data = Buffer.allocUnsafe(total);
    const segs = new Uint32Array(views.length * 4);
    let off = 0;
    for (let i = 0; i < views.length; i++) {
      const v = views[i];
      data.set(v, off);
      writeU64(segs, i * 4, off);
      writeU64(segs, i * 4 + 2, v.byteLength);
      off += v.byteLength;
    }
    return newBuffer(data, segs, views.length);
  }

  /**
   * A buffer over `data` (copied) with `segments`: an array of [offset, length] pairs, or the
   * 16-byte native-endian records of python-zstandard / zseg_segment (a BigUint64Array of
   * 2 * count entries, or any bytes of a multiple of 16).
   */
  static fromPacked(data, segments) {
    const bytes = toBytes(data, 'data');
    let segs;
    let count;
    if (Array.isArray(segments)) {
      count = segments.length;
      const u64 = new BigUint64Array(count * 2);
      for (let i = 0; i < count; i++) {
        const s = segments[i];
        if (!s || s.length !== 2) throw new TypeError(`segment ${i}: expected [offset, length]`);
        u64[2 * i] = toU64(s[0], `segment ${i} offset`);
        u64[2 * i + 1] = toU64(s[1], `segment ${i} length`);
      }
      segs = u64;
    } else if (ArrayBuffer.isView(segments)) {
      if (segments.byteLength % 16 !== 0) throw new TypeError('segments: byte length must be a multiple of 16');
      count = segments.byteLength / 16;
      segs = toBytes(segments, 'segments');
      if (segs.byteOffset % 8 !== 0) {
        // C reads uint64_t records: hand it an aligned copy (ArrayBuffers themselves are).
        const aligned = new BigUint64Array(count * 2);
        new Uint8Array(aligned.buffer).set(segs);
        segs = aligned;
      }
    } else {
      throw new TypeError('segments must be an array of [offset, length] pairs or 16-byte records');
    }
    return newBuffer(bytes, segs, count);
  }

  _count() { return fromSize(C.zseg_buffer_count(this._ptr)); }
  _bytes() { return fromSize(C.zseg_buffer_size(this._ptr)); }
  _bufferPtrs() { return [this._ptr]; }
}

function newBuffer(bytes, segs, count) {
  const out = new BigUint64Array(1);
  const r = C.zseg_buffer_new_copy(bytes.byteLength ? bytes : null, bytes.byteLength, count ? segs : null, count, out, syncErr);
  check(r, syncErr);
  return new ZsegBuffer(INTERNAL, out[0]);
}

/** Buffers in order (one native zseg_collection); global item i counts through them. */
class Collection extends ItemSource {
  constructor(token, ptr) {
    if (token !== INTERNAL) throw new TypeError('use Collection.from(buffers) or a batch call');
    super(ptr, C.zseg_collection_free, 'Collection');
    /** Per-item mode only: each item's result code (0 = ok). Null otherwise. */
    this.itemResults = null;
  }

  /**
   * A collection sharing (not copying) the buffers of ZsegBuffers and Collections, in order.
   * The sources may be closed afterwards: the collection keeps their memory alive.
   */
  static from(sources) {
    if (!Array.isArray(sources)) throw new TypeError('Collection.from expects an array of ZsegBuffer or Collection');
    const ptrs = [];
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      if (s instanceof ZsegBuffer) ptrs.push(s._ptr);
      else if (s instanceof Collection) for (const bp of s._bufferPtrs()) ptrs.push(bp);
      else throw new TypeError(`source ${i}: expected a ZsegBuffer or a Collection`);
    }
    const arr = new BigUint64Array(ptrs);
    const out = new BigUint64Array(1);
    check(C.zseg_collection_new(ptrs.length ? arr : null, ptrs.length, out, syncErr), syncErr);
    return new Collection(INTERNAL, out[0]);
  }

  /** Number of native buffers. */
  get bufferCount() { return fromSize(C.zseg_collection_buffer_count(this._ptr)); }

  /** Per-item mode only: the failed items' errors (in item order). */
  get errors() {
    const out = [];
    if (!this.itemResults) return out;
    for (let i = 0; i < this.itemResults.length; i++) {
      const r = this.itemResults[i];
      if (r !== Result.OK) out.push(new ZsegError(r, `${resultName(r)}: item ${i} failed`, i, 0));
    }
    return out;
  }

  /** Per-item mode only: whether item i succeeded (true outside per-item mode). */
  ok(i) {
    return !this.itemResults || this.itemResults[i] === Result.OK;
  }

  _count() { return fromSize(C.zseg_collection_count(this._ptr)); }
  _bytes() { return fromSize(C.zseg_collection_size(this._ptr)); }
  _bufferPtrs() {
    const c = this._ptr;
    const n = fromSize(C.zseg_collection_buffer_count(c));
    const out = new Array(n);
    for (let b = 0; b < n; b++) out[b] = C.zseg_collection_buffer(c, b);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Batch calls (shared by compression and decompression)

// The handles whose memory the zero-copy views among `views` read, each once (an async call
// pins them like its own input handle).
function viewHandles(views) {
  const owners = new Set();
  let lastAb = null;
  for (const v of views) {
    if (v.buffer === lastAb) continue;
    lastAb = v.buffer;
    const h = viewOwners.get(lastAb);
    if (h !== undefined) owners.add(h);
  }
  return [...owners];
}

// Classifies the input: a JS array (-> *_slices), a ZsegBuffer (-> *_buffer) or a Collection
// (-> *_collection). Returns what the call needs and what it must keep alive.
function prepareInput(input, what, isAsync) {
  if (Array.isArray(input)) {
    const { views, owners } = itemViews(input);
    if (isAsync) keepInPlace(views);
    return { kind: 'slices', n: views.length, slices: buildSlices(views), views, owners, handle: null };
  }
  if (input instanceof ZsegBuffer) return { kind: 'buffer', n: input.length, handle: input };
  if (input instanceof Collection) return { kind: 'collection', n: input.length, handle: input };
  throw new TypeError(`${what} must be an array of Buffers, a ZsegBuffer or a Collection`);
}

function prepareBatch(input, options, what, isAsync) {
  checkKeys(options, what === 'frames' ? DECOMPRESS_BATCH_KEYS : BATCH_KEYS, 'batch');
  const inp = prepareInput(input, what, isAsync);
  const threads = checkThreads(options.threads);
  const itemResults = options.perItem ? new Uint32Array(Math.max(inp.n, 1)) : null;
  const progressFn = options.progress ?? null;
  if (progressFn !== null && typeof progressFn !== 'function') {
    throw new TypeError('progress must be a function (done, total) => boolean');
  }
  const opts = batchOptions(threads, itemResults, isAsync, progressFn !== null);
  return { inp, opts, itemResults, progressFn };
}

// Registers the progress option `fn` ((done, total) => false to cancel; nothing for null) with
// koffi for one call and points the call's options at it. The C library calls it on the
// calling thread: the main thread for sync calls, a libuv thread for async ones, from which
// koffi relays it to the main thread. An exception in it cancels the batch and is thrown again
// by settleProgress once the call has returned.
function progressOf(fn, opts) {
  if (fn === null) return null;
  const state = { callback: null, thrown: false, error: undefined };
  state.callback = koffi.register((done, total) => {
    if (state.thrown) return 1;
    try {
      return fn(fromSize(done), fromSize(total)) === false ? 1 : 0;
    } catch (e) {
      state.thrown = true;
      state.error = e;
      return 1;
    }
  }, koffi.pointer(ProgressCb));
  new DataView(opts.buffer, opts.byteOffset, opts.byteLength)
    .setBigUint64(OPTS_PROGRESS, koffi.address(state.callback), LE);
  return state;
}

// Unregisters a call's progress function and throws what it threw, if anything.
function settleProgress(progress) {
  if (!progress || progress.callback === null) return;
  koffi.unregister(progress.callback);
  progress.callback = null;
  if (progress.thrown) throw progress.error;
}

function finishBatch(result, out, errBuf, itemResults, n, progress) {
  settleProgress(progress); // a throwing progress function cancelled the batch: no output
  if (result === Result.OK || (itemResults && result === Result.ERR_PARTIAL)) {
    const coll = new Collection(INTERNAL, out[0]);
    if (itemResults) coll.itemResults = itemResults.subarray(0, n);
    return coll;
  }
  throw decodeError(result, errBuf);
}

// Runs a batch call synchronously or asynchronously. `makeArgs` builds the argument list;
// `fns` maps the input kind to the C function.
function runBatch(owner, prep, fns, makeArgs, isAsync) {
  const { inp, opts, itemResults, progressFn } = prep;
  const fn = fns[inp.kind];
  if (!isAsync) {
    const out = syncOut;
    let r;
    let progress = null;
    try {
      progress = progressOf(progressFn, opts);
      const ptr = owner._ptr;
      const inPtr = inp.kind === 'slices' ? inp.slices : inp.handle._ptr;
      r = fn(...makeArgs(inp.kind === 'slices', ptr, inPtr, inp.n, opts, out, syncErr));
    } catch (e) {
      settleProgress(progress);
      throw e;
    }
    return finishBatch(r, out, syncErr, itemResults, inp.n, progress);
  }
  const out = new BigUint64Array(1);
  const errBuf = Buffer.alloc(ERR_SIZE);
  // Every handle the call reads is pinned: close() waits for the call.
  const pinned = [];
  let ptr;
  let inPtr;
  try {
    ptr = owner._pin();
    pinned.push(owner);
    if (inp.handle) {
      inPtr = inp.handle._pin();
      pinned.push(inp.handle);
    } else {
      inPtr = inp.slices;
    }
    for (const h of inp.owners || []) {
      h._pin();
      pinned.push(h);
    }
  } catch (e) {
    for (const h of pinned) h._unpin();
    return Promise.reject(e);
  }
  const progress = progressOf(progressFn, opts);
  // Everything the worker thread reads or writes stays referenced until the call completes.
  const keep = [owner, inp, opts, itemResults, out, errBuf, prep];
  return callAsync(fn, makeArgs(inp.kind === 'slices', ptr, inPtr, inp.n, opts, out, errBuf), keep).finally(() => {
    for (const h of pinned) h._unpin();
  }).then((r) => finishBatch(r, out, errBuf, itemResults, inp.n, progress),
    (e) => { settleProgress(progress); throw e; });
}

// ---------------------------------------------------------------------------------------------
// Compression

const compressFns = { slices: C.zseg_compress_slices, buffer: C.zseg_compress_buffer, collection: C.zseg_compress_collection };

class Compressor extends Handle {
  /**
   * @param {object} [options] level (0 = zstd's default 3; negative levels allowed),
   *   dictionary, checksum, contentSize, dictId, windowLog, strategy, longDistance, magicless
   */
  constructor(options = {}) {
    checkKeys(options, COMPRESSOR_KEYS, 'Compressor');
    const level = options.level === undefined || options.level === null ? 3 : options.level;
    if (!Number.isInteger(level)) throw new TypeError('level must be an integer');
    if (level < -2147483648 || level > 2147483647) throw new RangeError(`level ${level} is out of range`);
    const out = new BigUint64Array(1);
    check(C.zseg_compressor_new(level, out, syncErr), syncErr);
    super(out[0], C.zseg_compressor_free, 'Compressor');
    try {
      for (const name of Object.keys(CParam)) {
        if (options[name] !== undefined && options[name] !== null) this.setParam(name, options[name]);
      }
      if (options.dictionary) this.loadDictionary(options.dictionary);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Sets a parameter by name (see CParam) or number. Not while async calls run. */
  setParam(param, value) {
    const code = typeof param === 'number' ? param : CParam[param];
    if (code === undefined) throw new TypeError(`unknown compression parameter ${param}`);
    this._exclusive();
    check(C.zseg_compressor_set_param(this._ptr, code, toInt64(value, String(param)), syncErr), syncErr);
  }

  /** Loads a dictionary (raw content or zstd format); an empty one removes it. */
  loadDictionary(dict) {
    const d = toBytes(dict, 'dictionary');
    this._exclusive();
    check(C.zseg_compressor_load_dictionary(this._ptr, d.byteLength ? d : null, d.byteLength, syncErr), syncErr);
  }

  /** Bytes held now (contexts and dictionary). */
  get memorySize() { return fromSize(C.zseg_compressor_memory_size(this._ptr)); }

  /** Compresses each item into one zstd frame: item i of the result is frame i. */
  compress(items, options = {}) {
    return runBatch(this, prepareBatch(items, options, 'items', false), compressFns, compressArgs, false);
  }

  /** As compress(), off the main thread. */
  compressAsync(items, options = {}) {
    let prep;
    try { prep = prepareBatch(items, options, 'items', true); } catch (e) { return Promise.reject(e); }
    return runBatch(this, prep, compressFns, compressArgs, true);
  }

  _exclusive() {
    if (this._pins > 0) throw new ZsegError('ZSEG_ERR_BUSY', 'Compressor is in use by an async call: parameters cannot change now');
  }
}

function compressArgs(isSlices, ptr, inPtr, n, opts, out, err) {
  return isSlices ? [ptr, inPtr, n, opts, out, err] : [ptr, inPtr, opts, out, err];
}

// ---------------------------------------------------------------------------------------------
// Decompression

const decompressFns = { slices: C.zseg_decompress_slices, buffer: C.zseg_decompress_buffer, collection: C.zseg_decompress_collection };

class Decompressor extends Handle {
  /**
   * @param {object} [options] dictionary, maxItemSize (default 1 GiB), maxTotalSize (default
   *   none), windowLogMax, magicless
   */
  constructor(options = {}) {
    checkKeys(options, DECOMPRESSOR_KEYS, 'Decompressor');
    const out = new BigUint64Array(1);
    check(C.zseg_decompressor_new(out, syncErr), syncErr);
    super(out[0], C.zseg_decompressor_free, 'Decompressor');
    try {
      if (options.maxItemSize !== undefined && options.maxItemSize !== null) this.setMaxItemSize(options.maxItemSize);
      if (options.maxTotalSize !== undefined && options.maxTotalSize !== null) this.setMaxTotalSize(options.maxTotalSize);
      for (const name of Object.keys(DParam)) {
        if (options[name] !== undefined && options[name] !== null) this.setParam(name, options[name]);
      }
      if (options.dictionary) this.loadDictionary(options.dictionary);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  setMaxItemSize(max) {
    this._exclusive();
    check(C.zseg_decompressor_set_max_item_size(this._ptr, toU64(max, 'maxItemSize'), syncErr), syncErr);
  }

  setMaxTotalSize(max) {
    this._exclusive();
    check(C.zseg_decompressor_set_max_total_size(this._ptr, toU64(max, 'maxTotalSize'), syncErr), syncErr);
  }

  setParam(param, value) {
    const code = typeof param === 'number' ? param : DParam[param];
    if (code === undefined) throw new TypeError(`unknown decompression parameter ${param}`);
    this._exclusive();
    check(C.zseg_decompressor_set_param(this._ptr, code, toInt64(value, String(param)), syncErr), syncErr);
  }

  loadDictionary(dict) {
    const d = toBytes(dict, 'dictionary');
    this._exclusive();
    check(C.zseg_decompressor_load_dictionary(this._ptr, d.byteLength ? d : null, d.byteLength, syncErr), syncErr);
  }

  get memorySize() { return fromSize(C.zseg_decompressor_memory_size(this._ptr)); }

  /** Decompresses each frame (exactly one zstd frame per item): item i is the content of frame i. */
  decompress(frames, options = {}) {
    const prep = prepareDecompress(frames, options, false);
    return runBatch(this, prep, decompressFns, decompressArgs(prep.sizes), false);
  }

  /** As decompress(), off the main thread. */
  decompressAsync(frames, options = {}) {
    let prep;
    try { prep = prepareDecompress(frames, options, true); } catch (e) { return Promise.reject(e); }
    return runBatch(this, prep, decompressFns, decompressArgs(prep.sizes), true);
  }

  _exclusive() {
    if (this._pins > 0) throw new ZsegError('ZSEG_ERR_BUSY', 'Decompressor is in use by an async call: settings cannot change now');
  }
}

function prepareDecompress(frames, options, isAsync) {
  const prep = prepareBatch(frames, options, 'frames', isAsync);
  const sizes = buildSizes(options.sizes, prep.inp.n);
  // The caller's own BigUint64Array is passed as is to a sync call, copied for an async one.
  prep.sizes = isAsync && sizes === options.sizes ? sizes.slice() : sizes;
  return prep;
}

// sizes: null/undefined, or n entries (number, bigint, or null/undefined/SIZE_UNKNOWN for "read
// the frame header"), or a BigUint64Array of n.
function buildSizes(sizes, n) {
  if (sizes === undefined || sizes === null) return null;
  if (sizes.length !== n) throw new RangeError(`sizes has ${sizes.length} entries for ${n} frames`);
  if (n === 0) return null;
  if (sizes instanceof BigUint64Array) return sizes;
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    out[i] = s === undefined || s === null ? SIZE_UNKNOWN : toU64(s, `sizes[${i}]`);
  }
  return out;
}

function decompressArgs(sizes) {
  return (isSlices, ptr, inPtr, n, opts, out, err) => (isSlices
    ? [ptr, inPtr, n, sizes, opts, out, err]
    : [ptr, inPtr, sizes, opts, out, err]);
}

// ---------------------------------------------------------------------------------------------
// One-shot helpers

/** Splits a one-shot call's options into the handle's and the batch's. */
function splitOptions(options, handleKeys, batchKeys) {
  checkKeys(options, [...handleKeys, ...batchKeys], 'batch');
  const handle = {};
  const batch = {};
  for (const [key, value] of Object.entries(options)) (batchKeys.includes(key) ? batch : handle)[key] = value;
  return [handle, batch];
}

const COMPRESS_KEYS = [COMPRESSOR_KEYS, BATCH_KEYS];
const DECOMPRESS_KEYS = [DECOMPRESSOR_KEYS, DECOMPRESS_BATCH_KEYS];

/** Runs `call(handle, batchOptions)` on a one-off handle of class `Kind` made from the rest of
 * `options`, closed when the call returns. */
function oneShot(Kind, [handleKeys, batchKeys], options, call) {
  const [handle, batch] = splitOptions(options, handleKeys, batchKeys);
  const h = new Kind(handle);
  try {
    return call(h, batch);
  } finally {
    h.close();
  }
}

/** As oneShot() for an async `call`: errors become a rejected promise, and closing the handle
 * is deferred until the call completes (the call pins it). */
function oneShotAsync(Kind, keys, options, call) {
  try {
    return oneShot(Kind, keys, options, call);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Compresses a batch with a one-off Compressor (see Compressor for the options). */
function compressBatch(items, options = {}) {
  return oneShot(Compressor, COMPRESS_KEYS, options, (c, batch) => c.compress(items, batch));
}

/** As compressBatch(), off the main thread. */
function compressBatchAsync(items, options = {}) {
  return oneShotAsync(Compressor, COMPRESS_KEYS, options, (c, batch) => c.compressAsync(items, batch));
}

/** Decompresses a batch with a one-off Decompressor (see Decompressor for the options). */
function decompressBatch(frames, options = {}) {
  return oneShot(Decompressor, DECOMPRESS_KEYS, options, (d, batch) => d.decompress(frames, batch));
}

/** As decompressBatch(), off the main thread. */
function decompressBatchAsync(frames, options = {}) {
  return oneShotAsync(Decompressor, DECOMPRESS_KEYS, options, (d, batch) => d.decompressAsync(frames, batch));
}

const DEFAULT_DICT_CAPACITY = 112640; // zstd's default (110 KiB)

function prepareTrain(samples, capacity) {
  if (!Number.isSafeInteger(capacity) || capacity < 0) throw new TypeError('capacity must be a non-negative integer');
  let buf;
  let owned = false;
  if (samples instanceof ZsegBuffer) buf = samples;
  else if (Array.isArray(samples)) { buf = ZsegBuffer.from(samples); owned = true; } else throw new TypeError('samples must be an array of Buffers or a ZsegBuffer');
  return { buf, owned, dict: Buffer.allocUnsafe(Math.max(capacity, 1)), dictSize: new BigUint64Array(1) };
}

function finishTrain(r, t, errBuf) {
  if (t.owned) t.buf.close();
  check(r, errBuf);
  return Buffer.from(t.dict.subarray(0, Number(t.dictSize[0]))); // exact-size copy
}

/** Trains a zstd-format dictionary on the samples (one sample per item). Returns a Buffer. */
function trainDictionary(samples, capacity = DEFAULT_DICT_CAPACITY) {
  const t = prepareTrain(samples, capacity);
  let r;
  try {
    r = C.zseg_train_dictionary(t.buf._ptr, t.dict, capacity, t.dictSize, syncErr);
  } catch (e) {
    if (t.owned) t.buf.close();
    throw e;
  }
  return finishTrain(r, t, syncErr);
}

/** As trainDictionary(), off the main thread (training can take seconds). */
function trainDictionaryAsync(samples, capacity = DEFAULT_DICT_CAPACITY) {
  let t;
  let ptr;
  try {
    t = prepareTrain(samples, capacity);
    ptr = t.buf._pin();
  } catch (e) {
    if (t && t.owned) t.buf.close();
    return Promise.reject(e);
  }
  const errBuf = Buffer.alloc(ERR_SIZE);
  return callAsync(C.zseg_train_dictionary, [ptr, t.dict, capacity, t.dictSize, errBuf], [t, errBuf])
    .finally(() => t.buf._unpin())
    .then((r) => finishTrain(r, t, errBuf));
}

/** The decompressed size recorded in a frame header (a number, or a bigint past 2^53). */
function frameContentSize(frame) {
  const f = toBytes(frame, 'frame');
  const out = new BigUint64Array(1);
  check(C.zseg_frame_content_size(f.byteLength ? f : null, f.byteLength, out, syncErr), syncErr);
  return fromSize(out[0]);
}

// ---------------------------------------------------------------------------------------------
// Seekable files

const SEEKABLE_CHECKSUMS = 1; // ZSEG_SEEKABLE_CHECKSUMS

// A path (a string, UTF-8 encoded, or its bytes) as a NUL-terminated copy; a NUL inside it,
// which C would take for its end, is refused.
function cPath(p) {
  const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : toBytes(p, 'path');
  if (bytes.includes(0)) throw new ZsegError(Result.ERR_INVALID_ARGUMENT, 'ZSEG_ERR_INVALID_ARGUMENT: the path holds a NUL byte');
  const out = Buffer.alloc(bytes.byteLength + 1);
  out.set(bytes);
  return out;
}

/**
 * Writes `frames` (a Collection of complete zstd frames with content sizes, as compress()
 * returns) to `path` as one zstd seekable-format file, atomically (a temporary file beside it,
 * synced, then renamed). `options.checksums` stores each frame's checksum in the seek table.
 */
function writeSeekable(frames, path, options = {}) {
  checkKeys(options, ['checksums'], 'writeSeekable');
  if (!(frames instanceof Collection)) throw new TypeError('writeSeekable expects a Collection of frames');
  const flags = options.checksums ? SEEKABLE_CHECKSUMS : 0;
  check(C.zseg_seekable_write(frames._ptr, cPath(path), flags, syncErr), syncErr);
}

/**
 * A zstd seekable-format file opened read-only (memory-mapped, its seek table checked): item i
 * is frame i. The file must not be written to or truncated while the Seekable, or a Collection
 * from its frames(), is open: the mapping lives as long as either, and reading a truncated
 * mapping kills the process (SIGBUS). Replacing it with writeSeekable (a rename) is safe.
 */
class Seekable extends Handle {
  constructor(token, ptr) {
    if (token !== INTERNAL) throw new TypeError('use Seekable.open(path)');
    super(ptr, C.zseg_seekable_free, 'Seekable');
  }

  /** Opens the seekable-format file at `path` (a string or its bytes). */
  static open(path) {
    const out = new BigUint64Array(1);
    check(C.zseg_seekable_open(cPath(path), out, syncErr), syncErr);
    return new Seekable(INTERNAL, out[0]);
  }

  /** Number of items (frames). */
  get length() { return fromSize(C.zseg_seekable_count(this._ptr)); }

  /** Every item's decompressed size, from the seek table (numbers). */
  sizes() {
    const n = this.length;
    if (n === 0) return [];
    const p = C.zseg_seekable_sizes(this._ptr);
    if (!p) throw new ZsegError(Result.ERR_ALLOC, 'ZSEG_ERR_ALLOC: no memory for the seek table index');
    const u8 = koffi.decode(p, 'uint8_t', n * 8);
    return Array.from(new BigUint64Array(u8.buffer, u8.byteOffset, n), Number);
  }

  /** A copy of frame i (the compressed item) and its decompressed size from the seek table. */
  frame(i) {
    const { slice, size } = this._get(i);
    const length = Number(slice[1]);
    return { frame: length ? copyOut(slice[0], 0, length) : Buffer.alloc(0), size: Number(size[0]) };
  }

  /** Item i, decompressed with `decompressor` (its limits apply), as a copy in JS memory. */
  readItem(decompressor, i) {
    if (!(decompressor instanceof Decompressor)) throw new TypeError('readItem expects a Decompressor');
    const { slice, size } = this._get(i);
    const out = new BigUint64Array(1);
    const r = C.zseg_decompress_slices(decompressor._ptr, slice, 1, size, null, out, syncErr);
    if (r !== Result.OK) { // the batch's item 0 is the file's item i
      const e = decodeError(r, syncErr);
      if (e.item === 0) {
        e.item = i;
        e.message = e.message.replace('item 0:', `item ${i}:`);
      }
      throw e;
    }
    const items = new Collection(INTERNAL, out[0]);
    try {
      return items.copyItem(0);
    } finally {
      items.close();
    }
  }

  /**
   * The frames as a Collection sharing the mapping (it stays mapped until this Seekable and the
   * Collection are both closed): `decompressor.decompress(s.frames(), { sizes: s.sizes() })`.
   */
  frames() {
    const buf = C.zseg_seekable_frames(this._ptr);
    if (!buf) throw new ZsegError(Result.ERR_ALLOC, 'ZSEG_ERR_ALLOC: no memory for the frame index');
    const out = new BigUint64Array(1);
    check(C.zseg_collection_new(new BigUint64Array([buf]), 1, out, syncErr), syncErr);
    return new Collection(INTERNAL, out[0]);
  }

  _get(i) {
    if (!Number.isInteger(i)) throw new TypeError(`item index must be an integer, got ${typeof i} ${String(i)}`);
    const n = this.length;
    if (i < 0 || i >= n) throw new ZsegError(Result.ERR_INDEX, `ZSEG_ERR_INDEX: item ${i} out of range (length ${n})`, i);
    const slice = new BigUint64Array(2); // zseg_slice {ptr, len}
    const size = new BigUint64Array(1);
    check(C.zseg_seekable_get(this._ptr, i, slice, size, syncErr), syncErr);
    return { slice, size };
  }
}

module.exports = {
  compressBatch,
  compressBatchAsync,
  decompressBatch,
  decompressBatchAsync,
  trainDictionary,
  trainDictionaryAsync,
  frameContentSize,
  writeSeekable,
  setAsyncConcurrency,
  Compressor,
  Decompressor,
  ZsegBuffer,
  Collection,
  Seekable,
  ZsegError,
  Result,
  CParam,
  DParam,
  SIZE_UNKNOWN,
  /** Whether item() returns zero-copy views (true) or copies (the fallback). */
  zeroCopy,
  /** Path of the loaded C library. */
  libraryPath,
  /** The C library's version string. */
  version: C.zseg_version(),
  /** zstd's version number (10507 for 1.5.7). */
  zstdVersion: C.zseg_zstd_version(),
};
