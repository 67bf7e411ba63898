//! `zseg_compressor` and the compression entry points.

use super::batch::{run, zseg_batch_options};
use super::collection::into_handle;
use super::handles::{self, idle_mut, Handle};
use super::zseg_slice;
use super::{
    guard, guard_value, handle, put, slice, slice_out, zseg_error, zseg_result, SliceItems, Written,
};
use crate::batch::Items;
use crate::buffer::{Buffer, Segment};
use crate::collection::Collection;
use crate::compress::{self, CParam, Compressor};
use crate::error::{Error, ErrorKind, Result};
use crate::zstd::Cursor;

/// Compression parameters for `zseg_compressor_set_param`. Values are ABI (only appended).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum zseg_cparam {
    /// 0/1: append a checksum of the content to every frame (default 0).
    ZSEG_CPARAM_CHECKSUM = 1,
    /// 0/1: write the content size in every frame header (default 1).
    ZSEG_CPARAM_CONTENT_SIZE = 2,
    /// 0/1: write the dictionary ID in frames made with a zstd-format dictionary (default 1).
    /// Raw-content dictionaries have no ID: their frames name none whatever this is.
    ZSEG_CPARAM_DICT_ID = 3,
    /// Window log: 0 (zstd's default) or `ZSTD_WINDOWLOG_MIN..=ZSTD_WINDOWLOG_MAX` (10..=31).
    ZSEG_CPARAM_WINDOW_LOG = 4,
    /// Strategy: 0 (zstd's default) or 1 (`ZSTD_fast`) ..= 9 (`ZSTD_btultra2`).
    ZSEG_CPARAM_STRATEGY = 5,
    /// 0/1: long-distance matching; 0 leaves it to zstd's default.
    ZSEG_CPARAM_LONG_DISTANCE = 6,
    /// 0/1: omit the 4-byte magic number (decompress with `ZSEG_DPARAM_MAGICLESS`).
    ZSEG_CPARAM_MAGICLESS = 7,
}

/// A `zseg_cparam` value received from the caller, which may hold any number.
pub type CParamCode = u32;

fn cparam(code: CParamCode) -> Result<CParam> {
    Ok(match code {
        1 => CParam::Checksum,
        2 => CParam::ContentSize,
        3 => CParam::DictId,
        4 => CParam::WindowLog,
        5 => CParam::Strategy,
        6 => CParam::LongDistance,
        7 => CParam::Magicless,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("unknown compression parameter {code}"),
            ))
        }
    })
}

/// Creates a compressor at `level`: 0 for zstd's default (3), else `ZSTD_minCLevel()` ..=
/// `ZSTD_maxCLevel()` (`ZSEG_ERR_INVALID_ARGUMENT` outside). Frames carry their content size,
/// a dictionary ID when a dictionary is used, and no checksum, until changed with
/// `zseg_compressor_set_param`. On success the caller frees `*out` with `zseg_compressor_free`.
///
/// A compressor may be used by any number of threads at once for compression; setting
/// parameters or loading a dictionary needs exclusive use. It holds parameters, a prepared
/// dictionary and the zstd contexts its batches' workers used, kept for reuse (at most
/// one per CPU and 64 MiB in all, but always the last one given back, which may be larger: a
/// level-19 context for items of several MiB); `zseg_compressor_memory_size` reports them.
#[no_mangle]
pub extern "C" fn zseg_compressor_new(
    level: std::ffi::c_int,
    out: *mut *mut Handle<Compressor>,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let out = super::out(out, "out")?;
        put(out, Handle::boxed(Compressor::new(level)?));
        Ok(())
    })
}

/// Sets a compression parameter for all following batches; the value is checked now
/// (`ZSEG_ERR_INVALID_ARGUMENT` for an unknown parameter or a value out of range, leaving the
/// compressor unchanged). Not thread-safe against other use of `c`; refused
/// (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch runs on `c` (a call from its progress callback).
#[no_mangle]
pub extern "C" fn zseg_compressor_set_param(
    c: *mut Handle<Compressor>,
    param: CParamCode,
    value: i64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL c is a live compressor used by no one else during this call.
        let c = unsafe { idle_mut(c, "c")? };
        c.set_param(cparam(param)?, value)
    })
}

