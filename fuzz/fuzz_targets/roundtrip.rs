//! Compress -> decompress round trips of arbitrary items and parameters, through the C ABI.
//!
//! Parameters: level, checksum, content size on/off (sizes then given to the decompressor),
//! dictionary ID flag, window log, strategy, long distance matching, magic-less format, a
//! dictionary (trained or raw), 0/1/2/all threads, every input shape (slices, buffer,
//! collection) and output shape (new collection, the caller's `dst` of any capacity).
//!
//! Invariants checked: every call succeeds; the decompressed items equal the input exactly;
//! without a dictionary every frame is byte-identical to plain libzstd's `ZSTD_compress2`
//! with the same parameters (the API's promise); `zseg_compress_bound` bounds the frames;
//! `zseg_compress_slices_into` succeeds exactly when the frames fit `dst_capacity` (else
//! ZSEG_ERR_DST_TOO_SMALL with the outputs untouched) and never writes past it.
#![no_main]

use std::ptr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use zseg::ffi::zseg_cparam::*;
use zseg::ffi::zseg_dparam::*;
use zseg::ffi::*;
use zseg::{Collection, Segment};
use zseg_fuzz::{
    buffer, check_error, dictionary, dirty_error, joined, level_range, reference_compress, CParams,
};

const TOTAL_CAP: usize = 640 << 10;
const MAX_ITEMS: usize = 96;
const CANARY: u8 = 0x5A;

#[derive(Arbitrary, Debug)]
enum ItemSpec {
    Bytes(Vec<u8>),
    Pattern { pattern: Vec<u8>, reps: u16 },
    Empty,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Shape {
    Slices,
    Buffer,
    Collection {
        split: u8,
    },
    /// The caller's dst: the bound, or the frames' exact total plus `slack` (may be negative).
    Into {
        at_bound: bool,
        slack: i8,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    items: Vec<ItemSpec>,
    level: i8,
    checksum: bool,
    content_size: bool,
    dict_id: bool,
    window_log: u8,
    strategy: u8,
    long_distance: bool,
    magicless: bool,
    dict: u8,
    threads: u8,
    keep_going: bool,
    compress_shape: Shape,
    decompress_shape: Shape,
    give_sizes: bool,
}

fn threads(t: u8) -> i32 {
    match t % 4 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => -1,
    }
}

fn options(threads: i32, results: Option<&mut Vec<u32>>) -> zseg_batch_options {
    let mut o = std::mem::MaybeUninit::<zseg_batch_options>::uninit();
    zseg_batch_options_init(o.as_mut_ptr());
    // SAFETY: initialized by zseg_batch_options_init.
    let mut o = unsafe { o.assume_init() };
    o.threads = threads;
    if let Some(r) = results {
        o.item_results = r.as_mut_ptr().cast();
    }
    o
}

fn slices_of(items: &[Vec<u8>]) -> Vec<zseg_slice> {
    items
        .iter()
        .map(|i| zseg_slice {
            ptr: zseg_fuzz::ptr_or_null(i),
            len: i.len(),
        })
        .collect()
}

fn collection_items(c: *const Collection) -> Vec<Vec<u8>> {
    (0..zseg_collection_count(c))
        .map(|i| {
            let mut s = zseg_slice {
                ptr: ptr::null(),
                len: 0,
            };
            let rc = zseg_collection_get(c, i, &mut s);
            assert_eq!(rc, zseg_result::ZSEG_OK);
            if s.len == 0 {
                Vec::new()
            } else {
                // SAFETY: a view of a live collection.
                unsafe { std::slice::from_raw_parts(s.ptr, s.len) }.to_vec()
            }
        })
        .collect()
}

/// A collection of `items` in two buffers cut at `split`.
fn collection(data: &[u8], segments: &[Segment], split: u8) -> *mut Collection {
    let at = usize::from(split) % (segments.len() + 1);
    let (b1, b2) = (buffer(data, &segments[..at]), buffer(data, &segments[at..]));
    let mut c = ptr::null_mut();
    let mut err = dirty_error();
    let bufs = [b1.cast_const(), b2.cast_const()];
    let rc = zseg_collection_new(bufs.as_ptr(), 2, &mut c, &mut err);
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK);
    zseg_buffer_free(b1);
    zseg_buffer_free(b2);
    c
}

