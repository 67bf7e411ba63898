//! The C boundary, and nothing else: NULL checks, pointer to slice conversion, the panic
//! boundary, result codes and `zseg_error` filling, handle boxing. Every exported function
//! converts its arguments, calls the core and converts the result back.
//!
//! Handles: `zseg_buffer` is an `Arc<Buffer>` (shared by collections), the others are boxes.

#![allow(non_camel_case_types, clippy::not_unsafe_ptr_arg_deref)]

mod batch;
mod buffer;
mod collection;
mod compress;
mod decompress;
mod error;
mod handles;
mod seekable;

use std::ffi::c_char;
use std::mem::MaybeUninit;

pub use batch::*;
pub use buffer::*;
pub use collection::*;
pub use compress::*;
pub use decompress::*;
pub use error::*;
pub use handles::{zseg_compressor, zseg_decompressor, Handle};
pub use seekable::*;

use crate::batch::Items;
use crate::error::{Error, ErrorKind, Result};

/// A view of bytes, or one input item: `len` bytes at `ptr`. `ptr` may be NULL when `len` is 0;
/// an empty view is never dereferenced.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zseg_slice {
    /// First byte (NULL allowed when `len` is 0).
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl zseg_slice {
    fn of(bytes: &[u8]) -> Self {
        zseg_slice {
            ptr: if bytes.is_empty() {
                std::ptr::null()
            } else {
                bytes.as_ptr()
            },
            len: bytes.len(),
        }
    }
}

fn null(what: &str) -> Error {
    Error::new(ErrorKind::Null, format!("{what} is NULL"))
}

/// Checks an element count fits in memory, as slices require.
fn check_len<T>(len: usize, what: &str) -> Result<()> {
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what}: {len} elements cannot fit in memory"),
        ));
    }
    Ok(())
}

/// An array of `T` at a misaligned address (possible from C by a cast, e.g. records read at an
/// odd offset of a byte stream) is an error rather than undefined behaviour.
fn check_aligned<T>(ptr: *const T, what: &str) -> Result<()> {
    if ptr.is_aligned() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "{what}: the array is not aligned to {} bytes",
            std::mem::align_of::<T>()
        ),
    ))
}

/// The caller's array of `len` elements; NULL with `len` 0 is empty.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` elements for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    check_len::<T>(len, what)?;
    check_aligned(ptr, what)?;
    // SAFETY: non-NULL, aligned, length checked, validity guaranteed by the caller (see above).
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// The caller's writable array of `len` elements, possibly uninitialized; NULL with `len` 0 is
/// empty.
///
/// # Safety
/// A non-NULL `ptr` must be valid for writes of `len` elements for `'a`, and not aliased.
unsafe fn slice_out<'a, T>(
    ptr: *mut T,
    len: usize,
    what: &str,
) -> Result<&'a mut [MaybeUninit<T>]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    check_len::<T>(len, what)?;
    check_aligned(ptr, what)?;
    // SAFETY: non-NULL, aligned, length checked, validity guaranteed by the caller;
    // MaybeUninit makes no claim about the current contents.
    Ok(std::slice::from_raw_parts_mut(ptr.cast(), len))
}

/// A handle the caller passed in.
///
/// # Safety
/// A non-NULL `ptr` must point to a live object of type `T` for `'a`.
unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T> {
    // SAFETY: guaranteed by the caller (see above).
    ptr.as_ref().ok_or_else(|| null(what))
}

/// An out-pointer, checked before any work so that a NULL one fails early.
fn out<T>(ptr: *mut T, what: &str) -> Result<*mut T> {
    if ptr.is_null() {
        Err(null(what))
    } else {
        Ok(ptr)
    }
}

/// Writes `value` through a non-NULL out-pointer (checked by [`out`], or tested by the caller),
/// whatever its alignment.
fn put<T>(ptr: *mut T, value: T) {
    // SAFETY: ptr is non-NULL; the caller provides writable memory for one T.
    unsafe { ptr.write_unaligned(value) }
}

/// The caller's array of items, each checked: a NULL `ptr` with a nonzero `len` is
/// `ZSEG_ERR_NULL` with `item` set.
struct SliceItems<'a>(&'a [zseg_slice]);

