//! Seekable-format files from arbitrary bytes, through the C ABI: `zseg_seekable_open_memory`,
//! then every accessor (`_count`, `_frames`, `_sizes`, `_get`) and decompression of the frames
//! with the table's sizes, in per-item mode, on 1 or 2 threads.
//!
//! Inputs are raw bytes, a well-formed seek table (maybe lying) behind arbitrary frame bytes, or
//! a real file (frames made by plain libzstd, table written here from the format's text, not by
//! zseg) that the fuzzer may then damage.
//!
//! Invariants checked: never a crash or a read outside the input; `err` consistent with the
//! result; `*out` written only on success; zseg accepts a file exactly when the format's rules,
//! read here independently, accept it (footer magic, reserved descriptor bits, entry count,
//! skippable frame around the table, frames adding up to the data part); an accepted file gives
//! the table's entries through every accessor, frames back to back from offset 0, ZSEG_ERR_INDEX
//! past the end; every frame that decompresses has its table size and libzstd's bytes; an
//! undamaged real file gives back its items.
#![no_main]

use std::ptr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use zseg::ffi::*;
use zseg::{Collection, Seekable};
use zseg_fuzz::{check_error, dirty_error, is_known_code, CParams};

const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const MAX_FRAMES: usize = 0x800_0000;
const MAX_ITEMS: usize = 32;
const ITEM_CAP: usize = 4096;
/// Table sizes above this are not decompressed (the harness would allocate them).
const SIZE_CAP: u64 = 1 << 20;

