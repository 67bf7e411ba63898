//! Batch decompression of arbitrary bytes split into arbitrary items, through the C ABI: with
//! and without `sizes`, with a dictionary, limits, the magic-less format, per-item mode,
//! cancellation, 1 or 2 threads, into a new collection or the caller's `dst`.
//!
//! Items are either raw fuzzer bytes or real frames (made by plain libzstd, not zseg) that the
//! fuzzer may then damage: flipped bytes, cut tails, appended bytes.
//!
//! Invariants checked: never a crash; `err` always consistent with the result; outputs only
//! on ZSEG_OK / ZSEG_ERR_PARTIAL (`*out`, `item_results`, `segments_out`, `dst_used` keep their
//! sentinels otherwise); nothing written past `dst_capacity`; every item that zseg hands back
//! has the declared size (the `sizes` entry, else the header's), is exactly one frame, and
//! equals what libzstd decodes from it; per-item mode reports the lowest failing item, gives
//! failed items empty segments, and agrees with fail-fast mode; undamaged frames that fit the
//! settings decompress; cancellation gives ZSEG_ERR_CANCELLED exactly when the callback asked.
#![no_main]

use std::ffi::{c_int, c_void};
use std::ptr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use zseg::ffi::zseg_dparam::*;
use zseg::ffi::*;
use zseg::{Collection, Segment};
use zseg_fuzz::{
    buffer, check_error, dictionary, dirty_error, header, is_known_code, joined, CParams,
};

/// Limits stay small so that no input makes the harness allocate much.
const ITEM_CAP: u64 = 8 << 20;
const TOTAL_CAP: u64 = 32 << 20;
const CONTENT_CAP: usize = 600 << 10;
const MAX_ITEMS: usize = 64;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

