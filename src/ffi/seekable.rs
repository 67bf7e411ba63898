//! `zseg_seekable`: zstd seekable-format files.

use std::ffi::{c_char, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use super::buffer::{borrowed, index_error};
use super::{guard, guard_value, handle, put, slice, zseg_error, zseg_result, zseg_slice};
use crate::buffer::Buffer;
use crate::collection::Collection;
use crate::error::{Error, ErrorKind, Result};
use crate::seekable::{self, Seekable};

/// Flag for `zseg_seekable_write`: store each item's checksum (the low 32 bits of its XXH64) in
/// the seek table, taken from the frames' own zstd checksums, so the frames must have been
/// compressed with `ZSEG_CPARAM_CHECKSUM` (else `ZSEG_ERR_INVALID_ARGUMENT`).
pub const ZSEG_SEEKABLE_CHECKSUMS: u32 = 1;

fn path<'a>(p: *const c_char) -> Result<&'a Path> {
    if p.is_null() {
        return Err(super::null("path"));
    }
    // SAFETY: a non-NULL path is a NUL-terminated string (the caller's contract).
    let s = unsafe { CStr::from_ptr(p) };
    // Bytes, as open(2) takes them: a file name need not be UTF-8.
    Ok(Path::new(OsStr::from_bytes(s.to_bytes())))
}

/// Writes the compressed collection `frames` (item i = frame i, each a standard zstd frame with its
/// content size in the header) to `path` as one zstd seekable-format file: the frames back to back,
/// then the seek table in a skippable frame. Any zstd decoder decompresses the file to the
/// concatenation of the items; any seekable reader finds item i directly.
///
/// Atomic: written to a temporary file beside `path`, synced, then renamed over it; on failure
/// `path` is untouched. A regular file it replaces keeps its permission bits (not its owner); a
/// symbolic link at `path` is replaced, not followed. `path` is taken as bytes, as open(2) takes it
/// (any encoding); one that names no file (empty, ending in `/` or `..`) is `ZSEG_ERR_IO`, before
/// anything is written. `flags` is 0 or `ZSEG_SEEKABLE_CHECKSUMS` (any other bit is
/// `ZSEG_ERR_INVALID_ARGUMENT`). Every item is checked before anything is written: it must be
/// exactly one complete standard data frame (magic number, every block present, nothing after it),
/// else `ZSEG_ERR_ZSTD` (two frames in one item, trailing or missing bytes, a skippable or
/// magicless frame, garbage). The format stores sizes in 32 bits: a frame or item over 4 GiB - 1,
/// or more than 0x8000000 frames, is `ZSEG_ERR_LIMIT` (and zstd's reference seekable reader accepts
/// items up to 1 GiB only). A frame without content size is `ZSEG_ERR_NO_CONTENT_SIZE`, I/O
/// failures `ZSEG_ERR_IO`; `err->item` names the frame. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_write(
    frames: *const Collection,
    path: *const c_char,
    flags: u32,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL frames is a live collection.
        let frames = unsafe { handle(frames, "frames")? };
        let path = self::path(path)?;
        if flags & !ZSEG_SEEKABLE_CHECKSUMS != 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("unknown flags {flags:#x}"),
            ));
        }
        seekable::write(frames, path, flags & ZSEG_SEEKABLE_CHECKSUMS != 0)
    })
}

/// Opens a seekable-format file read-only through a memory mapping and validates its seek
/// table (magic numbers, descriptor, entry count against the file size, every frame inside the
/// data part, sizes adding up to the data part): a bad file is `ZSEG_ERR_ZSTD` (or
/// `ZSEG_ERR_SEGMENT_BOUNDS` with `err->item` = the entry), an unreadable one `ZSEG_ERR_IO`, as
/// is a path that is not a regular file (a directory, pipe or device: read such a stream into
/// memory and use `zseg_seekable_open_memory`; a pipe is refused without waiting for a writer),
/// and nothing is read past the mapping. `path` is taken as bytes, as open(2) takes it. The
/// mapping lives until the handle and every holder of its frames buffer are freed. As with any
/// mapped file, the file must not be written to or truncated meanwhile (reads then see the new
/// bytes, or the process gets SIGBUS).
/// The table's per-frame checksums, if it has them, are not compared with anything: a frame's
/// own zstd checksum is what decompressing it verifies (files written with
/// `ZSEG_SEEKABLE_CHECKSUMS` repeat exactly that one in the table).
/// On success the caller frees `*out` with `zseg_seekable_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_open(
    path: *const c_char,
    out: *mut *mut Seekable,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let path = self::path(path)?;
        let out = super::out(out, "out")?;
        // SAFETY: the header states the mapping's condition (the file must not change while
        // the handle or its frames live); the C caller takes it on.
        put(
            out,
            Box::into_raw(Box::new(unsafe { Seekable::open(path)? })),
        );
        Ok(())
    })
}

