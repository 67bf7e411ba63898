//! Buffers and collections from arbitrary data and segment arrays, through the C ABI.
//!
//! Invariants checked: construction succeeds exactly when every segment lies inside the data
//! (else ZSEG_ERR_SEGMENT_BOUNDS naming the first bad segment, `*out` untouched, no release);
//! every view lies inside its buffer and shows the right bytes; counts, sizes and borrowed
//! pointers are exact; out-of-range indices are ZSEG_ERR_INDEX with `*out` untouched;
//! collections index through their buffers in order and keep them alive after the caller's
//! handles are freed; a borrowed buffer's release runs exactly once, after the last holder.
#![no_main]

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use zseg::ffi::*;
use zseg::{Buffer, Collection, Segment};
use zseg_fuzz::{check_error, dirty_error};

/// A segment bound, resolved against the data size so that edges are reached often.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Bound {
    Small(u8),
    /// size + k (k may be negative).
    NearSize(i8),
    /// u64::MAX - k.
    NearMax(u8),
    Any(u64),
}

impl Bound {
    fn resolve(self, size: u64) -> u64 {
        match self {
            Bound::Small(v) => u64::from(v),
            Bound::NearSize(k) => {
                (i128::from(size) + i128::from(k)).clamp(0, u64::MAX.into()) as u64
            }
            Bound::NearMax(k) => u64::MAX - u64::from(k),
            Bound::Any(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct BufferSpec {
    /// Where this buffer's data starts in the input bytes, and how long it is.
    start: u16,
    len: u16,
    borrowed: bool,
    /// Pass NULL data when the size is 0.
    null_when_empty: bool,
    segments: Vec<(Bound, Bound)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    data: Vec<u8>,
    buffers: Vec<BufferSpec>,
    /// Collections: each a list of indices into the buffers made.
    collections: Vec<Vec<u8>>,
    /// Indices to probe besides 0..count.
    probes: Vec<u64>,
    /// Free the caller's buffer handles before using the collections.
    free_buffers_first: bool,
}

/// A borrowed buffer's memory and how often its release ran.
struct Lender {
    bytes: Vec<u8>,
    released: AtomicUsize,
}

unsafe extern "C" fn release(ctx: *mut c_void) {
    // SAFETY: ctx is a Lender kept alive by the harness until after the last free.
    let lender = unsafe { &*(ctx as *const Lender) };
    lender.released.fetch_add(1, Ordering::SeqCst);
}

const SENTINEL_HANDLE: *mut Buffer = 0x5e47_1e00 as *mut Buffer;
const SENTINEL_COLLECTION: *mut Collection = 0x5e47_1e00 as *mut Collection;
const MAX_SEGMENTS: usize = 512;

fn sentinel_slice() -> zseg_slice {
    zseg_slice {
        ptr: 0x5e47_1e00 as *const u8,
        len: 0x5e47_1e00,
    }
}

fn get_buffer(b: *const Buffer, i: usize) -> (zseg_result, zseg_slice) {
    let mut out = sentinel_slice();
    let rc = zseg_buffer_get(b, i, &mut out);
    (rc, out)
}

fn get_collection(c: *const Collection, i: usize) -> (zseg_result, zseg_slice) {
    let mut out = sentinel_slice();
    let rc = zseg_collection_get(c, i, &mut out);
    (rc, out)
}

/// Checks a failed lookup left `*out` alone.
fn assert_untouched(out: zseg_slice) {
    let s = sentinel_slice();
    assert!(
        out.ptr == s.ptr && out.len == s.len,
        "*out written on failure"
    );
}

/// A made buffer and what it must show.
struct Made {
    handle: *mut Buffer,
    data: Vec<u8>,
    data_ptr: *const u8,
    borrowed: bool,
    segments: Vec<Segment>,
    lender: Option<usize>,
}

fn check_buffer(m: &Made, probes: &[u64]) {
    let b = m.handle.cast_const();
    assert_eq!(zseg_buffer_size(b), m.data.len());
    assert_eq!(zseg_buffer_count(b), m.segments.len());
    let data = zseg_buffer_data(b);
    if m.data.is_empty() {
        assert!(data.is_null(), "an empty buffer's data is NULL");
    } else {
        assert!(!data.is_null());
        if m.borrowed {
            assert_eq!(
                data, m.data_ptr,
                "a borrowed buffer shows the caller's pointer"
            );
        }
        // SAFETY: the buffer's data is readable for its size while the handle lives.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(data, m.data.len()) },
            &m.data[..]
        );
    }
    let segs = zseg_buffer_segments(b);
    if m.segments.is_empty() {
        assert!(
            segs.is_null(),
            "a buffer without segments has NULL segments"
        );
    } else {
        // SAFETY: count segments are readable while the handle lives.
        let got = unsafe { std::slice::from_raw_parts(segs, m.segments.len()) };
        assert_eq!(got, &m.segments[..]);
    }
    for (i, s) in m.segments.iter().enumerate() {
        let (rc, view) = get_buffer(b, i);
        assert_eq!(rc, zseg_result::ZSEG_OK);
        assert_eq!(view.len as u64, s.length);
        if view.len > 0 {
            let start = data as usize;
            let p = view.ptr as usize;
            assert!(
                p >= start && p + view.len <= start + m.data.len(),
                "view outside its buffer"
            );
            assert_eq!(p - start, s.offset as usize);
            // SAFETY: checked inside the buffer's data above.
            let bytes = unsafe { std::slice::from_raw_parts(view.ptr, view.len) };
            assert_eq!(bytes, &m.data[s.offset as usize..][..view.len]);
        }
    }
    for &p in probes
        .iter()
        .chain([m.segments.len() as u64, u64::MAX].iter())
    {
        let Ok(i) = usize::try_from(p) else { continue };
        if i < m.segments.len() {
            continue;
        }
        let (rc, out) = get_buffer(b, i);
        assert_eq!(rc, zseg_result::ZSEG_ERR_INDEX);
        assert_untouched(out);
    }
}

/// Checks a collection over `parts` (the buffers in order).
fn check_collection(
    c: *const Collection,
    parts: &[&Made],
    handles: &[*const Buffer],
    probes: &[u64],
) {
    let count: usize = parts.iter().map(|m| m.segments.len()).sum();
    let size = parts
        .iter()
        .flat_map(|m| m.segments.iter())
        .try_fold(0u64, |sum, s| sum.checked_add(s.length))
        .and_then(|s| usize::try_from(s).ok())
        .unwrap_or(usize::MAX);
    assert_eq!(zseg_collection_count(c), count);
    assert_eq!(zseg_collection_size(c), size);
    assert_eq!(zseg_collection_buffer_count(c), parts.len());
    for (b, &h) in handles.iter().enumerate() {
        assert_eq!(
            zseg_collection_buffer(c, b),
            h,
            "collection buffer {b} is the one given"
        );
    }
    assert!(zseg_collection_buffer(c, parts.len()).is_null());
    assert!(zseg_collection_buffer(c, usize::MAX).is_null());
    let mut global = 0usize;
    for (m, &h) in parts.iter().zip(handles) {
        for (i, s) in m.segments.iter().enumerate() {
            let (rc, view) = get_collection(c, global);
            assert_eq!(rc, zseg_result::ZSEG_OK);
            let (rc, direct) = get_buffer(h, i);
            assert_eq!(rc, zseg_result::ZSEG_OK);
            assert_eq!(
                (view.ptr, view.len),
                (direct.ptr, direct.len),
                "item {global}"
            );
            assert_eq!(view.len as u64, s.length);
            if view.len > 0 {
                // SAFETY: the view was checked against the buffer in check_buffer.
                let bytes = unsafe { std::slice::from_raw_parts(view.ptr, view.len) };
                assert_eq!(bytes, &m.data[s.offset as usize..][..view.len]);
            }
            global += 1;
        }
    }
    for &p in probes.iter().chain([count as u64, u64::MAX].iter()) {
        let Ok(i) = usize::try_from(p) else { continue };
        if i < count {
            continue;
        }
        let (rc, out) = get_collection(c, i);
        assert_eq!(rc, zseg_result::ZSEG_ERR_INDEX);
        assert_untouched(out);
    }
}

fuzz_target!(|input: Input| {
    let lenders: Vec<Lender> = input
        .buffers
        .iter()
        .take(16)
        .map(|_| Lender {
            bytes: Vec::new(),
            released: AtomicUsize::new(0),
        })
        .collect();
    // Lenders never move once their bytes are set: the vector is not resized below.
    let mut lenders = lenders;
    let mut made: Vec<Made> = Vec::new();
    for (k, spec) in input.buffers.iter().take(16).enumerate() {
        let start = usize::from(spec.start).min(input.data.len());
        let end = (start + usize::from(spec.len)).min(input.data.len());
        let data = input.data[start..end].to_vec();
        let size = data.len() as u64;
        let segments: Vec<Segment> = spec
            .segments
            .iter()
            .take(MAX_SEGMENTS)
            .map(|&(o, l)| Segment {
                offset: o.resolve(size),
                length: l.resolve(size),
            })
            .collect();
        let first_bad = segments
            .iter()
            .position(|s| s.offset.checked_add(s.length).is_none_or(|e| e > size));
        lenders[k].bytes = data.clone();
        let lender_ptr: *const Lender = &lenders[k];
        let data_ptr = if data.is_empty() && spec.null_when_empty {
            ptr::null()
        } else if spec.borrowed {
            lenders[k].bytes.as_ptr()
        } else {
            data.as_ptr()
        };
        let segs_ptr = zseg_fuzz::ptr_or_null(&segments);
        let mut out = SENTINEL_HANDLE;
        let mut err = dirty_error();
        let rc = if spec.borrowed {
            zseg_buffer_new_borrowed(
                data_ptr,
                data.len(),
                segs_ptr,
                segments.len(),
                Some(release),
                lender_ptr as *mut c_void,
                &mut out,
                &mut err,
            )
        } else {
            zseg_buffer_new_copy(
                data_ptr,
                data.len(),
                segs_ptr,
                segments.len(),
                &mut out,
                &mut err,
            )
        };
        check_error(rc, &err);
        match first_bad {
            Some(bad) => {
                assert_eq!(
                    rc,
                    zseg_result::ZSEG_ERR_SEGMENT_BOUNDS,
                    "segment {bad} is out of bounds"
                );
                assert_eq!(err.item, bad as u64, "err.item names the first bad segment");
                assert_eq!(out, SENTINEL_HANDLE, "*out written on failure");
                assert_eq!(
                    lenders[k].released.load(Ordering::SeqCst),
                    0,
                    "release called on failure"
                );
            }
            None => {
                assert_eq!(rc, zseg_result::ZSEG_OK);
                assert!(!out.is_null() && out != SENTINEL_HANDLE);
                made.push(Made {
                    handle: out,
                    data,
                    data_ptr,
                    borrowed: spec.borrowed,
                    segments,
                    lender: spec.borrowed.then_some(k),
                });
            }
        }
    }
    for m in &made {
        check_buffer(m, &input.probes);
    }

    // Collections of the made buffers (repeats allowed), and a copy of each made from the
    // borrowed pointers the first one hands out.
    let mut collections: Vec<(*mut Collection, Vec<usize>)> = Vec::new();
    for picks in input.collections.iter().take(8) {
        let idx: Vec<usize> = match made.len() {
            0 => Vec::new(),
            n => picks.iter().take(64).map(|&p| usize::from(p) % n).collect(),
        };
        let handles: Vec<*const Buffer> =
            idx.iter().map(|&i| made[i].handle.cast_const()).collect();
        let mut out = SENTINEL_COLLECTION;
        let mut err = dirty_error();
        let ptr = zseg_fuzz::ptr_or_null(&handles);
        let rc = zseg_collection_new(ptr, handles.len(), &mut out, &mut err);
        check_error(rc, &err);
        assert_eq!(rc, zseg_result::ZSEG_OK);
        let parts: Vec<&Made> = idx.iter().map(|&i| &made[i]).collect();
        check_collection(out, &parts, &handles, &input.probes);

        // A NULL entry is ZSEG_ERR_NULL naming it, with *out untouched.
        if !handles.is_empty() {
            let at = picks[0] as usize % handles.len();
            let mut with_null = handles.clone();
            with_null[at] = ptr::null();
            let mut bad = SENTINEL_COLLECTION;
            let mut err = dirty_error();
            let rc = zseg_collection_new(with_null.as_ptr(), with_null.len(), &mut bad, &mut err);
            check_error(rc, &err);
            assert_eq!(rc, zseg_result::ZSEG_ERR_NULL);
            assert_eq!(err.item, at as u64);
            assert_eq!(bad, SENTINEL_COLLECTION);
        }

        // The same buffers, through the pointers the collection lends.
        let lent: Vec<*const Buffer> = (0..handles.len())
            .map(|b| zseg_collection_buffer(out, b))
            .collect();
        let mut again = SENTINEL_COLLECTION;
        let mut err = dirty_error();
        let ptr = zseg_fuzz::ptr_or_null(&lent);
        let rc = zseg_collection_new(ptr, lent.len(), &mut again, &mut err);
        check_error(rc, &err);
        assert_eq!(rc, zseg_result::ZSEG_OK);
        check_collection(again, &parts, &handles, &input.probes);
        collections.push((out, idx.clone()));
        collections.push((again, idx));
    }

    // Release order: maybe the caller's buffers first; the collections must still work, and
    // no borrowed buffer may be released while a collection holds it.
    let held = |i: usize, cols: &[(*mut Collection, Vec<usize>)]| {
        cols.iter().any(|(_, idx)| idx.contains(&i))
    };
    if input.free_buffers_first {
        let handles: Vec<Vec<*const Buffer>> = collections
            .iter()
            .map(|(c, idx)| {
                (0..idx.len())
                    .map(|b| zseg_collection_buffer(*c, b))
                    .collect()
            })
            .collect();
        for m in &made {
            zseg_buffer_free(m.handle);
        }
        for (i, m) in made.iter().enumerate() {
            if let Some(k) = m.lender {
                let expect = usize::from(!held(i, &collections));
                assert_eq!(
                    lenders[k].released.load(Ordering::SeqCst),
                    expect,
                    "release after the last holder only"
                );
            }
        }
        for ((c, idx), hs) in collections.iter().zip(&handles) {
            let parts: Vec<&Made> = idx.iter().map(|&i| &made[i]).collect();
            check_collection(*c, &parts, hs, &input.probes);
        }
        for (c, _) in &collections {
            zseg_collection_free(*c);
        }
    } else {
        for (c, _) in &collections {
            zseg_collection_free(*c);
        }
        for m in &made {
            if let Some(k) = m.lender {
                assert_eq!(
                    lenders[k].released.load(Ordering::SeqCst),
                    0,
                    "released while the caller holds the buffer"
                );
            }
            check_buffer(m, &input.probes);
            zseg_buffer_free(m.handle);
        }
    }
    for m in &made {
        if let Some(k) = m.lender {
            assert_eq!(
                lenders[k].released.load(Ordering::SeqCst),
                1,
                "release runs exactly once"
            );
        }
    }
    // NULL handles: the accessors answer 0/NULL, the frees are no-ops.
    assert_eq!(zseg_buffer_size(ptr::null()), 0);
    assert_eq!(zseg_collection_count(ptr::null()), 0);
    zseg_buffer_free(ptr::null_mut());
    zseg_collection_free(ptr::null_mut());
});
