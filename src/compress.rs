//! `Compressor`: level, parameters and a prepared dictionary; zstd contexts are pooled and
//! reused across batches and threads.

use std::mem::MaybeUninit;

use zstd_sys::ZSTD_cParameter as P;

use crate::batch::{self, BatchOptions, Contexts, Items, Job, Outcome, Packed};
use crate::buffer::{Buffer, Segment};
use crate::collection::Collection;
use crate::error::{Error, ErrorKind, Result};
use crate::zstd::{self, CCtx, CDict, Dst, FrameFlags, ZstdError};

/// A compression parameter (values of `zseg_cparam`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CParam {
    /// 0/1: append a 32-bit checksum of the content to every frame (default 0).
    Checksum,
    /// 0/1: write the content size in every frame header (default 1).
    ContentSize,
    /// 0/1: write the dictionary ID in frames made with a dictionary (default 1).
    DictId,
    /// Window log, 0 for zstd's default.
    WindowLog,
    /// Strategy (1..=9), 0 for zstd's default.
    Strategy,
    /// 0/1: long-distance matching; 0 leaves it to zstd.
    LongDistance,
    /// 0/1: omit the 4-byte magic number (the decompressor must be told).
    Magicless,
}

/// Parameter values as set; applied to each context when it is created.
#[derive(Clone, Copy, Debug)]
struct Params {
    level: i32,
    checksum: i32,
    content_size: i32,
    dict_id: i32,
    window_log: i32,
    strategy: i32,
    long_distance: i32,
    magicless: i32,
}

/// Compresses batches of items, each as one independent zstd frame. Shareable between
/// threads; changing parameters needs exclusive access.
pub struct Compressor {
    params: Params,
    contexts: Contexts<CCtx>,
    dict: Option<CDict>,
}

/// Checks `value` is 0 or inside zstd's bounds for `param`.
pub(crate) fn zero_or_within(value: i64, (lo, hi): (i32, i32), what: &str) -> Result<i32> {
    if value == 0 || (i64::from(lo)..=i64::from(hi)).contains(&value) {
        Ok(value as i32)
    } else {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what} {value} is out of range: 0 (default) or {lo}..={hi}"),
        ))
    }
}

/// Checks a 0/1 switch.
pub(crate) fn switch(value: i64, what: &str) -> Result<i32> {
    match value {
        0 | 1 => Ok(value as i32),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what} must be 0 or 1, not {value}"),
        )),
    }
}

/// A zstd error as a core error.
pub(crate) fn zstd_error(e: ZstdError, context: &str) -> Error {
    let kind = if e.is_dictionary() {
        ErrorKind::Dictionary
    } else if e.is_out_of_memory() {
        ErrorKind::Alloc
    } else {
        ErrorKind::Zstd
    };
    Error {
        zstd_code: e.code(),
        ..Error::new(kind, format!("{context}: {}", e.name()))
    }
}

/// The error for a dictionary zstd did not digest: its reason when the dictionary's tables do
/// not parse; otherwise (they parse, or it is raw content) zstd ran out of memory.
pub(crate) fn rejected_dictionary(dict: &[u8]) -> Error {
    match zstd::dictionary_header_error(dict) {
        Some(e) if !e.is_out_of_memory() => Error {
            kind: ErrorKind::Dictionary,
            ..zstd_error(
                e,
                &format!("zstd rejected the {}-byte dictionary", dict.len()),
            )
        },
        _ => Error::alloc("digesting the dictionary"),
    }
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("params", &self.params)
            .field("dictionary", &self.dict.is_some())
            .finish()
    }
}

impl Compressor {
    /// A compressor at `level` (0 = zstd's default, else `ZSTD_minCLevel()..=ZSTD_maxCLevel()`).
    pub fn new(level: i32) -> Result<Self> {
        let level = zero_or_within(level.into(), zstd::level_range(), "compression level")?;
        Ok(Compressor {
            params: Params {
                level,
                checksum: 0,
                content_size: 1,
                dict_id: 1,
                window_log: 0,
                strategy: 0,
                long_distance: 0,
                magicless: 0,
            },
            contexts: Contexts::default(),
            dict: None,
        })
    }

