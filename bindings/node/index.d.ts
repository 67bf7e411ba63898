// TypeScript declarations of the zseg Node binding (CommonJS: `import zseg = require('zseg')`
// or, with esModuleInterop, `import * as zseg from 'zseg'`).

/// <reference types="node" />

/** Bytes accepted as an item: copied only for strings (UTF-8 encoded). */
export type Bytes = Buffer | ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string;

/** A batch input: JS items (passed by pointer, not copied), a ZsegBuffer or a Collection. */
export type BatchInput = readonly Bytes[] | ZsegBuffer | Collection;

/** Result codes (zseg_result). */
export declare const Result: Readonly<{
  OK: 0;
  ERR_NULL: 1;
  ERR_INVALID_ARGUMENT: 2;
  ERR_SEGMENT_BOUNDS: 3;
  ERR_INDEX: 4;
  ERR_ALLOC: 5;
  ERR_ZSTD: 6;
  ERR_NO_CONTENT_SIZE: 7;
  ERR_SIZE_MISMATCH: 8;
  ERR_LIMIT: 9;
  ERR_DICTIONARY: 10;
  ERR_DST_TOO_SMALL: 11;
  ERR_CANCELLED: 12;
  ERR_PARTIAL: 13;
  ERR_INTERNAL: 14;
  ERR_IO: 15;
}>;

/** Compression parameter codes (zseg_cparam), by option name. */
export declare const CParam: Readonly<{
  checksum: 1; contentSize: 2; dictId: 3; windowLog: 4; strategy: 5; longDistance: 6; magicless: 7;
}>;
/** Decompression parameter codes (zseg_dparam), by option name. */
export declare const DParam: Readonly<{ windowLogMax: 1; magicless: 2 }>;
export type CParamName = keyof typeof CParam;
export type DParamName = keyof typeof DParam;

/** In a `sizes` array: read this item's size from its frame header (UINT64_MAX). */
export declare const SIZE_UNKNOWN: bigint;

/** Whether item() returns zero-copy views (true) or copies (the fallback, false). */
export declare const zeroCopy: boolean;
/** Path of the loaded C library (ZSEG_LIB, or ../../target/release/libzseg.so). */
export declare const libraryPath: string;
/** The C library's version string, e.g. "0.1.0". */
export declare const version: string;
/** zstd's version number (10507 for 1.5.7). */
export declare const zstdVersion: number;

/** An error from the C library, or a misuse found by the binding. */
export declare class ZsegError extends Error {
  name: 'ZsegError';
  /**
   * Name of the result, e.g. "ZSEG_ERR_ZSTD" (from zseg_result_str). The binding's own:
   * "ZSEG_ERR_CLOSED" (a closed handle was used), "ZSEG_ERR_BUSY" (settings changed during
   * an async call).
   */
  code: string;
  /** Numeric zseg_result, or -1 for the binding's own errors. */
  result: number;
  /** Index of the failing item (or segment, or buffer); -1 if none. */
  item: number;
  /** zstd's ZSTD_ErrorCode, or 0. */
  zstdCode: number;
}

export interface ToArrayOptions {
  /** Copies (copyItem) instead of views (item). Default false. */
  copy?: boolean;
}

/** Items by index; base of ZsegBuffer and Collection. */
declare abstract class ItemSource implements Iterable<Buffer> {
  /** Number of items. Throws ZSEG_ERR_CLOSED once closed. */
  readonly length: number;
  /**
   * Bytes: for a ZsegBuffer, of its data (zseg_buffer_size; segments may overlap or skip
   * bytes); for a Collection, the sum of its items' lengths (zseg_collection_size).
   */
  readonly size: number;
  /** True once close() has been called. */
  readonly closed: boolean;
  /**
   * Item i. With `zeroCopy` a Buffer over the library's memory, valid only until close()
   * (reading it afterwards is a use-after-free) and never to be written; otherwise a copy.
   * Throws ZsegError ZSEG_ERR_INDEX when out of range.
   */
  item(i: number): Buffer;
  /** A copy of item i in JS memory, valid after close(). */
  copyItem(i: number): Buffer;
  /** All items, as views or, with {copy: true}, copies. */
  toArray(options?: ToArrayOptions): Buffer[];
  [Symbol.iterator](): Iterator<Buffer>;
  /**
   * Releases the native handle; idempotent. An async call that uses the handle keeps it until
   * the call completes. Zero-copy views become invalid.
   */
  close(): void;
}

