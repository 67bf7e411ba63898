//! The compressor and decompressor as the C caller holds them: the core object and the number
//! of batches running on it, so that a change or a free during one of them is refused.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{guard_value, handle};
use crate::error::{Error, ErrorKind, Result};

/// A compressor (`zseg_compressor`: compresses batches of items, each as one independent zstd
/// frame) or a decompressor (`zseg_decompressor`: decompresses batches of frames). Shareable
/// between threads for batches; changing its settings or freeing it needs exclusive access,
/// and is refused while one of its batches runs (from that batch's progress callback).
pub struct Handle<T> {
    inner: T,
    batches: AtomicUsize,
}

/// The C handle types, for Rust code that calls the C functions (the header names the structs).
pub type zseg_compressor = Handle<crate::compress::Compressor>;
/// See [`zseg_compressor`].
pub type zseg_decompressor = Handle<crate::decompress::Decompressor>;

/// A batch running on a handle: counted until dropped.
pub(super) struct Running<'a, T>(&'a Handle<T>);

impl<T> std::ops::Deref for Running<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.inner
    }
}

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        self.0.batches.fetch_sub(1, Ordering::Release);
    }
}

impl<T> Handle<T> {
    /// A new handle for the caller to free with [`free`].
    pub(super) fn boxed(inner: T) -> *mut Self {
        Box::into_raw(Box::new(Handle {
            inner,
            batches: AtomicUsize::new(0),
        }))
    }

    /// The object, for a batch (or a read) that counts as running on it while the guard lives.
    pub(super) fn run(&self) -> Running<'_, T> {
        self.batches.fetch_add(1, Ordering::Acquire);
        Running(self)
    }

    /// The object, for a read that needs no guard (nothing it returns outlives the call).
    pub(super) fn get(&self) -> &T {
        &self.inner
    }

    fn idle(&self) -> bool {
        self.batches.load(Ordering::Acquire) == 0
    }
}

/// The object behind `ptr` for a change, refused (`ZSEG_ERR_INVALID_ARGUMENT`) while a batch
/// runs on it.
///
/// # Safety
/// A non-NULL `ptr` must come from [`Handle::boxed`] and not be freed; no other thread may use
/// it during the call (a batch of the calling thread's, which calls back into the library from
/// its progress callback, is the case the count catches).
pub(super) unsafe fn idle_mut<'a, T>(ptr: *mut Handle<T>, what: &str) -> Result<&'a mut T> {
    // SAFETY: forwarded to our caller; shared first, because a running batch holds a shared
    // reference to the object.
    if !unsafe { handle(ptr, what)? }.idle() {
        return Err(busy(what));
    }
    // SAFETY: live, and no batch runs on it: this call is its only user.
    Ok(&mut unsafe { &mut *ptr }.inner)
}

/// Frees a handle from [`Handle::boxed`]; NULL, or a handle a batch runs on, is left alone.
///
/// # Safety
/// A non-NULL `ptr` must come from [`Handle::boxed`] and not be freed yet.
pub(super) unsafe fn free<T>(ptr: *mut Handle<T>) {
    // SAFETY: forwarded to our caller.
    match unsafe { ptr.as_ref() } {
        // SAFETY: from Box::into_raw in `boxed`, freed once, and no batch runs on it.
        Some(h) if h.idle() => guard_value((), || drop(unsafe { Box::from_raw(ptr) })),
        _ => {}
    }
}

fn busy(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "{what} cannot change while a batch runs on it (a call from that batch's progress \
             callback)"
        ),
    )
}