#[derive(Arbitrary, Debug)]
enum Source {
    Raw(Vec<u8>),
    /// Arbitrary frame bytes behind a well-formed table of arbitrary entries; with `fit`, the
    /// last entry's compressed size is set so that the entries add up to the data.
    Table {
        data: Vec<u8>,
        entries: Vec<(u16, u32, u32)>,
        checksums: bool,
        fit: bool,
    },
    /// A real file of these items, then maybe damaged.
    Real {
        items: Vec<Vec<u8>>,
        level: i8,
        frame_checksums: bool,
        checksums: bool,
        edits: Vec<(u16, u8)>,
        cut: Option<u16>,
        append: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    source: Source,
    lookups: Vec<u16>,
    threads: bool,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// The skippable frame holding a seek table of `entries` (compressed size, decompressed size,
/// checksum), as the format describes it.
fn table(entries: &[(u32, u32, u32)], checksums: bool) -> Vec<u8> {
    let entry = if checksums { 12 } else { 8 };
    let table_len = entries.len() * entry + 9;
    let mut t = SKIPPABLE_MAGIC.to_le_bytes().to_vec();
    t.extend_from_slice(&(table_len as u32).to_le_bytes());
    for &(c, d, sum) in entries {
        t.extend_from_slice(&c.to_le_bytes());
        t.extend_from_slice(&d.to_le_bytes());
        if checksums {
            t.extend_from_slice(&sum.to_le_bytes());
        }
    }
    t.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    t.push(if checksums { 0x80 } else { 0 });
    t.extend_from_slice(&SEEKABLE_MAGIC.to_le_bytes());
    t
}

/// The file's table read by the format's rules: (compressed size, decompressed size) of every
/// frame, or `None` where a reader must refuse the file.
fn read_table(file: &[u8]) -> Option<Vec<(u32, u32)>> {
    let n = file.len();
    if n < 17 || le32(file, n - 4) != SEEKABLE_MAGIC {
        return None;
    }
    let descriptor = file[n - 5];
    if descriptor & 0x7C != 0 {
        return None;
    }
    let entry = if descriptor & 0x80 != 0 { 12 } else { 8 };
    let count = le32(file, n - 9) as usize;
    if count > MAX_FRAMES {
        return None;
    }
    let table_len = count * entry + 9;
    let start = n.checked_sub(table_len + 8)?;
    if le32(file, start) != SKIPPABLE_MAGIC || le32(file, start + 4) as usize != table_len {
        return None;
    }
    let entries: Vec<(u32, u32)> = file[start + 8..start + 8 + count * entry]
        .chunks_exact(entry)
        .map(|e| (le32(e, 0), le32(e, 4)))
        .collect();
    let total: u64 = entries.iter().map(|&(c, _)| u64::from(c)).sum();
    (total == start as u64).then_some(entries)
}

/// The file bytes and, for an undamaged real file, its items.
fn build(source: &Source) -> (Vec<u8>, Option<Vec<Vec<u8>>>) {
    match source {
        Source::Raw(bytes) => (bytes.clone(), None),
        Source::Table {
            data,
            entries,
            checksums,
            fit,
        } => {
            let mut entries: Vec<(u32, u32, u32)> = entries
                .iter()
                .take(MAX_ITEMS * 4)
                .map(|&(c, d, s)| (u32::from(c), d, s))
                .collect();
            if *fit {
                let before: u64 = entries.iter().rev().skip(1).map(|e| u64::from(e.0)).sum();
                if let Some(last) = entries.last_mut() {
                    last.0 = (data.len() as u64).saturating_sub(before) as u32;
                }
            }
            let mut file = data.clone();
            file.extend_from_slice(&table(&entries, *checksums));
            (file, None)
        }
        Source::Real {
            items,
            level,
            frame_checksums,
            checksums,
            edits,
            cut,
            append,
        } => {
            let items: Vec<Vec<u8>> = items
                .iter()
                .take(MAX_ITEMS)
                .map(|i| i[..i.len().min(ITEM_CAP)].to_vec())
                .collect();
            let p = CParams {
                level: i32::from(*level).clamp(-5, 9),
                checksum: *frame_checksums || *checksums,
                content_size: true,
                dict_id: true,
                ..CParams::default()
            };
            let mut file = Vec::new();
            let mut entries = Vec::new();
            for item in &items {
                let frame = zseg_fuzz::reference_compress(item, &p, None);
                let sum = le32(&frame, frame.len() - 4);
                entries.push((frame.len() as u32, item.len() as u32, sum));
                file.extend_from_slice(&frame);
            }
            file.extend_from_slice(&table(&entries, *checksums));
            let mut damaged = false;
            for &(pos, x) in edits.iter().take(8) {
                let at = usize::from(pos) % file.len();
                file[at] ^= x;
                damaged |= x != 0;
            }
            if let Some(cut) = cut {
                let keep = file.len() - usize::from(*cut) % (file.len() + 1);
                damaged |= keep < file.len();
                file.truncate(keep);
            }
            file.extend_from_slice(append);
            damaged |= !append.is_empty();
            (file, (!damaged).then_some(items))
        }
    }
}

const SENTINEL: *mut Seekable = 0x5e47_1e00 as *mut Seekable;

fuzz_target!(|input: Input| {
    let (file, items) = build(&input.source);
    let expected = read_table(&file);

    let mut s = SENTINEL;
    let mut err = dirty_error();
    let data = zseg_fuzz::ptr_or_null(&file);
    let rc = zseg_seekable_open_memory(data, file.len(), &mut s, &mut err);
    check_error(rc, &err);
    assert!(is_known_code(rc as u32));
    let Some(entries) = expected else {
        assert!(
            matches!(
                rc,
                zseg_result::ZSEG_ERR_ZSTD | zseg_result::ZSEG_ERR_SEGMENT_BOUNDS
            ),
            "a file the format refuses gave {rc:?}"
        );
        assert_eq!(s, SENTINEL, "*out written on {rc:?}");
        return;
    };
    assert_eq!(rc, zseg_result::ZSEG_OK, "a well-formed file was refused");
    assert!(!s.is_null() && s != SENTINEL);
    if let Some(items) = &items {
        assert_eq!(
            entries.len(),
            items.len(),
            "the table has one entry per item"
        );
    }

    // Every accessor gives the table's entries; frames lie back to back from offset 0.
    let n = entries.len();
    assert_eq!(zseg_seekable_count(s), n);
    let frames = zseg_seekable_frames(s);
    assert!(!frames.is_null());
    assert_eq!(zseg_buffer_count(frames), n);
    let sizes_ptr = zseg_seekable_sizes(s);
    assert_eq!(
        sizes_ptr.is_null(),
        n == 0,
        "sizes are NULL exactly for 0 frames"
    );
    let sizes: &[u64] = if n == 0 {
        &[]
    } else {
        // SAFETY: n entries, valid while the handle lives.
        unsafe { std::slice::from_raw_parts(sizes_ptr, n) }
    };
    let mut at = 0usize;
    let mut views = Vec::with_capacity(n);
    for (i, &(csize, dsize)) in entries.iter().enumerate() {
        let mut view = zseg_slice {
            ptr: ptr::null(),
            len: 0,
        };
        assert_eq!(zseg_buffer_get(frames, i, &mut view), zseg_result::ZSEG_OK);
        assert_eq!(view.len, csize as usize, "frame {i} has its table size");
        if view.len > 0 {
            // SAFETY: both point into `file`.
            let offset = unsafe { view.ptr.offset_from(file.as_ptr()) };
            assert_eq!(
                offset,
                at as isize,
                "frame {i} follows frame {}",
                i.wrapping_sub(1)
            );
        }
        assert_eq!(sizes[i], u64::from(dsize), "size {i} from the table");
        views.push(file[at..at + csize as usize].to_vec());
        at += csize as usize;
    }
    for &k in input.lookups.iter().take(8) {
        let i = usize::from(k) % (n + 2);
        let mut view = zseg_slice {
            ptr: ptr::null(),
            len: 0xDEAD,
        };
        let mut size = 0xDEAD_u64;
        let mut err = dirty_error();
        let rc = zseg_seekable_get(s, i, &mut view, &mut size, &mut err);
        check_error(rc, &err);
        if i < n {
            assert_eq!(rc, zseg_result::ZSEG_OK);
            assert_eq!(size, sizes[i]);
            let got: &[u8] = if view.len == 0 {
                &[]
            } else {
                // SAFETY: a view into `file`, valid while the handle lives.
                unsafe { std::slice::from_raw_parts(view.ptr, view.len) }
            };
            assert_eq!(got, &views[i][..], "get({i}) is frame {i}");
        } else {
            assert_eq!(rc, zseg_result::ZSEG_ERR_INDEX, "get({i}) of {n}");
            assert_eq!(
                (view.len, size),
                (0xDEAD, 0xDEAD),
                "outputs written on an error"
            );
        }
    }

    // Decompression of the frames with the table's sizes, per item; small tables only.
    if sizes.iter().sum::<u64>() <= SIZE_CAP {
        let mut d: *mut zseg_decompressor = ptr::null_mut();
        assert_eq!(
            zseg_decompressor_new(&mut d, &mut err),
            zseg_result::ZSEG_OK
        );
        let mut results = vec![0xDEAD_BEEF_u32; n];
        let mut opts = std::mem::MaybeUninit::<zseg_batch_options>::uninit();
        zseg_batch_options_init(opts.as_mut_ptr());
        // SAFETY: initialized by zseg_batch_options_init.
        let mut opts = unsafe { opts.assume_init() };
        opts.threads = if input.threads { 2 } else { 1 };
        opts.item_results = results.as_mut_ptr().cast();
        let mut out: *mut Collection = ptr::null_mut();
        let mut err = dirty_error();
        let rc = zseg_decompress_buffer(d, frames, sizes_ptr, &opts, &mut out, &mut err);
        check_error(rc, &err);
        assert!(
            matches!(rc, zseg_result::ZSEG_OK | zseg_result::ZSEG_ERR_PARTIAL),
            "per-item decompression gave {rc:?}"
        );
        let mut decoded = Vec::with_capacity(n);
        for i in 0..n {
            let mut item = zseg_slice {
                ptr: ptr::null(),
                len: 0,
            };
            assert_eq!(zseg_collection_get(out, i, &mut item), zseg_result::ZSEG_OK);
            let got: &[u8] = if item.len == 0 {
                &[]
            } else {
                // SAFETY: a view of the live collection.
                unsafe { std::slice::from_raw_parts(item.ptr, item.len) }
            };
            decoded.push(got.to_vec());
            if results[i] != 0 {
                assert!(got.is_empty(), "failed item {i} is empty");
                continue;
            }
            assert_eq!(got.len() as u64, sizes[i], "item {i} has its table size");
            let reference = zseg_fuzz::reference_decompress(&views[i], false, None, got.len())
                .expect("libzstd decodes what zseg decoded");
            assert_eq!(reference, got, "item {i} differs from libzstd's decoding");
        }
        if let Some(items) = &items {
            assert_eq!(rc, zseg_result::ZSEG_OK, "an undamaged file decompresses");
            assert_eq!(&decoded, items, "an undamaged file gives back its items");
        }
        zseg_collection_free(out);
        zseg_decompressor_free(d);
    }
    zseg_seekable_free(s);
});
