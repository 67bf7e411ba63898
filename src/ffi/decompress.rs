//! `zseg_decompressor` and the decompression entry points.

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
use crate::decompress::{self, DParam, Decompressor};
use crate::error::{Error, ErrorKind, Result};

/// In a `sizes` array: read this item's decompressed size from its frame header.
pub const ZSEG_SIZE_UNKNOWN: u64 = u64::MAX;

/// Decompression parameters for `zseg_decompressor_set_param`. Values are ABI (only appended).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum zseg_dparam {
    /// Largest window a frame may need, as a log2: 0 (default) checks no window (every output
    /// is a single exactly-sized buffer, so the window costs no extra memory: the item and total
    /// size limits bound it, and the total has no limit unless one is set), else 10..=31: a
    /// frame whose header declares a larger window (for single-segment frames, a larger content
    /// size) fails with `ZSEG_ERR_LIMIT`. A header declaring a window over 2^31 bytes, which
    /// zstd does not decode, is `ZSEG_ERR_LIMIT` whatever this is (`zstd_code`
    /// `ZSTD_error_frameParameter_windowTooLarge`).
    ZSEG_DPARAM_WINDOW_LOG_MAX = 1,
    /// 0/1: frames have no magic number (made with `ZSEG_CPARAM_MAGICLESS`).
    ZSEG_DPARAM_MAGICLESS = 2,
}

/// A `zseg_dparam` value received from the caller, which may hold any number.
pub type DParamCode = u32;

fn dparam(code: DParamCode) -> Result<DParam> {
    match code {
        1 => Ok(DParam::WindowLogMax),
        2 => Ok(DParam::Magicless),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("unknown decompression parameter {code}"),
        )),
    }
}

/// Creates a decompressor: no dictionary, at most 1 GiB per item, no total limit, no window
/// check, standard frames. On success the caller frees `*out` with `zseg_decompressor_free`.
///
/// A decompressor may be used by any number of threads at once for decompression; changing
/// its settings needs exclusive use. It holds settings, a prepared dictionary and the zstd
/// contexts its batches' workers used, kept for reuse (at most one per CPU and 64 MiB in all).
#[no_mangle]
pub extern "C" fn zseg_decompressor_new(
    out: *mut *mut Handle<Decompressor>,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let out = super::out(out, "out")?;
        put(out, Handle::boxed(Decompressor::new()));
        Ok(())
    })
}

/// Loads a dictionary (raw content or zstd format), copied and digested once, shared read-only
/// by all workers; `size` 0 removes it. A malformed zstd-format dictionary is
/// `ZSEG_ERR_DICTIONARY` (with zstd's code, as for `zseg_compressor_load_dictionary`), and the
/// decompressor keeps the dictionary it had. Frames that name another dictionary ID, or any ID
/// when none is loaded, fail with `ZSEG_ERR_DICTIONARY` (`zstd_code`
/// `ZSTD_error_dictionary_wrong`). A frame that names none (made with a raw-content dictionary,
/// which has no ID, or with `ZSEG_CPARAM_DICT_ID` 0) cannot be checked: decoded with another
/// dictionary than its own it may give wrong bytes with no error, as in libzstd. Where several
/// dictionaries are in use, compress with `ZSEG_CPARAM_CHECKSUM` (a mix-up is then
/// `ZSEG_ERR_ZSTD`) or with zstd-format dictionaries. Not thread-safe against other use of
/// `d`; refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch runs on `d` (a call from its progress
/// callback).
#[no_mangle]
pub extern "C" fn zseg_decompressor_load_dictionary(
    d: *mut Handle<Decompressor>,
    dict: *const u8,
    size: usize,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL d is a live decompressor used by no one else; dict has size bytes.
        let (d, dict) = unsafe { (idle_mut(d, "d")?, slice(dict, size, "dict")?) };
        d.load_dictionary(dict)
    })
}

/// Sets the largest decompressed size of one item (default 1 GiB; any value, `UINT64_MAX` for
/// none). An item declaring more fails with `ZSEG_ERR_LIMIT` before any memory is allocated.
/// Not thread-safe against other use of `d`; refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch
/// runs on `d` (a call from its progress callback).
#[no_mangle]
pub extern "C" fn zseg_decompressor_set_max_item_size(
    d: *mut Handle<Decompressor>,
    max: u64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL d is a live decompressor used by no one else.
        unsafe { idle_mut(d, "d")? }.set_max_item_size(max);
        Ok(())
    })
}