/// Checks a keep-going call's results are all OK.
fn all_ok(results: &[u32]) {
    assert!(
        results.iter().all(|&r| r == 0),
        "per-item results {results:?}"
    );
}

fn compress(
    c: *const zseg_compressor,
    items: &[Vec<u8>],
    shape: Shape,
    t: i32,
    keep_going: bool,
) -> Vec<Vec<u8>> {
    let n = items.len();
    let slices = slices_of(items);
    let mut results = vec![0xDEAD_u32; n];
    let opts = options(t, keep_going.then_some(&mut results));
    let mut err = dirty_error();
    let mut out: *mut Collection = ptr::null_mut();
    let (data, segments) = joined(items);
    let sp = zseg_fuzz::ptr_or_null(&slices);
    let rc = match shape {
        Shape::Slices => zseg_compress_slices(c, sp, n, &opts, &mut out, &mut err),
        Shape::Buffer => {
            let b = buffer(&data, &segments);
            let rc = zseg_compress_buffer(c, b, &opts, &mut out, &mut err);
            zseg_buffer_free(b);
            rc
        }
        Shape::Collection { split } => {
            let col = collection(&data, &segments, split);
            let rc = zseg_compress_collection(c, col, &opts, &mut out, &mut err);
            zseg_collection_free(col);
            rc
        }
        Shape::Into { at_bound, slack } => {
            // The frames' exact total comes from a first run into a collection.
            let frames = compress(c, items, Shape::Slices, t, false);
            let total: usize = frames.iter().map(Vec::len).sum();
            let bound = zseg_compress_bound(sp, n);
            assert!(
                bound >= total,
                "zseg_compress_bound {bound} < the frames' total {total}"
            );
            let capacity = if at_bound {
                bound
            } else {
                (total as i64 + i64::from(slack)).max(0) as usize
            };
            let mut dst = vec![CANARY; capacity + 64];
            let mut segs = vec![
                Segment {
                    offset: 0xDEAD,
                    length: 0xBEEF
                };
                n
            ];
            let mut used = 0xDEAD_usize;
            let rc = zseg_compress_slices_into(
                c,
                sp,
                n,
                &opts,
                if capacity == 0 {
                    ptr::null_mut()
                } else {
                    dst.as_mut_ptr()
                },
                capacity,
                if n == 0 {
                    ptr::null_mut()
                } else {
                    segs.as_mut_ptr()
                },
                &mut used,
                &mut err,
            );
            check_error(rc, &err);
            assert!(
                dst[capacity..].iter().all(|&b| b == CANARY),
                "written past dst_capacity"
            );
            if capacity < total {
                assert_eq!(
                    rc,
                    zseg_result::ZSEG_ERR_DST_TOO_SMALL,
                    "capacity {capacity} < {total}"
                );
                assert_eq!(used, 0xDEAD, "*dst_used written on failure");
                assert!(segs
                    .iter()
                    .all(|s| s.offset == 0xDEAD && s.length == 0xBEEF));
                return frames;
            }
            assert_eq!(
                rc,
                zseg_result::ZSEG_OK,
                "capacity {capacity} >= {total} succeeds"
            );
            if keep_going {
                all_ok(&results);
            }
            assert_eq!(used, total, "*dst_used is the frames' total");
            let mut at = 0u64;
            let packed: Vec<Vec<u8>> = segs
                .iter()
                .map(|s| {
                    assert_eq!(s.offset, at, "frames packed back to back");
                    at += s.length;
                    dst[s.offset as usize..][..s.length as usize].to_vec()
                })
                .collect();
            assert_eq!(
                packed, frames,
                "into dst and into a collection give the same frames"
            );
            return packed;
        }
    };
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK);
    if keep_going {
        all_ok(&results);
    }
    let frames = collection_items(out);
    zseg_collection_free(out);
    assert_eq!(frames.len(), n);
    frames
}