/** Immutable bytes plus segments (owns a copy of the data). */
export declare class ZsegBuffer extends ItemSource {
  private constructor();
  /** Packs the items (copied) into one buffer with one segment per item. */
  static from(items: readonly Bytes[]): ZsegBuffer;
  /**
   * A buffer over a copy of `data` with segments given as [offset, length] pairs or as
   * 16-byte native-endian records (zseg_segment / python-zstandard layout).
   */
  static fromPacked(data: Bytes, segments: ReadonlyArray<readonly [number | bigint, number | bigint]> | ArrayBufferView): ZsegBuffer;
}

/** Buffers in order (shared, reference counted); the result of every batch call. */
export declare class Collection extends ItemSource {
  private constructor();
  /** Shares the buffers of the sources (nothing copied); the sources may be closed afterwards. */
  static from(sources: ReadonlyArray<ZsegBuffer | Collection>): Collection;
  /** Number of native buffers. */
  readonly bufferCount: number;
  /** Per-item mode: each item's zseg_result (0 = OK); null otherwise. */
  itemResults: Uint32Array | null;
  /** Per-item mode: one ZsegError per failed item, in item order (empty otherwise). */
  readonly errors: ZsegError[];
  /** Per-item mode: whether item i succeeded (always true otherwise). */
  ok(i: number): boolean;
}

export interface BatchOptions {
  /** 0 or 1: the calling (or async worker) thread only (default); N > 1: up to N workers; < 0: all CPUs. */
  threads?: number;
  /**
   * Per-item mode: the batch keeps going past failures, failed items are empty, and the
   * result carries `itemResults` / `errors` instead of throwing.
   */
  perItem?: boolean;
  /**
   * Called as items finish (done at most 64 past the previous report) and once at the end with
   * done === total, on the main thread (for async calls koffi relays each report from the worker
   * thread, which waits for it). Returning false cancels the batch (ZSEG_ERR_CANCELLED, no
   * output); an exception cancels it too and is thrown (or rejected) by the call.
   */
  progress?: (done: number, total: number) => boolean | void;
}

export interface CompressorOptions {
  /** zstd level; 0 = zstd's default (3); negative levels are fast modes. Default 3. */
  level?: number;
  /** Raw content or a zstd-format dictionary (e.g. from trainDictionary). */
  dictionary?: Bytes;
  /** Append a content checksum to every frame. Default false. */
  checksum?: boolean | number;
  /** Write the content size in every frame header. Default true. */
  contentSize?: boolean | number;
  /** Write the dictionary ID in frames made with a dictionary. Default true. */
  dictId?: boolean | number;
  /** 0 (zstd's default) or 10..31. */
  windowLog?: number;
  /** 0 (zstd's default) or 1 (fast) ..= 9 (btultra2). */
  strategy?: number;
  /** Long-distance matching. */
  longDistance?: boolean | number;
  /** Omit the 4-byte magic number (decompress with magicless too). */
  magicless?: boolean | number;
}

export interface DecompressorOptions {
  /** The dictionary the frames were made with. */
  dictionary?: Bytes;
  /** Largest decompressed item (default 1 GiB; Infinity for none). Over it: ZSEG_ERR_LIMIT. */
  maxItemSize?: number | bigint;
  /** Largest decompressed batch (default: none). Over it: ZSEG_ERR_LIMIT, item -1. */
  maxTotalSize?: number | bigint;
  /** Largest window a frame may need, as a log2: 0 (no check, default) or 10..31. */
  windowLogMax?: number;
  /** Frames have no magic number. */
  magicless?: boolean | number;
}

export interface DecompressOptions extends BatchOptions {
  /**
   * Decompressed sizes, one per frame (python-zstandard's decompressed_sizes); null,
   * undefined or SIZE_UNKNOWN entries are read from the frame header. A given size must
   * match exactly (ZSEG_ERR_SIZE_MISMATCH).
   */
  sizes?: ReadonlyArray<number | bigint | null | undefined> | BigUint64Array;
}

export type CompressBatchOptions = CompressorOptions & BatchOptions;
export type DecompressBatchOptions = DecompressorOptions & DecompressOptions;