/// Sets the largest decompressed size of one batch (default: none). A batch declaring more
/// fails with `ZSEG_ERR_LIMIT` (`err->item` = `UINT64_MAX`) before any memory is allocated.
/// Set it when frames come from untrusted sources: without it, a batch of small frames that
/// each declare up to the item limit (1 GiB by default) may need that much memory each.
/// Not thread-safe against other use of `d`; refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch
/// runs on `d` (a call from its progress callback).
#[no_mangle]
pub extern "C" fn zseg_decompressor_set_max_total_size(
    d: *mut Handle<Decompressor>,
    max: u64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL d is a live decompressor used by no one else.
        unsafe { idle_mut(d, "d")? }.set_max_total_size(max);
        Ok(())
    })
}

/// Sets a decompression parameter for all following batches and all workers; checked now
/// (`ZSEG_ERR_INVALID_ARGUMENT` for an unknown parameter or a value out of range). Not
/// thread-safe against other use of `d`; refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch runs
/// on `d` (a call from its progress callback).
#[no_mangle]
pub extern "C" fn zseg_decompressor_set_param(
    d: *mut Handle<Decompressor>,
    param: DParamCode,
    value: i64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL d is a live decompressor used by no one else.
        let d = unsafe { idle_mut(d, "d")? };
        d.set_param(dparam(param)?, value)
    })
}

/// Frees a decompressor. NULL is a no-op, and so is a call while a batch runs on `d` (from its
/// progress callback). Collections it made are independent of it.
#[no_mangle]
pub extern "C" fn zseg_decompressor_free(d: *mut Handle<Decompressor>) {
    // SAFETY: a non-NULL d came from zseg_decompressor_new and is freed once.
    unsafe { handles::free(d) }
}

/// Bytes the decompressor holds now: pooled zstd contexts plus the digested dictionary. 0 for
/// NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_decompressor_memory_size(d: *const Handle<Decompressor>) -> usize {
    // SAFETY: a non-NULL d is a live decompressor.
    match unsafe { d.as_ref() } {
        Some(d) => guard_value(0, || d.get().memory_size()),
        None => 0,
    }
}

/// The caller's `sizes` array (NULL: all from the headers).
///
/// # Safety
/// A non-NULL `sizes` must hold `n` readable entries.
unsafe fn read_sizes<'a>(sizes: *const u64, n: usize) -> Result<Option<&'a [u64]>> {
    if sizes.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to our caller.
    unsafe { slice(sizes, n, "sizes") }.map(Some)
}

/// Decompresses `frames` with `d` into a new collection, with the caller's options.
fn decompress_to_collection<I: Items + ?Sized>(
    d: *const Handle<Decompressor>,
    frames: &I,
    sizes: *const u64,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
) -> Result<()> {
    // SAFETY: a non-NULL d is a live decompressor; sizes has one entry per frame.
    let (d, sizes) = unsafe { (handle(d, "d")?.run(), read_sizes(sizes, frames.count())?) };
    let out = super::out(out, "out")?;
    run(
        opts,
        frames.count(),
        None,
        |o| d.decompress(frames, sizes, o),
        |coll| {
            put(out, into_handle(coll));
            Ok(())
        },
    )
}

/// Decompresses `frames[0..n)`, each exactly one zstd frame, into a new collection: global item
/// i of `*out` is the content of frame i. Every output size is known before work starts (from
/// `sizes`, an optional array of n, python-zstandard's `decompressed_sizes`, where
/// `ZSEG_SIZE_UNKNOWN` means "read the header"; or from the frame headers), so limits are
/// checked and the output allocated once, exactly, before anything is decompressed.
///
/// Per item: a truncated frame (a 0-byte item included), trailing bytes or a second frame,
/// a skippable frame (it holds no data), corrupt data or a checksum mismatch is
/// `ZSEG_ERR_ZSTD`; a missing or wrong dictionary `ZSEG_ERR_DICTIONARY` (see
/// `zseg_decompressor_load_dictionary` for frames that name none; a frame made with a
/// dictionary but without its ID in the header cannot be told from a corrupt one: decoding it
/// without that dictionary is `ZSEG_ERR_ZSTD`); no content size and no size given
/// `ZSEG_ERR_NO_CONTENT_SIZE`; a given size that differs from the header's, or a size (given or
/// the header's) that differs from what the frame's blocks decode to, `ZSEG_ERR_SIZE_MISMATCH`,
/// the message naming both sizes. The real size is found by decoding a failed frame once more
/// (discarding the content) up to twice the expected size and at most 128 KiB past it (64
/// bytes past it at least), for items up to 16 MiB: a frame that runs further is "more than"
/// that bound when its size was given, and corrupt when its header declared it; a larger item
/// that fails is `ZSEG_ERR_ZSTD` (or `ZSEG_ERR_SIZE_MISMATCH` when it decodes to more than its
/// given size), not decoded again. A frame
/// without a checksum whose corrupt blocks decode to another length than its header says is
/// reported as that mismatch (zstd cannot tell the two apart). Over the item limit or the
/// window limit `ZSEG_ERR_LIMIT`. `err->item` names the item.
/// Frames must stay readable and unchanged during the call. Output and ownership as for
/// `zseg_compress_slices`. Thread-safe (see `zseg_decompressor_new`).
#[no_mangle]
pub extern "C" fn zseg_decompress_slices(
    d: *const Handle<Decompressor>,
    frames: *const zseg_slice,
    n: usize,
    sizes: *const u64,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: the caller provides n readable frames, each readable for its len.
        let frames = unsafe { SliceItems::new(frames, n)? };
        decompress_to_collection(d, &frames, sizes, opts, out)
    })
}