/// As `zseg_seekable_open`, over the caller's `data[0..size)` (borrowed, not copied): keep it
/// alive and unchanged while the handle or anything holding its frames lives. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_open_memory(
    data: *const u8,
    size: usize,
    out: *mut *mut Seekable,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: data is readable for size bytes for as long as documented above.
        unsafe { slice(data, size, "data")? };
        let out = super::out(out, "out")?;
        put(
            out,
            Box::into_raw(Box::new(Seekable::parse(borrowed(
                data,
                size,
                None,
                std::ptr::null_mut(),
            ))?)),
        );
        Ok(())
    })
}

/// Frees the handle. Its frames buffer (and so the mapping) lives on while a collection or a
/// buffer reference holds it. NULL is a no-op.
#[no_mangle]
pub extern "C" fn zseg_seekable_free(s: *mut Seekable) {
    if !s.is_null() {
        // SAFETY: s came from Box::into_raw in this module and is freed once.
        guard_value((), || drop(unsafe { Box::from_raw(s) }))
    }
}

/// The frames, borrowed and zero-copy: segment i is frame i. Built on first call (O(frames));
/// valid while the handle lives (pass it to `zseg_collection_new` to keep it longer); never
/// freed by the caller. With `zseg_seekable_sizes` it feeds `zseg_decompress_buffer` directly.
/// NULL for NULL, or if memory for the index runs out. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_frames(s: *const Seekable) -> *const Buffer {
    // SAFETY: a non-NULL s is a live handle.
    match unsafe { s.as_ref() } {
        Some(s) => guard_value(std::ptr::null(), || {
            s.frames().map_or(std::ptr::null(), Arc::as_ptr)
        }),
        None => std::ptr::null(),
    }
}

/// The decompressed size of every frame, from the seek table (`zseg_seekable_count` entries),
/// built on first call and valid while the handle lives. NULL for NULL, for a file of 0 frames,
/// or if memory runs out. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_sizes(s: *const Seekable) -> *const u64 {
    // SAFETY: a non-NULL s is a live handle.
    match unsafe { s.as_ref() } {
        Some(s) => guard_value(std::ptr::null(), || match s.sizes() {
            Ok(sizes) if !sizes.is_empty() => sizes.as_ptr(),
            _ => std::ptr::null(),
        }),
        None => std::ptr::null(),
    }
}

/// Number of frames (items) in the file; 0 for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_count(s: *const Seekable) -> usize {
    // SAFETY: a non-NULL s is a live handle.
    unsafe { s.as_ref() }.map_or(0, Seekable::count)
}

/// Random access without building the whole index: writes a zero-copy view of frame `i` to
/// `*frame` and its decompressed size (from the seek table) to `*size`, reading O(1) table
/// entries (at most 256). Either out-pointer may be NULL if not wanted. `ZSEG_ERR_INDEX` if `i`
/// is out of range. The view is valid while the handle (or a holder of its frames) lives.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_seekable_get(
    s: *const Seekable,
    i: usize,
    frame: *mut zseg_slice,
    size: *mut u64,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        // SAFETY: a non-NULL s is a live handle.
        let s = unsafe { handle(s, "s")? };
        let (f, n) = s
            .frame(i)
            .zip(s.size(i))
            .ok_or_else(|| index_error(i, s.count()))?;
        if !frame.is_null() {
            put(frame, zseg_slice::of(f));
        }
        if !size.is_null() {
            put(size, n);
        }
        Ok(())
    })
}