/// Loads a dictionary for all following batches: raw content or a zstd-format dictionary (e.g.
/// from `zseg_train_dictionary`), copied and digested once at the compressor's level, shared
/// read-only by all workers. `size` 0 removes the dictionary. A malformed zstd-format
/// dictionary is `ZSEG_ERR_DICTIONARY` (with zstd's code in `err->zstd_code` when its tables do
/// not parse: `ZSTD_error_dictionary_corrupted`), and the compressor keeps the dictionary it
/// had. Not thread-safe against other use of `c`; refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a
/// batch runs on `c` (a call from its progress callback).
#[no_mangle]
pub extern "C" fn zseg_compressor_load_dictionary(
    c: *mut Handle<Compressor>,
    dict: *const u8,
    size: usize,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL c is a live compressor used by no one else; dict has size bytes.
        let (c, dict) = unsafe { (idle_mut(c, "c")?, slice(dict, size, "dict")?) };
        c.load_dictionary(dict)
    })
}

/// Frees a compressor, its contexts and its dictionary. NULL is a no-op, and so is a call while
/// a batch runs on `c` (from its progress callback). Collections it made are independent of it.
#[no_mangle]
pub extern "C" fn zseg_compressor_free(c: *mut Handle<Compressor>) {
    // SAFETY: a non-NULL c came from zseg_compressor_new and is freed once.
    unsafe { handles::free(c) }
}

/// Bytes the compressor holds now: pooled zstd contexts plus the digested dictionary (like
/// python-zstandard's `memory_size()`). 0 for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_compressor_memory_size(c: *const Handle<Compressor>) -> usize {
    // SAFETY: a non-NULL c is a live compressor.
    match unsafe { c.as_ref() } {
        Some(c) => guard_value(0, || c.get().memory_size()),
        None => 0,
    }
}

/// Compresses `items` with `c` into a new collection, with the caller's options.
fn compress_to_collection<I: Items + ?Sized>(
    c: *const Handle<Compressor>,
    items: &I,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
) -> Result<()> {
    // SAFETY: a non-NULL c is a live compressor.
    let c = unsafe { handle(c, "c")? }.run();
    let out = super::out(out, "out")?;
    run(
        opts,
        items.count(),
        None,
        |o| c.compress(items, o),
        |coll| {
            put(out, into_handle(coll));
            Ok(())
        },
    )
}

/// Compresses `items[0..n)`, each as one independent zstd frame, into a new collection: global item
/// i of `*out` is the frame of input item i, byte-identical to compressing that item alone with
/// libzstd and the same parameters. `items` may be NULL when `n` is 0 (an empty collection); an
/// item with a NULL `ptr` and nonzero `len` is `ZSEG_ERR_NULL` with `err->item` = the lowest such
/// index, checked before any work and failing the whole call even in per-item mode (it is a bad
/// argument, not a bad item). The items must stay readable and unchanged during the call (workers
/// read them from other threads). `opts` may be NULL (defaults: calling thread only, fail-fast).
///
/// On `ZSEG_OK` (or `ZSEG_ERR_PARTIAL` in per-item mode, with failed items empty) `*out` receives a
/// collection the caller frees with `zseg_collection_free`; otherwise it is untouched and nothing
/// is leaked. Each output buffer holds the frames of a run of items (up to a few MiB of input) in
/// memory of about their size (up to a quarter more: a buffer reused from an earlier batch, or
/// frames of incompressible items, which nearly fill the compress bound anyway), not of the
/// compress bound. Thread-safe (see `zseg_compressor_new`).
#[no_mangle]
pub extern "C" fn zseg_compress_slices(
    c: *const Handle<Compressor>,
    items: *const zseg_slice,
    n: usize,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: the caller provides n readable items, each readable for its len.
        let items = unsafe { SliceItems::new(items, n)? };
        compress_to_collection(c, &items, opts, out)
    })
}

/// Compresses every segment of `in` (item i = segment i) as `zseg_compress_slices` does. `in`
/// is only read (zero-copy) and may be freed by the caller afterwards. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_compress_buffer(
    c: *const Handle<Compressor>,
    r#in: *const Buffer,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL in is a live buffer.
        let input = unsafe { handle(r#in, "in")? };
        compress_to_collection(c, input, opts, out)
    })
}

/// Compresses every item of `in` (global item i) as `zseg_compress_slices` does. `in` is only
/// read (zero-copy). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_compress_collection(
    c: *const Handle<Compressor>,
    r#in: *const Collection,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL in is a live collection.
        let input = unsafe { handle(r#in, "in")? };
        compress_to_collection(c, input, opts, out)
    })
}