    /// Sets `param`, checking its range now.
    pub fn set_param(&mut self, param: CParam, value: i64) -> Result<()> {
        let p = &mut self.params;
        match param {
            CParam::Checksum => p.checksum = switch(value, "checksum")?,
            CParam::ContentSize => p.content_size = switch(value, "content size")?,
            CParam::DictId => p.dict_id = switch(value, "dictionary ID")?,
            CParam::LongDistance => p.long_distance = switch(value, "long distance")?,
            CParam::Magicless => p.magicless = switch(value, "magicless")?,
            CParam::WindowLog => {
                p.window_log = zero_or_within(
                    value,
                    zstd::cparam_bounds(P::ZSTD_c_windowLog),
                    "window log",
                )?
            }
            CParam::Strategy => {
                p.strategy =
                    zero_or_within(value, zstd::cparam_bounds(P::ZSTD_c_strategy), "strategy")?
            }
        }
        self.contexts.clear();
        Ok(())
    }

    /// Digests `dict` (raw content or a zstd dictionary) for all following batches; an empty
    /// `dict` removes the dictionary.
    pub fn load_dictionary(&mut self, dict: &[u8]) -> Result<()> {
        self.dict = match dict {
            [] => None,
            _ => {
                Some(CDict::new(dict, self.params.level).ok_or_else(|| rejected_dictionary(dict))?)
            }
        };
        self.contexts.clear();
        Ok(())
    }

    /// Bytes held now: pooled contexts plus the dictionary.
    pub fn memory_size(&self) -> usize {
        self.contexts.memory_size() + self.dict.as_ref().map_or(0, CDict::memory_size)
    }

    /// Compresses every item into a new collection; item `i` becomes frame `i`.
    pub fn compress<I: Items + ?Sized>(
        &self,
        items: &I,
        opts: &mut BatchOptions,
    ) -> Result<Outcome<Collection>> {
        batch::to_collection(&self.job(items), opts, true)
    }

    /// Compresses every item into `dst`, frames packed back to back in item order. Any `dst`
    /// of at least [`compress_bound`] bytes succeeds; a smaller one succeeds when the frames
    /// fit, else fails with `DstTooSmall`.
    pub fn compress_into<I: Items + ?Sized>(
        &self,
        items: &I,
        opts: &mut BatchOptions,
        dst: &mut [MaybeUninit<u8>],
    ) -> Result<Packed> {
        let job = self.job(items);
        match batch::to_dst(&job, opts, dst) {
            // Refused before any work: dst is under the bound.
            Err(e) if e.kind == ErrorKind::DstTooSmall => {}
            done => return done,
        }
        // Staged, so that this takes about the frames' size in memory, not their bound (which
        // the caller's dst is under): a memory limit would fail the call otherwise.
        let Outcome { output, failures } = batch::to_collection(&job, opts, true)?;
        let used = output
            .buffers()
            .iter()
            .map(|b| b.data().len())
            .sum::<usize>();
        if used > dst.len() {
            return Err(Error::new(
                ErrorKind::DstTooSmall,
                format!("dst holds {} bytes, the frames need {used}", dst.len()),
            ));
        }
        let mut segments = Vec::new();
        segments
            .try_reserve_exact(output.count())
            .map_err(|_| Error::alloc("segments"))?;
        let mut pos = 0;
        for b in output.buffers() {
            let data = b.data();
            for (d, s) in dst[pos..pos + data.len()].iter_mut().zip(data) {
                d.write(*s);
            }
            segments.extend(b.segments().iter().map(|s| Segment {
                offset: s.offset + pos as u64,
                length: s.length,
            }));
            pos += data.len();
        }
        Ok(Outcome {
            output: (used, segments),
            failures,
        })
    }

    fn job<'a, I: Items + ?Sized>(&'a self, items: &'a I) -> CompressJob<'a, I> {
        CompressJob {
            c: self,
            items,
            direct: self.direct_flags(),
        }
    }

    /// The frame flags when the level and flags are all the settings there are (no dictionary,
    /// no window, strategy, long-distance or format setting): then every item can take zstd's
    /// direct one-shot path, which makes the same frames with less setup per item.
    fn direct_flags(&self) -> Option<FrameFlags> {
        let p = &self.params;
        let plain = self.dict.is_none()
            && p.window_log == 0
            && p.strategy == 0
            && p.long_distance == 0
            && p.magicless == 0;
        plain.then_some(FrameFlags {
            content_size: p.content_size == 1,
            checksum: p.checksum == 1,
            dict_id: p.dict_id == 1,
        })
    }

