//! `zseg_collection`: a boxed `Collection` sharing its buffers.

use std::sync::Arc;

use super::buffer::index_error;
use super::{guard, guard_value, handle, put, slice, zseg_error, zseg_result, zseg_slice};
use crate::buffer::Buffer;
use crate::collection::Collection;
use crate::error::{Error, Result};

/// Hands a new collection to the caller.
pub(crate) fn into_handle(c: Collection) -> *mut Collection {
    Box::into_raw(Box::new(c))
}

/// Creates a collection of `buffers[0..n)` in order, sharing them (reference counted, nothing
/// copied): the caller still frees its own buffer handles, and the buffers live until both are
/// gone. `buffers` may be NULL when `n` is 0 (an empty collection); a NULL entry is
/// `ZSEG_ERR_NULL` with `err->item` = its index. On success `*out` receives a collection the
/// caller frees with `zseg_collection_free`; on failure it is untouched. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_new(
    buffers: *const *const Buffer,
    n: usize,
    out: *mut *mut Collection,
    err: *mut zseg_error,
) -> zseg_result {
    guard(err, || {
        let out = super::out(out, "out")?;
        // SAFETY: the caller provides n readable buffer pointers.
        let ptrs = unsafe { slice(buffers, n, "buffers")? };
        if let Some(i) = ptrs.iter().position(|p| p.is_null()) {
            return Err(super::null(&format!("buffers[{i}]")).at(i));
        }
        let mut shared = Vec::new();
        shared
            .try_reserve_exact(n)
            .map_err(|_| Error::alloc("collection buffers"))?;
        for &p in ptrs {
            // SAFETY: p is a live handle from Arc::into_raw; we take one more reference to it.
            shared.push(unsafe {
                Arc::increment_strong_count(p);
                Arc::from_raw(p)
            });
        }
        put(out, into_handle(Collection::new(shared)?));
        Ok(())
    })
}

/// Frees a collection and its references to its buffers (a buffer whose last holder this was
/// is freed, and a borrowed one released, on this thread). NULL is a no-op.
///
/// Output buffers of 1 MiB to 32 MiB that a batch call made are not returned to the allocator
/// but kept for later batches (process-wide, at most 32 MiB in all, the oldest dropped first),
/// so that repeated batches write mostly into memory that is already mapped instead of paying
/// a page fault per page.
#[no_mangle]
pub extern "C" fn zseg_collection_free(c: *mut Collection) {
    if c.is_null() {
        return;
    }
    // SAFETY: c came from Box::into_raw in this module and is freed once by the caller.
    guard_value((), || drop(unsafe { Box::from_raw(c) }))
}

fn with<T>(c: *const Collection, fallback: T, f: impl FnOnce(&Collection) -> T) -> T {
    // SAFETY: a non-NULL c is a live handle (the caller's contract).
    match unsafe { c.as_ref() } {
        Some(c) => guard_value(fallback, || f(c)),
        None => fallback,
    }
}

/// Number of items (segments) in all buffers (0 for NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_count(c: *const Collection) -> usize {
    with(c, 0, Collection::count)
}

/// Sum of all segment lengths in all buffers (0 for NULL; `SIZE_MAX` if it overflows).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_size(c: *const Collection) -> usize {
    with(c, 0, |c| {
        usize::try_from(c.content_size()).unwrap_or(usize::MAX)
    })
}

/// Number of buffers (0 for NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_buffer_count(c: *const Collection) -> usize {
    with(c, 0, |c| c.buffers().len())
}

/// Buffer `b`, borrowed: valid while the collection lives, not to be freed by the caller (pass
/// it to `zseg_collection_new` or take views of it freely). NULL if `c` is NULL or `b` is out of
/// range. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_buffer(c: *const Collection, b: usize) -> *const Buffer {
    with(c, std::ptr::null(), |c| {
        c.buffers().get(b).map_or(std::ptr::null(), Arc::as_ptr)
    })
}

/// Writes a zero-copy view of global item `i` (counting through the buffers in order, found in
/// O(log buffers)) to `*out`, valid while any holder of its buffer lives. `ZSEG_ERR_INDEX` if
/// `i >= zseg_collection_count(c)`, `ZSEG_ERR_NULL` for a NULL `c` or `out`; `*out` is written
/// only on success. Takes no `zseg_error`, like every accessor. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_collection_get(
    c: *const Collection,
    i: usize,
    out: *mut zseg_slice,
) -> zseg_result {
    guard(std::ptr::null_mut(), || -> Result<()> {
        // SAFETY: a non-NULL c is a live handle.
        let c = unsafe { handle(c, "c")? };
        let out = super::out(out, "out")?;
        let item = c.get(i).ok_or_else(|| index_error(i, c.count()))?;
        put(out, zseg_slice::of(item));
        Ok(())
    })
}