/// Worst-case total size of the frames of `items[0..n)` (the sum of `ZSTD_compressBound` of each
/// length): a `dst_capacity` this large always suffices for `zseg_compress_slices_into`. Only
/// the lengths are read. `SIZE_MAX` if the sum overflows or `items` is NULL with `n` > 0; 0 for
/// no items. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_compress_bound(items: *const zseg_slice, n: usize) -> usize {
    guard_value(usize::MAX, || {
        // SAFETY: the caller provides n readable items (only their lengths are read).
        match unsafe { slice(items, n, "items") } {
            Ok(items) => {
                compress::compress_bound(items.iter().map(|s| s.len)).unwrap_or(usize::MAX)
            }
            Err(_) => usize::MAX,
        }
    })
}

/// Compresses `items[0..n)` into the caller's `dst[0..dst_capacity)`: frames packed back to back
/// in item order, frame i at `segments_out[i]` (an array of n the caller provides), and
/// `*dst_used` = their total. Any `dst_capacity >= zseg_compress_bound(items, n)` succeeds and
/// is the fast path (frames are written straight into `dst`); a smaller one succeeds when the
/// frames fit and otherwise fails with `ZSEG_ERR_DST_TOO_SMALL`, after compressing every item
/// into memory of about the frames' size, then copying them (or finding they do not fit).
/// Nothing is ever written past `dst_capacity`. `segments_out` and `*dst_used` are written only
/// on `ZSEG_OK` or `ZSEG_ERR_PARTIAL`; `dst` bytes may be overwritten even when the call fails.
/// Items are as for `zseg_compress_slices`. `dst` (up to the bound: no call writes further),
/// `segments_out`, `dst_used` and `item_results` must not share memory with one another, the
/// `items` array or any item (`ZSEG_ERR_INVALID_ARGUMENT`, checked before any work, `err->item`
/// naming an item that does). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_compress_slices_into(
    c: *const Handle<Compressor>,
    items: *const zseg_slice,
    n: usize,
    opts: *const zseg_batch_options,
    dst: *mut u8,
    dst_capacity: usize,
    segments_out: *mut Segment,
    dst_used: *mut usize,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL c is a live compressor; items as documented; dst is writable for
        // dst_capacity bytes and segments_out for n segments.
        let (c, items, dst, segments) = unsafe {
            (
                handle(c, "c")?.run(),
                SliceItems::new(items, n)?,
                slice_out(dst, dst_capacity, "dst")?,
                slice_out(segments_out, n, "segments_out")?,
            )
        };
        // No path writes past the bound: only that much of dst is checked and handed on.
        let reach = compress::compress_bound(items.0.iter().map(|s| s.len)).unwrap_or(usize::MAX);
        let dst = &mut dst[..reach.min(dst_capacity)];
        let used = super::out(dst_used, "dst_used")?;
        let written = [
            Written::of("dst", dst.as_ptr(), dst.len()),
            Written::of("segments_out", segments.as_ptr(), n),
            Written::of("dst_used", used, 1),
        ];
        run(
            opts,
            n,
            Some((&items, &written)),
            |o| c.compress_into(&items, o, dst),
            |(total, segs)| {
                for (d, s) in segments.iter_mut().zip(segs) {
                    d.write(s);
                }
                put(used, total);
                Ok(())
            },
        )
    })
}

/// Trains a zstd-format dictionary on the segments of `samples` (each segment one sample;
/// zstd's `ZDICT_trainFromBuffer`) into `dict[0..capacity)`; `*dict_size` receives its length.
/// Training needs enough varied samples (a few hundred, about 100 times the dictionary size in
/// total): too few gives `ZSEG_ERR_DICTIONARY`; `capacity` below zstd's minimum (256) gives
/// `ZSEG_ERR_DST_TOO_SMALL`; `dict` sharing memory with `samples` or `dict_size` gives
/// `ZSEG_ERR_INVALID_ARGUMENT`. `*dict_size` is written only on success. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_train_dictionary(
    samples: *const Buffer,
    dict: *mut u8,
    capacity: usize,
    dict_size: *mut usize,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL samples is a live buffer; dict is writable for capacity bytes.
        let (samples, dict) = unsafe {
            (
                handle(samples, "samples")?,
                slice_out(dict, capacity, "dict")?,
            )
        };
        let out = super::out(dict_size, "dict_size")?;
        let written = Written::of("dict", dict.as_ptr(), dict.len());
        let data = samples.data();
        written.apart_from(&Written::of("dict_size", out, 1))?;
        written.apart_from(&Written::of("the samples", data.as_ptr(), data.len()))?;
        put(
            out,
            compress::train_dictionary_into(samples, &mut Cursor::new(dict))?,
        );
        Ok(())
    })
}
