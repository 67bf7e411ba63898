//! `Decompressor`: a prepared dictionary, limits and format; every output size is known before
//! any work starts, so output is laid out exactly and limits are checked before allocating.

use std::mem::MaybeUninit;

use zstd_sys::ZSTD_dParameter as P;

use crate::batch::{self, BatchOptions, Contexts, Failure, Items, Job, Outcome, Packed};
use crate::collection::Collection;
use crate::compress::{rejected_dictionary, switch, zero_or_within, zstd_error};
use crate::error::{Error, ErrorKind, Result};
use crate::mmap;
use crate::zstd::{self, DCtx, DDict, Dst, FrameEnd, FrameHeader, HeaderError, ZstdError};

/// In `sizes`: read this item's size from its frame header.
pub const SIZE_UNKNOWN: u64 = u64::MAX;

/// Default limit on one item's decompressed size: 1 GiB.
pub const DEFAULT_MAX_ITEM_SIZE: u64 = 1 << 30;

/// A decompression parameter (values of `zseg_dparam`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DParam {
    /// Reject frames whose window exceeds 2^value bytes; 0 (default) checks no window.
    WindowLogMax,
    /// 0/1: frames carry no magic number.
    Magicless,
}

/// Decompresses batches of frames. Shareable between threads; changing settings needs
/// exclusive access.
pub struct Decompressor {
    max_item: u64,
    max_total: u64,
    window_log_max: u32,
    magicless: bool,
    contexts: Contexts<DCtx>,
    dict: Option<DDict>,
}

impl Default for Decompressor {
    fn default() -> Self {
        Decompressor {
            max_item: DEFAULT_MAX_ITEM_SIZE,
            max_total: u64::MAX,
            window_log_max: 0,
            magicless: false,
            contexts: Contexts::default(),
            dict: None,
        }
    }
}

impl Decompressor {
    /// A decompressor with default limits: 1 GiB per item, no total limit, no window check.
    pub fn new() -> Self {
        Self::default()
    }

    /// Digests `dict` for all following batches; an empty `dict` removes the dictionary.
    pub fn load_dictionary(&mut self, dict: &[u8]) -> Result<()> {
        self.dict = match dict {
            [] => None,
            _ => Some(DDict::new(dict).ok_or_else(|| rejected_dictionary(dict))?),
        };
        self.contexts.clear();
        Ok(())
    }

    /// Largest decompressed size of one item (`Limit` above it).
    pub fn set_max_item_size(&mut self, max: u64) {
        self.max_item = max;
    }

    /// Largest decompressed size of one batch (`Limit` above it).
    pub fn set_max_total_size(&mut self, max: u64) {
        self.max_total = max;
    }

    /// Sets `param`, checking its range now.
    pub fn set_param(&mut self, param: DParam, value: i64) -> Result<()> {
        match param {
            DParam::WindowLogMax => {
                let bounds = zstd::dparam_bounds(P::ZSTD_d_windowLogMax);
                self.window_log_max = zero_or_within(value, bounds, "window log max")? as u32;
            }
            DParam::Magicless => self.magicless = switch(value, "magicless")? == 1,
        }
        self.contexts.clear();
        Ok(())
    }

    /// Bytes held now: pooled contexts plus the dictionary.
    pub fn memory_size(&self) -> usize {
        self.contexts.memory_size() + self.dict.as_ref().map_or(0, DDict::memory_size)
    }

    /// Decompresses every frame into a new collection; frame `i` becomes item `i`.
    /// `sizes`, if given, has one entry per frame ([`SIZE_UNKNOWN`]: read the header).
    pub fn decompress<I: Items + ?Sized>(
        &self,
        frames: &I,
        sizes: Option<&[u64]>,
        opts: &mut BatchOptions,
    ) -> Result<Outcome<Collection>> {
        let (job, early) = self.plan(frames, sizes, opts)?;
        let out = batch::to_collection(&job, opts, false)?;
        merge(out, early, opts.keep_going)
    }

    /// Decompresses every frame into `dst`, items packed back to back in order; `dst` must
    /// hold the exact total.
    pub fn decompress_into<I: Items + ?Sized>(
        &self,
        frames: &I,
        sizes: Option<&[u64]>,
        opts: &mut BatchOptions,
        dst: &mut [MaybeUninit<u8>],
    ) -> Result<Packed> {
        let (job, early) = self.plan(frames, sizes, opts)?;
        let out = batch::to_dst(&job, opts, dst)?;
        merge(out, early, opts.keep_going)
    }

