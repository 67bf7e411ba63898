//! `Decompressor`: a prepared dictionary, limits and format; every output size is known before
//! any work starts, so output is laid out exactly and limits are checked before allocating.

use std::mem::MaybeUninit;
use std::sync::Mutex;

use zstd_sys::ZSTD_dParameter as P;

use crate::batch::{self, BatchOptions, Items, Job, Outcome, Packed};
use crate::collection::Collection;
use crate::compress::{switch, zero_or_within, zstd_error};
use crate::error::{Error, ErrorKind, Result};
use crate::zstd::{self, DCtx, DDict, Dst, FrameHeader, HeaderError};

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
    contexts: Mutex<Vec<DCtx>>,
    dict: Option<DDict>,
}

impl Default for Decompressor {
    fn default() -> Self {
        Decompressor {
            max_item: DEFAULT_MAX_ITEM_SIZE,
            max_total: u64::MAX,
            window_log_max: 0,
            magicless: false,
            contexts: Mutex::new(Vec::new()),
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
            _ => Some(DDict::new(dict).ok_or_else(|| {
                Error::new(
                    ErrorKind::Dictionary,
                    format!("zstd rejected the {}-byte dictionary", dict.len()),
                )
            })?),
        };
        self.contexts.get_mut().map(Vec::clear).ok();
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
        self.contexts.get_mut().map(Vec::clear).ok();
        Ok(())
    }

    /// Bytes held now: pooled contexts plus the dictionary.
    pub fn memory_size(&self) -> usize {
        let contexts: usize = batch::lock(&self.contexts)
            .iter()
            .map(DCtx::memory_size)
            .sum();
        contexts + self.dict.as_ref().map_or(0, DDict::memory_size)
    }

    /// Decompresses every frame into a new collection; frame `i` becomes item `i`.
    /// `sizes`, if given, has one entry per frame ([`SIZE_UNKNOWN`]: read the header).
    pub fn decompress<I: Items + ?Sized>(
        &self,
        frames: &I,
        sizes: Option<&[u64]>,
        opts: &mut BatchOptions,
    ) -> Result<Outcome<Collection>> {
        let (job, early) = self.plan(frames, sizes, opts.keep_going)?;
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
        let (job, early) = self.plan(frames, sizes, opts.keep_going)?;
        let out = batch::to_dst(&job, opts, dst)?;
        merge(out, early, opts.keep_going)
    }

    /// Reads every header and fixes every output size, checking limits before anything is
    /// allocated. Items that fail here are skipped by the job and returned. In fail-fast mode
    /// the job stops at the first such item, so that running it still finds any earlier item
    /// that fails only when decompressed (the lowest failing index wins).
    fn plan<'a, I: Items + ?Sized>(
        &'a self,
        frames: &'a I,
        sizes: Option<&[u64]>,
        keep_going: bool,
    ) -> Result<(DecompressJob<'a, I>, Vec<Error>)> {
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
        let mut failures = Vec::new();
        let mut total = 0u64;
        for i in 0..n {
            let given = sizes.map_or(SIZE_UNKNOWN, |s| s[i]);
            match self.item_size(frames.item(i), given) {
                Ok(size) => {
                    total = total.saturating_add(size);
                    out.push(size);
                }
                Err(e) => {
                    failures.push(e.at(i));
                    out.push(SKIP);
                    if !keep_going {
                        break;
                    }
                }
            }
        }
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

    /// The decompressed size of one frame, from `given` or its header, within the limits.
    fn item_size(&self, frame: &[u8], given: u64) -> Result<u64> {
        let h = self.header(frame)?;
        if h.dict_id != 0 {
            match &self.dict {
                None => {
                    return Err(Error::new(
                        ErrorKind::Dictionary,
                        format!("the frame needs dictionary {}, none is loaded", h.dict_id),
                    ))
                }
                Some(d) if d.id() != 0 && d.id() != h.dict_id => {
                    return Err(Error::new(
                        ErrorKind::Dictionary,
                        format!(
                            "the frame needs dictionary {}, the loaded one is {}",
                            h.dict_id,
                            d.id()
                        ),
                    ))
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
                return Err(mismatch(given, &format!("the frame header says {header}")))
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
        Ok(size)
    }

    /// The header of a data frame.
    fn header(&self, frame: &[u8]) -> Result<FrameHeader> {
        let h = zstd::frame_header(frame, self.magicless).map_err(|e| match e {
            HeaderError::Truncated => truncated(frame.len()),
            HeaderError::Zstd(e) => zstd_error(e, "invalid frame header"),
        })?;
        if h.skippable {
            return Err(Error::new(
                ErrorKind::Zstd,
                "a skippable frame is not a data frame",
            ));
        }
        Ok(h)
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

/// The size of frames the header pass already failed.
const SKIP: u64 = u64::MAX;

fn truncated(len: usize) -> Error {
    Error {
        zstd_code: zstd_sys::ZSTD_ErrorCode::ZSTD_error_srcSize_wrong as i64,
        ..Error::new(
            ErrorKind::Zstd,
            format!("truncated frame: {len} bytes end inside the frame"),
        )
    }
}

fn mismatch(declared: u64, actual: &str) -> Error {
    Error::new(
        ErrorKind::SizeMismatch,
        format!("declared size {declared} but {actual}"),
    )
}

/// Adds the header pass's failures to the batch's, in item order; in fail-fast mode the
/// batch (cut short before the failure) succeeded, so the header failure is the result.
fn merge<T>(mut out: Outcome<T>, early: Vec<Error>, keep_going: bool) -> Result<Outcome<T>> {
    if !keep_going {
        return match early.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(out),
        };
    }
    out.failures.extend(early);
    out.failures.sort_by_key(|e| e.item);
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
        let pooled = batch::lock(&self.d.contexts).pop();
        pooled.map_or_else(|| self.d.new_context(), Ok)
    }

    fn recycle(&self, ctx: DCtx) {
        batch::lock(&self.d.contexts).push(ctx);
    }

    fn run(&self, dctx: &mut DCtx, i: usize, dst: &mut impl Dst) -> Result<()> {
        let expected = match self.sizes[i] {
            SKIP => return Ok(()),
            size => size as usize,
        };
        let frame = self.frames.item(i);
        let h = self.d.header(frame)?;
        match zstd::frame_length(frame, &h) {
            None => return Err(truncated(frame.len())),
            Some(len) if len < frame.len() => {
                return Err(Error::new(
                    ErrorKind::Zstd,
                    format!(
                        "{} trailing bytes after the frame (a second frame or garbage)",
                        frame.len() - len
                    ),
                ))
            }
            Some(_) => {}
        }
        match dctx.decompress(frame, dst, expected) {
            Ok(n) if n == expected => Ok(()),
            Ok(n) => Err(mismatch(
                expected as u64,
                &format!("the frame decompresses to {n} bytes"),
            )),
            Err(e) if e.is_dst_too_small() => Err(mismatch(
                expected as u64,
                "the frame decompresses to more bytes",
            )),
            Err(e) => Err(zstd_error(e, "decompression failed")),
        }
    }
}

/// The content size recorded in the header of the standard frame at the start of `frame`.
pub fn frame_content_size(frame: &[u8]) -> Result<u64> {
    Decompressor::new()
        .header(frame)?
        .content_size
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NoContentSize,
                "the frame header records no content size",
            )
        })
}
