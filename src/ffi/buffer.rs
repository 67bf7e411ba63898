//! `zseg_buffer`: an `Arc<Buffer>` behind a raw pointer, shared with collections.

use std::ffi::c_void;
use std::sync::Arc;

use super::{guard, guard_value, handle, put, slice, zseg_error, zseg_result, zseg_slice};
use crate::buffer::{check_segments, Buffer, Segment, Storage};
use crate::error::{Error, ErrorKind, Result};

/// Called once with its context when borrowed memory is no longer needed.
pub type zseg_release_fn = Option<unsafe extern "C" fn(release_ctx: *mut c_void)>;

/// Caller memory a buffer borrows, released through the caller's callback on drop.
struct Borrowed {
    ptr: *const u8,
    len: usize,
    release: zseg_release_fn,
    ctx: *mut c_void,
}

// SAFETY: the caller promises the memory stays valid and unmodified until release, and may be
// read from any thread (documented on zseg_buffer_new_borrowed); release runs once, from Drop.
unsafe impl Send for Borrowed {}
// SAFETY: as above; Borrowed is only read through shared references.
unsafe impl Sync for Borrowed {}

impl AsRef<[u8]> for Borrowed {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: non-NULL with this length (checked at construction), kept alive by the caller
        // until release runs in drop.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the caller's callback, called exactly once with the caller's context.
            unsafe { release(self.ctx) }
        }
    }
}

/// Caller memory as buffer storage (`data` checked non-NULL unless `size` is 0).
pub(crate) fn borrowed(
    data: *const u8,
    size: usize,
    release: zseg_release_fn,
    ctx: *mut c_void,
) -> Storage {
    Box::new(Borrowed {
        ptr: data,
        len: size,
        release,
        ctx,
    })
}

/// Hands a new buffer to the caller.
pub(crate) fn into_handle(buffer: Buffer) -> *mut Buffer {
    Arc::into_raw(Arc::new(buffer)).cast_mut()
}

/// Copies the caller's segments (after the `data` check, so errors come in argument order).
fn copy_segments(segments: &[Segment]) -> Result<Vec<Segment>> {
    let mut v = Vec::new();
    v.try_reserve_exact(segments.len())
        .map_err(|_| Error::alloc("copying segments"))?;
    v.extend_from_slice(segments);
    Ok(v)
}

/// Creates a buffer that owns a copy of `data[0..size)` and of `segments[0..count)`.
///
/// Every segment must satisfy `offset + length <= size` (checked without overflow), else
/// `ZSEG_ERR_SEGMENT_BOUNDS` with `err->item` = the first bad segment's index. Segments may be
/// empty, overlap, leave gaps and come in any order. `data` may be NULL when `size` is 0,
/// `segments` when `count` is 0; `out` is required. On success `*out` receives a buffer the
/// caller frees with `zseg_buffer_free`; on failure `*out` is untouched. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_new_copy(
    data: *const u8,
    size: usize,
    segments: *const Segment,
    count: usize,
    out: *mut *mut Buffer,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let out = super::out(out, "out")?;
        // SAFETY: the caller provides size readable bytes and count readable segments.
        let (data, segments) = unsafe {
            (
                slice(data, size, "data")?,
                slice(segments, count, "segments")?,
            )
        };
        check_segments(segments, data.len())?;
        let mut copy = Vec::new();
        copy.try_reserve_exact(data.len())
            .map_err(|_| Error::alloc("copying data"))?;
        copy.extend_from_slice(data);
        let storage: Storage = Box::new(copy);
        put(
            out,
            into_handle(Buffer::from_valid(storage, copy_segments(segments)?)),
        );
        Ok(())
    })
}