    fn new_context(&self) -> Result<CCtx> {
        let fail = |e| zstd_error(e, "cannot configure a compression context");
        let mut cctx =
            CCtx::new().ok_or_else(|| Error::alloc("cannot allocate a compression context"))?;
        let p = &self.params;
        for (param, value) in [
            (P::ZSTD_c_compressionLevel, p.level),
            (P::ZSTD_c_checksumFlag, p.checksum),
            (P::ZSTD_c_contentSizeFlag, p.content_size),
            (P::ZSTD_c_dictIDFlag, p.dict_id),
            (P::ZSTD_c_windowLog, p.window_log),
            (P::ZSTD_c_strategy, p.strategy),
            (P::ZSTD_c_enableLongDistanceMatching, p.long_distance),
            (P::ZSTD_c_experimentalParam2, p.magicless), // ZSTD_c_format
        ] {
            cctx.set(param, value).map_err(fail)?;
        }
        if let Some(dict) = &self.dict {
            cctx.ref_cdict(dict).map_err(fail)?;
        }
        Ok(cctx)
    }
}

/// Worst-case size of all frames of items of these lengths, `None` on overflow.
pub fn compress_bound(lengths: impl IntoIterator<Item = usize>) -> Option<usize> {
    lengths.into_iter().try_fold(0usize, |sum, len| {
        sum.checked_add(zstd::compress_bound(len)?)
    })
}

/// Trains a dictionary of at most `capacity` bytes on the segments of `samples` (each one
/// sample) with zstd's ZDICT.
pub fn train_dictionary(samples: &Buffer, capacity: usize) -> Result<Vec<u8>> {
    let mut dict = Vec::new();
    dict.try_reserve_exact(capacity)
        .map_err(|_| Error::alloc("dictionary"))?;
    train_dictionary_into(samples, &mut dict)?;
    Ok(dict)
}

/// Trains a dictionary on the segments of `samples` into the spare space of `dict`.
pub(crate) fn train_dictionary_into(samples: &Buffer, dict: &mut impl Dst) -> Result<usize> {
    let total = samples.segments().iter().map(|s| s.length).sum::<u64>();
    let mut joined = Vec::new();
    let mut sizes = Vec::new();
    if u32::try_from(samples.count()).is_err()
        || joined.try_reserve_exact(total as usize).is_err()
        || sizes.try_reserve_exact(samples.count()).is_err()
    {
        return Err(Error::alloc("too many or too large samples"));
    }
    for item in (0..samples.count()).filter_map(|i| samples.get(i)) {
        joined.extend_from_slice(item);
        sizes.push(item.len());
    }
    zstd::train_dictionary(&joined, &sizes, dict).map_err(|e| Error {
        kind: if e.is_dst_too_small() {
            ErrorKind::DstTooSmall
        } else if e.is_out_of_memory() {
            ErrorKind::Alloc
        } else {
            ErrorKind::Dictionary
        },
        ..zstd_error(e, "dictionary training failed")
    })
}

struct CompressJob<'a, I: ?Sized> {
    c: &'a Compressor,
    items: &'a I,
    /// Set when items may take the direct one-shot path.
    direct: Option<FrameFlags>,
}

