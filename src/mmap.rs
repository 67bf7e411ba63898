//! A read-only memory mapping of a whole file, used as buffer storage.
//!
//! Like `zstd.rs` for zstd, this is the one module that calls the operating system's `mmap`;
//! it also holds the other hints about memory (huge pages, prefetch).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

/// A private, read-only mapping of a file; unmapped on drop.
pub struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned; any thread may read it.
unsafe impl Send for Mmap {}
// SAFETY: as above; nothing mutates it.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps all of `file` (an empty file gives an empty mapping).
    ///
    /// # Safety
    /// The file must not be written to or truncated, by this or any other process, while the
    /// mapping (or anything holding its bytes) lives: the bytes behind the `&[u8]` it hands out
    /// would change, which Rust forbids, and reading a page past a truncated end raises SIGBUS.
    pub unsafe fn map(file: &File) -> std::io::Result<Self> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("file too large to map"))?;
        if len == 0 {
            return Ok(Mmap {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        // SAFETY: a fresh private read-only mapping of an open descriptor; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let ptr =
            NonNull::new(p.cast::<u8>()).ok_or_else(|| std::io::Error::other("mmap gave NULL"))?;
        Ok(Mmap { ptr, len })
    }
}

impl AsRef<[u8]> for Mmap {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the mapping is len readable bytes, alive until drop. (Another process truncating
        // the file can raise SIGBUS, as with any mapped file; documented in the header.)
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: unmapping exactly the region mapped in `map`, once.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
        }
    }
}

/// Asks the kernel to back the 2 MiB-aligned part of `region` with transparent huge pages, so
/// that first touches fault once per 2 MiB instead of once per 4 KiB. Advisory: errors (no THP
/// support) are ignored.
pub fn advise_huge_pages<T>(region: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let start = region.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(region);
    let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
    if first < last {
        // SAFETY: [first, last) lies inside memory this process owns; MADV_HUGEPAGE changes
        // only how it is backed, never its contents.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            )
        };
    }
}

/// How many items ahead of the one it reads a pass over scattered items prefetches (see
/// [`prefetch`]): enough to cover a miss to memory, few enough to stay in the cache.
pub(crate) const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to start loading the cache line that holds the first byte of `bytes`, so that a
/// pass touching one line each of many scattered items overlaps their cache misses instead of
/// waiting for each in turn. A hint only: it does nothing elsewhere than on x86-64.
#[inline]
pub fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if !bytes.is_empty() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86-64; a prefetch never faults and changes no memory, and the
        // address is inside a live slice anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}