/// Creates a buffer that borrows `data[0..size)` without copying it (zero-copy); the segments
/// are copied. Validation is as for `zseg_buffer_new_copy`.
///
/// The caller keeps `data` valid and unmodified until `release(release_ctx)` is called; `data`
/// must be readable from any thread. `release` (may be NULL) runs exactly once, on the thread
/// whose `*_free` call drops the last holder (this buffer or a collection that shares it), never
/// on a library worker thread. On failure `release` is not called, the caller keeps its memory
/// and `*out` is untouched. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_new_borrowed(
    data: *const u8,
    size: usize,
    segments: *const Segment,
    count: usize,
    release: zseg_release_fn,
    release_ctx: *mut c_void,
    out: *mut *mut Buffer,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let out = super::out(out, "out")?;
        // SAFETY: the caller provides size readable bytes and count readable segments.
        let (bytes, segs) = unsafe {
            (
                slice(data, size, "data")?,
                slice(segments, count, "segments")?,
            )
        };
        check_segments(segs, bytes.len())?;
        let segments = copy_segments(segs)?;
        // From here on nothing fails, so release is owned by the buffer.
        let storage = borrowed(data, size, release, release_ctx);
        put(out, into_handle(Buffer::from_valid(storage, segments)));
        Ok(())
    })
}

/// Releases the caller's reference to `buf`. Views of its items stay valid while a collection
/// holds the buffer; when the last holder goes, the memory (or, for a borrowed buffer, the
/// release callback) goes too. NULL is a no-op. Not to be called twice on one handle.
#[no_mangle]
pub extern "C" fn zseg_buffer_free(buf: *mut Buffer) {
    if buf.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: buf came from Arc::into_raw in this module and the caller gives up this
        // reference exactly once.
        drop(unsafe { Arc::from_raw(buf.cast_const()) })
    })
}

/// Reads a buffer handle for an accessor; `None` for NULL.
fn with<T>(buf: *const Buffer, fallback: T, f: impl FnOnce(&Buffer) -> T) -> T {
    // SAFETY: a non-NULL buf is a live handle (the caller's contract).
    match unsafe { buf.as_ref() } {
        Some(b) => guard_value(fallback, || f(b)),
        None => fallback,
    }
}

/// Bytes of data in `buf` (0 for NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_size(buf: *const Buffer) -> usize {
    with(buf, 0, |b| b.data().len())
}

/// Number of segments (items) in `buf` (0 for NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_count(buf: *const Buffer) -> usize {
    with(buf, 0, Buffer::count)
}

/// The buffer's data, zero-copy (for a borrowed buffer, the caller's own pointer); valid while
/// the buffer is held. NULL for a NULL or empty buffer. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_data(buf: *const Buffer) -> *const u8 {
    with(buf, std::ptr::null(), |b| zseg_slice::of(b.data()).ptr)
}

/// The buffer's `zseg_buffer_count` segments, zero-copy; valid while the buffer is held. NULL
/// for a NULL buffer or one without segments. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_segments(buf: *const Buffer) -> *const Segment {
    with(buf, std::ptr::null(), |b| match b.segments() {
        [] => std::ptr::null(),
        s => s.as_ptr(),
    })
}

/// Writes a zero-copy view of item `i` to `*out`, valid while any holder of the buffer lives.
/// `ZSEG_ERR_INDEX` if `i >= zseg_buffer_count(buf)`; `ZSEG_ERR_NULL` for a NULL `buf` or `out`;
/// `*out` is written only on success. An empty item's view has `len` 0 (and `ptr` possibly
/// NULL). Like every accessor, it takes no `zseg_error`: the result code says all. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_buffer_get(
    buf: *const Buffer,
    i: usize,
    out: *mut zseg_slice,
) -> zseg_result {
    guard(std::ptr::null_mut(), || {
        // SAFETY: a non-NULL buf is a live handle.
        let b = unsafe { handle(buf, "buf")? };
        let out = super::out(out, "out")?;
        let item = b.get(i).ok_or_else(|| index_error(i, b.count()))?;
        put(out, zseg_slice::of(item));
        Ok(())
    })
}

pub(crate) fn index_error(i: usize, count: usize) -> Error {
    Error::new(
        ErrorKind::Index,
        format!("index {i} is out of range: there are {count} items"),
    )
}