fn decompress(
    d: *const zseg_decompressor,
    frames: &[Vec<u8>],
    sizes: Option<&[u64]>,
    shape: Shape,
    t: i32,
    keep_going: bool,
) -> Vec<Vec<u8>> {
    let n = frames.len();
    let slices = slices_of(frames);
    let mut results = vec![0xDEAD_u32; n];
    let opts = options(t, keep_going.then_some(&mut results));
    let mut err = dirty_error();
    let mut out: *mut Collection = ptr::null_mut();
    let (data, segments) = joined(frames);
    let sp = zseg_fuzz::ptr_or_null(&slices);
    let sz = sizes.map_or(ptr::null(), zseg_fuzz::ptr_or_null);
    let rc = match shape {
        Shape::Slices => zseg_decompress_slices(d, sp, n, sz, &opts, &mut out, &mut err),
        Shape::Buffer => {
            let b = buffer(&data, &segments);
            let rc = zseg_decompress_buffer(d, b, sz, &opts, &mut out, &mut err);
            zseg_buffer_free(b);
            rc
        }
        Shape::Collection { split } => {
            let col = collection(&data, &segments, split);
            let rc = zseg_decompress_collection(d, col, sz, &opts, &mut out, &mut err);
            zseg_collection_free(col);
            rc
        }
        Shape::Into { .. } => {
            let total: usize = decompress(d, frames, sizes, Shape::Slices, t, false)
                .iter()
                .map(Vec::len)
                .sum();
            let mut dst = vec![CANARY; total + 64];
            let mut segs = vec![Segment::default(); n];
            let mut used = 0usize;
            let rc = zseg_decompress_slices_into(
                d,
                sp,
                n,
                sz,
                &opts,
                if total == 0 {
                    ptr::null_mut()
                } else {
                    dst.as_mut_ptr()
                },
                total,
                if n == 0 {
                    ptr::null_mut()
                } else {
                    segs.as_mut_ptr()
                },
                &mut used,
                &mut err,
            );
            check_error(rc, &err);
            assert_eq!(
                rc,
                zseg_result::ZSEG_OK,
                "a dst of the exact total succeeds"
            );
            assert!(
                dst[total..].iter().all(|&b| b == CANARY),
                "written past dst_capacity"
            );
            assert_eq!(used, total);
            if keep_going {
                all_ok(&results);
            }
            return segs
                .iter()
                .map(|s| dst[s.offset as usize..][..s.length as usize].to_vec())
                .collect();
        }
    };
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK);
    if keep_going {
        all_ok(&results);
    }
    let items = collection_items(out);
    zseg_collection_free(out);
    items
}

fn set(c: *mut zseg_compressor, param: zseg_cparam, value: i64) {
    let mut err = dirty_error();
    let rc = zseg_compressor_set_param(c, param as u32, value, &mut err);
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK, "{param:?} = {value}");
}