impl<I: Items + ?Sized> Job for CompressJob<'_, I> {
    type Context = CCtx;

    fn count(&self) -> usize {
        self.items.count()
    }

    fn weight(&self, i: usize) -> u64 {
        self.items.item(i).len() as u64
    }

    fn bound(&self, i: usize) -> Option<usize> {
        zstd::compress_bound(self.items.item(i).len())
    }

    fn context(&self) -> Result<CCtx> {
        self.c.contexts.take(|| self.c.new_context())
    }

    fn recycle(&self, ctx: CCtx) {
        let bytes = ctx.memory_size();
        self.c.contexts.give(ctx, bytes);
    }

    fn run(&self, cctx: &mut CCtx, i: usize, dst: &mut impl Dst) -> Result<()> {
        let item = self.items.item(i);
        match self.direct {
            Some(flags) if !item.is_empty() => {
                cctx.compress_level(item, dst, self.c.params.level, flags)
            }
            _ => cctx.compress(item, dst),
        }
        .map(drop)
        .map_err(|e| zstd_error(e, "compression failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus;
    use crate::zstd::reference;

    fn views(items: &[Vec<u8>]) -> Vec<&[u8]> {
        items.iter().map(Vec::as_slice).collect()
    }

    fn mixed_items() -> Vec<Vec<u8>> {
        let mut items = corpus::json_records(300, 1);
        items.extend(corpus::text_chunks(8, 64 << 10, 2));
        items.insert(5, Vec::new());
        items.extend(corpus::low_compressibility(20, 4096, 3));
        items.push(Vec::new());
        items.push(Vec::new());
        items
    }

    fn frames(c: &Collection) -> Vec<Vec<u8>> {
        (0..c.count()).map(|i| c.get(i).unwrap().to_vec()).collect()
    }

    fn compress(c: &Compressor, items: &[Vec<u8>], threads: i32) -> Vec<Vec<u8>> {
        let mut opts = BatchOptions {
            threads,
            ..Default::default()
        };
        let out = c.compress(&views(items)[..], &mut opts).unwrap();
        assert!(out.failures.is_empty());
        assert_eq!(out.output.count(), items.len());
        frames(&out.output)
    }

    #[test]
    fn frames_equal_zstd_compress_of_each_item_alone_at_every_level_class() {
        let items = mixed_items();
        for level in [-5, 1, 3, 19] {
            let c = Compressor::new(level).unwrap();
            for threads in [1, 2] {
                let got = compress(&c, &items, threads);
                for (i, item) in items.iter().enumerate() {
                    assert_eq!(
                        got[i],
                        reference::compress_simple(item, level),
                        "level {level} item {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn frames_equal_libzstd_with_the_same_parameters() {
        let items = mixed_items();
        let mut c = Compressor::new(7).unwrap();
        c.set_param(CParam::Checksum, 1).unwrap();
        c.set_param(CParam::ContentSize, 0).unwrap();
        c.set_param(CParam::WindowLog, 18).unwrap();
        c.set_param(CParam::Strategy, 4).unwrap();
        let params = [
            (P::ZSTD_c_compressionLevel, 7),
            (P::ZSTD_c_checksumFlag, 1),
            (P::ZSTD_c_contentSizeFlag, 0),
            (P::ZSTD_c_windowLog, 18),
            (P::ZSTD_c_strategy, 4),
        ];
        let got = compress(&c, &items, 2);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(
                got[i],
                reference::compress_with(item, &params, &[]),
                "item {i}"
            );
        }
    }

    #[test]
    fn frames_with_only_flags_set_equal_libzstd_with_those_flags() {
        let items = mixed_items();
        for (checksum, content_size, level) in [(1, 1, 5), (0, 0, -3), (1, 0, 19)] {
            let mut c = Compressor::new(level).unwrap();
            c.set_param(CParam::Checksum, checksum).unwrap();
            c.set_param(CParam::ContentSize, content_size).unwrap();
            let params = [
                (P::ZSTD_c_compressionLevel, level),
                (P::ZSTD_c_checksumFlag, checksum as i32),
                (P::ZSTD_c_contentSizeFlag, content_size as i32),
            ];
            let got = compress(&c, &items, 2);
            for (i, item) in items.iter().enumerate() {
                let want = reference::compress_with(item, &params, &[]);
                assert_eq!(got[i], want, "level {level} checksum {checksum} item {i}");
            }
        }
    }

    #[test]
    fn output_bytes_do_not_depend_on_threads() {
        let items = mixed_items();
        let c = Compressor::new(3).unwrap();
        let one = compress(&c, &items, 0);
        for threads in [1, 2, -1, 64] {
            assert_eq!(compress(&c, &items, threads), one, "threads {threads}");
        }
    }

    #[test]
    fn one_huge_item_among_many_tiny_ones_keeps_order() {
        let mut items: Vec<Vec<u8>> = (0..10_000u32).map(|i| i.to_le_bytes().to_vec()).collect();
        items.insert(1234, corpus::text_chunks(1, 4 << 20, 9).pop().unwrap());
        let c = Compressor::new(1).unwrap();
        let got = compress(&c, &items, 2);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(got[i], reference::compress_simple(item, 1), "item {i}");
        }
    }

    #[test]
    fn dictionary_frames_equal_libzstd_with_that_dictionary() {
        let samples = corpus::json_records(2000, 4);
        let mut data = Vec::new();
        let mut segments = Vec::new();
        for s in &samples {
            segments.push(Segment {
                offset: data.len() as u64,
                length: s.len() as u64,
            });
            data.extend_from_slice(s);
        }
        let samples_buf = Buffer::from_vec(data, segments).unwrap();
        let dict = train_dictionary(&samples_buf, 16 << 10).unwrap();
        let mut c = Compressor::new(3).unwrap();
        c.load_dictionary(&dict).unwrap();
        let items = corpus::json_records(100, 5);
        let got = compress(&c, &items, 2);
        let plain = compress(&Compressor::new(3).unwrap(), &items, 1);
        let (dict_total, plain_total): (usize, usize) = (
            got.iter().map(Vec::len).sum(),
            plain.iter().map(Vec::len).sum(),
        );
        assert!(dict_total < plain_total, "{dict_total} vs {plain_total}");
        for (i, item) in items.iter().enumerate() {
            let reference =
                reference::compress_with(item, &[(P::ZSTD_c_compressionLevel, 3)], &dict);
            assert_eq!(got[i], reference, "item {i}");
        }
    }

    #[test]
    fn into_dst_packs_frames_and_refuses_a_dst_too_small() {
        let items = mixed_items();
        let v = views(&items);
        let c = Compressor::new(3).unwrap();
        let expect = compress(&c, &items, 1);
        let total: usize = expect.iter().map(Vec::len).sum();
        for cap in [compress_bound(v.iter().map(|s| s.len())).unwrap(), total] {
            for threads in [1, 2] {
                let mut dst = vec![MaybeUninit::new(0xAAu8); cap + 16];
                let mut opts = BatchOptions {
                    threads,
                    ..Default::default()
                };
                let out = c.compress_into(&v[..], &mut opts, &mut dst[..cap]).unwrap();
                let (used, segs) = out.output;
                assert_eq!(used, total);
                reference::check_packed(&dst, cap, 0xAA, &segs, &expect);
            }
        }
        let mut small = vec![MaybeUninit::uninit(); total - 1];
        let err = c
            .compress_into(&v[..], &mut BatchOptions::default(), &mut small)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::DstTooSmall);
    }

    #[test]
    fn a_progress_callback_sees_every_item_and_can_cancel() {
        let items = corpus::json_records(5000, 6);
        let v = views(&items);
        let c = Compressor::new(1).unwrap();
        for threads in [1, 2] {
            let mut calls = Vec::new();
            let mut cb = |done: u64, total: u64| {
                calls.push((done, total));
                true
            };
            let mut opts = BatchOptions {
                threads,
                progress: Some(&mut cb),
                ..Default::default()
            };
            c.compress(&v[..], &mut opts).unwrap();
            assert_eq!(calls.last(), Some(&(5000, 5000)));
            assert!(calls.len() >= 2, "threads {threads}: {} calls", calls.len());
            assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));

            let mut cancel = |done: u64, _| done < 64;
            let mut opts = BatchOptions {
                threads,
                progress: Some(&mut cancel),
                ..Default::default()
            };
            let err = c.compress(&v[..], &mut opts).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Cancelled);
        }
    }

    #[test]
    fn parameters_are_range_checked_when_set() {
        assert_eq!(
            Compressor::new(1000).unwrap_err().kind,
            ErrorKind::InvalidArgument
        );
        let mut c = Compressor::new(0).unwrap();
        assert_eq!(
            c.set_param(CParam::Checksum, 2).unwrap_err().kind,
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set_param(CParam::WindowLog, 5).unwrap_err().kind,
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set_param(CParam::Strategy, 10).unwrap_err().kind,
            ErrorKind::InvalidArgument
        );
        assert!(c.set_param(CParam::WindowLog, 0).is_ok());
        // A zstd-format dictionary whose tables do not parse: zstd's reason comes along.
        let mut garbage = vec![0x37, 0xA4, 0x30, 0xEC];
        garbage.extend_from_slice(&[1; 60]);
        let corrupted = zstd_sys::ZSTD_ErrorCode::ZSTD_error_dictionary_corrupted as i64;
        let e = c.load_dictionary(&garbage).unwrap_err();
        assert_eq!((e.kind, e.zstd_code), (ErrorKind::Dictionary, corrupted));
        assert!(
            e.message.contains("Dictionary is corrupted"),
            "{}",
            e.message
        );
        let e = crate::decompress::Decompressor::new()
            .load_dictionary(&garbage)
            .unwrap_err();
        assert_eq!((e.kind, e.zstd_code), (ErrorKind::Dictionary, corrupted));
    }
}