    /// Reads every header and fixes every output size, checking limits before anything is
    /// allocated; the headers are read on the batch's workers. Items that fail here are skipped
    /// by the job and returned. In fail-fast mode the job stops at the first such item, so that
    /// running it still finds any earlier item that fails only when decompressed (the lowest
    /// failing index wins).
    fn plan<'a, I: Items + ?Sized>(
        &'a self,
        frames: &'a I,
        sizes: Option<&[u64]>,
        opts: &BatchOptions,
    ) -> Result<(DecompressJob<'a, I>, Vec<Failure>)> {
        let n = frames.count();
        if let Some(s) = sizes {
            if s.len() != n {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("{} sizes for {n} frames", s.len()),
                ));
            }
        }
        let mut out = Vec::new();
        out.try_reserve_exact(n)
            .map_err(|_| Error::alloc("per-item sizes"))?;
        out.resize(n, SKIP);
        let keep_going = opts.keep_going;
        let parts = batch::map_parts(opts.threads, &mut out, |first, part| {
            let mut failures = Vec::new();
            let end = first + part.len();
            for (i, slot) in (first..).zip(part) {
                // Each header is one cache miss, usually a TLB miss too: start the one a few
                // items ahead so that they overlap.
                if i + mmap::PREFETCH_AHEAD < end {
                    mmap::prefetch(frames.item(i + mmap::PREFETCH_AHEAD));
                }
                let given = sizes.map_or(SIZE_UNKNOWN, |s| s[i]);
                match self.item_size(frames.item(i), given) {
                    Ok(size) => *slot = size,
                    Err(e) => {
                        batch::add_failure(&mut failures, i, e)?;
                        if !keep_going {
                            break; // the rest of this part is past the failure
                        }
                    }
                }
            }
            Ok(failures)
        })?;
        let mut failures = batch::in_item_order(parts.into_iter().collect::<Result<_>>()?)?;
        if !keep_going {
            failures.truncate(1);
            if let Some(first) = failures.first() {
                out.truncate(first.item as usize + 1);
            }
        }
        let total = out
            .iter()
            .filter(|&&size| size != SKIP)
            .fold(0u64, |sum, &size| sum.saturating_add(size));
        if total > self.max_total {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "the batch decompresses to {total} bytes, over the max total size {}",
                    self.max_total
                ),
            ));
        }
        if usize::try_from(total).is_err() {
            return Err(Error::alloc("the batch does not fit in memory"));
        }
        let job = DecompressJob {
            d: self,
            frames,
            sizes: out,
        };
        Ok((job, failures))
    }

    /// The decompressed size of one frame, from `given` or its header, within the limits; the
    /// frame must end exactly where its item does.
    fn item_size(&self, frame: &[u8], given: u64) -> Result<u64> {
        let h = self.header(frame)?;
        if h.dict_id != 0 {
            match &self.dict {
                None => {
                    return Err(wrong_dictionary(format!(
                        "the frame needs dictionary {}, none is loaded",
                        h.dict_id
                    )))
                }
                Some(d) if d.id() != 0 && d.id() != h.dict_id => {
                    return Err(wrong_dictionary(format!(
                        "the frame needs dictionary {}, the loaded one is {}",
                        h.dict_id,
                        d.id()
                    )))
                }
                Some(_) => {}
            }
        }
        if self.window_log_max != 0 && h.window_size > 1u64 << self.window_log_max {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "the frame needs a window of {} bytes, over the window log max {}",
                    h.window_size, self.window_log_max
                ),
            ));
        }
        let size = match (given, h.content_size) {
            (SIZE_UNKNOWN, Some(size)) => size,
            (SIZE_UNKNOWN, None) => {
                return Err(Error::new(
                    ErrorKind::NoContentSize,
                    "the frame has no content size and no size was given",
                ))
            }
            (given, Some(header)) if given != header => {
                return Err(mismatch(format!(
                    "the size given is {given} bytes but the frame header says {header}"
                )))
            }
            (given, _) => given,
        };
        if size > self.max_item {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "the item decompresses to {size} bytes, over the max item size {}",
                    self.max_item
                ),
            ));
        }
        check_frame_end(frame, &h)?;
        Ok(size)
    }

    /// The error for `frame`, which zstd failed (`why`) to decode to the `expected` bytes its
    /// plan gave it. When the failure may be a size disagreement (output too small, corruption,
    /// which includes zstd's check of a header's content size, or a block over the window that
    /// size implies), the frame is decoded once more (error path only, items up to
    /// [`COUNT_MAX`]), with its header's content size taken out, into scratch memory of
    /// `expected` plus at most [`COUNT_PAST`] and at most `expected` bytes (64 at least): a bad
    /// item costs at most about what a good one of its size does. A frame that decodes whole
    /// (its checksum, if any, verified) to another length is a size mismatch naming both. One
    /// that runs past the scratch decodes to more than a given size (a mismatch), or is longer
    /// than its header declares (corrupt). Anything else keeps zstd's error.
    fn decode_error(
        &self,
        dctx: &mut DCtx,
        frame: &[u8],
        expected: usize,
        why: ZstdError,
    ) -> Error {
        let failed = |e| zstd_error(e, "decompression failed");
        let h = match self.header(frame) {
            Ok(h) if why.is_dst_too_small() || why.is_corruption() || why.is_src_size_wrong() => h,
            _ => return failed(why),
        };
        let given = h.content_size.is_none();
        let longer = |than: usize| {
            if given {
                decodes_to(given, expected, format!("more than {than}"))
            } else {
                corrupt(&format!(
                    "its content is longer than the {expected} bytes its header declares"
                ))
            }
        };
        let uncounted = || {
            if why.is_dst_too_small() {
                longer(expected)
            } else {
                failed(why)
            }
        };
        if expected > COUNT_MAX {
            return uncounted();
        }
        let limit = expected + expected.clamp(DECODE_SLACK, COUNT_PAST);
        let mut scratch = Vec::new();
        if scratch.try_reserve_exact(limit).is_err() {
            return uncounted();
        }
        let rewritten;
        let src = if given {
            frame
        } else {
            match without_content_size(frame, &h, self.magicless, limit) {
                Some(f) => {
                    rewritten = f;
                    &rewritten[..]
                }
                None => return uncounted(),
            }
        };
        match dctx.decompress(src, &mut scratch, limit) {
            Ok(n) if n != expected => decodes_to(given, expected, n),
            Ok(_) => failed(why),
            Err(e) if e.is_dst_too_small() => longer(limit),
            Err(e) => failed(e),
        }
    }

    /// The header of a data frame. A window over 2^31 bytes, which zstd does not decode, is
    /// over any window limit; a header without the magic number this decompressor expects (or
    /// with the one it does not) says so.
    fn header(&self, frame: &[u8]) -> Result<FrameHeader> {
        zstd::frame_header(frame, self.magicless)
            .map_err(|e| match e {
                HeaderError::Zstd(z) if z.is_window_too_large() => Error {
                    zstd_code: z.code(),
                    ..Error::new(
                        ErrorKind::Limit,
                        "the frame declares a window over 2^31 bytes (window log over 31), more \
                         than zstd decodes",
                    )
                },
                // Static: garbage items fail here, often by the million in per-item mode.
                HeaderError::Zstd(z) if !self.magicless && z.is_unknown_prefix() => Error {
                    zstd_code: z.code(),
                    ..Error::new(
                        ErrorKind::Zstd,
                        "invalid frame header: Unknown frame descriptor (the item does not start \
                         with zstd's magic number; magicless frames need the decompressor's \
                         magicless setting)",
                    )
                },
                HeaderError::Zstd(z) if self.magicless && zstd::starts_with_magic(frame) => Error {
                    zstd_code: z.code(),
                    ..Error::new(
                        ErrorKind::Zstd,
                        format!(
                            "invalid frame header: {} (the item starts with zstd's magic number; \
                             the decompressor expects magicless frames)",
                            z.name()
                        ),
                    )
                },
                _ => header_error(frame, e),
            })
            .and_then(data_frame)
    }

    fn new_context(&self) -> Result<DCtx> {
        let fail = |e| zstd_error(e, "cannot configure a decompression context");
        let mut dctx =
            DCtx::new().ok_or_else(|| Error::alloc("cannot allocate a decompression context"))?;
        // ZSTD_d_format
        dctx.set(P::ZSTD_d_experimentalParam1, i32::from(self.magicless))
            .map_err(fail)?;
        if let Some(dict) = &self.dict {
            dctx.ref_ddict(dict).map_err(fail)?;
        }
        Ok(dctx)
    }
}

/// The header of the data frame at the start of `frame` (a skippable frame is an error).
pub(crate) fn data_frame_header(frame: &[u8], magicless: bool) -> Result<FrameHeader> {
    zstd::frame_header(frame, magicless)
        .map_err(|e| header_error(frame, e))
        .and_then(data_frame)
}