fuzz_target!(|input: Input| {
    let mut budget = TOTAL_CAP;
    let items: Vec<Vec<u8>> = input
        .items
        .iter()
        .take(MAX_ITEMS)
        .map(|spec| {
            let item = match spec {
                ItemSpec::Bytes(b) => b[..b.len().min(budget)].to_vec(),
                ItemSpec::Pattern { pattern, reps } if !pattern.is_empty() => {
                    let want = (pattern.len() * usize::from(*reps)).min(budget);
                    pattern.iter().copied().cycle().take(want).collect()
                }
                _ => Vec::new(),
            };
            budget -= item.len();
            item
        })
        .collect();
    let total = TOTAL_CAP - budget;

    // Parameters; slow settings only on small inputs, so that runs stay fast.
    let (lo, hi) = level_range();
    let slow_ok = total <= 32 << 10;
    let mut level = i32::from(input.level).clamp(lo, hi);
    if !slow_ok {
        level = level.min(9);
    }
    let window_log = match input.window_log % 32 {
        0..=9 => 0,
        w => i32::from(w), // 10..=31
    };
    let mut strategy = i32::from(input.strategy % 10); // 0 = default, 1..=9
    if !slow_ok {
        strategy = strategy.min(5);
    }
    let p = CParams {
        level,
        checksum: input.checksum,
        content_size: input.content_size,
        dict_id: input.dict_id,
        window_log,
        strategy,
        long_distance: input.long_distance,
        magicless: input.magicless,
    };
    let mut c: *mut zseg_compressor = ptr::null_mut();
    let mut err = dirty_error();
    let rc = zseg_compressor_new(level, &mut c, &mut err);
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK, "level {level}");
    set(c, ZSEG_CPARAM_CHECKSUM, i64::from(p.checksum));
    set(c, ZSEG_CPARAM_CONTENT_SIZE, i64::from(p.content_size));
    set(c, ZSEG_CPARAM_DICT_ID, i64::from(p.dict_id));
    set(c, ZSEG_CPARAM_WINDOW_LOG, i64::from(p.window_log));
    set(c, ZSEG_CPARAM_STRATEGY, i64::from(p.strategy));
    set(c, ZSEG_CPARAM_LONG_DISTANCE, i64::from(p.long_distance));
    set(c, ZSEG_CPARAM_MAGICLESS, i64::from(p.magicless));
    let dict = dictionary(input.dict);
    if let Some(dict) = dict {
        let rc = zseg_compressor_load_dictionary(c, dict.as_ptr(), dict.len(), &mut err);
        check_error(rc, &err);
        assert_eq!(rc, zseg_result::ZSEG_OK);
    }
    let t = threads(input.threads);
    let frames = compress(c, &items, input.compress_shape, t, input.keep_going);
    assert_eq!(frames.len(), items.len());
    if dict.is_none() {
        for (i, (item, frame)) in items.iter().zip(&frames).enumerate() {
            assert!(
                *frame == reference_compress(item, &p, None),
                "frame {i} differs from ZSTD_compress2's"
            );
        }
    }
    let memory = zseg_compressor_memory_size(c);
    assert!(
        memory > 0 || items.is_empty(),
        "a compressor that worked holds contexts"
    );
    zseg_compressor_free(c);

    let mut d: *mut zseg_decompressor = ptr::null_mut();
    assert_eq!(
        zseg_decompressor_new(&mut d, &mut err),
        zseg_result::ZSEG_OK
    );
    let rc = zseg_decompressor_set_param(
        d,
        ZSEG_DPARAM_MAGICLESS as u32,
        i64::from(p.magicless),
        &mut err,
    );
    assert_eq!(rc, zseg_result::ZSEG_OK);
    if window_log != 0 {
        let rc = zseg_decompressor_set_param(
            d,
            ZSEG_DPARAM_WINDOW_LOG_MAX as u32,
            i64::from(window_log),
            &mut err,
        );
        assert_eq!(rc, zseg_result::ZSEG_OK);
    }
    if let Some(dict) = dict {
        let rc = zseg_decompressor_load_dictionary(d, dict.as_ptr(), dict.len(), &mut err);
        assert_eq!(rc, zseg_result::ZSEG_OK);
    }
    let sizes: Option<Vec<u64>> = (input.give_sizes || !p.content_size)
        .then(|| items.iter().map(|i| i.len() as u64).collect());
    let back = decompress(
        d,
        &frames,
        sizes.as_deref(),
        input.decompress_shape,
        t,
        input.keep_going,
    );
    assert!(back == items, "the round trip changed the items");
    zseg_decompressor_free(d);
});