#[derive(Arbitrary, Debug)]
struct MadeFrame {
    pattern: Vec<u8>,
    reps: u16,
    level: i8,
    checksum: bool,
    content_size: bool,
    dict: u8,
    magicless: bool,
    window_log: u8,
    /// Byte positions to XOR (position modulo the frame length).
    edits: Vec<(u16, u8)>,
    cut: Option<u16>,
    append: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum FrameSpec {
    Raw(Vec<u8>),
    Made(MadeFrame),
    /// A hand-made frame (see `fixture`), maybe damaged like a made one.
    Fixture {
        which: u8,
        edits: Vec<(u16, u8)>,
        cut: Option<u16>,
        append: Vec<u8>,
    },
}

/// A zstd block header: last flag, type (0 raw, 1 RLE, 2 compressed, 3 reserved), size.
fn block(last: bool, kind: u32, size: u32) -> [u8; 3] {
    let h = u32::from(last) | kind << 1 | size << 3;
    [h as u8, (h >> 8) as u8, (h >> 16) as u8]
}

/// Hand-made frames that reach the edges: big RLE output from a few bytes, size bombs,
/// skippable frames, huge windows, dictionary IDs, concatenations, reserved block types.
fn fixture(which: u8) -> Vec<u8> {
    let mut f = ZSTD_MAGIC.to_vec();
    match which % 12 {
        0 => {
            // 300000 bytes of 'z' in three RLE blocks (single segment, 4-byte content size).
            f.push(0xA0);
            f.extend_from_slice(&300_000u32.to_le_bytes());
            for (last, size) in [(false, 131_072), (false, 131_072), (true, 37_856)] {
                f.extend_from_slice(&block(last, 1, size));
                f.push(b'z');
            }
        }
        1 => {
            // Declares 100 GiB (8-byte content size), holds one RLE block.
            f.push(0xE0);
            f.extend_from_slice(&(100u64 << 30).to_le_bytes());
            f.extend_from_slice(&block(true, 1, 1000));
            f.push(0);
        }
        2 => {
            // A skippable frame of 8 bytes.
            f = 0x184D_2A53u32.to_le_bytes().to_vec();
            f.extend_from_slice(&8u32.to_le_bytes());
            f.extend_from_slice(b"skipping");
        }
        3 => {
            // No content size, a 2 MiB window, one raw block "abc".
            f.extend_from_slice(&[0x00, 0x58]);
            f.extend_from_slice(&block(true, 0, 3));
            f.extend_from_slice(b"abc");
        }
        4 => {
            // No content size, a 2 GiB window (window log 31), one raw block.
            f.extend_from_slice(&[0x00, 0xA8]);
            f.extend_from_slice(&block(true, 0, 2));
            f.extend_from_slice(b"hi");
        }
        5 => {
            // Dictionary ID 0x42 (1 byte), single segment, 5 bytes raw.
            f.extend_from_slice(&[0x21, 0x42, 5]);
            f.extend_from_slice(&block(true, 0, 5));
            f.extend_from_slice(b"dict!");
        }
        6 => {
            // Two frames back to back.
            let one = [0x20, 2, 0x11, 0, 0, b'o', b'k'];
            f.extend_from_slice(&one);
            f.extend_from_slice(&ZSTD_MAGIC);
            f.extend_from_slice(&one);
        }
        7 => {
            // Magic-less: 40000 bytes of RLE.
            f.clear();
            f.push(0x60); // single segment, 2-byte content size (+256)
            f.extend_from_slice(&(40_000u16 - 256).to_le_bytes());
            f.extend_from_slice(&block(true, 1, 40_000));
            f.push(b'm');
        }
        8 => {
            // Empty content.
            f.extend_from_slice(&[0x20, 0]);
            f.extend_from_slice(&block(true, 0, 0));
        }
        9 => {
            // A reserved block type.
            f.extend_from_slice(&[0x20, 4]);
            f.extend_from_slice(&block(true, 3, 4));
            f.extend_from_slice(b"bad!");
        }
        10 => {
            // Content size 1000 (2-byte field), 1 MiB window, an RLE block of 1000.
            f.extend_from_slice(&[0x40, 0x50]);
            f.extend_from_slice(&(1000u16 - 256).to_le_bytes());
            f.extend_from_slice(&block(true, 1, 1000));
            f.push(7);
        }
        _ => {
            // Checksum flag set, single segment, 3 raw bytes, then a wrong checksum.
            f.extend_from_slice(&[0x24, 3]);
            f.extend_from_slice(&block(true, 0, 3));
            f.extend_from_slice(b"sum");
            f.extend_from_slice(&[1, 2, 3, 4]);
        }
    }
    f
}

fn damage(bytes: &mut Vec<u8>, edits: &[(u16, u8)], cut: Option<u16>, append: &[u8]) -> bool {
    for &(pos, x) in edits.iter().take(16) {
        if !bytes.is_empty() {
            let at = usize::from(pos) % bytes.len();
            bytes[at] ^= x;
        }
    }
    if let Some(cut) = cut {
        let keep = bytes
            .len()
            .saturating_sub(usize::from(cut) % (bytes.len() + 1));
        bytes.truncate(keep);
    }
    bytes.extend_from_slice(append);
    !edits.is_empty() || cut.is_some() || !append.is_empty()
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SizeSpec {
    Unknown,
    /// The true content length (for made frames; the header's otherwise).
    Exact,
    Off(i8),
    Any(u64),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Api {
    Slices,
    Buffer,
    Collection { split: u8 },
    Into { slack: i8, exact: bool, other: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    frames: Vec<FrameSpec>,
    sizes: Option<Vec<SizeSpec>>,
    dict: u8,
    max_item: Option<u32>,
    max_total: Option<u32>,
    window_log_max: u8,
    magicless: bool,
    keep_going: bool,
    threads: u8,
    api: Api,
    cancel_at: Option<u8>,
}

/// A frame and, for an undamaged made frame, its content and dictionary choice.
struct Item {
    bytes: Vec<u8>,
    content: Option<Vec<u8>>,
    made_dict: u8,
    made_magicless: bool,
}

fn make_frame(m: &MadeFrame, budget: &mut usize) -> Item {
    let (lo, hi) = (-5, 6);
    let level = i32::from(m.level).clamp(lo, hi);
    let mut content = Vec::new();
    if !m.pattern.is_empty() {
        let want = (m.pattern.len() * usize::from(m.reps))
            .min(CONTENT_CAP)
            .min(*budget);
        while content.len() < want {
            let take = (want - content.len()).min(m.pattern.len());
            content.extend_from_slice(&m.pattern[..take]);
        }
    }
    *budget -= content.len();
    let p = CParams {
        level,
        checksum: m.checksum,
        content_size: m.content_size,
        dict_id: true,
        window_log: match m.window_log % 28 {
            0..=9 => 0,
            w => i32::from(w), // 10..=27
        },
        strategy: 0,
        long_distance: false,
        magicless: m.magicless,
    };
    let dict = dictionary(m.dict);
    let mut bytes = zseg_fuzz::reference_compress(&content, &p, dict);
    let damaged = damage(&mut bytes, &m.edits, m.cut, &m.append);
    Item {
        bytes,
        content: (!damaged).then_some(content),
        made_dict: m.dict % 3,
        made_magicless: m.magicless,
    }
}

/// What the progress callback saw.
struct Progress {
    total: u64,
    /// The first items_total that differed from the batch's item count.
    wrong_total: Option<u64>,
    calls: u32,
    cancel_at: Option<u32>,
    asked_to_cancel: bool,
    last_done: u64,
}

unsafe extern "C" fn progress(done: u64, total: u64, ctx: *mut c_void) -> c_int {
    // SAFETY: ctx is the harness's Progress, alive for the call; called on the calling thread.
    let p = unsafe { &mut *(ctx as *mut Progress) };
    if total != p.total && p.wrong_total.is_none() {
        p.wrong_total = Some(total);
    }
    assert!(done <= total, "items_done {done} > items_total {total}");
    assert!(done >= p.last_done, "items_done went backwards");
    p.last_done = done;
    p.calls += 1;
    if p.cancel_at == Some(p.calls) {
        p.asked_to_cancel = true;
        return 1;
    }
    0
}

/// The outcome of one batch call.
struct Outcome {
    rc: zseg_result,
    err_item: u64,
    /// Per-item outputs on OK/PARTIAL.
    items: Option<Vec<Vec<u8>>>,
    results: Option<Vec<u32>>,
}

const SENTINEL_COLLECTION: *mut Collection = 0x5e47_1e00 as *mut Collection;
const SENTINEL_RESULT: u32 = 0xDEAD_BEEF;
const CANARY: u8 = 0xA5;

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

#[allow(clippy::too_many_arguments)]
fn run(
    d: *const zseg_decompressor,
    frames: &[Vec<u8>],
    sizes: Option<&[u64]>,
    threads: i32,
    keep_going: bool,
    api: Api,
    cancel_at: Option<u32>,
    declared_total: Option<u64>,
) -> Outcome {
    let n = frames.len();
    let slices: Vec<zseg_slice> = frames
        .iter()
        .map(|f| zseg_slice {
            ptr: zseg_fuzz::ptr_or_null(f),
            len: f.len(),
        })
        .collect();
    let mut results = vec![SENTINEL_RESULT; n];
    let mut prog = Progress {
        total: n as u64,
        wrong_total: None,
        calls: 0,
        cancel_at,
        asked_to_cancel: false,
        last_done: 0,
    };
    let mut opts = std::mem::MaybeUninit::<zseg_batch_options>::uninit();
    zseg_batch_options_init(opts.as_mut_ptr());
    // SAFETY: initialized by zseg_batch_options_init.
    let mut opts = unsafe { opts.assume_init() };
    opts.threads = threads;
    if keep_going {
        opts.item_results = results.as_mut_ptr().cast();
    }
    opts.progress = Some(progress);
    opts.progress_ctx = (&mut prog as *mut Progress).cast();
    let sizes_ptr = sizes.map_or(ptr::null(), zseg_fuzz::ptr_or_null);
    let slices_ptr = zseg_fuzz::ptr_or_null(&slices);
    let mut err = dirty_error();
    let mut out = SENTINEL_COLLECTION;

    // Inputs for the buffer and collection shapes: the frames back to back in one or two
    // buffers.
    let (joined, segments) = joined(frames);
    let new_buffer = |segs: &[Segment]| buffer(&joined, segs);

    let mut into_capacity = 0usize;
    let mut dst: Vec<u8> = Vec::new();
    let mut segs_out = vec![
        Segment {
            offset: 0xDEAD,
            length: 0xBEEF
        };
        n
    ];
    let mut used = 0xDEAD_usize;
    let rc = match api {
        Api::Slices => {
            zseg_decompress_slices(d, slices_ptr, n, sizes_ptr, &opts, &mut out, &mut err)
        }
        Api::Buffer => {
            let b = new_buffer(&segments);
            let rc = zseg_decompress_buffer(d, b, sizes_ptr, &opts, &mut out, &mut err);
            zseg_buffer_free(b);
            rc
        }
        Api::Collection { split } => {
            let at = if n == 0 {
                0
            } else {
                usize::from(split) % (n + 1)
            };
            let (b1, b2) = (new_buffer(&segments[..at]), new_buffer(&segments[at..]));
            let bufs = [b1.cast_const(), b2.cast_const()];
            let mut c = ptr::null_mut();
            let mut e = dirty_error();
            let rc = zseg_collection_new(bufs.as_ptr(), 2, &mut c, &mut e);
            assert_eq!(rc, zseg_result::ZSEG_OK);
            zseg_buffer_free(b1);
            zseg_buffer_free(b2);
            let rc = zseg_decompress_collection(d, c, sizes_ptr, &opts, &mut out, &mut err);
            zseg_collection_free(c);
            rc
        }
        Api::Into {
            slack,
            exact,
            other,
        } => {
            into_capacity = match (exact, declared_total) {
                (true, Some(t)) => (t as i64 + i64::from(slack)).max(0) as usize,
                _ => usize::from(other),
            };
            dst = vec![CANARY; into_capacity + 64];
            zseg_decompress_slices_into(
                d,
                slices_ptr,
                n,
                sizes_ptr,
                &opts,
                if into_capacity == 0 {
                    ptr::null_mut()
                } else {
                    dst.as_mut_ptr()
                },
                into_capacity,
                if n == 0 {
                    ptr::null_mut()
                } else {
                    segs_out.as_mut_ptr()
                },
                &mut used,
                &mut err,
            )
        }
    };
    check_error(rc, &err);
    assert!(is_known_code(rc as u32));
    // regressions/decompress/progress-total-short-in-fail-fast: a header failure in fail-fast
    // mode used to cut items_total down to the failing item's index + 1.
    if let Some(total) = prog.wrong_total {
        panic!("{rc:?}: progress reported items_total {total} for a batch of {n} items");
    }
    assert_eq!(
        prog.asked_to_cancel,
        rc == zseg_result::ZSEG_ERR_CANCELLED,
        "{rc:?}: cancelled iff the callback asked"
    );
    let delivered = matches!(rc, zseg_result::ZSEG_OK | zseg_result::ZSEG_ERR_PARTIAL);
    if rc == zseg_result::ZSEG_OK && !prog.asked_to_cancel {
        assert!(
            prog.calls >= 1 && prog.last_done == n as u64,
            "a final progress call with done == total"
        );
    }
    if rc == zseg_result::ZSEG_ERR_PARTIAL {
        assert!(keep_going, "PARTIAL only in per-item mode");
    }
    if let Api::Into { .. } = api {
        assert!(
            dst[into_capacity..].iter().all(|&b| b == CANARY),
            "written past dst_capacity"
        );
    }
    if !delivered {
        assert_eq!(out, SENTINEL_COLLECTION, "*out written on {rc:?}");
        assert!(
            results.iter().all(|&r| r == SENTINEL_RESULT),
            "item_results written on {rc:?}"
        );
        assert_eq!(used, 0xDEAD, "*dst_used written on {rc:?}");
        assert!(segs_out
            .iter()
            .all(|s| s.offset == 0xDEAD && s.length == 0xBEEF));
        return Outcome {
            rc,
            err_item: err.item,
            items: None,
            results: None,
        };
    }
    let items = match api {
        Api::Into { .. } => {
            assert!(used <= into_capacity);
            let mut at = 0u64;
            let items = segs_out
                .iter()
                .map(|s| {
                    assert_eq!(s.offset, at, "items packed back to back in order");
                    at += s.length;
                    dst[s.offset as usize..][..s.length as usize].to_vec()
                })
                .collect();
            assert_eq!(at, used as u64, "dst_used is the total");
            items
        }
        _ => {
            assert!(!out.is_null() && out != SENTINEL_COLLECTION);
            let items = collection_items(out);
            zseg_collection_free(out);
            items
        }
    };
    assert_eq!(items.len(), n);
    let results = keep_going.then(|| {
        assert!(
            results.iter().all(|&r| is_known_code(r)),
            "every item_results entry written"
        );
        let failed: Vec<usize> = (0..n).filter(|&i| results[i] != 0).collect();
        assert_eq!(rc == zseg_result::ZSEG_ERR_PARTIAL, !failed.is_empty());
        if let Some(&first) = failed.first() {
            assert_eq!(
                err.item, first as u64,
                "PARTIAL names the lowest failing item"
            );
        }
        for &i in &failed {
            assert!(items[i].is_empty(), "failed item {i} has an empty segment");
        }
        results
    });
    Outcome {
        rc,
        err_item: err.item,
        items: Some(items),
        results,
    }
}

fuzz_target!(|input: Input| {
    let mut budget = 2 * CONTENT_CAP;
    let made: Vec<Item> = input
        .frames
        .iter()
        .take(MAX_ITEMS)
        .map(|f| match f {
            FrameSpec::Raw(bytes) => Item {
                bytes: bytes.clone(),
                content: None,
                made_dict: 0,
                made_magicless: false,
            },
            FrameSpec::Made(m) => make_frame(m, &mut budget),
            FrameSpec::Fixture {
                which,
                edits,
                cut,
                append,
            } => {
                let mut bytes = fixture(*which);
                damage(&mut bytes, edits, *cut, append);
                Item {
                    bytes,
                    content: None,
                    made_dict: 0,
                    made_magicless: false,
                }
            }
        })
        .collect();
    let frames: Vec<Vec<u8>> = made.iter().map(|m| m.bytes.clone()).collect();
    let n = frames.len();
    let magicless = input.magicless;
    let headers: Vec<_> = frames.iter().map(|f| header(f, magicless)).collect();
    let sizes: Option<Vec<u64>> = input.sizes.as_ref().map(|specs| {
        (0..n)
            .map(|i| {
                let truth = made[i]
                    .content
                    .as_ref()
                    .map(|c| c.len() as u64)
                    .or_else(|| headers[i].and_then(|h| h.content_size))
                    .unwrap_or(0);
                match specs.get(i).copied().unwrap_or(SizeSpec::Unknown) {
                    SizeSpec::Unknown => ZSEG_SIZE_UNKNOWN,
                    SizeSpec::Exact => truth,
                    SizeSpec::Off(k) => {
                        (i128::from(truth) + i128::from(k)).clamp(0, i128::from(u64::MAX)) as u64
                    }
                    SizeSpec::Any(v) => v,
                }
            })
            .collect()
    });
    // The size zseg must hand back for item i (if it succeeds).
    let declared = |i: usize| -> Option<u64> {
        match sizes.as_ref().map(|s| s[i]) {
            Some(s) if s != ZSEG_SIZE_UNKNOWN => Some(s),
            _ => headers[i].and_then(|h| h.content_size),
        }
    };
    let max_item = input
        .max_item
        .map_or(ITEM_CAP, |m| u64::from(m).min(ITEM_CAP));
    let max_total = input
        .max_total
        .map_or(TOTAL_CAP, |m| u64::from(m).min(TOTAL_CAP));
    let declared_total = (0..n)
        .map(|i| declared(i).filter(|&s| s <= max_item).unwrap_or(0))
        .try_fold(0u64, u64::checked_add);

    // The decompressor.
    let mut d: *mut zseg_decompressor = ptr::null_mut();
    let mut err = dirty_error();
    assert_eq!(
        zseg_decompressor_new(&mut d, &mut err),
        zseg_result::ZSEG_OK
    );
    let dict = dictionary(input.dict);
    if let Some(dict) = dict {
        let rc = zseg_decompressor_load_dictionary(d, dict.as_ptr(), dict.len(), &mut err);
        check_error(rc, &err);
        assert_eq!(rc, zseg_result::ZSEG_OK);
    }
    assert_eq!(
        zseg_decompressor_set_max_item_size(d, max_item, &mut err),
        zseg_result::ZSEG_OK
    );
    assert_eq!(
        zseg_decompressor_set_max_total_size(d, max_total, &mut err),
        zseg_result::ZSEG_OK
    );
    let wlm = match input.window_log_max % 24 {
        0..=1 => 0,
        w => i64::from(w) + 8, // 10..=31
    };
    let rc = zseg_decompressor_set_param(d, ZSEG_DPARAM_WINDOW_LOG_MAX as u32, wlm, &mut err);
    check_error(rc, &err);
    assert_eq!(rc, zseg_result::ZSEG_OK, "window log max {wlm}");
    let rc = zseg_decompressor_set_param(
        d,
        ZSEG_DPARAM_MAGICLESS as u32,
        i64::from(magicless),
        &mut err,
    );
    assert_eq!(rc, zseg_result::ZSEG_OK);

    let threads = match input.threads % 4 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => -1,
    };
    let cancel_at = input.cancel_at.map(|c| u32::from(c % 8) + 1);
    let o = run(
        d,
        &frames,
        sizes.as_deref(),
        threads,
        input.keep_going,
        input.api,
        cancel_at,
        declared_total,
    );

    // Every item handed back: the declared size, exactly one frame, libzstd's bytes.
    if let Some(items) = &o.items {
        for (i, got) in items.iter().enumerate() {
            if o.results.as_ref().is_some_and(|r| r[i] != 0) {
                continue;
            }
            let want = declared(i).expect("an item that succeeded had a declared size");
            assert_eq!(got.len() as u64, want, "item {i} has its declared size");
            let h = headers[i].expect("an item that succeeded has a valid header");
            assert!(!h.skippable);
            let standard: Vec<u8> = if magicless {
                [&ZSTD_MAGIC[..], &frames[i]].concat()
            } else {
                frames[i].clone()
            };
            // SAFETY: standard is readable for its length.
            let len = unsafe {
                zstd_sys::ZSTD_findFrameCompressedSize(standard.as_ptr().cast(), standard.len())
            };
            assert_eq!(len, standard.len(), "item {i} is exactly one frame");
            let reference = zseg_fuzz::reference_decompress(&standard, false, dict, got.len())
                .expect("libzstd decodes what zseg decoded");
            assert_eq!(&reference, got, "item {i} differs from libzstd's decoding");
            if let (Some(content), true) = (&made[i].content, same_settings(&made[i], &input)) {
                assert_eq!(content, got, "item {i} differs from the content compressed");
            }
        }
    }

    // Undamaged frames that fit the settings decompress.
    if let (Some(results), true) = (&o.results, o.rc != zseg_result::ZSEG_ERR_CANCELLED) {
        for (i, m) in made.iter().enumerate() {
            let Some(content) = &m.content else { continue };
            let h = headers[i];
            let fits = same_settings(m, &input)
                && declared(i) == Some(content.len() as u64)
                && content.len() as u64 <= max_item
                && h.is_some_and(|h| wlm == 0 || h.window_size <= 1u64 << wlm);
            if fits {
                assert_eq!(
                    results[i],
                    0,
                    "undamaged frame {i} failed: {}",
                    zseg_result_name(results[i])
                );
            }
        }
    }

    // Fail-fast agrees with per-item mode: same item, same code; the lowest one on 1 thread.
    if !input.keep_going && o.rc != zseg_result::ZSEG_ERR_CANCELLED {
        let all = run(
            d,
            &frames,
            sizes.as_deref(),
            threads,
            true,
            input.api,
            None,
            declared_total,
        );
        let whole_call = |r: zseg_result, item: u64| {
            item == u64::MAX
                && matches!(
                    r,
                    zseg_result::ZSEG_ERR_LIMIT
                        | zseg_result::ZSEG_ERR_DST_TOO_SMALL
                        | zseg_result::ZSEG_ERR_ALLOC
                )
        };
        if !whole_call(o.rc, o.err_item) && !whole_call(all.rc, all.err_item) {
            let results = all.results.expect("per-item results on OK/PARTIAL");
            match o.rc {
                zseg_result::ZSEG_OK => assert_eq!(all.rc, zseg_result::ZSEG_OK),
                rc => {
                    let i = o.err_item as usize;
                    assert!(i < n, "{rc:?} names item {i} of {n}");
                    // A corrupt frame may be reported as ZSEG_ERR_ZSTD or as
                    // ZSEG_ERR_SIZE_MISMATCH (when its size-like failure is decoded again to
                    // name a length): zstd picks its sequence decoder by whether the dictionary
                    // is cold in the context, and the two stop at different points
                    // (regressions/decompress/corrupt-frame-code-varies-with-context-reuse).
                    // Any other code must match.
                    let decoding = |c: u32| {
                        c == zseg_result::ZSEG_ERR_ZSTD as u32
                            || c == zseg_result::ZSEG_ERR_SIZE_MISMATCH as u32
                    };
                    assert!(
                        results[i] == rc as u32 || (decoding(results[i]) && decoding(rc as u32)),
                        "item {i}: fail-fast gave {rc:?}, per-item mode {}; frame {}",
                        zseg_result_name(results[i]),
                        hex(&frames[i])
                    );
                    // Only a batch run on the calling thread (threads 0 or 1; -1 is all CPUs)
                    // promises the lowest failing item (regressions/decompress/
                    // fail-fast-on-two-workers-names-any-failing-item).
                    if threads == 0 || threads == 1 {
                        let lowest = results.iter().position(|&r| r != 0);
                        assert_eq!(
                            lowest,
                            Some(i),
                            "fail-fast on one thread names the lowest failing item"
                        );
                    }
                }
            }
        }
    }
    zseg_decompressor_free(d);
});

/// Whether a made frame is read with the format and dictionary it was made with.
fn same_settings(m: &Item, input: &Input) -> bool {
    m.made_magicless == input.magicless && (m.made_dict == 0 || m.made_dict == input.dict % 3)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn zseg_result_name(code: u32) -> String {
    // SAFETY: zseg_result_str returns a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(zseg_result_str(code)) }
        .to_string_lossy()
        .into_owned()
}