/// The error for a header of `frame` that could not be read.
fn header_error(frame: &[u8], e: HeaderError) -> Error {
    match e {
        HeaderError::Truncated => truncated(frame.len()),
        HeaderError::Zstd(e) => zstd_error(e, "invalid frame header"),
    }
}

/// `h`, unless it is a skippable frame's.
fn data_frame(h: FrameHeader) -> Result<FrameHeader> {
    if h.skippable {
        return Err(Error::new(
            ErrorKind::Zstd,
            "a skippable frame is not a data frame",
        ));
    }
    Ok(h)
}

/// Checks that the data frame with header `h` ends exactly where `frame` does: no truncated
/// block, no trailing bytes (a second frame or garbage).
pub(crate) fn check_frame_end(frame: &[u8], h: &FrameHeader) -> Result<()> {
    match zstd::frame_length(frame, h) {
        Err(FrameEnd::Truncated) => Err(truncated(frame.len())),
        Err(FrameEnd::ReservedBlock) => Err(corrupt("a block has the reserved type")),
        Ok(len) if len < frame.len() => Err(Error::new(
            ErrorKind::Zstd,
            format!(
                "{} trailing byte(s) after the frame (a second frame or garbage)",
                frame.len() - len
            ),
        )),
        Ok(_) => Ok(()),
    }
}

/// Output room past an item's content that zstd may use while decoding it.
const DECODE_SLACK: usize = 64;

/// How far past its expected length a failed frame is decoded at most to report its real
/// length (and no further than twice that length).
const COUNT_PAST: usize = 128 << 10;

/// Largest expected length for which a failed frame is decoded again: the scratch memory it
/// takes stays small next to a batch's output.
const COUNT_MAX: usize = 16 << 20;

/// `frame` (header `h`, which has a content size) with that content size taken out, so that
/// zstd decodes what its blocks hold instead of failing on the size the header declares. A
/// single-segment frame (its window was its content size) gets a window over `limit` bytes,
/// which one-shot decoding into `limit` bytes never exceeds, and of at least a full block (128
/// KiB), so that no block is refused as larger than the window. Nothing else changes: dictionary
/// ID, checksum and blocks stay as they are. `None` if the copy cannot be allocated.
fn without_content_size(
    frame: &[u8],
    h: &FrameHeader,
    magicless: bool,
    limit: usize,
) -> Option<Vec<u8>> {
    let at = if magicless { 0 } else { 4 };
    let descriptor = frame[at];
    let single_segment = descriptor & 0x20 != 0;
    let id_at = at + 1 + usize::from(!single_segment);
    let id_len = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let window = if single_segment {
        let log = (usize::BITS - limit.leading_zeros()).clamp(17, WINDOW_LOG_MAX);
        ((log - 10) << 3) as u8 // exponent log - 10, mantissa 0
    } else {
        frame[at + 1]
    };
    let mut out = Vec::new();
    out.try_reserve_exact(frame.len() + 1).ok()?;
    out.extend_from_slice(&frame[..at]);
    // Frame content size flag 0 and single-segment flag 0: no content size field.
    out.extend_from_slice(&[descriptor & !0xE0, window]);
    out.extend_from_slice(&frame[id_at..id_at + id_len]);
    out.extend_from_slice(&frame[h.header_size..]);
    Some(out)
}

/// zstd's largest window log on this target.
const WINDOW_LOG_MAX: u32 = if cfg!(target_pointer_width = "64") {
    31
} else {
    30
};

/// The size of frames the header pass already failed.
const SKIP: u64 = u64::MAX;

fn truncated(len: usize) -> Error {
    Error {
        zstd_code: zstd_sys::ZSTD_ErrorCode::ZSTD_error_srcSize_wrong as i64,
        ..Error::new(
            ErrorKind::Zstd,
            format!("truncated frame: the item's {len} byte(s) end inside the frame"),
        )
    }
}

fn corrupt(what: &str) -> Error {
    Error {
        zstd_code: zstd_sys::ZSTD_ErrorCode::ZSTD_error_corruption_detected as i64,
        ..Error::new(ErrorKind::Zstd, format!("corrupt frame: {what}"))
    }
}

/// A frame whose dictionary is not loaded: zstd's own code for it, as when zstd finds it.
fn wrong_dictionary(message: String) -> Error {
    Error {
        zstd_code: zstd::DICTIONARY_WRONG,
        ..Error::new(ErrorKind::Dictionary, message)
    }
}

fn mismatch(message: String) -> Error {
    Error::new(ErrorKind::SizeMismatch, message)
}

/// A frame that decodes to `actual` bytes where `expected` were given (`given`) or declared by
/// its header.
fn decodes_to(given: bool, expected: usize, actual: impl std::fmt::Display) -> Error {
    let declared = if given {
        "the size given is"
    } else {
        "the frame header says"
    };
    mismatch(format!(
        "{declared} {expected} bytes but the frame decompresses to {actual}"
    ))
}

/// Adds the header pass's failures to the batch's, in item order; in fail-fast mode the
/// batch (cut short before the failure) succeeded, so the header failure is the result.
fn merge<T>(mut out: Outcome<T>, early: Vec<Failure>, keep_going: bool) -> Result<Outcome<T>> {
    if !keep_going {
        return match early.into_iter().next() {
            Some(e) => Err(e.into_error()),
            None => Ok(out),
        };
    }
    out.failures = batch::in_item_order(vec![std::mem::take(&mut out.failures), early])?;
    Ok(out)
}

struct DecompressJob<'a, I: ?Sized> {
    d: &'a Decompressor,
    frames: &'a I,
    sizes: Vec<u64>,
}

impl<I: Items + ?Sized> Job for DecompressJob<'_, I> {
    type Context = DCtx;

    fn count(&self) -> usize {
        self.sizes.len()
    }

    fn total(&self) -> usize {
        self.frames.count()
    }

    fn weight(&self, i: usize) -> u64 {
        match self.sizes[i] {
            SKIP => 0,
            size => size,
        }
    }

    fn bound(&self, i: usize) -> Option<usize> {
        usize::try_from(self.weight(i)).ok()
    }

    fn context(&self) -> Result<DCtx> {
        self.d.contexts.take(|| self.d.new_context())
    }

    fn recycle(&self, ctx: DCtx) {
        let bytes = ctx.memory_size();
        self.d.contexts.give(ctx, bytes);
    }

    fn run(&self, dctx: &mut DCtx, i: usize, dst: &mut impl Dst) -> Result<()> {
        let expected = match self.sizes[i] {
            SKIP => return Ok(()),
            size => size as usize,
        };
        let frame = self.frames.item(i);
        // The plan checked the header and that the frame ends where the item does.
        // zstd decodes faster when the output has a little room past the content: its wild
        // copies may then run over the end. The room is the following items' space (never past
        // the chunk's region), which they overwrite; a frame that really decodes to more than
        // `expected` is a mismatch and is discarded.
        match dctx.decompress(frame, dst, expected.saturating_add(DECODE_SLACK)) {
            Ok(n) if n == expected => Ok(()),
            // zstd checks a content size in the header itself: this one was given.
            Ok(n) => Err(decodes_to(true, expected, n)),
            Err(e) => Err(self.d.decode_error(dctx, frame, expected, e)),
        }
    }
}