/// Decompresses every segment of `in` (frame i = segment i) as `zseg_decompress_slices` does;
/// `sizes` has `zseg_buffer_count(in)` entries or is NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_decompress_buffer(
    d: *const Handle<Decompressor>,
    r#in: *const Buffer,
    sizes: *const u64,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL in is a live buffer.
        let input = unsafe { handle(r#in, "in")? };
        decompress_to_collection(d, input, sizes, opts, out)
    })
}

/// Decompresses every item of `in` (global item i) as `zseg_decompress_slices` does; `sizes`
/// has `zseg_collection_count(in)` entries or is NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_decompress_collection(
    d: *const Handle<Decompressor>,
    r#in: *const Collection,
    sizes: *const u64,
    opts: *const zseg_batch_options,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL in is a live collection.
        let input = unsafe { handle(r#in, "in")? };
        decompress_to_collection(d, input, sizes, opts, out)
    })
}

/// Decompresses `frames[0..n)` into the caller's `dst[0..dst_capacity)`: items back to back in
/// order, item i at `segments_out[i]` (an array of n), `*dst_used` = their total. Succeeds with
/// `dst_capacity` equal to the exact total: the sum of the sizes (given in `sizes` or read from the
/// headers) of the frames that pass the header checks, which all run before any work (in per-item
/// mode a frame failing them, e.g. a truncated header or a size over the limit, takes no room; one
/// failing later, e.g. on a bad checksum, does, and its segment is empty, while the items after it
/// still follow back to back, so `*dst_used` is less than that total). A smaller capacity fails
/// with `ZSEG_ERR_DST_TOO_SMALL` before any work. Reusing one `dst` across batches avoids page
/// faults. `segments_out` and `*dst_used` are written only on `ZSEG_OK` or `ZSEG_ERR_PARTIAL`;
/// `dst` bytes may be overwritten even when the call fails. `dst` (all of it, or up to the sum of
/// `sizes` when every size is given: the call writes no further), `segments_out`, `dst_used` and
/// `item_results` must not share memory with one another, the `frames` array or any frame
/// (`ZSEG_ERR_INVALID_ARGUMENT`, checked before any work, `err->item` naming a frame that does).
/// Otherwise as `zseg_decompress_slices`. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_decompress_slices_into(
    d: *const Handle<Decompressor>,
    frames: *const zseg_slice,
    n: usize,
    sizes: *const u64,
    opts: *const zseg_batch_options,
    dst: *mut u8,
    dst_capacity: usize,
    segments_out: *mut Segment,
    dst_used: *mut usize,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL d is a live decompressor; frames and sizes as documented; dst is
        // writable for dst_capacity bytes and segments_out for n segments.
        let (d, frames, sizes, dst, segments) = unsafe {
            (
                handle(d, "d")?.run(),
                SliceItems::new(frames, n)?,
                read_sizes(sizes, n)?,
                slice_out(dst, dst_capacity, "dst")?,
                slice_out(segments_out, n, "segments_out")?,
            )
        };
        // With every size given, nothing is written past their sum: only that much of dst is
        // checked and handed on.
        let reach = sizes
            .and_then(|s| {
                s.iter().try_fold(0usize, |sum, &size| match size {
                    ZSEG_SIZE_UNKNOWN => None,
                    size => sum.checked_add(usize::try_from(size).ok()?),
                })
            })
            .unwrap_or(usize::MAX);
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
            Some((&frames, &written)),
            |o| d.decompress_into(&frames, sizes, o, dst),
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

/// Reads the decompressed size recorded in the header of the (standard, with magic) frame at
/// `frame[0..size)` into `*out`. `ZSEG_ERR_NO_CONTENT_SIZE` if the header records none,
/// `ZSEG_ERR_ZSTD` if `frame` does not start with a complete, valid frame header (a skippable
/// frame, which holds no data, included). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_frame_content_size(
    frame: *const u8,
    size: usize,
    out: *mut u64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: frame is readable for size bytes.
        let frame = unsafe { slice(frame, size, "frame")? };
        let out = super::out(out, "out")?;
        put(out, decompress::frame_content_size(frame)?);
        Ok(())
    })
}