// SAFETY: the caller guarantees the items stay readable and unmodified during the call, from
// any thread (documented on every batch function).
unsafe impl Sync for SliceItems<'_> {}

impl<'a> SliceItems<'a> {
    /// # Safety
    /// As for [`slice`]; each item must be readable for its `len` bytes for `'a`.
    unsafe fn new(ptr: *const zseg_slice, n: usize) -> Result<Self> {
        // SAFETY: forwarded to our caller.
        let items = slice(ptr, n, "items")?;
        for (i, it) in items.iter().enumerate() {
            if it.ptr.is_null() && it.len != 0 {
                return Err(null(&format!("item {i}'s ptr (with len {})", it.len)).at(i));
            }
            check_len::<u8>(it.len, "item length").map_err(|e| e.at(i))?;
        }
        Ok(SliceItems(items))
    }
}

impl Items for SliceItems<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn item(&self, i: usize) -> &[u8] {
        let it = self.0[i];
        if it.len == 0 {
            return &[];
        }
        // SAFETY: checked non-NULL with a length that fits in `new`; readability for the
        // duration of the call is the caller's contract.
        unsafe { std::slice::from_raw_parts(it.ptr, it.len) }
    }
}

/// Caller memory that a call writes: the argument's name and its address range.
#[derive(Clone, Copy)]
struct Written {
    what: &'static str,
    start: usize,
    len: usize,
}

impl Written {
    /// `count` elements of `T` at `ptr`.
    fn of<T>(what: &'static str, ptr: *const T, count: usize) -> Self {
        Written {
            what,
            start: ptr as usize,
            len: count.saturating_mul(std::mem::size_of::<T>()),
        }
    }

    /// Whether `other` shares a byte with this memory.
    fn meets(&self, other: &Written) -> bool {
        self.len != 0
            && other.len != 0
            && other.start < self.start.saturating_add(self.len)
            && self.start < other.start.saturating_add(other.len)
    }

    /// Refuses (`ZSEG_ERR_INVALID_ARGUMENT`) `other` sharing a byte with this memory.
    fn apart_from(&self, other: &Written) -> Result<()> {
        if !self.meets(other) {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{} overlaps {}: a call's outputs must not share memory with its inputs or one \
                 another",
                self.what, other.what
            ),
        ))
    }
}

/// Refuses outputs that share memory with one another, with the items array or with an item
/// (`item` set): the call would write bytes that it reads, or writes, through another argument.
fn check_apart(written: &[Written], items: &SliceItems) -> Result<()> {
    let array = Written::of("the items array", items.0.as_ptr(), items.0.len());
    for (k, a) in written.iter().enumerate() {
        for b in written[k + 1..].iter().chain([&array]) {
            a.apart_from(b)?;
        }
    }
    // Items usually lie together, away from the outputs: one pass finds their span first.
    let span = items
        .0
        .iter()
        .filter(|it| it.len != 0)
        .fold(None, |span, it| {
            let (start, end) = (it.ptr as usize, (it.ptr as usize).saturating_add(it.len));
            Some(span.map_or((start, end), |(lo, hi): (usize, usize)| {
                (lo.min(start), hi.max(end))
            }))
        });
    let Some((lo, hi)) = span else {
        return Ok(());
    };
    let span = Written::of("the items", lo as *const u8, hi - lo);
    if !written.iter().any(|w| w.meets(&span)) {
        return Ok(());
    }
    for (i, it) in items.0.iter().enumerate() {
        let item = Written::of("an item", it.ptr, it.len);
        for w in written {
            w.apart_from(&item).map_err(|e| e.at(i))?;
        }
    }
    Ok(())
}

/// The library version ("0.1.0"): a static string, never NULL, never to be freed. Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// zstd's version number in `ZSTD_versionNumber()` encoding (10507 for 1.5.7). Thread-safe.
#[no_mangle]
pub extern "C" fn zseg_zstd_version() -> std::ffi::c_uint {
    crate::zstd_version()
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_current() {
        let generated = std::fs::read_to_string(env!("ZSEG_GENERATED_HEADER"))
            .expect("build.rs generated the header");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/zseg.h");
        if std::env::var_os("ZSEG_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "include/zseg.h is stale: run `ZSEG_BLESS=1 cargo test header_is_current`"
        );
    }
}