/// The header of the standard (not magicless) data frame at the start of `frame`: content
/// size, dictionary ID, checksum flag, window; nothing is decompressed.
pub fn frame_header(frame: &[u8]) -> Result<FrameHeader> {
    data_frame_header(frame, false)
}

/// The content size recorded in the header of the standard frame at the start of `frame`.
pub fn frame_content_size(frame: &[u8]) -> Result<u64> {
    frame_header(frame)?.content_size.ok_or_else(|| {
        Error::new(
            ErrorKind::NoContentSize,
            "the frame header records no content size",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::{CParam, Compressor};
    use crate::corpus;
    use crate::zstd::reference;

    fn views(items: &[Vec<u8>]) -> Vec<&[u8]> {
        items.iter().map(Vec::as_slice).collect()
    }

    fn opts(threads: i32, keep_going: bool) -> BatchOptions<'static> {
        BatchOptions {
            threads,
            keep_going,
            progress: None,
        }
    }

    fn compress(c: &Compressor, items: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let out = c.compress(&views(items)[..], &mut opts(2, false)).unwrap();
        (0..items.len())
            .map(|i| out.output.get(i).unwrap().to_vec())
            .collect()
    }

    fn items() -> Vec<Vec<u8>> {
        let mut items = corpus::json_records(500, 11);
        items.insert(0, Vec::new());
        items.extend(corpus::text_chunks(6, 64 << 10, 12));
        items.extend(corpus::low_compressibility(10, 4096, 13));
        items.extend([Vec::new(), Vec::new()]);
        items
    }

    fn decompress(
        d: &Decompressor,
        frames: &[Vec<u8>],
        sizes: Option<&[u64]>,
        threads: i32,
    ) -> Result<Vec<Vec<u8>>> {
        let out = d.decompress(&views(frames)[..], sizes, &mut opts(threads, false))?;
        assert_eq!(out.output.count(), frames.len());
        Ok((0..frames.len())
            .map(|i| out.output.get(i).unwrap().to_vec())
            .collect())
    }

    fn into(
        d: &Decompressor,
        frames: &[Vec<u8>],
        opts: &mut BatchOptions,
        dst: &mut [MaybeUninit<u8>],
    ) -> Result<Packed> {
        d.decompress_into(&views(frames)[..], None, opts, dst)
    }

    #[test]
    fn round_trips_at_every_level_class_and_thread_count() {
        let items = items();
        let d = Decompressor::new();
        for level in [-5, 1, 3, 19] {
            let frames = compress(&Compressor::new(level).unwrap(), &items);
            for threads in [0, 1, 2, -1] {
                assert_eq!(
                    decompress(&d, &frames, None, threads).unwrap(),
                    items,
                    "level {level} threads {threads}"
                );
            }
        }
    }

    #[test]
    fn into_dst_of_the_exact_total_packs_items_in_order() {
        let items = items();
        let frames = compress(&Compressor::new(3).unwrap(), &items);
        let total: usize = items.iter().map(Vec::len).sum();
        let d = Decompressor::new();
        for threads in [1, 2] {
            let mut dst = vec![MaybeUninit::new(0x55u8); total + 8];
            let out = into(&d, &frames, &mut opts(threads, false), &mut dst[..total]).unwrap();
            let (used, segs) = out.output;
            assert_eq!(used, total);
            reference::check_packed(&dst, total, 0x55, &segs, &items);
            let mut short = vec![MaybeUninit::new(0u8); total - 1];
            let err = into(&d, &frames, &mut opts(threads, false), &mut short).unwrap_err();
            assert_eq!(err.kind, ErrorKind::DstTooSmall);
        }
    }

    #[test]
    fn in_per_item_mode_into_dst_needs_room_only_for_frames_whose_header_passes() {
        let items = corpus::json_records(5, 21);
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::Checksum, 1).unwrap();
        let mut frames = compress(&c, &items);
        let sizes: Vec<usize> = items.iter().map(Vec::len).collect();
        let total: usize = sizes.iter().sum();
        let d = Decompressor::new();
        // Frame 2 cut to its first 3 bytes fails the header checks; frame 3 with a spoiled
        // checksum fails only when decoded.
        frames[2].truncate(3);
        let last = frames[3].len() - 1;
        frames[3][last] ^= 0xff;
        let run = |capacity: usize| {
            let mut dst = vec![MaybeUninit::new(0u8); capacity];
            into(&d, &frames, &mut opts(2, true), &mut dst).map(|p| {
                (
                    p.output,
                    p.failures.iter().map(|e| e.item).collect::<Vec<_>>(),
                )
            })
        };
        let room = total - sizes[2];
        let ((used, segs), failed) = run(room).unwrap();
        assert_eq!(failed, [2, 3]);
        assert_eq!(used, room - sizes[3], "failed items are empty");
        assert_eq!((segs[2].length, segs[3].length), (0, 0));
        assert_eq!(segs[4].length, sizes[4] as u64);
        let err = run(room - 1).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::DstTooSmall,
            "frame 3 still needs its room"
        );
    }

    #[test]
    fn in_per_item_mode_into_dst_packs_the_good_items_of_many_chunks() {
        // Enough bytes for many chunks at threads 2, with spoiled checksums spread over them:
        // failed items leave room behind that later chunks must move into.
        let mut items = corpus::json_records(6000, 31);
        items.extend(corpus::text_chunks(8, 64 << 10, 32));
        items.extend(corpus::json_records(3000, 33));
        let mut c = Compressor::new(1).unwrap();
        c.set_param(CParam::Checksum, 1).unwrap();
        let mut frames = compress(&c, &items);
        let bad: Vec<usize> = (5..frames.len()).step_by(613).collect();
        let mut want = items.clone();
        for &k in &bad {
            let last = frames[k].len() - 1;
            frames[k][last] ^= 0xff;
            want[k].clear();
        }
        let total: usize = items.iter().map(Vec::len).sum();
        let d = Decompressor::new();
        for threads in [1, 2, 3] {
            let mut dst = vec![MaybeUninit::new(0x55u8); total + 8];
            let out = into(&d, &frames, &mut opts(threads, true), &mut dst[..total]).unwrap();
            let failed: Vec<_> = out.failures.iter().map(|e| e.item).collect();
            assert_eq!(failed, bad.iter().map(|&k| k as u64).collect::<Vec<_>>());
            let (used, segs) = out.output;
            assert_eq!(used, want.iter().map(Vec::len).sum::<usize>());
            reference::check_packed(&dst, total, 0x55, &segs, &want);
            let ends = segs.iter().scan(0, |at, s| {
                let ok = s.offset == *at;
                *at += s.length;
                Some(ok)
            });
            assert!(ends.into_iter().all(|ok| ok), "back to back, in item order");
        }
    }

    /// Frames of `items` with one bad frame at `bad`, made by `spoil`.
    fn with_bad(bad: usize, spoil: impl FnOnce(&mut Vec<u8>)) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let items = corpus::json_records(300, 21);
        let mut frames = compress(&Compressor::new(3).unwrap(), &items);
        spoil(&mut frames[bad]);
        (items, frames)
    }

    fn expect_item_error(
        frames: &[Vec<u8>],
        d: &Decompressor,
        bad: usize,
        kind: ErrorKind,
    ) -> Error {
        let mut last = None;
        for threads in [1, 2] {
            let err = decompress(d, frames, None, threads).unwrap_err();
            assert_eq!(
                (err.kind, err.item),
                (kind, Some(bad as u64)),
                "threads {threads}: {err}"
            );
            last = Some(err);
        }
        last.unwrap()
    }

    #[test]
    fn bad_frames_fail_their_item_without_crashing() {
        let d = Decompressor::new();
        type Spoil = Box<dyn Fn(&mut Vec<u8>)>;
        let cases: Vec<(&str, Spoil, ErrorKind)> = vec![
            (
                "truncated",
                Box::new(|f: &mut Vec<u8>| f.truncate(f.len() - 3)),
                ErrorKind::Zstd,
            ),
            (
                "empty",
                Box::new(|f: &mut Vec<u8>| f.clear()),
                ErrorKind::Zstd,
            ),
            (
                "header only",
                Box::new(|f: &mut Vec<u8>| f.truncate(5)),
                ErrorKind::Zstd,
            ),
            (
                "trailing bytes",
                Box::new(|f: &mut Vec<u8>| f.extend_from_slice(b"xyz")),
                ErrorKind::Zstd,
            ),
            (
                "second frame",
                Box::new(|f: &mut Vec<u8>| {
                    let g = f.clone();
                    f.extend_from_slice(&g)
                }),
                ErrorKind::Zstd,
            ),
            (
                "bad magic",
                Box::new(|f: &mut Vec<u8>| f[0] ^= 0xFF),
                ErrorKind::Zstd,
            ),
            (
                "reserved block type",
                Box::new(|f: &mut Vec<u8>| {
                    let h = zstd::frame_header(f, false).unwrap().header_size;
                    f[h] |= 0x06
                }),
                ErrorKind::Zstd,
            ),
        ];
        for (name, spoil, kind) in cases {
            let (_, frames) = with_bad(123, spoil);
            let Err(err) = decompress(&d, &frames, None, 1) else {
                panic!("{name}: decompressed")
            };
            assert_eq!((err.kind, err.item), (kind, Some(123)), "{name}: {err}");
        }
    }

    #[test]
    fn checksum_mismatch_is_a_zstd_error() {
        let items = corpus::json_records(50, 3);
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::Checksum, 1).unwrap();
        let mut frames = compress(&c, &items);
        let last = frames[7].len() - 1;
        frames[7][last] ^= 1;
        let err = expect_item_error(&frames, &Decompressor::new(), 7, ErrorKind::Zstd);
        assert!(err.message.contains("checksum"), "{err}");
    }

    #[test]
    fn sizes_must_match_exactly_and_are_needed_without_content_size() {
        let items = corpus::json_records(100, 4);
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::ContentSize, 0).unwrap();
        let frames = compress(&c, &items);
        let d = Decompressor::new();
        expect_item_error(&frames, &d, 0, ErrorKind::NoContentSize);
        let mut sizes: Vec<u64> = items.iter().map(|i| i.len() as u64).collect();
        assert_eq!(decompress(&d, &frames, Some(&sizes), 2).unwrap(), items);
        sizes[40] += 1;
        let err = decompress(&d, &frames, Some(&sizes), 2).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::SizeMismatch, Some(40)));
        let (declared, actual) = (sizes[40].to_string(), items[40].len().to_string());
        assert!(
            err.message.contains(&declared) && err.message.contains(&actual),
            "{err}"
        );
        sizes[40] -= 2;
        let err = decompress(&d, &frames, Some(&sizes), 1).unwrap_err();
        assert_eq!(
            (err.kind, err.item),
            (ErrorKind::SizeMismatch, Some(40)),
            "{err}"
        );
        // A size given for a frame whose header records another one.
        let with_size = compress(&Compressor::new(3).unwrap(), &items);
        let mut given = vec![SIZE_UNKNOWN; items.len()];
        given[9] = 5;
        let err = decompress(&d, &with_size, Some(&given), 1).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::SizeMismatch, Some(9)));
        assert!(err.message.contains('5') && err.message.contains(&items[9].len().to_string()));
    }

    #[test]
    fn limits_fail_before_allocating() {
        let items = corpus::json_records(100, 5);
        let frames = compress(&Compressor::new(3).unwrap(), &items);
        let mut d = Decompressor::new();
        let biggest = items.iter().map(Vec::len).max().unwrap();
        let at = items.iter().position(|i| i.len() == biggest).unwrap();
        d.set_max_item_size(biggest as u64 - 1);
        expect_item_error(&frames, &d, at, ErrorKind::Limit);
        d.set_max_item_size(DEFAULT_MAX_ITEM_SIZE);
        let total: u64 = items.iter().map(|i| i.len() as u64).sum();
        d.set_max_total_size(total - 1);
        let err = decompress(&d, &frames, None, 2).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::Limit, None));
        d.set_max_total_size(total);
        assert_eq!(decompress(&d, &frames, None, 2).unwrap(), items);

        // A 17-byte frame that declares 100 GiB.
        let mut bomb = vec![0x28, 0xB5, 0x2F, 0xFD, 0xE0];
        bomb.extend_from_slice(&(100u64 << 30).to_le_bytes());
        bomb.extend_from_slice(&[0x01, 0x00, 0x00, 0x00]);
        let err = decompress(&Decompressor::new(), &[bomb], None, 1).unwrap_err();
        assert_eq!((err.kind, err.item), (ErrorKind::Limit, Some(0)));
    }

    #[test]
    fn window_log_max_rejects_larger_windows_and_magicless_round_trips() {
        let items = corpus::text_chunks(3, 1 << 20, 6);
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::WindowLog, 20).unwrap();
        let frames = compress(&c, &items);
        let mut d = Decompressor::new();
        d.set_param(DParam::WindowLogMax, 10).unwrap();
        expect_item_error(&frames, &d, 0, ErrorKind::Limit);
        d.set_param(DParam::WindowLogMax, 20).unwrap();
        assert_eq!(decompress(&d, &frames, None, 2).unwrap(), items);
        assert_eq!(
            d.set_param(DParam::WindowLogMax, 5).unwrap_err().kind,
            ErrorKind::InvalidArgument
        );

        // A header declaring a window over 2^31 (descriptor 0xB0: log 32), which no zstd
        // decodes, is over any window limit too.
        let huge_window = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xB0, 0x01, 0x00, 0x00];
        for d in [Decompressor::new(), d] {
            let err =
                expect_item_error(std::slice::from_ref(&huge_window), &d, 0, ErrorKind::Limit);
            assert!(err.message.contains("window over 2^31"), "{err}");
        }
        // Reading the header alone, it is not a valid one.
        assert_eq!(
            frame_content_size(&huge_window).unwrap_err().kind,
            ErrorKind::Zstd
        );

        c.set_param(CParam::Magicless, 1).unwrap();
        let magicless = compress(&c, &items);
        let err = expect_item_error(&magicless, &Decompressor::new(), 0, ErrorKind::Zstd);
        assert!(err.message.contains("magicless frames need"), "{err}");
        // The static message names zstd's error as zstd does.
        let Err(HeaderError::Zstd(z)) = zstd::frame_header(&magicless[0], false) else {
            panic!("a magicless frame read as a standard one")
        };
        assert_eq!(err.zstd_code, z.code());
        let named = format!("invalid frame header: {} (", z.name());
        assert!(err.message.starts_with(&named), "{err}");
        let mut d = Decompressor::new();
        d.set_param(DParam::Magicless, 1).unwrap();
        assert_eq!(decompress(&d, &magicless, None, 2).unwrap(), items);
        let framed = compress(&Compressor::new(3).unwrap(), &items);
        let err = expect_item_error(&framed, &d, 0, ErrorKind::Zstd);
        assert!(err.message.contains("expects magicless frames"), "{err}");
        let mut trailing = magicless.clone();
        trailing[1].push(0);
        expect_item_error(&trailing, &d, 1, ErrorKind::Zstd);
    }

    #[test]
    fn dictionaries_are_required_and_must_match() {
        let samples = corpus::json_records(2000, 7);
        let mut data = Vec::new();
        let mut segments = Vec::new();
        for s in &samples {
            segments.push(crate::Segment {
                offset: data.len() as u64,
                length: s.len() as u64,
            });
            data.extend_from_slice(s);
        }
        let samples = crate::Buffer::from_vec(data, segments).unwrap();
        let train = |cap: usize| crate::compress::train_dictionary(&samples, cap).unwrap();
        let (dict, other) = (train(8 << 10), train(4 << 10));
        let items = corpus::json_records(200, 8);
        let mut c = Compressor::new(3).unwrap();
        c.load_dictionary(&dict).unwrap();
        let frames = compress(&c, &items);
        // Found in the header pass, with zstd's code for it.
        let none = expect_item_error(&frames, &Decompressor::new(), 0, ErrorKind::Dictionary);
        assert_eq!(none.zstd_code, zstd::DICTIONARY_WRONG);
        let mut wrong = Decompressor::new();
        wrong.load_dictionary(&other).unwrap();
        let wrong = expect_item_error(&frames, &wrong, 0, ErrorKind::Dictionary);
        assert_eq!(wrong.zstd_code, zstd::DICTIONARY_WRONG);
        let mut right = Decompressor::new();
        right.load_dictionary(&dict).unwrap();
        for threads in [1, 2] {
            assert_eq!(decompress(&right, &frames, None, threads).unwrap(), items);
        }
    }

    #[test]
    fn keep_going_completes_the_rest_and_lists_failures_in_order() {
        // Enough items that the header pass runs in several parts at threads 2.
        let items = corpus::json_records(5000, 9);
        let mut frames = compress(&Compressor::new(1).unwrap(), &items);
        frames[3].truncate(4);
        frames[500].push(7);
        frames[2600].truncate(10);
        frames[4999].clear();
        for threads in [1, 2] {
            let out = Decompressor::new()
                .decompress(&views(&frames)[..], None, &mut opts(threads, true))
                .unwrap();
            let failed: Vec<u64> = out.failures.iter().map(|e| e.item).collect();
            assert_eq!(failed, [3, 500, 2600, 4999]);
            for (i, item) in items.iter().enumerate() {
                let got = out.output.get(i).unwrap();
                if failed.contains(&(i as u64)) {
                    assert!(got.is_empty());
                } else {
                    assert_eq!(got, &item[..], "item {i}");
                }
            }
        }
    }

    #[test]
    fn only_the_first_failures_keep_their_message_however_the_batch_is_cut() {
        // Failures in the header pass and in decompression, in many parts and chunks: a few
        // spread out and a run of many in one part, so that the first 16 come from several.
        let items = corpus::json_records(5000, 4);
        let mut frames = compress(&Compressor::new(1).unwrap(), &items);
        let mut bad: Vec<usize> = (0..5000).step_by(331).chain(1000..1100).collect();
        bad.sort();
        for (k, &i) in bad.iter().enumerate() {
            match k % 2 {
                0 => frames[i].truncate(3),
                _ => frames[i][8] ^= 0xff,
            }
        }
        let mut seen = None;
        for threads in [1, 2, 3] {
            let out = Decompressor::new()
                .decompress(&views(&frames)[..], None, &mut opts(threads, true))
                .unwrap();
            let failed: Vec<usize> = out.failures.iter().map(|f| f.item as usize).collect();
            assert_eq!(failed, bad);
            let kept: Vec<String> = out
                .failures
                .iter()
                .filter_map(|f| f.error().map(|e| e.to_string()))
                .collect();
            assert_eq!(kept.len(), batch::DETAILED);
            assert!(out.failures[..batch::DETAILED]
                .iter()
                .all(|f| f.error().is_some_and(|e| e.item == Some(f.item))));
            let last = out.failures.last().unwrap().clone();
            assert_eq!(
                last.to_string(),
                format!("item {}: {:?} (details not kept)", last.item, last.kind)
            );
            assert_eq!(last.into_error().item, Some(*bad.last().unwrap() as u64));
            match &seen {
                None => seen = Some(kept),
                Some(before) => assert_eq!(&kept, before, "threads {threads}"),
            }
        }
    }

    #[test]
    fn lowest_failing_item_wins_in_fail_fast_mode() {
        // Enough items that the header pass runs in several parts at threads 2.
        let items = corpus::json_records(5000, 10);
        let mut frames = compress(&Compressor::new(1).unwrap(), &items);
        frames[1500].clear(); // found from the header, in a later part
        frames[4000].push(0); // found from the frame's end, in a later part still
        for threads in [1, 2] {
            let err = decompress(&Decompressor::new(), &frames, None, threads).unwrap_err();
            assert_eq!(err.item, Some(1500), "threads {threads}: {err}");
        }
        let n = frames[20].len();
        frames[20][n / 2..].iter_mut().for_each(|b| *b ^= 0xA5); // found while decompressing
        for threads in [1, 2] {
            let err = decompress(&Decompressor::new(), &frames, None, threads).unwrap_err();
            assert_eq!(err.item, Some(20), "threads {threads}: {err}");
        }
    }

    #[test]
    fn progress_counts_the_whole_batch_when_a_header_fails_early() {
        let mut frames = compress(&Compressor::new(1).unwrap(), &corpus::json_records(3, 15));
        frames[1].clear();
        for threads in [1, 2] {
            let mut totals = Vec::new();
            let mut cb = |_, total| {
                totals.push(total);
                true
            };
            let mut opts = BatchOptions {
                threads,
                keep_going: false,
                progress: Some(&mut cb),
            };
            let err = Decompressor::new()
                .decompress(&views(&frames)[..], None, &mut opts)
                .unwrap_err();
            assert_eq!(err.item, Some(1));
            assert!(
                !totals.is_empty() && totals.iter().all(|&t| t == 3),
                "{totals:?}"
            );
        }
    }

    #[test]
    fn empty_batches_and_empty_frames_keep_their_count() {
        let d = Decompressor::new();
        assert_eq!(decompress(&d, &[], None, 2).unwrap().len(), 0);
        let c = Compressor::new(3).unwrap();
        let one_empty = compress(&c, &[Vec::new()]);
        assert_eq!(
            decompress(&d, &one_empty, None, 2).unwrap(),
            vec![Vec::<u8>::new()]
        );
        let mut items = corpus::text_chunks(40, 32 << 10, 14);
        items.extend(std::iter::repeat(Vec::new()).take(5));
        let frames = compress(&c, &items);
        assert_eq!(decompress(&d, &frames, None, 2).unwrap(), items);
        let many: Vec<Vec<u8>> = (0..100_000u32)
            .map(|i| i.to_string().into_bytes())
            .collect();
        let frames = compress(&Compressor::new(1).unwrap(), &many);
        assert_eq!(decompress(&d, &frames, None, 2).unwrap(), many);
    }

    #[test]
    fn frame_content_size_reads_the_header() {
        let frame = reference::compress_simple(b"hello world", 3);
        assert_eq!(frame_content_size(&frame).unwrap(), 11);
        assert_eq!(
            frame_content_size(&frame[..3]).unwrap_err().kind,
            ErrorKind::Zstd
        );
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::ContentSize, 0).unwrap();
        let frames = compress(&c, &[b"hello".to_vec()]);
        assert_eq!(
            frame_content_size(&frames[0]).unwrap_err().kind,
            ErrorKind::NoContentSize
        );
    }

    #[test]
    fn frame_headers_give_dictionary_ids_and_flags() {
        // Single segment, 1-byte content size, no dictionary, no checksum.
        let plain = frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05]).unwrap();
        assert_eq!(plain.content_size, Some(5));
        assert_eq!((plain.dict_id, plain.checksum), (0, false));
        // Window descriptor, 4-byte dictionary ID, checksum, no content size.
        let with_dict = [0x28, 0xB5, 0x2F, 0xFD, 0x07, 0x58, 0x78, 0x56, 0x34, 0x12];
        let h = frame_header(&with_dict).unwrap();
        assert_eq!(h.content_size, None);
        assert_eq!((h.dict_id, h.checksum), (0x1234_5678, true));
        assert!(frame_header(&with_dict[..8]).is_err());
        let mut reserved = with_dict;
        reserved[4] |= 0x08;
        assert!(frame_header(&reserved).is_err());
        assert!(frame_header(b"not a frame").is_err());
    }

    #[test]
    fn dictionary_ids_come_from_zstd_format_dictionaries_only() {
        use crate::zstd::dictionary_id;
        assert_eq!(
            dictionary_id(&[0x37, 0xA4, 0x30, 0xEC, 1, 0, 0, 0, 9]),
            Some(1)
        );
        assert_eq!(
            dictionary_id(&[0x37, 0xA4, 0x30, 0xEC, 0, 0, 0, 0]),
            Some(0)
        );
        assert_eq!(dictionary_id(b"raw content dictionary"), None);
        assert_eq!(dictionary_id(&[0x37, 0xA4, 0x30, 0xEC, 1]), None);
    }

    /// The error decompressing `frame` alone (threads 1) or as item 150 of 300 (threads 2).
    fn lone_and_batched_errors(d: &Decompressor, frame: &[u8], given: u64) -> [Error; 2] {
        let filler = corpus::json_records(299, 5);
        let mut frames = compress(&Compressor::new(3).unwrap(), &filler);
        frames.insert(150, frame.to_vec());
        let mut sizes: Vec<u64> = filler.iter().map(|v| v.len() as u64).collect();
        sizes.insert(150, given);
        let lone = decompress(d, &frames[150..151], Some(&sizes[150..151]), 1).unwrap_err();
        let batched = decompress(d, &frames, Some(&sizes), 2).unwrap_err();
        assert_eq!(batched.item, Some(150));
        [lone, batched]
    }

    fn assert_mismatch(e: &Error, message: &str) {
        assert_eq!(e.kind, ErrorKind::SizeMismatch, "{}", e.message);
        assert_eq!(e.message, message);
    }

    #[test]
    fn a_given_size_too_small_is_a_mismatch_naming_the_real_size() {
        let mut c = Compressor::new(3).unwrap();
        c.set_param(CParam::ContentSize, 0).unwrap();
        let d = Decompressor::new();
        for len in [5usize, 1190, 100_000] {
            let item = corpus::json_records(400, 3).concat()[..len].to_vec();
            let frame = &compress(&c, &[item])[0];
            for given in [len as u64 - 1, len as u64 / 2 + 1, len as u64 + 1] {
                for e in lone_and_batched_errors(&d, frame, given) {
                    assert_mismatch(
                        &e,
                        &format!(
                            "the size given is {given} bytes but the frame decompresses to {len}"
                        ),
                    );
                }
            }
        }
        // A window far larger than the item (1 GiB) costs the count nothing.
        let text = corpus::text_chunks(1, 3 << 20, 6).concat();
        let mut frame = compress(&c, &[text])[0].clone();
        assert!(frame_header(&frame).unwrap().window_size < 4 << 20);
        frame[5] = (30 - 10) << 3; // window descriptor: 1 GiB, still a valid frame
        assert_eq!(frame_header(&frame).unwrap().window_size, 1 << 30);
        let given = (3 << 20) - 100_000;
        for e in lone_and_batched_errors(&d, &frame, given) {
            assert_mismatch(
                &e,
                &format!(
                    "the size given is {given} bytes but the frame decompresses to {}",
                    3 << 20
                ),
            );
        }
        // The count stops at twice the given size, or 64 bytes past it, or 128 KiB past it: a
        // bad item costs about what a good one of its size does.
        let big = vec![7u8; 3 << 20];
        let frame = &compress(&c, &[big])[0];
        for (given, limit) in [
            (1000, 2000),
            (1, 65),
            ((2 << 20) + 1, (2 << 20) + 1 + (128 << 10)),
        ] {
            for e in lone_and_batched_errors(&d, frame, given) {
                assert_mismatch(
                    &e,
                    &format!(
                        "the size given is {given} bytes but the frame decompresses to more than {limit}"
                    ),
                );
            }
        }
    }

    /// `frame` with its content size field (of `width` bytes, ending where its header of `end`
    /// bytes does) set to `declared`.
    fn declaring(frame: &[u8], end: usize, width: usize, declared: u64) -> Vec<u8> {
        let declared = if width == 2 { declared - 256 } else { declared };
        let mut lie = frame.to_vec();
        lie[end - width..end].copy_from_slice(&declared.to_le_bytes()[..width]);
        lie
    }

    #[test]
    fn a_header_that_declares_another_size_than_its_content_is_a_mismatch() {
        let d = Decompressor::new();
        // Single segment, compressed blocks (offsets reach back into the content).
        // (A block of 50000 bytes: the rewritten header's window must hold it.)
        let text = corpus::text_chunks(1, 50_000, 4).concat();
        let frame = reference::compress_simple(&text, 3);
        // Magic number, descriptor, 2-byte content size.
        assert_eq!(frame_header(&frame).unwrap().header_size, 7);
        for declared in [49_000, 51_000] {
            let lie = declaring(&frame, 7, 2, declared);
            assert_eq!(frame_content_size(&lie).unwrap(), declared);
            let message = format!(
                "the frame header says {declared} bytes but the frame decompresses to 50000"
            );
            for given in [SIZE_UNKNOWN, declared] {
                for e in lone_and_batched_errors(&d, &lie, given) {
                    assert_mismatch(&e, &message);
                }
            }
        }
        // A declared size smaller than the frame's (compressed) block, so also than the window
        // it implies: zstd rejects the block, the count finds the real size.
        let dense = corpus::low_compressibility(1, 50_000, 7).concat();
        let frame = reference::compress_simple(&dense, 3);
        assert_eq!(frame_header(&frame).unwrap().header_size, 7);
        assert!(frame.len() > 40_000, "one block of about 47 KB");
        let lie = declaring(&frame, 7, 2, 30_000);
        for e in lone_and_batched_errors(&d, &lie, SIZE_UNKNOWN) {
            assert_mismatch(
                &e,
                "the frame header says 30000 bytes but the frame decompresses to 50000",
            );
        }
        // Content over twice the declared size: past what the count decodes, the frame is
        // corrupt (a header lie cannot be told from a corrupt block there).
        let lie = declaring(&frame, 7, 2, 300);
        for e in lone_and_batched_errors(&d, &lie, SIZE_UNKNOWN) {
            assert_eq!(e.kind, ErrorKind::Zstd, "{}", e.message);
            let declares = "longer than the 300 bytes its header declares";
            assert!(e.message.contains(declares), "{}", e.message);
        }
        // A window descriptor and a 4-byte content size (content larger than the window),
        // with a checksum.
        let big = corpus::text_chunks(1, 3 << 20, 5).concat();
        let frame = reference::compress_with(
            &big,
            &[
                (zstd_sys::ZSTD_cParameter::ZSTD_c_windowLog, 18),
                (zstd_sys::ZSTD_cParameter::ZSTD_c_checksumFlag, 1),
            ],
            &[],
        );
        assert_eq!(frame_header(&frame).unwrap().window_size, 1 << 18);
        let end = frame_header(&frame).unwrap().header_size;
        let lie = declaring(&frame, end, 4, (3 << 20) - 5);
        for e in lone_and_batched_errors(&d, &lie, SIZE_UNKNOWN) {
            assert_mismatch(
                &e,
                &format!(
                    "the frame header says {} bytes but the frame decompresses to {}",
                    (3 << 20) - 5,
                    3 << 20
                ),
            );
        }
        // A lie and a corrupt block: the frame is corrupt, not a mismatch.
        let mut both = declaring(&frame, end, 4, 5 << 20);
        let at = both.len() / 2;
        both[at] ^= 0x55;
        for e in lone_and_batched_errors(&d, &both, SIZE_UNKNOWN) {
            assert_eq!(e.kind, ErrorKind::Zstd, "{}", e.message);
        }
    }

    #[test]
    fn a_lying_magicless_frame_with_a_dictionary_is_a_mismatch_too() {
        let dict = corpus::json_records(50, 9).concat();
        let mut c = Compressor::new(3).unwrap();
        c.load_dictionary(&dict).unwrap();
        c.set_param(CParam::Magicless, 1).unwrap();
        let item = corpus::json_records(1, 10).concat();
        let frame = &compress(&c, std::slice::from_ref(&item))[0];
        let mut d = Decompressor::new();
        d.set_param(DParam::Magicless, 1).unwrap();
        d.load_dictionary(&dict).unwrap();
        let h = d.header(frame).unwrap();
        assert_eq!(h.content_size, Some(item.len() as u64));
        assert!(
            (256..65536 + 256).contains(&item.len()),
            "a 2-byte content size field"
        );
        let declared = item.len() as u64 + 3;
        let lie = declaring(frame, h.header_size, 2, declared);
        let frames = vec![frame.clone(), lie, frame.clone()];
        let out = d
            .decompress(&views(&frames)[..], None, &mut opts(1, true))
            .unwrap();
        assert_eq!(out.output.get(0).unwrap(), &item[..]);
        assert_eq!(out.failures.len(), 1);
        assert_mismatch(
            out.failures[0].error().unwrap(),
            &format!(
                "the frame header says {declared} bytes but the frame decompresses to {}",
                item.len()
            ),
        );
    }
}