/** A reusable compressor: parameters and a digested dictionary, shared by concurrent calls. */
export declare class Compressor {
  constructor(options?: CompressorOptions);
  /** Sets a parameter (throws ZSEG_ERR_BUSY while an async call runs). */
  setParam(param: CParamName | number, value: number | bigint | boolean): void;
  /** Loads a dictionary; an empty one removes it (throws ZSEG_ERR_BUSY while an async call runs). */
  loadDictionary(dictionary: Bytes): void;
  /** Bytes held now (zstd contexts and dictionary). */
  readonly memorySize: number;
  readonly closed: boolean;
  /** One zstd frame per item: item i of the result is the frame of input item i. */
  compress(items: BatchInput, options?: BatchOptions): Collection;
  /** As compress(), run on a libuv threadpool thread. */
  compressAsync(items: BatchInput, options?: BatchOptions): Promise<Collection>;
  /** Idempotent; deferred while async calls use the compressor. */
  close(): void;
}

/** A reusable decompressor: limits, parameters and a digested dictionary. */
export declare class Decompressor {
  constructor(options?: DecompressorOptions);
  setMaxItemSize(max: number | bigint): void;
  setMaxTotalSize(max: number | bigint): void;
  setParam(param: DParamName | number, value: number | bigint | boolean): void;
  loadDictionary(dictionary: Bytes): void;
  readonly memorySize: number;
  readonly closed: boolean;
  /** Each input item must be exactly one zstd frame; item i of the result is its content. */
  decompress(frames: BatchInput, options?: DecompressOptions): Collection;
  /** As decompress(), run on a libuv threadpool thread. */
  decompressAsync(frames: BatchInput, options?: DecompressOptions): Promise<Collection>;
  close(): void;
}

/** Compresses a batch with a one-off Compressor. */
export declare function compressBatch(items: BatchInput, options?: CompressBatchOptions): Collection;
/** As compressBatch(), off the main thread. */
export declare function compressBatchAsync(items: BatchInput, options?: CompressBatchOptions): Promise<Collection>;
/** Decompresses a batch with a one-off Decompressor. */
export declare function decompressBatch(frames: BatchInput, options?: DecompressBatchOptions): Collection;
/** As decompressBatch(), off the main thread. */
export declare function decompressBatchAsync(frames: BatchInput, options?: DecompressBatchOptions): Promise<Collection>;

/** Trains a zstd-format dictionary (one sample per item) of at most `capacity` bytes (default 110 KiB). */
export declare function trainDictionary(samples: readonly Bytes[] | ZsegBuffer, capacity?: number): Buffer;
/** As trainDictionary(), off the main thread. */
export declare function trainDictionaryAsync(samples: readonly Bytes[] | ZsegBuffer, capacity?: number): Promise<Buffer>;

/** The decompressed size recorded in a frame header (a bigint past 2^53). */
export declare function frameContentSize(frame: Bytes): number | bigint;

/** A file path: a string (UTF-8 encoded) or its bytes. */
export type PathLike = string | Buffer | Uint8Array;

/**
 * Writes `frames` (complete zstd frames with content sizes, as compress() returns) to `path` as
 * one zstd seekable-format file, atomically; `checksums` stores each frame's checksum in the
 * seek table. An item that is not exactly one frame throws ZSEG_ERR_ZSTD naming it; I/O
 * failures throw ZSEG_ERR_IO.
 */
export declare function writeSeekable(frames: Collection, path: PathLike, options?: { checksums?: boolean }): void;

/**
 * A zstd seekable-format file opened read-only (memory-mapped, its seek table checked): item i
 * is frame i. The file must not be written to or truncated while the Seekable, or a Collection
 * from its frames(), is open (reading a truncated mapping kills the process); replacing it with
 * writeSeekable is safe.
 */
export declare class Seekable {
  private constructor();
  /** Opens the file (ZSEG_ERR_IO if it cannot, ZSEG_ERR_ZSTD if its seek table is bad). */
  static open(path: PathLike): Seekable;
  /** Number of items (frames). */
  readonly length: number;
  readonly closed: boolean;
  /** Every item's decompressed size, from the seek table. */
  sizes(): number[];
  /** A copy of frame i and its decompressed size from the seek table (ZSEG_ERR_INDEX past the end, TypeError for a non-integer). */
  frame(i: number): { frame: Buffer; size: number };
  /** Item i decompressed with `decompressor` (its limits apply), as a copy. */
  readItem(decompressor: Decompressor, i: number): Buffer;
  /** The frames as a Collection sharing the mapping: `d.decompress(s.frames(), { sizes: s.sizes() })`. */
  frames(): Collection;
  close(): void;
}

/**
 * Most async calls run at once (default UV_THREADPOOL_SIZE - 1, at least 1, which leaves a
 * libuv thread for fs/dns/zlib/crypto); the others wait in a FIFO.
 */
export declare function setAsyncConcurrency(n: number): void;
